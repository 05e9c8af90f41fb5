//! The size floor of the app's stack, for BENCHMARKS.md (scripts/bench.mjs
//! builds it): Leptos, the whole core (plan and units parsed, validation,
//! batch parse and seal, the merge and the report), IndexedDB opened, and a
//! one-line view. Every screen of the app comes on top of this.
//!   cargo build --release --target wasm32-unknown-unknown --example size_floor
use leptos::prelude::*;
use papi_core::batch::{Batch, BatchKind, Header};
use papi_core::merge::{AppliedBatch, Received, Scope};
use papi_core::report::{Period, Rows};
use papi_core::validation::{validate, Context};
use papi_core::{Draft, Plan, Units};

fn main() {
    let plan = Plan::from_json(papi_core::BAC_KAN_124_2020).expect("plan");
    let units = Units::from_json(papi_core::BAC_KAN_UNITS_2020)
        .expect("units")
        .with_bodies(&plan);
    // Input the optimiser cannot see through, so nothing is left out.
    let input = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item("size-floor").ok().flatten())
        .unwrap_or_default();
    let now =
        chrono::DateTime::from_timestamp(js_sys::Date::now() as i64 / 1000, 0).unwrap_or_default();
    let parsed = papi_core::batch::parse(input.as_bytes(), &plan, &units, now);
    let draft: Draft = serde_json::from_str(&input).unwrap_or_default();
    let valid = units.get(&draft.task_id).map(|u| {
        let cx = Context {
            plan: &plan,
            unit: u,
            today: now.date_naive(),
            successor: units.successor(&u.code),
            retired_tasks: true,
        };
        validate(&draft, &cx).is_ok()
    });
    let entries: Vec<AppliedBatch> = serde_json::from_str(&input).unwrap_or_default();
    let received = Received::from_entries(entries);
    let rows = Rows::new(&Scope::Province, &units);
    let report = papi_core::report::report(
        received.records.values(),
        &plan,
        &units,
        &rows,
        Period::Year(2020),
    );
    let sealed = parsed.as_ref().ok().map(|b| {
        let h = Header {
            plan: &plan,
            units: &units.id,
            unit_code: &b.unit_code,
            device_id: "size-floor",
            created_at: now,
            signer: b.signer.as_deref().unwrap_or_default(),
        };
        Batch::seal(&h, BatchKind::Changes, 1, b.records.clone()).to_json()
    });
    wasm_bindgen_futures::spawn_local(async {
        if let Ok(open) = idb::Factory::new().and_then(|f| f.open("size-floor", Some(1))) {
            let _ = open.await;
        }
    });
    let line = format!(
        "{} {} {valid:?} {:?} {} {}",
        plan.tasks().count(),
        units.communes().count(),
        parsed.err().map(|e| e.message_vi()),
        report.dimensions.len(),
        sealed.map(|s| s.len()).unwrap_or(0)
    );
    leptos::mount::mount_to_body(move || view! { <p>{line}</p> });
}
