//! Evidence on the screens (issue 29): the form's files (`EvidenceEditor`:
//! take a photo, pick images or PDF scans, caption, remove), the thumbnails
//! of an activity's files (`EvidenceStrip`) and the viewer of one file
//! (`Viewer`). A file is read from this device's store; a receiver's screen
//! (`remote`) fetches from the sync server a file its unit sent, checks that
//! its bytes hash to its name and keeps it, so it opens offline afterwards.

use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::evidence::{self, FileRef};
use papi_core::wire::{ErrorReply, FILES_PATH};
use wasm_bindgen::JsCast;

use crate::evidence::store::{blob_of, EvidenceStore};
use crate::form::{use_form, FormState};
use crate::http::{download, Downloaded};
use crate::platform::human_bytes;
use crate::workspace::PLAN;

/// The files of the open form: attach, caption, remove.
#[component]
pub fn EvidenceEditor(
    /// The core's message when the last save found the files wrong.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let form = use_form();
    let working = RwSignal::new(None::<String>);
    let problems = RwSignal::new(Vec::<String>::new());
    let files = move || {
        form.open.with(|o| {
            o.as_ref()
                .map(|o| o.draft.files.clone())
                .unwrap_or_default()
        })
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let picked: Vec<web_sys::File> = input
            .files()
            .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
            .unwrap_or_default();
        // The same file can be picked again after a removal.
        input.set_value("");
        if !picked.is_empty() {
            spawn_local(attach(form, picked, working, problems));
        }
    };
    view! {
        <fieldset class="field evidence-editor" data-testid="evidence-editor">
            <legend>"Tệp minh chứng (ảnh chụp, bản quét PDF)"</legend>
            <ul class="evidence-list">
                <For each=files key=|f| f.sha256.clone() let:file>
                    <EditedFile file=file/>
                </For>
            </ul>
            <div class="evidence-pickers">
                <label class="btn">
                    "Chụp ảnh"
                    <input type="file" class="visually-hidden" accept="image/*" capture="environment"
                        data-testid="evidence-camera" on:change=on_pick/>
                </label>
                <label class="btn">
                    "Chọn ảnh hoặc tệp PDF"
                    <input type="file" class="visually-hidden" accept="image/*,application/pdf,.pdf" multiple
                        data-testid="evidence-input" on:change=on_pick/>
                </label>
            </div>
            <p class="hint">
                "Ảnh được thu nhỏ (cạnh dài " {evidence::IMAGE_EDGE} " điểm ảnh) và bỏ thông tin vị trí trước khi lưu; tệp PDF tối đa "
                {evidence::MAX_PDF_BYTES / 1_000_000} " MB; tối đa " {evidence::MAX_FILES} " tệp."
            </p>
            {move || working.get().map(|w| view! { <p role="status" data-testid="evidence-working">{w}</p> })}
            {move || {
                let mut said = problems.get();
                said.extend(error.get());
                (!said.is_empty()).then(|| view! {
                    <div class="error" role="alert" data-testid="evidence-problem">
                        {said.into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
                    </div>
                })
            }}
            <EvidenceUsage/>
        </fieldset>
    }
}

/// Make each picked file ready, keep it, and list it in the draft.
async fn attach(
    form: FormState,
    picked: Vec<web_sys::File>,
    working: RwSignal<Option<String>>,
    problems: RwSignal<Vec<String>>,
) {
    let store = match EvidenceStore::open().await {
        Ok(s) => s,
        Err(e) => {
            let _ = problems.try_set(vec![e.message_vi()]);
            return;
        }
    };
    let mut said = Vec::new();
    let total = picked.len();
    for (i, file) in picked.iter().enumerate() {
        let _ = working.try_set(Some(format!(
            "Đang chuẩn bị tệp {}/{total}: {}…",
            i + 1,
            file.name()
        )));
        let listed = form
            .open
            .with_untracked(|o| o.as_ref().map_or(0, |o| o.draft.files.len()));
        match keep(&store, file, listed).await {
            Ok(made) => form.edit_draft(|d| {
                if !d.files.iter().any(|f| f.sha256 == made.sha256) {
                    d.files.push(made);
                    d.files = evidence::sorted(std::mem::take(&mut d.files));
                }
            }),
            Err(e) => said.push(e),
        }
    }
    let _ = working.try_set(None);
    let _ = problems.try_set(said);
    crate::evidence::changed();
}

/// Prepare a picked file and keep it (and its thumbnail) on the device.
async fn keep(
    store: &EvidenceStore,
    file: &web_sys::File,
    listed: usize,
) -> Result<FileRef, String> {
    let made = crate::evidence::image::prepare(file, listed).await?;
    if let Some((sha, blob)) = &made.thumb {
        store
            .put(sha, "image/jpeg", blob)
            .await
            .map_err(|e| e.message_vi())?;
    }
    store
        .put(&made.file.sha256, &made.file.media_type, &made.blob)
        .await
        .map_err(|e| e.message_vi())?;
    Ok(made.file)
}

/// One file of the form: its thumbnail, caption and removal.
#[component]
fn EditedFile(file: FileRef) -> impl IntoView {
    let form = use_form();
    let sha = file.sha256.clone();
    let caption = {
        let sha = sha.clone();
        move || {
            form.open.with(|o| {
                o.as_ref()
                    .and_then(|o| o.draft.files.iter().find(|f| f.sha256 == sha))
                    .map(|f| f.caption.clone())
                    .unwrap_or_default()
            })
        }
    };
    let on_caption = {
        let sha = sha.clone();
        move |ev: leptos::ev::Event| {
            let typed = event_target_value(&ev);
            form.edit_draft(|d| {
                if let Some(f) = d.files.iter_mut().find(|f| f.sha256 == sha) {
                    f.caption = typed;
                }
            });
        }
    };
    let remove = {
        let sha = sha.clone();
        move |_| form.edit_draft(|d| d.files.retain(|f| f.sha256 != sha))
    };
    let caption_id = format!("evidence-caption-{}", &sha[..12]);
    let kind = kind_vi(&file);
    view! {
        <li class="evidence-item">
            <Thumb file=file.clone() remote=false/>
            <div class="evidence-meta">
                <span>{kind}</span>
                <label for=caption_id.clone()>"Chú thích"</label>
                <input id=caption_id type="text" data-testid="evidence-caption"
                    maxlength=evidence::MAX_CAPTION.to_string() placeholder="Ví dụ: Ảnh bảng tin xã"
                    prop:value=caption on:input=on_caption/>
            </div>
            <button type="button" class="btn danger" data-testid="evidence-remove" on:click=remove>"Gỡ"</button>
        </li>
    }
}

/// "Ảnh JPEG · 312 KB", "Tệp PDF · 1,2 MB".
fn kind_vi(f: &FileRef) -> String {
    let kind = match f.media_type.as_str() {
        "application/pdf" => "Tệp PDF",
        "image/png" => "Ảnh PNG",
        "image/webp" => "Ảnh WebP",
        _ => "Ảnh JPEG",
    };
    format!("{kind} · {}", human_bytes(f.size as f64))
}

/// What evidence takes on this device, and what has not left it.
#[component]
pub fn EvidenceUsage() -> impl IntoView {
    let usage = eventually(move || {
        crate::evidence::tick();
        async move {
            let store = EvidenceStore::open().await.ok()?;
            store.usage().await.ok()
        }
    });
    move || {
        usage.get().flatten().filter(|u| u.files > 0).map(|u| {
            let unsent = match u.unsent {
                0 => "tất cả đã gửi lên máy chủ".to_string(),
                n => format!("{n} tệp ({}) chưa gửi lên máy chủ", human_bytes(u.unsent_bytes as f64)),
            };
            view! {
                <p class="hint" data-testid="evidence-usage">
                    "Tệp minh chứng trên máy: " {u.files} " tệp (" {human_bytes(u.bytes as f64)} "), " {unsent} "."
                </p>
            }
        })
    }
}

/// The thumbnails of an activity's files, each opening the file.
#[component]
pub fn EvidenceStrip(files: Vec<FileRef>, remote: bool) -> impl IntoView {
    let open = RwSignal::new(None::<FileRef>);
    let items = files
        .into_iter()
        .map(|f| {
            let label = match f.caption.is_empty() {
                true => format!("Mở {}", kind_vi(&f)),
                false => format!("Mở: {}", f.caption),
            };
            let chosen = f.clone();
            view! {
                <li>
                    <button type="button" class="evidence-open" data-testid="evidence-open"
                        aria-label=label on:click=move |_| open.set(Some(chosen.clone()))>
                        <Thumb file=f.clone() remote=remote/>
                    </button>
                    {(!f.caption.is_empty()).then(|| view! { <span class="caption">{f.caption.clone()}</span> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="evidence-strip" data-testid="evidence-strip">{items}</ul>
        {move || open.get().map(|file| view! { <Viewer file remote on_close=move || open.set(None)/> })}
    }
}

/// Why a file cannot be shown here.
#[derive(Debug, Clone, PartialEq)]
enum Missing {
    /// Its unit has not sent it whole yet.
    Pending,
    /// Not on this device, and no server to ask.
    NotHere,
    /// The server's copy does not hash to its name.
    Corrupt,
    Failed(String),
}

impl Missing {
    fn message_vi(&self) -> String {
        match self {
            Missing::Pending => {
                "Chờ tệp minh chứng: đơn vị chưa gửi xong tệp này lên máy chủ.".into()
            }
            Missing::NotHere => {
                "Tệp không có trên máy này (tệp nằm trên máy đã ghi hoạt động).".into()
            }
            Missing::Corrupt => {
                "Tệp nhận từ máy chủ không khớp mã băm của nó: không mở. Hãy báo quản trị máy chủ."
                    .into()
            }
            Missing::Failed(why) => format!("Không mở được tệp: {why}"),
        }
    }
}

/// The file named `sha256`: from this device's store, or, for a receiver,
/// from the sync server (checked against its name, then kept).
async fn blob_for(sha256: &str, media_type: &str, remote: bool) -> Result<web_sys::Blob, Missing> {
    let store = EvidenceStore::open()
        .await
        .map_err(|e| Missing::Failed(e.message_vi()))?;
    if let Some(kept) = store
        .get(sha256)
        .await
        .map_err(|e| Missing::Failed(e.message_vi()))?
    {
        return Ok(kept.blob);
    }
    let s = crate::sync::settings_for(&PLAN);
    if !remote || !s.is_set() {
        return Err(Missing::NotHere);
    }
    let url = s.url(&format!("{FILES_PATH}/{sha256}"));
    let bytes = match download(&url, &s.token).await.map_err(Missing::Failed)? {
        Downloaded::Bytes(b) => b,
        Downloaded::Refused(answer) => {
            let reply = serde_json::from_str::<ErrorReply>(&answer.body).ok();
            return Err(match reply {
                Some(r) if r.error == "file_pending" => Missing::Pending,
                Some(r) => Missing::Failed(r.message),
                None => Missing::Failed(format!("máy chủ trả lời {}", answer.status)),
            });
        }
    };
    if evidence::sha256_hex(&bytes) != sha256 {
        return Err(Missing::Corrupt);
    }
    let blob = blob_of(&bytes, media_type).map_err(Missing::Failed)?;
    // Kept, so it opens offline next time; it is on the server already.
    if store.put(sha256, media_type, &blob).await.is_ok() {
        let _ = store.mark_sent(sha256).await;
        crate::evidence::changed();
    }
    Ok(blob)
}

/// What `load` resolves to, once it has (`None` until then), loaded again
/// when a signal it reads first changes. Not a resource: a resource read
/// inside the screen's `Suspense` (`ui::chunk::screen`) would hold the
/// whole screen (the form being typed in) back while a file is read.
fn eventually<T, F>(load: impl Fn() -> F + 'static) -> RwSignal<Option<T>, LocalStorage>
where
    T: 'static,
    F: std::future::Future<Output = T> + 'static,
{
    let value = RwSignal::new_local(None);
    Effect::new(move |_| {
        let pending = load();
        spawn_local(async move {
            let done = pending.await;
            let _ = value.try_set(Some(done));
        });
    });
    value
}

/// An object URL for a blob, revoked when the view that shows it goes.
fn object_url(blob: &web_sys::Blob) -> Option<String> {
    let url = web_sys::Url::create_object_url_with_blob(blob).ok()?;
    let revoke = url.clone();
    on_cleanup(move || {
        let _ = web_sys::Url::revoke_object_url(&revoke);
    });
    Some(url)
}

/// A small picture of a file: its thumbnail, the image itself when it has
/// none, or a PDF's mark.
#[component]
fn Thumb(file: FileRef, remote: bool) -> impl IntoView {
    if file.media_type == "application/pdf" {
        return view! { <span class="evidence-thumb pdf" data-testid="evidence-thumb">"PDF"</span> }.into_any();
    }
    let (sha, media_type) = match file.thumb.is_empty() {
        true => (file.sha256.clone(), file.media_type.clone()),
        false => (file.thumb.clone(), "image/jpeg".to_string()),
    };
    let shown = eventually(move || {
        let (sha, media_type) = (sha.clone(), media_type.clone());
        async move { blob_for(&sha, &media_type, remote).await }
    });
    let alt = file.caption.clone();
    view! {
        {move || match shown.get() {
            None => view! { <span class="evidence-thumb">"…"</span> }.into_any(),
            Some(Ok(blob)) => {
                let src = object_url(&blob);
                view! { <img class="evidence-thumb" data-testid="evidence-thumb" src=src alt=alt.clone()/> }.into_any()
            }
            Some(Err(Missing::Pending)) => view! {
                <span class="evidence-thumb missing" data-testid="evidence-pending">"Chờ tệp"</span>
            }.into_any(),
            Some(Err(m)) => view! {
                <span class="evidence-thumb missing" title=m.message_vi()>"?"</span>
            }.into_any(),
        }}
    }
    .into_any()
}

/// One file opened whole: the image, or the PDF to open or save, with a
/// download link.
#[component]
fn Viewer(file: FileRef, remote: bool, on_close: impl Fn() + Clone + 'static) -> impl IntoView {
    let original = eventually({
        let (sha, media_type) = (file.sha256.clone(), file.media_type.clone());
        move || {
            let (sha, media_type) = (sha.clone(), media_type.clone());
            async move { blob_for(&sha, &media_type, remote).await }
        }
    });
    let is_pdf = file.media_type == "application/pdf";
    let name = format!(
        "minh-chung-{}.{}",
        &file.sha256[..12],
        if is_pdf { "pdf" } else { "jpg" }
    );
    let close = on_close.clone();
    let title = match file.caption.is_empty() {
        true => kind_vi(&file),
        false => format!("{} — {}", file.caption, kind_vi(&file)),
    };
    let heading = title.clone();
    view! {
        <div class="overlay" on:click=move |_| on_close()>
            <div class="card evidence-viewer" role="dialog" aria-modal="true" aria-label=heading.clone()
                on:click=|ev| ev.stop_propagation()>
                <h2>{heading.clone()}</h2>
                {move || match original.get() {
                    None => view! { <p role="status">"Đang tải tệp…"</p> }.into_any(),
                    Some(Ok(blob)) => {
                        let url = object_url(&blob).unwrap_or_default();
                        let shown = match is_pdf {
                            true => view! {
                                <a class="btn" href=url.clone() target="_blank" rel="noopener" data-testid="evidence-original">"Mở tệp PDF"</a>
                            }.into_any(),
                            false => view! {
                                <img class="evidence-full" src=url.clone() alt=title.clone() data-testid="evidence-original"/>
                            }.into_any(),
                        };
                        view! {
                            {shown}
                            " "
                            <a class="btn" href=url download=name.clone() data-testid="evidence-download">"Tải về"</a>
                        }.into_any()
                    }
                    Some(Err(m)) => view! {
                        <p class="error" role="alert" data-testid=if m == Missing::Pending { "evidence-pending" } else { "evidence-missing" }>{m.message_vi()}</p>
                    }.into_any(),
                }}
                <div class="form-actions">
                    <button type="button" class="btn" on:click=move |_| close()>"Đóng"</button>
                </div>
            </div>
        </div>
    }
}
