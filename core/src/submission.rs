//! The unit's submission of a period (issue 28, "đã gửi"): the unit says a
//! period is ready for its receiver's review, with a short note. Carried in
//! a batch (format version 3, `submissions`), one per (unit, plan, period):
//! the batch's unit and plan, and its `period`. A later submission of the
//! same period has a higher `revision`; a receiver keeps the highest
//! (`declared::version_cmp`, the records' rule).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::declared::{self, fixed, text, Declared, Kind, Spec, Value, Values};
use crate::review::ReviewPeriod;
use crate::text::{MAX_AUTHOR, MAX_DEVICE_ID};

/// The longest note, in characters (one line).
pub const MAX_NOTE: usize = 500;

/// The submission's fields, in the canonical order.
pub const FIELDS: &[Spec] = &[
    fixed("period", "Kỳ báo cáo", Kind::Period),
    text("note", "Ghi chú khi gửi", MAX_NOTE),
    fixed("at", "Thời điểm gửi", Kind::Instant),
    fixed("revision", "Lần gửi", Kind::Revision),
    text("author", "Người gửi", MAX_AUTHOR),
    Spec {
        optional: false,
        ..text("device_id", "Mã thiết bị", MAX_DEVICE_ID)
    },
];

/// A unit's submission of one period for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub period: ReviewPeriod,
    pub note: String,
    pub at: DateTime<Utc>,
    /// 1 for the first submission of the period, higher for each later one.
    pub revision: u32,
    pub author: String,
    pub device_id: String,
}

impl Declared for Submission {
    type Key = ReviewPeriod;
    const FIELDS: &'static [Spec] = FIELDS;
    const NAME_VI: &'static str = "lần gửi báo cáo";
    const KEY_VI: &'static str = "kỳ";

    fn get(&self, wire: &str) -> Value<'_> {
        match wire {
            "period" => Value::Period(self.period),
            "note" => Value::Text(&self.note),
            "at" => Value::Instant(self.at),
            "revision" => Value::Revision(self.revision),
            "author" => Value::Text(&self.author),
            "device_id" => Value::Text(&self.device_id),
            _ => unreachable!("not a field of submission::FIELDS: {wire}"),
        }
    }

    fn build(v: &mut Values) -> Submission {
        Submission {
            period: v.period("period"),
            note: v.text("note"),
            at: v.instant("at"),
            revision: v.revision("revision"),
            author: v.text("author"),
            device_id: v.text("device_id"),
        }
    }

    fn key(&self) -> ReviewPeriod {
        self.period
    }
    fn revision(&self) -> u32 {
        self.revision
    }
    fn time(&self) -> DateTime<Utc> {
        self.at
    }
    fn device_id(&self) -> &str {
        &self.device_id
    }
}

impl Submission {
    /// The unit sends its period (again): the first submission, or the one
    /// after `prev`, with a note (clean already; spaces at either end
    /// dropped), checked by the declaration.
    pub fn next(
        prev: Option<&Submission>,
        period: ReviewPeriod,
        note: &str,
        by: &crate::assessment::Saver,
    ) -> Result<Submission, declared::Issue> {
        let s = Submission {
            period,
            note: note.trim().to_string(),
            at: by.at,
            revision: prev.map_or(1, |p| {
                p.revision
                    .saturating_add(1)
                    .min(crate::activity::MAX_REVISION)
            }),
            author: by.author.trim().to_string(),
            device_id: by.device_id.to_string(),
        };
        declared::check(&s)?;
        Ok(s)
    }
}

impl Serialize for Submission {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        declared::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Submission {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Submission, D::Error> {
        declared::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declared::{check, version_cmp, Problem};
    use crate::fixtures::filled_submission;

    /// `fixtures::filled_submission()`'s bytes.
    pub(crate) const FILLED: &str = r#"{"period":"2020-H1","note":"Ghi chú khi gửi (note)","at":"2020-05-01T09:30:00.000Z","revision":2,"author":"Người gửi (author)","device_id":"dev-b"}"#;

    #[test]
    fn a_submission_is_written_by_its_declaration() {
        let s = filled_submission();
        assert_eq!(serde_json::to_string(&s).unwrap(), FILLED);
        assert_eq!(serde_json::from_str::<Submission>(FILLED).unwrap(), s);
        assert_eq!(check(&s), Ok(()));
    }

    #[test]
    fn a_bad_submission_is_named() {
        let mut s = filled_submission();
        s.revision = 0;
        let e = check(&s).unwrap_err();
        assert_eq!(e.problem, Problem::Revision(0));
        assert_eq!(e.message_vi(), "Lần gửi là 0, phải từ 1 đến 1000000");
        s.revision = 1;
        s.note = "a\nb".into();
        assert!(matches!(check(&s).unwrap_err().problem, Problem::Text(_)));
        s.note = "ạ".repeat(MAX_NOTE + 1);
        assert!(check(&s).is_err());
        s.note = "ạ".repeat(MAX_NOTE);
        assert_eq!(check(&s), Ok(()));
        let negative = FILLED.replacen(r#""revision":2"#, r#""revision":-1"#, 1);
        assert!(serde_json::from_str::<Submission>(&negative).is_err());
    }

    #[test]
    fn each_sending_is_the_next_revision_and_a_bad_note_is_named() {
        let by = crate::assessment::Saver {
            author: "Hà Thị B",
            device_id: "dev-a",
            at: crate::fixtures::at(5),
        };
        let p = ReviewPeriod::year(2020);
        let first = Submission::next(None, p, " Đã đủ ", &by).unwrap();
        assert_eq!((first.revision, first.note.as_str()), (1, "Đã đủ"));
        let again = Submission::next(Some(&first), p, "", &by).unwrap();
        assert_eq!(again.revision, 2);
        assert!(version_cmp(&again, &first).is_gt());
        let e = Submission::next(None, p, &"ạ".repeat(MAX_NOTE + 1), &by).unwrap_err();
        assert_eq!(e.field.wire, "note");
        assert!(Submission::next(None, p, "a\nb", &by).is_err());
    }

    #[test]
    fn the_higher_revision_wins_then_the_later_time() {
        let a = filled_submission();
        let b = Submission {
            revision: 3,
            at: a.at - chrono::Duration::days(1),
            ..a.clone()
        };
        assert!(version_cmp(&b, &a).is_gt());
        let c = Submission {
            note: "khác".into(),
            ..a.clone()
        };
        assert_eq!(version_cmp(&a, &c), version_cmp(&c, &a).reverse());
        assert!(version_cmp(&a, &a).is_eq());
    }
}
