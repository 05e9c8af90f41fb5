//! The mixed attack on a running server (issue 26), shared by the test that
//! asserts its bounds (server/tests/attack.rs, scaled to CI's time) and the
//! abuse benchmark (examples/abuse.rs, full size). Loopback only, bounded
//! in time: tokenless uploads announcing large bodies, idle connections,
//! slowloris headers, and one VALID commune token posting large junk from
//! many clients at once, while honest communes post real signed batches.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How hard to push, and for how long.
#[derive(Clone, Debug)]
pub struct Attack {
    pub seconds: u64,
    /// Clients posting junk with the one leaked token, and its size.
    pub junk_clients: usize,
    pub junk_bytes: usize,
    /// Uploads without a token, each announcing `junk_bytes`.
    pub tokenless: usize,
    pub idle: usize,
    pub slowloris: usize,
}

impl Attack {
    /// The attack of the issue: 60 s, 20 clients × 19 MB of junk with a
    /// valid token, 200 tokenless 19 MB uploads, 1,000 idle sockets, 50
    /// slowloris.
    pub fn full() -> Attack {
        Attack {
            seconds: 60,
            junk_clients: 20,
            junk_bytes: 19_000_000,
            tokenless: 200,
            idle: 1000,
            slowloris: 50,
        }
    }
}

/// An honest commune: its unit, token and the bodies it will post in turn.
pub struct Honest {
    pub unit: String,
    pub token: String,
    pub bodies: Vec<String>,
}

/// What the attack did and what the honest communes saw.
#[derive(Debug, Default)]
pub struct Outcome {
    pub honest_latencies: Vec<Duration>,
    /// Honest posts that did not end in 201 (status, or 0 for no answer).
    pub honest_failed: Vec<u16>,
    /// The junk posts' answers by status (0: the connection broke).
    pub junk: BTreeMap<u16, u32>,
    pub tokenless: BTreeMap<u16, u32>,
    pub peak_rss_kb: u64,
    pub health_max_ms: f64,
    pub health_failed: u32,
}

pub fn status_kb(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The p50 and p99 of `lat`, in milliseconds to a tenth.
pub fn p50_p99_ms(lat: &[Duration]) -> (f64, f64) {
    let mut lat = lat.to_vec();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    (
        (pct(0.5) * 10.0).round() / 10.0,
        (pct(0.99) * 10.0).round() / 10.0,
    )
}

/// Each honest commune posts its bodies one after another (as the app's
/// sync does), pausing `pause` between posts: every latency, and every
/// post that did not end in 201.
pub async fn honest_posts(
    base: &str,
    honest: Vec<Honest>,
    pause: Duration,
    until: Option<Arc<AtomicBool>>,
) -> (Vec<Duration>, Vec<u16>) {
    let url = format!("{base}/api/v1/batches");
    let client = reqwest::Client::new();
    let mut tasks = vec![];
    for h in honest {
        let (client, url, until) = (client.clone(), url.clone(), until.clone());
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut failed) = (vec![], vec![]);
            for body in h.bodies {
                if until.as_ref().is_some_and(|u| u.load(Ordering::Relaxed)) {
                    break;
                }
                let t = Instant::now();
                let status = match client
                    .post(&url)
                    .bearer_auth(&h.token)
                    .body(body)
                    .send()
                    .await
                {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        let _ = r.bytes().await;
                        s
                    }
                    Err(_) => 0,
                };
                if status == 201 {
                    lat.push(t.elapsed());
                } else {
                    failed.push(status);
                }
                tokio::time::sleep(pause).await;
            }
            (lat, failed)
        }));
    }
    let (mut lat, mut failed) = (vec![], vec![]);
    for t in tasks {
        let (l, f) = t.await.unwrap();
        lat.extend(l);
        failed.extend(f);
    }
    (lat, failed)
}

/// Run the attack against the server `pid` at `base` while `honest` post;
/// `junk` is the body the leaked token posts (a batch whose hash was
/// broken: read whole and hashed before it is refused, the costliest).
pub async fn run(
    base: &str,
    pid: u32,
    attack: &Attack,
    junk_token: &str,
    junk: Vec<u8>,
    honest: Vec<Honest>,
) -> Outcome {
    let addr = base.trim_start_matches("http://").to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(attack.seconds);
    let mut out = Outcome::default();
    let seen = Arc::new(Mutex::new((0u64, 0f64, 0u32)));
    let mut background = vec![];

    // The probe: memory and health every 100 ms.
    {
        let (stop, seen, base) = (stop.clone(), seen.clone(), base.to_string());
        background.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = matches!(client.get(format!("{base}/api/v1/health")).send().await, Ok(r) if r.status() == 200);
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                {
                    let mut s = seen.lock().unwrap();
                    s.0 = s.0.max(status_kb(pid, "VmRSS:"));
                    s.1 = s.1.max(ms);
                    s.2 += u32::from(!ok);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }));
    }
    // The leaked token's junk, from many clients, each again as soon as
    // it is answered.
    let junk = bytes::Bytes::from(junk);
    let junk_seen = Arc::new(Mutex::new(BTreeMap::<u16, u32>::new()));
    for _ in 0..attack.junk_clients {
        let (stop, junk, seen) = (stop.clone(), junk.clone(), junk_seen.clone());
        let (url, token) = (format!("{base}/api/v1/batches"), junk_token.to_string());
        background.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            while !stop.load(Ordering::Relaxed) {
                let status = match client
                    .post(&url)
                    .bearer_auth(&token)
                    .body(junk.clone())
                    .send()
                    .await
                {
                    Ok(r) => r.status().as_u16(),
                    Err(_) => 0,
                };
                *seen.lock().unwrap().entry(status).or_default() += 1;
                if status == 0 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }
    // Tokenless uploads announcing the junk's size.
    let tokenless_seen = Arc::new(Mutex::new(BTreeMap::<u16, u32>::new()));
    for _ in 0..attack.tokenless {
        let (stop, addr, seen) = (stop.clone(), addr.clone(), tokenless_seen.clone());
        let head = format!(
            "POST /api/v1/batches HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            attack.junk_bytes
        );
        background.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let status = tokenless_upload(&addr, &head).await;
                *seen.lock().unwrap().entry(status).or_default() += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
    }
    // Idle connections, opened again when the server closes them.
    for _ in 0..attack.idle {
        let (stop, addr) = (stop.clone(), addr.clone());
        background.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(mut c) = TcpStream::connect(&addr).await {
                    let mut buf = [0u8; 64];
                    let _ = tokio::time::timeout(Duration::from_secs(1), c.read(&mut buf)).await;
                    while !stop.load(Ordering::Relaxed) {
                        match tokio::time::timeout(Duration::from_millis(500), c.read(&mut buf))
                            .await
                        {
                            Ok(_) => break,
                            Err(_) => continue,
                        }
                    }
                } else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }));
    }
    // Slowloris: a request's headers one byte every 500 ms.
    for _ in 0..attack.slowloris {
        let (stop, addr) = (stop.clone(), addr.clone());
        background.push(tokio::spawn(async move {
            let head = b"POST /api/v1/batches HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut c) = TcpStream::connect(&addr).await else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                };
                for b in head.iter().cycle() {
                    if stop.load(Ordering::Relaxed) || c.write_all(&[*b]).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }));
    }
    // The honest communes post all along, until the attack ends.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let done = Arc::new(AtomicBool::new(false));
    let honest_task = tokio::spawn({
        let (base, done) = (base.to_string(), done.clone());
        async move { honest_posts(&base, honest, Duration::from_millis(50), Some(done)).await }
    });
    tokio::time::sleep_until(deadline.into()).await;
    done.store(true, Ordering::Relaxed);
    let (lat, failed) = honest_task.await.unwrap();
    stop.store(true, Ordering::Relaxed);
    for t in background {
        let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
    }
    out.honest_latencies = lat;
    out.honest_failed = failed;
    out.junk = junk_seen.lock().unwrap().clone();
    out.tokenless = tokenless_seen.lock().unwrap().clone();
    let s = seen.lock().unwrap();
    (out.peak_rss_kb, out.health_max_ms, out.health_failed) =
        (s.0.max(status_kb(pid, "VmRSS:")), s.1, s.2);
    out
}

/// One upload without a token that writes its body as fast as it can: the
/// status of the answer (0: none within 30 s, or the connection closed).
pub async fn tokenless_upload(addr: &str, head: &str) -> u16 {
    let Ok(c) = TcpStream::connect(addr).await else {
        return 0;
    };
    let (mut rd, mut wr) = c.into_split();
    let head = head.to_string();
    let writer = tokio::spawn(async move {
        let chunk = vec![b'x'; 64 * 1024];
        let _ = wr.write_all(head.as_bytes()).await;
        for _ in 0..300 {
            if wr.write_all(&chunk).await.is_err() {
                break;
            }
        }
    });
    let mut buf = vec![0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(30), rd.read(&mut buf)).await;
    writer.abort();
    match read {
        Ok(Ok(n)) if n >= 12 && buf.starts_with(b"HTTP/1.1 ") => std::str::from_utf8(&buf[9..12])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        _ => 0,
    }
}

/// A large batch of `unit` whose hash was broken: read, parsed and hashed
/// whole before it is refused, the costliest junk a token holder can send.
pub fn junk_batch(unit: &str, bytes: usize) -> Vec<u8> {
    // About 640 bytes a record in the file's indented form.
    let records = (bytes / 640).max(1);
    let mut body = super::batch(unit, "junk-device", 1, records)
        .to_json()
        .into_bytes();
    break_hash(&mut body);
    body
}

/// Change one digit of a batch file's stated `sha256`: the file still
/// reads whole, and is refused only once its content has been hashed.
pub fn break_hash(body: &mut [u8]) {
    let at = String::from_utf8_lossy(body)
        .find("\"sha256\": \"")
        .expect("a batch file states its sha256")
        + 11;
    body[at] = if body[at] == b'0' { b'1' } else { b'0' };
}
