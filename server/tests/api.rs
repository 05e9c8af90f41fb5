//! The sync API over real HTTP on loopback, with a real SQLite file.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

const DONG_XA: &str = "02194"; // Huyện Na Rì (066)
const VAN_VU: &str = "02137"; // Huyện Na Rì (066)
const MINH_KHAI: &str = "01834"; // Thành phố Bắc Kạn (058)

async fn post(
    s: &TestServer,
    token: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/api/v1/batches", s.url))
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let json = res.json::<Value>().await.unwrap_or(Value::Null);
    (status, json)
}

async fn list(s: &TestServer, token: &str, query: &str) -> (StatusCode, Value) {
    get_json(s, Some(token), &format!("/api/v1/batches{query}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_answers_each_case_with_its_status() {
    let s = start(&temp_dir("post")).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    let (revoked_id, revoked) = token(&s.db_path, DONG_XA);
    let b1 = batch(DONG_XA, "dev-a", 1, 3);

    let (st, body) = post(&s, Some(&dong_xa), b1.to_json()).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "accepted");
    assert_eq!(body["sha256"], b1.sha256, "the reply echoes the hash");

    let (st, body) = post(&s, Some(&dong_xa), b1.to_json()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["status"], "duplicate");
    assert_eq!(body["sha256"], b1.sha256);

    let other = batch(DONG_XA, "dev-a", 1, 4);
    let (st, body) = post(&s, Some(&dong_xa), other.to_json()).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap().contains("lô số 1"));

    let (st, body) = post(&s, Some(&dong_xa), "không phải JSON").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_batch");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("không phải JSON"),
        "{body}"
    );
    let tampered =
        batch(DONG_XA, "dev-a", 2, 2)
            .to_json()
            .replacen("Hoạt động 0", "Hoạt động 9", 1);
    let (st, body) = post(&s, Some(&dong_xa), tampered).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("SHA-256"),
        "{body}"
    );
    // Sealed by a device whose clock says 2099: refused by the same rule
    // as in the app, against the server's own clock.
    let mut future = batch(DONG_XA, "dev-a", 3, 1);
    future.created_at = chrono::Utc::now() + chrono::Duration::days(30);
    future.sha256 = future.content_hash();
    let future = future.sign_with(&device_key("dev-a"));
    let (st, body) = post(&s, Some(&dong_xa), future.to_json()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("sau hôm nay"),
        "{body}"
    );

    let (st, body) = post(&s, None, b1.to_json()).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (st, _) = post(&s, Some("papi_wrong"), b1.to_json()).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // A commune's token may not post another commune's batch.
    let van_vu_batch = batch(VAN_VU, "dev-v", 1, 2);
    let (st, body) = post(&s, Some(&dong_xa), van_vu_batch.to_json()).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "wrong_unit");

    // Over the limit: 413 from the announced length, before the body is
    // read; the server may close before this client has written it all
    // (tests/limits.rs reads the 413 on a raw connection).
    let big = vec![b' '; papi_core::batch::MAX_BATCH_BYTES + 1];
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/batches", s.url))
        .bearer_auth(&dong_xa)
        .body(big)
        .send()
        .await;
    if let Ok(res) = res {
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    // Revocation takes effect at once.
    let (st, _) = post(&s, Some(&revoked), batch(DONG_XA, "dev-r", 1, 1).to_json()).await;
    assert_eq!(st, StatusCode::CREATED);
    assert!(papi_server::db::Admin::open(&s.db_path)
        .unwrap()
        .revoke(revoked_id, "now")
        .unwrap());
    let (st, _) = post(&s, Some(&revoked), batch(DONG_XA, "dev-r", 2, 1).to_json()).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    let health: Value = reqwest::get(format!("{}/api/v1/health", s.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["batches"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn districts_read_their_communes_only_and_the_province_reads_all() {
    let s = start(&temp_dir("read")).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    let (_, van_vu) = token(&s.db_path, VAN_VU);
    let (_, minh_khai) = token(&s.db_path, MINH_KHAI);
    let (_, na_ri) = token(&s.db_path, "066");
    let (_, thanh_pho) = token(&s.db_path, "058");
    let (_, province) = token(&s.db_path, "06");
    let mut sent = vec![];
    for seq in 1..=3 {
        for (unit, t) in [
            (DONG_XA, &dong_xa),
            (VAN_VU, &van_vu),
            (MINH_KHAI, &minh_khai),
        ] {
            // One device per unit: a device's key speaks for one unit.
            let b = batch(unit, &format!("dev-{unit}"), seq, 2);
            let text = b.to_json();
            assert_eq!(post(&s, Some(t), text.clone()).await.0, StatusCode::CREATED);
            sent.push((unit, text));
        }
    }
    // Na Rì: its two communes, three batches each, in pages of 4.
    let (st, page1) = list(&s, &na_ri, "?limit=4").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(page1["batches"].as_array().unwrap().len(), 4);
    assert_eq!(page1["more"], true);
    let next = page1["next"].as_i64().unwrap();
    let (_, page2) = list(&s, &na_ri, &format!("?after={next}&limit=4")).await;
    assert_eq!(page2["batches"].as_array().unwrap().len(), 2);
    assert_eq!(page2["more"], false);
    let units: Vec<String> = page1["batches"]
        .as_array()
        .unwrap()
        .iter()
        .chain(page2["batches"].as_array().unwrap())
        .map(|b| b["batch"]["unit_code"].as_str().unwrap().to_string())
        .collect();
    assert!(
        units.iter().all(|u| u == DONG_XA || u == VAN_VU),
        "{units:?}"
    );
    assert_eq!(units.len(), 6);
    // Another district reads none of Na Rì's.
    let (_, tp) = list(&s, &thanh_pho, "").await;
    let tp_units: Vec<&str> = tp["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["batch"]["unit_code"].as_str().unwrap())
        .collect();
    assert_eq!(tp_units, vec![MINH_KHAI; 3]);
    // The province reads everything, each batch exactly as posted.
    let (_, all) = list(&s, &province, "?limit=500").await;
    let all = all["batches"].as_array().unwrap();
    assert_eq!(all.len(), 9);
    for (item, (_, text)) in all.iter().zip(&sent) {
        let posted: Value = serde_json::from_str(text).unwrap();
        assert_eq!(item["batch"], posted);
    }
    // A commune's token cannot read, nor can a provincial department's; the
    // department posts its own batches, which the province reads.
    assert_eq!(list(&s, &dong_xa, "").await.0, StatusCode::FORBIDDEN);
    let (_, tai_chinh) = token(&s.db_path, "06.so-tai-chinh");
    assert_eq!(list(&s, &tai_chinh, "").await.0, StatusCode::FORBIDDEN);
    let own = batch("06.so-tai-chinh", "dev-tc", 1, 2);
    let (st, body) = post(&s, Some(&tai_chinh), own.to_json()).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let (_, all) = list(&s, &province, "?after=9").await;
    assert_eq!(all["batches"][0]["batch"]["unit_code"], "06.so-tai-chinh");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_is_served_with_a_strict_policy_and_right_caching() {
    let dir = temp_dir("web");
    std::fs::write(dir.join("app-1a44c1c2343fa4f0.js"), "console.log(1)").unwrap();
    let s = start(&dir).await;
    let res = reqwest::get(format!("{}/", s.url)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert_eq!(h["cache-control"], "no-cache");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'self'")
            && csp.contains("'sha256-")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    let js = reqwest::get(format!("{}/app-1a44c1c2343fa4f0.js", s.url))
        .await
        .unwrap();
    assert_eq!(
        js.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    // The build's compressed copies are sent as they are, to a browser that
    // takes them; one that takes neither gets the file itself.
    std::fs::write(dir.join("app-1a44c1c2343fa4f0.js.br"), b"(brotli copy)").unwrap();
    std::fs::write(dir.join("app-1a44c1c2343fa4f0.js.gz"), b"(gzip copy)").unwrap();
    let client = reqwest::Client::new();
    for (accept, encoding, body) in [
        ("br, gzip", Some("br"), "(brotli copy)"),
        ("gzip", Some("gzip"), "(gzip copy)"),
        ("identity", None, "console.log(1)"),
    ] {
        let res = client
            .get(format!("{}/app-1a44c1c2343fa4f0.js", s.url))
            .header("accept-encoding", accept)
            .send()
            .await
            .unwrap();
        let h = res.headers().clone();
        assert_eq!(
            h.get("content-encoding").map(|v| v.to_str().unwrap()),
            encoding,
            "{accept}"
        );
        assert_eq!(h["content-type"], "text/javascript", "{accept}");
        assert_eq!(h["vary"], "accept-encoding", "{accept}");
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
        assert_eq!(res.text().await.unwrap(), body);
    }
    assert_eq!(
        reqwest::get(format!("{}/nope.js", s.url))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        reqwest::get(format!("{}/healthz", s.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    // The API allows other origins (bearer tokens, no cookies).
    let pre = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/batches", s.url),
        )
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.headers()["access-control-allow-origin"], "*");
}
