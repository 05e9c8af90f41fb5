//! PAPI Tracker's domain core: the plan, the administrative units, the agency
//! catalogue, activity records and their validation, and accent-insensitive
//! search, and batches: sealed at the device (`batch`), merged at the
//! district or province (`merge`); a record's evidence references
//! (`evidence`), and a unit's period assessment (`assessment`) and
//! submission (`submission`), declared as tables (`declared`), for a
//! review period (`review`). Sans-IO: no clock, no randomness, no storage, no network. Time,
//! ids and bytes come in as arguments, so every rule is deterministic and runs
//! the same natively (tests) and in the browser (the app).

pub mod activity;
pub mod agency;
pub mod apply;
pub mod assessment;
pub mod batch;
pub mod catalogue;
pub mod comment;
pub mod dates;
pub mod declared;
pub mod evidence;
pub mod feedback;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod letterhead;
pub mod merge;
pub mod papi_score;
pub mod plan;
pub mod plan_sheet;
pub mod provinces;
pub mod pull;
pub mod record;
pub mod report;
pub mod report_doc;
pub mod retry;
pub mod review;
pub mod search;
pub mod signature;
pub mod storage;
pub mod submission;
pub mod text;
pub mod trust;
pub mod units;
pub mod upload;
pub mod validation;
pub mod wire;

pub use activity::{Activity, ActivityFields, Author, Draft, Status};
pub use agency::Role;
pub use plan::{Plan, Task};
pub use units::{Level, Unit, Units};

/// The shipped plan file (Kế hoạch 124/KH-UBND, Bắc Kạn, 10/03/2020).
pub const BAC_KAN_124_2020: &str = include_str!("../../data/plans/bac-kan-124-2020.json");
/// The shipped unit dataset (Bắc Kạn, from 01/02/2020 to 30/06/2025: three
/// tiers).
pub const BAC_KAN_UNITS_2020: &str = include_str!("../../data/units/bac-kan-2020.json");
/// Thái Nguyên from 01/07/2025 (two tiers; it took in Bắc Kạn).
pub const THAI_NGUYEN_UNITS_2025: &str = include_str!("../../data/units/thai-nguyen-2025.json");
/// Who took over each unit of `BAC_KAN_UNITS_2020` on 01/07/2025.
pub const BAC_KAN_2020_TO_THAI_NGUYEN_2025: &str =
    include_str!("../../data/units/bac-kan-2020-to-thai-nguyen-2025.json");
