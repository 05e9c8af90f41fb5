//! The HTTP surface of the server, separate from `main` so tests can drive it.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;

pub struct Config {
    pub dist: PathBuf,
    pub addr: SocketAddr,
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
