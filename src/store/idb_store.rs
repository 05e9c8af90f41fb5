//! IndexedDB backend (through the `idb` crate): database `papi-tracker`,
//! object store `records` (key: record id, value: the JSON entry) and
//! `set_aside` for entries that could not be read. A save reads the current
//! entry and writes the new one inside one readwrite transaction, so two tabs
//! cannot interleave between the check and the write.

use idb::{Database, Factory, ObjectStoreParams, TransactionMode};
use papi_core::storage::{
    decide_write, decode_keyed, encode_entry, EntryError, SetAsideEntry, WriteDecision,
};
use papi_core::Activity;
use wasm_bindgen::JsValue;

use super::{EntryKind, Loaded, Saved, SetAside, StoreError};

/// 1: records, set_aside. 2: adds outbox, batches (and two stores of a
/// record-per-entry received layout that was never released). 3: adds
/// received, one entry per applied batch, and drops those two. 4: adds
/// pull_refused.
const DB_VERSION: u32 = 4;
const RECORDS: &str = "records";
pub(super) const SET_ASIDE: &str = "set_aside";
/// Per unit: the device's `Outbox` (next sequence number, what is sealed).
pub(super) const OUTBOX: &str = "outbox";
/// Sealed batches of this device, key `<unit>/<seq>`, the file's exact text.
pub(super) const BATCHES: &str = "batches";
/// What a district or the province received: one `merge::AppliedBatch` per
/// batch applied, key `merge::Receipt::id()`.
pub(super) const RECEIVED: &str = "received";
/// Batches pulled from the sync server and refused for good, with why
/// (`pulled::RefusedPull`).
pub(super) const PULL_REFUSED: &str = "pull_refused";
const ALL_STORES: [&str; 6] = [RECORDS, SET_ASIDE, OUTBOX, BATCHES, RECEIVED, PULL_REFUSED];
/// Stores of unreleased development builds, removed on upgrade.
const UNRELEASED: [&str; 2] = ["imported", "receipts"];

pub struct IdbStore {
    pub(super) db: Database,
    /// How many entries of the received store this tab has seen (`None`:
    /// not read yet); kept up by `received.rs`.
    pub(super) received_seen: std::cell::Cell<Option<u32>>,
}

pub(super) fn err(e: idb::Error) -> StoreError {
    StoreError::from_js(e)
}

impl IdbStore {
    pub async fn open() -> Result<IdbStore, StoreError> {
        // The active plan's database (`workspace::SHIPPED_DB` for the shipped plan).
        IdbStore::open_named(&crate::workspace::db_name()).await
    }

    /// Open (creating or upgrading) a database of this layout by name.
    pub async fn open_named(name: &str) -> Result<IdbStore, StoreError> {
        let factory = Factory::new().map_err(err)?;
        let mut req = factory.open(name, Some(DB_VERSION)).map_err(err)?;
        req.on_upgrade_needed(|event| {
            use idb::DatabaseEvent;
            let Ok(db) = event.database() else { return };
            let names = db.store_names();
            for store in UNRELEASED {
                if names.iter().any(|n| n == store) {
                    let _ = db.delete_object_store(store);
                }
            }
            for store in ALL_STORES {
                if !names.iter().any(|n| n == store) {
                    let _ = db.create_object_store(store, ObjectStoreParams::new());
                }
            }
        });
        let mut db = req.await.map_err(err)?;
        // A newer release in another tab wants to upgrade the database:
        // step aside instead of blocking it forever.
        db.on_version_change(|ev| {
            use wasm_bindgen::JsCast;
            if let Some(target) = ev.target() {
                let close = js_sys::Reflect::get(&target, &"close".into()).ok();
                if let Some(f) = close.and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
                    let _ = f.call0(&target);
                }
            }
        });
        Ok(IdbStore {
            db,
            received_seen: Default::default(),
        })
    }

    #[cfg(test)]
    pub fn db_for_tests(&self) -> &Database {
        &self.db
    }

    /// The keys and values of a store (of `query`'s keys, if given), in key
    /// order, read in one transaction.
    pub(super) async fn read_all(
        &self,
        name: &str,
        query: Option<idb::Query>,
    ) -> Result<(Vec<JsValue>, Vec<JsValue>), StoreError> {
        let tx = self
            .db
            .transaction(&[name], TransactionMode::ReadOnly)
            .map_err(err)?;
        let store = tx.object_store(name).map_err(err)?;
        let keys = store
            .get_all_keys(query.clone(), None)
            .map_err(err)?
            .await
            .map_err(err)?;
        let values = store
            .get_all(query, None)
            .map_err(err)?
            .await
            .map_err(err)?;
        tx.await.map_err(err)?;
        Ok((keys, values))
    }

    pub async fn load_all(&self) -> Result<Loaded, StoreError> {
        let (keys, values) = self.read_all(RECORDS, None).await?;
        let mut out = Loaded::default();
        let mut bad = Vec::new();
        for (k, v) in keys.iter().zip(values.iter()) {
            let key = k.as_string().unwrap_or_else(|| format!("{k:?}"));
            match v.as_string().map(|t| decode_keyed(&key, &t)) {
                Some(Ok(a)) => out.records.push(a),
                // Written by a newer release: leave it where it is (that
                // release reads it) and say so.
                Some(Err(e @ EntryError::FutureSchema(_))) => out.set_aside.push(SetAside::new(
                    EntryKind::Record,
                    key,
                    e.to_string(),
                    v.as_string().unwrap_or_default(),
                )),
                Some(Err(e)) => bad.push((key, e.to_string())),
                None => bad.push((key, "mục lưu không phải chuỗi JSON".to_string())),
            }
        }
        if !bad.is_empty() {
            // Move the unreadable entries aside in one transaction, each only
            // if it is still the same entry (another tab may have just
            // written a good version under that key).
            let tx = self
                .db
                .transaction(&[RECORDS, SET_ASIDE], TransactionMode::ReadWrite)
                .map_err(err)?;
            let records = tx.object_store(RECORDS).map_err(err)?;
            let aside = tx.object_store(SET_ASIDE).map_err(err)?;
            let mut moved = Vec::new();
            for (key, reason) in bad {
                let now = records
                    .get(JsValue::from_str(&key))
                    .map_err(err)?
                    .await
                    .map_err(err)?;
                let Some(now) = now else { continue };
                if let Some(Ok(a)) = now.as_string().map(|t| decode_keyed(&key, &t)) {
                    out.records.push(a);
                    continue;
                }
                let raw = now.as_string().unwrap_or_else(|| format!("{now:?}"));
                put_aside(&aside, &key, &raw, &reason).await?;
                records
                    .delete(JsValue::from_str(&key))
                    .map_err(err)?
                    .await
                    .map_err(err)?;
                moved.push(SetAside::new(EntryKind::Record, key, reason, raw));
            }
            let done = tx.await.map_err(err)?;
            if !done.is_committed() {
                return Err(StoreError::Failed(
                    "không cất riêng được các mục bị hỏng".into(),
                ));
            }
            out.set_aside.extend(moved);
        }
        Ok(out)
    }

    pub async fn get(&self, id: &str) -> Result<Option<Activity>, StoreError> {
        let tx = self
            .db
            .transaction(&[RECORDS], TransactionMode::ReadOnly)
            .map_err(err)?;
        let store = tx.object_store(RECORDS).map_err(err)?;
        let v = store
            .get(JsValue::from_str(id))
            .map_err(err)?
            .await
            .map_err(err)?;
        Ok(v.and_then(|v| v.as_string())
            .and_then(|t| decode_keyed(id, &t).ok()))
    }

    pub async fn save(&self, rec: &Activity, base: Option<u32>) -> Result<Saved, StoreError> {
        let id = rec.id.to_string();
        let tx = self
            .db
            .transaction(&[RECORDS, SET_ASIDE], TransactionMode::ReadWrite)
            .map_err(err)?;
        let store = tx.object_store(RECORDS).map_err(err)?;
        // Keep a handle to read the abort reason: a full disk shows up as an
        // aborted commit, not as a failed request.
        let handle = store.transaction();
        let raw = store
            .get(JsValue::from_str(&id))
            .map_err(err)?
            .await
            .map_err(err)?;
        let cur = match raw.as_ref().map(|v| (v.as_string(), v)) {
            None => None,
            Some((Some(text), _)) => match decode_keyed(&id, &text) {
                Ok(a) => Some(a),
                // Never overwrite what a newer release wrote.
                Err(e @ EntryError::FutureSchema(_)) => {
                    return Err(StoreError::Failed(e.to_string()))
                }
                Err(e) => {
                    // Corrupted: keep it aside, then write the new version.
                    put_aside(
                        &tx.object_store(SET_ASIDE).map_err(err)?,
                        &id,
                        &text,
                        &e.to_string(),
                    )
                    .await?;
                    None
                }
            },
            Some((None, v)) => {
                let aside = tx.object_store(SET_ASIDE).map_err(err)?;
                put_aside(
                    &aside,
                    &id,
                    &format!("{v:?}"),
                    "mục lưu không phải chuỗi JSON",
                )
                .await?;
                None
            }
        };
        let saved = match decide_write(cur.as_ref(), rec, base) {
            WriteDecision::Write => {
                store
                    .put(
                        &JsValue::from_str(&encode_entry(rec)),
                        Some(&JsValue::from_str(&id)),
                    )
                    .map_err(err)?
                    .await
                    .map_err(err)?;
                Saved::Written
            }
            WriteDecision::AlreadyCurrent => Saved::AlreadyCurrent,
            WriteDecision::Conflict(c) => return Err(StoreError::Conflict(c)),
        };
        finish(tx, handle).await?;
        Ok(saved)
    }

    /// Everything ever set aside in this store (kept for good), so the
    /// report survives a reload.
    pub async fn set_aside_entries(&self) -> Result<Vec<SetAside>, StoreError> {
        let (keys, values) = self.read_all(SET_ASIDE, None).await?;
        Ok(keys
            .iter()
            .zip(values.iter())
            .map(|(k, v)| {
                let key = k.as_string().unwrap_or_else(|| format!("{k:?}"));
                let text = v.as_string().unwrap_or_else(|| format!("{v:?}"));
                let kind = EntryKind::of_aside_key(&key);
                match serde_json::from_str::<SetAsideEntry>(&text) {
                    Ok(e) => SetAside::new(kind, key, e.reason, e.raw),
                    // Even the copy is damaged: show it as it is.
                    Err(_) => SetAside::new(kind, key, "bản cất riêng không đọc được", text),
                }
            })
            .collect())
    }

    pub async fn set_aside(&self, key: &str, raw: &str, reason: &str) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(&[SET_ASIDE], TransactionMode::ReadWrite)
            .map_err(err)?;
        let aside = tx.object_store(SET_ASIDE).map_err(err)?;
        put_aside(&aside, key, raw, reason).await?;
        tx.await.map_err(err)?;
        Ok(())
    }
}

/// Keep an unreadable entry in the `set_aside` store, under its own key.
pub(super) async fn put_aside(
    aside: &idb::ObjectStore,
    key: &str,
    raw: &str,
    reason: &str,
) -> Result<(), StoreError> {
    let entry = SetAsideEntry::json(key, raw, reason);
    aside
        .put(&JsValue::from_str(&entry), Some(&JsValue::from_str(key)))
        .map_err(err)?
        .await
        .map_err(err)?;
    Ok(())
}

/// Wait for a readwrite transaction to commit. A full disk shows up as an
/// aborted commit, not as a failed request: read the reason from `handle`
/// (a second handle to the transaction, taken before awaiting it).
pub(super) async fn finish(
    tx: idb::Transaction,
    handle: idb::Transaction,
) -> Result<(), StoreError> {
    let done = tx.await.map_err(err)?;
    if done.is_committed() {
        return Ok(());
    }
    let reason = handle
        .error()
        .map(|e| format!("{}: {}", e.name(), e.message()));
    Err(match reason {
        Some(r) => StoreError::from_js(r),
        None => StoreError::Failed("giao dịch bị hủy".into()),
    })
}
