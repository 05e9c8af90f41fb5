//! The plan data file must say exactly what the source text says.
//!
//! This parses data/seed/ke-hoach-124-KH-UBND-2020.txt (the plan as scraped:
//! table cells end in " |", dimension header rows are empty) on its own, with
//! no help from the data file, and compares every field.

use papi_core::Plan;

const SEED: &str = include_str!("../../data/seed/ke-hoach-124-KH-UBND-2020.txt");

#[derive(Debug, Default)]
struct SeedRow {
    text: String,
    lead: String,
    coordinating: String,
    timing: String,
}

#[derive(Debug, Default)]
struct SeedSub {
    code: String,
    name: String,
    rows: Vec<SeedRow>,
}

#[derive(Debug, Default)]
struct Seed {
    number: String,
    date: String,
    title: String,
    preamble: String,
    purposes: Vec<String>,
    requirements: Vec<String>,
    dimension_names: Vec<String>,
    subs: Vec<SeedSub>,
    organisation: Vec<String>,
    funding: Vec<String>,
    closing: String,
}

fn cell(line: &str) -> String {
    line.strip_suffix(" |")
        .unwrap_or_else(|| panic!("not a table cell: {line:?}"))
        .to_string()
}

fn is_code(line: &str) -> bool {
    let Some(code) = line.strip_suffix(" |") else {
        return false;
    };
    let mut parts = code.split('.');
    matches!((parts.next(), parts.next(), parts.next()),
        (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty()
            && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit()))
}

fn parse_seed() -> Seed {
    let lines: Vec<&str> = SEED.lines().collect();
    let find = |prefix: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix} not in seed"))
    };
    let mut s = Seed::default();
    s.number = cell(lines[find("Số: ")])
        .trim_start_matches("Số: ")
        .to_string();
    s.date = cell(lines[find("Bắc Kạn, ngày ")]);
    s.title = lines[find("NÂNG CAO CHỈ SỐ")].to_string();
    s.preamble = lines[find("Căn cứ kết quả")].to_string();
    let bullets = |from: usize| -> Vec<String> {
        lines[from + 1..]
            .iter()
            .take_while(|l| l.starts_with("- "))
            .map(|l| l[2..].to_string())
            .collect()
    };
    s.purposes = bullets(find("1. Mục đích:"));
    s.requirements = bullets(find("2. Yêu cầu:"));
    let list = s.purposes[0]
        .split("gồm: ")
        .nth(1)
        .expect("dimension list")
        .trim_end_matches('.');
    s.dimension_names = list
        .split("; ")
        .map(|n| {
            let mut c = n.chars();
            let first = c.next().unwrap().to_uppercase().collect::<String>();
            first + c.as_str()
        })
        .collect();

    let header_end = find("Thời gian thực hiện |") + 1;
    let section_iii = find("1. Các cơ quan");
    let mut i = header_end;
    while i < section_iii {
        let line = lines[i];
        if is_code(line) {
            s.subs.push(SeedSub {
                code: cell(line),
                name: cell(lines[i + 1]),
                rows: vec![],
            });
            i += 2;
        } else if line.chars().all(|c| c == '|') {
            i += 1; // separator and empty dimension header rows
        } else {
            let sub = s
                .subs
                .last_mut()
                .expect("a task row before any sub-indicator");
            sub.rows.push(SeedRow {
                text: cell(line),
                lead: cell(lines[i + 1]),
                coordinating: cell(lines[i + 2]),
                timing: cell(lines[i + 3]),
            });
            i += 4;
        }
    }
    for (n, line) in lines[section_iii..section_iii + 6].iter().enumerate() {
        let prefix = format!("{}. ", n + 1);
        s.organisation.push(
            line.strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("{line}"))
                .to_string(),
        );
    }
    s.funding = vec![lines[section_iii + 6].to_string()];
    s.closing = lines[section_iii + 7].to_string();
    s
}

/// Split a task cell into its "- " bullet items: a bullet starts the cell and
/// each later one follows a sentence end (". - " or "; - "), which keeps
/// "chính trị - xã hội" whole.
fn seed_items(text: &str) -> (bool, Vec<String>) {
    let Some(rest) = text.strip_prefix("- ") else {
        return (false, vec![text.to_string()]);
    };
    let mut items = Vec::new();
    let mut start = 0;
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i + 3 <= bytes.len() {
        if &bytes[i..i + 3] == b" - " && i > 0 && matches!(bytes[i - 1], b'.' | b';') {
            items.push(rest[start..i].to_string());
            start = i + 3;
            i += 3;
        } else {
            i += 1;
        }
    }
    items.push(rest[start..].to_string());
    (true, items)
}

/// Every difference between the data file and the seed, as readable lines.
fn differences(plan: &Plan, seed: &Seed) -> Vec<String> {
    let mut d = Vec::new();
    let mut eq = |what: String, data: &str, seed: &str| {
        if data != seed {
            d.push(format!("{what}: data file has {data:?}, seed has {seed:?}"));
        }
    };
    eq("number".into(), &plan.document.number, &seed.number);
    eq(
        "date".into(),
        &format!(
            "Bắc Kạn, ngày {} tháng {} năm {}",
            plan.document.date.format("%-d"),
            plan.document.date.format("%-m"),
            plan.document.date.format("%Y")
        ),
        &seed.date,
    );
    eq("title".into(), &plan.document.title_verbatim, &seed.title);
    eq("preamble".into(), &plan.preamble, &seed.preamble);
    eq("closing".into(), &plan.closing, &seed.closing);
    let lists: [(&str, &Vec<String>, &Vec<String>); 4] = [
        ("purposes", &plan.purposes, &seed.purposes),
        ("requirements", &plan.requirements, &seed.requirements),
        ("organisation", &plan.organisation, &seed.organisation),
        ("funding", &plan.funding, &seed.funding),
    ];
    for (name, data, src) in lists {
        eq(
            format!("{name} count"),
            &data.len().to_string(),
            &src.len().to_string(),
        );
        for (k, (a, b)) in data.iter().zip(src.iter()).enumerate() {
            eq(format!("{name} {}", k + 1), a, b);
        }
    }
    eq(
        "dimension count".into(),
        &plan.dimensions.len().to_string(),
        &seed.dimension_names.len().to_string(),
    );
    for (dim, name) in plan.dimensions.iter().zip(&seed.dimension_names) {
        eq(format!("dimension {} name", dim.code), &dim.name, name);
    }
    let subs: Vec<_> = plan.sub_indicators().collect();
    eq(
        "sub-indicator count".into(),
        &subs.len().to_string(),
        &seed.subs.len().to_string(),
    );
    for (sub, ss) in subs.iter().zip(&seed.subs) {
        eq(
            format!("sub-indicator {} code", sub.code),
            &sub.code,
            &ss.code,
        );
        eq(
            format!("sub-indicator {} name", sub.code),
            &sub.name,
            &ss.name,
        );
        eq(
            format!("sub-indicator {} rows", sub.code),
            &sub.tasks.len().to_string(),
            &ss.rows.len().to_string(),
        );
        for (k, (t, row)) in sub.tasks.iter().zip(&ss.rows).enumerate() {
            eq(
                format!("task {} id", t.id),
                &t.id,
                &format!("{}-{}", ss.code, k + 1),
            );
            let (bulleted, items) = seed_items(&row.text);
            eq(
                format!("task {} bulleted", t.id),
                &t.bulleted.to_string(),
                &bulleted.to_string(),
            );
            eq(
                format!("task {} item count", t.id),
                &t.items.len().to_string(),
                &items.len().to_string(),
            );
            for (n, (a, b)) in t.items.iter().zip(&items).enumerate() {
                eq(format!("task {} item {}", t.id, n + 1), a, b);
            }
            eq(format!("task {} text", t.id), &t.text(), &row.text);
            eq(format!("task {} lead", t.id), &t.lead.text, &row.lead);
            eq(
                format!("task {} coordinating", t.id),
                &t.coordinating.text,
                &row.coordinating,
            );
            eq(format!("task {} timing", t.id), &t.timing, &row.timing);
        }
    }
    d
}

fn plan() -> Plan {
    Plan::from_json(papi_core::BAC_KAN_124_2020).expect("shipped plan loads")
}

#[test]
fn seed_parser_sees_the_whole_plan() {
    let seed = parse_seed();
    assert_eq!(seed.dimension_names.len(), 8);
    assert_eq!(seed.subs.len(), 27);
    assert_eq!(seed.subs.iter().map(|s| s.rows.len()).sum::<usize>(), 42);
    assert_eq!(seed.number, "124/KH-UBND");
    assert_eq!(seed.purposes.len(), 3);
    assert_eq!(seed.requirements.len(), 3);
    assert_eq!(seed.organisation.len(), 6);
    assert!(seed
        .subs
        .iter()
        .flat_map(|s| &s.rows)
        .all(|r| r.timing == "Thường xuyên"));
}

#[test]
fn data_file_matches_the_seed_exactly() {
    let p = plan();
    assert_eq!(
        (
            p.dimensions.len(),
            p.sub_indicators().count(),
            p.tasks().count()
        ),
        (8, 27, 42)
    );
    let d = differences(&p, &parse_seed());
    assert!(
        d.is_empty(),
        "data file differs from the seed:\n{}",
        d.join("\n")
    );
}

#[test]
fn keeps_the_plans_own_spelling() {
    let p = plan();
    let all: String = p.tasks().map(|t| t.text()).collect::<Vec<_>>().join("\n");
    for slip in ["Tănp cường", "Giảm sát", "ngay 19/11/2015"] {
        assert!(all.contains(slip), "{slip} was corrected");
    }
}

#[test]
fn one_changed_character_in_any_task_is_caught() {
    let seed = parse_seed();
    let base = plan();
    let ids: Vec<String> = base.tasks().map(|t| t.id.clone()).collect();
    for id in &ids {
        for part in ["item", "lead", "coordinating"] {
            let mut p = base.clone();
            let t = p
                .dimensions
                .iter_mut()
                .flat_map(|d| d.sub_indicators.iter_mut())
                .flat_map(|s| s.tasks.iter_mut())
                .find(|t| &t.id == id)
                .unwrap();
            let s = match part {
                "item" => t.items.last_mut().unwrap(),
                "lead" => &mut t.lead.text,
                _ => &mut t.coordinating.text,
            };
            // Swap the case of one letter in the middle.
            let mid = s.chars().count() / 2;
            *s = s
                .chars()
                .enumerate()
                .map(|(k, c)| {
                    if k == mid {
                        if c.is_lowercase() {
                            c.to_uppercase().next().unwrap()
                        } else {
                            'x'
                        }
                    } else {
                        c
                    }
                })
                .collect();
            let d = differences(&p, &seed);
            assert!(
                d.iter().any(|l| l.contains(&format!("task {id}"))),
                "a change in task {id} {part} went unnoticed"
            );
        }
    }
}

#[test]
fn a_commune_leads_fourteen_rows_alone_plus_shared_ones() {
    let p = plan();
    let units = papi_core::Units::from_json(papi_core::BAC_KAN_UNITS_2020).unwrap();
    let commune = units.get("01840").unwrap(); // Phường Đức Xuân
    let (lead, coord) = p.tasks_by_role(commune);
    let alone: Vec<_> = lead
        .iter()
        .filter(|t| t.lead.text == "UBND các xã, phường, thị trấn")
        .collect();
    assert_eq!(alone.len(), 14);
    let shared: Vec<&str> = lead
        .iter()
        .filter(|t| t.lead.agencies.len() > 1)
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(
        shared,
        vec!["2.1-1", "3.1-1", "3.1-4", "3.2-1", "4.1-1", "5.3-1", "5.4-1"]
    );
    assert_eq!(lead.len(), 21);
    assert!(coord.iter().any(|t| t.id == "1.2-1"));
    assert!(!coord.iter().any(|t| lead.contains(t)));
    // A district leads what the districts are named in; Sở Nội vụ leads 4.3-1
    // by name and the "Các sở, ban, ngành" rows as a department.
    let district = units.get("061").unwrap();
    let (dl, _) = p.tasks_by_role(district);
    assert!(dl.iter().any(|t| t.id == "6.2-1") && !dl.iter().any(|t| t.id == "2.3-1"));
    let province = units.province().unwrap();
    let (pl, _) = p.tasks_by_role(province);
    assert!(pl.iter().any(|t| t.id == "4.3-1") && pl.iter().any(|t| t.id == "1.2-1"));
    assert!(
        !pl.iter().any(|t| t.id == "6.1-1"),
        "BHXH's task is not Sở Nội vụ's"
    );
}

#[test]
fn the_plan_text_is_nfc() {
    use unicode_normalization::UnicodeNormalization;
    let p = plan();
    let mut texts: Vec<&str> = vec![&p.preamble, &p.closing];
    for t in p.tasks() {
        texts.extend(t.items.iter().map(String::as_str));
        texts.push(&t.lead.text);
        texts.push(&t.coordinating.text);
    }
    for a in &p.agencies {
        texts.push(&a.name);
        texts.extend(a.aliases.iter().map(String::as_str));
    }
    for t in texts {
        assert_eq!(t.nfc().collect::<String>(), t, "not NFC: {t}");
    }
}
