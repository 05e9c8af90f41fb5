//! The first-visit build (cargo feature `first-visit`): what a device that
//! holds nothing yet needs first, the first-run form, without the rest of
//! the app (the store, the sync, every other screen). index.html's loader
//! (written by scripts/place-wasm.mjs) starts it when this browser keeps
//! nothing of the app; otherwise, and after the form is saved, the app.
//! The form is the app's own (`ui::setup::UnitForm`, one form and one
//! validation for both builds); the service worker keeps the app's main
//! module meanwhile, so the hand-over works offline once it has.

use leptos::prelude::*;

use crate::app::AppState;

/// Mount the first screen; once a unit is chosen (the 2020 workspace's
/// settings, or today's `home`; here, or by another tab), hand over to the
/// app, which finds it.
pub fn mount() {
    leptos::mount::mount_to_body(|| {
        let app = AppState::new();
        provide_context(app);
        provide_context(app.notices);
        Effect::new(move || {
            if app.settings.with(Option::is_some) || app.home.with(Option::is_some) {
                crate::platform::hand_over_saying(None);
            }
        });
        view! { <crate::ui::welcome::FirstVisit/> }
    });
}
