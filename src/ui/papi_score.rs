//! "Điểm PAPI của tỉnh": the province's PAPI results by year, beside the
//! plan's progress in each dimension (the score the plan aims to raise).
//! The Sở Nội vụ types a year or imports a sheet (CSV or XLSX, the columns
//! of `papi_score::COLUMNS`); every year names its source. Kept on this
//! device, per unit dataset (`papi-tracker.papi-scores.<dataset>`).

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::papi_score::{from_sheet, Scores, YearScore, COLUMNS, DIMENSIONS};

use crate::platform;
use crate::workspace::PLAN;

fn key() -> String {
    format!("papi-tracker.papi-scores.{}", PLAN.units)
}

pub fn load() -> Scores {
    LocalStorage::get(key()).unwrap_or_default()
}

fn save(s: &Scores) -> Result<(), String> {
    LocalStorage::set(key(), s).map_err(|e| format!("không lưu được trên máy này: {e}"))
}

/// The card: the years kept, the plan's progress per dimension
/// (`progress`: tasks with activity and tasks, dimension 1 to 8, in the
/// period shown), and the ways to add a year.
#[component]
pub fn PapiScoreCard(progress: Signal<Vec<(usize, usize)>>) -> impl IntoView {
    let scores = RwSignal::new(load());
    let problems = RwSignal::new(Vec::<String>::new());
    let keep = move |years: Vec<YearScore>| {
        let mut next = scores.get_untracked();
        let mut errs = Vec::new();
        for y in years {
            if let Err(e) = next.put(y) {
                errs.push(e);
            }
        }
        if errs.is_empty() {
            match save(&next) {
                Ok(()) => scores.set(next),
                Err(e) => errs.push(e),
            }
        }
        problems.set(errs);
    };
    view! {
        <div class="card" data-testid="papi-scores">
            <h3>"Điểm PAPI của tỉnh theo năm"</h3>
            <p class="muted">"Số liệu lấy từ báo cáo PAPI công bố hằng năm; mỗi năm ghi rõ nguồn. Dòng cuối: tiến độ của kế hoạch trong kỳ đang xem (nhiệm vụ đã có hoạt động / số nhiệm vụ) theo từng nội dung."</p>
            <ScoreTable scores=scores progress=progress/>
            <YearForm keep=keep problems=problems/>
            <ScoreImport keep=keep problems=problems/>
            <Show when=move || !problems.with(Vec::is_empty)>
                <div class="error" role="alert" data-testid="papi-score-problems">
                    <p>"Chưa lưu, vì:"</p>
                    <ul>{move || problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                </div>
            </Show>
        </div>
    }
}

#[component]
fn ScoreTable(scores: RwSignal<Scores>, progress: Signal<Vec<(usize, usize)>>) -> impl IntoView {
    let dims = move || {
        (1..=DIMENSIONS)
            .map(|d| view! { <th scope="col" title=dim_name(d)>{d}</th> })
            .collect_view()
    };
    view! {
        <div class="table-wrap">
            <table class="grid" data-testid="papi-score-table">
                <thead><tr><th scope="col">"Năm"</th><th scope="col">"Tổng điểm"</th>{dims}<th scope="col">"Xếp hạng"</th><th scope="col">"Nguồn"</th></tr></thead>
                <tbody>
                    {move || scores.with(|s| s.0.values().rev().map(|y| {
                        let rank = y.rank.zip(y.of).map(|(r, n)| format!("{r}/{n}")).unwrap_or_default();
                        view! {
                            <tr data-year=y.year>
                                <th scope="row">{y.year}</th><td>{fmt(y.total)}</td>
                                {y.dimensions.iter().map(|d| view! { <td>{fmt(*d)}</td> }).collect_view()}
                                <td>{rank}</td><td>{y.source.clone()}</td>
                            </tr>
                        }
                    }).collect_view())}
                    <tr class="progress" data-testid="papi-plan-progress">
                        <th scope="row" colspan="2">"Kế hoạch (kỳ đang xem)"</th>
                        {move || progress.get().into_iter().map(|(w, t)| view! { <td>{format!("{w}/{t}")}</td> }).collect_view()}
                        <td colspan="2"></td>
                    </tr>
                </tbody>
            </table>
        </div>
    }
}

/// The plan's name of dimension `d` (1 to 8).
fn dim_name(d: usize) -> String {
    PLAN.dimensions
        .get(d - 1)
        .map(|x| x.name.clone())
        .unwrap_or_default()
}

/// "18,52": as Vietnamese documents write decimals.
fn fmt(x: f64) -> String {
    papi_core::papi_score::format_score(x)
}

/// One year, typed.
#[component]
fn YearForm(
    keep: impl Fn(Vec<YearScore>) + Copy + 'static,
    problems: RwSignal<Vec<String>>,
) -> impl IntoView {
    let fields: Vec<RwSignal<String>> = (0..COLUMNS.len())
        .map(|_| RwSignal::new(String::new()))
        .collect();
    let fields = StoredValue::new(fields);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let row: Vec<String> = fields.with_value(|f| f.iter().map(|s| s.get_untracked()).collect());
        let sheet = papi_core::plan_sheet::Sheet {
            name: "PAPI".into(),
            rows: vec![COLUMNS.iter().map(|c| c.to_string()).collect(), row],
        };
        match from_sheet(&sheet) {
            Ok(years) => keep(years),
            // The form is one row: its "dòng 2: " would not help here.
            Err(p) => problems.set(
                p.into_iter()
                    .map(|s| s.strip_prefix("dòng 2: ").map(str::to_string).unwrap_or(s))
                    .collect(),
            ),
        }
    };
    view! {
        <form class="score-form" on:submit=submit novalidate data-testid="papi-score-form">
            <fieldset>
                <legend>"Nhập điểm một năm"</legend>
                {fields.with_value(|f| f.iter().enumerate().map(|(i, s)| {
                    let s = *s;
                    let id = format!("papi-col-{i}");
                    let label = match i {
                        2..=9 => format!("Nội dung {}", i - 1),
                        _ => COLUMNS[i].to_string(),
                    };
                    view! {
                        <div class="field">
                            <label for=id.clone()>{label}</label>
                            <input id=id inputmode=if i == 12 { "text" } else { "decimal" }
                                prop:value=move || s.get() on:input=move |ev| s.set(event_target_value(&ev))/>
                        </div>
                    }
                }).collect_view())}
            </fieldset>
            <button type="submit" class="btn">"Lưu năm này"</button>
        </form>
    }
}

/// A sheet of years (CSV or XLSX), and its template.
#[component]
fn ScoreImport(
    keep: impl Fn(Vec<YearScore>) + Copy + 'static,
    problems: RwSignal<Vec<String>>,
) -> impl IntoView {
    let picked = move |ev: leptos::ev::Event| {
        let files = crate::inbox::picked_files(&ev);
        spawn_local(async move {
            let Some(f) = crate::inbox::read_files(files).await.into_iter().next() else {
                return;
            };
            let sheet = match f.bytes {
                Err(e) => Err(e),
                Ok(b) if f.name.to_lowercase().ends_with(".xlsx") => {
                    crate::xlsx::read_workbook(&b).await.and_then(|s| {
                        s.into_iter()
                            .next()
                            .ok_or_else(|| "tệp Excel không có trang tính".into())
                    })
                }
                Ok(b) => String::from_utf8(b)
                    .map_err(|_| "tệp không phải CSV dạng UTF-8".to_string())
                    .and_then(|t| {
                        papi_core::plan_sheet::sheet_from_csv(&t).map_err(|p| p.message_vi)
                    }),
            };
            match sheet
                .map_err(|e| vec![format!("{}: {e}", f.name)])
                .and_then(|s| from_sheet(&s))
            {
                Ok(years) => keep(years),
                Err(p) => problems.set(p),
            }
        });
    };
    let template = move |_| {
        let text = format!("\u{feff}{}\r\n", COLUMNS.join(","));
        let _ = platform::download("mau-diem-papi.csv", "text/csv;charset=utf-8", &text);
    };
    view! {
        <div class="field">
            <label for="papi-score-file">"Hoặc nhập từ bảng tính (CSV hoặc Excel, các cột như tệp mẫu)"</label>
            <input id="papi-score-file" type="file" accept=".csv,.xlsx" on:change=picked/>
            <button type="button" class="btn small" on:click=template>"Tải mẫu (CSV)"</button>
        </div>
    }
}
