//! localStorage backend: one key per record (`papi-tracker.r.<id>`; for a
//! plan other than the shipped one `papi-tracker.r@<plan>.<id>`, so that
//! two workspaces' records never mix), so a save never rewrites the
//! others. Used where IndexedDB is unavailable.

use gloo_storage::{LocalStorage, Storage};
use papi_core::storage::{
    decide_write, decode_keyed, encode_entry, EntryError, SetAsideEntry, WriteDecision,
};
use papi_core::Activity;

use super::{EntryKind, Loaded, Saved, SetAside, StoreError};

const PREFIX: &str = "papi-tracker.r";
const ASIDE_PREFIX: &str = "papi-tracker.set-aside";

/// The active workspace's record keys start with this.
fn prefix() -> String {
    format!("{}.", crate::workspace::key(PREFIX))
}

fn aside_prefix() -> String {
    format!("{}.", crate::workspace::key(ASIDE_PREFIX))
}

pub struct LocalStore;

fn raw() -> web_sys::Storage {
    LocalStorage::raw()
}

impl LocalStore {
    pub fn load_all(&self) -> Result<Loaded, StoreError> {
        let s = raw();
        let prefix = prefix();
        let n = s
            .length()
            .map_err(|e| StoreError::Failed(format!("{e:?}")))?;
        let keys: Vec<String> = (0..n)
            .filter_map(|i| s.key(i).ok().flatten())
            .filter(|k| k.starts_with(&prefix))
            .collect();
        let mut out = Loaded::default();
        for key in keys {
            let Some(text) = s.get_item(&key).ok().flatten() else {
                continue;
            };
            let id = &key[prefix.len()..];
            match decode_keyed(id, &text) {
                Ok(a) => out.records.push(a),
                // A newer release's entry stays where that release reads it.
                Err(e @ EntryError::FutureSchema(_)) => {
                    out.set_aside
                        .push(SetAside::new(EntryKind::Record, id, e.to_string(), text))
                }
                Err(e) => {
                    let reason = e.to_string();
                    // Only drop the original once its copy is safely aside.
                    if self.set_aside(id, &text, &reason).is_ok() {
                        let _ = s.remove_item(&key);
                    }
                    out.set_aside
                        .push(SetAside::new(EntryKind::Record, id, reason, text));
                }
            }
        }
        Ok(out)
    }

    /// Drop a record's entry (after it has been copied to IndexedDB).
    pub fn remove(&self, id: &str) {
        let _ = raw().remove_item(&format!("{}{id}", prefix()));
    }

    pub fn get(&self, id: &str) -> Result<Option<Activity>, StoreError> {
        let text = raw().get_item(&format!("{}{id}", prefix())).ok().flatten();
        Ok(text.and_then(|t| decode_keyed(id, &t).ok()))
    }

    pub fn save(&self, rec: &Activity, base: Option<u32>) -> Result<Saved, StoreError> {
        let id = rec.id.to_string();
        let text = raw().get_item(&format!("{}{id}", prefix())).ok().flatten();
        let current = match text.map(|t| (decode_keyed(&id, &t), t)) {
            None => None,
            Some((Ok(a), _)) => Some(a),
            // Never overwrite what a newer release wrote.
            Some((Err(e @ EntryError::FutureSchema(_)), _)) => {
                return Err(StoreError::Failed(e.to_string()))
            }
            Some((Err(e), t)) => {
                self.set_aside(&id, &t, &e.to_string())?;
                None
            }
        };
        match decide_write(current.as_ref(), rec, base) {
            WriteDecision::Write => {
                raw()
                    .set_item(&format!("{}{id}", prefix()), &encode_entry(rec))
                    .map_err(|e| StoreError::from_js(format!("{e:?}")))?;
                Ok(Saved::Written)
            }
            WriteDecision::AlreadyCurrent => Ok(Saved::AlreadyCurrent),
            WriteDecision::Conflict(cur) => Err(StoreError::Conflict(cur)),
        }
    }

    pub fn set_aside(&self, key: &str, raw_text: &str, reason: &str) -> Result<(), StoreError> {
        let entry = SetAsideEntry::json(key, raw_text, reason);
        raw()
            .set_item(&format!("{}{key}", aside_prefix()), &entry)
            .map_err(|e| StoreError::from_js(format!("{e:?}")))
    }
}
