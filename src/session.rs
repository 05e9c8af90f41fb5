//! Who is using this device: role, unit and name, plus a stable random device
//! id. Small state, kept in localStorage through gloo-storage.

use gloo_storage::{LocalStorage, SessionStorage, Storage};
use papi_core::activity::new_id;
use papi_core::{Draft, Level};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const SETTINGS_KEY: &str = "papi-tracker.settings";
const DEVICE_KEY: &str = "papi-tracker.device-id";
/// Open forms, one key per tab: `papi-tracker.open-form.<tab id>` (for
/// another plan than the shipped one, `papi-tracker.open-form@<plan>.<tab>`:
/// a form belongs to its plan's workspace).
const FORM_KEY: &str = "papi-tracker.open-form";

fn form_prefix() -> String {
    format!("{}.", crate::workspace::key(FORM_KEY))
}
const TAB_KEY: &str = "papi-tracker.tab-id";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub unit_code: String,
    pub official_name: String,
}

impl Settings {
    /// The unit's level, as the active plan's units say (settings kept
    /// before held it too: it is read past). A unit they lack counts as a
    /// commune: it receives from nobody.
    pub fn level(&self) -> Level {
        crate::workspace::UNITS
            .get(&self.unit_code)
            .map_or(Level::Commune, |u| u.level)
    }
}

pub fn load_settings() -> Option<Settings> {
    LocalStorage::get(crate::workspace::key(SETTINGS_KEY)).ok()
}

pub fn save_settings(s: &Settings) -> Result<(), String> {
    LocalStorage::set(crate::workspace::key(SETTINGS_KEY), s).map_err(|e| e.to_string())
}

const SIGNATURES_REQUIRED_KEY: &str = "papi-tracker.signatures-required";

/// Whether the import refuses unsigned (version 1) files (Cài đặt).
pub fn signatures_required() -> bool {
    LocalStorage::get(SIGNATURES_REQUIRED_KEY).unwrap_or(false)
}

pub fn set_signatures_required(on: bool) -> Result<(), String> {
    LocalStorage::set(SIGNATURES_REQUIRED_KEY, on).map_err(|e| e.to_string())
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OpenForm {
    /// The record being edited and the revision the edit started from.
    pub editing: Option<(Uuid, u32)>,
    /// For a new record: its id, fixed when the form opens, so saving the
    /// same draft twice (two tabs, a retry) never makes two records.
    pub new_id: Option<Uuid>,
    pub draft: Draft,
    /// When it was last changed (ms since the epoch).
    pub touched: f64,
}

/// This tab's id: kept in sessionStorage, so it survives a reload of the
/// tab (an update) but not a new tab.
fn tab_id() -> String {
    if let Ok(id) = SessionStorage::get::<String>(TAB_KEY) {
        return id;
    }
    let id = new_id(crate::platform::random16()).to_string();
    let _ = SessionStorage::set(TAB_KEY, &id);
    id
}

fn own_form_key() -> String {
    format!("{}{}", form_prefix(), tab_id())
}

/// This tab's open form. A new tab adopts the most recent form left by a
/// tab that is gone (closed, crashed, browser restarted): the form moves to
/// this tab's key, so it always lives in exactly one place and is never lost.
/// Its record id was fixed when it opened, so even if the other tab was
/// still alive, saving in both cannot make two records.
pub fn load_open_form() -> Option<OpenForm> {
    let own = own_form_key();
    if let Ok(f) = LocalStorage::get::<OpenForm>(&own) {
        return Some(f);
    }
    let store = LocalStorage::raw();
    let n = store.length().unwrap_or(0);
    let prefix = form_prefix();
    let keys: Vec<String> = (0..n)
        .filter_map(|i| store.key(i).ok().flatten())
        .filter(|k| k.starts_with(&prefix))
        .collect();
    let (key, form) = keys
        .into_iter()
        .filter_map(|k| LocalStorage::get::<OpenForm>(&k).ok().map(|f| (k, f)))
        .max_by(|a, b| a.1.touched.total_cmp(&b.1.touched))?;
    LocalStorage::set(&own, &form).ok()?;
    LocalStorage::delete(&key);
    Some(form)
}

/// Keep (or, with `None`, drop) this tab's open form. Other tabs' forms are
/// never touched.
pub fn save_open_form(f: Option<&OpenForm>) {
    let key = own_form_key();
    match f {
        Some(f) => {
            let f = OpenForm {
                touched: js_sys::Date::now(),
                ..f.clone()
            };
            let _ = LocalStorage::set(&key, &f);
        }
        None => LocalStorage::delete(&key),
    }
}
