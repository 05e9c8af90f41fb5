use super::*;

fn plan() -> Plan {
    Plan::from_json(crate::BAC_KAN_124_2020).unwrap()
}

fn tasks_sheet(sheets: &mut [Sheet]) -> &mut Sheet {
    sheets.iter_mut().find(|s| s.name == TASKS).unwrap()
}

#[test]
fn the_2020_plan_round_trips_byte_for_byte() {
    let p = plan();
    assert_eq!(
        p.to_json(),
        crate::BAC_KAN_124_2020,
        "to_json writes the shipped file's bytes"
    );
    let back = from_sheets(&to_sheets(&p), None, None).unwrap();
    assert_eq!(back.to_json(), crate::BAC_KAN_124_2020);
    // Through the CSV of the task table, the rest from the plan itself.
    let csv = tasks_csv(&p);
    let sheet = sheet_from_csv(&csv).unwrap();
    let back = from_sheets(&[sheet], Some(&p), None).unwrap();
    assert_eq!(back.to_json(), crate::BAC_KAN_124_2020);
}

#[test]
fn a_csv_saved_by_excel_with_semicolons_reads_the_same() {
    let p = plan();
    let rows = &to_sheets(&p)[0].rows;
    let text: String = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
                .collect::<Vec<_>>()
                .join(";")
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    let back = from_sheets(&[sheet_from_csv(&text).unwrap()], Some(&p), None).unwrap();
    assert_eq!(back, p);
}

#[test]
fn every_problem_is_named_with_its_row_and_column() {
    let p = plan();
    let mut sheets = to_sheets(&p);
    let t = tasks_sheet(&mut sheets);
    t.rows[2][6] = "Sở Ngoại vụ; UBND các xã, phường, thị trấn".into(); // row 3, column G
    t.rows[3][5] = "  ".into(); // row 4, column F: empty task
    t.rows[5][4] = t.rows[4][4].clone(); // row 6, column E: duplicate id
    let problems = from_sheets(&sheets, None, None).unwrap_err();
    let places: Vec<String> = problems.iter().map(|x| x.place_vi()).collect();
    assert!(
        places.contains(&"Nhiệm vụ, dòng 3, cột G".to_string()),
        "{places:?}"
    );
    assert!(
        places.contains(&"Nhiệm vụ, dòng 4, cột F".to_string()),
        "{places:?}"
    );
    assert!(
        places.contains(&"Nhiệm vụ, dòng 6, cột E".to_string()),
        "{places:?}"
    );
    let agency = problems.iter().find(|x| x.column == Some('G')).unwrap();
    assert!(
        agency
            .message_vi
            .starts_with("\"Sở Ngoại vụ\" không phải cơ quan nào"),
        "{}",
        agency.message_vi
    );
    assert!(
        agency.message_vi.contains("gần nhất: Sở Nội vụ"),
        "{}",
        agency.message_vi
    );
    let dup = problems.iter().find(|x| x.column == Some('E')).unwrap();
    assert!(
        dup.message_vi.contains("trùng với dòng 5"),
        "{}",
        dup.message_vi
    );
}

#[test]
fn sheets_that_are_not_the_template_say_so() {
    let problems = from_sheets(&[], None, None).unwrap_err();
    assert!(problems[0].message_vi.contains("thiếu trang \"Nhiệm vụ\""));
    let wrong = Sheet {
        name: TASKS.into(),
        rows: vec![vec!["STT".into(), "Nội dung".into()]],
    };
    let problems = from_sheets(&[wrong], Some(&plan()), None).unwrap_err();
    assert_eq!(problems[0].place_vi(), "Nhiệm vụ, dòng 1, cột A");
    assert!(problems[0].message_vi.contains("hãy dùng tệp mẫu"));
    let mut sheets = to_sheets(&plan());
    let info = sheets.iter_mut().find(|s| s.name == INFO).unwrap();
    info.rows[5][1] = "31/02/2026".into();
    let problems = from_sheets(&sheets, None, None).unwrap_err();
    assert_eq!(problems[0].place_vi(), "Thông tin, dòng 6, cột B");
}

#[test]
fn a_new_version_keeps_the_ids_of_unchanged_tasks() {
    let old = plan();
    let mut sheets = to_sheets(&old);
    let t = tasks_sheet(&mut sheets);
    // The officer clears every id (a plan typed anew), rewrites one task,
    // and adds one to 2.1.
    for r in t.rows.iter_mut().skip(1) {
        r[4] = String::new();
    }
    let row_21 = t.rows.iter().position(|r| r[2] == "2.1").unwrap();
    t.rows[row_21][5] = "- Một nhiệm vụ viết lại.".into();
    let mut added = t.rows[row_21].clone();
    added[5] = "Nhiệm vụ mới của năm 2026.".into();
    t.rows.insert(row_21 + 1, added);
    let info = sheets.iter_mut().find(|s| s.name == INFO).unwrap();
    info.rows[2][1] = "2026.1".into();
    let new = from_sheets(&sheets, Some(&old), None).unwrap();
    assert_eq!(new.version, "2026.1");
    // Unchanged tasks keep their ids; changed and new ones get free ids.
    for t in old.tasks().filter(|t| t.id != "2.1-1") {
        assert_eq!(
            new.task(&t.id).map(|n| &n.items),
            Some(&t.items),
            "{}",
            t.id
        );
    }
    let ids: Vec<&str> = new
        .sub_indicators()
        .find(|s| s.code == "2.1")
        .unwrap()
        .tasks
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(ids, ["2.1-2", "2.1-3"]);
    assert!(
        new.task("2.1-1").is_none(),
        "the rewritten task's old id is not reused"
    );
    assert!(!new.task("2.1-3").unwrap().bulleted);
}

#[test]
fn dimensions_must_be_in_order_and_contiguous() {
    let mut sheets = to_sheets(&plan());
    let t = tasks_sheet(&mut sheets);
    let moved = t.rows.remove(1);
    t.rows.push(moved);
    let problems = from_sheets(&sheets, None, None).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|x| x.message_vi.contains("phải liền nhau")),
        "{problems:?}"
    );
}

/// The 2020 plan's task table with the rows `drop` picks left out, as a
/// new version.
fn without_rows(old: &Plan, version: &str, drop: impl Fn(&[String]) -> bool) -> Plan {
    let mut sheets = to_sheets(old);
    let t = tasks_sheet(&mut sheets);
    let head = t.rows.remove(0);
    t.rows.retain(|r| !drop(r));
    t.rows.insert(0, head);
    let info = sheets.iter_mut().find(|s| s.name == INFO).unwrap();
    info.rows[2][1] = version.into();
    from_sheets(&sheets, Some(old), None).unwrap()
}

#[test]
fn a_dropped_task_is_kept_retired_under_its_sub_indicator_version_after_version() {
    let old = plan();
    let v1 = without_rows(&old, "2026.1", |r| r[4] == "2.3-1");
    assert!(v1.task("2.3-1").is_none(), "no longer recorded against");
    let r = v1.retired("2.3-1").expect("kept for its records");
    assert_eq!(v1.records_from(), old.document.date, "same document date");
    assert_eq!(v1.records_from, None);
    // Dated later, it still takes records from the first version's date.
    let v2026 = &*crate::fixtures::PLAN_WITHOUT_2_3_1;
    assert_eq!(
        v2026.document.date,
        chrono::NaiveDate::from_ymd_opt(2026, 1, 10).unwrap()
    );
    assert_eq!(v2026.records_from, Some(old.document.date));
    assert_eq!(Plan::from_json(&v2026.to_json()).unwrap(), *v2026);
    assert_eq!(r.last_version, old.version);
    assert_eq!(&r.task, old.task("2.3-1").unwrap());
    let (d, s, t, last) = v1.locate_record("2.3-1").unwrap();
    assert_eq!(
        (d.code.as_str(), s.code.as_str(), t.id.as_str()),
        ("2", "2.3", "2.3-1")
    );
    assert_eq!(last, Some(old.version.as_str()));
    // The next version, built on this one, still knows it, with the version
    // that last had it; and drops one more.
    let v2 = without_rows(&v1, "2026.2", |r| r[4] == "3.1-1");
    assert_eq!(v2.retired("2.3-1").unwrap().last_version, old.version);
    assert_eq!(v2.retired("3.1-1").unwrap().last_version, "2026.1");
    // Retired ids are never given to a new task.
    assert!(v2.tasks().all(|t| t.id != "2.3-1" && t.id != "3.1-1"));
    // The plan file round-trips with them, and the catalogue's checks pass.
    assert_eq!(Plan::from_json(&v2.to_json()).unwrap(), v2);
    v2.check().unwrap();
}

#[test]
fn a_task_whose_row_comes_back_is_current_again() {
    let old = plan();
    let v1 = without_rows(&old, "2026.1", |r| r[4] == "2.3-1");
    // v2 is the full 2020 table again (with its ids), built on v1.
    let mut sheets = to_sheets(&old);
    sheets.iter_mut().find(|s| s.name == INFO).unwrap().rows[2][1] = "2026.2".into();
    let v2 = from_sheets(&sheets, Some(&v1), None).unwrap();
    assert!(v2.task("2.3-1").is_some());
    assert!(v2.retired("2.3-1").is_none());
    assert_eq!(v2.retired_tasks().count(), 0);
}

#[test]
fn a_dropped_sub_indicator_is_kept_for_its_retired_tasks_only() {
    let old = plan();
    let v1 = without_rows(&old, "2026.1", |r| r[2] == "2.3");
    let s = v1.sub_indicators().find(|s| s.code == "2.3").expect("kept");
    assert!(s.tasks.is_empty());
    assert_eq!(
        s.retired
            .iter()
            .map(|r| r.task.id.as_str())
            .collect::<Vec<_>>(),
        old.sub_indicators()
            .find(|s| s.code == "2.3")
            .unwrap()
            .tasks
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>()
    );
    // Exported, it has no row for 2.3: the template holds current tasks.
    let rows = &to_sheets(&v1)[0].rows;
    assert!(rows.iter().all(|r| r[2] != "2.3"));
}

#[test]
fn another_plan_built_on_this_one_retires_nothing() {
    let old = plan();
    let mut sheets = to_sheets(&old);
    let t = tasks_sheet(&mut sheets);
    let head = t.rows.remove(0);
    t.rows.retain(|r| r[4] != "2.3-1");
    t.rows.insert(0, head);
    let info = sheets.iter_mut().find(|s| s.name == INFO).unwrap();
    let id_row = info.rows.iter().position(|r| r[1] == old.id).unwrap();
    info.rows[id_row][1] = "thai-nguyen-papi-2027".into();
    let next_year = from_sheets(&sheets, Some(&old), None).unwrap();
    assert_eq!(next_year.id, "thai-nguyen-papi-2027");
    assert_eq!(next_year.retired_tasks().count(), 0);
}

#[test]
fn carrying_again_follows_the_plan_id() {
    let old = plan();
    let mut p = without_rows(&old, "2026.1", |r| r[2] == "2.3");
    assert_eq!(p.retired_tasks().count(), 1);
    // Given an id of its own after the sheets were read: nothing retired,
    // and the sub-indicator kept only for 2.3-1 is gone again.
    p.id = "thai-nguyen-papi-2027".into();
    carry_retired(&mut p, &old);
    assert_eq!(p.retired_tasks().count(), 0);
    assert!(p.sub_indicators().all(|s| s.code != "2.3"));
    // Back to the plan's id: retired again, once.
    p.id = old.id.clone();
    carry_retired(&mut p, &old);
    carry_retired(&mut p, &old);
    assert_eq!(p.retired_tasks().count(), 1);
    assert_eq!(p, without_rows(&old, "2026.1", |r| r[2] == "2.3"));
}

mod named_communes {
    use super::*;
    use crate::agency::{unit_id, Role};
    use crate::fixtures::{NAMED_COMMUNES, QUANG_NINH};
    use crate::units::Unit;
    use proptest::prelude::*;

    #[test]
    fn a_plan_naming_communes_round_trips_through_its_sheets_and_csv() {
        let (named, qn) = (&*NAMED_COMMUNES, &*QUANG_NINH);
        let lead = &named.task("1.1-1").unwrap().lead;
        assert_eq!(
            lead.text,
            "UBND phường Hạ Long, Ủy ban nhân dân đặc khu Vân Đồn"
        );
        assert_eq!(
            from_sheets(&to_sheets(named), None, Some(qn)).unwrap(),
            *named
        );
        let csv = sheet_from_csv(&tasks_csv(named)).unwrap();
        let back = from_sheets(&[csv], Some(named), Some(qn)).unwrap();
        assert_eq!(back.to_json(), named.to_json());
        assert_eq!(Plan::from_json(&named.to_json()).unwrap(), *named);
    }

    /// The named plan's sheets with two agency cells rewritten: task
    /// 1.1-1's lead (row 2, column G) and 1.2-1's coordinating (row 3, H).
    fn problems_of(lead: &str, coordinating: &str, units: Option<&Units>) -> Vec<SheetProblem> {
        let mut sheets = to_sheets(&NAMED_COMMUNES);
        let t = tasks_sheet(&mut sheets);
        t.rows[1][6] = lead.into();
        t.rows[2][7] = coordinating.into();
        from_sheets(&sheets, None, units).unwrap_err()
    }

    fn at<'a>(problems: &'a [SheetProblem], place: &str) -> &'a str {
        problems
            .iter()
            .find(|p| p.place_vi() == place)
            .map(|p| p.message_vi.as_str())
            .unwrap_or_else(|| panic!("nothing at {place}: {problems:?}"))
    }

    #[test]
    fn an_unknown_commune_is_named_with_its_place_and_the_closest_ones() {
        let problems = problems_of(
            "Sở Tư pháp; UBND phường Hạ Longg",
            "UBND xã Hạ Long",
            Some(&QUANG_NINH),
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        let g = at(&problems, "Nhiệm vụ, dòng 2, cột G");
        assert!(
            g.starts_with("\"phường Hạ Longg\" không phải xã, phường, đặc khu nào của danh mục đơn vị \"quang-ninh-2025\"; gần nhất: Phường Hạ Long"),
            "{g}"
        );
        // Hạ Long is a phường: the closest name says so.
        let h = at(&problems, "Nhiệm vụ, dòng 3, cột H");
        assert!(h.contains("gần nhất: Phường Hạ Long"), "{h}");
        // An unknown agency beside a named commune is still the agency.
        let problems = problems_of("Sở Ngoại vụ; UBND phường Hạ Long", "", Some(&QUANG_NINH));
        let g = at(&problems, "Nhiệm vụ, dòng 2, cột G");
        assert!(
            g.starts_with("\"Sở Ngoại vụ\" không phải cơ quan nào"),
            "{g}"
        );
    }

    #[test]
    fn an_ambiguous_or_dataset_less_commune_is_named_with_its_place() {
        let mut twice = QUANG_NINH.clone();
        let bai_chay = twice.units.iter_mut().find(|u| u.code == "06673").unwrap();
        bai_chay.name = "Phường Hạ Long".into();
        let problems = problems_of("UBND phường Hạ Long", "Sở Tư pháp", Some(&twice));
        assert_eq!(
            at(&problems, "Nhiệm vụ, dòng 2, cột G"),
            "\"phường Hạ Long\" là tên của 2 đơn vị trong danh mục \"quang-ninh-2025\" (mã 06673, 06688): không rõ giao cho đơn vị nào"
        );
        let problems = problems_of("UBND phường Hạ Long", "Sở Tư pháp", None);
        assert_eq!(
            at(&problems, "Nhiệm vụ, dòng 2, cột G"),
            "chưa có danh mục đơn vị hành chính để tìm \"phường Hạ Long\": hãy chọn danh mục đơn vị của kế hoạch"
        );
    }

    /// A cell naming the communes `picks` chooses (index, spelling, case,
    /// separator), after Sở Tư pháp when `department`; with the ids it
    /// must resolve to.
    fn cell_of(picks: &[(usize, usize, usize, usize)], department: bool) -> (String, Vec<String>) {
        let communes: Vec<&Unit> = QUANG_NINH.communes().collect();
        let (mut text, mut want) = (String::new(), Vec::new());
        if department {
            text.push_str("Sở Tư pháp");
            want.push("so-tu-phap".to_string());
        }
        for &(k, spelling, case, sep) in picks {
            let c = communes[k % communes.len()];
            if !text.is_empty() {
                text.push_str(["; ", ", ", " và ", "\n"][sep]);
            }
            text.push_str(["UBND ", "Ủy ban nhân dân ", "Uỷ ban nhân dân ", ""][spelling]);
            text.push_str(&match case {
                0 => c.name.clone(),
                1 => c.name.to_lowercase(),
                _ => c.name.to_uppercase(),
            });
            let id = unit_id(&c.code);
            if !want.contains(&id) {
                want.push(id);
            }
        }
        (text, want)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_communes_in_any_spelling_lead_alone_and_round_trip(
            picks in prop::collection::vec((0usize..54, 0usize..4, 0usize..3, 0usize..4), 1..5),
            department in any::<bool>(),
        ) {
            let qn = &*QUANG_NINH;
            let (text, want) = cell_of(&picks, department);
            let mut sheets = to_sheets(&NAMED_COMMUNES);
            tasks_sheet(&mut sheets).rows[1][6] = text.clone();
            let plan = from_sheets(&sheets, None, Some(qn)).unwrap();
            let t = plan.task("1.1-1").unwrap();
            prop_assert_eq!(&t.lead.text, &text);
            prop_assert_eq!(&t.lead.agencies, &want);
            prop_assert_eq!(plan.check_communes(qn), Ok(()));
            let csv = sheet_from_csv(&tasks_csv(&plan)).unwrap();
            prop_assert_eq!(&from_sheets(&[csv], Some(&plan), Some(qn)).unwrap(), &plan);
            for c in qn.communes() {
                let named = want.contains(&unit_id(&c.code));
                prop_assert_eq!(plan.role_of(c, t) == Role::Lead, named, "{}", &c.name);
            }
        }
    }
}
