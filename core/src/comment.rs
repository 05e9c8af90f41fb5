//! A comment on one activity (issue 28): the thread between a unit and its
//! receiver about one record ("cần bổ sung minh chứng", and the answer).
//! The unit's comments travel upward in a batch (format version 3,
//! `comments`), named by the batch's unit and plan and the comment's `id`;
//! `record` is the activity it is about. A comment can be corrected or
//! withdrawn by its writer: versioned and merged like an activity record
//! (`declared::version_cmp`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::declared::{self, fixed, text, Declared, Kind, Spec, Value, Values};
use crate::text::{MAX_AUTHOR, MAX_DEVICE_ID};

/// The longest comment, in characters.
pub const MAX_COMMENT: usize = 2000;

/// The comment's fields, in the canonical order.
pub const FIELDS: &[Spec] = &[
    fixed("id", "Mã ý kiến", Kind::Id),
    fixed("record", "Hoạt động", Kind::Id),
    Spec {
        optional: false,
        multiline: true,
        ..text("text", "Nội dung ý kiến", MAX_COMMENT)
    },
    text("author", "Người viết", MAX_AUTHOR),
    Spec {
        optional: false,
        ..text("device_id", "Mã thiết bị", MAX_DEVICE_ID)
    },
    fixed("updated_at", "Thời điểm viết", Kind::Instant),
    fixed("revision", "Số lần sửa", Kind::Revision),
    fixed("deleted", "Đã xóa", Kind::Deleted),
];

/// A comment on one activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: Uuid,
    /// The activity (record id) it is about, of the same unit.
    pub record: Uuid,
    pub text: String,
    pub author: String,
    /// The device of the last change.
    pub device_id: String,
    pub updated_at: DateTime<Utc>,
    /// 1 when written, +1 on every correction or withdrawal.
    pub revision: u32,
    /// Withdrawn by its writer.
    pub deleted: bool,
}

impl Declared for Comment {
    type Key = Uuid;
    const FIELDS: &'static [Spec] = FIELDS;
    const NAME_VI: &'static str = "ý kiến";
    const KEY_VI: &'static str = "mã";

    fn get(&self, wire: &str) -> Value<'_> {
        match wire {
            "id" => Value::Id(self.id),
            "record" => Value::Id(self.record),
            "text" => Value::Text(&self.text),
            "author" => Value::Text(&self.author),
            "device_id" => Value::Text(&self.device_id),
            "updated_at" => Value::Instant(self.updated_at),
            "revision" => Value::Revision(self.revision),
            "deleted" => Value::Deleted(self.deleted),
            _ => unreachable!("not a field of comment::FIELDS: {wire}"),
        }
    }

    fn build(v: &mut Values) -> Comment {
        Comment {
            id: v.id("id"),
            record: v.id("record"),
            text: v.text("text"),
            author: v.text("author"),
            device_id: v.text("device_id"),
            updated_at: v.instant("updated_at"),
            revision: v.revision("revision"),
            deleted: v.deleted("deleted"),
        }
    }

    fn key(&self) -> Uuid {
        self.id
    }
    fn revision(&self) -> u32 {
        self.revision
    }
    fn time(&self) -> DateTime<Utc> {
        self.updated_at
    }
    fn device_id(&self) -> &str {
        &self.device_id
    }
}

impl Serialize for Comment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        declared::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Comment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Comment, D::Error> {
        declared::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declared::{check, version_cmp, Problem};
    use crate::fixtures::filled_comment;

    /// `fixtures::filled_comment()`'s bytes: every field, in the
    /// declaration's order.
    pub(crate) const FILLED: &str = r#"{"id":"0c0c0c0c-0c0c-4c0c-8c0c-0c0c0c0c0c0c","record":"07070707-0707-4707-8707-070707070707","text":"Nội dung ý kiến\ndòng hai","author":"Người viết (author)","device_id":"dev-b","updated_at":"2020-05-01T09:30:00.000Z","revision":2,"deleted":false}"#;

    #[test]
    fn a_comment_is_written_by_its_declaration() {
        let c = filled_comment();
        assert_eq!(serde_json::to_string(&c).unwrap(), FILLED);
        assert_eq!(serde_json::from_str::<Comment>(FILLED).unwrap(), c);
        assert_eq!(check(&c), Ok(()));
    }

    #[test]
    fn a_bad_comment_is_named() {
        let mut c = filled_comment();
        c.text = "  ".into();
        let e = check(&c).unwrap_err();
        assert_eq!(e.problem, Problem::Required);
        assert_eq!(e.message_vi(), "Nội dung ý kiến không được để trống");
        c.text = "ạ".repeat(MAX_COMMENT + 1);
        assert!(matches!(check(&c).unwrap_err().problem, Problem::Text(_)));
        c.text = "ạ".repeat(MAX_COMMENT);
        assert_eq!(check(&c), Ok(()));
        let not_an_id = FILLED.replacen("0c0c0c0c-", "0c0c0c0x-", 1);
        assert!(serde_json::from_str::<Comment>(&not_an_id).is_err());
        let no_record =
            FILLED.replacen(r#""record":"07070707-0707-4707-8707-070707070707","#, "", 1);
        let e = serde_json::from_str::<Comment>(&no_record).unwrap_err();
        assert!(e.to_string().starts_with("missing field `record`"), "{e}");
    }

    #[test]
    fn a_correction_wins_over_the_first_version() {
        let a = filled_comment();
        let b = Comment {
            revision: 3,
            text: "Đã bổ sung".into(),
            ..a.clone()
        };
        assert!(version_cmp(&b, &a).is_gt());
        let c = Comment {
            text: "khác".into(),
            ..a.clone()
        };
        assert_eq!(version_cmp(&a, &c), version_cmp(&c, &a).reverse());
    }
}
