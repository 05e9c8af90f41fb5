//! The action plan as data: a versioned JSON file (data/plans/*.json) parsed
//! into these types and checked for internal consistency on load.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::activity::Activity;
use crate::agency::{
    mentions, resolve_agencies, unit_code, Agency, AgencyGroup, AgencyId, Mention, UNIT_PREFIX,
};
use crate::units::{Level, Units};

/// The plan-file format this build understands.
pub const PLAN_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub format: u32,
    /// Stable identifier of the plan, e.g. `bac-kan-124-2020`.
    pub id: String,
    /// Version of this transcription; bumped on any data change.
    pub version: String,
    /// The unit dataset its units belong to (`Units::id`): a plan is a
    /// province's, for the units of its time.
    pub units: String,
    /// The first day records of this plan may bear: the first version's
    /// document date, kept by every later version (whose own document may
    /// be dated later), so the records made under earlier versions stay
    /// valid. `None`: the document's date.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::dates::serde_opt_date"
    )]
    pub records_from: Option<NaiveDate>,
    pub document: Document,
    pub preamble: String,
    /// Section I.1: purposes.
    pub purposes: Vec<String>,
    /// Section I.2: requirements.
    pub requirements: Vec<String>,
    /// Section II: the table.
    pub dimensions: Vec<Dimension>,
    /// Section III: organisation of implementation.
    pub organisation: Vec<String>,
    /// Section IV: funding.
    pub funding: Vec<String>,
    pub closing: String,
    pub agencies: Vec<Agency>,
    pub agency_groups: Vec<AgencyGroup>,
    /// Which catalogue agencies a user of each role acts as.
    pub role_agencies: BTreeMap<String, Vec<AgencyId>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub number: String,
    #[serde(with = "crate::dates::serde_date")]
    pub date: NaiveDate,
    pub place: String,
    pub issuer: String,
    pub title: String,
    pub title_verbatim: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimension {
    pub code: String,
    pub name: String,
    pub sub_indicators: Vec<SubIndicator>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubIndicator {
    pub code: String,
    pub name: String,
    pub tasks: Vec<Task>,
    /// Tasks an earlier version had here and this one dropped: their
    /// records stay readable and counted under this sub-indicator, and a
    /// batch naming this version may carry them, but nothing new is
    /// recorded against them. Carried from version to version by the plan
    /// builder (`plan_sheet::from_sheets`). A sub-indicator this version
    /// dropped is kept with no tasks, only its retired ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired: Vec<RetiredTask>,
}

/// A task of an earlier version of the plan, as that version wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetiredTask {
    /// The last version that had the task.
    pub last_version: String,
    pub task: Task,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Stable id: sub-indicator code and row ordinal, e.g. `3.1-2`.
    pub id: String,
    /// The source wrote the task as "- " bullets.
    pub bulleted: bool,
    /// The task text, one entry per "- " bullet (verbatim).
    pub items: Vec<String>,
    pub lead: AgencyCell,
    pub coordinating: AgencyCell,
    pub timing: String,
}

/// An agency column of a task row: the verbatim text and what it resolves to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyCell {
    pub text: String,
    /// In order of mention: catalogue agency ids, and `unit:<GSO code>`
    /// for a commune the text names ("UBND xã Phú Bình" → `unit:05908`,
    /// a commune of the plan's dataset: `agency::UNIT_PREFIX`). Only the
    /// communes named act as such an id (`Plan::agencies_of`).
    pub agencies: Vec<AgencyId>,
}

impl Task {
    /// The task text as the plan prints it.
    pub fn text(&self) -> String {
        if self.bulleted {
            format!("- {}", self.items.join(" - "))
        } else {
            self.items.join(" - ")
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    Json(String),
    UnsupportedFormat(u32),
    DuplicateTaskId(String),
    DuplicateAgencyId(String),
    UnknownAgency {
        place: String,
        agency: String,
    },
    /// A stored agency list disagrees with what its text resolves to.
    AgencyMismatch {
        place: String,
        stored: Vec<AgencyId>,
        resolved: Vec<AgencyId>,
    },
    Unresolved {
        place: String,
        leftover: String,
    },
    BadCode {
        place: String,
        code: String,
    },
    /// A `unit:` id that names no commune of the plan's dataset
    /// (`Plan::check_communes`).
    NotACommune {
        task: String,
        code: String,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::Json(e) => write!(f, "plan file is not valid JSON for this format: {e}"),
            PlanError::UnsupportedFormat(v) => {
                write!(
                    f,
                    "plan file format {v} is not supported (expected {PLAN_FORMAT})"
                )
            }
            PlanError::DuplicateTaskId(id) => write!(f, "task id {id} appears twice"),
            PlanError::DuplicateAgencyId(id) => write!(f, "agency id {id} appears twice"),
            PlanError::UnknownAgency { place, agency } => {
                write!(f, "{place}: agency {agency} is not in the catalogue")
            }
            PlanError::AgencyMismatch {
                place,
                stored,
                resolved,
            } => write!(
                f,
                "{place}: stored agencies {stored:?} differ from the text's resolution {resolved:?}"
            ),
            PlanError::Unresolved { place, leftover } => {
                write!(f, "{place}: agency text not resolved: \"{leftover}\"")
            }
            PlanError::BadCode { place, code } => write!(f, "{place}: code {code} is out of place"),
            PlanError::NotACommune { task, code } => {
                write!(
                    f,
                    "task {task}: unit {code} is not a commune of the plan's units"
                )
            }
        }
    }
}

impl std::error::Error for PlanError {}

impl Plan {
    /// Parse and check a plan file. Every agency text must resolve, with no
    /// text left over, to exactly the agencies stored beside it.
    pub fn from_json(json: &str) -> Result<Plan, PlanError> {
        let plan: Plan = serde_json::from_str(json).map_err(|e| PlanError::Json(e.to_string()))?;
        plan.check()?;
        Ok(plan)
    }

    /// The plan file's text: JSON indented by one space, as the shipped
    /// files are written (a plan built from a spreadsheet is written so).
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
        let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
        self.serialize(&mut ser).expect("plans serialise");
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// The plan's own consistency: unique ids, codes in order, every agency
    /// text resolving to exactly the agencies stored beside it.
    pub fn check(&self) -> Result<(), PlanError> {
        if self.format != PLAN_FORMAT {
            return Err(PlanError::UnsupportedFormat(self.format));
        }
        let mut agency_ids = BTreeSet::new();
        for a in &self.agencies {
            if a.id.starts_with(UNIT_PREFIX) {
                return Err(PlanError::BadCode {
                    place: "agency catalogue".into(),
                    code: a.id.clone(),
                });
            }
            if !agency_ids.insert(a.id.as_str()) {
                return Err(PlanError::DuplicateAgencyId(a.id.clone()));
            }
        }
        let known = |place: &str, id: &str| {
            if agency_ids.contains(id) {
                Ok(())
            } else {
                Err(PlanError::UnknownAgency {
                    place: place.to_string(),
                    agency: id.to_string(),
                })
            }
        };
        for a in &self.agencies {
            for m in &a.member_of {
                known(&format!("agency {}", a.id), m)?;
            }
        }
        for g in &self.agency_groups {
            for id in &g.agencies {
                known(&format!("agency group \"{}\"", g.text), id)?;
            }
        }
        // A district role only where districts exist: `Catalogue::add_plan`
        // asks for it with a three-tier dataset.
        for role in ["commune", "province"] {
            if self.role_agencies.get(role).is_none_or(Vec::is_empty) {
                return Err(PlanError::UnknownAgency {
                    place: format!("role_agencies.{role}"),
                    agency: "(none)".into(),
                });
            }
        }
        for (role, ids) in &self.role_agencies {
            for id in ids {
                known(&format!("role {role}"), id)?;
            }
        }
        let mut task_ids = BTreeSet::new();
        for (di, d) in self.dimensions.iter().enumerate() {
            if d.code != (di + 1).to_string() {
                return Err(PlanError::BadCode {
                    place: format!("dimension {}", di + 1),
                    code: d.code.clone(),
                });
            }
            for s in &d.sub_indicators {
                if s.code.split('.').next() != Some(d.code.as_str()) {
                    return Err(PlanError::BadCode {
                        place: format!("dimension {}", d.code),
                        code: s.code.clone(),
                    });
                }
                for t in &s.tasks {
                    if !task_ids.insert(t.id.as_str()) {
                        return Err(PlanError::DuplicateTaskId(t.id.clone()));
                    }
                    for (col, cell) in [("lead", &t.lead), ("coordinating", &t.coordinating)] {
                        let place = format!("task {} {col}", t.id);
                        for id in cell.agencies.iter().filter(|id| unit_code(id).is_none()) {
                            known(&place, id)?;
                        }
                        self.check_cell(place, cell)?;
                    }
                }
                // A retired task keeps its earlier version's agency texts
                // (their agencies may be gone); its id stays its own.
                for r in &s.retired {
                    if !task_ids.insert(r.task.id.as_str()) {
                        return Err(PlanError::DuplicateTaskId(r.task.id.clone()));
                    }
                }
            }
        }
        Ok(())
    }

    /// A cell's stored agencies against what its text names: the catalogue
    /// agencies exactly, each commune named by a well-formed `unit:` id
    /// (which commune is its dataset's to say: `check_communes`).
    fn check_cell(&self, place: String, cell: &AgencyCell) -> Result<(), PlanError> {
        let named =
            mentions(&cell.text, &self.agencies, &self.agency_groups).map_err(|leftover| {
                PlanError::Unresolved {
                    place: place.clone(),
                    leftover,
                }
            })?;
        let resolved = named
            .into_iter()
            .enumerate()
            .map(|(i, m)| match m {
                Mention::Agency(id) => id,
                Mention::Commune(name) => cell
                    .agencies
                    .get(i)
                    .filter(|id| unit_code(id).is_some())
                    .cloned()
                    .unwrap_or_else(|| format!("{UNIT_PREFIX}? ({name})")),
            })
            .collect();
        agrees(place, cell, resolved)
    }

    /// The communes the tasks name against the plan's dataset: every
    /// `unit:` id a commune of `units`, the one its text names.
    pub fn check_communes(&self, units: &Units) -> Result<(), PlanError> {
        let is_commune = |code: &str| units.get(code).is_some_and(|u| u.level == Level::Commune);
        for t in self.tasks() {
            for (col, cell) in [("lead", &t.lead), ("coordinating", &t.coordinating)] {
                let mut codes = cell
                    .agencies
                    .iter()
                    .filter_map(|id| unit_code(id))
                    .peekable();
                if codes.peek().is_none() {
                    continue;
                }
                if let Some(code) = codes.find(|c| !is_commune(c)) {
                    return Err(PlanError::NotACommune {
                        task: t.id.clone(),
                        code: code.to_string(),
                    });
                }
                let place = format!("task {} {col}", t.id);
                let resolved =
                    resolve_agencies(&cell.text, &self.agencies, &self.agency_groups, Some(units))
                        .map_err(|e| PlanError::Unresolved {
                            place: place.clone(),
                            leftover: e.text().to_string(),
                        })?;
                agrees(place, cell, resolved)?;
            }
        }
        Ok(())
    }

    /// The first day a record of this plan may bear (`records_from`).
    pub fn records_from(&self) -> NaiveDate {
        self.records_from.unwrap_or(self.document.date)
    }

    pub fn sub_indicators(&self) -> impl Iterator<Item = &SubIndicator> {
        self.dimensions.iter().flat_map(|d| d.sub_indicators.iter())
    }

    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.sub_indicators().flat_map(|s| s.tasks.iter())
    }

    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks().find(|t| t.id == id)
    }

    /// A task this version no longer has, kept for its records.
    pub fn retired(&self, id: &str) -> Option<&RetiredTask> {
        self.sub_indicators()
            .flat_map(|s| s.retired.iter())
            .find(|r| r.task.id == id)
    }

    /// Every retired task, with its sub-indicator, in plan order.
    pub fn retired_tasks(&self) -> impl Iterator<Item = (&SubIndicator, &RetiredTask)> {
        self.sub_indicators()
            .flat_map(|s| s.retired.iter().map(move |r| (s, r)))
    }

    /// Every task a record may name: this version's, then the retired ones
    /// with the last version that had each.
    pub fn record_tasks(&self) -> impl Iterator<Item = (&Task, Option<&str>)> {
        self.tasks().map(|t| (t, None)).chain(
            self.retired_tasks()
                .map(|(_, r)| (&r.task, Some(r.last_version.as_str()))),
        )
    }

    /// Where a record's task sits: its dimension, sub-indicator and task,
    /// and, for a task this version retired, the last version that had it.
    /// A record is counted there whichever version it was made under.
    pub fn locate_record(
        &self,
        task_id: &str,
    ) -> Option<(&Dimension, &SubIndicator, &Task, Option<&str>)> {
        self.locate(task_id)
            .map(|(d, s, t)| (d, s, t, None))
            .or_else(|| {
                self.dimensions.iter().find_map(|d| {
                    d.sub_indicators.iter().find_map(|s| {
                        s.retired
                            .iter()
                            .find(|r| r.task.id == task_id)
                            .map(|r| (d, s, &r.task, Some(r.last_version.as_str())))
                    })
                })
            })
    }

    /// The sub-indicator and dimension a task belongs to.
    pub fn locate(&self, task_id: &str) -> Option<(&Dimension, &SubIndicator, &Task)> {
        self.dimensions.iter().find_map(|d| {
            d.sub_indicators
                .iter()
                .find_map(|s| s.tasks.iter().find(|t| t.id == task_id).map(|t| (d, s, t)))
        })
    }

    pub fn agency(&self, id: &str) -> Option<&Agency> {
        self.agencies.iter().find(|a| a.id == id)
    }

    /// Per task: how many live records and the latest activity date, in one
    /// pass over the records (it runs after every save).
    pub fn task_summaries<'a>(
        &self,
        records: impl IntoIterator<Item = &'a Activity>,
    ) -> TaskSummaries<'_> {
        let ids = || {
            self.tasks()
                .map(|t| t.id.as_str())
                .chain(self.retired_tasks().map(|(_, r)| r.task.id.as_str()))
        };
        let position: HashMap<&str, usize> = ids().enumerate().map(|(i, id)| (id, i)).collect();
        let mut by_task: Vec<(&str, TaskSummary)> =
            ids().map(|id| (id, TaskSummary::default())).collect();
        for a in records.into_iter().filter(|a| !a.deleted) {
            if let Some(&i) = position.get(a.fields.task_id.as_str()) {
                let s = &mut by_task[i].1;
                s.count += 1;
                s.latest = s.latest.max(Some(a.fields.date));
            }
        }
        TaskSummaries { by_task }
    }
}

/// A cell's stored agencies are what its text resolves to.
fn agrees(place: String, cell: &AgencyCell, resolved: Vec<AgencyId>) -> Result<(), PlanError> {
    if resolved == cell.agencies {
        Ok(())
    } else {
        Err(PlanError::AgencyMismatch {
            place,
            stored: cell.agencies.clone(),
            resolved,
        })
    }
}

/// How many live records a task has, and the latest activity date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskSummary {
    pub count: usize,
    pub latest: Option<NaiveDate>,
}

/// Every task's summary (`Plan::task_summaries`), in plan order, then the
/// retired tasks'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSummaries<'p> {
    by_task: Vec<(&'p str, TaskSummary)>,
}

impl TaskSummaries<'_> {
    /// A task's summary; empty for a task the plan does not have.
    pub fn get(&self, task_id: &str) -> TaskSummary {
        self.by_task
            .iter()
            .find(|(id, _)| *id == task_id)
            .map(|(_, s)| *s)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_json() -> String {
        crate::BAC_KAN_124_2020.to_string()
    }

    #[test]
    fn loads_the_shipped_plan() {
        let p = Plan::from_json(&plan_json()).unwrap();
        assert_eq!(p.dimensions.len(), 8);
        assert_eq!(p.sub_indicators().count(), 27);
        assert_eq!(p.tasks().count(), 42);
        assert_eq!(p.document.number, "124/KH-UBND");
        assert_eq!(
            p.document.date,
            NaiveDate::from_ymd_opt(2020, 3, 10).unwrap()
        );
    }

    /// The shipped plan with one edit applied to its JSON tree.
    fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut v: serde_json::Value = serde_json::from_str(&plan_json()).unwrap();
        edit(&mut v);
        v.to_string()
    }

    #[test]
    fn rejects_a_stored_agency_list_that_disagrees_with_its_text() {
        let bad = edited(|v| {
            v["dimensions"][0]["sub_indicators"][0]["tasks"][0]["lead"]["agencies"][0] =
                "ubnd-huyen".into()
        });
        let err = Plan::from_json(&bad).unwrap_err();
        assert!(
            matches!(err, PlanError::AgencyMismatch { ref place, .. } if place == "task 1.1-1 lead"),
            "{err}"
        );
    }

    #[test]
    fn rejects_unknown_format_and_bad_json() {
        let bad = plan_json().replacen("\"format\": 1", "\"format\": 2", 1);
        assert_eq!(
            Plan::from_json(&bad).unwrap_err(),
            PlanError::UnsupportedFormat(2)
        );
        assert!(matches!(Plan::from_json("{"), Err(PlanError::Json(_))));
    }

    #[test]
    fn every_role_must_act_as_some_agency() {
        let bad = edited(|v| {
            v["role_agencies"]
                .as_object_mut()
                .unwrap()
                .remove("commune");
        });
        let err = Plan::from_json(&bad).unwrap_err();
        assert!(err.to_string().contains("role_agencies.commune"), "{err}");
    }

    #[test]
    fn rejects_duplicate_task_ids() {
        let bad =
            edited(|v| v["dimensions"][0]["sub_indicators"][1]["tasks"][1]["id"] = "1.2-1".into());
        assert_eq!(
            Plan::from_json(&bad).unwrap_err(),
            PlanError::DuplicateTaskId("1.2-1".into())
        );
    }

    #[test]
    fn reports_unresolvable_agency_text_with_its_place() {
        let bad = edited(|v| {
            v["dimensions"][3]["sub_indicators"][0]["tasks"][1]["lead"]["text"] =
                "Thanh tra tỉnh; Sở Ngoại giao".into()
        });
        match Plan::from_json(&bad).unwrap_err() {
            PlanError::Unresolved { place, leftover } => {
                assert_eq!(place, "task 4.1-2 lead");
                assert_eq!(leftover, "Sở Ngoại giao");
            }
            e => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn task_summaries_count_live_records_and_the_latest_date() {
        use crate::activity::{new_id, Author};
        let p = Plan::from_json(&plan_json()).unwrap();
        let by = Author {
            name: "A",
            device_id: "d",
            now: chrono::DateTime::UNIX_EPOCH,
        };
        let rec = |n: u8, task: &str, day: u32| {
            let mut f = crate::fixtures::fields("x");
            f.task_id = task.into();
            f.date = NaiveDate::from_ymd_opt(2020, 5, day).unwrap();
            Activity::create(new_id([n; 16]), "01834", f, &by)
        };
        let all = [
            rec(1, "1.1-1", 3),
            rec(2, "1.1-1", 9),
            rec(3, "1.1-1", 20).delete(&by),
            rec(4, "8.2-1", 1),
            rec(5, "no-such-task", 1),
        ];
        let s = p.task_summaries(&all);
        assert_eq!(
            s.get("1.1-1"),
            TaskSummary {
                count: 2,
                latest: NaiveDate::from_ymd_opt(2020, 5, 9)
            }
        );
        assert_eq!(s.get("8.2-1").count, 1);
        assert_eq!(s.get("2.1-1"), TaskSummary::default());
        assert_eq!(s.get("no-such-task"), TaskSummary::default());
    }

    #[test]
    fn task_text_round_trips_bullets() {
        let p = Plan::from_json(&plan_json()).unwrap();
        let t = p.task("1.4-1").unwrap();
        assert!(t.bulleted);
        assert_eq!(t.items.len(), 2);
        assert!(t.text().starts_with("- Tăng cường sự tham gia"));
        assert!(t.text().contains(". - Xử lý nghiêm"));
        let (d, s, _) = p.locate("8.2-1").unwrap();
        assert_eq!((d.code.as_str(), s.code.as_str()), ("8", "8.2"));
    }

    #[test]
    fn a_named_commune_is_a_well_formed_unit_id_beside_its_name() {
        let named = crate::fixtures::NAMED_COMMUNES.clone();
        named.check().unwrap();
        let with_lead = |text: &str, ids: &[&str]| {
            let mut p = named.clone();
            let t = &mut p.dimensions[0].sub_indicators[0].tasks[0];
            t.lead.text = text.into();
            t.lead.agencies = ids.iter().map(|s| s.to_string()).collect();
            p.check()
        };
        // Which commune a code is, is its dataset's to say (`check_communes`).
        assert_eq!(with_lead("UBND phường Hạ Long", &["unit:12345"]), Ok(()));
        assert!(matches!(
            with_lead("UBND phường Hạ Long", &["unit:123"]),
            Err(PlanError::UnknownAgency { ref agency, .. }) if agency == "unit:123"
        ));
        assert!(matches!(
            with_lead("UBND phường Hạ Long", &["so-tu-phap"]),
            Err(PlanError::AgencyMismatch { .. })
        ));
        assert!(matches!(
            with_lead("Sở Tư pháp", &["so-tu-phap", "unit:06688"]),
            Err(PlanError::AgencyMismatch { .. })
        ));
        assert!(matches!(
            with_lead(
                "UBND phường Hạ Long; Sở Tư pháp",
                &["so-tu-phap", "unit:06688"]
            ),
            Err(PlanError::AgencyMismatch { .. })
        ));
        let mut odd = named.clone();
        odd.agencies[0].id = "unit:06688".into();
        assert!(matches!(odd.check(), Err(PlanError::BadCode { .. })));
    }

    #[test]
    fn the_named_communes_are_checked_against_the_dataset() {
        let named = crate::fixtures::NAMED_COMMUNES.clone();
        let qn = &*crate::fixtures::QUANG_NINH;
        named.check_communes(qn).unwrap();
        let tn = Units::from_json(crate::THAI_NGUYEN_UNITS_2025).unwrap();
        assert_eq!(
            named.check_communes(&tn),
            Err(PlanError::NotACommune {
                task: "1.1-1".into(),
                code: "06688".into()
            })
        );
        // A commune of the dataset, but not the one the text names.
        let mut swapped = named.clone();
        swapped.dimensions[0].sub_indicators[0].tasks[0]
            .lead
            .agencies
            .reverse();
        assert!(matches!(
            swapped.check_communes(qn),
            Err(PlanError::AgencyMismatch { ref place, .. }) if place == "task 1.1-1 lead"
        ));
    }
}
