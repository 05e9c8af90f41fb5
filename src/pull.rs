//! A district's or the province's pull from the sync server ("Tải lô mới
//! từ máy chủ"), around the import path (`inbox`): the batches after the
//! cursor go through the same dry run and apply as files; a batch refused
//! for good is recorded with its reason (`store::RefusedPull`) and the
//! cursor moves past it (`papi_core::pull::cursor_after`), so one bad batch
//! never stalls the pull; a failure that may pass (the network, the server,
//! a failed write) keeps the cursor where it was.

use crate::app::AppState;
use crate::inbox::{FileCheck, FileState, Picked};
use crate::store::RefusedPull;
use crate::sync::{self, Pulled, SyncSettings, SyncState};

/// One pull, from the download to the moment every batch is dealt with.
#[derive(Clone)]
pub struct PullRun {
    settings: SyncSettings,
    /// The receiving unit (whose token pulls).
    unit: String,
    /// The cursor the pull began after, and the server's after it.
    start: i64,
    end: i64,
    /// Per pulled file (`FileCheck::file`): its cursor and its text.
    items: Vec<(i64, String)>,
}

impl AppState {
    /// Download the batches after this server's and unit's cursor.
    pub async fn pull_new(&self, sync: SyncState) -> Result<(PullRun, Vec<Picked>), String> {
        let settings = sync::load_settings();
        let unit = self.unit_code();
        let start = sync::pull_cursor(&settings, &unit);
        let (pulled, end) = sync::pull(sync, &settings, start).await?;
        // The keys the server introduced, so that its batches verify (and
        // what it revoked is refused).
        if let Err(e) = sync::pull_keys(sync, &settings).await {
            self.notices.notify(
                format!("Không tải được danh sách khóa thiết bị: {e}"),
                true,
                None,
            );
        }
        let items = pulled
            .iter()
            .map(|p| {
                let text = p
                    .file
                    .bytes
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned());
                (p.cursor, text.unwrap_or_default())
            })
            .collect();
        let files = pulled.into_iter().map(|Pulled { file, .. }| file).collect();
        let run = PullRun {
            settings,
            unit,
            start,
            end,
            items,
        };
        Ok((run, files))
    }

    /// After a dry run or an apply: record the refused batches, then move
    /// the cursor past every batch dealt with. Returns whether every one is.
    pub async fn settle_pull(&self, run: &PullRun, checks: &[FileCheck]) -> bool {
        let refused = run.refusals(checks);
        let recorded = refused.is_empty() || self.record_refused(&refused).await;
        let done: Vec<(i64, bool)> = run
            .items
            .iter()
            .enumerate()
            .map(|(i, (cursor, _))| (*cursor, file_done(checks, i, recorded)))
            .collect();
        let cursor = papi_core::pull::cursor_after(run.start, &done, run.end);
        if cursor != run.start {
            if let Err(e) = sync::save_pull_cursor(&run.settings, &run.unit, cursor) {
                self.notices
                    .notify(format!("Không lưu được vị trí đã tải: {e}"), true, None);
            }
        }
        done.iter().all(|(_, d)| *d)
    }

    async fn record_refused(&self, refused: &[RefusedPull]) -> bool {
        let result = match self.store().as_ref().map(|s| s.idb()) {
            Some(Ok(idb)) => idb.record_refused(refused).await,
            Some(Err(e)) => Err(e),
            None => return false,
        };
        match result {
            Ok(()) => true,
            Err(e) => {
                self.notices.notify(
                    format!(
                        "Không ghi được lý do các lô bị từ chối; lần tải sau sẽ kiểm tra lại: {}",
                        e.message_vi()
                    ),
                    true,
                    None,
                );
                false
            }
        }
    }

    /// The refusals kept for every server and unit, in the server's order.
    pub async fn refused_pulls(&self) -> Vec<RefusedPull> {
        let Some(store) = self.store() else {
            return vec![];
        };
        let Ok(idb) = store.idb() else { return vec![] };
        match idb.refused_pulls().await {
            Ok((list, unreadable)) => {
                self.report_faults(unreadable);
                list
            }
            Err(e) => {
                self.notices.notify(e.message_vi(), true, None);
                vec![]
            }
        }
    }
}

/// Whether every line of pulled file `i` is dealt with for good.
fn file_done(checks: &[FileCheck], i: usize, refusals_recorded: bool) -> bool {
    checks
        .iter()
        .filter(|c| c.file == i)
        .all(|c| match c.state {
            FileState::Applied(..) | FileState::AlreadyImported => true,
            FileState::Refused(_) => refusals_recorded,
            FileState::Ready(..) | FileState::Failed(_) | FileState::UnknownDevice => false,
        })
}

impl PullRun {
    /// Whether this pull brought nothing.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// A record of every refused line, with what can be read of the batch.
    fn refusals(&self, checks: &[FileCheck]) -> Vec<RefusedPull> {
        let now = crate::platform::now();
        checks
            .iter()
            .filter_map(|c| match &c.state {
                FileState::Refused(why) => Some((c.file, why)),
                _ => None,
            })
            .filter_map(|(i, why)| {
                let (cursor, text) = self.items.get(i)?;
                let (unit_code, seq) = batch_name(text);
                Some(RefusedPull {
                    server: self.settings.base().to_string(),
                    receiver: self.unit.clone(),
                    cursor: *cursor,
                    unit_code,
                    seq,
                    reason: why.clone(),
                    refused_at: now,
                    text: text.clone(),
                })
            })
            .collect()
    }
}

/// The unit and number a batch's text states, read loosely (the batch may
/// be refused precisely because it is malformed); bounded for display.
fn batch_name(text: &str) -> (Option<String>, Option<u64>) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return (None, None);
    };
    let unit = v
        .get("unit_code")
        .and_then(|u| u.as_str())
        .map(|u| u.chars().take(20).collect());
    (unit, v.get("seq").and_then(|s| s.as_u64()))
}
