//! The stored form of activity records and the rules a store follows, with no
//! I/O: the app's IndexedDB and localStorage backends call these.
//!
//! Layouts, oldest first:
//! - schema 1 (the prototype): every record of the device in one JSON array
//!   under one localStorage key; the evidence field was called `result`, and
//!   there were no revisions or device ids.
//! - schema 2: one entry per record, keyed by record id, each a JSON
//!   envelope `{"schema":2,"record":{..}}`, the record written by the
//!   declaration of its fields (`record::FIELDS`).
//! - schema 3 (current): the same envelope; the record has its evidence
//!   files (`files`, format version 3). A schema-2 entry reads with none.
//!
//! `decode_entry` reads every schema this build has ever written, so an update
//! of the app never strands a stored record. A field added to the record
//! changes the stored form: tests pin a fully filled record's entry to
//! `SCHEMA` (and a receiver's entry holding it to `RECEIVED_SCHEMA`), so the
//! new field asks for the next schemas (a later schema's envelope is the
//! same; a field an older entry lacks reads as empty).

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::activity::{Activity, ActivityFields, Status};
use crate::assessment::Assessment;
use crate::comment::Comment;
use crate::declared::Declared;
use crate::merge::AppliedBatch;
use crate::record::{Field, Texts};
use crate::review::ReviewPeriod;
use crate::submission::Submission;

/// The schema this build writes.
pub const SCHEMA: u32 = 3;

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    schema: u32,
    record: &'a Activity,
}

/// Just enough of an entry to tell its schema.
#[derive(Deserialize)]
struct Probe {
    schema: Option<u64>,
}

#[derive(Deserialize)]
struct EnvelopeIn {
    record: Activity,
}

/// A record as the schema-1 prototype wrote it: the typed texts by their
/// names (`record::FIELDS`; the evidence was called `result`, and a text
/// missing is empty).
#[derive(Deserialize)]
struct ActivityV1 {
    id: Uuid,
    unit_code: String,
    task_id: String,
    #[serde(with = "crate::dates::serde_date")]
    date: NaiveDate,
    #[serde(flatten)]
    texts: Texts,
    #[serde(default)]
    result: String,
    status: Status,
    #[serde(default)]
    author: String,
    #[serde(with = "crate::dates::serde_instant")]
    created_at: DateTime<Utc>,
}

impl From<ActivityV1> for Activity {
    fn from(v: ActivityV1) -> Activity {
        Activity {
            id: v.id,
            unit_code: v.unit_code,
            fields: ActivityFields {
                task_id: v.task_id,
                date: v.date,
                texts: v.texts.with(Field::EVIDENCE, v.result),
                status: v.status,
                files: Vec::new(),
            },
            author: v.author,
            device_id: "legacy".into(),
            created_at: v.created_at,
            updated_at: v.created_at,
            revision: 1,
            deleted: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryError {
    /// Not JSON at all.
    BadJson(String),
    /// JSON, but not a record of any known schema.
    BadShape(String),
    /// Written by a newer release than this one.
    FutureSchema(u64),
    /// The entry is stored under a key that is not its record's id.
    KeyMismatch { key: String, id: String },
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryError::BadJson(e) => write!(f, "không phải JSON hợp lệ ({e})"),
            EntryError::BadShape(e) => write!(f, "sai cấu trúc bản ghi ({e})"),
            EntryError::FutureSchema(v) => {
                write!(
                    f,
                    "được ghi bởi phiên bản mới hơn (lược đồ {v}); hãy cập nhật ứng dụng"
                )
            }
            EntryError::KeyMismatch { key, id } => {
                write!(f, "khóa {key} không khớp mã bản ghi {id}")
            }
        }
    }
}

pub fn encode_entry(record: &Activity) -> String {
    serde_json::to_string(&EnvelopeOut {
        schema: SCHEMA,
        record,
    })
    .expect("records serialise")
}

fn shape(e: serde_json::Error) -> EntryError {
    EntryError::BadShape(e.to_string())
}

/// The schema number of an entry: bad JSON and a wrong shape told apart.
fn probe(text: &str) -> Result<Probe, EntryError> {
    serde_json::from_str(text).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            EntryError::BadJson(e.to_string())
        } else {
            shape(e)
        }
    })
}

/// Decode one stored entry of any known schema.
pub fn decode_entry(text: &str) -> Result<Activity, EntryError> {
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        // Valid JSON that is not an object is a shape error; the rest is bad JSON.
        return Err(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => EntryError::BadShape("không phải đối tượng JSON".into()),
            Err(e) => EntryError::BadJson(e.to_string()),
        });
    }
    let probe = probe(text)?;
    match probe.schema {
        // One envelope since schema 2; a field added since reads as empty
        // in an older entry.
        Some(n) if (2..=SCHEMA as u64).contains(&n) => serde_json::from_str::<EnvelopeIn>(text)
            .map(|e| e.record)
            .map_err(shape),
        Some(n) if n > SCHEMA as u64 => Err(EntryError::FutureSchema(n)),
        Some(n) => Err(EntryError::BadShape(format!(
            "lược đồ {n} không có dạng mục riêng"
        ))),
        None => serde_json::from_str::<ActivityV1>(text)
            .map(Activity::from)
            .map_err(shape),
    }
}

/// Decode an entry and check it sits under its own id.
pub fn decode_keyed(key: &str, text: &str) -> Result<Activity, EntryError> {
    let a = decode_entry(text)?;
    if a.id.to_string() != key {
        return Err(EntryError::KeyMismatch {
            key: key.to_string(),
            id: a.id.to_string(),
        });
    }
    Ok(a)
}

/// The schema of a receiver's entries (one per applied batch) this build
/// writes: `{"schema":2,"entry":{"receipt":{..},"records":[..]}}`, keyed by
/// the receipt's id. Schema 2 added `received_at` (the server's time of
/// receipt): a release that knows only 1 sets such entries aside instead of
/// judging "on time" by the sender's clock. The entry holds records in
/// their stored form: a field added to the record is a new schema here too
/// (pinned like `SCHEMA`), so an older release sets the entry aside rather
/// than drop the field from what it forwards. Schema 3 added the records'
/// evidence files and the batch's period entries (`plan_id`, `assessments`,
/// `submissions`, `comments`); an older entry reads with none.
pub const RECEIVED_SCHEMA: u32 = 3;

#[derive(Serialize)]
struct ReceivedOut<'a> {
    schema: u32,
    entry: &'a AppliedBatch,
}

#[derive(Deserialize)]
struct ReceivedIn {
    entry: AppliedBatch,
}

pub fn encode_received(entry: &AppliedBatch) -> String {
    serde_json::to_string(&ReceivedOut {
        schema: RECEIVED_SCHEMA,
        entry,
    })
    .expect("entries serialise")
}

/// Decode a receiver's entry and check it sits under its receipt's id.
pub fn decode_received(key: &str, text: &str) -> Result<AppliedBatch, EntryError> {
    let probe = probe(text)?;
    let entry = match probe.schema {
        Some(n) if (1..=RECEIVED_SCHEMA as u64).contains(&n) => {
            serde_json::from_str::<ReceivedIn>(text)
                .map(|e| e.entry)
                .map_err(shape)?
        }
        Some(n) if n > RECEIVED_SCHEMA as u64 => return Err(EntryError::FutureSchema(n)),
        _ => return Err(EntryError::BadShape("không rõ lược đồ".into())),
    };
    let id = entry.receipt.id();
    if id != key {
        return Err(EntryError::KeyMismatch {
            key: key.to_string(),
            id,
        });
    }
    Ok(entry)
}

/// The schema of a unit's own entries on a device (`UnitEntries`).
pub const ENTRIES_SCHEMA: u32 = 1;

/// What a device holds of one unit besides its records (format version 3):
/// its assessments of periods, its submissions and its comments, each
/// sorted by its key with one version per key. Stored as one entry per unit
/// (`{"schema":1,"entries":{..}}`), each entity by its declaration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitEntries {
    pub assessments: Vec<Assessment>,
    pub submissions: Vec<Submission>,
    pub comments: Vec<Comment>,
}

/// Put `e` in `list` in place of the version of the same key, if newer.
/// Returns whether it was kept.
fn put_newer<T: Declared + Clone>(list: &mut Vec<T>, e: &T) -> bool {
    match list.binary_search_by(|x| x.key().cmp(&e.key())) {
        Ok(i) if crate::declared::version_cmp(e, &list[i]).is_gt() => {
            list[i] = e.clone();
            true
        }
        Ok(_) => false,
        Err(i) => {
            list.insert(i, e.clone());
            true
        }
    }
}

impl UnitEntries {
    /// What the outbox and the backup read: these entries with `records`.
    pub fn holding<'a>(&'a self, records: &'a [Activity]) -> crate::batch::Holding<'a> {
        crate::batch::Holding {
            records,
            assessments: &self.assessments,
            submissions: &self.submissions,
            comments: &self.comments,
        }
    }

    /// The assessment of a period, if any (a withdrawn one included).
    pub fn assessment(&self, period: ReviewPeriod) -> Option<&Assessment> {
        self.assessments.iter().find(|a| a.period == period)
    }

    /// Keep a new version of an assessment (the one saved from the form).
    pub fn put_assessment(&mut self, a: &Assessment) -> bool {
        put_newer(&mut self.assessments, a)
    }

    /// The submission of a period, if any.
    pub fn submission(&self, period: ReviewPeriod) -> Option<&Submission> {
        self.submissions.iter().find(|s| s.period == period)
    }

    /// Keep a new submission (the unit sends its period again).
    pub fn put_submission(&mut self, s: &Submission) -> bool {
        put_newer(&mut self.submissions, s)
    }

    /// Keep a new version of one of the unit's comments (written, corrected
    /// or withdrawn here).
    pub fn put_comment(&mut self, c: &Comment) -> bool {
        put_newer(&mut self.comments, c)
    }

    /// The unit's comments on one activity, oldest first (withdrawn ones
    /// left out).
    pub fn comments_on(&self, record: Uuid) -> Vec<&Comment> {
        let mut c: Vec<&Comment> = self
            .comments
            .iter()
            .filter(|c| c.record == record && !c.deleted)
            .collect();
        c.sort_by_key(|c| (c.updated_at, c.id));
        c
    }

    /// Keep each entry of a batch of this unit (a backup being restored)
    /// that is newer than the one held. Returns how many were kept.
    pub fn restore(&mut self, b: &crate::batch::Batch) -> usize {
        let kept = |n: bool| usize::from(n);
        b.assessments
            .iter()
            .map(|a| kept(put_newer(&mut self.assessments, a)))
            .chain(
                b.submissions
                    .iter()
                    .map(|s| kept(put_newer(&mut self.submissions, s))),
            )
            .chain(
                b.comments
                    .iter()
                    .map(|c| kept(put_newer(&mut self.comments, c))),
            )
            .sum()
    }
}

#[derive(Serialize)]
struct UnitEntriesOut<'a> {
    schema: u32,
    entries: &'a UnitEntries,
}

#[derive(Deserialize)]
struct UnitEntriesIn {
    entries: UnitEntries,
}

pub fn encode_unit_entries(e: &UnitEntries) -> String {
    serde_json::to_string(&UnitEntriesOut {
        schema: ENTRIES_SCHEMA,
        entries: e,
    })
    .expect("entries serialise")
}

/// Read a unit's entries; a newer release's are `FutureSchema` (the caller
/// leaves them as they are and writes nothing over them).
pub fn decode_unit_entries(text: &str) -> Result<UnitEntries, EntryError> {
    match probe(text)?.schema {
        Some(n) if n == ENTRIES_SCHEMA as u64 => serde_json::from_str::<UnitEntriesIn>(text)
            .map(|e| e.entries)
            .map_err(shape),
        Some(n) if n > ENTRIES_SCHEMA as u64 => Err(EntryError::FutureSchema(n)),
        _ => Err(EntryError::BadShape("không rõ lược đồ".into())),
    }
}

/// A schema-1 store (one JSON array). Good records come back upgraded; a bad
/// element is reported by its position and does not stop the rest.
pub fn decode_v1_array(
    text: &str,
) -> Result<(Vec<Activity>, Vec<(usize, EntryError)>), EntryError> {
    let items: Vec<&serde_json::value::RawValue> = serde_json::from_str(text).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            EntryError::BadJson(e.to_string())
        } else {
            EntryError::BadShape("lược đồ 1 phải là một mảng".into())
        }
    })?;
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match serde_json::from_str::<ActivityV1>(item.get()) {
            Ok(a) => good.push(a.into()),
            Err(e) => bad.push((i, shape(e))),
        }
    }
    Ok((good, bad))
}

/// An unreadable entry kept aside, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAsideEntry {
    pub key: String,
    pub raw: String,
    pub reason: String,
}

impl SetAsideEntry {
    /// The stored form of an entry set aside under `key`.
    pub fn json(key: &str, raw: &str, reason: &str) -> String {
        let e = SetAsideEntry {
            key: key.into(),
            raw: raw.into(),
            reason: reason.into(),
        };
        serde_json::to_string(&e).expect("strings serialise")
    }
}

/// What a store does with a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteDecision {
    Write,
    /// Someone (another tab) changed the record since the writer read it:
    /// keep theirs, give the writer the current version.
    Conflict(Box<Activity>),
    /// The store already holds this version or a newer one (a replayed
    /// import or broadcast): nothing to do.
    AlreadyCurrent,
}

/// Decide a write against what the store holds now. `base` is the revision
/// the writer's change was made from (`None` for a new record, or for a
/// replica arriving from elsewhere, which the newer version wins).
pub fn decide_write(
    current: Option<&Activity>,
    incoming: &Activity,
    base: Option<u32>,
) -> WriteDecision {
    match (current, base) {
        (None, _) => WriteDecision::Write,
        (Some(cur), Some(base)) if cur.revision == base => WriteDecision::Write,
        (Some(cur), Some(_)) => WriteDecision::Conflict(Box::new(cur.clone())),
        (Some(cur), None) => {
            if std::ptr::eq(cur.newer(incoming), incoming) && cur != incoming {
                WriteDecision::Write
            } else {
                WriteDecision::AlreadyCurrent
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{new_id, ActivityFields, Author, Status};
    use chrono::{NaiveDate, TimeZone, Utc};

    fn rec() -> Activity {
        let by = Author {
            name: "Hà Thị B",
            device_id: "d1",
            now: Utc.with_ymd_and_hms(2020, 5, 1, 8, 0, 0).unwrap(),
        };
        Activity::create(
            new_id([3; 16]),
            "01834",
            ActivityFields::new(
                "2.3-1",
                NaiveDate::from_ymd_opt(2020, 4, 30).unwrap(),
                "Niêm yết ngân sách",
                Status::Done,
            )
            .with(Field::EVIDENCE, "TB 12"),
            &by,
        )
    }

    #[test]
    fn received_entries_round_trip_and_bad_ones_are_named() {
        use crate::merge::{AppliedBatch, Receipt};
        let at = Utc.with_ymd_and_hms(2020, 12, 2, 9, 0, 0).unwrap();
        let entry = AppliedBatch {
            received_at: Some(Utc.with_ymd_and_hms(2020, 6, 2, 3, 4, 5).unwrap()),
            receipt: Receipt {
                key: crate::batch::BatchKey {
                    unit_code: "01834".into(),
                    device_id: "d1".into(),
                    seq: 3,
                },
                kind: crate::batch::BatchKind::Changes,
                sha256: "ab".repeat(32),
                created_at: at,
                records: 2,
                imported_at: at,
            },
            records: vec![rec()],
            also: vec![new_id([4; 16])],
            plan_id: "bac-kan-124-2020".into(),
            assessments: vec![crate::fixtures::filled_assessment()],
            submissions: vec![crate::fixtures::filled_submission()],
            comments: vec![crate::fixtures::filled_comment()],
        };
        let key = entry.receipt.id();
        let text = encode_received(&entry);
        let current = format!(r#""schema":{RECEIVED_SCHEMA}"#);
        assert!(
            text.starts_with(&format!("{{{current},\"entry\":{{")),
            "{text}"
        );
        assert_eq!(decode_received(&key, &text).unwrap(), entry);
        // A schema-1 entry (no server time) still reads.
        let old = text.replacen(&current, r#""schema":1"#, 1).replacen(
            r#","received_at":"2020-06-02T03:04:05.000Z""#,
            "",
            1,
        );
        assert_eq!(
            decode_received(&key, &old).unwrap(),
            AppliedBatch {
                received_at: None,
                ..entry.clone()
            }
        );
        // Under another key; not JSON; truncated; a newer schema; no schema.
        assert!(matches!(
            decode_received("01834/d1/4", &text),
            Err(EntryError::KeyMismatch { .. })
        ));
        assert!(matches!(
            decode_received(&key, "xin chào"),
            Err(EntryError::BadJson(_))
        ));
        assert!(matches!(
            decode_received(&key, &text[..text.len() - 3]),
            Err(EntryError::BadJson(_))
        ));
        let next = RECEIVED_SCHEMA + 1;
        let newer = text.replacen(&current, &format!(r#""schema":{next}"#), 1);
        assert_eq!(
            decode_received(&key, &newer),
            Err(EntryError::FutureSchema(next as u64))
        );
        let bare = serde_json::to_string(&entry).unwrap();
        assert!(matches!(
            decode_received(&key, &bare),
            Err(EntryError::BadShape(_))
        ));
        let broken = text.replacen(r#""records":["#, r#""records":[1,"#, 1);
        assert!(matches!(
            decode_received(&key, &broken),
            Err(EntryError::BadShape(_))
        ));
    }

    #[test]
    fn round_trips_current_schema() {
        let a = rec();
        let s = encode_entry(&a);
        assert!(s.starts_with(&format!("{{\"schema\":{SCHEMA},")));
        assert_eq!(decode_entry(&s), Ok(a.clone()));
        assert_eq!(decode_keyed(&a.id.to_string(), &s), Ok(a.clone()));
        assert!(matches!(
            decode_keyed("other", &s),
            Err(EntryError::KeyMismatch { .. })
        ));
    }

    /// A record exactly as the schema-1 prototype wrote it.
    const V1: &str = r#"[{"id":"03030303-0303-4303-8303-030303030303","unit_code":"01834","task_id":"2.3-1","date":"2020-04-30","title":"Niêm yết ngân sách","description":"","participants":"","result":"TB 12","status":"done","author":"Hà Thị B","created_at":"2020-05-01T08:00:00Z"},{"id":"x"}]"#;

    #[test]
    fn reads_schema_one_records() {
        let (good, bad) = decode_v1_array(V1).unwrap();
        assert_eq!(good.len(), 1);
        let a = &good[0];
        assert_eq!(a.fields.text(Field::EVIDENCE), "TB 12");
        assert_eq!(a.revision, 1);
        assert_eq!(a.updated_at, a.created_at);
        assert_eq!(a.fields, rec().fields);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0, 1);
    }

    #[test]
    fn reports_corruption_without_panicking() {
        assert!(matches!(
            decode_entry("{not json"),
            Err(EntryError::BadJson(_))
        ));
        assert!(matches!(
            decode_entry("{\"schema\":2}"),
            Err(EntryError::BadShape(_))
        ));
        assert!(matches!(
            decode_entry("{\"schema\":2,\"record\":{\"id\":1}}"),
            Err(EntryError::BadShape(_))
        ));
        assert_eq!(
            decode_entry("{\"schema\":9,\"record\":{}}"),
            Err(EntryError::FutureSchema(9))
        );
        assert!(matches!(
            decode_entry("[1,2]"),
            Err(EntryError::BadShape(_))
        ));
        assert!(matches!(
            decode_v1_array("{}"),
            Err(EntryError::BadShape(_))
        ));
        assert!(EntryError::BadJson("x".into()).to_string().contains("JSON"));
    }

    #[test]
    fn write_rule_prevents_lost_updates() {
        let by = |s| Author {
            name: "x",
            device_id: "d2",
            now: Utc.with_ymd_and_hms(2020, 5, 2, 8, 0, s).unwrap(),
        };
        let a = rec();
        assert_eq!(decide_write(None, &a, None), WriteDecision::Write);
        let tab1 = a.edit(a.fields.clone().with(Field::TITLE, "tab 1"), &by(1));
        let tab2 = a.edit(a.fields.clone().with(Field::TITLE, "tab 2"), &by(2));
        // Tab 1 saves first from revision 1: fine.
        assert_eq!(decide_write(Some(&a), &tab1, Some(1)), WriteDecision::Write);
        // Tab 2 also edited revision 1, but the store now holds tab 1's revision 2.
        assert_eq!(
            decide_write(Some(&tab1), &tab2, Some(1)),
            WriteDecision::Conflict(Box::new(tab1.clone()))
        );
        // Replicas: the newer wins, replays are no-ops.
        assert_eq!(decide_write(Some(&a), &tab1, None), WriteDecision::Write);
        assert_eq!(
            decide_write(Some(&tab1), &a, None),
            WriteDecision::AlreadyCurrent
        );
        assert_eq!(
            decide_write(Some(&tab1), &tab1.clone(), None),
            WriteDecision::AlreadyCurrent
        );
    }
}

#[cfg(test)]
mod pinned {
    use super::*;
    use crate::fixtures::filled;

    /// A fully filled record (`fixtures::filled`: every field of
    /// `record::FIELDS`) as each schema since 2 stores it, oldest first; the
    /// last is `SCHEMA`'s. A field added to the record changes what this
    /// build writes: then this test asks for the next `SCHEMA` and its line
    /// here, and every older line must still read (the new field empty).
    const STORED: &[(u32, &str)] = &[
        (
            2,
            r#"{"schema":2,"record":{"id":"07070707-0707-4707-8707-070707070707","unit_code":"02194","task_id":"2.3-1","date":"2020-04-20","title":"Tiêu đề (title)","description":"Mô tả\ndòng hai","participants":"Thành phần tham gia (participants)","evidence":"Kết quả / văn bản minh chứng (evidence)","status":"planned","author":"Hà Thị B","device_id":"dev-b","created_at":"2020-05-01T08:00:00.000Z","updated_at":"2020-05-01T09:30:00.000Z","revision":2,"deleted":false}}"#,
        ),
        (
            3,
            r#"{"schema":3,"record":{"id":"07070707-0707-4707-8707-070707070707","unit_code":"02194","task_id":"2.3-1","date":"2020-04-20","title":"Tiêu đề (title)","description":"Mô tả\ndòng hai","participants":"Thành phần tham gia (participants)","evidence":"Kết quả / văn bản minh chứng (evidence)","status":"planned","author":"Hà Thị B","device_id":"dev-b","created_at":"2020-05-01T08:00:00.000Z","updated_at":"2020-05-01T09:30:00.000Z","revision":2,"deleted":false,"files":[{"sha256":"1111111111111111111111111111111111111111111111111111111111111111","type":"image/jpeg","size":350000,"caption":"Ảnh bảng tin","thumb":"e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1"},{"sha256":"2222222222222222222222222222222222222222222222222222222222222222","type":"application/pdf","size":1200000,"caption":"","thumb":""}]}}"#,
        ),
    ];

    /// The same record in a receiver's entry, with a filled assessment and
    /// submission from schema 3 on, as each schema since 2 stores it; the
    /// last is `RECEIVED_SCHEMA`'s.
    const RECEIVED: &[(u32, &str)] = &[
        (
            2,
            r#"{"schema":2,"entry":{"receipt":{"key":{"unit_code":"02194","device_id":"dev-b","seq":3},"kind":"changes","sha256":"abababababababababababababababababababababababababababababababab","created_at":"2020-05-02T03:00:00.000Z","records":1,"imported_at":"2020-12-02T09:00:00.000Z"},"records":[{"id":"07070707-0707-4707-8707-070707070707","unit_code":"02194","task_id":"2.3-1","date":"2020-04-20","title":"Tiêu đề (title)","description":"Mô tả\ndòng hai","participants":"Thành phần tham gia (participants)","evidence":"Kết quả / văn bản minh chứng (evidence)","status":"planned","author":"Hà Thị B","device_id":"dev-b","created_at":"2020-05-01T08:00:00.000Z","updated_at":"2020-05-01T09:30:00.000Z","revision":2,"deleted":false}],"received_at":"2020-05-02T04:00:00.000Z"}}"#,
        ),
        (
            3,
            r#"{"schema":3,"entry":{"receipt":{"key":{"unit_code":"02194","device_id":"dev-b","seq":3},"kind":"changes","sha256":"abababababababababababababababababababababababababababababababab","created_at":"2020-05-02T03:00:00.000Z","records":1,"imported_at":"2020-12-02T09:00:00.000Z"},"records":[{"id":"07070707-0707-4707-8707-070707070707","unit_code":"02194","task_id":"2.3-1","date":"2020-04-20","title":"Tiêu đề (title)","description":"Mô tả\ndòng hai","participants":"Thành phần tham gia (participants)","evidence":"Kết quả / văn bản minh chứng (evidence)","status":"planned","author":"Hà Thị B","device_id":"dev-b","created_at":"2020-05-01T08:00:00.000Z","updated_at":"2020-05-01T09:30:00.000Z","revision":2,"deleted":false,"files":[{"sha256":"1111111111111111111111111111111111111111111111111111111111111111","type":"image/jpeg","size":350000,"caption":"Ảnh bảng tin","thumb":"e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1"},{"sha256":"2222222222222222222222222222222222222222222222222222222222222222","type":"application/pdf","size":1200000,"caption":"","thumb":""}]}],"received_at":"2020-05-02T04:00:00.000Z","plan_id":"bac-kan-124-2020","assessments":[{"period":"2020","results":"Kết quả nổi bật\ndòng hai","shortcomings":"Hạn chế, khó khăn và nguyên nhân\ndòng hai","direction":"Phương hướng, giải pháp\ndòng hai","proposals":"Đề xuất, kiến nghị\ndòng hai","author":"Người ghi (author)","device_id":"dev-b","updated_at":"2020-05-01T09:30:00.000Z","revision":2,"deleted":false}],"submissions":[{"period":"2020-H1","note":"Ghi chú khi gửi (note)","at":"2020-05-01T09:30:00.000Z","revision":2,"author":"Người gửi (author)","device_id":"dev-b"}],"comments":[{"id":"0c0c0c0c-0c0c-4c0c-8c0c-0c0c0c0c0c0c","record":"07070707-0707-4707-8707-070707070707","text":"Nội dung ý kiến\ndòng hai","author":"Người viết (author)","device_id":"dev-b","updated_at":"2020-05-01T09:30:00.000Z","revision":2,"deleted":false}]}}"#,
        ),
    ];

    fn received(record: Activity) -> AppliedBatch {
        use crate::merge::Receipt;
        use chrono::TimeZone;
        let at = |d, h| Utc.with_ymd_and_hms(2020, 5, d, h, 0, 0).unwrap();
        AppliedBatch {
            received_at: Some(at(2, 4)),
            receipt: Receipt {
                key: crate::batch::BatchKey {
                    unit_code: record.unit_code.clone(),
                    device_id: record.device_id.clone(),
                    seq: 3,
                },
                kind: crate::batch::BatchKind::Changes,
                sha256: "ab".repeat(32),
                created_at: at(2, 3),
                records: 1,
                imported_at: Utc.with_ymd_and_hms(2020, 12, 2, 9, 0, 0).unwrap(),
            },
            records: vec![record],
            also: vec![],
            plan_id: "bac-kan-124-2020".into(),
            assessments: vec![crate::fixtures::filled_assessment()],
            submissions: vec![crate::fixtures::filled_submission()],
            comments: vec![crate::fixtures::filled_comment()],
        }
    }

    #[test]
    fn a_filled_records_received_entry_is_pinned_to_the_schema() {
        let (schema, pinned) = RECEIVED.last().expect("a line per schema");
        let entry = received(filled());
        let now = encode_received(&entry);
        assert_eq!(
            (*schema, now.as_str()),
            (RECEIVED_SCHEMA, *pinned),
            "a receiver's entry changed: a new storage::RECEIVED_SCHEMA and the new line in RECEIVED"
        );
        assert_eq!(
            decode_received(&entry.receipt.id(), &now),
            Ok(entry.clone())
        );
        // An older entry reads with what it lacks empty.
        for (schema, text) in &RECEIVED[..RECEIVED.len() - 1] {
            let old = decode_received(&entry.receipt.id(), text).unwrap();
            assert_eq!(old.records, vec![as_of_schema(text)], "schema {schema}");
            assert!(old.assessments.is_empty() && old.submissions.is_empty());
            assert_eq!(old.plan_id, "");
        }
    }

    /// `filled()` as an entry of an older schema holds it: what the entry
    /// lacks reads as empty.
    fn as_of_schema(text: &str) -> Activity {
        let mut expected = filled();
        let has = |f: Field| text.contains(&format!("\"{}\":", f.spec().wire));
        expected.fields.texts = expected.fields.texts.map(|f, v| match has(f) {
            true => v.to_string(),
            false => String::new(),
        });
        if !has(Field::FILES) {
            expected.fields.files.clear();
        }
        expected
    }

    #[test]
    fn a_filled_records_stored_form_is_pinned_to_the_schema() {
        let (schema, pinned) = STORED.last().expect("a line per schema");
        let now = encode_entry(&filled());
        assert_eq!(
            (*schema, now.as_str()),
            (SCHEMA, *pinned),
            "the stored record changed: a new storage::SCHEMA, an upgrade in decode_entry \
             if the envelope changes, and the new line in STORED"
        );
        for (schema, text) in STORED {
            assert!(text.starts_with(&format!("{{\"schema\":{schema},")));
            assert_eq!(
                decode_entry(text),
                Ok(as_of_schema(text)),
                "schema {schema}"
            );
        }
    }
}

#[cfg(test)]
mod unit_entries {
    use super::*;
    use crate::fixtures::*;

    fn held() -> UnitEntries {
        UnitEntries {
            assessments: vec![filled_assessment()],
            submissions: vec![filled_submission()],
            comments: vec![filled_comment()],
        }
    }

    #[test]
    fn a_units_entries_are_stored_and_read_back() {
        let text = encode_unit_entries(&held());
        assert!(text.starts_with(r#"{"schema":1,"entries":{"assessments":[{"period":"2020","#));
        assert_eq!(decode_unit_entries(&text), Ok(held()));
        let newer = text.replacen(r#""schema":1"#, r#""schema":2"#, 1);
        assert_eq!(
            decode_unit_entries(&newer),
            Err(EntryError::FutureSchema(2))
        );
        assert!(matches!(
            decode_unit_entries(r#"{"entries":{}}"#),
            Err(EntryError::BadShape(_))
        ));
        assert!(matches!(
            decode_unit_entries("{"),
            Err(EntryError::BadJson(_))
        ));
        let extra = text.replacen(r#""entries":{"#, r#""entries":{"x":[],"#, 1);
        assert!(matches!(
            decode_unit_entries(&extra),
            Err(EntryError::BadShape(_))
        ));
    }

    #[test]
    fn only_a_newer_version_replaces_the_one_held() {
        let mut e = UnitEntries::default();
        let a = filled_assessment();
        assert!(e.put_assessment(&a));
        assert!(!e.put_assessment(&a), "the same version again");
        let older = Assessment {
            revision: 1,
            ..a.clone()
        };
        assert!(!e.put_assessment(&older));
        let half = Assessment {
            period: "2020-H1".parse().unwrap(),
            ..a.clone()
        };
        assert!(e.put_assessment(&half));
        let periods: Vec<String> = e.assessments.iter().map(|a| a.period.to_string()).collect();
        assert_eq!(periods, ["2020", "2020-H1"], "sorted by period");
        assert_eq!(e.assessment(ReviewPeriod::year(2020)), Some(&a));
        // A backup restores what is newer and nothing else.
        let mut b = crate::batch::Batch::seal(
            &header(DONG_XA, "dev-b", 600),
            crate::batch::BatchKind::Backup,
            0,
            crate::batch::Sealed {
                records: vec![],
                assessments: vec![
                    older,
                    Assessment {
                        revision: 9,
                        ..a.clone()
                    },
                ],
                submissions: vec![filled_submission()],
                comments: vec![],
            },
        );
        assert_eq!(
            e.restore(&b),
            2,
            "the revision 9 assessment and the submission"
        );
        assert_eq!(e.assessment(ReviewPeriod::year(2020)).unwrap().revision, 9);
        b.assessments.clear();
        assert_eq!(e.restore(&b), 0, "the same again");
    }
}
