//! Sending side, in the browser: seal the unsent changes into the next batch
//! and download it, keep the history, download any batch again, and make or
//! restore a full backup. The rules (what is pending, the batch format, the
//! hash, the checks on a restored file) are the core's (`papi_core::batch`).

use leptos::prelude::*;
use papi_core::batch::{self, Batch, BatchKind, Header};
use papi_core::dates::format_vn;

use crate::app::AppState;
use crate::entries::EntriesState;
use crate::platform;
use crate::store::{StoreError, StoredBatch};
use crate::tabs::{self, TabMessage};
use crate::workspace::{PLAN, UNITS, UNITS_JOINED};

/// This unit's sending side on this device: its outbox and the batches it
/// sealed. Its own concern, provided as a context (`use_outbox`): it reads
/// the records and the store of the app state and tells the user through
/// its notices; nothing in the app state reads it.
#[derive(Clone, Copy)]
pub struct OutboxState {
    app: AppState,
    /// The unit's assessments, submissions and comments: they travel with
    /// its records.
    entries: EntriesState,
    /// This unit's outbox on this device (`None` until loaded).
    pub outbox: RwSignal<Option<papi_core::batch::Outbox>>,
    /// Batches this device sealed for this unit, oldest first.
    pub batches: RwSignal<Vec<StoredBatch>>,
}

pub fn use_outbox() -> OutboxState {
    expect_context::<OutboxState>()
}

impl OutboxState {
    pub fn new(app: AppState, entries: EntriesState) -> OutboxState {
        OutboxState {
            app,
            entries,
            outbox: RwSignal::new(None),
            batches: RwSignal::new(vec![]),
        }
    }

    /// Changes of this unit not yet in a batch (reactive): records, and
    /// assessments, submissions and comments.
    pub fn unsealed(&self) -> usize {
        self.outbox.with(|o| {
            let Some(o) = o.as_ref() else { return 0 };
            let entries = self.entries.held.with(|e| {
                let p = o.pending_all(e.holding(&[]));
                p.assessments.len() + p.submissions.len() + p.comments.len()
            });
            self.app.records.with(|rs| o.pending(rs).len()) + entries
        })
    }

    /// Load this unit's outbox and batch history from the store.
    pub async fn refresh_outbox(&self) {
        let _ = self.entries.refresh();
        let unit = self.app.unit_code();
        let Some(store) = self.app.store() else {
            return;
        };
        let Ok(idb) = store.idb() else { return };
        match idb.holds_outbox(&unit).await {
            // Nothing sealed yet (every first run): nothing to read.
            Ok(false) => {
                self.outbox.set(Some(papi_core::batch::Outbox::new(&unit)));
                self.batches.set(Vec::new());
            }
            Ok(true) => self.read_outbox().await,
            Err(e) => self.app.notices.notify(e.message_vi(), true, None),
        }
    }

    /// Read the outbox and the batches, with the reading code in a chunk of
    /// its own (off the first screen's path). (wasm-bindgen-test builds are
    /// not split.)
    async fn read_outbox(&self) {
        #[cfg(not(test))]
        self.app
            .run_chunk(read_chunk(*self), "lô dữ liệu đã lưu")
            .await;
        #[cfg(test)]
        self.load_outbox().await;
    }

    async fn load_outbox(&self) {
        let unit = self.app.unit_code();
        let Some(store) = self.app.store() else {
            return;
        };
        let Ok(idb) = store.idb() else { return };
        match (idb.outbox(&unit).await, idb.batches(&unit).await) {
            (Ok((o, rebuilt)), Ok((b, unreadable))) => {
                self.outbox.set(Some(o));
                self.batches.set(b);
                self.app
                    .report_faults(rebuilt.into_iter().chain(unreadable).collect());
            }
            (Err(e), _) | (_, Err(e)) => self.app.notices.notify(e.message_vi(), true, None),
        }
    }

    fn header_now<'a>(&self, unit: &'a str, device: &'a str, signer: &'a str) -> Header<'a> {
        Header {
            plan: &PLAN,
            units: &UNITS.id,
            unit_code: unit,
            device_id: device,
            created_at: platform::now(),
            signer,
        }
    }

    /// "Xuất lô dữ liệu": seal every unsent change into the next batch,
    /// keep it, and download it (the caller starts a sync to send it).
    pub async fn export_batch(&self) -> Result<Option<StoredBatch>, StoreError> {
        let stored = self.seal_pending().await?;
        if let Some(b) = &stored {
            self.download_batch(b).await;
        }
        Ok(stored)
    }

    /// Seal every unsent change into the next batch and keep it (the sync
    /// does this before sending; "Xuất lô dữ liệu" also downloads it).
    pub async fn seal_pending(&self) -> Result<Option<StoredBatch>, StoreError> {
        let store = self
            .app
            .store()
            .ok_or_else(|| StoreError::Failed("bộ nhớ chưa sẵn sàng".into()))?;
        let idb = store.idb()?;
        let unit = self.app.unit_code();
        let device = crate::app::device_id();
        let (outbox, rebuilt) = idb.outbox(&unit).await?;
        self.app.report_faults(rebuilt.into_iter().collect());
        let records = self.app.records.get_untracked();
        // Entries this release cannot read stay as they are: the records
        // still travel.
        let entries = self.entries.refresh().unwrap_or_default();
        let signer = crate::keys::device_signer()
            .await
            .map_err(StoreError::Failed)?;
        let public = signer.public_hex();
        let Some((batch, next)) = outbox.seal_next(
            entries.holding(&records),
            &self.header_now(&unit, device, &public),
        ) else {
            return Ok(None);
        };
        let batch = crate::keys::sign_batch(&signer, batch)
            .await
            .map_err(|e| StoreError::Failed(format!("không ký được lô: {e}")))?;
        let stored = match idb.seal(&outbox, &batch, &next).await {
            Ok(s) => s,
            Err(e) => {
                self.refresh_outbox().await;
                return Err(e);
            }
        };
        tabs::broadcast(TabMessage::Outbox);
        self.refresh_outbox().await;
        Ok(Some(stored))
    }

    /// Download a sealed batch (again): the same bytes every time.
    pub async fn download_batch(&self, b: &StoredBatch) {
        if let Err(e) = platform::download(&b.file_name, "application/json", &b.text) {
            self.app.notices.notify(
                format!("Không tải xuống được {}: {e}", b.file_name),
                true,
                None,
            );
            return;
        }
        if let Some(Ok(idb)) = self.app.store().as_ref().map(|s| s.idb()) {
            let counted = idb
                .update_batch(&b.unit_code, b.seq, |s| s.downloads += 1)
                .await;
            if let Err(e) = counted {
                self.app.notices.notify(e.message_vi(), true, None);
            }
        }
        self.refresh_outbox().await;
    }

    /// The batch with the evidence files its records list, as one `.zip`
    /// (`evidence::bundle`): for a receiver reached by file only.
    pub async fn download_zip(&self, b: &StoredBatch) {
        let name = format!("{}.zip", b.file_name.trim_end_matches(".json"));
        let made = crate::evidence::bundle::export(&b.file_name, &b.text, b.created_at)
            .await
            .and_then(|z| platform::download_bytes(&name, "application/zip", &z.bytes).map(|()| z));
        match made {
            Ok(z) if z.missing > 0 => self.app.notices.notify(
                format!(
                    "Đã tải {name} với {} tệp minh chứng; {} tệp các hoạt động ghi không có trên máy này (đã ghi ở máy khác).",
                    z.files, z.missing
                ),
                true,
                None,
            ),
            Ok(z) => self.app.notices.notify(
                format!("Đã tải {name} với {} tệp minh chứng.", z.files),
                false,
                None,
            ),
            Err(e) => self
                .app
                .notices
                .notify(format!("Không tạo được {name}: {e}"), true, None),
        }
    }

    /// A full backup of the unit's records and entries, as a file, signed
    /// by this device.
    pub async fn download_backup(&self) {
        let unit = self.app.unit_code();
        let records = self.app.records.get_untracked();
        let entries = self.entries.refresh().unwrap_or_default();
        let signed = match crate::keys::device_signer().await {
            Ok(signer) => {
                let public = signer.public_hex();
                let h = self.header_now(&unit, crate::app::device_id(), &public);
                let b = batch::backup(entries.holding(&records), &h);
                crate::keys::sign_batch(&signer, b).await
            }
            Err(e) => Err(e),
        };
        let result = signed
            .and_then(|b| platform::download(&b.file_name(), "application/json", &b.to_json()));
        if let Err(e) = result {
            self.app
                .notices
                .notify(format!("Không tạo được bản sao lưu: {e}"), true, None);
        }
    }

    /// Restore records from a backup (or any batch) of this unit. Each
    /// record is written only if it is newer than the one held, so a restore
    /// never loses a later change. Returns how many were written.
    pub async fn restore(&self, name: &str, bytes: &[u8]) -> Result<usize, String> {
        let mut b: Batch = batch::parse(bytes, &PLAN, &UNITS_JOINED, platform::now())
            .map_err(|e| format!("Tệp {name}: {}", e.message_vi()))?;
        let unit = self.app.unit_code();
        if b.unit_code != unit {
            let other = UNITS
                .get(&b.unit_code)
                .map(|u| u.name.clone())
                .unwrap_or(b.unit_code.clone());
            return Err(format!(
                "Tệp {name}: là dữ liệu của {other}, không phải của đơn vị đang dùng. Hãy đổi đơn vị ở Cài đặt nếu muốn khôi phục."
            ));
        }
        let mut written = 0;
        for r in std::mem::take(&mut b.records) {
            match self.app.persist_replica(r).await {
                Ok(true) => written += 1,
                Ok(false) => {}
                Err(e) => {
                    return Err(format!(
                        "Tệp {name}: dừng sau {written} hoạt động: {}",
                        e.message_vi()
                    ))
                }
            }
        }
        // The unit's assessments and the rest: each kept if newer.
        let mut entries = 0;
        self.entries
            .update(|e| {
                entries = e.restore(&b);
                entries > 0
            })
            .map_err(|e| format!("Tệp {name}: đã khôi phục {written} hoạt động, nhưng {e}"))?;
        let kind = match b.kind {
            BatchKind::Backup => "bản sao lưu",
            BatchKind::Changes => "lô",
        };
        let also = match entries {
            0 => String::new(),
            n => format!(" và {n} mục đánh giá, gửi báo cáo, ý kiến"),
        };
        self.app.notices.notify(
            format!(
                "Đã khôi phục {written} hoạt động{also} từ {kind} ngày {}.",
                format_vn(papi_core::dates::vn_date(b.created_at))
            ),
            false,
            None,
        );
        Ok(written)
    }
}

/// `OutboxState::load_outbox` as a chunk of its own.
#[cfg(not(test))]
#[leptos::wasm_split::wasm_split(outbox, wasm_split_path = ::leptos::wasm_split, fallible)]
fn read_chunk(
    outbox: OutboxState,
) -> Result<crate::app::Chunk, leptos::wasm_split::SplitLoaderError> {
    not_in_first_visit!();
    Ok(Box::pin(async move { outbox.load_outbox().await }))
}
