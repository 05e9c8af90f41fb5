//! Feedback on the server (docs/sync-api.md): a receiver posts what it
//! says to one of its units (decisions, reminders, comments; the core's
//! `feedback`), and that unit's tokens read what is addressed to it, with
//! the receiver's device keys that verify it. The server checks what the
//! unit will check again: its shape and signature, that the token's unit
//! is the addressed unit's receiver, and the signer's key (introduced by
//! the first file a token posts with it, as for batches).

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use papi_core::feedback::{self, Feedback};
use papi_core::wire::{FeedbackItem, FeedbackPage, FeedbackQuery, FeedbackReply, PostStatus};
use serde_json::value::RawValue;

use crate::api::{announced_length, read_body, Api, TokenId};
use crate::db::{NewFeedback, Stored};
use crate::error::ServerError;
use crate::telemetry::Caller;

/// Feedback rows per page (each at most `feedback::MAX_BYTES`: a page is
/// at most 8 MB, as a page of batches).
pub const PAGE_MAX: usize = 16;

/// POST /api/v1/feedback: a receiver's feedback to one of its units.
pub async fn post(
    State(api): State<Api>,
    Extension(Caller(unit)): Extension<Caller>,
    Extension(TokenId(token_id)): Extension<TokenId>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ServerError> {
    crate::api::receiver_scope(&api, &unit)?;
    let too_large = || {
        ServerError::BadFeedback(
            feedback::FeedbackError::TooLarge(feedback::MAX_BYTES + 1).message_vi(|c| c.into()),
        )
    };
    let announced = announced_length(&headers)?;
    if announced.is_some_and(|n| n > feedback::MAX_BYTES) {
        return Err(too_large());
    }
    let _permit = api
        .uploads
        .admit(token_id, announced.unwrap_or(feedback::MAX_BYTES))?;
    let bytes = read_body(
        body,
        announced,
        api.limits.body_timeout,
        feedback::MAX_BYTES,
    )
    .await
    .map_err(|e| match e {
        ServerError::TooLarge => too_large(),
        e => e,
    })?;
    let units = api.units.clone();
    let (f, text) = api
        .checks
        .run(
            bytes.len(),
            move || -> Result<(Feedback, String), ServerError> {
                let name = |c: &str| units.name_or_code(c);
                let f = feedback::parse(&bytes)
                    .map_err(|e| ServerError::BadFeedback(e.message_vi(name)))?;
                let text =
                    String::from_utf8(bytes).map_err(|e| ServerError::Internal(e.to_string()))?;
                Ok((f, text))
            },
        )
        .await??;
    if f.units != api.units.id {
        return Err(ServerError::BadFeedback(format!(
            "phản hồi dùng danh mục đơn vị \"{}\", máy chủ này phục vụ \"{}\"",
            f.units.chars().take(40).collect::<String>(),
            api.units.id
        )));
    }
    if f.from_unit != unit {
        return Err(ServerError::WrongUnit {
            token: unit,
            batch: f.from_unit,
        });
    }
    // A receiver speaks only for the units it receives from (of the plan:
    // its recording bodies included).
    let receiver = {
        let catalogue = api.catalogue.read().unwrap_or_else(|p| p.into_inner());
        let Some(plan) = catalogue.plan(&f.plan.id, &f.plan.version) else {
            return Err(ServerError::BadFeedback(format!(
                "máy chủ không có kế hoạch {} phiên bản {}: hãy công bố kế hoạch trước",
                f.plan.id, f.plan.version
            )));
        };
        catalogue
            .units_for(plan)
            .unwrap_or(&api.units)
            .receiver_of(&f.to_unit)
            .map(|u| u.code.clone())
    };
    if receiver.as_deref() != Some(unit.as_str()) {
        return Err(ServerError::NotItsReceiver {
            token: unit,
            unit: f.to_unit,
        });
    }
    let sha256 = f.sha256.clone();
    let stored = api
        .db
        .store_feedback(NewFeedback {
            origin: f.origin(),
            to_unit: f.to_unit.clone(),
            sha256: sha256.clone(),
            body: crate::api::served_text(&text).to_string(),
            received_at: papi_core::dates::format_instant(chrono::Utc::now()),
            token_id,
        })
        .await
        .map_err(ServerError::Unavailable)?;
    let reply = |code, status, cursor| {
        (
            code,
            Json(FeedbackReply {
                status,
                sha256: sha256.clone(),
                cursor,
            }),
        )
            .into_response()
    };
    match stored {
        Stored::Accepted { cursor } => {
            tracing::info!(from = %f.from_unit, to = %f.to_unit, cursor, "feedback kept");
            Ok(reply(StatusCode::CREATED, PostStatus::Accepted, cursor))
        }
        Stored::Duplicate { cursor } => Ok(reply(StatusCode::OK, PostStatus::Duplicate, cursor)),
        Stored::Conflict { .. } => Err(ServerError::Internal("a feedback conflict".into())),
        Stored::KeyRefused(verdict) => Err(ServerError::KeyRefused(
            verdict.message_vi(|c| api.units.name_or_code(c)),
        )),
    }
}

/// GET /api/v1/feedback?after=&limit=: what is addressed to the token's
/// unit, and its receiver's device keys; with `sent=true` (a receiver),
/// what the token's unit sent, for its other devices.
pub async fn list(
    State(api): State<Api>,
    Extension(Caller(unit)): Extension<Caller>,
    page: Result<Query<FeedbackQuery>, QueryRejection>,
) -> Result<Response, ServerError> {
    let Query(page) = page.map_err(|_| ServerError::BadQuery)?;
    if page.sent {
        crate::api::receiver_scope(&api, &unit)?;
    }
    let limit = page.limit.unwrap_or(PAGE_MAX).clamp(1, PAGE_MAX);
    let after = page.after.unwrap_or(0);
    let got = api
        .db
        .feedback_after(unit.clone(), page.sent, after, limit)
        .await
        .map_err(ServerError::Internal)?;
    let receiver = receiver_of(&api, &unit).filter(|_| !page.sent);
    let keys = match receiver {
        Some(r) => api
            .db
            .device_keys_of(r)
            .await
            .map_err(ServerError::Internal)?,
        None => vec![],
    };
    let next = got.rows.last().map(|r| r.cursor).unwrap_or(after);
    let mut items = Vec::with_capacity(got.rows.len());
    for r in got.rows {
        match RawValue::from_string(r.body) {
            Ok(feedback) => items.push(FeedbackItem {
                cursor: r.cursor,
                received_at: r.received_at,
                feedback,
            }),
            // Checked when posted: a damaged row is logged and passed over
            // (the unit's copy comes again as a file if it matters).
            Err(e) => {
                tracing::error!(cursor = r.cursor, error = %e, "a stored feedback cannot be served")
            }
        }
    }
    let body = serde_json::to_vec(&FeedbackPage {
        feedback: items,
        keys,
        next,
        more: got.more,
    })
    .map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Who receives from `unit`: in the server's dataset, or (a provincial
/// body) in the units of a plan published since the server started.
fn receiver_of(api: &Api, unit: &str) -> Option<String> {
    if let Some(r) = api.units.receiver_of(unit) {
        return Some(r.code.clone());
    }
    let catalogue = api.catalogue.read().unwrap_or_else(|p| p.into_inner());
    catalogue
        .plans()
        .iter()
        .filter(|p| p.units == api.units.id)
        .filter_map(|p| catalogue.units_for(p))
        .find_map(|u| u.receiver_of(unit).map(|r| r.code.clone()))
}
