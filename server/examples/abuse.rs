//! Abuse benchmark of the sync server (BENCHMARKS.md, "Sync server under
//! abuse"), on loopback only, bounded in count and time. A real server
//! process with its default limits and a real SQLite file; one line of JSON
//! per phase, with the server's peak resident memory and the slowest
//! /api/v1/health answer (a fresh connection every 100 ms) during it:
//!
//! - unloaded: 16 clients post 100 batches of 100 records each (the POST
//!   baseline);
//! - (a) 200 concurrent uploads announcing 19 MB each, without a token;
//! - (b) 1,000 idle connections, held until the server closes them;
//! - (c) the province pages through 500 large batches while 16 clients post;
//! - (d) the mixed attack (tests/common/attack.rs): for 60 s, 20 clients
//!   with ONE valid commune token post 19 MB of junk (a batch whose hash
//!   was broken: read and hashed whole before it is refused), 200 tokenless
//!   19 MB uploads, 1,000 idle sockets and 50 slowloris, while 8 honest
//!   communes post real signed batches; beside the same 8 unloaded.
//!
//!     cargo run --release -p papi-server --example abuse -- [LARGE_BATCHES] [RECORDS_EACH] [ATTACK_SECONDS]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

#[path = "../tests/common/mod.rs"]
mod common;

const CLIENTS: usize = 16;
const POSTS_PER_CLIENT: u64 = 100;

/// What the probe saw during one phase.
#[derive(Default, Clone)]
struct Seen {
    rss_peak_kb: u64,
    health_max_ms: f64,
    health_n: u32,
    health_failed: u32,
    /// The server's peak resident memory since it started (VmHWM).
    hwm_kb: u64,
}

/// Samples the server's memory and health latency every 100 ms until
/// stopped, and once more at the end of each phase.
#[derive(Clone)]
struct Probe {
    seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
    client: reqwest::Client,
    url: String,
    pid: u32,
}

use common::attack::status_kb;

impl Probe {
    fn start(pid: u32, base: &str) -> Probe {
        let probe = Probe {
            seen: Arc::new(Mutex::new(Seen::default())),
            stop: Arc::new(AtomicBool::new(false)),
            // A new connection each time, as a monitor would make.
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap(),
            url: format!("{base}/api/v1/health"),
            pid,
        };
        let p = probe.clone();
        tokio::spawn(async move {
            while !p.stop.load(Ordering::Relaxed) {
                p.sample().await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        probe
    }

    async fn sample(&self) {
        let t = Instant::now();
        let ok = matches!(self.client.get(&self.url).send().await, Ok(r) if r.status() == 200);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let rss = status_kb(self.pid, "VmRSS:");
        let mut s = self.seen.lock().unwrap();
        s.rss_peak_kb = s.rss_peak_kb.max(rss);
        s.health_max_ms = s.health_max_ms.max(ms);
        s.health_n += 1;
        s.health_failed += u32::from(!ok);
    }

    /// What was seen since the last call (with one last sample, and the
    /// server's peak so far), and start afresh.
    async fn take(&self) -> Seen {
        self.sample().await;
        let mut seen = std::mem::take(&mut *self.seen.lock().unwrap());
        seen.hwm_kb = status_kb(self.pid, "VmHWM:");
        seen
    }
}

fn report(phase: &str, seen: &Seen, extra: Value) {
    let mut line = json!({
        "phase": phase,
        "server_rss_peak_mb": seen.rss_peak_kb / 1024,
        "server_hwm_mb": seen.hwm_kb / 1024,
        "health_max_ms": (seen.health_max_ms * 10.0).round() / 10.0,
        "health_probes": seen.health_n,
        "health_failed": seen.health_failed,
    });
    line.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    println!("{line}");
}

fn p99_ms(mut lat: Vec<Duration>) -> (f64, f64) {
    lat.sort();
    let pct =
        |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    (
        (pct(0.5) * 10.0).round() / 10.0,
        (pct(0.99) * 10.0).round() / 10.0,
    )
}

/// 16 clients, each with its own unit and token, post batches of 100
/// records (made before the clock starts): every latency.
async fn post_round(
    base: &str,
    units: &[String],
    tokens: &[String],
    first_seq: u64,
) -> Vec<Duration> {
    let url = format!("{base}/api/v1/batches");
    let client = reqwest::Client::new();
    let mut tasks = vec![];
    for (c, (unit, token)) in units.iter().zip(tokens).enumerate() {
        let bodies: Vec<String> = (first_seq..first_seq + POSTS_PER_CLIENT)
            .map(|s| common::batch(unit, &format!("dev-{c}"), s, 100).to_json())
            .collect();
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = vec![];
            for body in bodies {
                lat.push(common::post_created(&client, &url, &token, body).await);
            }
            lat
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

/// (a) `n` uploads announcing 19 MB with no token, each writing its body
/// as fast as it can: how each ended, and the slowest answer.
async fn tokenless_uploads(addr: &str, n: usize) -> Value {
    let head =
        "POST /api/v1/batches HTTP/1.1\r\nHost: x\r\nContent-Length: 19000000\r\n\r\n".to_string();
    let mut tasks = vec![];
    for _ in 0..n {
        let (addr, head) = (addr.to_string(), head.clone());
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let how = match common::attack::tokenless_upload(&addr, &head).await {
                401 => "401",
                503 => "503",
                0 => "closed_or_no_answer_in_30s",
                _ => "other",
            };
            (how, t.elapsed())
        }));
    }
    let mut counts = std::collections::BTreeMap::<&str, u32>::new();
    let mut slowest = Duration::ZERO;
    for t in tasks {
        let (how, took) = t.await.unwrap();
        *counts.entry(how).or_default() += 1;
        slowest = slowest.max(took);
    }
    json!({ "uploads": n, "outcomes": counts, "slowest_answer_ms": slowest.as_millis() as u64 })
}

/// (b) `n` connections that never send a byte: how many the server took,
/// and when it closed them (a connection still open after 25 s is counted
/// as never closed).
async fn idle_connections(addr: &str, n: usize) -> Value {
    let t0 = Instant::now();
    let mut tasks = vec![];
    for _ in 0..n {
        let addr = addr.to_string();
        tasks.push(tokio::spawn(async move {
            let mut c = TcpStream::connect(&addr).await.ok()?;
            let opened = t0.elapsed();
            let mut buf = [0u8; 256];
            let read = tokio::time::timeout(Duration::from_secs(25), c.read(&mut buf)).await;
            Some((opened, read.is_ok().then(|| t0.elapsed() - opened)))
        }));
    }
    let (mut opened, mut open_for, mut never) = (vec![], vec![], 0);
    for t in tasks {
        if let Some((at, closed)) = t.await.unwrap() {
            opened.push(at);
            match closed {
                Some(d) => open_for.push(d),
                None => never += 1,
            }
        }
    }
    opened.sort();
    open_for.sort();
    let secs = |d: Option<&Duration>| d.map(|d| (d.as_secs_f64() * 10.0).round() / 10.0);
    json!({
        "connections": n,
        "opened": opened.len(),
        "last_opened_s": secs(opened.last()),
        "closed_by_server_after_s": [secs(open_for.first()), secs(open_for.last())],
        "never_closed": never,
    })
}

/// Post `n` batches of `records` records from 4 seed communes (not timed).
async fn seed(base: &str, units: &[String], tokens: &[String], n: usize, records: usize) {
    let url = format!("{base}/api/v1/batches");
    let client = reqwest::Client::new();
    let mut tasks = vec![];
    for (k, (unit, token)) in units.iter().zip(tokens).enumerate() {
        let (client, url, unit, token) = (client.clone(), url.clone(), unit.clone(), token.clone());
        let count = n / units.len() + usize::from(k < n % units.len());
        tasks.push(tokio::spawn(async move {
            for seq in 1..=count as u64 {
                let unit2 = unit.clone();
                let body = tokio::task::spawn_blocking(move || {
                    // One device per unit: a device's key speaks for one unit.
                    common::batch(&unit2, &format!("seed-{unit2}"), seq, records).to_json()
                })
                .await
                .unwrap();
                common::post_created(&client, &url, &token, body).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// `next` and `more` from the end of a page (`…,"next":N,"more":B}`),
/// without parsing its megabytes of batches on this side.
fn page_end(page: &[u8]) -> (i64, bool) {
    let tail = &page[page.len().saturating_sub(200)..];
    let tail = String::from_utf8_lossy(tail);
    let at = tail
        .rfind(",\"next\":")
        .expect("a page ends with next and more");
    let end: Value = serde_json::from_str(&format!("{{{}", &tail[at + 1..])).unwrap();
    (end["next"].as_i64().unwrap(), end["more"] == true)
}

/// The province reads every page, again and again until `done`: passes,
/// pages, bytes and the slowest page.
async fn province_reads(base: String, token: String, done: Arc<AtomicBool>) -> Value {
    let client = reqwest::Client::new();
    let (mut passes, mut pages, mut bytes, mut slowest) = (0u32, 0u32, 0usize, Duration::ZERO);
    while !done.load(Ordering::Relaxed) && passes < 10 {
        let mut after = 0;
        loop {
            let t = Instant::now();
            let res = client
                .get(format!("{base}/api/v1/batches?after={after}&limit=500"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let text = res.bytes().await.unwrap();
            slowest = slowest.max(t.elapsed());
            (pages, bytes) = (pages + 1, bytes + text.len());
            let (next, more) = page_end(&text);
            after = next;
            if !more {
                break;
            }
        }
        passes += 1;
    }
    json!({ "get_passes": passes, "get_pages": pages, "get_mb": bytes / 1_000_000, "slowest_page_ms": slowest.as_millis() as u64 })
}

/// 8 honest communes (their own units and tokens), unloaded and then under
/// the mixed attack of one leaked token: memory, health and their p99.
async fn mixed_attack(
    base: &str,
    pid: u32,
    db: &std::path::Path,
    bin: &str,
    seconds: u64,
) -> Value {
    use common::attack::{self, Attack, Honest};
    // Units of their own, past the other phases' (a device speaks for one
    // unit, and each phase numbers its batches from 1).
    let all = common::communes(CLIENTS + 4 + 9);
    let units = &all[CLIENTS + 4..];
    let tokens: Vec<String> = units
        .iter()
        .map(|u| common::unit_add_with(bin, db, u))
        .collect();
    let honest = |first: u64, n: u64| -> Vec<Honest> {
        units[..8]
            .iter()
            .zip(&tokens)
            .enumerate()
            .map(|(c, (unit, token))| Honest {
                unit: unit.clone(),
                token: token.clone(),
                bodies: (first..first + n)
                    .map(|s| common::batch(unit, &format!("honest-{c}"), s, 100).to_json())
                    .collect(),
            })
            .collect()
    };
    let (quiet, _) =
        attack::honest_posts(base, honest(1, 100), Duration::from_millis(50), None).await;
    let (q50, q99) = attack::p50_p99_ms(&quiet);
    let full = Attack {
        seconds,
        ..Attack::full()
    };
    let junk = attack::junk_batch(&units[8], full.junk_bytes);
    let junk_mb = junk.len() as f64 / 1e6;
    let out = attack::run(base, pid, &full, &tokens[8], junk, honest(101, 1000)).await;
    let (p50, p99) = attack::p50_p99_ms(&out.honest_latencies);
    json!({
        "seconds": seconds,
        "junk_mb": (junk_mb * 10.0).round() / 10.0,
        "honest_unloaded_p50_ms": q50,
        "honest_unloaded_p99_ms": q99,
        "honest_posts": out.honest_latencies.len(),
        "honest_failed": out.honest_failed.len(),
        "honest_p50_ms": p50,
        "honest_p99_ms": p99,
        "honest_p99_vs_unloaded": (p99 / q99 * 100.0).round() / 100.0,
        "attack_rss_peak_mb": out.peak_rss_kb / 1024,
        "junk_answers": out.junk,
        "tokenless_answers": out.tokenless,
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let large: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(500);
    let records: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let attack_seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(60);
    let bin = std::env::var("PAPI_SERVER").unwrap_or_else(|_| "target/release/papi-server".into());
    let dir = std::env::temp_dir().join(format!("papi-abuse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!DOCTYPE html>").unwrap();
    let db = dir.join("papi.sqlite3");
    let all = common::communes(CLIENTS + 4);
    let tokens: Vec<String> = all
        .iter()
        .map(|u| common::unit_add_with(&bin, &db, u))
        .collect();
    let province = common::unit_add_with(&bin, &db, "06");
    let (mut server, base) = common::spawn_server(&bin, &dir, &db).await;
    let addr = base.trim_start_matches("http://").to_string();
    let probe = Probe::start(server.id(), &base);
    let started = Instant::now();
    let (units, seeders) = all.split_at(CLIENTS);
    let (toks, seed_toks) = tokens.split_at(CLIENTS);

    let (p50, p99) = p99_ms(post_round(&base, units, toks, 1).await);
    report(
        "unloaded: 16 clients post",
        &probe.take().await,
        json!({ "post_p50_ms": p50, "post_p99_ms": p99 }),
    );
    let a = tokenless_uploads(&addr, 200).await;
    report(
        "(a) 200 uploads of 19 MB without a token",
        &probe.take().await,
        a,
    );
    let b = idle_connections(&addr, 1000).await;
    report("(b) 1,000 idle connections", &probe.take().await, b);

    let d = mixed_attack(&base, server.id(), &db, &bin, attack_seconds).await;
    report(
        "(d) mixed attack: one valid token's junk, tokenless, idle, slowloris, 8 honest communes",
        &probe.take().await,
        d,
    );

    let t = Instant::now();
    seed(&base, seeders, seed_toks, large, records).await;
    let seeded =
        json!({ "batches": large, "records_each": records, "seconds": t.elapsed().as_secs() });
    report("seeding the large batches", &probe.take().await, seeded);
    let done = Arc::new(AtomicBool::new(false));
    let reads = tokio::spawn(province_reads(base.clone(), province, done.clone()));
    let (lp50, lp99) = p99_ms(post_round(&base, units, toks, POSTS_PER_CLIENT + 1).await);
    done.store(true, Ordering::Relaxed);
    let mut c = reads.await.unwrap();
    c["post_p50_ms"] = json!(lp50);
    c["post_p99_ms"] = json!(lp99);
    c["post_p99_vs_unloaded"] = json!((lp99 / p99 * 100.0).round() / 100.0);
    report(
        "(c) province GET of the large batches while 16 clients post",
        &probe.take().await,
        c,
    );

    probe.stop.store(true, Ordering::Relaxed);
    let hwm = status_kb(server.id(), "VmHWM:");
    println!(
        "{}",
        json!({ "server_peak_rss_mb": hwm / 1024, "seconds": started.elapsed().as_secs() })
    );
    server.kill().ok();
    server.wait().ok();
    let _ = std::fs::remove_dir_all(&dir);
}
