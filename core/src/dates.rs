//! Dates as Vietnamese users read and write them: dd/mm/yyyy.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

/// Format a date as dd/mm/yyyy.
pub fn format_vn(d: NaiveDate) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

/// A document's date as Nghị định 30/2020/NĐ-CP writes it: "ngày 05 tháng 3
/// năm 2021": a day below 10 and the months 1 and 2 take a leading zero,
/// the other months do not.
pub fn format_nd30(d: NaiveDate) -> String {
    let month = if d.month() <= 2 {
        format!("{:02}", d.month())
    } else {
        d.month().to_string()
    };
    format!("ngày {:02} tháng {month} năm {}", d.day(), d.year())
}

/// yyyy-mm-dd, as stored.
pub fn format_iso(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Parse yyyy-mm-dd exactly.
pub fn parse_iso(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))?
            .parse::<u32>()
            .ok()
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// The calendar day in Vietnam (UTC+7 all year, no daylight saving) at an
/// instant: what users call "today" when a batch is sealed or a report is due.
pub fn vn_date(t: DateTime<Utc>) -> NaiveDate {
    (t + chrono::Duration::hours(7)).date_naive()
}

/// An instant as RFC 3339 in UTC with milliseconds: 2020-06-01T08:00:00.000Z.
pub fn format_instant(t: DateTime<Utc>) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}Z",
        format_iso(t.date_naive()),
        t.hour(),
        t.minute(),
        t.second(),
        t.timestamp_subsec_millis()
    )
}

/// Parse an RFC 3339 instant in UTC ("Z" or "+00:00"), with or without a
/// fraction of a second.
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    let (date, rest) = s.split_at_checked(10)?;
    let date = parse_iso(date)?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let rest = rest
        .strip_suffix(['Z', 'z'])
        .or_else(|| rest.strip_suffix("+00:00"))?;
    let (hms, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let mut p = hms.split(':');
    let mut next = || {
        p.next()
            .filter(|t| t.len() == 2 && t.bytes().all(|c| c.is_ascii_digit()))?
            .parse::<u32>()
            .ok()
    };
    let (h, m, sec) = (next()?, next()?, next()?);
    if !frac.bytes().all(|c| c.is_ascii_digit()) || frac.len() > 9 {
        return None;
    }
    let nanos = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse::<u32>().ok()?
    };
    Some(date.and_hms_nano_opt(h, m, sec, nanos)?.and_utc())
}

/// serde for `NaiveDate` as yyyy-mm-dd, without chrono's format machinery.
pub mod serde_date {
    use super::*;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_iso(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let s = <std::borrow::Cow<str>>::deserialize(d)?;
        parse_iso(&s)
            .ok_or_else(|| D::Error::custom(format!("ngày không đúng dạng yyyy-mm-dd: {s:?}")))
    }
}

/// serde for `DateTime<Utc>` as RFC 3339.
pub mod serde_instant {
    use super::*;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_instant(*t))
    }

    /// Any RFC 3339 UTC form (what older releases stored is read back).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = <std::borrow::Cow<str>>::deserialize(d)?;
        parse_instant(&s).ok_or_else(|| {
            D::Error::custom(format!("thời điểm không đúng dạng RFC 3339 UTC: {s:?}"))
        })
    }
}

/// `yyyy-mm-ddThh:mm:ss.sssZ` to the byte: the shape `format_instant`
/// writes (whether the numbers make a real instant is `parse_instant`'s).
fn has_canonical_shape(s: &str) -> bool {
    const SHAPE: &[u8; 24] = b"0000-00-00T00:00:00.000Z";
    s.len() == SHAPE.len()
        && s.bytes().zip(SHAPE).all(|(b, &want)| match want {
            b'0' => b.is_ascii_digit(),
            other => b == other,
        })
}

/// serde for an instant on the wire (batches, bundles): only the one form
/// `format_instant` writes. The same instant written another way (another
/// precision, an offset) would compare or hash differently from what was
/// sealed.
pub mod serde_canonical_instant {
    use super::*;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_instant(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = <std::borrow::Cow<str>>::deserialize(d)?;
        Some(&s)
            .filter(|s| has_canonical_shape(s))
            .and_then(|s| parse_instant(s))
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "thời điểm {:?} không đúng dạng chuẩn yyyy-mm-ddThh:mm:ss.sssZ",
                    s.chars().take(40).collect::<String>()
                ))
            })
    }
}

/// serde for `Option<NaiveDate>` as yyyy-mm-dd or null.
pub mod serde_opt_date {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::serde_date::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        #[derive(Deserialize)]
        struct Date(#[serde(with = "super::serde_date")] NaiveDate);
        Ok(Option::<Date>::deserialize(d)?.map(|Date(d)| d))
    }
}

/// serde for `Option<DateTime<Utc>>` as RFC 3339 or null.
pub mod serde_opt_instant {
    use super::*;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_instant(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<std::borrow::Cow<str>>::deserialize(d)? {
            None => Ok(None),
            Some(s) => parse_instant(&s).map(Some).ok_or_else(|| {
                D::Error::custom(format!("thời điểm không đúng dạng RFC 3339 UTC: {s:?}"))
            }),
        }
    }
}

/// Parse dd/mm/yyyy (also d/m/yyyy and dd-mm-yyyy) or the ISO yyyy-mm-dd that
/// an `<input type=date>` gives. `None` when it is not a real calendar date.
pub fn parse_vn(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    // One separator throughout: 10/03/2020 or 10-03-2020, not 10/03-2020.
    let sep = s.chars().find(|c| matches!(c, '/' | '-' | '.'))?;
    let parts: Vec<&str> = s.split(sep).collect();
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
    fn document_dates_follow_decree_30() {
        let d = |y, m, day| format_nd30(NaiveDate::from_ymd_opt(y, m, day).unwrap());
        assert_eq!(d(2021, 1, 5), "ngày 05 tháng 01 năm 2021");
        assert_eq!(d(2021, 2, 28), "ngày 28 tháng 02 năm 2021");
        assert_eq!(d(2020, 3, 10), "ngày 10 tháng 3 năm 2020");
        assert_eq!(d(2020, 12, 9), "ngày 09 tháng 12 năm 2020");
    }

    #[test]
    fn the_day_in_vietnam_turns_at_17_00_utc() {
        use chrono::TimeZone;
        let at = |h, m| Utc.with_ymd_and_hms(2020, 12, 31, h, m, 0).unwrap();
        assert_eq!(
            vn_date(at(16, 59)),
            NaiveDate::from_ymd_opt(2020, 12, 31).unwrap()
        );
        assert_eq!(
            vn_date(at(17, 0)),
            NaiveDate::from_ymd_opt(2021, 1, 1).unwrap()
        );
    }

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
            "10/03-2020",
            "2020-03/10",
        ] {
            assert_eq!(parse_vn(s), None, "{s}");
        }
    }

    #[test]
    fn only_the_canonical_shape_is_canonical() {
        use chrono::TimeZone;
        let t = Utc.with_ymd_and_hms(2020, 6, 1, 8, 0, 0).unwrap();
        assert!(has_canonical_shape(&format_instant(t)));
        for other in [
            "2020-06-01T08:00:00Z",
            "2020-06-01T08:00:00.000000Z",
            "2020-06-01T08:00:00.000+00:00",
            "2020-06-01 08:00:00.000Z",
            "2020-06-01t08:00:00.000z",
            "२०२०-06-01T08:00:00.000Z",
        ] {
            assert!(!has_canonical_shape(other), "{other}");
        }
        // The shape alone is not an instant: parse_instant still decides.
        assert!(has_canonical_shape("2020-13-01T08:00:00.000Z"));
        assert_eq!(parse_instant("2020-13-01T08:00:00.000Z"), None);
    }

    #[test]
    fn instants_and_iso_dates() {
        let t = parse_instant("2020-06-01T08:00:00Z").unwrap();
        assert_eq!(t.timestamp(), 1_590_998_400);
        assert_eq!(format_instant(t), "2020-06-01T08:00:00.000Z");
        assert_eq!(
            parse_instant("2020-06-01T08:00:00.5+00:00")
                .unwrap()
                .timestamp_subsec_millis(),
            500
        );
        for bad in [
            "",
            "2020-06-01",
            "2020-06-01T08:00:00",
            "2020-06-01T08:00:00+07:00",
            "2020-06-01T25:00:00Z",
            "2020-06-01T08:00:00.x1Z",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
        assert_eq!(parse_iso("2020-02-30"), None);
        assert_eq!(parse_iso("2020-2-3"), None);
    }

    proptest! {
        #[test]
        fn round_trips(days in 0i64..40_000, ms in 0i64..86_400_000) {
            let d = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(days);
            prop_assert_eq!(parse_vn(&format_vn(d)), Some(d));
            prop_assert_eq!(parse_iso(&format_iso(d)), Some(d));
            let t = d.and_hms_opt(0, 0, 0).unwrap().and_utc() + chrono::Duration::milliseconds(ms);
            prop_assert_eq!(parse_instant(&format_instant(t)), Some(t));
            // Same text as chrono's own RFC 3339 writer.
            prop_assert_eq!(format_instant(t), t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        }
    }
}
