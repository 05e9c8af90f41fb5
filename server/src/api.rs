//! The sync API (docs/sync-api.md): communes post batches, districts and the
//! province read them. Every batch is checked by the core's `batch::parse`,
//! the same code the app runs on an imported file.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Extension, Json, Router};
use http_body_util::BodyExt;
use papi_core::batch::{self, BatchKind, MAX_BATCH_BYTES};
use papi_core::catalogue::{Catalogue, PlanRefused};
use papi_core::merge::receipt_id;
use papi_core::{Level, Plan, Units};
use serde_json::value::RawValue;

use papi_core::batch::PlanRef;
use papi_core::wire::{self, Health, PageItem, PageQuery, PostReply, PostStatus, Unreadable};

use crate::db::{BatchRow, Db, NewBatch, Stored};
use crate::error::{json_errors, ServerError};
use crate::limits::{Checks, Limits, RateLimit, Uploads};
use crate::telemetry::Caller;
use crate::tokens;

#[derive(Clone)]
pub struct Api {
    pub db: Db,
    /// The plans (shipped, and published by the province) and datasets.
    pub catalogue: Arc<RwLock<Catalogue>>,
    /// The server's dataset (`Config::units`), with every plan's bodies.
    pub units: Arc<Units>,
    pub limits: Arc<Limits>,
    pub(crate) uploads: Uploads,
    pub(crate) checks: Checks,
    pub(crate) in_flight: crate::files::InFlight,
    rate: Arc<RateLimit>,
}

impl Api {
    /// The API of a server for the units of `dataset`, with the plans
    /// published on it so far.
    pub fn new(db: Db, dataset: &str, limits: Limits) -> Api {
        // Checked at start (`parse_args`): a dataset of this build.
        let mut catalogue = Catalogue::shipped_for(dataset).unwrap_or_else(Catalogue::shipped);
        for text in db.published_plans().unwrap_or_else(|e| {
            tracing::error!(error = %e, "the published plans cannot be read");
            vec![]
        }) {
            match Plan::from_json(&text)
                .map_err(PlanRefused::Invalid)
                .and_then(|p| catalogue.add_plan(p))
            {
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e.message_vi(), "a published plan is set aside"),
            }
        }
        let units = crate::units_of(&catalogue, dataset);
        let api = Api {
            db,
            catalogue: Arc::new(RwLock::new(catalogue)),
            units: Arc::new(units),
            uploads: Uploads::new(&limits),
            checks: Checks::new(&limits),
            in_flight: Default::default(),
            rate: Arc::new(RateLimit::new(&limits)),
            limits: Arc::new(limits),
        };
        // Abandoned evidence uploads are swept while the server runs (not
        // when a router is only built, outside a runtime).
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(crate::files::sweep_partials(api.clone()));
        }
        api
    }
}

pub fn router(api: Api) -> Router {
    // The token is checked before anything of the request is read.
    let auth = middleware::from_fn_with_state(api.clone(), authorize);
    Router::new()
        .route(wire::HEALTH_PATH, get(health))
        .route(
            wire::BATCHES_PATH,
            get(list).post(post).route_layer(auth.clone()),
        )
        .route(wire::KEYS_PATH, get(keys).route_layer(auth.clone()))
        .route(
            &format!("{}/{{sha}}", wire::FILES_PATH),
            get(crate::files::get)
                .put(crate::files::put)
                .route_layer(auth.clone()),
        )
        .route(
            &format!("{}/{{sha}}/progress", wire::FILES_PATH),
            get(crate::files::progress).route_layer(auth.clone()),
        )
        .route(
            wire::FEEDBACK_PATH,
            get(crate::feedback::list)
                .post(crate::feedback::post)
                .route_layer(auth.clone()),
        )
        .route(
            wire::PLANS_PATH,
            get(crate::plans::list)
                .post(crate::plans::publish)
                .route_layer(auth.clone()),
        )
        .route(
            &format!("{}/{{id}}/{{version}}", wire::PLANS_PATH),
            get(crate::plans::get).route_layer(auth),
        )
        .route("/api", any(not_found))
        .route("/api/{*rest}", any(not_found))
        .layer(middleware::from_fn(json_errors))
        .with_state(api)
}

async fn not_found() -> ServerError {
    ServerError::NotFound
}

async fn health(State(api): State<Api>) -> Result<Json<Health>, ServerError> {
    let batches = api
        .db
        .count_batches()
        .await
        .map_err(ServerError::Internal)?;
    let plans = api
        .catalogue
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .plans()
        .iter()
        .filter(|p| p.units == api.units.id)
        .map(|p| PlanRef {
            id: p.id.clone(),
            version: p.version.clone(),
        })
        .collect();
    let fault = api.db.fault();
    Ok(Json(Health {
        status: if fault.is_some() { "degraded" } else { "ok" }.into(),
        schema: crate::db::SCHEMA_VERSION as u32,
        units: api.units.id.clone(),
        plans,
        batches: batches.max(0) as u64,
        message: fault
            .is_some()
            .then(|| "máy chủ không ghi được lô mới (ổ đĩa đầy hoặc lỗi ghi)".into()),
        reason: fault,
    }))
}

/// The unit behind the request's bearer token, or 401; then the token's
/// rate limit, or 429. The unit goes into the request (for the handler) and
/// the reply (for the log).
async fn authorize(State(api): State<Api>, mut req: Request, next: Next) -> Response {
    let header = req.headers().get(header::AUTHORIZATION);
    let Some(hash) = tokens::bearer(header.and_then(|v| v.to_str().ok())).map(tokens::hash) else {
        return ServerError::NoToken.into_response();
    };
    let (unit, token_id) = match api.db.token_unit(hash.clone()).await {
        Ok(Some(found)) => found,
        Ok(None) => return ServerError::BadToken.into_response(),
        Err(e) => return ServerError::Internal(e).into_response(),
    };
    let caller = Caller(unit);
    let mut res = match api.rate.check(&hash, Instant::now()) {
        Ok(()) => {
            req.extensions_mut().insert(caller.clone());
            req.extensions_mut().insert(TokenId(token_id));
            next.run(req).await
        }
        Err(retry_after) => ServerError::RateLimited { retry_after }.into_response(),
    };
    res.extensions_mut().insert(caller);
    res
}

/// The id of the request's token (it introduces device keys).
#[derive(Clone, Copy)]
pub struct TokenId(pub i64);

async fn post(
    State(api): State<Api>,
    Extension(Caller(unit)): Extension<Caller>,
    Extension(TokenId(token_id)): Extension<TokenId>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ServerError> {
    let announced = announced_length(&headers)?;
    let _permit = api
        .uploads
        .admit(token_id, announced.unwrap_or(MAX_BATCH_BYTES))?;
    let bytes = read_body(body, announced, api.limits.body_timeout, MAX_BATCH_BYTES).await?;
    let (catalogue, units) = (api.catalogue.clone(), api.units.clone());
    let new = api
        .checks
        .run(bytes.len(), move || {
            let catalogue = catalogue.read().unwrap_or_else(|p| p.into_inner());
            check(bytes, &catalogue, &units, token_id)
        })
        .await??;
    if new.unit_code != unit {
        return Err(ServerError::WrongUnit {
            token: unit,
            batch: new.unit_code,
        });
    }
    let (seq, sha256) = (new.seq, new.sha256.clone());
    let (units, unit_code) = (new.units.clone(), new.unit_code.clone());
    let stored = api.db.store(new).await.map_err(ServerError::Unavailable)?;
    let reply = |code, status, cursor| {
        let body = PostReply {
            status,
            sha256: sha256.clone(),
            cursor,
            units: units.clone(),
            unit_code: unit_code.clone(),
        };
        (code, Json(body)).into_response()
    };
    match stored {
        Stored::Accepted { cursor } => Ok(reply(StatusCode::CREATED, PostStatus::Accepted, cursor)),
        Stored::Duplicate { cursor } => Ok(reply(StatusCode::OK, PostStatus::Duplicate, cursor)),
        Stored::Conflict { sha256 } => Err(ServerError::Conflict { seq, sha256 }),
        Stored::KeyRefused(verdict) => Err(ServerError::KeyRefused(
            verdict.message_vi(|c| api.units.name_or_code(c)),
        )),
    }
}

/// The body's announced length; over the largest batch is 413 at once.
pub(crate) fn announced_length(headers: &HeaderMap) -> Result<Option<usize>, ServerError> {
    let Some(v) = headers.get(header::CONTENT_LENGTH) else {
        return Ok(None);
    };
    match v.to_str().ok().and_then(|v| v.parse::<u64>().ok()) {
        Some(n) if n > MAX_BATCH_BYTES as u64 => Err(ServerError::TooLarge),
        Some(n) => Ok(Some(n as usize)),
        None => Err(ServerError::BadBody("Content-Length".into())),
    }
}

/// The whole body, within the deadline and `max` bytes, in one buffer
/// (which becomes the stored text without a copy).
pub(crate) async fn read_body(
    mut body: Body,
    announced: Option<usize>,
    deadline: Duration,
    max: usize,
) -> Result<Vec<u8>, ServerError> {
    let until = tokio::time::Instant::now() + deadline;
    let mut buf = Vec::with_capacity(announced.unwrap_or(0));
    while let Some(frame) = tokio::time::timeout_at(until, body.frame())
        .await
        .map_err(|_| ServerError::Timeout)?
    {
        let frame = frame.map_err(|e| ServerError::BadBody(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > max {
                return Err(ServerError::TooLarge);
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf)
}

/// The text a stored batch is served as: without a byte-order mark or the
/// whitespace around the JSON (both of which `batch::parse` accepts).
pub fn served_text(text: &str) -> &str {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// Check a posted batch with the core (a blocking call: run it off the
/// async workers) and make the row to store. What is stored is what GET
/// serves (the text `parse` accepted, less a BOM and surrounding whitespace).
fn check(
    bytes: Vec<u8>,
    catalogue: &Catalogue,
    units: &Units,
    token_id: i64,
) -> Result<NewBatch, ServerError> {
    let now = chrono::Utc::now();
    let b = batch::parse_in(&bytes, catalogue, now)
        .map_err(|e| ServerError::BadBatch(e.message_in_vi(catalogue, units)))?;
    // Of the server's own dataset (the plan's, checked by the parse).
    if b.units_id() != units.id {
        return Err(ServerError::BadBatch(
            batch::BatchError::other_units(&b, units).message_in_vi(catalogue, units),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| ServerError::Internal(e.to_string()))?;
    // `parse` read this very text as one JSON object (a BOM and whitespace
    // aside, which `served_text` removes): GET can serve it as it is. The
    // body's own buffer is kept when there is nothing to remove.
    let body = if served_text(&text).len() == text.len() {
        text
    } else {
        served_text(&text).to_string()
    };
    let district_code = match units.get(&b.unit_code) {
        Some(u) if u.level == Level::Commune => u.parent_code.clone().unwrap_or_default(),
        Some(u) => u.code.clone(),
        None => String::new(),
    };
    Ok(NewBatch {
        name: receipt_id(&b.key(), b.kind, &b.sha256),
        units: b.units_id().to_string(),
        district_code,
        kind: match b.kind {
            BatchKind::Changes => "changes",
            BatchKind::Backup => "backup",
        },
        body,
        received_at: papi_core::dates::format_instant(now),
        unit_code: b.unit_code,
        device_id: b.device_id,
        seq: b.seq,
        sha256: b.sha256,
        files: b
            .records
            .iter()
            .flat_map(|r| r.fields.files.iter().cloned())
            .collect(),
        signer: b.signer,
        token_id,
    })
}

pub const PAGE_DEFAULT: usize = 100;
pub const PAGE_MAX: usize = 500;

/// What a token may read: its district's batches, or (the province) all.
pub(crate) fn receiver_scope(api: &Api, unit: &str) -> Result<Option<String>, ServerError> {
    match api.units.get(unit).map(|u| u.level) {
        Some(Level::Province) if unit == api.units.province_code => Ok(None),
        Some(Level::District) => Ok(Some(unit.to_string())),
        _ => Err(ServerError::NotAReceiver),
    }
}

async fn list(
    State(api): State<Api>,
    Extension(Caller(unit)): Extension<Caller>,
    page: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ServerError> {
    let Query(page) = page.map_err(|_| ServerError::BadQuery)?;
    let scope = receiver_scope(&api, &unit)?;
    let limit = page.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
    let after = page.after.unwrap_or(0);
    let got = api
        .db
        .batches_after(after, scope, limit, api.limits.page_bytes)
        .await
        .map_err(ServerError::Internal)?;
    let next = got.rows.last().map(|r| r.cursor).unwrap_or(after);
    // Up to 8 MB of JSON to check and write: off the async workers.
    let json = tokio::task::spawn_blocking(move || {
        let size: usize = got.rows.iter().map(|r| r.body.len() + 100).sum();
        let (batches, unreadable) = servable(got.rows);
        let mut out = Vec::with_capacity(size + 100);
        let page = wire::Page {
            batches,
            unreadable,
            next,
            more: got.more,
        };
        serde_json::to_writer(&mut out, &page).map(|()| out)
    })
    .await
    .map_err(|e| ServerError::Internal(e.to_string()))?
    .map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// The device keys of the units a receiver collects, revoked ones too (so
/// that the receiver refuses what they sign).
async fn keys(
    State(api): State<Api>,
    Extension(Caller(unit)): Extension<Caller>,
) -> Result<Json<wire::KeyList>, ServerError> {
    receiver_scope(&api, &unit)?;
    let all = api.db.device_keys().await.map_err(ServerError::Internal)?;
    let keys = all
        .into_iter()
        .filter(|k| api.units.collects(&unit, &k.unit_code))
        .collect();
    Ok(Json(wire::KeyList { keys }))
}

/// Each batch goes out as the text it was stored as. A row that cannot be
/// (stored by an older release, damaged on disk) is logged and listed in
/// `unreadable`, never silently left out.
fn servable(rows: Vec<BatchRow>) -> (Vec<PageItem>, Vec<Unreadable>) {
    let (mut ok, mut bad) = (Vec::with_capacity(rows.len()), vec![]);
    for r in rows {
        let text = if served_text(&r.body).len() == r.body.len() {
            r.body
        } else {
            served_text(&r.body).to_string()
        };
        match RawValue::from_string(text) {
            Ok(batch) => ok.push(PageItem {
                cursor: r.cursor,
                received_at: r.received_at,
                batch,
            }),
            Err(e) => {
                tracing::error!(cursor = r.cursor, error = %e, "a stored batch cannot be served");
                bad.push(Unreadable {
                    cursor: r.cursor,
                    received_at: r.received_at,
                    message: format!("lô lưu trên máy chủ bị hỏng, không gửi được: {e}"),
                });
            }
        }
    }
    (ok, bad)
}
