//! The district (or province) side of batches in IndexedDB: the records
//! received and one receipt per batch applied. A batch is applied in one
//! transaction, whole or not at all, and every write is decided again
//! against what the store holds inside that transaction, so a stale dry run
//! or another tab's import can never replace a newer version.

use std::future::IntoFuture;

use idb::TransactionMode;
use papi_core::merge::{Receipt, Received};
use papi_core::storage::{decode_keyed, encode_entry};
use papi_core::Activity;
use wasm_bindgen::JsValue;

use super::idb_store::{err, finish, IdbStore, IMPORTED, RECEIPTS};
use super::{SetAside, StoreError};

/// What applying a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Written: this many record versions.
    Written(usize),
    /// This batch was already applied (another tab, an earlier import).
    Duplicate,
    /// A batch with the same name and other content was applied first.
    SeqConflict,
    /// A record id already held for another unit: the id and that unit.
    OtherUnit(uuid::Uuid, String),
}

impl IdbStore {
    pub async fn load_received(&self) -> Result<(Received, Vec<SetAside>), StoreError> {
        let tx = self
            .db
            .transaction(&[IMPORTED, RECEIPTS], TransactionMode::ReadOnly)
            .map_err(err)?;
        let imported = tx.object_store(IMPORTED).map_err(err)?;
        let keys = imported
            .get_all_keys(None, None)
            .map_err(err)?
            .await
            .map_err(err)?;
        let values = imported
            .get_all(None, None)
            .map_err(err)?
            .await
            .map_err(err)?;
        let receipts = tx
            .object_store(RECEIPTS)
            .map_err(err)?
            .get_all(None, None)
            .map_err(err)?
            .await
            .map_err(err)?;
        tx.await.map_err(err)?;
        let mut out = Received::default();
        let mut bad = Vec::new();
        for (k, v) in keys.iter().zip(values.iter()) {
            let key = k.as_string().unwrap_or_default();
            match v.as_string().map(|t| decode_keyed(&key, &t)) {
                Some(Ok(a)) => {
                    out.records.insert(a.id, a);
                }
                Some(Err(e)) => bad.push(SetAside {
                    key: format!("{IMPORTED}/{key}"),
                    reason: e.to_string(),
                }),
                None => bad.push(SetAside {
                    key: format!("{IMPORTED}/{key}"),
                    reason: "mục lưu không phải chuỗi JSON".into(),
                }),
            }
        }
        for v in receipts.iter() {
            match v.as_string().map(|t| serde_json::from_str::<Receipt>(&t)) {
                Some(Ok(r)) => {
                    out.receipts.insert(r.id(), r);
                }
                _ => bad.push(SetAside {
                    key: RECEIPTS.into(),
                    reason: "biên nhận lô không đọc được".into(),
                }),
            }
        }
        Ok((out, bad))
    }

    /// Apply one batch's writes and its receipt in one transaction.
    pub async fn apply_batch(
        &self,
        writes: &[Activity],
        receipt: &Receipt,
    ) -> Result<(Applied, Vec<Activity>), StoreError> {
        let tx = self
            .db
            .transaction(&[IMPORTED, RECEIPTS], TransactionMode::ReadWrite)
            .map_err(err)?;
        let records = tx.object_store(IMPORTED).map_err(err)?;
        let receipts = tx.object_store(RECEIPTS).map_err(err)?;
        let handle = records.transaction();
        let rid = JsValue::from_str(&receipt.id());
        // Read everything first; write only when the whole batch applies.
        if let Some(t) = receipts
            .get(rid.clone())
            .map_err(err)?
            .await
            .map_err(err)?
            .and_then(|v| v.as_string())
        {
            let same =
                serde_json::from_str::<Receipt>(&t).is_ok_and(|r| r.sha256 == receipt.sha256);
            let verdict = if same {
                Applied::Duplicate
            } else {
                Applied::SeqConflict
            };
            return Ok((verdict, vec![]));
        }
        // All reads are issued at once (IndexedDB runs them in order inside
        // the transaction); awaiting them one by one costs a round trip each.
        let mut reads = Vec::with_capacity(writes.len());
        for w in writes {
            reads.push(
                records
                    .get(JsValue::from_str(&w.id.to_string()))
                    .map_err(err)?
                    .into_future(),
            );
        }
        let current = futures_util::future::join_all(reads).await;
        let mut winners = Vec::with_capacity(writes.len());
        for (w, cur) in writes.iter().zip(current) {
            let id = w.id.to_string();
            let cur = cur
                .map_err(err)?
                .and_then(|v| v.as_string())
                .and_then(|t| decode_keyed(&id, &t).ok());
            match cur {
                Some(c) if c.unit_code != w.unit_code => {
                    return Ok((Applied::OtherUnit(c.id, c.unit_code), vec![]))
                }
                Some(c) if !w.version_cmp(&c).is_gt() => {}
                _ => winners.push(w),
            }
        }
        for w in &winners {
            records
                .put(
                    &JsValue::from_str(&encode_entry(w)),
                    Some(&JsValue::from_str(&w.id.to_string())),
                )
                .map_err(err)?;
        }
        receipts
            .put(
                &JsValue::from_str(&serde_json::to_string(receipt).expect("serialises")),
                Some(&rid),
            )
            .map_err(err)?
            .await
            .map_err(err)?;
        finish(tx, handle).await?;
        let n = winners.len();
        Ok((Applied::Written(n), winners.into_iter().cloned().collect()))
    }
}
