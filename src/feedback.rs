//! Feedback on this device (issue 28; `papi_core::feedback`, docs/
//! feedback-format.md). A receiver keeps what it sent down (each feedback's
//! text, and whether the server has it): who was reminded when, the file a
//! unit without a connection is given, and what to post again once the
//! server is reachable. A unit keeps what it heard from its receiver (a
//! `Heard`, one localStorage entry per unit), from the server or a file.

use gloo_storage::{LocalStorage, Storage};
use papi_core::batch::PlanRef;
use papi_core::feedback::{self, Absorbed, Feedback, FeedbackError, Heard, Says, Sender};
use papi_core::trust::KeySource;
use papi_core::wire::{self, FeedbackPage, FeedbackReply};
use serde::{Deserialize, Serialize};

use crate::platform;
use crate::sync::{fetch, SyncSettings};
use crate::workspace::{PLAN, UNITS};

/// A feedback this receiver sealed, as sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Kept {
    text: String,
    /// The server answered that it holds it.
    posted: bool,
    /// The server refused it for good (its reason): not posted again; the
    /// unit's file still carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refused: Option<String>,
}

fn sent_key() -> String {
    crate::workspace::key("papi-tracker.feedback-sent")
}

fn heard_key(unit: &str) -> String {
    format!("{}.{unit}", crate::workspace::key("papi-tracker.heard"))
}

fn cursor_key(s: &SyncSettings, unit: &str) -> String {
    format!(
        "{}{}|{unit}",
        crate::workspace::key("papi-tracker.feedback-cursor|"),
        s.base()
    )
}

fn storage_error(e: impl std::fmt::Debug) -> String {
    format!("Không lưu được trên máy này (bộ nhớ đầy?): {e:?}")
}

fn load_kept() -> Result<Vec<Kept>, String> {
    match LocalStorage::raw().get_item(&sent_key()) {
        Ok(None) => Ok(Vec::new()),
        Ok(Some(t)) => serde_json::from_str(&t).map_err(|e| {
            format!(
                "Các phản hồi đã gửi lưu trên máy này không đọc được ({e}): chưa ghi được gì thêm."
            )
        }),
        Err(e) => Err(format!("Không đọc được bộ nhớ của trình duyệt: {e:?}")),
    }
}

fn save_kept(list: &[Kept]) -> Result<(), String> {
    let text = serde_json::to_string(list).map_err(|e| e.to_string())?;
    LocalStorage::raw()
        .set_item(&sent_key(), &text)
        .map_err(storage_error)
}

/// What this receiver sent down, oldest first, with whether it is done
/// with the server (held there, or refused for good).
pub fn sent() -> Result<Vec<(Feedback, bool)>, String> {
    Ok(load_kept()?
        .into_iter()
        // This device's own, sealed here: read, not checked again (a
        // hand-edited entry is left out).
        .filter_map(|k| {
            let f: Feedback = serde_json::from_str(&k.text).ok()?;
            Some((f, k.posted || k.refused.is_some()))
        })
        .collect())
}

/// Seal and sign what this device, for `own` (its unit), says to `to_unit`.
async fn seal(own: &str, to_unit: &str, says: Says) -> Result<Feedback, String> {
    let signer = crate::keys::device_signer().await?;
    let public = signer.public_hex();
    let plan = PlanRef {
        id: PLAN.id.clone(),
        version: PLAN.version.clone(),
    };
    let from = Sender {
        plan: &plan,
        units: &UNITS.id,
        from_unit: own,
        device_id: crate::app::device_id(),
        signer: &public,
    };
    let mut f = Feedback::seal(&from, to_unit, platform::now(), says);
    f.signature = signer.sign(&f.signing_message()).await?;
    Ok(f)
}

/// Say something to each unit of `to` (one feedback each) and keep it (the
/// caller posts it: `post_pending`). Returns what was sealed.
pub async fn send(own: &str, to: Vec<(String, Says)>) -> Result<Vec<Feedback>, String> {
    let mut made = Vec::with_capacity(to.len());
    for (unit, says) in to {
        made.push(seal(own, &unit, says).await?);
    }
    let mut kept = load_kept()?;
    kept.extend(made.iter().map(|f| Kept {
        text: f.to_json(),
        posted: false,
        refused: None,
    }));
    save_kept(&kept)?;
    Ok(made)
}

/// Post every kept feedback the server does not hold yet. Returns how many
/// it took, and the refusals for good (each with its unit); stops at the
/// first failure that may pass (the network, a busy server), keeping the
/// rest for the next try.
pub async fn post_pending() -> Result<(usize, Vec<String>), String> {
    let s = crate::sync::settings_for(&PLAN);
    if !s.is_set() {
        return Ok((0, Vec::new()));
    }
    let mut kept = load_kept()?;
    let (mut n, mut refused) = (0, Vec::new());
    let mut stop = None;
    for k in kept.iter_mut().filter(|k| !k.posted && k.refused.is_none()) {
        let answer = match fetch("POST", &s.url(wire::FEEDBACK_PATH), &s.token, Some(&k.text)).await
        {
            Ok(a) => a,
            Err(e) => {
                stop = Some(e);
                break;
            }
        };
        let msg = || {
            serde_json::from_str::<wire::ErrorReply>(&answer.body)
                .map(|r| r.message)
                .unwrap_or_default()
        };
        match answer.status {
            200 | 201 if serde_json::from_str::<FeedbackReply>(&answer.body).is_ok() => {
                k.posted = true;
                n += 1;
            }
            // Refused for good: this feedback will never pass as it is.
            400 | 403 | 413 | 422 => {
                let to = feedback::parse(k.text.as_bytes())
                    .map(|f| UNITS.name_or_code(&f.to_unit))
                    .unwrap_or_default();
                let why = format!("{to}: {}", msg());
                refused.push(why.clone());
                k.refused = Some(why);
            }
            status => {
                stop = Some(format!("máy chủ trả lời {status}: {}", msg()));
                break;
            }
        }
    }
    save_kept(&kept)?;
    match stop {
        Some(e) => Err(e),
        None => Ok((n, refused)),
    }
}

/// One page of the server's feedback after `after`: addressed to this
/// unit, or (`sent`) sent by it.
async fn page_after(s: &SyncSettings, after: i64, sent: bool) -> Result<FeedbackPage, String> {
    let also = if sent { "&sent=true" } else { "" };
    let url = s.url(&format!("{}?after={after}{also}", wire::FEEDBACK_PATH));
    let answer = fetch("GET", &url, &s.token, None).await?;
    if answer.status != 200 {
        let msg = serde_json::from_str::<wire::ErrorReply>(&answer.body)
            .map(|r| r.message)
            .unwrap_or_default();
        return Err(format!("máy chủ trả lời {}: {msg}", answer.status));
    }
    serde_json::from_str(&answer.body).map_err(|e| format!("trả lời không đọc được: {e}"))
}

/// A receiver: take in what this office sent from its other devices (the
/// server's `sent=true`), so that its decisions, reminders and comments are
/// the same on each. Returns the decisions held afterwards, if any came.
pub async fn pull_sent(own: &str) -> Result<Option<Vec<papi_core::review::Decision>>, String> {
    let s = crate::sync::settings_for(&PLAN);
    if !s.is_set() {
        return Ok(None);
    }
    let key = format!(
        "{}{}|{own}",
        crate::workspace::key("papi-tracker.feedback-sent-cursor|"),
        s.base()
    );
    let mut after: i64 = LocalStorage::get(&key).unwrap_or(0);
    let mut came = Vec::new();
    loop {
        let page = page_after(&s, after, true).await?;
        for item in page.feedback {
            // Checked like any file (its signature), and this office's own.
            let Ok(f) = feedback::parse(item.feedback.get().as_bytes()) else {
                continue;
            };
            if f.from_unit == own && f.units == UNITS.id && f.plan.id == PLAN.id {
                came.push(f);
            }
        }
        after = page.next;
        if !page.more {
            break;
        }
    }
    let mut kept = load_kept()?;
    let known: std::collections::BTreeSet<String> = kept
        .iter()
        .filter_map(|k| serde_json::from_str::<Feedback>(&k.text).ok())
        .map(|f| f.sha256)
        .collect();
    let new: Vec<Feedback> = came
        .into_iter()
        .filter(|f| !known.contains(&f.sha256))
        .collect();
    let mut decisions = None;
    if !new.is_empty() {
        kept.extend(new.iter().map(|f| Kept {
            text: f.to_json(),
            posted: true,
            refused: None,
        }));
        save_kept(&kept)?;
        decisions = Some(crate::decisions::merge(
            new.iter().flat_map(|f| f.decisions.iter().cloned()),
        )?);
    }
    LocalStorage::set(&key, after).map_err(|e| e.to_string())?;
    Ok(decisions)
}

/// Everything this receiver said to `unit` about the active plan, in one
/// feedback: the file for a unit without a connection (taking it again
/// changes nothing).
pub async fn file_for(own: &str, unit: &str) -> Result<Feedback, String> {
    let mut all = Says::default();
    for (f, _) in sent()? {
        if f.to_unit == unit && f.plan.id == PLAN.id {
            all.decisions.extend(f.decisions);
            all.reminders.extend(f.reminders);
            all.comments.extend(f.comments);
        }
    }
    all.decisions.sort_by(feedback::decision_order);
    all.decisions.dedup();
    all.reminders
        .sort_by(|a, b| a.id.cmp(&b.id).then(b.at.cmp(&a.at)));
    all.reminders.dedup_by_key(|r| r.id);
    all.comments
        .sort_by(|a, b| a.id.cmp(&b.id).then(papi_core::declared::version_cmp(b, a)));
    all.comments.dedup_by_key(|c| c.id);
    if all.is_empty() {
        return Err("Chưa có phản hồi nào cho đơn vị này.".into());
    }
    seal(own, unit, all).await
}

/// A comment on `record`, typed now on this device by `author`: checked
/// (a message saying what is wrong otherwise).
pub fn new_comment(
    record: uuid::Uuid,
    typed: &str,
    author: String,
) -> Result<papi_core::comment::Comment, String> {
    let c = papi_core::comment::Comment {
        id: papi_core::activity::new_id(platform::random16()),
        record,
        text: papi_core::text::clean(typed, true, platform::nfc)
            .trim()
            .to_string(),
        author,
        device_id: crate::app::device_id().to_string(),
        updated_at: platform::now(),
        revision: 1,
        deleted: false,
    };
    papi_core::declared::check(&c)
        .map(|()| c)
        .map_err(|issue| format!("Chưa gửi: {}.", issue.message_vi()))
}

/// The next version of a comment, withdrawn: the receiver (or the unit)
/// no longer shows it; the thread keeps its place.
pub fn withdrawn(c: &papi_core::comment::Comment) -> papi_core::comment::Comment {
    papi_core::comment::Comment {
        device_id: crate::app::device_id().to_string(),
        updated_at: platform::now().max(c.updated_at),
        revision: c.revision + 1,
        deleted: true,
        ..c.clone()
    }
}

/// What this unit heard from its receiver (nothing yet: empty).
pub fn heard(unit: &str) -> Result<Heard, String> {
    match LocalStorage::raw().get_item(&heard_key(unit)) {
        Ok(None) => Ok(Heard::default()),
        Ok(Some(t)) => serde_json::from_str(&t).map_err(|e| {
            format!("Phản hồi đã nhận lưu trên máy này không đọc được ({e}): chưa nhận thêm.")
        }),
        Err(e) => Err(format!("Không đọc được bộ nhớ của trình duyệt: {e:?}")),
    }
}

/// Whether this unit has heard anything (cheap: no parsing).
pub fn has_heard(unit: &str) -> bool {
    LocalStorage::raw()
        .get_item(&heard_key(unit))
        .ok()
        .flatten()
        .is_some()
}

/// What taking a feedback did.
pub enum Taken {
    Absorbed(Absorbed),
    /// Signed by a device not known yet: its fingerprint, to compare with
    /// the receiver before trusting it.
    Unknown {
        fingerprint: String,
    },
}

/// Why a feedback was not taken.
pub enum NotTaken {
    /// The file is refused (forged, not for this unit, damaged…): taking it
    /// again would end the same.
    Refused(String),
    /// This device could not read or keep what it holds (its keyring, what
    /// it heard, a full storage): the feedback may pass later.
    Device(String),
}

impl NotTaken {
    pub fn message(self) -> String {
        match self {
            NotTaken::Refused(m) | NotTaken::Device(m) => m,
        }
    }
}

/// Take a feedback file (or a server's item) for `unit`: checked by the
/// core, then kept. `trust`: the officer compared the fingerprint and
/// trusts an unknown key of the receiver. A refusal changes nothing.
pub fn take(unit: &str, bytes: &[u8], trust: Option<KeySource>) -> Result<Taken, NotTaken> {
    let name = |c: &str| UNITS.name_or_code(c);
    let refused = |e: FeedbackError| NotTaken::Refused(e.message_vi(name));
    let f = feedback::parse(bytes).map_err(refused)?;
    let mut ring = crate::keys::keyring().map_err(NotTaken::Device)?;
    match feedback::accept(&f, &UNITS, unit, &PLAN.id, &ring) {
        Ok(()) => {}
        Err(FeedbackError::UnknownKey { key }) => match trust {
            Some(source) => {
                ring.trust(&f.origin(), platform::now(), source)
                    .map_err(|e| NotTaken::Refused(format!("{e:?}")))?;
                feedback::accept(&f, &UNITS, unit, &PLAN.id, &ring).map_err(refused)?;
                crate::keys::save_keyring(&ring).map_err(NotTaken::Device)?;
            }
            None => {
                return Ok(Taken::Unknown {
                    fingerprint: papi_core::signature::fingerprint(&key).unwrap_or_default(),
                })
            }
        },
        Err(e) => return Err(refused(e)),
    }
    let mut heard = heard(unit).map_err(NotTaken::Device)?;
    let done = heard.absorb(&f);
    if let Absorbed::Taken(_) = done {
        let text = serde_json::to_string(&heard).map_err(|e| NotTaken::Device(e.to_string()))?;
        LocalStorage::raw()
            .set_item(&heard_key(unit), &text)
            .map_err(|e| NotTaken::Device(storage_error(e)))?;
    }
    Ok(Taken::Absorbed(done))
}

/// A unit: fetch what the server holds for it past the cursor, with its
/// receiver's keys (introduced by the server), and take each. Returns how
/// many items were new, and the refusals (each named; the cursor moves
/// past them: the same file would be refused again).
pub async fn pull(unit: &str) -> Result<(usize, Vec<String>), String> {
    let s = crate::sync::settings_for(&PLAN);
    if !s.is_set() {
        return Err("chưa cài đặt máy chủ đồng bộ (Cài đặt → Đồng bộ)".into());
    }
    let mut after: i64 = LocalStorage::get(cursor_key(&s, unit)).unwrap_or(0);
    let (mut new, mut refused) = (0, Vec::new());
    loop {
        let page = page_after(&s, after, false).await?;
        let mut ring = crate::keys::keyring()?;
        let ours = page.keys.into_iter().filter(|k| k.units == UNITS.id);
        if ring.absorb(ours) > 0 {
            crate::keys::save_keyring(&ring)?;
        }
        let save = |cursor: i64| {
            LocalStorage::set(cursor_key(&s, unit), cursor).map_err(|e| e.to_string())
        };
        for item in page.feedback {
            match take(unit, item.feedback.get().as_bytes(), None) {
                Ok(Taken::Absorbed(Absorbed::Taken(n))) => new += n,
                Ok(Taken::Absorbed(Absorbed::HeldAlready)) => {}
                Ok(Taken::Unknown { fingerprint }) => refused.push(format!(
                    "phản hồi #{} ký bằng thiết bị chưa biết ({fingerprint})",
                    item.cursor
                )),
                Err(NotTaken::Refused(e)) => {
                    refused.push(format!("phản hồi #{}: {e}", item.cursor))
                }
                // Not this feedback's fault: fetched again next time.
                Err(NotTaken::Device(e)) => {
                    save(after)?;
                    return Err(e);
                }
            }
            after = item.cursor;
        }
        after = page.next;
        save(after)?;
        if !page.more {
            break;
        }
    }
    Ok((new, refused))
}
