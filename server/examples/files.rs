//! Evidence files through the sync server (BENCHMARKS.md, "Evidence files
//! through the server"; issue 29), on loopback only. A real server process
//! (`target/release/papi-server`, default limits) and a real SQLite file;
//! one line of JSON per phase:
//!
//! - cut: one commune sends 20 photos (the size a photo has after the
//!   device's downscale) over a link that is cut each time `CUT_EVERY`
//!   bytes have gone out (60 s of a 40 KB/s rural link): the piece in
//!   flight is lost mid-body (the connection closes), the device asks the
//!   server where to resume and sends the rest. Bytes resent over bytes of
//!   the files: budget ≤ 10%.
//! - load: 50 communes upload their files at once (each its batch, then
//!   its photos piece by piece); the server's peak resident memory (budget
//!   < 300 MB), and the time.
//!
//!     cargo run --release -p papi-server --example files -- [PHOTO_BYTES] [DEVICES] [PHOTOS_EACH]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use papi_core::evidence::FileRef;
use papi_core::upload::{self, Piece};
use papi_core::wire::{FileProgress, FILES_PATH};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

#[path = "../tests/common/mod.rs"]
mod common;

/// 60 s of a 40 KB/s link.
const CUT_EVERY: u64 = 60 * 40_000;

use common::attack::status_kb;
use common::{noise as bytes, sha_hex as sha};

/// Post a batch of `unit` whose record lists `photos`.
async fn post_batch(base: &str, token: &str, unit: &str, photos: &[Vec<u8>]) {
    let (plan, _) = papi_server::plan_and_units();
    let mut b = common::batch(unit, &format!("dev-{unit}"), 1, 1);
    let mut files: Vec<FileRef> = photos
        .iter()
        .map(|p| FileRef {
            sha256: sha(p),
            media_type: "image/jpeg".into(),
            size: p.len() as u64,
            caption: String::new(),
            thumb: String::new(),
        })
        .collect();
    files.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    b.records[0].fields.files = files;
    let b = common::sealed(
        &plan,
        unit,
        &format!("dev-{unit}"),
        1,
        b.created_at,
        b.records,
    );
    let d = common::post_created(
        &reqwest::Client::new(),
        &format!("{base}/api/v1/batches"),
        token,
        b.to_json(),
    )
    .await;
    let _ = d;
}

async fn progress(client: &reqwest::Client, base: &str, token: &str, name: &str) -> u64 {
    let p: FileProgress = client
        .get(format!("{base}{FILES_PATH}/{name}/progress"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    p.received
}

async fn put(client: &reqwest::Client, base: &str, token: &str, name: &str, p: Piece, data: &[u8]) {
    for _ in 0..100 {
        let res = client
            .put(format!("{base}{FILES_PATH}/{name}"))
            .bearer_auth(token)
            .header("Content-Range", p.header())
            .body(data[p.start as usize..p.end as usize].to_vec())
            .send()
            .await
            .unwrap();
        // The cut piece's request may still hold the file's turn.
        if res.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
        return;
    }
    panic!("the file's turn never came");
}

/// A piece cut off after `sent` of its bytes: the connection closes.
async fn put_cut(addr: &str, token: &str, name: &str, p: Piece, data: &[u8], sent: usize) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PUT {FILES_PATH}/{name} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Range: {}\r\nContent-Length: {}\r\n\r\n",
        p.header(),
        p.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&data[p.start as usize..p.start as usize + sent])
        .await
        .unwrap();
    drop(s);
    // The server sees the body end early and keeps nothing of the piece.
    tokio::time::sleep(Duration::from_millis(20)).await;
}

/// Phase "cut": returns (file bytes, bytes put on the wire, cuts).
async fn cut_link(base: &str, token: &str, unit: &str, photo_bytes: usize) -> (u64, u64, u64) {
    let photos: Vec<Vec<u8>> = (0..20).map(|i| bytes(photo_bytes, 1000 + i)).collect();
    post_batch(base, token, unit, &photos).await;
    let client = reqwest::Client::new();
    let addr = base.trim_start_matches("http://").to_string();
    let (mut wire, mut cuts) = (0u64, 0u64);
    let mut next_cut = CUT_EVERY;
    for data in &photos {
        let name = sha(data);
        loop {
            let held = progress(&client, base, token, &name).await;
            let Some(p) = upload::pieces(data.len() as u64, held).next() else {
                break;
            };
            if wire + p.len() > next_cut && next_cut > wire {
                // The link drops in the middle of this piece.
                let sent = (next_cut - wire) as usize;
                put_cut(&addr, token, &name, p, data, sent).await;
                wire += sent as u64;
                next_cut += CUT_EVERY;
                cuts += 1;
                continue;
            }
            put(&client, base, token, &name, p, data).await;
            wire += p.len();
        }
    }
    let total = photos.iter().map(|p| p.len() as u64).sum();
    (total, wire, cuts)
}

/// Phase "load": every device uploads its photos at once; the server's
/// peak RSS (sampled every 50 ms) and the time.
async fn load(
    base: &str,
    pid: u32,
    units: &[String],
    tokens: &[String],
    photo_bytes: usize,
    each: usize,
) -> serde_json::Value {
    for (u, t) in units.iter().zip(tokens) {
        let photos: Vec<Vec<u8>> = (0..each)
            .map(|i| bytes(photo_bytes, hash_seed(u, i)))
            .collect();
        post_batch(base, t, u, &photos).await;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kb(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let t = Instant::now();
    let mut tasks = vec![];
    for (u, tok) in units.iter().zip(tokens) {
        let (base, u, tok) = (base.to_string(), u.clone(), tok.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in 0..each {
                let data = bytes(photo_bytes, hash_seed(&u, i));
                let name = sha(&data);
                for p in upload::pieces(data.len() as u64, 0) {
                    put(&client, &base, &tok, &name, p, &data).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    sampler.await.unwrap();
    let mb = (units.len() * each * photo_bytes) as f64 / 1e6;
    json!({
        "phase": "load",
        "devices": units.len(),
        "files": units.len() * each,
        "megabytes": mb,
        "seconds": secs,
        "megabytes_per_second": mb / secs,
        "server_rss_peak_mb": peak.load(Ordering::Relaxed) / 1024,
        "server_hwm_mb": status_kb(pid, "VmHWM:") / 1024,
    })
}

fn hash_seed(unit: &str, i: usize) -> u64 {
    let d = Sha256::digest(format!("{unit}/{i}"));
    u64::from_le_bytes(d[..8].try_into().unwrap())
}

fn rss_kb(pid: u32) -> u64 {
    status_kb(pid, "VmRSS:")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let photo_bytes: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(650_000);
    let devices: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(50);
    let each: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(4);
    let bin = std::env::var("PAPI_SERVER").unwrap_or_else(|_| "target/release/papi-server".into());
    let dir = std::env::temp_dir().join(format!("papi-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!DOCTYPE html>").unwrap();
    let db = dir.join("papi.sqlite3");
    let all = common::communes(devices + 1);
    let tokens: Vec<String> = all
        .iter()
        .map(|u| common::unit_add_with(&bin, &db, u))
        .collect();
    let (mut server, base) = common::spawn_server(&bin, &dir, &db).await;

    let (total, wire, cuts) = cut_link(&base, &tokens[devices], &all[devices], photo_bytes).await;
    println!(
        "{}",
        json!({
            "phase": "cut",
            "photos": 20,
            "file_bytes": total,
            "wire_bytes": wire,
            "cuts": cuts,
            "cut_every_bytes": CUT_EVERY,
            "resent_percent": (wire - total) as f64 * 100.0 / total as f64,
        })
    );
    println!(
        "{}",
        load(
            &base,
            server.id(),
            &all[..devices],
            &tokens[..devices],
            photo_bytes,
            each
        )
        .await
    );
    let _ = server.kill();
    let _ = std::fs::remove_dir_all(&dir);
}
