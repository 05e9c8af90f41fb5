//! Activity records: what a unit did (or plans to do) for a task of the plan.
//!
//! Records are created, edited, deleted (as tombstones) and restored by pure
//! functions; time and ids come in as arguments. Every change bumps
//! `revision`; `newer` decides between two versions of one record the same way
//! on every device, so two tabs, a re-import or a district merge all converge.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::evidence::FileRef;
use crate::record::{Field, Texts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Đã thực hiện.
    Done,
    /// Kế hoạch (not yet done).
    Planned,
}

impl Status {
    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Done => "Đã thực hiện",
            Status::Planned => "Kế hoạch",
        }
    }
}

/// The fields a person types. Validation turns a draft into `ActivityFields`.
/// Kept on disk while a form is open, so every field defaults: a draft saved
/// by an older release still loads after an update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub task_id: String,
    /// As typed: dd/mm/yyyy (or yyyy-mm-dd from a date picker).
    pub date: String,
    /// The title, description, … as typed (`record::FIELDS`).
    #[serde(flatten)]
    pub texts: Texts,
    pub status: Option<Status>,
    /// The evidence files (`evidence::FileRef`): the form types none; an
    /// edit keeps the record's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileRef>,
}

/// Validated, normalised content of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityFields {
    pub task_id: String,
    pub date: NaiveDate,
    /// The title, description, participants, result or evidence reference
    /// (e.g. a document number), …: the texts a person types
    /// (`record::FIELDS`).
    pub texts: Texts,
    pub status: Status,
    /// The evidence files it lists, in the order of their hashes (format
    /// version 3; empty in a record of an older batch).
    pub files: Vec<FileRef>,
}

impl ActivityFields {
    /// A record's content with a title and no other text.
    pub fn new(task_id: &str, date: NaiveDate, title: &str, status: Status) -> ActivityFields {
        ActivityFields {
            task_id: task_id.into(),
            date,
            texts: Texts::default().with(Field::TITLE, title),
            status,
            files: Vec::new(),
        }
    }

    /// This content with the text of `f` set to `value`.
    pub fn with(mut self, f: Field, value: &str) -> ActivityFields {
        self.texts.set(f, value);
        self
    }

    pub fn title(&self) -> &str {
        self.texts.get(Field::TITLE)
    }

    /// A typed text (`record::Kind::Typed`).
    pub fn text(&self, f: Field) -> &str {
        self.texts.get(f)
    }
}

/// A record. Its stored form and its form in a batch are written and read
/// by the declaration of its fields (`record`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// UUID v4 made on the device.
    pub id: Uuid,
    pub unit_code: String,
    pub fields: ActivityFields,
    pub author: String,
    pub device_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// 1 on creation, +1 on every edit, delete or restore.
    pub revision: u32,
    /// A tombstone: deleted records travel in batches so deletes propagate.
    pub deleted: bool,
}

/// The highest revision a record may have: far above real use (a record
/// edited every minute for a year is at about 500,000), low enough that
/// counting on from it never wraps.
pub const MAX_REVISION: u32 = 1_000_000;

/// Who is making a change, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author<'a> {
    pub name: &'a str,
    pub device_id: &'a str,
    pub now: DateTime<Utc>,
}

/// Turn 16 random bytes from the platform into a version-4 UUID.
pub fn new_id(random: [u8; 16]) -> Uuid {
    uuid::Builder::from_random_bytes(random).into_uuid()
}

/// An edit of a record that was deleted while its form was open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditOfDeleted;

impl EditOfDeleted {
    pub fn message_vi(self) -> &'static str {
        "Hoạt động này đã bị xóa ở một cửa sổ khác nên bản sửa không được lưu \
         (sửa không làm hoạt động đã xóa xuất hiện lại). Nội dung bạn nhập vẫn còn trong biểu mẫu."
    }
}

impl Activity {
    pub fn create(id: Uuid, unit_code: &str, fields: ActivityFields, by: &Author) -> Activity {
        Activity {
            id,
            unit_code: unit_code.to_string(),
            fields,
            author: by.name.to_string(),
            device_id: by.device_id.to_string(),
            created_at: by.now,
            updated_at: by.now,
            revision: 1,
            deleted: false,
        }
    }

    fn next(&self, by: &Author) -> Activity {
        Activity {
            author: by.name.to_string(),
            device_id: by.device_id.to_string(),
            // Never move time backwards, even if a device clock is wrong.
            updated_at: by.now.max(self.updated_at),
            // Checked: at the ceiling the revision stays, and the later
            // update time still makes this version the newer one.
            revision: self
                .revision
                .checked_add(1)
                .filter(|r| *r <= MAX_REVISION)
                .unwrap_or(self.revision),
            ..self.clone()
        }
    }

    pub fn edit(&self, fields: ActivityFields, by: &Author) -> Activity {
        Activity {
            fields,
            ..self.next(by)
        }
    }

    /// An edit saved from a form opened on revision `base`; `self` is the
    /// record as held now. The edit is based on `base`, so a store holding a
    /// later revision refuses it as a conflict (`storage::decide_write`).
    /// A record deleted meanwhile (another tab, a restored backup) stays
    /// deleted: an edit never brings it back; only a restore does.
    pub fn edit_from(
        &self,
        base: u32,
        fields: ActivityFields,
        by: &Author,
    ) -> Result<Activity, EditOfDeleted> {
        if self.deleted {
            return Err(EditOfDeleted);
        }
        Ok(Activity {
            revision: base,
            ..self.clone()
        }
        .edit(fields, by))
    }

    pub fn delete(&self, by: &Author) -> Activity {
        Activity {
            deleted: true,
            ..self.next(by)
        }
    }

    pub fn restore(&self, by: &Author) -> Activity {
        Activity {
            deleted: false,
            ..self.next(by)
        }
    }

    /// Total order between two versions of the same record: higher revision,
    /// then later update, then device id, then content, so every replica
    /// picks the same winner.
    pub fn version_cmp(&self, other: &Activity) -> Ordering {
        self.revision
            .cmp(&other.revision)
            .then(self.updated_at.cmp(&other.updated_at))
            .then(self.device_id.cmp(&other.device_id))
            .then_with(|| {
                let a = serde_json::to_string(self).unwrap_or_default();
                let b = serde_json::to_string(other).unwrap_or_default();
                a.cmp(&b)
            })
    }

    /// The version that wins between two versions of one record.
    pub fn newer<'a>(&'a self, other: &'a Activity) -> &'a Activity {
        if other.version_cmp(self) == Ordering::Greater {
            other
        } else {
            self
        }
    }

    pub fn to_draft(&self) -> Draft {
        let f = &self.fields;
        Draft {
            task_id: f.task_id.clone(),
            date: crate::dates::format_vn(f.date),
            texts: f.texts.clone(),
            status: Some(f.status),
            files: f.files.clone(),
        }
    }
}

/// Live (not deleted) records, newest activity date first, then newest edit.
pub fn timeline<'a>(records: impl IntoIterator<Item = &'a Activity>) -> Vec<&'a Activity> {
    let mut v: Vec<&Activity> = records.into_iter().filter(|a| !a.deleted).collect();
    v.sort_by(|a, b| {
        b.fields
            .date
            .cmp(&a.fields.date)
            .then(b.updated_at.cmp(&a.updated_at))
            .then(a.id.cmp(&b.id))
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_600_000_000 + s, 0).unwrap()
    }

    fn fields(title: &str, day: u32) -> ActivityFields {
        ActivityFields::new(
            "1.1-1",
            NaiveDate::from_ymd_opt(2020, 5, day).unwrap(),
            title,
            Status::Done,
        )
    }

    fn by(now: i64) -> Author<'static> {
        Author {
            name: "Nguyễn Văn A",
            device_id: "dev-1",
            now: at(now),
        }
    }

    #[test]
    fn an_edit_is_based_on_the_revision_the_form_opened() {
        let a = Activity::create(new_id([1; 16]), "01834", fields("Họp dân", 3), &by(0));
        let b = a.edit(fields("Họp dân (tab khác)", 3), &by(5));
        let mine = b
            .edit_from(a.revision, fields("Họp dân thôn", 3), &by(10))
            .unwrap();
        assert_eq!(
            mine.revision, 2,
            "based on revision 1: a store holding 2 refuses it"
        );
        assert_eq!(mine.fields.title(), "Họp dân thôn");
        assert!(!mine.deleted);
    }

    #[test]
    fn an_edit_never_brings_back_a_record_deleted_meanwhile() {
        let a = Activity::create(new_id([1; 16]), "01834", fields("Họp dân", 3), &by(0));
        let gone = a.delete(&by(5));
        // The form reloaded the deleted version after a conflict: still refused.
        for base in [a.revision, gone.revision] {
            assert_eq!(
                gone.edit_from(base, fields("Họp dân thôn", 3), &by(10)),
                Err(EditOfDeleted)
            );
        }
        // A restore brings it back; then it can be edited.
        let back = gone.restore(&by(20));
        assert!(back
            .edit_from(back.revision, fields("x", 3), &by(30))
            .is_ok());
        assert!(EditOfDeleted.message_vi().contains("đã bị xóa"));
    }

    #[test]
    fn a_draft_kept_by_an_older_release_still_loads() {
        let kept = r#"{"task_id":"2.3-1","date":"15/04/2020","title":"Họp","description":"","participants":"","evidence":"TB 1","status":"done"}"#;
        let d: Draft = serde_json::from_str(kept).unwrap();
        assert_eq!(d.texts.get(Field::TITLE), "Họp");
        assert_eq!(d.texts.get(Field::EVIDENCE), "TB 1");
        assert_eq!(d.status, Some(Status::Done));
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            kept,
            "and is kept the same way"
        );
        // Fields missing (an older release's, or a newer one's extra) are fine.
        let d: Draft = serde_json::from_str(r#"{"title":"x","place":"y"}"#).unwrap();
        assert_eq!((d.texts.get(Field::TITLE), d.status), ("x", None));
    }

    #[test]
    fn new_id_is_v4() {
        let id = new_id([7; 16]);
        assert_eq!(id.get_version_num(), 4);
        assert_ne!(new_id([7; 16]), new_id([8; 16]));
    }

    #[test]
    fn lifecycle_bumps_revision_and_keeps_identity() {
        let a = Activity::create(new_id([1; 16]), "01834", fields("Họp dân", 3), &by(0));
        assert_eq!(a.revision, 1);
        let b = a.edit(fields("Họp dân thôn", 3), &by(10));
        assert_eq!((b.revision, b.created_at, b.updated_at), (2, at(0), at(10)));
        let c = b.delete(&by(20));
        assert!(c.deleted);
        assert_eq!(c.revision, 3);
        assert_eq!(
            c.fields.title(),
            "Họp dân thôn",
            "a tombstone keeps its content for undo"
        );
        let d = c.restore(&by(30));
        assert!(!d.deleted);
        assert_eq!(d.revision, 4);
        // A device clock running backwards does not move updated_at back.
        let e = d.edit(fields("x", 3), &by(-100));
        assert_eq!(e.updated_at, at(30));
    }

    #[test]
    fn timeline_is_newest_first_and_skips_tombstones() {
        let a = Activity::create(new_id([1; 16]), "01834", fields("a", 3), &by(0));
        let b = Activity::create(new_id([2; 16]), "01834", fields("b", 9), &by(1));
        let c = Activity::create(new_id([3; 16]), "01834", fields("c", 5), &by(2)).delete(&by(3));
        let all = [a.clone(), b.clone(), c];
        let t: Vec<_> = timeline(&all)
            .into_iter()
            .map(|x| x.fields.title())
            .collect();
        assert_eq!(t, vec!["b", "a"]);
    }

    proptest! {
        #[test]
        fn newer_is_commutative(r1 in 1u32..5, r2 in 1u32..5, t1 in 0i64..5, t2 in 0i64..5, d in any::<bool>()) {
            let base = Activity::create(new_id([9; 16]), "01834", fields("a", 1), &by(0));
            let x = Activity { revision: r1, updated_at: at(t1), ..base.clone() };
            let y = Activity { revision: r2, updated_at: at(t2), device_id: if d { "dev-2".into() } else { "dev-1".into() }, fields: fields("b", 2), ..base };
            prop_assert_eq!(x.newer(&y), y.newer(&x));
            if r1 != r2 {
                prop_assert_eq!(x.newer(&y).revision, r1.max(r2));
            }
        }
    }
}
