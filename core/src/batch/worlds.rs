//! A batch of another world (another plan, or another unit dataset: the
//! other side of a reform, another province) refused in words: its unit
//! and dataset, the receiver's dataset, and, where a reform maps the unit,
//! who took over. One text for the app and the server.

use super::{Batch, BatchError};
use crate::catalogue::{join_reform, Catalogue};
use crate::provinces::ProvinceIndex;
use crate::units::Units;

impl BatchError {
    pub(super) fn other_plan(b: &Batch) -> BatchError {
        BatchError::OtherPlan {
            id: b.plan.id.chars().take(80).collect(),
            units: b.units_id().chars().take(40).collect(),
            unit_code: b.unit_code.chars().take(20).collect(),
        }
    }

    /// The refusal of `b`, whose units are not of the dataset `ours`.
    pub fn other_units(b: &Batch, ours: &Units) -> BatchError {
        BatchError::OtherUnits {
            id: b.units_id().chars().take(40).collect(),
            ours: ours.id.clone(),
            unit_code: b.unit_code.chars().take(20).collect(),
        }
    }

    /// `message_vi`, naming both worlds when the batch is of another plan
    /// or dataset than the receiver's (`ours`, with what `catalogue` knows
    /// of the batch's): "lô của Xã Bộc Bố (Bắc Kạn, 2020), danh mục
    /// bac-kan-2020; đơn vị đang theo dõi dùng danh mục thai-nguyen-2025
    /// (Thái Nguyên, 2025); đơn vị kế thừa: Xã Bằng Thành".
    pub fn message_in_vi(&self, catalogue: &Catalogue, ours: &Units) -> String {
        match self {
            BatchError::OtherPlan {
                id,
                units,
                unit_code,
            } => {
                let head = format!("lô thuộc kế hoạch khác (\"{id}\"), không phải kế hoạch đang theo dõi");
                if *units == ours.id {
                    format!("{head}: lô của {}.", unit_name(ours, unit_code))
                } else {
                    format!("{head}: {}.", worlds_vi(units, unit_code, catalogue, ours))
                }
            }
            BatchError::OtherUnits { id, unit_code, .. } => format!(
                "lô ghi mã đơn vị theo danh mục khác: {}. Mã đơn vị chỉ có nghĩa trong danh mục của nó.",
                worlds_vi(id, unit_code, catalogue, ours)
            ),
            BatchError::InBundle { position, error } => format!(
                "lô thứ {position} trong gói bị từ chối nên cả gói không được nhập: {}",
                error.message_in_vi(catalogue, ours)
            ),
            _ => self.message_vi(),
        }
    }
}

/// The batch's unit and dataset beside the receiver's, and the unit's
/// successor where a reform maps it.
fn worlds_vi(units_id: &str, code: &str, catalogue: &Catalogue, ours: &Units) -> String {
    let theirs = catalogue.dataset(units_id);
    let unit = match theirs {
        Some(d) => unit_name(d, code),
        None => format!("đơn vị mã {code}"),
    };
    let mut out = format!(
        "lô của {unit}{}, danh mục {units_id}; đơn vị đang theo dõi dùng danh mục {}{}",
        in_words(units_id, catalogue),
        ours.id,
        in_words(&ours.id, catalogue)
    );
    let joined = theirs.map(|d| {
        if d.successors.is_empty() {
            join_reform(d.clone())
        } else {
            d.clone()
        }
    });
    if let Some(s) = joined.as_ref().and_then(|d| d.successor(code)) {
        out.push_str(&format!("; đơn vị kế thừa: {}", s.name));
        if s.dataset != ours.id {
            out.push_str(&format!(" (danh mục {})", s.dataset));
        }
    }
    out
}

/// "Xã Bộc Bố", or "đơn vị mã 01864" when `units` lacks the code.
fn unit_name(units: &Units, code: &str) -> String {
    match units.get(code) {
        Some(u) => u.name.clone(),
        None => format!("đơn vị mã {code}"),
    }
}

/// " (Bắc Kạn, 2020)": a dataset's province and first year, from the
/// catalogue or the index of 2025; empty when neither knows it.
fn in_words(units_id: &str, catalogue: &Catalogue) -> String {
    if let Some(d) = catalogue.dataset(units_id) {
        let place = d.province().map(|p| d.place_name(p)).unwrap_or_default();
        return format!(" ({place}, {})", d.valid_from.format("%Y"));
    }
    let index = ProvinceIndex::shipped();
    match index.by_dataset(units_id) {
        Some(p) => format!(
            " ({}, {})",
            p.place_name(),
            index.valid_from.get(..4).unwrap_or_default()
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{parse, BatchKind};
    use crate::fixtures::*;
    use crate::plan::Plan;

    const BOC_BO: &str = "01864"; // Xã Bộc Bố in 2020; Xã Bằng Thành since 2025

    fn thai_nguyen() -> (Plan, Units) {
        let mut plan = PLAN.clone();
        plan.id = "thai-nguyen-papi-2026".into();
        plan.units = "thai-nguyen-2025".into();
        plan.role_agencies.remove("district");
        let units = Units::from_json(crate::THAI_NGUYEN_UNITS_2025)
            .unwrap()
            .with_bodies(&plan);
        (plan, units)
    }

    fn other_units(units: &str, unit_code: &str, ours: &str) -> BatchError {
        BatchError::OtherUnits {
            id: units.into(),
            ours: ours.into(),
            unit_code: unit_code.into(),
        }
    }

    #[test]
    fn a_2020_batch_at_the_2025_province_names_both_datasets_and_the_successor() {
        let b = signed(Batch::seal(
            &header(BOC_BO, "dev-b", 600),
            BatchKind::Changes,
            1,
            vec![record(1, BOC_BO, "dev-b", 0)],
        ));
        let (plan, units) = thai_nguyen();
        let e = parse(b.to_json().as_bytes(), &plan, &units, now()).unwrap_err();
        assert!(matches!(e, BatchError::OtherPlan { .. }), "{e:?}");
        // The app's start holds the datasets without the reform's data.
        let expected = "lô thuộc kế hoạch khác (\"bac-kan-124-2020\"), không phải kế hoạch đang theo dõi: lô của Xã Bộc Bố (Bắc Kạn, 2020), danh mục bac-kan-2020; đơn vị đang theo dõi dùng danh mục thai-nguyen-2025 (Thái Nguyên, 2025); đơn vị kế thừa: Xã Bằng Thành.";
        for c in [Catalogue::shipped_unjoined(), Catalogue::shipped()] {
            assert_eq!(e.message_in_vi(&c, &units), expected);
        }
        // Inside a bundle, the same words.
        let bundled = BatchError::InBundle {
            position: 2,
            error: Box::new(e),
        };
        let text = bundled.message_in_vi(&Catalogue::shipped(), &units);
        assert!(text.starts_with("lô thứ 2 trong gói") && text.ends_with(expected));
    }

    #[test]
    fn another_province_is_named_from_the_catalogue_or_the_index() {
        let (_, units) = thai_nguyen();
        let e = other_units("ho-chi-minh-2025", "26732", "thai-nguyen-2025");
        let c = Catalogue::shipped_for("ho-chi-minh-2025").unwrap();
        assert_eq!(
            e.message_in_vi(&c, &units),
            "lô ghi mã đơn vị theo danh mục khác: lô của Đặc khu Côn Đảo (Hồ Chí Minh, 2025), danh mục ho-chi-minh-2025; đơn vị đang theo dõi dùng danh mục thai-nguyen-2025 (Thái Nguyên, 2025). Mã đơn vị chỉ có nghĩa trong danh mục của nó."
        );
        // A device that does not hold that province's units names it from
        // the index, and the unit by its code.
        let text = e.message_in_vi(&Catalogue::shipped(), &units);
        assert!(
            text.contains("lô của đơn vị mã 26732 (Hồ Chí Minh, 2025), danh mục ho-chi-minh-2025;"),
            "{text}"
        );
        // A dataset nobody knows is named by its id.
        let e = other_units("ha-giang-2020", "00001", "thai-nguyen-2025");
        let text = e.message_in_vi(&Catalogue::shipped(), &units);
        assert!(
            text.contains("lô của đơn vị mã 00001, danh mục ha-giang-2020;"),
            "{text}"
        );
    }

    #[test]
    fn a_2025_batch_at_a_2020_receiver_and_another_plan_of_the_same_units() {
        let old = UNITS.clone();
        let e = other_units("thai-nguyen-2025", BOC_BO, "bac-kan-2020");
        assert_eq!(
            e.message_in_vi(&Catalogue::shipped(), &old),
            "lô ghi mã đơn vị theo danh mục khác: lô của Xã Bằng Thành (Thái Nguyên, 2025), danh mục thai-nguyen-2025; đơn vị đang theo dõi dùng danh mục bac-kan-2020 (Bắc Kạn, 2020). Mã đơn vị chỉ có nghĩa trong danh mục của nó."
        );
        let (_, units) = thai_nguyen();
        let e = BatchError::OtherPlan {
            id: "thai-nguyen-khac".into(),
            units: "thai-nguyen-2025".into(),
            unit_code: BOC_BO.into(),
        };
        assert_eq!(
            e.message_in_vi(&Catalogue::shipped(), &units),
            "lô thuộc kế hoạch khác (\"thai-nguyen-khac\"), không phải kế hoạch đang theo dõi: lô của Xã Bằng Thành."
        );
        // Any other refusal reads as `message_vi`.
        assert_eq!(
            BatchError::Empty.message_in_vi(&Catalogue::shipped(), &units),
            BatchError::Empty.message_vi()
        );
    }
}
