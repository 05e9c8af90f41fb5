//! The plan builder (the province only): download the template (the task
//! table as CSV, or the workbook), upload the filled CSV or workbook (read
//! by the XLSX worker), see every problem
//! with its sheet, row and column, and publish the plan: as a plan file,
//! and on the sync server, from which the communes receive it. The sheets
//! left out (agencies, roles, other sections) come from the active plan.

use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::plan_sheet::{self, SheetProblem};
use papi_core::Plan;

use crate::notices::{use_notices, Notices};
use crate::plan_fetch::{self, use_known_plans};
use crate::platform;
use crate::workspace;
use crate::workspace::PLAN;

/// The document's details typed on the screen (the "Thông tin" sheet).
#[derive(Clone, Copy)]
struct Info {
    id: RwSignal<String>,
    version: RwSignal<String>,
    units: RwSignal<String>,
    number: RwSignal<String>,
    date: RwSignal<String>,
    title: RwSignal<String>,
}

impl Info {
    /// Starts from the newest unit dataset (today's units) and this year.
    fn new() -> Info {
        let year = chrono::Datelike::year(&platform::today());
        let catalogue = workspace::catalogue();
        let newest = catalogue.datasets().last();
        let province = newest
            .and_then(|u| u.province().map(|p| u.place_name(p)))
            .unwrap_or_default();
        let slug = papi_core::search::fold(&province).replace(' ', "-");
        Info {
            id: RwSignal::new(format!("{slug}-papi-{year}")),
            version: RwSignal::new(format!("{year}.1")),
            units: RwSignal::new(newest.map(|u| u.id.clone()).unwrap_or_default()),
            number: RwSignal::new(String::new()),
            date: RwSignal::new(papi_core::dates::format_vn(platform::today())),
            title: RwSignal::new(String::new()),
        }
    }

    /// Put the details on a plan read from the sheets; problems in Vietnamese.
    fn apply(&self, plan: &mut Plan) -> Vec<String> {
        let mut problems = vec![];
        let get = |s: RwSignal<String>| s.get_untracked().trim().to_string();
        let id = get(self.id);
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            problems.push("Mã kế hoạch: chỉ gồm chữ thường không dấu, số và dấu gạch (vd: thai-nguyen-papi-2026)".into());
        }
        let version = get(self.version);
        if version.is_empty() {
            problems.push("Phiên bản: chưa nhập".into());
        }
        let number = get(self.number);
        if number.is_empty() {
            problems.push("Số văn bản: chưa nhập (vd: 45/KH-UBND)".into());
        }
        let title = get(self.title);
        if title.is_empty() {
            problems.push("Tên kế hoạch: chưa nhập".into());
        }
        let date = papi_core::dates::parse_vn(&get(self.date));
        if date.is_none() {
            problems.push("Ngày ban hành: phải có dạng dd/mm/yyyy".into());
        }
        let units_id = get(self.units);
        let catalogue = workspace::catalogue();
        // "Thái Nguyên" and whether it is a centrally-run city.
        let province = catalogue
            .dataset(&units_id)
            .and_then(|u| u.province().map(|p| (u.place_name(p), u.is_city())));
        if province.is_none() {
            problems.push(format!(
                "Danh mục đơn vị \"{units_id}\": ứng dụng không có danh mục này"
            ));
        }
        if !problems.is_empty() {
            return problems;
        }
        let (place, city) = province.unwrap_or_default();
        plan.id = id;
        plan.version = version;
        plan.units = units_id;
        plan.document.number = number;
        plan.document.date = date.unwrap_or(plan.document.date);
        let kind = if city { "thành phố" } else { "tỉnh" };
        plan.document.issuer = format!("Ủy ban nhân dân {kind} {place}");
        plan.document.place = place;
        plan.document.title_verbatim = title.to_uppercase();
        plan.document.title = title;
        problems
    }
}

/// What the upload gave.
#[derive(Clone)]
enum Built {
    Nothing,
    Problems(Vec<(String, String)>),
    Ready(Box<Plan>),
}

type Problems = Vec<(String, String)>;

fn place(p: SheetProblem) -> (String, String) {
    (p.place_vi(), p.message_vi)
}

/// Read a filled CSV into a plan: problems with their places, or the plan.
pub fn build(
    csv: &str,
    info_apply: impl FnOnce(&mut Plan) -> Vec<String>,
) -> Result<Plan, Problems> {
    let sheet = plan_sheet::sheet_from_csv(csv).map_err(|p| vec![place(p)])?;
    build_sheets(&[sheet], info_apply)
}

/// A workbook's sheets into a plan (sheets left out come from the active
/// plan); the details typed on the screen are put on it.
pub fn build_sheets(
    sheets: &[plan_sheet::Sheet],
    info_apply: impl FnOnce(&mut Plan) -> Vec<String>,
) -> Result<Plan, Problems> {
    // The communes a task names are looked up in the newest dataset, the
    // one the details start from (`Info::new`); `add_plan` below checks
    // them against the dataset chosen.
    let known = workspace::catalogue();
    let mut plan = plan_sheet::from_sheets(sheets, Some(&PLAN), known.datasets().last())
        .map_err(|ps| ps.into_iter().map(place).collect::<Vec<_>>())?;
    let info = info_apply(&mut plan);
    // The id typed on the screen decides whether this is a new version of
    // the plan in use (keeping the tasks it drops) or a plan of its own.
    plan_sheet::carry_retired(&mut plan, &PLAN);
    if !info.is_empty() {
        return Err(info
            .into_iter()
            .map(|m| ("Thông tin kế hoạch".to_string(), m))
            .collect());
    }
    let mut catalogue = workspace::catalogue();
    catalogue
        .add_plan(plan.clone())
        .map_err(|e| vec![("Kế hoạch".to_string(), e.message_vi())])?;
    Ok(plan)
}

#[component]
pub fn PlanBuilder() -> impl IntoView {
    let notices = use_notices();
    let info = Info::new();
    let built = RwSignal::new(Built::Nothing);
    let template = move |_| {
        let name = format!("mau-ke-hoach-{}.csv", PLAN.id);
        if let Err(e) = platform::download(
            &name,
            "text/csv;charset=utf-8",
            &plan_sheet::tasks_csv(&PLAN),
        ) {
            notices.notify(format!("Không tải được tệp mẫu: {e}"), true, None);
        }
    };
    let template_xlsx = move |_| spawn_local(template_workbook(notices));
    let picked = move |ev: leptos::ev::Event| {
        let files = crate::inbox::picked_files(&ev);
        spawn_local(async move {
            let Some(f) = crate::inbox::read_files(files).await.into_iter().next() else {
                return;
            };
            let started = platform::now();
            let name = f.name.clone();
            let failed = |e: String| vec![(name.clone(), e)];
            let result = match f.bytes {
                Err(e) => Err(failed(e)),
                Ok(b) if f.name.to_lowercase().ends_with(".xlsx") => {
                    match crate::xlsx::read_workbook(&b).await {
                        Ok(sheets) => build_sheets(&sheets, |p| info.apply(p)),
                        Err(e) => Err(failed(e)),
                    }
                }
                Ok(b) => match String::from_utf8(b) {
                    Ok(t) => build(&t, |p| info.apply(p)),
                    Err(_) => Err(failed("tệp không phải CSV dạng UTF-8".into())),
                },
            };
            built.set(match result {
                Ok(plan) => Built::Ready(Box::new(plan)),
                Err(problems) => Built::Problems(problems),
            });
            let ms = (platform::now() - started).num_milliseconds();
            web_sys::console::log_1(&format!("plan-import-ms {ms}").into());
        });
    };
    view! {
        <div class="plan-builder">
            <p>"1. Tải tệp mẫu (bảng nhiệm vụ của kế hoạch đang dùng), sửa trong Excel rồi lưu dạng CSV."</p>
            <div class="form-actions">
                <button class="btn" on:click=template>"Tải mẫu (CSV)"</button>
                <button class="btn" on:click=template_xlsx>"Tải mẫu (Excel)"</button>
            </div>
            <p>"2. Thông tin văn bản:"</p>
            <InfoFields info=info/>
            <p>"3. Chọn tệp đã điền (CSV, hoặc Excel .xlsx theo mẫu); thông tin văn bản ở trên được dùng cho kế hoạch:"</p>
            <label class="btn">
                "Chọn tệp CSV hoặc Excel"
                <input type="file" accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" class="visually-hidden"
                    data-testid="plan-csv" on:change=picked/>
            </label>
            <BuildResult built=built/>
        </div>
    }
}

/// The template as a workbook (every sheet of `plan_sheet::to_sheets`),
/// written by the XLSX worker.
async fn template_workbook(notices: Notices) {
    use papi_core::report::{Sheet, SheetCell};
    let sheets: Vec<Sheet> = plan_sheet::to_sheets(&PLAN)
        .into_iter()
        .map(|s| {
            let mut rows = s.rows.into_iter();
            Sheet {
                name: s.name,
                title: None,
                header: rows.next().unwrap_or_default(),
                rows: rows
                    .map(|r| r.into_iter().map(SheetCell::Text).collect())
                    .collect(),
                widths: vec![(2, 60.0), (3, 40.0), (4, 40.0)],
            }
        })
        .collect();
    let name = format!("mau-ke-hoach-{}.xlsx", PLAN.id);
    let result = crate::xlsx::workbook(&sheets).await.and_then(|bytes| {
        platform::download_bytes(
            &name,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &bytes,
        )
    });
    if let Err(e) = result {
        notices.notify(format!("Không tạo được tệp Excel mẫu: {e}"), true, None);
    }
}

#[component]
fn InfoFields(info: Info) -> impl IntoView {
    let field = move |id: &'static str, label: &'static str, value: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="text" prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        }
    };
    let datasets: Vec<(String, String)> = workspace::catalogue()
        .datasets()
        .iter()
        .map(|u| {
            let name = u.province().map(|p| p.name.clone()).unwrap_or_default();
            let tiers = if u.two_tier() {
                "hai cấp"
            } else {
                "ba cấp"
            };
            (u.id.clone(), format!("{name} ({}, {tiers})", u.id))
        })
        .collect();
    view! {
        {field("plan-number", "Số văn bản", info.number)}
        {field("plan-date", "Ngày ban hành (dd/mm/yyyy)", info.date)}
        {field("plan-title", "Tên kế hoạch", info.title)}
        {field("plan-id", "Mã kế hoạch", info.id)}
        {field("plan-version", "Phiên bản", info.version)}
        <div class="field">
            <label for="plan-units">"Danh mục đơn vị hành chính"</label>
            <select id="plan-units" on:change=move |ev| info.units.set(event_target_value(&ev))>
                {datasets.into_iter().map(|(id, label)| {
                    let selected = id == info.units.get_untracked();
                    view! { <option value=id selected=selected>{label}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn BuildResult(built: RwSignal<Built>) -> impl IntoView {
    move || match built.get() {
        Built::Nothing => ().into_any(),
        Built::Problems(problems) => view! {
            <div class="error" role="alert" data-testid="plan-problems">
                <p>{format!("Tệp có {} lỗi, chưa lập được kế hoạch:", problems.len())}</p>
                <ul>
                    {problems.into_iter().map(|(place, message)| view! {
                        <li><strong>{place}</strong>": "{message}</li>
                    }).collect_view()}
                </ul>
            </div>
        }
        .into_any(),
        Built::Ready(plan) => view! { <Publish plan=*plan/> }.into_any(),
    }
}

#[component]
fn Publish(plan: Plan) -> impl IntoView {
    let notices = use_notices();
    let known = use_known_plans();
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let tasks = plan.tasks().count();
    // A new version of the active plan keeps the tasks it dropped, for
    // their records: say which, so a dropped row is never a surprise.
    let retired: Vec<String> = plan
        .retired_tasks()
        .map(|(_, r)| format!("{} (đến phiên bản {})", r.task.id, r.last_version))
        .collect();
    let retired = (!retired.is_empty()).then(|| view! {
        <p data-testid="plan-retired">{format!(
            "{} nhiệm vụ của phiên bản trước không còn trong kế hoạch này: {}. Các hoạt động đã ghi cho chúng vẫn được giữ, xem được và tính vào chỉ tiêu cũ; không ghi thêm được.",
            retired.len(), retired.join(", "))}</p>
    });
    let label = workspace::label_vi(&plan);
    let text = plan.to_json();
    let file_name = format!("ke-hoach-{}-{}.json", plan.id, plan.version);
    let plan = StoredValue::new(plan);
    let publish = move |_| {
        let text = text.clone();
        let file_name = file_name.clone();
        let plan = plan.get_value();
        spawn_local(async move {
            match workspace::add(&text) {
                Ok(_) => known.changed(),
                Err(e) => {
                    outcome.set(Some(Err(e)));
                    return;
                }
            }
            if let Err(e) = platform::download(&file_name, "application/json", &text) {
                notices.notify(format!("Không tải được tệp kế hoạch: {e}"), true, None);
            }
            let s = crate::sync::settings_for(&plan);
            let result = if s.is_set() {
                plan_fetch::publish(&s, &text).await
            } else {
                Ok(
                    "đã tải tệp kế hoạch; chưa cài máy chủ đồng bộ nên chưa đăng lên máy chủ"
                        .into(),
                )
            };
            outcome.set(Some(result));
        });
    };
    view! {
        <div class="ok" data-testid="plan-ready">
            <p>{format!("Kế hoạch hợp lệ: {label}, {tasks} nhiệm vụ.")}</p>
            {retired}
            <button class="btn primary" on:click=publish>"Công bố kế hoạch"</button>
            {move || outcome.get().map(|r| match r {
                Ok(m) => view! { <p data-testid="publish-outcome">{format!("Đã công bố: {m}.")}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert" data-testid="publish-outcome">{format!("Chưa công bố được: {e}.")}</p> }.into_any(),
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn details(plan: &mut Plan) -> Vec<String> {
        plan.id = "builder-test-2026".into();
        plan.version = "2026.1".into();
        plan.units = "thai-nguyen-2025".into();
        vec![]
    }

    #[wasm_bindgen_test]
    fn every_problem_has_its_place_and_a_good_csv_makes_a_plan() {
        let csv = plan_sheet::tasks_csv(&PLAN);
        let plan = build(&csv, details).expect("the template reads back");
        assert_eq!(plan.tasks().count(), PLAN.tasks().count());
        assert_eq!(plan.units, "thai-nguyen-2025");
        // A lead agency nobody knows, on the second task (row 3, column G).
        let mut sheet = plan_sheet::sheet_from_csv(&csv).unwrap();
        sheet.rows[2][6] = "Sở Không Có Thật".into();
        let bad =
            papi_core::report::csv(&plan_sheet::TASK_COLUMNS, sheet.rows[1..].iter().cloned());
        let problems = build(&bad, details).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|(place, _)| place == "Nhiệm vụ, dòng 3, cột G"),
            "{problems:?}"
        );
        // Details refused before the plan is made.
        let problems = build(&csv, |_| vec!["Số văn bản: chưa nhập".into()]).unwrap_err();
        assert_eq!(problems[0].0, "Thông tin kế hoạch");
        // A dataset this build lacks.
        let problems = build(&csv, |p| {
            details(p);
            p.units = "ha-noi-2030".into();
            vec![]
        })
        .unwrap_err();
        assert!(problems[0].1.contains("ha-noi-2030"), "{problems:?}");
    }
}
