//! A district's or the province's pull from the sync server ("Tải lô mới
//! từ máy chủ"), around the import path (`inbox`): the batches after the
//! cursor go through the same dry run and apply as files. What becomes of
//! each is the core's `papi_core::pull::Fate`: a batch refused for good is
//! recorded with its reason (`store::RefusedPull`); a batch refused only
//! because it is newer than this build reads is kept in the same store and
//! tried again, first, by every pull once the app is updated (never
//! refused for good, docs/batch-format.md, "Versions"); the cursor moves
//! past both (`papi_core::pull::cursor_after`), so one bad or newer batch
//! never stalls the pull; a failure that may pass (the network, the server,
//! a failed write) keeps the cursor where it was.

use papi_core::batch::BATCH_VERSION;
use papi_core::pull::{self, Fate};

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
    /// Per pulled file (`FileCheck::file`): the kept batches tried again
    /// first, then the server's new ones.
    items: Vec<Item>,
}

/// A batch of the pull.
#[derive(Clone)]
struct Item {
    /// Its place in the server's order.
    cursor: i64,
    /// Its text as the server sent it.
    text: String,
    received_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Kept from an earlier pull until the app was updated: its entry's key.
    kept: Option<String>,
}

impl AppState {
    /// Download the batches after this server's and unit's cursor, after
    /// the batches kept from earlier pulls that this build now reads.
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
        let kept: Vec<RefusedPull> = self
            .refused_pulls()
            .await
            .into_iter()
            .filter(|r| r.server == settings.base() && r.receiver == unit && r.cursor <= start)
            .filter(|r| r.newer.is_some_and(|v| pull::retry(v, BATCH_VERSION)))
            .collect();
        let mut items = Vec::new();
        let mut files = Vec::new();
        for r in kept {
            files.push(Picked {
                name: format!("máy chủ #{} (giữ lại chờ cập nhật)", r.cursor),
                bytes: Ok(r.text.clone().into_bytes()),
                received_at: r.received_at,
                pulled: true,
            });
            items.push(Item {
                cursor: r.cursor,
                kept: Some(r.key()),
                text: r.text,
                received_at: r.received_at,
            });
        }
        for Pulled { cursor, file } in pulled {
            let text = file
                .bytes
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned());
            items.push(Item {
                cursor,
                text: text.unwrap_or_default(),
                received_at: file.received_at,
                kept: None,
            });
            files.push(file);
        }
        let run = PullRun {
            settings,
            unit,
            start,
            end,
            items,
        };
        Ok((run, files))
    }

    /// After a dry run or an apply: record the refused batches, keep the
    /// newer ones (and forget the kept ones now taken), then move the
    /// cursor past every batch dealt with. Returns whether every one is.
    pub async fn settle_pull(&self, run: &PullRun, checks: &[FileCheck]) -> bool {
        let fates: Vec<Fate> = (0..run.items.len()).map(|i| fate(checks, i)).collect();
        let (keep, forget) = run.entries(checks, &fates);
        let stored =
            (keep.is_empty() && forget.is_empty()) || self.record_pulls(&keep, &forget).await;
        let done: Vec<(i64, bool)> = run
            .items
            .iter()
            .zip(&fates)
            .map(|(item, fate)| (item.cursor, fate.dealt_with(stored)))
            .collect();
        let cursor = pull::cursor_after(run.start, &done, run.end);
        if cursor != run.start {
            if let Err(e) = sync::save_pull_cursor(&run.settings, &run.unit, cursor) {
                self.notices
                    .notify(format!("Không lưu được vị trí đã tải: {e}"), true, None);
            }
        }
        done.iter().all(|(_, d)| *d)
    }

    async fn record_pulls(&self, keep: &[RefusedPull], forget: &[String]) -> bool {
        let result = match self.store().as_ref().map(|s| s.idb()) {
            Some(Ok(idb)) => idb.record_pulls(keep, forget).await,
            Some(Err(e)) => Err(e),
            None => return false,
        };
        match result {
            Ok(()) => true,
            Err(e) => {
                self.notices.notify(
                    format!(
                        "Không ghi được lý do các lô bị từ chối hoặc được giữ lại; lần tải sau sẽ kiểm tra lại: {}",
                        e.message_vi()
                    ),
                    true,
                    None,
                );
                false
            }
        }
    }

    /// The refusals and the batches kept for an update, for every server
    /// and unit, in the server's order.
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

/// What became of pulled file `i`, from its lines.
fn fate(checks: &[FileCheck], i: usize) -> Fate {
    Fate::of_lines(
        checks
            .iter()
            .filter(|c| c.file == i)
            .map(|c| match c.state {
                FileState::Applied(..) | FileState::AlreadyImported => Fate::Taken,
                FileState::Refused(_) => Fate::Refused,
                FileState::Newer(version, _) => Fate::TooNew(version),
                FileState::Ready(..) | FileState::Failed(_) | FileState::UnknownDevice => {
                    Fate::Open
                }
            }),
    )
}

impl PullRun {
    /// Whether this pull has nothing to check: the server brought nothing
    /// new, and no kept batch is tried again.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// What the store keeps of this pull: an entry for every batch refused
    /// for good or too new, with what can be read of it (a kept one tried
    /// again replaces its entry); and the keys of the kept batches now
    /// taken, to forget.
    fn entries(&self, checks: &[FileCheck], fates: &[Fate]) -> (Vec<RefusedPull>, Vec<String>) {
        let now = crate::platform::now();
        let mut keep = Vec::new();
        let mut forget = Vec::new();
        for (i, (item, fate)) in self.items.iter().zip(fates).enumerate() {
            let newer = match fate {
                Fate::Refused => None,
                Fate::TooNew(v) => Some(*v),
                Fate::Taken => {
                    forget.extend(item.kept.clone());
                    continue;
                }
                Fate::Open => continue,
            };
            let reason = checks
                .iter()
                .filter(|c| c.file == i)
                .find_map(|c| match &c.state {
                    FileState::Refused(why) | FileState::Newer(_, why) => Some(why.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            let (unit_code, seq) = batch_name(&item.text);
            keep.push(RefusedPull {
                server: self.settings.base().to_string(),
                receiver: self.unit.clone(),
                cursor: item.cursor,
                unit_code,
                seq,
                reason,
                refused_at: now,
                text: item.text.clone(),
                newer,
                received_at: item.received_at,
            });
        }
        (keep, forget)
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
