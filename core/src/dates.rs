//! Dates as Vietnamese users read and write them: dd/mm/yyyy.

use chrono::NaiveDate;

/// Format a date as dd/mm/yyyy.
pub fn format_vn(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Parse dd/mm/yyyy (also d/m/yyyy and dd-mm-yyyy) or the ISO yyyy-mm-dd that
/// an `<input type=date>` gives. `None` when it is not a real calendar date.
pub fn parse_vn(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let (d, m, y) = if parts[0].len() == 4 {
        (parts[2], parts[1], parts[0])
    } else {
        (parts[0], parts[1], parts[2])
    };
    if y.len() != 4 || d.len() > 2 || m.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_formats() {
        let d = NaiveDate::from_ymd_opt(2020, 3, 10).unwrap();
        assert_eq!(format_vn(d), "10/03/2020");
        for s in [
            "10/03/2020",
            "10/3/2020",
            " 10-03-2020 ",
            "2020-03-10",
            "10.03.2020",
        ] {
            assert_eq!(parse_vn(s), Some(d), "{s}");
        }
        for s in [
            "",
            "31/02/2020",
            "10/13/2020",
            "10/03/20",
            "aa/bb/cccc",
            "10/03",
            "1/1/2020/1",
            "100/1/2020",
        ] {
            assert_eq!(parse_vn(s), None, "{s}");
        }
    }

    proptest! {
        #[test]
        fn round_trips(days in 0i64..40_000) {
            let d = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(days);
            prop_assert_eq!(parse_vn(&format_vn(d)), Some(d));
        }
    }
}
