//! The receiver's review of its units' periods, on the report screen: who
//! has sent the period, and the decisions (accept, send back with a reason,
//! reopen with a reason) that the standing follows; after an acceptance, a
//! change to one of the unit's activities of the period shows, with what
//! changed, until the period is accepted again (`papi_core::review`).

use leptos::prelude::*;
use papi_core::feedback::Says;
use papi_core::merge::Scope;
use papi_core::review::{self, Action, Decision, ReviewPeriod, Standing};
use papi_core::Activity;

use crate::app::use_app;
use crate::platform;
use crate::ui::review_state::{official_name, Decided, Tell};
use crate::workspace::{PLAN, UNITS};

/// Who has sent the period, each unit's standing, and the decisions.
#[component]
pub fn Standings(period: ReviewPeriod, scope: Scope) -> impl IntoView {
    let app = use_app();
    let inbox = crate::inbox::use_inbox();
    let own = app.unit_code();
    let codes: Vec<String> = UNITS
        .units
        .iter()
        .filter(|u| u.code != own && scope.admits(&UNITS, &u.code))
        .map(|u| u.code.clone())
        .collect();
    let problem = RwSignal::new(None::<String>);
    let decided = use_context::<Decided>().unwrap_or_else(Decided::provide);
    let decisions = decided.0;
    if let Err(e) = crate::decisions::load() {
        problem.set(Some(e));
    }
    let reason = RwSignal::new(String::new());
    // What this device sent down, and how the last sending went.
    let said = RwSignal::new(crate::feedback::sent().unwrap_or_else(|e| {
        problem.set(Some(e));
        Vec::new()
    }));
    let delivery = RwSignal::new(None::<String>);
    let tell = Tell { said, delivery };
    tell.sync(app.unit_code(), decided);
    crate::ui::review_unit::RemindForm::provide();
    let rows = Memo::new(move |_| {
        inbox.received.with(|r| {
            inbox.with_all_records(|all| {
                decisions.with(|ds| {
                    let codes = codes.iter().map(String::as_str);
                    review::standings(&r.entries, ds, all, &PLAN.id, period, codes)
                        .into_iter()
                        .map(|(code, st)| (code.to_string(), st))
                        .collect::<Vec<_>>()
                })
            })
        })
    });
    let sent = move || {
        rows.with(|r| {
            r.iter()
                .filter(|(_, s)| !matches!(s, Standing::NotSent))
                .count()
        })
    };
    // Record a decision on a unit's period.
    let decide = move |unit: String, action: Action, submission: u32| {
        let accepted = match action {
            Action::Accept => inbox.with_all_records(|all| {
                review::snapshot(
                    all.iter()
                        .copied()
                        .filter(|r| r.unit_code == unit && period.contains(r.fields.date)),
                )
            }),
            _ => Default::default(),
        };
        let d = Decision {
            unit_code: unit,
            plan_id: PLAN.id.clone(),
            period,
            action,
            reason: papi_core::text::clean(&reason.get_untracked(), false, platform::nfc)
                .trim()
                .to_string(),
            submission,
            accepted,
            at: platform::now(),
            author: official_name(app),
        };
        let to = d.unit_code.clone();
        match crate::decisions::append(d.clone()) {
            Ok(all) => {
                decisions.set(all);
                reason.set(String::new());
                problem.set(None);
                let says = Says {
                    decisions: vec![d],
                    ..Says::default()
                };
                tell.send(app.unit_code(), vec![(to, says)]);
            }
            Err(e) => problem.set(Some(e)),
        }
    };
    view! {
        <details class="standings" data-testid="standings">
            <summary>{move || format!("Tình trạng gửi báo cáo {}: {}/{} đơn vị đã gửi", period.label_vi(), sent(), rows.with(Vec::len))}</summary>
            <div class="field">
                <label for="review-reason">"Lý do trả lại hoặc mở lại (bắt buộc khi trả lại, mở lại)"</label>
                <input id="review-reason" maxlength=review::MAX_REASON.to_string() prop:value=move || reason.get()
                    on:input=move |ev| reason.set(event_target_value(&ev))/>
            </div>
            {move || problem.get().map(|p| view! { <p class="error" role="alert" data-testid="review-problem">{p}</p> })}
            <crate::ui::review_unit::Reminders period rows tell/>
            {move || delivery.get().map(|d| view! { <p class="muted" role="status" data-testid="feedback-delivery">{d}</p> })}
            <table class="grid">
                <thead><tr><th scope="col">"Đơn vị"</th><th scope="col">"Tình trạng"</th><th scope="col">"Ghi chú"</th><th scope="col">"Xử lý"</th></tr></thead>
                <tbody>
                    {move || rows.get().into_iter().map(|(code, st)| view! { <StandingRow code st period decide tell decisions/> }).collect_view()}
                </tbody>
            </table>
        </details>
    }
}

/// One unit's line: its standing, its note or what changed, and the
/// decisions it allows.
#[component]
fn StandingRow(
    code: String,
    st: Standing,
    period: ReviewPeriod,
    decide: impl Fn(String, Action, u32) + Copy + Send + Sync + 'static,
    tell: Tell,
    decisions: RwSignal<Vec<Decision>>,
) -> impl IntoView {
    let inbox = crate::inbox::use_inbox();
    let button = |label: &'static str, testid: &'static str, action: Action, submission: u32| {
        let unit = code.clone();
        view! { <button class="btn" data-testid=testid on:click=move |_| decide(unit.clone(), action, submission)>{label}</button> }
    };
    let (note, actions) = match &st {
        Standing::NotSent => (String::new(), vec![]),
        Standing::Sent(s) => (
            s.note.clone(),
            vec![
                button("Tiếp nhận", "accept", Action::Accept, s.revision),
                button("Trả lại", "send-back", Action::SendBack, s.revision),
            ],
        ),
        Standing::SentBack(d) => (
            String::new(),
            vec![button("Tiếp nhận", "accept", Action::Accept, d.submission)],
        ),
        Standing::Accepted(d) => (
            String::new(),
            vec![button("Mở lại", "reopen", Action::Reopen, d.submission)],
        ),
        Standing::ChangedAfter(d, ids) => {
            // What changed: each activity's date and title, now.
            let titles = inbox.with_all_records(|all| changed_titles(all, &code, ids));
            (
                format!("Đã thay đổi: {}", titles.join("; ")),
                vec![
                    button("Tiếp nhận lại", "accept", Action::Accept, d.submission),
                    button("Mở lại", "reopen", Action::Reopen, d.submission),
                ],
            )
        }
    };
    let reminded = {
        let code = code.clone();
        move || {
            tell.last_reminder(&code, period).map(|at| {
                let day = papi_core::dates::format_vn(papi_core::dates::vn_date(at));
                view! { <span class="muted" data-testid="reminded">{format!(" Đã nhắc ngày {day}")}</span> }
            })
        }
    };
    let details = view! { <crate::ui::review_unit::UnitDetails code=code.clone() st=st.clone() period tell decisions/> };
    view! {
        <tr data-unit=code.clone()>
            <td>{UNITS.name_or_code(&code)}</td>
            <td data-testid="standing">{st.label_vi()}</td>
            <td>
                <span data-testid="standing-note">{note}</span>
                {reminded}
                {details}
            </td>
            <td>{actions}</td>
        </tr>
    }
}

/// "dd/mm/yyyy Title (đã xóa)" for each changed record of a unit.
fn changed_titles(all: &[&Activity], unit: &str, ids: &[uuid::Uuid]) -> Vec<String> {
    all.iter()
        .filter(|r| r.unit_code == unit && ids.contains(&r.id))
        .map(|r| {
            let title =
                papi_core::record::text_of(r, papi_core::record::Field::TITLE).unwrap_or_default();
            let gone = if r.deleted { " (đã xóa)" } else { "" };
            format!(
                "{} {title}{gone}",
                papi_core::dates::format_vn(r.fields.date)
            )
        })
        .collect()
}
