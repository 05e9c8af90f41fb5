//! The evidence files carried in a picked `.zip` on "Nhập lô" (issue 29):
//! the zip's batch files join the dry run like any other; its files are
//! checked against what the records list (`papi_core::evidence::carried`)
//! and shown, then kept on this device when the batches are applied.

use std::collections::BTreeMap;
use std::sync::Arc;

use leptos::prelude::*;
use papi_core::evidence::{self, CarriedProblem, Listed};

use crate::evidence::bundle;
use crate::evidence::store::{blob_of, EvidenceStore};
use crate::inbox::{FileCheck, FileState, InboxState, Picked};

/// A file carried in a zip: the zip's name, its path in the zip, its bytes.
#[derive(Clone)]
pub struct Carried {
    pub zip: String,
    pub name: String,
    pub bytes: Arc<Vec<u8>>,
}

/// Open the zips among the picked files: their batch files take their
/// place ("x.zip › y.json"), their other entries are carried; a zip that
/// cannot be read, or an entry left out, is a refused line.
pub fn open_zips(picked: Vec<Picked>) -> (Vec<Picked>, Vec<Carried>) {
    let mut files = Vec::new();
    let mut carried = Vec::new();
    for p in picked {
        let bytes = match &p.bytes {
            Ok(b) if bundle::is_zip(&p.name) => b,
            _ => {
                files.push(p);
                continue;
            }
        };
        let line = |name: String, bytes| Picked {
            name,
            bytes,
            received_at: None,
            pulled: false,
        };
        match bundle::unpack(bytes) {
            Err(why) => files.push(line(p.name.clone(), Err(why))),
            Ok(u) => {
                for (entry, b) in u.batches {
                    files.push(line(format!("{} › {entry}", p.name), Ok(b)));
                }
                for why in u.problems {
                    files.push(line(p.name.clone(), Err(why)));
                }
                carried.extend(u.files.into_iter().map(|(name, b)| Carried {
                    zip: p.name.clone(),
                    name,
                    bytes: Arc::new(b),
                }));
            }
        }
    }
    (files, carried)
}

/// Every file listed by a record this device holds, or by a batch that
/// would apply.
fn listed(inbox: &InboxState, checks: &[FileCheck]) -> BTreeMap<String, Listed> {
    let mut out = inbox
        .with_all_records(|all| evidence::listed(all.iter().flat_map(|r| r.fields.files.iter())));
    for c in checks {
        if let FileState::Ready(b, _) = &c.state {
            out.extend(evidence::listed(
                b.records.iter().flat_map(|r| r.fields.files.iter()),
            ));
        }
    }
    out
}

/// Each carried file, judged against what is listed.
fn judged(
    listed: &BTreeMap<String, Listed>,
    carried: &[Carried],
) -> Vec<Result<(String, String), CarriedProblem>> {
    carried
        .iter()
        .map(|c| evidence::carried(&c.name, &c.bytes, listed))
        .collect()
}

/// After the batches are applied: keep the carried files a record now
/// lists, as files this device need not send. How many were kept.
pub async fn keep_carried(
    inbox: &InboxState,
    checks: &[FileCheck],
    carried: &[Carried],
) -> Result<usize, String> {
    if carried.is_empty() {
        return Ok(0);
    }
    let listed = listed(inbox, checks);
    let store = EvidenceStore::open().await.map_err(|e| e.message_vi())?;
    let mut kept = 0;
    for (c, judged) in carried.iter().zip(judged(&listed, carried)) {
        let Ok((sha, media_type)) = judged else {
            continue;
        };
        let blob = blob_of(&c.bytes, &media_type)?;
        store
            .put(&sha, &media_type, &blob)
            .await
            .map_err(|e| e.message_vi())?;
        store.mark_sent(&sha).await.map_err(|e| e.message_vi())?;
        kept += 1;
    }
    crate::evidence::changed();
    Ok(kept)
}

/// What the carried files would become, and what became of them.
#[component]
pub fn CarriedFiles(
    checks: RwSignal<Vec<FileCheck>>,
    carried: RwSignal<Arc<Vec<Carried>>>,
    kept: RwSignal<Option<Result<usize, String>>>,
) -> impl IntoView {
    let inbox = crate::inbox::use_inbox();
    let lines = move || {
        let carried = carried.get();
        // An import without a zip reads no record here.
        if carried.is_empty() {
            return vec![];
        }
        let listed = checks.with(|cs| listed(&inbox, cs));
        judged(&listed, &carried)
            .into_iter()
            .zip(carried.iter())
            .map(|(j, c)| (c.zip.clone(), j))
            .collect::<Vec<_>>()
    };
    move || {
        let lines = lines();
        (!lines.is_empty()).then(|| {
            let good = lines.iter().filter(|(_, j)| j.is_ok()).count();
            let refused = lines
                .iter()
                .filter_map(|(zip, j)| j.as_ref().err().map(|p| format!("{zip}: {}", p.message_vi())))
                .collect::<Vec<_>>();
            let outcome = kept.get().map(|k| match k {
                Ok(n) => view! { <p role="status" data-testid="carried-kept">"Đã lưu " {n} " tệp minh chứng trên máy này."</p> }.into_any(),
                Err(why) => view! { <p class="error" role="alert">"Chưa lưu được tệp minh chứng: " {why}</p> }.into_any(),
            });
            view! {
                <div class="card" data-testid="carried-files">
                    <h3>"Tệp minh chứng kèm theo"</h3>
                    <p>{good} " tệp khớp với hoạt động trong lô (lưu khi áp dụng); " {refused.len()} " tệp bị từ chối."</p>
                    <ul class="refused">{refused.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                    {outcome}
                </div>
            }
        })
    }
}
