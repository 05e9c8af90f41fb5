//! Device keys on the server: the first batch a token posts with a key
//! introduces it; later batches must be signed by the key their device is
//! known by; a revoked key signs nothing more; receivers read the keys of
//! the units they collect; version 1 batches still pass, unsigned.

mod common;

use common::*;
use papi_core::batch::Batch;
use papi_core::signature::DeviceKey;
use papi_server::db::Admin;
use reqwest::StatusCode;
use serde_json::Value;

const DONG_XA: &str = "02194"; // Huyện Na Rì (066)
const VAN_VU: &str = "02137"; // Huyện Na Rì (066)
const MINH_KHAI: &str = "01834"; // Thành phố Bắc Kạn (058)

async fn post(s: &TestServer, token: &str, b: &Batch) -> (StatusCode, Value) {
    let path = papi_core::wire::BATCHES_PATH;
    send_json(s, token, reqwest::Method::POST, path, b.to_json()).await
}

/// `b` as an old release wrote it: format version 1, unsigned.
fn version_1(mut b: Batch) -> Batch {
    b.format_version = 1;
    b.units = None;
    b.signer = None;
    b.signature = None;
    b.sha256 = b.content_hash();
    b
}

/// `b` as someone else signs it: the key it names and the signature are the
/// forger's, the hash recomputed (a valid file, by the wrong key).
fn forged(mut b: Batch, forger: &DeviceKey) -> Batch {
    b.signer = Some(forger.public_hex());
    b.sha256 = b.content_hash();
    b.sign_with(forger)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_is_known_by_its_first_key_and_forgeries_are_refused() {
    let s = start(&temp_dir("keys")).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    let (_, van_vu) = token(&s.db_path, VAN_VU);
    let (_, na_ri) = token(&s.db_path, "066");
    let (_, minh_khai) = token(&s.db_path, MINH_KHAI);
    let (_, city) = token(&s.db_path, "058");

    // The first signed batch introduces dev-a's key.
    let (st, body) = post(&s, &dong_xa, &batch(DONG_XA, "dev-a", 1, 2)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    // A file forged for dev-a (right hash, another key) takes no number.
    let mallory = DeviceKey::from_secret([9; 32]);
    let (st, body) = post(
        &s,
        &dong_xa,
        &forged(batch(DONG_XA, "dev-a", 2, 1), &mallory),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "key_refused");
    assert!(
        body["message"].as_str().unwrap().contains("giả mạo"),
        "{body}"
    );
    // The real number 2 still goes through afterwards.
    let (st, _) = post(&s, &dong_xa, &batch(DONG_XA, "dev-a", 2, 1)).await;
    assert_eq!(st, StatusCode::CREATED);
    // dev-a's key cannot speak for another unit, even with that unit's token.
    let mut stolen = batch(VAN_VU, "dev-v", 1, 1);
    let dev_a = device_key("dev-a");
    stolen.signer = Some(dev_a.public_hex());
    stolen.sha256 = stolen.content_hash();
    let stolen = stolen.sign_with(&dev_a);
    let (st, body) = post(&s, &van_vu, &stolen).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    // A second device of the unit introduces its own key.
    let (st, _) = post(&s, &dong_xa, &batch(DONG_XA, "dev-b", 1, 1)).await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = post(&s, &minh_khai, &batch(MINH_KHAI, "dev-m", 1, 1)).await;
    assert_eq!(st, StatusCode::CREATED);

    // Receivers read the keys of the units they collect, and no others.
    let (st, body) = get_json(&s, Some(&na_ri), "/api/v1/keys").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let keys = body["keys"].as_array().unwrap();
    let mut devices: Vec<&str> = keys
        .iter()
        .map(|k| k["device_id"].as_str().unwrap())
        .collect();
    devices.sort();
    assert_eq!(devices, ["dev-a", "dev-b"]);
    assert!(keys.iter().all(|k| k["source"] == "server"));
    assert!(keys.iter().all(|k| k["units"] == "bac-kan-2020"), "{body}");
    let (_, body) = get_json(&s, Some(&city), "/api/v1/keys").await;
    assert_eq!(body["keys"].as_array().unwrap().len(), 1);
    let (st, body) = get_json(&s, Some(&dong_xa), "/api/v1/keys").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, _) = get_json(&s, None, "/api/v1/keys").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // The operator revokes dev-a's key (a lost tablet): what it signed
    // stays; what it signs from now on is refused.
    let admin = Admin::open(&s.db_path).unwrap();
    let rows = admin.keys(Some(DONG_XA)).unwrap();
    assert_eq!(rows.len(), 2);
    assert!(admin
        .revoke_key(&dev_a.public_hex(), "2026-11-30T00:00:00.000Z")
        .unwrap());
    assert!(!admin
        .revoke_key(&dev_a.public_hex(), "2026-11-30T00:00:00.000Z")
        .unwrap());
    let (st, body) = post(&s, &dong_xa, &batch(DONG_XA, "dev-a", 3, 1)).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("thu hồi"),
        "{body}"
    );
    let (_, page) = get_json(&s, Some(&na_ri), "/api/v1/batches").await;
    assert_eq!(page["batches"].as_array().unwrap().len(), 3);
    let (_, body) = get_json(&s, Some(&na_ri), "/api/v1/keys").await;
    let revoked = body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["device_id"] == "dev-a")
        .unwrap()
        .clone();
    assert!(revoked["revoked_at"].is_string(), "{revoked}");
    // dev-b signs: an unsigned batch in its name is a forgery.
    let downgraded = version_1(batch(DONG_XA, "dev-b", 2, 1));
    let (st, body) = post(&s, &dong_xa, &downgraded).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("không có chữ ký"),
        "{body}"
    );
    // Re-posting a batch stored before the revocation is still a duplicate.
    let (st, _) = post(&s, &dong_xa, &batch(DONG_XA, "dev-a", 1, 2)).await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_1_batches_still_pass_unsigned() {
    let s = start(&temp_dir("keys-v1")).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    let v1 = version_1(batch(DONG_XA, "dev-old", 1, 2));
    let (st, body) = post(&s, &dong_xa, &v1).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert!(Admin::open(&s.db_path)
        .unwrap()
        .keys(None)
        .unwrap()
        .is_empty());
    // A version 2 batch without its signature is refused by the core.
    let mut unsigned = batch(DONG_XA, "dev-a", 1, 1);
    unsigned.signature = None;
    let (st, body) = post(&s, &dong_xa, &unsigned).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("chữ ký"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_stays_revoked_for_every_key_and_unsigned_batches() {
    let s = start(&temp_dir("keys-revoked-device")).await;
    let (_, dong_xa) = token(&s.db_path, DONG_XA);
    let (_, na_ri) = token(&s.db_path, "066");
    let (st, _) = post(&s, &dong_xa, &batch(DONG_XA, "dev-a", 1, 1)).await;
    assert_eq!(st, StatusCode::CREATED);
    let admin = Admin::open(&s.db_path).unwrap();
    assert!(admin
        .revoke_key(
            &device_key("dev-a").public_hex(),
            "2026-11-30T00:00:00.000Z"
        )
        .unwrap());
    // (1) An unsigned version 1 batch in the revoked device's name.
    let (st, body) = post(&s, &dong_xa, &version_1(batch(DONG_XA, "dev-a", 2, 1))).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "key_refused");
    assert!(
        body["message"].as_str().unwrap().contains("đã bị thu hồi"),
        "{body}"
    );
    // (2) The revoked device id with a brand-new key: refused, and the key
    // is never introduced.
    let fresh = DeviceKey::from_secret([42; 32]);
    let (st, body) = post(&s, &dong_xa, &forged(batch(DONG_XA, "dev-a", 2, 1), &fresh)).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "key_refused");
    let (_, body) = get_json(&s, Some(&na_ri), "/api/v1/keys").await;
    let keys = body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{body}");
    assert!(keys[0]["revoked_at"].is_string(), "{body}");
    assert!(keys.iter().all(|k| k["key"] != fresh.public_hex().as_str()));
    // Nothing of either was stored; a replacement device (a new id and
    // key) is a new device.
    let (_, page) = get_json(&s, Some(&na_ri), "/api/v1/batches").await;
    assert_eq!(page["batches"].as_array().unwrap().len(), 1);
    let (st, _) = post(&s, &dong_xa, &batch(DONG_XA, "dev-c", 1, 1)).await;
    assert_eq!(st, StatusCode::CREATED);
}

#[test]
fn lost_device_revokes_the_key_and_the_token_and_re_enrols_in_one_step() {
    let dir = temp_dir("keys-lost-device");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!DOCTYPE html>").unwrap();
    let db = dir.join("papi.sqlite3");
    let bin = env!("CARGO_BIN_EXE_papi-server");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let token = unit_add_with(bin, &db, DONG_XA);
    let stolen_key = device_key("dev-a").public_hex();
    rt.block_on(async {
        let (mut server, base) = spawn_server(bin, &dir, &db).await;
        let client = reqwest::Client::new();
        let url = format!("{base}{}", papi_core::wire::BATCHES_PATH);
        post_created(
            &client,
            &url,
            &token,
            batch(DONG_XA, "dev-a", 1, 1).to_json(),
        )
        .await;
        let run = |args: &[&str]| {
            std::process::Command::new(bin)
                .args(args)
                .arg("--db")
                .arg(&db)
                .env("PAPI_UNITS", "bac-kan-2020")
                .output()
                .unwrap()
        };
        let fingerprint = papi_core::signature::fingerprint(&stolen_key).unwrap();
        let out = run(&["unit", "lost-device", &fingerprint, "--url", &base]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("key revoked") && text.contains("revoked."),
            "{text}"
        );
        let link = text
            .lines()
            .find_map(|l| l.strip_prefix("Enrolment link: "))
            .unwrap_or_else(|| panic!("{text}"));
        let new_token = link.rsplit("#enrol=").next().unwrap().to_string();
        // The stolen device's next batch, posted with a token.
        let status_of = |t: &str| {
            let req = client
                .post(&url)
                .bearer_auth(t)
                .body(batch(DONG_XA, "dev-a", 2, 1).to_json());
            async move { req.send().await.unwrap().status() }
        };
        // The thief's token is refused before anything is read …
        assert_eq!(status_of(&token).await, StatusCode::UNAUTHORIZED);
        // … the new token works for the replacement device, not for the
        // revoked one.
        post_created(
            &client,
            &url,
            &new_token,
            batch(DONG_XA, "dev-new", 1, 1).to_json(),
        )
        .await;
        assert_eq!(status_of(&new_token).await, StatusCode::FORBIDDEN);
        // Done twice, it says so instead of failing silently.
        let again = run(&["unit", "lost-device", &stolen_key]);
        let text = String::from_utf8_lossy(&again.stdout);
        assert!(text.contains("was revoked already"), "{text}");
        let nobody = run(&["unit", "lost-device", "1234"]);
        assert!(!nobody.status.success());
        assert!(String::from_utf8_lossy(&nobody.stderr).contains("no device key"));
        server.kill().ok();
        server.wait().ok();
    });
}
