//! The activity record's fields, declared once (`FIELDS`): each field's wire
//! name (its key in a batch and in the stored record; its place in the table
//! is its place in the canonical form), its Vietnamese label, its limit and
//! line-break rule, whether it may be empty, and the batch format version
//! that introduced it.
//!
//! Everything that lists the record's fields reads this table: validation
//! and the batch checks, the record's serialisation (stored, and in a batch
//! of each format version), the activity form (its inputs, cleaning, and
//! whether anything was typed), the activity list, and the activities table
//! of the CSV and workbook exports. `core/tests/schema_agrees.rs` holds the
//! JSON Schema and docs/batch-format.md to it, field by field.
//!
//! The texts a person types (`Kind::Typed`) are kept together in `Texts`,
//! so an optional text field is one entry here; docs/batch-format.md
//! ("Versions") says what else a new field takes. The evidence files
//! (`Kind::Files`, format version 3) are a list of references
//! (`evidence::FileRef`), not a text: the form does not type them.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::activity::{Activity, ActivityFields};
use crate::dates;
use crate::evidence::FileRef;
use crate::text;

/// What a field holds, and where `Activity` keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The record's id, a UUID v4 (`Activity::id`).
    Id,
    /// The unit that recorded it (`Activity::unit_code`).
    UnitCode,
    /// The task of the plan it is recorded against (`ActivityFields::task_id`).
    TaskId,
    /// The activity's date, `yyyy-mm-dd` (`ActivityFields::date`).
    Date,
    /// A text the person types in the activity form (`ActivityFields::texts`).
    Typed,
    /// Done or planned (`ActivityFields::status`).
    Status,
    /// Who made the last change (`Activity::author`).
    Author,
    /// The device of the last change (`Activity::device_id`).
    DeviceId,
    /// `Activity::created_at`, `Activity::updated_at`: canonical instants.
    CreatedAt,
    UpdatedAt,
    /// `Activity::revision`: 1 on creation, +1 on every change.
    Revision,
    /// `Activity::deleted`: a tombstone.
    Deleted,
    /// The evidence files a record lists (`ActivityFields::files`): a
    /// list of `evidence::FileRef`, at most `evidence::MAX_FILES`, in the
    /// order of their hashes.
    Files,
}

/// One field of the record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSpec {
    /// Its key in a batch's record and in the stored record.
    pub wire: &'static str,
    /// Its name for people: in messages, the form, the list and the exports.
    pub label_vi: &'static str,
    pub kind: Kind,
    /// For a text: its longest, in characters (0: not a text).
    pub max: usize,
    /// For a text: whether it may hold line breaks (`\n`).
    pub multiline: bool,
    /// For a text: whether it may be empty.
    pub optional: bool,
    /// The batch format version that introduced it. A field of a later
    /// version than 1 is optional (an empty text, an empty list): records
    /// and batches made before it lack it, and it reads as empty there.
    pub since: u32,
    /// What the form adds to its label ("vd: số văn bản").
    pub hint_vi: Option<&'static str>,
    /// Its column's width in the workbook, in characters, when not the
    /// default.
    pub width: Option<f64>,
}

/// A field of `kind` that is not a text.
const fn fixed(wire: &'static str, label_vi: &'static str, kind: Kind) -> FieldSpec {
    FieldSpec {
        wire,
        label_vi,
        kind,
        max: 0,
        multiline: false,
        optional: false,
        since: 1,
        hint_vi: None,
        width: None,
    }
}

/// A one-line text the app fills in, at most `max` characters.
const fn filled(wire: &'static str, label_vi: &'static str, kind: Kind, max: usize) -> FieldSpec {
    FieldSpec {
        max,
        ..fixed(wire, label_vi, kind)
    }
}

/// An optional one-line text the person types, at most `max` characters.
const fn typed(wire: &'static str, label_vi: &'static str, max: usize) -> FieldSpec {
    FieldSpec {
        optional: true,
        ..filled(wire, label_vi, Kind::Typed, max)
    }
}

/// The record's fields, in the canonical order (a batch's record, the
/// stored record). A new field goes at the end, with the next format
/// version as its `since` (docs/batch-format.md, "Versions").
pub const FIELDS: &[FieldSpec] = &[
    fixed("id", "Mã hoạt động", Kind::Id),
    filled(
        "unit_code",
        "Mã đơn vị",
        Kind::UnitCode,
        text::MAX_UNIT_CODE,
    ),
    filled("task_id", "Nhiệm vụ", Kind::TaskId, text::MAX_PLAN_ID),
    fixed("date", "Ngày", Kind::Date),
    FieldSpec {
        optional: false,
        width: Some(40.0),
        ..typed("title", "Tiêu đề", 200)
    },
    FieldSpec {
        multiline: true,
        ..typed("description", "Mô tả", 4000)
    },
    typed("participants", "Thành phần tham gia", 1000),
    FieldSpec {
        hint_vi: Some("vd: số văn bản"),
        ..typed("evidence", "Kết quả / văn bản minh chứng", 500)
    },
    fixed("status", "Trạng thái", Kind::Status),
    FieldSpec {
        optional: true,
        ..filled("author", "Người ghi", Kind::Author, text::MAX_AUTHOR)
    },
    filled(
        "device_id",
        "Mã thiết bị",
        Kind::DeviceId,
        text::MAX_DEVICE_ID,
    ),
    fixed("created_at", "Thời điểm tạo", Kind::CreatedAt),
    fixed("updated_at", "Thời điểm sửa", Kind::UpdatedAt),
    fixed("revision", "Số lần sửa", Kind::Revision),
    fixed("deleted", "Đã xóa", Kind::Deleted),
    FieldSpec {
        optional: true,
        since: 3,
        width: Some(30.0),
        ..fixed("files", "Tệp minh chứng", Kind::Files)
    },
];

const COUNT: usize = FIELDS.len();

/// How many texts a person types (`Kind::Typed`).
pub const TYPED: usize = typed_count();

const fn typed_count() -> usize {
    let (mut i, mut n) = (0, 0);
    while i < COUNT {
        if matches!(FIELDS[i].kind, Kind::Typed) {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Each field's place in `Texts` (typed texts only), and the typed texts in
/// order: looked up on every read and write of a record.
const SLOTS: [Option<u8>; COUNT] = {
    let mut out = [None; COUNT];
    let (mut i, mut n) = (0, 0);
    while i < COUNT {
        if matches!(FIELDS[i].kind, Kind::Typed) {
            out[i] = Some(n);
            n += 1;
        }
        i += 1;
    }
    out
};
const TYPED_FIELDS: [Field; TYPED] = {
    let mut out = [Field(0); TYPED];
    let (mut i, mut n) = (0, 0);
    while i < COUNT {
        if matches!(FIELDS[i].kind, Kind::Typed) {
            out[n] = Field(i as u8);
            n += 1;
        }
        i += 1;
    }
    out
};

/// Every wire name, for serde's "unknown field" message.
static WIRE: [&str; COUNT] = {
    let mut out = [""; COUNT];
    let mut i = 0;
    while i < COUNT {
        out[i] = FIELDS[i].wire;
        i += 1;
    }
    out
};

/// A field of the record: its place in `FIELDS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Field(u8);

impl Field {
    pub const ID: Field = Field::named("id");
    pub const UNIT_CODE: Field = Field::named("unit_code");
    pub const TASK: Field = Field::named("task_id");
    pub const DATE: Field = Field::named("date");
    pub const TITLE: Field = Field::named("title");
    pub const DESCRIPTION: Field = Field::named("description");
    pub const PARTICIPANTS: Field = Field::named("participants");
    pub const EVIDENCE: Field = Field::named("evidence");
    pub const STATUS: Field = Field::named("status");
    pub const AUTHOR: Field = Field::named("author");
    pub const DEVICE_ID: Field = Field::named("device_id");
    pub const FILES: Field = Field::named("files");

    /// The field with this wire name (at compile time: a name not in
    /// `FIELDS` does not build).
    pub const fn named(wire: &str) -> Field {
        let mut i = 0;
        while i < COUNT {
            if same(FIELDS[i].wire, wire) {
                return Field(i as u8);
            }
            i += 1;
        }
        panic!("no such field in record::FIELDS")
    }

    /// The field with this wire name, looked for first at `hint` (the
    /// next one in the canonical order, where it usually is).
    fn find(wire: &str, hint: usize) -> Option<Field> {
        if FIELDS.get(hint).is_some_and(|s| s.wire == wire) {
            return Some(Field(hint as u8));
        }
        FIELDS
            .iter()
            .position(|s| s.wire == wire)
            .map(|i| Field(i as u8))
    }

    pub fn spec(self) -> &'static FieldSpec {
        &FIELDS[self.0 as usize]
    }

    pub fn label_vi(self) -> &'static str {
        self.spec().label_vi
    }

    /// Every field, in the canonical order.
    pub fn all() -> impl Iterator<Item = Field> {
        (0..COUNT).map(|i| Field(i as u8))
    }

    /// The texts a person types, in the form's (and the canonical) order.
    pub fn typed() -> impl Iterator<Item = Field> {
        TYPED_FIELDS.into_iter()
    }

    /// What a person enters in a record, in the canonical order: the texts
    /// typed (`typed`) and the evidence files.
    pub fn entered() -> impl Iterator<Item = Field> {
        Field::all().filter(|f| matches!(f.spec().kind, Kind::Typed | Kind::Files))
    }

    /// The one field of a kind that names a field of `Activity` (not `Typed`).
    fn of(kind: Kind) -> Field {
        Field::all()
            .find(|f| f.spec().kind == kind)
            .expect("every kind has its field")
    }

    /// Its place in `Texts`, for a typed text.
    fn slot(self) -> Option<usize> {
        SLOTS[self.0 as usize].map(usize::from)
    }
}

/// What a person typed: each typed text of `FIELDS` (title, description,
/// …), or empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts([String; TYPED]);

impl Default for Texts {
    fn default() -> Self {
        Texts(std::array::from_fn(|_| String::new()))
    }
}

impl Texts {
    /// A typed text's value (empty when none was typed).
    ///
    /// # Panics
    /// For a field that is not a typed text: a mistake in the caller.
    pub fn get(&self, f: Field) -> &str {
        &self.0[f.slot().expect("a typed text field")]
    }

    /// # Panics
    /// For a field that is not a typed text.
    pub fn set(&mut self, f: Field, value: impl Into<String>) {
        self.0[f.slot().expect("a typed text field")] = value.into();
    }

    /// These texts with `f` set to `value`.
    pub fn with(mut self, f: Field, value: impl Into<String>) -> Texts {
        self.set(f, value);
        self
    }

    /// Each typed text and its value, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Field, &str)> {
        Field::typed().zip(self.0.iter().map(String::as_str))
    }

    /// Every text made from its field and value.
    pub fn map(&self, mut f: impl FnMut(Field, &str) -> String) -> Texts {
        let mut out = Texts::default();
        for (field, value) in self.iter() {
            out.set(field, f(field, value));
        }
        out
    }

    /// Whether anything but spaces was typed in any of them.
    pub fn any(&self) -> bool {
        self.0.iter().any(|s| !s.trim().is_empty())
    }
}

/// The value of a text field of a record (`None`: not a text).
pub fn text_of(r: &Activity, f: Field) -> Option<&str> {
    match f.spec().kind {
        Kind::UnitCode => Some(&r.unit_code),
        Kind::TaskId => Some(&r.fields.task_id),
        Kind::Typed => Some(r.fields.texts.get(f)),
        Kind::Author => Some(&r.author),
        Kind::DeviceId => Some(&r.device_id),
        _ => None,
    }
}

/// The first field a batch of format `version` cannot carry (it came
/// later) that holds something: a text, or a file. Its canonical form
/// leaves the field out, so the hash and the signature would not cover it.
pub fn beyond(version: u32, fields: &ActivityFields) -> Option<Field> {
    let later = |f: &Field| f.spec().since > version;
    let text = fields
        .texts
        .iter()
        .find(|(f, v)| later(f) && !v.is_empty())
        .map(|(f, _)| f);
    text.or_else(|| (!fields.files.is_empty() && later(&Field::FILES)).then_some(Field::FILES))
}

/// A record written with the fields of batch format `version`, in the
/// declaration's order: a batch's record, and its canonical form. With
/// `u32::MAX`, every field: the stored form.
pub(crate) struct Versioned<'a> {
    pub record: &'a Activity,
    pub version: u32,
}

impl Serialize for Versioned<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.record;
        let mut map = s.serialize_map(None)?;
        for f in Field::all().filter(|f| f.spec().since <= self.version) {
            let key = f.spec().wire;
            match f.spec().kind {
                Kind::Id => map.serialize_entry(key, &r.id)?,
                Kind::UnitCode => map.serialize_entry(key, &r.unit_code)?,
                Kind::TaskId => map.serialize_entry(key, &r.fields.task_id)?,
                Kind::Date => map.serialize_entry(key, &dates::format_iso(r.fields.date))?,
                Kind::Typed => map.serialize_entry(key, r.fields.texts.get(f))?,
                Kind::Status => map.serialize_entry(key, &r.fields.status)?,
                Kind::Author => map.serialize_entry(key, &r.author)?,
                Kind::DeviceId => map.serialize_entry(key, &r.device_id)?,
                Kind::CreatedAt => {
                    map.serialize_entry(key, &dates::format_instant(r.created_at))?
                }
                Kind::UpdatedAt => {
                    map.serialize_entry(key, &dates::format_instant(r.updated_at))?
                }
                Kind::Revision => map.serialize_entry(key, &r.revision)?,
                Kind::Deleted => map.serialize_entry(key, &r.deleted)?,
                Kind::Files => map.serialize_entry(key, &r.fields.files)?,
            }
        }
        map.end()
    }
}

/// The stored form: every field.
impl Serialize for Activity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Versioned {
            record: self,
            version: u32::MAX,
        }
        .serialize(s)
    }
}

/// The stored form, of any schema that had one entry per record: unknown
/// keys are passed over, instants read in any RFC 3339 UTC form, and a
/// field added after version 1 that an older record lacks reads as empty.
impl<'de> Deserialize<'de> for Activity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Activity, D::Error> {
        d.deserialize_map(Reader { strict: false }).map(|(r, _)| r)
    }
}

/// A record as a batch carries it: exactly the declared fields (an unknown
/// one is refused, not dropped), instants in the canonical form; and which
/// fields it had, for the batch's version (`Strict::check_version`).
pub(crate) struct Strict(pub Activity, [bool; COUNT]);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        d.deserialize_map(Reader { strict: true })
            .map(|(r, seen)| Strict(r, seen))
    }
}

impl Strict {
    /// A record of a version `version` batch has exactly that version's
    /// fields: each one whose `since` is at most `version`, no later one
    /// (not even empty: nothing would cover it).
    pub fn check_version(&self, version: u32) -> Result<(), String> {
        let wrong = Field::all().find(|f| (f.spec().since <= version) != self.1[f.0 as usize]);
        match wrong {
            None => Ok(()),
            Some(f) if f.spec().since <= version => Err(format!(
                "hoạt động {} thiếu trường {} của định dạng phiên bản {version}",
                self.0.id,
                f.spec().wire
            )),
            Some(f) => Err(format!(
                "hoạt động {} có trường {}, không có trong định dạng phiên bản {version} (có từ phiên bản {})",
                self.0.id,
                f.spec().wire,
                f.spec().since
            )),
        }
    }
}

/// Reads a record field by field, by the declaration.
struct Reader {
    strict: bool,
}

/// A key of a record: its field, or `None` for a key passed over.
#[derive(Clone, Copy)]
struct Key {
    strict: bool,
    hint: usize,
}

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Option<Field>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Field>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for Key {
    type Value = Option<Field>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<Field>, E> {
        match Field::find(v, self.hint) {
            Some(f) => Ok(Some(f)),
            None if self.strict => Err(E::unknown_field(v, &WIRE)),
            None => Ok(None),
        }
    }
}

/// A date as the record writes it.
struct IsoDate(NaiveDate);

impl<'de> Deserialize<'de> for IsoDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<IsoDate, D::Error> {
        dates::serde_date::deserialize(d).map(IsoDate)
    }
}

/// An instant: only the canonical form in a batch; any RFC 3339 UTC form
/// in the store (what older releases wrote).
struct Canonical(DateTime<Utc>);
struct AnyInstant(DateTime<Utc>);

impl<'de> Deserialize<'de> for Canonical {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Canonical, D::Error> {
        dates::serde_canonical_instant::deserialize(d).map(Canonical)
    }
}

impl<'de> Deserialize<'de> for AnyInstant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AnyInstant, D::Error> {
        dates::serde_instant::deserialize(d).map(AnyInstant)
    }
}

impl Reader {
    fn instant<'de, A: MapAccess<'de>>(&self, map: &mut A) -> Result<DateTime<Utc>, A::Error> {
        if self.strict {
            map.next_value::<Canonical>().map(|t| t.0)
        } else {
            map.next_value::<AnyInstant>().map(|t| t.0)
        }
    }
}

impl<'de> Visitor<'de> for Reader {
    type Value = (Activity, [bool; COUNT]);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an activity record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = [false; COUNT];
        let (mut id, mut unit_code, mut task_id, mut date, mut status) =
            (None, None, None, None, None);
        let (mut author, mut device_id, mut created, mut updated) = (None, None, None, None);
        let (mut revision, mut deleted) = (None, None);
        let mut texts = Texts::default();
        let mut files = Vec::new();
        let mut hint = 0;
        while let Some(key) = map.next_key_seed(Key {
            strict: self.strict,
            hint,
        })? {
            let Some(f) = key else {
                map.next_value::<de::IgnoredAny>()?;
                continue;
            };
            hint = f.0 as usize + 1;
            if std::mem::replace(&mut seen[f.0 as usize], true) {
                return Err(de::Error::duplicate_field(f.spec().wire));
            }
            match f.spec().kind {
                Kind::Id => id = Some(map.next_value()?),
                Kind::UnitCode => unit_code = Some(map.next_value()?),
                Kind::TaskId => task_id = Some(map.next_value()?),
                Kind::Date => date = Some(map.next_value::<IsoDate>()?.0),
                Kind::Typed => texts.set(f, map.next_value::<String>()?),
                Kind::Status => status = Some(map.next_value()?),
                Kind::Author => author = Some(map.next_value()?),
                Kind::DeviceId => device_id = Some(map.next_value()?),
                Kind::CreatedAt => created = Some(self.instant(&mut map)?),
                Kind::UpdatedAt => updated = Some(self.instant(&mut map)?),
                Kind::Revision => revision = Some(map.next_value()?),
                Kind::Deleted => deleted = Some(map.next_value()?),
                Kind::Files => files = map.next_value::<Vec<FileRef>>()?,
            }
        }
        // Every field of version 1 is there; a later one an older record
        // lacks is empty.
        if let Some(f) = Field::all().find(|f| !seen[f.0 as usize] && f.spec().since <= 1) {
            return Err(de::Error::missing_field(f.spec().wire));
        }
        fn need<T, E: de::Error>(v: Option<T>, kind: Kind) -> Result<T, E> {
            v.ok_or_else(|| E::missing_field(Field::of(kind).spec().wire))
        }
        let record = Activity {
            id: need(id, Kind::Id)?,
            unit_code: need(unit_code, Kind::UnitCode)?,
            fields: ActivityFields {
                task_id: need(task_id, Kind::TaskId)?,
                date: need(date, Kind::Date)?,
                texts,
                status: need(status, Kind::Status)?,
                files,
            },
            author: need(author, Kind::Author)?,
            device_id: need(device_id, Kind::DeviceId)?,
            created_at: need(created, Kind::CreatedAt)?,
            updated_at: need(updated, Kind::UpdatedAt)?,
            revision: need(revision, Kind::Revision)?,
            deleted: need(deleted, Kind::Deleted)?,
        };
        Ok((record, seen))
    }
}

/// The typed texts as a map of their wire names (a draft kept while its
/// form is open); a text missing reads as empty, other keys are passed
/// over.
impl Serialize for Texts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(TYPED))?;
        for (f, v) in self.iter() {
            map.serialize_entry(f.spec().wire, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Texts, D::Error> {
        struct TextsVisitor;
        impl<'de> Visitor<'de> for TextsVisitor {
            type Value = Texts;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("the typed texts")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Texts, A::Error> {
                let mut texts = Texts::default();
                let key = Key {
                    strict: false,
                    hint: 0,
                };
                while let Some(f) = map.next_key_seed(key)? {
                    match f.filter(|f| f.spec().kind == Kind::Typed) {
                        Some(f) => texts.set(f, map.next_value::<String>()?),
                        None => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(texts)
            }
        }
        d.deserialize_map(TextsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::BATCH_VERSION;

    /// A fully filled record (`fixtures::filled`: every field of `FIELDS`)
    /// in a batch of each format version, oldest first: its canonical bytes,
    /// what the batch's hash and signature cover. The last is
    /// `BATCH_VERSION`'s. A field added to the record is a new format
    /// version: this test asks for its line (and the older lines stay).
    const CANONICAL: &[(u32, &str)] = &[(1, FILLED_V1), (2, FILLED_V1), (3, FILLED_V3)];
    /// Versions 1 and 2 carry the same record.
    const FILLED_V1: &str = r#"{"id":"07070707-0707-4707-8707-070707070707","unit_code":"02194","task_id":"2.3-1","date":"2020-04-20","title":"Tiêu đề (title)","description":"Mô tả\ndòng hai","participants":"Thành phần tham gia (participants)","evidence":"Kết quả / văn bản minh chứng (evidence)","status":"planned","author":"Hà Thị B","device_id":"dev-b","created_at":"2020-05-01T08:00:00.000Z","updated_at":"2020-05-01T09:30:00.000Z","revision":2,"deleted":false}"#;
    /// Version 3 adds the evidence files.
    const FILLED_V3: &str = r#"{"id":"07070707-0707-4707-8707-070707070707","unit_code":"02194","task_id":"2.3-1","date":"2020-04-20","title":"Tiêu đề (title)","description":"Mô tả\ndòng hai","participants":"Thành phần tham gia (participants)","evidence":"Kết quả / văn bản minh chứng (evidence)","status":"planned","author":"Hà Thị B","device_id":"dev-b","created_at":"2020-05-01T08:00:00.000Z","updated_at":"2020-05-01T09:30:00.000Z","revision":2,"deleted":false,"files":[{"sha256":"1111111111111111111111111111111111111111111111111111111111111111","type":"image/jpeg","size":350000,"caption":"Ảnh bảng tin","thumb":"e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1"},{"sha256":"2222222222222222222222222222222222222222222222222222222222222222","type":"application/pdf","size":1200000,"caption":"","thumb":""}]}"#;

    #[test]
    fn a_filled_records_canonical_bytes_are_pinned_to_the_format_version() {
        let record = crate::fixtures::filled();
        let (last, _) = CANONICAL.last().expect("a line per version");
        assert_eq!(
            *last, BATCH_VERSION,
            "a line in CANONICAL for every format version"
        );
        for (version, pinned) in CANONICAL {
            let bytes = serde_json::to_string(&Versioned {
                record: &record,
                version: *version,
            })
            .unwrap();
            assert_eq!(
                bytes, *pinned,
                "a record's canonical bytes in a version {version} batch changed: a field \
                 added to the record comes with a new format version (its `since`)"
            );
            // Read back as a batch carries it: the same record, but the
            // fields a later version added, which read as empty.
            let strict: Strict = serde_json::from_str(pinned).unwrap();
            assert_eq!(strict.check_version(*version), Ok(()));
            let mut expected = record.clone();
            expected.fields.texts = record.fields.texts.map(|f, v| {
                if f.spec().since <= *version {
                    v.into()
                } else {
                    String::new()
                }
            });
            if Field::FILES.spec().since > *version {
                expected.fields.files.clear();
            }
            assert_eq!(strict.0, expected);
        }
    }

    #[test]
    fn a_batch_record_is_exactly_the_declared_fields() {
        let text = CANONICAL.last().unwrap().1;
        // An unknown field is refused, not dropped; so is a field twice.
        let extra = text.replacen(r#""deleted":false"#, r#""deleted":false,"x":1"#, 1);
        let e = serde_json::from_str::<Strict>(&extra).err().unwrap();
        assert!(e.to_string().starts_with("unknown field `x`"), "{e}");
        let twice = text.replacen(r#""revision":2"#, r#""revision":2,"revision":3"#, 1);
        let e = serde_json::from_str::<Strict>(&twice).err().unwrap();
        assert!(
            e.to_string().starts_with("duplicate field `revision`"),
            "{e}"
        );
        // Every field of version 1 must be there.
        for f in Field::all().filter(|f| f.spec().since <= 1) {
            let wire = f.spec().wire;
            let start = text.find(&format!("\"{wire}\":")).unwrap();
            let end = text[start..]
                .find(",\"")
                .map_or(text.len() - 1, |e| start + e + 1);
            let without = format!("{}{}", &text[..start], &text[end..]).replace(",}", "}");
            let e = serde_json::from_str::<Strict>(&without).err().unwrap();
            assert!(
                e.to_string()
                    .starts_with(&format!("missing field `{wire}`")),
                "{e}"
            );
        }
        // The stored form is read leniently: an unknown key is passed over,
        // and any RFC 3339 instant read.
        let stored: Activity = serde_json::from_str(
            &extra.replace("2020-05-01T08:00:00.000Z", "2020-05-01T08:00:00Z"),
        )
        .unwrap();
        assert_eq!(stored, crate::fixtures::filled());
        assert!(serde_json::from_str::<Strict>(
            &text.replace(".000Z\",\"updated", "Z\",\"updated")
        )
        .is_err());
    }

    #[test]
    fn the_declaration_holds_together() {
        let wires: Vec<&str> = FIELDS.iter().map(|s| s.wire).collect();
        let mut unique = wires.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), wires.len(), "wire names are unique");
        for f in Field::all() {
            let s = f.spec();
            assert_eq!(Field::named(s.wire), f);
            assert!(!s.label_vi.is_empty(), "{}", s.wire);
            assert!(
                (1..=crate::batch::BATCH_VERSION).contains(&s.since),
                "{}: since a version this build writes",
                s.wire
            );
            if s.since > 1 {
                assert!(
                    matches!(s.kind, Kind::Typed | Kind::Files) && s.optional,
                    "{}: a later field is optional, a text or the files (older records lack it)",
                    s.wire
                );
            }
            let text = matches!(
                s.kind,
                Kind::UnitCode | Kind::TaskId | Kind::Typed | Kind::Author | Kind::DeviceId
            );
            assert_eq!(s.max > 0, text, "{}: a text has a limit", s.wire);
            assert!(!s.multiline || s.kind == Kind::Typed, "{}", s.wire);
        }
        // Every kind but the typed texts names one field of `Activity`.
        for kind in FIELDS.iter().map(|s| s.kind).filter(|k| *k != Kind::Typed) {
            assert_eq!(FIELDS.iter().filter(|s| s.kind == kind).count(), 1);
            assert_eq!(Field::of(kind).spec().kind, kind);
        }
        assert_eq!(Field::typed().count(), TYPED);
        assert_eq!(
            Field::typed().filter_map(Field::slot).collect::<Vec<_>>(),
            (0..TYPED).collect::<Vec<_>>()
        );
        assert_eq!(Field::TASK.slot(), None);
    }

    #[test]
    fn texts_are_kept_by_field() {
        let t = Texts::default().with(Field::EVIDENCE, "TB 12");
        assert_eq!(t.get(Field::EVIDENCE), "TB 12");
        assert_eq!(t.get(Field::TITLE), "");
        assert!(t.any());
        assert!(!Texts::default().with(Field::TITLE, "  ").any());
        let upper = t.map(|_, v| v.to_uppercase());
        assert_eq!(upper.get(Field::EVIDENCE), "TB 12");
        // A draft's texts: by wire name, missing ones empty, others passed over.
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.starts_with(r#"{"title":"","#), "{json}");
        let back: Texts =
            serde_json::from_str(r#"{"evidence":"TB 12","task_id":"2.3-1","x":[1]}"#).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn a_field_beyond_a_batch_version_is_found() {
        let mut fields = crate::fixtures::fields("x");
        fields.texts = Texts::default().with(Field::DESCRIPTION, "x");
        assert_eq!(beyond(crate::batch::BATCH_VERSION, &fields), None);
        // Every field is later than a version 0.
        assert_eq!(beyond(0, &fields), Some(Field::DESCRIPTION));
        fields.texts = Texts::default();
        assert_eq!(beyond(0, &fields), None);
        // The files came with version 3.
        fields.files = crate::fixtures::filled().fields.files;
        assert_eq!(beyond(2, &fields), Some(Field::FILES));
        assert_eq!(beyond(3, &fields), None);
    }

    #[test]
    fn a_batch_record_has_its_versions_fields_only() {
        let v3: Strict = serde_json::from_str(FILLED_V3).unwrap();
        let e = v3.check_version(2).unwrap_err();
        assert!(
            e.contains("có trường files") && e.contains("phiên bản 2"),
            "{e}"
        );
        // Even an empty list is refused below version 3, and required from it.
        let empty = FILLED_V1.replacen("}", r#","files":[]}"#, 1);
        let empty: Strict = serde_json::from_str(&empty).unwrap();
        assert!(empty.check_version(2).is_err());
        assert_eq!(empty.check_version(3), Ok(()));
        let v1: Strict = serde_json::from_str(FILLED_V1).unwrap();
        let e = v1.check_version(3).unwrap_err();
        assert!(e.contains("thiếu trường files"), "{e}");
        // A malformed reference is refused when read.
        let bad = FILLED_V3.replacen(r#""size":350000"#, r#""size":"lớn""#, 1);
        assert!(serde_json::from_str::<Strict>(&bad).is_err());
    }
}
