//! papi-server: receives the communes' batches (SQLite), serves them to
//! districts and the province, and serves the built app. `main` only parses
//! the command line and runs; everything here is testable in-process.

pub mod api;
pub mod backup;
pub mod db;
pub mod enrol;
pub mod error;
pub mod feedback;
pub mod files;
pub mod limits;
pub mod metrics;
pub mod ops;
pub mod plans;
pub mod serve;
pub mod telemetry;
pub mod tls;
pub mod tokens;
pub mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::routing::get;
use axum::{middleware, Router};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;

pub const USAGE: &str = "\
papi-server [serve] [--dist DIR] [--addr HOST:PORT] [--db FILE] [--tls-cert PEM --tls-key PEM]
                   [--metrics-allow NETS]
    Serve the app from DIR (default dist) and the sync API, storing batches in
    FILE (default papi-server.sqlite3). With a certificate and key, serve HTTPS
    (SIGHUP reloads them). /metrics (Prometheus) answers only the addresses in
    NETS (default 127.0.0.1/32,::1/128). Defaults from $PAPI_DIST, $PAPI_ADDR,
    $PAPI_DB, $PAPI_TLS_CERT, $PAPI_TLS_KEY and $PAPI_METRICS_ALLOW when set;
    $PAPI_LOG_FORMAT=json writes JSON log lines.";

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub dist: PathBuf,
    pub addr: SocketAddr,
    pub db: PathBuf,
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Who may read /metrics (`PAPI_METRICS_ALLOW`, `--metrics-allow`).
    pub metrics_allow: Vec<ipnet::IpNet>,
    /// The unit dataset of the province this server serves (`PAPI_UNITS`,
    /// `--units`): tokens, batches and plans are of it.
    pub units: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Serve(Config),
    /// backup, restore, unit …: see `ops`.
    Ops(ops::Command),
}

/// Parse the command line (without the program name). `Err("help")` asks
/// for the usage text; any other error says what is wrong.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let args: Vec<String> = args.into_iter().collect();
    let rest: &[String] = match args.first().map(String::as_str) {
        Some("unit" | "backup" | "restore") => return ops::parse(&args).map(Command::Ops),
        Some("serve") => &args[1..],
        _ => &args[..],
    };
    let mut dist = PathBuf::from(env_or("PAPI_DIST", "dist"));
    let v = env_or("PAPI_ADDR", "127.0.0.1:8080");
    let mut addr: SocketAddr = v.parse().map_err(|e| format!("PAPI_ADDR {v}: {e}"))?;
    let mut db = PathBuf::from(env_or("PAPI_DB", "papi-server.sqlite3"));
    let env_path =
        |name| Some(PathBuf::from(env_or(name, ""))).filter(|p| !p.as_os_str().is_empty());
    let (mut cert, mut key) = (env_path("PAPI_TLS_CERT"), env_path("PAPI_TLS_KEY"));
    let mut metrics_allow = env_or("PAPI_METRICS_ALLOW", metrics::DEFAULT_ALLOW);
    let mut units = env_or("PAPI_UNITS", DEFAULT_UNITS);
    let mut positional = Vec::new();
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match a.as_str() {
            "--dist" => dist = PathBuf::from(value("--dist")?),
            "--addr" => {
                let v = value("--addr")?;
                addr = v.parse().map_err(|e| format!("--addr {v}: {e}"))?
            }
            "--db" => db = PathBuf::from(value("--db")?),
            "--tls-cert" => cert = Some(PathBuf::from(value("--tls-cert")?)),
            "--tls-key" => key = Some(PathBuf::from(value("--tls-key")?)),
            "--metrics-allow" => metrics_allow = value("--metrics-allow")?,
            "--units" => units = value("--units")?,
            "-h" | "--help" => return Err("help".into()),
            s if s.starts_with("--") => return Err(format!("unknown argument {s:?} (try --help)")),
            s => positional.push(s.to_string()),
        }
    }
    if let Some(p) = positional.first() {
        return Err(format!("unknown argument {p:?} (try --help)"));
    }
    let tls = match (cert, key) {
        (Some(c), Some(k)) => Some((c, k)),
        (None, None) => None,
        _ => {
            return Err(
                "--tls-cert and --tls-key (or PAPI_TLS_CERT and PAPI_TLS_KEY) go together".into(),
            )
        }
    };
    if !dist.join("index.html").is_file() {
        return Err(format!(
            "{}: no index.html here; build the app first (scripts/build.sh)",
            dist.display()
        ));
    }
    if papi_core::catalogue::Catalogue::shipped_for(&units).is_none() {
        return Err(format!(
            "--units {units}: not a unit dataset of this build ({})",
            shipped_dataset_ids().join(", ")
        ));
    }
    Ok(Command::Serve(Config {
        dist,
        addr,
        db,
        tls,
        metrics_allow: metrics::parse_allow(&metrics_allow)?,
        units,
    }))
}

/// An environment variable's value, or `default` when it is unset or empty.
pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// The unit dataset a server serves unless told otherwise.
pub const DEFAULT_UNITS: &str = "bac-kan-2020";

/// The ids of the unit datasets this build ships: Bắc Kạn 2020 and the
/// 34 provinces' of 2025.
pub fn shipped_dataset_ids() -> Vec<String> {
    let mut ids: Vec<String> = papi_core::catalogue::Catalogue::shipped()
        .datasets()
        .iter()
        .map(|u| u.id.clone())
        .collect();
    for id in papi_core::provinces::DATASET_IDS_2025 {
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_string());
        }
    }
    ids
}

/// The shipped plan and units (the same files the app carries): the 2020
/// plan and the units that record against it.
pub fn plan_and_units() -> (Arc<papi_core::Plan>, Arc<papi_core::Units>) {
    let c = papi_core::catalogue::Catalogue::shipped();
    let plan = c.plans()[0].clone();
    let units = c.units_for(&plan).expect("shipped").clone();
    (Arc::new(plan), Arc::new(units))
}

/// The units of a dataset as the server sees them: with the recording
/// bodies of every plan it holds of that dataset.
pub fn units_of(catalogue: &papi_core::catalogue::Catalogue, dataset: &str) -> papi_core::Units {
    let mut units = catalogue
        .dataset(dataset)
        .expect("checked at start")
        .clone();
    for p in catalogue.plans().iter().filter(|p| p.units == dataset) {
        units = units.with_bodies(p);
    }
    units
}

/// The whole HTTP surface: the API, the health probe, and the app's files.
pub fn app(cfg: &Config, db: db::Db) -> Router {
    app_with(cfg, db, limits::Limits::default())
}

/// `app` with other limits (tests make them small to run fast).
pub fn app_with(cfg: &Config, db: db::Db, limits: limits::Limits) -> Router {
    // Tokens are bearer headers, never cookies: any origin may call the API
    // (an app served elsewhere syncing here).
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([
            axum::http::header::AUTHORIZATION,
            axum::http::header::CONTENT_TYPE,
        ]);
    let csp = web::Csp::new(&cfg.dist);
    let metrics = Arc::new(metrics::Metrics::new(cfg.metrics_allow.clone()));
    Router::new()
        .merge(api::router(api::Api::new(db.clone(), &cfg.units, limits)).layer(cors))
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/metrics",
            get(metrics::serve).with_state((metrics.clone(), db)),
        )
        // The build writes .br and .gz copies (scripts/precompress.mjs):
        // sent as they are; anything else is compressed on the fly.
        .fallback_service(
            ServeDir::new(&cfg.dist)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(middleware::from_fn(web::caching))
        .layer(middleware::from_fn(move |req, next| {
            web::security_headers(csp.clone(), req, next)
        }))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            metrics,
            telemetry::log_request,
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Command, String> {
        parse_args(a.iter().map(|s| s.to_string()))
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        assert_eq!(
            args(&["--port", "1"]).unwrap_err(),
            "unknown argument \"--port\" (try --help)"
        );
        assert_eq!(args(&["--addr"]).unwrap_err(), "--addr needs a value");
        assert!(args(&["--addr", "localhost"])
            .unwrap_err()
            .starts_with("--addr localhost:"));
        assert!(args(&["--dist", "/nonexistent"])
            .unwrap_err()
            .contains("no index.html here"));
        assert_eq!(args(&["--help"]).unwrap_err(), "help");
        assert!(args(&["unit"]).unwrap_err().contains("add, list or revoke"));
        let d = std::env::temp_dir().join(format!("papi-args-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("index.html"), "x").unwrap();
        let dist = d.to_str().unwrap();
        assert!(args(&["--dist", dist, "--tls-cert", "c.pem"])
            .unwrap_err()
            .contains("go together"));
        match args(&[
            "serve",
            "--dist",
            dist,
            "--addr",
            "127.0.0.1:9",
            "--db",
            "x.db",
        ])
        .unwrap()
        {
            Command::Serve(c) => {
                assert_eq!(c.addr.port(), 9);
                assert_eq!(c.db, PathBuf::from("x.db"));
                assert_eq!(c.tls, None);
            }
            other => panic!("{other:?}"),
        }
        // Any of the 34 provinces of 2025; nothing else.
        match args(&["serve", "--dist", dist, "--units", "ho-chi-minh-2025"]).unwrap() {
            Command::Serve(c) => assert_eq!(c.units, "ho-chi-minh-2025"),
            other => panic!("{other:?}"),
        }
        assert!(args(&["--dist", dist, "--units", "ha-giang-2025"])
            .unwrap_err()
            .contains("quang-ninh-2025"));
        assert!(matches!(
            args(&["unit", "list", "--db", "x.db"]).unwrap(),
            Command::Ops(ops::Command::UnitList { .. })
        ));
        std::fs::remove_dir_all(&d).unwrap();
    }
}
