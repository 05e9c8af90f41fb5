//! The first screen of a device that works for no unit yet, in today's
//! world: the province (any of the 34, searchable without accents), then
//! the role and the unit: a commune-level unit (xã, phường, đặc khu), the
//! province's Sở Nội vụ, or another provincial body. No district anywhere.
//! The 2020 Bắc Kạn plan stays reachable as history, by a named choice that
//! opens its own form (`setup::UnitForm` over the shipped plan's units).
//! An enrolment link names the province itself (`enrol::Enrolment`): the
//! screen opens on it, and nothing of another world is shown first.
//!
//! What is chosen is the device's `home`; the root then finds the
//! province's plan, or shows the way to it.

use gloo_storage::{SessionStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::plan_sheet::bodies_2025;
use papi_core::provinces::ProvinceEntry;
use papi_core::{Unit, Units};

use crate::app::use_app;
use crate::home::{self, Home};
use crate::ui::setup::{problem_name_vi, NameAndError, UnitPicker};
use crate::workspace;

/// The named choice of the 2020 history.
pub const HISTORY_2020: &str = "Kế hoạch 124/KH-UBND năm 2020 của tỉnh Bắc Kạn (trước sắp xếp)";

/// Where the first screen is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Province,
    /// The province's dataset is picked; the role and unit follow.
    Role(String),
    /// The 2020 history's own form.
    History,
}

impl Step {
    /// Where the screen opens: the enrolment link's province (or the 2020
    /// history, if its server serves that); the active plan's province when
    /// a 2025 plan is in use; else the province list.
    pub fn first(enrolled: Option<&str>) -> Step {
        // The first-visit build reads no plan: its device has none yet.
        if cfg!(feature = "first-visit") {
            return Step::Province;
        }
        if SessionStorage::get::<bool>(HISTORY_FLAG).is_ok() {
            SessionStorage::delete(HISTORY_FLAG);
            return Step::History;
        }
        let dataset = enrolled
            .map(str::to_string)
            .or_else(|| (!workspace::is_shipped()).then(|| workspace::PLAN.units.clone()));
        match dataset {
            Some(d) if d == workspace::PLAN.units && workspace::is_shipped() => Step::History,
            Some(d) if home::index().by_dataset(&d).is_some() => Step::Role(d),
            _ => Step::Province,
        }
    }
}

#[component]
pub fn FirstRun() -> impl IntoView {
    // Other plans (a file, the sync server) are offered with the first
    // screen: a plan chosen brings its own province.
    let known = crate::plan_fetch::use_known_plans();
    let several = move || {
        known.0.track();
        crate::workspace::choices().len() > 1
    };
    let enrolment = crate::ui::enrol::use_enrolment();
    let step = RwSignal::new(Step::first(enrolment.dataset().as_deref()));
    // A link's province, once its server has said which it is.
    Effect::watch(
        move || enrolment.dataset(),
        move |d, _, _| {
            if d.is_some() {
                step.set(Step::first(d.as_deref()));
            }
        },
        false,
    );
    view! {
        <main
            id="main"
            class="first-run"
            on:pointerdown=|_| crate::start::preload()
            on:focusin=|_| crate::start::preload()
        >
            {move || if enrolment.resolving() {
                view! {
                    <h1>"Theo dõi Kế hoạch nâng cao Chỉ số PAPI"</h1>
                    <p class="loading" role="status" data-testid="enrol-resolving">
                        "Đang mở liên kết đăng ký: hỏi máy chủ tỉnh, thành phố của đơn vị…"
                    </p>
                }.into_any()
            } else {
                view! {
                    <Show when=move || several() && step.with(|s| *s == Step::Province)>
                        {crate::ui::plans::plan_choices()}
                    </Show>
                    <Welcome step=step/>
                }.into_any()
            }}
        </main>
    }
}

/// The first-run form of the first-visit build (`crate::first_visit`).
#[component]
pub fn FirstVisit() -> impl IntoView {
    let step = RwSignal::new(Step::first(None));
    view! {
        <main id="main" class="first-run">
            <Welcome step=step/>
        </main>
    }
}

/// The whole first screen: `step` decides which part shows.
#[component]
pub fn Welcome(step: RwSignal<Step>) -> impl IntoView {
    move || match step.get() {
        Step::Province => view! { <ProvinceStep step=step/> }.into_any(),
        Step::Role(dataset) => view! { <RoleStep dataset=dataset step=step/> }.into_any(),
        Step::History if cfg!(feature = "first-visit") => ().into_any(),
        Step::History => view! { <HistoryStep step=step/> }.into_any(),
    }
}

/// "54 đơn vị: 22 xã, 30 phường, 2 đặc khu".
fn counts_vi(p: &ProvinceEntry) -> String {
    let mut parts = vec![format!("{} xã", p.xa), format!("{} phường", p.phuong)];
    if p.dac_khu > 0 {
        parts.push(format!("{} đặc khu", p.dac_khu));
    }
    format!("{} đơn vị cấp xã: {}", p.communes(), parts.join(", "))
}

#[component]
fn ProvinceStep(step: RwSignal<Step>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let shown = move || {
        query.with(|q| {
            home::index()
                .search(q)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let pick = move |dataset: String| {
        crate::platform::mark("papi-province-picked");
        step.set(Step::Role(dataset));
    };
    view! {
        <h1>"Theo dõi Kế hoạch nâng cao Chỉ số PAPI"</h1>
        <p class="lead">
            "Chọn tỉnh, thành phố rồi đơn vị của bạn một lần; mọi dữ liệu được lưu ngay trên máy này và dùng được cả khi không có mạng."
        </p>
        <div class="card" data-testid="province-picker">
            <div class="field">
                <label for="province-q">"Tìm tỉnh, thành phố"</label>
                <input id="province-q" type="search" placeholder="vd: quang ninh" autocomplete="off"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))/>
            </div>
            <ul class="province-list" aria-label="Tỉnh, thành phố">
                // A plain list, not `<For>`: the keyed diffing would weigh on
                // the first-visit build for 34 buttons.
                {move || shown().into_iter().map(|p| {
                    let dataset = p.dataset.clone();
                    view! {
                        <li>
                            <button type="button" class="choice-btn" data-dataset=p.dataset.clone()
                                on:click=move |_| pick(dataset.clone())>
                                <strong>{p.name.clone()}</strong>
                                <span class="muted">{counts_vi(&p)}</span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <Show when=move || shown().is_empty()>
                <p class="muted" role="status">"Không có tỉnh, thành phố nào khớp với từ tìm."</p>
            </Show>
        </div>
        <div class="card history">
            <h2>"Dữ liệu trước sắp xếp đơn vị hành chính"</h2>
            <p class="muted">"Chính quyền ba cấp (tỉnh, huyện, xã) trước ngày 01/07/2025: mở để xem và tiếp tục dữ liệu cũ."</p>
            <button type="button" class="btn" data-testid="history-2020"
                on:click=move |_| open_history(step)>{HISTORY_2020}</button>
        </div>
    }
}

/// The 2020 history is the shipped plan's workspace: opened here when it
/// is the active one, else after switching to it (the page starts again,
/// on this step). The first-visit build hands over to the app for it (its
/// form reads the shipped plan, which that build leaves out).
fn open_history(step: RwSignal<Step>) {
    if cfg!(feature = "first-visit") {
        let _ = SessionStorage::set(HISTORY_FLAG, true);
        crate::platform::hand_over_saying(Some(
            "Máy đang không có mạng nên chưa mở được dữ liệu năm 2020 của tỉnh Bắc Kạn; ứng dụng sẽ tự mở khi có mạng.",
        ));
    } else if workspace::is_shipped() {
        step.set(Step::History);
    } else if workspace::set_active(workspace::shipped_id()).is_ok() {
        let _ = SessionStorage::set(HISTORY_FLAG, true);
        let _ = crate::platform::window().location().reload();
    }
}

/// Set while the page restarts on the 2020 workspace for its form.
const HISTORY_FLAG: &str = "papi-tracker.first-run-history";

/// The dataset of the picked province, fetched if need be.
#[derive(Clone)]
enum Loading {
    Waiting,
    Failed(String),
    Ready(Units),
}

#[component]
fn RoleStep(dataset: String, step: RwSignal<Step>) -> impl IntoView {
    let entry = home::index().by_dataset(&dataset).cloned();
    let name = entry.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    let loading = RwSignal::new(Loading::Waiting);
    let attempt = RwSignal::new(0u32);
    let id = dataset.clone();
    Effect::new(move || {
        attempt.track();
        let id = id.clone();
        spawn_local(async move {
            loading.set(match home::fetch_dataset(&id).await {
                Ok(units) => Loading::Ready(units),
                Err(e) => Loading::Failed(e),
            });
        });
    });
    view! {
        <h1>"Theo dõi Kế hoạch nâng cao Chỉ số PAPI"</h1>
        <div class="card province-chosen">
            <p>"Tỉnh, thành phố: "<strong data-testid="province-chosen">{name}</strong></p>
            <button type="button" class="btn small" on:click=move |_| step.set(Step::Province)>
                "Đổi tỉnh, thành phố"
            </button>
        </div>
        {move || match loading.get() {
            Loading::Waiting => view! {
                <p class="loading" role="status">"Đang tải danh sách đơn vị cấp xã…"</p>
            }.into_any(),
            Loading::Failed(e) => view! {
                <div class="card error" role="alert">
                    <p>{format!("{}. Lần đầu chọn tỉnh cần có mạng.", papi_core::letterhead::upper_first(&e))}</p>
                    <button class="btn" on:click=move |_| attempt.update(|n| *n += 1)>"Thử lại"</button>
                </div>
            }.into_any(),
            Loading::Ready(units) => view! { <RoleForm units=units/> }.into_any(),
        }}
    }
}

/// The role a unit of 2025 has on the first screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Commune,
    /// Sở Nội vụ: makes and follows the plan.
    Office,
    /// Another department or office of the province.
    Body,
}

/// The province's bodies: its plan's, when the plan in use is of this
/// dataset; else those of Nghị định 45/2025/NĐ-CP.
fn bodies(units: &Units) -> Vec<Unit> {
    if !cfg!(feature = "first-visit") && workspace::PLAN.units == units.id {
        workspace::UNITS.bodies().cloned().collect()
    } else {
        bodies_2025(units)
    }
}

/// Role, unit and name for a 2025 province; saved as the device's home.
#[component]
fn RoleForm(units: Units) -> impl IntoView {
    let app = use_app();
    let kinds = units.commune_kinds_vi();
    let kinds_title = papi_core::letterhead::upper_first(&kinds);
    // What an empty commune choice is told.
    let unpicked = format!("Hãy chọn {kinds} của bạn.");
    let role = RwSignal::new(Role::Commune);
    let commune = RwSignal::new(String::new());
    let commune_q = RwSignal::new(String::new());
    let bodies = bodies(&units);
    let body = RwSignal::new(bodies.first().map(|b| b.code.clone()).unwrap_or_default());
    let official_name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let units = StoredValue::new(units);
    let communes = move || {
        let q = papi_core::search::Query::new(&commune_q.get());
        units.with_value(|u| {
            u.communes()
                .filter(|c| q.matches(&c.name))
                .map(|c| (c.code.clone(), c.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    Effect::new(move || crate::platform::mark("papi-communes-shown"));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (dataset, unit_code) = units.with_value(|u| {
            let code = match role.get_untracked() {
                Role::Commune => commune.get_untracked(),
                Role::Office => u.province_code.clone(),
                Role::Body => body.get_untracked(),
            };
            (u.id.clone(), code)
        });
        let official = papi_core::text::clean(
            official_name.get_untracked().trim(),
            false,
            crate::platform::nfc,
        );
        let problem = if unit_code.is_empty() {
            Some(unpicked.clone())
        } else {
            problem_name_vi(&official).map(str::to_string)
        };
        if let Some(p) = problem {
            error.set(Some(p));
            return;
        }
        let h = Home {
            dataset,
            unit_code,
            official_name: official,
        };
        match home::save(&h) {
            Ok(()) => {
                crate::platform::window().scroll_to_with_x_and_y(0.0, 0.0);
                app.home.set(Some(h));
            }
            Err(e) => error.set(Some(format!("Không lưu được: {e}"))),
        }
    };
    let role_option = move |value: Role, label: String| {
        view! {
            <label class="choice">
                <input type="radio" name="role" prop:checked=move || role.get() == value
                    on:change=move |_| role.set(value)/>
                {label}
            </label>
        }
    };
    let bodies = StoredValue::new(bodies);
    let body_options = move || {
        bodies.with_value(|bs| {
            bs.iter()
                .map(|b| {
                    let code = b.code.clone();
                    view! { <option value=code.clone() selected=move || body.get() == code>{b.name.clone()}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <form class="card unit-form" data-testid="role-form" on:submit=submit novalidate>
            <fieldset>
                <legend>"Vai trò"</legend>
                {role_option(Role::Commune, format!("Cán bộ cấp xã (UBND {kinds})"))}
                {role_option(Role::Office, "Sở Nội vụ (lập, theo dõi kế hoạch và tổng hợp toàn tỉnh)".into())}
                {role_option(Role::Body, "Sở, ban, ngành khác của tỉnh".into())}
            </fieldset>
            <Show when=move || role.get() == Role::Commune>
                <UnitPicker id="commune" search_label=format!("Tìm {kinds}") placeholder="vd: phu binh"
                    label=kinds_title.clone() query=commune_q selected=commune
                    options=Signal::derive(communes) on_pick=|| ()/>
            </Show>
            <Show when=move || role.get() == Role::Body>
                <div class="field">
                    <label for="body">"Cơ quan"</label>
                    <select id="body" on:change=move |ev| body.set(event_target_value(&ev))>
                        {body_options()}
                    </select>
                </div>
            </Show>
            <NameAndError official_name=official_name error=error/>
            <button type="submit" class="btn primary">"Lưu và bắt đầu"</button>
        </form>
    }
}

/// The 2020 history: its plan named, its own form (districts and all).
#[component]
fn HistoryStep(step: RwSignal<Step>) -> impl IntoView {
    view! {
        <h1>"Theo dõi Kế hoạch nâng cao Chỉ số PAPI"</h1>
        <p class="lead">
            "Kế hoạch số 124/KH-UBND ngày 10/03/2020 của UBND tỉnh Bắc Kạn (đơn vị hành chính trước ngày 01/07/2025). "
            "Chọn đơn vị của bạn một lần; mọi dữ liệu được lưu ngay trên máy này và dùng được cả khi không có mạng."
        </p>
        <button type="button" class="btn small" on:click=move |_| step.set(Step::Province)>
            "← Chọn tỉnh, thành phố hiện nay"
        </button>
        <crate::ui::setup::UnitForm/>
    }
}

/// Whether a home is the province's Sở Nội vụ (who makes the plan).
pub fn is_office(home: &Home) -> bool {
    home::index()
        .by_dataset(&home.dataset)
        .is_some_and(|p| p.province_code == home.unit_code)
}
