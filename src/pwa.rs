//! The app's side of the service worker and of network state. The worker is
//! registered by a small script in index.html (so no wasm waits for it); it
//! announces a waiting update with a "papi-update" event and network changes
//! with "papi-net" ("online", "offline", "syncing").

use leptos::prelude::*;

use crate::platform::{self, window};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    Online,
    Offline,
    /// Talking to the server (checking for or downloading an update).
    Syncing,
}

impl Net {
    fn parse(s: &str) -> Net {
        match s {
            "offline" => Net::Offline,
            "syncing" => Net::Syncing,
            _ => Net::Online,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Net::Online => "Trực tuyến",
            Net::Offline => "Ngoại tuyến",
            Net::Syncing => "Đang đồng bộ…",
        }
    }
}

/// The network as the service worker and the sync see it, and whether a
/// new version waits. Its own concern, provided as a context (`use_pwa`).
#[derive(Clone, Copy)]
pub struct PwaState {
    pub net: RwSignal<Net>,
    pub update_ready: RwSignal<bool>,
}

pub fn use_pwa() -> PwaState {
    expect_context::<PwaState>()
}

impl PwaState {
    /// The state as the page starts, following the worker's events from now.
    pub fn watch() -> PwaState {
        let pwa = PwaState {
            net: RwSignal::new(Net::Online),
            update_ready: RwSignal::new(false),
        };
        follow(pwa.net, pwa.update_ready);
        pwa
    }
}

/// Follow network state and update availability into signals.
fn follow(net: RwSignal<Net>, update_ready: RwSignal<bool>) {
    let initial = platform::call_global("papiNetState").and_then(|v| v.as_string());
    net.set(match initial {
        Some(s) => Net::parse(&s),
        None if crate::platform::online() => Net::Online,
        None => Net::Offline,
    });
    if platform::call_global("papiUpdateWaiting").and_then(|v| v.as_bool()) == Some(true) {
        update_ready.set(true);
    }
    let _ = window_event_listener_untyped("papi-net", move |ev| {
        let detail = js_sys::Reflect::get(&ev, &"detail".into())
            .ok()
            .and_then(|v| v.as_string());
        if let Some(d) = detail {
            net.set(Net::parse(&d));
        }
    });
    let _ = window_event_listener_untyped("papi-update", move |_| update_ready.set(true));
}

/// The user agreed: activate the waiting version and reload. The open form
/// is already on disk (session::OpenForm) and comes back after the reload.
pub fn apply_update() {
    if platform::call_global("papiApplyUpdate").is_none() {
        let _ = window().location().reload();
    }
}
