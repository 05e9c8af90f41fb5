//! Screens off the first screen's path, split off the main wasm: the build
//! (scripts/build-wasm.sh) cuts the code of each split point into a chunk of
//! its own, fetched when the screen is first opened and precached by the
//! service worker in the background once the app is interactive. The
//! commune's first screen (the first-run form, then the task list) never
//! waits for them.
//!
//! Leptos's `#[lazy]` is this same `wasm_split` attribute, but it panics
//! (with `panic = "abort"`, the whole app dies) when a chunk cannot be
//! fetched, e.g. offline before the background precache has finished; here a
//! failed load is shown with a retry button instead (`fallible`).

use leptos::prelude::*;
use leptos::wasm_split::wasm_split;

use crate::ui::activity_list::{ActivityList, Timeline};
use crate::ui::chunk::{screen, Loaded};
use crate::ui::settings::SettingsPage;
use crate::ui::{activity_form::ActivityForm, batches::Batches};
use crate::ui::{
    dashboard::{Dashboard, WhenRead},
    import::Import,
    plan_text::PlanText,
    report::ReportPage,
};

// The activity form and the journal: a commune's daily work, fetched right
// after the first screen (see `preload_daily`).
#[wasm_split(daily, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_daily_chunk))]
fn activity_form_view() -> Loaded {
    not_in_first_visit!();
    Ok(view! { <ActivityForm/> }.into_any())
}

#[wasm_split(daily, wasm_split_path = ::leptos::wasm_split, fallible)]
fn timeline_view() -> Loaded {
    not_in_first_visit!();
    Ok(view! { <Timeline/> }.into_any())
}

// A task card's activities: the journal's list, in the same chunk.
#[wasm_split(daily, wasm_split_path = ::leptos::wasm_split, fallible)]
fn task_activities_view(task_id: String) -> Loaded {
    not_in_first_visit!();
    Ok(view! { <ActivityList task_id=Some(task_id)/> }.into_any())
}

pub fn task_activities(task_id: String) -> AnyView {
    screen(move || task_activities_view(task_id.clone()))
}

#[wasm_split(batches, wasm_split_path = ::leptos::wasm_split, fallible)]
fn batches_view() -> Loaded {
    not_in_first_visit!();
    Ok(view! { <Batches/> }.into_any())
}

#[wasm_split(settings, wasm_split_path = ::leptos::wasm_split, fallible)]
fn settings_view() -> Loaded {
    not_in_first_visit!();
    Ok(view! { <SettingsPage/> }.into_any())
}

#[wasm_split(plan_text, wasm_split_path = ::leptos::wasm_split, fallible)]
fn plan_text_view() -> Loaded {
    not_in_first_visit!();
    Ok(view! { <PlanText/> }.into_any())
}

#[wasm_split(report, wasm_split_path = ::leptos::wasm_split, fallible)]
fn report_view() -> Loaded {
    not_in_first_visit!();
    Ok(view! { <WhenRead><ReportPage/></WhenRead> }.into_any())
}

#[wasm_split(import, wasm_split_path = ::leptos::wasm_split, fallible)]
fn import_view() -> Loaded {
    not_in_first_visit!();
    Ok(view! { <Import/> }.into_any())
}

#[wasm_split(dashboard, wasm_split_path = ::leptos::wasm_split, fallible)]
fn dashboard_view() -> Loaded {
    not_in_first_visit!();
    Ok(view! { <WhenRead><Dashboard/></WhenRead> }.into_any())
}

// The plans known and the province's plan builder (with the plan sheets'
// reading): opened rarely, never on a commune's first screen.
#[wasm_split(plans, wasm_split_path = ::leptos::wasm_split, fallible)]
fn plans_view() -> Loaded {
    not_in_first_visit!();
    Ok(view! { <crate::ui::plans::PlansPage/> }.into_any())
}

// A province chosen whose plan the device lacks: the plan builder or the
// way the plan comes, in the plans chunk.
#[wasm_split(plans, wasm_split_path = ::leptos::wasm_split, fallible)]
fn no_plan_view() -> Loaded {
    not_in_first_visit!();
    Ok(view! { <crate::ui::no_plan::NoPlan/> }.into_any())
}

// What a unit heard from its receiver, above its first screen's tasks:
// fetched after the first screen, only on a device that has heard something
// or has a server to ask.
#[wasm_split(heard, wasm_split_path = ::leptos::wasm_split, fallible)]
fn heard_view() -> Loaded {
    not_in_first_visit!();
    Ok(view! { <crate::ui::heard::HeardPanel/> }.into_any())
}

pub fn heard() -> AnyView {
    screen(heard_view)
}
pub fn no_plan() -> AnyView {
    screen(no_plan_view)
}
pub fn plans() -> AnyView {
    screen(plans_view)
}
pub fn activity_form() -> AnyView {
    screen(activity_form_view)
}
pub fn timeline() -> AnyView {
    screen(timeline_view)
}
pub fn batches() -> AnyView {
    screen(batches_view)
}
pub fn settings() -> AnyView {
    screen(settings_view)
}
pub fn plan_text() -> AnyView {
    screen(plan_text_view)
}
pub fn report() -> AnyView {
    screen(report_view)
}
pub fn import() -> AnyView {
    screen(import_view)
}
pub fn dashboard() -> AnyView {
    screen(dashboard_view)
}

/// Once the first screen is up: fetch the activity form's chunk, so that
/// "Ghi hoạt động" opens at once (a failure is retried when the form opens).
pub fn preload_daily() {
    leptos::task::spawn_local(async {
        let _ = preload_daily_chunk().await;
    });
}
