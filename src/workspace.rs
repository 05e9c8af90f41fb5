//! The workspace: the plan this device works on. Several plans live side by
//! side, each in its own IndexedDB database (GSO reuses codes across
//! datasets, so records, batches and received data of two plans must never
//! mix) and with its own unit settings. The shipped 2020 plan keeps the
//! original database and keys. The plans known besides the shipped one
//! (imported from a file, fetched from the server, made by the province)
//! are kept as their text in localStorage and join the catalogue at start.
//! The active plan is read once per page: switching reloads the app.

use std::sync::LazyLock;

use gloo_storage::{LocalStorage, Storage};
use papi_core::catalogue::Catalogue;
use papi_core::{Plan, Units};

/// The active plan's id (its latest version is used).
const ACTIVE_KEY: &str = "papi-tracker.active-plan";
/// The texts of the plans known besides the shipped one.
const PLANS_KEY: &str = "papi-tracker.plans";
/// The shipped plan's database (schema of `store::idb_store`).
pub const SHIPPED_DB: &str = "papi-tracker";

/// The shipped plan's id.
pub fn shipped_id() -> &'static str {
    static ID: LazyLock<String> = LazyLock::new(|| {
        Plan::from_json(papi_core::BAC_KAN_124_2020)
            .expect("the shipped plan is valid")
            .id
    });
    &ID
}

/// The active plan's id for this page (read once): the one chosen last;
/// else the plan of the province chosen on the first screen (`home`), once
/// the device holds one; else the shipped plan.
pub fn active_id() -> &'static str {
    static ACTIVE: LazyLock<String> = LazyLock::new(|| {
        let id: Option<String> = LocalStorage::get(ACTIVE_KEY).ok();
        match id {
            Some(id) if catalogue().latest(&id).is_some() => id,
            _ => crate::home::load()
                .and_then(|h| plan_of_dataset(&h.dataset))
                .map(|p| p.id)
                .unwrap_or_else(|| shipped_id().to_string()),
        }
    });
    &ACTIVE
}

/// The newest plan this device knows for the unit dataset `units` (the
/// latest version of the plan issued last).
pub fn plan_of_dataset(units: &str) -> Option<Plan> {
    choices()
        .into_iter()
        .filter(|p| p.units == units)
        .max_by_key(|p| p.document.date)
}

/// Whether the active plan is the shipped one (the original database).
pub fn is_shipped() -> bool {
    active_id() == shipped_id()
}

/// Work on the plan `id` from now: remembered, then the app starts again
/// on that plan's data.
pub fn switch_to(id: &str) -> Result<(), String> {
    set_active(id)?;
    crate::platform::window()
        .location()
        .reload()
        .map_err(|e| format!("{e:?}"))
}

/// Remember `id` as the plan to work on from the next start.
pub fn set_active(id: &str) -> Result<(), String> {
    LocalStorage::set(ACTIVE_KEY, id).map_err(|e| e.to_string())
}

/// The database of a plan: the shipped plan keeps the original one; any
/// other has its own, named from its id.
pub fn db_name_of(plan_id: &str) -> String {
    if plan_id == shipped_id() {
        SHIPPED_DB.to_string()
    } else {
        let safe: String = plan_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{SHIPPED_DB}@{safe}")
    }
}

/// The active workspace's database.
pub fn db_name() -> String {
    db_name_of(active_id())
}

/// A localStorage key of the active workspace: the key itself for the
/// shipped plan, suffixed with the plan id for any other.
pub fn key(base: &str) -> String {
    key_of(base, active_id())
}

/// A localStorage key of the workspace of `plan_id`.
pub fn key_of(base: &str, plan_id: &str) -> String {
    if plan_id == shipped_id() {
        base.to_string()
    } else {
        format!("{base}@{plan_id}")
    }
}

fn stored_texts() -> Vec<String> {
    LocalStorage::get(PLANS_KEY).unwrap_or_default()
}

/// The shipped catalogue plus every stored dataset (`home`) and plan that
/// still reads (the reform not joined: `UNITS_JOINED`).
pub fn catalogue() -> Catalogue {
    let mut c = Catalogue::shipped_unjoined();
    for text in crate::home::stored_datasets() {
        if let Ok(units) = papi_core::Units::from_json(&text) {
            let _ = c.add_dataset(units);
        }
    }
    for text in stored_texts() {
        if let Ok(plan) = Plan::from_json(&text) {
            let _ = c.add_plan(plan);
        }
    }
    c
}

/// Add a plan's text (a file, the server, the plan builder) to the known
/// plans. `Ok(Some(plan))` when new, `Ok(None)` when that very plan is
/// held; an error in Vietnamese when it cannot join (unreadable, of a
/// dataset this build lacks, or the same version with other content).
pub fn add(text: &str) -> Result<Option<Plan>, String> {
    let plan = Plan::from_json(text).map_err(|e| format!("tệp kế hoạch không hợp lệ: {e}"))?;
    let mut c = catalogue();
    match c.add_plan(plan.clone()) {
        Ok(false) => Ok(None),
        Ok(true) => {
            let mut texts = stored_texts();
            texts.push(plan.to_json());
            LocalStorage::set(PLANS_KEY, texts)
                .map_err(|e| format!("không lưu được kế hoạch trên máy này: {e}"))?;
            Ok(Some(plan))
        }
        Err(e) => Err(e.message_vi()),
    }
}

/// `add`, first fetching the plan's unit dataset when it is one of the 34
/// provinces' and this device lacks it (a plan from the server or a file
/// of another province than the one chosen).
pub async fn add_fetching(text: &str) -> Result<Option<Plan>, String> {
    if let Ok(plan) = Plan::from_json(text) {
        if catalogue().dataset(&plan.units).is_none()
            && crate::home::index().by_dataset(&plan.units).is_some()
        {
            crate::home::fetch_dataset(&plan.units).await?;
        }
    }
    add(text)
}

/// The active plan (the latest version of the active id).
pub fn active_plan() -> Plan {
    catalogue()
        .latest(active_id())
        .cloned()
        .unwrap_or_else(|| Plan::from_json(papi_core::BAC_KAN_124_2020).expect("shipped plan"))
}

/// A plan as people name it: "Kế hoạch số 124/KH-UBND ngày 15/06/2020 —
/// title (phiên bản 2020.2)".
pub fn label_vi(plan: &Plan) -> String {
    format!(
        "Kế hoạch số {} ngày {}: {} (phiên bản {})",
        plan.document.number,
        papi_core::dates::format_vn(plan.document.date),
        plan.document.title,
        plan.version
    )
}

/// One plan id per entry: the latest version of each plan known.
pub fn choices() -> Vec<Plan> {
    let c = catalogue();
    let ids: Vec<&str> = c.plans().iter().map(|p| p.id.as_str()).collect();
    let mut seen = std::collections::BTreeSet::new();
    ids.into_iter()
        .filter(|id| seen.insert(*id))
        .filter_map(|id| c.latest(id).cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn plan_text(id: &str, version: &str, units: &str) -> String {
        let mut p = Plan::from_json(papi_core::BAC_KAN_124_2020).unwrap();
        p.id = id.into();
        p.version = version.into();
        p.units = units.into();
        p.to_json()
    }

    #[wasm_bindgen_test]
    fn each_plan_has_its_own_database() {
        assert_eq!(db_name_of(shipped_id()), SHIPPED_DB);
        let other = db_name_of("thai-nguyen-papi-2026");
        assert_eq!(other, "papi-tracker@thai-nguyen-papi-2026");
        assert_ne!(db_name_of("a/b"), db_name_of("a"));
        // And its own settings: the shipped plan keeps the original keys.
        assert_eq!(
            key_of("papi-tracker.sync", shipped_id()),
            "papi-tracker.sync"
        );
        assert_eq!(
            key_of("papi-tracker.sync", "thai-nguyen-papi-2026"),
            "papi-tracker.sync@thai-nguyen-papi-2026"
        );
    }

    #[wasm_bindgen_test]
    fn plans_join_the_catalogue_once_and_unknown_datasets_are_refused() {
        LocalStorage::delete(PLANS_KEY);
        let text = plan_text("ws-test-2026", "2026.1", "thai-nguyen-2025");
        let added = add(&text).unwrap().expect("new");
        assert_eq!(added.units, "thai-nguyen-2025");
        assert!(
            add(&text).unwrap().is_none(),
            "the same plan twice is held once"
        );
        assert!(catalogue().latest("ws-test-2026").is_some());
        assert!(choices().iter().any(|p| p.id == "ws-test-2026"));
        // The same version with other content.
        let mut changed = Plan::from_json(&text).unwrap();
        changed.document.title = "khác".into();
        let e = add(&changed.to_json()).unwrap_err();
        assert!(e.contains("phiên bản mới"), "{e}");
        // A dataset this build lacks.
        let e = add(&plan_text("ws-x", "1", "ha-noi-2030")).unwrap_err();
        assert!(e.contains("ha-noi-2030"), "{e}");
        assert!(add("{not json").unwrap_err().contains("không hợp lệ"));
        LocalStorage::delete(PLANS_KEY);
    }
}

/// The active plan (this workspace's).
pub static PLAN: LazyLock<Plan> = LazyLock::new(active_plan);
/// Who records against the active plan: its dataset and recording bodies
/// (without the successors of a reform that ended the dataset: `UNITS_JOINED`).
pub static UNITS: LazyLock<Units> = LazyLock::new(|| {
    if !is_shipped() {
        if let Some(units) = catalogue().units_for(&PLAN) {
            return units.clone();
        }
    }
    Units::from_json(papi_core::BAC_KAN_UNITS_2020)
        .expect("the shipped units are valid")
        .with_bodies(&PLAN)
});
/// `UNITS` with the successors of the reform that ended their dataset (the
/// 2020 units end on 30/06/2025): for an activity's date against its unit's
/// end and the history across the reform. Read only by screens split off
/// the main wasm, so the reform's data and code are in their chunks.
pub static UNITS_JOINED: LazyLock<Units> =
    LazyLock::new(|| papi_core::catalogue::join_reform(UNITS.clone()));
