//! `papi-server backup` while clients post, then `restore`: every batch
//! confirmed before the backup began is in the restored database.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_papi-server");

fn run(args: &[&str], paths: &[&Path]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for p in paths {
        cmd.arg(p);
    }
    cmd.output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The hashes of the batches in a database, each checked whole: it parses
/// and its hash holds.
fn stored_hashes(db: &Path) -> HashSet<String> {
    let (plan, units) = papi_server::plan_and_units();
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c.prepare("SELECT sha256, body FROM batches").unwrap();
    let rows = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    rows.map(|row| {
        let (sha, body) = row.unwrap();
        let b = papi_core::batch::parse(body.as_bytes(), &plan, &units, chrono::Utc::now())
            .expect("a whole batch");
        assert_eq!(b.sha256, sha);
        sha
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_clients_post_restores_every_confirmed_batch() {
    let s = start(&temp_dir("backup")).await;
    let communes = ["02194", "02137", "02140", "02143"];
    let tokens: Vec<String> = communes.iter().map(|c| token(&s.db_path, c).1).collect();
    let confirmed = Arc::new(Mutex::new(Vec::<(Instant, String)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = vec![];
    for (k, (unit, token)) in communes.iter().zip(tokens).enumerate() {
        let (url, confirmed, stop) = (s.url.clone(), confirmed.clone(), stop.clone());
        let unit = unit.to_string();
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut seq = 1;
            while !stop.load(Ordering::Relaxed) {
                let b = batch(&unit, &format!("dev-{k}"), seq, 10);
                let res = client
                    .post(format!("{url}/api/v1/batches"))
                    .bearer_auth(&token)
                    .body(b.to_json())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), StatusCode::CREATED);
                let body: Value = res.json().await.unwrap();
                assert_eq!(body["sha256"], b.sha256);
                confirmed.lock().unwrap().push((Instant::now(), b.sha256));
                seq += 1;
            }
        }));
    }
    // Long enough for a fair number of batches on a busy shared machine.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let out = s.dir.join("nightly.sqlite3");
    let began = Instant::now();
    let (db, o) = (s.db_path.clone(), out.clone());
    let report = tokio::task::spawn_blocking(move || {
        ok(&run(&["backup", "--db"], &[&db, Path::new("--out"), &o]))
    })
    .await
    .unwrap();
    let ended = Instant::now();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    assert!(report.contains("integrity ok"), "{report}");

    let confirmed = confirmed.lock().unwrap().clone();
    let before: Vec<&String> = confirmed
        .iter()
        .filter(|(t, _)| *t < began)
        .map(|(_, h)| h)
        .collect();
    let after = confirmed.iter().filter(|(t, _)| *t > ended).count();
    assert!(
        before.len() > 10,
        "{} confirmed before the backup",
        before.len()
    );
    assert!(after > 0, "clients went on posting through the backup");

    // The server still has the database open: restoring over it is refused.
    let refused = run(
        &["restore", "--from"],
        &[&out, Path::new("--db"), &s.db_path],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("stop the server first"));

    let target = temp_dir("restored");
    let restored = target.join("papi.sqlite3");
    let report = ok(&run(
        &["restore", "--from"],
        &[&out, Path::new("--db"), &restored],
    ));
    assert!(report.contains("integrity ok"), "{report}");
    let stored = stored_hashes(&restored);
    let lost: Vec<_> = before.iter().filter(|h| !stored.contains(**h)).collect();
    assert!(lost.is_empty(), "{} confirmed batches missing", lost.len());

    // A server on the restored file serves them.
    let again = start(&target).await;
    let health: Value = reqwest::get(format!("{}/api/v1/health", again.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["batches"], stored.len());
}
