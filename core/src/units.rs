//! Administrative units as a dated dataset (data/units/*.json): province,
//! districts and communes with their official GSO codes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const UNITS_FORMAT: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    District,
    Commune,
}

impl Level {
    pub fn label_vi(self) -> &'static str {
        match self {
            Level::Province => "Cấp tỉnh",
            Level::District => "Cấp huyện",
            Level::Commune => "Cấp xã",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// GSO code (mã đơn vị hành chính): 2 digits province, 3 district, 5 commune.
    pub code: String,
    /// Display name, NFC.
    pub name: String,
    pub level: Level,
    /// Tỉnh, Huyện, Thành phố, Xã, Phường, Thị trấn.
    #[serde(rename = "type")]
    pub kind: String,
    pub parent_code: Option<String>,
    /// The source's spelling where the display name differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gso_name: Option<String>,
    /// A provincial body (a department, …) that records its own activities:
    /// its agency in the plan's catalogue. Not in the GSO data; added by
    /// `Units::with_bodies`. Its code is `<province>.<agency id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Units {
    pub format: u32,
    pub id: String,
    pub province_code: String,
    #[serde(with = "crate::dates::serde_date")]
    pub valid_from: NaiveDate,
    pub valid_until: Option<String>,
    pub source: String,
    pub notes: String,
    pub units: Vec<Unit>,
    /// Who took over each unit when the dataset ended (`with_successors`):
    /// not in the dataset's file, joined from a `Succession`.
    #[serde(skip)]
    pub successors: BTreeMap<String, Successor>,
}

/// The unit that took over from another at a reform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Successor {
    /// The successor's dataset id and code (a code names a unit only with
    /// its dataset).
    pub dataset: String,
    pub code: String,
    pub name: String,
    /// The first day of the successor (the old unit's last is the day before).
    pub from: NaiveDate,
    /// The resolution that made it so.
    pub resolution: String,
}

/// A reform: each unit of one dataset and the unit of the next that took
/// over from it (data/units/<from>-to-<to>.json).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Succession {
    pub format: u32,
    pub from: String,
    pub to: String,
    #[serde(with = "crate::dates::serde_date")]
    pub effective: NaiveDate,
    pub source: String,
    pub successors: Vec<SuccessionRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuccessionRow {
    pub old_code: String,
    pub old_name: String,
    pub new_code: String,
    pub new_name: String,
    pub resolution: String,
}

impl Succession {
    pub fn from_json(json: &str) -> Result<Succession, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    /// The old units that `new_code` took over from, in the file's order.
    pub fn predecessors<'a>(
        &'a self,
        new_code: &'a str,
    ) -> impl Iterator<Item = &'a SuccessionRow> {
        self.successors
            .iter()
            .filter(move |r| r.new_code == new_code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitsError {
    Json(String),
    UnsupportedFormat(u32),
    DuplicateCode(String),
    /// A unit's parent is missing or at the wrong level.
    BadParent {
        code: String,
        parent: Option<String>,
    },
    BadCode {
        code: String,
        level: Level,
    },
}

impl fmt::Display for UnitsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnitsError::Json(e) => write!(f, "units file is not valid JSON for this format: {e}"),
            UnitsError::UnsupportedFormat(v) => {
                write!(
                    f,
                    "units file format {v} is not supported (expected {UNITS_FORMAT})"
                )
            }
            UnitsError::DuplicateCode(c) => write!(f, "unit code {c} appears twice"),
            UnitsError::BadParent { code, parent } => {
                write!(
                    f,
                    "unit {code}: parent {parent:?} is missing or at the wrong level"
                )
            }
            UnitsError::BadCode { code, level } => {
                write!(
                    f,
                    "unit code {code} has the wrong shape for level {level:?}"
                )
            }
        }
    }
}

impl std::error::Error for UnitsError {}

impl Units {
    pub fn from_json(json: &str) -> Result<Units, UnitsError> {
        let u: Units = serde_json::from_str(json).map_err(|e| UnitsError::Json(e.to_string()))?;
        u.check()?;
        Ok(u)
    }

    pub(crate) fn check(&self) -> Result<(), UnitsError> {
        if self.format != UNITS_FORMAT {
            return Err(UnitsError::UnsupportedFormat(self.format));
        }
        let mut seen = BTreeSet::new();
        for u in &self.units {
            if !seen.insert(u.code.as_str()) {
                return Err(UnitsError::DuplicateCode(u.code.clone()));
            }
            let digits = match u.level {
                Level::Province => 2,
                Level::District => 3,
                Level::Commune => 5,
            };
            if u.code.len() != digits || !u.code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(UnitsError::BadCode {
                    code: u.code.clone(),
                    level: u.level,
                });
            }
        }
        // Two tiers (from 01/07/2025): no districts, communes under the
        // province.
        let commune_parent = if self.two_tier() {
            Level::Province
        } else {
            Level::District
        };
        for u in &self.units {
            let want = match u.level {
                Level::Province => None,
                Level::District => Some(Level::Province),
                Level::Commune => Some(commune_parent),
            };
            let got = u
                .parent_code
                .as_deref()
                .and_then(|p| self.get(p))
                .map(|p| p.level);
            let ok = match want {
                None => u.parent_code.is_none() && u.code == self.province_code,
                Some(l) => got == Some(l),
            };
            if !ok {
                return Err(UnitsError::BadParent {
                    code: u.code.clone(),
                    parent: u.parent_code.clone(),
                });
            }
        }
        Ok(())
    }

    /// Whether the dataset has two tiers of local government (province and
    /// communes, since 01/07/2025) rather than three.
    pub fn two_tier(&self) -> bool {
        self.districts().next().is_none()
    }

    /// The dataset's last day, when it has ended.
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.valid_until
            .as_deref()
            .and_then(crate::dates::parse_iso)
    }

    /// Join a reform's successors (the next dataset names them).
    pub fn with_successors(mut self, s: &Succession, next: &Units) -> Units {
        if s.from != self.id || s.to != next.id {
            return self;
        }
        for row in &s.successors {
            let name = next.name_or_code(&row.new_code);
            self.successors.insert(
                row.old_code.clone(),
                Successor {
                    dataset: next.id.clone(),
                    code: row.new_code.clone(),
                    name,
                    from: s.effective,
                    resolution: row.resolution.clone(),
                },
            );
        }
        self
    }

    /// Who took over `code` at the reform that ended this dataset.
    pub fn successor(&self, code: &str) -> Option<&Successor> {
        self.successors.get(code)
    }

    /// Add the plan's recording bodies (`role_agencies.bodies`: departments
    /// and other provincial bodies) as units under the province, so a
    /// department records, exports and syncs as a commune does.
    pub fn with_bodies(mut self, plan: &crate::plan::Plan) -> Units {
        let province = self.province_code.clone();
        for id in plan.role_agencies.get("bodies").into_iter().flatten() {
            let Some(a) = plan.agency(id) else { continue };
            let code = format!("{province}.{id}");
            if self.get(&code).is_none() {
                self.units.push(Unit {
                    code,
                    name: a.name.clone(),
                    level: Level::Province,
                    kind: "Cơ quan cấp tỉnh".into(),
                    parent_code: Some(province.clone()),
                    gso_name: None,
                    agency: Some(id.clone()),
                });
            }
        }
        self
    }

    /// The provincial bodies that record for themselves.
    pub fn bodies(&self) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(|u| u.agency.is_some())
    }

    /// A district, or the province itself (Sở Nội vụ): the units that take
    /// others' batches.
    pub fn is_receiver(&self, code: &str) -> bool {
        code == self.province_code || self.get(code).is_some_and(|u| u.level == Level::District)
    }

    /// Whether `receiver` collects `unit`'s batches (two tiers: only the
    /// province collects): the province every
    /// unit of the dataset, a district itself and its communes.
    pub fn collects(&self, receiver: &str, unit: &str) -> bool {
        let Some(u) = self.get(unit) else {
            return false;
        };
        if receiver == self.province_code {
            return true;
        }
        self.get(receiver)
            .is_some_and(|r| r.level == Level::District)
            && (u.code == receiver
                || (u.level == Level::Commune && u.parent_code.as_deref() == Some(receiver)))
    }

    pub fn get(&self, code: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.code == code)
    }

    pub fn province(&self) -> Option<&Unit> {
        self.get(&self.province_code)
    }

    pub fn districts(&self) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(|u| u.level == Level::District)
    }

    pub fn communes(&self) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(|u| u.level == Level::Commune)
    }

    pub fn children<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Unit> + 'a {
        self.units
            .iter()
            .filter(move |u| u.parent_code.as_deref() == Some(code))
    }

    pub fn parent(&self, unit: &Unit) -> Option<&Unit> {
        unit.parent_code.as_deref().and_then(|p| self.get(p))
    }

    /// A unit's display name, or its code when the dataset does not know it
    /// (a batch may name a unit of another dataset).
    pub fn name_or_code(&self, code: &str) -> String {
        self.get(code)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| code.to_string())
    }

    /// The district a unit is in: a commune's district, or a district
    /// itself. `None` for the province, its bodies and unknown codes.
    pub fn district_of(&self, code: &str) -> Option<&Unit> {
        let unit = self.get(code)?;
        match unit.level {
            Level::District => Some(unit),
            Level::Commune => self.parent(unit).filter(|d| d.level == Level::District),
            Level::Province => None,
        }
    }

    /// The unit that collects `code`'s batches (see `collects`): a
    /// commune's district, or the province for a district and a provincial
    /// body. `None` for the province itself and unknown codes.
    pub fn receiver_of(&self, code: &str) -> Option<&Unit> {
        let unit = self.get(code)?;
        match unit.level {
            // Two tiers: a commune reports to the province.
            Level::Commune => self.district_of(code).or_else(|| self.province()),
            _ if unit.code == self.province_code => None,
            _ => self.province(),
        }
    }

    /// The province office or one of the provincial bodies (the province's
    /// own row of a roll-up).
    pub fn is_provincial(&self, code: &str) -> bool {
        code == self.province_code || self.get(code).is_some_and(|u| u.agency.is_some())
    }

    /// A place name without its kind: "Huyện Na Rì" → "Na Rì",
    /// "Tỉnh Bắc Kạn" → "Bắc Kạn". A provincial body is placed at the
    /// province's seat.
    pub fn place_name(&self, unit: &Unit) -> String {
        if unit.agency.is_some() {
            return self
                .province()
                .map(|p| self.place_name(p))
                .unwrap_or_default();
        }
        const KINDS: [&str; 8] = [
            "Thành phố ",
            "Huyện ",
            "Thị xã ",
            "Phường ",
            "Thị trấn ",
            "Xã ",
            "Đặc khu ",
            "Tỉnh ",
        ];
        KINDS
            .iter()
            .find_map(|k| unit.name.strip_prefix(k))
            .unwrap_or(&unit.name)
            .to_string()
    }

    /// Whether the province is a centrally-run city (thành phố trực thuộc
    /// trung ương: "UBND THÀNH PHỐ HỒ CHÍ MINH", not "UBND TỈNH …").
    pub fn is_city(&self) -> bool {
        self.province().is_some_and(|p| p.kind == "Thành phố")
    }

    /// The kinds of the dataset's communes, lower case, in the order the
    /// law names them: "xã, phường, thị trấn" (Bắc Kạn 2020), "xã,
    /// phường, đặc khu" (Quảng Ninh 2025), "xã, phường" (Thái Nguyên 2025).
    pub fn commune_kinds_vi(&self) -> String {
        const ORDER: [&str; 4] = ["Xã", "Phường", "Thị trấn", "Đặc khu"];
        ORDER
            .iter()
            .filter(|k| self.communes().any(|c| c.kind == **k))
            .map(|k| k.to_lowercase())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Units of one level whose name matches an accent-insensitive query.
    pub fn search<'a>(&'a self, level: Level, query: &str) -> Vec<&'a Unit> {
        let q = crate::search::Query::new(query);
        self.units
            .iter()
            .filter(|u| u.level == level && q.matches(&u.name))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> Units {
        Units::from_json(crate::BAC_KAN_UNITS_2020).unwrap()
    }

    #[test]
    fn hierarchy_counts() {
        let u = units();
        assert_eq!(u.province().unwrap().name, "Tỉnh Bắc Kạn");
        assert_eq!(u.districts().count(), 8);
        assert_eq!(u.communes().count(), 108);
        let kinds = |k: &str| u.communes().filter(|c| c.kind == k).count();
        assert_eq!(
            (kinds("Xã"), kinds("Phường"), kinds("Thị trấn")),
            (96, 6, 6)
        );
        let per_district: usize = u.districts().map(|d| u.children(&d.code).count()).sum();
        assert_eq!(per_district, 108);
    }

    #[test]
    fn names_are_nfc() {
        use unicode_normalization::UnicodeNormalization;
        for u in units().units {
            assert_eq!(u.name.nfc().collect::<String>(), u.name, "{}", u.code);
        }
    }

    #[test]
    fn city_is_displayed_with_lowercase_pho() {
        let u = units();
        let city = u.get("058").unwrap();
        assert_eq!(city.name, "Thành phố Bắc Kạn");
        assert_eq!(city.gso_name.as_deref(), Some("Thành Phố Bắc Kạn"));
    }

    #[test]
    fn search_is_accent_insensitive() {
        let u = units();
        let hits = u.search(Level::District, "cho don");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].name, "Huyện Chợ Đồn");
        let hits = u.search(Level::Commune, "duc xuan");
        assert_eq!(
            hits.iter().map(|h| h.code.as_str()).collect::<Vec<_>>(),
            vec!["01840"]
        );
    }

    #[test]
    fn lookups_name_district_receiver_and_place() {
        let u = units();
        assert_eq!(u.name_or_code("066"), "Huyện Na Rì");
        assert_eq!(u.name_or_code("99999"), "99999");
        // Xã Đổng Xá is in Huyện Na Rì; a district is in itself.
        assert_eq!(u.district_of("02194").map(|d| d.code.as_str()), Some("066"));
        assert_eq!(u.district_of("066").map(|d| d.code.as_str()), Some("066"));
        assert_eq!(u.district_of("06"), None);
        assert_eq!(u.district_of("nope"), None);
        // Who collects whose batches.
        assert_eq!(u.receiver_of("02194").map(|d| d.code.as_str()), Some("066"));
        assert_eq!(u.receiver_of("066").map(|d| d.code.as_str()), Some("06"));
        assert_eq!(u.receiver_of("06"), None);
        for c in u.communes() {
            let r = u.receiver_of(&c.code).unwrap();
            assert!(u.collects(&r.code, &c.code) && u.is_receiver(&r.code));
        }
        assert_eq!(u.place_name(u.get("066").unwrap()), "Na Rì");
        assert_eq!(u.place_name(u.get("058").unwrap()), "Bắc Kạn");
        assert_eq!(u.place_name(u.province().unwrap()), "Bắc Kạn");
        let t = u.communes().find(|c| c.kind == "Thị trấn").unwrap();
        assert!(!u.place_name(t).starts_with("Thị trấn"));
    }

    #[test]
    fn provincial_bodies_are_received_by_the_province() {
        let plan = crate::plan::Plan::from_json(crate::BAC_KAN_124_2020).unwrap();
        let u = units().with_bodies(&plan);
        let body = u.get("06.so-tai-chinh").unwrap();
        assert_eq!(
            u.receiver_of(&body.code).map(|p| p.code.as_str()),
            Some("06")
        );
        assert_eq!(u.district_of(&body.code), None);
        assert!(u.is_provincial("06") && u.is_provincial(&body.code));
        assert!(!u.is_provincial("066") && !u.is_provincial("02194"));
        assert_eq!(u.place_name(body), "Bắc Kạn");
    }

    #[test]
    fn rejects_broken_datasets_with_the_place() {
        let good = crate::BAC_KAN_UNITS_2020;
        let dup = good.replacen("\"code\": \"01837\"", "\"code\": \"01834\"", 1);
        assert_eq!(
            Units::from_json(&dup).unwrap_err(),
            UnitsError::DuplicateCode("01834".into())
        );
        let orphan = good.replacen("\"parent_code\": \"058\"", "\"parent_code\": \"999\"", 1);
        assert!(matches!(
            Units::from_json(&orphan),
            Err(UnitsError::BadParent { .. })
        ));
        let short = good.replacen("\"code\": \"01837\"", "\"code\": \"1837\"", 1);
        assert!(matches!(
            Units::from_json(&short),
            Err(UnitsError::BadCode { .. })
        ));
    }

    fn thai_nguyen() -> Units {
        Units::from_json(crate::THAI_NGUYEN_UNITS_2025).unwrap()
    }

    fn reform() -> Succession {
        Succession::from_json(crate::BAC_KAN_2020_TO_THAI_NGUYEN_2025).unwrap()
    }

    #[test]
    fn thai_nguyen_2025_has_two_tiers() {
        let u = thai_nguyen();
        assert!(u.two_tier() && !units().two_tier());
        assert_eq!(u.province().unwrap().name, "Tỉnh Thái Nguyên");
        assert_eq!(u.communes().count(), 92);
        let kinds = |k: &str| u.communes().filter(|c| c.kind == k).count();
        assert_eq!((kinds("Xã"), kinds("Phường")), (77, 15));
        assert_eq!(u.last_day(), None);
        assert_eq!(units().last_day(), NaiveDate::from_ymd_opt(2025, 6, 30));
        // Every commune reports to the province; nobody else receives.
        for c in u.communes() {
            assert_eq!(u.receiver_of(&c.code).unwrap().code, "19");
            assert!(u.collects("19", &c.code));
            assert!(!u.is_receiver(&c.code));
            assert_eq!(u.district_of(&c.code), None);
        }
        // A three-tier dataset keeps its districts as receivers.
        assert_eq!(units().receiver_of("02194").unwrap().code, "066");
    }

    #[test]
    fn a_code_names_a_unit_only_with_its_dataset() {
        // GSO reused 01864: Xã Bộc Bố in 2020, Xã Bằng Thành since 2025.
        assert_eq!(units().get("01864").unwrap().name, "Xã Bộc Bố");
        assert_eq!(thai_nguyen().get("01864").unwrap().name, "Xã Bằng Thành");
    }

    #[test]
    fn every_unit_of_2020_has_a_successor_in_2025() {
        let (old, new, r) = (units(), thai_nguyen(), reform());
        let joined = old.clone().with_successors(&r, &new);
        for u in &old.units {
            let s = joined
                .successor(&u.code)
                .unwrap_or_else(|| panic!("{}", u.code));
            assert_eq!(s.dataset, "thai-nguyen-2025");
            assert!(new.get(&s.code).is_some(), "{} → {}", u.code, s.code);
            assert_eq!(s.from, NaiveDate::from_ymd_opt(2025, 7, 1).unwrap());
        }
        let bb = joined.successor("01864").unwrap();
        assert_eq!(
            (bb.code.as_str(), bb.name.as_str()),
            ("01864", "Xã Bằng Thành")
        );
        let merged: Vec<&str> = r
            .predecessors("01864")
            .map(|p| p.old_name.as_str())
            .collect();
        assert_eq!(merged.len(), 4, "{merged:?}");
        assert!(merged.contains(&"Xã Bộc Bố"));
        // 108 communes became 37.
        let new_codes: BTreeSet<&str> = r
            .successors
            .iter()
            .filter(|row| {
                old.get(&row.old_code)
                    .is_some_and(|u| u.level == Level::Commune)
            })
            .map(|row| row.new_code.as_str())
            .collect();
        assert_eq!(new_codes.len(), 37);
        // A mapping for other datasets joins nothing.
        assert!(new.clone().with_successors(&r, &old).successors.is_empty());
    }

    fn dataset_2025(id: &str) -> Units {
        Units::from_json(crate::provinces::dataset_2025_text(id).unwrap()).unwrap()
    }

    #[test]
    fn cities_and_special_zones_have_their_words() {
        let hcm = dataset_2025("ho-chi-minh-2025");
        assert!(hcm.is_city() && hcm.two_tier());
        assert_eq!(hcm.place_name(hcm.province().unwrap()), "Hồ Chí Minh");
        let con_dao = hcm.get("26732").unwrap();
        assert_eq!(con_dao.name, "Đặc khu Côn Đảo");
        assert_eq!(hcm.place_name(con_dao), "Côn Đảo");
        assert_eq!(hcm.receiver_of("26732").unwrap().code, "79");
        assert_eq!(hcm.commune_kinds_vi(), "xã, phường, đặc khu");
        let qn = dataset_2025("quang-ninh-2025");
        assert!(!qn.is_city());
        assert_eq!(qn.commune_kinds_vi(), "xã, phường, đặc khu");
        assert_eq!(thai_nguyen().commune_kinds_vi(), "xã, phường");
        assert!(!thai_nguyen().is_city() && !units().is_city());
        assert_eq!(units().commune_kinds_vi(), "xã, phường, thị trấn");
        assert_eq!(hcm.search(Level::Commune, "con dao")[0].code, "26732");
    }
}
