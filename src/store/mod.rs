//! Where records are kept on the device.
//!
//! One interface, two backends: IndexedDB (the default: no practical size
//! limit, one entry per record, transactions) and localStorage (the fallback
//! where IndexedDB is unavailable). Both keep one entry per record, so a save
//! costs the same at 10 or 20,000 records, and both follow the core's rules
//! (`papi_core::storage`): entries of any past schema are read and upgraded,
//! a corrupted entry is set aside and reported while the rest load, and a
//! write made from a stale revision is refused instead of overwriting
//! another tab's change.

mod idb_store;
mod legacy;
mod local;
mod outbox;
mod pulled;
mod received;
#[cfg(test)]
mod tests;

use papi_core::Activity;

pub use idb_store::IdbStore;
pub use local::LocalStore;
pub use outbox::StoredBatch;
pub use pulled::RefusedPull;

/// A stored entry that could not be read: kept aside (or left in place),
/// never deleted, and reported with its raw text so it can be downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub kind: EntryKind,
    pub key: String,
    pub reason: String,
    /// The entry as stored, byte for byte where it was text.
    pub raw: String,
}

impl SetAside {
    pub fn new(
        kind: EntryKind,
        key: impl Into<String>,
        reason: impl Into<String>,
        raw: impl Into<String>,
    ) -> SetAside {
        SetAside {
            kind,
            key: key.into(),
            reason: reason.into(),
            raw: raw.into(),
        }
    }
}

/// What an unreadable entry was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// An activity record of this device.
    Record,
    /// The schema-1 prototype's array (or one element of it).
    Legacy,
    /// The device's outbox of a unit (next batch number, what is sealed).
    Outbox,
    /// A batch this device sealed.
    Batch,
    /// A batch a district or the province received.
    Received,
    /// A batch pulled from the server and refused, kept with its reason.
    Refused,
}

impl EntryKind {
    pub fn label_vi(self) -> &'static str {
        match self {
            EntryKind::Record => "Hoạt động",
            EntryKind::Legacy => "Dữ liệu của phiên bản đầu",
            EntryKind::Outbox => "Trạng thái xuất lô",
            EntryKind::Batch => "Lô đã xuất",
            EntryKind::Received => "Lô đã nhập",
            EntryKind::Refused => "Lô bị từ chối khi tải từ máy chủ",
        }
    }

    /// The kind of an entry in the `set_aside` store, from its key.
    fn of_aside_key(key: &str) -> EntryKind {
        if key.starts_with(outbox::ASIDE_PREFIX) {
            EntryKind::Outbox
        } else if key.starts_with(legacy::V1_KEY) {
            EntryKind::Legacy
        } else {
            EntryKind::Record
        }
    }
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub records: Vec<Activity>,
    pub set_aside: Vec<SetAside>,
    /// Records brought over from the schema-1 layout during this load.
    pub migrated: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// The device's storage is full.
    Quota,
    /// Another tab changed the record first; here is its version.
    Conflict(Box<Activity>),
    Failed(String),
}

impl StoreError {
    pub fn message_vi(&self) -> String {
        match self {
            StoreError::Quota => "Bộ nhớ của trình duyệt đã đầy nên chưa lưu được. Nội dung bạn nhập vẫn còn trong biểu mẫu. \
Hãy vào Cài đặt, bấm \"Xuất dữ liệu\" để lưu một bản ra máy, rồi giải phóng dung lượng và lưu lại."
                .into(),
            StoreError::Conflict(_) => "Hoạt động này vừa được sửa ở một cửa sổ khác. Bản mới nhất đã được tải lại; \
nội dung bạn nhập vẫn còn trong biểu mẫu để bạn xem và lưu lại."
                .into(),
            StoreError::Failed(e) => format!("Không lưu được vào bộ nhớ của trình duyệt: {e}"),
        }
    }

    fn from_js(e: impl std::fmt::Display) -> StoreError {
        let text = e.to_string();
        if text.contains("QuotaExceeded") || text.contains("quota") {
            StoreError::Quota
        } else {
            StoreError::Failed(text)
        }
    }
}

/// What a successful save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Written,
    AlreadyCurrent,
}

pub enum Backend {
    Idb(IdbStore),
    Local(LocalStore),
}

impl Backend {
    /// IndexedDB when the browser offers it, localStorage otherwise.
    pub async fn open() -> Backend {
        match IdbStore::open().await {
            Ok(s) => Backend::Idb(s),
            Err(e) => {
                web_sys::console::warn_1(
                    &format!("IndexedDB unavailable, using localStorage: {e:?}").into(),
                );
                Backend::Local(LocalStore)
            }
        }
    }

    /// Batches and imports need IndexedDB (transactions over several stores,
    /// and room for a district's year).
    pub fn idb(&self) -> Result<&IdbStore, StoreError> {
        match self {
            Backend::Idb(s) => Ok(s),
            Backend::Local(_) => Err(StoreError::Failed(
                "chức năng này cần IndexedDB, trình duyệt đang không cho dùng (chế độ ẩn danh?). \
Hãy mở ứng dụng ở cửa sổ thường; dữ liệu vẫn xuất được ở Cài đặt"
                    .into(),
            )),
        }
    }

    pub fn label_vi(&self) -> &'static str {
        match self {
            Backend::Idb(_) => "Bộ nhớ của trình duyệt trên máy này",
            Backend::Local(_) => {
                "Bộ nhớ dự phòng của trình duyệt (nhỏ hơn; hãy xuất dữ liệu thường xuyên)"
            }
        }
    }

    /// Load every record, after bringing over any schema-1 data.
    pub async fn load_all(&self) -> Result<Loaded, StoreError> {
        // A failed migration must not stop the current records from loading;
        // the old data stays where it is and is tried again next start.
        // Schema-1 data is the shipped plan's: another plan's workspace
        // never takes it in.
        let shipped = crate::workspace::is_shipped();
        let legacy = if shipped {
            legacy::migrate(self).await
        } else {
            Ok((0, vec![]))
        };
        let (migrated, mut legacy_bad) = match legacy {
            Ok(m) => m,
            Err(e) => (
                0,
                vec![SetAside::new(
                    EntryKind::Legacy,
                    legacy::V1_KEY,
                    e.message_vi(),
                    String::new(),
                )],
            ),
        };
        // Records saved in the localStorage fallback (a session where
        // IndexedDB was unavailable) move into IndexedDB once it is back, so
        // they are never stranded in the other store. Each workspace has
        // its own fallback keys.
        let mut from_fallback = 0;
        if let Backend::Idb(_) = self {
            if let Ok(fallback) = LocalStore.load_all() {
                for rec in &fallback.records {
                    if self.save(rec, None).await.is_ok() {
                        LocalStore.remove(&rec.id.to_string());
                        from_fallback += 1;
                    }
                }
            }
        }
        let mut loaded = match self {
            Backend::Idb(s) => s.load_all().await?,
            Backend::Local(s) => s.load_all()?,
        };
        loaded.migrated = migrated + from_fallback;
        loaded.set_aside.append(&mut legacy_bad);
        Ok(loaded)
    }

    pub async fn get(&self, id: &str) -> Result<Option<Activity>, StoreError> {
        match self {
            Backend::Idb(s) => s.get(id).await,
            Backend::Local(s) => s.get(id),
        }
    }

    /// Save one record. `base` is the revision the change was made from
    /// (`None` for a new record or a replica from elsewhere).
    pub async fn save(&self, rec: &Activity, base: Option<u32>) -> Result<Saved, StoreError> {
        match self {
            Backend::Idb(s) => s.save(rec, base).await,
            Backend::Local(s) => s.save(rec, base),
        }
    }

    /// Keep an unreadable entry aside under its key.
    pub async fn set_aside(&self, key: &str, raw: &str, reason: &str) -> Result<(), StoreError> {
        match self {
            Backend::Idb(s) => s.set_aside(key, raw, reason).await,
            Backend::Local(s) => s.set_aside(key, raw, reason),
        }
    }
}
