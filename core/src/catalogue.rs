//! What a device or a server knows of the world: the unit datasets (dated,
//! joined by the reforms between them) and the plans, shipped or published
//! by a province, several side by side. A batch names its plan (id and
//! version) and its dataset; the catalogue finds both, and the units a plan
//! is recorded by (the dataset plus the plan's recording bodies).

use std::collections::{BTreeMap, BTreeSet};

use crate::plan::{Plan, PlanError};
use crate::units::{Succession, Units, UnitsError};

#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    datasets: Vec<Units>,
    plans: Vec<Plan>,
    /// `units_for` of each plan, made once: (plan id, version) → units.
    recorded_by: BTreeMap<(String, String), Units>,
}

/// Why a plan cannot join the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanRefused {
    Invalid(PlanError),
    /// Its unit dataset is not one this build ships.
    UnknownUnits(String),
    /// The same id and version with other content: a published version
    /// never changes; a change is a new version.
    Changed {
        id: String,
        version: String,
    },
    /// A version of a held plan for another unit dataset: the versions of
    /// a plan share one workspace, whose records name units of one dataset.
    OtherUnits {
        id: String,
        held: String,
        units: String,
    },
    /// A task names a unit (`unit:<code>`) that is not a commune of the
    /// plan's dataset.
    NotACommune {
        task: String,
        code: String,
        units: String,
    },
}

impl PlanRefused {
    pub fn message_vi(&self) -> String {
        match self {
            PlanRefused::Invalid(e) => format!("tệp kế hoạch không hợp lệ: {e}"),
            PlanRefused::UnknownUnits(id) => format!(
                "kế hoạch dùng danh mục đơn vị \"{id}\", ứng dụng không có danh mục này"
            ),
            PlanRefused::Changed { id, version } => format!(
                "kế hoạch \"{id}\" phiên bản {version} đã có với nội dung khác: sửa kế hoạch thì đặt phiên bản mới"
            ),
            PlanRefused::OtherUnits { id, held, units } => format!(
                "kế hoạch \"{id}\" dùng danh mục đơn vị \"{held}\"; phiên bản mới không thể dùng \"{units}\": danh mục khác thì đặt mã kế hoạch khác"
            ),
            PlanRefused::NotACommune { task, code, units } => format!(
                "nhiệm vụ {task} giao cho đơn vị mã {code}, nhưng danh mục đơn vị \"{units}\" không có đơn vị cấp xã nào mã này"
            ),
        }
    }
}

/// Why a unit dataset cannot join the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetRefused {
    Invalid(UnitsError),
    /// The same id with other content: a dataset never changes (a code
    /// names a unit only with its dataset's id).
    Changed {
        id: String,
    },
}

impl DatasetRefused {
    pub fn message_vi(&self) -> String {
        match self {
            DatasetRefused::Invalid(e) => format!("tệp danh mục đơn vị không hợp lệ: {e}"),
            DatasetRefused::Changed { id } => format!(
                "danh mục đơn vị \"{id}\" đã có với nội dung khác: một danh mục không bao giờ thay đổi"
            ),
        }
    }
}

impl Catalogue {
    /// The shipped datasets (Bắc Kạn 2020 with its successors, Thái Nguyên
    /// 2025) and the shipped plan.
    pub fn shipped() -> Catalogue {
        Catalogue::shipped_with(join_reform)
    }

    /// `shipped` without the reform's successors (`join_reform` adds them to
    /// the units that need them): what a device needs at start, without the
    /// reform's data.
    pub fn shipped_unjoined() -> Catalogue {
        Catalogue::shipped_with(|units| units)
    }

    fn shipped_with(join: impl Fn(Units) -> Units) -> Catalogue {
        let old = Units::from_json(crate::BAC_KAN_UNITS_2020).expect("shipped units");
        let new = Units::from_json(crate::THAI_NGUYEN_UNITS_2025).expect("shipped units");
        let mut c = Catalogue {
            datasets: vec![join(old), new],
            ..Catalogue::default()
        };
        c.add_plan(Plan::from_json(crate::BAC_KAN_124_2020).expect("shipped plan"))
            .expect("the shipped plan fits the shipped units");
        c
    }

    /// `shipped`, with the 2025 dataset `id` of any of the 34 provinces
    /// (`provinces::dataset_2025_text`): what a server of that province
    /// knows. `None` when `id` is neither shipped nor one of them.
    pub fn shipped_for(id: &str) -> Option<Catalogue> {
        let mut c = Catalogue::shipped();
        if c.dataset(id).is_none() {
            let text = crate::provinces::dataset_2025_text(id)?;
            let units = Units::from_json(text).expect("shipped units");
            c.add_dataset(units).expect("a new id");
        }
        Some(c)
    }

    /// Add a unit dataset (one of the 34 provinces' of 2025, fetched or
    /// read at run time). `Ok(true)` when it is new, `Ok(false)` when that
    /// very dataset is held (its reform's successors aside); another
    /// content under a held id is refused.
    pub fn add_dataset(&mut self, units: Units) -> Result<bool, DatasetRefused> {
        units.check().map_err(DatasetRefused::Invalid)?;
        let Some(held) = self.dataset(&units.id) else {
            self.datasets.push(units);
            return Ok(true);
        };
        let bare = |u: &Units| Units {
            successors: Default::default(),
            ..u.clone()
        };
        if bare(held) == bare(&units) {
            Ok(false)
        } else {
            Err(DatasetRefused::Changed { id: units.id })
        }
    }

    pub fn datasets(&self) -> &[Units] {
        &self.datasets
    }

    pub fn dataset(&self, id: &str) -> Option<&Units> {
        self.datasets.iter().find(|u| u.id == id)
    }

    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    /// A plan by id and version.
    pub fn plan(&self, id: &str, version: &str) -> Option<&Plan> {
        self.plans
            .iter()
            .find(|p| p.id == id && p.version == version)
    }

    /// The latest version of a plan (versions compare as their text's
    /// numbers: "2026.10" after "2026.9").
    pub fn latest(&self, id: &str) -> Option<&Plan> {
        self.plans
            .iter()
            .filter(|p| p.id == id)
            .max_by(|a, b| version_key(&a.version).cmp(&version_key(&b.version)))
    }

    /// The plan a batch names: its exact version if known, else the latest
    /// version of that plan (a task it lacks is then refused by name).
    pub fn plan_for(&self, id: &str, version: &str) -> Option<&Plan> {
        self.plan(id, version).or_else(|| self.latest(id))
    }

    /// Who records against `plan`: its dataset and its recording bodies.
    pub fn units_for(&self, plan: &Plan) -> Option<&Units> {
        self.recorded_by
            .get(&(plan.id.clone(), plan.version.clone()))
    }

    /// Add a plan (shipped, read from a file, or received from the server).
    /// `Ok(true)` when it is new, `Ok(false)` when that very plan is held.
    pub fn add_plan(&mut self, plan: Plan) -> Result<bool, PlanRefused> {
        plan.check().map_err(PlanRefused::Invalid)?;
        let Some(units) = self.dataset(&plan.units) else {
            return Err(PlanRefused::UnknownUnits(
                plan.units.chars().take(40).collect(),
            ));
        };
        plan.check_communes(units).map_err(|e| match e {
            PlanError::NotACommune { task, code } => PlanRefused::NotACommune {
                task,
                code,
                units: units.id.clone(),
            },
            e => PlanRefused::Invalid(e),
        })?;
        if !units.two_tier() && plan.role_agencies.get("district").is_none_or(Vec::is_empty) {
            return Err(PlanRefused::Invalid(PlanError::UnknownAgency {
                place: "role_agencies.district".into(),
                agency: "(none)".into(),
            }));
        }
        if let Some(held) = self.latest(&plan.id).filter(|h| h.units != plan.units) {
            return Err(PlanRefused::OtherUnits {
                id: plan.id.clone(),
                held: held.units.clone(),
                units: plan.units.clone(),
            });
        }
        if let Some(held) = self.plan(&plan.id, &plan.version) {
            return if *held == plan {
                Ok(false)
            } else {
                Err(PlanRefused::Changed {
                    id: plan.id,
                    version: plan.version,
                })
            };
        }
        let units = units.clone().with_bodies(&plan);
        self.recorded_by
            .insert((plan.id.clone(), plan.version.clone()), units);
        self.plans.push(plan);
        Ok(true)
    }
}

/// The districts of an earlier dataset whose communes a dataset's units
/// took over (history across a reform: the province of 2025 filters its
/// communes by the district their predecessors were in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormerDistricts {
    /// The former districts (code, name), in their dataset's order.
    pub districts: Vec<(String, String)>,
    /// For each unit of the later dataset, the former districts it took
    /// communes from.
    of: BTreeMap<String, BTreeSet<String>>,
}

impl FormerDistricts {
    /// Whether `unit` (of the later dataset) took over a commune of the
    /// former district `district`.
    pub fn includes(&self, unit: &str, district: &str) -> bool {
        self.of.get(unit).is_some_and(|ds| ds.contains(district))
    }
}

impl Catalogue {
    /// The former districts of the units of dataset `units_id` (empty when
    /// no dataset held here was succeeded by it).
    pub fn former_districts(&self, units_id: &str) -> FormerDistricts {
        let mut out = FormerDistricts::default();
        for old in self.datasets.iter().filter(|d| d.id != units_id) {
            for district in old.districts() {
                let mut took = false;
                for commune in old.children(&district.code) {
                    let Some(s) = old.successor(&commune.code) else {
                        continue;
                    };
                    if s.dataset == units_id {
                        took = true;
                        out.of
                            .entry(s.code.clone())
                            .or_default()
                            .insert(district.code.clone());
                    }
                }
                if took {
                    out.districts
                        .push((district.code.clone(), district.name.clone()));
                }
            }
        }
        out
    }
}

/// `units` with the successors of the shipped reform (Bắc Kạn 2020 →
/// Thái Nguyên 2025) when it is the dataset that reform ended (recording
/// bodies and all); any other dataset as it is.
pub fn join_reform(units: Units) -> Units {
    let reform =
        Succession::from_json(crate::BAC_KAN_2020_TO_THAI_NGUYEN_2025).expect("shipped reform");
    if units.id != reform.from {
        return units;
    }
    let next = Units::from_json(crate::THAI_NGUYEN_UNITS_2025).expect("shipped units");
    units.with_successors(&reform, &next)
}

/// "2026.10" → [2026, 10]; text parts sort after numbers.
fn version_key(v: &str) -> Vec<(u64, String)> {
    v.split(['.', '-'])
        .map(|part| match part.parse::<u64>() {
            Ok(n) => (n, String::new()),
            Err(_) => (u64::MAX, part.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thai_nguyen_plan(version: &str) -> Plan {
        let mut p = Plan::from_json(crate::BAC_KAN_124_2020).unwrap();
        p.id = "thai-nguyen-papi-2026".into();
        p.version = version.into();
        p.units = "thai-nguyen-2025".into();
        p
    }

    #[test]
    fn the_shipped_catalogue() {
        let c = Catalogue::shipped();
        assert_eq!(c.datasets().len(), 2);
        let plan = c.plan("bac-kan-124-2020", "2020.2").unwrap();
        let units = c.units_for(plan).unwrap();
        assert_eq!(units.id, "bac-kan-2020");
        assert!(
            units.get("06.so-tai-chinh").is_some(),
            "with the plan's bodies"
        );
        assert!(units.successor("01864").is_some(), "with the reform");
        // Without the reform, and with it joined afterwards (bodies kept).
        let c = Catalogue::shipped_unjoined();
        let units = c.units_for(c.plans().first().unwrap()).unwrap();
        assert!(units.successor("01864").is_none());
        let joined = join_reform(units.clone());
        assert!(joined.successor("01864").is_some());
        assert!(joined.get("06.so-tai-chinh").is_some());
        let next = c.dataset("thai-nguyen-2025").unwrap().clone();
        assert!(join_reform(next).successors.is_empty());
    }

    #[test]
    fn the_units_of_2025_know_the_districts_of_2020_they_took_communes_from() {
        let c = Catalogue::shipped();
        let f = c.former_districts("thai-nguyen-2025");
        let old = c.dataset("bac-kan-2020").unwrap();
        // Every district of Bắc Kạn (7 huyện and the city) gave communes.
        assert_eq!(f.districts.len(), old.districts().count());
        assert_eq!(f.districts.len(), 8);
        // Xã Bằng Thành (01864 since 2025) took Xã Bộc Bố (01864 in 2020),
        // a commune of Huyện Pác Nặm.
        let pac_nam = old.district_of("01864").unwrap();
        assert!(pac_nam.name.contains("Pác Nặm"), "{}", pac_nam.name);
        assert!(f.includes("01864", &pac_nam.code));
        // Each successor's former districts are those of its predecessors.
        for commune in old.communes() {
            let s = old.successor(&commune.code).unwrap();
            let d = old.district_of(&commune.code).unwrap();
            assert!(
                f.includes(&s.code, &d.code),
                "{} → {}",
                commune.name,
                s.name
            );
        }
        // A dataset nobody was succeeded by has none.
        assert_eq!(
            c.former_districts("bac-kan-2020"),
            FormerDistricts::default()
        );
    }

    #[test]
    fn plans_live_side_by_side_and_a_version_never_changes() {
        let mut c = Catalogue::shipped();
        assert_eq!(c.add_plan(thai_nguyen_plan("2026.1")), Ok(true));
        assert_eq!(c.add_plan(thai_nguyen_plan("2026.1")), Ok(false));
        assert_eq!(c.add_plan(thai_nguyen_plan("2026.10")), Ok(true));
        assert_eq!(c.add_plan(thai_nguyen_plan("2026.9")), Ok(true));
        assert_eq!(
            c.latest("thai-nguyen-papi-2026").unwrap().version,
            "2026.10"
        );
        assert_eq!(
            c.plan_for("thai-nguyen-papi-2026", "2026.7")
                .unwrap()
                .version,
            "2026.10"
        );
        let units = c
            .units_for(c.plan("thai-nguyen-papi-2026", "2026.1").unwrap())
            .unwrap();
        assert!(units.two_tier());
        let mut changed = thai_nguyen_plan("2026.1");
        changed.closing = "Khác.".into();
        let e = c.add_plan(changed).unwrap_err();
        assert!(matches!(e, PlanRefused::Changed { .. }));
        assert!(e.message_vi().contains("phiên bản mới"));
        let mut foreign = thai_nguyen_plan("2026.2");
        foreign.units = "ha-giang-2025".into();
        assert_eq!(
            c.add_plan(foreign),
            Err(PlanRefused::UnknownUnits("ha-giang-2025".into()))
        );
        assert_eq!(c.plans().len(), 4);
        // A version of a held plan keeps its dataset.
        let mut moved = thai_nguyen_plan("2026.11");
        moved.units = "bac-kan-2020".into();
        let e = c.add_plan(moved).unwrap_err();
        assert!(matches!(e, PlanRefused::OtherUnits { .. }), "{e:?}");
        assert!(e.message_vi().contains("mã kế hoạch khác"));
        // Three tiers need the district's role; two tiers do without.
        let mut no_district = thai_nguyen_plan("2026.3");
        no_district.role_agencies.remove("district");
        assert_eq!(c.add_plan(no_district.clone()), Ok(true));
        no_district.id = "bac-kan-khac".into();
        no_district.units = "bac-kan-2020".into();
        assert!(matches!(
            c.add_plan(no_district),
            Err(PlanRefused::Invalid(_))
        ));
    }

    #[test]
    fn a_catalogue_for_any_of_the_34_provinces() {
        let c = Catalogue::shipped_for("ho-chi-minh-2025").unwrap();
        assert_eq!(c.datasets().len(), 3);
        let hcm = c.dataset("ho-chi-minh-2025").unwrap();
        assert!(hcm.two_tier());
        assert_eq!(hcm.communes().count(), 168);
        // The shipped ones are there as before; Thái Nguyên is not twice.
        assert_eq!(
            Catalogue::shipped_for("thai-nguyen-2025")
                .unwrap()
                .datasets()
                .len(),
            2
        );
        assert!(Catalogue::shipped_for("bac-kan-2020").is_some());
        assert!(Catalogue::shipped_for("ha-giang-2025").is_none());
        for id in crate::provinces::DATASET_IDS_2025 {
            let c = Catalogue::shipped_for(id).unwrap();
            assert!(c.dataset(id).unwrap().two_tier(), "{id}");
        }
        // A plan of that province joins it.
        let mut c = c;
        let mut p = thai_nguyen_plan("2026.1");
        p.id = "ho-chi-minh-papi-2026".into();
        p.units = "ho-chi-minh-2025".into();
        assert_eq!(c.add_plan(p.clone()), Ok(true));
        let mut shipped = Catalogue::shipped();
        assert!(matches!(
            shipped.add_plan(p),
            Err(PlanRefused::UnknownUnits(_))
        ));
    }

    #[test]
    fn a_dataset_read_at_run_time_joins_once_and_never_changes() {
        let text = crate::provinces::dataset_2025_text("quang-ninh-2025").unwrap();
        let units = Units::from_json(text).unwrap();
        let mut c = Catalogue::shipped_unjoined();
        assert_eq!(c.add_dataset(units.clone()), Ok(true));
        assert_eq!(c.add_dataset(units.clone()), Ok(false));
        let mut changed = units.clone();
        changed.units[1].name = "Phường Khác".into();
        let e = c.add_dataset(changed).unwrap_err();
        assert_eq!(
            e,
            DatasetRefused::Changed {
                id: "quang-ninh-2025".into()
            }
        );
        assert!(e.message_vi().contains("quang-ninh-2025"));
        let mut broken = units;
        broken.id = "quang-ninh-khac".into();
        broken.units[1].parent_code = Some("99".into());
        assert!(matches!(
            c.add_dataset(broken),
            Err(DatasetRefused::Invalid(_))
        ));
        // The shipped 2020 dataset, held with its reform's successors, is
        // the same dataset as its file.
        let mut c = Catalogue::shipped();
        let old = Units::from_json(crate::BAC_KAN_UNITS_2020).unwrap();
        assert_eq!(c.add_dataset(old), Ok(false));
    }

    #[test]
    fn a_plan_naming_a_commune_of_another_dataset_is_refused() {
        let named = crate::fixtures::NAMED_COMMUNES.clone();
        let mut c = Catalogue::shipped_for("quang-ninh-2025").unwrap();
        assert_eq!(c.add_plan(named.clone()), Ok(true));
        // The same tasks under Thái Nguyên's dataset: Phường Hạ Long
        // (06688) is not one of its communes.
        let mut moved = named;
        moved.id = "thai-nguyen-papi-2026".into();
        moved.units = "thai-nguyen-2025".into();
        let e = Catalogue::shipped().add_plan(moved).unwrap_err();
        assert_eq!(
            e,
            PlanRefused::NotACommune {
                task: "1.1-1".into(),
                code: "06688".into(),
                units: "thai-nguyen-2025".into()
            }
        );
        assert_eq!(
            e.message_vi(),
            "nhiệm vụ 1.1-1 giao cho đơn vị mã 06688, nhưng danh mục đơn vị \"thai-nguyen-2025\" không có đơn vị cấp xã nào mã này"
        );
    }
}
