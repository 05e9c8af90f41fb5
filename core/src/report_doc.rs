//! The year-end report as a document, in words: every sentence and table of
//! the report, made once here, and rendered twice: as the A4 page of
//! "Báo cáo năm" (`src/ui/report.rs`, printed to PDF by the browser) and as
//! a Word file (`xlsx-worker/`, docx-rs), which offices finish, number and
//! sign in their document management system. Both read `Doc`, so the two
//! say the same. The layout is Nghị định 30/2020/NĐ-CP's (Phụ lục I).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::assessment::Assessment;
use crate::dates::{format_nd30, format_vn};
use crate::letterhead::{lower_first, Letterhead};
use crate::plan::Plan;
use crate::report::{IdleUnit, Line, Report, TaskSection, Totals};
use crate::units::Units;
use crate::Status;

/// Activities listed per task in the document; the rest are counted (a
/// province-year holds tens of thousands; the exports list them all).
pub const MAX_LINES: usize = 30;

/// The report, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    /// The issuing body: its first line, then its own (bold; may be empty).
    pub parent_line: String,
    pub unit_line: String,
    /// "Số: ……/BC-PNV".
    pub number: String,
    /// "Na Rì, ngày 30 tháng 6 năm 2025".
    pub dated: String,
    pub title: String,
    pub subtitles: Vec<String>,
    pub body: Vec<Block>,
    pub recipients: Vec<String>,
    /// Who signs, one line each, upper case.
    pub signer: Vec<String>,
    pub official_name: String,
    /// The annex, after the signature, on a page of its own (may be empty).
    pub annex: Vec<Block>,
}

/// One piece of the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// A heading: level 1 ("I. TỔNG HỢP CHUNG"), 2 (a dimension), 3 (a
    /// sub-indicator).
    Heading {
        level: u8,
        text: String,
    },
    /// A paragraph, its first line indented; `lead` is written bold before it.
    Para {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        lead: String,
        text: String,
        #[serde(default)]
        italic: bool,
    },
    /// A list item (an activity).
    Item {
        text: String,
    },
    Table(Table),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Each column's share of the width, in percent.
    pub widths: Vec<u8>,
    /// Whether the last row is a total (bold).
    pub total_row: bool,
}

/// What the document needs besides the figures.
pub struct DocInput<'a> {
    pub plan: &'a Plan,
    pub units: &'a Units,
    pub letterhead: &'a Letterhead,
    /// The document's date: today, or the unit's last day when it has ended.
    pub day: NaiveDate,
    pub official_name: &'a str,
    /// The unit's own assessment of the period (the sections a person
    /// writes), if any.
    pub assessment: Option<&'a Assessment>,
    /// What the figures cover when they are not everything received (the
    /// report limited to accepted periods: `scope_note`), said after the
    /// opening.
    pub scope_note: Option<&'a str>,
}

/// "Số liệu của báo cáo chỉ gồm các đơn vị đã được tiếp nhận báo cáo năm
/// 2026 (2/95 đơn vị) và của đơn vị lập báo cáo." for a report limited to
/// the accepted periods of `accepted` units out of `units`.
pub fn scope_note(period_vi: &str, accepted: usize, units: usize) -> String {
    format!(
        "Số liệu của báo cáo chỉ gồm các đơn vị đã được tiếp nhận báo cáo {period_vi} ({accepted}/{units} đơn vị) và của đơn vị lập báo cáo."
    )
}

/// The parts after the figures, each with the assessment's sections it
/// holds (by wire name): "III. ĐÁNH GIÁ CHUNG" (results, then
/// shortcomings, each under its numbered label), "IV." and "V.".
pub const ASSESSMENT_PARTS: [(&str, &[&str]); 3] = [
    ("III. ĐÁNH GIÁ CHUNG", &["results", "shortcomings"]),
    ("IV. PHƯƠNG HƯỚNG, GIẢI PHÁP", &["direction"]),
    ("V. ĐỀ XUẤT, KIẾN NGHỊ", &["proposals"]),
];

/// Parts III–V: the assessment's sections under their headings, a
/// paragraph per line; an empty one (or no assessment) its heading alone,
/// for the office to fill in (in the Word file).
pub fn assessment_blocks(a: Option<&Assessment>) -> Vec<Block> {
    let live = a.filter(|a| !a.deleted);
    let mut out = Vec::new();
    for (part, sections) in ASSESSMENT_PARTS {
        out.push(heading(1, part));
        for (n, wire) in sections.iter().enumerate() {
            if sections.len() > 1 {
                let label = crate::declared::spec::<Assessment>(wire).label_vi;
                out.push(heading(2, &format!("{}. {label}", n + 1)));
            }
            let text = live.map_or("", |a| a.section(wire));
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            out.extend(lines.into_iter().map(|l| para(l.to_string())));
        }
    }
    out
}

/// "Kế hoạch số 124/KH-UBND ngày 10/03/2020 của UBND tỉnh Bắc Kạn về …".
pub fn plan_ref(plan: &Plan) -> String {
    format!(
        "Kế hoạch số {} ngày {} của {} về {}",
        plan.document.number,
        format_vn(plan.document.date),
        plan.document.issuer,
        lower_first(&plan.document.title)
    )
}

/// The report's opening sentence.
pub fn opening(plan: &Plan, lh: &Letterhead) -> String {
    format!(
        "Thực hiện Kế hoạch số {}, {} báo cáo kết quả thực hiện trên địa bàn {} như sau:",
        plan.document.number, lh.sender_vi, lh.area_vi
    )
}

/// Part I's first sentence.
pub fn totals_sentence(t: Totals) -> String {
    format!(
        "Trong kỳ, {} nhiệm vụ của Kế hoạch có {} nhiệm vụ đã có hoạt động; tổng số {} hoạt động đã thực hiện và {} hoạt động đã lên kế hoạch.",
        t.tasks, t.tasks_with_activity, t.done, t.planned
    )
}

/// Part I's table: per dimension, then the total.
pub fn summary_table(report: &Report) -> Table {
    let t = report.totals();
    let mut rows: Vec<Vec<String>> = report
        .dimensions
        .iter()
        .map(|d| {
            vec![
                d.code.clone(),
                d.name.clone(),
                d.tasks.to_string(),
                d.tasks_with_activity.to_string(),
                d.done.to_string(),
                d.planned.to_string(),
            ]
        })
        .collect();
    rows.push(vec![
        String::new(),
        "Cộng".into(),
        t.tasks.to_string(),
        t.tasks_with_activity.to_string(),
        t.done.to_string(),
        t.planned.to_string(),
    ]);
    Table {
        header: [
            "TT",
            "Nội dung (lĩnh vực)",
            "Số nhiệm vụ",
            "Nhiệm vụ đã có hoạt động",
            "Hoạt động đã thực hiện",
            "Hoạt động kế hoạch",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        widths: vec![7, 37, 14, 14, 14, 14],
        total_row: true,
    }
}

/// The first words of a task's text (the document names a task, the plan
/// gives it whole).
pub fn short(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() <= 14 {
        words.join(" ")
    } else {
        format!("{}…", words[..14].join(" "))
    }
}

/// A task's heading: "Nhiệm vụ 2.3-1: " and the start of its text, with a
/// note when this plan version retired it.
pub fn task_head(plan: &Plan, task: &TaskSection) -> (String, String) {
    let text = plan
        .locate_record(&task.task_id)
        .map(|(.., x, _)| x.items.join(" "))
        .unwrap_or_default();
    let retired = task
        .retired
        .as_ref()
        .map(|v| format!(" (nhiệm vụ của phiên bản {v}, không còn trong kế hoạch hiện hành)"))
        .unwrap_or_default();
    (
        format!("Nhiệm vụ {}: ", task.task_id),
        format!("{}{retired}", short(&text)),
    )
}

pub fn result_sentence(task: &TaskSection) -> String {
    format!(
        "Kết quả: {} hoạt động đã thực hiện, {} hoạt động kế hoạch.",
        task.done, task.planned
    )
}

/// One activity of a task: "15/04/2020 – Xã Đổng Xá: title (evidence)".
pub fn line_text(l: &Line, units: &Units) -> String {
    let mut s = format!(
        "{} – {}: {}",
        format_vn(l.date),
        units.name_or_code(&l.unit_code),
        l.title
    );
    if !l.evidence.is_empty() {
        s.push_str(&format!(" ({})", l.evidence));
    }
    if !l.files.is_empty() {
        s.push_str(&format!(" [minh chứng: {}]", l.files));
    }
    if l.status == Status::Planned {
        s.push_str(" [kế hoạch]");
    }
    s
}

/// After a task's first `MAX_LINES` activities.
pub fn more_lines(n: usize) -> String {
    format!("… và {n} hoạt động khác (xem đầy đủ trong tệp Excel hoặc CSV).")
}

/// Under a task with activity: how many units have none (named in the annex).
pub fn without_sentence(n: usize) -> String {
    format!("Chưa có hoạt động: {n} đơn vị (xem Phụ lục).")
}

/// Under a dimension: its tasks without activity, named once.
pub fn idle_sentence(ids: &[&str]) -> String {
    format!("Nhiệm vụ chưa có hoạt động trong kỳ: {}.", ids.join(", "))
}

/// The annex's title, subtitle and table header.
pub const ANNEX_TITLE: &str = "PHỤ LỤC";
pub const ANNEX_SUBTITLE: &str =
    "Đơn vị chưa có hoạt động theo nhiệm vụ được giao trong kỳ báo cáo";
pub const ANNEX_HEADER: [&str; 4] = ["TT", "Đơn vị", "Số nhiệm vụ", "Nhiệm vụ"];
pub const ANNEX_WIDTHS: [u8; 4] = [7, 26, 13, 54];

/// One row of the annex: a unit with no activity at all is said in a few
/// words, not by listing every task it has a role in.
pub fn annex_row(n: usize, u: &IdleUnit, units: &Units) -> Vec<String> {
    let tasks = if u.none_at_all {
        "Chưa có hoạt động nào trong kỳ".to_string()
    } else {
        u.tasks.join(", ")
    };
    vec![
        n.to_string(),
        units.name_or_code(&u.code),
        u.tasks.len().to_string(),
        tasks,
    ]
}

/// The whole document.
pub fn document(report: &Report, input: &DocInput) -> Doc {
    let DocInput {
        plan,
        units,
        letterhead: lh,
        day,
        official_name,
        assessment,
        scope_note,
    } = *input;
    let mut body = vec![para(opening(plan, lh))];
    body.extend(scope_note.map(|n| italic(n.to_string())));
    body.extend([
        heading(1, "I. TỔNG HỢP CHUNG"),
        para(totals_sentence(report.totals())),
        Block::Table(summary_table(report)),
        heading(1, "II. KẾT QUẢ THEO TỪNG NỘI DUNG"),
    ]);
    for d in &report.dimensions {
        body.push(heading(2, &format!("{}. {}", d.code, d.name)));
        for s in d
            .subs
            .iter()
            .filter(|s| s.tasks.iter().any(TaskSection::has_activity))
        {
            body.push(heading(3, &format!("{} {}", s.code, s.name)));
            for t in s.tasks.iter().filter(|t| t.has_activity()) {
                body.extend(task_blocks(plan, units, t));
            }
        }
        let idle = d.idle_tasks();
        if !idle.is_empty() {
            body.push(italic(idle_sentence(&idle)));
        }
    }
    body.extend(assessment_blocks(assessment));
    Doc {
        parent_line: lh.parent_line_vi.clone(),
        unit_line: lh.unit_line_vi.clone(),
        number: format!("Số: ……/{}", lh.number_sign),
        dated: format!("{}, {}", lh.place_vi, format_nd30(day)),
        title: "BÁO CÁO".into(),
        subtitles: vec![
            format!("Kết quả thực hiện {}", plan_ref(plan)),
            format!("(Kỳ báo cáo: {})", lower_first(&report.period.label_vi())),
        ],
        body,
        recipients: lh.recipients_vi.clone(),
        signer: lh.signer_vi.clone(),
        official_name: official_name.to_string(),
        annex: annex_blocks(report, units),
    }
}

fn task_blocks(plan: &Plan, units: &Units, t: &TaskSection) -> Vec<Block> {
    let (lead, text) = task_head(plan, t);
    let mut out = vec![
        Block::Para {
            lead,
            text,
            italic: false,
        },
        para(result_sentence(t)),
    ];
    out.extend(t.lines.iter().take(MAX_LINES).map(|l| Block::Item {
        text: line_text(l, units),
    }));
    let more = t.lines.len().saturating_sub(MAX_LINES);
    if more > 0 {
        out.push(Block::Item {
            text: more_lines(more),
        });
    }
    if !t.without.is_empty() {
        out.push(italic(without_sentence(t.without.len())));
    }
    out
}

fn annex_blocks(report: &Report, units: &Units) -> Vec<Block> {
    let annex = report.annex();
    if annex.idle_units.is_empty() {
        return vec![];
    }
    vec![Block::Table(Table {
        header: ANNEX_HEADER.map(String::from).to_vec(),
        rows: (annex.idle_units.iter().enumerate())
            .map(|(i, u)| annex_row(i + 1, u, units))
            .collect(),
        widths: ANNEX_WIDTHS.to_vec(),
        total_row: false,
    })]
}

fn heading(level: u8, text: &str) -> Block {
    Block::Heading {
        level,
        text: text.to_string(),
    }
}

fn para(text: String) -> Block {
    Block::Para {
        lead: String::new(),
        text,
        italic: false,
    }
}

fn italic(text: String) -> Block {
    Block::Para {
        lead: String::new(),
        text,
        italic: true,
    }
}

#[cfg(test)]
mod tests;
