//! The plan builder (the province's Sở Nội vụ): download the template (the
//! task table as CSV, or the workbook), upload the filled CSV or workbook
//! (read by the XLSX worker), see every problem with its sheet, row and
//! column, and publish the plan: as a plan file, and on the sync server,
//! from which the communes receive it.
//!
//! A plan is made for one province's unit dataset (`Source`). Its template
//! is generic for a province of 2025 (`plan_sheet::template_2025`: the 8
//! dimensions, the 2025 departments, "UBND các xã, phường, đặc khu", the
//! province's name); the sheets left out of an upload come from it, so
//! nothing of another province's plan carries over. A new version of the
//! plan in use (the same id) starts from that plan instead.

use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::plan_sheet::{self, SheetProblem};
use papi_core::{Plan, Units};

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
    /// Starts from the template's details (or the plan in use's id, for a
    /// dataset with no template: the 2020 history).
    fn new(source: &Source) -> Info {
        let year = chrono::Datelike::year(&platform::today());
        let start = source.template.as_ref().or(source.current.as_ref());
        Info {
            id: RwSignal::new(start.map(|p| p.id.clone()).unwrap_or_default()),
            version: RwSignal::new(format!("{year}.1")),
            units: RwSignal::new(source.units.id.clone()),
            number: RwSignal::new(String::new()),
            date: RwSignal::new(papi_core::dates::format_vn(platform::today())),
            title: RwSignal::new(
                source
                    .template
                    .as_ref()
                    .map(|p| p.document.title.clone())
                    .unwrap_or_default(),
            ),
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
        // "Thái Nguyên" and whether it is a centrally-run city.
        let province = workspace::catalogue()
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

/// What a plan is made from: the province's unit dataset, its generic
/// template (2025 datasets), and the plan in use when it is of the same
/// dataset (for its new versions).
#[derive(Clone)]
pub struct Source {
    pub units: Units,
    pub template: Option<Plan>,
    pub current: Option<Plan>,
}

impl Source {
    /// For the province of `units`, this year.
    pub fn of(units: Units) -> Source {
        let year = chrono::Datelike::year(&platform::today());
        let template = units
            .two_tier()
            .then(|| plan_sheet::template_2025(&units, year));
        let current = (PLAN.units == units.id).then(|| PLAN.clone());
        Source {
            units,
            template,
            current,
        }
    }

    /// The plan the sheets left out come from: the plan in use for a new
    /// version of it (the same id), else the template.
    fn base(&self, plan_id: &str) -> Option<&Plan> {
        match &self.current {
            Some(c) if c.id == plan_id || self.template.is_none() => Some(c),
            _ => self.template.as_ref(),
        }
    }

    /// The template to download: the generic one, else the plan in use.
    fn template(&self) -> Option<&Plan> {
        self.template.as_ref().or(self.current.as_ref())
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
    source: &Source,
    plan_id: &str,
    info_apply: impl FnOnce(&mut Plan) -> Vec<String>,
) -> Result<Plan, Problems> {
    let sheet = plan_sheet::sheet_from_csv(csv).map_err(|p| vec![place(p)])?;
    build_sheets(&[sheet], source, plan_id, info_apply)
}

/// A workbook's sheets into a plan (sheets left out come from the base:
/// `Source::base` of the plan id typed); the details typed on the screen
/// are put on it.
pub fn build_sheets(
    sheets: &[plan_sheet::Sheet],
    source: &Source,
    plan_id: &str,
    info_apply: impl FnOnce(&mut Plan) -> Vec<String>,
) -> Result<Plan, Problems> {
    let base = source.base(plan_id);
    // The communes a task names are those of the province's dataset.
    let mut plan = plan_sheet::from_sheets(sheets, base, Some(&source.units))
        .map_err(|ps| ps.into_iter().map(place).collect::<Vec<_>>())?;
    let info = info_apply(&mut plan);
    // A new version of the plan in use keeps the tasks it drops.
    if let Some(current) = source.current.as_ref().filter(|c| c.id == plan.id) {
        plan_sheet::carry_retired(&mut plan, current);
    }
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
pub fn PlanBuilder(units: Units) -> impl IntoView {
    let notices = use_notices();
    let source = Source::of(units);
    let info = Info::new(&source);
    let built = RwSignal::new(Built::Nothing);
    let source = StoredValue::new(source);
    let download_csv = move |plan: Plan, name: String| {
        if let Err(e) = platform::download(
            &name,
            "text/csv;charset=utf-8",
            &plan_sheet::tasks_csv(&plan),
        ) {
            notices.notify(format!("Không tải được tệp mẫu: {e}"), true, None);
        }
    };
    let template = move |_| {
        if let Some(t) = source.with_value(|s| s.template().cloned()) {
            let name = format!("mau-ke-hoach-{}.csv", t.id);
            download_csv(t, name);
        }
    };
    let template_xlsx = move |_| {
        if let Some(t) = source.with_value(|s| s.template().cloned()) {
            spawn_local(template_workbook(t, notices));
        }
    };
    // A new version of the plan in use starts from its own tasks.
    let current_csv = source.with_value(|s| {
        s.current.clone().filter(|_| s.template.is_some()).map(|c| {
            let name = format!("bang-nhiem-vu-{}-{}.csv", c.id, c.version);
            view! {
                <button class="btn" on:click=move |_| download_csv(c.clone(), name.clone())>
                    "Tải bảng nhiệm vụ của kế hoạch đang dùng (CSV)"
                </button>
            }
        })
    });
    let picked = move |ev: leptos::ev::Event| {
        let files = crate::inbox::picked_files(&ev);
        spawn_local(async move {
            let Some(f) = crate::inbox::read_files(files).await.into_iter().next() else {
                return;
            };
            let started = platform::now();
            let name = f.name.clone();
            let failed = |e: String| vec![(name.clone(), e)];
            let plan_id = info.id.get_untracked().trim().to_string();
            let source = source.get_value();
            let result = match f.bytes {
                Err(e) => Err(failed(e)),
                Ok(b) if f.name.to_lowercase().ends_with(".xlsx") => {
                    match crate::xlsx::read_workbook(&b).await {
                        Ok(sheets) => build_sheets(&sheets, &source, &plan_id, |p| info.apply(p)),
                        Err(e) => Err(failed(e)),
                    }
                }
                Ok(b) => match String::from_utf8(b) {
                    Ok(t) => build(&t, &source, &plan_id, |p| info.apply(p)),
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
    let province = source.with_value(|s| {
        s.units
            .province()
            .map(|p| p.name.clone())
            .unwrap_or_default()
    });
    view! {
        <div class="plan-builder">
            <p>{format!(
                "1. Tải tệp mẫu của {province}: 8 chỉ số nội dung PAPI, các chỉ tiêu thành phần, mỗi chỉ tiêu một nhiệm vụ ví dụ. \
    Sửa, thêm, bớt nhiệm vụ trong Excel rồi lưu (CSV hoặc .xlsx)."
            )}</p>
            <p class="muted">{plan_sheet::AGENCY_HELP_VI}</p>
            <div class="form-actions">
                <button class="btn" on:click=template>"Tải mẫu (CSV)"</button>
                <button class="btn" on:click=template_xlsx>"Tải mẫu (Excel)"</button>
                {current_csv}
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
async fn template_workbook(template: Plan, notices: Notices) {
    use papi_core::report::{Sheet, SheetCell};
    let sheets: Vec<Sheet> = plan_sheet::to_sheets(&template)
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
    let name = format!("mau-ke-hoach-{}.xlsx", template.id);
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
    let dataset = info.units.get_untracked();
    let dataset_vi = workspace::catalogue()
        .dataset(&dataset)
        .map(|u| {
            let name = u.province().map(|p| p.name.clone()).unwrap_or_default();
            let tiers = if u.two_tier() {
                "hai cấp"
            } else {
                "ba cấp"
            };
            format!(
                "{name} ({} đơn vị cấp xã, chính quyền {tiers})",
                u.communes().count()
            )
        })
        .unwrap_or(dataset);
    view! {
        {field("plan-number", "Số văn bản", info.number)}
        {field("plan-date", "Ngày ban hành (dd/mm/yyyy)", info.date)}
        {field("plan-title", "Tên kế hoạch", info.title)}
        {field("plan-id", "Mã kế hoạch", info.id)}
        {field("plan-version", "Phiên bản", info.version)}
        <p class="muted" data-testid="plan-units">"Đơn vị hành chính: "{dataset_vi}</p>
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
    // Once published, the province works in the plan's workspace (its
    // choice of the first screen is that workspace's settings).
    let enter = move || {
        let id = plan.with_value(|p| p.id.clone());
        (id != workspace::active_id()).then(|| {
            view! {
                <button class="btn primary" data-testid="enter-plan"
                    on:click=move |_| if let Err(e) = workspace::switch_to(&id) {
                        notices.notify(format!("Không chuyển được kế hoạch: {e}"), true, None);
                    }>
                    "Bắt đầu theo dõi kế hoạch này"
                </button>
            }
        })
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
            {move || outcome.get().is_some().then(enter)}
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

    fn thai_nguyen() -> Source {
        Source::of(Units::from_json(papi_core::THAI_NGUYEN_UNITS_2025).unwrap())
    }

    #[wasm_bindgen_test]
    fn every_problem_has_its_place_and_a_good_csv_makes_a_plan() {
        let source = thai_nguyen();
        let template = source
            .template
            .clone()
            .expect("a 2025 dataset has a template");
        assert!(
            source.current.is_none(),
            "the 2020 plan is not Thái Nguyên's"
        );
        let csv = plan_sheet::tasks_csv(&template);
        let plan =
            build(&csv, &source, "builder-test-2026", details).expect("the template reads back");
        assert_eq!(plan.tasks().count(), 27);
        assert_eq!(plan.units, "thai-nguyen-2025");
        // Nothing of Bắc Kạn's plan: its agencies are the template's.
        assert_eq!(plan.agencies, template.agencies);
        assert!(plan.agency("so-tnmt").is_none());
        // A lead agency nobody knows, on the second task (row 3, column G).
        let mut sheet = plan_sheet::sheet_from_csv(&csv).unwrap();
        sheet.rows[2][6] = "Sở Không Có Thật".into();
        let bad =
            papi_core::report::csv(&plan_sheet::TASK_COLUMNS, sheet.rows[1..].iter().cloned());
        let problems = build(&bad, &source, "builder-test-2026", details).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|(place, _)| place == "Nhiệm vụ, dòng 3, cột G"),
            "{problems:?}"
        );
        // Details refused before the plan is made.
        let problems =
            build(&csv, &source, "x", |_| vec!["Số văn bản: chưa nhập".into()]).unwrap_err();
        assert_eq!(problems[0].0, "Thông tin kế hoạch");
        // A dataset this build lacks.
        let problems = build(&csv, &source, "x", |p| {
            details(p);
            p.units = "ha-noi-2030".into();
            vec![]
        })
        .unwrap_err();
        assert!(problems[0].1.contains("ha-noi-2030"), "{problems:?}");
    }

    #[wasm_bindgen_test]
    fn the_2020_history_builds_new_versions_of_its_plan() {
        let source = Source::of(crate::workspace::UNITS.clone());
        assert!(source.template.is_none(), "three tiers: no 2025 template");
        let csv = plan_sheet::tasks_csv(&PLAN);
        let plan = build(&csv, &source, &PLAN.id, |p| {
            p.version = "2026.1".into();
            vec![]
        })
        .expect("the plan in use reads back");
        assert_eq!(plan.tasks().count(), PLAN.tasks().count());
        assert_eq!(plan.agencies, PLAN.agencies);
    }
}
