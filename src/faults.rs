//! Stored-data faults: entries of the browser's storage that could not be
//! read (a record, a batch sealed or received, an outbox). The store sets
//! them aside or leaves them in place (`crate::store`); here they are
//! gathered for the report in Cài đặt, announced once, and offered for
//! download exactly as stored.

use leptos::prelude::*;

use crate::app::AppState;
use crate::notices::Notices;
use crate::platform;
use crate::store::SetAside;

impl AppState {
    /// Add faults found by a read to the report; a notice says how many are
    /// new (a fault found again, by a later read, is not announced twice).
    pub fn report_faults(&self, found: Vec<SetAside>) {
        let new = self.merge_faults(found);
        if new > 0 {
            self.notices.notify(
                format!(
                    "{new} mục dữ liệu bị hỏng đã được cất riêng (xem Cài đặt); các hoạt động khác vẫn nguyên vẹn."
                ),
                true,
                None,
            );
        }
    }

    /// Add faults to the report without a notice; returns how many were not
    /// listed yet. The same key replaces its older line.
    fn merge_faults(&self, found: Vec<SetAside>) -> usize {
        let mut new = 0;
        self.set_aside.update(|list| {
            for f in found {
                match list.iter_mut().find(|x| x.key == f.key) {
                    Some(x) => *x = f,
                    None => {
                        new += 1;
                        list.push(f);
                    }
                }
            }
        });
        new
    }

    /// Everything set aside in earlier sessions (kept in the store for
    /// good), so the report survives a reload.
    pub async fn load_known_faults(&self) {
        let Some(store) = self.store() else { return };
        let Ok(idb) = store.idb() else { return };
        if let Ok(known) = idb.set_aside_entries().await {
            self.merge_faults(known);
        }
    }
}

/// The file name a fault's raw entry downloads as.
pub fn file_name(f: &SetAside) -> String {
    let key: String = f
        .key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(80)
        .collect();
    format!("papi-muc-hong-{key}.txt")
}

/// Download a fault's entry as it was stored.
pub fn download(notices: &Notices, f: &SetAside) {
    if let Err(e) = platform::download(&file_name(f), "text/plain;charset=utf-8", &f.raw) {
        notices.notify(format!("Không tải xuống được mục hỏng: {e}"), true, None);
    }
}
