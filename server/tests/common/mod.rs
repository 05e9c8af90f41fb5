//! Shared set-up of the server tests (and of `examples/load.rs`): a real SQLite file in a temporary
//! folder, the server on a loopback port, tokens, and batches made by the
//! core exactly as the app makes them.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use papi_core::activity::new_id;
use papi_core::batch::{Batch, BatchKind, Header};
use papi_core::record::Field;
use papi_core::{Activity, ActivityFields, Author, Status};
use papi_server::limits::Limits;
use papi_server::{app_with, db, plan_and_units, tokens, Config};
use sha2::Digest;

pub mod attack;

pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "papi-server-{tag}-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("index.html"),
        "<!DOCTYPE html><title>x</title><script>var a=1;</script>".repeat(20),
    )
    .unwrap();
    d
}

pub struct TestServer {
    pub url: String,
    pub addr: SocketAddr,
    pub dir: PathBuf,
    pub db_path: PathBuf,
}

/// Start the server in-process on a free port, with its database in `dir`.
pub async fn start(dir: &Path) -> TestServer {
    start_with(dir, Limits::default(), db::DbOptions::default()).await
}

/// `start` with other limits and database options, served as `serve` does.
pub async fn start_with(dir: &Path, limits: Limits, opts: db::DbOptions) -> TestServer {
    start_allowing(dir, limits, opts, papi_server::metrics::DEFAULT_ALLOW).await
}

/// `start_with`, and /metrics readable from `metrics_allow` only.
pub async fn start_allowing(
    dir: &Path,
    limits: Limits,
    opts: db::DbOptions,
    metrics_allow: &str,
) -> TestServer {
    start_full(dir, limits, opts, metrics_allow, papi_server::DEFAULT_UNITS).await
}

/// A server for the units of another dataset (`--units`).
pub async fn start_units(dir: &Path, units: &str) -> TestServer {
    start_full(
        dir,
        Limits::default(),
        db::DbOptions::default(),
        papi_server::metrics::DEFAULT_ALLOW,
        units,
    )
    .await
}

async fn start_full(
    dir: &Path,
    limits: Limits,
    opts: db::DbOptions,
    metrics_allow: &str,
    units: &str,
) -> TestServer {
    let db_path = dir.join("papi.sqlite3");
    let cfg = Config {
        dist: dir.to_path_buf(),
        addr: "127.0.0.1:0".parse().unwrap(),
        db: db_path.clone(),
        tls: None,
        metrics_allow: papi_server::metrics::parse_allow(metrics_allow).unwrap(),
        units: units.into(),
    };
    let opts = db::DbOptions {
        units: units.into(),
        ..opts
    };
    let database = db::Db::open_with(&db_path, opts).unwrap();
    let listener = papi_server::serve::listen(cfg.addr).unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app_with(&cfg, database, limits.clone());
    tokio::spawn(async move {
        papi_server::serve::run(listener, router, &limits, None, axum_server::Handle::new())
            .await
            .unwrap()
    });
    TestServer {
        url: format!("http://{addr}"),
        addr,
        dir: dir.to_path_buf(),
        db_path,
    }
}

/// GET `path`, with a token or none: the status and the JSON body.
pub async fn get_json(
    s: &TestServer,
    token: Option<&str>,
    path: &str,
) -> (reqwest::StatusCode, serde_json::Value) {
    let mut req = reqwest::Client::new().get(format!("{}{path}", s.url));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let st = res.status();
    (st, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// Send `body` to `path` with `method` and a token: the status and the JSON
/// body (`Null` when it is none).
pub async fn send_json(
    s: &TestServer,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: String,
) -> (reqwest::StatusCode, serde_json::Value) {
    let res = reqwest::Client::new()
        .request(method, format!("{}{path}", s.url))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// A token for a unit, stored (hashed) in the database at `db_path`.
pub fn token(db_path: &Path, unit: &str) -> (i64, String) {
    let admin = db::Admin::open(db_path).unwrap();
    let t = tokens::generate().unwrap();
    let id = admin
        .add_token(unit, "", &tokens::hash(&t), "2020-06-01T00:00:00.000Z")
        .unwrap();
    (id, t)
}

/// A batch of `n` records of `unit` from `device`, number `seq`.
pub fn batch(unit: &str, device: &str, seq: u64, n: usize) -> Batch {
    let (plan, _) = plan_and_units();
    let t0 = Utc.with_ymd_and_hms(2020, 6, 1, 8, 0, 0).unwrap() + Duration::minutes(seq as i64);
    let records: Vec<Activity> = (0..n)
        .map(|i| {
            // Distinct ids for every (unit, device, seq, index).
            let digest = sha2::Sha256::digest(format!("{unit}/{device}/{seq}/{i}"));
            let mut id = [0u8; 16];
            id.copy_from_slice(&digest[..16]);
            Activity::create(
                new_id(id),
                unit,
                ActivityFields::new(
                    "2.3-1",
                    NaiveDate::from_ymd_opt(2020, 5, 1 + (i % 28) as u32).unwrap(),
                    &format!("Hoạt động {i} của lô {seq}"),
                    Status::Done,
                )
                .with(
                    Field::DESCRIPTION,
                    "Niêm yết công khai tại trụ sở UBND xã và nhà văn hóa các thôn",
                )
                .with(Field::PARTICIPANTS, "Cán bộ văn phòng, trưởng thôn")
                .with(Field::EVIDENCE, &format!("Thông báo số {i}/TB-UBND")),
                &Author {
                    name: "Hoàng Văn Đức",
                    device_id: device,
                    now: t0,
                },
            )
        })
        .collect();
    sealed(&plan, unit, device, seq, t0 + Duration::minutes(1), records)
}

/// Records sealed as batch `seq` of `unit` against `plan` (in the plan's
/// unit dataset), signed by `device`'s test key.
pub fn sealed(
    plan: &papi_core::Plan,
    unit: &str,
    device: &str,
    seq: u64,
    created_at: chrono::DateTime<Utc>,
    records: Vec<Activity>,
) -> Batch {
    let key = device_key(device);
    Batch::seal(
        &Header {
            plan,
            units: &plan.units,
            unit_code: unit,
            device_id: device,
            created_at,
            signer: &key.public_hex(),
        },
        BatchKind::Changes,
        seq,
        records,
    )
    .sign_with(&key)
}

/// Each test device's key, from its id.
pub fn device_key(device: &str) -> papi_core::signature::DeviceKey {
    papi_core::signature::DeviceKey::from_secret(sha2::Sha256::digest(device.as_bytes()).into())
}

/// The first `n` commune codes of the unit dataset.
pub fn communes(n: usize) -> Vec<String> {
    let (_, units) = plan_and_units();
    units.communes().take(n).map(|u| u.code.clone()).collect()
}

/// `papi-server unit add CODE` with the binary `bin`: the printed token.
pub fn unit_add_with(bin: &str, db: &Path, code: &str) -> String {
    let out = Command::new(bin)
        .args(["unit", "add", code, "--db"])
        .arg(db)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find(|l| l.starts_with("papi_"))
        .unwrap_or_else(|| {
            panic!(
                "no token for {code}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .to_string()
}

/// `bin serve` on a free loopback port, with `dir` as dist and the
/// database `db`, its log discarded; the child and its base URL, once its
/// health probe answers.
pub async fn spawn_server(bin: &str, dir: &Path, db: &Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .arg("serve")
        .arg("--dist")
        .arg(dir)
        .arg("--db")
        .arg(db)
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..400 {
        if client
            .get(format!("{url}/api/v1/health"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    (child, url)
}

/// Post one batch and expect 201 (the benchmarks): how long it took.
pub async fn post_created(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: String,
) -> std::time::Duration {
    let t = std::time::Instant::now();
    let res = client
        .post(url)
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    assert_eq!(status, 201, "{text}");
    t.elapsed()
}

/// Log lines written in memory, for tests that read them back.
#[derive(Clone, Default)]
pub struct Lines(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `n` bytes that never repeat in a short period (a photo's stand-in),
/// from `seed`.
pub fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 32);
    let mut block = sha2::Sha256::digest(seed.to_le_bytes()).to_vec();
    while out.len() < n {
        out.extend_from_slice(&block);
        block = sha2::Sha256::digest(&block).to_vec();
    }
    out.truncate(n);
    out
}

/// The SHA-256 of `b`, lowercase hex: an evidence file's name.
pub fn sha_hex(b: &[u8]) -> String {
    papi_core::signature::hex(&sha2::Sha256::digest(b))
}
