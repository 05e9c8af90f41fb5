//! The report document's sender, from the unit data: the issuing body's
//! lines, the document number's sign, the place, who signs, the recipients,
//! and how the sender and its area read inside a sentence, as Nghị định
//! 30/2020/NĐ-CP lays out an administrative document. Every name comes from
//! the units dataset (the province's name included); only the national
//! forms (UBND, Phòng Nội vụ, Sở Nội vụ, titles) are written here.

use chrono::NaiveDate;

use crate::dates::format_vn;
use crate::units::{Level, Unit, Units};

/// The parts of a report document that depend on who sends it. Text in
/// Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    /// The issuing body's first line, upper case: the body above the sender
    /// ("UBND TỈNH BẮC KẠN"), or the sender itself ("UBND XÃ ĐỔNG XÁ").
    pub parent_line_vi: String,
    /// The sender's own line, upper case ("PHÒNG NỘI VỤ"); empty when the
    /// first line already names it.
    pub unit_line_vi: String,
    /// What follows "Số: ……/" in the document number: "BC-UBND",
    /// "BC-PNV", "BC-SNV".
    pub number_sign: String,
    /// The place the document is dated at ("Na Rì").
    pub place_vi: String,
    /// Who signs, one line each (authority, then title), upper case.
    pub signer_vi: Vec<String>,
    /// "Nơi nhận", one line each.
    pub recipients_vi: Vec<String>,
    /// Who reports, inside a sentence: "UBND xã Đổng Xá", "Phòng Nội vụ
    /// huyện Na Rì", "Sở Nội vụ", "Sở Tài chính".
    pub sender_vi: String,
    /// The area reported on, inside a sentence: "xã Đổng Xá", "huyện Na
    /// Rì", "tỉnh Bắc Kạn" (a provincial body reports on the province).
    pub area_vi: String,
}

/// The letterhead of `unit`'s report.
pub fn letterhead(unit: &Unit, units: &Units) -> Letterhead {
    let province = units.province();
    let province_name = province.map(|p| p.name.as_str()).unwrap_or_default();
    let province_place = province.map(|p| units.place_name(p)).unwrap_or_default();
    let to_province = format!("UBND {} (qua Sở Nội vụ);", lower_first(province_name));
    let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let area_vi = if unit.agency.is_some() {
        lower_first(province_name)
    } else {
        lower_first(&unit.name)
    };
    let place_vi = units.place_name(unit);
    match unit.level {
        Level::Commune => {
            let district = units
                .receiver_of(&unit.code)
                .map(|d| d.name.as_str())
                .unwrap_or_default();
            // Two tiers (since 01/07/2025): straight to the province.
            let to = if units.two_tier() {
                to_province.clone()
            } else {
                format!("UBND {district} (qua Phòng Nội vụ);")
            };
            Letterhead {
                parent_line_vi: format!("UBND {}", unit.name.to_uppercase()),
                unit_line_vi: String::new(),
                number_sign: "BC-UBND".into(),
                place_vi,
                signer_vi: lines(&["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]),
                recipients_vi: vec![to, "Lưu: VT.".into()],
                sender_vi: format!("UBND {area_vi}"),
                area_vi,
            }
        }
        Level::District => Letterhead {
            parent_line_vi: format!("UBND {}", unit.name.to_uppercase()),
            unit_line_vi: "PHÒNG NỘI VỤ".into(),
            number_sign: "BC-PNV".into(),
            place_vi,
            signer_vi: lines(&["TRƯỞNG PHÒNG"]),
            recipients_vi: vec![
                to_province,
                format!("Chủ tịch, các PCT UBND {};", unit.name),
                "Lưu: VT.".into(),
            ],
            sender_vi: format!("Phòng Nội vụ {area_vi}"),
            area_vi,
        },
        Level::Province if unit.agency.is_some() => {
            let heading = body_heading(&unit.name);
            let city = units.is_city();
            let fill = |s: &str| of_province(s, city).replace("{}", &province_place.to_uppercase());
            Letterhead {
                parent_line_vi: fill(heading.parent),
                unit_line_vi: heading
                    .own
                    .map(fill)
                    .unwrap_or_else(|| unit.name.to_uppercase()),
                // As the provincial office's, for every provincial sender.
                number_sign: "BC-SNV".into(),
                place_vi,
                signer_vi: lines(heading.signer),
                recipients_vi: vec![to_province, "Lưu: VT.".into()],
                sender_vi: unit.name.clone(),
                area_vi,
            }
        }
        Level::Province => Letterhead {
            parent_line_vi: format!("UBND {}", province_name.to_uppercase()),
            unit_line_vi: "SỞ NỘI VỤ".into(),
            number_sign: "BC-SNV".into(),
            place_vi,
            signer_vi: lines(&["GIÁM ĐỐC"]),
            recipients_vi: vec![
                format!("UBND {};", lower_first(province_name)),
                // Two tiers: the communes of the dataset ("UBND các xã,
                // phường, đặc khu"); three: the districts.
                if units.two_tier() {
                    format!("Các sở, ban, ngành; UBND các {};", units.commune_kinds_vi())
                } else {
                    "Các sở, ban, ngành; UBND các huyện, thành phố;".into()
                },
                "Lưu: VT.".into(),
            ],
            sender_vi: "Sở Nội vụ".into(),
            area_vi,
        },
    }
}

/// A provincial body's heading; `{}` stands for the province's place name
/// in upper case ("BẮC KẠN").
#[derive(Debug, Clone, Copy)]
struct BodyHeading {
    /// The body above it.
    parent: &'static str,
    /// Its own line, when its name alone does not say which province.
    own: Option<&'static str>,
    signer: &'static [&'static str],
}

const fn heading(
    parent: &'static str,
    own: Option<&'static str>,
    signer: &'static [&'static str],
) -> BodyHeading {
    BodyHeading {
        parent,
        own,
        signer,
    }
}

/// By the start of the body's name; a Sở (the rest) is under the provincial
/// People's Committee, headed by a director.
fn body_heading(name: &str) -> BodyHeading {
    const BY_PREFIX: [(&str, BodyHeading); 10] = [
        (
            "Thanh tra",
            heading("UBND TỈNH {}", Some("THANH TRA TỈNH"), &["CHÁNH THANH TRA"]),
        ),
        (
            "Văn phòng",
            heading("UBND TỈNH {}", None, &["CHÁNH VĂN PHÒNG"]),
        ),
        ("Báo ", heading("TỈNH ỦY {}", None, &["TỔNG BIÊN TẬP"])),
        (
            "Bảo hiểm xã hội",
            heading(
                "BẢO HIỂM XÃ HỘI VIỆT NAM",
                Some("BẢO HIỂM XÃ HỘI TỈNH {}"),
                &["GIÁM ĐỐC"],
            ),
        ),
        (
            "Công an",
            heading("BỘ CÔNG AN", Some("CÔNG AN TỈNH {}"), &["GIÁM ĐỐC"]),
        ),
        (
            "HĐND",
            heading(
                "HĐND TỈNH {}",
                Some("THƯỜNG TRỰC HĐND"),
                &["TM. THƯỜNG TRỰC HĐND", "CHỦ TỊCH"],
            ),
        ),
        (
            "Ủy ban MTTQ",
            heading(
                "ỦY BAN MTTQ VIỆT NAM",
                Some("TỈNH {}"),
                &["TM. BAN THƯỜNG TRỰC", "CHỦ TỊCH"],
            ),
        ),
        (
            "Trung tâm trợ giúp pháp lý",
            heading(
                "SỞ TƯ PHÁP TỈNH {}",
                Some("TRUNG TÂM TRỢ GIÚP PHÁP LÝ"),
                &["GIÁM ĐỐC"],
            ),
        ),
        ("Đài ", heading("UBND TỈNH {}", None, &["GIÁM ĐỐC"])),
        ("Ban ", heading("UBND TỈNH {}", None, &["TRƯỞNG BAN"])),
    ];
    BY_PREFIX
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix))
        .map(|(_, h)| *h)
        .unwrap_or(heading("UBND TỈNH {}", None, &["GIÁM ĐỐC"]))
}

/// A heading written for a province ("UBND TỈNH {}", "TỈNH ỦY {}"), for
/// a centrally-run city when `city` ("UBND THÀNH PHỐ {}", "THÀNH ỦY {}").
fn of_province(heading: &str, city: bool) -> String {
    if city {
        heading
            .replace("TỈNH ỦY", "THÀNH ỦY")
            .replace("TỈNH", "THÀNH PHỐ")
    } else {
        heading.to_string()
    }
}

/// "Huyện Na Rì" → "huyện Na Rì": a name inside a sentence.
pub fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The first letter in upper case: "xã, phường" → "Xã, phường".
pub fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A unit whose dataset ended before the day a document would be dated
/// (a district of 2020, in 2026): the office no longer exists, so its
/// document is dated on its last day and says who took over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    /// The unit's last day: the document's date.
    pub last_day: NaiveDate,
    /// What the screen tells the officer, in Vietnamese.
    pub notice_vi: String,
}

/// `Some` when unit `code` of `units` has ended before `today`. `units`
/// should carry the reform's successors (`catalogue::join_reform`); a unit
/// the reform does not name (a provincial body) is taken over with its
/// province.
pub fn ended(units: &Units, code: &str, today: NaiveDate) -> Option<Ended> {
    let last_day = units.last_day().filter(|last| *last < today)?;
    let name = units.name_or_code(code);
    let successor = units
        .successor(code)
        .or_else(|| units.successor(&units.province_code));
    let took_over = match successor {
        Some(s) => format!(
            " từ ngày {} ({}); đơn vị kế thừa: {}",
            format_vn(s.from),
            s.resolution,
            s.name
        ),
        None => String::new(),
    };
    Some(Ended {
        last_day,
        notice_vi: format!(
            "{name} đã kết thúc hoạt động{took_over}. Văn bản của đơn vị được ghi ngày {}, ngày cuối cùng của đơn vị; báo cáo các kỳ sau do đơn vị kế thừa lập.",
            format_vn(last_day)
        ),
    })
}

/// The signature block when a deputy signs for the head (Nghị định
/// 30/2020/NĐ-CP, Điều 13 and Phụ lục I: "KT." before the head's title, then
/// the deputy's own): ["TRƯỞNG PHÒNG"] becomes ["KT. TRƯỞNG PHÒNG", "PHÓ
/// TRƯỞNG PHÒNG"]; ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"] keeps its "TM." line
/// and becomes […, "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"].
pub fn deputy_signer(signer: &[String]) -> Vec<String> {
    let Some((head, above)) = signer.split_last() else {
        return vec![];
    };
    let mut out = above.to_vec();
    out.push(format!("KT. {head}"));
    out.push(format!("PHÓ {head}"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{DONG_XA, NA_RI, PLAN, UNITS};

    fn of(code: &str) -> Letterhead {
        let units = UNITS.clone().with_bodies(&PLAN);
        letterhead(units.get(code).unwrap(), &units)
    }

    #[test]
    fn a_commune_writes_to_its_district() {
        let l = of(DONG_XA);
        assert_eq!(l.parent_line_vi, "UBND XÃ ĐỔNG XÁ");
        assert_eq!(l.unit_line_vi, "");
        assert_eq!(l.number_sign, "BC-UBND");
        assert_eq!(l.place_vi, "Đổng Xá");
        assert_eq!(l.signer_vi, ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]);
        assert_eq!(
            deputy_signer(&l.signer_vi),
            ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
        );
        assert_eq!(
            l.recipients_vi,
            ["UBND Huyện Na Rì (qua Phòng Nội vụ);", "Lưu: VT."]
        );
        assert_eq!(l.sender_vi, "UBND xã Đổng Xá");
        assert_eq!(l.area_vi, "xã Đổng Xá");
    }

    #[test]
    fn a_district_writes_to_the_province_named_by_the_data() {
        let l = of(NA_RI);
        assert_eq!(
            (l.parent_line_vi.as_str(), l.unit_line_vi.as_str()),
            ("UBND HUYỆN NA RÌ", "PHÒNG NỘI VỤ")
        );
        assert_eq!(l.number_sign, "BC-PNV");
        assert_eq!(l.place_vi, "Na Rì");
        assert_eq!(l.signer_vi, ["TRƯỞNG PHÒNG"]);
        assert_eq!(
            deputy_signer(&l.signer_vi),
            ["KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG"]
        );
        assert!(deputy_signer(&[]).is_empty());
        assert_eq!(
            l.recipients_vi,
            [
                "UBND tỉnh Bắc Kạn (qua Sở Nội vụ);",
                "Chủ tịch, các PCT UBND Huyện Na Rì;",
                "Lưu: VT."
            ]
        );
        assert_eq!(l.sender_vi, "Phòng Nội vụ huyện Na Rì");
        assert_eq!(l.area_vi, "huyện Na Rì");
    }

    #[test]
    fn the_province_office_and_its_bodies() {
        let l = of("06");
        assert_eq!(
            (l.parent_line_vi.as_str(), l.unit_line_vi.as_str()),
            ("UBND TỈNH BẮC KẠN", "SỞ NỘI VỤ")
        );
        assert_eq!(
            (l.place_vi.as_str(), l.sender_vi.as_str()),
            ("Bắc Kạn", "Sở Nội vụ")
        );
        assert_eq!(l.recipients_vi[0], "UBND tỉnh Bắc Kạn;");
        let l = of("06.so-tai-chinh");
        assert_eq!(
            (l.parent_line_vi.as_str(), l.unit_line_vi.as_str()),
            ("UBND TỈNH BẮC KẠN", "SỞ TÀI CHÍNH")
        );
        assert_eq!(
            (l.place_vi.as_str(), l.area_vi.as_str()),
            ("Bắc Kạn", "tỉnh Bắc Kạn")
        );
        assert_eq!(
            (l.sender_vi.as_str(), l.signer_vi.as_slice()),
            ("Sở Tài chính", &["GIÁM ĐỐC".to_string()][..])
        );
        let l = of("06.cong-an-tinh");
        assert_eq!(
            (l.parent_line_vi.as_str(), l.unit_line_vi.as_str()),
            ("BỘ CÔNG AN", "CÔNG AN TỈNH BẮC KẠN")
        );
        let l = of("06.hdnd-tinh");
        assert_eq!(l.signer_vi, ["TM. THƯỜNG TRỰC HĐND", "CHỦ TỊCH"]);
        assert_eq!(of("06.bao-bac-kan").parent_line_vi, "TỈNH ỦY BẮC KẠN");
    }

    #[test]
    fn the_province_name_comes_from_the_dataset() {
        let mut units = UNITS.clone().with_bodies(&PLAN);
        for u in &mut units.units {
            u.name = u.name.replace("Bắc Kạn", "Thái Nguyên");
        }
        for code in ["06", "06.so-y-te", "06.mttq-tinh", NA_RI] {
            let l = letterhead(units.get(code).unwrap(), &units);
            let all = format!("{l:?}");
            assert!(
                !all.contains("Bắc Kạn") && !all.contains("BẮC KẠN"),
                "{code}: {all}"
            );
        }
        let l = letterhead(units.get("06.mttq-tinh").unwrap(), &units);
        assert_eq!(l.unit_line_vi, "TỈNH THÁI NGUYÊN");
    }

    #[test]
    fn a_commune_of_two_tiers_writes_to_the_province() {
        let units = Units::from_json(crate::THAI_NGUYEN_UNITS_2025).unwrap();
        let l = letterhead(units.get("01864").unwrap(), &units);
        assert_eq!(l.parent_line_vi, "UBND XÃ BẰNG THÀNH");
        assert_eq!(
            l.recipients_vi,
            ["UBND tỉnh Thái Nguyên (qua Sở Nội vụ);", "Lưu: VT."]
        );
        assert_eq!(l.place_vi, "Bằng Thành");
        let p = letterhead(units.province().unwrap(), &units);
        assert!(
            p.recipients_vi[0].contains("tỉnh Thái Nguyên"),
            "{:?}",
            p.recipients_vi
        );
    }

    fn dataset_2025(id: &str) -> Units {
        Units::from_json(crate::provinces::dataset_2025_text(id).unwrap()).unwrap()
    }

    /// A 2025 dataset with the 2020 plan's bodies, as a province's plan
    /// would add its own.
    fn with_bodies(units: Units) -> Units {
        let mut plan = PLAN.clone();
        plan.units = units.id.clone();
        units.with_bodies(&plan)
    }

    /// No letterhead of the dataset's own units holds any of `words` (the
    /// 2020 plan's bodies keep their names: "Văn phòng UBND tỉnh").
    fn assert_no_word(units: &Units, words: &[&str]) {
        for u in units.units.iter().filter(|u| u.agency.is_none()) {
            let all = format!("{:?}", letterhead(u, units));
            for w in words {
                assert!(!all.contains(w), "{}: {w} in {all}", u.code);
            }
        }
    }

    #[test]
    fn a_centrally_run_city_is_headed_as_a_city() {
        let units = with_bodies(dataset_2025("ho-chi-minh-2025"));
        let p = letterhead(units.province().unwrap(), &units);
        assert_eq!(
            (p.parent_line_vi.as_str(), p.unit_line_vi.as_str()),
            ("UBND THÀNH PHỐ HỒ CHÍ MINH", "SỞ NỘI VỤ")
        );
        assert_eq!(p.place_vi, "Hồ Chí Minh");
        assert_eq!(p.area_vi, "thành phố Hồ Chí Minh");
        assert_eq!(
            p.recipients_vi,
            [
                "UBND thành phố Hồ Chí Minh;",
                "Các sở, ban, ngành; UBND các xã, phường, đặc khu;",
                "Lưu: VT."
            ]
        );
        let c = letterhead(units.get("26732").unwrap(), &units);
        assert_eq!(c.parent_line_vi, "UBND ĐẶC KHU CÔN ĐẢO");
        assert_eq!(c.place_vi, "Côn Đảo");
        assert_eq!(c.sender_vi, "UBND đặc khu Côn Đảo");
        assert_eq!(
            c.recipients_vi,
            ["UBND thành phố Hồ Chí Minh (qua Sở Nội vụ);", "Lưu: VT."]
        );
        let body = |id: &str| letterhead(units.get(&format!("79.{id}")).unwrap(), &units);
        assert_eq!(
            body("so-tai-chinh").parent_line_vi,
            "UBND THÀNH PHỐ HỒ CHÍ MINH"
        );
        assert_eq!(body("thanh-tra-tinh").unit_line_vi, "THANH TRA THÀNH PHỐ");
        assert_eq!(
            body("cong-an-tinh").unit_line_vi,
            "CÔNG AN THÀNH PHỐ HỒ CHÍ MINH"
        );
        assert_eq!(
            body("hdnd-tinh").parent_line_vi,
            "HĐND THÀNH PHỐ HỒ CHÍ MINH"
        );
        assert_eq!(body("bao-bac-kan").parent_line_vi, "THÀNH ỦY HỒ CHÍ MINH");
        assert_eq!(body("mttq-tinh").unit_line_vi, "THÀNH PHỐ HỒ CHÍ MINH");
        assert_no_word(&units, &["TỈNH", "huyện"]);
    }

    #[test]
    fn a_province_with_special_zones_names_them_among_its_recipients() {
        let units = dataset_2025("quang-ninh-2025");
        let p = letterhead(units.province().unwrap(), &units);
        assert_eq!(p.parent_line_vi, "UBND TỈNH QUẢNG NINH");
        assert_eq!(
            p.recipients_vi[1],
            "Các sở, ban, ngành; UBND các xã, phường, đặc khu;"
        );
        let van_don = units
            .communes()
            .find(|c| c.name == "Đặc khu Vân Đồn")
            .unwrap();
        let l = letterhead(van_don, &units);
        assert_eq!(l.parent_line_vi, "UBND ĐẶC KHU VÂN ĐỒN");
        assert_eq!(l.place_vi, "Vân Đồn");
        assert_eq!(l.recipients_vi[0], "UBND tỉnh Quảng Ninh (qua Sở Nội vụ);");
    }

    #[test]
    fn two_tiers_without_special_zones_and_three_tiers_keep_their_words() {
        let units = with_bodies(Units::from_json(crate::THAI_NGUYEN_UNITS_2025).unwrap());
        let p = letterhead(units.province().unwrap(), &units);
        assert_eq!(p.parent_line_vi, "UBND TỈNH THÁI NGUYÊN");
        assert_eq!(
            p.recipients_vi[1],
            "Các sở, ban, ngành; UBND các xã, phường;"
        );
        assert_eq!(
            letterhead(units.get("19.thanh-tra-tinh").unwrap(), &units).unit_line_vi,
            "THANH TRA TỈNH"
        );
        assert_no_word(&units, &["huyện", "HUYỆN"]);
        // Bắc Kạn 2020, three tiers: as it always was.
        let p = of("06");
        assert_eq!(
            p.recipients_vi,
            [
                "UBND tỉnh Bắc Kạn;",
                "Các sở, ban, ngành; UBND các huyện, thành phố;",
                "Lưu: VT."
            ]
        );
        assert_eq!(of("06.thanh-tra-tinh").unit_line_vi, "THANH TRA TỈNH");
        assert_eq!(of("06.bao-bac-kan").parent_line_vi, "TỈNH ỦY BẮC KẠN");
    }

    #[test]
    fn a_unit_of_an_ended_dataset_issues_nothing_after_its_end() {
        let units =
            crate::catalogue::join_reform(Units::from_json(crate::BAC_KAN_UNITS_2020).unwrap());
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // Before the reform, nothing is said and today is the date.
        assert_eq!(ended(&units, "066", day(2025, 6, 30)), None);
        // After it: a district names the province that took over, a
        // commune its own successor; both dated on 30/06/2025.
        let na_ri = ended(&units, "066", day(2026, 12, 5)).unwrap();
        assert_eq!(na_ri.last_day, day(2025, 6, 30));
        assert!(
            na_ri
                .notice_vi
                .starts_with("Huyện Na Rì đã kết thúc hoạt động từ ngày 01/07/2025"),
            "{}",
            na_ri.notice_vi
        );
        assert!(
            na_ri.notice_vi.contains("đơn vị kế thừa: Tỉnh Thái Nguyên"),
            "{}",
            na_ri.notice_vi
        );
        assert!(
            na_ri.notice_vi.contains("ghi ngày 30/06/2025"),
            "{}",
            na_ri.notice_vi
        );
        let boc_bo = ended(&units, "01864", day(2026, 1, 1)).unwrap();
        assert!(
            boc_bo.notice_vi.contains("đơn vị kế thừa: Xã Bằng Thành"),
            "{}",
            boc_bo.notice_vi
        );
        // A provincial body goes with its province.
        let body = ended(&units, "06.so-tai-chinh", day(2026, 1, 1)).unwrap();
        assert!(
            body.notice_vi.contains("Tỉnh Thái Nguyên"),
            "{}",
            body.notice_vi
        );
        // Today's datasets have not ended.
        let now = Units::from_json(crate::THAI_NGUYEN_UNITS_2025).unwrap();
        assert_eq!(ended(&now, "01864", day(2026, 12, 5)), None);
    }
}
