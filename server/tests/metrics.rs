//! /metrics: batches stored and refused by reason, latencies by route, the
//! database's size and the live tokens, for allowed addresses only; and
//! JSON log lines on request.

mod common;

use common::*;
use papi_server::db::DbOptions;
use papi_server::limits::Limits;

/// The value of one sample line (`name{labels} value`) of the exposition.
fn sample(text: &str, line_start: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_happened_and_logs_can_be_json() {
    let lines = Lines::default();
    let sink = lines.clone();
    papi_server::telemetry::init_with(papi_server::telemetry::LogFormat::Json, move || {
        sink.clone()
    });
    let s = start(&temp_dir("metrics")).await;
    let _ = token(&s.db_path, "066");
    let (_, token) = token(&s.db_path, "02194");
    let client = reqwest::Client::new();
    let post = |body: String| {
        client
            .post(format!("{}/api/v1/batches", s.url))
            .bearer_auth(&token)
            .body(body)
            .send()
    };
    let good = batch("02194", "dev", 1, 2).to_json();
    assert_eq!(post(good.clone()).await.unwrap().status(), 201);
    assert_eq!(post(good).await.unwrap().status(), 200);
    let other = batch("02194", "dev", 1, 3).to_json();
    assert_eq!(post(other).await.unwrap().status(), 409);
    assert_eq!(post("{}".into()).await.unwrap().status(), 400);

    let res = client
        .get(format!("{}/metrics", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = res.text().await.unwrap();
    let stored = |o: &str| {
        sample(
            &text,
            &format!("papi_batches_stored_total{{outcome=\"{o}\"}}"),
        )
    };
    let refused = |r: &str| {
        sample(
            &text,
            &format!("papi_batches_refused_total{{reason=\"{r}\"}}"),
        )
    };
    assert_eq!(stored("accepted"), Some(1.0), "{text}");
    assert_eq!(stored("duplicate"), Some(1.0));
    assert_eq!(refused("conflict"), Some(1.0));
    assert_eq!(refused("bad_batch"), Some(1.0));
    assert_eq!(
        sample(
            &text,
            "papi_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/batches\"}"
        ),
        Some(4.0)
    );
    assert_eq!(sample(&text, "papi_tokens_live"), Some(2.0));
    assert!(sample(&text, "papi_database_bytes").unwrap() > 4096.0);

    // Revoking a token shows at the next scrape.
    // Token 1 is the district's.
    papi_server::db::Admin::open(&s.db_path)
        .unwrap()
        .revoke(1, "now")
        .unwrap();
    let text = client
        .get(format!("{}/metrics", s.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(sample(&text, "papi_tokens_live"), Some(1.0));

    // Every log line is one JSON object with the request's fields.
    let log = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let posted: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|v: &serde_json::Value| v["method"] == "POST")
        .collect();
    assert_eq!(posted.len(), 4, "{log}");
    assert_eq!(posted[0]["status"], 201);
    assert_eq!(posted[0]["unit"], "02194");
    assert!(!log.contains(&token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_hidden_from_addresses_not_allowed() {
    let s = start_allowing(
        &temp_dir("metrics-closed"),
        Limits::default(),
        DbOptions::default(),
        "10.20.0.0/16",
    )
    .await;
    let res = reqwest::get(format!("{}/metrics", s.url)).await.unwrap();
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
}
