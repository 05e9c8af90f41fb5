//! What a receiver says to its units beyond its decisions, on the report
//! screen's review: reminders (to one unit, to the units that have not sent
//! the period, or to all, with a deadline), comments on one activity, each
//! (unit, period)'s history, and the unit's feedback file for a unit
//! without a connection (`ui::review_state::Tell` keeps and posts them).

use leptos::prelude::*;

use crate::ui::evidence::EvidenceStrip;
use papi_core::comment::Comment;
use papi_core::dates::{format_vn, vn_date};
use papi_core::feedback::{Reminder, Says};
use papi_core::merge::EntryKey;
use papi_core::review::{self, Decision, ReviewPeriod, Standing};
use uuid::Uuid;

use crate::app::use_app;
use crate::platform;
use crate::ui::review_state::{official_name, Tell};
use crate::workspace::{PLAN, UNITS};

/// The reminder being written: its deadline and text, shared by the
/// buttons that send it (to many units, or to one).
#[derive(Clone, Copy)]
pub struct RemindForm {
    deadline: RwSignal<String>,
    text: RwSignal<String>,
    problem: RwSignal<Option<String>>,
}

impl RemindForm {
    pub fn provide() {
        provide_context(RemindForm {
            deadline: RwSignal::new(String::new()),
            text: RwSignal::new(String::new()),
            problem: RwSignal::new(None),
        });
    }

    fn get() -> RemindForm {
        expect_context::<RemindForm>()
    }

    /// Remind each of `units` of `period`, by `tell`.
    fn send(self, tell: Tell, period: ReviewPeriod, mut units: Vec<String>) {
        let app = use_app();
        // Only the units it receives from (not a district's communes).
        let own = app.unit_code();
        units.retain(|u| UNITS.receiver_of(u).is_some_and(|r| r.code == own));
        let Some(deadline) = papi_core::dates::parse_iso(&self.deadline.get_untracked()) else {
            self.problem
                .set(Some("Chưa nhắc: hãy chọn hạn gửi (ngày/tháng/năm).".into()));
            return;
        };
        if units.is_empty() {
            self.problem
                .set(Some("Không có đơn vị nào cần nhắc.".into()));
            return;
        }
        let text = papi_core::text::clean(&self.text.get_untracked(), false, platform::nfc)
            .trim()
            .to_string();
        let at = platform::now();
        let author = official_name(app);
        let mut to = Vec::with_capacity(units.len());
        for unit in units {
            let r = Reminder {
                id: papi_core::activity::new_id(platform::random16()),
                unit_code: unit.clone(),
                plan_id: PLAN.id.clone(),
                period,
                deadline,
                text: text.clone(),
                at,
                author: author.clone(),
            };
            if let Some(p) = r.problem() {
                self.problem.set(Some(format!("Chưa nhắc: {p}.")));
                return;
            }
            to.push((
                unit,
                Says {
                    reminders: vec![r],
                    ..Says::default()
                },
            ));
        }
        self.problem.set(None);
        let n = to.len();
        tell.send(app.unit_code(), to);
        app.notices.notify(
            format!("Đã nhắc {n} đơn vị gửi báo cáo {}.", period.label_vi()),
            false,
            None,
        );
    }
}

/// The reminder's deadline and text, and sending it to many units.
#[component]
pub fn Reminders(
    period: ReviewPeriod,
    rows: Memo<Vec<(String, Standing)>>,
    tell: Tell,
) -> impl IntoView {
    let form = RemindForm::get();
    let unsent = move || {
        rows.with_untracked(|r| {
            r.iter()
                .filter(|(_, s)| matches!(s, Standing::NotSent | Standing::SentBack(_)))
                .map(|(c, _)| c.clone())
                .collect::<Vec<_>>()
        })
    };
    let all = move || rows.with_untracked(|r| r.iter().map(|(c, _)| c.clone()).collect());
    view! {
        <fieldset class="reminders" data-testid="reminders">
            <legend>"Nhắc gửi báo cáo"</legend>
            <div class="field">
                <label for="remind-deadline">"Hạn gửi"</label>
                <input id="remind-deadline" type="date" prop:value=move || form.deadline.get()
                    on:input=move |ev| form.deadline.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="remind-text">"Lời nhắc (không bắt buộc)"</label>
                <input id="remind-text" maxlength=review::MAX_REMINDER.to_string() prop:value=move || form.text.get()
                    on:input=move |ev| form.text.set(event_target_value(&ev))/>
            </div>
            <button class="btn" data-testid="remind-unsent" on:click=move |_| form.send(tell, period, unsent())>"Nhắc các đơn vị chưa gửi"</button>
            " "
            <button class="btn" data-testid="remind-all" on:click=move |_| form.send(tell, period, all())>"Nhắc tất cả"</button>
            {move || form.problem.get().map(|p| view! { <p class="error" role="alert" data-testid="remind-problem">{p}</p> })}
        </fieldset>
    }
}

/// One unit's history of the period, its reminder, its file, and the
/// comments on its activities: drawn when opened, so that a province's
/// every row stays light.
#[component]
pub fn UnitDetails(
    code: String,
    st: Standing,
    period: ReviewPeriod,
    tell: Tell,
    decisions: RwSignal<Vec<Decision>>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        // Its open state is the signal's alone (the summary's own toggle is
        // prevented), so the body is drawn exactly while it shows.
        <details class="unit-details" data-testid="unit-details" prop:open=move || open.get()>
            <summary on:click=move |ev| { ev.prevent_default(); open.update(|o| *o = !*o); }>"Lịch sử, nhắc, ý kiến"</summary>
            {move || open.get().then(|| view! { <DetailsBody code=code.clone() st=st.clone() period tell decisions/> })}
        </details>
    }
}

#[component]
fn DetailsBody(
    code: String,
    st: Standing,
    period: ReviewPeriod,
    tell: Tell,
    decisions: RwSignal<Vec<Decision>>,
) -> impl IntoView {
    let app = use_app();
    let inbox = crate::inbox::use_inbox();
    let form = RemindForm::get();
    let history = {
        let code = code.clone();
        move || {
            let submission = inbox.received.with(|r| {
                r.entries
                    .submissions
                    .get(&EntryKey {
                        unit_code: code.clone(),
                        plan_id: PLAN.id.clone(),
                        key: period,
                    })
                    .cloned()
            });
            let reminders: Vec<Reminder> = tell.said.with(|s| {
                s.iter()
                    .filter(|(f, _)| f.to_unit == code && f.plan.id == PLAN.id)
                    .flat_map(|(f, _)| f.reminders.iter().cloned())
                    .filter(|r| r.period == period)
                    .collect()
            });
            decisions.with(|ds| {
                let own = ds
                    .iter()
                    .filter(|d| d.unit_code == code && d.plan_id == PLAN.id && d.period == period);
                review::history(submission.as_ref(), own, &reminders, &st)
            })
        }
    };
    let remind_one = {
        let code = code.clone();
        move |_| form.send(tell, period, vec![code.clone()])
    };
    let file_problem = RwSignal::new(None::<String>);
    let download = {
        let code = code.clone();
        move |_| {
            let code = code.clone();
            let own = app.unit_code();
            leptos::task::spawn_local(async move {
                let made = crate::feedback::file_for(&own, &code).await.and_then(|f| {
                    platform::download(&f.file_name(), "application/json", &f.to_json())
                });
                let _ = file_problem.try_set(made.err());
            });
        }
    };
    view! {
            <ol class="history" data-testid="history">
                {move || history().into_iter().map(|e| {
                    let when = e.at.map(|t| format!("{}: ", format_vn(vn_date(t)))).unwrap_or_default();
                    view! { <li>{when}{e.text_vi}</li> }
                }).collect_view()}
            </ol>
            <button class="btn" data-testid="remind-one" on:click=remind_one>"Nhắc đơn vị này"</button>
            " "
            <button class="btn" data-testid="feedback-file" on:click=download>"Tải tệp phản hồi"</button>
            {move || file_problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
            <UnitEvidence code=code.clone() period/>
            <Comments code period tell/>
    }
}

/// The evidence files of a unit's activities of the period, fetched from
/// the sync server when first opened (`ui::evidence`).
#[component]
fn UnitEvidence(code: String, period: ReviewPeriod) -> impl IntoView {
    let inbox = crate::inbox::use_inbox();
    let rows = move || {
        inbox.with_all_records(|all| {
            all.iter()
                .filter(|r| r.unit_code == code && !r.deleted && period.contains(r.fields.date))
                .filter(|r| !r.fields.files.is_empty())
                .map(|r| (r.id, activity_label(r), r.fields.files.clone()))
                .collect::<Vec<_>>()
        })
    };
    move || {
        let rows = rows();
        (!rows.is_empty()).then(|| {
            view! {
                <div class="unit-evidence" data-testid="unit-evidence">
                    <h4>"Minh chứng"</h4>
                    <ul>
                        {rows.into_iter().map(|(id, label, files)| view! {
                            <li data-id=id.to_string()>{label}<EvidenceStrip files remote=true/></li>
                        }).collect_view()}
                    </ul>
                </div>
            }
        })
    }
}

/// The comments on a unit's activities of the period: each thread (the
/// receiver's and the unit's, in time order), and a new comment.
#[component]
fn Comments(code: String, period: ReviewPeriod, tell: Tell) -> impl IntoView {
    let app = use_app();
    let inbox = crate::inbox::use_inbox();
    let activities = {
        let code = code.clone();
        move || {
            inbox.with_all_records(|all| {
                all.iter()
                    .filter(|r| r.unit_code == code && !r.deleted && period.contains(r.fields.date))
                    .map(|r| (r.id, activity_label(r)))
                    .collect::<Vec<_>>()
            })
        }
    };
    let chosen = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    // Each line of each thread, with this receiver's own comment (which
    // it may withdraw).
    let threads = {
        let (code, activities) = (code.clone(), activities.clone());
        move || {
            type Line = (Uuid, chrono::DateTime<chrono::Utc>, String, Option<Comment>);
            let mut lines: Vec<Line> = Vec::new();
            let ours = latest_comments(tell, &code);
            for c in ours.values().filter(|c| !c.deleted) {
                let line = format!("{} (đơn vị nhận báo cáo): {}", c.author, c.text);
                lines.push((c.record, c.updated_at, line, Some(c.clone())));
            }
            inbox.received.with(|r| {
                for (k, c) in &r.entries.comments {
                    if k.unit_code == code && k.plan_id == PLAN.id && !c.deleted {
                        let unit = UNITS.name_or_code(&code);
                        let line = format!("{} ({unit}): {}", c.author, c.text);
                        lines.push((c.record, c.updated_at, line, None));
                    }
                }
            });
            lines.sort_by_key(|(record, at, ..)| (*record, *at));
            let names: std::collections::BTreeMap<Uuid, String> =
                activities().into_iter().collect();
            lines
                .into_iter()
                .map(|(record, at, line, own)| {
                    let what = names
                        .get(&record)
                        .cloned()
                        .unwrap_or_else(|| record.to_string());
                    (format!("{what} — {}: {line}", format_vn(vn_date(at))), own)
                })
                .collect::<Vec<_>>()
        }
    };
    let withdraw = {
        let code = code.clone();
        move |c: Comment| {
            let says = Says {
                comments: vec![crate::feedback::withdrawn(&c)],
                ..Says::default()
            };
            tell.send(app.unit_code(), vec![(code.clone(), says)]);
        }
    };
    let send = {
        let code = code.clone();
        move |_| {
            let Ok(record) = chosen.get_untracked().parse::<Uuid>() else {
                problem.set(Some("Chưa gửi: hãy chọn hoạt động.".into()));
                return;
            };
            let c = match crate::feedback::new_comment(
                record,
                &text.get_untracked(),
                official_name(app),
            ) {
                Ok(c) => c,
                Err(e) => {
                    problem.set(Some(e));
                    return;
                }
            };
            problem.set(None);
            text.set(String::new());
            let says = Says {
                comments: vec![c],
                ..Says::default()
            };
            tell.send(app.unit_code(), vec![(code.clone(), says)]);
        }
    };
    let select_id = format!("comment-record-{code}");
    let text_id = format!("comment-text-{code}");
    view! {
        <div class="comments" data-testid="comments">
            <ul data-testid="thread">
                {move || threads().into_iter().map(|(l, own)| {
                    let withdraw = withdraw.clone();
                    view! {
                        <li>
                            {l}
                            {own.map(|c| view! {
                                " "
                                <button class="btn small" data-testid="comment-withdraw" on:click=move |_| withdraw(c.clone())>"Rút lại"</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <label for=select_id.clone()>"Ý kiến về hoạt động"</label>
            <select id=select_id data-testid="comment-record" on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value="">"— chọn hoạt động —"</option>
                {move || activities().into_iter().map(|(id, label)| view! { <option value=id.to_string()>{label}</option> }).collect_view()}
            </select>
            <textarea id=text_id data-testid="comment-text" maxlength=papi_core::comment::MAX_COMMENT.to_string()
                aria-label="Nội dung ý kiến" prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <button class="btn" data-testid="comment-send" on:click=send>"Gửi ý kiến"</button>
            {move || problem.get().map(|p| view! { <p class="error" role="alert" data-testid="comment-problem">{p}</p> })}
        </div>
    }
}

/// "dd/mm/yyyy Title".
fn activity_label(r: &papi_core::Activity) -> String {
    let title = papi_core::record::text_of(r, papi_core::record::Field::TITLE).unwrap_or_default();
    format!("{} {title}", format_vn(r.fields.date))
}

/// The newest version of each comment this receiver sent to `unit`.
fn latest_comments(tell: Tell, unit: &str) -> std::collections::BTreeMap<Uuid, Comment> {
    let mut out: std::collections::BTreeMap<Uuid, Comment> = Default::default();
    tell.said.with(|s| {
        for c in s
            .iter()
            .filter(|(f, _)| f.to_unit == unit && f.plan.id == PLAN.id)
            .flat_map(|(f, _)| f.comments.iter())
        {
            match out.get(&c.id) {
                Some(held) if papi_core::declared::version_cmp(c, held).is_le() => {}
                _ => {
                    out.insert(c.id, c.clone());
                }
            }
        }
    });
    out
}
