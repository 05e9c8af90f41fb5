//! Vietnam's 34 provinces since the two-tier reform of 01/07/2025, each
//! with its own unit dataset (data/units/<id>.json), and their index
//! (data/units/vietnam-2025.json): small enough for the first-visit build,
//! which shows the province picker and then fetches the chosen province's
//! file alone.

use serde::{Deserialize, Serialize};

/// The index's file name, in data/units/.
pub const INDEX_FILE_2025: &str = "vietnam-2025.json";

/// The index of the 34 provinces' 2025 datasets (`ProvinceIndex`).
pub const VIETNAM_2025_INDEX: &str = include_str!("../../data/units/vietnam-2025.json");

/// The provinces of 2025 and their datasets, in the source's order (by GSO
/// code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvinceIndex {
    pub format: u32,
    pub id: String,
    pub valid_from: String,
    pub source: String,
    pub provinces: Vec<ProvinceEntry>,
}

/// One province of the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvinceEntry {
    pub province_code: String,
    /// "Tỉnh Thái Nguyên", "Thành phố Hồ Chí Minh".
    pub name: String,
    /// "Tỉnh", or "Thành phố" for a centrally-run city.
    #[serde(rename = "type")]
    pub kind: String,
    /// The unit dataset's id (`Units::id`): "ho-chi-minh-2025".
    pub dataset: String,
    /// Its file, in data/units/ (and where the app serves the datasets).
    pub file: String,
    /// Its commune-level units by kind.
    pub xa: u32,
    pub phuong: u32,
    pub dac_khu: u32,
}

impl ProvinceEntry {
    pub fn communes(&self) -> u32 {
        self.xa + self.phuong + self.dac_khu
    }

    /// A centrally-run city (thành phố trực thuộc trung ương).
    pub fn is_city(&self) -> bool {
        self.kind == "Thành phố"
    }

    /// The name without its kind: "Hồ Chí Minh".
    pub fn place_name(&self) -> &str {
        self.name
            .strip_prefix(&self.kind)
            .map(str::trim_start)
            .unwrap_or(&self.name)
    }
}

impl ProvinceIndex {
    pub fn from_json(json: &str) -> Result<ProvinceIndex, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    /// The shipped index.
    pub fn shipped() -> ProvinceIndex {
        ProvinceIndex::from_json(VIETNAM_2025_INDEX).expect("the shipped index")
    }

    pub fn by_dataset(&self, id: &str) -> Option<&ProvinceEntry> {
        self.provinces.iter().find(|p| p.dataset == id)
    }

    /// Provinces whose name matches an accent-insensitive query ("ho chi
    /// minh", "tp hcm" does not: words are matched as prefixes).
    pub fn search(&self, query: &str) -> Vec<&ProvinceEntry> {
        let q = crate::search::Query::new(query);
        self.provinces
            .iter()
            .filter(|p| q.matches(&p.name))
            .collect()
    }
}

/// A 2025 dataset's id from the source's codename: "ho_chi_minh" →
/// "ho-chi-minh-2025".
pub fn dataset_id(codename: &str) -> String {
    format!("{}-2025", codename.replace('_', "-"))
}

/// The 2025 datasets' ids and texts, each file named once.
macro_rules! datasets_2025 {
    ($($id:literal),* $(,)?) => {
        /// The ids of the 34 provinces' 2025 datasets, in the index's order.
        pub const DATASET_IDS_2025: [&str; 34] = [$($id),*];

        /// A 2025 dataset's JSON text by its id (`Units::from_json` reads
        /// it). For the server and the tests: the app fetches the one file
        /// its province needs and does not link this.
        pub fn dataset_2025_text(id: &str) -> Option<&'static str> {
            match id {
                $($id => Some(include_str!(concat!("../../data/units/", $id, ".json"))),)*
                _ => None,
            }
        }
    };
}

datasets_2025!(
    "ha-noi-2025",
    "cao-bang-2025",
    "tuyen-quang-2025",
    "dien-bien-2025",
    "lai-chau-2025",
    "son-la-2025",
    "lao-cai-2025",
    "thai-nguyen-2025",
    "lang-son-2025",
    "quang-ninh-2025",
    "bac-ninh-2025",
    "phu-tho-2025",
    "hai-phong-2025",
    "hung-yen-2025",
    "ninh-binh-2025",
    "thanh-hoa-2025",
    "nghe-an-2025",
    "ha-tinh-2025",
    "quang-tri-2025",
    "hue-2025",
    "da-nang-2025",
    "quang-ngai-2025",
    "gia-lai-2025",
    "khanh-hoa-2025",
    "dak-lak-2025",
    "lam-dong-2025",
    "dong-nai-2025",
    "ho-chi-minh-2025",
    "tay-ninh-2025",
    "dong-thap-2025",
    "vinh-long-2025",
    "an-giang-2025",
    "can-tho-2025",
    "ca-mau-2025",
);
