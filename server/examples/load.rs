//! Load benchmark of the sync server (BENCHMARKS.md): 16 concurrent clients
//! post batches of 100 records over HTTP to a real server process with a
//! real SQLite file and durable commits; prints JSON with batches per second
//! and the p50/p99 latency.
//!
//!     cargo run --release -p papi-server --example load -- [BATCHES_PER_CLIENT] [CLIENTS]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../tests/common/mod.rs"]
mod common;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let per_client: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(200);
    let clients: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(16);
    let bin = std::env::var("PAPI_SERVER").unwrap_or_else(|_| "target/release/papi-server".into());
    let dir = std::env::temp_dir().join(format!("papi-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!DOCTYPE html>").unwrap();
    let db = dir.join("papi.sqlite3");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let units = ["02194", "02137", "02140", "02143"];
    let mut tokens = vec![];
    for u in units {
        let out = Command::new(&bin)
            .args(["unit", "add", u, "--db"])
            .arg(&db)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        tokens.push(
            text.lines()
                .find(|l| l.starts_with("papi_"))
                .unwrap()
                .to_string(),
        );
    }
    let mut server = Command::new(&bin)
        .arg("serve")
        .arg("--dist")
        .arg(&dir)
        .arg("--db")
        .arg(&db)
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/api/v1/batches");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("http://127.0.0.1:{port}/api/v1/health"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // Batches are made before the clock starts: the server is measured.
    let bodies: Vec<Vec<String>> = (0..clients)
        .map(|c| {
            (1..=per_client as u64)
                .map(|s| common::batch(units[c % 4], &format!("dev-{c:03}"), s, 100).to_json())
                .collect()
        })
        .collect();
    let start = Instant::now();
    let mut tasks = vec![];
    for (c, bodies) in bodies.into_iter().enumerate() {
        let (client, url, token) = (client.clone(), url.clone(), tokens[c % 4].clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = vec![];
            for body in bodies {
                let t = Instant::now();
                let res = client
                    .post(&url)
                    .bearer_auth(&token)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    res.status(),
                    201,
                    "{}",
                    res.text().await.unwrap_or_default()
                );
                let _ = res.bytes().await;
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut lat: Vec<Duration> = vec![];
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    server.kill().ok();
    server.wait().ok();
    let _ = std::fs::remove_dir_all(&dir);
    lat.sort();
    let pct =
        |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "{{\"clients\":{clients},\"records_per_batch\":100,\"batches\":{},\"seconds\":{elapsed:.2},\"per_second\":{:.0},\"p50_ms\":{:.1},\"p99_ms\":{:.1}}}",
        lat.len(),
        lat.len() as f64 / elapsed,
        pct(0.5),
        pct(0.99)
    );
}
