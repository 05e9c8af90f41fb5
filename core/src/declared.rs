//! The entries a unit writes beside its records, declared as one table of
//! fields each, in the style of the activity record's `record::FIELDS`, but
//! flat and of one format version (3): the period assessment
//! (`assessment::FIELDS`), the period submission (`submission::FIELDS`)
//! and the comment on an activity (`comment::FIELDS`). Each is named by its
//! unit, the plan and its key (`Declared::Key`: a period, or a comment's
//! id).
//!
//! What reads the table: the serialisation (every field, in the table's
//! order, which is the canonical order; an unknown, missing or repeated key
//! is refused), the checks (each text's limit, emptiness, line-break rule
//! and trimming; the revision's range), the winner between two versions
//! (`version_cmp`), and `core/tests/schema_agrees.rs`, which holds the JSON
//! Schema and docs/batch-format.md to it.

use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserializer, Serializer};
use uuid::Uuid;

use crate::activity::MAX_REVISION;
use crate::review::ReviewPeriod;
use crate::text::TextProblem;

/// What a declared field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The period it is about (`ReviewPeriod`).
    Period,
    /// An id (a UUID): a comment's own, or the record it is about.
    Id,
    /// A text; `Spec::max`, `multiline` and `optional` say which.
    Text,
    /// A canonical instant (`yyyy-mm-ddThh:mm:ss.sssZ`): the version's time.
    Instant,
    /// 1 … `MAX_REVISION`: the version's number.
    Revision,
    /// A tombstone.
    Deleted,
}

/// One declared field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// Its key, in a batch and in the stored form.
    pub wire: &'static str,
    /// Its name for people.
    pub label_vi: &'static str,
    pub kind: Kind,
    /// For a text: its longest, in characters (0: not a text).
    pub max: usize,
    /// For a text: whether it may hold line breaks (`\n`).
    pub multiline: bool,
    /// For a text: whether it may be empty.
    pub optional: bool,
}

/// A field that is not a text.
pub const fn fixed(wire: &'static str, label_vi: &'static str, kind: Kind) -> Spec {
    Spec {
        wire,
        label_vi,
        kind,
        max: 0,
        multiline: false,
        optional: false,
    }
}

/// An optional one-line text of at most `max` characters.
pub const fn text(wire: &'static str, label_vi: &'static str, max: usize) -> Spec {
    Spec {
        max,
        optional: true,
        ..fixed(wire, label_vi, Kind::Text)
    }
}

/// A field's value, borrowed from its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Period(ReviewPeriod),
    Id(Uuid),
    Text(&'a str),
    Instant(DateTime<Utc>),
    Revision(u32),
    Deleted(bool),
}

/// An entity declared by a table of fields.
pub trait Declared: Sized {
    /// What names it, with its unit and the plan; a batch lists its
    /// entries in this order, none twice.
    type Key: Ord + Clone + fmt::Debug + fmt::Display;
    /// Its fields, in the canonical order.
    const FIELDS: &'static [Spec];
    /// What people call one ("đánh giá", "lần gửi báo cáo", "ý kiến").
    const NAME_VI: &'static str;
    /// What people call its key ("kỳ", "mã").
    const KEY_VI: &'static str;
    /// The value of the field named `wire` (one of `FIELDS`).
    fn get(&self, wire: &str) -> Value<'_>;
    /// The entity from the values read, every field of `FIELDS` among them.
    fn build(values: &mut Values) -> Self;

    fn key(&self) -> Self::Key;
    fn revision(&self) -> u32;
    /// The time of this version.
    fn time(&self) -> DateTime<Utc>;
    fn device_id(&self) -> &str;
}

/// The spec of a declared field, by its wire name.
pub fn spec<T: Declared>(wire: &str) -> &'static Spec {
    T::FIELDS
        .iter()
        .find(|s| s.wire == wire)
        .expect("a declared field")
}

/// Writes every field, in the table's order.
pub fn serialize<T: Declared, S: Serializer>(t: &T, s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(T::FIELDS.len()))?;
    for f in T::FIELDS {
        match t.get(f.wire) {
            Value::Period(p) => map.serialize_entry(f.wire, &p)?,
            Value::Id(id) => map.serialize_entry(f.wire, &id)?,
            Value::Text(v) => map.serialize_entry(f.wire, v)?,
            Value::Instant(at) => map.serialize_entry(f.wire, &crate::dates::format_instant(at))?,
            Value::Revision(r) => map.serialize_entry(f.wire, &r)?,
            Value::Deleted(d) => map.serialize_entry(f.wire, &d)?,
        }
    }
    map.end()
}

/// A value as read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Owned {
    Period(ReviewPeriod),
    Id(Uuid),
    Text(String),
    Instant(DateTime<Utc>),
    Revision(u32),
    Deleted(bool),
}

/// The values read of an entity, by field; `Declared::build` takes them.
pub struct Values(Vec<Option<Owned>>, &'static [Spec]);

impl Values {
    fn take(&mut self, wire: &str) -> Owned {
        let i = self.1.iter().position(|s| s.wire == wire);
        let v = i.and_then(|i| self.0[i].take());
        v.expect("every declared field is read before build")
    }

    pub fn period(&mut self, wire: &str) -> ReviewPeriod {
        match self.take(wire) {
            Owned::Period(p) => p,
            other => unreachable!("{wire} read as {other:?}"),
        }
    }

    pub fn id(&mut self, wire: &str) -> Uuid {
        match self.take(wire) {
            Owned::Id(id) => id,
            other => unreachable!("{wire} read as {other:?}"),
        }
    }

    pub fn text(&mut self, wire: &str) -> String {
        match self.take(wire) {
            Owned::Text(t) => t,
            other => unreachable!("{wire} read as {other:?}"),
        }
    }

    pub fn instant(&mut self, wire: &str) -> DateTime<Utc> {
        match self.take(wire) {
            Owned::Instant(t) => t,
            other => unreachable!("{wire} read as {other:?}"),
        }
    }

    pub fn revision(&mut self, wire: &str) -> u32 {
        match self.take(wire) {
            Owned::Revision(r) => r,
            other => unreachable!("{wire} read as {other:?}"),
        }
    }

    pub fn deleted(&mut self, wire: &str) -> bool {
        match self.take(wire) {
            Owned::Deleted(d) => d,
            other => unreachable!("{wire} read as {other:?}"),
        }
    }
}

struct Canonical(DateTime<Utc>);

impl<'de> serde::Deserialize<'de> for Canonical {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Canonical, D::Error> {
        crate::dates::serde_canonical_instant::deserialize(d).map(Canonical)
    }
}

/// Reads exactly the declared fields (any order; the canonical order is
/// what the hash holds to).
pub fn deserialize<'de, T: Declared, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(Reader::<T>(std::marker::PhantomData))
}

struct Reader<T>(std::marker::PhantomData<T>);

impl<'de, T: Declared> Visitor<'de> for Reader<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", T::NAME_VI)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let fields = T::FIELDS;
        let mut values = Values(vec![None; fields.len()], fields);
        while let Some(key) = map.next_key::<String>()? {
            let Some(i) = fields.iter().position(|s| s.wire == key) else {
                let wires: Vec<&str> = fields.iter().map(|s| s.wire).collect();
                return Err(de::Error::custom(format!(
                    "unknown field `{key}`, expected one of {}",
                    wires.join(", ")
                )));
            };
            if values.0[i].is_some() {
                return Err(de::Error::duplicate_field(fields[i].wire));
            }
            values.0[i] = Some(match fields[i].kind {
                Kind::Period => Owned::Period(map.next_value()?),
                Kind::Id => Owned::Id(map.next_value()?),
                Kind::Text => Owned::Text(map.next_value()?),
                Kind::Instant => Owned::Instant(map.next_value::<Canonical>()?.0),
                Kind::Revision => Owned::Revision(map.next_value()?),
                Kind::Deleted => Owned::Deleted(map.next_value()?),
            });
        }
        if let Some(i) = values.0.iter().position(Option::is_none) {
            return Err(de::Error::missing_field(fields[i].wire));
        }
        Ok(T::build(&mut values))
    }
}

/// What is wrong with one field of an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    Text(TextProblem),
    /// Spaces at either end: not what the app writes.
    NotTrimmed,
    /// Not within 1 … `MAX_REVISION`.
    Revision(u32),
}

/// A problem and the field it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub field: &'static Spec,
    pub problem: Problem,
}

impl Issue {
    pub fn message_vi(&self) -> String {
        let label = self.field.label_vi;
        match &self.problem {
            Problem::Required => format!("{label} không được để trống"),
            Problem::Text(p) => p.message_vi(label),
            Problem::NotTrimmed => format!("{label} có khoảng trắng thừa ở đầu hoặc cuối"),
            Problem::Revision(r) => {
                format!("{label} là {r}, phải từ 1 đến {MAX_REVISION}")
            }
        }
    }
}

/// Every field by its declaration: the first problem found.
pub fn check<T: Declared>(t: &T) -> Result<(), Issue> {
    for field in T::FIELDS {
        let problem = match t.get(field.wire) {
            Value::Text(v) => text_problem(field, v),
            Value::Revision(r) if !(1..=MAX_REVISION).contains(&r) => Some(Problem::Revision(r)),
            _ => None,
        };
        if let Some(problem) = problem {
            return Err(Issue { field, problem });
        }
    }
    Ok(())
}

fn text_problem(field: &Spec, v: &str) -> Option<Problem> {
    if v.trim().is_empty() && !field.optional {
        Some(Problem::Required)
    } else if let Err(p) = crate::text::check(v, field.max, field.multiline) {
        Some(Problem::Text(p))
    } else if v.trim() != v {
        Some(Problem::NotTrimmed)
    } else {
        None
    }
}

/// Total order between two versions of one entity (same unit, plan and
/// key), the records' rule (`Activity::version_cmp`): higher revision,
/// then later time, then device id, then content.
pub fn version_cmp<T: Declared>(a: &T, b: &T) -> Ordering {
    let content = |t: &T| {
        let mut out = Vec::new();
        let mut s = serde_json::Serializer::new(&mut out);
        serialize(t, &mut s).map(|_| out).unwrap_or_default()
    };
    a.revision()
        .cmp(&b.revision())
        .then(a.time().cmp(&b.time()))
        .then(a.device_id().cmp(b.device_id()))
        .then_with(|| content(a).cmp(&content(b)))
}
