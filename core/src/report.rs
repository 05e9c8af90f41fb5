//! Report figures: the district and province roll-ups, completeness per
//! unit and period, and the year-end report's content (Section III of the
//! plan), plus CSV. Pure functions of the records, the receipts, the plan,
//! the units and "today", so the same figures come out on every device.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::activity::{Activity, Status};
use crate::agency::Role;
use crate::dates::{format_vn, vn_date};
use crate::merge::{gaps, Arrival, ArrivalBasis, Missing, Receipt, RecordKey, Scope};
use crate::plan::{Dimension, Plan, RetiredTask, Task};
use crate::record::{Field, Kind};
use crate::units::{Level, Unit, Units};

/// Days after a period's end by which its report is due.
pub const REPORT_GRACE_DAYS: i64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Year(i32),
    /// Year and quarter 1..=4.
    Quarter(i32, u32),
    /// Year and half 1..=2 ("6 tháng đầu năm", "6 tháng cuối năm").
    Half(i32, u32),
}

impl Period {
    pub fn start(self) -> NaiveDate {
        match self {
            Period::Year(y) => NaiveDate::from_ymd_opt(y, 1, 1),
            Period::Quarter(y, q) => NaiveDate::from_ymd_opt(y, (q.clamp(1, 4) - 1) * 3 + 1, 1),
            Period::Half(y, h) => NaiveDate::from_ymd_opt(y, (h.clamp(1, 2) - 1) * 6 + 1, 1),
        }
        .expect("a valid year")
    }

    pub fn end(self) -> NaiveDate {
        match self {
            Period::Year(y) | Period::Quarter(y, 4..) | Period::Half(y, 2..) => {
                NaiveDate::from_ymd_opt(y, 12, 31).expect("a valid year")
            }
            Period::Half(y, _) => NaiveDate::from_ymd_opt(y, 6, 30).expect("a valid year"),
            Period::Quarter(y, q) => {
                NaiveDate::from_ymd_opt(y, q.clamp(1, 3) * 3 + 1, 1).expect("a valid year")
                    - Duration::days(1)
            }
        }
    }

    pub fn deadline(self) -> NaiveDate {
        self.end() + Duration::days(REPORT_GRACE_DAYS)
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        self.start() <= d && d <= self.end()
    }

    pub fn year(self) -> i32 {
        match self {
            Period::Year(y) | Period::Quarter(y, _) | Period::Half(y, _) => y,
        }
    }

    pub fn label_vi(self) -> String {
        match self {
            Period::Year(y) => format!("Năm {y}"),
            Period::Quarter(y, q) => {
                let roman = ["I", "II", "III", "IV"][(q.clamp(1, 4) - 1) as usize];
                format!("Quý {roman}/{y}")
            }
            Period::Half(y, 1) => format!("6 tháng đầu năm {y}"),
            Period::Half(y, _) => format!("6 tháng cuối năm {y}"),
        }
    }
}

/// Count and latest date of live activities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    pub count: usize,
    pub latest: Option<NaiveDate>,
}

impl Cell {
    fn add(&mut self, d: NaiveDate) {
        self.count += 1;
        self.latest = self.latest.max(Some(d));
    }
}

/// The rows of a roll-up: for a district, its communes then itself; for
/// the province, its districts (each with its communes) then itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rows {
    pub scope: Scope,
    /// Unit codes, one per row, in display order.
    pub codes: Vec<String>,
    /// Which row a recording unit's activities count in.
    row_of: HashMap<String, usize>,
}

/// The province office's row, where the provincial bodies count too.
fn push_province_row(units: &Units, codes: &mut Vec<String>, row_of: &mut HashMap<String, usize>) {
    if let Some(p) = units.province() {
        row_of.insert(p.code.clone(), codes.len());
        for b in units.bodies() {
            row_of.insert(b.code.clone(), codes.len());
        }
        codes.push(p.code.clone());
    }
}

impl Rows {
    pub fn new(scope: &Scope, units: &Units) -> Rows {
        let mut codes = Vec::new();
        let mut row_of = HashMap::new();
        match scope {
            Scope::District(d) => {
                for c in units.children(d) {
                    row_of.insert(c.code.clone(), codes.len());
                    codes.push(c.code.clone());
                }
                row_of.insert(d.clone(), codes.len());
                codes.push(d.clone());
            }
            Scope::Province if units.two_tier() => {
                // Two tiers: one row per commune, straight under the province.
                for c in units.communes() {
                    row_of.insert(c.code.clone(), codes.len());
                    codes.push(c.code.clone());
                }
                push_province_row(units, &mut codes, &mut row_of);
            }
            Scope::Province => {
                for d in units.districts() {
                    let i = codes.len();
                    row_of.insert(d.code.clone(), i);
                    for c in units.children(&d.code) {
                        row_of.insert(c.code.clone(), i);
                    }
                    codes.push(d.code.clone());
                }
                push_province_row(units, &mut codes, &mut row_of);
            }
        }
        Rows {
            scope: scope.clone(),
            codes,
            row_of,
        }
    }

    /// One unit on its own (a commune's own report).
    pub fn single(unit_code: &str) -> Rows {
        Rows {
            scope: Scope::District(unit_code.to_string()),
            codes: vec![unit_code.to_string()],
            row_of: HashMap::from([(unit_code.to_string(), 0)]),
        }
    }

    pub fn row_of(&self, unit_code: &str) -> Option<usize> {
        self.row_of.get(unit_code).copied()
    }

    /// Every recording unit of the rows.
    pub fn units(&self) -> impl Iterator<Item = &str> {
        self.row_of.keys().map(String::as_str)
    }

    /// The recording units a row stands for.
    pub fn members<'a>(&'a self, row: usize) -> impl Iterator<Item = &'a str> + 'a {
        self.row_of
            .iter()
            .filter(move |(_, r)| **r == row)
            .map(|(c, _)| c.as_str())
    }
}

/// Live activities of the period that count in some row, with that row.
fn live<'a>(
    records: impl IntoIterator<Item = &'a Activity>,
    rows: &Rows,
    period: Period,
) -> Vec<(usize, &'a Activity)> {
    records
        .into_iter()
        .filter(|a| !a.deleted && period.contains(a.fields.date))
        .filter_map(|a| rows.row_of(&a.unit_code).map(|r| (r, a)))
        .collect()
}

/// Rows × sub-indicators (in plan order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    pub sub_indicators: Vec<String>,
    pub cells: Vec<Vec<Cell>>,
    pub row_totals: Vec<Cell>,
    pub column_totals: Vec<Cell>,
}

pub fn matrix<'a>(
    records: impl IntoIterator<Item = &'a Activity>,
    plan: &Plan,
    rows: &Rows,
    period: Period,
) -> Matrix {
    let subs: Vec<String> = plan.sub_indicators().map(|s| s.code.clone()).collect();
    // A retired task's records count in the column it was in.
    let col_of: HashMap<&str, usize> = plan
        .sub_indicators()
        .enumerate()
        .flat_map(|(i, s)| {
            let retired = s.retired.iter().map(|r| &r.task);
            s.tasks
                .iter()
                .chain(retired)
                .map(move |t| (t.id.as_str(), i))
        })
        .collect();
    let mut cells = vec![vec![Cell::default(); subs.len()]; rows.codes.len()];
    let mut row_totals = vec![Cell::default(); rows.codes.len()];
    let mut column_totals = vec![Cell::default(); subs.len()];
    for (r, a) in live(records, rows, period) {
        if let Some(&c) = col_of.get(a.fields.task_id.as_str()) {
            cells[r][c].add(a.fields.date);
            row_totals[r].add(a.fields.date);
            column_totals[c].add(a.fields.date);
        }
    }
    Matrix {
        sub_indicators: subs,
        cells,
        row_totals,
        column_totals,
    }
}

/// One row's tasks: counts per task id.
pub fn task_cells<'a>(
    records: impl IntoIterator<Item = &'a Activity>,
    rows: &Rows,
    row: usize,
    period: Period,
) -> BTreeMap<String, Cell> {
    let mut out: BTreeMap<String, Cell> = BTreeMap::new();
    for (r, a) in live(records, rows, period) {
        if r == row {
            out.entry(a.fields.task_id.clone())
                .or_default()
                .add(a.fields.date);
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// A batch sealed within the period or by its deadline carried it.
    OnTime,
    /// Reported, but the first batch after the period began came late.
    Late,
    /// Nothing for the period, and the deadline has passed.
    Missing,
    /// Nothing yet, and the deadline has not come.
    NotDue,
}

impl Completeness {
    pub fn label_vi(self) -> &'static str {
        match self {
            Completeness::OnTime => "Đã báo cáo đúng hạn",
            Completeness::Late => "Báo cáo muộn",
            Completeness::Missing => "Chưa báo cáo (quá hạn)",
            Completeness::NotDue => "Chưa báo cáo (chưa đến hạn)",
        }
    }
}

/// Per recording unit (a commune, or the district itself): what arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitStatus {
    pub unit_code: String,
    pub activities: usize,
    pub batches: usize,
    pub last_batch: Option<NaiveDate>,
    pub missing_batches: Missing,
    pub completeness: Completeness,
    /// How "on time" was judged: by the server's time of receipt, or (when
    /// any activity of the period came only in a file) by the sealing time
    /// written in the file. `None` when nothing had to arrive.
    pub basis: Option<ArrivalBasis>,
}

/// The status of each unit that reports into `scope` directly: a district's
/// communes (and itself), or the province's districts' communes and the
/// districts (the province sees every recording unit).
pub fn unit_statuses<'a>(
    records: impl IntoIterator<Item = &'a Activity> + Clone,
    receipts: &[&'a Receipt],
    delivered: &HashMap<RecordKey, Arrival>,
    units: &Units,
    scope: &Scope,
    period: Period,
    today: NaiveDate,
) -> Vec<UnitStatus> {
    let reporting: Vec<&Unit> = match scope {
        Scope::District(d) => units.children(d).chain(units.get(d)).collect(),
        Scope::Province => units
            .communes()
            .chain(units.districts())
            .chain(units.province())
            .chain(units.bodies())
            .collect(),
    };
    let live_in_period = records
        .clone()
        .into_iter()
        .filter(|a| !a.deleted && period.contains(a.fields.date));
    let arrived = arrivals(live_in_period, receipts.iter().copied(), delivered);
    let gap_list = gaps(receipts.iter().copied());
    // The receiver's own activities are recorded where the report is made:
    // nothing has to reach it, so they are never late.
    let own = match scope {
        Scope::District(d) => Some(d.as_str()),
        Scope::Province => units.province().map(|u| u.code.as_str()),
    };
    reporting
        .into_iter()
        .map(|u| {
            let from = arrived.get(u.code.as_str()).copied().unwrap_or_default();
            let own_unit = own == Some(u.code.as_str());
            // On time when every activity of the period had arrived by the
            // deadline; one that came after makes the unit late.
            let completeness = match (from.activities, from.reached) {
                (0, _) if today <= period.deadline() => Completeness::NotDue,
                (0, _) => Completeness::Missing,
                _ if own_unit => Completeness::OnTime,
                (_, Some(d)) if d > period.deadline() => Completeness::Late,
                _ => Completeness::OnTime,
            };
            UnitStatus {
                unit_code: u.code.clone(),
                activities: from.activities,
                batches: from.batches,
                last_batch: from.last_batch.map(vn_date),
                missing_batches: gap_list.iter().filter(|g| g.unit_code == u.code).fold(
                    Missing::default(),
                    |mut m, g| {
                        m.extend(&g.missing);
                        m
                    },
                ),
                completeness,
                basis: from.basis.filter(|_| !own_unit),
            }
        })
        .collect()
}

/// What arrived from one unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Arrived {
    /// Live activities (of the records given).
    activities: usize,
    /// The day the last of them reached the receiver, and how that is known
    /// (a file's word is the weaker, so it names the basis when any
    /// activity has only that).
    reached: Option<NaiveDate>,
    basis: Option<ArrivalBasis>,
    batches: usize,
    /// When the latest batch was sealed.
    last_batch: Option<DateTime<Utc>>,
}

/// Per unit: the given live records and the batches that came from it.
fn arrivals<'a>(
    live: impl IntoIterator<Item = &'a Activity>,
    receipts: impl IntoIterator<Item = &'a Receipt>,
    delivered: &HashMap<RecordKey, Arrival>,
) -> HashMap<&'a str, Arrived> {
    let mut out: HashMap<&str, Arrived> = HashMap::new();
    for a in live {
        let e = out.entry(a.unit_code.as_str()).or_default();
        e.activities += 1;
        if let Some(t) = delivered.get(&RecordKey::of(a)) {
            e.reached = e.reached.max(Some(vn_date(t.at)));
            e.basis = e.basis.max(Some(t.basis));
        }
    }
    for r in receipts {
        let e = out.entry(r.key.unit_code.as_str()).or_default();
        e.batches += 1;
        e.last_batch = e.last_batch.max(Some(r.created_at));
    }
    out
}

/// What a receiver holds from one unit, whatever the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedUnit {
    pub unit_code: String,
    /// Live records.
    pub activities: usize,
    pub batches: usize,
    /// When the latest batch was sealed.
    pub last_batch: Option<DateTime<Utc>>,
}

/// Per unit that anything came from (a record or a batch), by unit code:
/// the received data's summary.
pub fn received_units<'a>(
    records: impl IntoIterator<Item = &'a Activity>,
    receipts: impl IntoIterator<Item = &'a Receipt>,
) -> Vec<ReceivedUnit> {
    let live = records.into_iter().filter(|a| !a.deleted);
    let mut out: Vec<ReceivedUnit> = arrivals(live, receipts, &HashMap::new())
        .into_iter()
        .map(|(code, from)| ReceivedUnit {
            unit_code: code.to_string(),
            activities: from.activities,
            batches: from.batches,
            last_batch: from.last_batch,
        })
        .collect();
    out.sort_by(|a, b| a.unit_code.cmp(&b.unit_code));
    out
}

/// Tasks a commune in scope leads with no live activity anywhere in scope:
/// those every commune leads, and those given by name to a commune in
/// scope (a commune leads a task when it acts as one of its lead agencies:
/// `Plan::role_of`).
pub fn commune_tasks_without_activity<'a>(
    records: impl IntoIterator<Item = &'a Activity>,
    plan: &'a Plan,
    units: &Units,
    rows: &Rows,
    period: Period,
) -> Vec<&'a Task> {
    let done: BTreeSet<&str> = live(records, rows, period)
        .into_iter()
        .map(|(_, a)| a.fields.task_id.as_str())
        .collect();
    let led: BTreeSet<String> = rows
        .units()
        .filter_map(|c| units.get(c))
        .filter(|u| u.level == Level::Commune)
        .flat_map(|u| plan.agencies_of(u))
        .collect();
    plan.tasks()
        .filter(|t| t.lead.agencies.iter().any(|id| led.contains(id)))
        .filter(|t| !done.contains(t.id.as_str()))
        .collect()
}

/// One activity line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub date: NaiveDate,
    pub unit_code: String,
    pub title: String,
    pub evidence: String,
    /// Its evidence files, as the activities table sums them up
    /// (`evidence::summary_vi`: "2 tệp: Biên bản họp; Ảnh bảng tin"), or "".
    pub files: String,
    pub status: Status,
}

impl Line {
    /// An activity's line in its task's section.
    pub fn of(a: &Activity) -> Line {
        Line {
            date: a.fields.date,
            unit_code: a.unit_code.clone(),
            title: a.fields.title().to_string(),
            evidence: a.fields.text(Field::EVIDENCE).to_string(),
            files: crate::evidence::summary_vi(&a.fields.files),
            status: a.fields.status,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSection {
    pub task_id: String,
    /// For a task this plan version retired: the last version that had it.
    /// Its activities count where it was; no unit is expected to act on it.
    pub retired: Option<String>,
    pub done: usize,
    pub planned: usize,
    pub lines: Vec<Line>,
    /// Rows (units) that have a role in the task and no activity.
    pub without: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubSection {
    pub code: String,
    pub name: String,
    pub tasks: Vec<TaskSection>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimSection {
    pub code: String,
    pub name: String,
    pub tasks: usize,
    pub tasks_with_activity: usize,
    pub done: usize,
    pub planned: usize,
    pub subs: Vec<SubSection>,
}

/// The year-end report's content: per dimension, sub-indicator and task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub period: Period,
    pub rows: Rows,
    pub dimensions: Vec<DimSection>,
}

/// The report's figures over every dimension.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub tasks: usize,
    pub tasks_with_activity: usize,
    pub done: usize,
    pub planned: usize,
}

impl Report {
    pub fn totals(&self) -> Totals {
        self.dimensions
            .iter()
            .fold(Totals::default(), |t, d| Totals {
                tasks: t.tasks + d.tasks,
                tasks_with_activity: t.tasks_with_activity + d.tasks_with_activity,
                done: t.done + d.done,
                planned: t.planned + d.planned,
            })
    }
}

/// What the report's annex lists once, instead of under every task: each
/// row (unit) with the tasks it has a role in and no activity for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annex {
    /// In the rows' order.
    pub idle_units: Vec<IdleUnit>,
}

/// A row (unit) of the annex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleUnit {
    pub code: String,
    /// The tasks it has a role in and no activity for, in the plan's order.
    pub tasks: Vec<String>,
    /// Whether it has no activity at all in the period (the document then
    /// says so instead of listing every task).
    pub none_at_all: bool,
}

impl TaskSection {
    /// Whether the period has any activity of the task (done or planned).
    pub fn has_activity(&self) -> bool {
        self.done + self.planned > 0
    }
}

impl DimSection {
    /// Its tasks with no activity in the period, in the plan's order.
    pub fn idle_tasks(&self) -> Vec<&str> {
        (self.subs.iter().flat_map(|s| &s.tasks))
            .filter(|t| !t.has_activity())
            .map(|t| t.task_id.as_str())
            .collect()
    }
}

impl Report {
    fn task_sections(&self) -> impl Iterator<Item = &TaskSection> {
        self.dimensions
            .iter()
            .flat_map(|d| &d.subs)
            .flat_map(|s| &s.tasks)
    }

    /// The annex: the units without activity.
    pub fn annex(&self) -> Annex {
        let active: BTreeSet<usize> = self
            .task_sections()
            .flat_map(|t| &t.lines)
            .filter_map(|l| self.rows.row_of(&l.unit_code))
            .collect();
        let idle_units = (self.rows.codes.iter().enumerate())
            .map(|(r, code)| IdleUnit {
                code: code.clone(),
                tasks: self
                    .task_sections()
                    .filter(|t| t.without.contains(code))
                    .map(|t| t.task_id.clone())
                    .collect(),
                none_at_all: !active.contains(&r),
            })
            .filter(|u| !u.tasks.is_empty())
            .collect();
        Annex { idle_units }
    }
}

/// Does any unit of a row have a role in a task?
fn row_has_role(plan: &Plan, units: &Units, rows: &Rows, row: usize, task: &Task) -> bool {
    rows.members(row)
        .filter_map(|c| units.get(c))
        .any(|u| plan.role_of(u, task) != Role::Unassigned)
}

/// The year-end report's content for the rows and period.
pub fn report<'a>(
    records: impl IntoIterator<Item = &'a Activity>,
    plan: &Plan,
    units: &Units,
    rows: &Rows,
    period: Period,
) -> Report {
    let mut by_task: HashMap<&str, Vec<(usize, &Activity)>> = HashMap::new();
    for (r, a) in live(records, rows, period) {
        by_task
            .entry(a.fields.task_id.as_str())
            .or_default()
            .push((r, a));
    }
    let task_section = |t: &Task| {
        let acts = by_task
            .get(t.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        task_section(plan, units, rows, t, acts)
    };
    // A retired task is in the report when it has activities in the period.
    let retired_section = |r: &RetiredTask| {
        let acts = by_task.get(r.task.id.as_str())?;
        Some(TaskSection {
            retired: Some(r.last_version.clone()),
            without: vec![],
            ..self::task_section(plan, units, rows, &r.task, acts)
        })
    };
    let dimensions = plan
        .dimensions
        .iter()
        .map(|d| {
            let subs = d
                .sub_indicators
                .iter()
                .map(|s| SubSection {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    tasks: s
                        .tasks
                        .iter()
                        .map(task_section)
                        .chain(s.retired.iter().filter_map(retired_section))
                        .collect(),
                })
                .collect();
            dim_section(d, subs)
        })
        .collect();
    Report {
        period,
        rows: rows.clone(),
        dimensions,
    }
}

/// One task of the report: its activities (each with its row), by date,
/// and the rows with a role in it and no activity.
fn task_section(
    plan: &Plan,
    units: &Units,
    rows: &Rows,
    task: &Task,
    acts: &[(usize, &Activity)],
) -> TaskSection {
    let mut lines: Vec<Line> = acts.iter().map(|(_, a)| Line::of(a)).collect();
    lines.sort_by(|a, b| {
        a.date
            .cmp(&b.date)
            .then(a.unit_code.cmp(&b.unit_code))
            .then(a.title.cmp(&b.title))
    });
    let active: BTreeSet<usize> = acts.iter().map(|(r, _)| *r).collect();
    let count = |status| lines.iter().filter(|l| l.status == status).count();
    TaskSection {
        task_id: task.id.clone(),
        retired: None,
        done: count(Status::Done),
        planned: count(Status::Planned),
        without: (0..rows.codes.len())
            .filter(|r| !active.contains(r) && row_has_role(plan, units, rows, *r, task))
            .map(|r| rows.codes[r].clone())
            .collect(),
        lines,
    }
}

/// A dimension of the report, its figures summed over its tasks: the
/// activities of every task, retired ones included; the task counts of this
/// version's tasks.
fn dim_section(d: &Dimension, subs: Vec<SubSection>) -> DimSection {
    let all: Vec<&TaskSection> = subs.iter().flat_map(|s| &s.tasks).collect();
    let current = || all.iter().filter(|t| t.retired.is_none());
    DimSection {
        code: d.code.clone(),
        name: d.name.clone(),
        tasks: current().count(),
        tasks_with_activity: current().filter(|t| !t.lines.is_empty()).count(),
        done: all.iter().map(|t| t.done).sum(),
        planned: all.iter().map(|t| t.planned).sum(),
        subs,
    }
}

/// Activities per month of the period's year (for the chart): 12 counts.
pub fn per_month<'a>(
    records: impl IntoIterator<Item = &'a Activity>,
    rows: &Rows,
    year: i32,
) -> [usize; 12] {
    let mut out = [0; 12];
    for (_, a) in live(records, rows, Period::Year(year)) {
        out[a.fields.date.month0() as usize] += 1;
    }
    out
}

/// The units a reform merged, with what they recorded: per successor
/// (dataset, code and name of the unit that took over), the former units
/// it took over from and their live activity counts. History across the
/// 2025 reform: the 2020–2025 activities of the former communes, under
/// their successor and under their old names; records keep their codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccessorGroup {
    pub code: String,
    pub name: String,
    /// (former unit's code, its name, its live activities).
    pub former: Vec<(String, String, usize)>,
}

impl SuccessorGroup {
    pub fn activities(&self) -> usize {
        self.former.iter().map(|f| f.2).sum()
    }
}

/// Group `units`' communes by their successors (`Units::with_successors`),
/// with the live activities of each, in the successor's name order.
pub fn by_successor<'a>(
    records: impl IntoIterator<Item = &'a Activity>,
    units: &Units,
) -> Vec<SuccessorGroup> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in records.into_iter().filter(|r| !r.deleted) {
        *counts.entry(r.unit_code.as_str()).or_default() += 1;
    }
    let mut groups: BTreeMap<(String, String), Vec<(String, String, usize)>> = BTreeMap::new();
    for c in units.communes() {
        let Some(s) = units.successor(&c.code) else {
            continue;
        };
        let n = counts.get(c.code.as_str()).copied().unwrap_or(0);
        groups
            .entry((crate::search::fold(&s.name), s.code.clone()))
            .or_default()
            .push((c.code.clone(), c.name.clone(), n));
    }
    groups
        .into_iter()
        .map(|((_, code), former)| {
            let name = units
                .successor(&former[0].0)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            SuccessorGroup { code, name, former }
        })
        .collect()
}

/// CSV for Excel: UTF-8 with a byte-order mark, CRLF, every field quoted
/// when needed, and text that Excel would run as a formula made inert.
pub fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    fn field(s: &str) -> String {
        let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        if s.contains([',', '"', '\n', '\r', ';']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }
    let mut out = String::from("\u{feff}");
    let mut line = |cells: &[String]| {
        out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    };
    line(&header.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    for r in rows {
        line(&r);
    }
    out
}

/// What a column of the activities table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holds {
    /// A field of the record (`record::FIELDS`), as text.
    Field(Field),
    /// The unit's name, and the name of the roll-up's row it counts in.
    UnitName,
    Row,
    /// The task's dimension and sub-indicator.
    Dimension,
    SubIndicator,
}

/// A column of the activities table (CSV and the workbook's sheet): its
/// header, its width in the workbook (`None`: the default), what it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    pub header: &'static str,
    pub width: Option<f64>,
    cell: Holds,
}

impl Column {
    const fn of(header: &'static str, width: Option<f64>, cell: Holds) -> Column {
        Column {
            header,
            width,
            cell,
        }
    }

    fn field(f: Field) -> Column {
        Column::of(f.label_vi(), f.spec().width, Holds::Field(f))
    }
}

/// The activities table's columns: the unit and the row it counts in, the
/// task's place in the plan, the task, date and status, every text a person
/// types and the evidence files (`record::FIELDS`, in order: `Field::entered`),
/// and who recorded it.
pub fn activity_columns() -> Vec<Column> {
    let mut columns = vec![
        Column::field(Field::UNIT_CODE),
        Column::of("Đơn vị", Some(28.0), Holds::UnitName),
        Column::of("Thuộc", None, Holds::Row),
        Column::of("Khía cạnh", None, Holds::Dimension),
        Column::of("Chỉ tiêu", None, Holds::SubIndicator),
        Column::field(Field::TASK),
        Column::field(Field::DATE),
        Column::field(Field::STATUS),
    ];
    columns.extend(Field::entered().map(Column::field));
    columns.push(Column::field(Field::AUTHOR));
    columns
}

/// A field of a record as one cell: a date as a date (a spreadsheet sorts
/// and filters it), anything else as its text.
fn field_cell(a: &Activity, f: Field) -> SheetCell {
    match f.spec().kind {
        Kind::Date => SheetCell::Date {
            date: a.fields.date,
        },
        Kind::Status => SheetCell::Text(a.fields.status.label_vi().to_string()),
        Kind::Files => SheetCell::Text(crate::evidence::summary_vi(&a.fields.files)),
        _ => SheetCell::Text(crate::record::text_of(a, f).unwrap_or_default().to_string()),
    }
}

/// The live activities of a roll-up, one row per activity, by row then date:
/// one text per column of `activity_columns()` (the CSV's cells; dates
/// dd/mm/yyyy).
pub fn activity_table<'a>(
    records: impl IntoIterator<Item = &'a Activity>,
    plan: &Plan,
    units: &Units,
    rows: &Rows,
    period: Period,
) -> Vec<Vec<String>> {
    activity_cells(records, plan, units, rows, period)
        .into_iter()
        .map(|r| r.into_iter().map(SheetCell::into_text).collect())
        .collect()
}

/// `activity_table` as typed cells (the workbook's).
fn activity_cells<'a>(
    records: impl IntoIterator<Item = &'a Activity>,
    plan: &Plan,
    units: &Units,
    rows: &Rows,
    period: Period,
) -> Vec<Vec<SheetCell>> {
    let columns = activity_columns();
    let name = |c: &str| units.name_or_code(c);
    let mut list = live(records, rows, period);
    list.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.fields.date.cmp(&b.1.fields.date))
            .then(a.1.id.cmp(&b.1.id))
    });
    list.into_iter()
        .map(|(r, a)| {
            let place = plan.locate_record(&a.fields.task_id);
            columns
                .iter()
                .map(|c| match c.cell {
                    Holds::Field(f) => field_cell(a, f),
                    Holds::UnitName => SheetCell::Text(name(&a.unit_code)),
                    Holds::Row => SheetCell::Text(name(&rows.codes[r])),
                    Holds::Dimension => {
                        SheetCell::Text(place.map(|(d, ..)| d.name.clone()).unwrap_or_default())
                    }
                    Holds::SubIndicator => {
                        SheetCell::Text(place.map(|(_, s, ..)| s.name.clone()).unwrap_or_default())
                    }
                })
                .collect()
        })
        .collect()
}

/// The activities of a roll-up as CSV.
pub fn activities_csv<'a>(
    records: impl IntoIterator<Item = &'a Activity>,
    plan: &Plan,
    units: &Units,
    rows: &Rows,
    period: Period,
) -> String {
    let header: Vec<&str> = activity_columns().iter().map(|c| c.header).collect();
    csv(&header, activity_table(records, plan, units, rows, period))
}

/// The roll-up matrix as CSV: one row per unit, one column per
/// sub-indicator, then the total.
pub fn summary_csv(m: &Matrix, rows: &Rows, units: &Units) -> String {
    let mut header: Vec<&str> = vec!["Mã đơn vị", "Đơn vị"];
    header.extend(m.sub_indicators.iter().map(String::as_str));
    header.push("Tổng");
    csv(
        &header,
        rows.codes.iter().enumerate().map(|(r, code)| {
            let mut v = vec![code.clone(), units.name_or_code(code)];
            v.extend(m.cells[r].iter().map(|c| c.count.to_string()));
            v.push(m.row_totals[r].count.to_string());
            v
        }),
    )
}

/// One sheet of the Excel export, as the XLSX worker reads it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Sheet {
    pub name: String,
    pub title: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<SheetCell>>,
    /// Column widths (column, characters).
    pub widths: Vec<(u16, f64)>,
}

/// One cell of a sheet: the XLSX worker writes a number as a number, a
/// date as a date (`{"date": "yyyy-mm-dd"}`, shown dd/mm/yyyy) and a text
/// as a text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum SheetCell {
    Number(f64),
    Text(String),
    Date {
        #[serde(with = "crate::dates::serde_date")]
        date: NaiveDate,
    },
}

impl SheetCell {
    /// The cell as a CSV writes it (dates dd/mm/yyyy).
    pub fn into_text(self) -> String {
        match self {
            SheetCell::Number(n) => n.to_string(),
            SheetCell::Text(t) => t,
            SheetCell::Date { date } => format_vn(date),
        }
    }
}

/// The workbook: the summary (units × sub-indicators) and the activities,
/// the same figures as the two CSV files.
pub fn workbook<'a>(
    records: impl IntoIterator<Item = &'a Activity>,
    m: &Matrix,
    plan: &Plan,
    units: &Units,
    rows: &Rows,
    period: Period,
) -> Vec<Sheet> {
    let name = |c: &str| units.name_or_code(c);
    let text = |s: String| SheetCell::Text(s);
    let mut header = vec!["Mã đơn vị".to_string(), "Đơn vị".to_string()];
    header.extend(m.sub_indicators.iter().cloned());
    header.push("Tổng".into());
    let summary = Sheet {
        name: "Tổng hợp".into(),
        title: Some(format!(
            "Số hoạt động theo đơn vị và chỉ tiêu — {}",
            period.label_vi()
        )),
        header,
        rows: rows
            .codes
            .iter()
            .enumerate()
            .map(|(r, code)| {
                let mut v = vec![text(code.clone()), text(name(code))];
                v.extend(m.cells[r].iter().map(|c| SheetCell::Number(c.count as f64)));
                v.push(SheetCell::Number(m.row_totals[r].count as f64));
                v
            })
            .collect(),
        widths: vec![(1, 30.0)],
    };
    let columns = activity_columns();
    let activities = Sheet {
        name: "Hoạt động".into(),
        title: None,
        header: columns.iter().map(|c| c.header.to_string()).collect(),
        rows: activity_cells(records, plan, units, rows, period),
        widths: columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i as u16, c.width?)))
            .collect(),
    };
    vec![summary, activities]
}

/// The workbook of a report limited to some units (the periods a receiver
/// accepted): each sheet's title says so (`report_doc::scope_note`).
pub fn scoped(mut sheets: Vec<Sheet>, note: &str) -> Vec<Sheet> {
    for s in &mut sheets {
        s.title = Some(match s.title.take() {
            Some(t) => format!("{t}. {note}"),
            None => note.to_string(),
        });
    }
    sheets
}

#[cfg(test)]
mod tests;
