//! The review of a unit's period by its receiver (issue 28): the period a
//! review is about, and where each unit stands (`Standing`). For now a
//! unit's period is sent or not (its submissions); the receiver's decisions
//! (accepted, sent back with a reason, reopened), comments and reminders
//! are a later piece of work.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The first and last years a period may name.
pub const FIRST_YEAR: u16 = 2000;
pub const LAST_YEAR: u16 = 2100;

/// A half of a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Half {
    First,
    Second,
}

/// The period a unit reports on and a receiver reviews: a year, or a half
/// of one. On the wire `"2026"`, `"2026-H1"` or `"2026-H2"` (upper-case
/// `H`, years `FIRST_YEAR..=LAST_YEAR`). Ordered as its wire form is: the
/// year, then its first half, then its second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReviewPeriod {
    pub year: u16,
    /// `None`: the whole year.
    pub half: Option<Half>,
}

/// Why a text is not a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPeriod(pub String);

impl BadPeriod {
    pub fn message_vi(&self) -> String {
        format!(
            "kỳ \"{}\" không hợp lệ: ghi năm (ví dụ \"2026\") hoặc nửa năm (\"2026-H1\", \"2026-H2\"), năm từ {FIRST_YEAR} đến {LAST_YEAR}",
            self.0.chars().take(20).collect::<String>()
        )
    }
}

impl fmt::Display for BadPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_vi())
    }
}

impl ReviewPeriod {
    pub fn year(year: u16) -> ReviewPeriod {
        ReviewPeriod { year, half: None }
    }

    pub fn half(year: u16, half: Half) -> ReviewPeriod {
        ReviewPeriod {
            year,
            half: Some(half),
        }
    }

    /// "năm 2026", "6 tháng đầu năm 2026", "6 tháng cuối năm 2026".
    pub fn label_vi(&self) -> String {
        match self.half {
            None => format!("năm {}", self.year),
            Some(Half::First) => format!("6 tháng đầu năm {}", self.year),
            Some(Half::Second) => format!("6 tháng cuối năm {}", self.year),
        }
    }
}

impl FromStr for ReviewPeriod {
    type Err = BadPeriod;

    fn from_str(s: &str) -> Result<ReviewPeriod, BadPeriod> {
        let bad = || BadPeriod(s.to_string());
        let (year, half) = match s.split_once('-') {
            None => (s, None),
            Some((y, "H1")) => (y, Some(Half::First)),
            Some((y, "H2")) => (y, Some(Half::Second)),
            Some(_) => return Err(bad()),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: u16 = year.parse().map_err(|_| bad())?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(bad());
        }
        Ok(ReviewPeriod { year, half })
    }
}

impl fmt::Display for ReviewPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.half {
            None => write!(f, "{}", self.year),
            Some(Half::First) => write!(f, "{}-H1", self.year),
            Some(Half::Second) => write!(f, "{}-H2", self.year),
        }
    }
}

impl Serialize for ReviewPeriod {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ReviewPeriod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ReviewPeriod, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Where a unit's period stands with its receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// "Chưa gửi": the unit has not said the period is ready.
    NotSent,
    /// "Đã gửi": the unit's latest submission.
    Sent(crate::submission::Submission),
}

impl Standing {
    /// "Chưa gửi", "Đã gửi lần 2 ngày 12/01/2021".
    pub fn label_vi(&self) -> String {
        match self {
            Standing::NotSent => "Chưa gửi".into(),
            Standing::Sent(s) => format!(
                "Đã gửi lần {} ngày {}",
                s.revision,
                crate::dates::format_vn(crate::dates::vn_date(s.at))
            ),
        }
    }
}

/// Each unit's standing for `period` of `plan_id`, from what a receiver
/// holds, in the order of `units`.
pub fn standings<'a>(
    held: &crate::merge::Entries,
    plan_id: &str,
    period: ReviewPeriod,
    units: impl IntoIterator<Item = &'a str>,
) -> Vec<(&'a str, Standing)> {
    units
        .into_iter()
        .map(|unit| {
            let key = crate::merge::EntryKey {
                unit_code: unit.to_string(),
                plan_id: plan_id.to_string(),
                key: period,
            };
            let standing = match held.submissions.get(&key) {
                Some(s) => Standing::Sent(s.clone()),
                None => Standing::NotSent,
            };
            (unit, standing)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_and_write_one_form() {
        for (text, period) in [
            ("2026", ReviewPeriod::year(2026)),
            ("2026-H1", ReviewPeriod::half(2026, Half::First)),
            ("2026-H2", ReviewPeriod::half(2026, Half::Second)),
            ("2000", ReviewPeriod::year(2000)),
            ("2100-H2", ReviewPeriod::half(2100, Half::Second)),
        ] {
            assert_eq!(text.parse::<ReviewPeriod>(), Ok(period), "{text}");
            assert_eq!(period.to_string(), text);
            let json = serde_json::to_string(&period).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<ReviewPeriod>(&json).unwrap(), period);
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "2026-H3",
            "1999",
            "2101",
            "2026-h1",
            "2026-H",
            "26",
            "02026",
            "2026 ",
            " 2026",
            "2026-H1-H2",
            "+2026",
            "",
            "２０２６",
            "2026-S1",
        ] {
            let e = bad.parse::<ReviewPeriod>().unwrap_err();
            assert!(e.message_vi().contains("không hợp lệ"), "{bad}");
            assert!(serde_json::from_str::<ReviewPeriod>(&format!("\"{bad}\"")).is_err());
        }
        assert!(
            serde_json::from_str::<ReviewPeriod>("2026").is_err(),
            "a number"
        );
    }

    #[test]
    fn periods_sort_as_their_wire_form() {
        let mut v: Vec<ReviewPeriod> = ["2027", "2026-H2", "2026", "2026-H1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        v.sort();
        let wire: Vec<String> = v.iter().map(|p| p.to_string()).collect();
        let mut sorted = wire.clone();
        sorted.sort();
        assert_eq!(wire, sorted);
        assert_eq!(wire, ["2026", "2026-H1", "2026-H2", "2027"]);
        assert_eq!(ReviewPeriod::year(2026).label_vi(), "năm 2026");
    }

    #[test]
    fn a_unit_stands_by_its_latest_submission() {
        use crate::fixtures::*;
        let mut held = crate::merge::Entries::default();
        let s = filled_submission();
        let key = |unit: &str| crate::merge::EntryKey {
            unit_code: unit.to_string(),
            plan_id: PLAN.id.clone(),
            key: s.period,
        };
        held.keep(key(DONG_XA), s.clone());
        let later = crate::submission::Submission {
            revision: 3,
            ..s.clone()
        };
        held.keep(key(DONG_XA), later.clone());
        held.keep(key(DONG_XA), s.clone());
        let got = standings(&held, &PLAN.id, s.period, [DONG_XA, VAN_VU]);
        assert_eq!(
            got,
            vec![
                (DONG_XA, Standing::Sent(later)),
                (VAN_VU, Standing::NotSent)
            ]
        );
        assert_eq!(got[0].1.label_vi(), "Đã gửi lần 3 ngày 01/05/2020");
        assert_eq!(got[1].1.label_vi(), "Chưa gửi");
        // Another period or another plan: not sent.
        let other = standings(&held, &PLAN.id, ReviewPeriod::year(2021), [DONG_XA]);
        assert_eq!(other[0].1, Standing::NotSent);
        let plan = standings(&held, "another", s.period, [DONG_XA]);
        assert_eq!(plan[0].1, Standing::NotSent);
    }
}
