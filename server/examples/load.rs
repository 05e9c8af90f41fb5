//! Load benchmark of the sync server (BENCHMARKS.md): 16 concurrent clients
//! post batches of 100 records over HTTP to a real server process with a
//! real SQLite file and durable commits; prints JSON with batches per second
//! and the p50/p99 latency.
//!
//!     cargo run --release -p papi-server --example load -- [BATCHES_PER_CLIENT] [CLIENTS]

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
    // One unit (and token) per client: each token has its own rate limit.
    let units = common::communes(clients);
    let tokens: Vec<String> = units
        .iter()
        .map(|u| common::unit_add_with(&bin, &db, u))
        .collect();
    let (mut server, base) = common::spawn_server(&bin, &dir, &db).await;
    let url = format!("{base}/api/v1/batches");
    let client = reqwest::Client::new();
    // Batches are made before the clock starts: the server is measured.
    let bodies: Vec<Vec<String>> = (0..clients)
        .map(|c| {
            (1..=per_client as u64)
                .map(|s| common::batch(&units[c], &format!("dev-{c:03}"), s, 100).to_json())
                .collect()
        })
        .collect();
    let start = Instant::now();
    let mut tasks = vec![];
    for (c, bodies) in bodies.into_iter().enumerate() {
        let (client, url, token) = (client.clone(), url.clone(), tokens[c].clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = vec![];
            for body in bodies {
                lat.push(common::post_created(&client, &url, &token, body).await);
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
