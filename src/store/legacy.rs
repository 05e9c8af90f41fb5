//! Schema 1, the prototype layout: all records in one localStorage array.
//! On start its records are copied into the current store (the newer version
//! of a record wins), unreadable elements are set aside, and the old key is
//! renamed to a backup, never deleted.

use gloo_storage::{LocalStorage, Storage};
use papi_core::storage::decode_v1_array;

use super::{Backend, EntryKind, SetAside, StoreError};

pub const V1_KEY: &str = "papi-tracker.activities";
pub const V1_BACKUP_KEY: &str = "papi-tracker.activities.schema1-backup";

pub async fn migrate(store: &Backend) -> Result<(usize, Vec<SetAside>), StoreError> {
    let Some(raw) = LocalStorage::raw().get_item(V1_KEY).ok().flatten() else {
        return Ok((0, Vec::new()));
    };
    let mut set_aside = Vec::new();
    let mut moved = 0;
    match decode_v1_array(&raw) {
        Ok((good, bad)) => {
            for rec in &good {
                store.save(rec, None).await?;
                moved += 1;
            }
            for (i, err) in bad {
                let key = format!("{V1_KEY}[{i}]");
                let reason = err.to_string();
                store.set_aside(&key, &raw, &reason).await?;
                set_aside.push(SetAside::new(EntryKind::Legacy, key, reason, raw.clone()));
            }
        }
        Err(err) => {
            let reason = err.to_string();
            store.set_aside(V1_KEY, &raw, &reason).await?;
            set_aside.push(SetAside::new(
                EntryKind::Legacy,
                V1_KEY,
                reason,
                raw.clone(),
            ));
        }
    }
    // Only now that every record is safely in the new store.
    LocalStorage::raw()
        .set_item(V1_BACKUP_KEY, &raw)
        .map_err(|_| StoreError::Quota)?;
    LocalStorage::delete(V1_KEY);
    Ok((moved, set_aside))
}
