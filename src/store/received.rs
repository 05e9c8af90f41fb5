//! The district (or province) side of batches in IndexedDB: one entry per
//! applied batch (`merge::AppliedBatch`: its receipt and the record versions
//! it wrote), keyed by the receipt's id. The received state is the merge of
//! every entry (`Received::from_entries`), so applying a file is one write,
//! whole or not at all, however many records it carries.
//!
//! Entries are only ever added. A tab knows how many there were when it
//! last read them; an apply checks, inside its transaction, that the count
//! has not moved, so a dry run planned against a stale state (another tab
//! imported meanwhile) is never written.

use idb::TransactionMode;
use papi_core::apply::Applied;
use papi_core::merge::{name_check, AppliedBatch, NameCheck, Received};
use papi_core::storage::{decode_received, encode_received};
use wasm_bindgen::{JsCast, JsValue};

use super::idb_store::{err, finish, IdbStore, RECEIVED};
use super::{EntryKind, SetAside, StoreError};

/// An entry as stored: the UTF-8 bytes of its JSON (written so since
/// 2026-11: a copy, where a string cost a conversion to UTF-16 and back),
/// or the JSON string earlier releases wrote. `None` for anything else.
fn entry_text(v: &JsValue) -> Option<String> {
    if let Some(t) = v.as_string() {
        return Some(t);
    }
    let bytes = v.dyn_ref::<js_sys::Uint8Array>()?.to_vec();
    String::from_utf8(bytes).ok()
}

/// How an entry is stored (`entry_text` reads it back).
fn entry_value(entry: &AppliedBatch) -> JsValue {
    js_sys::Uint8Array::from(encode_received(entry).as_bytes()).into()
}

impl IdbStore {
    pub async fn load_received(&self) -> Result<(Received, Vec<SetAside>), StoreError> {
        let (keys, values) = self.read_all(RECEIVED, None).await?;
        let mut bad = Vec::new();
        let mut entries = Vec::with_capacity(values.len());
        for (k, v) in keys.iter().zip(values.iter()) {
            let key = k.as_string().unwrap_or_else(|| format!("{k:?}"));
            let text = entry_text(v);
            match text.as_deref().map(|t| decode_received(&key, t)) {
                Some(Ok(e)) => entries.push(e),
                // Left where it is (a newer release may read it), and shown.
                Some(Err(e)) => bad.push(SetAside::new(
                    EntryKind::Received,
                    format!("{RECEIVED}/{key}"),
                    e.to_string(),
                    text.unwrap_or_default(),
                )),
                None => bad.push(SetAside::new(
                    EntryKind::Received,
                    format!("{RECEIVED}/{key}"),
                    "mục lưu không phải văn bản JSON (UTF-8)",
                    format!("{v:?}"),
                )),
            }
        }
        self.received_seen.set(Some(keys.len() as u32));
        Ok((Received::from_entries(entries), bad))
    }

    /// How many entries there were when this tab last read or wrote them.
    /// How many batches were received, without reading them: a commune
    /// holds none, and then the reading code (a chunk, `inbox`) is not
    /// needed; the count is the one a later apply checks against.
    pub async fn count_received(&self) -> Result<u32, StoreError> {
        let tx = self
            .db
            .transaction(&[RECEIVED], TransactionMode::ReadOnly)
            .map_err(err)?;
        let store = tx.object_store(RECEIVED).map_err(err)?;
        let count = store.count(None).map_err(err)?.await.map_err(err)?;
        tx.await.map_err(err)?;
        self.received_seen.set(Some(count));
        Ok(count)
    }

    pub fn received_seen(&self) -> Option<u32> {
        self.received_seen.get()
    }

    /// `apply_batches` for one batch.
    #[cfg(test)]
    pub async fn apply_batch(
        &self,
        entry: &AppliedBatch,
        expected: u32,
    ) -> Result<Applied, StoreError> {
        let mut results = self
            .apply_batches(std::slice::from_ref(entry), expected)
            .await?;
        Ok(results.remove(0))
    }

    /// Store the applied batches of one file in one transaction. Each is
    /// written unless it is there already (the same batch, or the same name
    /// with other content); all are `Stale` and nothing is written if the
    /// store no longer holds `expected` entries (the state the dry run was
    /// made against); an error writes nothing of any of them.
    pub async fn apply_batches(
        &self,
        entries: &[AppliedBatch],
        expected: u32,
    ) -> Result<Vec<Applied>, StoreError> {
        let tx = self
            .db
            .transaction(&[RECEIVED], TransactionMode::ReadWrite)
            .map_err(err)?;
        let store = tx.object_store(RECEIVED).map_err(err)?;
        let handle = store.transaction();
        let count = store.count(None).map_err(err)?.await.map_err(err)?;
        if count != expected {
            return Ok(entries.iter().map(|_| Applied::Stale).collect());
        }
        let mut results = Vec::with_capacity(entries.len());
        let mut written = 0;
        for entry in entries {
            let id = entry.receipt.id();
            let rid = JsValue::from_str(&id);
            if let Some(held) = store.get(rid.clone()).map_err(err)?.await.map_err(err)? {
                // An unreadable entry under this name is kept, like any first
                // one (its hash is unknown: a conflict).
                let held_sha = entry_text(&held)
                    .and_then(|t| decode_received(&id, &t).ok())
                    .map(|h| h.receipt.sha256)
                    .unwrap_or_default();
                results.push(match name_check(Some(&held_sha), &entry.receipt.sha256) {
                    NameCheck::Duplicate => Applied::Duplicate,
                    NameCheck::New | NameCheck::Conflict => Applied::SeqConflict { kept: held_sha },
                });
                continue;
            }
            store
                .put(&entry_value(entry), Some(&rid))
                .map_err(err)?
                .await
                .map_err(err)?;
            written += 1;
            results.push(Applied::Written(entry.records.len()));
        }
        finish(tx, handle).await?;
        self.received_seen.set(Some(count + written));
        Ok(results)
    }
}
