//! Plans on the server: the province publishes a plan file it made (from a
//! spreadsheet, in the app); every unit's app lists and fetches the plans
//! of its province by itself. A published version never changes: the same
//! id and version with other content is refused, a change is a new version.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use papi_core::catalogue::PlanRefused;
use papi_core::wire::{PlanInfo, PlanList, PostStatus, PublishReply};
use papi_core::Plan;

use crate::api::{Api, TokenId};
use crate::error::ServerError;
use crate::telemetry::Caller;

/// A plan file is well under this (the 2020 plan is 43 kB).
pub const MAX_PLAN_BYTES: usize = 2 * 1000 * 1000;

/// GET /api/v1/plans: the plans of the server's units, any token.
pub async fn list(State(api): State<Api>) -> Json<PlanList> {
    let catalogue = api.catalogue.read().unwrap_or_else(|p| p.into_inner());
    let plans = catalogue
        .plans()
        .iter()
        .filter(|p| p.units == api.units.id)
        .map(PlanInfo::of)
        .collect();
    Json(PlanList { plans })
}

/// GET /api/v1/plans/{id}/{version}: the plan file's text.
pub async fn get(
    State(api): State<Api>,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, ServerError> {
    let catalogue = api.catalogue.read().unwrap_or_else(|p| p.into_inner());
    let plan = catalogue
        .plan(&id, &version)
        .filter(|p| p.units == api.units.id)
        .ok_or(ServerError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], plan.to_json()).into_response())
}

/// POST /api/v1/plans: the province (its own token only) publishes a plan
/// of the server's units.
pub async fn publish(
    State(api): State<Api>,
    Extension(Caller(unit)): Extension<Caller>,
    Extension(TokenId(token_id)): Extension<TokenId>,
    body: Body,
) -> Result<Response, ServerError> {
    if unit != api.units.province_code {
        return Err(ServerError::NotTheProvince);
    }
    let bytes = axum::body::to_bytes(body, MAX_PLAN_BYTES)
        .await
        .map_err(|_| ServerError::TooLarge)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ServerError::BadPlan("tệp không phải văn bản UTF-8".into()))?;
    let plan = Plan::from_json(text.trim_start_matches('\u{feff}'))
        .map_err(|e| ServerError::BadPlan(PlanRefused::Invalid(e).message_vi()))?;
    if plan.units != api.units.id {
        return Err(ServerError::BadPlan(format!(
            "kế hoạch dùng danh mục đơn vị \"{}\", máy chủ này phục vụ \"{}\"",
            plan.units.chars().take(40).collect::<String>(),
            api.units.id
        )));
    }
    let info = PlanInfo::of(&plan);
    let added = {
        let mut catalogue = api.catalogue.write().unwrap_or_else(|p| p.into_inner());
        catalogue.add_plan(plan.clone())
    };
    let new = match added {
        Ok(new) => new,
        Err(e @ PlanRefused::Changed { .. }) => {
            return Err(ServerError::PlanChanged(e.message_vi()))
        }
        Err(e) => return Err(ServerError::BadPlan(e.message_vi())),
    };
    let at = papi_core::dates::format_instant(chrono::Utc::now());
    let stored = api
        .db
        .publish_plan(
            plan.id.clone(),
            plan.version.clone(),
            plan.to_json(),
            token_id,
            at,
        )
        .await
        .map_err(ServerError::Unavailable)?;
    tracing::info!(plan = %plan.id, version = %plan.version, new = new && stored, "plan published");
    let (code, status) = if new && stored {
        (StatusCode::CREATED, PostStatus::Accepted)
    } else {
        (StatusCode::OK, PostStatus::Duplicate)
    };
    Ok((code, Json(PublishReply { status, plan: info })).into_response())
}
