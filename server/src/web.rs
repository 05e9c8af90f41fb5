//! Serving the built app: caching by file kind, a strict
//! Content-Security-Policy, and the usual hardening headers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Cache policy by path: names with a content hash never change, nor does
/// anything in a version's own folder (`/app-<hash>/`: the split wasm and
/// its chunks, swapped together by an update); the rest (index.html,
/// sw.js, manifest, icons) must be revalidated.
pub fn cache_control(path: &str) -> &'static str {
    let is_hash =
        |part: &str| (10..=16).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_hexdigit());
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let name = path.rsplit('/').next().unwrap_or("");
    let hashed_name = name.split(['-', '.', '_']).any(is_hash);
    let version_folder = segments
        .next()
        .is_some_and(|first| first != name && first.strip_prefix("app-").is_some_and(is_hash));
    if hashed_name || version_folder {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

pub async fn caching(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    if res.status().is_success() && !path.starts_with("/api/") {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control(&path)),
        );
    }
    res
}

/// The inline scripts of index.html (ours and Trunk's loader), as CSP
/// hashes: they run, and nothing else inline does.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_start = tag_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        let body = &after[body_start..body_start + close];
        if !tag.contains(" src=") && !body.trim().is_empty() {
            let digest = Sha256::digest(body.as_bytes());
            out.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &after[body_start + close..];
    }
    out
}

pub fn policy(hashes: &[String]) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; \
img-src 'self' data: blob:; connect-src 'self' https: http://localhost:* http://127.0.0.1:*; \
worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; \
frame-ancestors 'none'; form-action 'self'",
        hashes.join(" ")
    )
}

/// The policy for the index.html on disk, recomputed when it changes (a
/// new build deployed under a running server).
#[derive(Clone)]
pub struct Csp {
    index: PathBuf,
    cache: Arc<Mutex<Option<(SystemTime, u64, HeaderValue)>>>,
}

impl Csp {
    pub fn new(dist: &Path) -> Csp {
        Csp {
            index: dist.join("index.html"),
            cache: Arc::new(Mutex::new(None)),
        }
    }

    pub fn header(&self) -> HeaderValue {
        let meta = std::fs::metadata(&self.index).ok();
        let stamp = meta
            .as_ref()
            .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()));
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some((t, n)), Some((ct, cn, v))) = (stamp, cache.as_ref()) {
            if t == *ct && n == *cn {
                return v.clone();
            }
        }
        let html = std::fs::read_to_string(&self.index).unwrap_or_default();
        let value = HeaderValue::from_str(&policy(&inline_script_hashes(&html)))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
        if let Some((t, n)) = stamp {
            *cache = Some((t, n, value.clone()));
        }
        value
    }
}

pub async fn security_headers(csp: Csp, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, csp.header());
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    res
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
        // A version's folder: its files keep their names from one version
        // to the next, the folder's hash changes.
        for p in [
            "/app-24ed95d4aba2b4f7/papi-tracker_bg.wasm",
            "/app-24ed95d4aba2b4f7/chunk_31.wasm",
            "/app-24ed95d4aba2b4f7/__wasm_split.js",
        ] {
            assert_eq!(
                cache_control(p),
                "public, max-age=31536000, immutable",
                "{p}"
            );
        }
        for p in [
            "/",
            "/index.html",
            "/app-notahash/x.wasm",
            "/icons/app-24ed95d4aba2b4f7/x.png",
            "/sw.js",
            "/manifest.webmanifest",
            "/icons/icon-192.png",
        ] {
            assert_eq!(cache_control(p), "no-cache", "{p}");
        }
    }

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_skipped() {
        let html = "<script>alert(1)</script><script src=\"/a.js\"></script>\
                    <script type=\"module\">import x from '/x.js';</script>";
        let h = inline_script_hashes(html);
        assert_eq!(h.len(), 2);
        // Known vector: sha256("alert(1)") in base64.
        assert_eq!(
            h[0],
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
        let p = policy(&h);
        assert!(p.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"));
        assert!(!p.contains("unsafe-inline"));
    }
}
