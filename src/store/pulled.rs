//! Batches a district or the province pulled from the sync server and did
//! not take: refused for good (invalid, out of scope, the same number with
//! other content…), or kept until the app is updated (a newer format
//! version than this build reads, `newer`: tried again by every pull, and
//! forgotten here once taken). Each with the reason and the batch as the
//! server sent it, so the pull's cursor can move past them and the import
//! screen lists them after any reload. Key:
//! `<server>|<receiving unit>/<cursor>`, zero-padded so entries sort in the
//! server's order.

use idb::TransactionMode;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::idb_store::{err, finish, IdbStore, PULL_REFUSED};
use super::{EntryKind, SetAside, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedPull {
    /// The sync server's address.
    pub server: String,
    /// The receiving unit (the token's).
    pub receiver: String,
    /// The batch's place in the server's order.
    pub cursor: i64,
    /// The batch's unit and number, when they can be read.
    pub unit_code: Option<String>,
    pub seq: Option<u64>,
    /// Why it was refused (Vietnamese).
    pub reason: String,
    /// When this device refused it (stored as the format's instants are).
    #[serde(with = "papi_core::dates::serde_canonical_instant")]
    pub refused_at: chrono::DateTime<chrono::Utc>,
    /// The batch exactly as the server sent it.
    pub text: String,
    /// Kept until the app is updated: the batch's format version, newer
    /// than this build reads (`papi_core::pull::Fate::TooNew`). `None`:
    /// refused for good.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newer: Option<u32>,
    /// When the server received it (a kept batch is judged by it when it
    /// is tried again, as when it was pulled).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "papi_core::dates::serde_opt_instant"
    )]
    pub received_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl RefusedPull {
    pub fn key(&self) -> String {
        format!("{}|{}/{:020}", self.server, self.receiver, self.cursor)
    }

    /// Whether it waits for an update rather than being refused for good.
    pub fn kept(&self) -> bool {
        self.newer.is_some()
    }
}

impl IdbStore {
    /// Keep these refusals and batches kept for an update, and forget the
    /// kept ones now taken (by key), in one transaction; the same batch
    /// again replaces its entry.
    pub async fn record_pulls(
        &self,
        list: &[RefusedPull],
        forget: &[String],
    ) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(&[PULL_REFUSED], TransactionMode::ReadWrite)
            .map_err(err)?;
        let store = tx.object_store(PULL_REFUSED).map_err(err)?;
        let handle = store.transaction();
        for r in list {
            let text = serde_json::to_string(r).expect("serialises");
            store
                .put(
                    &JsValue::from_str(&text),
                    Some(&JsValue::from_str(&r.key())),
                )
                .map_err(err)?
                .await
                .map_err(err)?;
        }
        for key in forget {
            store
                .delete(JsValue::from_str(key))
                .map_err(err)?
                .await
                .map_err(err)?;
        }
        finish(tx, handle).await
    }

    /// Every refusal kept, in key order, and the entries that cannot be read.
    pub async fn refused_pulls(&self) -> Result<(Vec<RefusedPull>, Vec<SetAside>), StoreError> {
        let (keys, values) = self.read_all(PULL_REFUSED, None).await?;
        let (mut good, mut bad) = (Vec::new(), Vec::new());
        for (k, v) in keys.iter().zip(values.iter()) {
            let text = v.as_string().unwrap_or_else(|| format!("{v:?}"));
            match serde_json::from_str::<RefusedPull>(&text) {
                Ok(r) => good.push(r),
                Err(e) => bad.push(SetAside::new(
                    EntryKind::Refused,
                    format!("{PULL_REFUSED}/{}", k.as_string().unwrap_or_default()),
                    e.to_string(),
                    text,
                )),
            }
        }
        Ok((good, bad))
    }
}
