//! A server for Thái Nguyên since the 2025 reform: two tiers (communes post
//! straight to the province), a plan the province made and published, and
//! the communes fetching it and recording against it.

mod common;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::*;
use papi_core::activity::new_id;
use papi_core::batch::Batch;
use papi_core::{Activity, ActivityFields, Author, Plan, Status};
use reqwest::StatusCode;

const BANG_THANH: &str = "01864"; // Xã Bằng Thành (2025); Xã Bộc Bố in 2020
const PROVINCE: &str = "19";

/// The province's 2026 plan: the 2020 table, for the new province's units.
fn plan_2026(version: &str) -> Plan {
    let mut p = Plan::from_json(papi_core::BAC_KAN_124_2020).unwrap();
    p.id = "thai-nguyen-papi-2026".into();
    p.version = version.into();
    p.units = "thai-nguyen-2025".into();
    p.document.number = "88/KH-UBND".into();
    p.document.date = NaiveDate::from_ymd_opt(2026, 2, 10).unwrap();
    p.role_agencies.remove("district");
    p
}

fn batch_2026(plan: &Plan, unit: &str, device: &str, seq: u64) -> Batch {
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let rec = Activity::create(
        new_id([seq as u8; 16]),
        unit,
        ActivityFields::new(
            "2.3-1",
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            "Niêm yết công khai dự toán ngân sách xã năm 2026",
            Status::Done,
        ),
        &Author {
            name: "Nông Thị Hoa",
            device_id: device,
            now: t0,
        },
    );
    sealed(
        plan,
        unit,
        device,
        seq,
        t0 + Duration::minutes(1),
        vec![rec],
    )
}

/// Post `b` with `token`: stored, and the receipt names the unit by its
/// dataset `units` and its code.
async fn post_accepted(s: &TestServer, token: &str, b: &Batch, units: &str) {
    let path = "/api/v1/batches";
    let (st, body) = send_json(s, token, reqwest::Method::POST, path, b.to_json()).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["units"].as_str(), body["unit_code"].as_str()),
        (Some(units), Some(b.unit_code.as_str())),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_province_publishes_a_plan_and_its_communes_record_against_it() {
    let s = start_units(&temp_dir("two-tier"), "thai-nguyen-2025").await;
    let (_, province) = token(&s.db_path, PROVINCE);
    let (_, commune) = token(&s.db_path, BANG_THANH);
    let plan = plan_2026("2026.1");
    let plans = papi_core::wire::PLANS_PATH;

    // Before the plan is published, a batch against it names the plan.
    let b1 = batch_2026(&plan, BANG_THANH, "dev-bt", 1);
    let (st, body) = send_json(
        &s,
        &commune,
        reqwest::Method::POST,
        "/api/v1/batches",
        b1.to_json(),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("thai-nguyen-papi-2026"),
        "{body}"
    );

    // Only the province publishes.
    let (st, body) = send_json(&s, &commune, reqwest::Method::POST, plans, plan.to_json()).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "not_the_province");
    let (st, body) = send_json(&s, &province, reqwest::Method::POST, plans, plan.to_json()).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["plan"]["number"], "88/KH-UBND");
    let (st, _) = send_json(&s, &province, reqwest::Method::POST, plans, plan.to_json()).await;
    assert_eq!(st, StatusCode::OK, "the same plan again");
    // A published version never changes.
    let mut changed = plan_2026("2026.1");
    changed.closing = "Nội dung khác.".into();
    let (st, body) = send_json(
        &s,
        &province,
        reqwest::Method::POST,
        plans,
        changed.to_json(),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("phiên bản mới"),
        "{body}"
    );
    // Not a plan, or a plan of the old province's units: refused, named.
    let (st, body) = send_json(&s, &province, reqwest::Method::POST, plans, "{}".into()).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_plan"))
    );
    let (st, body) = send_json(
        &s,
        &province,
        reqwest::Method::POST,
        plans,
        papi_core::BAC_KAN_124_2020.into(),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("bac-kan-2020"),
        "{body}"
    );

    // The commune lists the province's plans and fetches the text.
    let (st, body) = get_json(&s, Some(&commune), plans).await;
    assert_eq!(st, StatusCode::OK);
    let listed: Vec<&str> = body["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        ["thai-nguyen-papi-2026"],
        "the 2020 plan is another province's"
    );
    let text = reqwest::Client::new()
        .get(format!("{}{plans}/thai-nguyen-papi-2026/2026.1", s.url))
        .bearer_auth(&commune)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(Plan::from_json(&text).unwrap(), plan);

    // Now the commune's batch passes, and goes to the province directly.
    post_accepted(&s, &commune, &b1, "thai-nguyen-2025").await;
    let (st, page) = get_json(&s, Some(&province), "/api/v1/batches").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(page["batches"].as_array().unwrap().len(), 1);
    assert_eq!(page["batches"][0]["batch"]["units"], "thai-nguyen-2025");
    // A commune is no receiver.
    let (st, _) = get_json(&s, Some(&commune), "/api/v1/batches").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // A batch of the 2020 dataset (Xã Bộc Bố's code) is not this server's.
    let old = batch(BANG_THANH, "dev-old", 1, 1);
    let (st, body) = send_json(
        &s,
        &commune,
        reqwest::Method::POST,
        "/api/v1/batches",
        old.to_json(),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    // Named in words, with the unit that took over.
    assert!(
        body["message"].as_str().unwrap().contains(
            "lô của Xã Bộc Bố (Bắc Kạn, 2020), danh mục bac-kan-2020; đơn vị đang theo dõi dùng danh mục thai-nguyen-2025 (Thái Nguyên, 2025); đơn vị kế thừa: Xã Bằng Thành"
        ),
        "{body}"
    );

    // The published plan survives a restart.
    let again = papi_server::api::Api::new(
        papi_server::db::Db::open_with(
            &s.db_path,
            papi_server::db::DbOptions {
                units: "thai-nguyen-2025".into(),
                ..Default::default()
            },
        )
        .unwrap(),
        "thai-nguyen-2025",
        papi_server::limits::Limits::default(),
    );
    assert!(again
        .catalogue
        .read()
        .unwrap()
        .plan("thai-nguyen-papi-2026", "2026.1")
        .is_some());
}

/// Any of the 34 provinces of 2025 (`--units ho-chi-minh-2025`): a city's
/// Sở Nội vụ publishes its plan, and a đặc khu records against it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_for_any_province_of_2025() {
    const CON_DAO: &str = "26732"; // Đặc khu Côn Đảo
    let s = start_units(&temp_dir("two-tier-hcm"), "ho-chi-minh-2025").await;
    let (_, city) = token(&s.db_path, "79");
    let (_, con_dao) = token(&s.db_path, CON_DAO);
    let mut plan = plan_2026("2026.1");
    plan.id = "ho-chi-minh-papi-2026".into();
    plan.units = "ho-chi-minh-2025".into();
    let plans = papi_core::wire::PLANS_PATH;
    let (st, body) = send_json(&s, &city, reqwest::Method::POST, plans, plan.to_json()).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    // Thái Nguyên's plan is another province's.
    let other = plan_2026("2026.1").to_json();
    let (st, _) = send_json(&s, &city, reqwest::Method::POST, plans, other).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let b = batch_2026(&plan, CON_DAO, "dev-cd", 1);
    post_accepted(&s, &con_dao, &b, "ho-chi-minh-2025").await;
    let (st, page) = get_json(&s, Some(&city), "/api/v1/batches").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(page["batches"][0]["batch"]["unit_code"], CON_DAO);
}
