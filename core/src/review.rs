//! The review of a unit's period by its receiver (issue 28): the period a
//! review is about, the receiver's decisions on it (`Decision`: accepted,
//! sent back with a reason, reopened with a reason), and where each unit
//! stands (`Standing`), from its submissions, the decisions and its records.
//! The receiver's reminders (`Reminder`: send a period by a deadline), and
//! each (unit, period)'s history (`history`). Decisions, reminders and
//! comments go down to the unit signed (`feedback`).

use std::fmt;
use std::str::FromStr;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::activity::Activity;
use crate::submission::Submission;

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
    /// A report's period as a review period: a year or a half (a quarter
    /// has no review of its own).
    pub fn of_report(p: crate::report::Period) -> Option<ReviewPeriod> {
        use crate::report::Period;
        let year = u16::try_from(p.year()).ok();
        match p {
            Period::Year(_) => year.map(ReviewPeriod::year),
            Period::Half(_, 1) => year.map(|y| ReviewPeriod::half(y, Half::First)),
            Period::Half(..) => year.map(|y| ReviewPeriod::half(y, Half::Second)),
            Period::Quarter(..) => None,
        }
    }

    /// Whether a date falls in the period.
    pub fn contains(&self, d: chrono::NaiveDate) -> bool {
        use chrono::Datelike;
        let first_half = d.month() <= 6;
        d.year() == i32::from(self.year)
            && match self.half {
                None => true,
                Some(Half::First) => first_half,
                Some(Half::Second) => !first_half,
            }
    }

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

/// What a receiver decides on a unit's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// "Tiếp nhận": checked; locks the period (a later change is shown as
    /// one).
    Accept,
    /// "Trả lại": back to the unit for correction, with a reason.
    SendBack,
    /// "Mở lại": an accepted period opened again, with a reason.
    Reopen,
}

/// The longest reason, in characters (one line).
pub const MAX_REASON: usize = 1000;

/// A receiver's decision on one unit's period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub unit_code: String,
    pub plan_id: String,
    pub period: ReviewPeriod,
    pub action: Action,
    /// Required to send back or reopen; may be empty to accept.
    pub reason: String,
    /// The revision of the unit's submission it judged (0: none).
    pub submission: u32,
    /// Accept: the unit's records of the period as accepted (id →
    /// revision), so a later change shows.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accepted: BTreeMap<Uuid, u32>,
    #[serde(with = "crate::dates::serde_canonical_instant")]
    pub at: DateTime<Utc>,
    pub author: String,
}

impl Decision {
    /// What is wrong with it, in Vietnamese: a missing or too long reason.
    pub fn problem(&self) -> Option<String> {
        let reason = self.reason.trim();
        if reason.is_empty() && self.action != Action::Accept {
            return Some("cần ghi lý do trả lại hoặc mở lại để đơn vị biết cần sửa gì".into());
        }
        crate::text::check(reason, MAX_REASON, false)
            .err()
            .map(|p| p.message_vi("Lý do"))
    }
}

/// The longest reminder text, in characters (one line; may be empty).
pub const MAX_REMINDER: usize = 500;

/// A reminder to send a period's report by a deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reminder {
    pub id: Uuid,
    pub unit_code: String,
    pub plan_id: String,
    pub period: ReviewPeriod,
    #[serde(with = "crate::dates::serde_date")]
    pub deadline: NaiveDate,
    /// What the receiver adds ("đề nghị gửi trước hạn"); may be empty.
    pub text: String,
    #[serde(with = "crate::dates::serde_canonical_instant")]
    pub at: DateTime<Utc>,
    pub author: String,
}

impl Reminder {
    /// What is wrong with it, in Vietnamese.
    pub fn problem(&self) -> Option<String> {
        crate::text::check(&self.text, MAX_REMINDER, false)
            .err()
            .map(|p| p.message_vi("Nội dung nhắc"))
            .or_else(|| {
                crate::text::check(&self.author, crate::text::MAX_AUTHOR, false)
                    .err()
                    .map(|p| p.message_vi("Người nhắc"))
            })
    }

    /// "Nhắc gửi báo cáo năm 2026 trước ngày 15/12/2026: …".
    pub fn label_vi(&self) -> String {
        let mut s = format!(
            "Nhắc gửi báo cáo {} trước ngày {}",
            self.period.label_vi(),
            crate::dates::format_vn(self.deadline)
        );
        if !self.text.is_empty() {
            s.push_str(": ");
            s.push_str(&self.text);
        }
        s
    }
}

/// Where a unit's period stands with its receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// "Chưa gửi": the unit has not said the period is ready.
    NotSent,
    /// "Đã gửi": the unit's latest submission, not yet decided on.
    Sent(Submission),
    /// "Trả lại": sent back (or reopened), not sent again since.
    SentBack(Decision),
    /// "Đã tiếp nhận", nothing changed since.
    Accepted(Decision),
    /// "Có thay đổi sau khi tiếp nhận": the records (ids) changed or added
    /// since the acceptance.
    ChangedAfter(Decision, Vec<Uuid>),
}

impl Standing {
    /// "Chưa gửi", "Đã gửi lần 2 ngày 12/01/2021", "Đã tiếp nhận ngày …",
    /// "Trả lại ngày …: lý do", "Có thay đổi sau khi tiếp nhận (1)".
    pub fn label_vi(&self) -> String {
        let day = |at: DateTime<Utc>| crate::dates::format_vn(crate::dates::vn_date(at));
        match self {
            Standing::NotSent => "Chưa gửi".into(),
            Standing::Sent(s) => format!("Đã gửi lần {} ngày {}", s.revision, day(s.at)),
            Standing::SentBack(d) => {
                let what = match d.action {
                    Action::Reopen => "Mở lại",
                    _ => "Trả lại",
                };
                format!("{what} ngày {}: {}", day(d.at), d.reason)
            }
            Standing::Accepted(d) => format!("Đã tiếp nhận ngày {}", day(d.at)),
            Standing::ChangedAfter(_, ids) => {
                format!("Có thay đổi sau khi tiếp nhận ({})", ids.len())
            }
        }
    }
}

/// The records of a unit's period as a receiver accepts them.
pub fn snapshot<'a>(records: impl IntoIterator<Item = &'a Activity>) -> BTreeMap<Uuid, u32> {
    records.into_iter().map(|r| (r.id, r.revision)).collect()
}

/// Where one unit's period stands: its latest submission, the receiver's
/// decisions on that period (any order: the latest by time, then reason,
/// wins), and the unit's records of the period (tombstones included).
pub fn standing<'a>(
    submission: Option<&Submission>,
    decisions: impl IntoIterator<Item = &'a Decision>,
    records: impl IntoIterator<Item = &'a Activity>,
) -> Standing {
    let latest = decisions
        .into_iter()
        .max_by(|a, b| a.at.cmp(&b.at).then_with(|| a.reason.cmp(&b.reason)));
    let sent_again = |d: &Decision| submission.is_some_and(|s| s.revision > d.submission);
    match latest {
        None => submission.map_or(Standing::NotSent, |s| Standing::Sent(s.clone())),
        Some(d) if d.action == Action::Accept => {
            let changed: Vec<Uuid> = records
                .into_iter()
                .filter(|r| d.accepted.get(&r.id) != Some(&r.revision))
                .map(|r| r.id)
                .collect();
            match (changed.is_empty(), submission) {
                (false, _) => Standing::ChangedAfter(d.clone(), changed),
                (true, Some(s)) if sent_again(d) => Standing::Sent(s.clone()),
                _ => Standing::Accepted(d.clone()),
            }
        }
        Some(d) => match submission {
            Some(s) if sent_again(d) => Standing::Sent(s.clone()),
            _ => Standing::SentBack(d.clone()),
        },
    }
}

/// Each unit's standing for `period` of `plan_id`, from what a receiver
/// holds (the submissions received, its decisions, the records), in the
/// order of `units`.
pub fn standings<'a>(
    held: &crate::merge::Entries,
    decisions: &[Decision],
    records: &[&Activity],
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
            let own = decisions
                .iter()
                .filter(|d| d.unit_code == unit && d.plan_id == plan_id && d.period == period);
            let recs = records
                .iter()
                .copied()
                .filter(|r| r.unit_code == unit && period.contains(r.fields.date));
            (unit, standing(held.submissions.get(&key), own, recs))
        })
        .collect()
}

/// One step of a (unit, period)'s history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `None`: now (a change after acceptance, seen in the records).
    pub at: Option<DateTime<Utc>>,
    /// "Đơn vị gửi báo cáo (lần 2): …", "Trả lại (Trần Văn Sở): lý do".
    pub text_vi: String,
}

/// Who did what when on one unit's period, oldest first: its latest
/// submission (a revision counts the sends before it), the receiver's
/// decisions and reminders, and a change after acceptance.
pub fn history<'a>(
    submission: Option<&Submission>,
    decisions: impl IntoIterator<Item = &'a Decision>,
    reminders: impl IntoIterator<Item = &'a Reminder>,
    standing: &Standing,
) -> Vec<Event> {
    let mut out = Vec::new();
    if let Some(s) = submission {
        let mut text = format!("Đơn vị gửi báo cáo (lần {}, {})", s.revision, s.author);
        if !s.note.is_empty() {
            text.push_str(": ");
            text.push_str(&s.note);
        }
        out.push(Event {
            at: Some(s.at),
            text_vi: text,
        });
    }
    for d in decisions {
        let what = match d.action {
            Action::Accept => "Tiếp nhận",
            Action::SendBack => "Trả lại",
            Action::Reopen => "Mở lại",
        };
        let mut text = format!("{what} ({})", d.author);
        if !d.reason.is_empty() {
            text.push_str(": ");
            text.push_str(&d.reason);
        }
        out.push(Event {
            at: Some(d.at),
            text_vi: text,
        });
    }
    for r in reminders {
        out.push(Event {
            at: Some(r.at),
            text_vi: format!("{} ({})", r.label_vi(), r.author),
        });
    }
    out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.text_vi.cmp(&b.text_vi)));
    if let Standing::ChangedAfter(_, ids) = standing {
        out.push(Event {
            at: None,
            text_vi: format!("Có thay đổi sau khi tiếp nhận: {} hoạt động", ids.len()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_period_is_reviewed_by_its_year_or_half_never_a_quarter() {
        use crate::report::Period;
        let of = |p| ReviewPeriod::of_report(p).map(|r| r.to_string());
        assert_eq!(of(Period::Year(2026)).as_deref(), Some("2026"));
        assert_eq!(of(Period::Half(2026, 1)).as_deref(), Some("2026-H1"));
        assert_eq!(of(Period::Half(2026, 2)).as_deref(), Some("2026-H2"));
        assert_eq!(of(Period::Quarter(2026, 3)), None);
    }

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
        let got = standings(&held, &[], &[], &PLAN.id, s.period, [DONG_XA, VAN_VU]);
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
        let other = standings(
            &held,
            &[],
            &[],
            &PLAN.id,
            ReviewPeriod::year(2021),
            [DONG_XA],
        );
        assert_eq!(other[0].1, Standing::NotSent);
        let plan = standings(&held, &[], &[], "another", s.period, [DONG_XA]);
        assert_eq!(plan[0].1, Standing::NotSent);
    }

    fn decision(action: Action, reason: &str, submission: u32, min: i64) -> Decision {
        Decision {
            unit_code: crate::fixtures::DONG_XA.into(),
            plan_id: crate::fixtures::PLAN.id.clone(),
            period: ReviewPeriod::year(2020),
            action,
            reason: reason.into(),
            submission,
            accepted: BTreeMap::new(),
            at: crate::fixtures::at(min),
            author: "Sở Nội vụ".into(),
        }
    }

    #[test]
    fn a_period_goes_sent_back_sent_again_accepted_changed_and_reopened() {
        use crate::fixtures::*;
        let sub = |revision| Submission {
            period: ReviewPeriod::year(2020),
            revision,
            ..filled_submission()
        };
        let r1 = record(1, DONG_XA, "dev-a", 10);
        let mut recs = vec![r1.clone()];
        assert_eq!(standing(None, [], &recs), Standing::NotSent);
        assert!(matches!(
            standing(Some(&sub(1)), [], &recs),
            Standing::Sent(_)
        ));
        // Sent back: the reason stands until the unit sends again.
        let back = decision(Action::SendBack, "Thiếu biên bản", 1, 20);
        let st = standing(Some(&sub(1)), [&back], &recs);
        assert_eq!(st, Standing::SentBack(back.clone()));
        assert!(
            st.label_vi().ends_with(": Thiếu biên bản"),
            "{}",
            st.label_vi()
        );
        assert!(
            matches!(standing(Some(&sub(2)), [&back], &recs), Standing::Sent(s) if s.revision == 2)
        );
        // Accepted with the records as they are: a change after shows.
        let accept = Decision {
            accepted: snapshot(&recs),
            ..decision(Action::Accept, "", 2, 30)
        };
        assert_eq!(
            standing(Some(&sub(2)), [&back, &accept], &recs),
            Standing::Accepted(accept.clone())
        );
        recs[0] = r1.edit(fields("Sửa sau khi tiếp nhận"), &by("dev-a", 40));
        recs.push(record(2, DONG_XA, "dev-a", 41));
        let st = standing(Some(&sub(2)), [&accept, &back], &recs);
        assert_eq!(
            st,
            Standing::ChangedAfter(accept.clone(), vec![recs[0].id, recs[1].id])
        );
        assert_eq!(st.label_vi(), "Có thay đổi sau khi tiếp nhận (2)");
        // Accepted again: nothing changed since.
        let again = Decision {
            accepted: snapshot(&recs),
            ..decision(Action::Accept, "", 2, 50)
        };
        assert_eq!(
            standing(Some(&sub(2)), [&accept, &again], &recs),
            Standing::Accepted(again.clone())
        );
        // Reopened, with a reason.
        let reopen = decision(Action::Reopen, "Cần bổ sung ảnh", 2, 60);
        let st = standing(Some(&sub(2)), [&reopen, &again, &accept], &recs);
        assert!(
            st.label_vi().starts_with("Mở lại ngày "),
            "{}",
            st.label_vi()
        );
        // Any order of the decisions: the same standing.
        let all = [&back, &accept, &again, &reopen];
        for k in 0..all.len() {
            let mut order = all.to_vec();
            order.rotate_left(k);
            order.reverse();
            assert_eq!(standing(Some(&sub(2)), order.iter().copied(), &recs), st);
        }
    }

    #[test]
    fn sending_back_or_reopening_needs_a_reason() {
        let d = decision(Action::SendBack, "  ", 1, 1);
        assert!(d.problem().unwrap().contains("cần ghi lý do"));
        assert!(decision(Action::Reopen, "", 1, 1).problem().is_some());
        assert_eq!(decision(Action::Accept, "", 1, 1).problem(), None);
        let long = decision(Action::SendBack, &"ạ".repeat(MAX_REASON + 1), 1, 1);
        assert!(
            long.problem().unwrap().starts_with("Lý do dài"),
            "{:?}",
            long.problem()
        );
        let line = decision(Action::SendBack, "a\nb", 1, 1);
        assert!(line.problem().is_some());
        // Stored as it was written.
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<Decision>(&json).unwrap(), d);
        assert!(json.contains(r#""action":"send_back""#), "{json}");
    }

    #[test]
    fn a_period_holds_its_dates() {
        let d = |y, m| chrono::NaiveDate::from_ymd_opt(y, m, 15).unwrap();
        let h1: ReviewPeriod = "2020-H1".parse().unwrap();
        assert!(h1.contains(d(2020, 6)) && !h1.contains(d(2020, 7)) && !h1.contains(d(2021, 1)));
        assert!(ReviewPeriod::year(2020).contains(d(2020, 12)));
        assert!(!"2020-H2"
            .parse::<ReviewPeriod>()
            .unwrap()
            .contains(d(2020, 1)));
    }
    #[test]
    fn a_periods_history_says_who_did_what_when_in_order() {
        use crate::fixtures::{at, record, DONG_XA};
        let sub = Submission {
            period: ReviewPeriod::year(2020),
            note: "Bổ sung biên bản".into(),
            at: at(30),
            revision: 2,
            author: "Hà Thị B".into(),
            device_id: "dev-a".into(),
        };
        let back = decision(Action::SendBack, "Thiếu minh chứng", 1, 20);
        let mut ok = decision(Action::Accept, "", 2, 40);
        let rec = record(1, DONG_XA, "dev-a", 10);
        ok.accepted.insert(rec.id, rec.revision + 1);
        let remind = Reminder {
            id: crate::activity::new_id([3; 16]),
            unit_code: DONG_XA.into(),
            plan_id: crate::fixtures::PLAN.id.clone(),
            period: ReviewPeriod::year(2020),
            deadline: NaiveDate::from_ymd_opt(2020, 12, 15).unwrap(),
            text: String::new(),
            at: at(5),
            author: "Sở Nội vụ".into(),
        };
        let st = standing(Some(&sub), [&back, &ok], [&rec]);
        assert!(matches!(st, Standing::ChangedAfter(_, ref ids) if ids.len() == 1));
        let h = history(Some(&sub), [&ok, &back], [&remind], &st);
        let texts: Vec<&str> = h.iter().map(|e| e.text_vi.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Nhắc gửi báo cáo năm 2020 trước ngày 15/12/2020 (Sở Nội vụ)",
                "Trả lại (Sở Nội vụ): Thiếu minh chứng",
                "Đơn vị gửi báo cáo (lần 2, Hà Thị B): Bổ sung biên bản",
                "Tiếp nhận (Sở Nội vụ)",
                "Có thay đổi sau khi tiếp nhận: 1 hoạt động",
            ]
        );
        assert_eq!(h[4].at, None);
    }
}
