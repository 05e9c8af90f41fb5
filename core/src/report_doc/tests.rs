use super::*;
use crate::activity::{new_id, Activity, ActivityFields, Author};
use crate::fixtures::*;
use crate::letterhead::letterhead;
use crate::merge::Scope;
use crate::record::Field;
use crate::report::{report, Period, Rows};
use chrono::{TimeZone, Utc};

fn act(n: u32, unit: &str, task: &str, status: Status) -> Activity {
    let mut id = [0u8; 16];
    id[..4].copy_from_slice(&n.to_le_bytes());
    Activity::create(
        new_id(id),
        unit,
        ActivityFields::new(
            task,
            NaiveDate::from_ymd_opt(2020, 4, 15).unwrap(),
            &format!("Hoạt động {n}"),
            status,
        )
        .with(Field::EVIDENCE, "TB 12/TB-UBND"),
        &Author {
            name: "A",
            device_id: "d",
            now: Utc.with_ymd_and_hms(2020, 12, 1, 0, 0, 0).unwrap(),
        },
    )
}

fn na_ri_doc(recs: &[Activity]) -> Doc {
    na_ri_doc_with(recs, None, None)
}

fn na_ri_doc_with(
    recs: &[Activity],
    assessment: Option<&crate::assessment::Assessment>,
    scope_note: Option<&str>,
) -> Doc {
    let rows = Rows::new(&Scope::District(NA_RI.into()), &UNITS);
    let rep = report(recs, &PLAN, &UNITS, &rows, Period::Year(2020));
    let lh = letterhead(UNITS.get(NA_RI).unwrap(), &UNITS);
    document(
        &rep,
        &DocInput {
            plan: &PLAN,
            units: &UNITS,
            letterhead: &lh,
            day: NaiveDate::from_ymd_opt(2020, 12, 28).unwrap(),
            official_name: "Lý Thị Lan",
            assessment,
            scope_note,
        },
    )
}

fn texts(blocks: &[Block]) -> Vec<String> {
    blocks
        .iter()
        .flat_map(|b| match b {
            Block::Heading { text, .. } | Block::Item { text } => vec![text.clone()],
            Block::Para { lead, text, .. } => vec![format!("{lead}{text}")],
            Block::Table(t) => t.rows.iter().map(|r| r.join("\t")).collect(),
        })
        .collect()
}

#[test]
fn a_one_activity_report_names_only_its_task_and_lists_idle_units_once() {
    let doc = na_ri_doc(&[act(1, DONG_XA, "2.3-1", Status::Done)]);
    assert_eq!(
        (doc.parent_line.as_str(), doc.unit_line.as_str()),
        ("UBND HUYỆN NA RÌ", "PHÒNG NỘI VỤ")
    );
    assert_eq!(doc.dated, "Na Rì, ngày 28 tháng 12 năm 2020");
    assert!(
        doc.subtitles[0].starts_with("Kết quả thực hiện Kế hoạch số 124/KH-UBND ngày 10/03/2020")
    );
    let body = texts(&doc.body);
    // One task section: its heading, result and activity.
    assert_eq!(
        body.iter()
            .filter(|t| t.starts_with("Nhiệm vụ 2.3-1: "))
            .count(),
        1
    );
    assert!(body.iter().all(|t| !t.starts_with("Nhiệm vụ 1.1-1: ")));
    assert!(body.contains(&"15/04/2020 – Xã Đổng Xá: Hoạt động 1 (TB 12/TB-UBND)".to_string()));
    assert!(body.contains(&"Kết quả: 1 hoạt động đã thực hiện, 0 hoạt động kế hoạch.".to_string()));
    // Idle tasks named once per dimension: eight dimensions, eight lines.
    let idle = body
        .iter()
        .filter(|t| t.starts_with("Nhiệm vụ chưa có hoạt động trong kỳ: "))
        .count();
    assert_eq!(idle, 8);
    // The annex: one row per unit, a silent commune in a few words.
    let annex = texts(&doc.annex);
    assert_eq!(
        annex.len(),
        UNITS.children(NA_RI).count() + 1,
        "every commune and the district"
    );
    assert!(annex
        .iter()
        .any(|r| r.contains("Xã Văn Lang\t") && r.ends_with("\tChưa có hoạt động nào trong kỳ")));
    let dong_xa = annex.iter().find(|r| r.contains("Xã Đổng Xá")).unwrap();
    assert!(
        !dong_xa.contains("2.3-1") && dong_xa.contains("1.1-1"),
        "{dong_xa}"
    );
    // The summary table ends with the total row.
    let Some(Block::Table(summary)) = doc.body.iter().find(|b| matches!(b, Block::Table(_))) else {
        panic!("no summary table");
    };
    assert!(summary.total_row);
    assert_eq!(summary.rows.last().unwrap()[1..4], ["Cộng", "42", "1"]);
    assert_eq!(summary.widths.iter().map(|w| *w as u32).sum::<u32>(), 100);
    assert_eq!(ANNEX_WIDTHS.iter().map(|w| *w as u32).sum::<u32>(), 100);
}

#[test]
fn the_document_travels_as_json_unchanged() {
    let doc = na_ri_doc(&[
        act(1, DONG_XA, "2.3-1", Status::Done),
        act(2, VAN_VU, "1.1-1", Status::Planned),
    ]);
    let json = serde_json::to_string(&doc).unwrap();
    assert_eq!(serde_json::from_str::<Doc>(&json).unwrap(), doc);
    assert!(texts(&doc.body).iter().any(|t| t.ends_with("[kế hoạch]")));
}

#[test]
fn a_long_task_is_cut_with_a_count_of_the_rest() {
    let recs: Vec<Activity> = (0..35)
        .map(|n| act(n, DONG_XA, "2.3-1", Status::Done))
        .collect();
    let doc = na_ri_doc(&recs);
    let items = doc
        .body
        .iter()
        .filter(|b| matches!(b, Block::Item { .. }))
        .count();
    assert_eq!(items, MAX_LINES + 1);
    assert!(texts(&doc.body).contains(&more_lines(5)));
}

#[test]
fn the_assessment_follows_the_figures_a_paragraph_per_line() {
    let recs = [act(1, DONG_XA, "2.3-1", Status::Done)];
    let body = texts(&na_ri_doc(&recs).body);
    let at = body
        .iter()
        .position(|t| t == "III. ĐÁNH GIÁ CHUNG")
        .unwrap();
    // Nothing written: the headings alone, for the office to fill in.
    assert_eq!(
        body[at..].to_vec(),
        vec![
            "III. ĐÁNH GIÁ CHUNG",
            "1. Kết quả nổi bật",
            "2. Hạn chế, khó khăn và nguyên nhân",
            "IV. PHƯƠNG HƯỚNG, GIẢI PHÁP",
            "V. ĐỀ XUẤT, KIẾN NGHỊ",
        ]
    );
    let mut a = filled_assessment();
    a.direction = String::new();
    let body = texts(&na_ri_doc_with(&recs, Some(&a), None).body);
    let at = body
        .iter()
        .position(|t| t == "III. ĐÁNH GIÁ CHUNG")
        .unwrap();
    assert_eq!(
        body[at..].to_vec(),
        vec![
            "III. ĐÁNH GIÁ CHUNG",
            "1. Kết quả nổi bật",
            "Kết quả nổi bật",
            "dòng hai",
            "2. Hạn chế, khó khăn và nguyên nhân",
            "Hạn chế, khó khăn và nguyên nhân",
            "dòng hai",
            "IV. PHƯƠNG HƯỚNG, GIẢI PHÁP",
            "V. ĐỀ XUẤT, KIẾN NGHỊ",
            "Đề xuất, kiến nghị",
            "dòng hai",
        ]
    );
    // A withdrawn assessment prints as none.
    a.deleted = true;
    let body = texts(&na_ri_doc_with(&recs, Some(&a), None).body);
    assert!(!body.contains(&"dòng hai".to_string()));
}

#[test]
fn a_report_limited_to_accepted_periods_says_so_after_its_opening() {
    let note = scope_note("năm 2020", 2, 17);
    let doc = na_ri_doc_with(&[], None, Some(&note));
    let all = texts(&doc.body);
    assert_eq!(
        all[1],
        "Số liệu của báo cáo chỉ gồm các đơn vị đã được tiếp nhận báo cáo năm 2020 (2/17 đơn vị) và của đơn vị lập báo cáo."
    );
    assert_eq!(all[2], "I. TỔNG HỢP CHUNG");
    assert!(!texts(&na_ri_doc(&[]).body)
        .iter()
        .any(|t| t.starts_with("Số liệu của báo cáo chỉ")));
}

#[test]
fn an_activity_line_names_its_evidence_files() {
    let mut a = act(1, DONG_XA, "2.3-1", Status::Done);
    a.fields.files = filled().fields.files;
    let bare = act(2, DONG_XA, "2.3-1", Status::Done);
    let line = crate::report::Line::of;
    let with = line_text(&line(&a), &UNITS);
    assert!(
        with.ends_with("(TB 12/TB-UBND) [minh chứng: 2 tệp: Ảnh bảng tin]"),
        "{with}"
    );
    assert!(!line_text(&line(&bare), &UNITS).contains("minh chứng"));
    // The report's own lines carry them.
    let rows = Rows::new(&Scope::District(NA_RI.into()), &UNITS);
    let r = report([&a], &PLAN, &UNITS, &rows, Period::Year(2020));
    let task = r
        .dimensions
        .iter()
        .flat_map(|d| &d.subs)
        .flat_map(|s| &s.tasks)
        .find(|t| t.task_id == "2.3-1");
    assert_eq!(task.unwrap().lines[0].files, "2 tệp: Ảnh bảng tin");
}
