//! `/metrics` in the Prometheus text format (OpenMetrics): batches stored
//! and refused by reason, request latencies by route, the database's size
//! and the live tokens. Reachable only from the addresses the admin allows
//! (`PAPI_METRICS_ALLOW`, loopback by default); anyone else gets 404.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::db::Db;
use crate::error::ServerError;

/// The addresses allowed when `PAPI_METRICS_ALLOW` is not set: this machine.
pub const DEFAULT_ALLOW: &str = "127.0.0.1/32,::1/128";

/// Parse a comma-separated list of addresses and networks
/// ("127.0.0.1, 10.0.0.0/8"); a plain address is a network of one.
pub fn parse_allow(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("PAPI_METRICS_ALLOW: {s:?} is not an address or network"))
        })
        .collect()
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

/// The reason a refusal gave (`ServerError::code`), left on the reply for
/// the metrics.
#[derive(Debug, Clone, Copy)]
pub struct Refused(pub &'static str);

/// The server's metrics and who may read them.
pub struct Metrics {
    registry: Registry,
    latency: Family<RouteLabels, Histogram>,
    stored: Family<OutcomeLabels, Counter>,
    refused: Family<ReasonLabels, Counter>,
    db_bytes: Gauge,
    tokens_live: Gauge,
    allow: Vec<IpNet>,
}

impl Metrics {
    pub fn new(allow: Vec<IpNet>) -> Metrics {
        let mut registry = Registry::with_prefix("papi");
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            // 1 ms … about 16 s.
            Histogram::new(exponential_buckets(0.001, 2.0, 15))
        });
        let stored = Family::<OutcomeLabels, Counter>::default();
        let refused = Family::<ReasonLabels, Counter>::default();
        let (db_bytes, tokens_live) = (Gauge::default(), Gauge::default());
        registry.register(
            "request_duration_seconds",
            "Time to answer a request, by route",
            latency.clone(),
        );
        registry.register(
            "batches_stored",
            "Batches posted and kept: accepted (new) or duplicate (held already)",
            stored.clone(),
        );
        registry.register(
            "batches_refused",
            "Batches posted and refused, by the reply's error code",
            refused.clone(),
        );
        registry.register(
            "database_bytes",
            "Size of the SQLite database",
            db_bytes.clone(),
        );
        registry.register(
            "tokens_live",
            "Tokens that are not revoked",
            tokens_live.clone(),
        );
        Metrics {
            registry,
            latency,
            stored,
            refused,
            db_bytes,
            tokens_live,
            allow,
        }
    }

    /// Count one answered request.
    pub fn observe(&self, method: &str, route: &str, res: &Response, seconds: f64) {
        let labels = RouteLabels {
            method: method.to_string(),
            route: route.to_string(),
        };
        self.latency.get_or_create(&labels).observe(seconds);
        if method != "POST" || route != papi_core::wire::BATCHES_PATH {
            return;
        }
        match res.status() {
            StatusCode::CREATED => self.stored_inc("accepted"),
            StatusCode::OK => self.stored_inc("duplicate"),
            status => {
                let reason = match res.extensions().get::<Refused>() {
                    Some(Refused(code)) => code.to_string(),
                    None => format!("http_{}", status.as_u16()),
                };
                self.refused.get_or_create(&ReasonLabels { reason }).inc();
            }
        }
    }

    fn stored_inc(&self, outcome: &'static str) {
        self.stored.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    fn allows(&self, peer: Option<IpAddr>) -> bool {
        // An IPv4 client on an IPv6 socket arrives as ::ffff:a.b.c.d.
        let peer = peer.map(|ip| match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        });
        peer.is_some_and(|ip| self.allow.iter().any(|net| net.contains(&ip)))
    }

    async fn render(&self, db: &Db) -> Result<String, ServerError> {
        let (bytes, tokens) = db.sizes().await.map_err(ServerError::Internal)?;
        self.db_bytes.set(bytes);
        self.tokens_live.set(tokens);
        let mut out = String::new();
        encode(&mut out, &self.registry).map_err(|e| ServerError::Internal(e.to_string()))?;
        Ok(out)
    }
}

/// GET /metrics: the text exposition, for allowed addresses only.
pub async fn serve(State((metrics, db)): State<(Arc<Metrics>, Db)>, req: Request) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if !metrics.allows(peer) {
        return ServerError::NotFound.into_response();
    }
    match metrics.render(&db).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_parse_and_match() {
        let m = Metrics::new(parse_allow("127.0.0.1, 10.1.0.0/16 ,::1").unwrap());
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert!(m.allows(ip("127.0.0.1")));
        assert!(m.allows(ip("10.1.200.3")));
        assert!(
            m.allows(ip("::ffff:10.1.0.9")),
            "IPv4 through an IPv6 socket"
        );
        assert!(!m.allows(ip("10.2.0.1")));
        assert!(!m.allows(None), "no peer address: refused");
        assert!(parse_allow("10.0.0.0/33")
            .unwrap_err()
            .contains("\"10.0.0.0/33\" is not an address"));
        assert_eq!(parse_allow(DEFAULT_ALLOW).unwrap().len(), 2);
    }
}
