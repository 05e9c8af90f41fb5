//! One log line per request: route, status, unit, bytes, milliseconds;
//! never the token.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_is_logged_with_its_unit_and_never_its_token() {
    let lines = Lines::default();
    let sink = lines.clone();
    papi_server::telemetry::init_with(papi_server::telemetry::LogFormat::Text, move || {
        sink.clone()
    });
    let s = start(&temp_dir("log")).await;
    let (_, token) = token(&s.db_path, "02194");
    let b = batch("02194", "dev", 1, 2).to_json();
    let len = b.len();
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{}/api/v1/batches", s.url))
        .bearer_auth(&token)
        .body(b)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = client
        .get(format!("{}/api/v1/batches?after=0", s.url))
        .bearer_auth("papi_not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let posted = text
        .lines()
        .find(|l| l.contains("method=POST"))
        .unwrap_or_else(|| panic!("no POST line in {text}"));
    for part in [
        "route=\"/api/v1/batches\"",
        "status=201",
        "unit=02194",
        &format!("bytes_in={len}"),
        "bytes_out=",
        "ms=",
    ] {
        assert!(posted.contains(part), "{part} in {posted}");
    }
    let refused = text.lines().find(|l| l.contains("status=401")).unwrap();
    assert!(
        refused.contains("unit=-") && refused.contains("method=GET"),
        "{refused}"
    );
    assert!(
        !text.contains(&token) && !text.contains("not-a-token") && !text.contains("after="),
        "{text}"
    );
}
