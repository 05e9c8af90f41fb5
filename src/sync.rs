//! Automatic sync with the sync server (docs/sync-api.md), when one is set
//! and the browser is online: unsent changes are sealed into the next batch
//! and every unconfirmed batch is posted, oldest first. A batch counts as
//! sent only when the reply echoes its hash. A refused batch is marked with
//! its reason and never blocks the others; a failure of the network or the
//! server is retried with exponential backoff, and never sooner than a busy
//! server asked (`Retry-After`, `papi_core::retry`). Nothing is ever removed
//! from the device. Districts also pull batches from here into the import
//! path.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use chrono::{DateTime, Utc};
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::wire::{self, ErrorReply, PostReply, BATCHES_PATH};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
pub(crate) use crate::http::{fetch, Answer};
use crate::inbox::Picked;
use crate::outbox::OutboxState;
use crate::platform;
use crate::pwa::PwaState;
use crate::tabs::{self, TabMessage};

const SETTINGS_KEY: &str = "papi-tracker.sync";
const CURSOR_PREFIX: &str = "papi-tracker.pull-cursor.";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncSettings {
    /// Base address of the server, e.g. https://noivu.backan.gov.vn
    pub server: String,
    pub token: String,
}

impl SyncSettings {
    pub fn is_set(&self) -> bool {
        !self.server.trim().is_empty() && !self.token.trim().is_empty()
    }

    /// The server's address as written in keys and URLs.
    pub fn base(&self) -> &str {
        self.server.trim().trim_end_matches('/')
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }
}

/// The active workspace's sync settings: a server and its tokens serve
/// one unit dataset, so each plan's workspace has its own.
/// A workspace without its own takes those held for its unit dataset
/// (`hold_for_dataset`).
pub fn load_settings() -> SyncSettings {
    let own: SyncSettings =
        LocalStorage::get(crate::workspace::key(SETTINGS_KEY)).unwrap_or_default();
    if own.is_set() {
        own
    } else {
        held_for(&crate::workspace::PLAN.units)
    }
}

fn dataset_key(units: &str) -> String {
    format!("{SETTINGS_KEY}#{units}")
}

/// The settings of an enrolment link to a server of the unit dataset
/// `units` (a server serves one), kept for the plans of that dataset this
/// device does not hold yet: the first one built, read or received takes
/// them (`settings_for`).
pub fn hold_for_dataset(units: &str, s: &SyncSettings) -> Result<(), String> {
    LocalStorage::set(dataset_key(units), s).map_err(|e| e.to_string())
}

/// The settings of an enrolment link held for the unit dataset `units`.
pub fn held_for(units: &str) -> SyncSettings {
    LocalStorage::get(dataset_key(units)).unwrap_or_default()
}

/// The server a plan is published to and synced with: its workspace's own
/// settings; else those held for its unit dataset (then its workspace
/// takes them); else, for a plan of the dataset in use, the settings in
/// use. Never a server of another dataset.
pub fn settings_for(plan: &papi_core::Plan) -> SyncSettings {
    let key = crate::workspace::key_of(SETTINGS_KEY, &plan.id);
    let own: SyncSettings = LocalStorage::get(&key).unwrap_or_default();
    if own.is_set() {
        return own;
    }
    let held = held_for(&plan.units);
    if held.is_set() {
        let _ = adopt_settings(&plan.id, &held);
        return held;
    }
    if plan.units == crate::workspace::PLAN.units {
        load_settings()
    } else {
        SyncSettings::default()
    }
}

pub fn save_settings(s: &SyncSettings) -> Result<(), String> {
    LocalStorage::set(crate::workspace::key(SETTINGS_KEY), s).map_err(|e| e.to_string())
}

/// A plan received from the server `s` belongs with it: its workspace
/// starts with these settings, unless it has its own already. Whether the
/// workspace now syncs with `s` (`false`: it keeps other settings).
pub fn adopt_settings(plan_id: &str, s: &SyncSettings) -> Result<bool, String> {
    let key = crate::workspace::key_of(SETTINGS_KEY, plan_id);
    let held: Option<SyncSettings> = LocalStorage::get(&key).ok();
    match held.filter(SyncSettings::is_set) {
        Some(h) => Ok(h == *s),
        None => LocalStorage::set(key, s)
            .map(|()| true)
            .map_err(|e| e.to_string()),
    }
}

/// What the Sync panel shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub running: bool,
    /// This session's last confirmation (`SyncState::last_success`).
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Seconds until the next automatic try after a failure.
    pub retry_in: Option<u32>,
    /// The server said it is busy (429, 503): no request before this
    /// instant.
    pub busy_until: Option<DateTime<Utc>>,
    /// Evidence files: what the last round sent and what still waits.
    pub files: Option<crate::evidence::upload::Sent>,
}

/// The sync of this device: its status for the screens and what
/// coordinates its cycles. Copy: a reference to state that lives as long as
/// the page (made once, by the root); provided as a context (`use_sync`).
#[derive(Clone, Copy)]
pub struct SyncState(&'static SyncShared);

pub struct SyncShared {
    app: AppState,
    /// What it sends: this unit's sealed batches.
    outbox: OutboxState,
    /// The network: a failed request says so, coming back starts a send.
    pwa: PwaState,
    pub status: RwSignal<SyncStatus>,
    cycles: Cycles,
}

impl std::ops::Deref for SyncState {
    type Target = SyncShared;
    fn deref(&self) -> &SyncShared {
        self.0
    }
}

/// What coordinates the cycles (not shown).
#[derive(Default)]
struct Cycles {
    /// A cycle is running; `again`: another was asked for meanwhile.
    running: AtomicBool,
    again: AtomicBool,
    /// The backoff step after failures (`papi_core::retry::next_wait`).
    backoff: AtomicU32,
    /// The latest timer asked for: an older one that fires does nothing.
    timer: AtomicU64,
    /// No request to the server before this time (ms since the epoch): what
    /// a busy server asked with `Retry-After`.
    not_before: AtomicI64,
}

pub fn use_sync() -> SyncState {
    expect_context::<SyncState>()
}

impl SyncState {
    pub fn new(app: AppState, outbox: OutboxState, pwa: PwaState) -> Self {
        SyncState(Box::leak(Box::new(SyncShared {
            app,
            outbox,
            pwa,
            status: RwSignal::new(SyncStatus::default()),
            cycles: Cycles::default(),
        })))
    }

    /// Seconds left before the server may be asked again (0: now).
    fn busy_wait(&self) -> u32 {
        let left = self.cycles.not_before.load(Relaxed) - platform::now().timestamp_millis();
        (left.max(0) as u64).div_ceil(1000) as u32
    }

    /// Remember that a busy server asked for `secs` seconds of quiet; returns
    /// until when.
    fn hold_off(&self, secs: u32) -> chrono::DateTime<chrono::Utc> {
        let until = platform::now() + chrono::Duration::seconds(secs as i64);
        self.cycles
            .not_before
            .fetch_max(until.timestamp_millis(), Relaxed);
        until
    }

    /// Why the server cannot be asked yet, for a person who asked.
    pub fn busy_message(&self) -> Option<String> {
        match self.busy_wait() {
            0 => None,
            n => Some(format!("máy chủ đang bận; hãy thử lại sau {n} giây")),
        }
    }
}

/// An enrolment link (`…/#enrol=<token>`): the settings it offers (this
/// origin and the token). The address bar is cleaned at once, whatever is
/// decided, so the token does not stay in it or in the history.
pub fn take_enrol_link() -> Option<SyncSettings> {
    let loc = platform::window().location();
    let hash = loc.hash().ok()?;
    let token = hash.strip_prefix("#enrol=")?.trim().to_string();
    if let Ok(h) = platform::window().history() {
        let path = loc.pathname().unwrap_or_else(|_| "/".into());
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
    if token.is_empty() {
        return None;
    }
    Some(SyncSettings {
        server: loc.origin().ok()?,
        token,
    })
}

/// Whether an enrolment link must ask before it applies: settings are in
/// use and the link would change them (a link opened by mistake, or sent by
/// someone else, must not silently redirect a unit's batches).
pub fn asks_before_replacing(current: &SyncSettings, offered: &SyncSettings) -> bool {
    current.is_set()
        && (current.base() != offered.base() || current.token.trim() != offered.token.trim())
}

/// How a post ended.
enum Sent {
    Confirmed,
    /// The server refused this batch for good (400, 409, 413).
    Refused(String),
    /// The token is wrong, revoked, or another unit's (401, 403): stop and
    /// mark nothing, since no batch of this device will pass until it is
    /// fixed in the settings.
    Unauthorized(String),
    /// Network down, server error, or a reply that does not echo the hash.
    Failed(String),
    /// The server is up but busy (429, 503); it may have said for how many
    /// seconds (`Retry-After`).
    Busy(String, Option<u32>),
}

async fn post_batch(s: &SyncSettings, text: &str, sha256: &str, unit_code: &str) -> Sent {
    let answer = match fetch("POST", &s.url(BATCHES_PATH), &s.token, Some(text)).await {
        Ok(r) => r,
        Err(e) => return Sent::Failed(e),
    };
    let status = answer.status;
    let message = serde_json::from_str::<ErrorReply>(&answer.body)
        .map(|r| r.message)
        .unwrap_or_else(|_| format!("mã trả lời {status}"));
    match status {
        200 | 201 => match serde_json::from_str::<PostReply>(&answer.body) {
            Ok(r) if r.confirms(sha256, &crate::workspace::UNITS.id, unit_code) => Sent::Confirmed,
            _ => Sent::Failed(
                "máy chủ trả lời không kèm đúng mã SHA-256, bộ đơn vị và mã đơn vị của lô".into(),
            ),
        },
        401 => Sent::Unauthorized(format!("máy chủ từ chối mã truy cập: {message}")),
        403 => Sent::Unauthorized(format!(
            "mã truy cập không phải của đơn vị này; hãy kiểm tra Cài đặt → Đồng bộ ({message})"
        )),
        400 | 409 | 413 => Sent::Refused(format!("máy chủ từ chối lô ({status}): {message}")),
        s if papi_core::retry::is_busy(s) => Sent::Busy(
            format!("máy chủ đang bận ({status}): {message}"),
            answer.server_wait(),
        ),
        _ => Sent::Failed(format!("máy chủ lỗi ({status}): {message}")),
    }
}

impl SyncState {
    /// How many batches wait to be sent, and how many were refused
    /// (reactive: they follow `OutboxState::batches`).
    pub fn counts(&self) -> (usize, usize) {
        self.outbox.batches.with(|bs| counts(bs))
    }

    /// The last success: the newest confirmation stored with the batches
    /// (it survives a reload), or a later one of this session.
    pub fn last_success(&self) -> Option<DateTime<Utc>> {
        let newest = self
            .outbox
            .batches
            .with(|bs| bs.iter().filter_map(|b| b.sent_at).max());
        self.status.with(|s| s.last_success).max(newest)
    }

    /// Send the refused batches again (after the server or the settings
    /// were fixed): their reasons are cleared and a cycle starts.
    pub async fn retry_refused(&self) {
        let app = self.app;
        let Some(store) = self.app.store() else {
            return;
        };
        let Ok(idb) = store.idb() else { return };
        let unit = app.unit_code();
        let refused: Vec<u64> = self.outbox.batches.with_untracked(|bs| {
            bs.iter()
                .filter(|b| b.sent_at.is_none() && b.last_error.is_some())
                .map(|b| b.seq)
                .collect()
        });
        for seq in refused {
            if let Err(e) = idb.update_batch(&unit, seq, |s| s.last_error = None).await {
                app.notices.notify(e.message_vi(), true, None);
            }
        }
        self.outbox.refresh_outbox().await;
        self.kick();
    }

    /// Start a sync cycle now (or right after the running one).
    pub fn kick(&self) {
        if self.cycles.running.load(Relaxed) {
            self.cycles.again.store(true, Relaxed);
            return;
        }
        let this = *self;
        spawn_local(async move {
            this.cycles.running.store(true, Relaxed);
            loop {
                this.cycles.again.store(false, Relaxed);
                // The cycle's code is a chunk of its own (off the first
                // screen's path), fetched only when there is something to
                // do; a load that fails (offline before it was kept) is a
                // cycle that could not have run anyway.
                if load_settings().is_set()
                    && platform::online()
                    && this.app.settings.with_untracked(Option::is_some)
                {
                    // (wasm-bindgen-test builds are not split: no chunk there.)
                    #[cfg(not(test))]
                    if let Ok(run) = cycle_chunk(this).await {
                        run.await;
                    }
                    #[cfg(test)]
                    this.cycle().await;
                }
                if !this.cycles.again.load(Relaxed) {
                    break;
                }
            }
            this.cycles.running.store(false, Relaxed);
        });
    }

    /// Ask for a cycle in `secs` seconds (replacing any earlier timer).
    fn schedule(&self, secs: u32) {
        let id = self.cycles.timer.load(Relaxed) + 1;
        self.cycles.timer.store(id, Relaxed);
        self.status.update(|s| s.retry_in = Some(secs));
        let this = *self;
        set_timeout(
            move || {
                if this.cycles.timer.load(Relaxed) == id {
                    this.kick();
                }
            },
            Duration::from_secs(secs as u64),
        );
    }

    async fn cycle(&self) {
        let app = self.app;
        let settings = load_settings();
        if !settings.is_set() || !platform::online() || app.settings.with_untracked(Option::is_none)
        {
            return;
        }
        let Some(store) = self.app.store() else {
            return;
        };
        let Ok(idb) = store.idb() else { return };
        // A busy server asked for quiet: come back when it said.
        let wait = self.busy_wait();
        if wait > 0 {
            self.schedule(wait);
            return;
        }
        self.status.update(|s| {
            s.running = true;
            s.retry_in = None;
            s.busy_until = None;
        });
        // Changes not yet in a batch travel too.
        if let Err(e) = self.outbox.seal_pending().await {
            self.status.update(|s| s.last_error = Some(e.message_vi()));
        }
        self.outbox.refresh_outbox().await;
        let unit = app.unit_code();
        let todo: Vec<_> = self.outbox.batches.with_untracked(|bs| {
            bs.iter()
                .filter(|b| b.sent_at.is_none() && b.last_error.is_none())
                .cloned()
                .collect()
        });
        let mut failure = None;
        for b in todo {
            let sent = post_batch(&settings, &b.text, &b.sha256, &b.unit_code).await;
            let written = match &sent {
                Sent::Confirmed => {
                    let at = platform::now();
                    self.status.update(|s| {
                        s.last_success = Some(at);
                        s.last_error = None;
                    });
                    idb.update_batch(&unit, b.seq, |s| {
                        s.sent_at = Some(at);
                        s.last_error = None;
                    })
                    .await
                    .map(drop)
                }
                Sent::Refused(why) => {
                    self.status
                        .update(|s| s.last_error = Some(format!("Lô số {}: {why}", b.seq)));
                    idb.update_batch(&unit, b.seq, |s| s.last_error = Some(why.clone()))
                        .await
                        .map(drop)
                }
                _ => Ok(()),
            };
            // The server has the answer; only this device's note of it is
            // lost (a confirmed batch is sent again, and found a duplicate).
            if let Err(e) = written {
                app.notices.notify(e.message_vi(), true, None);
            }
            failure = match sent {
                Sent::Confirmed | Sent::Refused(_) => continue,
                Sent::Unauthorized(why) => Some(Failure::Stop(why)),
                Sent::Failed(why) => Some(Failure::Network(why)),
                Sent::Busy(why, wait) => Some(Failure::Busy(why, wait)),
            };
            break;
        }
        self.outbox.refresh_outbox().await;
        tabs::broadcast(TabMessage::Outbox);
        // The evidence files go after the batches that list them.
        if failure.is_none() {
            failure = self.send_files(&settings).await;
        }
        match failure {
            None => self.cycles.backoff.store(0, Relaxed),
            Some(f) => self.after_failure(f),
        }
        self.status.update(|s| s.running = false);
    }

    /// Send the evidence files of this unit's records that have not left
    /// the device (`evidence::upload`).
    async fn send_files(&self, settings: &SyncSettings) -> Option<Failure> {
        use crate::evidence::upload::Stop;
        let refs: Vec<_> = self.app.records.with_untracked(|rs| {
            rs.iter()
                .filter(|r| !r.deleted)
                .flat_map(|r| r.fields.files.iter().cloned())
                .collect()
        });
        if refs.is_empty() {
            return None;
        }
        let store = match crate::evidence::store::EvidenceStore::open().await {
            Ok(s) => s,
            Err(e) => return Some(Failure::Stop(e.message_vi())),
        };
        let server = crate::evidence::upload::Server {
            base: settings.base(),
            token: &settings.token,
        };
        let (sent, stop) = match crate::evidence::upload::send_all(&server, &store, &refs).await {
            Ok(sent) => (sent, None),
            Err((sent, stop)) => (sent, Some(stop)),
        };
        if let Some(p) = sent.problems.first() {
            self.status.update(|s| s.last_error = Some(p.clone()));
        }
        self.status.update(|s| s.files = Some(sent));
        crate::evidence::changed();
        match stop? {
            Stop::Network(why) => Some(Failure::Network(why)),
            Stop::Busy(why, wait) => Some(Failure::Busy(why, wait)),
            Stop::Refused(why) => Some(Failure::Stop(why)),
        }
    }

    /// Say why the cycle stopped and, unless retrying is pointless, when the
    /// next one comes (`papi_core::retry::next_wait`).
    fn after_failure(&self, f: Failure) {
        let (why, server) = match f {
            Failure::Stop(why) => {
                self.status.update(|s| s.last_error = Some(why));
                return;
            }
            Failure::Network(why) => {
                // A request failed for real: the badge says so until a probe
                // finds the server again.
                self.pwa.net.set(crate::pwa::Net::Offline);
                (why, None)
            }
            // The server answered: the network is fine.
            Failure::Busy(why, server) => (why, server),
        };
        self.status.update(|s| s.last_error = Some(why));
        let previous = self.cycles.backoff.load(Relaxed);
        let (backoff, wait) = papi_core::retry::next_wait(previous, server);
        self.cycles.backoff.store(backoff, Relaxed);
        if server.is_some() {
            let until = self.hold_off(wait);
            self.status.update(|s| s.busy_until = Some(until));
        }
        self.schedule(wait);
    }

    /// Wire the automatic triggers: start, coming online, changes, a timer.
    pub fn start(&self) {
        let this = *self;
        let app = self.app;
        let net = self.pwa.net;
        // Back online (navigator or a successful probe): try at once.
        Effect::watch(
            move || net.get(),
            move |net, prev, _| {
                if *net == crate::pwa::Net::Online && prev != Some(&crate::pwa::Net::Online) {
                    this.cycles.backoff.store(0, Relaxed);
                    this.kick();
                }
            },
            false,
        );
        // A change: send it a few seconds later (several saves travel together).
        Effect::watch(
            move || app.saves.get(),
            move |_, _, _| this.schedule(5),
            false,
        );
        // Every few minutes, in case something was missed.
        let _ = set_interval_with_handle(move || this.kick(), Duration::from_secs(180));
        self.kick();
    }
}

/// Batches sealed but not confirmed by the server, refused ones apart:
/// (waiting, refused).
pub fn counts(bs: &[crate::store::StoredBatch]) -> (usize, usize) {
    let unsent = || bs.iter().filter(|b| b.sent_at.is_none());
    (
        unsent().filter(|b| b.last_error.is_none()).count(),
        unsent().filter(|b| b.last_error.is_some()).count(),
    )
}

/// Why a cycle stopped before every batch was sent.
enum Failure {
    /// Not worth retrying until the settings change (401, 403).
    Stop(String),
    /// The network or the server failed: back off and retry.
    Network(String),
    /// The server is busy: retry no sooner than it asked, if it did.
    Busy(String, Option<u32>),
}

/// A batch pulled from the server: its place in the server's order and
/// the file, for the import path.
pub struct Pulled {
    pub cursor: i64,
    pub file: Picked,
}

/// A district or the province: fetch the batches after `after`, for the
/// import path. Returns them and the server's cursor after them.
pub async fn pull(
    sync: SyncState,
    s: &SyncSettings,
    after: i64,
) -> Result<(Vec<Pulled>, i64), String> {
    if !s.is_set() {
        return Err("chưa cài đặt máy chủ đồng bộ (Cài đặt → Đồng bộ)".into());
    }
    if let Some(busy) = sync.busy_message() {
        return Err(busy);
    }
    let mut after = after;
    let mut out = Vec::new();
    loop {
        let url = s.url(&format!("{BATCHES_PATH}?after={after}&limit=200"));
        let answer = fetch("GET", &url, &s.token, None).await?;
        if answer.status != 200 {
            return Err(pull_error(sync, &answer));
        }
        let page: wire::Page = serde_json::from_str(&answer.body)
            .map_err(|e| format!("trả lời không đọc được: {e}"))?;
        for it in page.batches {
            out.push(Pulled {
                cursor: it.cursor,
                file: Picked {
                    name: format!("máy chủ #{}", it.cursor),
                    bytes: Ok(it.batch.get().as_bytes().to_vec()),
                    // "On time" is judged by when the server received it.
                    received_at: papi_core::dates::parse_instant(&it.received_at),
                    pulled: true,
                },
            });
        }
        after = page.next;
        if !page.more {
            break;
        }
    }
    Ok((out, after))
}

/// A district or the province: the device keys the server knows of the
/// units it collects (introduced by their tokens' first batches), taken
/// into this receiver's keyring, revocations included. Returns how many
/// entries changed.
pub async fn pull_keys(sync: SyncState, s: &SyncSettings) -> Result<usize, String> {
    let answer = fetch("GET", &s.url(wire::KEYS_PATH), &s.token, None).await?;
    if answer.status != 200 {
        return Err(pull_error(sync, &answer));
    }
    let list: wire::KeyList = serde_json::from_str(&answer.body)
        .map_err(|e| format!("danh sách khóa không đọc được: {e}"))?;
    let mut ring = crate::keys::keyring()?;
    // Keys of this workspace's dataset only (GSO reuses codes).
    let ours = list
        .keys
        .into_iter()
        .filter(|k| k.units == crate::workspace::UNITS.id);
    let changed = ring.absorb(ours);
    if changed > 0 {
        crate::keys::save_keyring(&ring)?;
    }
    Ok(changed)
}

/// Why a pull's request failed; a busy server's wait is remembered.
fn pull_error(sync: SyncState, answer: &Answer) -> String {
    if let Some(secs) = answer.server_wait() {
        sync.hold_off(secs);
        return sync
            .busy_message()
            .unwrap_or_else(|| "máy chủ đang bận; hãy thử lại sau".into());
    }
    let msg = serde_json::from_str::<ErrorReply>(&answer.body)
        .map(|r| r.message)
        .unwrap_or_default();
    format!("máy chủ trả lời {}: {msg}", answer.status)
}

/// Where the pulled batches of a server and a receiving unit are kept
/// apart: the cursor belongs to both (another unit's token sees other
/// batches).
/// The cursor is the workspace's too: what was pulled went into its
/// database.
fn cursor_key(s: &SyncSettings, unit: &str) -> String {
    format!(
        "{}{}|{unit}",
        crate::workspace::key(CURSOR_PREFIX),
        s.base()
    )
}

/// How far the batches of this server for `unit` have been dealt with.
pub fn pull_cursor(s: &SyncSettings, unit: &str) -> i64 {
    LocalStorage::get(cursor_key(s, unit)).unwrap_or(0)
}

/// Remember how far the pulled batches have been dealt with.
pub fn save_pull_cursor(s: &SyncSettings, unit: &str, cursor: i64) -> Result<(), String> {
    LocalStorage::set(cursor_key(s, unit), cursor).map_err(|e| e.to_string())
}

#[cfg(not(test))]
type Cycle = std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

/// The sync cycle as a chunk of its own (`SyncState::kick`).
#[cfg(not(test))]
#[leptos::wasm_split::wasm_split(sync, wasm_split_path = ::leptos::wasm_split, fallible)]
fn cycle_chunk(sync: SyncState) -> Result<Cycle, leptos::wasm_split::SplitLoaderError> {
    not_in_first_visit!();
    Ok(Box::pin(async move { sync.cycle().await }))
}
