//! Who is using this device: role, unit and name, plus a stable random device
//! id. Small state, kept in localStorage through gloo-storage.

use gloo_storage::{LocalStorage, Storage};
use papi_core::activity::new_id;
use papi_core::{Draft, Level};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const SETTINGS_KEY: &str = "papi-tracker.settings";
const DEVICE_KEY: &str = "papi-tracker.device-id";
const FORM_KEY: &str = "papi-tracker.open-form";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub level: Level,
    pub unit_code: String,
    pub official_name: String,
}

pub fn load_settings() -> Option<Settings> {
    LocalStorage::get(SETTINGS_KEY).ok()
}

pub fn save_settings(s: &Settings) -> Result<(), String> {
    LocalStorage::set(SETTINGS_KEY, s).map_err(|e| e.to_string())
}

/// The device id, made once from platform randomness and kept.
pub fn device_id() -> String {
    if let Ok(id) = LocalStorage::get::<String>(DEVICE_KEY) {
        return id;
    }
    let id = new_id(crate::platform::random16()).to_string();
    let _ = LocalStorage::set(DEVICE_KEY, &id);
    id
}

/// The activity form as the person left it: kept on every keystroke so that
/// a reload (an app update, a crash, a closed tab) never loses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenForm {
    /// The record being edited and the revision the edit started from.
    pub editing: Option<(Uuid, u32)>,
    pub draft: Draft,
}

pub fn load_open_form() -> Option<OpenForm> {
    LocalStorage::get(FORM_KEY).ok()
}

pub fn save_open_form(f: Option<&OpenForm>) {
    match f {
        Some(f) => {
            let _ = LocalStorage::set(FORM_KEY, f);
        }
        None => LocalStorage::delete(FORM_KEY),
    }
}
