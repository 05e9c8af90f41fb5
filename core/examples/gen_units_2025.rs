//! Writes the 2025 unit datasets of every province (data/units/<id>.json)
//! and their index (data/units/vietnam-2025.json) from the source as
//! received (data/seed/units/vietnam-2025-units.json). Thái Nguyên keeps
//! its own file (`thai-nguyen-2025`, which batches already name): only the
//! index lists it. core/tests/units_match_seed.rs checks the result.
//!
//! cargo run -p papi-core --example gen_units_2025

use std::path::{Path, PathBuf};

use papi_core::provinces::{dataset_id, ProvinceEntry, ProvinceIndex, INDEX_FILE_2025};
use papi_core::units::{Level, Unit, Units, UNITS_FORMAT};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Source {
    valid_from: String,
    source: String,
    provinces: Vec<SourceProvince>,
}

#[derive(Deserialize)]
struct SourceProvince {
    province_code: String,
    name: String,
    codename: String,
    units: Vec<Unit>,
}

/// The datasets' JSON as data/units/thai-nguyen-2025.json is written: one
/// space of indent, a final newline.
fn to_json<T: Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    value.serialize(&mut ser).expect("serialises");
    let mut text = String::from_utf8(out).expect("UTF-8");
    text.push('\n');
    text
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

fn dataset(p: &SourceProvince, valid_from: &str) -> Units {
    let count = |k: &str| p.units.iter().filter(|u| u.kind == k).count();
    let (xa, phuong, dac_khu) = (count("Xã"), count("Phường"), count("Đặc khu"));
    let whole = if p.units[0].kind == "Thành phố" {
        "city"
    } else {
        "province"
    };
    let special = match dac_khu {
        0 => String::new(),
        n => format!(", {n} đặc khu"),
    };
    let units = Units {
        format: UNITS_FORMAT,
        id: dataset_id(&p.codename),
        province_code: p.province_code.clone(),
        valid_from: papi_core::dates::parse_iso(valid_from).expect("ISO date"),
        valid_until: None,
        source: format!(
            "Nghị quyết 202/2025/QH15 (34 provinces from 01/07/2025) and the resolution of the National Assembly Standing Committee (Ủy ban Thường vụ Quốc hội) on the commune-level units of {} (effective 01/07/2025). Codes and names as published in the PyPI package vietnam-provinces 2025.10.1 (GSO codes; MIT licence).",
            p.name
        ),
        notes: format!(
            "Two-tier local government from 01/07/2025: no district level; the commune-level units (xã, phường, đặc khu) report to the {whole}. {} units: {xa} xã, {phuong} phường{special}. GSO codes are reused across reorganisations: read a code together with this dataset's id. Written from data/seed/units/vietnam-2025-units.json by core/examples/gen_units_2025.rs.",
            p.units.len() - 1
        ),
        units: p.units.clone(),
        successors: Default::default(),
    };
    Units::from_json(&to_json(&units)).expect("a valid dataset")
}

fn entry(p: &SourceProvince, id: String) -> ProvinceEntry {
    let count = |k: &str| p.units.iter().filter(|u| u.kind == k).count() as u32;
    ProvinceEntry {
        province_code: p.province_code.clone(),
        name: p.name.clone(),
        kind: p.units[0].kind.clone(),
        file: format!("{id}.json"),
        dataset: id,
        xa: count("Xã"),
        phuong: count("Phường"),
        dac_khu: count("Đặc khu"),
    }
}

fn main() {
    let dir = data_dir();
    let text = std::fs::read_to_string(dir.join("seed/units/vietnam-2025-units.json"))
        .expect("the source");
    let source: Source = serde_json::from_str(&text).expect("the source's shape");
    let mut provinces = Vec::new();
    for p in &source.provinces {
        assert_eq!(p.units[0].level, Level::Province, "{}", p.name);
        let units = dataset(p, &source.valid_from);
        // Thái Nguyên's dataset predates this one and is kept as written.
        if units.id != "thai-nguyen-2025" {
            std::fs::write(
                dir.join(format!("units/{}.json", units.id)),
                to_json(&units),
            )
            .expect("written");
        }
        provinces.push(entry(p, units.id));
    }
    let index = ProvinceIndex {
        format: UNITS_FORMAT,
        id: "vietnam-2025".into(),
        valid_from: source.valid_from.clone(),
        source: source.source.clone(),
        provinces,
    };
    std::fs::write(dir.join("units").join(INDEX_FILE_2025), to_json(&index)).expect("written");
    println!("{} provinces written", index.provinces.len());
}
