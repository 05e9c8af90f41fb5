//! Requests to the sync server: one `fetch` with the token, a timeout and
//! the server's answer read whole (status, `Retry-After`, body). The sync
//! cycle, the pulls, the feedback and the evidence uploads all go through
//! it.

use std::time::Duration;

use leptos::prelude::set_timeout_with_handle;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::platform;

const TIMEOUT_MS: u64 = 30_000;
const DOWNLOAD_TIMEOUT_MS: u64 = 300_000;

/// A server's reply.
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// The `Retry-After` header, if any.
    retry_after: Option<String>,
    pub(crate) body: String,
}

impl Answer {
    /// Seconds a busy server asked to be left alone (429, 503).
    pub(crate) fn server_wait(&self) -> Option<u32> {
        papi_core::retry::server_wait(self.status, self.retry_after.as_deref(), platform::now())
    }
}

pub(crate) async fn fetch(
    method: &str,
    url: &str,
    token: &str,
    body: Option<&str>,
) -> Result<Answer, String> {
    let body = body.map(|b| Body::Json(b)).unwrap_or(Body::None);
    request(method, url, token, body).await
}

/// What a request carries.
pub(crate) enum Body<'a> {
    None,
    Json(&'a str),
    /// A piece of an evidence file, with its `Content-Range`.
    Piece(&'a [u8], String),
}

/// A request's headers and body, and the controller that cuts it.
fn prepare(
    method: &str,
    token: &str,
    body: Body<'_>,
) -> Result<(web_sys::RequestInit, web_sys::AbortController), String> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|e| format!("{e:?}"))?;
    headers
        .set("Authorization", &format!("Bearer {}", token.trim()))
        .map_err(|e| format!("{e:?}"))?;
    match body {
        Body::None => {}
        Body::Json(b) => {
            headers
                .set("Content-Type", "application/json")
                .map_err(|e| format!("{e:?}"))?;
            init.set_body(&b.into());
        }
        Body::Piece(bytes, range) => {
            headers
                .set("Content-Type", "application/octet-stream")
                .map_err(|e| format!("{e:?}"))?;
            headers
                .set("Content-Range", &range)
                .map_err(|e| format!("{e:?}"))?;
            init.set_body(&js_sys::Uint8Array::from(bytes).into());
        }
    }
    init.set_headers(&headers);
    let abort = web_sys::AbortController::new().map_err(|e| format!("{e:?}"))?;
    init.set_signal(Some(&abort.signal()));
    Ok((init, abort))
}

/// Run `exchange` (send, then read the answer) cut after `ms` milliseconds.
async fn within<T>(
    ms: u64,
    abort: web_sys::AbortController,
    exchange: impl std::future::Future<Output = Result<T, String>>,
) -> Result<T, String> {
    let timer = set_timeout_with_handle(move || abort.abort(), Duration::from_millis(ms)).ok();
    let result = exchange.await;
    if let Some(t) = timer {
        t.clear();
    }
    result
}

async fn send(url: &str, init: &web_sys::RequestInit) -> Result<web_sys::Response, String> {
    let resp = JsFuture::from(platform::window().fetch_with_str_and_init(url, init))
        .await
        .map_err(|_| {
            "không kết nối được máy chủ (máy mất mạng, hoặc máy chủ không trả lời)".to_string()
        })?;
    resp.dyn_into().map_err(|e| format!("{e:?}"))
}

async fn text_of(resp: &web_sys::Response) -> Result<String, String> {
    Ok(JsFuture::from(resp.text().map_err(|e| format!("{e:?}"))?)
        .await
        .map_err(|_| "mất kết nối khi đang nhận trả lời".to_string())?
        .as_string()
        .unwrap_or_default())
}

pub(crate) async fn request(
    method: &str,
    url: &str,
    token: &str,
    body: Body<'_>,
) -> Result<Answer, String> {
    let (init, abort) = prepare(method, token, body)?;
    within(TIMEOUT_MS, abort, async {
        let resp = send(url, &init).await?;
        Ok(Answer {
            status: resp.status(),
            retry_after: resp.headers().get("Retry-After").ok().flatten(),
            body: text_of(&resp).await?,
        })
    })
    .await
}

/// A file fetched whole (`download`): its bytes when the server sent it
/// (200), else the server's answer.
pub(crate) enum Downloaded {
    Bytes(Vec<u8>),
    Refused(Answer),
}

/// GET a file (an evidence file, up to 15 MB): a slow link has minutes.
pub(crate) async fn download(url: &str, token: &str) -> Result<Downloaded, String> {
    let (init, abort) = prepare("GET", token, Body::None)?;
    within(DOWNLOAD_TIMEOUT_MS, abort, async {
        let resp = send(url, &init).await?;
        if resp.status() != 200 {
            return Ok(Downloaded::Refused(Answer {
                status: resp.status(),
                retry_after: resp.headers().get("Retry-After").ok().flatten(),
                body: text_of(&resp).await?,
            }));
        }
        let buffer = JsFuture::from(resp.array_buffer().map_err(|e| format!("{e:?}"))?)
            .await
            .map_err(|_| "mất kết nối khi đang nhận tệp".to_string())?;
        Ok(Downloaded::Bytes(js_sys::Uint8Array::new(&buffer).to_vec()))
    })
    .await
}
