//! Batches: how records leave a device. A batch is sealed once (its SHA-256
//! covers a canonical serialisation of its content) and never changes; the
//! same parser and checks run in the app (file import) and on the server
//! (POST /api/v1/batches). docs/batch-format.md describes the format.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::activity::{Activity, MAX_REVISION};
use crate::assessment::Assessment;
use crate::comment::Comment;
use crate::dates::{format_iso, format_vn, serde_canonical_instant, vn_date};
use crate::declared::Declared;
use crate::merge::Entries;
use crate::plan::Plan;
use crate::review::ReviewPeriod;
use crate::submission::Submission;
use crate::text::{self, TextProblem};
use crate::units::Units;
use crate::validation::{validate, Context, FieldError};

/// The `format` field of every batch file.
pub const BATCH_FORMAT: &str = "papi-tracker.batch";
/// The newest batch format version this build reads and writes: every
/// version from 1 to it is read (docs/batch-format.md, "Versions"). Version
/// 2 adds the unit dataset (`units`), the signer's public key (`signer`)
/// and the signature; version 1 files are still read, as unsigned. Version
/// 3 adds the record's evidence files (`files`), the unit's period
/// assessments (`assessments`) and submissions (`submissions`), and its
/// comments on activities (`comments`). A field
/// added to the record (`record::FIELDS`) comes with the next version.
pub const BATCH_VERSION: u32 = 3;
/// The version that brought the unit's entries beside its records:
/// `assessments`, `submissions` and `comments`.
pub const ENTRIES_SINCE: u32 = 3;
/// The keys of those lists in a batch, in the canonical order.
pub const ENTRY_LISTS: [&str; 3] = ["assessments", "submissions", "comments"];
/// The newest bundle format version this build reads and writes: bundles
/// are versioned on their own (a bundle of one version carries batches of
/// any version its reader reads).
pub const BUNDLE_VERSION: u32 = 2;
/// The unit dataset a version 1 batch's codes belong to: there was one.
pub const V1_UNITS: &str = "bac-kan-2020";
/// Files larger than this are refused before they are parsed. A commune's
/// year is a few hundred records (well under 1 MB); a district bundle of a
/// whole year stays under this too.
pub const MAX_BATCH_BYTES: usize = 20 * 1000 * 1000;
/// The highest sequence number a batch may have: a device sealing a batch
/// every minute for nineteen years stays below it. Gap lists, counters and
/// `next_seq + 1` stay far from overflow.
pub const MAX_SEQ: u64 = 10_000_000;
/// Remind the official when changes have waited this long unexported.
pub const REMIND_AFTER_DAYS: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchKind {
    /// The records changed since the device's previous batch; numbered.
    Changes,
    /// Every record of the unit on the device; `seq` is 0. A safety copy:
    /// restore it into an empty browser, or import it at the district.
    Backup,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRef {
    pub id: String,
    pub version: String,
}

/// A sealed batch. Field order is the canonical order (see `canonical`);
/// its file is written by `Serialize` (the canonical content, then the hash
/// and the signature), and read as exactly the fields of its version
/// (`BatchWire`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "BatchWire")]
pub struct Batch {
    pub format: String,
    pub format_version: u32,
    pub kind: BatchKind,
    pub plan: PlanRef,
    /// The unit dataset `unit_code` belongs to (version 2): GSO reuses codes,
    /// so a code names a unit only with its dataset. `None` in version 1,
    /// whose codes are `V1_UNITS`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<String>,
    pub unit_code: String,
    pub device_id: String,
    /// Per device and unit: 1, 2, 3, ... (0 for a backup).
    pub seq: u64,
    #[serde(with = "serde_canonical_instant")]
    pub created_at: DateTime<Utc>,
    /// The sealing device's Ed25519 public key, lowercase hex (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// Full current state of each record, sorted by id; tombstones included.
    pub records: Vec<Activity>,
    /// The unit's period assessments, sorted by period (version 3; empty
    /// below).
    pub assessments: Vec<Assessment>,
    /// The unit's period submissions, sorted by period (version 3; empty
    /// below).
    pub submissions: Vec<Submission>,
    /// The unit's comments on its activities, sorted by id (version 3;
    /// empty below).
    pub comments: Vec<Comment>,
    /// Lowercase hex SHA-256 of `canonical()`.
    pub sha256: String,
    /// Ed25519 signature by `signer` over `signing_message()` (the 32 bytes
    /// of the SHA-256 digest of `canonical()`), lowercase hex (version 2).
    pub signature: Option<String>,
}

/// A batch as its file carries it: no unknown field; each record exactly
/// the declared fields of the batch's version (`record::Strict`); the
/// period entries present from version 3 on, absent below.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchWire {
    format: String,
    format_version: u32,
    kind: BatchKind,
    plan: PlanRef,
    #[serde(default)]
    units: Option<String>,
    unit_code: String,
    device_id: String,
    seq: u64,
    #[serde(with = "serde_canonical_instant")]
    created_at: DateTime<Utc>,
    #[serde(default)]
    signer: Option<String>,
    records: Vec<crate::record::Strict>,
    #[serde(default, deserialize_with = "present")]
    assessments: Option<Vec<Assessment>>,
    #[serde(default, deserialize_with = "present")]
    submissions: Option<Vec<Submission>>,
    #[serde(default, deserialize_with = "present")]
    comments: Option<Vec<Comment>>,
    sha256: String,
    #[serde(default)]
    signature: Option<String>,
}

/// A key that is there holds a list (`null` is not an absent list).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error> {
    Vec::deserialize(d).map(Some)
}

/// Version 3's lists: required from it on, refused below.
fn entries_of<T>(list: Option<Vec<T>>, wire: &str, version: u32) -> Result<Vec<T>, String> {
    match (list, version >= ENTRIES_SINCE) {
        (Some(list), true) => Ok(list),
        (None, false) => Ok(Vec::new()),
        (None, true) => Err(format!(
            "thiếu trường {wire} của định dạng phiên bản {version}"
        )),
        (Some(_), false) => Err(format!(
            "có trường {wire}, không có trong định dạng phiên bản {version} (có từ phiên bản {ENTRIES_SINCE})"
        )),
    }
}

impl TryFrom<BatchWire> for Batch {
    type Error = String;

    fn try_from(w: BatchWire) -> Result<Batch, String> {
        let version = w.format_version;
        for r in &w.records {
            r.check_version(version)?;
        }
        Ok(Batch {
            assessments: entries_of(w.assessments, "assessments", version)?,
            submissions: entries_of(w.submissions, "submissions", version)?,
            comments: entries_of(w.comments, "comments", version)?,
            records: w.records.into_iter().map(|r| r.0).collect(),
            format: w.format,
            format_version: version,
            kind: w.kind,
            plan: w.plan,
            units: w.units,
            unit_code: w.unit_code,
            device_id: w.device_id,
            seq: w.seq,
            created_at: w.created_at,
            signer: w.signer,
            sha256: w.sha256,
            signature: w.signature,
        })
    }
}

/// The hashed and signed content: every field of the batch except the hash
/// and the signature, in the same order (version 1 has no `units` and no
/// `signer`, so its bytes are what they always were).
#[derive(Serialize)]
struct Content<'a> {
    format: &'a str,
    format_version: u32,
    kind: BatchKind,
    plan: &'a PlanRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    units: Option<&'a str>,
    unit_code: &'a str,
    device_id: &'a str,
    seq: u64,
    #[serde(with = "serde_canonical_instant")]
    created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signer: Option<&'a str>,
    records: Records<'a>,
    /// Version 3 on.
    #[serde(skip_serializing_if = "Option::is_none")]
    assessments: Option<&'a [Assessment]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    submissions: Option<&'a [Submission]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comments: Option<&'a [Comment]>,
}

/// A batch's records with the fields of its format version, each in the
/// declaration's order (`record::FIELDS`).
struct Records<'a> {
    version: u32,
    list: &'a [Activity],
}

impl Serialize for Records<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.list.iter().map(|record| crate::record::Versioned {
            record,
            version: self.version,
        }))
    }
}

/// The file: the content, then the hash and the signature.
impl Serialize for Batch {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct File<'a> {
            #[serde(flatten)]
            content: Content<'a>,
            sha256: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            signature: Option<&'a str>,
        }
        File {
            content: self.content(),
            sha256: &self.sha256,
            signature: self.signature.as_deref(),
        }
        .serialize(s)
    }
}

/// What a batch carries: records, and (version 3) the unit's period
/// assessments, submissions and comments. A list of records alone converts
/// into it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sealed {
    pub records: Vec<Activity>,
    pub assessments: Vec<Assessment>,
    pub submissions: Vec<Submission>,
    pub comments: Vec<Comment>,
}

impl Sealed {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
            && self.assessments.is_empty()
            && self.submissions.is_empty()
            && self.comments.is_empty()
    }
}

impl From<Vec<Activity>> for Sealed {
    fn from(records: Vec<Activity>) -> Sealed {
        Sealed {
            records,
            ..Sealed::default()
        }
    }
}

/// What a device holds of one unit, for its outbox and its backup: its
/// records (of any unit: the unit's are taken) and the unit's period
/// assessments, submissions and comments.
#[derive(Debug, Clone, Copy, Default)]
pub struct Holding<'a> {
    pub records: &'a [Activity],
    pub assessments: &'a [Assessment],
    pub submissions: &'a [Submission],
    pub comments: &'a [Comment],
}

impl<'a> Holding<'a> {
    /// Records and nothing else (a device that keeps no period entries).
    pub fn records(records: &'a [Activity]) -> Holding<'a> {
        Holding {
            records,
            ..Holding::default()
        }
    }
}

/// What a device knows when it seals a batch.
pub struct Header<'a> {
    pub plan: &'a Plan,
    /// The id of the unit dataset `unit_code` belongs to (`Units::id`).
    pub units: &'a str,
    pub unit_code: &'a str,
    pub device_id: &'a str,
    pub created_at: DateTime<Utc>,
    /// The device's public key (`signature::DeviceKey::public_hex`, or the
    /// browser's WebCrypto key). The batch is sealed unsigned; the device
    /// signs `signing_message()` and calls `attach_signature`.
    pub signer: &'a str,
}

impl Batch {
    /// Seal records (and period entries) into a batch, not yet signed.
    /// Records are sorted by id, period entries by period, so the same
    /// content always makes the same bytes and the same hash.
    pub fn seal(h: &Header, kind: BatchKind, seq: u64, content: impl Into<Sealed>) -> Batch {
        let Sealed {
            mut records,
            mut assessments,
            mut submissions,
            mut comments,
        } = content.into();
        records.sort_by_key(|a| a.id);
        assessments.sort_by_key(|a| a.period);
        submissions.sort_by_key(|s| s.period);
        comments.sort_by_key(|c| c.id);
        let mut b = Batch {
            format: BATCH_FORMAT.into(),
            format_version: BATCH_VERSION,
            kind,
            plan: PlanRef {
                id: h.plan.id.clone(),
                version: h.plan.version.clone(),
            },
            units: Some(h.units.into()),
            unit_code: h.unit_code.into(),
            device_id: h.device_id.into(),
            seq,
            created_at: h.created_at,
            signer: Some(h.signer.into()),
            records,
            assessments,
            submissions,
            comments,
            sha256: String::new(),
            signature: None,
        };
        b.sha256 = b.content_hash();
        b
    }

    /// The canonical serialisation: compact JSON of the content (all fields
    /// but `sha256` and `signature`) with keys in declaration order, UTF-8,
    /// no whitespace. The hash and the signature cover these bytes.
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_canonical(&mut out).expect("batches serialise");
        out
    }

    /// The SHA-256 digest of `canonical()`, hashed as it is written: a
    /// large batch's canonical form is never held in memory whole.
    pub fn canonical_digest(&self) -> [u8; 32] {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, HashWriter(Sha256::new()));
        self.write_canonical(&mut w).expect("batches serialise");
        let Ok(HashWriter(hasher)) = w.into_inner() else {
            unreachable!("a hash takes every byte")
        };
        hasher.finalize().into()
    }

    fn write_canonical(&self, out: impl std::io::Write) -> serde_json::Result<()> {
        serde_json::to_writer(out, &self.content())
    }

    fn content(&self) -> Content<'_> {
        Content {
            format: &self.format,
            format_version: self.format_version,
            kind: self.kind,
            plan: &self.plan,
            units: self.units.as_deref(),
            unit_code: &self.unit_code,
            device_id: &self.device_id,
            seq: self.seq,
            created_at: self.created_at,
            signer: self.signer.as_deref(),
            records: Records {
                version: self.format_version,
                list: &self.records,
            },
            assessments: self.has_entries().then_some(&self.assessments[..]),
            submissions: self.has_entries().then_some(&self.submissions[..]),
            comments: self.has_entries().then_some(&self.comments[..]),
        }
    }

    /// Whether its version carries `assessments`, `submissions` and
    /// `comments`.
    fn has_entries(&self) -> bool {
        self.format_version >= ENTRIES_SINCE
    }

    /// What a batch's signature covers: the SHA-256 digest of `canonical()`
    /// (the 32 bytes `sha256` spells in hex), so that checking a signature
    /// costs the same for any size of batch.
    pub fn signing_message(&self) -> [u8; 32] {
        self.canonical_digest()
    }

    /// The signature the device made over `signing_message()`.
    pub fn attach_signature(&mut self, signature: String) {
        self.signature = Some(signature);
    }

    /// Seal and sign with a key held in memory (tests, and browsers without
    /// Ed25519 in WebCrypto).
    pub fn sign_with(mut self, key: &crate::signature::DeviceKey) -> Batch {
        let sig = key.sign(&self.signing_message());
        self.attach_signature(sig);
        self
    }

    /// The unit dataset this batch's codes belong to.
    pub fn units_id(&self) -> &str {
        self.units.as_deref().unwrap_or(V1_UNITS)
    }

    pub fn content_hash(&self) -> String {
        hex(&self.canonical_digest())
    }

    /// The file's text (indented for people; the hash does not depend on it).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("batches serialise")
    }

    /// papi-<unit>-<seq>-<yyyymmdd>.json (a backup: papi-<unit>-saoluu-...).
    pub fn file_name(&self) -> String {
        let day = format_iso(vn_date(self.created_at)).replace('-', "");
        match self.kind {
            BatchKind::Changes => format!("papi-{}-{}-{day}.json", self.unit_code, self.seq),
            BatchKind::Backup => format!("papi-{}-saoluu-{day}.json", self.unit_code),
        }
    }

    /// The key that names this batch for a receiver: unit, device, sequence.
    pub fn key(&self) -> BatchKey {
        BatchKey {
            unit_code: self.unit_code.clone(),
            device_id: self.device_id.clone(),
            seq: self.seq,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BatchKey {
    pub unit_code: String,
    pub device_id: String,
    pub seq: u64,
}

impl fmt::Display for BatchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.unit_code, self.device_id, self.seq)
    }
}

use crate::signature::hex;

/// Why a batch file is refused. Each message names the problem; the caller
/// adds the file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    TooLarge {
        len: usize,
        max: usize,
    },
    Empty,
    /// Another kind of file, known by its first bytes (say, a spreadsheet
    /// picked by mistake): what it looks like.
    Foreign(&'static str),
    NotUtf8,
    NotJson {
        line: usize,
        column: usize,
    },
    Truncated,
    /// JSON, but not a PAPI Tracker batch (or a malformed one).
    NotABatch(String),
    /// A batch of a newer format version than this build reads: refused
    /// until the app is updated, never for good (`too_new`).
    NewerVersion(u32),
    /// The same, of a bundle.
    NewerBundle(u32),
    /// The batch names a plan the receiver does not follow: its plan id,
    /// and its unit (dataset and code) for `message_in_vi`.
    OtherPlan {
        id: String,
        units: String,
        unit_code: String,
    },
    HashMismatch {
        stated: String,
        actual: String,
    },
    UnknownUnit(String),
    BadHeader(String),
    DuplicateRecord(Uuid),
    RecordUnit {
        id: Uuid,
        unit_code: String,
    },
    RecordInvalid {
        id: Uuid,
        errors: Vec<FieldError>,
    },
    RecordDates {
        id: Uuid,
        problem: String,
    },
    /// Text fields with spaces the app would have trimmed: not what the app
    /// writes.
    RecordNotNormalized(Uuid),
    /// One batch of a bundle is bad: the whole bundle is refused.
    InBundle {
        position: usize,
        error: Box<BatchError>,
    },
    /// Sealed after the receiver's today (beyond a day of clock skew).
    FromTheFuture {
        created: NaiveDate,
        today: NaiveDate,
    },
    /// A text of the batch's header (`field` is its Vietnamese name).
    HeaderText {
        field: &'static str,
        problem: TextProblem,
    },
    /// A text of one record.
    RecordText {
        id: Uuid,
        field: &'static str,
        problem: TextProblem,
    },
    SeqTooLarge(u64),
    RevisionTooLarge {
        id: Uuid,
        revision: u32,
    },
    /// A bundle's sender is not a unit that forwards batches.
    BundleSender(String),
    /// The batch's codes belong to another unit dataset than the
    /// receiver's (another province, or the other side of a reform).
    OtherUnits {
        id: String,
        ours: String,
        unit_code: String,
    },
    /// A version 2 batch without its signer or signature, or a version 1
    /// batch with version 2's fields.
    SignatureMissing,
    /// The signature does not hold: refused.
    BadSignature(crate::signature::SignatureError),
    /// A batch inside a bundle is signed by another key than the bundle.
    BundleSigner {
        position: usize,
    },
    /// A bundle carries a batch of a unit its sender does not collect.
    BundleForeignUnit {
        position: usize,
        unit_code: String,
        from: String,
    },
    /// A record's evidence files: too many, or one of them (named) wrong.
    RecordFiles {
        id: Uuid,
        problem: crate::evidence::FileProblem,
    },
    /// A unit entry (`what`: "đánh giá", "lần gửi báo cáo", "ý kiến";
    /// `key`: "kỳ 2026", "mã …") is wrong.
    Entry {
        what: &'static str,
        key: String,
        problem: String,
    },
    /// Unit entries not in the order of their keys, or one twice.
    EntryOrder {
        what: &'static str,
        key: String,
        twice: bool,
    },
}

impl BatchError {
    /// The format version of a batch (or bundle) refused only because this
    /// build is older than the one that made it: such a batch is kept and
    /// tried again once the app is updated, never refused for good
    /// (docs/batch-format.md, "Versions"; `pull::Fate`).
    pub fn too_new(&self) -> Option<u32> {
        match self {
            BatchError::NewerVersion(v) | BatchError::NewerBundle(v) => Some(*v),
            BatchError::InBundle { error, .. } => error.too_new(),
            _ => None,
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            BatchError::TooLarge { len, max } => format!(
                "tệp quá lớn ({} MB, tối đa {} MB): không phải một lô dữ liệu.",
                len / 1_000_000,
                max / 1_000_000
            ),
            BatchError::Empty => "tệp rỗng.".into(),
            BatchError::Foreign(kind) => format!(
                "đây là {kind}, không phải tệp lô dữ liệu. Tệp lô là tệp .json do ứng dụng xuất (papi-….json)."
            ),
            BatchError::NotUtf8 => "tệp không phải văn bản UTF-8 (không phải tệp JSON).".into(),
            BatchError::NotJson { line, column } => {
                format!("tệp không phải JSON hợp lệ (lỗi ở dòng {line}, cột {column}): tệp bị hỏng, hoặc không phải tệp lô do ứng dụng xuất.")
            }
            BatchError::Truncated => "tệp JSON bị cắt cụt (thiếu phần cuối): hãy lấy lại tệp gốc.".into(),
            BatchError::NotABatch(why) => {
                format!("tệp không phải lô dữ liệu của Theo dõi PAPI ({why}).")
            }
            BatchError::NewerVersion(v) => format!(
                "lô được tạo bằng phiên bản định dạng {v}, mới hơn ứng dụng này (phiên bản {BATCH_VERSION}): hãy cập nhật ứng dụng rồi nhập lại."
            ),
            BatchError::NewerBundle(v) => format!(
                "gói được tạo bằng phiên bản định dạng gói {v}, mới hơn ứng dụng này (phiên bản {BUNDLE_VERSION}): hãy cập nhật ứng dụng rồi nhập lại."
            ),
            BatchError::OtherPlan { id, .. } => {
                format!("lô thuộc kế hoạch khác (\"{id}\"), không phải kế hoạch đang theo dõi.")
            }
            BatchError::HashMismatch { .. } => {
                "mã kiểm tra (SHA-256) không khớp nội dung: tệp đã bị sửa hoặc hỏng sau khi xuất.".into()
            }
            BatchError::UnknownUnit(c) => format!("mã đơn vị \"{c}\" không có trong danh mục đơn vị hành chính."),
            BatchError::BadHeader(why) => format!("phần đầu lô không hợp lệ: {why}."),
            BatchError::DuplicateRecord(id) => format!("hoạt động {id} xuất hiện hai lần trong lô."),
            BatchError::RecordUnit { id, unit_code } => format!(
                "hoạt động {id} ghi đơn vị \"{unit_code}\", khác đơn vị của lô."
            ),
            BatchError::RecordInvalid { id, errors } => format!(
                "hoạt động {id} không hợp lệ: {}",
                errors.iter().map(|e| e.message_vi()).collect::<Vec<_>>().join(" ")
            ),
            BatchError::RecordDates { id, problem } => {
                format!("hoạt động {id} có ngày giờ không hợp lệ: {problem}.")
            }
            BatchError::RecordNotNormalized(id) => format!(
                "hoạt động {id} có nội dung chưa chuẩn hóa (khoảng trắng thừa ở đầu hoặc cuối): lô không do ứng dụng tạo ra."
            ),
            BatchError::InBundle { position, error } => format!(
                "lô thứ {position} trong gói bị từ chối nên cả gói không được nhập: {}",
                error.message_vi()
            ),
            BatchError::HeaderText { field, problem } => {
                format!("phần đầu lô không hợp lệ: {}.", problem.message_vi(field))
            }
            BatchError::RecordText { id, field, problem } => {
                format!("hoạt động {id} không hợp lệ: {}.", problem.message_vi(field))
            }
            BatchError::SeqTooLarge(seq) => format!(
                "số thứ tự lô {seq} vượt quá giới hạn {MAX_SEQ}: lô không do ứng dụng tạo ra."
            ),
            BatchError::RevisionTooLarge { id, revision } => format!(
                "hoạt động {id} có số phiên bản {revision}, vượt quá giới hạn {MAX_REVISION}: lô không do ứng dụng tạo ra."
            ),
            BatchError::BundleSender(from) => format!(
                "gói ghi đơn vị gửi \"{from}\", không phải huyện hay tỉnh trong danh mục: chỉ huyện và Sở Nội vụ gửi gói."
            ),
            BatchError::BundleForeignUnit {
                position,
                unit_code,
                from,
            } => format!(
                "lô thứ {position} trong gói là của đơn vị \"{unit_code}\", không thuộc đơn vị gửi gói \"{from}\": cả gói không được nhập."
            ),
            BatchError::OtherUnits { id, ours, .. } => format!(
                "lô ghi mã đơn vị theo danh mục \"{id}\", khác danh mục đơn vị đang dùng (\"{ours}\"): mã đơn vị chỉ có nghĩa trong danh mục của nó."
            ),
            BatchError::SignatureMissing => "lô định dạng phiên bản 2 phải có khóa công khai và chữ ký của thiết bị (phiên bản 1 thì không có): lô không do ứng dụng tạo ra.".into(),
            BatchError::BadSignature(e) => format!(
                "chữ ký số không hợp lệ ({}): không nhập.",
                e.message_vi()
            ),
            BatchError::BundleSigner { position } => format!(
                "lô thứ {position} trong gói không do thiết bị đã ký gói ký: cả gói không được nhập."
            ),
            BatchError::RecordFiles { id, problem } => {
                format!("hoạt động {id} không hợp lệ: {}", problem.message_vi())
            }
            BatchError::Entry { what, key, problem } => {
                format!("{what} {key} không hợp lệ: {problem}.")
            }
            BatchError::EntryOrder {
                what,
                key,
                twice: true,
            } => format!("{what} {key} xuất hiện hai lần trong lô."),
            BatchError::EntryOrder { what, key, .. } => format!(
                "danh sách {what} không theo thứ tự (ở {key}): lô không do ứng dụng tạo ra."
            ),
            BatchError::FromTheFuture { created, today } => format!(
                "lô ghi ngày tạo {} sau hôm nay ({}): đồng hồ của máy đã xuất lô hoặc của máy này bị sai.",
                format_vn(*created),
                format_vn(*today)
            ),
        }
    }
}

/// What a file that is not a batch most likely is, from its first bytes:
/// the files an office picks by mistake.
fn foreign_kind(bytes: &[u8]) -> Option<&'static str> {
    const KINDS: [(&[u8], &str); 6] = [
        (
            b"PK\x03\x04",
            "tệp Excel, Word hoặc tệp nén (.xlsx, .docx, .zip)",
        ),
        (
            b"\xD0\xCF\x11\xE0",
            "tệp Excel hoặc Word đời cũ (.xls, .doc)",
        ),
        (b"%PDF", "tệp PDF"),
        (b"\x89PNG", "ảnh PNG"),
        (b"\xFF\xD8\xFF", "ảnh JPEG"),
        (b"Rar!", "tệp nén RAR"),
    ];
    KINDS
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, kind)| *kind)
}

/// serde_json's description of a wrong shape, in Vietnamese, with where.
fn shape_vi(e: &serde_json::Error) -> String {
    let text = e.to_string();
    // serde_json appends " at line L column C"; say it in Vietnamese instead.
    let what = text.split(" at line ").next().unwrap_or(&text);
    let quoted = |s: &str| s.split('`').nth(1).unwrap_or("").to_string();
    let vi = if what.starts_with("missing field") {
        format!("thiếu trường {}", quoted(what))
    } else if what.starts_with("unknown field") {
        format!("có trường lạ {}", quoted(what))
    } else if what.starts_with("duplicate field") {
        format!("trường {} xuất hiện hai lần", quoted(what))
    } else if what.starts_with("invalid type") || what.starts_with("invalid value") {
        "một trường có giá trị sai kiểu".to_string()
    } else if what.starts_with("invalid length") {
        "một danh sách có số phần tử sai".to_string()
    } else if what.starts_with("unknown variant") {
        format!("giá trị lạ {}", quoted(what))
    } else if what.is_ascii() {
        "cấu trúc không đúng".to_string()
    } else {
        // Our own deserialisers already speak Vietnamese.
        what.to_string()
    };
    format!("{vi}, ở dòng {}, cột {}", e.line(), e.column())
}

#[derive(Deserialize)]
struct Probe {
    format: Option<serde_json::Value>,
    format_version: Option<serde_json::Value>,
}

/// An `io::Write` into a SHA-256.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Parse and check a batch file: size, JSON, format and version, plan, the
/// hash, the unit, and every record (same rules as the app's form, plus the
/// record's own bookkeeping). Used unchanged by the app and the server.
pub fn parse(
    bytes: &[u8],
    plan: &Plan,
    units: &Units,
    now: DateTime<Utc>,
) -> Result<Batch, BatchError> {
    parse_reading(bytes, plan, units, now, BATCH_VERSION)
}

/// `parse` by a build that reads format versions up to `reads`: this
/// build's `BATCH_VERSION`, or an older build's in tests (`pull`).
pub(crate) fn parse_reading(
    bytes: &[u8],
    plan: &Plan,
    units: &Units,
    now: DateTime<Utc>,
    reads: u32,
) -> Result<Batch, BatchError> {
    parse_resolving(bytes, |_| Some((plan, units)), now, reads)
}

/// `parse` against the plan the batch names, of the plans a catalogue
/// holds (its exact version, else the plan's latest), and the units that
/// record against it.
pub fn parse_in(
    bytes: &[u8],
    catalogue: &crate::catalogue::Catalogue,
    now: DateTime<Utc>,
) -> Result<Batch, BatchError> {
    parse_resolving(
        bytes,
        |r| {
            let plan = catalogue.plan_for(&r.id, &r.version)?;
            Some((plan, catalogue.units_for(plan)?))
        },
        now,
        BATCH_VERSION,
    )
}

/// `parse`, with the plan and units found from the batch's plan reference.
fn parse_resolving<'c>(
    bytes: &[u8],
    resolve: impl FnOnce(&PlanRef) -> Option<(&'c Plan, &'c Units)>,
    now: DateTime<Utc>,
    reads: u32,
) -> Result<Batch, BatchError> {
    if bytes.len() > MAX_BATCH_BYTES {
        return Err(BatchError::TooLarge {
            len: bytes.len(),
            max: MAX_BATCH_BYTES,
        });
    }
    if let Some(kind) = foreign_kind(bytes) {
        return Err(BatchError::Foreign(kind));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| BatchError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(BatchError::Empty);
    }
    let json_err = |e: serde_json::Error| {
        if e.is_eof() {
            BatchError::Truncated
        } else if e.is_syntax() {
            BatchError::NotJson {
                line: e.line(),
                column: e.column(),
            }
        } else {
            BatchError::NotABatch(shape_vi(&e))
        }
    };
    // Read the format fields first, so a newer version is named as such
    // rather than as whatever field it no longer has.
    let probe: Probe = match serde_json::from_str(text) {
        Ok(p) => p,
        Err(e) if e.is_data() => {
            return Err(BatchError::NotABatch(
                "không phải một đối tượng JSON".into(),
            ))
        }
        Err(e) => return Err(json_err(e)),
    };
    match probe.format.as_ref().and_then(|f| f.as_str()) {
        Some(BATCH_FORMAT) => {}
        Some(other) => {
            return Err(BatchError::NotABatch(format!(
                "định dạng \"{}\"",
                other.chars().take(60).collect::<String>()
            )))
        }
        None => return Err(BatchError::NotABatch("thiếu trường format".into())),
    }
    match probe.format_version.as_ref().and_then(|v| v.as_u64()) {
        Some(v) if v > reads as u64 => {
            return Err(BatchError::NewerVersion(v.min(u32::MAX as u64) as u32))
        }
        Some(v) if v >= 1 => {}
        _ => return Err(BatchError::NotABatch("format_version không hợp lệ".into())),
    }
    let batch: Batch = serde_json::from_str(text).map_err(json_err)?;
    let Some((plan, units)) = resolve(&batch.plan) else {
        return Err(BatchError::other_plan(&batch));
    };
    check(&batch, plan, units, now)?;
    Ok(batch)
}

/// The checks on an already-parsed batch.
pub fn check(b: &Batch, plan: &Plan, units: &Units, now: DateTime<Utc>) -> Result<(), BatchError> {
    if b.plan.id != plan.id {
        return Err(BatchError::other_plan(b));
    }
    check_header_texts(b)?;
    if b.seq > MAX_SEQ {
        return Err(BatchError::SeqTooLarge(b.seq));
    }
    if b.units_id() != units.id {
        return Err(BatchError::other_units(b, units));
    }
    // One serialisation and one digest for the hash and the signature.
    let digest = b.canonical_digest();
    let actual = hex(&digest);
    if actual != b.sha256 {
        return Err(BatchError::HashMismatch {
            stated: b.sha256.chars().take(64).collect(),
            actual,
        });
    }
    check_signature(b, &digest)?;
    let Some(unit) = units.get(&b.unit_code) else {
        return Err(BatchError::UnknownUnit(
            b.unit_code.chars().take(20).collect(),
        ));
    };
    if b.device_id.trim().is_empty() {
        return Err(BatchError::BadHeader(
            "mã thiết bị trống hoặc quá dài".into(),
        ));
    }
    match (b.kind, b.seq) {
        (BatchKind::Changes, 0) => {
            return Err(BatchError::BadHeader(
                "số thứ tự lô phải từ 1 trở lên".into(),
            ))
        }
        (BatchKind::Backup, s) if s != 0 => {
            return Err(BatchError::BadHeader(
                "bản sao lưu phải có số thứ tự 0".into(),
            ))
        }
        _ => {}
    }
    if vn_date(b.created_at) < plan.records_from() {
        return Err(BatchError::BadHeader(format!(
            "ngày tạo lô {} trước ngày ban hành Kế hoạch",
            format_vn(vn_date(b.created_at))
        )));
    }
    // A clock may run a day ahead of the receiver's; more is not a real date.
    if b.created_at > now + Duration::days(1) {
        return Err(BatchError::FromTheFuture {
            created: vn_date(b.created_at),
            today: vn_date(now),
        });
    }
    // A device clock may run a little ahead of the one that sealed.
    let latest = b.created_at + Duration::days(1);
    let today = latest.date_naive();
    let mut seen = HashSet::with_capacity(b.records.len());
    for r in &b.records {
        if !seen.insert(r.id) {
            return Err(BatchError::DuplicateRecord(r.id));
        }
        if r.unit_code != b.unit_code {
            return Err(BatchError::RecordUnit {
                id: r.id,
                unit_code: r.unit_code.chars().take(20).collect(),
            });
        }
        check_record_texts(r, b.format_version)?;
        crate::evidence::check(&r.fields.files)
            .map_err(|problem| BatchError::RecordFiles { id: r.id, problem })?;
        if r.revision > MAX_REVISION {
            return Err(BatchError::RevisionTooLarge {
                id: r.id,
                revision: r.revision,
            });
        }
        check_record_times(r, plan.records_from(), latest)?;
        let cx = Context {
            plan,
            unit,
            today,
            successor: units.successor(&unit.code),
            retired_tasks: true,
        };
        let draft = r.to_draft();
        match validate(&draft, &cx) {
            Ok(c) if c.fields == r.fields => {}
            Ok(_) => return Err(BatchError::RecordNotNormalized(r.id)),
            Err(errors) => return Err(BatchError::RecordInvalid { id: r.id, errors }),
        }
        if r.fields.date > max_activity_date(today) {
            return Err(BatchError::RecordDates {
                id: r.id,
                problem: format!(
                    "ngày hoạt động {} quá xa trong tương lai",
                    format_vn(r.fields.date)
                ),
            });
        }
    }
    check_unit_entries(b, plan.records_from(), latest)
}

/// The unit's entries beside its records (version 3): none below it; each
/// valid by its declaration, sorted by key with none twice, and made
/// between the plan and the batch's time.
fn check_unit_entries(b: &Batch, from: NaiveDate, latest: DateTime<Utc>) -> Result<(), BatchError> {
    let any = !b.assessments.is_empty() || !b.submissions.is_empty() || !b.comments.is_empty();
    if any && !b.has_entries() {
        return Err(BatchError::NotABatch(format!(
            "có đánh giá, lần gửi báo cáo hoặc ý kiến, không có trong định dạng phiên bản {}",
            b.format_version
        )));
    }
    check_entries(&b.assessments, from, latest)?;
    check_entries(&b.submissions, from, latest)?;
    check_entries(&b.comments, from, latest)
}

fn check_entries<T: Declared>(
    list: &[T],
    from: NaiveDate,
    latest: DateTime<Utc>,
) -> Result<(), BatchError> {
    let mut prev: Option<T::Key> = None;
    for e in list {
        let key = e.key();
        let named = || format!("{} {key}", T::KEY_VI);
        if let Some(p) = prev.as_ref().filter(|p| **p >= key) {
            return Err(BatchError::EntryOrder {
                what: T::NAME_VI,
                key: named(),
                twice: *p == key,
            });
        }
        let entry = |problem: String| BatchError::Entry {
            what: T::NAME_VI,
            key: named(),
            problem,
        };
        crate::declared::check(e).map_err(|i| entry(i.message_vi()))?;
        if vn_date(e.time()) < from {
            return Err(entry(format!(
                "ghi lúc {} trước ngày ban hành Kế hoạch",
                format_vn(vn_date(e.time()))
            )));
        }
        if e.time() > latest {
            return Err(entry(format!(
                "ghi lúc {} sau ngày tạo lô",
                format_vn(vn_date(e.time()))
            )));
        }
        prev = Some(key);
    }
    Ok(())
}

/// Version 2: signed by the key it names, over the digest the hash spells.
/// Version 1: none of version 2's fields (it is then "unsigned").
fn check_signature(b: &Batch, digest: &[u8]) -> Result<(), BatchError> {
    match (b.format_version, &b.units, &b.signer, &b.signature) {
        (1, None, None, None) => Ok(()),
        (1, ..) => Err(BatchError::SignatureMissing),
        (_, Some(_), Some(signer), Some(signature)) => {
            crate::signature::verify(signer, digest, signature).map_err(BatchError::BadSignature)
        }
        _ => Err(BatchError::SignatureMissing),
    }
}

/// The header's texts: bounded, NFC, no control or bidi characters.
fn check_header_texts(b: &Batch) -> Result<(), BatchError> {
    let fields = [
        (
            "Phiên bản kế hoạch",
            &b.plan.version,
            text::MAX_PLAN_VERSION,
        ),
        ("Mã đơn vị", &b.unit_code, text::MAX_UNIT_CODE),
        ("Mã thiết bị", &b.device_id, text::MAX_DEVICE_ID),
    ];
    for (field, value, max) in fields {
        text::check(value, max, false)
            .map_err(|problem| BatchError::HeaderText { field, problem })?;
    }
    Ok(())
}

/// A record's texts (`record::FIELDS`): the same bounds as the form, and
/// NFC, no control character (a line break only where the field takes
/// several lines), no bidi character; and none of a field the batch's
/// version does not have.
fn check_record_texts(r: &Activity, version: u32) -> Result<(), BatchError> {
    for f in crate::record::Field::all() {
        let spec = f.spec();
        let Some(value) = crate::record::text_of(r, f) else {
            continue;
        };
        text::check(value, spec.max, spec.multiline).map_err(|problem| BatchError::RecordText {
            id: r.id,
            field: spec.label_vi,
            problem,
        })?;
    }
    match crate::record::beyond(version, &r.fields) {
        Some(f) => Err(BatchError::NotABatch(format!(
            "hoạt động {} có trường {}, không có trong định dạng phiên bản {version}",
            r.id,
            f.spec().wire
        ))),
        None => Ok(()),
    }
}

/// A planned activity may lie ahead, but not beyond the end of next year.
fn max_activity_date(today: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).unwrap_or(today)
}

fn check_record_times(
    r: &Activity,
    plan_date: NaiveDate,
    latest: DateTime<Utc>,
) -> Result<(), BatchError> {
    let problem = if r.revision == 0 {
        Some("số phiên bản phải từ 1 trở lên".to_string())
    } else if vn_date(r.created_at) < plan_date {
        Some(format!(
            "tạo lúc {} trước ngày ban hành Kế hoạch",
            format_vn(vn_date(r.created_at))
        ))
    } else if r.updated_at < r.created_at {
        Some("sửa trước khi tạo".into())
    } else if r.updated_at > latest {
        Some(format!(
            "sửa lúc {} sau ngày tạo lô",
            format_vn(vn_date(r.updated_at))
        ))
    } else if r.device_id.trim().is_empty() {
        Some("thiếu mã thiết bị".into())
    } else {
        None
    };
    match problem {
        Some(problem) => Err(BatchError::RecordDates { id: r.id, problem }),
        None => Ok(()),
    }
}

/// A device's sending state for one unit: the next sequence number and, per
/// record, the revision last sealed into a batch; the same per key for the
/// unit's assessments, submissions and comments (an outbox of an older
/// release has none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbox {
    pub unit_code: String,
    pub next_seq: u64,
    pub sealed: BTreeMap<Uuid, u32>,
    #[serde(default, with = "crate::dates::serde_opt_instant")]
    pub last_sealed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sealed_assessments: BTreeMap<ReviewPeriod, u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sealed_submissions: BTreeMap<ReviewPeriod, u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sealed_comments: BTreeMap<Uuid, u32>,
}

/// The entries changed since they were last sealed (`sealed`: per key,
/// the revision sealed).
fn pending_entries<T: Declared + Clone>(sealed: &BTreeMap<T::Key, u32>, list: &[T]) -> Vec<T> {
    list.iter()
        .filter(|e| sealed.get(&e.key()).is_none_or(|&rev| e.revision() > rev))
        .cloned()
        .collect()
}

/// Note each entry's revision as sealed.
fn mark_sealed<T: Declared>(sealed: &mut BTreeMap<T::Key, u32>, list: &[T]) {
    for e in list {
        sealed.insert(e.key(), e.revision());
    }
}

impl Outbox {
    pub fn new(unit_code: &str) -> Outbox {
        Outbox {
            unit_code: unit_code.into(),
            next_seq: 1,
            ..Default::default()
        }
    }

    /// Records of this unit changed since they were last sealed.
    pub fn pending<'a>(&self, records: &'a [Activity]) -> Vec<&'a Activity> {
        records
            .iter()
            .filter(|r| r.unit_code == self.unit_code)
            .filter(|r| self.sealed.get(&r.id).is_none_or(|&rev| r.revision > rev))
            .collect()
    }

    /// Everything of this unit changed since it was last sealed: records,
    /// assessments, submissions and comments.
    pub fn pending_all(&self, held: Holding) -> Sealed {
        Sealed {
            records: self.pending(held.records).into_iter().cloned().collect(),
            assessments: pending_entries(&self.sealed_assessments, held.assessments),
            submissions: pending_entries(&self.sealed_submissions, held.submissions),
            comments: pending_entries(&self.sealed_comments, held.comments),
        }
    }

    /// Seal the pending changes into the next batch; `None` when nothing is
    /// pending. Returns the batch and the outbox after it.
    pub fn seal_next(&self, held: Holding, h: &Header) -> Option<(Batch, Outbox)> {
        let pending = self.pending_all(held);
        // Checked: past the ceiling nothing more is numbered (a receiver
        // would refuse it); a backup still carries every record.
        let after = self
            .next_seq
            .checked_add(1)
            .filter(|_| self.next_seq <= MAX_SEQ);
        if pending.is_empty() || after.is_none() {
            return None;
        }
        let mut next = self.clone();
        for r in &pending.records {
            next.sealed.insert(r.id, r.revision);
        }
        mark_sealed(&mut next.sealed_assessments, &pending.assessments);
        mark_sealed(&mut next.sealed_submissions, &pending.submissions);
        mark_sealed(&mut next.sealed_comments, &pending.comments);
        let batch = Batch::seal(h, BatchKind::Changes, self.next_seq, pending);
        next.next_seq = after?;
        next.last_sealed_at = Some(h.created_at);
        Some((batch, next))
    }

    /// When unexported changes have waited `REMIND_AFTER_DAYS` or longer:
    /// how many, and since when (the oldest change).
    pub fn reminder(&self, records: &[Activity], now: DateTime<Utc>) -> Option<Reminder> {
        let pending = self.pending(records);
        let since = pending.iter().map(|r| r.updated_at).min()?;
        (now - since >= Duration::days(REMIND_AFTER_DAYS)).then_some(Reminder {
            count: pending.len(),
            since,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub count: usize,
    pub since: DateTime<Utc>,
}

/// Sealed batches that have no copy off this device (never downloaded and
/// never confirmed by a server), the oldest `REMIND_AFTER_DAYS` or more:
/// automatic sync seals changes, so when the server cannot be reached they
/// sit in batches that only this browser holds. Each item is a batch's
/// sealing time and whether a copy of it exists elsewhere.
pub fn uncopied_reminder(
    batches: impl IntoIterator<Item = (DateTime<Utc>, bool)>,
    now: DateTime<Utc>,
) -> Option<Reminder> {
    let waiting: Vec<DateTime<Utc>> = batches
        .into_iter()
        .filter(|(_, copied)| !copied)
        .map(|(at, _)| at)
        .collect();
    let since = waiting.iter().min().copied()?;
    (now - since >= Duration::days(REMIND_AFTER_DAYS)).then_some(Reminder {
        count: waiting.len(),
        since,
    })
}

/// The `format` of a bundle: what a district forwards to the province.
pub const BUNDLE_FORMAT: &str = "papi-tracker.bundle";

/// Many sealed batches in one file: a district forwards everything it holds
/// (one backup batch per unit, each sealed, signed and checked on its own;
/// version 2 signs the bundle too, by the same key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format: String,
    pub format_version: u32,
    /// The unit that made the bundle (a district).
    pub from: String,
    /// The unit dataset of `from` and of every batch (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<String>,
    #[serde(with = "serde_canonical_instant")]
    pub created_at: DateTime<Utc>,
    /// The sending device's public key (version 2); every batch inside is
    /// signed by it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    pub batches: Vec<Batch>,
    /// Signature over `canonical()` (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// Put each entry of `plan` into its unit's content, in the list `list`
/// picks.
fn sort_into<'a, T: crate::merge::Entry>(
    by_unit: &mut BTreeMap<&'a str, Sealed>,
    plan: &str,
    held: &'a BTreeMap<crate::merge::EntryKey<T::Key>, T>,
    list: impl Fn(&mut Sealed) -> &mut Vec<T>,
) {
    for (k, e) in held.iter().filter(|(k, _)| k.plan_id == plan) {
        list(by_unit.entry(k.unit_code.as_str()).or_default()).push(e.clone());
    }
}

/// What a bundle's signature covers: its header and the hash of each batch,
/// in order (each batch's own signature covers its content).
#[derive(Serialize)]
struct BundleContent<'a> {
    format: &'a str,
    format_version: u32,
    from: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    units: Option<&'a str>,
    #[serde(with = "serde_canonical_instant")]
    created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signer: Option<&'a str>,
    batches: Vec<&'a str>,
}

impl Bundle {
    /// Seal the records and period entries held by a district into one
    /// backup batch per unit (`h.unit_code` is the sender; the entries of
    /// `h.plan`). Not yet signed: see `sign_with`, or sign each batch's and
    /// then the bundle's `canonical()`.
    pub fn seal<'a>(
        h: &Header,
        records: impl IntoIterator<Item = &'a Activity>,
        entries: &Entries,
    ) -> Bundle {
        let mut by_unit: BTreeMap<&str, Sealed> = BTreeMap::new();
        for r in records {
            let unit = by_unit.entry(r.unit_code.as_str()).or_default();
            unit.records.push(r.clone());
        }
        let plan = h.plan.id.as_str();
        sort_into(&mut by_unit, plan, &entries.assessments, |s| {
            &mut s.assessments
        });
        sort_into(&mut by_unit, plan, &entries.submissions, |s| {
            &mut s.submissions
        });
        sort_into(&mut by_unit, plan, &entries.comments, |s| &mut s.comments);
        let batches = by_unit
            .into_iter()
            .map(|(unit, content)| {
                let inner = Header {
                    unit_code: unit,
                    ..*h
                };
                Batch::seal(&inner, BatchKind::Backup, 0, content)
            })
            .collect();
        Bundle {
            format: BUNDLE_FORMAT.into(),
            format_version: BUNDLE_VERSION,
            from: h.unit_code.into(),
            units: Some(h.units.into()),
            created_at: h.created_at,
            signer: Some(h.signer.into()),
            batches,
            signature: None,
        }
    }

    /// The bytes the bundle's signature covers.
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(&BundleContent {
            format: &self.format,
            format_version: self.format_version,
            from: &self.from,
            units: self.units.as_deref(),
            created_at: self.created_at,
            signer: self.signer.as_deref(),
            batches: self.batches.iter().map(|b| b.sha256.as_str()).collect(),
        })
        .expect("bundles serialise")
    }

    /// Sign every batch, then the bundle, with a key held in memory.
    pub fn sign_with(mut self, key: &crate::signature::DeviceKey) -> Bundle {
        self.batches = std::mem::take(&mut self.batches)
            .into_iter()
            .map(|b| b.sign_with(key))
            .collect();
        self.signature = Some(key.sign(&self.canonical()));
        self
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("bundles serialise")
    }

    pub fn file_name(&self) -> String {
        let day = format_iso(vn_date(self.created_at)).replace('-', "");
        format!("papi-{}-goi-{day}.json", self.from)
    }
}

/// Who signed a file, as `parse_file` found it: the key and the unit and
/// device it speaks for (a bundle's sender, or a batch's unit). The
/// receiver's keyring (`trust`) decides what it is worth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The unit dataset `unit_code` belongs to (GSO reuses codes).
    pub units: String,
    pub unit_code: String,
    pub device_id: String,
    /// `None`: a version 1 file, unsigned.
    pub signer: Option<String>,
}

/// A file's batches and who signed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    pub batches: Vec<Batch>,
    pub origin: Origin,
}

/// A file that may hold one batch or a bundle of them. One batch that does
/// not parse or check refuses its whole bundle, and the message says which
/// one and why. (Batches that parse are then planned one by one: one
/// already imported, say, does not stop the others.)
pub fn parse_file(
    bytes: &[u8],
    plan: &Plan,
    units: &Units,
    now: DateTime<Utc>,
) -> Result<Vec<Batch>, BatchError> {
    parse_signed_file(bytes, plan, units, now).map(|f| f.batches)
}

/// `parse_file`, with who signed the file.
pub fn parse_signed_file(
    bytes: &[u8],
    plan: &Plan,
    units: &Units,
    now: DateTime<Utc>,
) -> Result<ParsedFile, BatchError> {
    let looks_like_bundle = bytes.len() <= MAX_BATCH_BYTES
        && std::str::from_utf8(bytes).is_ok_and(|t| t.contains(BUNDLE_FORMAT));
    if looks_like_bundle {
        let text = std::str::from_utf8(bytes)
            .expect("checked")
            .trim_start_matches('\u{feff}');
        if let Some(parsed) = parse_bundle(text, plan, units, now)? {
            return Ok(parsed);
        }
    }
    let b = parse(bytes, plan, units, now)?;
    let origin = Origin {
        units: b.units_id().to_string(),
        unit_code: b.unit_code.clone(),
        device_id: b.device_id.clone(),
        signer: b.signer.clone(),
    };
    Ok(ParsedFile {
        batches: vec![b],
        origin,
    })
}

/// A bundle's text: `None` when it is not a bundle after all.
fn parse_bundle(
    text: &str,
    plan: &Plan,
    units: &Units,
    now: DateTime<Utc>,
) -> Result<Option<ParsedFile>, BatchError> {
    #[derive(Deserialize)]
    struct BundleProbe<'a> {
        format: Option<String>,
        format_version: Option<u64>,
        from: Option<String>,
        #[serde(borrow)]
        batches: Option<Vec<&'a serde_json::value::RawValue>>,
    }
    let Ok(p) = serde_json::from_str::<BundleProbe>(text) else {
        return Ok(None);
    };
    if p.format.as_deref() != Some(BUNDLE_FORMAT) {
        return Ok(None);
    }
    match p.format_version {
        Some(v) if v > BUNDLE_VERSION as u64 => {
            return Err(BatchError::NewerBundle(v.min(u32::MAX as u64) as u32))
        }
        Some(v) if v >= 1 => {}
        _ => return Err(BatchError::NotABatch("format_version không hợp lệ".into())),
    }
    let list = p
        .batches
        .ok_or_else(|| BatchError::NotABatch("gói không có danh sách lô".into()))?;
    let from = p.from.unwrap_or_default();
    if !units.is_receiver(&from) {
        return Err(BatchError::BundleSender(from.chars().take(40).collect()));
    }
    let batches = list
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            let in_bundle = |e| BatchError::InBundle {
                position: i + 1,
                error: Box::new(e),
            };
            let b = parse(raw.get().as_bytes(), plan, units, now).map_err(in_bundle)?;
            if !units.collects(&from, &b.unit_code) {
                return Err(BatchError::BundleForeignUnit {
                    position: i + 1,
                    unit_code: b.unit_code,
                    from: from.clone(),
                });
            }
            Ok(b)
        })
        .collect::<Result<Vec<Batch>, BatchError>>()?;
    // The header as a whole, now that every batch is known good.
    let mut bundle: Bundle = serde_json::from_str::<BundleHead>(text)
        .map_err(|e| BatchError::NotABatch(shape_vi(&e)))?
        .into_bundle();
    bundle.batches = batches;
    check_bundle_signature(&bundle)?;
    let device_id = bundle
        .batches
        .first()
        .map(|b| b.device_id.clone())
        .unwrap_or_default();
    Ok(Some(ParsedFile {
        origin: Origin {
            units: bundle.units.unwrap_or_else(|| V1_UNITS.to_string()),
            unit_code: bundle.from,
            device_id,
            signer: bundle.signer,
        },
        batches: bundle.batches,
    }))
}

/// A bundle's fields but its batches (parsed one by one before).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BundleHead {
    format: String,
    format_version: u32,
    from: String,
    #[serde(default)]
    units: Option<String>,
    #[serde(with = "serde_canonical_instant")]
    created_at: DateTime<Utc>,
    #[serde(default)]
    signer: Option<String>,
    #[allow(dead_code)]
    batches: serde::de::IgnoredAny,
    #[serde(default)]
    signature: Option<String>,
}

impl BundleHead {
    fn into_bundle(self) -> Bundle {
        Bundle {
            format: self.format,
            format_version: self.format_version,
            from: self.from,
            units: self.units,
            created_at: self.created_at,
            signer: self.signer,
            batches: Vec::new(),
            signature: self.signature,
        }
    }
}

/// Version 2: the bundle and every batch in it signed by one key, in the
/// bundle's unit dataset. Version 1: no signature anywhere.
fn check_bundle_signature(bundle: &Bundle) -> Result<(), BatchError> {
    let (signer, signature) = match (
        bundle.format_version,
        &bundle.units,
        &bundle.signer,
        &bundle.signature,
    ) {
        (1, None, None, None) => {
            // A version 1 bundle of signed batches would hide who signed.
            return match bundle.batches.iter().position(|b| b.signer.is_some()) {
                Some(i) => Err(BatchError::BundleSigner { position: i + 1 }),
                None => Ok(()),
            };
        }
        (1, ..) => return Err(BatchError::SignatureMissing),
        (_, Some(_), Some(signer), Some(signature)) => (signer, signature),
        _ => return Err(BatchError::SignatureMissing),
    };
    if let Some(i) = bundle
        .batches
        .iter()
        .position(|b| b.signer.as_deref() != Some(signer.as_str()) || b.units != bundle.units)
    {
        return Err(BatchError::BundleSigner { position: i + 1 });
    }
    crate::signature::verify(signer, &bundle.canonical(), signature)
        .map_err(BatchError::BadSignature)
}

/// A full backup of the unit's records, assessments, submissions and
/// comments on this device.
pub fn backup(held: Holding, h: &Header) -> Batch {
    let records = held
        .records
        .iter()
        .filter(|r| r.unit_code == h.unit_code)
        .cloned()
        .collect();
    let content = Sealed {
        records,
        assessments: held.assessments.to_vec(),
        submissions: held.submissions.to_vec(),
        comments: held.comments.to_vec(),
    };
    Batch::seal(h, BatchKind::Backup, 0, content)
}

mod recover;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod version_3;
mod worlds;
