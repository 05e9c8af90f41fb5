//! The sync API (docs/sync-api.md): communes post batches, districts and the
//! province read them. Every batch is checked by the core's `batch::parse`,
//! the same code the app runs on an imported file.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use papi_core::batch::{self, BatchKind, MAX_BATCH_BYTES};
use papi_core::merge::receipt_id;
use papi_core::{Level, Plan, Units};
use serde::{Deserialize, Serialize};
use serde_json::json;
use serde_json::value::RawValue;

use crate::db::{Db, NewBatch, Stored};
use crate::tokens;

#[derive(Clone)]
pub struct Api {
    pub db: Db,
    pub plan: Arc<Plan>,
    pub units: Arc<Units>,
}

/// A refusal: HTTP status, a stable code, and a message for people.
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "error": self.code, "message": self.message })),
        )
            .into_response()
    }
}

fn internal(e: String) -> ApiError {
    eprintln!("papi-server: {e}");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "lỗi máy chủ, hãy thử lại sau",
    )
}

pub fn router(api: Api) -> Router {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/batches", get(list).post(post))
        // Our own limit, checked in `post`, answers 413 in JSON.
        .layer(DefaultBodyLimit::max(MAX_BATCH_BYTES))
        .with_state(api)
}

async fn health(State(api): State<Api>) -> Result<Json<serde_json::Value>, ApiError> {
    let n = api.db.count_batches().await.map_err(internal)?;
    Ok(Json(json!({
        "status": "ok",
        "schema": crate::db::SCHEMA_VERSION,
        "plan": { "id": api.plan.id, "version": api.plan.version },
        "batches": n,
    })))
}

/// The unit behind the request's bearer token, or 401.
async fn authenticate(api: &Api, headers: &HeaderMap) -> Result<String, ApiError> {
    let token = tokens::bearer(
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    )
    .ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "thiếu mã truy cập (Authorization: Bearer …)",
        )
    })?;
    api.db
        .token_unit(tokens::hash(token))
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "mã truy cập không đúng hoặc đã bị thu hồi",
            )
        })
}

async fn post(
    State(api): State<Api>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let unit = authenticate(&api, &headers).await?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("lô lớn hơn {} MB", MAX_BATCH_BYTES / 1_000_000),
            )
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_body", e.body_text())
        }
    })?;
    let b = batch::parse(&body, &api.plan, &api.units, chrono::Utc::now())
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_batch", e.message_vi()))?;
    if b.unit_code != unit {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "wrong_unit",
            format!(
                "mã truy cập của đơn vị {unit} không được gửi lô của đơn vị {}",
                b.unit_code
            ),
        ));
    }
    let district_code = match api.units.get(&b.unit_code) {
        Some(u) if u.level == Level::Commune => u.parent_code.clone().unwrap_or_default(),
        Some(u) => u.code.clone(),
        None => String::new(),
    };
    let stored = api
        .db
        .store(NewBatch {
            name: receipt_id(&b.key(), b.kind, &b.sha256),
            unit_code: b.unit_code.clone(),
            district_code,
            device_id: b.device_id.clone(),
            seq: b.seq,
            kind: match b.kind {
                BatchKind::Changes => "changes",
                BatchKind::Backup => "backup",
            },
            sha256: b.sha256.clone(),
            body: String::from_utf8(body.to_vec()).map_err(|e| internal(e.to_string()))?,
            received_at: papi_core::dates::format_instant(chrono::Utc::now()),
        })
        .await
        .map_err(internal)?;
    Ok(match stored {
        Stored::Accepted { cursor } => (
            StatusCode::CREATED,
            Json(json!({ "status": "accepted", "sha256": b.sha256, "cursor": cursor })),
        )
            .into_response(),
        Stored::Duplicate { cursor } => (
            StatusCode::OK,
            Json(json!({ "status": "duplicate", "sha256": b.sha256, "cursor": cursor })),
        )
            .into_response(),
        Stored::Conflict { sha256 } => ApiError {
            status: StatusCode::CONFLICT,
            code: "conflict",
            message: format!(
                "máy chủ đã có lô số {} của thiết bị này với nội dung khác (SHA-256 {}…); giữ lô nhận trước",
                b.seq,
                &sha256[..12.min(sha256.len())]
            ),
        }
        .into_response(),
    })
}

#[derive(Deserialize)]
struct Page {
    after: Option<i64>,
    limit: Option<usize>,
}

pub const PAGE_DEFAULT: usize = 100;
pub const PAGE_MAX: usize = 500;

async fn list(
    State(api): State<Api>,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Result<Response, ApiError> {
    let unit = authenticate(&api, &headers).await?;
    let scope = match api.units.get(&unit).map(|u| u.level) {
        Some(Level::Province) if unit == api.units.province_code => None,
        Some(Level::District) => Some(unit.clone()),
        _ => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not_a_receiver",
                "chỉ mã truy cập của huyện hoặc của Sở Nội vụ được tải lô về",
            ))
        }
    };
    let limit = page.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
    let after = page.after.unwrap_or(0);
    let mut rows = api
        .db
        .batches_after(after, scope, limit + 1)
        .await
        .map_err(internal)?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = rows.last().map(|r| r.cursor).unwrap_or(after);
    // Each batch goes out as the exact text it came in as.
    let batches = rows
        .into_iter()
        .filter_map(|r| {
            Some(Item {
                cursor: r.cursor,
                received_at: r.received_at,
                batch: RawValue::from_string(r.body).ok()?,
            })
        })
        .collect();
    Ok(Json(PageOut {
        batches,
        next,
        more,
    })
    .into_response())
}

#[derive(Serialize)]
struct Item {
    cursor: i64,
    received_at: String,
    batch: Box<RawValue>,
}

#[derive(Serialize)]
struct PageOut {
    batches: Vec<Item>,
    next: i64,
    more: bool,
}
