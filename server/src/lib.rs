//! The HTTP surface of the server, separate from `main` so tests can drive it.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

pub struct Config {
    pub dist: PathBuf,
    pub addr: SocketAddr,
}

/// Parse the command line (without the program name). `Err("help")` asks
/// for the usage text; any other error says what is wrong.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
    let mut cfg = Config {
        dist: PathBuf::from("dist"),
        addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--dist" => cfg.dist = PathBuf::from(value("--dist")?),
            "--addr" => {
                let v = value("--addr")?;
                cfg.addr = v
                    .parse::<SocketAddr>()
                    .map_err(|e| format!("--addr {v}: {e}"))?
            }
            "-h" | "--help" => return Err("help".into()),
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if !cfg.dist.join("index.html").is_file() {
        return Err(format!(
            "{}: no index.html here; build the app first (scripts/build.sh)",
            cfg.dist.display()
        ));
    }
    Ok(cfg)
}

/// Cache policy by path: names with a content hash never change; the rest
/// (index.html, sw.js, manifest, icons) must be revalidated.
pub fn cache_control(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or("");
    let hashed = name
        .split(['-', '.', '_'])
        .any(|part| (10..=16).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_hexdigit()));
    if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

async fn caching(req: Request, next: Next) -> Response {
    let policy = cache_control(req.uri().path());
    let mut res = next.run(req).await;
    if res.status().is_success() {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    res
}

pub fn app(cfg: &Config) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .fallback_service(ServeDir::new(&cfg.dist))
        .layer(middleware::from_fn(caching))
        .layer(CompressionLayer::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Config, String> {
        parse_args(a.iter().map(|s| s.to_string()))
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        assert_eq!(
            args(&["--port", "1"]).err().unwrap(),
            "unknown argument \"--port\" (try --help)"
        );
        assert_eq!(args(&["--addr"]).err().unwrap(), "--addr needs a value");
        assert!(args(&["--addr", "localhost"])
            .err()
            .unwrap()
            .starts_with("--addr localhost:"));
        assert!(args(&["--dist", "/nonexistent"])
            .err()
            .unwrap()
            .contains("no index.html here"));
        assert_eq!(args(&["--help"]).err().unwrap(), "help");
        let dir = std::env::temp_dir();
        let d = dir.join(format!("papi-args-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("index.html"), "x").unwrap();
        let cfg = args(&["--dist", d.to_str().unwrap(), "--addr", "127.0.0.1:9"]).unwrap();
        assert_eq!(cfg.addr.port(), 9);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn hashed_assets_are_immutable_and_the_rest_revalidated() {
        assert_eq!(
            cache_control("/papi-tracker-1a44c1c2343fa4f0_bg.wasm"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            cache_control("/main-3fd3424abb678f97.css"),
            "public, max-age=31536000, immutable"
        );
        // Trunk's hashes drop leading zeros.
        assert_eq!(
            cache_control("/papi-tracker-ba822bf7cde808d.js"),
            "public, max-age=31536000, immutable"
        );
        for p in [
            "/",
            "/index.html",
            "/sw.js",
            "/manifest.webmanifest",
            "/icons/icon-192.png",
        ] {
            assert_eq!(cache_control(p), "no-cache", "{p}");
        }
    }
}
