//! Evidence files through the server (issue 29): a commune sends a file its
//! batch references in pieces; after a cut it asks where to resume and
//! sends only the rest; the file counts once its bytes hash to its name,
//! and is kept once; the district fetches it byte for byte. Unreferenced
//! files, tampered bytes, a wrong offset and a full quota are refused, and
//! nothing refused is kept.

mod common;

use common::*;
use papi_core::evidence::FileRef;
use papi_core::upload::{self, Piece, PIECE_BYTES};
use papi_core::wire::{FileProgress, FILES_PATH};
use papi_server::limits::Limits;
use reqwest::StatusCode;

const DONG_XA: &str = "02194";

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    noise(n, u64::from(seed))
}

fn sha(b: &[u8]) -> String {
    sha_hex(b)
}

/// A batch of `unit` whose one record lists `files`.
fn batch_with(unit: &str, device: &str, files: Vec<FileRef>) -> papi_core::batch::Batch {
    let (plan, _) = papi_server::plan_and_units();
    let mut b = batch(unit, device, 1, 1);
    let mut files = files;
    files.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    b.records[0].fields.files = files;
    sealed(&plan, unit, device, 1, b.created_at, b.records)
}

fn image(data: &[u8], thumb: &str) -> FileRef {
    FileRef {
        sha256: sha(data),
        media_type: "image/jpeg".into(),
        size: data.len() as u64,
        caption: "Ảnh buổi đối thoại".into(),
        thumb: thumb.into(),
    }
}

async fn put(
    s: &TestServer,
    token: &str,
    name: &str,
    p: Piece,
    body: &[u8],
) -> (StatusCode, serde_json::Value) {
    let res = reqwest::Client::new()
        .put(format!("{}{FILES_PATH}/{name}", s.url))
        .bearer_auth(token)
        .header("Content-Range", p.header())
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let st = res.status();
    (st, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// Send what the server lacks of `data`, from where it says it is.
async fn send_rest(
    s: &TestServer,
    token: &str,
    data: &[u8],
) -> (StatusCode, serde_json::Value, usize) {
    let name = sha(data);
    let (st, p) = get_json(s, Some(token), &format!("{FILES_PATH}/{name}/progress")).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    let held: FileProgress = serde_json::from_value(p).unwrap();
    let mut last = (StatusCode::OK, serde_json::Value::Null);
    let mut sent = 0;
    for piece in upload::pieces(data.len() as u64, held.received) {
        last = put(
            s,
            token,
            &name,
            piece,
            &data[piece.start as usize..piece.end as usize],
        )
        .await;
        sent += piece.len() as usize;
        assert!(last.0.is_success(), "{:?}", last);
    }
    (last.0, last.1, sent)
}

async fn post_batch(s: &TestServer, token: &str, b: &papi_core::batch::Batch) {
    let (st, body) = send_json(
        s,
        token,
        reqwest::Method::POST,
        "/api/v1/batches",
        b.to_json(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_resumes_after_a_cut_and_arrives_byte_for_byte() {
    let s = start(&temp_dir("files")).await;
    let (_, commune) = token(&s.db_path, DONG_XA);
    let (_, district) = token(&s.db_path, "066");
    let (_, elsewhere) = token(&s.db_path, "058");
    let photo = bytes(700_000, 1);
    let thumb = bytes(5_000, 2);
    let name = sha(&photo);
    let first = Piece {
        start: 0,
        end: PIECE_BYTES,
        total: photo.len() as u64,
    };

    // Before a batch references it: refused, nothing kept.
    let (st, body) = put(&s, &commune, &name, first, &photo[..PIECE_BYTES as usize]).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("file_not_referenced")),
        "{body}"
    );
    post_batch(
        &s,
        &commune,
        &batch_with(DONG_XA, "dev-a", vec![image(&photo, &sha(&thumb))]),
    )
    .await;

    // The first piece, acknowledged.
    let (st, body) = put(&s, &commune, &name, first, &photo[..PIECE_BYTES as usize]).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["received"], PIECE_BYTES);
    assert_eq!(body["complete"], false);
    // The link drops; the device sends the first piece again: refused,
    // told where to resume.
    let (st, body) = put(&s, &commune, &name, first, &photo[..PIECE_BYTES as usize]).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("file_offset")),
        "{body}"
    );
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains(&format!("gửi tiếp từ byte {PIECE_BYTES}")));
    // A piece shorter than it says: refused, the copy unchanged.
    let short = Piece {
        start: PIECE_BYTES,
        end: PIECE_BYTES + 100,
        total: photo.len() as u64,
    };
    let (st, _) = put(
        &s,
        &commune,
        &name,
        short,
        &photo[PIECE_BYTES as usize..PIECE_BYTES as usize + 50],
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // It resumes from what arrived: nothing is sent twice.
    let (st, body, sent) = send_rest(&s, &commune, &photo).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["complete"], true);
    assert_eq!(sent, photo.len() - PIECE_BYTES as usize, "only the rest");
    let (st, _, _) = send_rest(&s, &commune, &thumb).await;
    assert_eq!(st, StatusCode::CREATED);

    // The district fetches it, byte for byte; others cannot.
    let fetch = |token: String| {
        let url = format!("{}{FILES_PATH}/{name}", s.url);
        async move {
            let res = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            (res.status(), res.bytes().await.unwrap().to_vec())
        }
    };
    let (st, got) = fetch(district.clone()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(got == photo, "byte for byte");
    assert_eq!(
        fetch(commune.clone()).await.0,
        StatusCode::FORBIDDEN,
        "a commune is no receiver"
    );
    assert_eq!(
        fetch(elsewhere.clone()).await.0,
        StatusCode::NOT_FOUND,
        "not its commune's"
    );

    // A unit elsewhere naming the same hash in its batch does not get the
    // file by it: its district waits for its own copy, and it is told
    // nothing of Đổng Xá's; once it sends the bytes, the file is kept once.
    const MINH_KHAI: &str = "01834";
    let (_, minh_khai) = token(&s.db_path, MINH_KHAI);
    post_batch(
        &s,
        &minh_khai,
        &batch_with(MINH_KHAI, "dev-m", vec![image(&photo, "")]),
    )
    .await;
    let (st, body) = put(&s, &minh_khai, &name, first, &photo[..PIECE_BYTES as usize]).await;
    assert_eq!(
        (st, body["complete"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{body}"
    );
    let (st, body) = get_json(&s, Some(&elsewhere), &format!("{FILES_PATH}/{name}")).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("file_pending")),
        "{body}"
    );
    let (st, _, sent) = send_rest(&s, &minh_khai, &photo).await;
    assert_eq!(
        (st, sent),
        (StatusCode::CREATED, photo.len() - PIECE_BYTES as usize)
    );
    assert_eq!(
        fetch(elsewhere.clone()).await,
        (StatusCode::OK, photo.clone())
    );
    // Another piece of a file it has sent: complete at once.
    let (st, body) = put(&s, &commune, &name, first, &photo[..PIECE_BYTES as usize]).await;
    assert_eq!(
        (st, body["complete"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{body}"
    );
    let stored: Vec<_> = walk(&s.dir.join("files"))
        .into_iter()
        .filter(|p| !p.contains("partial"))
        .collect();
    assert_eq!(
        stored.len(),
        2,
        "the photo and its thumbnail, once each: {stored:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_bytes_and_a_full_quota_are_refused_and_nothing_is_kept() {
    let limits = Limits {
        unit_files_bytes: 1_000_000,
        ..Limits::default()
    };
    let s = start_with(&temp_dir("files-refused"), limits, Default::default()).await;
    let (_, commune) = token(&s.db_path, DONG_XA);
    let (_, district) = token(&s.db_path, "066");
    let scan = bytes(600_000, 3);
    let big = bytes(500_000, 4);
    post_batch(
        &s,
        &commune,
        &batch_with(
            DONG_XA,
            "dev-a",
            vec![
                FileRef {
                    media_type: "application/pdf".into(),
                    ..image(&scan, "")
                },
                image(&big, ""),
            ],
        ),
    )
    .await;

    // The scan's bytes changed on the way (same length): refused whole.
    let mut tampered = scan.clone();
    tampered[599_999] ^= 1;
    let name = sha(&scan);
    let mut last = (StatusCode::OK, serde_json::Value::Null);
    for p in upload::pieces(scan.len() as u64, 0) {
        last = put(
            &s,
            &commune,
            &name,
            p,
            &tampered[p.start as usize..p.end as usize],
        )
        .await;
    }
    assert_eq!(
        (last.0, last.1["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_file")),
        "{}",
        last.1
    );
    assert!(last.1["message"]
        .as_str()
        .unwrap()
        .contains("không khớp mã SHA-256"));
    let (_, p) = get_json(&s, Some(&commune), &format!("{FILES_PATH}/{name}/progress")).await;
    assert_eq!(
        (p["received"].as_u64(), p["complete"].as_bool()),
        (Some(0), Some(false)),
        "{p}"
    );
    let res = reqwest::Client::new()
        .get(format!("{}{FILES_PATH}/{name}", s.url))
        .bearer_auth(&district)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "waiting for the file");

    // The genuine scan passes; then the second file would pass the quota.
    let (st, _, _) = send_rest(&s, &commune, &scan).await;
    assert_eq!(st, StatusCode::CREATED);
    let first = upload::pieces(big.len() as u64, 0).next().unwrap();
    let (st, body) = put(
        &s,
        &commune,
        &sha(&big),
        first,
        &big[..first.len() as usize],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("over_quota")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("hạn mức 1.0 MB"),
        "{body}"
    );
    // A name that is no hash, or no range: refused before anything.
    let (st, _) = put(&s, &commune, "not-a-hash", first, b"x").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let res = reqwest::Client::new()
        .put(format!("{}{FILES_PATH}/{}", s.url, sha(&big)))
        .bearer_auth(&commune)
        .body(vec![1u8; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_upload_is_forgotten_and_frees_its_quota() {
    let limits = Limits {
        unit_files_bytes: 1_000_000,
        partial_max_age: std::time::Duration::from_secs(2),
        partial_sweep: std::time::Duration::from_millis(200),
        ..Limits::default()
    };
    let dir = temp_dir("files-expire");
    let s = start_with(&dir, limits, Default::default()).await;
    let (_, commune) = token(&s.db_path, DONG_XA);
    let (a, b) = (bytes(700_000, 5), bytes(700_000, 6));
    post_batch(
        &s,
        &commune,
        &batch_with(DONG_XA, "dev-a", vec![image(&a, ""), image(&b, "")]),
    )
    .await;
    let first = |total: usize| Piece {
        start: 0,
        end: PIECE_BYTES,
        total: total as u64,
    };
    let piece = PIECE_BYTES as usize;
    let (st, body) = put(&s, &commune, &sha(&a), first(a.len()), &a[..piece]).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    // `a` begun counts whole: `b` would pass the quota.
    let (st, body) = put(&s, &commune, &sha(&b), first(b.len()), &b[..piece]).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("over_quota")),
        "{body}"
    );
    // The device never comes back for `a`: it is forgotten, its partial
    // file removed.
    let progress = format!("{FILES_PATH}/{}/progress", sha(&a));
    let mut waited = 0;
    loop {
        let (_, p) = get_json(&s, Some(&commune), &progress).await;
        if p["received"] == 0 {
            break;
        }
        waited += 1;
        assert!(waited < 100, "never forgotten: {p}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let partials = walk(&s.db_path.parent().unwrap().join("files").join("partial"));
    assert!(partials.is_empty(), "{partials:?}");
    // Its room is free: `b` goes whole; `a`, sent again, from its first byte.
    let (st, body, sent) = send_rest(&s, &commune, &b).await;
    assert_eq!((st, sent), (StatusCode::CREATED, b.len()), "{body}");
}

/// Every file under `dir`, as text.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}
