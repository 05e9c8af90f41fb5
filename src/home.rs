//! The device's place in today's world, chosen on the first screen: a
//! province's 2025 unit dataset, the unit (a commune, the Sở Nội vụ or
//! another provincial body) and the official's name. It comes before any
//! plan: the workspace of the province's plan takes it as its settings (no
//! second set-up); until that plan reaches the device, the root shows the
//! way to it (`ui::no_plan`). The 2020 history is not a home: it is the
//! shipped plan's workspace, set up by its own form.
//!
//! A device holds only its province's dataset: fetched from the app's own
//! origin (`/units/<file>`, copied there by the build) when the province is
//! picked, checked, and kept in localStorage, so it reads offline from then
//! on, with or without the service worker.

use gloo_storage::{LocalStorage, Storage};
use papi_core::provinces::ProvinceIndex;
use papi_core::Units;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const HOME_KEY: &str = "papi-tracker.home";
/// The 2025 datasets fetched: id → the file's text.
const DATASETS_KEY: &str = "papi-tracker.datasets";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Home {
    /// The province's unit dataset ("quang-ninh-2025").
    pub dataset: String,
    /// A commune's GSO code, the province's code (Sở Nội vụ) or a body's
    /// `<province>.<agency>` (`plan_sheet::bodies_2025`).
    pub unit_code: String,
    pub official_name: String,
}

pub fn load() -> Option<Home> {
    LocalStorage::get(HOME_KEY).ok()
}

pub fn save(home: &Home) -> Result<(), String> {
    LocalStorage::set(HOME_KEY, home).map_err(|e| e.to_string())
}

/// Forget the home (the official goes back to the first screen).
pub fn clear() {
    LocalStorage::delete(HOME_KEY);
}

/// The shipped index of the 34 provinces.
pub fn index() -> &'static ProvinceIndex {
    use std::sync::LazyLock;
    static INDEX: LazyLock<ProvinceIndex> = LazyLock::new(ProvinceIndex::shipped);
    &INDEX
}

fn stored() -> BTreeMap<String, String> {
    LocalStorage::get(DATASETS_KEY).unwrap_or_default()
}

/// The texts of the 2025 datasets this device keeps.
pub fn stored_datasets() -> Vec<String> {
    stored().into_values().collect()
}

/// The dataset `id`: compiled into the app (Thái Nguyên; the first-visit
/// build fetches it as any other), kept, or `None` until fetched.
pub fn dataset(id: &str) -> Option<Units> {
    #[cfg(not(feature = "first-visit"))]
    if id == "thai-nguyen-2025" {
        return Units::from_json(papi_core::THAI_NGUYEN_UNITS_2025).ok();
    }
    let text = stored().remove(id)?;
    Units::from_json(&text).ok().filter(|u| u.id == id)
}

/// The dataset `id` (one of the 34 provinces'), fetched from the app's
/// origin if this device lacks it, checked and kept. Errors in Vietnamese.
pub async fn fetch_dataset(id: &str) -> Result<Units, String> {
    if let Some(units) = dataset(id) {
        return Ok(units);
    }
    let entry = index()
        .by_dataset(id)
        .ok_or_else(|| format!("ứng dụng không có danh mục đơn vị \"{id}\""))?;
    let text = crate::platform::get_text(&format!("/units/{}", entry.file))
        .await
        .map_err(|e| format!("chưa tải được danh sách đơn vị của {}: {e}", entry.name))?;
    let units = Units::from_json(&text)
        .ok()
        .filter(|u| u.id == id)
        .ok_or_else(|| format!("tệp danh sách đơn vị của {} bị hỏng", entry.name))?;
    let mut all = stored();
    all.insert(id.to_string(), text);
    LocalStorage::set(DATASETS_KEY, all)
        .map_err(|e| format!("không lưu được danh sách đơn vị trên máy này: {e}"))?;
    Ok(units)
}
