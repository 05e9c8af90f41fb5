//! When a client tries the sync server again after a failure: exponential
//! backoff, unless the server said how long to wait (`Retry-After` on a 429
//! or a 503), which then sets the floor. Pure: the caller passes the header
//! and the time.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// The first wait after a failure, in seconds.
pub const BACKOFF_START: u32 = 2;
/// The longest wait the backoff grows to, in seconds.
pub const BACKOFF_MAX: u32 = 300;
/// The longest wait a server's `Retry-After` can impose, in seconds.
pub const RETRY_AFTER_MAX: u32 = 3600;

/// The seconds a `Retry-After` value asks for, from `now`: delta-seconds
/// (`120`) or an HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`), capped at
/// `RETRY_AFTER_MAX`; a date in the past is 0. `None` when unreadable.
pub fn retry_after_secs(value: &str, now: DateTime<Utc>) -> Option<u32> {
    let value = value.trim();
    let secs = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Any number of digits: a huge one is just "the cap".
        value.parse::<u64>().unwrap_or(u64::MAX)
    } else {
        let at = http_date(value)?;
        // Round up: waiting a fraction of a second too long is harmless.
        let ms = (at - now).num_milliseconds().max(0) as u64;
        ms.div_ceil(1000)
    };
    Some(secs.min(RETRY_AFTER_MAX as u64) as u32)
}

/// An HTTP-date in its one current form, IMF-fixdate (RFC 9110, 5.6.7):
/// `Sun, 06 Nov 1994 08:49:37 GMT`. Read by hand: chrono's general parser
/// would add its whole machinery to the app's wasm for this one header.
fn http_date(s: &str) -> Option<DateTime<Utc>> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (_weekday, rest) = s.split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts[..] else {
        return None;
    };
    let number = |t: &str, len: usize| {
        (t.len() == len && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse::<u32>().ok())
            .flatten()
    };
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    let hms: Vec<&str> = time.split(':').collect();
    let [h, m, sec] = hms[..] else { return None };
    let date = NaiveDate::from_ymd_opt(number(year, 4)? as i32, month, number(day, 2)?)?;
    let at = date.and_hms_opt(number(h, 2)?, number(m, 2)?, number(sec, 2)?)?;
    Some(Utc.from_utc_datetime(&at))
}

/// What a server's reply asks of the client's timing: the statuses that
/// mean "busy, come back later" (429 Too Many Requests, 503 Service
/// Unavailable) with a readable `Retry-After`. Other statuses' headers are
/// not a promise about load and are ignored.
pub fn server_wait(status: u16, retry_after: Option<&str>, now: DateTime<Utc>) -> Option<u32> {
    if matches!(status, 429 | 503) {
        retry_after.and_then(|v| retry_after_secs(v, now))
    } else {
        None
    }
}

/// Whether a status says the server is up but busy (so the network is not
/// to blame).
pub fn is_busy(status: u16) -> bool {
    matches!(status, 429 | 503)
}

/// The next wait after a failure. `previous` is the backoff of the last
/// failure (0 after a success); `server` is `server_wait` of the reply. The
/// backoff keeps growing from `previous` (a busy server is not a reason to
/// hammer it sooner next time), and the wait is at least what the server
/// asked. Returns (the new backoff, the wait), both in seconds.
pub fn next_wait(previous: u32, server: Option<u32>) -> (u32, u32) {
    let backoff = if previous == 0 {
        BACKOFF_START
    } else {
        previous.saturating_mul(2).min(BACKOFF_MAX)
    };
    let wait = server.map_or(backoff, |s| s.min(RETRY_AFTER_MAX).max(backoff));
    (backoff, wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 5, 0, 0).unwrap()
    }

    #[test]
    fn delta_seconds_and_http_dates_are_read() {
        assert_eq!(retry_after_secs("120", now()), Some(120));
        assert_eq!(retry_after_secs(" 0 ", now()), Some(0));
        assert_eq!(
            retry_after_secs("Mon, 30 Nov 2026 05:02:30 GMT", now()),
            Some(150)
        );
        // In the past: no wait from the server.
        assert_eq!(
            retry_after_secs("Mon, 30 Nov 2026 04:00:00 GMT", now()),
            Some(0)
        );
    }

    #[test]
    fn huge_or_unreadable_values_are_capped_or_ignored() {
        assert_eq!(retry_after_secs("86400", now()), Some(RETRY_AFTER_MAX));
        assert_eq!(
            retry_after_secs("99999999999999999999999999", now()),
            Some(RETRY_AFTER_MAX)
        );
        assert_eq!(
            retry_after_secs("Fri, 01 Jan 2100 00:00:00 GMT", now()),
            Some(RETRY_AFTER_MAX)
        );
        for bad in [
            "",
            "-5",
            "1.5",
            "soon",
            "120s",
            "Mon, 30 Nov 2026 05:02:30 +0700",
            "Mon, 31 Nov 2026 05:02:30 GMT",
            "Mon, 30 Nov 2026 25:02:30 GMT",
            "30 Nov 2026 05:02:30 GMT",
        ] {
            assert_eq!(retry_after_secs(bad, now()), None, "{bad:?}");
        }
    }

    #[test]
    fn only_busy_statuses_set_a_wait() {
        assert_eq!(server_wait(429, Some("30"), now()), Some(30));
        assert_eq!(server_wait(503, Some("30"), now()), Some(30));
        assert_eq!(server_wait(500, Some("30"), now()), None);
        assert_eq!(server_wait(429, None, now()), None);
        assert!(is_busy(429) && is_busy(503) && !is_busy(500) && !is_busy(409));
    }

    #[test]
    fn the_wait_is_the_backoff_or_the_servers_if_longer() {
        assert_eq!(next_wait(0, None), (2, 2));
        assert_eq!(next_wait(2, None), (4, 4));
        assert_eq!(next_wait(256, None), (300, 300));
        assert_eq!(next_wait(300, None), (300, 300));
        assert_eq!(next_wait(u32::MAX, None), (300, 300));
        // Retry-After: at least that long, never shorter than the backoff.
        assert_eq!(next_wait(0, Some(120)), (2, 120));
        assert_eq!(next_wait(64, Some(5)), (128, 128));
        assert_eq!(next_wait(0, Some(u32::MAX)), (2, RETRY_AFTER_MAX));
    }
}
