//! The plan, dimension → sub-indicator → task, with this unit's role in each
//! task, a role filter, accent-insensitive search and per-task activity counts.
//! A task the plan has since dropped (`Plan::retired`) shows, read-only,
//! under its sub-indicator while this unit has records of it.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use leptos::prelude::*;
use papi_core::dates::format_vn;
use papi_core::plan::{TaskSummaries, TaskSummary};
use papi_core::search::{fold, Query};
use papi_core::{Role, Task};

use crate::app::use_app;
use crate::ui::badges::role_badge;
use crate::workspace::PLAN;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    Lead,
    Coordinating,
    All,
}

/// Each task's searchable text, folded once.
static FOLDED: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| {
    let mut m = BTreeMap::new();
    for d in &PLAN.dimensions {
        for s in &d.sub_indicators {
            for t in s.tasks.iter().chain(s.retired.iter().map(|r| &r.task)) {
                let text = format!(
                    "{} {} {} {} {} {} {}",
                    d.name,
                    s.code,
                    s.name,
                    t.text(),
                    t.lead.text,
                    t.coordinating.text,
                    t.id
                );
                m.insert(t.id.clone(), fold(&text));
            }
        }
    }
    m
});

/// The retired tasks this unit has records of; a memo, so a save on a
/// current task does not redraw the list.
fn retired_with_records(summaries: Memo<TaskSummaries<'static>>) -> Memo<Vec<String>> {
    Memo::new(move |_| {
        summaries.with(|s| {
            PLAN.retired_tasks()
                .filter(|(_, r)| s.get(&r.task.id).count > 0)
                .map(|(_, r)| r.task.id.clone())
                .collect()
        })
    })
}

/// How many tasks the unit leads, coordinates, and in all.
fn role_counts(role_of: impl Fn(&Task) -> Role) -> (usize, usize, usize) {
    let (mut lead, mut coord) = (0, 0);
    for t in PLAN.tasks() {
        match role_of(t) {
            Role::Lead => lead += 1,
            Role::Coordinating => coord += 1,
            Role::Unassigned => {}
        }
    }
    (lead, coord, PLAN.tasks().count())
}

#[component]
pub fn PlanBrowser() -> impl IntoView {
    let app = use_app();
    let filter = RwSignal::new(Filter::Lead);
    let query = RwSignal::new(String::new());
    let unit = Memo::new(move |_| app.unit());
    // Count and latest date per task, computed once per change of records
    // (it runs after every save).
    let summaries = Memo::new(move |_| {
        let unit = app.unit_code();
        app.records
            .with(|rs| PLAN.task_summaries(rs.iter().filter(|r| r.unit_code == unit)))
    });
    let kept = retired_with_records(summaries);
    let role_of = move |t: &Task| {
        unit.with(|u| {
            u.as_ref()
                .map(|u| PLAN.role_of(u, t))
                .unwrap_or(Role::Unassigned)
        })
    };
    let matches = move |t: &Task| {
        let q = Query::new(&query.get());
        q.is_empty() || FOLDED.get(&t.id).is_some_and(|f| q.matches_folded(f))
    };
    let visible = move |t: &Task| {
        let by_role = match filter.get() {
            Filter::All => true,
            Filter::Lead => role_of(t) == Role::Lead,
            Filter::Coordinating => role_of(t) == Role::Coordinating,
        };
        by_role && matches(t)
    };
    let counts = move || role_counts(role_of);
    let filter_btn =
        move |f: Filter, label: &'static str, n: fn((usize, usize, usize)) -> usize| {
            view! {
                <button
                    class="chip"
                    aria-pressed=move || (filter.get() == f).to_string()
                    on:click=move |_| filter.set(f)
                >
                    {label} " (" {move || n(counts())} ")"
                </button>
            }
        };

    view! {
        <section class="plan-browser">
            <div class="toolbar" role="search">
                <div class="chips" role="group" aria-label="Lọc theo vai trò">
                    {filter_btn(Filter::Lead, "Tôi chủ trì", |c| c.0)}
                    {filter_btn(Filter::Coordinating, "Tôi phối hợp", |c| c.1)}
                    {filter_btn(Filter::All, "Tất cả", |c| c.2)}
                </div>
                <label for="plan-search" class="visually-hidden">"Tìm trong Kế hoạch"</label>
                <input id="plan-search" type="search" placeholder="Tìm nhiệm vụ, vd: cong khai ngan sach"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))/>
            </div>
            {move || {
                let mut shown = 0;
                let dims = PLAN.dimensions.iter().filter_map(|d| {
                    let subs: Vec<_> = d.sub_indicators.iter().filter_map(|s| {
                        let tasks: Vec<_> = s.tasks.iter().filter(|t| visible(t)).collect();
                        let retired: Vec<_> = kept.with(|k| s.retired.iter()
                            .filter(|r| k.contains(&r.task.id) && matches(&r.task)).collect());
                        if tasks.is_empty() && retired.is_empty() { return None; }
                        shown += tasks.len() + retired.len();
                        Some(view! {
                            <section class="sub">
                                <h3><span class="code">{s.code.clone()}</span> " " {s.name.clone()}</h3>
                                {tasks.into_iter().map(|t| {
                                    let role = role_of(t);
                                    let id = t.id.clone();
                                    let summary = Signal::derive(move || summaries.with(|s| s.get(&id)));
                                    view! { <TaskCard task=t.clone() role=role summary=summary/> }
                                }).collect_view()}
                                {retired.into_iter().map(|r| {
                                    let id = r.task.id.clone();
                                    let summary = Signal::derive(move || summaries.with(|s| s.get(&id)));
                                    view! { <TaskCard task=r.task.clone() role=Role::Unassigned summary=summary retired=r.last_version.clone()/> }
                                }).collect_view()}
                            </section>
                        })
                    }).collect();
                    if subs.is_empty() { return None; }
                    Some(view! {
                        <section class="dimension">
                            <h2>"Chỉ số nội dung " {d.code.clone()} ": " {d.name.clone()}</h2>
                            {subs}
                        </section>
                    })
                }).collect::<Vec<_>>();
                let empty = (shown == 0).then(|| view! {
                    <p class="empty">"Không có nhiệm vụ nào khớp. Thử chọn \"Tất cả\" hoặc đổi từ khóa."</p>
                });
                view! { {empty} {dims} }
            }}
        </section>
    }
}

#[component]
fn TaskCard(
    task: Task,
    role: Role,
    summary: Signal<TaskSummary>,
    /// For a task the plan dropped: the last version that had it. Its
    /// records are shown; nothing new is recorded against it.
    #[prop(optional, into)]
    retired: Option<String>,
) -> impl IntoView {
    let form = crate::form::use_form();
    let open = RwSignal::new(false);
    let id = task.id.clone();
    let id_new = task.id.clone();
    let heading_id = format!("task-{}", task.id);
    let labelled_by = heading_id.clone();
    let items = if task.bulleted {
        view! { <ul class="items">{task.items.iter().map(|i| view! { <li>{i.clone()}</li> }).collect_view()}</ul> }.into_any()
    } else {
        view! { <p class="items">{task.items.join(" ")}</p> }.into_any()
    };
    view! {
        <article class="task" aria-labelledby=labelled_by data-task=task.id.clone() data-retired=retired.is_some().then_some("true")>
            <header>
                <h4 id=heading_id>"Nhiệm vụ " {task.id.clone()}</h4>
                {match retired.is_some() {
                    true => view! { <span class="badge none">"Không còn trong kế hoạch"</span> }.into_any(),
                    false => role_badge(role).into_any(),
                }}
            </header>
            {items}
            {retired.as_ref().map(|v| view! {
                <p class="retired" data-testid="retired-task">
                    {format!("Nhiệm vụ của phiên bản {v} trở về trước. Các hoạt động đã ghi vẫn được giữ và tính vào chỉ tiêu này; không ghi thêm được.")}
                </p>
            })}
            <dl class="agencies">
                <dt>"Chủ trì"</dt><dd>{task.lead.text.clone()}</dd>
                <dt>"Phối hợp"</dt><dd>{task.coordinating.text.clone()}</dd>
                <dt>"Thời gian"</dt><dd>{task.timing.clone()}</dd>
            </dl>
            <div class="task-foot">
                <span class="summary" data-testid="task-summary">
                    {move || match summary.get() {
                        TaskSummary { count: 0, .. } => "Chưa có hoạt động".to_string(),
                        TaskSummary { count, latest: Some(d) } => format!("{count} hoạt động · gần nhất {}", format_vn(d)),
                        TaskSummary { count, latest: None } => format!("{count} hoạt động"),
                    }}
                </span>
                <button class="btn" aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|o| *o = !*o)>
                    {move || if open.get() { "Ẩn hoạt động" } else { "Xem hoạt động" }}
                </button>
                {retired.is_none().then(|| view! {
                    <button class="btn primary" on:click=move |_| form.open_new(&id_new)>"Ghi hoạt động"</button>
                })}
            </div>
            <Show when=move || open.get()>
                {crate::ui::lazy::task_activities(id.clone())}
            </Show>
        </article>
    }
}
