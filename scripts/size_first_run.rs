//! The size of a first-visit build that holds the first-run form and
//! nothing else, for BENCHMARKS.md (scripts/bench.mjs builds it beside the
//! other floors): Leptos, the shipped plan and units parsed, the unit
//! search, the settings kept in localStorage, and the form of
//! src/ui/setup.rs (role, provincial body, district and commune pickers
//! with their search boxes, name, what is missing). It is what a separate
//! first-visit build (docs/first-visit.md, "What remains") would carry,
//! measured before it is built.
//!   cargo build --release --target wasm32-unknown-unknown --example size_first_run
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use papi_core::{Level, Plan, Units};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Settings {
    unit_code: String,
    official_name: String,
}

fn main() {
    let plan = Plan::from_json(papi_core::BAC_KAN_124_2020).expect("plan");
    let units = Units::from_json(papi_core::BAC_KAN_UNITS_2020)
        .expect("units")
        .with_bodies(&plan);
    let units: &'static Units = Box::leak(Box::new(units));
    let saved: Option<Settings> = LocalStorage::get("papi-tracker.settings").ok();
    leptos::mount::mount_to_body(move || form(units, saved));
}

fn form(units: &'static Units, saved: Option<Settings>) -> impl IntoView {
    let level = RwSignal::new(Level::Commune);
    let district = RwSignal::new(String::new());
    let commune = RwSignal::new(String::new());
    let body = RwSignal::new(units.province_code.clone());
    let district_q = RwSignal::new(String::new());
    let commune_q = RwSignal::new(String::new());
    let name = RwSignal::new(saved.map(|s| s.official_name).unwrap_or_default());
    let error = RwSignal::new(None::<&'static str>);
    let districts = move || pairs(units.search(Level::District, &district_q.get()));
    let communes = move || {
        let q = papi_core::search::Query::new(&commune_q.get());
        let d = district.get();
        pairs(
            units
                .communes()
                .filter(|u| units.two_tier() || u.parent_code.as_deref() == Some(d.as_str()))
                .filter(|u| q.matches(&u.name))
                .collect(),
        )
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lvl = level.get_untracked();
        let unit_code = match lvl {
            Level::Province => body.get_untracked(),
            Level::District => district.get_untracked(),
            Level::Commune => commune.get_untracked(),
        };
        let official_name =
            papi_core::text::clean(name.get_untracked().trim(), false, |s| s.into());
        if units.get(&unit_code).map(|u| u.level) != Some(lvl) {
            error.set(Some(
                "Hãy chọn huyện rồi chọn xã, phường, thị trấn của bạn.",
            ));
        } else if official_name.is_empty() {
            error.set(Some("Hãy nhập họ và tên của bạn."));
        } else if LocalStorage::set(
            "papi-tracker.settings",
            Settings {
                unit_code,
                official_name,
            },
        )
        .is_err()
        {
            error.set(Some("Không lưu được."));
        }
    };
    let role = move |value: Level, label: &'static str| {
        view! {
            <label class="choice">
                <input type="radio" name="role" prop:checked=move || level.get() == value
                    on:change=move |_| level.set(value)/>
                {label}
            </label>
        }
    };
    view! {
        <main id="main" class="first-run">
            <h1>"Theo dõi Kế hoạch nâng cao Chỉ số PAPI"</h1>
            <form class="card unit-form" on:submit=submit novalidate>
                <fieldset>
                    <legend>"Vai trò"</legend>
                    {role(Level::Commune, "Cán bộ cấp xã (UBND xã, phường, thị trấn)")}
                    {role(Level::District, "Cán bộ cấp huyện (Phòng Nội vụ)")}
                    {role(Level::Province, "Cấp tỉnh (Sở Nội vụ, các sở, ban, ngành)")}
                </fieldset>
                <Show when=move || level.get() == Level::Province>
                    <select id="body" on:change=move |ev| body.set(event_target_value(&ev))>
                        {units.bodies().map(|b| view! { <option value=b.code.clone()>{b.name.clone()}</option> }).collect_view()}
                    </select>
                </Show>
                <Show when=move || level.get() != Level::Province>
                    {picker("district", district_q, district, Signal::derive(districts))}
                </Show>
                <Show when=move || level.get() == Level::Commune>
                    {picker("commune", commune_q, commune, Signal::derive(communes))}
                </Show>
                <input id="official" type="text" prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))/>
                <Show when=move || error.with(Option::is_some)>
                    <p class="error" role="alert">{move || error.get()}</p>
                </Show>
                <button type="submit" class="btn primary">"Lưu và bắt đầu"</button>
            </form>
        </main>
    }
}

fn pairs(units: Vec<&papi_core::Unit>) -> Vec<(String, String)> {
    units
        .into_iter()
        .map(|u| (u.code.clone(), u.name.clone()))
        .collect()
}

fn picker(
    id: &'static str,
    query: RwSignal<String>,
    selected: RwSignal<String>,
    options: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    view! {
        <input id=format!("{id}-q") type="search" prop:value=move || query.get()
            on:input=move |ev| query.set(event_target_value(&ev))/>
        <select id=id on:change=move |ev| selected.set(event_target_value(&ev))>
            <option value="">"— Chọn —"</option>
            {move || options.get().into_iter().map(|(code, n)| view! { <option value=code>{n}</option> }).collect_view()}
        </select>
    }
}
