//! "Tổng hợp" (district, province): units × sub-indicators with drill-down
//! to tasks and activities, what each unit sent and whether it reported on
//! time, the commune-led tasks nobody has acted on, charts, and exports.

use std::sync::LazyLock;

use leptos::prelude::*;
use papi_core::batch::Bundle;
use papi_core::catalogue::FormerDistricts;
use papi_core::dates::format_vn;
use papi_core::merge::Scope;
use papi_core::report::{self, Cell, Matrix, Period, Rows, UnitStatus};
use papi_core::{Activity, Level};

use crate::app::{use_app, AppState, Screen};
use crate::inbox::InboxState;
use crate::platform;
use crate::ui::charts::{per_dimension, short, DimensionCharts};
use crate::workspace::{PLAN, UNITS};

/// The scope and rows of the signed-in unit.
pub fn scope_rows(level: Level, unit_code: &str) -> (Option<Scope>, Rows) {
    match crate::inbox::scope_of(level, unit_code) {
        Some(s) => {
            let rows = Rows::new(&s, &UNITS);
            (Some(s), rows)
        }
        None => (None, Rows::single(unit_code)),
    }
}

/// The dashboard and the report count what is read from the store after
/// the shell is up (the records, then what was received): until both are
/// read, the screen says so rather than show figures that would change and
/// a period chosen on half the data (`start_on_a_year_with_data`).
#[component]
pub fn WhenRead(children: ChildrenFn) -> impl IntoView {
    let app = use_app();
    let inbox = crate::inbox::use_inbox();
    view! {
        <Show when=move || app.loaded.get() && inbox.is_loaded()
            fallback=|| view! { <p class="loading" role="status">"Đang đọc dữ liệu…"</p> }>
            {children()}
        </Show>
    }
}

/// Year and quarter choice, shared by the dashboard and the report.
#[component]
pub fn PeriodPicker() -> impl IntoView {
    let app = use_app();
    let first = chrono::Datelike::year(&PLAN.records_from());
    let last = chrono::Datelike::year(&platform::today()).max(first);
    let year = move || app.period.get().year();
    // The part of the year, as the select's value: "" the whole year,
    // "h1"/"h2" a half, "1".."4" a quarter.
    let quarter = move || match app.period.get() {
        Period::Quarter(_, q) => q.to_string(),
        Period::Half(_, h) => format!("h{h}"),
        Period::Year(_) => String::new(),
    };
    let set = move |y: i32, q: &str| {
        app.period
            .set(match (q.strip_prefix('h'), q.parse::<u32>()) {
                (Some("1"), _) => Period::Half(y, 1),
                (Some("2"), _) => Period::Half(y, 2),
                (_, Ok(q)) if (1..=4).contains(&q) => Period::Quarter(y, q),
                _ => Period::Year(y),
            })
    };
    view! {
        <div class="period-picker">
            <div class="field">
                <label for="period-year">"Năm"</label>
                <select id="period-year" on:change=move |ev| {
                    let y = event_target_value(&ev).parse().unwrap_or(first);
                    set(y, &quarter());
                }>
                    {(first..=last).rev().map(|y| view! {
                        <option value=y.to_string() selected=move || year() == y>{y}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="period-quarter">"Kỳ"</label>
                <select id="period-quarter" on:change=move |ev| set(year(), &event_target_value(&ev))>
                    <option value="" selected=move || quarter().is_empty()>"Cả năm"</option>
                    <option value="h1" selected=move || quarter() == "h1">"6 tháng đầu năm"</option>
                    <option value="h2" selected=move || quarter() == "h2">"6 tháng cuối năm"</option>
                    {(1..=4u32).map(|q| view! {
                        <option value=q.to_string() selected=move || quarter() == q.to_string()>
                            {Period::Quarter(2000, q).label_vi().replace("/2000", "")}
                        </option>
                    }).collect_view()}
                </select>
            </div>
            <p class="deadline">{move || format!("Hạn báo cáo kỳ này: {}", format_vn(app.period.get().deadline()))}</p>
        </div>
    }
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let app = use_app();
    let inbox = crate::inbox::use_inbox();
    let Some(settings) = app.settings.get_untracked() else {
        return ().into_any();
    };
    let (scope, rows) = scope_rows(settings.level(), &settings.unit_code);
    let Some(scope) = scope else {
        return view! { <p>"Màn hình tổng hợp dành cho cấp huyện và tỉnh."</p> }.into_any();
    };
    let rows = StoredValue::new(rows);
    let scope = StoredValue::new(scope);
    inbox.start_on_a_year_with_data();
    let matrix = Memo::new(move |_| {
        let p = app.period.get();
        rows.with_value(|rows| {
            inbox.with_all_records(|all| report::matrix(all.iter().copied(), &PLAN, rows, p))
        })
    });
    let is_district = settings.level() == Level::District;
    // The report's figures, for the charts and the PAPI card.
    let figures = Memo::new(move |_| {
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
    let progress = Signal::derive(move || {
        figures.with(|(r, _)| {
            r.dimensions
                .iter()
                .map(|d| (d.tasks_with_activity, d.tasks))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="dashboard">
            <h2>"Tổng hợp kết quả thực hiện"</h2>
            <PeriodPicker/>
            <Exports rows=rows scope=scope is_district=is_district/>
            <Charts figures=figures/>
            {(settings.level() == Level::Province).then(|| view! { <crate::ui::papi_score::PapiScoreCard progress=progress/> })}
            <MatrixCard rows=rows matrix=matrix/>
            <StatusCard scope=scope is_district=is_district/>
            <UntouchedCard rows=rows/>
            {(!is_district).then(|| view! { <crate::ui::history::SuccessorHistory/> })}
        </section>
    }
    .into_any()
}

/// Which file to download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Export {
    /// Every activity of the roll-up (CSV).
    Activities,
    /// The units × sub-indicators matrix (CSV).
    Summary,
    /// Both, as an Excel workbook.
    Workbook,
}

impl Export {
    /// Its file's name, in Vietnamese without diacritics like the
    /// batches': `papi-19-hoat-dong-2026.csv`, `papi-19-2026.xlsx`, with
    /// `-da-tiep-nhan` when limited to the accepted units.
    fn file_name(self, unit: &str, p: Period, limited: bool) -> String {
        let (what, ext) = match self {
            Export::Activities => ("-hoat-dong", "csv"),
            Export::Summary => ("-tong-hop", "csv"),
            Export::Workbook => ("", "xlsx"),
        };
        let limited = if limited { "-da-tiep-nhan" } else { "" };
        format!("papi-{unit}{what}-{}{limited}.{ext}", period_slug(p))
    }
}

/// The report, CSV, Excel and (for a district) the bundle for the province;
/// the exports limited, when asked, to the units whose period this receiver
/// accepted, and saying so (the file names, the workbook's titles).
#[component]
fn Exports(rows: StoredValue<Rows>, scope: StoredValue<Scope>, is_district: bool) -> impl IntoView {
    let app = use_app();
    let inbox = crate::inbox::use_inbox();
    let accepted_only = RwSignal::new(false);
    let limit = crate::ui::review_state::accepted_limit(
        Some(scope.get_value()),
        app.unit_code(),
        accepted_only,
        crate::ui::review_state::Decided::provide(),
    );
    let export = move |which| {
        let p = app.period.get_untracked();
        let own = app.unit_code();
        let limit = limit.get_untracked();
        let picked = rows.with_value(|rows| {
            inbox.with_all_records(|all| {
                let kept: Vec<&papi_core::Activity> = all
                    .iter()
                    .copied()
                    .filter(|r| limit.as_ref().is_none_or(|l| l.keeps(&own, &r.unit_code)))
                    .collect();
                exported(
                    which,
                    &kept,
                    rows,
                    p,
                    limit.as_ref().map(|l| l.note.as_str()),
                )
            })
        });
        let file = which.file_name(&own, p, limit.is_some());
        match picked {
            Exported::Text(text) => {
                if let Err(e) = platform::download(&file, "text/csv;charset=utf-8", &text) {
                    app.notices
                        .notify(format!("Không tải được {file}: {e}"), true, None);
                }
            }
            Exported::Sheets(sheets) => leptos::task::spawn_local(download_xlsx(app, file, sheets)),
        }
    };
    view! {
        <div class="form-actions no-print">
            <button class="btn primary" on:click=move |_| app.screen.set(Screen::Report)>"Báo cáo năm (in)"</button>
            <button class="btn" data-testid="csv-activities" on:click=move |_| export(Export::Activities)>"Tải CSV hoạt động"</button>
            <button class="btn" data-testid="csv-summary" on:click=move |_| export(Export::Summary)>"Tải CSV tổng hợp"</button>
            <button class="btn" data-testid="xlsx" on:click=move |_| export(Export::Workbook)>"Tải Excel (XLSX)"</button>
            {is_district.then(|| view! {
                <button class="btn" data-testid="forward" on:click=move |_| leptos::task::spawn_local(forward_bundle(app, inbox, scope))>"Tạo gói gửi Sở Nội vụ"</button>
            })}
            <label class="choice"><input type="checkbox" data-testid="exports-accepted-only" prop:checked=move || accepted_only.get()
                on:change=move |ev| accepted_only.set(event_target_checked(&ev))/>"Tệp tải về chỉ gồm các đơn vị đã được tiếp nhận kỳ này"</label>
        </div>
        {move || limit.get().map(|l| view! { <p class="hint no-print" data-testid="exports-scope-note">{l.note}</p> })}
    }
}

/// What an export holds: a CSV's text, or a workbook's sheets.
enum Exported {
    Text(String),
    Sheets(Vec<report::Sheet>),
}

/// One export of `records` for the period, its sheets' titles saying what
/// it is limited to (`note`).
fn exported(
    which: Export,
    records: &[&papi_core::Activity],
    rows: &Rows,
    p: Period,
    note: Option<&str>,
) -> Exported {
    let m = || report::matrix(records.iter().copied(), &PLAN, rows, p);
    match which {
        Export::Activities => Exported::Text(report::activities_csv(
            records.iter().copied(),
            &PLAN,
            &UNITS,
            rows,
            p,
        )),
        Export::Summary => Exported::Text(report::summary_csv(&m(), rows, &UNITS)),
        Export::Workbook => {
            let sheets = report::workbook(records.iter().copied(), &m(), &PLAN, &UNITS, rows, p);
            Exported::Sheets(match note {
                Some(n) => report::scoped(sheets, n),
                None => sheets,
            })
        }
    }
}

/// The workbook, written by the XLSX worker, then downloaded.
async fn download_xlsx(app: AppState, file: String, sheets: Vec<report::Sheet>) {
    match crate::xlsx::workbook(&sheets).await {
        Ok(b) => {
            let mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            if let Err(e) = platform::download_bytes(&file, mime, &b) {
                app.notices
                    .notify(format!("Không tải được {file}: {e}"), true, None);
            }
        }
        Err(e) => app
            .notices
            .notify(format!("Không tạo được tệp Excel: {e}"), true, None),
    }
}

/// A district's bundle for the province: every record it holds of its
/// scope, and the units' period entries it received, one sealed batch per
/// unit.
async fn forward_bundle(app: AppState, inbox: InboxState, scope: StoredValue<Scope>) {
    let unit = app.unit_code();
    let signer = match crate::keys::device_signer().await {
        Ok(s) => s,
        Err(e) => {
            return app
                .notices
                .notify(format!("Không tạo được gói: {e}"), true, None)
        }
    };
    let public = signer.public_hex();
    // The units' assessments, submissions and comments received (format
    // version 3) travel on with their records.
    let entries = inbox.received.with_untracked(|r| r.entries.clone());
    let bundle = scope.with_value(|s| {
        inbox.with_all_records(|all| {
            let mine: Vec<&Activity> = all
                .iter()
                .copied()
                .filter(|a| s.admits(&UNITS, &a.unit_code))
                .collect();
            let h = papi_core::batch::Header {
                plan: &PLAN,
                units: &UNITS.id,
                unit_code: &unit,
                device_id: crate::app::device_id(),
                created_at: platform::now(),
                signer: &public,
            };
            Bundle::seal(&h, mine, &entries)
        })
    });
    let bundle = match crate::keys::sign_bundle(&signer, bundle).await {
        Ok(b) => b,
        Err(e) => {
            return app
                .notices
                .notify(format!("Không ký được gói: {e}"), true, None)
        }
    };
    let n: usize = bundle.batches.iter().map(|b| b.records.len()).sum();
    match platform::download(&bundle.file_name(), "application/json", &bundle.to_json()) {
        Ok(()) => app.notices.notify(
            format!(
                "Đã tạo gói {} ({} đơn vị, {n} hoạt động) để gửi Sở Nội vụ.",
                bundle.file_name(),
                bundle.batches.len()
            ),
            false,
            None,
        ),
        Err(e) => app
            .notices
            .notify(format!("Không tạo được gói: {e}"), true, None),
    }
}

/// Tasks with activity per dimension, and activities per month.
#[component]
fn Charts(figures: Memo<(report::Report, [usize; 12])>) -> impl IntoView {
    move || {
        figures.with(|(report, months)| {
            view! { <DimensionCharts per_dimension=per_dimension(report) months=*months/> }
        })
    }
}

/// Units × sub-indicators, with the drill-down of a unit.
#[component]
fn MatrixCard(rows: StoredValue<Rows>, matrix: Memo<Matrix>) -> impl IntoView {
    let selected_row: RwSignal<Option<usize>> = RwSignal::new(None);
    let selected_task: RwSignal<Option<String>> = RwSignal::new(None);
    let name_q = RwSignal::new(String::new());
    let sort = RwSignal::new(RowSort::Plan);
    view! {
        <div class="card">
            <h3>"Hoạt động theo đơn vị và chỉ tiêu"</h3>
            <p class="hint">"Bấm tên đơn vị để xem theo nhiệm vụ."</p>
            <RowControls name_q=name_q sort=sort/>
            <div class="table-wrap">
                <table class="grid matrix" data-testid="matrix">
                    <thead><tr>
                        <th scope="col">"Đơn vị"</th>
                        {PLAN.sub_indicators().map(|s| view! { <th scope="col" title=s.name.clone()>{s.code.clone()}</th> }).collect_view()}
                        <th scope="col">"Tổng"</th>
                    </tr></thead>
                    <tbody>
                        {move || {
                            let m = matrix.get();
                            let order = rows.with_value(|rows| sort.get().order(rows, &m, &name_q.get()));
                            rows.with_value(|rows| order.into_iter().map(|r| {
                                view! {
                                    <MatrixRow row=r code=rows.codes[r].clone() cells=m.cells[r].clone() total=m.row_totals[r]
                                        selected_row=selected_row selected_task=selected_task/>
                                }
                            }).collect_view())
                        }}
                    </tbody>
                    <tfoot>
                        <tr>
                            <th scope="row">"Tổng"</th>
                            {move || matrix.get().column_totals.into_iter().map(|c| view! { <td>{c.count}</td> }).collect_view()}
                            <td class="total" data-testid="grand-total">{move || matrix.get().row_totals.iter().map(|c| c.count).sum::<usize>()}</td>
                        </tr>
                    </tfoot>
                </table>
            </div>
            // The column codes spelled out (a tooltip does not work on a tablet).
            <details class="legend">
                <summary>"Chú giải mã chỉ tiêu"</summary>
                <dl class="kv">
                    {PLAN.sub_indicators().map(|s| view! { <dt>{s.code.clone()}</dt><dd>{s.name.clone()}</dd> }).collect_view()}
                </dl>
            </details>
            {move || selected_row.get().map(|r| view! { <Drill row=r rows=rows selected_task=selected_task/> })}
        </div>
    }
}

/// The order of the matrix's rows (a two-tier province lists 92 communes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowSort {
    /// As the unit data lists them.
    Plan,
    /// By name, without the kind ("Xã", "Phường"), accent-insensitive.
    Name,
    /// Most activities first.
    Total,
}

impl RowSort {
    fn parse(v: &str) -> RowSort {
        match v {
            "name" => RowSort::Name,
            "total" => RowSort::Total,
            _ => RowSort::Plan,
        }
    }

    /// The rows to show, filtered by `query` (accent-insensitive), in order.
    fn order(self, rows: &Rows, m: &Matrix, query: &str) -> Vec<usize> {
        let q = papi_core::search::Query::new(query);
        let name = |r: usize| UNITS.name_or_code(&rows.codes[r]);
        let mut order: Vec<usize> = (0..rows.codes.len())
            .filter(|&r| q.matches(&name(r)))
            .collect();
        match self {
            RowSort::Plan => {}
            RowSort::Name => order.sort_by_cached_key(|&r| {
                let code = &rows.codes[r];
                let n = name(r);
                let bare = UNITS
                    .get(code)
                    .and_then(|u| n.strip_prefix(u.kind.as_str()))
                    .map(str::trim_start)
                    .unwrap_or(&n)
                    .to_string();
                papi_core::search::fold(&bare)
            }),
            RowSort::Total => order.sort_by_key(|&r| std::cmp::Reverse(m.row_totals[r].count)),
        }
        order
    }
}

#[component]
fn RowControls(name_q: RwSignal<String>, sort: RwSignal<RowSort>) -> impl IntoView {
    view! {
        <div class="field inline">
            <label for="matrix-filter">"Lọc theo tên"</label>
            <input id="matrix-filter" type="search" placeholder="vd: bang thanh"
                prop:value=move || name_q.get() on:input=move |ev| name_q.set(event_target_value(&ev))/>
            <label for="matrix-sort">"Sắp xếp"</label>
            <select id="matrix-sort" on:change=move |ev| sort.set(RowSort::parse(&event_target_value(&ev)))>
                <option value="">"Theo danh mục"</option>
                <option value="name">"Theo tên (A–Z)"</option>
                <option value="total">"Nhiều hoạt động trước"</option>
            </select>
        </div>
    }
}

/// One unit's row of the matrix; its name picks it for the drill-down.
#[component]
fn MatrixRow(
    row: usize,
    code: String,
    cells: Vec<Cell>,
    total: Cell,
    selected_row: RwSignal<Option<usize>>,
    selected_task: RwSignal<Option<String>>,
) -> impl IntoView {
    let name = UNITS.name_or_code(&code);
    let pick = move |_| {
        selected_row.set(Some(row));
        selected_task.set(None);
    };
    view! {
        <tr data-unit=code class:selected=move || selected_row.get() == Some(row)>
            <th scope="row">
                <button class="link" on:click=pick>{name}</button>
            </th>
            {cells.into_iter().map(|c| view! {
                <td class:zero=c.count == 0>
                    <span class="n">{if c.count == 0 { "·".to_string() } else { c.count.to_string() }}</span>
                    // The latest date, visible on a tablet and in print.
                    {c.latest.map(|d| view! { <span class="latest">{format_vn(d)}</span> })}
                </td>
            }).collect_view()}
            <td class="total">{total.count}</td>
        </tr>
    }
}

/// What each unit sent and whether it reported on time.
#[component]
fn StatusCard(scope: StoredValue<Scope>, is_district: bool) -> impl IntoView {
    let app = use_app();
    let inbox = crate::inbox::use_inbox();
    let statuses = Memo::new(move |_| {
        let p = app.period.get();
        inbox.received.with(|r| {
            let receipts: Vec<_> = r.receipts.values().collect();
            scope.with_value(|s| {
                inbox.with_all_records(|all| {
                    let today = platform::today();
                    report::unit_statuses(
                        all.iter().copied(),
                        &receipts,
                        &r.delivered,
                        &UNITS,
                        s,
                        p,
                        today,
                    )
                })
            })
        })
    });
    // Whether each unit has sent the period for review (a year or a half;
    // a quarter has no review of its own).
    // The decisions made on this device (the report screen makes them),
    // read once for this screen.
    let decisions = StoredValue::new(crate::decisions::load().unwrap_or_default());
    let sent = Memo::new(move |_| {
        let Some(period) = papi_core::review::ReviewPeriod::of_report(app.period.get()) else {
            return std::collections::HashMap::new();
        };
        let decisions = decisions.get_value();
        inbox.received.with(|r| {
            inbox.with_all_records(|all| {
                statuses.with(|list| {
                    let codes = list.iter().map(|s| s.unit_code.as_str());
                    papi_core::review::standings(
                        &r.entries, &decisions, all, &PLAN.id, period, codes,
                    )
                    .into_iter()
                    .map(|(code, st)| (code.to_string(), st.label_vi()))
                    .collect::<std::collections::HashMap<_, _>>()
                })
            })
        })
    });
    let status_filter = RwSignal::new(StatusFilter::All);
    let name_q = RwSignal::new(String::new());
    let by_name = RwSignal::new(false);
    let shown = move || {
        let q = papi_core::search::Query::new(&name_q.get());
        let mut list: Vec<UnitStatus> = statuses
            .get()
            .into_iter()
            .filter(|s| status_filter.read().shows(&s.unit_code))
            .filter(|s| q.matches(&UNITS.name_or_code(&s.unit_code)))
            .collect();
        if by_name.get() {
            list.sort_by_cached_key(|s| papi_core::search::fold(&UNITS.name_or_code(&s.unit_code)));
        }
        list
    };
    view! {
        <div class="card">
            <h3>"Tình hình gửi báo cáo"</h3>
            // The province's list holds every unit: narrow it to one
            // district (the district and its communes) or the bodies.
            {(!is_district).then(|| view! {
                <div class="field inline">
                    <label for="status-filter">"Xem"</label>
                    <select id="status-filter" on:change=move |ev| status_filter.set(StatusFilter::parse(&event_target_value(&ev)))>
                        <option value="">"Tất cả đơn vị"</option>
                        {UNITS.districts().map(|u| view! { <option value=u.code.clone()>{u.name.clone()}</option> }).collect_view()}
                        <FormerDistrictOptions/>
                        <option value=StatusFilter::BODIES>"Các sở, ban, ngành"</option>
                    </select>
                    <label for="status-name">"Tên"</label>
                    <input id="status-name" type="search" placeholder="vd: bang thanh"
                        prop:value=move || name_q.get() on:input=move |ev| name_q.set(event_target_value(&ev))/>
                    <label class="choice">
                        <input type="checkbox" on:change=move |ev| by_name.set(event_target_checked(&ev))/>
                        "Sắp xếp theo tên"
                    </label>
                </div>
            })}
            <div class="table-wrap">
                <table class="grid" data-testid="unit-status">
                    <thead><tr>
                        <th scope="col">"Đơn vị"</th><th scope="col">"Hoạt động trong kỳ"</th>
                        <th scope="col">"Số lô đã nhận"</th><th scope="col">"Lô gần nhất"</th>
                        <th scope="col">"Lô còn thiếu"</th><th scope="col">"Tình trạng"</th>
                        <th scope="col">"Gửi báo cáo kỳ"</th>
                    </tr></thead>
                    <tbody>
                        {move || shown().into_iter()
                            .map(|s| {
                                let review = sent.with(|m| m.get(&s.unit_code).cloned()).unwrap_or_else(|| "—".into());
                                view! { <StatusRow status=s with_district=!is_district review=review/> }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}

/// One unit's line of the status table.
#[component]
fn StatusRow(
    status: UnitStatus,
    with_district: bool,
    /// Whether the unit sent the period for review ("—" for a quarter).
    review: String,
) -> impl IntoView {
    let s = status;
    // The province's list is long: say which district a commune is in.
    let district = UNITS
        .get(&s.unit_code)
        .filter(|u| with_district && u.level == Level::Commune)
        .and_then(|u| UNITS.district_of(&u.code))
        .map(|d| view! { <span class="parent">" · " {d.name.clone()}</span> });
    view! {
        <tr data-unit=s.unit_code.clone()>
            <th scope="row">
                {UNITS.name_or_code(&s.unit_code)}
                {district}
            </th>
            <td>{s.activities}</td>
            <td>{s.batches}</td>
            <td>{s.last_batch.map(format_vn).unwrap_or_default()}</td>
            <td>{s.missing_batches.label_vi()}</td>
            <td class=format!("status-{:?}", s.completeness).to_lowercase()>
                {s.completeness.label_vi()}
                // Whether "on time" is the server's word or the file's.
                {s.basis.map(|b| view! { <span class="basis">" (" {b.label_vi()} ")"</span> })}
            </td>
            <td data-testid="review-standing">{review}</td>
        </tr>
    }
}

/// The districts of before the 2025 reform whose communes this dataset's
/// units took over (empty for a dataset no reform led to).
static FORMER: LazyLock<FormerDistricts> =
    LazyLock::new(|| papi_core::catalogue::Catalogue::shipped().former_districts(&UNITS.id));

/// Two tiers: the communes by the district their predecessors were in.
#[component]
fn FormerDistrictOptions() -> impl IntoView {
    (!FORMER.districts.is_empty()).then(|| {
        view! {
            <optgroup label="Theo huyện cũ (trước 01/07/2025)">
                {FORMER.districts.iter().map(|(code, name)| view! {
                    <option value=format!("{}{code}", StatusFilter::FORMER)>{format!("{name} (cũ)")}</option>
                }).collect_view()}
            </optgroup>
        }
    })
}

/// The province's status filter.
#[derive(Debug, Clone, PartialEq, Eq)]
enum StatusFilter {
    All,
    /// A district (by code) and its communes.
    District(String),
    /// The units that took over communes of a district that the 2025
    /// reform ended (by its code in the earlier dataset).
    FormerDistrict(String),
    /// The province office and the provincial bodies.
    Bodies,
}

impl StatusFilter {
    /// The `<option>` value of `Bodies` ("" is all, `FORMER` and a code a
    /// former district, anything else a district's code).
    const BODIES: &'static str = "bodies";
    const FORMER: &'static str = "former:";

    fn parse(value: &str) -> StatusFilter {
        match value {
            "" => StatusFilter::All,
            StatusFilter::BODIES => StatusFilter::Bodies,
            v => match v.strip_prefix(StatusFilter::FORMER) {
                Some(d) => StatusFilter::FormerDistrict(d.to_string()),
                None => StatusFilter::District(v.to_string()),
            },
        }
    }

    /// Whether the filter lets a unit through.
    fn shows(&self, code: &str) -> bool {
        match self {
            StatusFilter::All => true,
            _ if UNITS.get(code).is_none() => false,
            StatusFilter::Bodies => UNITS.is_provincial(code),
            StatusFilter::District(d) => UNITS.district_of(code).is_some_and(|u| u.code == *d),
            StatusFilter::FormerDistrict(d) => FORMER.includes(code, d),
        }
    }
}

/// The commune-led tasks nobody in scope has acted on.
#[component]
fn UntouchedCard(rows: StoredValue<Rows>) -> impl IntoView {
    let app = use_app();
    let inbox = crate::inbox::use_inbox();
    let untouched = Memo::new(move |_| {
        let p = app.period.get();
        rows.with_value(|rows| {
            inbox.with_all_records(|all| {
                report::commune_tasks_without_activity(all.iter().copied(), &PLAN, &UNITS, rows, p)
                    .into_iter()
                    .map(|t| t.id.clone())
                    .collect::<Vec<_>>()
            })
        })
    });
    view! {
        <div class="card">
            <h3>"Nhiệm vụ cấp xã chủ trì chưa có hoạt động nào"</h3>
            {move || {
                let list = untouched.get();
                if list.is_empty() {
                    view! { <p>"Mọi nhiệm vụ cấp xã chủ trì đều đã có hoạt động."</p> }.into_any()
                } else {
                    view! {
                        <ul class="untouched" data-testid="untouched">
                            {list.into_iter().map(|id| {
                                let text = PLAN.task(&id).map(|t| t.items.join(" ")).unwrap_or_default();
                                view! { <li><strong>{id}</strong> " " {short(&text)}</li> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </div>
    }
}

/// Tasks of one row, then the activities of one task.
#[component]
fn Drill(
    row: usize,
    rows: StoredValue<Rows>,
    selected_task: RwSignal<Option<String>>,
) -> impl IntoView {
    let app = use_app();
    let inbox = crate::inbox::use_inbox();
    let code = rows.with_value(|r| r.codes[row].clone());
    let cells = move || {
        let p = app.period.get();
        rows.with_value(|rows| {
            inbox.with_all_records(|all| report::task_cells(all.iter().copied(), rows, row, p))
        })
    };
    // Shown below a long table: bring it into view, or the click seems to
    // do nothing.
    let here = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = here.get() {
            // Only as far as needed: the clicked row stays in view if it can.
            let opts = web_sys::ScrollIntoViewOptions::new();
            opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&opts);
        }
    });
    view! {
        <div class="drill" data-testid="drill" node_ref=here>
            <h4>{format!("{} theo nhiệm vụ", UNITS.name_or_code(&code))}</h4>
            <table class="grid">
                <thead><tr><th scope="col">"Nhiệm vụ"</th><th scope="col">"Số hoạt động"</th><th scope="col">"Gần nhất"</th></tr></thead>
                <tbody>
                    {move || {
                        let cells = cells();
                        PLAN.record_tasks().filter_map(|(t, retired)| {
                            let c = cells.get(&t.id).copied()?;
                            let id = t.id.clone();
                            let retired = retired.map(|v| format!(" (đến phiên bản {v})"));
                            Some(view! {
                                <tr>
                                    <th scope="row"><button class="link" on:click=move |_| selected_task.set(Some(id.clone()))>{t.id.clone()} " " {short(&t.items.join(" "))}<em>{retired}</em></button></th>
                                    <td>{c.count}</td>
                                    <td>{c.latest.map(format_vn).unwrap_or_default()}</td>
                                </tr>
                            })
                        }).collect_view()
                    }}
                </tbody>
            </table>
            {move || selected_task.get().map(|task| {
                let p = app.period.get();
                let list: Vec<(String, String, String, String)> = rows.with_value(|rows| inbox.with_all_records(|all| {
                    let mut v: Vec<&Activity> = all.iter().copied()
                        .filter(|a| !a.deleted && a.fields.task_id == task && p.contains(a.fields.date) && rows.row_of(&a.unit_code) == Some(row))
                        .collect();
                    v.sort_by_key(|a| (a.fields.date, a.id));
                    v.into_iter().map(|a| (format_vn(a.fields.date), UNITS.name_or_code(&a.unit_code), a.fields.title().to_string(), a.fields.status.label_vi().to_string())).collect()
                }));
                view! {
                    <h4>{format!("Hoạt động của nhiệm vụ {task}")}</h4>
                    <ol class="received-list" data-testid="drill-activities">
                        {list.into_iter().map(|(d, u, t, s)| view! { <li>{d} " · " {u} " · " <strong class="title">{t}</strong> " · " {s}</li> }).collect_view()}
                    </ol>
                }
            })}
        </div>
    }
}

/// The period in a file name: "2020", "2020-q2", "2020-h1".
pub fn period_slug(p: Period) -> String {
    match p {
        Period::Year(y) => y.to_string(),
        Period::Quarter(y, q) => format!("{y}-q{q}"),
        Period::Half(y, h) => format!("{y}-h{h}"),
    }
}
