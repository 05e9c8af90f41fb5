//! "Kế hoạch": the plan this device works on, the other plans it knows (from
//! a file, from the sync server, made by the province) and switching
//! between them; each plan is a workspace with its own data. The province
//! also makes plans here (`plan_builder`, rendered only when opened).

use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::{Level, Plan};

use crate::app::use_app;
use crate::plan_fetch::use_known_plans;
use crate::workspace;
use crate::workspace::PLAN;

fn dataset_vi(plan: &Plan) -> String {
    let catalogue = workspace::catalogue();
    match catalogue.dataset(&plan.units) {
        Some(u) => {
            let province = u.province().map(|p| p.name.clone()).unwrap_or_default();
            let tiers = if u.two_tier() {
                "hai cấp: tỉnh, xã"
            } else {
                "ba cấp: tỉnh, huyện, xã"
            };
            format!(
                "{province}, {} đơn vị cấp xã, chính quyền {tiers}",
                u.communes().count()
            )
        }
        None => plan.units.clone(),
    }
}

/// Whether a plan besides the shipped one is known (reactive).
pub fn several_known() -> bool {
    use_known_plans().0.track();
    workspace::choices().len() > 1
}

/// On Cài đặt: the plan in use, and the way to the plans screen.
#[component]
pub fn PlanCard() -> impl IntoView {
    let app = use_app();
    view! {
        <div class="card">
            <h3>"Kế hoạch"</h3>
            <p>{workspace::label_vi(&PLAN)}</p>
            <button class="btn" data-testid="open-plans" on:click=move |_| app.screen.set(crate::app::Screen::Plans)>
                "Các kế hoạch (thêm, chuyển, lập kế hoạch mới)"
            </button>
        </div>
    }
}

#[component]
pub fn PlansPage() -> impl IntoView {
    let app = use_app();
    let province = move || {
        app.settings
            .with(|s| s.as_ref().is_some_and(|s| s.level() == Level::Province))
    };
    let building = RwSignal::new(false);
    view! {
        <section class="plans">
            <h2>"Các kế hoạch"</h2>
            <div class="card">
                <h3>"Kế hoạch đang dùng"</h3>
                <p data-testid="active-plan">{workspace::label_vi(&PLAN)}</p>
                <p class="muted">"Đơn vị hành chính: "{dataset_vi(&PLAN)}</p>
            </div>
            <PlanChoices/>
            <PlanFileImport/>
            <Show when=province>
                <div class="card">
                    <h3>"Lập kế hoạch mới từ bảng tính"</h3>
                    {move || if building.get() {
                        let units = workspace::catalogue().dataset(&PLAN.units).cloned()
                            .unwrap_or_else(|| crate::workspace::UNITS.clone());
                        view! { <crate::ui::plan_builder::PlanBuilder units=units/> }.into_any()
                    } else {
                        view! {
                            <button class="btn primary" on:click=move |_| building.set(true)>
                                "Mở công cụ lập kế hoạch"
                            </button>
                        }.into_any()
                    }}
                </div>
            </Show>
        </section>
    }
}

/// `PlanChoices` on the first run (shown only once another plan is known),
/// its code in a chunk of its own: off a commune's first screen.
pub fn plan_choices() -> AnyView {
    crate::ui::chunk::screen(plan_choices_view)
}

#[leptos::wasm_split::wasm_split(plan_choices, wasm_split_path = ::leptos::wasm_split, fallible)]
fn plan_choices_view() -> crate::ui::chunk::Loaded {
    not_in_first_visit!();
    Ok(view! { <PlanChoices/> }.into_any())
}

/// Every plan known (latest version of each), with a switch for the others.
#[component]
pub fn PlanChoices() -> impl IntoView {
    let app = use_app();
    let known = use_known_plans();
    let rows = move || {
        known.0.track();
        workspace::choices()
    };
    view! {
        <div class="card">
            <h3>"Các kế hoạch trên máy này"</h3>
            <ul class="plan-choices">
                <For each=rows key=|p| (p.id.clone(), p.version.clone()) let:plan>
                    {
                        let active = plan.id == workspace::active_id();
                        // A newer version of the plan in use: the app
                        // starts again on it (same data; records of a task
                        // it dropped stay, read-only).
                        let newer = active && plan.version != PLAN.version;
                        let id = plan.id.clone();
                        let switch = move |_| {
                            if let Err(e) = workspace::switch_to(&id) {
                                app.notices.notify(format!("Không chuyển được kế hoạch: {e}"), true, None);
                            }
                        };
                        view! {
                            <li data-plan=plan.id.clone()>
                                <strong>{workspace::label_vi(&plan)}</strong>
                                <br/><span class="muted">{dataset_vi(&plan)}</span>
                                {if newer {
                                    view! {
                                        <span class="badge">{format!(" (đang dùng phiên bản {})", PLAN.version)}</span>
                                        <button class="btn small" data-testid="use-new-version" on:click=switch>
                                            {format!("Dùng phiên bản {}", plan.version)}
                                        </button>
                                    }.into_any()
                                } else if active {
                                    view! { <span class="badge">" (đang dùng)"</span> }.into_any()
                                } else {
                                    view! {
                                        <button class="btn small" on:click=switch>"Chuyển sang kế hoạch này"</button>
                                    }.into_any()
                                }}
                            </li>
                        }
                    }
                </For>
            </ul>
        </div>
    }
}

/// A plan file (.json) from a colleague or the province.
#[component]
pub fn PlanFileImport() -> impl IntoView {
    let app = use_app();
    let known = use_known_plans();
    let error = RwSignal::new(None::<String>);
    let picked = move |ev: leptos::ev::Event| {
        let files = crate::inbox::picked_files(&ev);
        spawn_local(async move {
            for f in crate::inbox::read_files(files).await {
                let added = match f.bytes.and_then(|b| {
                    String::from_utf8(b).map_err(|_| "tệp không phải văn bản UTF-8".into())
                }) {
                    Ok(t) => workspace::add_fetching(&t).await,
                    Err(e) => Err(e),
                };
                match added {
                    Ok(Some(plan)) => {
                        error.set(None);
                        known.changed();
                        app.notices.notify(
                            format!("Đã thêm {}.", workspace::label_vi(&plan)),
                            false,
                            None,
                        );
                    }
                    Ok(None) => {
                        error.set(None);
                        app.notices
                            .notify("Kế hoạch này đã có trên máy.", false, None);
                    }
                    Err(e) => error.set(Some(format!("{}: {e}", f.name))),
                }
            }
        });
    };
    view! {
        <div class="card">
            <h3>"Thêm kế hoạch từ tệp"</h3>
            <label class="btn">
                "Chọn tệp kế hoạch (.json)"
                <input type="file" accept=".json,application/json" class="visually-hidden"
                    data-testid="plan-file" on:change=picked/>
            </label>
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get()}</p>
            </Show>
        </div>
    }
}
