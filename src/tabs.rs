//! Messages between the tabs of this app on one device, over a
//! BroadcastChannel: which record, or which part of the stored data,
//! another tab changed. Each tab reads the change back from the store.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

const CHANNEL_NAME: &str = "papi-tracker.records";

/// What another tab changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TabMessage {
    /// A record was saved (created, edited, deleted or restored).
    Record(Uuid),
    /// This unit's outbox or batch history.
    Outbox,
    /// The data received from batches.
    Received,
}

thread_local! {
    static CHANNEL: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
}

/// Tell the other tabs (none before `listen`).
pub fn broadcast(msg: TabMessage) {
    CHANNEL.with(|c| {
        if let (Some(c), Ok(text)) = (c.borrow().as_ref(), serde_json::to_string(&msg)) {
            let _ = c.post_message(&text.into());
        }
    });
}

/// Open the channel and hand every message of another tab to `on_message`.
pub fn listen(on_message: impl Fn(TabMessage) + 'static) {
    let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL_NAME) else {
        return;
    };
    let handler = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        if let Some(msg) = ev
            .data()
            .as_string()
            .and_then(|t| serde_json::from_str(&t).ok())
        {
            on_message(msg);
        }
    });
    channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    CHANNEL.with(|c| *c.borrow_mut() = Some(channel));
}
