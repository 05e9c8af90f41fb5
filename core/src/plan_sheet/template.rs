//! The generic plan of a province since the 2025 reform, the plan
//! builder's template: the 8 PAPI dimensions and their 27 sub-indicators,
//! one example task under each, the provincial departments every province
//! has since Nghị định 45/2025/NĐ-CP, and "UBND các xã, phường, đặc khu";
//! every name filled in from the province's dataset (a centrally-run city's
//! "Thanh tra thành phố"). Nothing of another province's plan carries over:
//! the province replaces the example rows and the sections with its own.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::agency::{resolve_agencies, Agency};
use crate::letterhead::lower_first;
use crate::plan::{AgencyCell, Dimension, Document, Plan, SubIndicator, Task, PLAN_FORMAT};
use crate::units::{Level, Unit, Units};

/// The PAPI dimensions (chỉ số nội dung) and their sub-indicators (chỉ
/// tiêu thành phần), as the PAPI report names them.
const DIMENSIONS: [(&str, &[&str]); 8] = [
    (
        "Tham gia của người dân ở cấp cơ sở",
        &[
            "Tri thức công dân",
            "Cơ hội tham gia",
            "Chất lượng bầu cử",
            "Đóng góp tự nguyện",
        ],
    ),
    (
        "Công khai, minh bạch trong việc ra quyết định ở địa phương",
        &[
            "Tiếp cận thông tin",
            "Công khai, minh bạch danh sách hộ nghèo",
            "Công khai, minh bạch ngân sách cấp xã",
            "Công khai, minh bạch quy hoạch, kế hoạch sử dụng đất, bảng giá đất",
        ],
    ),
    (
        "Trách nhiệm giải trình với người dân",
        &[
            "Tương tác với các cấp chính quyền",
            "Giải quyết khiếu nại, tố cáo, tố giác của người dân",
            "Tiếp cận dịch vụ tư pháp",
        ],
    ),
    (
        "Kiểm soát tham nhũng trong khu vực công",
        &[
            "Kiểm soát tham nhũng trong chính quyền",
            "Kiểm soát tham nhũng trong cung ứng dịch vụ công",
            "Công bằng trong tuyển dụng vào khu vực công",
            "Quyết tâm chống tham nhũng",
        ],
    ),
    (
        "Thủ tục hành chính công",
        &[
            "Dịch vụ hành chính công cấp xã",
            "Dịch vụ chứng thực",
            "Dịch vụ cấp phép xây dựng",
            "Dịch vụ cấp giấy chứng nhận quyền sử dụng đất",
        ],
    ),
    (
        "Cung ứng dịch vụ công",
        &[
            "Dịch vụ y tế công lập",
            "Dịch vụ giáo dục tiểu học công lập",
            "Cơ sở hạ tầng căn bản",
            "An ninh, trật tự khu dân cư",
        ],
    ),
    (
        "Quản trị môi trường",
        &[
            "Nghiêm túc trong bảo vệ môi trường",
            "Chất lượng không khí, nguồn nước",
        ],
    ),
    (
        "Quản trị điện tử",
        &[
            "Cổng thông tin điện tử của chính quyền địa phương",
            "Tiếp cận và sử dụng Internet",
        ],
    ),
];

/// The agencies of the template: (id, name, kind). `{P}` is the
/// province's kind in lower case ("tỉnh", "thành phố"); `{X}` the kinds of
/// its communes ("xã, phường, đặc khu").
const AGENCIES: [(&str, &str, &str); 14] = [
    ("ubnd-xa", "UBND các {X}", "people_committee"),
    ("so-nganh", "Các sở, ban, ngành", "department_group"),
    ("so-noi-vu", "Sở Nội vụ", "department"),
    ("so-tu-phap", "Sở Tư pháp", "department"),
    ("so-tai-chinh", "Sở Tài chính", "department"),
    ("so-cong-thuong", "Sở Công Thương", "department"),
    ("so-nnmt", "Sở Nông nghiệp và Môi trường", "department"),
    ("so-xay-dung", "Sở Xây dựng", "department"),
    ("so-khcn", "Sở Khoa học và Công nghệ", "department"),
    ("so-vhttdl", "Sở Văn hóa, Thể thao và Du lịch", "department"),
    ("so-gddt", "Sở Giáo dục và Đào tạo", "department"),
    ("so-y-te", "Sở Y tế", "department"),
    ("thanh-tra-tinh", "Thanh tra {P}", "department"),
    ("van-phong-ubnd", "Văn phòng UBND {P}", "office"),
];

/// One example task per sub-indicator, in the table's order: (text, lead,
/// coordinating), agencies written with the `AGENCIES` placeholders.
const EXAMPLES: [(&str, &str, &str); 27] = [
    (
        "Tuyên truyền, phổ biến pháp luật về thực hiện dân chủ ở cơ sở và quyền, nghĩa vụ của công dân.",
        "Sở Tư pháp",
        "Sở Văn hóa, Thể thao và Du lịch; UBND các {X}",
    ),
    (
        "Tổ chức để người dân bàn, quyết định và tham gia ý kiến về các công việc ở cơ sở theo quy định.",
        "UBND các {X}",
        "Sở Nội vụ",
    ),
    (
        "Thực hiện đúng quy trình bầu cử trưởng thôn, tổ trưởng tổ dân phố; công khai danh sách và kết quả bầu cử.",
        "UBND các {X}",
        "Sở Nội vụ",
    ),
    (
        "Công khai các khoản đóng góp tự nguyện của người dân, mục đích sử dụng và kết quả thực hiện.",
        "UBND các {X}",
        "Sở Tài chính",
    ),
    (
        "Công khai thông tin theo Luật Tiếp cận thông tin tại trụ sở và trên cổng thông tin điện tử.",
        "Các sở, ban, ngành; UBND các {X}",
        "Văn phòng UBND {P}",
    ),
    (
        "Niêm yết công khai danh sách hộ nghèo, hộ cận nghèo tại trụ sở UBND cấp xã và nhà văn hóa thôn, tổ dân phố.",
        "UBND các {X}",
        "Sở Nông nghiệp và Môi trường",
    ),
    (
        "Công khai dự toán, quyết toán ngân sách cấp xã theo quy định.",
        "UBND các {X}",
        "Sở Tài chính",
    ),
    (
        "Công khai quy hoạch, kế hoạch sử dụng đất và bảng giá đất tại trụ sở và trên cổng thông tin điện tử.",
        "Sở Nông nghiệp và Môi trường",
        "UBND các {X}",
    ),
    (
        "Tiếp công dân định kỳ và đột xuất; trả lời kiến nghị của người dân đúng thời hạn.",
        "UBND các {X}",
        "Thanh tra {P}",
    ),
    (
        "Giải quyết khiếu nại, tố cáo đúng thẩm quyền, đúng thời hạn; công khai kết quả giải quyết.",
        "Thanh tra {P}",
        "Các sở, ban, ngành; UBND các {X}",
    ),
    (
        "Tăng cường hòa giải ở cơ sở và trợ giúp pháp lý miễn phí cho người dân.",
        "Sở Tư pháp",
        "UBND các {X}",
    ),
    (
        "Công khai, minh bạch việc quản lý, sử dụng tài sản công và kê khai tài sản, thu nhập.",
        "Thanh tra {P}",
        "Các sở, ban, ngành",
    ),
    (
        "Ngăn chặn lạm thu, nhũng nhiễu tại cơ sở y tế và trường học công lập.",
        "Sở Y tế; Sở Giáo dục và Đào tạo",
        "UBND các {X}",
    ),
    (
        "Tuyển dụng công chức, viên chức công khai, minh bạch, đúng quy định.",
        "Sở Nội vụ",
        "Các sở, ban, ngành; UBND các {X}",
    ),
    (
        "Xử lý nghiêm các vụ việc tham nhũng được phát hiện và công khai kết quả xử lý.",
        "Thanh tra {P}",
        "Các sở, ban, ngành",
    ),
    (
        "Giải quyết thủ tục hành chính đúng hạn tại bộ phận một cửa cấp xã; niêm yết công khai thủ tục, phí, lệ phí.",
        "UBND các {X}",
        "Văn phòng UBND {P}",
    ),
    (
        "Chứng thực đúng thời hạn, không thu phí ngoài quy định.",
        "UBND các {X}",
        "Sở Tư pháp",
    ),
    (
        "Công khai thủ tục cấp giấy phép xây dựng và giải quyết hồ sơ đúng hạn.",
        "Sở Xây dựng",
        "UBND các {X}",
    ),
    (
        "Rút ngắn thời gian cấp giấy chứng nhận quyền sử dụng đất; công khai tiến độ giải quyết hồ sơ.",
        "Sở Nông nghiệp và Môi trường",
        "UBND các {X}",
    ),
    (
        "Nâng cao chất lượng khám, chữa bệnh và thái độ phục vụ tại cơ sở y tế công lập.",
        "Sở Y tế",
        "UBND các {X}",
    ),
    (
        "Bảo đảm cơ sở vật chất và chất lượng dạy học ở trường tiểu học công lập.",
        "Sở Giáo dục và Đào tạo",
        "UBND các {X}",
    ),
    (
        "Đầu tư, duy tu đường giao thông, điện, nước sạch và thu gom rác thải ở khu dân cư.",
        "Sở Xây dựng",
        "Sở Công Thương; Sở Nông nghiệp và Môi trường; UBND các {X}",
    ),
    (
        "Bảo đảm an ninh, trật tự ở khu dân cư; tiếp nhận và giải quyết kịp thời tin báo của người dân.",
        "UBND các {X}",
        "",
    ),
    (
        "Kiểm tra, xử lý các cơ sở gây ô nhiễm môi trường và công khai kết quả.",
        "Sở Nông nghiệp và Môi trường",
        "UBND các {X}",
    ),
    (
        "Quan trắc và công khai chất lượng không khí, nguồn nước.",
        "Sở Nông nghiệp và Môi trường",
        "Sở Y tế",
    ),
    (
        "Cập nhật đầy đủ thông tin, văn bản trên cổng thông tin điện tử của {P} và của cấp xã.",
        "Văn phòng UBND {P}",
        "Sở Khoa học và Công nghệ; UBND các {X}",
    ),
    (
        "Hướng dẫn người dân sử dụng dịch vụ công trực tuyến; mở rộng mạng Internet đến thôn, tổ dân phố.",
        "Sở Khoa học và Công nghệ",
        "UBND các {X}",
    ),
];

/// The template plan of the province of `units` (a 2025 dataset) for
/// `year`: id `<province>-papi-<year>`, version `<year>.1`.
pub fn template_2025(units: &Units, year: i32) -> Plan {
    let province = units.province();
    let name = province.map(|p| p.name.as_str()).unwrap_or_default();
    let kind = lower_first(province.map(|p| p.kind.as_str()).unwrap_or("Tỉnh"));
    let area = lower_first(name);
    let fill = |s: &str| {
        s.replace("{P}", &kind)
            .replace("{X}", &units.commune_kinds_vi())
    };
    let agencies = agencies(&fill);
    let cell = |text: &str| {
        let text = fill(text);
        let ids =
            resolve_agencies(&text, &agencies, &[], Some(units)).expect("the template's agencies");
        AgencyCell {
            text,
            agencies: ids,
        }
    };
    let mut examples = EXAMPLES.iter();
    let dimensions = DIMENSIONS
        .iter()
        .zip(1..)
        .map(|((dim, subs), d)| Dimension {
            code: d.to_string(),
            name: dim.to_string(),
            sub_indicators: subs
                .iter()
                .zip(1..)
                .map(|(sub, s)| {
                    let (text, lead, coordinating) =
                        examples.next().expect("one per sub-indicator");
                    SubIndicator {
                        code: format!("{d}.{s}"),
                        name: sub.to_string(),
                        tasks: vec![Task {
                            id: format!("{d}.{s}-1"),
                            bulleted: false,
                            items: vec![fill(text)],
                            lead: cell(lead),
                            coordinating: cell(coordinating),
                            timing: "Thường xuyên".into(),
                        }],
                        retired: vec![],
                    }
                })
                .collect(),
        })
        .collect();
    let plan_id = format!("{}-papi-{year}", units.id.trim_end_matches("-2025"));
    let title = format!("Nâng cao Chỉ số Hiệu quả Quản trị và Hành chính công {area} năm {year}");
    Plan {
        format: PLAN_FORMAT,
        id: plan_id,
        version: format!("{year}.1"),
        units: units.id.clone(),
        records_from: None,
        document: Document {
            number: "…/KH-UBND".into(),
            date: NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
            place: province.map(|p| units.place_name(p)).unwrap_or_default(),
            issuer: format!("Ủy ban nhân dân {area}"),
            title_verbatim: title.to_uppercase(),
            title,
        },
        preamble: format!(
            "Căn cứ kết quả Chỉ số Hiệu quả Quản trị và Hành chính công cấp tỉnh (PAPI) của {area} những năm gần đây, Ủy ban nhân dân {kind} ban hành Kế hoạch nâng cao Chỉ số PAPI năm {year} như sau:"
        ),
        purposes: vec![
            format!("Nâng cao Chỉ số PAPI của {area} năm {year} ở cả 8 chỉ số nội dung."),
            "Nâng cao trách nhiệm của các cơ quan, đơn vị và người đứng đầu trong thực hiện các nhiệm vụ của Kế hoạch.".into(),
        ],
        requirements: vec![
            "Các cơ quan, đơn vị triển khai đầy đủ, kịp thời các nhiệm vụ được giao; ghi lại kết quả thực hiện và báo cáo đúng hạn.".into(),
        ],
        dimensions,
        organisation: vec![
            format!(
                "Các sở, ban, ngành và UBND các {} căn cứ nhiệm vụ được giao xây dựng kế hoạch thực hiện; báo cáo kết quả về UBND {kind} (qua Sở Nội vụ) trước ngày 10 của tháng cuối quý và trước ngày 10/12/{year}.",
                units.commune_kinds_vi()
            ),
            format!("Sở Nội vụ theo dõi, đôn đốc, tổng hợp kết quả và báo cáo UBND {kind}."),
        ],
        funding: vec![
            "Kinh phí thực hiện Kế hoạch được bảo đảm từ ngân sách nhà nước theo phân cấp hiện hành và các nguồn hợp pháp khác.".into(),
        ],
        closing: format!(
            "UBND {kind} yêu cầu các cơ quan, đơn vị nghiêm túc triển khai thực hiện Kế hoạch này; vướng mắc phản ánh về UBND {kind} (qua Sở Nội vụ) để kịp thời giải quyết./."
        ),
        role_agencies: roles(&agencies),
        agencies,
        agency_groups: vec![],
    }
}

/// The provincial bodies of the province of `units` (a 2025 dataset)
/// that record for themselves, as `Units::with_bodies` adds them for the
/// template's plan: every department and office of Nghị định 45/2025/NĐ-CP
/// but Sở Nội vụ (who makes and follows the plan). What a provincial body
/// picks on the first screen, before its province's plan reaches the
/// device; the codes are those the plan's units will have.
pub fn bodies_2025(units: &Units) -> Vec<Unit> {
    let province = units.province();
    let kind = lower_first(province.map(|p| p.kind.as_str()).unwrap_or("Tỉnh"));
    let fill = |s: &str| s.replace("{P}", &kind);
    let all = agencies(&fill);
    let bodies = &roles(&all)["bodies"];
    all.into_iter()
        .filter(|a| bodies.contains(&a.id))
        .map(|a| Unit {
            code: format!("{}.{}", units.province_code, a.id),
            name: a.name,
            level: Level::Province,
            kind: "Cơ quan cấp tỉnh".into(),
            parent_code: Some(units.province_code.clone()),
            gso_name: None,
            agency: Some(a.id),
        })
        .collect()
}

fn agencies(fill: &impl Fn(&str) -> String) -> Vec<Agency> {
    AGENCIES
        .iter()
        .map(|(id, name, kind)| {
            let name = fill(name);
            let (level, aliases, member_of) = match *id {
                // The other 2025 wordings resolve too.
                "ubnd-xa" => (Level::Commune, commune_aliases(&name), vec![]),
                "so-nganh" => (Level::Province, vec!["Các sở, ngành".to_string()], vec![]),
                _ => (Level::Province, vec![], vec!["so-nganh".to_string()]),
            };
            Agency {
                id: id.to_string(),
                name,
                level,
                kind: kind.to_string(),
                aliases,
                member_of,
            }
        })
        .collect()
}

fn commune_aliases(name: &str) -> Vec<String> {
    [
        "UBND các xã, phường, đặc khu",
        "UBND các xã, phường",
        "UBND cấp xã",
    ]
    .into_iter()
    .filter(|a| *a != name)
    .map(str::to_string)
    .collect()
}

/// Sở Nội vụ makes and follows the plan; every other department and office
/// records for itself (`Units::with_bodies`).
fn roles(agencies: &[Agency]) -> BTreeMap<String, Vec<String>> {
    let ids = |f: &dyn Fn(&Agency) -> bool| -> Vec<String> {
        agencies
            .iter()
            .filter(|a| f(a))
            .map(|a| a.id.clone())
            .collect()
    };
    BTreeMap::from([
        (
            "province".to_string(),
            vec!["so-noi-vu".to_string(), "so-nganh".to_string()],
        ),
        ("commune".to_string(), vec!["ubnd-xa".to_string()]),
        (
            "bodies".to_string(),
            ids(&|a| {
                a.level == Level::Province && !["so-noi-vu", "so-nganh"].contains(&a.id.as_str())
            }),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::plan_sheet::{from_sheets, sheet_from_csv, tasks_csv, to_sheets, TASKS};
    use crate::provinces::{dataset_2025_text, DATASET_IDS_2025};

    fn units(id: &str) -> Units {
        Units::from_json(dataset_2025_text(id).unwrap()).unwrap()
    }

    #[test]
    fn the_bodies_before_a_plan_are_the_template_plans_bodies() {
        for id in ["ho-chi-minh-2025", "quang-ninh-2025", "thai-nguyen-2025"] {
            let u = units(id);
            let plan = template_2025(&u, 2026);
            let from_plan: Vec<Unit> = u.clone().with_bodies(&plan).bodies().cloned().collect();
            assert_eq!(bodies_2025(&u), from_plan, "{id}");
            assert_eq!(
                from_plan.len(),
                11,
                "{id}: the 12 bodies of NĐ 45 but Sở Nội vụ"
            );
            assert!(from_plan.iter().all(|b| b.name != "Sở Nội vụ"));
        }
        let hcm = bodies_2025(&units("ho-chi-minh-2025"));
        assert!(
            hcm.iter().any(|b| b.name == "Thanh tra thành phố"),
            "{hcm:?}"
        );
        assert!(hcm.iter().any(|b| b.code == "79.so-y-te"), "{hcm:?}");
    }

    #[test]
    fn the_template_of_a_city_round_trips_into_a_valid_plan() {
        let hcm = units("ho-chi-minh-2025");
        let plan = template_2025(&hcm, 2026);
        plan.check().unwrap();
        assert_eq!(
            (plan.id.as_str(), plan.version.as_str(), plan.units.as_str()),
            ("ho-chi-minh-papi-2026", "2026.1", "ho-chi-minh-2025")
        );
        assert_eq!(plan.dimensions.len(), 8);
        assert_eq!(plan.sub_indicators().count(), 27);
        assert_eq!(plan.tasks().count(), 27);
        assert_eq!(
            plan.document.issuer,
            "Ủy ban nhân dân thành phố Hồ Chí Minh"
        );
        assert_eq!(plan.document.place, "Hồ Chí Minh");
        assert!(plan.agency("thanh-tra-tinh").unwrap().name == "Thanh tra thành phố");
        assert_eq!(
            plan.agency("ubnd-xa").unwrap().name,
            "UBND các xã, phường, đặc khu"
        );
        // Through the workbook, and through the task table's CSV.
        let sheets = to_sheets(&plan);
        assert_eq!(from_sheets(&sheets, None, Some(&hcm)).unwrap(), plan);
        let csv = sheet_from_csv(&tasks_csv(&plan)).unwrap();
        let mut with_csv: Vec<_> = sheets.into_iter().filter(|s| s.name != TASKS).collect();
        with_csv.push(csv);
        assert_eq!(
            from_sheets(&with_csv, None, Some(&hcm)).unwrap().to_json(),
            plan.to_json()
        );
        // It joins a catalogue of the city, its departments recording.
        let mut c = Catalogue::shipped_for("ho-chi-minh-2025").unwrap();
        assert_eq!(c.add_plan(plan.clone()), Ok(true));
        let recording = c.units_for(&plan).unwrap();
        // The 12 of Nghị định 45/2025/NĐ-CP, Sở Nội vụ being the province
        // office itself.
        assert_eq!(recording.bodies().count(), 11);
        assert!(recording.get("79.so-noi-vu").is_none());
        let vp = recording.get("79.van-phong-ubnd").unwrap();
        let l = crate::letterhead::letterhead(vp, recording);
        assert_eq!(
            (l.parent_line_vi.as_str(), l.unit_line_vi.as_str()),
            ("UBND THÀNH PHỐ HỒ CHÍ MINH", "VĂN PHÒNG UBND THÀNH PHỐ")
        );
    }

    #[test]
    fn every_province_has_its_own_template_with_nothing_of_another() {
        for id in DATASET_IDS_2025 {
            let u = units(id);
            let plan = template_2025(&u, 2026);
            let mut c = Catalogue::shipped_for(id).unwrap();
            assert_eq!(c.add_plan(plan.clone()), Ok(true), "{id}");
            let text = plan.to_json();
            for word in ["Bắc Kạn", "huyện", "thị trấn", "Thông tin và Truyền thông"]
            {
                assert!(!text.contains(word), "{id}: {word}");
            }
            let place = u.place_name(u.province().unwrap());
            assert!(
                plan.document.title.ends_with(&format!("{place} năm 2026")),
                "{id}"
            );
        }
        // A province without đặc khu names its communes so, and reads the
        // other 2025 wording as the same agency.
        let tn = template_2025(&units("thai-nguyen-2025"), 2026);
        let xa = tn.agency("ubnd-xa").unwrap();
        assert_eq!(xa.name, "UBND các xã, phường");
        assert_eq!(
            resolve_agencies(
                "UBND các xã, phường, đặc khu; Sở Y tế",
                &tn.agencies,
                &[],
                None
            ),
            Ok(vec!["ubnd-xa".to_string(), "so-y-te".to_string()])
        );
        assert_eq!(
            tn.agency("van-phong-ubnd").unwrap().name,
            "Văn phòng UBND tỉnh"
        );
        let qn = template_2025(&units("quang-ninh-2025"), 2026);
        assert_eq!(qn.document.issuer, "Ủy ban nhân dân tỉnh Quảng Ninh");
        assert_eq!(
            qn.agency("ubnd-xa").unwrap().name,
            "UBND các xã, phường, đặc khu"
        );
    }
}
