//! Receiving side, in the browser (district, province): read batch files,
//! dry-run them against what is held, then apply each accepted file in one
//! transaction. The rules are the core's (`papi_core::batch::parse`,
//! `papi_core::merge`); this is the file reading and the storage around them.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use leptos::prelude::*;
use papi_core::apply::{self, ApplyRun, Outcome};
use papi_core::batch::Origin;
use papi_core::batch::{self, Batch, MAX_BATCH_BYTES};
use papi_core::merge::Received;
use papi_core::merge::{self, Changes, Overlay, Refusal, Scope};
use papi_core::trust::{Keyring, Verdict};
use papi_core::{Activity, Level, Units};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::app::AppState;
use crate::platform;
use crate::tabs::{self, TabMessage};
use crate::workspace::{PLAN, UNITS, UNITS_JOINED};

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
    /// Who signed the file, as the keyring judges it (`None` when the file
    /// could not be read).
    pub signed: Option<Signed>,
}

/// A file's signer and what this receiver's keyring says of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Signed {
    pub origin: Origin,
    pub verdict: Verdict,
}

impl Signed {
    /// The line the import screen shows under the file.
    pub fn message_vi(&self) -> String {
        self.verdict.message_vi(|c| UNITS.name_or_code(c))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum FileState {
    Refused(String),
    /// Pulled from the server and of a newer format version (this one) than
    /// this build reads: not applied, not refused for good; kept and tried
    /// again after the app is updated (`crate::pull`).
    Newer(u32, String),
    /// Signed by a device nobody has vouched for: held until the officer
    /// compares the fingerprint with the sender and trusts the device.
    UnknownDevice,
    AlreadyImported,
    /// Would apply: what it would do.
    Ready(Arc<Batch>, Arc<Changes>),
    /// Applied: how many versions were written.
    Applied(Arc<Batch>, Arc<Changes>, usize),
    /// Applying failed; nothing of this file was written.
    Failed(String),
}

/// A file as read from the picker or a drop.
#[derive(Clone)]
pub struct Picked {
    pub name: String,
    /// `Err` when the file was refused before reading (too large).
    pub bytes: Result<Vec<u8>, String>,
    /// When the sync server received it; `None` for a file.
    pub received_at: Option<DateTime<Utc>>,
    /// Pulled from the sync server (or kept from an earlier pull), not a
    /// file the officer picked.
    pub pulled: bool,
}

/// Read the files of a picker or a drop, refusing oversize ones unread.
pub async fn read_files(files: Vec<web_sys::File>) -> Vec<Picked> {
    let mut out = Vec::new();
    for f in files {
        let name = f.name();
        let size = f.size();
        // A batch's .zip carries its evidence files (`evidence::bundle`).
        let max = match name.to_lowercase().ends_with(".zip") {
            true => papi_core::evidence::MAX_ZIP_BYTES as usize,
            false => MAX_BATCH_BYTES,
        };
        let bytes = if size > max as f64 {
            Err(papi_core::batch::BatchError::TooLarge {
                len: size as usize,
                max,
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
            pulled: false,
        });
    }
    out
}

/// The receiver's scope for a settings level and unit (`Scope::of_receiver`).
pub fn scope_of(level: Level, unit_code: &str) -> Option<Scope> {
    Scope::of_receiver(&UNITS, level, unit_code)
}

/// What a receiver trusts: the devices it knows, and whether unsigned
/// (version 1) files are refused.
pub struct Trust<'a> {
    pub keyring: &'a Keyring,
    pub signatures_required: bool,
}

/// The dry run of `files` against what this tab holds, with the keyring
/// and the setting as they are stored now.
pub fn dry_run_now(inbox: &InboxState, files: Vec<Picked>, scope: &Scope) -> Vec<FileCheck> {
    let app = &inbox.app;
    let keyring = match crate::keys::keyring() {
        Ok(k) => k,
        Err(e) => {
            app.notices.notify(e.clone(), true, None);
            Keyring::new()
        }
    };
    let trust = Trust {
        keyring: &keyring,
        signatures_required: crate::session::signatures_required(),
    };
    inbox
        .received
        .with_untracked(|held| dry_run(held, files, scope, &UNITS_JOINED, &trust))
}

/// The officer has compared the fingerprint with the sender: trust the
/// device that signed `origin` from now on.
pub fn trust_device(origin: &Origin) -> Result<(), String> {
    let mut ring = crate::keys::keyring()?;
    ring.trust(
        origin,
        platform::now(),
        papi_core::trust::KeySource::Officer,
    )
    .map_err(|e| match e {
        papi_core::trust::TrustError::Unsigned => "tệp không có chữ ký".to_string(),
        papi_core::trust::TrustError::Refused(v) => v.message_vi(|c| UNITS.name_or_code(c)),
    })?;
    crate::keys::save_keyring(&ring)
}

/// What stops a signed (or unsigned) file from being applied: `None` when
/// it may be applied, else the state its lines take.
fn held_back(signed: &Signed, trust: &Trust) -> Option<FileState> {
    if signed.verdict.may_apply(trust.signatures_required) {
        return None;
    }
    Some(match &signed.verdict {
        Verdict::UnknownDevice { .. } => FileState::UnknownDevice,
        Verdict::Unsigned => FileState::Refused(
            "tệp không có chữ ký số (lô định dạng phiên bản 1, từ ứng dụng cũ) mà Cài đặt yêu cầu chữ ký: không nhập. Hãy đề nghị đơn vị gửi cập nhật ứng dụng rồi xuất lại.".into(),
        ),
        refused => FileState::Refused(refused.message_vi(|c| UNITS.name_or_code(c))),
    })
}

/// Dry run: what each file would do, each after the ones before it. A
/// bundle (from a district) shows one line per batch it carries. A file
/// that its signature does not let through is shown, and held or refused,
/// but takes no part in the dry run of the files after it.
pub fn dry_run(
    held: &merge::Received,
    files: Vec<Picked>,
    scope: &Scope,
    units: &Units,
    trust: &Trust,
) -> Vec<FileCheck> {
    let mut overlay = Overlay::new(held);
    let now = platform::now();
    // A file of another plan or dataset is refused naming both worlds (and
    // the successor of its unit, where a reform maps it).
    let catalogue = crate::workspace::catalogue();
    let mut out = Vec::new();
    for (file, f) in files.into_iter().enumerate() {
        let parsed = match f.bytes {
            Err(e) => Err((e, None)),
            Ok(bytes) => batch::parse_signed_file(&bytes, &PLAN, units, now)
                .map_err(|e| (e.message_in_vi(&catalogue, units), e.too_new())),
        };
        let (batches, signed) = match parsed {
            Err((why, too_new)) => {
                let state = match too_new {
                    // From the server: kept until the app is updated. (A
                    // file picked is refused: it can be picked again then.)
                    Some(version) if f.pulled => FileState::Newer(version, why),
                    _ => FileState::Refused(why),
                };
                out.push(FileCheck {
                    file,
                    name: f.name,
                    state,
                    received_at: f.received_at,
                    signed: None,
                });
                continue;
            }
            Ok(p) => {
                let verdict = trust.keyring.judge_received(&p.origin, f.received_at);
                (
                    p.batches,
                    Signed {
                        origin: p.origin,
                        verdict,
                    },
                )
            }
        };
        // A file of a unit this receiver does not collect is refused for
        // that, whoever signed it.
        if let Some(b) = batches.iter().find(|b| !scope.admits(units, &b.unit_code)) {
            let why = Refusal::OutOfScope {
                unit_code: b.unit_code.clone(),
            };
            out.push(FileCheck {
                file,
                name: f.name,
                state: FileState::Refused(why.message_vi(units)),
                received_at: f.received_at,
                signed: Some(signed),
            });
            continue;
        }
        if let Some(state) = held_back(&signed, trust) {
            out.push(FileCheck {
                file,
                name: f.name,
                state,
                received_at: f.received_at,
                signed: Some(signed),
            });
            continue;
        }
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
                merge::Verdict::Refused(r) => FileState::Refused(r.message_vi(units)),
                merge::Verdict::AlreadyImported => FileState::AlreadyImported,
                merge::Verdict::Accepted(c) => FileState::Ready(Arc::new(b), Arc::new(c)),
            };
            out.push(FileCheck {
                file,
                name,
                state,
                received_at: f.received_at,
                signed: Some(signed.clone()),
            });
        }
    }
    out
}

/// How many entries the store held when the received state in memory was
/// read (`None` before it is read).
pub fn basis(app: &AppState) -> Option<u32> {
    app.store()?.idb().ok()?.received_seen()
}

/// What this district or province received: the records of the batches
/// applied, with their receipts. Its own concern, provided as a context
/// (`use_inbox`); with the app state's own records it is what a receiver
/// reports on (`with_all_records`).
#[derive(Clone, Copy)]
pub struct InboxState {
    app: AppState,
    pub received: RwSignal<Received>,
    /// Whether what was received has been read from the store once: a
    /// file checked before would look new when it is held already.
    loaded: RwSignal<bool>,
}

pub fn use_inbox() -> InboxState {
    expect_context::<InboxState>()
}

impl InboxState {
    pub fn new(app: AppState) -> InboxState {
        InboxState {
            app,
            received: RwSignal::new(Default::default()),
            loaded: RwSignal::new(false),
        }
    }

    /// What a receiver reports on: the records it received and its own,
    /// one version of each (`merge::combine`, the merge rule).
    pub fn with_all_records<R>(&self, f: impl FnOnce(&[&Activity]) -> R) -> R {
        self.received.with(|r| {
            self.app
                .records
                .with(|own| f(&papi_core::merge::combine(own.iter(), r)))
        })
    }

    /// When the chosen period holds no activity, move to the latest year
    /// that does: the dashboard and the report should not open empty.
    pub fn start_on_a_year_with_data(&self) {
        let period = self.app.period.get_untracked();
        let (latest, any_in_period) = self.with_all_records(|all| {
            let live = || all.iter().filter(|a| !a.deleted);
            (
                live().map(|a| chrono::Datelike::year(&a.fields.date)).max(),
                live().any(|a| period.contains(a.fields.date)),
            )
        });
        if let Some(y) = latest.filter(|&y| y != period.year() && !any_in_period) {
            self.app.period.set(papi_core::report::Period::Year(y));
        }
    }

    /// Read what was received from the store (at start, and when another
    /// tab received something).
    pub async fn refresh_received(&self) {
        self.read_from_store().await;
        self.loaded.set(true);
    }

    /// Whether what was received has been read once (tracked).
    pub fn is_loaded(&self) -> bool {
        self.loaded.get()
    }

    /// Wait until what was received has been read once (at start it comes
    /// after the records): the checks of files picked meanwhile wait too.
    pub async fn wait_loaded(&self) {
        while !self.loaded.get_untracked() {
            crate::platform::sleep(50).await;
        }
    }

    async fn read_from_store(&self) {
        let Some(store) = self.app.store() else {
            return;
        };
        let Ok(idb) = store.idb() else { return };
        match idb.count_received().await {
            // Nothing received (every commune): nothing to read.
            Ok(0) => self.received.set(Default::default()),
            Ok(_) => self.read_received().await,
            Err(e) => self.app.notices.notify(e.message_vi(), true, None),
        }
    }

    /// Read what was received, with the reading code in a chunk of its own
    /// (off a commune's first screen). (wasm-bindgen-test builds are not
    /// split.)
    async fn read_received(&self) {
        #[cfg(not(test))]
        self.app
            .run_chunk(received_chunk(*self), "dữ liệu đã nhận")
            .await;
        #[cfg(test)]
        self.load_received().await;
    }

    async fn load_received(&self) {
        let Some(store) = self.app.store() else {
            return;
        };
        let Ok(idb) = store.idb() else { return };
        match idb.load_received().await {
            Ok((r, bad)) => {
                self.received.set(r);
                self.app.report_faults(bad);
            }
            Err(e) => self.app.notices.notify(e.message_vi(), true, None),
        }
    }

    /// Apply every ready file, in order, each whole or not at all. `basis`
    /// is `basis()` when the dry run was made: if the store has moved since
    /// (another tab imported), nothing is written (`papi_core::apply`).
    /// `progress(done, of)` hears of each file written; the lines change
    /// once, at the end (redrawing them per file cost more than the writes).
    pub async fn apply_checks(
        &self,
        checks: RwSignal<Vec<FileCheck>>,
        basis: Option<u32>,
        progress: impl Fn(usize, usize),
    ) {
        let Some(store) = self.app.store() else {
            return;
        };
        let idb = match store.idb() {
            Ok(i) => i,
            Err(e) => {
                self.app.notices.notify(e.message_vi(), true, None);
                return;
            }
        };
        let files = checks.with_untracked(|cs| {
            let file_of: Vec<usize> = cs.iter().map(|c| c.file).collect();
            apply::by_file(&file_of)
        });
        // Memory follows the store once at the end (the store is the truth;
        // a reload reads it back), so the views recompute once, not per file.
        let mut applied = Vec::new();
        let mut run = ApplyRun::new(basis);
        // What each line becomes, set on the lines once at the end.
        let mut states: Vec<(usize, FileState)> = Vec::new();
        let work: Vec<Vec<_>> = checks.with_untracked(|cs| {
            files
                .into_iter()
                .map(|file| {
                    file.filter_map(|j| match &cs[j].state {
                        FileState::Ready(b, c) => {
                            Some((j, b.clone(), c.clone(), cs[j].received_at))
                        }
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                })
                .filter(|ready| !ready.is_empty())
                .collect()
        });
        let total = work.len();
        // One file (a bundle holds many batches) at a time, in one
        // transaction: it is applied whole or not at all.
        for (done, ready) in work.into_iter().enumerate() {
            progress(done, total);
            let outcomes = match run.next() {
                Err(why) => Err(why.message_vi().to_string()),
                Ok(expected) => {
                    let now = platform::now();
                    let entries: Vec<_> = ready
                        .iter()
                        .map(|(_, b, c, at)| merge::AppliedBatch::new(b, c, now, *at))
                        .collect();
                    let answer = idb.apply_batches(&entries, expected).await;
                    let outcomes = run.record(answer.map_err(|e| e.message_vi()));
                    if let Ok(outcomes) = &outcomes {
                        for (entry, o) in entries.into_iter().zip(outcomes) {
                            if let Outcome::Written(_) = o {
                                applied.push(entry);
                            }
                        }
                    }
                    outcomes
                }
            };
            // A file not written shows why on each of its batches.
            match outcomes {
                Ok(outcomes) => {
                    for ((j, b, c, _), outcome) in ready.into_iter().zip(outcomes) {
                        states.push((j, file_state(b, c, outcome)));
                    }
                }
                Err(why) => {
                    for (j, ..) in ready {
                        states.push((j, FileState::Failed(why.clone())));
                    }
                }
            }
        }
        progress(total, total);
        checks.update(|cs| {
            for (j, state) in states {
                cs[j].state = state;
            }
        });
        if run.in_step() {
            self.received.update(|r| {
                for entry in applied {
                    r.absorb(entry);
                }
            });
        } else {
            // Read back what the other tab wrote, with what this one did.
            self.refresh_received().await;
        }
        tabs::broadcast(TabMessage::Received);
    }
}

/// What a ready batch shows after the apply step.
fn file_state(b: Arc<Batch>, c: Arc<Changes>, outcome: Outcome) -> FileState {
    match outcome {
        Outcome::Written(n) => FileState::Applied(b, c, n),
        Outcome::AlreadyImported => FileState::AlreadyImported,
        Outcome::SeqConflict { kept } => FileState::Refused(
            Refusal::SeqConflict {
                key: b.key(),
                kept,
                this: b.sha256.clone(),
            }
            .message_vi(&UNITS),
        ),
        Outcome::NotWritten(why) => FileState::Failed(why.message_vi().into()),
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

/// `InboxState::load_received` as a chunk of its own.
#[cfg(not(test))]
#[leptos::wasm_split::wasm_split(received, wasm_split_path = ::leptos::wasm_split, fallible)]
fn received_chunk(
    inbox: InboxState,
) -> Result<crate::app::Chunk, leptos::wasm_split::SplitLoaderError> {
    not_in_first_visit!();
    Ok(Box::pin(async move { inbox.load_received().await }))
}
