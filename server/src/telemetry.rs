//! Logging: where the server's log lines go (`init`) and the one line each
//! request leaves (`log_request`). Kept in one place so that another output
//! (JSON lines, metrics) is added here and nowhere else.

use std::sync::Arc;
use std::time::Instant;

use axum::body::HttpBody;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use tracing_subscriber::fmt::MakeWriter;

use crate::metrics::Metrics;

/// The unit whose token a request carried, put in the request's and the
/// reply's extensions by the API's authentication. Never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub String);

/// How log lines are written: plain text, or one JSON object per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// `PAPI_LOG_FORMAT`: `text` (the default) or `json`.
    pub fn from_env() -> Result<LogFormat, String> {
        match crate::env_or("PAPI_LOG_FORMAT", "text").as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("PAPI_LOG_FORMAT {other:?}: use text or json")),
        }
    }
}

/// Lines on stderr, filtered by `RUST_LOG` (default: `info`).
pub fn init(format: LogFormat) {
    init_with(format, std::io::stderr);
}

/// `init`, writing elsewhere (tests read the lines back). Only the first
/// call in a process takes effect.
pub fn init_with<W>(format: LogFormat, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let lines = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false);
    let _ = match format {
        LogFormat::Text => lines.try_init(),
        LogFormat::Json => lines.json().flatten_event(true).try_init(),
    };
}

/// One line per request: method, route, status, unit, bytes in and out,
/// milliseconds. The query string and headers are never logged.
pub async fn log_request(
    State(metrics): State<Arc<Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = match req.extensions().get::<MatchedPath>() {
        Some(p) => p.as_str().to_string(),
        None => req.uri().path().chars().take(200).collect(),
    };
    let bytes_in = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .unwrap_or(0);
    let res = next.run(req).await;
    let unit = res.extensions().get::<Caller>().map(|c| c.0.as_str());
    let seconds = start.elapsed().as_secs_f64();
    metrics.observe(method.as_str(), &route, &res, seconds);
    let ms = seconds * 1000.0;
    tracing::info!(
        target: "papi_server::request",
        method = %method,
        route = ?route,
        status = res.status().as_u16(),
        unit = %unit.unwrap_or("-"),
        bytes_in,
        bytes_out = res.body().size_hint().exact().map_or(-1, |n| n as i64),
        ms = (ms * 10.0).round() / 10.0,
    );
    res
}
