//! What a unit heard from its receiver, on its first screen (issue 28):
//! the reminders still to act on (until the period is sent), where each
//! period stands (sent back with its reason in full, accepted), and the
//! receiver's comments on its activities with the unit's answers. Fetched
//! from the server when one is set (at start and when the network comes
//! back), or taken from a feedback file (an unknown receiver device's key
//! is trusted only after the officer compares its fingerprint).

use leptos::prelude::*;
use papi_core::comment::Comment;
use papi_core::dates::{format_vn, vn_date};
use papi_core::feedback::{Absorbed, Heard};
use papi_core::review::{self, ReviewPeriod, Standing};
use papi_core::trust::KeySource;
use uuid::Uuid;

use crate::app::use_app;
use crate::entries::use_entries;
use crate::feedback::Taken;
use crate::workspace::PLAN;

#[component]
pub fn HeardPanel() -> impl IntoView {
    let app = use_app();
    let own = app.unit_code();
    let problem = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let heard = RwSignal::new(crate::feedback::heard(&own).unwrap_or_else(|e| {
        put(problem, Some(e));
        Heard::default()
    }));
    // A file signed by a device not known yet: the bytes and fingerprint.
    let unknown = RwSignal::new(None::<(Vec<u8>, String)>);
    let reload = {
        let own = own.clone();
        move || match crate::feedback::heard(&own) {
            Ok(h) => put(heard, h),
            Err(e) => put(problem, Some(e)),
        }
    };
    let pull = {
        let (own, reload) = (own.clone(), reload.clone());
        move || {
            if !crate::sync::settings_for(&PLAN).is_set() {
                return;
            }
            let (own, reload) = (own.clone(), reload.clone());
            leptos::task::spawn_local(async move {
                match crate::feedback::pull(&own).await {
                    Ok((n, refused)) => {
                        reload();
                        let mut msg = if n > 0 {
                            format!("Đã nhận {n} phản hồi mới từ đơn vị nhận báo cáo.")
                        } else {
                            "Không có phản hồi mới.".into()
                        };
                        if !refused.is_empty() {
                            msg.push_str(&format!(" Không nhận: {}.", refused.join("; ")));
                        }
                        put(status, Some(msg));
                    }
                    Err(e) => put(status, Some(format!("Chưa tải được phản hồi: {e}"))),
                }
            });
        }
    };
    // At start, and whenever the network comes back.
    let net = crate::pwa::use_pwa().net;
    Effect::new({
        let pull = pull.clone();
        move |_| {
            if net.get() != crate::pwa::Net::Offline {
                pull();
            }
        }
    });
    let take = {
        let (own, reload) = (own.clone(), reload.clone());
        move |bytes: Vec<u8>, trust: Option<KeySource>| match crate::feedback::take(
            &own, &bytes, trust,
        ) {
            Ok(Taken::Absorbed(Absorbed::Taken(n))) => {
                put(unknown, None);
                put(problem, None);
                reload();
                put(status, Some(format!("Đã nhận tệp phản hồi: {n} mục mới.")));
            }
            Ok(Taken::Absorbed(Absorbed::HeldAlready)) => {
                put(unknown, None);
                put(problem, None);
                put(
                    status,
                    Some("Tệp phản hồi này đã nhận trước đây: không có gì thay đổi.".into()),
                );
            }
            Ok(Taken::Unknown { fingerprint }) => put(unknown, Some((bytes, fingerprint))),
            Err(e) => {
                put(unknown, None);
                put(
                    problem,
                    Some(format!("Không nhận tệp phản hồi: {}", e.message())),
                );
            }
        }
    };
    let on_file = {
        let take = take.clone();
        move |ev: web_sys::Event| {
            let files = crate::inbox::picked_files(&ev);
            let take = take.clone();
            leptos::task::spawn_local(async move {
                for p in crate::inbox::read_files(files).await {
                    match p.bytes {
                        Ok(b) => take(b, None),
                        Err(e) => put(problem, Some(format!("{}: {e}", p.name))),
                    }
                }
            });
        }
    };
    let trust = {
        let take = take.clone();
        move |_| {
            if let Some((bytes, _)) = unknown.get_untracked() {
                take(bytes, Some(KeySource::Officer));
            }
        }
    };
    view! {
        <section class="card heard" data-testid="heard" aria-label="Phản hồi của đơn vị nhận báo cáo">
            <HeardShown heard/>
            <details>
                <summary>"Nhận phản hồi"</summary>
                <label for="feedback-file-input">"Tệp phản hồi (đơn vị nhận báo cáo gửi qua Zalo, thư điện tử, USB)"</label>
                <input id="feedback-file-input" data-testid="feedback-file-input" type="file" accept=".json,application/json" on:change=on_file/>
                {crate::sync::settings_for(&PLAN).is_set().then(|| {
                    let pull = pull.clone();
                    view! { <button class="btn" data-testid="feedback-pull" on:click=move |_| pull()>"Tải phản hồi từ máy chủ"</button> }
                })}
            </details>
            {move || unknown.get().map(|(_, fp)| view! {
                <div class="warning" role="alert" data-testid="feedback-unknown">
                    <p>{format!("Tệp phản hồi ký bằng một thiết bị chưa biết, mã nhận dạng {fp}. Hãy gọi điện cho Sở Nội vụ (đơn vị nhận báo cáo) và so mã nhận dạng; chỉ bấm tin cậy khi đúng từng chữ số.")}</p>
                    <button class="btn" data-testid="feedback-trust" on:click=trust.clone()>"Đúng mã, tin cậy và nhận"</button>
                    <button class="btn" on:click=move |_| unknown.set(None)>"Không nhận"</button>
                </div>
            })}
            {move || status.get().map(|s| view! { <p class="muted" role="status" data-testid="heard-status">{s}</p> })}
            {move || problem.get().map(|p| view! { <p class="error" role="alert" data-testid="heard-problem">{p}</p> })}
        </section>
    }
}

/// What the unit heard, as it stands now: the reminders still open, each
/// period's standing (its submission, the decisions heard, its records of
/// the period), the receiver's comments.
#[component]
fn HeardShown(heard: RwSignal<Heard>) -> impl IntoView {
    let app = use_app();
    let entries = use_entries();
    let standing_of = move |p: ReviewPeriod| -> Standing {
        let sub = entries.held.with(|e| e.submission(p).cloned());
        heard.with(|h| {
            app.records.with(|recs| {
                let own = app.unit_code();
                review::standing(
                    sub.as_ref(),
                    h.decisions_on(&PLAN.id, p),
                    recs.iter()
                        .filter(|r| r.unit_code == own && p.contains(r.fields.date)),
                )
            })
        })
    };
    let reminders = move || {
        heard.with(|h| {
            h.open_reminders(&PLAN.id, standing_of)
                .into_iter()
                .map(|r| r.label_vi())
                .collect::<Vec<_>>()
        })
    };
    let periods =
        move || {
            heard.with(|h| h.periods(&PLAN.id)).into_iter().map(|p| {
            let st = standing_of(p);
            let alert = matches!(st, Standing::SentBack(_) | Standing::ChangedAfter(..));
            view! {
                <li class:error=alert data-testid="heard-standing" data-period=p.to_string()>
                    {format!("Báo cáo {}: {}", p.label_vi(), st.label_vi())}
                </li>
            }
        }).collect_view()
        };
    let has_any = move || {
        heard.with(|h| !h.decisions.is_empty() || !h.reminders.is_empty() || !h.comments.is_empty())
    };
    view! {
            {move || {
                let list = reminders();
                (!list.is_empty()).then(|| view! {
                    <div class="reminder-banner" role="alert" data-testid="heard-reminders">
                        {list.into_iter().map(|l| view! { <p>{l}</p> }).collect_view()}
                    </div>
                })
            }}
            <Show when=has_any>
                <h2>"Phản hồi của đơn vị nhận báo cáo"</h2>
                <ul>{periods}</ul>
            </Show>
            <HeardComments heard/>
            <NewThread/>
    }
}

/// The receiver's comments on this unit's activities, each with the
/// unit's answers and a box to answer.
#[component]
fn HeardComments(heard: RwSignal<Heard>) -> impl IntoView {
    let app = use_app();
    let entries = use_entries();
    // The threads the receiver started, and the ones this unit started.
    let records = move || {
        let mut ids: Vec<Uuid> = heard.with(|h| {
            h.comments
                .values()
                .filter(|c| !c.deleted)
                .map(|c| c.record)
                .collect()
        });
        entries
            .held
            .with(|e| ids.extend(e.comments.iter().filter(|c| !c.deleted).map(|c| c.record)));
        ids.sort();
        ids.dedup();
        ids
    };
    // Keyed by activity: a thread being answered stays as it is (with what
    // is typed) while others come and go.
    view! {
        <For each=records key=|record| *record let:record>
            {
                let title = Signal::derive(move || app.records.with(|rs| {
                    rs.iter().find(|r| r.id == record).map(|r| {
                        let t = papi_core::record::text_of(r, papi_core::record::Field::TITLE).unwrap_or_default();
                        format!("{} {t}", format_vn(r.fields.date))
                    })
                }).unwrap_or_else(|| "Hoạt động không còn trên máy này".into()));
                view! { <Thread record title heard/> }
            }
        </For>
    }
}

/// One activity's thread and the answer box.
#[component]
fn Thread(record: Uuid, title: Signal<String>, heard: RwSignal<Heard>) -> impl IntoView {
    let app = use_app();
    let entries = use_entries();
    let text = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    // Each line, with the unit's own comment (which it may withdraw).
    let lines = move || {
        type Line = (chrono::DateTime<chrono::Utc>, String, Option<Comment>);
        let mut out: Vec<Line> = heard.with(|h| {
            h.comments_on(record)
                .into_iter()
                .map(|c| {
                    let line = format!("{} (đơn vị nhận báo cáo): {}", c.author, c.text);
                    (c.updated_at, line, None)
                })
                .collect()
        });
        entries.held.with(|e| {
            out.extend(e.comments_on(record).into_iter().map(|c| {
                let line = format!("{} (đơn vị): {}", c.author, c.text);
                (c.updated_at, line, Some(c.clone()))
            }))
        });
        out.sort_by_key(|(at, line, _)| (*at, line.clone()));
        out
    };
    let withdraw = move |c: Comment| {
        let gone = Ok(crate::feedback::withdrawn(&c));
        if let Err(e) = keep_comment(app, entries, gone, "Đã rút lại ý kiến") {
            problem.set(Some(e));
        }
    };
    let answer = move |_| {
        let name = crate::ui::review_state::official_name(app);
        let made = crate::feedback::new_comment(record, &text.get_untracked(), name);
        sent(
            keep_comment(app, entries, made, "Đã lưu câu trả lời"),
            text,
            problem,
        );
    };
    view! {
        <div class="thread" data-testid="heard-thread">
            <h3>{move || title.get()}</h3>
            <ul>
                {move || lines().into_iter().map(|(at, l, own)| view! {
                    <li>
                        {format!("{}: {l}", format_vn(vn_date(at)))}
                        {own.map(|c| view! {
                            " "
                            <button class="btn small" data-testid="heard-withdraw" on:click=move |_| withdraw(c.clone())>"Rút lại"</button>
                        })}
                    </li>
                }).collect_view()}
            </ul>
            <textarea aria-label="Trả lời ý kiến" data-testid="heard-answer" maxlength=papi_core::comment::MAX_COMMENT.to_string()
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <button class="btn" data-testid="heard-answer-send" on:click=answer>"Trả lời"</button>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        </div>
    }
}

/// A comment this unit starts on one of its activities (a question to its
/// receiver, a correction it reports), sent up with its next batch.
#[component]
fn NewThread() -> impl IntoView {
    let app = use_app();
    let entries = use_entries();
    let chosen = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    // The unit's activities, newest first (the latest 200: an older one is
    // rarely the subject).
    let activities = move || {
        let unit = app.unit_code();
        app.records.with(|rs| {
            let mine = rs.iter().filter(|r| r.unit_code == unit);
            papi_core::activity::timeline(mine)
                .into_iter()
                .take(200)
                .map(|r| {
                    let t = papi_core::record::text_of(r, papi_core::record::Field::TITLE)
                        .unwrap_or_default();
                    (r.id, format!("{} {t}", format_vn(r.fields.date)))
                })
                .collect::<Vec<_>>()
        })
    };
    let send = move |_| {
        let Ok(record) = chosen.get_untracked().parse::<Uuid>() else {
            problem.set(Some("Chưa gửi: hãy chọn hoạt động.".into()));
            return;
        };
        let name = crate::ui::review_state::official_name(app);
        let made = crate::feedback::new_comment(record, &text.get_untracked(), name);
        sent(
            keep_comment(app, entries, made, "Đã lưu ý kiến"),
            text,
            problem,
        );
    };
    view! {
        <details class="new-thread" data-testid="heard-new">
            <summary>"Gửi ý kiến về một hoạt động cho đơn vị nhận báo cáo"</summary>
            <label for="heard-new-record">"Hoạt động"</label>
            <select id="heard-new-record" data-testid="heard-new-record" on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value="">"— chọn hoạt động —"</option>
                {move || activities().into_iter().map(|(id, label)| view! { <option value=id.to_string()>{label}</option> }).collect_view()}
            </select>
            <textarea aria-label="Nội dung ý kiến" data-testid="heard-new-text" maxlength=papi_core::comment::MAX_COMMENT.to_string()
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <button class="btn" data-testid="heard-new-send" on:click=send>"Gửi ý kiến"</button>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        </details>
    }
}

/// Keep one of the unit's comments (new, or withdrawn): it goes up with
/// the next batch, and the notice says so (`done`, then when it leaves).
fn keep_comment(
    app: crate::app::AppState,
    entries: crate::entries::EntriesState,
    made: Result<Comment, String>,
    done: &str,
) -> Result<(), String> {
    let c = made?;
    entries.update(|e| e.put_comment(&c))?;
    let said = format!("{done}; gửi lên cùng lô dữ liệu tiếp theo.");
    app.notices.notify(said, false, None);
    Ok(())
}

/// After sending a comment: the box emptied, or why it was not sent.
fn sent(kept: Result<(), String>, text: RwSignal<String>, problem: RwSignal<Option<String>>) {
    match kept {
        Ok(()) => {
            problem.set(None);
            text.set(String::new());
        }
        Err(e) => problem.set(Some(e)),
    }
}

/// Set a signal that may be gone (the screen left while a task ran).
fn put<T: Send + Sync + 'static>(s: RwSignal<T>, v: T) {
    let _ = s.try_set(v);
}
