//! "Báo cáo năm": the year-end report of Section III of the plan, laid out
//! as a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP):
//! issuing body, national title and motto, number, place and date, title,
//! body (summary table first, then per dimension → sub-indicator → the
//! tasks with activity), recipients and signature, then an annex that lists
//! once the tasks and the units without activity. Printed on A4 by the
//! browser (print CSS: the decree's margins, page numbers from page 2).

use leptos::prelude::*;
use papi_core::dates::format_vn;
use papi_core::letterhead::{letterhead, lower_first, Letterhead};
use papi_core::report::{self, Annex, DimSection, IdleUnit, Report, TaskSection, Totals};

use crate::app::use_app;
use crate::platform;
use crate::ui::charts::{per_dimension, short, DimensionCharts};
use crate::ui::dashboard::{scope_rows, PeriodPicker};
use crate::workspace::{PLAN, UNITS};

/// Activities listed per task in the document; the rest are counted (a
/// province-year holds tens of thousands; the exports list them all).
const MAX_LINES: usize = 30;

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
    let (_, rows) = scope_rows(settings.level(), &settings.unit_code);
    let rows = StoredValue::new(rows);
    inbox.start_on_a_year_with_data();
    let content = Memo::new(move |_| {
        let p = app.period.get();
        rows.with_value(|rows| {
            inbox.with_all_records(|all| {
                (
                    report::report(all.iter().copied(), &PLAN, &UNITS, rows, p),
                    report::per_month(all.iter().copied(), rows, p.year()),
                )
            })
        })
    });
    let Letterhead {
        parent_line_vi,
        unit_line_vi,
        number_sign,
        place_vi,
        signer_vi,
        recipients_vi,
        sender_vi,
        area_vi,
    } = letterhead(unit, &UNITS);
    let plan_ref = format!(
        "Kế hoạch số {} ngày {} của {} về {}",
        PLAN.document.number,
        format_vn(PLAN.document.date),
        PLAN.document.issuer,
        lower_first(&PLAN.document.title)
    );
    let opening = format!(
        "Thực hiện Kế hoạch số {}, {} báo cáo kết quả thực hiện trên địa bàn {} như sau:",
        PLAN.document.number, sender_vi, area_vi
    );
    // A unit of 2020 in 2026: its office no longer exists, so its document
    // is dated on its last day, and the screen says who took over.
    let ended = papi_core::letterhead::ended(
        &crate::workspace::UNITS_JOINED,
        &settings.unit_code,
        platform::today(),
    );
    let day = ended.as_ref().map_or_else(platform::today, |e| e.last_day);
    view! {
        <section class="report-screen">
            <div class="no-print report-controls">
                <h2>"Báo cáo kết quả thực hiện Kế hoạch"</h2>
                <PeriodPicker/>
                <button class="btn primary" data-testid="print" on:click=move |_| { let _ = platform::window().print(); }>"In báo cáo (A4)"</button>
            </div>
            {ended.map(|e| view! { <p class="warning no-print" role="note" data-testid="unit-ended">{e.notice_vi}</p> })}
            <article class="doc" data-testid="report">
                <DocHead parent_line_vi unit_line_vi number_sign place_vi day/>
                <h1 class="doc-title">"BÁO CÁO"</h1>
                <p class="doc-subtitle">{format!("Kết quả thực hiện {plan_ref}")}</p>
                <p class="doc-subtitle">{move || format!("(Kỳ báo cáo: {})", lower_first(&app.period.get().label_vi()))}</p>
                <p class="indent">{opening}</p>
                {move || {
                    let (r, months) = content.get();
                    view! {
                        <SummarySection report=r months=months/>
                    }
                }}
                <DocFoot recipients_vi signer_vi official_name=settings.official_name/>
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
    let Totals {
        tasks,
        tasks_with_activity: with,
        done,
        planned,
    } = report.totals();
    view! {
        <h2>"I. TỔNG HỢP CHUNG"</h2>
        <p class="indent" data-testid="report-totals">{format!(
            "Trong kỳ, {tasks} nhiệm vụ của Kế hoạch có {with} nhiệm vụ đã có hoạt động; tổng số {done} hoạt động đã thực hiện và {planned} hoạt động đã lên kế hoạch."
        )}</p>
        <table class="grid doc-table" data-testid="report-summary">
            <thead><tr>
                <th scope="col">"TT"</th><th scope="col">"Nội dung (lĩnh vực)"</th><th scope="col">"Số nhiệm vụ"</th>
                <th scope="col">"Nhiệm vụ đã có hoạt động"</th><th scope="col">"Hoạt động đã thực hiện"</th><th scope="col">"Hoạt động kế hoạch"</th>
            </tr></thead>
            <tbody>
                {report.dimensions.iter().map(|d| view! {
                    <tr><td>{d.code.clone()}</td><td>{d.name.clone()}</td><td>{d.tasks}</td><td>{d.tasks_with_activity}</td><td>{d.done}</td><td>{d.planned}</td></tr>
                }).collect_view()}
                <tr class="total"><td></td><td>"Cộng"</td><td>{tasks}</td><td>{with}</td><td>{done}</td><td>{planned}</td></tr>
            </tbody>
        </table>
        <DimensionCharts per_dimension=per_dimension(&report) months=months/>
        <h2>"II. KẾT QUẢ THEO TỪNG NỘI DUNG"</h2>
        {report.dimensions.into_iter().map(|d| view! { <DimensionSection dimension=d/> }).collect_view()}
    }
}

/// Part II, one dimension: its sub-indicators and their tasks with
/// activity; the tasks without are named once, in one line.
#[component]
fn DimensionSection(dimension: DimSection) -> impl IntoView {
    let idle = dimension
        .subs
        .iter()
        .flat_map(|s| &s.tasks)
        .filter(|t| !t.has_activity())
        .map(|t| t.task_id.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <h3>{format!("{}. {}", dimension.code, dimension.name)}</h3>
        {dimension.subs.into_iter().filter(|s| s.tasks.iter().any(TaskSection::has_activity)).map(|s| view! {
            <h4>{format!("{} {}", s.code, s.name)}</h4>
            {s.tasks.into_iter().filter(TaskSection::has_activity).map(|t| view! { <TaskResult task=t/> }).collect_view()}
        }).collect_view()}
        {(!idle.is_empty()).then(|| view! {
            <p class="indent idle" data-testid="idle-tasks">{format!("Nhiệm vụ chưa có hoạt động trong kỳ: {idle}.")}</p>
        })}
    }
}

/// One task's results: figures and the first activities (who has none is
/// in the annex).
#[component]
fn TaskResult(task: TaskSection) -> impl IntoView {
    let text = PLAN
        .locate_record(&task.task_id)
        .map(|(.., x, _)| x.items.join(" "))
        .unwrap_or_default();
    // A task this version dropped: its activities still count here.
    let retired = task
        .retired
        .as_ref()
        .map(|v| format!(" (nhiệm vụ của phiên bản {v}, không còn trong kế hoạch hiện hành)"));
    let more = task.lines.len().saturating_sub(MAX_LINES);
    view! {
        <div class="doc-task" data-task=task.task_id.clone()>
            <p class="task-head"><strong>{format!("Nhiệm vụ {}: ", task.task_id)}</strong>{short(&text)}<em>{retired}</em></p>
            <p class="indent">{format!("Kết quả: {} hoạt động đã thực hiện, {} hoạt động kế hoạch.", task.done, task.planned)}</p>
            {(!task.lines.is_empty()).then(|| view! {
                <ul class="doc-lines">
                    {task.lines.iter().take(MAX_LINES).map(|l| view! {
                        <li>{format!("{} – {}: {}", format_vn(l.date), UNITS.name_or_code(&l.unit_code), l.title)}
                            {(!l.evidence.is_empty()).then(|| format!(" ({})", l.evidence))}
                            {(l.status == papi_core::Status::Planned).then_some(" [kế hoạch]")}
                        </li>
                    }).collect_view()}
                    {(more > 0).then(|| view! {
                        <li><em>{format!("… và {more} hoạt động khác (xem đầy đủ trong tệp Excel hoặc CSV).")}</em></li>
                    })}
                </ul>
            })}
            {(!task.without.is_empty()).then(|| view! {
                <p class="indent without">{format!("Chưa có hoạt động: {} đơn vị (xem Phụ lục).", task.without.len())}</p>
            })}
        </div>
    }
}

/// Recipients and signature.
#[component]
fn DocFoot(
    recipients_vi: Vec<String>,
    signer_vi: Vec<String>,
    official_name: String,
) -> impl IntoView {
    view! {
        <footer class="doc-foot">
            <div class="recipients">
                <p class="strong"><em>"Nơi nhận:"</em></p>
                {recipients_vi.into_iter().map(|r| view! { <p>"- " {r}</p> }).collect_view()}
            </div>
            <div class="signature">
                {signer_vi.into_iter().map(|l| view! { <p class="strong">{l}</p> }).collect_view()}
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
            <h2 class="doc-title">"PHỤ LỤC"</h2>
            <p class="doc-subtitle">"Đơn vị chưa có hoạt động theo nhiệm vụ được giao trong kỳ báo cáo"</p>
            <table class="grid doc-table" data-testid="annex-units">
                <colgroup><col class="n"/><col class="unit"/><col class="count"/><col/></colgroup>
                <thead><tr><th scope="col">"TT"</th><th scope="col">"Đơn vị"</th><th scope="col">"Số nhiệm vụ"</th><th scope="col">"Nhiệm vụ"</th></tr></thead>
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
    let tasks = if unit.none_at_all {
        "Chưa có hoạt động nào trong kỳ".to_string()
    } else {
        unit.tasks.join(", ")
    };
    view! {
        <tr data-unit=unit.code.clone()>
            <td>{n}</td><td>{UNITS.name_or_code(&unit.code)}</td><td>{unit.tasks.len()}</td><td>{tasks}</td>
        </tr>
    }
}
