//! The real binary: tokens made by `unit add`, HTTPS with a certificate,
//! and a crash (SIGKILL) while clients post: every batch the server
//! confirmed is there after a restart, and none is half-written.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_papi-server");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn unit_add(db: &Path, code: &str) -> String {
    let out = Command::new(BIN)
        .args(["unit", "add", code, "--db"])
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find(|l| l.starts_with("papi_"))
        .expect("the token is printed")
        .to_string()
}

fn spawn(dir: &Path, db: &Path, port: u16, tls: Option<(&Path, &Path)>) -> Child {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .arg("--dist")
        .arg(dir)
        .arg("--db")
        .arg(db)
        .args(["--addr", &format!("127.0.0.1:{port}")]);
    if let Some((c, k)) = tls {
        cmd.arg("--tls-cert").arg(c).arg("--tls-key").arg(k);
    }
    cmd.stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

async fn wait_up(client: &reqwest::Client, url: &str) {
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{url}/api/v1/health")).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("server at {url} did not come up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_say_what_is_wrong() {
    let dir = temp_dir("admin");
    let db = dir.join("papi.sqlite3");
    let out = Command::new(BIN)
        .args(["unit", "add", "99999", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("99999 is not a unit code"));
    let token = unit_add(&db, "02194");
    assert!(token.len() == 69);
    let list = Command::new(BIN)
        .args(["unit", "list", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(
        list.contains("Xã Đổng Xá") && list.contains("live") && !list.contains(&token[5..]),
        "{list}"
    );
    let out = Command::new(BIN)
        .args(["unit", "revoke", "1", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = Command::new(BIN)
        .args(["unit", "revoke", "1", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("no live token with id 1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_the_given_certificate() {
    let dir = temp_dir("tls");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cp, kp): (PathBuf, PathBuf) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cp, cert.cert.pem()).unwrap();
    std::fs::write(&kp, cert.signing_key.serialize_pem()).unwrap();
    let port = free_port();
    let mut child = spawn(&dir, &dir.join("papi.sqlite3"), port, Some((&cp, &kp)));
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .resolve("localhost", format!("127.0.0.1:{port}").parse().unwrap())
        .build()
        .unwrap();
    let url = format!("https://localhost:{port}");
    wait_up(&client, &url).await;
    let res = client.get(format!("{url}/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().contains_key("content-security-policy"));
    // Plain HTTP on the TLS port is not served.
    assert!(
        reqwest::get(format!("http://127.0.0.1:{port}/api/v1/health"))
            .await
            .is_err()
    );
    child.kill().unwrap();
    child.wait().unwrap();
    // A missing key file is a clear error, not a panic.
    let out = Command::new(BIN)
        .arg("--dist")
        .arg(&dir)
        .arg("--db")
        .arg(dir.join("x.sqlite3"))
        .args(["--addr", &format!("127.0.0.1:{}", free_port())])
        .arg("--tls-cert")
        .arg(&cp)
        .arg("--tls-key")
        .arg(dir.join("missing.pem"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("TLS certificate or key"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_keeps_every_batch_it_confirmed() {
    let dir = temp_dir("crash");
    let db = dir.join("papi.sqlite3");
    let communes = ["02194", "02137", "02140", "02143"];
    let tokens: Vec<String> = communes.iter().map(|c| unit_add(&db, c)).collect();
    let province = unit_add(&db, "06");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut child = spawn(&dir, &db, port, None);
    wait_up(&client, &url).await;

    let confirmed = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut clients = vec![];
    for k in 0..8 {
        let (unit, token) = (communes[k % 4], tokens[k % 4].clone());
        let (url, client, confirmed) = (url.clone(), client.clone(), confirmed.clone());
        clients.push(tokio::spawn(async move {
            for seq in 1.. {
                let b = batch(unit, &format!("dev-{k}"), seq, 20);
                let res = client
                    .post(format!("{url}/api/v1/batches"))
                    .bearer_auth(&token)
                    .body(b.to_json())
                    .send()
                    .await;
                let Ok(res) = res else { break };
                if res.status() != StatusCode::CREATED {
                    break;
                }
                let Ok(body) = res.json::<Value>().await else {
                    break;
                };
                if body["sha256"] == b.sha256 {
                    confirmed.lock().unwrap().push(b.sha256.clone());
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    child.wait().unwrap();
    for c in clients {
        let _ = c.await;
    }
    let confirmed = confirmed.lock().unwrap().clone();
    assert!(
        confirmed.len() > 20,
        "clients got {} confirmations before the kill",
        confirmed.len()
    );

    let mut child = spawn(&dir, &db, port, None);
    wait_up(&client, &url).await;
    let (plan, units) = papi_server::plan_and_units();
    let (mut after, mut stored) = (0, HashSet::new());
    loop {
        let page: Value = client
            .get(format!("{url}/api/v1/batches?after={after}&limit=500"))
            .bearer_auth(&province)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in page["batches"].as_array().unwrap() {
            // Every stored batch is whole: it parses and its hash holds.
            let text = serde_json::to_string(&item["batch"]).unwrap();
            let b = papi_core::batch::parse(text.as_bytes(), &plan, &units, chrono::Utc::now())
                .expect("a whole batch");
            assert!(stored.insert(b.sha256), "stored once");
        }
        after = page["next"].as_i64().unwrap();
        if page["more"] == false {
            break;
        }
    }
    let missing: Vec<_> = confirmed.iter().filter(|h| !stored.contains(*h)).collect();
    assert!(
        missing.is_empty(),
        "{} confirmed batches lost",
        missing.len()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
