//! Feedback through the server (issue 28): the province posts what it says
//! to one commune (a decision, a reminder); that commune, and no other,
//! reads it with the province's device keys and verifies it; a commune
//! cannot speak as a receiver, a forged or tampered feedback is refused.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use common::*;
use papi_core::batch::PlanRef;
use papi_core::feedback::{self, Feedback, Heard, Reminder, Says, Sender};
use papi_core::review::{Action, Decision, ReviewPeriod};
use papi_core::trust::Keyring;
use papi_core::wire::{FeedbackPage, FEEDBACK_PATH};
use papi_core::Plan;
use reqwest::{Method, StatusCode};

const PROVINCE: &str = "19";
const BANG_THANH: &str = "01864";
const DUC_XUAN: &str = "01840";

fn plan() -> Plan {
    let mut p = Plan::from_json(papi_core::BAC_KAN_124_2020).unwrap();
    p.id = "thai-nguyen-papi-2026".into();
    p.version = "2026.1".into();
    p.units = "thai-nguyen-2025".into();
    p.document.date = NaiveDate::from_ymd_opt(2026, 2, 10).unwrap();
    p.role_agencies.remove("district");
    p
}

fn says(to: &str) -> Says {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
    Says {
        decisions: vec![Decision {
            unit_code: to.into(),
            plan_id: "thai-nguyen-papi-2026".into(),
            period: ReviewPeriod::year(2026),
            action: Action::SendBack,
            reason: "Thiếu biên bản đối thoại".into(),
            submission: 1,
            accepted: Default::default(),
            at,
            author: "Sở Nội vụ".into(),
        }],
        reminders: vec![Reminder {
            id: papi_core::activity::new_id([5; 16]),
            unit_code: to.into(),
            plan_id: "thai-nguyen-papi-2026".into(),
            period: ReviewPeriod::year(2026),
            deadline: NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
            text: String::new(),
            at,
            author: "Sở Nội vụ".into(),
        }],
        comments: vec![],
    }
}

/// A feedback from `from` on `device`, signed by `key_of`'s key.
fn feedback(from: &str, device: &str, key_of: &str, to: &str) -> Feedback {
    let plan = PlanRef {
        id: "thai-nguyen-papi-2026".into(),
        version: "2026.1".into(),
    };
    let signer = device_key(key_of).public_hex();
    let sender = Sender {
        plan: &plan,
        units: "thai-nguyen-2025",
        from_unit: from,
        device_id: device,
        signer: &signer,
    };
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 8, 1, 0).unwrap();
    Feedback::seal(&sender, to, at, says(to)).sign_with(&device_key(key_of))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_province_speaks_to_one_commune_and_only_it_hears() {
    let s = start_units(&temp_dir("feedback"), "thai-nguyen-2025").await;
    let (_, province) = token(&s.db_path, PROVINCE);
    let (_, bang_thanh) = token(&s.db_path, BANG_THANH);
    let (_, duc_xuan) = token(&s.db_path, DUC_XUAN);
    let f = feedback(PROVINCE, "dev-so", "dev-so", BANG_THANH);

    // The plan must be the server's first.
    let (st, body) = send_json(&s, &province, Method::POST, FEEDBACK_PATH, f.to_json()).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_feedback"))
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("công bố kế hoạch"),
        "{body}"
    );
    let plans = papi_core::wire::PLANS_PATH;
    let (st, _) = send_json(&s, &province, Method::POST, plans, plan().to_json()).await;
    assert_eq!(st, StatusCode::CREATED);

    let (st, body) = send_json(&s, &province, Method::POST, FEEDBACK_PATH, f.to_json()).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["sha256"], f.sha256.as_str());
    let (st, body) = send_json(&s, &province, Method::POST, FEEDBACK_PATH, f.to_json()).await;
    assert_eq!(
        (st, body["status"].as_str()),
        (StatusCode::OK, Some("duplicate"))
    );

    // Bằng Thành reads it, with the province's key, and takes it.
    let (st, page) = get_json(&s, Some(&bang_thanh), FEEDBACK_PATH).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    let page: FeedbackPage = serde_json::from_value(page).unwrap();
    assert_eq!(page.feedback.len(), 1);
    assert!(!page.more);
    let mut ring = Keyring::new();
    ring.absorb(page.keys);
    let read = feedback::parse(page.feedback[0].feedback.get().as_bytes()).unwrap();
    let units = papi_core::Units::from_json(
        papi_core::provinces::dataset_2025_text("thai-nguyen-2025").unwrap(),
    )
    .unwrap();
    feedback::accept(&read, &units, BANG_THANH, "thai-nguyen-papi-2026", &ring).unwrap();
    let mut heard = Heard::default();
    heard.absorb(&read);
    assert_eq!(heard.decisions[0].reason, "Thiếu biên bản đối thoại");
    // Past its cursor: nothing new.
    let (_, again) = get_json(
        &s,
        Some(&bang_thanh),
        &format!("{FEEDBACK_PATH}?after={}", page.next),
    )
    .await;
    assert_eq!(again["feedback"].as_array().unwrap().len(), 0);
    // Another commune hears nothing of it.
    let (st, other) = get_json(&s, Some(&duc_xuan), FEEDBACK_PATH).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(other["feedback"].as_array().unwrap().len(), 0);

    // A commune is no receiver, and speaks for nobody else.
    let peer = feedback(DUC_XUAN, "dev-dx", "dev-dx", BANG_THANH);
    let (st, body) = send_json(&s, &duc_xuan, Method::POST, FEEDBACK_PATH, peer.to_json()).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_a_receiver"))
    );
    // The province's token cannot speak in another unit's name, nor to
    // itself (no unit it receives from).
    let (st, body) = send_json(&s, &province, Method::POST, FEEDBACK_PATH, peer.to_json()).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_unit"))
    );
    let to_self = feedback(PROVINCE, "dev-so", "dev-so", PROVINCE);
    let (st, body) = send_json(
        &s,
        &province,
        Method::POST,
        FEEDBACK_PATH,
        to_self.to_json(),
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_its_receiver")),
        "{body}"
    );

    // A provincial body of the plan (published after the server started)
    // is one of the province's units too.
    let body = feedback(PROVINCE, "dev-so", "dev-so", "19.so-y-te");
    let (st, reply) = send_json(&s, &province, Method::POST, FEEDBACK_PATH, body.to_json()).await;
    assert_eq!(st, StatusCode::CREATED, "{reply}");
    let (_, body_token) = token(&s.db_path, "19.so-y-te");
    let (st, page) = get_json(&s, Some(&body_token), FEEDBACK_PATH).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(page["feedback"].as_array().unwrap().len(), 1);
    assert_eq!(page["keys"][0]["unit_code"], PROVINCE, "its receiver's key");

    // The province's other devices read what it sent; a commune cannot.
    let (st, sent) = get_json(&s, Some(&province), &format!("{FEEDBACK_PATH}?sent=true")).await;
    assert_eq!(st, StatusCode::OK, "{sent}");
    let to: Vec<&str> = sent["feedback"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["feedback"]["to_unit"].as_str().unwrap())
        .collect();
    assert_eq!(to, [BANG_THANH, "19.so-y-te"]);
    let (st, body) = get_json(&s, Some(&bang_thanh), &format!("{FEEDBACK_PATH}?sent=true")).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_a_receiver"))
    );

    // Another key in the name of the province's known device: refused.
    let forged = feedback(PROVINCE, "dev-so", "dev-forger", DUC_XUAN);
    let (st, body) = send_json(&s, &province, Method::POST, FEEDBACK_PATH, forged.to_json()).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("key_refused")),
        "{body}"
    );
    // A changed byte: refused, named.
    let tampered = f.to_json().replace("Thiếu biên bản", "Thiếu báo cáo");
    let (st, body) = send_json(&s, &province, Method::POST, FEEDBACK_PATH, tampered).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("sha256"),
        "{body}"
    );
    // Too large: refused before it is read whole.
    let big = " ".repeat(feedback::MAX_BYTES + 10);
    let (st, body) = send_json(&s, &province, Method::POST, FEEDBACK_PATH, big).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_feedback"))
    );
    // Nothing refused was kept: Đức Xuân still hears nothing.
    let (_, other) = get_json(&s, Some(&duc_xuan), FEEDBACK_PATH).await;
    assert_eq!(other["feedback"].as_array().unwrap().len(), 0);
    // No token: 401.
    let (st, _) = get_json(&s, None, FEEDBACK_PATH).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}
