//! The root component: builds the state and provides it, has the store
//! opened and read once the device works for a unit (`crate::start`), and
//! shows the first-run form or the shell.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::AppState;
use crate::inbox::InboxState;
use crate::outbox::OutboxState;
use crate::sync::SyncState;
use crate::ui;

#[component]
pub fn App() -> impl IntoView {
    let app = AppState::new();
    provide_context(app);
    provide_context(app.notices);
    provide_context(crate::form::FormState::new(app));
    let pwa = crate::pwa::PwaState::watch();
    provide_context(pwa);
    let outbox = OutboxState::new(app);
    provide_context(outbox);
    let inbox = InboxState::new(app);
    provide_context(inbox);
    let sync = SyncState::new(app, outbox, pwa);
    provide_context(sync);
    crate::plan_fetch::KnownPlans::provide().watch(app, pwa);

    // A change of unit (Settings) brings that unit's outbox and history.
    Effect::watch(
        move || app.unit_code(),
        move |_, _, _| spawn_local(async move { outbox.refresh_outbox().await }),
        false,
    );

    crate::start::when_set_up(app, pwa, outbox, inbox, sync);

    view! {
        <ui::enrol::EnrolLink/>
        {move || if app.settings.with(Option::is_none) {
            view! { <ui::setup::FirstRun/> }.into_any()
        } else {
            view! { <ui::shell::Shell/> }.into_any()
        }}
        <ui::shell::Notices/>
    }
}
