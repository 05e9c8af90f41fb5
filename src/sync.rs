//! Automatic sync with the sync server (docs/sync-api.md), when one is set
//! and the browser is online: unsent changes are sealed into the next batch
//! and every unconfirmed batch is posted, oldest first. A batch counts as
//! sent only when the reply echoes its hash. A refused batch is marked with
//! its reason and never blocks the others; a failure of the network or the
//! server is retried with exponential backoff. Nothing is ever removed from
//! the device. Districts also pull batches from here into the import path.

use std::cell::Cell;
use std::time::Duration;

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::app::{store, AppState};
use crate::platform;

const SETTINGS_KEY: &str = "papi-tracker.sync";
const CURSOR_PREFIX: &str = "papi-tracker.pull-cursor.";
/// Backoff: 2 s, 4 s, 8 s, … up to 5 minutes.
const BACKOFF_START: u32 = 2;
const BACKOFF_MAX: u32 = 300;
const TIMEOUT_MS: i32 = 30_000;

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

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.trim().trim_end_matches('/'))
    }
}

pub fn load_settings() -> SyncSettings {
    LocalStorage::get(SETTINGS_KEY).unwrap_or_default()
}

pub fn save_settings(s: &SyncSettings) -> Result<(), String> {
    LocalStorage::set(SETTINGS_KEY, s).map_err(|e| e.to_string())
}

/// What the Sync panel shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub running: bool,
    /// Batches sealed but not confirmed by the server (refused excluded).
    pub pending: usize,
    pub refused: usize,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    /// Seconds until the next automatic try after a failure.
    pub retry_in: Option<u32>,
}

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    static BACKOFF: Cell<u32> = const { Cell::new(0) };
    static TIMER: Cell<u64> = const { Cell::new(0) };
}

/// An enrolment link (`…/#enrol=<token>`) sets the server to this origin
/// and the token, then leaves the address bar clean.
pub fn enrol_from_link() -> Option<SyncSettings> {
    let loc = platform::window().location();
    let hash = loc.hash().ok()?;
    let token = hash.strip_prefix("#enrol=")?.trim().to_string();
    if token.is_empty() {
        return None;
    }
    let s = SyncSettings {
        server: loc.origin().ok()?,
        token,
    };
    save_settings(&s).ok()?;
    if let Ok(h) = platform::window().history() {
        let path = loc.pathname().unwrap_or_else(|_| "/".into());
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
    Some(s)
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
}

async fn fetch(
    method: &str,
    url: &str,
    token: &str,
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|e| format!("{e:?}"))?;
    headers
        .set("Authorization", &format!("Bearer {}", token.trim()))
        .map_err(|e| format!("{e:?}"))?;
    if let Some(b) = body {
        headers
            .set("Content-Type", "application/json")
            .map_err(|e| format!("{e:?}"))?;
        init.set_body(&b.into());
    }
    init.set_headers(&headers);
    let abort = web_sys::AbortController::new().map_err(|e| format!("{e:?}"))?;
    init.set_signal(Some(&abort.signal()));
    let timer = {
        let abort = abort.clone();
        set_timeout_with_handle(
            move || abort.abort(),
            Duration::from_millis(TIMEOUT_MS as u64),
        )
        .ok()
    };
    let result = async {
        let resp = JsFuture::from(platform::window().fetch_with_str_and_init(url, &init))
            .await
            .map_err(|_| {
                "không kết nối được máy chủ (máy mất mạng, hoặc máy chủ không trả lời)".to_string()
            })?;
        let resp: web_sys::Response = resp.dyn_into().map_err(|e| format!("{e:?}"))?;
        let text = JsFuture::from(resp.text().map_err(|e| format!("{e:?}"))?)
            .await
            .map_err(|_| "mất kết nối khi đang nhận trả lời".to_string())?
            .as_string()
            .unwrap_or_default();
        Ok((resp.status(), text))
    }
    .await;
    if let Some(t) = timer {
        t.clear();
    }
    result
}

#[derive(Deserialize)]
struct Reply {
    sha256: Option<String>,
    message: Option<String>,
}

async fn post_batch(s: &SyncSettings, text: &str, sha256: &str) -> Sent {
    let (status, body) = match fetch("POST", &s.url("/api/v1/batches"), &s.token, Some(text)).await
    {
        Ok(r) => r,
        Err(e) => return Sent::Failed(e),
    };
    let reply: Option<Reply> = serde_json::from_str(&body).ok();
    let message = reply
        .as_ref()
        .and_then(|r| r.message.clone())
        .unwrap_or_else(|| format!("mã trả lời {status}"));
    match status {
        200 | 201 => match reply.and_then(|r| r.sha256) {
            Some(h) if h == sha256 => Sent::Confirmed,
            _ => Sent::Failed("máy chủ trả lời không kèm đúng mã SHA-256 của lô".into()),
        },
        401 => Sent::Unauthorized(format!("máy chủ từ chối mã truy cập: {message}")),
        403 => Sent::Unauthorized(format!(
            "mã truy cập không phải của đơn vị này; hãy kiểm tra Cài đặt → Đồng bộ ({message})"
        )),
        400 | 409 | 413 => Sent::Refused(format!("máy chủ từ chối lô ({status}): {message}")),
        _ => Sent::Failed(format!("máy chủ lỗi ({status}): {message}")),
    }
}

impl AppState {
    /// Recount what waits to be sent. The last success survives a reload:
    /// it is the newest confirmation stored with the batches.
    pub fn update_sync_counts(&self) {
        let (pending, refused, newest) = self.batches.with_untracked(|bs| {
            (
                bs.iter()
                    .filter(|b| b.sent_at.is_none() && b.last_error.is_none())
                    .count(),
                bs.iter()
                    .filter(|b| b.sent_at.is_none() && b.last_error.is_some())
                    .count(),
                bs.iter().filter_map(|b| b.sent_at.clone()).max(),
            )
        });
        self.sync.update(|s| {
            s.pending = pending;
            s.refused = refused;
            if s.last_success < newest {
                s.last_success = newest;
            }
        });
    }

    /// Send the refused batches again (after the server or the settings
    /// were fixed): their reasons are cleared and a cycle starts.
    pub async fn retry_refused(&self) {
        let Some(store) = store() else { return };
        let Ok(idb) = store.idb() else { return };
        let unit = self.unit_code();
        let refused: Vec<u64> = self.batches.with_untracked(|bs| {
            bs.iter()
                .filter(|b| b.sent_at.is_none() && b.last_error.is_some())
                .map(|b| b.seq)
                .collect()
        });
        for seq in refused {
            if let Err(e) = idb.update_batch(&unit, seq, |s| s.last_error = None).await {
                self.notify(e.message_vi(), true, None);
            }
        }
        self.refresh_outbox().await;
        self.update_sync_counts();
        kick(*self);
    }
}

/// Start a sync cycle now (or right after the running one).
pub fn kick(app: AppState) {
    if RUNNING.with(Cell::get) {
        AGAIN.with(|a| a.set(true));
        return;
    }
    spawn_local(async move {
        RUNNING.with(|r| r.set(true));
        loop {
            AGAIN.with(|a| a.set(false));
            cycle(app).await;
            if !AGAIN.with(Cell::get) {
                break;
            }
        }
        RUNNING.with(|r| r.set(false));
    });
}

/// Ask for a cycle in `secs` seconds (replacing any earlier timer).
fn schedule(app: AppState, secs: u32) {
    let id = TIMER.with(|t| {
        t.set(t.get() + 1);
        t.get()
    });
    app.sync.update(|s| s.retry_in = Some(secs));
    set_timeout(
        move || {
            if TIMER.with(Cell::get) == id {
                kick(app);
            }
        },
        Duration::from_secs(secs as u64),
    );
}

async fn cycle(app: AppState) {
    let settings = load_settings();
    if !settings.is_set() || !platform::online() || app.settings.with_untracked(Option::is_none) {
        return;
    }
    let Some(store) = store() else { return };
    if store.idb().is_err() {
        return;
    }
    app.sync.update(|s| {
        s.running = true;
        s.retry_in = None;
    });
    // Changes not yet in a batch travel too.
    if let Err(e) = app.seal_pending().await {
        app.sync.update(|s| s.last_error = Some(e.message_vi()));
    }
    app.refresh_outbox().await;
    let unit = app.unit_code();
    let todo: Vec<_> = app.batches.with_untracked(|bs| {
        bs.iter()
            .filter(|b| b.sent_at.is_none() && b.last_error.is_none())
            .cloned()
            .collect()
    });
    let mut failure = None;
    let idb = store.idb().expect("checked above");
    for b in todo {
        match post_batch(&settings, &b.text, &b.sha256).await {
            Sent::Confirmed => {
                let now = papi_core::dates::format_instant(platform::now());
                let _ = idb
                    .update_batch(&unit, b.seq, |s| {
                        s.sent_at = Some(now.clone());
                        s.last_error = None;
                    })
                    .await;
                app.sync.update(|s| {
                    s.last_success = Some(now);
                    s.last_error = None;
                });
            }
            Sent::Refused(why) => {
                let _ = idb
                    .update_batch(&unit, b.seq, |s| s.last_error = Some(why.clone()))
                    .await;
                app.sync
                    .update(|s| s.last_error = Some(format!("Lô số {}: {why}", b.seq)));
            }
            Sent::Unauthorized(why) => {
                failure = Some((why, false));
                break;
            }
            Sent::Failed(why) => {
                failure = Some((why, true));
                break;
            }
        }
    }
    app.refresh_outbox().await;
    crate::app::broadcast(crate::outbox::CHANGED);
    match failure {
        None => BACKOFF.with(|b| b.set(0)),
        Some((why, retry)) => {
            app.sync.update(|s| s.last_error = Some(why));
            if retry {
                // A request failed for real: the badge says so until a probe
                // finds the server again.
                app.net.set(crate::pwa::Net::Offline);
                let secs = BACKOFF.with(|b| {
                    let next = if b.get() == 0 {
                        BACKOFF_START
                    } else {
                        (b.get() * 2).min(BACKOFF_MAX)
                    };
                    b.set(next);
                    next
                });
                schedule(app, secs);
            }
        }
    }
    app.update_sync_counts();
    app.sync.update(|s| s.running = false);
}

/// Wire the automatic triggers: start, coming online, changes, a timer.
pub fn start(app: AppState) {
    // Back online (navigator or a successful probe): try at once.
    Effect::watch(
        move || app.net.get(),
        move |net, prev, _| {
            if *net == crate::pwa::Net::Online && prev != Some(&crate::pwa::Net::Online) {
                BACKOFF.with(|b| b.set(0));
                kick(app);
            }
        },
        false,
    );
    // A change: send it a few seconds later (several saves travel together).
    Effect::watch(
        move || app.saves.get(),
        move |_, _, _| schedule(app, 5),
        false,
    );
    // Every few minutes, in case something was missed.
    let _ = set_interval_with_handle(move || kick(app), Duration::from_secs(180));
    kick(app);
}

/// A district or the province: fetch the batches after the last cursor,
/// as files for the import path. Returns them and the new cursor.
pub async fn pull() -> Result<(Vec<crate::inbox::Picked>, i64), String> {
    let s = load_settings();
    if !s.is_set() {
        return Err("chưa cài đặt máy chủ đồng bộ (Cài đặt → Đồng bộ)".into());
    }
    #[derive(Deserialize)]
    struct Item {
        cursor: i64,
        received_at: String,
        batch: Box<serde_json::value::RawValue>,
    }
    #[derive(Deserialize)]
    struct Page {
        batches: Vec<Item>,
        next: i64,
        more: bool,
    }
    let mut after = pull_cursor(&s);
    let mut out = Vec::new();
    loop {
        let url = s.url(&format!("/api/v1/batches?after={after}&limit=200"));
        let (status, body) = fetch("GET", &url, &s.token, None).await?;
        if status != 200 {
            let msg = serde_json::from_str::<Reply>(&body)
                .ok()
                .and_then(|r| r.message);
            return Err(format!(
                "máy chủ trả lời {status}: {}",
                msg.unwrap_or_default()
            ));
        }
        let page: Page =
            serde_json::from_str(&body).map_err(|e| format!("trả lời không đọc được: {e}"))?;
        for it in page.batches {
            out.push(crate::inbox::Picked {
                name: format!("máy chủ #{}", it.cursor),
                bytes: Ok(it.batch.get().as_bytes().to_vec()),
                received_at: papi_core::dates::parse_instant(&it.received_at),
            });
        }
        after = page.next;
        if !page.more {
            break;
        }
    }
    Ok((out, after))
}

fn pull_cursor(s: &SyncSettings) -> i64 {
    LocalStorage::get(format!("{CURSOR_PREFIX}{}", s.server)).unwrap_or(0)
}

/// Remember how far the pulled batches have been applied.
pub fn save_pull_cursor(cursor: i64) {
    let s = load_settings();
    let _ = LocalStorage::set(format!("{CURSOR_PREFIX}{}", s.server), cursor);
}
