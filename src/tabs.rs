//! Messages between the tabs of this app on one device, over a
//! BroadcastChannel: which record, or which part of the stored data,
//! another tab changed. Each tab reads the change back from the store.

use std::cell::RefCell;

use uuid::Uuid;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

const CHANNEL_NAME: &str = "papi-tracker.records";

/// What another tab changed. On the channel it is a short text (`text`,
/// `from_text`): a record's id, "outbox" or "received"; hand-written rather
/// than serde, which would make the wasm larger for three cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TabMessage {
    /// A record was saved (created, edited, deleted or restored).
    Record(Uuid),
    /// This unit's outbox or batch history.
    Outbox,
    /// The data received from batches.
    Received,
}

impl TabMessage {
    fn text(&self) -> String {
        match self {
            TabMessage::Record(id) => id.to_string(),
            TabMessage::Outbox => "outbox".into(),
            TabMessage::Received => "received".into(),
        }
    }

    fn from_text(text: &str) -> Option<Self> {
        match text {
            "outbox" => Some(TabMessage::Outbox),
            "received" => Some(TabMessage::Received),
            id => Uuid::parse_str(id).ok().map(TabMessage::Record),
        }
    }
}

thread_local! {
    static CHANNEL: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
}

/// Tell the other tabs (none before `listen`).
pub fn broadcast(msg: TabMessage) {
    CHANNEL.with(|c| {
        if let Some(c) = c.borrow().as_ref() {
            let _ = c.post_message(&msg.text().into());
        }
    });
}

/// Open the channel and hand every message of another tab to `on_message`.
pub fn listen(on_message: impl Fn(TabMessage) + 'static) {
    let Ok(channel) = web_sys::BroadcastChannel::new(&crate::workspace::key(CHANNEL_NAME)) else {
        return;
    };
    let handler =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            if let Some(msg) = ev
                .data()
                .as_string()
                .and_then(|t| TabMessage::from_text(&t))
            {
                on_message(msg);
            }
        });
    channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    CHANNEL.with(|c| *c.borrow_mut() = Some(channel));
}
