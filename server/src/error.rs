//! Every refusal of the API as one type, and the reply it becomes
//! (docs/sync-api.md): a status, `{ "error": code, "message": text }` with a
//! Vietnamese text for people, and `Retry-After` where waiting helps.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use papi_core::batch::MAX_BATCH_BYTES;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerError {
    /// No `Authorization: Bearer …` header.
    NoToken,
    /// A wrong or revoked token.
    BadToken,
    /// The query string is not `after` and `limit` as whole numbers.
    BadQuery,
    /// The request's body could not be read (the client broke off).
    BadBody(String),
    /// The core refused the batch; its reason, in Vietnamese.
    BadBatch(String),
    /// The core refused the feedback; its reason, in Vietnamese.
    BadFeedback(String),
    /// An evidence file or piece the core refuses (name, range, size,
    /// hash); its reason.
    BadFile(String),
    /// An evidence file no batch of the token's unit references.
    FileNotReferenced(String),
    /// A piece that does not start where the server's copy ends.
    FileOffset {
        received: u64,
        message: String,
    },
    /// The unit's evidence files would pass its quota.
    OverQuota(String),
    /// A referenced file that has not arrived whole yet.
    FilePending,
    /// A feedback to a unit the token's unit does not receive from.
    NotItsReceiver {
        token: String,
        unit: String,
    },
    WrongUnit {
        token: String,
        batch: String,
    },
    NotAReceiver,
    NotFound,
    MethodNotAllowed,
    /// The body did not arrive within the body deadline.
    Timeout,
    Conflict {
        seq: u64,
        sha256: String,
    },
    /// A plan file the core refuses; its reason, in Vietnamese.
    BadPlan(String),
    /// The same plan id and version with other content.
    PlanChanged(String),
    /// Only the province publishes plans.
    NotTheProvince,
    /// The batch's device key is revoked, or speaks for another unit or
    /// device (`trust::Verdict`'s message).
    KeyRefused(String),
    TooLarge,
    /// The token's rate limit; seconds until the next request may pass.
    RateLimited {
        retry_after: u64,
    },
    /// The token has an upload in flight already (one at a time).
    TokenBusy {
        retry_after: u64,
    },
    /// Too many uploads at once, or too many of their bytes held.
    Busy {
        retry_after: u64,
    },
    /// The database cannot write (disk full, failed commit); logged.
    Unavailable(String),
    /// A fault of the server itself; logged, never shown.
    Internal(String),
    /// Any other refusal by the HTTP stack, by its status.
    Http(StatusCode),
}

/// What `Unavailable` asks clients to wait before trying again.
pub const UNAVAILABLE_RETRY_SECONDS: u64 = 30;

impl ServerError {
    pub fn status(&self) -> StatusCode {
        use ServerError::*;
        match self {
            NoToken | BadToken => StatusCode::UNAUTHORIZED,
            BadQuery | BadBody(_) | BadBatch(_) | BadFeedback(_) | BadPlan(_) | BadFile(_) => {
                StatusCode::BAD_REQUEST
            }
            PlanChanged(_) => StatusCode::CONFLICT,
            NotTheProvince => StatusCode::FORBIDDEN,
            WrongUnit { .. } | NotAReceiver | NotItsReceiver { .. } | KeyRefused(_) => {
                StatusCode::FORBIDDEN
            }
            NotFound | FilePending => StatusCode::NOT_FOUND,
            FileNotReferenced(_) => StatusCode::FORBIDDEN,
            FileOffset { .. } => StatusCode::CONFLICT,
            OverQuota(_) => StatusCode::PAYLOAD_TOO_LARGE,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Timeout => StatusCode::REQUEST_TIMEOUT,
            Conflict { .. } => StatusCode::CONFLICT,
            TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            RateLimited { .. } | TokenBusy { .. } => StatusCode::TOO_MANY_REQUESTS,
            Busy { .. } | Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Http(s) => *s,
        }
    }

    /// The stable code clients read (`error` in the body).
    pub fn code(&self) -> &'static str {
        use ServerError::*;
        match self {
            NoToken | BadToken => "unauthorized",
            BadQuery => "bad_query",
            BadBody(_) => "bad_body",
            BadBatch(_) => "bad_batch",
            BadFeedback(_) => "bad_feedback",
            BadFile(_) => "bad_file",
            FileNotReferenced(_) => "file_not_referenced",
            FileOffset { .. } => "file_offset",
            OverQuota(_) => "over_quota",
            FilePending => "file_pending",
            NotItsReceiver { .. } => "not_its_receiver",
            WrongUnit { .. } => "wrong_unit",
            NotAReceiver => "not_a_receiver",
            NotFound => "not_found",
            MethodNotAllowed => "method_not_allowed",
            Timeout => "timeout",
            Conflict { .. } => "conflict",
            KeyRefused(_) => "key_refused",
            BadPlan(_) => "bad_plan",
            PlanChanged(_) => "plan_changed",
            NotTheProvince => "not_the_province",
            TooLarge => "too_large",
            RateLimited { .. } => "rate_limited",
            TokenBusy { .. } => "token_busy",
            Busy { .. } => "busy",
            Unavailable(_) => "unavailable",
            Internal(_) => "internal",
            Http(_) => "http_error",
        }
    }

    pub fn message(&self) -> String {
        use ServerError::*;
        match self {
            NoToken => "thiếu mã truy cập (Authorization: Bearer …)".into(),
            BadToken => "mã truy cập không đúng hoặc đã bị thu hồi".into(),
            BadQuery => "tham số không hợp lệ: after và limit phải là số nguyên không âm".into(),
            BadBody(_) => "không đọc được nội dung yêu cầu; hãy gửi lại".into(),
            BadBatch(reason)
            | BadFile(reason)
            | FileNotReferenced(reason)
            | OverQuota(reason)
            | FileOffset {
                message: reason, ..
            }
            | BadFeedback(reason)
            | KeyRefused(reason)
            | BadPlan(reason)
            | PlanChanged(reason) => reason.clone(),
            NotItsReceiver { token, unit } => format!(
                "mã truy cập của đơn vị {token} không được gửi phản hồi cho đơn vị {unit}: chỉ đơn vị nhận báo cáo của {unit} được gửi"
            ),
            NotTheProvince => "chỉ Sở Nội vụ (mã truy cập của tỉnh) được công bố kế hoạch".into(),
            WrongUnit { token, batch } => format!(
                "mã truy cập của đơn vị {token} không được gửi lô của đơn vị {batch}"
            ),
            NotAReceiver => {
                "chỉ mã truy cập của huyện hoặc của Sở Nội vụ được tải lô về".into()
            }
            NotFound => "không có địa chỉ API này".into(),
            FilePending => "tệp minh chứng chưa đến máy chủ (chờ tệp minh chứng)".into(),
            MethodNotAllowed => "địa chỉ này không nhận phương thức yêu cầu này".into(),
            Timeout => "gửi quá chậm: máy chủ đã ngừng chờ; hãy gửi lại".into(),
            Conflict { seq, sha256 } => format!(
                "máy chủ đã có lô số {seq} của thiết bị này với nội dung khác (SHA-256 {}…); giữ lô nhận trước",
                &sha256[..12.min(sha256.len())]
            ),
            TooLarge => format!("lô lớn hơn {} MB", MAX_BATCH_BYTES / 1_000_000),
            RateLimited { retry_after } => format!(
                "gửi quá nhiều yêu cầu trong thời gian ngắn; hãy thử lại sau {retry_after} giây"
            ),
            TokenBusy { retry_after } => format!(
                "máy chủ đang nhận một lô khác bằng mã truy cập này; mỗi mã truy cập gửi một lô một lúc, hãy thử lại sau {retry_after} giây"
            ),
            Busy { retry_after } => format!(
                "máy chủ đang nhận quá nhiều lô cùng lúc; hãy thử lại sau {retry_after} giây"
            ),
            Unavailable(_) => {
                "máy chủ tạm thời không ghi được dữ liệu (ổ đĩa đầy hoặc lỗi ghi); lô chưa được lưu, hãy gửi lại sau".into()
            }
            Internal(_) => "lỗi máy chủ, hãy thử lại sau".into(),
            Http(s) => format!("yêu cầu không được chấp nhận (mã {})", s.as_u16()),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            ServerError::RateLimited { retry_after }
            | ServerError::TokenBusy { retry_after }
            | ServerError::Busy { retry_after } => Some(*retry_after),
            ServerError::Unavailable(_) => Some(UNAVAILABLE_RETRY_SECONDS),
            _ => None,
        }
    }

    /// One of each kind of refusal the server can send (docs/sync-api.md
    /// lists them all; server/tests/docs_agree.rs holds it to this list).
    pub fn every_kind() -> Vec<ServerError> {
        use ServerError::*;
        let all = vec![
            NoToken,
            BadToken,
            BadQuery,
            BadBody(String::new()),
            BadBatch(String::new()),
            BadFeedback(String::new()),
            BadFile(String::new()),
            FileNotReferenced(String::new()),
            FileOffset {
                received: 0,
                message: String::new(),
            },
            OverQuota(String::new()),
            FilePending,
            NotItsReceiver {
                token: String::new(),
                unit: String::new(),
            },
            WrongUnit {
                token: String::new(),
                batch: String::new(),
            },
            NotAReceiver,
            NotFound,
            MethodNotAllowed,
            Timeout,
            Conflict {
                seq: 1,
                sha256: String::new(),
            },
            BadPlan(String::new()),
            PlanChanged(String::new()),
            NotTheProvince,
            KeyRefused(String::new()),
            TooLarge,
            RateLimited { retry_after: 1 },
            TokenBusy { retry_after: 1 },
            Busy { retry_after: 1 },
            Unavailable(String::new()),
            Internal(String::new()),
            Http(StatusCode::BAD_REQUEST),
        ];
        // A kind added to the type and not to the list above fails to
        // compile here.
        for e in &all {
            match e {
                NoToken
                | BadToken
                | BadQuery
                | BadBody(_)
                | BadBatch(_)
                | BadFeedback(_)
                | BadFile(_)
                | FileNotReferenced(_)
                | FileOffset { .. }
                | OverQuota(_)
                | FilePending
                | NotItsReceiver { .. }
                | WrongUnit { .. }
                | NotAReceiver
                | NotFound
                | MethodNotAllowed
                | Timeout
                | Conflict { .. }
                | BadPlan(_)
                | PlanChanged(_)
                | NotTheProvince
                | KeyRefused(_)
                | TooLarge
                | RateLimited { .. }
                | TokenBusy { .. }
                | Busy { .. }
                | Unavailable(_)
                | Internal(_)
                | Http(_) => {}
            }
        }
        all
    }

    /// The reply for a status the HTTP stack chose (axum's own refusals).
    pub fn from_status(status: StatusCode) -> ServerError {
        match status {
            StatusCode::NOT_FOUND => ServerError::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ServerError::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ServerError::TooLarge,
            StatusCode::REQUEST_TIMEOUT => ServerError::Timeout,
            s => ServerError::Http(s),
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        match &self {
            ServerError::Unavailable(e) => tracing::error!(error = %e, "write failed"),
            ServerError::Internal(e) => tracing::error!(error = %e, "internal error"),
            _ => {}
        }
        let body = papi_core::wire::ErrorReply {
            error: self.code().into(),
            message: self.message(),
        };
        let mut res = (self.status(), Json(body)).into_response();
        res.extensions_mut()
            .insert(crate::metrics::Refused(self.code()));
        if let Some(s) = self.retry_after() {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}

/// Middleware for the API: a refusal that is not JSON yet (axum's 404,
/// 405, …) becomes the documented JSON body; its headers (`Allow`) stay.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(res.status().is_client_error() || res.status().is_server_error()) || is_json {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let fresh = ServerError::from_status(parts.status).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(fresh.headers().clone());
    Response::from_parts(parts, fresh.into_body())
}
