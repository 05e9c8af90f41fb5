//! The sync API's messages (docs/sync-api.md): one definition, used by the
//! server to write them and by the app to read them.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Where batches are posted and read.
pub const BATCHES_PATH: &str = "/api/v1/batches";
/// Where a receiver reads the device keys of the units it collects.
pub const KEYS_PATH: &str = "/api/v1/keys";

/// Where plans are listed, read (`/api/v1/plans/{id}/{version}`) and
/// published by the province.
pub const PLANS_PATH: &str = "/api/v1/plans";

/// Where anyone (no token) reads the server's state and its unit dataset.
/// POST (a receiver: feedback to one of its units) and GET (any unit:
/// the feedback addressed to it, with its receiver's keys).
pub const FEEDBACK_PATH: &str = "/api/v1/feedback";
/// Evidence files: `{FILES_PATH}/{sha256}` (PUT a piece, GET the file) and
/// `{FILES_PATH}/{sha256}/progress`.
pub const FILES_PATH: &str = "/api/v1/files";
pub const HEALTH_PATH: &str = "/api/v1/health";

/// GET /api/v1/health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok`, or `degraded` when the last write failed (see `reason`).
    pub status: String,
    pub schema: u32,
    /// The one unit dataset the server serves; empty from a server older
    /// than datasets.
    #[serde(default)]
    pub units: String,
    #[serde(default)]
    pub plans: Vec<crate::batch::PlanRef>,
    pub batches: u64,
    /// What failed (SQLite's words) while `degraded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The same, in Vietnamese for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// GET /api/v1/plans: every plan the server holds for its units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanList {
    pub plans: Vec<PlanInfo>,
}

/// A plan as listed: enough to choose it; its text is at
/// `/api/v1/plans/{id}/{version}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInfo {
    pub id: String,
    pub version: String,
    pub units: String,
    pub number: String,
    /// The document's date, yyyy-mm-dd.
    pub date: String,
    pub title: String,
}

impl PlanInfo {
    pub fn of(p: &crate::plan::Plan) -> PlanInfo {
        PlanInfo {
            id: p.id.clone(),
            version: p.version.clone(),
            units: p.units.clone(),
            number: p.document.number.clone(),
            date: crate::dates::format_iso(p.document.date),
            title: p.document.title.clone(),
        }
    }
}

/// The reply to a published plan (201 new, 200 held already).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishReply {
    pub status: PostStatus,
    pub plan: PlanInfo,
}

/// GET /api/v1/keys: each key as the server knows it (`source` is
/// `server`: introduced by the first batch a unit's token posted with it),
/// revoked ones included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyList {
    pub keys: Vec<crate::trust::KnownKey>,
}

/// The reply to a batch that was kept (201 new, 200 held already). The
/// device counts the batch as sent only when `sha256` is its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostReply {
    pub status: PostStatus,
    pub sha256: String,
    pub cursor: i64,
    /// The unit the batch was kept for, named by its dataset and code (GSO
    /// reuses codes). Empty from servers older than format version 2.
    #[serde(default)]
    pub units: String,
    #[serde(default)]
    pub unit_code: String,
}

impl PostReply {
    /// Whether this reply confirms the batch `sha256` of `unit_code` in
    /// `units` (an older server's reply names no unit: the hash alone,
    /// which covers the unit, confirms it).
    pub fn confirms(&self, sha256: &str, units: &str, unit_code: &str) -> bool {
        self.sha256 == sha256
            && (self.units.is_empty() || self.units == units)
            && (self.unit_code.is_empty() || self.unit_code == unit_code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostStatus {
    Accepted,
    Duplicate,
}

/// Every refusal: a stable code and a message for people, in Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReply {
    pub error: String,
    pub message: String,
}

/// GET /api/v1/batches?after=&limit=
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageQuery {
    pub after: Option<i64>,
    pub limit: Option<usize>,
}

/// One page of batches, in the server's order.
#[derive(Debug, Serialize, Deserialize)]
pub struct Page {
    pub batches: Vec<PageItem>,
    /// Stored rows the server could not send (reported, never skipped
    /// silently); `next` moves past them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<Unreadable>,
    pub next: i64,
    pub more: bool,
}

/// A batch as the server received it: its text, untouched.
#[derive(Debug, Serialize, Deserialize)]
pub struct PageItem {
    pub cursor: i64,
    /// When the server received it (RFC 3339, UTC): what "on time" is
    /// judged by for batches that came this way.
    pub received_at: String,
    pub batch: Box<RawValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreadable {
    pub cursor: i64,
    pub received_at: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_and_pages_round_trip() {
        let r = PostReply {
            status: PostStatus::Duplicate,
            sha256: "ab".repeat(32),
            cursor: 7,
            units: "thai-nguyen-2025".into(),
            unit_code: "01864".into(),
        };
        let sha = "ab".repeat(32);
        assert!(r.confirms(&sha, "thai-nguyen-2025", "01864"));
        assert!(!r.confirms(&sha, "bac-kan-2020", "01864"));
        assert!(!r.confirms(&sha, "thai-nguyen-2025", "01867"));
        assert!(!r.confirms(&"cd".repeat(32), "thai-nguyen-2025", "01864"));
        // An older server's reply: the hash alone.
        let old: PostReply = serde_json::from_str(&format!(
            r#"{{"status":"accepted","sha256":"{sha}","cursor":1}}"#
        ))
        .unwrap();
        assert!(old.confirms(&sha, "bac-kan-2020", "01864"));
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains(r#""status":"duplicate""#), "{text}");
        assert_eq!(serde_json::from_str::<PostReply>(&text).unwrap(), r);

        let e = ErrorReply {
            error: "conflict".into(),
            message: "máy chủ đã có lô số 3".into(),
        };
        assert_eq!(
            serde_json::from_str::<ErrorReply>(&serde_json::to_string(&e).unwrap()).unwrap(),
            e
        );

        let batch = r#"{"format":"papi-tracker.batch","seq":1}"#;
        let page = Page {
            batches: vec![PageItem {
                cursor: 3,
                received_at: "2020-06-01T08:00:00.000Z".into(),
                batch: RawValue::from_string(batch.into()).unwrap(),
            }],
            unreadable: vec![],
            next: 3,
            more: false,
        };
        let text = serde_json::to_string(&page).unwrap();
        assert!(!text.contains("unreadable"), "an empty list is left out");
        let back: Page = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back.batches[0].batch.get(),
            batch,
            "the batch's text as sent"
        );
        assert_eq!(
            (back.next, back.more, back.batches[0].cursor),
            (3, false, 3)
        );
        let q: PageQuery = serde_json::from_str(r#"{"after":5}"#).unwrap();
        assert_eq!(
            q,
            PageQuery {
                after: Some(5),
                limit: None
            }
        );
    }
}

/// GET /api/v1/feedback?after=&limit=: the feedback addressed to the
/// token's unit, oldest first, and the device keys the server knows for
/// the unit's receiver (revoked ones too), which verify it.
#[derive(Debug, Serialize, Deserialize)]
pub struct FeedbackPage {
    pub feedback: Vec<FeedbackItem>,
    pub keys: Vec<crate::trust::KnownKey>,
    pub next: i64,
    pub more: bool,
}

/// GET /api/v1/feedback?after=&limit=&sent=: `sent=true` (a receiver's
/// token) lists the feedback the token's unit sent, for its other devices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackQuery {
    pub after: Option<i64>,
    pub limit: Option<usize>,
    #[serde(default)]
    pub sent: bool,
}

/// A feedback as the server received it: its text, untouched.
#[derive(Debug, Serialize, Deserialize)]
pub struct FeedbackItem {
    pub cursor: i64,
    pub received_at: String,
    pub feedback: Box<RawValue>,
}

/// The reply to a feedback kept (201 new, 200 held already).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackReply {
    pub status: PostStatus,
    pub sha256: String,
    pub cursor: i64,
}

/// How much of an evidence file the server holds (the reply to a piece,
/// and to `/progress`): resume from `received`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileProgress {
    pub sha256: String,
    pub received: u64,
    pub size: u64,
    /// Stored whole, its bytes checked against its name.
    pub complete: bool,
}
