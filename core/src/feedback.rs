//! Feedback: what a receiver sends down to one of its units (issue 28):
//! its decisions on the unit's periods (accepted, sent back, reopened, each
//! with its reason), its reminders ("nhắc gửi báo cáo", with a deadline)
//! and its comments on the unit's activities. Sealed and signed like a
//! batch (SHA-256 over a canonical form, Ed25519 by the receiver's device),
//! addressed to one unit, and carried by the sync server or as a file.
//!
//! A feedback file belongs to format version 3, the version whose batches
//! carry the unit's side (submissions, assessments, comments): one format
//! version brings both directions. docs/feedback-format.md.
//!
//! The unit takes a feedback only when it is addressed to it, comes from
//! the unit that receives from it, and is signed by a key it knows for that
//! receiver's device (`Heard::absorb`). What it holds is a set: the same
//! feedback again, an old one after a newer, or any order of arrival gives
//! the same state (the standing is order-independent, `review::standing`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::batch::{Origin, PlanRef};
use crate::comment::Comment;
use crate::dates::{serde_canonical_instant, vn_date};
pub use crate::review::Reminder;
use crate::review::{Decision, ReviewPeriod};
use crate::signature::{self, hex};
use crate::trust::{Keyring, Verdict};
use crate::units::Units;

pub const FORMAT: &str = "papi-tracker.feedback";
/// The format version feedback came with (the batches' version 3).
pub const VERSION: u32 = 3;
/// The largest feedback file, in bytes.
pub const MAX_BYTES: usize = 512 * 1024;
/// The most decisions, reminders and comments in one feedback, together.
pub const MAX_ITEMS: usize = 1000;

/// A sealed feedback. Field order is the canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    pub format: String,
    pub format_version: u32,
    pub plan: PlanRef,
    /// The unit dataset both codes belong to.
    pub units: String,
    /// The receiver that speaks.
    pub from_unit: String,
    pub device_id: String,
    /// The receiver device's Ed25519 public key, lowercase hex.
    pub signer: String,
    /// The one unit it is addressed to.
    pub to_unit: String,
    #[serde(with = "serde_canonical_instant")]
    pub created_at: DateTime<Utc>,
    /// Each sorted (decisions by time, reminders and comments by id).
    pub decisions: Vec<Decision>,
    pub reminders: Vec<Reminder>,
    pub comments: Vec<Comment>,
    pub sha256: String,
    pub signature: String,
}

/// The hashed and signed content: every field but the hash and signature.
#[derive(Serialize)]
struct Content<'a> {
    format: &'a str,
    format_version: u32,
    plan: &'a PlanRef,
    units: &'a str,
    from_unit: &'a str,
    device_id: &'a str,
    signer: &'a str,
    to_unit: &'a str,
    #[serde(with = "serde_canonical_instant")]
    created_at: DateTime<Utc>,
    decisions: &'a [Decision],
    reminders: &'a [Reminder],
    comments: &'a [Comment],
}

/// The one order of decisions: by time, then reason (as `review::standing`
/// breaks ties), then the whole content, so that any two differ.
pub fn decision_order(a: &Decision, b: &Decision) -> std::cmp::Ordering {
    let content = |d: &Decision| serde_json::to_string(d).unwrap_or_default();
    a.at.cmp(&b.at)
        .then_with(|| a.reason.cmp(&b.reason))
        .then_with(|| content(a).cmp(&content(b)))
}

/// Who speaks: the receiver's unit and device, with its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender<'a> {
    pub plan: &'a PlanRef,
    pub units: &'a str,
    pub from_unit: &'a str,
    pub device_id: &'a str,
    pub signer: &'a str,
}

/// What one feedback says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Says {
    pub decisions: Vec<Decision>,
    pub reminders: Vec<Reminder>,
    pub comments: Vec<Comment>,
}

impl Says {
    pub fn is_empty(&self) -> bool {
        self.decisions.is_empty() && self.reminders.is_empty() && self.comments.is_empty()
    }
}

impl Feedback {
    /// Seal what `from` says to `to_unit` (sign it next: `signing_message`).
    pub fn seal(from: &Sender, to_unit: &str, created_at: DateTime<Utc>, says: Says) -> Feedback {
        let Says {
            mut decisions,
            mut reminders,
            mut comments,
        } = says;
        decisions.sort_by(decision_order);
        reminders.sort_by_key(|r| r.id);
        comments.sort_by_key(|c| c.id);
        let mut f = Feedback {
            format: FORMAT.into(),
            format_version: VERSION,
            plan: from.plan.clone(),
            units: from.units.into(),
            from_unit: from.from_unit.into(),
            device_id: from.device_id.into(),
            signer: from.signer.into(),
            to_unit: to_unit.into(),
            created_at,
            decisions,
            reminders,
            comments,
            sha256: String::new(),
            signature: String::new(),
        };
        f.sha256 = f.content_hash();
        f
    }

    fn content(&self) -> Content<'_> {
        Content {
            format: &self.format,
            format_version: self.format_version,
            plan: &self.plan,
            units: &self.units,
            from_unit: &self.from_unit,
            device_id: &self.device_id,
            signer: &self.signer,
            to_unit: &self.to_unit,
            created_at: self.created_at,
            decisions: &self.decisions,
            reminders: &self.reminders,
            comments: &self.comments,
        }
    }

    /// Compact JSON of the content, keys in declaration order.
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(&self.content()).expect("feedback serialises")
    }

    fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.canonical()).into()
    }

    /// The lowercase hex SHA-256 of `canonical()` (what `sha256` must be).
    pub fn content_hash(&self) -> String {
        hex(&self.digest())
    }

    /// What the signature covers: the 32 bytes of the content's SHA-256.
    pub fn signing_message(&self) -> [u8; 32] {
        self.digest()
    }

    /// Sign with a key held in memory (tests; browsers without WebCrypto
    /// Ed25519 sign through `keys::Signer`).
    pub fn sign_with(mut self, key: &signature::DeviceKey) -> Feedback {
        self.signature = key.sign(&self.signing_message());
        self
    }

    /// Who signed it, as the keyring judges a file's origin.
    pub fn origin(&self) -> Origin {
        Origin {
            units: self.units.clone(),
            unit_code: self.from_unit.clone(),
            device_id: self.device_id.clone(),
            signer: Some(self.signer.clone()),
        }
    }

    pub fn says(&self) -> Says {
        Says {
            decisions: self.decisions.clone(),
            reminders: self.reminders.clone(),
            comments: self.comments.clone(),
        }
    }

    /// The file's text (indented; the hash does not depend on it).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("feedback serialises")
    }

    /// "phan-hoi-<to>-<yyyymmdd>-<hash8>.json".
    pub fn file_name(&self) -> String {
        format!(
            "phan-hoi-{}-{}-{}.json",
            self.to_unit,
            vn_date(self.created_at).format("%Y%m%d"),
            &self.sha256[..8.min(self.sha256.len())]
        )
    }
}

/// Why a feedback is refused, before or at its unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedbackError {
    TooLarge(usize),
    /// Not JSON of a feedback, with serde's place.
    Malformed(String),
    NotFeedback(String),
    /// A version this app does not read (newer: update the app).
    Version(u32),
    HashMismatch,
    BadSignature(&'static str),
    TooMany(usize),
    /// One of the items is wrong: which, and why.
    Item {
        what: &'static str,
        problem: String,
    },
    NotOrdered(&'static str),
    /// Addressed to another unit (or dataset).
    NotForUs {
        to_unit: String,
    },
    /// From a unit that does not receive from the addressed one.
    NotItsReceiver {
        from_unit: String,
    },
    /// Another plan than the unit's.
    OtherPlan {
        plan: String,
    },
    /// Its key is refused (another unit's, revoked, or not the device's).
    Refused(Box<Verdict>),
    /// Its key is not known yet: the officer compares the fingerprint.
    UnknownKey {
        key: String,
    },
}

impl FeedbackError {
    /// The message for the user. `name` gives a unit's name.
    pub fn message_vi(&self, name: impl Fn(&str) -> String) -> String {
        match self {
            FeedbackError::TooLarge(n) => format!(
                "Tệp phản hồi quá lớn ({} KB, tối đa {} KB).",
                n / 1024,
                MAX_BYTES / 1024
            ),
            FeedbackError::Malformed(e) => {
                format!("Tệp không phải là phản hồi hợp lệ: {e}.")
            }
            FeedbackError::NotFeedback(f) => format!(
                "Tệp không phải là phản hồi của đơn vị nhận báo cáo (format \"{f}\")."
            ),
            FeedbackError::Version(v) if *v > VERSION => format!(
                "Phản hồi theo định dạng phiên bản {v}, mới hơn phiên bản {VERSION} của ứng dụng này: hãy cập nhật ứng dụng rồi nhận lại."
            ),
            FeedbackError::Version(v) => {
                format!("Phản hồi theo định dạng phiên bản {v}, không có phiên bản này.")
            }
            FeedbackError::HashMismatch => {
                "Mã kiểm tra (sha256) không khớp nội dung: tệp đã bị sửa hoặc hỏng.".into()
            }
            FeedbackError::BadSignature(why) => format!("Chữ ký số không hợp lệ: {why}."),
            FeedbackError::TooMany(n) => {
                format!("Phản hồi có {n} mục, quá giới hạn {MAX_ITEMS} mục.")
            }
            FeedbackError::Item { what, problem } => format!("{what} không hợp lệ: {problem}."),
            FeedbackError::NotOrdered(what) => {
                format!("Các {what} không theo thứ tự hoặc có mục trùng.")
            }
            FeedbackError::NotForUs { to_unit } => format!(
                "Phản hồi này gửi cho {}, không phải cho đơn vị của máy này: không nhận.",
                name(to_unit)
            ),
            FeedbackError::NotItsReceiver { from_unit } => format!(
                "Phản hồi từ {}, không phải đơn vị nhận báo cáo của đơn vị này: không nhận.",
                name(from_unit)
            ),
            FeedbackError::OtherPlan { plan } => format!(
                "Phản hồi về kế hoạch {plan}, không phải kế hoạch đang dùng: chuyển sang kế hoạch đó rồi nhận lại."
            ),
            FeedbackError::Refused(v) => format!("Không nhận: {}", v.message_vi(name)),
            FeedbackError::UnknownKey { key } => format!(
                "Phản hồi ký bằng một thiết bị chưa biết (mã nhận dạng {}): hãy gọi điện cho đơn vị nhận báo cáo để so mã nhận dạng, đúng thì bấm tin cậy.",
                signature::fingerprint(key).unwrap_or_default()
            ),
        }
    }
}

/// Read and check a feedback file on its own: its shape, version, hash,
/// signature (by the key it names), limits and every item. Who it is for
/// and whether its key is trusted are `accept`'s.
pub fn parse(bytes: &[u8]) -> Result<Feedback, FeedbackError> {
    if bytes.len() > MAX_BYTES {
        return Err(FeedbackError::TooLarge(bytes.len()));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // The format and version first, so a newer file says so.
    #[derive(Deserialize)]
    struct Head {
        format: String,
        format_version: u32,
    }
    let head: Head =
        serde_json::from_slice(bytes).map_err(|e| FeedbackError::Malformed(e.to_string()))?;
    if head.format != FORMAT {
        return Err(FeedbackError::NotFeedback(head.format));
    }
    if head.format_version != VERSION {
        return Err(FeedbackError::Version(head.format_version));
    }
    let f: Feedback =
        serde_json::from_slice(bytes).map_err(|e| FeedbackError::Malformed(e.to_string()))?;
    check(&f)?;
    Ok(f)
}

/// Everything a feedback must be in itself.
pub fn check(f: &Feedback) -> Result<(), FeedbackError> {
    if hex(&f.digest()) != f.sha256 {
        return Err(FeedbackError::HashMismatch);
    }
    signature::verify(&f.signer, &f.signing_message(), &f.signature)
        .map_err(|e| FeedbackError::BadSignature(e.message_vi()))?;
    let n = f.decisions.len() + f.reminders.len() + f.comments.len();
    if n > MAX_ITEMS {
        return Err(FeedbackError::TooMany(n));
    }
    for (what, text) in [
        ("Mã thiết bị", &f.device_id),
        ("Mã đơn vị", &f.from_unit),
        ("Mã đơn vị nhận", &f.to_unit),
    ] {
        let problem = match crate::text::check(text, crate::text::MAX_DEVICE_ID, false) {
            Err(p) => Some(p.message_vi(what)),
            Ok(()) if text.trim().is_empty() => Some(format!("{what} không được để trống")),
            Ok(()) => None,
        };
        if let Some(problem) = problem {
            return Err(FeedbackError::Item {
                what: "Phản hồi",
                problem,
            });
        }
    }
    let addressed = |unit: &str, plan: &str, what: &'static str| {
        if unit != f.to_unit || plan != f.plan.id {
            return Err(FeedbackError::Item {
                what,
                problem: format!(
                    "nói về đơn vị {unit}, kế hoạch {plan}, không phải đơn vị {} của phản hồi",
                    f.to_unit
                ),
            });
        }
        Ok(())
    };
    for d in &f.decisions {
        addressed(&d.unit_code, &d.plan_id, "Quyết định")?;
        let author = crate::text::check(&d.author, crate::text::MAX_AUTHOR, false)
            .err()
            .map(|p| p.message_vi("Người quyết định"));
        if let Some(problem) = d.problem().or(author) {
            return Err(FeedbackError::Item {
                what: "Quyết định",
                problem,
            });
        }
    }
    for r in &f.reminders {
        addressed(&r.unit_code, &r.plan_id, "Lời nhắc")?;
        if let Some(problem) = r.problem() {
            return Err(FeedbackError::Item {
                what: "Lời nhắc",
                problem,
            });
        }
    }
    for c in &f.comments {
        crate::declared::check(c).map_err(|i| FeedbackError::Item {
            what: "Ý kiến",
            problem: i.message_vi(),
        })?;
    }
    let ordered = |ok: bool, what| {
        if ok {
            Ok(())
        } else {
            Err(FeedbackError::NotOrdered(what))
        }
    };
    ordered(
        f.decisions
            .windows(2)
            .all(|w| decision_order(&w[0], &w[1]).is_lt()),
        "quyết định",
    )?;
    ordered(
        f.reminders.windows(2).all(|w| w[0].id < w[1].id),
        "lời nhắc",
    )?;
    ordered(f.comments.windows(2).all(|w| w[0].id < w[1].id), "ý kiến")?;
    Ok(())
}

/// Whether `f` may be taken by `unit_code` of `units` (its dataset),
/// working on `plan_id`: addressed to it, from its receiver, signed by a
/// key `ring` knows for that receiver's device. `f` has passed `parse`.
pub fn accept(
    f: &Feedback,
    units: &Units,
    unit_code: &str,
    plan_id: &str,
    ring: &Keyring,
) -> Result<(), FeedbackError> {
    if f.units != units.id || f.to_unit != unit_code {
        return Err(FeedbackError::NotForUs {
            to_unit: f.to_unit.clone(),
        });
    }
    if units.receiver_of(unit_code).map(|u| u.code.as_str()) != Some(f.from_unit.as_str()) {
        return Err(FeedbackError::NotItsReceiver {
            from_unit: f.from_unit.clone(),
        });
    }
    if f.plan.id != plan_id {
        return Err(FeedbackError::OtherPlan {
            plan: f.plan.id.clone(),
        });
    }
    match ring.judge(&f.origin()) {
        Verdict::Verified(_) => Ok(()),
        Verdict::UnknownDevice { key, .. } => Err(FeedbackError::UnknownKey { key }),
        refused => Err(FeedbackError::Refused(Box::new(refused))),
    }
}

/// What a unit holds of its receiver's feedback: a set, whatever the order
/// or repetition of arrival.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heard {
    /// The feedback taken, by hash (a replay is "held already").
    pub seen: BTreeSet<String>,
    /// Sorted by time, then reason; each once.
    pub decisions: Vec<Decision>,
    pub reminders: BTreeMap<Uuid, Reminder>,
    /// The receiver's comments, the newest version of each.
    pub comments: BTreeMap<Uuid, Comment>,
}

/// What `Heard::absorb` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absorbed {
    /// Taken: how many of its items were new or newer.
    Taken(usize),
    /// This very feedback was taken before: nothing changes.
    HeldAlready,
}

impl Heard {
    /// Take an accepted feedback (`accept` passed).
    pub fn absorb(&mut self, f: &Feedback) -> Absorbed {
        if !self.seen.insert(f.sha256.clone()) {
            return Absorbed::HeldAlready;
        }
        let mut n = 0;
        for d in &f.decisions {
            if !self.decisions.contains(d) {
                let at = self
                    .decisions
                    .partition_point(|x| decision_order(x, d).is_lt());
                self.decisions.insert(at, d.clone());
                n += 1;
            }
        }
        // An id names one reminder; were two versions ever signed, the
        // later (then the greater content) is kept, whatever came first.
        let content = |r: &Reminder| serde_json::to_string(r).unwrap_or_default();
        for r in &f.reminders {
            match self.reminders.get(&r.id) {
                Some(held) if (held.at, content(held)) >= (r.at, content(r)) => {}
                _ => {
                    self.reminders.insert(r.id, r.clone());
                    n += 1;
                }
            }
        }
        for c in &f.comments {
            match self.comments.get(&c.id) {
                Some(held) if crate::declared::version_cmp(c, held).is_le() => {}
                _ => {
                    self.comments.insert(c.id, c.clone());
                    n += 1;
                }
            }
        }
        Absorbed::Taken(n)
    }

    /// The decisions on one period.
    pub fn decisions_on(
        &self,
        plan_id: &str,
        period: ReviewPeriod,
    ) -> impl Iterator<Item = &Decision> {
        let plan_id = plan_id.to_string();
        self.decisions
            .iter()
            .filter(move |d| d.plan_id == plan_id && d.period == period)
    }

    /// The periods the receiver decided on or reminded of, newest first.
    pub fn periods(&self, plan_id: &str) -> Vec<ReviewPeriod> {
        let mut p: Vec<ReviewPeriod> = self
            .decisions
            .iter()
            .filter(|d| d.plan_id == plan_id)
            .map(|d| d.period)
            .chain(
                self.reminders
                    .values()
                    .filter(|r| r.plan_id == plan_id)
                    .map(|r| r.period),
            )
            .collect();
        p.sort();
        p.dedup();
        p.reverse();
        p
    }

    /// The reminders still to act on: of a period the unit has not sent
    /// (or that was sent back since), newest first.
    pub fn open_reminders(
        &self,
        plan_id: &str,
        standing: impl Fn(ReviewPeriod) -> crate::review::Standing,
    ) -> Vec<&Reminder> {
        use crate::review::Standing;
        let mut open: Vec<&Reminder> = self
            .reminders
            .values()
            .filter(|r| r.plan_id == plan_id)
            .filter(|r| {
                matches!(
                    standing(r.period),
                    Standing::NotSent | Standing::SentBack(_)
                )
            })
            .collect();
        open.sort_by(|a, b| b.at.cmp(&a.at).then(a.id.cmp(&b.id)));
        open
    }

    /// The receiver's comments on one activity, oldest first (withdrawn
    /// ones left out).
    pub fn comments_on(&self, record: Uuid) -> Vec<&Comment> {
        let mut c: Vec<&Comment> = self
            .comments
            .values()
            .filter(|c| c.record == record && !c.deleted)
            .collect();
        c.sort_by_key(|c| (c.updated_at, c.id));
        c
    }
}

#[cfg(test)]
mod tests;
