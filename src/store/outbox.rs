//! The commune side of batches in IndexedDB: the device's outbox per unit
//! and the batches it sealed. Sealing writes the batch and the new outbox in
//! one transaction, after checking no other tab sealed first, so a sequence
//! number is never used twice.

use idb::TransactionMode;
use papi_core::batch::{Batch, BatchKind, Outbox};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::idb_store::{err, finish, IdbStore, BATCHES, OUTBOX};
use super::StoreError;

/// A sealed batch as kept on the device: its exact file text and what
/// happened to it since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBatch {
    pub unit_code: String,
    pub seq: u64,
    pub kind: BatchKind,
    pub created_at: String,
    pub records: usize,
    pub sha256: String,
    pub file_name: String,
    /// The file, byte for byte as first downloaded: a sealed batch never
    /// changes, so downloading it again gives the same file.
    pub text: String,
    /// How many times it was downloaded.
    #[serde(default)]
    pub downloads: u32,
    /// When the sync server confirmed it (echoed its hash).
    #[serde(default)]
    pub sent_at: Option<String>,
    /// The last refusal or failure while sending.
    #[serde(default)]
    pub last_error: Option<String>,
}

impl StoredBatch {
    pub fn new(b: &Batch) -> StoredBatch {
        StoredBatch {
            unit_code: b.unit_code.clone(),
            seq: b.seq,
            kind: b.kind,
            created_at: papi_core::dates::format_instant(b.created_at),
            records: b.records.len(),
            sha256: b.sha256.clone(),
            file_name: b.file_name(),
            text: b.to_json(),
            downloads: 0,
            sent_at: None,
            last_error: None,
        }
    }

    /// `<unit>/<seq>`, zero-padded so keys sort in sequence order.
    pub fn key(&self) -> String {
        batch_key(&self.unit_code, self.seq)
    }
}

pub fn batch_key(unit: &str, seq: u64) -> String {
    format!("{unit}/{seq:010}")
}

fn json<T: Serialize>(v: &T) -> JsValue {
    JsValue::from_str(&serde_json::to_string(v).expect("serialises"))
}

impl IdbStore {
    pub async fn outbox(&self, unit: &str) -> Result<Outbox, StoreError> {
        let tx = self
            .db
            .transaction(&[OUTBOX], TransactionMode::ReadOnly)
            .map_err(err)?;
        let v = tx
            .object_store(OUTBOX)
            .map_err(err)?
            .get(JsValue::from_str(unit))
            .map_err(err)?
            .await
            .map_err(err)?;
        read_outbox(unit, v)
    }

    /// Store a sealed batch and the outbox after it, if the outbox is still
    /// `expected` (no other tab sealed in between).
    pub async fn seal(
        &self,
        expected: &Outbox,
        batch: &Batch,
        next: &Outbox,
    ) -> Result<StoredBatch, StoreError> {
        let tx = self
            .db
            .transaction(&[OUTBOX, BATCHES], TransactionMode::ReadWrite)
            .map_err(err)?;
        let outbox = tx.object_store(OUTBOX).map_err(err)?;
        let handle = outbox.transaction();
        let unit = JsValue::from_str(&expected.unit_code);
        let now = outbox.get(unit.clone()).map_err(err)?.await.map_err(err)?;
        if read_outbox(&expected.unit_code, now)? != *expected {
            return Err(StoreError::Failed(
                "một cửa sổ khác vừa xuất lô; danh sách đã được tải lại, hãy thử lại".into(),
            ));
        }
        let stored = StoredBatch::new(batch);
        tx.object_store(BATCHES)
            .map_err(err)?
            .put(&json(&stored), Some(&JsValue::from_str(&stored.key())))
            .map_err(err)?
            .await
            .map_err(err)?;
        outbox
            .put(&json(next), Some(&unit))
            .map_err(err)?
            .await
            .map_err(err)?;
        finish(tx, handle).await?;
        Ok(stored)
    }

    /// This unit's sealed batches, oldest first.
    pub async fn batches(&self, unit: &str) -> Result<Vec<StoredBatch>, StoreError> {
        let tx = self
            .db
            .transaction(&[BATCHES], TransactionMode::ReadOnly)
            .map_err(err)?;
        let range = idb::KeyRange::bound(
            &JsValue::from_str(&format!("{unit}/")),
            &JsValue::from_str(&format!("{unit}/\u{ffff}")),
            None,
            None,
        )
        .map_err(err)?;
        let values = tx
            .object_store(BATCHES)
            .map_err(err)?
            .get_all(Some(idb::Query::KeyRange(range)), None)
            .map_err(err)?
            .await
            .map_err(err)?;
        Ok(values
            .iter()
            .filter_map(|v| v.as_string())
            .filter_map(|t| serde_json::from_str(&t).ok())
            .collect())
    }

    /// Change a stored batch's bookkeeping (never its text).
    pub async fn update_batch(
        &self,
        unit: &str,
        seq: u64,
        change: impl FnOnce(&mut StoredBatch),
    ) -> Result<Option<StoredBatch>, StoreError> {
        let tx = self
            .db
            .transaction(&[BATCHES], TransactionMode::ReadWrite)
            .map_err(err)?;
        let store = tx.object_store(BATCHES).map_err(err)?;
        let handle = store.transaction();
        let key = JsValue::from_str(&batch_key(unit, seq));
        let cur = store.get(key.clone()).map_err(err)?.await.map_err(err)?;
        let Some(mut b) = cur
            .and_then(|v| v.as_string())
            .and_then(|t| serde_json::from_str::<StoredBatch>(&t).ok())
        else {
            return Ok(None);
        };
        let text = b.text.clone();
        change(&mut b);
        b.text = text;
        store
            .put(&json(&b), Some(&key))
            .map_err(err)?
            .await
            .map_err(err)?;
        finish(tx, handle).await?;
        Ok(Some(b))
    }
}

fn read_outbox(unit: &str, v: Option<JsValue>) -> Result<Outbox, StoreError> {
    match v.and_then(|v| v.as_string()) {
        None => Ok(Outbox::new(unit)),
        Some(t) => serde_json::from_str(&t)
            .map_err(|e| StoreError::Failed(format!("trạng thái lô của {unit} bị hỏng: {e}"))),
    }
}
