//! "Báo cáo năm": the year-end report of Section III of the plan, laid out
//! as a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP):
//! issuing body, national title and motto, number, place and date, title,
//! body (summary table first, then per dimension → sub-indicator → the
//! tasks with activity), recipients and signature, then an annex that lists
//! once the tasks and the units without activity. Printed on A4 by the
//! browser (print CSS: the decree's margins, page numbers from page 2).

use leptos::prelude::*;
use papi_core::letterhead::{letterhead, lower_first, Letterhead};
use papi_core::report::{self, Annex, DimSection, IdleUnit, Report, TaskSection};
use papi_core::report_doc::{self as doc, MAX_LINES};

use crate::app::use_app;
use crate::platform;
use crate::ui::charts::{per_dimension, DimensionCharts};
use crate::ui::dashboard::{scope_rows, PeriodPicker};
use crate::workspace::{PLAN, UNITS};

#[component]
pub fn ReportPage() -> impl IntoView {
    let app = use_app();
    let inbox = crate::inbox::use_inbox();
    let Some(settings) = app.settings.get_untracked() else {
        return ().into_any();
    };
    let Some(unit) = UNITS.get(&settings.unit_code) else {
        return ().into_any();
    };
    let (scope, rows) = scope_rows(settings.level(), &settings.unit_code);
    let rows = StoredValue::new(rows);
    inbox.start_on_a_year_with_data();
    // A receiver's decisions, shared with the review on this screen.
    let decided = crate::ui::review_state::Decided::provide();
    // A receiver may limit the report to the periods it accepted.
    let accepted_only = RwSignal::new(false);
    let limit = crate::ui::review_state::accepted_limit(
        scope.clone(),
        settings.unit_code.clone(),
        accepted_only,
        decided,
    );
    let own = settings.unit_code.clone();
    let content = Memo::new(move |_| {
        let p = app.period.get();
        let kept = limit.get();
        rows.with_value(|rows| {
            inbox.with_all_records(|all| {
                let shown: Vec<&papi_core::Activity> = all
                    .iter()
                    .copied()
                    .filter(|r| kept.as_ref().is_none_or(|l| l.keeps(&own, &r.unit_code)))
                    .collect();
                (
                    report::report(shown.iter().copied(), &PLAN, &UNITS, rows, p),
                    report::per_month(shown.iter().copied(), rows, p.year()),
                )
            })
        })
    });
    let scope_note = Signal::derive(move || limit.with(|l| l.as_ref().map(|l| l.note.clone())));
    let lh = letterhead(unit, &UNITS);
    let plan_ref = doc::plan_ref(&PLAN);
    let opening = doc::opening(&PLAN, &lh);
    let Letterhead {
        parent_line_vi,
        unit_line_vi,
        number_sign,
        place_vi,
        signer_vi,
        recipients_vi,
        ..
    } = lh;
    // A unit of 2020 in 2026: its office no longer exists, so its document
    // is dated on its last day, and the screen says who took over.
    let ended = papi_core::letterhead::ended(
        &crate::workspace::UNITS_JOINED,
        &settings.unit_code,
        platform::today(),
    );
    let day = ended.as_ref().map_or_else(platform::today, |e| e.last_day);
    // Who signs: the head, or a deputy for the head ("KT.").
    let deputy = RwSignal::new(false);
    let signer = Signal::derive(move || signer_lines(&signer_vi, deputy.get()));
    // The unit's own assessment of the period, as saved.
    let entries = crate::entries::use_entries();
    let assessment = Memo::new(move |_| {
        let p = papi_core::review::ReviewPeriod::of_report(app.period.get())?;
        entries.held.with(|e| e.assessment(p).cloned())
    });
    view! {
        <section class="report-screen">
            <div class="no-print report-controls">
                <h2>"Báo cáo kết quả thực hiện Kế hoạch"</h2>
                <PeriodPicker/>
                <button class="btn primary" data-testid="print" on:click=move |_| { let _ = platform::window().print(); }>"In báo cáo (A4)"</button>
                <label class="choice"><input type="checkbox" data-testid="deputy" prop:checked=move || deputy.get()
                    on:change=move |ev| deputy.set(event_target_checked(&ev))/>"Cấp phó ký thay (KT.)"</label>
                {scope.is_some().then(|| view! {
                    <label class="choice"><input type="checkbox" data-testid="report-accepted-only" prop:checked=move || accepted_only.get()
                        on:change=move |ev| accepted_only.set(event_target_checked(&ev))/>"Chỉ gồm các đơn vị đã được tiếp nhận kỳ này"</label>
                })}
                <button class="btn" data-testid="docx" on:click=move |_| download_docx(content.get_untracked().0, day, deputy.get_untracked(), assessment.get_untracked(), scope_note.get_untracked())>"Tải tệp Word (.docx)"</button>
            </div>
            {ended.map(|e| view! { <p class="warning no-print" role="note" data-testid="unit-ended">{e.notice_vi}</p> })}
            <crate::ui::assessment::AssessmentPanel scope=scope/>
            <article class="doc" data-testid="report">
                <DocHead parent_line_vi unit_line_vi number_sign place_vi day/>
                <h1 class="doc-title">"BÁO CÁO"</h1>
                <p class="doc-subtitle">{format!("Kết quả thực hiện {plan_ref}")}</p>
                <p class="doc-subtitle">{move || format!("(Kỳ báo cáo: {})", lower_first(&app.period.get().label_vi()))}</p>
                <p class="indent">{opening}</p>
                {move || scope_note.get().map(|n| view! { <p class="indent" data-testid="report-scope-note"><em>{n}</em></p> })}
                {move || {
                    let (r, months) = content.get();
                    view! {
                        <SummarySection report=r months=months/>
                    }
                }}
                {move || view! { <Blocks blocks=doc::assessment_blocks(assessment.get().as_ref())/> }}
                <DocFoot recipients_vi signer=signer official_name=settings.official_name/>
                {move || view! { <AnnexSection annex=content.get().0.annex()/> }}
            </article>
        </section>
    }
    .into_any()
}

/// Issuing body and number; national title, motto, place and date.
#[component]
fn DocHead(
    parent_line_vi: String,
    unit_line_vi: String,
    number_sign: String,
    place_vi: String,
    /// The document's date: today, or the unit's last day when it has ended.
    day: chrono::NaiveDate,
) -> impl IntoView {
    let dated = format!("{place_vi}, {}", papi_core::dates::format_nd30(day));
    view! {
        <header class="doc-head">
            <div class="issuer">
                <p>{parent_line_vi}</p>
                {(!unit_line_vi.is_empty()).then(|| view! { <p class="strong">{unit_line_vi}</p> })}
                <p class="rule"></p>
                <p>"Số: ……/" {number_sign}</p>
            </div>
            <div class="motto">
                <p class="strong national">"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"</p>
                <p class="strong motto-line">"Độc lập - Tự do - Hạnh phúc"</p>
                <p class="rule"></p>
                <p class="dated"><em>{dated}</em></p>
            </div>
        </header>
    }
}

/// Part I: the totals, the table per dimension and the charts; then part
/// II, per dimension.
#[component]
fn SummarySection(report: Report, months: [usize; 12]) -> impl IntoView {
    let summary = doc::summary_table(&report);
    let (rows, total) = summary.rows.split_at(summary.rows.len() - 1);
    view! {
        <h2>"I. TỔNG HỢP CHUNG"</h2>
        <p class="indent" data-testid="report-totals">{doc::totals_sentence(report.totals())}</p>
        <table class="grid doc-table" data-testid="report-summary">
            <thead><tr>
                {summary.header.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect_view()}
            </tr></thead>
            <tbody>
                {rows.iter().map(|r| view! { <tr>{cells(r)}</tr> }).collect_view()}
                {total.iter().map(|r| view! { <tr class="total">{cells(r)}</tr> }).collect_view()}
            </tbody>
        </table>
        <DimensionCharts per_dimension=per_dimension(&report) months=months/>
        <h2>"II. KẾT QUẢ THEO TỪNG NỘI DUNG"</h2>
        {report.dimensions.into_iter().map(|d| view! { <DimensionSection dimension=d/> }).collect_view()}
    }
}

/// A table row's cells.
fn cells(row: &[String]) -> impl IntoView {
    row.iter()
        .map(|c| view! { <td>{c.clone()}</td> })
        .collect_view()
}

/// Part II, one dimension: its sub-indicators and their tasks with
/// activity; the tasks without are named once, in one line.
#[component]
fn DimensionSection(dimension: DimSection) -> impl IntoView {
    let idle = dimension.idle_tasks();
    let idle = (!idle.is_empty()).then(|| doc::idle_sentence(&idle));
    view! {
        <h3>{format!("{}. {}", dimension.code, dimension.name)}</h3>
        {dimension.subs.into_iter().filter(|s| s.tasks.iter().any(TaskSection::has_activity)).map(|s| view! {
            <h4>{format!("{} {}", s.code, s.name)}</h4>
            {s.tasks.into_iter().filter(TaskSection::has_activity).map(|t| view! { <TaskResult task=t/> }).collect_view()}
        }).collect_view()}
        {idle.map(|text| view! { <p class="indent idle" data-testid="idle-tasks">{text}</p> })}
    }
}

/// One task's results: figures and the first activities (who has none is
/// in the annex).
#[component]
fn TaskResult(task: TaskSection) -> impl IntoView {
    let (lead, text) = doc::task_head(&PLAN, &task);
    let more = task.lines.len().saturating_sub(MAX_LINES);
    view! {
        <div class="doc-task" data-task=task.task_id.clone()>
            <p class="task-head"><strong>{lead}</strong>{text}</p>
            <p class="indent">{doc::result_sentence(&task)}</p>
            {(!task.lines.is_empty()).then(|| view! {
                <ul class="doc-lines">
                    {task.lines.iter().take(MAX_LINES).map(|l| view! { <li>{doc::line_text(l, &UNITS)}</li> }).collect_view()}
                    {(more > 0).then(|| view! { <li><em>{doc::more_lines(more)}</em></li> })}
                </ul>
            })}
            {(!task.without.is_empty()).then(|| view! {
                <p class="indent without">{doc::without_sentence(task.without.len())}</p>
            })}
        </div>
    }
}

/// Headings and paragraphs of the document (parts III–V): level 1 as the
/// page's parts, level 2 below.
#[component]
fn Blocks(blocks: Vec<doc::Block>) -> impl IntoView {
    blocks
        .into_iter()
        .map(|b| match b {
            doc::Block::Heading { level: 1, text } => view! { <h2>{text}</h2> }.into_any(),
            doc::Block::Heading { text, .. } => view! { <h3>{text}</h3> }.into_any(),
            doc::Block::Para { lead, text, .. } => {
                view! { <p class="indent"><strong>{lead}</strong>{text}</p> }.into_any()
            }
            doc::Block::Item { text } => view! { <p class="indent">{text}</p> }.into_any(),
            doc::Block::Table(_) => ().into_any(),
        })
        .collect_view()
}

/// Recipients and signature.
#[component]
fn DocFoot(
    recipients_vi: Vec<String>,
    signer: Signal<Vec<String>>,
    official_name: String,
) -> impl IntoView {
    view! {
        <footer class="doc-foot">
            <div class="recipients">
                <p class="strong"><em>"Nơi nhận:"</em></p>
                {recipients_vi.into_iter().map(|r| view! { <p>"- " {r}</p> }).collect_view()}
            </div>
            <div class="signature">
                {move || signer.get().into_iter().map(|l| view! { <p class="strong">{l}</p> }).collect_view()}
                <p><em>"(Ký, ghi rõ họ tên, đóng dấu)"</em></p>
                <p class="signer-name strong">{official_name}</p>
            </div>
        </footer>
    }
}

/// The annex, once for the whole report: each unit with the tasks it has
/// a role in and no activity for (the tasks without any activity are named
/// under their dimension).
#[component]
fn AnnexSection(annex: Annex) -> impl IntoView {
    if annex.idle_units.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="doc-annex" data-testid="report-annex">
            <h2 class="doc-title">{doc::ANNEX_TITLE}</h2>
            <p class="doc-subtitle">{doc::ANNEX_SUBTITLE}</p>
            <table class="grid doc-table" data-testid="annex-units">
                // The columns' shares are doc::ANNEX_WIDTHS (style/main.css).
                <colgroup><col class="n"/><col class="unit"/><col class="count"/><col/></colgroup>
                <thead><tr>{doc::ANNEX_HEADER.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {annex.idle_units.into_iter().enumerate().map(|(i, u)| view! { <IdleRow n=i + 1 unit=u/> }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

/// One unit of the annex: a unit with no activity at all is said in a
/// few words, not by listing every task it has a role in.
#[component]
fn IdleRow(n: usize, unit: IdleUnit) -> impl IntoView {
    view! { <tr data-unit=unit.code.clone()>{cells(&doc::annex_row(n, &unit, &UNITS))}</tr> }
}

/// The report as a Word file: the same document, written by the export
/// worker, for the office to finish, number and sign in its document system.
fn download_docx(
    report: Report,
    day: chrono::NaiveDate,
    deputy: bool,
    assessment: Option<papi_core::assessment::Assessment>,
    scope_note: Option<String>,
) {
    let app = use_app();
    let Some(settings) = app.settings.get_untracked() else {
        return;
    };
    let Some(unit) = UNITS.get(&settings.unit_code) else {
        return;
    };
    let mut lh = letterhead(unit, &UNITS);
    lh.signer_vi = signer_lines(&lh.signer_vi, deputy);
    let document = doc::document(
        &report,
        &doc::DocInput {
            plan: &PLAN,
            units: &UNITS,
            letterhead: &lh,
            day,
            official_name: &settings.official_name,
            assessment: assessment.as_ref(),
            scope_note: scope_note.as_deref(),
        },
    );
    let file = format!(
        "bao-cao-{}-{}.docx",
        settings.unit_code,
        crate::ui::dashboard::period_slug(report.period)
    );
    leptos::task::spawn_local(async move {
        let result = crate::xlsx::docx(&document).await.and_then(|b| {
            let mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
            platform::download_bytes(&file, mime, &b).map_err(|e| e.to_string())
        });
        if let Err(e) = result {
            app.notices
                .notify(format!("Không tạo được tệp Word {file}: {e}"), true, None);
        }
    });
}

/// The signature block's lines: the head's, or a deputy's for the head.
fn signer_lines(head: &[String], deputy: bool) -> Vec<String> {
    if deputy {
        papi_core::letterhead::deputy_signer(head)
    } else {
        head.to_vec()
    }
}
