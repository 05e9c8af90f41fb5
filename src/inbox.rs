//! Receiving side, in the browser (district, province): read batch files,
//! dry-run them against what is held, then apply each accepted file in one
//! transaction. The rules are the core's (`papi_core::batch::parse`,
//! `papi_core::merge`); this is the file reading and the storage around them.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use leptos::prelude::*;
use papi_core::batch::{self, Batch, MAX_BATCH_BYTES};
use papi_core::merge::{self, Changes, Overlay, Refusal, Scope, Verdict};
use papi_core::{Level, Units};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::app::{store, AppState, PLAN, UNITS};
use crate::platform;
use crate::store::Applied;
use crate::tabs::{self, TabMessage};

/// Why a file was not applied when another tab imported first.
const STALE: &str = "Một thẻ khác vừa nhập dữ liệu nên kết quả kiểm tra đã cũ; \
                     tệp này chưa được ghi. Hãy chọn lại các tệp để kiểm tra lại.";

/// Why the files after one that failed to be written were not applied.
const AFTER_FAILURE: &str = "Chưa ghi vì một tệp trước đó không ghi được; \
                             hãy chọn lại các tệp để kiểm tra lại.";

/// One file of an import, from dry run to result.
#[derive(Debug, Clone, PartialEq)]
pub struct FileCheck {
    /// Which picked file this line is of (a bundle gives several lines).
    pub file: usize,
    pub name: String,
    pub state: FileState,
    /// When the sync server received it (pulled batches only): the time
    /// "on time" is judged by.
    pub received_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FileState {
    Refused(String),
    AlreadyImported,
    /// Would apply: what it would do.
    Ready(Arc<Batch>, Arc<Changes>),
    /// Applied: how many versions were written.
    Applied(Arc<Batch>, Arc<Changes>, usize),
    /// Applying failed; nothing of this file was written.
    Failed(String),
}

/// A file as read from the picker or a drop.
pub struct Picked {
    pub name: String,
    /// `Err` when the file was refused before reading (too large).
    pub bytes: Result<Vec<u8>, String>,
    /// When the sync server received it; `None` for a file.
    pub received_at: Option<DateTime<Utc>>,
}

/// Read the files of a picker or a drop, refusing oversize ones unread.
pub async fn read_files(files: Vec<web_sys::File>) -> Vec<Picked> {
    let mut out = Vec::new();
    for f in files {
        let name = f.name();
        let size = f.size();
        let bytes = if size > MAX_BATCH_BYTES as f64 {
            Err(papi_core::batch::BatchError::TooLarge {
                len: size as usize,
                max: MAX_BATCH_BYTES,
            }
            .message_vi())
        } else {
            match JsFuture::from(f.array_buffer()).await {
                Ok(buf) => Ok(js_sys::Uint8Array::new(&buf).to_vec()),
                Err(e) => Err(format!("không đọc được tệp ({e:?}).")),
            }
        };
        out.push(Picked {
            name,
            bytes,
            received_at: None,
        });
    }
    out
}

/// The receiver's scope for a settings level and unit (`Scope::of_receiver`).
pub fn scope_of(level: Level, unit_code: &str) -> Option<Scope> {
    Scope::of_receiver(&UNITS, level, unit_code)
}

/// Dry run: what each file would do, each after the ones before it. A
/// bundle (from a district) shows one line per batch it carries.
pub fn dry_run(
    held: &merge::Received,
    files: Vec<Picked>,
    scope: &Scope,
    units: &Units,
) -> Vec<FileCheck> {
    let mut overlay = Overlay::new(held);
    let now = platform::now();
    let mut out = Vec::new();
    for (file, f) in files.into_iter().enumerate() {
        let parsed = match f.bytes {
            Err(e) => Err(e),
            Ok(bytes) => batch::parse_file(&bytes, &PLAN, units, now).map_err(|e| e.message_vi()),
        };
        let batches = match parsed {
            Err(e) => {
                out.push(FileCheck {
                    file,
                    name: f.name,
                    state: FileState::Refused(e),
                    received_at: f.received_at,
                });
                continue;
            }
            Ok(list) => list,
        };
        let several = batches.len() > 1;
        for b in batches {
            let name = if several {
                format!(
                    "{} · {}",
                    f.name,
                    units
                        .get(&b.unit_code)
                        .map(|u| u.name.as_str())
                        .unwrap_or(&b.unit_code)
                )
            } else {
                f.name.clone()
            };
            let state = match overlay.plan(&b, scope, units, now) {
                Verdict::Refused(r) => FileState::Refused(r.message_vi(units)),
                Verdict::AlreadyImported => FileState::AlreadyImported,
                Verdict::Accepted(c) => FileState::Ready(Arc::new(b), Arc::new(c)),
            };
            out.push(FileCheck {
                file,
                name,
                state,
                received_at: f.received_at,
            });
        }
    }
    out
}

/// How many entries the store held when the received state in memory was
/// read (`None` before it is read).
pub fn basis() -> Option<u32> {
    store()?.idb().ok()?.received_seen()
}

impl AppState {
    pub async fn refresh_received(&self) {
        let Some(store) = store() else { return };
        let Ok(idb) = store.idb() else { return };
        match idb.load_received().await {
            Ok((r, bad)) => {
                self.received.set(r);
                self.report_faults(bad);
            }
            Err(e) => self.notify(e.message_vi(), true, None),
        }
    }

    /// Apply every ready file, in order, each whole or not at all. `basis`
    /// is `basis()` when the dry run was made: if the store has moved since
    /// (another tab imported), nothing is written.
    pub async fn apply_checks(&self, checks: RwSignal<Vec<FileCheck>>, basis: Option<u32>) {
        let Some(store) = store() else { return };
        let idb = match store.idb() {
            Ok(i) => i,
            Err(e) => {
                self.notify(e.message_vi(), true, None);
                return;
            }
        };
        let n = checks.with_untracked(Vec::len);
        // Memory follows the store once at the end (the store is the truth;
        // a reload reads it back), so the views recompute once, not per file.
        let mut applied = Vec::new();
        // After a stale basis or a failed write, the files after it were
        // planned on a state that is not the store's: none is written.
        let mut stop: Option<&str> = basis.is_none().then_some(STALE);
        let mut expected = basis.unwrap_or_default();
        // One file (a bundle holds many batches) at a time, in one
        // transaction: it is applied whole or not at all.
        let mut i = 0;
        while i < n {
            let file = checks.with_untracked(|cs| cs[i].file);
            let end = checks.with_untracked(|cs| (i..n).find(|&j| cs[j].file != file).unwrap_or(n));
            let ready: Vec<(usize, Arc<Batch>, Arc<Changes>)> = checks.with_untracked(|cs| {
                (i..end)
                    .filter_map(|j| match &cs[j].state {
                        FileState::Ready(b, c) => Some((j, b.clone(), c.clone())),
                        _ => None,
                    })
                    .collect()
            });
            i = end;
            if ready.is_empty() {
                continue;
            }
            if let Some(why) = stop {
                checks.update(|cs| {
                    for (j, ..) in &ready {
                        cs[*j].state = FileState::Failed(why.into());
                    }
                });
                continue;
            }
            let now = platform::now();
            let entries: Vec<_> = ready
                .iter()
                .map(|(j, b, c)| {
                    let received_at = checks.with_untracked(|cs| cs[*j].received_at);
                    merge::AppliedBatch::new(b, c, now, received_at)
                })
                .collect();
            let states: Vec<FileState> = match idb.apply_batches(&entries, expected).await {
                Ok(results) => ready
                    .iter()
                    .zip(results)
                    .zip(entries)
                    .map(|(((_, b, c), result), entry)| match result {
                        Applied::Written(n) => {
                            expected += 1;
                            applied.push(entry);
                            FileState::Applied(b.clone(), c.clone(), n)
                        }
                        Applied::Duplicate => FileState::AlreadyImported,
                        Applied::SeqConflict => FileState::Refused(
                            Refusal::SeqConflict {
                                key: b.key(),
                                kept: String::new(),
                                this: b.sha256.clone(),
                            }
                            .message_vi(&UNITS),
                        ),
                        Applied::Stale => {
                            stop = Some(STALE);
                            FileState::Failed(STALE.into())
                        }
                    })
                    .collect(),
                Err(e) => {
                    stop = Some(AFTER_FAILURE);
                    ready
                        .iter()
                        .map(|_| FileState::Failed(e.message_vi()))
                        .collect()
                }
            };
            checks.update(|cs| {
                for ((j, ..), state) in ready.iter().zip(states) {
                    cs[*j].state = state;
                }
            });
        }
        if stop.is_some() {
            // Read back what the other tab wrote, with what this one did.
            self.refresh_received().await;
        } else {
            self.received.update(|r| {
                for entry in applied {
                    r.absorb(entry);
                }
            });
        }
        tabs::broadcast(TabMessage::Received);
    }
}

/// A FileList is live (clearing the input empties it): take the files out.
fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    list.map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
        .unwrap_or_default()
}

/// The files of a drop event.
pub fn dropped_files(ev: &web_sys::DragEvent) -> Vec<web_sys::File> {
    files_of(ev.data_transfer().and_then(|d| d.files()))
}

/// The files of an `<input type=file>` change event; the input is cleared
/// so that picking the same file again fires another change.
pub fn picked_files(ev: &web_sys::Event) -> Vec<web_sys::File> {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return vec![];
    };
    let files = files_of(input.files());
    input.set_value("");
    files
}
