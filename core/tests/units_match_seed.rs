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
