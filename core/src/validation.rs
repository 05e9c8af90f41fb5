//! Validation of an activity draft, with field-level errors and warnings in
//! Vietnamese. The app shows these messages inline; a batch importer uses the
//! same rules, so what one accepts the other accepts.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::activity::{ActivityFields, Draft, Status};
use crate::agency::Role;
use crate::dates::{format_vn, parse_vn};
use crate::plan::Plan;
use crate::record::Texts;
use crate::units::Unit;

/// A field of the record (`record::FIELDS` declares each, with its label
/// and limits).
pub use crate::record::Field;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    Required,
    BadDate,
    BeforePlan {
        #[serde(with = "crate::dates::serde_date")]
        plan_date: NaiveDate,
    },
    InFuture {
        #[serde(with = "crate::dates::serde_date")]
        today: NaiveDate,
    },
    UnknownTask,
    /// The unit no longer existed on that date (a reform): who took over.
    UnitEnded {
        #[serde(with = "crate::dates::serde_date")]
        from: NaiveDate,
        successor: String,
    },
    TooLong {
        max: usize,
        len: usize,
    },
    /// A hidden or loose character (`text::check`).
    Text(crate::text::TextProblem),
    /// The evidence files: too many, or one of them (named) wrong.
    Files {
        problem: crate::evidence::FileProblem,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

impl FieldError {
    pub fn message_vi(&self) -> String {
        let label = self.field.label_vi();
        match &self.problem {
            Problem::Required => format!("{label} không được để trống."),
            Problem::BadDate => "Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy, ví dụ 15/04/2020.".into(),
            Problem::BeforePlan { plan_date } => {
                format!("Ngày không được trước ngày ban hành Kế hoạch ({}).", format_vn(*plan_date))
            }
            Problem::InFuture { today } => format!(
                "Hoạt động đã thực hiện không thể có ngày sau hôm nay ({}). Nếu là việc sắp làm, chọn trạng thái \"Kế hoạch\".",
                format_vn(*today)
            ),
            Problem::UnknownTask => "Nhiệm vụ không có trong Kế hoạch.".into(),
            Problem::UnitEnded { from, successor } => format!(
                "Từ ngày {} đơn vị này không còn (đã sắp xếp vào {successor}): hoạt động từ ngày đó ghi cho {successor}.",
                format_vn(*from)
            ),
            Problem::TooLong { max, len } => format!("{label} dài {len} ký tự, tối đa {max} ký tự."),
            Problem::Text(p) => format!("{}.", p.message_vi(label)),
            Problem::Files { problem } => capitalised(&problem.message_vi()),
        }
    }
}

/// A sentence that starts with a capital letter.
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// The unit is neither lead nor coordinating agency of the task.
    NoRole,
}

impl Warning {
    pub fn message_vi(&self) -> String {
        match self {
            Warning::NoRole => "Lưu ý: đơn vị của bạn không được giao chủ trì hay phối hợp nhiệm vụ này. Bạn vẫn có thể lưu.".into(),
        }
    }
}

/// What validation needs besides the draft: the plan, who records, and today.
pub struct Context<'a> {
    pub plan: &'a Plan,
    pub unit: &'a Unit,
    pub today: NaiveDate,
    /// Who took over the unit at a reform (`Units::successor`): an activity
    /// dated from then on belongs to the successor.
    pub successor: Option<&'a crate::units::Successor>,
    /// Whether a record of a task the plan has retired (`Plan::retired`) is
    /// accepted: yes for a record a batch carries (made under an earlier
    /// version, or edited since), no for the form, which records only
    /// against the current tasks.
    pub retired_tasks: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub fields: ActivityFields,
    pub warnings: Vec<Warning>,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Validate a draft. All errors are reported at once, in form order.
/// The date a new activity's form starts with: today, or, for a unit that
/// ended at a reform, its last day (what it can still record is history).
pub fn default_date(today: NaiveDate, successor: Option<&crate::units::Successor>) -> NaiveDate {
    match successor {
        Some(s) if today >= s.from => s.from.pred_opt().unwrap_or(s.from),
        _ => today,
    }
}

pub fn validate(draft: &Draft, cx: &Context) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field, problem| errors.push(FieldError { field, problem });

    let id = draft.task_id.trim();
    let task = cx.plan.task(id).or_else(|| {
        cx.retired_tasks
            .then(|| cx.plan.retired(id).map(|r| &r.task))
            .flatten()
    });
    if draft.task_id.trim().is_empty() {
        err(Field::TASK, Problem::Required);
    } else if task.is_none() {
        err(Field::TASK, Problem::UnknownTask);
    }

    let status = draft.status;
    let date = if draft.date.trim().is_empty() {
        err(Field::DATE, Problem::Required);
        None
    } else {
        match parse_vn(&draft.date) {
            None => {
                err(Field::DATE, Problem::BadDate);
                None
            }
            Some(d) if d < cx.plan.records_from() => {
                err(
                    Field::DATE,
                    Problem::BeforePlan {
                        plan_date: cx.plan.records_from(),
                    },
                );
                None
            }
            Some(d) if d > cx.today && status != Some(Status::Planned) => {
                err(Field::DATE, Problem::InFuture { today: cx.today });
                None
            }
            Some(d) if cx.successor.is_some_and(|s| d >= s.from) => {
                let s = cx.successor.expect("checked");
                err(
                    Field::DATE,
                    Problem::UnitEnded {
                        from: s.from,
                        successor: s.name.clone(),
                    },
                );
                None
            }
            Some(d) => Some(d),
        }
    };

    // Every text a person types, by its declaration: required or not, its
    // limit, its line-break rule.
    let mut texts = Texts::default();
    for (field, typed) in draft.texts.iter() {
        let spec = field.spec();
        let value = typed.trim();
        let len = chars(value);
        if value.is_empty() && !spec.optional {
            err(field, Problem::Required);
        } else if len > spec.max {
            err(field, Problem::TooLong { max: spec.max, len });
        } else if let Err(p) = crate::text::check(value, spec.max, spec.multiline) {
            err(field, Problem::Text(p));
        }
        texts.set(field, value);
    }
    if status.is_none() {
        err(Field::STATUS, Problem::Required);
    }
    // The evidence files, in their canonical order.
    let files = crate::evidence::sorted(draft.files.clone());
    if let Err(problem) = crate::evidence::check(&files) {
        err(Field::FILES, Problem::Files { problem });
    }

    match (task, date, status) {
        (Some(task), Some(date), Some(status)) if errors.is_empty() => {
            let warnings = if cx.plan.role_of(cx.unit, task) == Role::Unassigned {
                vec![Warning::NoRole]
            } else {
                vec![]
            };
            Ok(Checked {
                fields: ActivityFields {
                    task_id: task.id.clone(),
                    date,
                    texts,
                    status,
                    files,
                },
                warnings,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Units;

    fn fixtures() -> (Plan, Units) {
        (
            Plan::from_json(crate::BAC_KAN_124_2020).unwrap(),
            Units::from_json(crate::BAC_KAN_UNITS_2020).unwrap(),
        )
    }

    fn draft() -> Draft {
        Draft {
            task_id: "2.3-1".into(),
            date: "15/04/2020".into(),
            texts: Texts::default()
                .with(Field::TITLE, "  Niêm yết công khai dự toán ngân sách xã  ")
                .with(Field::DESCRIPTION, "Tại trụ sở UBND xã")
                .with(Field::PARTICIPANTS, "Cán bộ văn phòng")
                .with(Field::EVIDENCE, "Thông báo số 12/TB-UBND"),
            status: Some(Status::Done),
            files: Vec::new(),
        }
    }

    /// `draft()` with these texts typed instead.
    fn typing(texts: &[(Field, String)]) -> Draft {
        let mut d = draft();
        for (f, v) in texts {
            d.texts.set(*f, v.clone());
        }
        d
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 6, 1).unwrap()
    }

    #[test]
    fn a_new_activity_of_an_ended_unit_starts_on_its_last_day() {
        let s = crate::units::Successor {
            dataset: "thai-nguyen-2025".into(),
            code: "01864".into(),
            name: "Xã Bằng Thành".into(),
            from: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            resolution: "1683/NQ-UBTVQH15".into(),
        };
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(default_date(day(2026, 11, 30), Some(&s)), day(2025, 6, 30));
        assert_eq!(default_date(day(2025, 7, 1), Some(&s)), day(2025, 6, 30));
        assert_eq!(default_date(day(2025, 6, 30), Some(&s)), day(2025, 6, 30));
        assert_eq!(default_date(day(2026, 11, 30), None), day(2026, 11, 30));
    }

    fn check(d: &Draft) -> Result<Checked, Vec<FieldError>> {
        let (plan, units) = fixtures();
        let unit = units.get("01834").unwrap().clone();
        validate(
            d,
            &Context {
                successor: None,
                retired_tasks: false,
                plan: &plan,
                unit: &unit,
                today: today(),
            },
        )
    }

    #[test]
    fn the_form_records_only_against_current_tasks_a_batch_also_retired_ones() {
        let plan = crate::fixtures::PLAN_WITHOUT_2_3_1.clone();
        let units = crate::fixtures::UNITS.clone();
        let unit = units.get("01834").unwrap().clone();
        let d = Draft {
            task_id: "2.3-1".into(),
            ..draft()
        };
        let cx = |retired_tasks| Context {
            plan: &plan,
            unit: &unit,
            today: today(),
            successor: None,
            retired_tasks,
        };
        let errs = validate(&d, &cx(false)).unwrap_err();
        assert_eq!(fields_of(errs), vec![(Field::TASK, Problem::UnknownTask)]);
        assert_eq!(validate(&d, &cx(true)).unwrap().fields.task_id, "2.3-1");
    }

    fn fields_of(errs: Vec<FieldError>) -> Vec<(Field, Problem)> {
        errs.into_iter().map(|e| (e.field, e.problem)).collect()
    }

    #[test]
    fn accepts_and_normalises_a_good_draft() {
        let c = check(&draft()).unwrap();
        assert_eq!(c.fields.title(), "Niêm yết công khai dự toán ngân sách xã");
        assert_eq!(c.fields.date, NaiveDate::from_ymd_opt(2020, 4, 15).unwrap());
        assert!(c.warnings.is_empty(), "a commune leads 2.3-1");
    }

    #[test]
    fn empty_title_and_missing_date() {
        let d = Draft {
            date: "".into(),
            ..typing(&[(Field::TITLE, "   ".into())])
        };
        let e = check(&d).unwrap_err();
        assert_eq!(
            fields_of(e.clone()),
            vec![
                (Field::DATE, Problem::Required),
                (Field::TITLE, Problem::Required)
            ]
        );
        assert_eq!(e[1].message_vi(), "Tiêu đề không được để trống.");
    }

    #[test]
    fn date_rules() {
        let bad = check(&Draft {
            date: "31/02/2020".into(),
            ..draft()
        })
        .unwrap_err();
        assert_eq!(fields_of(bad), vec![(Field::DATE, Problem::BadDate)]);
        let early = check(&Draft {
            date: "09/03/2020".into(),
            ..draft()
        })
        .unwrap_err();
        assert_eq!(
            early[0].message_vi(),
            "Ngày không được trước ngày ban hành Kế hoạch (10/03/2020)."
        );
        assert!(
            check(&Draft {
                date: "10/03/2020".into(),
                ..draft()
            })
            .is_ok(),
            "the issue date itself is fine"
        );
        let future = check(&Draft {
            date: "02/06/2020".into(),
            ..draft()
        })
        .unwrap_err();
        assert_eq!(
            fields_of(future),
            vec![(Field::DATE, Problem::InFuture { today: today() })]
        );
        // A planned activity may lie in the future.
        assert!(check(&Draft {
            date: "02/06/2020".into(),
            status: Some(Status::Planned),
            ..draft()
        })
        .is_ok());
    }

    #[test]
    fn unknown_task_and_lengths() {
        let e = check(&Draft {
            task_id: "9.9-1".into(),
            ..draft()
        })
        .unwrap_err();
        assert_eq!(fields_of(e), vec![(Field::TASK, Problem::UnknownTask)]);
        let (max_title, max_evidence) = (Field::TITLE.spec().max, Field::EVIDENCE.spec().max);
        let e = check(&typing(&[
            (Field::TITLE, "ạ".repeat(max_title + 1)),
            (Field::EVIDENCE, "x".repeat(max_evidence + 1)),
        ]))
        .unwrap_err();
        assert_eq!(
            fields_of(e.clone()),
            vec![
                (
                    Field::TITLE,
                    Problem::TooLong {
                        max: max_title,
                        len: max_title + 1
                    }
                ),
                (
                    Field::EVIDENCE,
                    Problem::TooLong {
                        max: max_evidence,
                        len: max_evidence + 1
                    }
                ),
            ]
        );
        assert_eq!(
            e[0].message_vi(),
            "Tiêu đề dài 201 ký tự, tối đa 200 ký tự."
        );
        // A hidden character, or a mark left loose, is named in the form.
        let e = check(&typing(&[
            (Field::TITLE, "Họp\u{202E}dân".into()),
            (Field::DESCRIPTION, "x\u{300}\ndòng hai".into()),
        ]))
        .unwrap_err();
        assert_eq!(
            e.iter().map(|e| e.message_vi()).collect::<Vec<_>>(),
            vec![
                "Tiêu đề chứa ký tự đảo chiều hiển thị U+202E ở vị trí 4.".to_string(),
                "Mô tả chưa chuẩn hóa Unicode dạng NFC (chữ có dấu được ghép bằng ký tự rời)."
                    .to_string(),
            ]
        );
        // Exactly at the limit (in characters, not bytes) is accepted.
        assert!(check(&typing(&[(Field::TITLE, "ạ".repeat(max_title))])).is_ok());
        let e = check(&Draft {
            status: None,
            ..draft()
        })
        .unwrap_err();
        assert_eq!(fields_of(e), vec![(Field::STATUS, Problem::Required)]);
    }

    #[test]
    fn evidence_files_are_sorted_and_checked() {
        let files = crate::fixtures::filled().fields.files;
        let mut reversed = files.clone();
        reversed.reverse();
        let c = check(&Draft {
            files: reversed,
            ..draft()
        })
        .unwrap();
        assert_eq!(c.fields.files, files, "kept in the order of their hashes");
        let mut twice = files.clone();
        twice.push(files[0].clone());
        let e = check(&Draft {
            files: twice,
            ..draft()
        })
        .unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, Field::FILES);
        assert_eq!(
            e[0].message_vi(),
            "Tệp minh chứng thứ 2 trùng với tệp liền trước (cùng mã SHA-256): mỗi tệp chỉ ghi một lần."
        );
    }

    #[test]
    fn a_task_given_to_named_communes_is_theirs_alone() {
        use crate::fixtures::{HA_LONG, NAMED_COMMUNES, QUANG_NINH, VAN_DON};
        let warnings = |code: &str| {
            let unit = QUANG_NINH.get(code).unwrap();
            let cx = Context {
                plan: &NAMED_COMMUNES,
                unit,
                today: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
                successor: None,
                retired_tasks: false,
            };
            let d = Draft {
                task_id: "1.1-1".into(),
                date: "15/03/2026".into(),
                ..draft()
            };
            validate(&d, &cx).unwrap().warnings
        };
        assert_eq!(warnings(HA_LONG), vec![]);
        assert_eq!(warnings(VAN_DON), vec![]);
        assert_eq!(warnings("06673"), vec![Warning::NoRole], "Phường Bãi Cháy");
        assert_eq!(warnings("22"), vec![Warning::NoRole], "the province office");
    }

    #[test]
    fn warns_but_accepts_when_the_unit_has_no_role() {
        // 4.2-1 belongs to Sở Y tế and Sở Giáo dục with the districts.
        let c = check(&Draft {
            task_id: "4.2-1".into(),
            ..draft()
        })
        .unwrap();
        assert_eq!(c.warnings, vec![Warning::NoRole]);
    }

    #[test]
    fn a_unit_that_ended_at_a_reform_names_its_successor() {
        let (plan, units) = fixtures();
        let next = Units::from_json(crate::THAI_NGUYEN_UNITS_2025).unwrap();
        let reform =
            crate::units::Succession::from_json(crate::BAC_KAN_2020_TO_THAI_NGUYEN_2025).unwrap();
        let units = units.with_successors(&reform, &next);
        let bo_bo = units.get("01864").unwrap();
        let cx = Context {
            plan: &plan,
            unit: bo_bo,
            today: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            successor: units.successor("01864"),
            retired_tasks: false,
        };
        let mut d = draft();
        d.date = "30/06/2025".into();
        assert!(validate(&d, &cx).is_ok(), "its last day is still its own");
        d.date = "01/07/2025".into();
        let errs = validate(&d, &cx).unwrap_err();
        assert_eq!(errs.len(), 1);
        let m = errs[0].message_vi();
        assert!(
            m.contains("01/07/2025") && m.contains("Xã Bằng Thành"),
            "{m}"
        );
    }
}
