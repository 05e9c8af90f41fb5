//! Evidence files on the server (issue 29; docs/sync-api.md, "Evidence
//! files"): a unit sends each file its batches reference in pieces, each
//! acknowledged, and after a cut asks how much arrived and sends the rest
//! (`papi_core::upload` decides what is taken). Pieces are appended to a
//! partial file on disk (one piece in memory at a time, never a whole
//! file); the whole file counts only once its bytes hash to its name, and
//! is then kept once, by its hash, whichever units reference it. A
//! receiver fetches a file of a unit it collects.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use papi_core::upload::{self, Expected, UploadError};
use papi_core::wire::FileProgress;
use sha2::{Digest, Sha256};

use crate::api::{read_body, Api, TokenId};
use crate::error::ServerError;
use crate::telemetry::Caller;

/// The units with a piece in flight: one at a time each, so that the
/// quota read before a piece is still true when it is recorded.
#[derive(Clone, Default)]
pub struct InFlight(Arc<Mutex<HashSet<String>>>);

struct Turn(InFlight, String);

impl Drop for Turn {
    fn drop(&mut self) {
        self.0
             .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.1);
    }
}

impl InFlight {
    fn take(&self, unit: &str) -> Result<Turn, ServerError> {
        let key = unit.to_string();
        if !self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone())
        {
            return Err(ServerError::TokenBusy { retry_after: 1 });
        }
        Ok(Turn(self.clone(), key))
    }
}

fn check_name(sha: &str) -> Result<(), ServerError> {
    let ok = sha.len() == 64
        && sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ServerError::BadFile(
            "tên tệp phải là mã SHA-256 (64 chữ số hex thường)".into(),
        ))
    }
}

fn refused(e: UploadError) -> ServerError {
    match e {
        UploadError::NotReferenced => ServerError::FileNotReferenced(e.message_vi()),
        UploadError::NotAtEnd { held } => ServerError::FileOffset {
            received: held,
            message: e.message_vi(),
        },
        UploadError::OverQuota { .. } => ServerError::OverQuota(e.message_vi()),
        _ => ServerError::BadFile(e.message_vi()),
    }
}

fn final_path(dir: &Path, sha: &str) -> PathBuf {
    dir.join(&sha[..2]).join(sha)
}

fn partial_path(dir: &Path, unit: &str, sha: &str) -> PathBuf {
    dir.join("partial").join(format!("{unit}-{sha}"))
}

fn held_bytes(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// What the unit may send under `sha`, from its batches' references.
async fn expected(api: &Api, unit: &str, sha: &str) -> Result<Option<Expected>, ServerError> {
    let refs = api
        .db
        .file_refs(unit.to_string(), sha.to_string())
        .await
        .map_err(ServerError::Internal)?;
    Ok(upload::expected(&refs, sha))
}

/// GET /api/v1/files/{sha256}/progress: how much of the file the server
/// holds for the token's unit (where to resume).
pub async fn progress(
    State(api): State<Api>,
    Extension(Caller(unit)): Extension<Caller>,
    UrlPath(sha): UrlPath<String>,
) -> Result<Json<FileProgress>, ServerError> {
    check_name(&sha)?;
    let expected = expected(&api, &unit, &sha).await?;
    if expected.is_none() {
        return Err(refused(UploadError::NotReferenced));
    }
    if let Some(size) = api
        .db
        .file_owned(unit.clone(), sha.clone())
        .await
        .map_err(ServerError::Internal)?
    {
        return Ok(Json(FileProgress {
            sha256: sha,
            received: size,
            size,
            complete: true,
        }));
    }
    let (_, total) = api
        .db
        .upload_usage(unit.clone(), sha.clone())
        .await
        .map_err(ServerError::Internal)?;
    let size = match (expected, total) {
        (Some(Expected::Exactly(n)), _) | (_, Some(n)) => n,
        _ => 0,
    };
    let received = held_bytes(&partial_path(api.db.files_dir(), &unit, &sha));
    Ok(Json(FileProgress {
        sha256: sha,
        received,
        size,
        complete: false,
    }))
}

/// PUT /api/v1/files/{sha256} with `Content-Range: bytes S-E/T`: one piece.
pub async fn put(
    State(api): State<Api>,
    Extension(Caller(unit)): Extension<Caller>,
    Extension(TokenId(token_id)): Extension<TokenId>,
    UrlPath(sha): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ServerError> {
    check_name(&sha)?;
    let piece = headers
        .get(header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .ok_or(UploadError::BadRange)
        .and_then(upload::parse_range)
        .map_err(refused)?;
    let expected = expected(&api, &unit, &sha).await?;
    let done = |size| {
        let p = FileProgress {
            sha256: sha.clone(),
            received: size,
            size,
            complete: true,
        };
        (StatusCode::OK, Json(p)).into_response()
    };
    // Sent whole by this unit already: nothing to send. (A file another
    // unit sent is sent again: naming a hash is not having the file.)
    if expected.is_some() {
        if let Some(size) = api
            .db
            .file_owned(unit.clone(), sha.clone())
            .await
            .map_err(ServerError::Internal)?
        {
            return Ok(done(size));
        }
    }
    let _turn = api.in_flight.take(&unit)?;
    // Counted with the batches' uploads: one per token, within the
    // server's memory budget.
    let _permit = api.uploads.admit(token_id, piece.len() as usize)?;
    let dir = api.db.files_dir().to_path_buf();
    let partial = partial_path(&dir, &unit, &sha);
    let held = held_bytes(&partial);
    let (others, begun) = api
        .db
        .upload_usage(unit.clone(), sha.clone())
        .await
        .map_err(ServerError::Internal)?;
    upload::admit(expected, piece, held, others, api.limits.unit_files_bytes).map_err(refused)?;
    let bytes = read_body(
        body,
        Some(piece.len() as usize),
        api.limits.body_timeout,
        piece.len() as usize,
    )
    .await?;
    if bytes.len() as u64 != piece.len() {
        return Err(ServerError::BadFile(format!(
            "phần tệp dài {} byte, tiêu đề Content-Range ghi {} byte",
            bytes.len(),
            piece.len()
        )));
    }
    let now = papi_core::dates::format_instant(chrono::Utc::now());
    if begun != Some(piece.total) {
        api.db
            .set_upload(unit.clone(), sha.clone(), Some(piece.total), now.clone())
            .await
            .map_err(ServerError::Unavailable)?;
    }
    let (path, name) = (partial.clone(), sha.clone());
    let whole = tokio::task::spawn_blocking(move || {
        append_and_check(&dir, &path, &bytes, piece.total, &name)
    })
    .await
    .map_err(|e| ServerError::Internal(e.to_string()))?
    .map_err(ServerError::Unavailable)?;
    match whole {
        Whole::Partial(received) => Ok((
            StatusCode::OK,
            Json(FileProgress {
                sha256: sha,
                received,
                size: piece.total,
                complete: false,
            }),
        )
            .into_response()),
        Whole::Stored => {
            api.db
                .file_complete(unit.clone(), sha.clone(), piece.total, now)
                .await
                .map_err(ServerError::Unavailable)?;
            tracing::info!(unit = %unit, sha256 = %sha, size = piece.total, "evidence file stored");
            let p = FileProgress {
                sha256: sha,
                received: piece.total,
                size: piece.total,
                complete: true,
            };
            Ok((StatusCode::CREATED, Json(p)).into_response())
        }
        Whole::Mismatch => {
            api.db
                .set_upload(unit, sha, None, now)
                .await
                .map_err(ServerError::Unavailable)?;
            Err(refused(UploadError::HashMismatch))
        }
    }
}

/// Forget the uploads begun longer than `partial_max_age` before `now`
/// and never finished: remove each partial file (unless its unit has a
/// piece in flight: the next sweep takes it) and stop counting it against
/// the unit's quota. How many were forgotten.
pub async fn expire_partials(
    api: &Api,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, String> {
    let age = chrono::Duration::from_std(api.limits.partial_max_age).map_err(|e| e.to_string())?;
    let before = papi_core::dates::format_instant(now - age);
    let mut forgotten = 0;
    for (unit, sha) in api.db.stale_uploads(before).await? {
        let Ok(_turn) = api.in_flight.take(&unit) else {
            continue;
        };
        let path = partial_path(api.db.files_dir(), &unit, &sha);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
        let at = papi_core::dates::format_instant(now);
        api.db.set_upload(unit, sha, None, at).await?;
        forgotten += 1;
    }
    Ok(forgotten)
}

/// Sweep abandoned uploads every `partial_sweep`, for as long as the
/// server runs.
pub(crate) async fn sweep_partials(api: Api) {
    let mut tick = tokio::time::interval(api.limits.partial_sweep);
    loop {
        tick.tick().await;
        match expire_partials(&api, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(uploads = n, "abandoned evidence uploads forgotten"),
            Err(e) => tracing::warn!(error = %e, "abandoned evidence uploads not swept"),
        }
    }
}

enum Whole {
    Partial(u64),
    Stored,
    Mismatch,
}

/// Append a piece to the partial file (durably); once it is whole, hash it
/// as it is read back and keep it under its name, or drop it.
fn append_and_check(
    dir: &Path,
    partial: &Path,
    bytes: &[u8],
    total: u64,
    sha: &str,
) -> Result<Whole, String> {
    let parent = partial.parent().ok_or("no partial directory")?;
    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(partial)
        .map_err(|e| e.to_string())?;
    f.write_all(bytes).map_err(|e| e.to_string())?;
    f.sync_data().map_err(|e| e.to_string())?;
    let len = f.metadata().map_err(|e| e.to_string())?.len();
    drop(f);
    if len < total {
        return Ok(Whole::Partial(len));
    }
    let mut hasher = Sha256::new();
    let mut r = std::fs::File::open(partial).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = r.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    if papi_core::signature::hex(&hasher.finalize()) != sha || len != total {
        std::fs::remove_file(partial).map_err(|e| e.to_string())?;
        return Ok(Whole::Mismatch);
    }
    let target = final_path(dir, sha);
    std::fs::create_dir_all(target.parent().ok_or("no file directory")?)
        .map_err(|e| e.to_string())?;
    std::fs::rename(partial, &target).map_err(|e| e.to_string())?;
    Ok(Whole::Stored)
}

/// GET /api/v1/files/{sha256}: a receiver fetches a stored file of a unit
/// it collects (streamed from disk; `Range` honoured).
pub async fn get(
    State(api): State<Api>,
    Extension(Caller(unit)): Extension<Caller>,
    UrlPath(sha): UrlPath<String>,
    req: Request,
) -> Result<Response, ServerError> {
    check_name(&sha)?;
    crate::api::receiver_scope(&api, &unit)?;
    let province = unit == api.units.province_code;
    let ours = |units: Vec<String>| {
        units
            .iter()
            .any(|u| province || api.units.collects(&unit, u))
    };
    let owners = api.db.file_owners(sha.clone()).await;
    if !ours(owners.map_err(ServerError::Internal)?) {
        // Listed by one of its units, not arrived yet: "chờ tệp minh chứng".
        let listed = api.db.file_listed_by(sha.clone()).await;
        return Err(if ours(listed.map_err(ServerError::Internal)?) {
            ServerError::FilePending
        } else {
            ServerError::NotFound
        });
    }
    let path = final_path(api.db.files_dir(), &sha);
    let res = tower_http::services::ServeFile::new(path)
        .try_call(req)
        .await
        .map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok(res.map(Body::new).into_response())
}
