//! The shipped unit datasets and the reform's mapping (data/units/) agree
//! with their sources as received (data/seed/units/, copies of the
//! published lists): every code, name, level, kind and parent; every old
//! commune's successor and the resolution's clause.

use std::collections::BTreeMap;

use papi_core::units::{Level, Succession, Units};
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

fn seed(name: &str) -> Value {
    let path = format!("{}/../data/seed/units/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Each source unit as (code → name, level, kind, parent), names in NFC.
fn source_units(v: &Value) -> BTreeMap<String, (String, String, String, Option<String>)> {
    let list = v.get("units").unwrap_or(v).as_array().unwrap();
    list.iter()
        .map(|u| {
            let s = |k: &str| u[k].as_str().unwrap_or_default().to_string();
            (
                s("code"),
                (
                    nfc(&s("name")),
                    s("level"),
                    s("type"),
                    u["parent_code"].as_str().map(str::to_string),
                ),
            )
        })
        .collect()
}

fn shipped_units(u: &Units) -> BTreeMap<String, (String, String, String, Option<String>)> {
    u.units
        .iter()
        .map(|x| {
            let level = match x.level {
                Level::Province => "province",
                Level::District => "district",
                Level::Commune => "commune",
            };
            // The source's spelling where the display name differs.
            let name = x.gso_name.clone().unwrap_or_else(|| x.name.clone());
            (
                x.code.clone(),
                (
                    nfc(&name),
                    level.into(),
                    x.kind.clone(),
                    x.parent_code.clone(),
                ),
            )
        })
        .collect()
}

#[test]
fn bac_kan_2020_is_its_source() {
    let shipped = Units::from_json(papi_core::BAC_KAN_UNITS_2020).unwrap();
    assert_eq!(
        shipped_units(&shipped),
        source_units(&seed("bac-kan-units-2020.json"))
    );
}

#[test]
fn thai_nguyen_2025_is_its_source() {
    let shipped = Units::from_json(papi_core::THAI_NGUYEN_UNITS_2025).unwrap();
    let source = seed("thai-nguyen-2025-units.json");
    assert_eq!(shipped_units(&shipped), source_units(&source));
    assert_eq!(shipped.id, source["id"].as_str().unwrap());
    assert_eq!(
        shipped.valid_from.to_string(),
        source["valid_from"].as_str().unwrap()
    );
    for u in &shipped.units {
        assert_eq!(nfc(&u.name), u.name, "{} is NFC", u.code);
    }
}

#[test]
fn the_reform_mapping_is_its_source() {
    let reform = Succession::from_json(papi_core::BAC_KAN_2020_TO_THAI_NGUYEN_2025).unwrap();
    let old = Units::from_json(papi_core::BAC_KAN_UNITS_2020).unwrap();
    let new = Units::from_json(papi_core::THAI_NGUYEN_UNITS_2025).unwrap();
    assert_eq!(
        (reform.from.as_str(), reform.to.as_str()),
        (old.id.as_str(), new.id.as_str())
    );
    let source = seed("bac-kan-2025-old-to-new.json");
    let rows = source.as_array().unwrap();
    assert_eq!(rows.len(), 108);
    let by_old: BTreeMap<&str, _> = reform
        .successors
        .iter()
        .map(|r| (r.old_code.as_str(), r))
        .collect();
    assert_eq!(
        by_old.len(),
        reform.successors.len(),
        "one row per old unit"
    );
    for s in rows {
        let code = s["old_code"].as_str().unwrap();
        let row = by_old[code];
        assert_eq!(row.new_code, s["new_code"].as_str().unwrap(), "{code}");
        assert_eq!(row.resolution, s["resolution"].as_str().unwrap(), "{code}");
        assert_eq!(
            nfc(&row.old_name),
            nfc(s["old_name"].as_str().unwrap()),
            "{code}"
        );
        assert_eq!(old.get(code).unwrap().name, row.old_name, "{code}");
        // The source writes "xã Bằng Thành" ("… (không sắp xếp)" for a
        // commune kept as it was); the dataset "Xã Bằng Thành".
        let new_name = new.get(&row.new_code).unwrap().name.clone();
        let said = nfc(s["new_name"].as_str().unwrap()).to_lowercase();
        let said = said.trim_end_matches(" (không sắp xếp)");
        assert_eq!(new_name.to_lowercase(), said, "{code}");
        assert_eq!(row.new_name, new_name);
    }
    // The province and every district go to the new province.
    for u in old.units.iter().filter(|u| u.level != Level::Commune) {
        assert_eq!(
            by_old[u.code.as_str()].new_code,
            new.province_code,
            "{}",
            u.code
        );
    }
}

/// All 34 provinces of 2025 (data/seed/units/vietnam-2025-units.json): one
/// dataset per province, each its source province unit for unit, and the
/// index (data/units/vietnam-2025.json) agreeing with them.
mod vietnam_2025 {
    use super::*;
    use papi_core::provinces::{dataset_2025_text, dataset_id, ProvinceIndex, DATASET_IDS_2025};
    use std::collections::BTreeSet;

    fn provinces() -> Vec<Value> {
        seed("vietnam-2025-units.json")["provinces"]
            .as_array()
            .unwrap()
            .clone()
    }

    fn dataset_of(p: &Value) -> Units {
        let id = dataset_id(p["codename"].as_str().unwrap());
        let text = dataset_2025_text(&id).unwrap_or_else(|| panic!("{id} is shipped"));
        Units::from_json(text).unwrap_or_else(|e| panic!("{id}: {e}"))
    }

    #[test]
    fn every_province_is_its_source() {
        let mut ids = BTreeSet::from(["bac-kan-2020".to_string()]);
        for p in provinces() {
            let units = dataset_of(&p);
            let code = p["province_code"].as_str().unwrap();
            assert_eq!(shipped_units(&units), source_units(&p), "{}", units.id);
            assert_eq!(units.province_code, code);
            assert_eq!(units.province().unwrap().name, p["name"].as_str().unwrap());
            assert_eq!(units.valid_from.to_string(), "2025-07-01");
            assert_eq!(units.valid_until, None);
            assert!(units.two_tier(), "{}", units.id);
            assert!(units.source.contains("vietnam-provinces 2025.10.1"));
            for u in &units.units {
                assert_eq!(nfc(&u.name), u.name, "{} is NFC", u.code);
                assert!(u.gso_name.is_none() && u.agency.is_none());
            }
            assert!(ids.insert(units.id.clone()), "{} twice", units.id);
        }
        assert_eq!(ids.len(), 35);
    }

    #[test]
    fn thai_nguyen_keeps_its_file_and_id() {
        assert_eq!(
            dataset_2025_text("thai-nguyen-2025"),
            Some(papi_core::THAI_NGUYEN_UNITS_2025)
        );
        let p = provinces()
            .into_iter()
            .find(|p| p["province_code"] == "19")
            .unwrap();
        assert_eq!(dataset_of(&p).id, "thai-nguyen-2025");
        let file = source_units(&seed("thai-nguyen-2025-units.json"));
        assert_eq!(source_units(&p), file);
    }

    #[test]
    fn totals() {
        let all: Vec<Units> = provinces().iter().map(dataset_of).collect();
        assert_eq!(all.len(), 34);
        let kind = |k: &str| {
            all.iter()
                .flat_map(|u| u.communes())
                .filter(|c| c.kind == k)
                .count()
        };
        let communes: usize = all.iter().map(|u| u.communes().count()).sum();
        assert_eq!(communes, 3_321);
        assert_eq!(
            (kind("Xã"), kind("Phường"), kind("Đặc khu")),
            (2_621, 687, 13)
        );
        let cities = all
            .iter()
            .filter(|u| u.province().unwrap().kind == "Thành phố")
            .count();
        assert_eq!(cities, 6);
    }

    #[test]
    fn the_index_agrees_with_the_files() {
        let index = ProvinceIndex::shipped();
        assert_eq!(index.id, "vietnam-2025");
        assert_eq!(index.provinces.len(), 34);
        let datasets: Vec<&str> = index.provinces.iter().map(|p| p.dataset.as_str()).collect();
        assert_eq!(datasets, DATASET_IDS_2025);
        for (entry, p) in index.provinces.iter().zip(provinces()) {
            let units = dataset_of(&p);
            assert_eq!(entry.dataset, units.id);
            assert_eq!(entry.province_code, units.province_code);
            let province = units.province().unwrap();
            assert_eq!((&entry.name, &entry.kind), (&province.name, &province.kind));
            assert_eq!(entry.is_city(), entry.kind == "Thành phố");
            assert_eq!(entry.file, format!("{}.json", units.id));
            let kind = |k: &str| units.communes().filter(|c| c.kind == k).count() as u32;
            assert_eq!(
                (entry.xa, entry.phuong, entry.dac_khu),
                (kind("Xã"), kind("Phường"), kind("Đặc khu")),
                "{}",
                units.id
            );
            assert_eq!(entry.communes() as usize, units.communes().count());
            // The file the app fetches is the text the core ships.
            let path = format!(
                "{}/../data/units/{}",
                env!("CARGO_MANIFEST_DIR"),
                entry.file
            );
            assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                dataset_2025_text(&entry.dataset).unwrap()
            );
        }
        let hcm = index.by_dataset("ho-chi-minh-2025").unwrap();
        assert_eq!(hcm.place_name(), "Hồ Chí Minh");
        assert_eq!(hcm.communes(), 168);
        let hits = index.search("ho chi minh");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].dataset, "ho-chi-minh-2025");
        assert_eq!(index.search("dak lak")[0].name, "Tỉnh Đắk Lắk");
    }
}
