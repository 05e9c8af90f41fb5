//! "Đánh giá, phương hướng, kiến nghị": the parts of the report only a
//! person can write (III–V: results and shortcomings, direction,
//! proposals), typed per period on the report screen and saved on this
//! device like a record; they travel upward with the unit's next batch
//! (`entries`). A receiver also reads its units' assessments of the period
//! and can put their shortcomings and proposals into its own.

use leptos::prelude::*;
use papi_core::assessment::{compile, Assessment, Saver, Sections, MAX_SECTION, SECTIONS};
use papi_core::declared;
use papi_core::merge::Scope;
use papi_core::review::ReviewPeriod;

use crate::app::use_app;
use crate::entries::use_entries;
use crate::platform;
use crate::workspace::{PLAN, UNITS};

fn label(wire: &str) -> &'static str {
    declared::spec::<Assessment>(wire).label_vi
}

/// The unit's own assessment of the period, and its units' (a receiver).
#[component]
pub fn AssessmentPanel(scope: Option<Scope>) -> impl IntoView {
    let app = use_app();
    let period = Memo::new(move |_| ReviewPeriod::of_report(app.period.get()));
    view! {
        <section class="card no-print assessment" data-testid="assessment">
            <h3>"Đánh giá, phương hướng, kiến nghị (phần III–V của báo cáo)"</h3>
            {move || match period.get() {
                None => view! {
                    <p class="muted" data-testid="assessment-quarter">"Phần đánh giá được viết cho cả năm hoặc 6 tháng: chọn Kỳ “Cả năm” hoặc “6 tháng…” để viết."</p>
                }.into_any(),
                Some(p) => {
                    // The sections as typed, shared by the editor and the
                    // button that puts the units' words into them.
                    let held = use_entries().held.with_untracked(|e| e.assessment(p).cloned());
                    let start: Sections = held.map(|a| a.sections()).unwrap_or_default();
                    let texts: [RwSignal<String>; 4] = start.map(RwSignal::new);
                    let reports_up = UNITS.receiver_of(&app.unit_code()).is_some();
                    view! {
                        <Editor period=p texts=texts/>
                        {reports_up.then(|| view! { <SendPeriod period=p/> })}
                        {scope.clone().map(|s| view! {
                            <crate::ui::review::Standings period=p scope=s.clone()/>
                            <UnitAssessments period=p scope=s texts=texts/>
                        })}
                    }.into_any()
                }
            }}
        </section>
    }
}

/// The four sections of one period, saved together.
#[component]
fn Editor(period: ReviewPeriod, texts: [RwSignal<String>; 4]) -> impl IntoView {
    let app = use_app();
    let entries = use_entries();
    let held = move || entries.held.with(|e| e.assessment(period).cloned());
    let problem = RwSignal::new(entries.problem.get_untracked());
    let save = move |_| {
        let sections: Sections =
            texts.map(|t| papi_core::text::clean(&t.get_untracked(), true, platform::nfc));
        let author = crate::ui::review_state::official_name(app);
        let by = saver(&author);
        let result = entries.update(|e| {
            match Assessment::saved(e.assessment(period), period, sections.clone(), &by) {
                Ok(Some(a)) => e.put_assessment(&a),
                Ok(None) => false,
                Err(issue) => {
                    problem.set(Some(format!("Chưa lưu: {}.", issue.message_vi())));
                    false
                }
            }
        });
        match result {
            Ok(true) => {
                problem.set(None);
                app.notices.notify(
                    format!(
                        "Đã lưu phần đánh giá {}; sẽ gửi cùng lô dữ liệu tiếp theo.",
                        period.label_vi()
                    ),
                    false,
                    None,
                );
            }
            Ok(false) => {
                if problem.with_untracked(Option::is_none) {
                    app.notices
                        .notify("Phần đánh giá không có gì thay đổi.", false, None);
                }
            }
            Err(e) => problem.set(Some(e)),
        }
    };
    let quote = papi_quote(period);
    view! {
        <p class="muted">{format!("Kỳ {}. Lưu trên máy này như một hoạt động; gửi lên cùng lô dữ liệu. Mục để trống chỉ in tiêu đề, để điền tiếp trong tệp Word.", period.label_vi())}</p>
        {SECTIONS.iter().zip(texts).map(|(wire, text)| {
            let id = format!("assess-{wire}");
            view! {
                <div class="field">
                    <label for=id.clone()>{label(wire)}</label>
                    <textarea id=id rows="4" maxlength=MAX_SECTION.to_string() prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                </div>
            }
        }).collect_view()}
        {quote.map(|q| view! {
            <button class="btn" data-testid="assessment-papi" title=q.clone() on:click=move |_| {
                texts[0].update(|t| {
                    if !t.is_empty() { t.push('\n'); }
                    t.push_str(&q);
                });
            }>"Chèn điểm PAPI của tỉnh vào “Kết quả nổi bật”"</button>
        })}
        <button class="btn primary" data-testid="assessment-save" on:click=save>"Lưu phần đánh giá"</button>
        {move || held().map(|a| view! {
            <p class="muted" data-testid="assessment-saved">{format!(
                "Đã lưu lần {} lúc {}{}.",
                a.revision,
                papi_core::dates::format_vn(papi_core::dates::vn_date(a.updated_at)),
                if a.author.is_empty() { String::new() } else { format!(", người ghi: {}", a.author) }
            )}</p>
        })}
        {move || problem.get().map(|p| view! { <p class="error" role="alert" data-testid="assessment-problem">{p}</p> })}
    }
}

/// "Gửi báo cáo": the unit says its period is ready for its receiver's
/// review, with a short note; it travels with the next batch. Sent again
/// after a correction, it is the next submission.
#[component]
fn SendPeriod(period: ReviewPeriod) -> impl IntoView {
    let app = use_app();
    let entries = use_entries();
    let note = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let sent = move || entries.held.with(|e| e.submission(period).cloned());
    let send = move |_| {
        let author = crate::ui::review_state::official_name(app);
        let by = saver(&author);
        let typed = papi_core::text::clean(&note.get_untracked(), false, platform::nfc);
        let result = entries.update(|e| {
            match papi_core::submission::Submission::next(e.submission(period), period, &typed, &by)
            {
                Ok(s) => e.put_submission(&s),
                Err(issue) => {
                    problem.set(Some(format!("Chưa gửi: {}.", issue.message_vi())));
                    false
                }
            }
        });
        match result {
            Ok(true) => {
                problem.set(None);
                note.set(String::new());
                app.notices.notify(
                    format!(
                        "Đã báo gửi báo cáo {}: đi cùng lô dữ liệu tiếp theo (tự động khi có mạng, hoặc “Xuất lô dữ liệu”).",
                        period.label_vi()
                    ),
                    false,
                    None,
                );
            }
            Ok(false) => {}
            Err(e) => problem.set(Some(e)),
        }
    };
    let receiver = UNITS
        .receiver_of(&app.unit_code())
        .map(|u| u.name.clone())
        .unwrap_or_default();
    view! {
        <div class="send-period" data-testid="send-period">
            <h4>{format!("Gửi báo cáo {} cho {receiver}", period.label_vi())}</h4>
            <p class="muted">"Khi các hoạt động và phần đánh giá của kỳ đã đủ, báo cho cấp trên để xem xét. Sửa sau khi gửi thì gửi lại."</p>
            {move || sent().map(|s| view! {
                <p data-testid="period-sent">{format!(
                    "{}{}.",
                    papi_core::review::Standing::Sent(s.clone()).label_vi(),
                    if s.note.is_empty() { String::new() } else { format!(": “{}”", s.note) }
                )}</p>
            })}
            <div class="field">
                <label for="submit-note">"Ghi chú khi gửi (không bắt buộc)"</label>
                <input id="submit-note" maxlength=papi_core::submission::MAX_NOTE.to_string() prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev))/>
            </div>
            <button class="btn primary" data-testid="period-submit" on:click=send>
                {move || if sent().is_some() { "Gửi lại báo cáo kỳ này" } else { "Gửi báo cáo kỳ này" }}
            </button>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        </div>
    }
}

/// A version saved now, on this device, by `author`.
fn saver(author: &str) -> Saver<'_> {
    Saver {
        author,
        device_id: crate::app::device_id(),
        at: platform::now(),
    }
}

/// The sentence quoting the province's latest PAPI results up to the
/// period's year, if this device keeps any.
fn papi_quote(period: ReviewPeriod) -> Option<String> {
    let scores = crate::ui::papi_score::load();
    let year = scores
        .0
        .range(..=i32::from(period.year))
        .next_back()
        .map(|(_, y)| y)?;
    let province = UNITS
        .units
        .iter()
        .find(|u| u.level == papi_core::units::Level::Province)
        .map(|u| papi_core::letterhead::lower_first(&u.name))
        .unwrap_or_default();
    Some(papi_core::papi_score::quote_vi(year, &province))
}

/// A receiver's view of its units' assessments of the period, and the
/// button that puts their shortcomings and proposals into its own.
#[component]
fn UnitAssessments(
    period: ReviewPeriod,
    scope: Scope,
    texts: [RwSignal<String>; 4],
) -> impl IntoView {
    let app = use_app();
    let inbox = crate::inbox::use_inbox();
    let own = app.unit_code();
    let list = Memo::new(move |_| {
        inbox.received.with(|r| {
            let mut out: Vec<(String, Assessment)> = r
                .entries
                .assessments
                .iter()
                .filter(|(k, a)| {
                    k.plan_id == PLAN.id
                        && k.key == period
                        && k.unit_code != own
                        && scope.admits(&UNITS, &k.unit_code)
                        && !a.deleted
                })
                .map(|(k, a)| (UNITS.name_or_code(&k.unit_code), a.clone()))
                .collect();
            out.sort_by(|a, b| a.0.cmp(&b.0));
            out
        })
    });
    // Each section gets the units' lines after what is typed, within its
    // limit (the units left out are counted).
    let put_in = move |_| {
        list.with_untracked(|list| {
            let refs: Vec<(String, &Assessment)> =
                list.iter().map(|(n, a)| (n.clone(), a)).collect();
            for (i, wire) in SECTIONS.iter().enumerate() {
                if !matches!(*wire, "shortcomings" | "proposals") {
                    continue;
                }
                texts[i].update(|t| {
                    let room = MAX_SECTION.saturating_sub(t.chars().count() + 1);
                    let lines = compile(&refs, wire, room);
                    if !lines.is_empty() {
                        if !t.is_empty() {
                            t.push('\n');
                        }
                        t.push_str(&lines);
                    }
                });
            }
        })
    };
    view! {
        <div data-testid="unit-assessments">
            <h4>{move || format!("Đánh giá của các đơn vị ({} đơn vị đã gửi)", list.with(Vec::len))}</h4>
            {move || list.get().into_iter().map(|(name, a)| view! {
                <details class="unit-assessment" data-unit=name.clone()>
                    <summary>{format!("{name}: lần {}, {}", a.revision, papi_core::dates::format_vn(papi_core::dates::vn_date(a.updated_at)))}</summary>
                    {SECTIONS.iter().map(|w| {
                        let text = a.section(w).to_string();
                        view! { <p><strong>{label(w)} ": "</strong>{if text.is_empty() { "(không ghi)".to_string() } else { text }}</p> }
                    }).collect_view()}
                </details>
            }).collect_view()}
            <Show when=move || !list.with(Vec::is_empty)>
                <button class="btn" data-testid="assessment-compile" on:click=put_in>
                    "Đưa hạn chế và kiến nghị của các đơn vị vào báo cáo (rồi bấm Lưu)"
                </button>
            </Show>
        </div>
    }
}
