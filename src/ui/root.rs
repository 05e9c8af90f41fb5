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
    let entries = crate::entries::EntriesState::new(app);
    provide_context(entries);
    let outbox = OutboxState::new(app, entries);
    provide_context(outbox);
    let inbox = InboxState::new(app);
    provide_context(inbox);
    let sync = SyncState::new(app, outbox, pwa);
    provide_context(sync);
    crate::plan_fetch::KnownPlans::provide().watch(app, pwa);

    // A change of unit (Settings) brings that unit's outbox and history.
    Effect::watch(
        move || app.unit_code(),
        move |_, _, _| {
            let _ = entries.refresh();
            spawn_local(async move { outbox.refresh_outbox().await })
        },
        false,
    );

    crate::start::when_set_up(app, pwa, outbox, inbox, sync);
    ui::enrol::Enrolment::provide();
    enter_home(app);

    view! {
        <ui::enrol::EnrolLink/>
        {move || if app.settings.with(Option::is_some) {
            view! { <ui::shell::Shell/> }.into_any()
        } else if app.home.with(Option::is_some) {
            crate::ui::lazy::no_plan()
        } else {
            view! { <ui::welcome::FirstRun/> }.into_any()
        }}
        <ui::shell::Notices/>
    }
}

/// A province chosen on the first screen (`crate::home`) whose plan this
/// device holds: its workspace is opened (the page starts again on it,
/// taking the choice as its settings). A commune or a body waiting for the
/// plan is moved as soon as it arrives; the Sở Nội vụ, which may be
/// publishing the plan it just built, chooses when (`ui::no_plan`).
fn enter_home(app: AppState) {
    let known = crate::plan_fetch::use_known_plans();
    Effect::new(move || {
        known.0.track();
        let Some(home) = app.home.get() else { return };
        if app.settings.with_untracked(Option::is_some) {
            return;
        }
        // The plan in use is the province's: the choice is its settings
        // (else `no_plan` says the plan names no such unit, and asks again).
        if home.dataset == crate::workspace::PLAN.units {
            if let Some(s) = crate::app::adopt_home() {
                app.settings.set(Some(s));
            }
            return;
        }
        if ui::welcome::is_office(&home) {
            return;
        }
        if let Some(plan) = crate::workspace::plan_of_dataset(&home.dataset) {
            let _ = crate::workspace::switch_to(&plan.id);
        }
    });
}
