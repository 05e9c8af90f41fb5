//! Sending a unit's evidence files to the sync server, after its batches
//! (docs/sync-api.md, "Evidence files"): each file not yet sent whole goes in
//! pieces of `PIECE_BYTES`, each acknowledged; after a cut the device asks
//! where the server's copy ends (`…/progress`) and sends only the rest. The
//! rules are the core's (`papi_core::upload`). A batch never waits for its
//! files: they go when the batches are through.

use papi_core::evidence::FileRef;
use papi_core::upload::pieces;
use papi_core::wire::{ErrorReply, FileProgress, FILES_PATH};

use super::store::{bytes_of, EvidenceStore};
use crate::http::{request, Answer, Body};

/// The sync server: its address (no trailing slash) and the unit's token.
pub struct Server<'a> {
    pub base: &'a str,
    pub token: &'a str,
}

/// Why sending stopped before every file was through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The network or the server failed: try again later.
    Network(String),
    /// The server is busy: try again when it says (seconds).
    Busy(String, Option<u32>),
    /// The server will not take more until someone acts (quota, token).
    Refused(String),
}

/// What a round of sending did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Files the server now holds whole.
    pub files: usize,
    /// Bytes sent in this round.
    pub bytes: u64,
    /// Files still waiting (their batch is not on the server yet, or a
    /// problem of one file: `problems`).
    pub waiting: usize,
    /// Files the server refused, with why (Vietnamese).
    pub problems: Vec<String>,
}

/// Every file (and thumbnail) `refs` list that this device keeps and has
/// not sent whole.
pub async fn send_all(
    s: &Server<'_>,
    store: &EvidenceStore,
    refs: &[FileRef],
) -> Result<Sent, (Sent, Stop)> {
    let mut names: Vec<&str> = refs
        .iter()
        .flat_map(|r| [r.sha256.as_str(), r.thumb.as_str()])
        .filter(|n| !n.is_empty())
        .collect();
    // Thumbnails first: a receiver on a weak link sees them soonest.
    names.sort_by_key(|n| !refs.iter().any(|r| r.thumb == *n));
    names.dedup();
    let mut sent = Sent::default();
    for name in names {
        let kept = match store.get(name).await {
            Ok(Some(k)) if !k.sent => k,
            _ => continue,
        };
        match send_one(s, &kept, &mut sent.bytes).await {
            Ok(true) => {
                let _ = store.mark_sent(name).await;
                sent.files += 1;
            }
            Ok(false) => sent.waiting += 1,
            Err(One::Problem(why)) => {
                sent.waiting += 1;
                sent.problems.push(why);
            }
            Err(One::Stop(stop)) => return Err((sent, stop)),
        }
    }
    Ok(sent)
}

enum One {
    /// This file cannot go; the others may.
    Problem(String),
    Stop(Stop),
}

/// Send one file from where the server's copy ends. `Ok(true)`: the server
/// has it whole; `Ok(false)`: no batch on the server lists it yet.
async fn send_one(s: &Server<'_>, kept: &super::store::Kept, bytes: &mut u64) -> Result<bool, One> {
    let url = format!("{}{FILES_PATH}/{}", s.base, kept.sha256);
    // A piece that finds the server elsewhere (another tab sent meanwhile)
    // asks again where to go on; twice is enough for any honest race.
    for _ in 0..3 {
        let progress =
            match answer(request("GET", &format!("{url}/progress"), &s.token, Body::None).await)? {
                Reply::Ok(body) => serde_json::from_str::<FileProgress>(&body).map_err(|_| {
                    One::Stop(Stop::Network(
                        "máy chủ trả lời tiến độ tệp không đúng dạng".into(),
                    ))
                })?,
                Reply::NotReferenced => return Ok(false),
                Reply::Offset => continue,
            };
        if progress.complete {
            return Ok(true);
        }
        let mut moved = false;
        for piece in pieces(kept.size, progress.received) {
            let part = kept
                .blob
                .slice_with_f64_and_f64(piece.start as f64, piece.end as f64)
                .map_err(|e| One::Problem(format!("{e:?}")))?;
            let data = bytes_of(&part).await.map_err(One::Problem)?;
            let put = request("PUT", &url, &s.token, Body::Piece(&data, piece.header())).await;
            match answer(put)? {
                Reply::Ok(body) => {
                    *bytes += data.len() as u64;
                    let p: Option<FileProgress> = serde_json::from_str(&body).ok();
                    if p.is_some_and(|p| p.complete) {
                        return Ok(true);
                    }
                }
                Reply::NotReferenced => return Ok(false),
                Reply::Offset => {
                    moved = true;
                    break;
                }
            }
        }
        if !moved {
            // Every piece went but none said complete: ask once more.
            continue;
        }
    }
    Err(One::Problem(format!(
        "tệp {}… chưa gửi được: máy chủ liên tục báo sai vị trí nối tiếp",
        &kept.sha256[..12]
    )))
}

enum Reply {
    Ok(String),
    /// No batch of the unit on the server lists the file (yet).
    NotReferenced,
    /// The server's copy ends elsewhere: ask where.
    Offset,
}

fn answer(a: Result<Answer, String>) -> Result<Reply, One> {
    let a = a.map_err(|e| One::Stop(Stop::Network(e)))?;
    let reply: Option<ErrorReply> = serde_json::from_str(&a.body).ok();
    let code = reply.as_ref().map(|r| r.error.as_str()).unwrap_or("");
    let message = reply
        .as_ref()
        .map(|r| r.message.clone())
        .unwrap_or_else(|| format!("mã trả lời {}", a.status));
    match a.status {
        200 | 201 => Ok(Reply::Ok(a.body)),
        403 if code == "file_not_referenced" => Ok(Reply::NotReferenced),
        409 => Ok(Reply::Offset),
        400 => Err(One::Problem(format!("máy chủ từ chối tệp: {message}"))),
        401 | 403 => Err(One::Stop(Stop::Refused(format!(
            "máy chủ từ chối mã truy cập khi gửi tệp: {message}"
        )))),
        413 => Err(One::Stop(Stop::Refused(format!(
            "đơn vị đã dùng hết dung lượng tệp minh chứng trên máy chủ: {message}"
        )))),
        s if papi_core::retry::is_busy(s) => Err(One::Stop(Stop::Busy(
            format!("máy chủ đang bận ({s}): {message}"),
            a.server_wait(),
        ))),
        s => Err(One::Stop(Stop::Network(format!(
            "máy chủ lỗi ({s}): {message}"
        )))),
    }
}
