//! Where evidence files are kept on the device: IndexedDB database
//! `papi-tracker-evidence`, object store `files`, one entry per file by its
//! SHA-256 (a file attached twice, or to two activities, is kept once).
//! An entry holds the file's bytes as a `Blob` (the browser keeps it on
//! disk, not in the app's memory), its media type and size, and whether the
//! sync server has it whole (`sent`). Nothing here is ever deleted: a file
//! removed from an activity stays, as the record's earlier revision named it.

use idb::{Database, Factory, ObjectStoreParams, TransactionMode};
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

const DB_NAME: &str = "papi-tracker-evidence";
const FILES: &str = "files";

/// Why a file could not be kept or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceError {
    /// The browser's storage has no room for `needed` more bytes.
    Full {
        needed: u64,
    },
    Failed(String),
}

impl EvidenceError {
    pub fn message_vi(&self) -> String {
        match self {
            EvidenceError::Full { needed } => format!(
                "Bộ nhớ của trình duyệt không còn đủ chỗ cho tệp này ({}). Các hoạt động và tệp đã lưu vẫn còn nguyên. \
Hãy đồng bộ để gửi các tệp chưa gửi, hoặc xóa bớt dữ liệu của trang web khác trên máy, rồi thêm lại.",
                crate::platform::human_bytes(*needed as f64)
            ),
            EvidenceError::Failed(why) => format!("Không lưu được tệp minh chứng trên máy: {why}"),
        }
    }

    fn from_js(e: impl std::fmt::Display, needed: u64) -> EvidenceError {
        let text = e.to_string();
        if text.contains("QuotaExceeded") || text.contains("quota") {
            EvidenceError::Full { needed }
        } else {
            EvidenceError::Failed(text)
        }
    }
}

fn failed(e: impl std::fmt::Display) -> EvidenceError {
    EvidenceError::Failed(e.to_string())
}

/// One kept file.
#[derive(Clone)]
pub struct Kept {
    pub sha256: String,
    pub size: u64,
    pub blob: web_sys::Blob,
    /// The sync server has it whole (this device sent it, or was told so).
    pub sent: bool,
}

/// What evidence takes on this device.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub files: usize,
    pub bytes: u64,
    /// Not yet on the sync server.
    pub unsent: usize,
    pub unsent_bytes: u64,
}

pub struct EvidenceStore {
    db: Database,
}

impl EvidenceStore {
    pub async fn open() -> Result<EvidenceStore, EvidenceError> {
        let factory = Factory::new().map_err(failed)?;
        // At whatever version it is (1 when new, its store made then).
        let db = Self::open_at(&factory, None).await?;
        if db.store_names().iter().any(|n| n == FILES) {
            return Ok(EvidenceStore { db });
        }
        // A database of this name without the store (something else
        // opened it first): one version up creates it.
        let next = db.version().map_err(failed)? + 1;
        db.close();
        let db = Self::open_at(&factory, Some(next)).await?;
        Ok(EvidenceStore { db })
    }

    async fn open_at(factory: &Factory, version: Option<u32>) -> Result<Database, EvidenceError> {
        let mut req = factory.open(DB_NAME, version).map_err(failed)?;
        req.on_upgrade_needed(|event| {
            use idb::DatabaseEvent;
            let Ok(db) = event.database() else { return };
            if !db.store_names().iter().any(|n| n == FILES) {
                let _ = db.create_object_store(FILES, ObjectStoreParams::new());
            }
        });
        req.await.map_err(failed)
    }

    /// Keep a file under its hash, unless it is kept already. A disk too
    /// full for it refuses it before anything is written, and a write the
    /// browser refuses for room leaves what is kept as it was.
    pub async fn put(
        &self,
        sha256: &str,
        media_type: &str,
        blob: &web_sys::Blob,
    ) -> Result<(), EvidenceError> {
        let size = blob.size() as u64;
        if self.get(sha256).await?.is_some() {
            return Ok(());
        }
        let info = crate::platform::storage_info().await;
        if let (Some(usage), Some(quota)) = (info.usage, info.quota) {
            if usage + size as f64 > quota {
                return Err(EvidenceError::Full { needed: size });
            }
        }
        let entry = js_sys::Object::new();
        let set = |k: &str, v: JsValue| Reflect::set(&entry, &k.into(), &v).map(drop);
        set("type", media_type.into()).map_err(|e| failed(format!("{e:?}")))?;
        set("size", (size as f64).into()).map_err(|e| failed(format!("{e:?}")))?;
        set("blob", blob.into()).map_err(|e| failed(format!("{e:?}")))?;
        set("sent", false.into()).map_err(|e| failed(format!("{e:?}")))?;
        self.write(sha256, &entry, size).await
    }

    async fn write(&self, sha256: &str, entry: &JsValue, size: u64) -> Result<(), EvidenceError> {
        let full = |e: idb::Error| EvidenceError::from_js(e, size);
        let tx = self
            .db
            .transaction(&[FILES], TransactionMode::ReadWrite)
            .map_err(full)?;
        let store = tx.object_store(FILES).map_err(full)?;
        let handle = store.transaction();
        store
            .put(entry, Some(&JsValue::from_str(sha256)))
            .map_err(full)?
            .await
            .map_err(full)?;
        let done = tx.await.map_err(full)?;
        if done.is_committed() {
            return Ok(());
        }
        let why = handle
            .error()
            .map(|e| format!("{}: {}", e.name(), e.message()))
            .unwrap_or_else(|| "giao dịch bị hủy".into());
        Err(EvidenceError::from_js(why, size))
    }

    pub async fn get(&self, sha256: &str) -> Result<Option<Kept>, EvidenceError> {
        let tx = self
            .db
            .transaction(&[FILES], TransactionMode::ReadOnly)
            .map_err(failed)?;
        let store = tx.object_store(FILES).map_err(failed)?;
        let value = store
            .get(JsValue::from_str(sha256))
            .map_err(failed)?
            .await
            .map_err(failed)?;
        Ok(value.and_then(|v| kept(sha256, &v)))
    }

    /// Note that the sync server has the file whole.
    pub async fn mark_sent(&self, sha256: &str) -> Result<(), EvidenceError> {
        let tx = self
            .db
            .transaction(&[FILES], TransactionMode::ReadWrite)
            .map_err(failed)?;
        let store = tx.object_store(FILES).map_err(failed)?;
        let key = JsValue::from_str(sha256);
        if let Some(v) = store
            .get(key.clone())
            .map_err(failed)?
            .await
            .map_err(failed)?
        {
            Reflect::set(&v, &"sent".into(), &true.into()).map_err(|e| failed(format!("{e:?}")))?;
            store
                .put(&v, Some(&key))
                .map_err(failed)?
                .await
                .map_err(failed)?;
        }
        tx.await.map_err(failed)?;
        Ok(())
    }

    /// Every kept file (their bytes stay on disk until read).
    pub async fn all(&self) -> Result<Vec<Kept>, EvidenceError> {
        let tx = self
            .db
            .transaction(&[FILES], TransactionMode::ReadOnly)
            .map_err(failed)?;
        let store = tx.object_store(FILES).map_err(failed)?;
        let keys = store
            .get_all_keys(None, None)
            .map_err(failed)?
            .await
            .map_err(failed)?;
        let values = store
            .get_all(None, None)
            .map_err(failed)?
            .await
            .map_err(failed)?;
        tx.await.map_err(failed)?;
        Ok(keys
            .iter()
            .zip(values.iter())
            .filter_map(|(k, v)| kept(&k.as_string()?, v))
            .collect())
    }

    pub async fn usage(&self) -> Result<Usage, EvidenceError> {
        let mut u = Usage::default();
        for k in self.all().await? {
            u.files += 1;
            u.bytes += k.size;
            if !k.sent {
                u.unsent += 1;
                u.unsent_bytes += k.size;
            }
        }
        Ok(u)
    }
}

fn kept(sha256: &str, v: &JsValue) -> Option<Kept> {
    let get = |k: &str| Reflect::get(v, &k.into()).ok();
    Some(Kept {
        sha256: sha256.to_string(),
        size: get("size")?.as_f64()? as u64,
        blob: get("blob")?.dyn_into().ok()?,
        sent: get("sent").and_then(|s| s.as_bool()).unwrap_or(false),
    })
}

/// The bytes of a blob (read when a file is hashed, sent or exported).
pub async fn bytes_of(blob: &web_sys::Blob) -> Result<Vec<u8>, String> {
    let buf = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

/// A blob of `bytes` with their media type.
pub fn blob_of(bytes: &[u8], media_type: &str) -> Result<web_sys::Blob, String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(media_type);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &bag)
        .map_err(|e| format!("{e:?}"))
}
