//! A plan as a spreadsheet, laid out like the plan's own table, and back.
//!
//! A province officer writes a new plan in a workbook (or a CSV of its task
//! table): the sheet "Nhiệm vụ" has one row per task (dimension,
//! sub-indicator, task text, lead, coordinating, timing); "Thông tin" the
//! document's details and its other sections; "Cơ quan", "Nhóm cơ quan" and
//! "Vai trò" the agency catalogue. `from_sheets` turns it into a plan file
//! and lists every problem with its sheet, row and column; a sheet left out
//! is taken from a base plan (say, last year's). `to_sheets` writes a plan
//! out the same way: the template. A plan exported and imported back is the
//! same plan, byte for byte (`Plan::to_json`).
//!
//! An agency cell names catalogue agencies ("Sở Tư pháp", "UBND các xã,
//! phường, đặc khu") and may name communes of the plan's unit dataset
//! ("UBND xã Phú Bình; UBND phường Phan Đình Phùng"): then only those
//! communes have the task (`agency::UNIT_PREFIX`).
//!
//! Task ids are stable across versions: a row without an id keeps the id of
//! the base plan's task with the same text under the same sub-indicator, so
//! records made against the old version stay with their task.

use std::collections::{BTreeMap, BTreeSet};

use crate::agency::{mentions, resolve_agencies, Agency, AgencyGroup, Unresolved};
use crate::dates::{format_vn, parse_vn};
use crate::plan::{
    AgencyCell, Dimension, Document, Plan, RetiredTask, SubIndicator, Task, PLAN_FORMAT,
};
use crate::units::{Level, Units};

/// A sheet: its name and its cells' texts, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<String>>,
}

pub const TASKS: &str = "Nhiệm vụ";
pub const INFO: &str = "Thông tin";
pub const AGENCIES: &str = "Cơ quan";
pub const GROUPS: &str = "Nhóm cơ quan";
pub const ROLES: &str = "Vai trò";

/// The task table's columns, in order.
pub const TASK_COLUMNS: [&str; 9] = [
    "Chỉ số nội dung",
    "Tên chỉ số nội dung",
    "Chỉ tiêu thành phần",
    "Tên chỉ tiêu thành phần",
    "Mã nhiệm vụ",
    "Nhiệm vụ",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian thực hiện",
];
const AGENCY_COLUMNS: [&str; 6] = ["Mã", "Tên", "Cấp", "Loại", "Tên khác", "Thuộc nhóm"];
const GROUP_COLUMNS: [&str; 2] = ["Cụm từ", "Các cơ quan"];
const ROLE_COLUMNS: [&str; 2] = ["Vai trò", "Các cơ quan"];
const INFO_COLUMNS: [&str; 2] = ["Mục", "Nội dung"];

/// The labels of "Thông tin"; list sections repeat their label per item.
mod info {
    pub const ID: &str = "Mã kế hoạch";
    pub const VERSION: &str = "Phiên bản";
    pub const UNITS: &str = "Danh mục đơn vị hành chính";
    pub const NUMBER: &str = "Số văn bản";
    pub const DATE: &str = "Ngày ban hành";
    pub const PLACE: &str = "Địa danh";
    pub const ISSUER: &str = "Cơ quan ban hành";
    pub const TITLE: &str = "Tên kế hoạch";
    pub const TITLE_VERBATIM: &str = "Tên kế hoạch như văn bản (in hoa)";
    pub const PREAMBLE: &str = "Lời mở đầu";
    pub const PURPOSE: &str = "Mục đích";
    pub const REQUIREMENT: &str = "Yêu cầu";
    pub const ORGANISATION: &str = "Tổ chức thực hiện";
    pub const FUNDING: &str = "Kinh phí";
    pub const CLOSING: &str = "Kết";
}

/// How the agency columns are written, for the plan builder's screen.
pub const AGENCY_HELP_VI: &str = "Cột \"Cơ quan chủ trì\" và \"Cơ quan phối hợp\": tên các cơ quan trong danh mục, cách nhau bằng dấu chấm phẩy (vd: Sở Tư pháp; UBND các xã, phường, đặc khu). Nhiệm vụ chỉ giao cho một số xã thì ghi tên từng xã như trong danh mục đơn vị hành chính (vd: UBND xã Phú Bình; UBND phường Phan Đình Phùng; UBND đặc khu Vân Đồn).";

/// A problem of the workbook, where it is: the sheet, the row (1 is the
/// header) and the column letter, as a spreadsheet shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetProblem {
    pub sheet: String,
    pub row: usize,
    pub column: Option<char>,
    pub message_vi: String,
}

impl SheetProblem {
    /// "Nhiệm vụ, dòng 5, cột G: …"
    pub fn place_vi(&self) -> String {
        match self.column {
            Some(c) => format!("{}, dòng {}, cột {c}", self.sheet, self.row),
            None => format!("{}, dòng {}", self.sheet, self.row),
        }
    }
}

fn column(i: usize) -> char {
    (b'A' + i as u8) as char
}

fn lines(list: &[String]) -> String {
    list.join("\n")
}

fn split_lines(cell: &str) -> Vec<String> {
    cell.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Province => "tỉnh",
        Level::District => "huyện",
        Level::Commune => "xã",
    }
}

fn parse_level(s: &str) -> Option<Level> {
    match crate::search::fold(s).as_str() {
        "tinh" | "province" => Some(Level::Province),
        "huyen" | "district" => Some(Level::District),
        "xa" | "commune" => Some(Level::Commune),
        _ => None,
    }
}

/// The task text as one cell: one line per item, "- " before each when the
/// plan writes bullets.
fn task_cell(t: &Task) -> String {
    t.items
        .iter()
        .map(|i| {
            if t.bulleted {
                format!("- {i}")
            } else {
                i.clone()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_task_cell(cell: &str) -> (bool, Vec<String>) {
    let items = split_lines(cell);
    let bulleted = !items.is_empty() && items.iter().all(|l| l.starts_with("- "));
    let items = if bulleted {
        items
            .into_iter()
            .map(|l| l[2..].trim().to_string())
            .collect()
    } else {
        items
    };
    (bulleted, items)
}

/// A plan as its workbook's sheets (the template, filled in).
pub fn to_sheets(plan: &Plan) -> Vec<Sheet> {
    let header = |cols: &[&str]| cols.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let mut tasks = vec![header(&TASK_COLUMNS)];
    for d in &plan.dimensions {
        for s in &d.sub_indicators {
            for t in &s.tasks {
                tasks.push(vec![
                    d.code.clone(),
                    d.name.clone(),
                    s.code.clone(),
                    s.name.clone(),
                    t.id.clone(),
                    task_cell(t),
                    t.lead.text.clone(),
                    t.coordinating.text.clone(),
                    t.timing.clone(),
                ]);
            }
        }
    }
    let doc = &plan.document;
    let mut info_rows = vec![header(&INFO_COLUMNS)];
    let mut one = |label: &str, value: &str| info_rows.push(vec![label.into(), value.into()]);
    one(info::ID, &plan.id);
    one(info::VERSION, &plan.version);
    one(info::UNITS, &plan.units);
    one(info::NUMBER, &doc.number);
    one(info::DATE, &format_vn(doc.date));
    one(info::PLACE, &doc.place);
    one(info::ISSUER, &doc.issuer);
    one(info::TITLE, &doc.title);
    one(info::TITLE_VERBATIM, &doc.title_verbatim);
    one(info::PREAMBLE, &plan.preamble);
    for (label, list) in [
        (info::PURPOSE, &plan.purposes),
        (info::REQUIREMENT, &plan.requirements),
        (info::ORGANISATION, &plan.organisation),
        (info::FUNDING, &plan.funding),
    ] {
        for item in list {
            one(label, item);
        }
    }
    one(info::CLOSING, &plan.closing);
    let agencies = std::iter::once(header(&AGENCY_COLUMNS))
        .chain(plan.agencies.iter().map(|a| {
            vec![
                a.id.clone(),
                a.name.clone(),
                level_name(a.level).into(),
                a.kind.clone(),
                lines(&a.aliases),
                lines(&a.member_of),
            ]
        }))
        .collect();
    let groups = std::iter::once(header(&GROUP_COLUMNS))
        .chain(
            plan.agency_groups
                .iter()
                .map(|g| vec![g.text.clone(), lines(&g.agencies)]),
        )
        .collect();
    let roles = std::iter::once(header(&ROLE_COLUMNS))
        .chain(
            plan.role_agencies
                .iter()
                .map(|(r, ids)| vec![r.clone(), lines(ids)]),
        )
        .collect();
    [
        (TASKS, tasks),
        (INFO, info_rows),
        (AGENCIES, agencies),
        (GROUPS, groups),
        (ROLES, roles),
    ]
    .into_iter()
    .map(|(name, rows)| Sheet {
        name: name.into(),
        rows,
    })
    .collect()
}

/// The task table as CSV for Excel (the template's main sheet).
pub fn tasks_csv(plan: &Plan) -> String {
    let sheets = to_sheets(plan);
    let rows = &sheets[0].rows;
    crate::report::csv(&TASK_COLUMNS, rows[1..].iter().cloned())
}

/// Read a CSV file (as `tasks_csv` writes it, or as Excel saves one: comma
/// or semicolon, a BOM or none) into the "Nhiệm vụ" sheet.
pub fn sheet_from_csv(text: &str) -> Result<Sheet, SheetProblem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| SheetProblem {
            sheet: TASKS.into(),
            row: i + 1,
            column: None,
            message_vi: format!("tệp CSV không đọc được: {e}"),
        })?;
        rows.push(record.iter().map(uninert).collect());
    }
    Ok(Sheet {
        name: TASKS.into(),
        rows,
    })
}

/// Undo the apostrophe `report::csv` puts before text a spreadsheet would
/// run as a formula ("- Tăng cường …" is a bullet, not a subtraction).
fn uninert(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_string(),
        _ => cell.to_string(),
    }
}

/// Gathers problems while reading.
struct Problems(Vec<SheetProblem>);

impl Problems {
    fn add(&mut self, sheet: &str, row: usize, col: Option<usize>, message_vi: String) {
        self.0.push(SheetProblem {
            sheet: sheet.into(),
            row,
            column: col.map(column),
            message_vi,
        });
    }
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map(|s| s.trim()).unwrap_or("")
}

/// The rows under the header, numbered as the spreadsheet numbers them,
/// with fully empty rows left out.
fn body(sheet: &Sheet) -> impl Iterator<Item = (usize, &Vec<String>)> {
    sheet
        .rows
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, r)| (i + 1, r))
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
}

fn check_header(sheet: &Sheet, want: &[&str], p: &mut Problems) -> bool {
    let got: Vec<String> = sheet
        .rows
        .first()
        .map(|r| r.iter().map(|c| c.trim().to_string()).collect())
        .unwrap_or_default();
    for (i, w) in want.iter().enumerate() {
        if got.get(i).map(String::as_str) != Some(*w) {
            p.add(
                &sheet.name,
                1,
                Some(i),
                format!(
                    "dòng tiêu đề phải là \"{w}\" (đang là \"{}\"): hãy dùng tệp mẫu",
                    got.get(i).map(String::as_str).unwrap_or("")
                ),
            );
            return false;
        }
    }
    true
}

/// Build a plan from a workbook's sheets. Sheets left out come from `base`;
/// the task table is required. The communes a task names are found in
/// `units`, the dataset the plan is for (without it, naming one is a
/// problem; `Catalogue::add_plan` checks them against the plan's own).
/// Every problem is listed, each with its place.
pub fn from_sheets(
    sheets: &[Sheet],
    base: Option<&Plan>,
    units: Option<&Units>,
) -> Result<Plan, Vec<SheetProblem>> {
    let mut p = Problems(Vec::new());
    let find = |name: &str| sheets.iter().find(|s| s.name.trim() == name);
    let Some(task_sheet) = find(TASKS) else {
        p.add(
            TASKS,
            1,
            None,
            format!("thiếu trang \"{TASKS}\" (bảng nhiệm vụ)"),
        );
        return Err(p.0);
    };
    let (agencies, groups, roles) = catalogue(find, base, &mut p);
    let mut plan = match info_of(find(INFO), base, &mut p) {
        Some(plan) => plan,
        None => return Err(p.0),
    };
    plan.agencies = agencies;
    plan.agency_groups = groups;
    plan.role_agencies = roles;
    let names = Names { plan: &plan, units };
    plan.dimensions = dimensions(task_sheet, &names, base, &mut p);
    if let Some(base) = base {
        carry_retired(&mut plan, base);
    }
    if p.0.is_empty() {
        if let Err(e) = plan.check() {
            p.add(TASKS, 1, None, format!("kế hoạch chưa nhất quán: {e}"));
        }
    }
    if p.0.is_empty() {
        Ok(plan)
    } else {
        Err(p.0)
    }
}

type Catalogue = (Vec<Agency>, Vec<AgencyGroup>, BTreeMap<String, Vec<String>>);

fn catalogue<'a>(
    find: impl Fn(&str) -> Option<&'a Sheet>,
    base: Option<&Plan>,
    p: &mut Problems,
) -> Catalogue {
    let agencies = match (find(AGENCIES), base) {
        (Some(s), _) => agencies_of(s, p),
        (None, Some(b)) => b.agencies.clone(),
        (None, None) => {
            p.add(
                AGENCIES,
                1,
                None,
                format!("thiếu trang \"{AGENCIES}\" (danh mục cơ quan)"),
            );
            vec![]
        }
    };
    let groups = match (find(GROUPS), base) {
        (Some(s), _) if check_header(s, &GROUP_COLUMNS, p) => body(s)
            .map(|(_, r)| AgencyGroup {
                text: cell(r, 0).into(),
                agencies: split_lines(cell(r, 1)),
            })
            .collect(),
        (Some(_), _) => vec![],
        (None, Some(b)) => b.agency_groups.clone(),
        (None, None) => vec![],
    };
    let roles = match (find(ROLES), base) {
        (Some(s), _) if check_header(s, &ROLE_COLUMNS, p) => body(s)
            .map(|(_, r)| (cell(r, 0).to_string(), split_lines(cell(r, 1))))
            .collect(),
        (Some(_), _) => BTreeMap::new(),
        (None, Some(b)) => b.role_agencies.clone(),
        (None, None) => {
            p.add(ROLES, 1, None, format!("thiếu trang \"{ROLES}\""));
            BTreeMap::new()
        }
    };
    (agencies, groups, roles)
}

fn agencies_of(s: &Sheet, p: &mut Problems) -> Vec<Agency> {
    if !check_header(s, &AGENCY_COLUMNS, p) {
        return vec![];
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (row, r) in body(s) {
        let id = cell(r, 0).to_string();
        if id.is_empty() {
            p.add(&s.name, row, Some(0), "mã cơ quan trống".into());
            continue;
        }
        if !seen.insert(id.clone()) {
            p.add(
                &s.name,
                row,
                Some(0),
                format!("mã cơ quan \"{id}\" trùng với một dòng trên"),
            );
        }
        let Some(level) = parse_level(cell(r, 2)) else {
            p.add(
                &s.name,
                row,
                Some(2),
                "cấp phải là tỉnh, huyện hoặc xã".into(),
            );
            continue;
        };
        out.push(Agency {
            id,
            name: cell(r, 1).into(),
            level,
            kind: cell(r, 3).into(),
            aliases: split_lines(cell(r, 4)),
            member_of: split_lines(cell(r, 5)),
        });
    }
    out
}

/// The document's details and sections from "Thông tin", or the base's.
fn info_of(sheet: Option<&Sheet>, base: Option<&Plan>, p: &mut Problems) -> Option<Plan> {
    let Some(s) = sheet else {
        return match base {
            Some(b) => Some(b.clone()),
            None => {
                p.add(
                    INFO,
                    1,
                    None,
                    format!("thiếu trang \"{INFO}\" (số, ngày, tên kế hoạch)"),
                );
                None
            }
        };
    };
    if !check_header(s, &INFO_COLUMNS, p) {
        return None;
    }
    let mut one: BTreeMap<&str, (usize, String)> = BTreeMap::new();
    let mut lists: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    const ONES: [&str; 11] = [
        info::ID,
        info::VERSION,
        info::UNITS,
        info::NUMBER,
        info::DATE,
        info::PLACE,
        info::ISSUER,
        info::TITLE,
        info::TITLE_VERBATIM,
        info::PREAMBLE,
        info::CLOSING,
    ];
    const LISTS: [&str; 4] = [
        info::PURPOSE,
        info::REQUIREMENT,
        info::ORGANISATION,
        info::FUNDING,
    ];
    for (row, r) in body(s) {
        let label = cell(r, 0);
        let value = r.get(1).map(|v| v.trim().to_string()).unwrap_or_default();
        if let Some(l) = ONES.iter().find(|l| **l == label) {
            if one.insert(l, (row, value)).is_some() {
                p.add(&s.name, row, Some(0), format!("mục \"{label}\" có hai lần"));
            }
        } else if let Some(l) = LISTS.iter().find(|l| **l == label) {
            lists.entry(l).or_default().push(value);
        } else {
            p.add(&s.name, row, Some(0), format!("mục lạ \"{label}\""));
        }
    }
    let mut get = |label: &str, required: bool| -> String {
        match one.get(label) {
            Some((_, v)) => v.clone(),
            None => {
                if required {
                    p.add(&s.name, 1, None, format!("thiếu mục \"{label}\""));
                }
                String::new()
            }
        }
    };
    let id = get(info::ID, true);
    let version = get(info::VERSION, true);
    let units = get(info::UNITS, true);
    let number = get(info::NUMBER, true);
    let date_text = get(info::DATE, true);
    let document = Document {
        number,
        date: parse_vn(&date_text).unwrap_or_default(),
        place: get(info::PLACE, true),
        issuer: get(info::ISSUER, true),
        title: get(info::TITLE, true),
        title_verbatim: get(info::TITLE_VERBATIM, false),
    };
    let (preamble, closing) = (get(info::PREAMBLE, false), get(info::CLOSING, false));
    if !date_text.is_empty() && parse_vn(&date_text).is_none() {
        let row = one.get(info::DATE).map(|(r, _)| *r).unwrap_or(1);
        p.add(
            &s.name,
            row,
            Some(1),
            format!("ngày ban hành \"{date_text}\" không đúng dạng dd/mm/yyyy"),
        );
    }
    for (label, value) in [
        (info::ID, &id),
        (info::VERSION, &version),
        (info::UNITS, &units),
    ] {
        if !value.is_empty()
            && !value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        {
            let row = one.get(label).map(|(r, _)| *r).unwrap_or(1);
            p.add(
                &s.name,
                row,
                Some(1),
                format!("{label} chỉ gồm chữ không dấu, số, dấu - . _"),
            );
        }
    }
    let mut list = |l: &str| lists.remove(l).unwrap_or_default();
    Some(Plan {
        format: PLAN_FORMAT,
        id,
        version,
        units,
        records_from: None,
        document,
        preamble,
        purposes: list(info::PURPOSE),
        requirements: list(info::REQUIREMENT),
        dimensions: vec![],
        organisation: list(info::ORGANISATION),
        funding: list(info::FUNDING),
        closing,
        agencies: vec![],
        agency_groups: vec![],
        role_agencies: BTreeMap::new(),
    })
}

/// What an agency cell may name: the plan's catalogue, the dataset's
/// communes.
struct Names<'a> {
    plan: &'a Plan,
    units: Option<&'a Units>,
}

/// The task table: dimensions in order, their sub-indicators, the tasks.
fn dimensions(s: &Sheet, names: &Names, base: Option<&Plan>, p: &mut Problems) -> Vec<Dimension> {
    if !check_header(s, &TASK_COLUMNS, p) {
        return vec![];
    }
    let mut dims: Vec<Dimension> = Vec::new();
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut pending_ids: Vec<(usize, usize, usize, usize)> = Vec::new();
    for (row, r) in body(s) {
        let (dc, dn, sc, sn) = (cell(r, 0), cell(r, 1), cell(r, 2), cell(r, 3));
        if dc.is_empty() || sc.is_empty() {
            let col = if dc.is_empty() { 0 } else { 2 };
            p.add(
                &s.name,
                row,
                Some(col),
                "thiếu mã chỉ số nội dung hoặc chỉ tiêu".into(),
            );
            continue;
        }
        if sc.split('.').next() != Some(dc) {
            p.add(&s.name, row, Some(2), format!("chỉ tiêu \"{sc}\" không thuộc chỉ số nội dung \"{dc}\" (phải bắt đầu bằng \"{dc}.\")"));
            continue;
        }
        if dims.last().is_none_or(|d| d.code != dc) {
            if dims.iter().any(|d| d.code == dc) {
                p.add(&s.name, row, Some(0), format!("chỉ số nội dung \"{dc}\" đã có ở trên: các dòng của một chỉ số phải liền nhau"));
                continue;
            }
            dims.push(Dimension {
                code: dc.into(),
                name: dn.into(),
                sub_indicators: vec![],
            });
        } else if dims.last().is_some_and(|d| d.name != dn) {
            p.add(
                &s.name,
                row,
                Some(1),
                format!("tên chỉ số nội dung \"{dc}\" khác với dòng trên"),
            );
        }
        let d = dims.last_mut().expect("pushed");
        if d.sub_indicators.last().is_none_or(|x| x.code != sc) {
            if d.sub_indicators.iter().any(|x| x.code == sc) {
                p.add(
                    &s.name,
                    row,
                    Some(2),
                    format!(
                        "chỉ tiêu \"{sc}\" đã có ở trên: các dòng của một chỉ tiêu phải liền nhau"
                    ),
                );
                continue;
            }
            d.sub_indicators.push(SubIndicator {
                code: sc.into(),
                name: sn.into(),
                tasks: vec![],
                retired: vec![],
            });
        } else if d.sub_indicators.last().is_some_and(|x| x.name != sn) {
            p.add(
                &s.name,
                row,
                Some(3),
                format!("tên chỉ tiêu \"{sc}\" khác với dòng trên"),
            );
        }
        let (bulleted, items) = parse_task_cell(r.get(5).map(String::as_str).unwrap_or(""));
        if items.is_empty() {
            p.add(&s.name, row, Some(5), "nhiệm vụ trống".into());
            continue;
        }
        let lead = agency_cell(cell(r, 6), names, (row, 6), s, p);
        let coordinating = agency_cell(cell(r, 7), names, (row, 7), s, p);
        let id = cell(r, 4).to_string();
        let task = Task {
            id: id.clone(),
            bulleted,
            items,
            lead,
            coordinating,
            timing: cell(r, 8).into(),
        };
        let di = dims.len() - 1;
        let si = dims[di].sub_indicators.len() - 1;
        let ti = dims[di].sub_indicators[si].tasks.len();
        dims[di].sub_indicators[si].tasks.push(task);
        if id.is_empty() {
            pending_ids.push((row, di, si, ti));
        } else if let Some(first) = ids.insert(id.clone(), row) {
            p.add(
                &s.name,
                row,
                Some(4),
                format!("mã nhiệm vụ \"{id}\" trùng với dòng {first}"),
            );
        }
    }
    for (i, d) in dims.iter().enumerate() {
        if d.code != (i + 1).to_string() {
            p.add(&s.name, 2, Some(0), format!("các chỉ số nội dung phải đánh số 1, 2, 3, … theo thứ tự (chỉ số thứ {} có mã \"{}\")", i + 1, d.code));
        }
    }
    assign_ids(&mut dims, &pending_ids, &ids, base);
    dims
}

/// Rows without an id: the base plan's id for the same text under the same
/// sub-indicator, else the next free `<sub-indicator>-<n>`.
fn assign_ids(
    dims: &mut [Dimension],
    pending: &[(usize, usize, usize, usize)],
    taken: &BTreeMap<String, usize>,
    base: Option<&Plan>,
) {
    let mut used: BTreeSet<String> = taken.keys().cloned().collect();
    if let Some(b) = base {
        used.extend(b.tasks().map(|t| t.id.clone()));
        used.extend(b.retired_tasks().map(|(_, r)| r.task.id.clone()));
    }
    for &(_, di, si, ti) in pending {
        let sub = dims[di].sub_indicators[si].code.clone();
        let items = dims[di].sub_indicators[si].tasks[ti].items.clone();
        let same = base
            .and_then(|b| b.sub_indicators().find(|s| s.code == sub))
            .and_then(|s| s.tasks.iter().find(|t| t.items == items))
            .map(|t| t.id.clone())
            .filter(|id| !taken.contains_key(id));
        let id = same.unwrap_or_else(|| {
            (1..)
                .map(|n| format!("{sub}-{n}"))
                .find(|id| !used.contains(id))
                .expect("a free id")
        });
        used.insert(id.clone());
        dims[di].sub_indicators[si].tasks[ti].id = id;
    }
}

/// The retired tasks of `plan` built on `base`: a new version of the same
/// plan keeps the base's dropped tasks; a plan of its own (next year's,
/// built on this year's) starts afresh, as its records live apart (each
/// record belongs to one plan). Whatever `plan` carried before is
/// replaced, so run it again after changing the plan's id.
pub fn carry_retired(plan: &mut Plan, base: &Plan) {
    for d in &mut plan.dimensions {
        for s in &mut d.sub_indicators {
            s.retired.clear();
        }
        d.sub_indicators.retain(|s| !s.tasks.is_empty());
    }
    plan.dimensions.retain(|d| !d.sub_indicators.is_empty());
    plan.records_from = None;
    if plan.id == base.id {
        retire(&mut plan.dimensions, base);
        // Records made under the base stay valid however this version's
        // document is dated.
        let from = base.records_from().min(plan.document.date);
        plan.records_from = (from != plan.document.date).then_some(from);
    }
}

/// The base's tasks this version lacks (by id), and those the base had
/// already retired, kept as retired tasks under their sub-indicator, so the
/// records made against them stay readable and counted where they were.
/// A sub-indicator (or dimension) this version dropped is kept for them,
/// with no current task. A task whose id comes back is current again.
fn retire(dims: &mut Vec<Dimension>, base: &Plan) {
    let current: BTreeSet<String> = dims
        .iter()
        .flat_map(|d| &d.sub_indicators)
        .flat_map(|s| s.tasks.iter().map(|t| t.id.clone()))
        .collect();
    for bd in &base.dimensions {
        for bs in &bd.sub_indicators {
            let gone = bs
                .tasks
                .iter()
                .map(|t| RetiredTask {
                    last_version: base.version.clone(),
                    task: t.clone(),
                })
                .chain(bs.retired.iter().cloned())
                .filter(|r| !current.contains(&r.task.id));
            for r in gone {
                sub_for(dims, bd, bs).retired.push(r);
            }
        }
    }
}

/// This version's sub-indicator of `bs`'s code, put back in code order
/// (with its dimension) when this version dropped it.
fn sub_for<'d>(
    dims: &'d mut Vec<Dimension>,
    bd: &Dimension,
    bs: &SubIndicator,
) -> &'d mut SubIndicator {
    let di = find_or_insert(
        dims,
        |d| &d.code,
        &bd.code,
        || Dimension {
            sub_indicators: vec![],
            ..bd.clone()
        },
    );
    let subs = &mut dims[di].sub_indicators;
    let si = find_or_insert(
        subs,
        |s| &s.code,
        &bs.code,
        || SubIndicator {
            code: bs.code.clone(),
            name: bs.name.clone(),
            tasks: vec![],
            retired: vec![],
        },
    );
    &mut subs[si]
}

/// The index of the item of `code` in a list sorted by code; made and put
/// in its place when missing.
fn find_or_insert<T>(
    list: &mut Vec<T>,
    code_of: impl Fn(&T) -> &String,
    code: &str,
    make: impl FnOnce() -> T,
) -> usize {
    if let Some(i) = list.iter().position(|x| code_of(x) == code) {
        return i;
    }
    let at = list.partition_point(|x| code_key(code_of(x)) < code_key(code));
    list.insert(at, make());
    at
}

/// "2.10" → [2, 10]: codes compare as numbers.
fn code_key(code: &str) -> Vec<u32> {
    code.split('.')
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}

/// An agency column resolved against the catalogue and the dataset's
/// communes; what resolves to nothing is a problem naming the closest
/// names.
fn agency_cell(
    text: &str,
    names: &Names,
    (row, col): (usize, usize),
    s: &Sheet,
    p: &mut Problems,
) -> AgencyCell {
    let plan = names.plan;
    let agencies = resolve_agencies(text, &plan.agencies, &plan.agency_groups, names.units)
        .unwrap_or_else(|e| {
            p.add(&s.name, row, Some(col), unresolved_vi(&e, names));
            vec![]
        });
    AgencyCell {
        text: text.into(),
        agencies,
    }
}

/// Why an agency cell does not resolve, in Vietnamese.
fn unresolved_vi(e: &Unresolved, names: &Names) -> String {
    let units_id = names.units.map(|u| u.id.as_str()).unwrap_or_default();
    match e {
        Unresolved::Leftover(leftover) => {
            let plan = names.plan;
            let leftover = unknown_part(leftover, plan);
            let agencies = plan
                .agencies
                .iter()
                .flat_map(|a| std::iter::once(&a.name).chain(&a.aliases));
            let hint = nearest_vi(&closest(agencies.map(String::as_str), |n| {
                similarity(&leftover, n)
            }));
            format!("\"{leftover}\" không phải cơ quan nào trong danh mục{hint}")
        }
        Unresolved::UnknownCommune(name) => {
            let communes = names.units.into_iter().flat_map(|u| u.communes());
            // "xã Hạ Long" is likest "Phường Hạ Long": compare the kinds
            // aside too.
            let hint = nearest_vi(&closest(communes.map(|c| c.name.as_str()), |n| {
                similarity(name, n).max(similarity(without_kind(name), without_kind(n)))
            }));
            let kinds = names.units.map(Units::commune_kinds_vi).unwrap_or_default();
            format!("\"{name}\" không phải {kinds} nào của danh mục đơn vị \"{units_id}\"{hint}")
        }
        Unresolved::AmbiguousCommune { name, codes } => format!(
            "\"{name}\" là tên của {} đơn vị trong danh mục \"{units_id}\" (mã {}): không rõ giao cho đơn vị nào",
            codes.len(),
            codes.join(", ")
        ),
        Unresolved::NoUnits(name) => format!(
            "chưa có danh mục đơn vị hành chính để tìm \"{name}\": hãy chọn danh mục đơn vị của kế hoạch"
        ),
    }
}

/// "; gần nhất: A; B" for the closest names found, else nothing.
fn nearest_vi(near: &[String]) -> String {
    if near.is_empty() {
        String::new()
    } else {
        format!("; gần nhất: {}", near.join("; "))
    }
}

/// The resolver stops at the first text it does not know and returns the
/// rest; the unknown part is what comes before the first separator after
/// which the rest resolves ("Sở Ngoại vụ; UBND các xã, phường, thị trấn" →
/// "Sở Ngoại vụ").
fn unknown_part(leftover: &str, plan: &Plan) -> String {
    let cut = leftover
        .char_indices()
        .filter(|(_, c)| matches!(c, ',' | ';'))
        .map(|(i, _)| i)
        .find(|&i| {
            let rest = leftover[i + 1..].trim();
            !rest.is_empty() && mentions(rest, &plan.agencies, &plan.agency_groups).is_ok()
        });
    match cut {
        Some(i) => leftover[..i].trim().to_string(),
        None => leftover.trim().to_string(),
    }
}

/// The three names that `score` finds likest (at least 0.4 of 1).
fn closest<'a>(names: impl Iterator<Item = &'a str>, score: impl Fn(&str) -> f64) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = names.map(|n| (score(n), n)).collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let mut out: Vec<String> = Vec::new();
    for (score, name) in scored {
        if out.len() == 3 || score < 0.4 {
            break;
        }
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    out
}

/// How alike two names are (0 to 1), accents and case aside.
fn similarity(a: &str, b: &str) -> f64 {
    strsim::normalized_levenshtein(&crate::search::fold(a), &crate::search::fold(b))
}

/// A commune's name without its kind: "Phường Hạ Long" → "Hạ Long".
fn without_kind(name: &str) -> &str {
    let lower = name.to_lowercase();
    crate::agency::COMMUNE_KINDS
        .iter()
        .find(|k| lower.starts_with(*k))
        .and_then(|k| name.get(k.len()..))
        .map_or(name, str::trim_start)
}

mod template;
pub use template::{bodies_2025, template_2025};

#[cfg(test)]
mod tests;
