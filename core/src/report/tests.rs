use super::*;
use crate::activity::{new_id, ActivityFields, Author};
use crate::batch::{BatchKey, BatchKind};
use crate::fixtures::*;
use crate::merge::AppliedBatch;
use crate::record::Field;
use crate::units::Level;
use chrono::{TimeZone, Utc};
use proptest::prelude::*;

fn act(n: u32, unit: &str, task: &str, date: (i32, u32, u32), status: Status) -> Activity {
    let mut id = [0u8; 16];
    id[..4].copy_from_slice(&n.to_le_bytes());
    id[10..15].copy_from_slice(unit.as_bytes().get(..5).unwrap_or(b"00000"));
    Activity::create(
        new_id(id),
        unit,
        ActivityFields::new(
            task,
            NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap(),
            &format!("Hoạt động {n}"),
            status,
        )
        .with(Field::EVIDENCE, &format!("VB {n}")),
        &Author {
            name: "A",
            device_id: "d",
            now: Utc.with_ymd_and_hms(2020, 12, 1, 0, 0, 0).unwrap(),
        },
    )
}

fn receipt(unit: &str, seq: u64, created: (i32, u32, u32)) -> Receipt {
    Receipt {
        key: BatchKey {
            unit_code: unit.into(),
            device_id: "d".into(),
            seq,
        },
        kind: BatchKind::Changes,
        sha256: format!("{seq:064}"),
        created_at: Utc
            .with_ymd_and_hms(created.0, created.1, created.2, 9, 0, 0)
            .unwrap(),
        records: 1,
        imported_at: Utc
            .with_ymd_and_hms(created.0, created.1, created.2, 10, 0, 0)
            .unwrap(),
    }
}

fn na_ri() -> Rows {
    Rows::new(&Scope::District(NA_RI.into()), &UNITS)
}

#[test]
fn periods_and_their_deadlines() {
    let q2 = Period::Quarter(2020, 2);
    assert_eq!(
        (q2.start(), q2.end()),
        (
            NaiveDate::from_ymd_opt(2020, 4, 1).unwrap(),
            NaiveDate::from_ymd_opt(2020, 6, 30).unwrap()
        )
    );
    assert_eq!(q2.deadline(), NaiveDate::from_ymd_opt(2020, 7, 10).unwrap());
    assert_eq!(
        Period::Quarter(2020, 4).end(),
        NaiveDate::from_ymd_opt(2020, 12, 31).unwrap()
    );
    assert_eq!(
        Period::Quarter(2020, 1).end(),
        NaiveDate::from_ymd_opt(2020, 3, 31).unwrap()
    );
    assert_eq!(q2.label_vi(), "Quý II/2020");
    assert_eq!(Period::Year(2020).label_vi(), "Năm 2020");
    assert!(Period::Year(2020).contains(NaiveDate::from_ymd_opt(2020, 12, 31).unwrap()));
    assert!(!q2.contains(NaiveDate::from_ymd_opt(2020, 7, 1).unwrap()));
    // Halves: January to June, July to December.
    let d = |m, day| NaiveDate::from_ymd_opt(2020, m, day).unwrap();
    let (h1, h2) = (Period::Half(2020, 1), Period::Half(2020, 2));
    assert_eq!((h1.start(), h1.end()), (d(1, 1), d(6, 30)));
    assert_eq!((h2.start(), h2.end()), (d(7, 1), d(12, 31)));
    assert_eq!(h1.deadline(), d(7, 10));
    assert_eq!(h1.label_vi(), "6 tháng đầu năm 2020");
    assert_eq!(h2.label_vi(), "6 tháng cuối năm 2020");
    assert!(h1.contains(d(6, 30)) && !h1.contains(d(7, 1)) && h2.contains(d(7, 1)));
    assert_eq!(h2.year(), 2020);
}

#[test]
fn rows_of_a_district_and_of_the_province() {
    let r = na_ri();
    assert_eq!(r.codes.last().map(String::as_str), Some(NA_RI));
    assert_eq!(r.codes.len(), UNITS.children(NA_RI).count() + 1);
    assert_eq!(r.row_of(DONG_XA), r.codes.iter().position(|c| c == DONG_XA));
    assert_eq!(r.row_of(MINH_KHAI), None);
    let p = Rows::new(&Scope::Province, &UNITS);
    assert_eq!(p.codes.len(), 9, "8 districts and the province");
    assert_eq!(p.row_of(DONG_XA), p.row_of(NA_RI));
    assert_eq!(
        p.members(p.row_of(NA_RI).unwrap()).count(),
        UNITS.children(NA_RI).count() + 1
    );
}

#[test]
fn a_two_tier_communes_activity_counts_in_its_own_row() {
    let tn = Units::from_json(crate::THAI_NGUYEN_UNITS_2025).unwrap();
    assert!(tn.two_tier());
    let p = Rows::new(&Scope::Province, &tn);
    assert_eq!(p.codes.len(), 93, "92 communes and the province");
    let bang_thanh = p.row_of("01864").expect("Xã Bằng Thành has its row");
    assert_eq!(p.codes[bang_thanh], "01864");
    assert_eq!(p.members(bang_thanh).count(), 1);
    assert_eq!(p.row_of("19"), Some(92));
    let recs = [act(1, "01864", "1.1-1", (2026, 3, 2), Status::Done)];
    let plan = Plan::from_json(crate::BAC_KAN_124_2020).unwrap();
    let m = matrix(recs.iter(), &plan, &p, Period::Year(2026));
    assert_eq!(m.row_totals[bang_thanh].count, 1);
}

#[test]
fn a_small_district_year_by_hand() {
    let recs = vec![
        act(1, DONG_XA, "2.3-1", (2020, 4, 15), Status::Done),
        act(2, DONG_XA, "2.3-1", (2020, 5, 2), Status::Done),
        act(3, DONG_XA, "1.1-1", (2020, 5, 3), Status::Planned),
        act(4, VAN_VU, "2.3-1", (2020, 8, 1), Status::Done),
        act(5, NA_RI, "1.1-1", (2020, 9, 9), Status::Done),
        act(6, MINH_KHAI, "2.3-1", (2020, 4, 1), Status::Done), // another district
        act(7, DONG_XA, "2.3-1", (2021, 1, 5), Status::Done),   // another year
        act(8, DONG_XA, "2.3-1", (2020, 6, 1), Status::Done).delete(&Author {
            name: "A",
            device_id: "d",
            now: Utc.with_ymd_and_hms(2020, 12, 2, 0, 0, 0).unwrap(),
        }),
    ];
    let rows = na_ri();
    let m = matrix(&recs, &PLAN, &rows, Period::Year(2020));
    let col = |code: &str| m.sub_indicators.iter().position(|c| c == code).unwrap();
    let dx = rows.row_of(DONG_XA).unwrap();
    assert_eq!(
        m.cells[dx][col("2.3")],
        Cell {
            count: 2,
            latest: NaiveDate::from_ymd_opt(2020, 5, 2)
        }
    );
    assert_eq!(m.cells[dx][col("1.1")].count, 1);
    assert_eq!(m.row_totals[dx].count, 3);
    assert_eq!(m.row_totals[rows.row_of(NA_RI).unwrap()].count, 1);
    assert_eq!(m.column_totals[col("2.3")].count, 3);
    assert_eq!(m.column_totals.iter().map(|c| c.count).sum::<usize>(), 5);
    let q2 = matrix(&recs, &PLAN, &rows, Period::Quarter(2020, 2));
    assert_eq!(q2.column_totals.iter().map(|c| c.count).sum::<usize>(), 3);

    let tasks = task_cells(&recs, &rows, dx, Period::Year(2020));
    assert_eq!(tasks["2.3-1"].count, 2);

    let rep = report(&recs, &PLAN, &UNITS, &rows, Period::Year(2020));
    assert_eq!(
        rep.totals(),
        Totals {
            tasks: 42,
            tasks_with_activity: 2,
            done: 4,
            planned: 1
        }
    );
    let t231 = rep
        .dimensions
        .iter()
        .flat_map(|d| &d.subs)
        .flat_map(|s| &s.tasks)
        .find(|t| t.task_id == "2.3-1")
        .unwrap();
    assert_eq!(
        t231.lines
            .iter()
            .map(|l| l.title.as_str())
            .collect::<Vec<_>>(),
        ["Hoạt động 1", "Hoạt động 2", "Hoạt động 4"]
    );
    // Communes lead 2.3-1 and the district coordinates it: every Na Rì
    // commune but Đổng Xá and Văn Vũ lacks it, and so does the district.
    assert_eq!(t231.without.len(), UNITS.children(NA_RI).count() - 2 + 1);
    assert!(!t231.without.contains(&DONG_XA.to_string()));
    assert!(t231.without.contains(&NA_RI.to_string()));

    // The annex lists each unit once: Đổng Xá lacks the tasks it has a
    // role in but 2.3-1 (and whatever other task it recorded for), Na Rì
    // lacks 2.3-1 too; a commune with nothing is said to have nothing.
    let annex = rep.annex();
    let idle = |code: &str| annex.idle_units.iter().find(|u| u.code == code).cloned();
    let dong_xa = idle(DONG_XA).expect("Đổng Xá lacks some tasks");
    assert!(!dong_xa.tasks.contains(&"2.3-1".to_string()));
    assert!(!dong_xa.none_at_all, "Đổng Xá has activities");
    assert!(idle(NA_RI).unwrap().tasks.contains(&"2.3-1".to_string()));
    let silent = UNITS
        .children(NA_RI)
        .find(|u| u.code != DONG_XA && u.code != VAN_VU)
        .unwrap();
    assert!(
        idle(&silent.code).unwrap().none_at_all,
        "{} has none",
        silent.name
    );
    for u in &annex.idle_units {
        assert!(rows.codes.contains(&u.code), "{} is a row", u.code);
        assert!(!u.tasks.is_empty(), "{} listed with nothing", u.code);
    }
    // Every unit the tasks name as without activity is in the annex.
    let named: BTreeSet<&String> = rep
        .dimensions
        .iter()
        .flat_map(|d| &d.subs)
        .flat_map(|s| &s.tasks)
        .flat_map(|t| &t.without)
        .collect();
    assert_eq!(named.len(), annex.idle_units.len());

    let none = commune_tasks_without_activity(&recs, &PLAN, &UNITS, &rows, Period::Year(2020));
    assert_eq!(
        none.len(),
        19,
        "21 commune-led rows; 2.3-1 and 1.1-1 have activity"
    );
    assert!(none.iter().all(|t| t.id != "2.3-1" && t.id != "1.1-1"));

    let months = per_month(&recs, &rows, 2020);
    assert_eq!(months[3..9], [1, 2, 0, 0, 1, 1]);
}

#[test]
fn a_retired_tasks_records_stay_counted_where_they_were() {
    let v2 = &*PLAN_WITHOUT_2_3_1;
    let recs = vec![
        act(1, DONG_XA, "2.3-1", (2020, 4, 15), Status::Done),
        act(2, DONG_XA, "2.3-1", (2020, 5, 2), Status::Planned),
        act(3, DONG_XA, "1.1-1", (2020, 5, 3), Status::Done),
    ];
    let rows = na_ri();
    let year = Period::Year(2020);
    // The dashboard's matrix counts them under 2.3, as the 2020 version did.
    let (old, new) = (
        matrix(&recs, &PLAN, &rows, year),
        matrix(&recs, v2, &rows, year),
    );
    assert_eq!(new, old);
    // The report lists the retired task after 2.3's current ones, read as
    // the version that last had it; its activities count in the figures;
    // the task counts are the new version's.
    let rep = report(&recs, v2, &UNITS, &rows, year);
    let sub = rep
        .dimensions
        .iter()
        .flat_map(|d| &d.subs)
        .find(|s| s.code == "2.3")
        .unwrap();
    let t = sub.tasks.iter().find(|t| t.task_id == "2.3-1").unwrap();
    assert_eq!(t.retired.as_deref(), Some(PLAN.version.as_str()));
    assert_eq!((t.done, t.planned, t.lines.len()), (1, 1, 2));
    assert!(
        t.without.is_empty(),
        "no one is expected to act on a retired task"
    );
    assert_eq!(sub.tasks.last().unwrap().task_id, "2.3-1");
    assert_eq!(
        rep.totals(),
        Totals {
            tasks: 41,
            tasks_with_activity: 1,
            done: 2,
            planned: 1
        }
    );
    // A retired task without activity in the period is left out.
    let later = report(&recs, v2, &UNITS, &rows, Period::Year(2021));
    assert!(later
        .dimensions
        .iter()
        .flat_map(|d| &d.subs)
        .flat_map(|s| &s.tasks)
        .all(|t| t.retired.is_none()));
    // The activity table names its sub-indicator; the task summaries count it.
    let table = activity_table(&recs, v2, &UNITS, &rows, year);
    let sub_name = &PLAN
        .sub_indicators()
        .find(|s| s.code == "2.3")
        .unwrap()
        .name;
    assert_eq!(table.iter().filter(|r| &r[4] == sub_name).count(), 2);
    assert_eq!(v2.task_summaries(&recs).get("2.3-1").count, 2);
    // Not a task a commune is asked to lead any more.
    assert!(
        commune_tasks_without_activity(&recs, v2, &UNITS, &rows, year)
            .iter()
            .all(|t| t.id != "2.3-1")
    );
}

#[test]
fn completeness_on_time_late_missing_and_not_due() {
    let recs = vec![
        act(1, DONG_XA, "2.3-1", (2020, 5, 1), Status::Done),
        act(2, VAN_VU, "2.3-1", (2020, 6, 1), Status::Done),
        // The district's own activity: recorded here, never sent.
        act(3, NA_RI, "2.3-1", (2020, 6, 2), Status::Done),
    ];
    let rs = [
        receipt(DONG_XA, 1, (2020, 6, 20)),
        receipt(VAN_VU, 1, (2020, 8, 1)),
        receipt(VAN_VU, 3, (2020, 8, 2)),
    ];
    let refs: Vec<&Receipt> = rs.iter().collect();
    // Đổng Xá's activity came in its batch of 20/06, Vân Vũ's on 01/08.
    // The district's own activity also travelled in a batch of its own
    // device, after the deadline: still on time, it was recorded here.
    let file = |at| Arrival {
        at,
        basis: ArrivalBasis::File,
    };
    let mut delivered: HashMap<RecordKey, Arrival> = [
        (RecordKey::of(&recs[0]), file(rs[0].created_at)),
        (RecordKey::of(&recs[1]), file(rs[1].created_at)),
        (RecordKey::of(&recs[2]), file(rs[1].created_at)),
    ]
    .into();
    let q2 = Period::Quarter(2020, 2);
    let after = NaiveDate::from_ymd_opt(2020, 9, 1).unwrap();
    // Na Rì's statuses for Q2, seen on `today`.
    let na_ri_q2 = |recs: &[Activity],
                    refs: &[&Receipt],
                    delivered: &HashMap<RecordKey, Arrival>,
                    today: NaiveDate| {
        unit_statuses(
            recs,
            refs,
            delivered,
            &UNITS,
            &Scope::District(NA_RI.into()),
            q2,
            today,
        )
    };
    let st = na_ri_q2(&recs, &refs, &delivered, after);
    let get = |c: &str| st.iter().find(|s| s.unit_code == c).unwrap();
    assert_eq!(get(DONG_XA).completeness, Completeness::OnTime);
    assert_eq!(
        get(DONG_XA).last_batch,
        NaiveDate::from_ymd_opt(2020, 6, 20)
    );
    assert_eq!(get(VAN_VU).completeness, Completeness::Late);
    assert_eq!(
        (get(VAN_VU).batches, get(VAN_VU).missing_batches.label_vi()),
        (2, "2".to_string())
    );
    assert_eq!(get(VAN_VU).basis, Some(ArrivalBasis::File));
    assert_eq!(get(NA_RI).basis, None, "nothing had to reach the receiver");
    assert_eq!(get("02140").completeness, Completeness::Missing);
    assert_eq!(
        (get(NA_RI).completeness, get(NA_RI).batches),
        (Completeness::OnTime, 0),
        "the receiver's own activities need no batch"
    );
    let early = na_ri_q2(
        &recs,
        &refs,
        &delivered,
        NaiveDate::from_ymd_opt(2020, 7, 5).unwrap(),
    );
    assert_eq!(
        early
            .iter()
            .find(|s| s.unit_code == "02140")
            .unwrap()
            .completeness,
        Completeness::NotDue
    );
    assert_eq!(st.len(), UNITS.children(NA_RI).count() + 1);

    // A second Q2 activity of Đổng Xá that arrived after the deadline
    // (10/07) makes its report late, although an earlier batch was on time.
    let mut more = recs.clone();
    more.push(act(4, DONG_XA, "2.3-1", (2020, 6, 25), Status::Done));
    let late = receipt(DONG_XA, 2, (2020, 7, 20));
    delivered.insert(RecordKey::of(&more[3]), file(late.created_at));
    let refs2: Vec<&Receipt> = rs.iter().chain([&late]).collect();
    let st2 = na_ri_q2(&more, &refs2, &delivered, after);
    let dx = st2.iter().find(|s| s.unit_code == DONG_XA).unwrap();
    assert_eq!((dx.activities, dx.completeness), (2, Completeness::Late));
}

#[test]
fn on_time_through_the_server_uses_its_time_of_receipt() {
    // Đổng Xá's Q2 activity was sealed on 20/06 (before the deadline of
    // 10/07), but the server received the batch only on 15/07.
    let recs = vec![act(1, DONG_XA, "2.3-1", (2020, 5, 1), Status::Done)];
    let sealed = receipt(DONG_XA, 1, (2020, 6, 20));
    let server = Utc.with_ymd_and_hms(2020, 7, 15, 2, 0, 0).unwrap();
    let entry = AppliedBatch {
        receipt: sealed.clone(),
        records: recs.clone(),
        also: vec![],
        received_at: Some(server),
        plan_id: PLAN.id.clone(),
        assessments: vec![],
        submissions: vec![],
        comments: vec![],
    };
    let status = |entry: AppliedBatch| {
        let held = crate::merge::Received::from_entries([entry]);
        let refs: Vec<&Receipt> = held.receipts.values().collect();
        unit_statuses(
            held.records.values(),
            &refs,
            &held.delivered,
            &UNITS,
            &Scope::District(NA_RI.into()),
            Period::Quarter(2020, 2),
            NaiveDate::from_ymd_opt(2020, 9, 1).unwrap(),
        )
        .into_iter()
        .find(|s| s.unit_code == DONG_XA)
        .map(|s| (s.completeness, s.basis))
        .unwrap()
    };
    assert_eq!(
        status(entry.clone()),
        (Completeness::Late, Some(ArrivalBasis::Server)),
        "the sender's clock is not taken when the server saw it arrive"
    );
    // The same batch handed over as a file: only its own date is known.
    assert_eq!(
        status(AppliedBatch {
            received_at: None,
            ..entry
        }),
        (Completeness::OnTime, Some(ArrivalBasis::File))
    );
}

#[test]
fn csv_is_excel_safe() {
    let s = csv(
        &["a", "b"],
        vec![
            vec!["x,y".into(), "=1+1".into()],
            vec!["he said \"hi\"".into(), "dòng\nhai".into()],
        ],
    );
    assert!(s.starts_with('\u{feff}'));
    assert_eq!(
        s,
        "\u{feff}a,b\r\n\"x,y\",'=1+1\r\n\"he said \"\"hi\"\"\",\"dòng\nhai\"\r\n"
    );
    let recs = vec![act(1, DONG_XA, "2.3-1", (2020, 4, 15), Status::Done)];
    let rows = na_ri();
    let a = activities_csv(&recs, &PLAN, &UNITS, &rows, Period::Year(2020));
    assert!(a.contains("02194,Xã Đổng Xá,Xã Đổng Xá,"), "{a}");
    assert!(a.contains("15/04/2020,Đã thực hiện,Hoạt động 1"));
    let m = matrix(&recs, &PLAN, &rows, Period::Year(2020));
    let s = summary_csv(&m, &rows, &UNITS);
    assert_eq!(s.lines().count(), rows.codes.len() + 1);
    assert!(s.lines().next().unwrap().ends_with(",8.2,Tổng"));
}

#[test]
fn every_field_of_the_record_is_in_the_activities_table_and_its_exports() {
    let a = filled();
    let rows = na_ri();
    let period = Period::Year(2020);
    let columns = activity_columns();
    let table = activity_table([&a], &PLAN, &UNITS, &rows, period);
    assert_eq!(table.len(), 1);
    assert_eq!(table[0].len(), columns.len(), "a cell per column");
    let csv = activities_csv([&a], &PLAN, &UNITS, &rows, period);
    let m = matrix([&a], &PLAN, &rows, period);
    let book = workbook([&a], &m, &PLAN, &UNITS, &rows, period);
    let sheet = book.iter().find(|s| s.name == "Hoạt động").unwrap();
    let header: Vec<&str> = columns.iter().map(|c| c.header).collect();
    assert_eq!(sheet.header, header);
    assert!(csv.starts_with(&format!("\u{feff}{}\r\n", header.join(","))));
    // Every text a person types, by its label, with its value, in the table,
    // the CSV and the sheet; its width where it has one.
    for (f, value) in a.fields.texts.iter() {
        let i = header.iter().position(|h| *h == f.label_vi());
        let i = i.unwrap_or_else(|| panic!("{} has a column", f.spec().wire));
        assert_eq!(table[0][i], value);
        assert!(
            csv.contains(&value.replace('"', "\"\"")),
            "{value} in the CSV"
        );
        assert_eq!(sheet.rows[0][i], SheetCell::Text(value.into()));
        let width = sheet.widths.iter().find(|(c, _)| *c as usize == i);
        assert_eq!(width.map(|(_, w)| *w), f.spec().width, "{}", f.spec().wire);
    }
    // The evidence files: their count and captions.
    let i = header.iter().position(|h| *h == Field::FILES.label_vi());
    let i = i.expect("the files have a column");
    assert_eq!(table[0][i], "2 tệp: Ảnh bảng tin");
    assert!(csv.contains("2 tệp: Ảnh bảng tin"));
    // And the record's other fields that people read.
    for f in [
        Field::UNIT_CODE,
        Field::TASK,
        Field::DATE,
        Field::STATUS,
        Field::AUTHOR,
    ] {
        assert!(header.contains(&f.label_vi()), "{}", f.spec().wire);
    }
    assert!(table[0].contains(&"Kế hoạch".to_string()) && table[0].contains(&"20/04/2020".into()));
    // The sheet's date is a date (a spreadsheet sorts it), as the XLSX
    // worker reads it; the CSV's is dd/mm/yyyy.
    let d = header
        .iter()
        .position(|h| *h == Field::DATE.label_vi())
        .unwrap();
    let date = NaiveDate::from_ymd_opt(2020, 4, 20).unwrap();
    assert_eq!(sheet.rows[0][d], SheetCell::Date { date });
    assert_eq!(
        serde_json::to_string(&sheet.rows[0][d]).unwrap(),
        r#"{"date":"2020-04-20"}"#
    );
    assert_eq!(SheetCell::Date { date }.into_text(), "20/04/2020");
}

#[test]
fn provincial_bodies_record_for_themselves_and_roll_up_into_the_province() {
    let units = Units::from_json(crate::BAC_KAN_UNITS_2020)
        .unwrap()
        .with_bodies(&PLAN);
    let tc = units
        .get("06.so-tai-chinh")
        .expect("Sở Tài chính is a recording unit");
    assert_eq!(
        (tc.name.as_str(), tc.level, tc.parent_code.as_deref()),
        ("Sở Tài chính", Level::Province, Some("06"))
    );
    assert_eq!(units.bodies().count(), PLAN.role_agencies["bodies"].len());
    assert!(
        units.get("06.so-noi-vu").is_none(),
        "Sở Nội vụ is the province office itself"
    );
    assert!(units.is_receiver("06") && units.is_receiver(NA_RI));
    assert!(!units.is_receiver("06.so-tai-chinh") && !units.is_receiver(DONG_XA));
    // Its role is its own, not every department's.
    let (lead, _) = PLAN.tasks_by_role(tc);
    let (office_lead, _) = PLAN.tasks_by_role(units.province().unwrap());
    assert!(!lead.is_empty());
    assert_ne!(lead.len(), office_lead.len());
    for t in &lead {
        assert!(
            t.lead
                .agencies
                .iter()
                .any(|a| a == "so-tai-chinh" || a == "so-nganh"),
            "{}",
            t.id
        );
    }
    // The province takes its batches and counts them in its own row.
    assert!(Scope::Province.admits(&units, "06.so-tai-chinh"));
    assert!(!Scope::District(NA_RI.into()).admits(&units, "06.so-tai-chinh"));
    let rows = Rows::new(&Scope::Province, &units);
    assert_eq!(rows.row_of("06.so-tai-chinh"), rows.row_of("06"));
    let recs = vec![act(
        1,
        "06.so-tai-chinh",
        &lead[0].id,
        (2020, 6, 1),
        Status::Done,
    )];
    let m = matrix(&recs, &PLAN, &rows, Period::Year(2020));
    assert_eq!(m.row_totals[rows.row_of("06").unwrap()].count, 1);
    let st = unit_statuses(
        &recs,
        &[],
        &HashMap::new(),
        &units,
        &Scope::Province,
        Period::Year(2020),
        NaiveDate::from_ymd_opt(2021, 2, 1).unwrap(),
    );
    assert_eq!(
        st.iter()
            .find(|s| s.unit_code == "06.so-tai-chinh")
            .unwrap()
            .activities,
        1
    );
    // A batch of its own parses with the same checks as a commune's.
    let h = crate::batch::Header {
        plan: &PLAN,
        units: &units.id,
        unit_code: "06.so-tai-chinh",
        device_id: "d",
        created_at: Utc.with_ymd_and_hms(2020, 12, 2, 0, 0, 0).unwrap(),
        signer: crate::fixtures::signer_of("d"),
    };
    let b = crate::fixtures::signed(crate::batch::Batch::seal(&h, BatchKind::Changes, 1, recs));
    assert!(crate::batch::parse(
        b.to_json().as_bytes(),
        &PLAN,
        &units,
        crate::fixtures::now()
    )
    .is_ok());
    assert!(matches!(
        crate::batch::parse(
            b.to_json().as_bytes(),
            &PLAN,
            &UNITS,
            crate::fixtures::now()
        ),
        Err(crate::batch::BatchError::UnknownUnit(_))
    ));
}

#[test]
fn the_workbook_has_the_summary_and_every_activity() {
    let recs = vec![
        act(1, DONG_XA, "2.3-1", (2020, 4, 15), Status::Done),
        act(2, VAN_VU, "1.1-1", (2020, 5, 15), Status::Planned),
        act(3, MINH_KHAI, "1.1-1", (2020, 5, 15), Status::Done),
    ];
    let rows = na_ri();
    let m = matrix(&recs, &PLAN, &rows, Period::Year(2020));
    let wb = workbook(&recs, &m, &PLAN, &UNITS, &rows, Period::Year(2020));
    assert_eq!(
        wb.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Tổng hợp", "Hoạt động"]
    );
    assert_eq!(wb[0].rows.len(), rows.codes.len());
    assert_eq!(wb[1].rows.len(), 2, "Minh Khai is another district's");
    let json = serde_json::to_string(&wb).unwrap();
    assert!(
        json.contains(r#"["02194","Xã Đổng Xá","Xã Đổng Xá","#),
        "{json}"
    );
    assert!(
        json.contains(r#""2.3-1",{"date":"2020-04-20"},"#)
            || json.contains(r#""2.3-1",{"date":"2020-04-15"},"#)
    );
}

proptest! {
    /// The matrix equals a naive count made another way: the unit's parent
    /// from the unit list, the sub-indicator from the task id's prefix.
    #[test]
    fn matrix_matches_an_independent_count(
        spec in prop::collection::vec((0usize..6, 0usize..42, 0u32..400, any::<bool>(), any::<bool>()), 0..200),
        quarter in prop::option::of(1u32..=4),
    ) {
        let units = [DONG_XA, VAN_VU, "02140", NA_RI, MINH_KHAI, "058"];
        let tasks: Vec<String> = PLAN.tasks().map(|t| t.id.clone()).collect();
        let recs: Vec<Activity> = spec.iter().enumerate().map(|(i, (u, t, day, planned, deleted))| {
            let d = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Duration::days(*day as i64);
            let a = act(i as u32, units[*u], &tasks[*t], (d.year(), d.month(), d.day()), if *planned { Status::Planned } else { Status::Done });
            if *deleted { a.delete(&Author { name: "A", device_id: "d", now: Utc.with_ymd_and_hms(2021, 2, 1, 0, 0, 0).unwrap() }) } else { a }
        }).collect();
        let period = quarter.map_or(Period::Year(2020), |q| Period::Quarter(2020, q));
        for scope in [Scope::District(NA_RI.into()), Scope::Province] {
            let rows = Rows::new(&scope, &UNITS);
            let m = matrix(&recs, &PLAN, &rows, period);
            let mut expect: HashMap<(String, String), usize> = HashMap::new();
            for a in &recs {
                let in_period = a.fields.date.year() == 2020
                    && quarter.is_none_or(|q| (a.fields.date.month() - 1) / 3 + 1 == q);
                if a.deleted || !in_period { continue; }
                let u = UNITS.get(&a.unit_code).unwrap();
                let row = match (&scope, u.level) {
                    (Scope::District(d), _) if u.code == *d || u.parent_code.as_deref() == Some(d) => u.code.clone(),
                    (Scope::District(_), _) => continue,
                    (Scope::Province, Level::Commune) => u.parent_code.clone().unwrap(),
                    (Scope::Province, _) => u.code.clone(),
                };
                let sub = a.fields.task_id.split('-').next().unwrap().to_string();
                *expect.entry((row, sub)).or_default() += 1;
            }
            for (r, code) in rows.codes.iter().enumerate() {
                for (c, sub) in m.sub_indicators.iter().enumerate() {
                    let want = expect.get(&(code.clone(), sub.clone())).copied().unwrap_or(0);
                    prop_assert_eq!(m.cells[r][c].count, want, "{} {}", code, sub);
                }
            }
            let rep = report(&recs, &PLAN, &UNITS, &rows, period);
            let totals = rep.totals();
            prop_assert_eq!(totals.done + totals.planned, m.column_totals.iter().map(|c| c.count).sum::<usize>());
        }
    }
}

#[test]
fn received_units_count_live_records_and_batches_per_unit() {
    let recs = vec![
        act(1, DONG_XA, "2.3-1", (2020, 4, 15), Status::Done),
        act(2, DONG_XA, "2.3-1", (2020, 5, 2), Status::Done),
        act(3, VAN_VU, "1.1-1", (2021, 5, 3), Status::Planned).delete(&Author {
            name: "A",
            device_id: "d",
            now: Utc.with_ymd_and_hms(2021, 6, 2, 0, 0, 0).unwrap(),
        }),
    ];
    let receipts = [
        receipt(DONG_XA, 1, (2020, 4, 20)),
        receipt(DONG_XA, 2, (2020, 6, 1)),
        receipt(VAN_VU, 1, (2021, 6, 3)),
        receipt(NA_RI, 1, (2020, 1, 2)),
    ];
    let got = received_units(&recs, &receipts);
    let at = |y, m, d| Some(Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap());
    assert_eq!(
        got,
        vec![
            ReceivedUnit {
                unit_code: VAN_VU.into(),
                activities: 0,
                batches: 1,
                last_batch: at(2021, 6, 3)
            },
            ReceivedUnit {
                unit_code: DONG_XA.into(),
                activities: 2,
                batches: 2,
                last_batch: at(2020, 6, 1)
            },
            ReceivedUnit {
                unit_code: NA_RI.into(),
                activities: 0,
                batches: 1,
                last_batch: at(2020, 1, 2)
            },
        ]
    );
    // Records with no receipt (the receiver's own) still count.
    let own = received_units(&recs[..1], []);
    assert_eq!((own.len(), own[0].activities, own[0].batches), (1, 1, 0));
}

#[test]
fn a_two_tier_province_has_a_row_per_commune() {
    let units = Units::from_json(crate::THAI_NGUYEN_UNITS_2025).unwrap();
    let rows = Rows::new(&Scope::Province, &units);
    assert_eq!(
        rows.codes.len(),
        93,
        "92 communes and the province's own row"
    );
    assert_eq!(
        rows.row_of("01864"),
        Some(rows.codes.iter().position(|c| c == "01864").unwrap())
    );
    assert_eq!(rows.row_of("19"), Some(92));
}

#[test]
fn history_groups_the_former_communes_under_their_successor() {
    let next = Units::from_json(crate::THAI_NGUYEN_UNITS_2025).unwrap();
    let reform =
        crate::units::Succession::from_json(crate::BAC_KAN_2020_TO_THAI_NGUYEN_2025).unwrap();
    let units = UNITS.clone().with_successors(&reform, &next);
    // Xã Bộc Bố (01864, 2020) recorded twice, one deleted; Xã Nhạn Môn once.
    let by = crate::fixtures::by("dev", 0);
    let rec = |n: u8, unit: &str| {
        Activity::create(
            crate::activity::new_id([n; 16]),
            unit,
            crate::fixtures::fields("x"),
            &by,
        )
    };
    let recs = [
        rec(1, "01864"),
        rec(2, "01864").delete(&by),
        rec(3, "01861"),
    ];
    let groups = by_successor(&recs, &units);
    assert_eq!(groups.len(), 37, "108 communes became 37");
    let bt = groups.iter().find(|g| g.code == "01864").unwrap();
    assert_eq!(bt.name, "Xã Bằng Thành");
    assert_eq!(bt.activities(), 2);
    let bo_bo = bt.former.iter().find(|f| f.0 == "01864").unwrap();
    assert_eq!(
        (bo_bo.1.as_str(), bo_bo.2),
        ("Xã Bộc Bố", 1),
        "under its old name"
    );
    assert_eq!(groups.iter().map(|g| g.former.len()).sum::<usize>(), 108);
}

#[test]
fn a_task_given_to_two_named_communes_expects_only_them() {
    let plan = &*NAMED_COMMUNES;
    let mut c = crate::catalogue::Catalogue::shipped_for("quang-ninh-2025").unwrap();
    assert_eq!(c.add_plan(plan.clone()), Ok(true));
    let units = c.units_for(plan).unwrap();
    let province = units.province_code.clone();
    let rows = Rows::new(&Scope::Province, units);
    let other = &units
        .communes()
        .find(|u| u.code != HA_LONG && u.code != VAN_DON)
        .unwrap()
        .code;
    let year = Period::Year(2026);
    let recs = vec![
        act(1, HA_LONG, "1.1-1", (2026, 3, 2), Status::Done),
        act(2, other, "1.1-1", (2026, 3, 3), Status::Planned),
        act(3, other, "1.2-1", (2026, 3, 4), Status::Done),
    ];
    let rep = report(&recs, plan, units, &rows, year);
    let section = |id: &str| {
        rep.dimensions
            .iter()
            .flat_map(|d| &d.subs)
            .flat_map(|s| &s.tasks)
            .find(|t| t.task_id == id)
            .unwrap()
            .clone()
    };
    // Every activity counts, whoever recorded it; of the communes, only
    // Vân Đồn is still expected (Hạ Long has acted, no other was asked),
    // and the province's row for Sở Tư pháp, which coordinates.
    let named = section("1.1-1");
    assert_eq!((named.done, named.planned, named.lines.len()), (1, 1, 2));
    assert_eq!(named.without, vec![VAN_DON.to_string(), province.clone()]);
    // A task of every commune expects each but the one that acted, and the
    // province (Sở Nội vụ coordinates).
    let every = section("1.2-1");
    assert_eq!(every.without.len(), units.communes().count());
    assert!(!every.without.contains(other));
    assert!(every.without.contains(&HA_LONG.to_string()));

    // The dashboard's untouched commune-led tasks: 1.1-1 only where one of
    // its communes is in scope and nobody there acted.
    let untouched = |recs: &[Activity], rows: &Rows| {
        commune_tasks_without_activity(recs, plan, units, rows, year)
            .iter()
            .any(|t| t.id == "1.1-1")
    };
    assert!(!untouched(&recs, &rows));
    assert!(untouched(&[], &rows));
    assert!(untouched(&[], &Rows::single(VAN_DON)));
    assert!(!untouched(&[], &Rows::single(other)));
    // Hạ Long's activity is its own, not Vân Đồn's.
    assert!(!untouched(&recs, &Rows::single(HA_LONG)));
    assert!(untouched(&recs, &Rows::single(VAN_DON)));
}

#[test]
fn a_workbook_limited_to_accepted_units_says_so_on_every_sheet() {
    let a = filled();
    let rows = na_ri();
    let period = Period::Year(2020);
    let m = matrix([&a], &PLAN, &rows, period);
    let note = "Số liệu chỉ gồm các đơn vị đã được tiếp nhận báo cáo năm 2020 (1/17 đơn vị).";
    let book = scoped(workbook([&a], &m, &PLAN, &UNITS, &rows, period), note);
    assert_eq!(book.len(), 2);
    for sheet in &book {
        assert!(
            sheet.title.as_deref().unwrap().ends_with(note),
            "{}",
            sheet.name
        );
    }
    assert!(book[0]
        .title
        .as_deref()
        .unwrap()
        .starts_with("Số hoạt động theo đơn vị và chỉ tiêu — "));
}
