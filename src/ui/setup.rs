//! Who am I in a plan's workspace: role, unit (district, then commune, in
//! three tiers; accent-insensitive search) and name. Shown inside Settings
//! and for the 2020 history on the first run (`ui::welcome`).

use leptos::prelude::*;
use papi_core::{Level, Unit};

use crate::app::{use_app, AppState};
use crate::session::{save_settings, Settings};
use crate::workspace::UNITS;

/// Where the form starts: the codes of the saved unit's district, commune
/// and provincial body (the province office when none).
struct Start {
    district: String,
    commune: String,
    body: String,
}

impl Start {
    fn of(unit: Option<&Unit>) -> Start {
        let code_if = |level: Level| unit.filter(|u| u.level == level).map(|u| u.code.clone());
        Start {
            district: unit
                .and_then(|u| UNITS.district_of(&u.code))
                .map(|d| d.code.clone())
                .unwrap_or_default(),
            commune: code_if(Level::Commune).unwrap_or_default(),
            body: code_if(Level::Province).unwrap_or_else(|| UNITS.province_code.clone()),
        }
    }
}

/// What is missing or wrong in the choice, in Vietnamese.
fn problem_vi(level: Level, unit_code: &str, official_name: &str) -> Option<String> {
    if unit_code.is_empty() || UNITS.get(unit_code).map(|u| u.level) != Some(level) {
        Some(match level {
            Level::District => "Hãy chọn huyện, thành phố của bạn.".into(),
            _ if UNITS.two_tier() => format!("Hãy chọn {} của bạn.", UNITS.commune_kinds_vi()),
            _ => format!(
                "Hãy chọn huyện rồi chọn {} của bạn.",
                UNITS.commune_kinds_vi()
            ),
        })
    } else {
        problem_name_vi(official_name).map(str::to_string)
    }
}

/// What is wrong with the official's name, in Vietnamese.
pub fn problem_name_vi(official_name: &str) -> Option<&'static str> {
    if official_name.is_empty() {
        Some("Hãy nhập họ và tên của bạn.")
    } else if official_name.chars().count() > papi_core::text::MAX_AUTHOR {
        Some("Họ và tên dài quá 100 ký tự.")
    } else {
        None
    }
}

/// Keep the settings, and say so (or why not).
fn save(app: AppState, settings: Settings, error: RwSignal<Option<String>>) {
    match save_settings(&settings) {
        Ok(()) => {
            error.set(None);
            let first = app.settings.get_untracked().is_none();
            app.settings.set(Some(settings));
            // The form is taller than a small laptop's screen: start the
            // app at its top, not where the button was.
            crate::platform::window().scroll_to_with_x_and_y(0.0, 0.0);
            if !first {
                app.notices.notify("Đã lưu thông tin đơn vị.", false, None);
            }
        }
        Err(e) => error.set(Some(format!("Không lưu được: {e}"))),
    }
}

/// The role/unit/name form; saves into settings.
#[component]
pub fn UnitForm() -> impl IntoView {
    let app = use_app();
    let current = app.settings.get_untracked();
    let level = RwSignal::new(
        current
            .as_ref()
            .map(|s| s.level())
            .unwrap_or(Level::Commune),
    );
    let start = Start::of(current.as_ref().and_then(|s| UNITS.get(&s.unit_code)));
    let district = RwSignal::new(start.district);
    let commune = RwSignal::new(start.commune);
    // The province office (Sở Nội vụ, unit 06) or a provincial body.
    let body = RwSignal::new(start.body);
    let district_q = RwSignal::new(String::new());
    let commune_q = RwSignal::new(String::new());
    let official_name = RwSignal::new(
        current
            .as_ref()
            .map(|s| s.official_name.clone())
            .unwrap_or_default(),
    );
    let error = RwSignal::new(None::<String>);

    let districts = move || {
        let q = district_q.get();
        UNITS
            .search(Level::District, &q)
            .into_iter()
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect::<Vec<_>>()
    };
    let communes = move || {
        let q = papi_core::search::Query::new(&commune_q.get());
        let d = district.get();
        // Two tiers: every commune of the province, no district first.
        let in_district =
            |u: &&Unit| UNITS.two_tier() || u.parent_code.as_deref() == Some(d.as_str());
        UNITS
            .communes()
            .filter(in_district)
            .filter(|u| q.matches(&u.name))
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect::<Vec<_>>()
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lvl = level.get_untracked();
        let unit_code = match lvl {
            Level::Province => body.get_untracked(),
            Level::District => district.get_untracked(),
            Level::Commune => commune.get_untracked(),
        };
        let official = papi_core::text::clean(
            official_name.get_untracked().trim(),
            false,
            crate::platform::nfc,
        );
        match problem_vi(lvl, &unit_code, &official) {
            Some(p) => error.set(Some(p)),
            None => save(
                app,
                Settings {
                    unit_code,
                    official_name: official,
                },
                error,
            ),
        }
    };

    let kinds = UNITS.commune_kinds_vi();
    let role_option = move |value: Level, label: String| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="role"
                    prop:checked=move || level.get() == value
                    on:change=move |_| level.set(value)
                />
                {label}
            </label>
        }
    };

    view! {
        <form class="card unit-form" on:submit=submit novalidate>
            <fieldset>
                <legend>"Vai trò"</legend>
                {role_option(Level::Commune, format!("Cán bộ cấp xã (UBND {kinds})"))}
                {(!UNITS.two_tier()).then(|| role_option(Level::District, "Cán bộ cấp huyện (Phòng Nội vụ)".into()))}
                {role_option(Level::Province, "Cấp tỉnh (Sở Nội vụ, các sở, ban, ngành)".into())}
            </fieldset>
            <Show when=move || level.get() == Level::Province>
                <BodyPicker body=body/>
            </Show>
            <Show when=move || level.get() != Level::Province && !UNITS.two_tier()>
                <UnitPicker id="district" search_label="Tìm huyện, thành phố" placeholder="vd: cho don"
                    label="Huyện, thành phố" query=district_q selected=district
                    options=Signal::derive(districts) on_pick=move || commune.set(String::new())/>
            </Show>
            <Show when=move || level.get() == Level::Commune>
                <UnitPicker id="commune" search_label=format!("Tìm {kinds}") placeholder="vd: duc xuan"
                    label=papi_core::letterhead::upper_first(&kinds) query=commune_q selected=commune
                    options=Signal::derive(communes) on_pick=|| ()/>
            </Show>
            <NameAndError official_name=official_name error=error/>
            <button type="submit" class="btn primary">
                {move || if app.settings.with(Option::is_none) { "Lưu và bắt đầu" } else { "Lưu thông tin đơn vị" }}
            </button>
        </form>
    }
}

/// The province office or one of the provincial bodies.
#[component]
fn BodyPicker(body: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="field">
            <label for="body">"Cơ quan"</label>
            <select id="body" on:change=move |ev| body.set(event_target_value(&ev))>
                <option value=UNITS.province_code.clone()
                    selected=move || body.get() == UNITS.province_code>
                    "Sở Nội vụ (nhận lô, tổng hợp toàn tỉnh)"
                </option>
                {UNITS.bodies().map(|b| {
                    let code = b.code.clone();
                    let c2 = code.clone();
                    view! { <option value=code selected=move || body.get() == c2>{b.name.clone()}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// A search box that narrows a list of units, and the list to pick from.
#[component]
pub fn UnitPicker(
    /// The select's id; the search box gets `<id>-q`.
    id: &'static str,
    #[prop(into)] search_label: String,
    placeholder: &'static str,
    #[prop(into)] label: String,
    query: RwSignal<String>,
    selected: RwSignal<String>,
    /// (code, name) of the units the query lets through.
    options: Signal<Vec<(String, String)>>,
    /// Called after a new unit is picked.
    on_pick: impl Fn() + 'static,
) -> impl IntoView {
    let search_id = format!("{id}-q");
    view! {
        <div class="field">
            <label for=search_id.clone()>{search_label}</label>
            <input id=search_id type="search" placeholder=placeholder
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))/>
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| { selected.set(event_target_value(&ev)); on_pick(); }>
                <option value="" selected=move || selected.get().is_empty()>"— Chọn —"</option>
                {move || options.get().into_iter().map(|(code, n)| {
                    let c = code.clone();
                    view! { <option value=code selected=move || selected.get() == c>{n}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// The official's name and what is wrong with the form, the last part of
/// both first-run forms (`welcome`'s and this one).
#[component]
pub fn NameAndError(
    official_name: RwSignal<String>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for="official">"Họ và tên người ghi"</label>
            <input id="official" type="text" autocomplete="name"
                prop:value=move || official_name.get()
                on:input=move |ev| official_name.set(event_target_value(&ev))/>
        </div>
        <Show when=move || error.with(Option::is_some)>
            <p class="error" role="alert">{move || error.get()}</p>
        </Show>
    }
}
