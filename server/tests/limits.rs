//! The server under misuse: the token before the body, JSON for every
//! refusal, slow and too many clients, uploads beyond the budget, the rate
//! limit, byte-bounded pages, a full disk, and every accepted batch served.

mod common;

use std::time::{Duration, Instant};

use common::*;
use papi_server::db::DbOptions;
use papi_server::limits::Limits;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const DONG_XA: &str = "02194"; // Huyện Na Rì (066)

/// Send `head` (and `body`) on a fresh connection, leaving it open.
async fn raw(s: &TestServer, head: &str, body: &[u8]) -> TcpStream {
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(head.as_bytes()).await.unwrap();
    c.write_all(body).await.unwrap();
    c
}

/// The reply read from `c` within `within`: status line and JSON body, or
/// `None` when the server closed the connection without one, or nothing
/// came in time.
async fn reply(
    c: &mut (impl AsyncReadExt + Unpin),
    within: Duration,
) -> Option<(u16, Value, String)> {
    let mut buf = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let mut chunk = [0u8; 4096];
        let n = match tokio::time::timeout_at(deadline, c.read(&mut chunk)).await {
            Ok(Ok(n)) => n,
            Ok(Err(_)) | Err(_) => 0,
        };
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            });
            if len.is_some_and(|len| body.len() >= len) {
                let status = head[9..12].parse().unwrap();
                return Some((
                    status,
                    serde_json::from_str(body).unwrap_or(Value::Null),
                    head.to_string(),
                ));
            }
        }
        if n == 0 {
            return None;
        }
    }
}

fn post_head(token: Option<&str>, len: usize) -> String {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!("POST /api/v1/batches HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: {len}\r\n\r\n")
}

async fn post(s: &TestServer, token: &str, body: String) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/v1/batches", s.url))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_checked_before_the_body_is_read() {
    let s = start(&temp_dir("token-first")).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    for t in [None, Some("papi_wrong")] {
        let t0 = Instant::now();
        let mut c = raw(&s, &post_head(t, 19_000_000), &[b'x'; 1024]).await;
        let (status, body, _) = reply(&mut c, Duration::from_secs(1))
            .await
            .expect("an answer before the body is sent");
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("unauthorized"))
        );
        assert!(t0.elapsed() < Duration::from_secs(1));
    }
    // With a good token, a body announced over the limit is 413 at once.
    let mut c = raw(&s, &post_head(Some(&dong_xa), 25_000_000), b"{").await;
    let (status, body, _) = reply(&mut c, Duration::from_secs(1)).await.unwrap();
    assert_eq!((status, body["error"].as_str()), (413, Some("too_large")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_is_json_and_401_comes_before_400() {
    let s = start(&temp_dir("json-errors")).await;
    let (_, na_ri) = token(&s.db_path, "066");
    let (st, body) = get_json(&s, None, "/api/v1/batches?limit=abc").await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (st, body) = get_json(&s, Some(&na_ri), "/api/v1/batches?limit=abc").await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_query"))
    );
    assert!(
        body["message"].as_str().unwrap().contains("số nguyên"),
        "{body}"
    );
    let (st, body) = get_json(&s, Some(&na_ri), "/api/v2/nothing").await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let res = reqwest::Client::new()
        .delete(format!("{}/api/v1/batches", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(res.headers().contains_key("allow"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "method_not_allowed");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    // A bad body without a token: 401, not 400.
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/batches", s.url))
        .body("không phải JSON")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off() {
    let limits = Limits {
        header_timeout: Duration::from_millis(300),
        body_timeout: Duration::from_millis(600),
        ..Limits::default()
    };
    let s = start_with(&temp_dir("slow"), limits, DbOptions::default()).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    // Headers that never end, and a connection that never says anything.
    for head in ["POST /api/v1/batches HTTP/1.1\r\nHo", ""] {
        let t0 = Instant::now();
        let mut c = raw(&s, head, b"").await;
        let r = reply(&mut c, Duration::from_secs(3)).await;
        assert!(r.as_ref().is_none_or(|(st, _, _)| *st == 408), "{r:?}");
        assert!(
            t0.elapsed() < Duration::from_secs(2),
            "closed after {:?}",
            t0.elapsed()
        );
    }
    // A kept-alive connection left idle after its request is closed too.
    let mut c = raw(&s, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n", b"").await;
    assert_eq!(reply(&mut c, Duration::from_secs(1)).await.unwrap().0, 200);
    let t0 = Instant::now();
    assert!(reply(&mut c, Duration::from_secs(3)).await.is_none());
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "idle for {:?}",
        t0.elapsed()
    );
    // A body trickled a byte at a time: 408 at the body deadline.
    let t0 = Instant::now();
    let c = raw(&s, &post_head(Some(&dong_xa), 1000), b"{\"format\"").await;
    let (mut rd, mut wr) = c.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if wr.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let (status, body, _) = reply(&mut rd, Duration::from_secs(2))
        .await
        .expect("a reply");
    assert_eq!((status, body["error"].as_str()), (408, Some("timeout")));
    assert!(
        t0.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t0.elapsed()
    );
    trickle.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_are_refused_at_once() {
    let limits = Limits {
        max_connections: 2,
        ..Limits::default()
    };
    let s = start_with(&temp_dir("conns"), limits, DbOptions::default()).await;
    let idle: Vec<TcpStream> = vec![raw(&s, "", b"").await, raw(&s, "", b"").await];
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = raw(&s, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n", b"").await;
    let (status, body, head) = reply(&mut third, Duration::from_secs(1)).await.unwrap();
    assert_eq!((status, body["error"].as_str()), (503, Some("busy")));
    assert!(
        head.to_ascii_lowercase().contains("retry-after: 5"),
        "{head}"
    );
    drop(idle);
    // A closed connection frees its slot.
    let mut ok = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let mut c = raw(&s, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n", b"").await;
        if reply(&mut c, Duration::from_secs(1))
            .await
            .is_some_and(|r| r.0 == 200)
        {
            ok = true;
            break;
        }
    }
    assert!(ok, "the slots came back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_beyond_the_slots_or_the_budget_get_503_with_retry_after() {
    use papi_server::limits::CHECK_FACTOR;
    let limits = Limits {
        max_uploads: 2,
        upload_bytes: (papi_core::batch::MAX_BATCH_BYTES + 1_000_000) * CHECK_FACTOR,
        ..Limits::default()
    };
    let s = start_with(&temp_dir("uploads"), limits, DbOptions::default()).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    let (_, other) = token(&s.db_path, "02197");
    let (_, third) = token(&s.db_path, "01834");
    // One upload announcing 20 MB holds 3 × 20 MB of the 3 × 21 MB budget …
    let mut big = raw(&s, &post_head(Some(&other), 20_000_000), b"{").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let b = batch(DONG_XA, "dev", 1, 2000).to_json();
    assert!(b.len() > 1_000_000);
    let res = post(&s, &dong_xa, b.clone()).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "2");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "busy");
    // … a small one still fits; a second holder takes the last slot.
    let small = batch(DONG_XA, "dev", 2, 1).to_json();
    assert_eq!(
        post(&s, &dong_xa, small).await.status(),
        StatusCode::CREATED
    );
    let mut second = raw(&s, &post_head(Some(&third), 100), b"{").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let tiny = batch(DONG_XA, "dev", 3, 1).to_json();
    assert_eq!(
        post(&s, &dong_xa, tiny.clone()).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    // Once they are gone, everything passes again.
    big.shutdown().await.ok();
    second.shutdown().await.ok();
    drop((big, second));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(post(&s, &dong_xa, tiny).await.status(), StatusCode::CREATED);
    assert_eq!(post(&s, &dong_xa, b).await.status(), StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_sends_one_batch_at_a_time_and_others_pass_meanwhile() {
    let s = start(&temp_dir("one-per-token")).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    let (_, other) = token(&s.db_path, "02197");
    // A slow upload holds the token's turn (a leaked token posting junk) …
    let mut slow = raw(&s, &post_head(Some(&dong_xa), 5_000_000), b"{").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // … so its next upload is 429 with Retry-After, before its body is read,
    let res = post(&s, &dong_xa, batch(DONG_XA, "dev", 1, 1).to_json()).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["retry-after"], "2");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "token_busy");
    assert!(body["message"].as_str().unwrap().contains("một lô một lúc"));
    // … while another token's batch passes at once.
    let t = Instant::now();
    let res = post(&s, &other, batch("02197", "dev-b", 1, 1).to_json()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // Once the slow upload ends (here: its client gives up), the token's
    // turn is free again.
    slow.shutdown().await.ok();
    drop(slow);
    let mut passed = false;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let res = post(&s, &dong_xa, batch(DONG_XA, "dev", 1, 1).to_json()).await;
        if res.status() == StatusCode::CREATED {
            passed = true;
            break;
        }
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    assert!(passed, "the token's turn came back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_months_backlog_goes_through_the_rate_limit() {
    let s = start(&temp_dir("backlog")).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    let bodies: Vec<String> = (1..=300)
        .map(|seq| batch(DONG_XA, "dev", seq, 1).to_json())
        .collect();
    for (i, b) in bodies.into_iter().enumerate() {
        let res = post(&s, &dong_xa, b).await;
        assert_eq!(res.status(), StatusCode::CREATED, "batch {}", i + 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_gets_429_with_retry_after() {
    let limits = Limits {
        rate_burst: 5,
        rate_per_second: 0.5,
        ..Limits::default()
    };
    let s = start_with(&temp_dir("flood"), limits, DbOptions::default()).await;
    let (_, na_ri) = token(&s.db_path, "066");
    let (_, thanh_pho) = token(&s.db_path, "058");
    let mut statuses = vec![];
    for _ in 0..8 {
        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/batches", s.url))
            .bearer_auth(&na_ri)
            .send()
            .await
            .unwrap();
        let retry = res
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let st = res.status();
        let body: Value = res.json().await.unwrap();
        statuses.push(st.as_u16());
        if st == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(retry.as_deref(), Some("2"));
            assert_eq!(body["error"], "rate_limited");
            assert!(
                body["message"].as_str().unwrap().contains("2 giây"),
                "{body}"
            );
        }
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    // Another token has its own bucket.
    assert_eq!(
        get_json(&s, Some(&thanh_pho), "/api/v1/batches").await.0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_bounded_in_bytes_and_carry_at_least_one_batch() {
    let limits = Limits {
        page_bytes: 100_000,
        ..Limits::default()
    };
    let s = start_with(&temp_dir("page-bytes"), limits, DbOptions::default()).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    let (_, province) = token(&s.db_path, "06");
    // Five batches of about 45 KB, then one of about 300 KB.
    let mut sizes = vec![];
    for seq in 1..=6 {
        let b = batch(DONG_XA, "dev", seq, if seq == 6 { 500 } else { 70 }).to_json();
        sizes.push(b.len());
        assert_eq!(post(&s, &dong_xa, b).await.status(), StatusCode::CREATED);
    }
    assert!(
        sizes[0] > 40_000 && sizes[0] < 50_000 && sizes[5] > 100_000,
        "{sizes:?}"
    );
    let (mut after, mut counts) = (0, vec![]);
    loop {
        let (st, page) = get_json(
            &s,
            Some(&province),
            &format!("/api/v1/batches?after={after}&limit=500"),
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        counts.push(page["batches"].as_array().unwrap().len());
        after = page["next"].as_i64().unwrap();
        if page["more"] == false {
            break;
        }
    }
    assert_eq!(
        counts,
        [2, 2, 1, 1],
        "pages of at most 100 KB, and the big one alone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_503_and_health_degraded_until_a_write_succeeds() {
    let opts = DbOptions {
        max_page_count: Some(60),
        ..DbOptions::default()
    };
    let s = start_with(&temp_dir("full"), Limits::default(), opts).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    let mut refused = None;
    for seq in 1..=40 {
        let res = post(&s, &dong_xa, batch(DONG_XA, "dev", seq, 20).to_json()).await;
        if res.status() != StatusCode::CREATED {
            refused = Some((seq, res));
            break;
        }
    }
    let (seq, res) = refused.expect("the small disk fills up");
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "unavailable");
    assert!(
        body["message"].as_str().unwrap().contains("ổ đĩa đầy"),
        "{body}"
    );
    let (_, health) = get_json(&s, None, "/api/v1/health").await;
    assert_eq!(health["status"], "degraded", "{health}");
    assert!(
        health["reason"].as_str().unwrap().contains("full"),
        "{health}"
    );
    // Room is made (the freed pages are reused): the next write succeeds.
    let c = rusqlite::Connection::open(&s.db_path).unwrap();
    c.execute("DELETE FROM batches WHERE seq < 4", []).unwrap();
    drop(c);
    let res = post(&s, &dong_xa, batch(DONG_XA, "dev", seq, 20).to_json()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let (_, health) = get_json(&s, None, "/api/v1/health").await;
    assert_eq!(health["status"], "ok", "{health}");
    assert!(health.get("reason").is_none());
}

/// The same batch written as other texts a client might send: each is
/// accepted, and GET serves a batch with the same hash.
fn unusual_texts(b: &papi_core::batch::Batch) -> Vec<(&'static str, String)> {
    let pretty = b.to_json();
    let value: Value = serde_json::from_str(&pretty).unwrap();
    let escaped: String = pretty
        .chars()
        .map(|c| match c as u32 {
            0..=0x7f => c.to_string(),
            _ => c
                .encode_utf16(&mut [0; 2])
                .iter()
                .map(|u| format!("\\u{u:04x}"))
                .collect(),
        })
        .collect();
    vec![
        ("byte-order mark", format!("\u{feff}{pretty}")),
        ("whitespace around", format!("\n\t  {pretty} \r\n\n")),
        ("CRLF line endings", pretty.replace('\n', "\r\n")),
        // serde_json's maps sort their keys: another order than the core's.
        (
            "compact, keys sorted",
            serde_json::to_string(&value).unwrap(),
        ),
        (
            "pretty, keys sorted",
            serde_json::to_string_pretty(&value).unwrap(),
        ),
        ("\\u-escaped Vietnamese", escaped),
        (
            "BOM, CRLF and a trailing newline",
            format!("\u{feff}{}\r\n", pretty.replace('\n', "\r\n")),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_was_accepted_is_delivered() {
    let s = start(&temp_dir("delivered")).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    let (_, na_ri) = token(&s.db_path, "066");
    let (plan, units) = papi_server::plan_and_units();
    let mut accepted = vec![];
    for seq in 1..=7 {
        let b = batch(DONG_XA, "dev", seq, 3);
        let (kind, text) = unusual_texts(&b).swap_remove(seq as usize - 1);
        assert!(
            text.contains("Hoạt động") != kind.contains("escaped"),
            "{kind}"
        );
        let res = post(&s, &dong_xa, text).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{kind}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["sha256"], b.sha256, "{kind}");
        accepted.push((kind, b.sha256));
    }
    let text = reqwest::Client::new()
        .get(format!("{}/api/v1/batches", s.url))
        .bearer_auth(&na_ri)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let page: Value = serde_json::from_str(&text).unwrap();
    let served: Vec<String> = page["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let text = serde_json::to_string(&item["batch"]).unwrap();
            papi_core::batch::parse(text.as_bytes(), &plan, &units, chrono::Utc::now())
                .unwrap()
                .sha256
        })
        .collect();
    for (i, (kind, sha)) in accepted.iter().enumerate() {
        assert_eq!(served.get(i), Some(sha), "{kind} is served");
    }
    assert!(page.get("unreadable").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn batches_are_checked_off_the_async_workers() {
    let s = start(&temp_dir("off-workers")).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    let body = batch(DONG_XA, "dev", 1, 6000).to_json();
    let (url, t) = (s.url.clone(), dong_xa.clone());
    let t0 = Instant::now();
    let sending = tokio::spawn(async move {
        let res = reqwest::Client::new()
            .post(format!("{url}/api/v1/batches"))
            .bearer_auth(t)
            .body(body)
            .send()
            .await
            .unwrap();
        (res.status(), t0.elapsed())
    });
    // On the only async worker, health answers while the batch is checked.
    let mut slowest = Duration::ZERO;
    while !sending.is_finished() {
        let t = Instant::now();
        assert_eq!(get_json(&s, None, "/api/v1/health").await.0, StatusCode::OK);
        slowest = slowest.max(t.elapsed());
    }
    let (status, took) = sending.await.unwrap();
    assert_eq!(status, StatusCode::CREATED);
    eprintln!("post {took:?}, slowest health {slowest:?}");
    assert!(took > Duration::from_millis(300), "a long check: {took:?}");
    assert!(slowest < took / 3, "health waited {slowest:?} of {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_batch_that_cannot_be_served_is_reported_not_dropped() {
    let s = start(&temp_dir("unreadable")).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    let (_, na_ri) = token(&s.db_path, "066");
    let b = batch(DONG_XA, "dev", 1, 1).to_json();
    assert_eq!(post(&s, &dong_xa, b).await.status(), StatusCode::CREATED);
    // Damaged on disk (or written by a release with other rules).
    let c = rusqlite::Connection::open(&s.db_path).unwrap();
    c.execute(
        "UPDATE batches SET body = '{\"format\": ' WHERE cursor = 1",
        [],
    )
    .unwrap();
    drop(c);
    let b = batch(DONG_XA, "dev", 2, 1).to_json();
    assert_eq!(post(&s, &dong_xa, b).await.status(), StatusCode::CREATED);
    let (st, page) = get_json(&s, Some(&na_ri), "/api/v1/batches").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(page["batches"].as_array().unwrap().len(), 1);
    assert_eq!(page["batches"][0]["cursor"], 2);
    assert_eq!(page["unreadable"][0]["cursor"], 1, "{page}");
    assert!(page["unreadable"][0]["message"]
        .as_str()
        .unwrap()
        .contains("bị hỏng"));
    assert_eq!(page["next"], 2, "the pull moves on");
}
