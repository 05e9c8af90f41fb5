use super::*;
use crate::activity::new_id;
use crate::fixtures::{at, device_key, signer_of, HA_LONG, QUANG_NINH, VAN_DON};
use crate::review::{Action, Standing, MAX_REMINDER};
use crate::trust::KeySource;
use chrono::NaiveDate;
use proptest::prelude::*;

const PLAN: &str = "quang-ninh-2026";
const PROVINCE: &str = "22";

fn plan_ref() -> PlanRef {
    PlanRef {
        id: PLAN.into(),
        version: "2026.1".into(),
    }
}

fn decision(unit: &str, action: Action, min: i64, reason: &str) -> Decision {
    Decision {
        unit_code: unit.into(),
        plan_id: PLAN.into(),
        period: ReviewPeriod::year(2026),
        action,
        reason: reason.into(),
        submission: 1,
        accepted: Default::default(),
        at: at(min),
        author: "Trần Văn Sở".into(),
    }
}

fn reminder(unit: &str, n: u8, min: i64) -> Reminder {
    Reminder {
        id: new_id([n; 16]),
        unit_code: unit.into(),
        plan_id: PLAN.into(),
        period: ReviewPeriod::year(2026),
        deadline: NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
        text: "Đề nghị gửi báo cáo đúng hạn".into(),
        at: at(min),
        author: "Trần Văn Sở".into(),
    }
}

fn comment(n: u8, revision: u32, min: i64) -> Comment {
    Comment {
        id: new_id([n; 16]),
        record: new_id([7; 16]),
        text: format!("Cần bổ sung minh chứng (lần {revision})"),
        author: "Trần Văn Sở".into(),
        device_id: "dev-p".into(),
        updated_at: at(min),
        revision,
        deleted: false,
    }
}

/// A feedback from the province's "dev-p" to `to`, signed by `key_of`'s key.
fn feedback_signed_by(to: &str, min: i64, says: Says, key_of: &str) -> Feedback {
    let plan = plan_ref();
    let from = Sender {
        plan: &plan,
        units: &QUANG_NINH.id,
        from_unit: PROVINCE,
        device_id: "dev-p",
        signer: signer_of(key_of),
    };
    Feedback::seal(&from, to, at(min), says).sign_with(&device_key(key_of))
}

fn feedback(to: &str, min: i64, says: Says) -> Feedback {
    feedback_signed_by(to, min, says, "dev-p")
}

/// Hạ Long's keyring: the province's "dev-p" introduced by the server.
fn ring() -> Keyring {
    let mut ring = Keyring::new();
    let origin = Origin {
        units: QUANG_NINH.id.clone(),
        unit_code: PROVINCE.into(),
        device_id: "dev-p".into(),
        signer: Some(signer_of("dev-p").into()),
    };
    ring.trust(&origin, at(0), KeySource::Server).unwrap();
    ring
}

fn take(f: &Feedback) -> Result<(), FeedbackError> {
    let read = parse(f.to_json().as_bytes())?;
    accept(&read, &QUANG_NINH, HA_LONG, PLAN, &ring())
}

fn sent_back() -> Says {
    Says {
        decisions: vec![decision(HA_LONG, Action::SendBack, 100, "Thiếu minh chứng")],
        ..Says::default()
    }
}

#[test]
fn a_sealed_feedback_reads_back_as_it_was_and_is_taken() {
    let f = feedback(
        HA_LONG,
        120,
        Says {
            decisions: vec![decision(HA_LONG, Action::SendBack, 100, "Thiếu minh chứng")],
            reminders: vec![reminder(HA_LONG, 1, 110)],
            comments: vec![comment(3, 1, 105)],
        },
    );
    let read = parse(f.to_json().as_bytes()).unwrap();
    assert_eq!(read, f);
    assert_eq!(take(&f), Ok(()));
    let mut heard = Heard::default();
    assert_eq!(heard.absorb(&read), Absorbed::Taken(3));
    assert_eq!(heard.absorb(&read), Absorbed::HeldAlready);
    assert!(f
        .file_name()
        .starts_with(&format!("phan-hoi-{HA_LONG}-2020050")));
}

#[test]
fn a_changed_byte_breaks_the_hash_and_a_new_hash_the_signature() {
    let f = feedback(HA_LONG, 120, sent_back());
    let text = f.to_json().replace("Thiếu minh chứng", "Đã đạt");
    assert_eq!(parse(text.as_bytes()), Err(FeedbackError::HashMismatch));
    let mut forged: Feedback = serde_json::from_str(&text).unwrap();
    forged.sha256 = hex(&forged.digest());
    assert!(matches!(
        parse(forged.to_json().as_bytes()),
        Err(FeedbackError::BadSignature(_))
    ));
}

#[test]
fn another_key_in_the_receivers_name_is_refused() {
    // Signed and named by the forger's own key, as the province's device.
    let forged = feedback_signed_by(HA_LONG, 120, sent_back(), "dev-forger");
    assert!(parse(forged.to_json().as_bytes()).is_ok(), "well formed");
    assert!(matches!(
        take(&forged),
        Err(FeedbackError::Refused(v)) if matches!(*v, Verdict::Impostor { .. })
    ));
    // As a new device of the province: not trusted until compared.
    let mut other = forged.clone();
    other.device_id = "dev-new".into();
    other.sha256 = hex(&other.digest());
    let other = other.sign_with(&device_key("dev-forger"));
    assert!(matches!(
        take(&other),
        Err(FeedbackError::UnknownKey { .. })
    ));
    let msg = FeedbackError::UnknownKey {
        key: signer_of("dev-forger").into(),
    }
    .message_vi(|c| c.into());
    assert!(msg.contains("so mã nhận dạng"), "{msg}");
}

#[test]
fn only_its_unit_from_its_receiver_of_its_plan_takes_it() {
    let to_other = feedback(
        VAN_DON,
        120,
        Says {
            decisions: vec![decision(VAN_DON, Action::SendBack, 100, "Thiếu")],
            ..Says::default()
        },
    );
    assert_eq!(
        take(&to_other),
        Err(FeedbackError::NotForUs {
            to_unit: VAN_DON.into()
        })
    );
    // A commune speaking to another commune, with a key the ring knows
    // for it: not its receiver.
    let plan = plan_ref();
    let from = Sender {
        plan: &plan,
        units: &QUANG_NINH.id,
        from_unit: VAN_DON,
        device_id: "dev-v",
        signer: signer_of("dev-v"),
    };
    let peer = Feedback::seal(&from, HA_LONG, at(120), sent_back()).sign_with(&device_key("dev-v"));
    assert_eq!(
        take(&peer),
        Err(FeedbackError::NotItsReceiver {
            from_unit: VAN_DON.into()
        })
    );
    let read = parse(feedback(HA_LONG, 120, sent_back()).to_json().as_bytes()).unwrap();
    assert_eq!(
        accept(&read, &QUANG_NINH, HA_LONG, "other-plan", &ring()),
        Err(FeedbackError::OtherPlan { plan: PLAN.into() })
    );
}

#[test]
fn an_item_about_another_unit_or_out_of_bounds_is_refused() {
    let inside = feedback(
        HA_LONG,
        120,
        Says {
            decisions: vec![decision(VAN_DON, Action::Accept, 100, "")],
            ..Says::default()
        },
    );
    let e = parse(inside.to_json().as_bytes()).unwrap_err();
    assert!(
        matches!(
            e,
            FeedbackError::Item {
                what: "Quyết định",
                ..
            }
        ),
        "{e:?}"
    );
    let no_reason = feedback(
        HA_LONG,
        120,
        Says {
            decisions: vec![decision(HA_LONG, Action::SendBack, 100, "  ")],
            ..Says::default()
        },
    );
    let msg = parse(no_reason.to_json().as_bytes())
        .unwrap_err()
        .message_vi(|c| c.into());
    assert!(msg.contains("cần ghi lý do"), "{msg}");
    let mut long = reminder(HA_LONG, 1, 110);
    long.text = "x".repeat(MAX_REMINDER + 1);
    let f = feedback(
        HA_LONG,
        120,
        Says {
            reminders: vec![long],
            ..Says::default()
        },
    );
    assert!(matches!(
        parse(f.to_json().as_bytes()),
        Err(FeedbackError::Item {
            what: "Lời nhắc",
            ..
        })
    ));
    let mut empty = comment(3, 1, 100);
    empty.text = String::new();
    let f = feedback(
        HA_LONG,
        120,
        Says {
            comments: vec![empty],
            ..Says::default()
        },
    );
    assert!(matches!(
        parse(f.to_json().as_bytes()),
        Err(FeedbackError::Item {
            what: "Ý kiến", ..
        })
    ));
}

#[test]
fn other_formats_versions_and_sizes_are_refused_with_what_to_do() {
    let f = feedback(HA_LONG, 120, sent_back());
    let newer = f
        .to_json()
        .replace("\"format_version\": 3", "\"format_version\": 4");
    let e = parse(newer.as_bytes()).unwrap_err();
    assert_eq!(e, FeedbackError::Version(4));
    assert!(e.message_vi(|c| c.into()).contains("cập nhật ứng dụng"));
    let batch = f.to_json().replace(FORMAT, "papi-tracker.batch");
    assert!(matches!(
        parse(batch.as_bytes()),
        Err(FeedbackError::NotFeedback(_))
    ));
    let extra = f.to_json().replacen('{', "{\"extra\": 1,", 1);
    assert!(matches!(
        parse(extra.as_bytes()),
        Err(FeedbackError::Malformed(_))
    ));
    let big = vec![b' '; MAX_BYTES + 1];
    assert_eq!(parse(&big), Err(FeedbackError::TooLarge(MAX_BYTES + 1)));
    assert!(matches!(parse(b"[1,2"), Err(FeedbackError::Malformed(_))));
}

#[test]
fn reminders_stay_until_the_period_is_sent() {
    let mut heard = Heard::default();
    heard.absorb(&feedback(
        HA_LONG,
        120,
        Says {
            reminders: vec![reminder(HA_LONG, 1, 110)],
            ..Says::default()
        },
    ));
    let sub = crate::submission::Submission {
        period: ReviewPeriod::year(2026),
        note: String::new(),
        at: at(130),
        revision: 1,
        author: "B".into(),
        device_id: "dev-h".into(),
    };
    assert_eq!(heard.open_reminders(PLAN, |_| Standing::NotSent).len(), 1);
    assert!(heard
        .open_reminders(PLAN, |_| Standing::Sent(sub.clone()))
        .is_empty());
    let back = decision(HA_LONG, Action::SendBack, 140, "Thiếu");
    assert_eq!(
        heard
            .open_reminders(PLAN, |_| Standing::SentBack(back.clone()))
            .len(),
        1
    );
    assert!(heard
        .open_reminders("other", |_| Standing::NotSent)
        .is_empty());
    assert_eq!(
        heard.reminders.values().next().unwrap().label_vi(),
        "Nhắc gửi báo cáo năm 2026 trước ngày 15/12/2026: Đề nghị gửi báo cáo đúng hạn"
    );
}

/// One message of a random exchange: what the province says (a decision, a
/// reminder, a comment's version), or a forgery of it.
#[derive(Debug, Clone)]
struct Msg {
    kind: u8,
    n: u8,
    min: i64,
    forged: bool,
}

fn msg() -> impl Strategy<Value = Msg> {
    (0u8..5, 0u8..4, 100i64..200, prop::bool::weighted(0.25)).prop_map(|(kind, n, min, forged)| {
        Msg {
            kind,
            n,
            min,
            forged,
        }
    })
}

fn says_of(m: &Msg) -> Says {
    let mut s = Says::default();
    match m.kind {
        0 => s.decisions.push(decision(
            HA_LONG,
            Action::SendBack,
            m.min,
            "Thiếu minh chứng",
        )),
        1 => {
            let mut d = decision(HA_LONG, Action::Accept, m.min, "");
            d.accepted.insert(new_id([7; 16]), 1);
            s.decisions.push(d)
        }
        2 => s
            .decisions
            .push(decision(HA_LONG, Action::Reopen, m.min, "Mở lại")),
        3 => s.reminders.push(reminder(HA_LONG, m.n, m.min)),
        _ => s.comments.push(comment(m.n, 1 + (m.min as u32 % 3), m.min)),
    }
    s
}

/// The unit's standing for 2026 after hearing `heard`, having sent once.
fn standing_of(heard: &Heard) -> Standing {
    let sub = crate::submission::Submission {
        period: ReviewPeriod::year(2026),
        note: String::new(),
        at: at(90),
        revision: 1,
        author: "B".into(),
        device_id: "dev-h".into(),
    };
    let rec = crate::fixtures::record(7, HA_LONG, "dev-h", 80);
    crate::review::standing(
        Some(&sub),
        heard.decisions_on(PLAN, ReviewPeriod::year(2026)),
        [&rec],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Forged, replayed or out-of-order feedback changes nothing: any
    /// order, with any repetition and forgeries mixed in, ends where the
    /// genuine messages taken once in order end.
    #[test]
    fn forged_replayed_or_reordered_feedback_changes_nothing(
        msgs in prop::collection::vec(msg(), 1..16),
        order in prop::collection::vec(any::<prop::sample::Index>(), 1..40),
    ) {
        let docs: Vec<Feedback> = msgs
            .iter()
            .map(|m| {
                let key = if m.forged { "dev-forger" } else { "dev-p" };
                feedback_signed_by(HA_LONG, m.min + 1, says_of(m), key)
            })
            .collect();
        let mut expected = Heard::default();
        for (d, m) in docs.iter().zip(&msgs) {
            if !m.forged {
                expected.absorb(d);
            }
        }
        let mut got = Heard::default();
        let ring = ring();
        // Every message at least once, then random replays, in random order.
        let mut arrivals: Vec<usize> = (0..docs.len()).collect();
        arrivals.extend(order.iter().map(|i| i.index(docs.len())));
        let mut shuffled = arrivals.clone();
        for (k, i) in order.iter().enumerate() {
            let a = k % shuffled.len();
            let b = i.index(shuffled.len());
            shuffled.swap(a, b);
        }
        for i in shuffled {
            let read = parse(docs[i].to_json().as_bytes()).unwrap();
            match accept(&read, &QUANG_NINH, HA_LONG, PLAN, &ring) {
                Ok(()) => {
                    prop_assert!(!msgs[i].forged);
                    got.absorb(&read);
                }
                Err(e) => prop_assert!(msgs[i].forged, "{e:?}"),
            }
        }
        prop_assert_eq!(&got, &expected);
        prop_assert_eq!(standing_of(&got), standing_of(&expected));
    }
}

#[test]
fn the_latest_decision_stands_whatever_arrived_last() {
    let back = feedback(
        HA_LONG,
        101,
        Says {
            decisions: vec![decision(HA_LONG, Action::SendBack, 100, "Thiếu")],
            ..Says::default()
        },
    );
    let mut acc = decision(HA_LONG, Action::Accept, 150, "");
    acc.accepted.insert(new_id([7; 16]), 1);
    let accept_doc = feedback(
        HA_LONG,
        151,
        Says {
            decisions: vec![acc],
            ..Says::default()
        },
    );
    let mut heard = Heard::default();
    heard.absorb(&accept_doc);
    heard.absorb(&back); // the older one, replayed late
    assert!(matches!(standing_of(&heard), Standing::Accepted(_)));
}
