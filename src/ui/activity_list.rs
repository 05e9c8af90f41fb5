//! Activities, newest first: per task (inside a task card) or all of them
//! (the timeline), each with edit and delete (a retired task's: delete).

use leptos::prelude::*;
use papi_core::activity::timeline;
use papi_core::dates::format_vn;
use papi_core::record::Field;
use papi_core::{Activity, Status};

use crate::app::use_app;
use crate::ui::evidence::EvidenceStrip;
use crate::workspace::PLAN;

const PAGE: usize = 100;

#[component]
pub fn ActivityList(task_id: Option<String>) -> impl IntoView {
    let app = use_app();
    let show_task = task_id.is_none();
    // Long histories render a page at a time.
    let limit = RwSignal::new(PAGE);
    let rows = move || {
        let unit = app.unit_code();
        app.records.with(|rs| {
            let mine = rs.iter().filter(|r| {
                r.unit_code == unit && task_id.as_ref().is_none_or(|t| &r.fields.task_id == t)
            });
            let all = timeline(mine);
            let total = all.len();
            (
                all.into_iter()
                    .take(limit.get())
                    .cloned()
                    .collect::<Vec<_>>(),
                total,
            )
        })
    };
    view! {
        {move || {
            let (rows, total) = rows();
            if rows.is_empty() {
                view! { <p class="empty">"Chưa có hoạt động nào."</p> }.into_any()
            } else {
                let more = (total > rows.len()).then(|| view! {
                    <button class="btn" on:click=move |_| limit.update(|l| *l += PAGE)>
                        "Xem thêm (còn " {total - rows.len()} ")"
                    </button>
                });
                view! {
                    <ol class="activities">
                        {rows.into_iter().map(|a| view! { <ActivityRow a=a show_task=show_task/> }).collect_view()}
                    </ol>
                    {more}
                }.into_any()
            }
        }}
    }
}

#[component]
fn ActivityRow(a: Activity, show_task: bool) -> impl IntoView {
    let app = use_app();
    let form = crate::form::use_form();
    let id = a.id;
    let f = &a.fields;
    // A record of a task the plan has since dropped is kept and shown; it
    // can be deleted, not edited: the form records against current tasks.
    let retired = PLAN.retired(&f.task_id).is_some();
    let task_label = show_task.then(|| {
        let name = PLAN
            .locate_record(&f.task_id)
            .map(|(_, s, ..)| s.name.clone())
            .unwrap_or_default();
        view! { <span class="task-ref">"Nhiệm vụ " {f.task_id.clone()} " · " {name}</span> }
    });
    let status_class = match f.status {
        Status::Done => "badge done",
        Status::Planned => "badge planned",
    };
    // Every text typed besides the title (`papi_core::record::FIELDS`),
    // when there is one.
    let details = f
        .texts
        .iter()
        .filter(|(field, v)| *field != Field::TITLE && !v.is_empty())
        .map(|(field, v)| {
            view! { <p class="detail"><span class="k">{field.label_vi()}": "</span>{v.to_string()}</p> }
        })
        .collect_view();
    // The evidence files it lists: their thumbnails, each opening the file.
    let files = (!f.files.is_empty()).then(|| {
        view! { <EvidenceStrip files=f.files.clone() remote=false/> }
    });
    view! {
        <li class="activity" data-id=id.to_string()>
            <div class="activity-head">
                <time datetime=f.date.to_string()>{format_vn(f.date)}</time>
                <span class=status_class>{f.status.label_vi()}</span>
                <strong class="title">{f.title().to_string()}</strong>
            </div>
            {task_label}
            {details}
            {files}
            <p class="meta">{Field::AUTHOR.label_vi()}": " {a.author.clone()} " · sửa lần " {a.revision}</p>
            <div class="row-actions">
                {(!retired).then(|| view! { <button class="btn" on:click=move |_| form.open_edit(id)>"Sửa"</button> })}
                <button class="btn danger" on:click=move |_| app.delete(id)>"Xóa"</button>
            </div>
        </li>
    }
}

#[component]
pub fn Timeline() -> impl IntoView {
    let app = use_app();
    let count = move || {
        let unit = app.unit_code();
        app.records.with(|rs| {
            rs.iter()
                .filter(|r| !r.deleted && r.unit_code == unit)
                .count()
        })
    };
    view! {
        <section class="timeline">
            <h2>"Nhật ký hoạt động (" {count} ")"</h2>
            <Show when=move || app.loaded.get() fallback=|| view! { <p>"Đang đọc dữ liệu…"</p> }>
                <ActivityList task_id=None/>
            </Show>
        </section>
    }
}
