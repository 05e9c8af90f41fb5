//! The commune side of batches in IndexedDB: the device's outbox per unit
//! and the batches it sealed. Sealing writes the batch and the new outbox in
//! one transaction, after checking no other tab sealed first, so a sequence
//! number is never used twice. An unreadable outbox is set aside and
//! rebuilt (`Outbox::recover`) so that sealing goes on; an unreadable batch
//! stays in place and is reported.

use chrono::{DateTime, Utc};
use idb::TransactionMode;
use papi_core::batch::{Batch, BatchKind, Outbox};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::idb_store::{err, finish, put_aside, IdbStore, BATCHES, OUTBOX, SET_ASIDE};
use super::{EntryKind, SetAside, StoreError};

/// Key prefix, in the `set_aside` store, of an outbox set aside.
pub(super) const ASIDE_PREFIX: &str = "outbox/";

/// A sealed batch as kept on the device: its exact file text and what
/// happened to it since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBatch {
    pub unit_code: String,
    pub seq: u64,
    pub kind: BatchKind,
    #[serde(with = "papi_core::dates::serde_instant")]
    pub created_at: DateTime<Utc>,
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
    #[serde(default, with = "papi_core::dates::serde_opt_instant")]
    pub sent_at: Option<DateTime<Utc>>,
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
            created_at: b.created_at,
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
    /// This unit's outbox. An unreadable one is set aside and replaced by a
    /// rebuilt one, reported as the second value.
    pub async fn outbox(&self, unit: &str) -> Result<(Outbox, Option<SetAside>), StoreError> {
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
        match read_outbox(unit, v) {
            Ok(o) => Ok((o, None)),
            Err(_) => self.recover_outbox(unit).await,
        }
    }

    /// Whether the store holds an outbox or batches of `unit`, without
    /// reading them: a unit that never sealed holds neither, and then the
    /// reading code (a chunk, `outbox::read_chunk`) is not needed.
    pub async fn holds_outbox(&self, unit: &str) -> Result<bool, StoreError> {
        let tx = self
            .db
            .transaction(&[OUTBOX, BATCHES], TransactionMode::ReadOnly)
            .map_err(err)?;
        let key = idb::Query::Key(JsValue::from_str(unit));
        let outboxes = tx.object_store(OUTBOX).map_err(err)?.count(Some(key));
        let outboxes = outboxes.map_err(err)?.await.map_err(err)?;
        let range = idb::Query::KeyRange(unit_range(unit)?);
        let batches = tx.object_store(BATCHES).map_err(err)?.count(Some(range));
        let batches = batches.map_err(err)?.await.map_err(err)?;
        tx.await.map_err(err)?;
        Ok(outboxes + batches > 0)
    }

    /// Set an unreadable outbox aside and store a safe one in its place
    /// (one transaction; a no-op if another tab did it first).
    async fn recover_outbox(&self, unit: &str) -> Result<(Outbox, Option<SetAside>), StoreError> {
        let tx = self
            .db
            .transaction(&[OUTBOX, BATCHES, SET_ASIDE], TransactionMode::ReadWrite)
            .map_err(err)?;
        let outbox = tx.object_store(OUTBOX).map_err(err)?;
        let handle = outbox.transaction();
        let key = JsValue::from_str(unit);
        let now = outbox.get(key.clone()).map_err(err)?.await.map_err(err)?;
        let raw = now
            .as_ref()
            .map(|v| v.as_string().unwrap_or_else(|| format!("{v:?}")))
            .unwrap_or_default();
        let why = match read_outbox(unit, now) {
            Ok(o) => return Ok((o, None)),
            Err(StoreError::Failed(m)) => m,
            Err(e) => e.message_vi(),
        };
        // Every number a batch of this unit holds, read from the keys (an
        // unreadable batch still names its number).
        let used: Vec<u64> = tx
            .object_store(BATCHES)
            .map_err(err)?
            .get_all_keys(Some(idb::Query::KeyRange(unit_range(unit)?)), None)
            .map_err(err)?
            .await
            .map_err(err)?
            .iter()
            .filter_map(|k| k.as_string())
            .filter_map(|k| k.rsplit('/').next().and_then(|n| n.parse().ok()))
            .collect();
        let hint = serde_json::from_str::<serde_json::Value>(&raw)
            .ok()
            .and_then(|v| v.get("next_seq").and_then(|n| n.as_u64()));
        let rebuilt = Outbox::recover(unit, used, hint)
            .ok_or_else(|| StoreError::Failed(format!("đã hết số lô của {unit}")))?;
        let reason = format!(
            "{why}; đã dựng lại: lô tiếp theo là số {}, mọi hoạt động của đơn vị sẽ được đóng lô lại",
            rebuilt.next_seq
        );
        let aside_key = format!("{ASIDE_PREFIX}{unit}");
        put_aside(
            &tx.object_store(SET_ASIDE).map_err(err)?,
            &aside_key,
            &raw,
            &reason,
        )
        .await?;
        outbox
            .put(&json(&rebuilt), Some(&key))
            .map_err(err)?
            .await
            .map_err(err)?;
        finish(tx, handle).await?;
        let fault = SetAside::new(EntryKind::Outbox, aside_key, reason, raw);
        Ok((rebuilt, Some(fault)))
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

    /// This unit's sealed batches, oldest first, and those that cannot be
    /// read (left in place, reported).
    pub async fn batches(
        &self,
        unit: &str,
    ) -> Result<(Vec<StoredBatch>, Vec<SetAside>), StoreError> {
        let range = idb::Query::KeyRange(unit_range(unit)?);
        let (keys, values) = self.read_all(BATCHES, Some(range)).await?;
        let mut good = Vec::with_capacity(values.len());
        let mut bad = Vec::new();
        for (k, v) in keys.iter().zip(values.iter()) {
            let text = v.as_string();
            match text.as_deref().map(serde_json::from_str::<StoredBatch>) {
                Some(Ok(b)) => good.push(b),
                other => bad.push(SetAside::new(
                    EntryKind::Batch,
                    format!(
                        "{BATCHES}/{}",
                        k.as_string().unwrap_or_else(|| format!("{k:?}"))
                    ),
                    match other {
                        Some(Err(e)) => format!("lô lưu trên máy không đọc được: {e}"),
                        _ => "mục lưu không phải chuỗi JSON".to_string(),
                    },
                    text.unwrap_or_else(|| format!("{v:?}")),
                )),
            }
        }
        Ok((good, bad))
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

/// The keys of one unit's batches.
fn unit_range(unit: &str) -> Result<idb::KeyRange, StoreError> {
    idb::KeyRange::bound(
        &JsValue::from_str(&format!("{unit}/")),
        &JsValue::from_str(&format!("{unit}/\u{ffff}")),
        None,
        None,
    )
    .map_err(err)
}

fn read_outbox(unit: &str, v: Option<JsValue>) -> Result<Outbox, StoreError> {
    let bad = |e: String| StoreError::Failed(format!("trạng thái lô của {unit} bị hỏng: {e}"));
    match v {
        None => Ok(Outbox::new(unit)),
        Some(v) => match v.as_string() {
            None => Err(bad("mục lưu không phải chuỗi JSON".into())),
            Some(t) => serde_json::from_str(&t).map_err(|e| bad(e.to_string())),
        },
    }
}
