//! The unit's assessment of a period (issue 30): the parts of its report
//! that only a person can write, typed by the officer and carried upward in
//! a batch (format version 3, `assessments`). One per (unit, plan, period):
//! the batch's unit and plan, and its `period`. Versioned and merged like an
//! activity record: every change bumps `revision`; the winner is the
//! records' rule (`declared::version_cmp`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::activity::MAX_REVISION;
use crate::declared::{self, fixed, text, Declared, Kind, Spec, Value, Values};
use crate::review::ReviewPeriod;
use crate::text::{MAX_AUTHOR, MAX_DEVICE_ID};

/// The longest section, in characters.
pub const MAX_SECTION: usize = 4000;

/// A section of the assessment: an optional text of several lines.
const fn section(wire: &'static str, label_vi: &'static str) -> Spec {
    Spec {
        multiline: true,
        ..text(wire, label_vi, MAX_SECTION)
    }
}

/// The assessment's fields, in the canonical order.
pub const FIELDS: &[Spec] = &[
    fixed("period", "Kỳ báo cáo", Kind::Period),
    section("results", "Kết quả nổi bật"),
    section("shortcomings", "Hạn chế, khó khăn và nguyên nhân"),
    section("direction", "Phương hướng, giải pháp"),
    section("proposals", "Đề xuất, kiến nghị"),
    text("author", "Người ghi", MAX_AUTHOR),
    Spec {
        optional: false,
        ..text("device_id", "Mã thiết bị", MAX_DEVICE_ID)
    },
    fixed("updated_at", "Thời điểm sửa", Kind::Instant),
    fixed("revision", "Số lần sửa", Kind::Revision),
    fixed("deleted", "Đã xóa", Kind::Deleted),
];

/// The four sections, in the report's order: their wire names.
pub const SECTIONS: [&str; 4] = ["results", "shortcomings", "direction", "proposals"];

/// A unit's assessment of one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub period: ReviewPeriod,
    /// II. Đánh giá: kết quả nổi bật.
    pub results: String,
    /// Hạn chế, khó khăn và nguyên nhân.
    pub shortcomings: String,
    /// III. Phương hướng, giải pháp.
    pub direction: String,
    /// IV. Đề xuất, kiến nghị.
    pub proposals: String,
    pub author: String,
    /// The device of the last change.
    pub device_id: String,
    pub updated_at: DateTime<Utc>,
    /// 1 on creation, +1 on every change.
    pub revision: u32,
    pub deleted: bool,
}

impl Declared for Assessment {
    type Key = ReviewPeriod;
    const FIELDS: &'static [Spec] = FIELDS;
    const NAME_VI: &'static str = "đánh giá";
    const KEY_VI: &'static str = "kỳ";

    fn get(&self, wire: &str) -> Value<'_> {
        match wire {
            "period" => Value::Period(self.period),
            "results" => Value::Text(&self.results),
            "shortcomings" => Value::Text(&self.shortcomings),
            "direction" => Value::Text(&self.direction),
            "proposals" => Value::Text(&self.proposals),
            "author" => Value::Text(&self.author),
            "device_id" => Value::Text(&self.device_id),
            "updated_at" => Value::Instant(self.updated_at),
            "revision" => Value::Revision(self.revision),
            "deleted" => Value::Deleted(self.deleted),
            _ => unreachable!("not a field of assessment::FIELDS: {wire}"),
        }
    }

    fn build(v: &mut Values) -> Assessment {
        Assessment {
            period: v.period("period"),
            results: v.text("results"),
            shortcomings: v.text("shortcomings"),
            direction: v.text("direction"),
            proposals: v.text("proposals"),
            author: v.text("author"),
            device_id: v.text("device_id"),
            updated_at: v.instant("updated_at"),
            revision: v.revision("revision"),
            deleted: v.deleted("deleted"),
        }
    }

    fn key(&self) -> ReviewPeriod {
        self.period
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

/// The four sections as typed, in the order of `SECTIONS`.
pub type Sections = [String; 4];

/// Who saves a version, and when.
pub struct Saver<'a> {
    pub author: &'a str,
    pub device_id: &'a str,
    pub at: DateTime<Utc>,
}

impl Assessment {
    /// A section's text, by its wire name (one of `SECTIONS`).
    pub fn section(&self, wire: &str) -> &str {
        match self.get(wire) {
            Value::Text(t) => t,
            _ => "",
        }
    }

    /// The four sections, in the order of `SECTIONS`.
    pub fn sections(&self) -> Sections {
        SECTIONS.map(|w| self.section(w).to_string())
    }

    /// Whether every section is empty.
    pub fn is_blank(&self) -> bool {
        SECTIONS.iter().all(|w| self.section(w).is_empty())
    }

    /// The version saved from the form: the first (revision 1) or the one
    /// after `prev`; all sections emptied, a tombstone. `Ok(None)` when
    /// nothing changed (the sections already say that), so a save twice
    /// makes one version. The sections must be clean already
    /// (`text::clean`); spaces at either end are dropped. Every field is
    /// checked by the declaration: the first problem, named.
    pub fn saved(
        prev: Option<&Assessment>,
        period: ReviewPeriod,
        sections: Sections,
        by: &Saver,
    ) -> Result<Option<Assessment>, declared::Issue> {
        let [results, shortcomings, direction, proposals] = sections.map(|s| s.trim().to_string());
        let blank = [&results, &shortcomings, &direction, &proposals]
            .iter()
            .all(|s| s.is_empty());
        let next = Assessment {
            period,
            results,
            shortcomings,
            direction,
            proposals,
            author: by.author.trim().to_string(),
            device_id: by.device_id.to_string(),
            updated_at: by.at,
            revision: prev.map_or(1, |p| p.revision.saturating_add(1).min(MAX_REVISION)),
            deleted: blank,
        };
        let unchanged = match prev {
            Some(p) => p.sections() == next.sections() && p.deleted == next.deleted,
            None => blank,
        };
        if unchanged {
            return Ok(None);
        }
        declared::check(&next)?;
        Ok(Some(next))
    }
}

/// One section of the units' assessments put together for the receiver's
/// own report: a line per unit that wrote something in it ("- Xã Đổng Xá:
/// …", its lines joined by "; "), in the order given, within `room`
/// characters; the units that do not fit are counted in a last line.
pub fn compile(units: &[(String, &Assessment)], wire: &str, room: usize) -> String {
    let written: Vec<(&String, String)> = units
        .iter()
        .filter(|(_, a)| !a.deleted)
        .map(|(name, a)| {
            let text: Vec<&str> = a
                .section(wire)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            (name, text.join("; "))
        })
        .filter(|(_, t)| !t.is_empty())
        .collect();
    let mut out = String::new();
    let mut used = 0;
    for (i, (name, text)) in written.iter().enumerate() {
        let line = format!("- {name}: {text}");
        let rest = written.len() - i - 1;
        // Room for this line, its line break, and the last line if some
        // are left out after it.
        let tail = match rest {
            0 => 0,
            _ => 60,
        };
        let len = line.chars().count() + usize::from(!out.is_empty());
        if used + len + tail > room {
            let left = written.len() - i;
            let last = format!("- Và {left} đơn vị khác: xem đánh giá của từng đơn vị.");
            let len = last.chars().count() + usize::from(!out.is_empty());
            if used + len <= room {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&last);
            }
            return out;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&line);
        used += len;
    }
    out
}

impl Serialize for Assessment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        declared::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Assessment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Assessment, D::Error> {
        declared::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declared::{check, Problem};
    use crate::fixtures::filled_assessment;

    /// `fixtures::filled_assessment()`'s bytes: every field, in the
    /// declaration's order.
    pub(crate) const FILLED: &str = r#"{"period":"2020","results":"Kết quả nổi bật\ndòng hai","shortcomings":"Hạn chế, khó khăn và nguyên nhân\ndòng hai","direction":"Phương hướng, giải pháp\ndòng hai","proposals":"Đề xuất, kiến nghị\ndòng hai","author":"Người ghi (author)","device_id":"dev-b","updated_at":"2020-05-01T09:30:00.000Z","revision":2,"deleted":false}"#;

    #[test]
    fn an_assessment_is_written_by_its_declaration() {
        let a = filled_assessment();
        assert_eq!(serde_json::to_string(&a).unwrap(), FILLED);
        assert_eq!(serde_json::from_str::<Assessment>(FILLED).unwrap(), a);
        assert_eq!(a.section("direction"), "Phương hướng, giải pháp\ndòng hai");
        assert_eq!(check(&a), Ok(()));
    }

    #[test]
    fn exactly_the_declared_fields_are_read() {
        let extra = FILLED.replacen(r#""deleted":false"#, r#""deleted":false,"x":1"#, 1);
        let e = serde_json::from_str::<Assessment>(&extra).unwrap_err();
        assert!(e.to_string().starts_with("unknown field `x`"), "{e}");
        let twice = FILLED.replacen(r#""revision":2"#, r#""revision":2,"revision":3"#, 1);
        assert!(serde_json::from_str::<Assessment>(&twice).is_err());
        let missing = FILLED.replacen(r#","deleted":false"#, "", 1);
        let e = serde_json::from_str::<Assessment>(&missing).unwrap_err();
        assert!(e.to_string().starts_with("missing field `deleted`"), "{e}");
        for bad in ["2026-H3", "1999", "2026-h1"] {
            let period = FILLED.replacen("\"2020\"", &format!("\"{bad}\""), 1);
            assert!(
                serde_json::from_str::<Assessment>(&period).is_err(),
                "{bad}"
            );
        }
        let loose_time = FILLED.replacen(".000Z", "Z", 1);
        assert!(serde_json::from_str::<Assessment>(&loose_time).is_err());
    }

    #[test]
    fn each_section_is_held_to_its_limit() {
        let mut a = filled_assessment();
        a.shortcomings = "ạ".repeat(MAX_SECTION + 1);
        let e = check(&a).unwrap_err();
        assert_eq!(e.field.wire, "shortcomings");
        assert!(
            e.message_vi()
                .starts_with("Hạn chế, khó khăn và nguyên nhân dài 4001 ký tự"),
            "{}",
            e.message_vi()
        );
        a.shortcomings = "ạ".repeat(MAX_SECTION);
        assert_eq!(check(&a), Ok(()));
        a.results = String::new();
        assert_eq!(check(&a), Ok(()), "a section may be empty");
        a.results = " x".into();
        assert_eq!(check(&a).unwrap_err().problem, Problem::NotTrimmed);
        a.results = "x".into();
        a.device_id = " ".into();
        assert_eq!(check(&a).unwrap_err().problem, Problem::Required);
        a.device_id = "d".into();
        a.revision = 0;
        assert_eq!(check(&a).unwrap_err().problem, Problem::Revision(0));
    }

    fn saver(min: i64) -> Saver<'static> {
        Saver {
            author: " Hà Thị B ",
            device_id: "dev-a",
            at: crate::fixtures::at(min),
        }
    }

    fn typed(results: &str) -> Sections {
        [
            results.into(),
            "Hạn chế".into(),
            String::new(),
            String::new(),
        ]
    }

    #[test]
    fn a_save_makes_the_next_version_or_nothing() {
        let p = ReviewPeriod::year(2020);
        let first = Assessment::saved(None, p, typed(" Kết quả "), &saver(1))
            .unwrap()
            .unwrap();
        assert_eq!((first.revision, first.deleted), (1, false));
        assert_eq!(
            (first.results.as_str(), first.author.as_str()),
            ("Kết quả", "Hà Thị B")
        );
        // The same sections again: no new version.
        assert_eq!(
            Assessment::saved(Some(&first), p, typed("Kết quả"), &saver(2)),
            Ok(None)
        );
        let second = Assessment::saved(Some(&first), p, typed("Kết quả mới"), &saver(3))
            .unwrap()
            .unwrap();
        assert_eq!(second.revision, 2);
        assert!(declared::version_cmp(&second, &first).is_gt());
        // Emptied: a tombstone, which a later text brings back.
        let gone = Assessment::saved(Some(&second), p, Default::default(), &saver(4))
            .unwrap()
            .unwrap();
        assert!(gone.deleted && gone.is_blank() && gone.revision == 3);
        let back = Assessment::saved(Some(&gone), p, typed("Lại"), &saver(5))
            .unwrap()
            .unwrap();
        assert!(!back.deleted && back.revision == 4);
        // Nothing typed and nothing held: nothing to save.
        assert_eq!(
            Assessment::saved(None, p, Default::default(), &saver(6)),
            Ok(None)
        );
    }

    #[test]
    fn a_save_past_a_limit_names_the_section() {
        let long = "ạ".repeat(MAX_SECTION + 1);
        let e =
            Assessment::saved(None, ReviewPeriod::year(2020), typed(&long), &saver(1)).unwrap_err();
        assert_eq!(e.field.wire, "results");
        assert!(
            e.message_vi().starts_with("Kết quả nổi bật dài 4001 ký tự"),
            "{}",
            e.message_vi()
        );
    }

    #[test]
    fn the_units_sections_are_compiled_within_the_room_given() {
        let mut a = filled_assessment();
        a.shortcomings = "Thiếu bảng tin\n\nchưa có kinh phí".into();
        let mut b = filled_assessment();
        b.shortcomings = String::new();
        let mut c = filled_assessment();
        c.shortcomings =
            "Cán bộ kiêm nhiệm nhiều việc, chưa được tập huấn về PAPI và cải cách hành chính"
                .into();
        let mut gone = filled_assessment();
        gone.deleted = true;
        let list = vec![
            ("Xã A".to_string(), &a),
            ("Xã B".to_string(), &b),
            ("Xã C".to_string(), &c),
            ("Xã D".to_string(), &gone),
        ];
        assert_eq!(
            compile(&list, "shortcomings", MAX_SECTION),
            "- Xã A: Thiếu bảng tin; chưa có kinh phí\n- Xã C: Cán bộ kiêm nhiệm nhiều việc, chưa được tập huấn về PAPI và cải cách hành chính"
        );
        // Too little room: the units left out are counted, and the text
        // never passes the room.
        let tight = compile(&list, "shortcomings", 100);
        assert_eq!(
            tight,
            "- Xã A: Thiếu bảng tin; chưa có kinh phí\n- Và 1 đơn vị khác: xem đánh giá của từng đơn vị."
        );
        for room in 0..120 {
            assert!(
                compile(&list, "shortcomings", room).chars().count() <= room,
                "{room}"
            );
        }
        assert_eq!(compile(&list, "proposals", 0), "");
    }

    #[test]
    fn the_declaration_holds_together() {
        let wires: Vec<&str> = FIELDS.iter().map(|s| s.wire).collect();
        let mut unique = wires.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), wires.len());
        for s in SECTIONS {
            let spec = declared::spec::<Assessment>(s);
            assert!(spec.multiline && spec.optional && spec.max == MAX_SECTION);
        }
        for s in FIELDS {
            assert_eq!(s.max > 0, s.kind == Kind::Text, "{}", s.wire);
        }
    }
}
