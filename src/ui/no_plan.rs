//! A province chosen on the first screen (`crate::home`) whose plan this
//! device does not hold yet. The Sở Nội vụ is led to build it (the plan
//! builder over its province's template) and, once published, into its
//! workspace; a commune or another body is told how the plan comes (the
//! enrolment link's server, checked now and whenever the network returns,
//! or a plan file) and moves into it as soon as it arrives (`ui::root`).
//! In the plans chunk: the app's other screens never need it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::plan_sheet::bodies_2025;

use crate::app::use_app;
use crate::home::{self, Home};
use crate::plan_fetch::use_known_plans;
use crate::pwa::Net;
use crate::ui::plans::PlanFileImport;
use crate::ui::welcome::is_office;
use crate::workspace;

/// "Xã Phú Bình", "Sở Nội vụ", "Sở Y tế" of the home's dataset.
fn unit_name(home: &Home) -> String {
    let Some(units) = home::dataset(&home.dataset) else {
        return home.unit_code.clone();
    };
    if is_office(home) {
        return "Sở Nội vụ".into();
    }
    units
        .get(&home.unit_code)
        .map(|u| u.name.clone())
        .or_else(|| {
            bodies_2025(&units)
                .into_iter()
                .find(|b| b.code == home.unit_code)
                .map(|b| b.name)
        })
        .unwrap_or_else(|| home.unit_code.clone())
}

#[component]
pub fn NoPlan() -> impl IntoView {
    let app = use_app();
    let Some(home) = app.home.get_untracked() else {
        return ().into_any();
    };
    let province = home::index()
        .by_dataset(&home.dataset)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| home.dataset.clone());
    let unit = unit_name(&home);
    let change = move |_| {
        home::clear();
        app.home.set(None);
    };
    let body = match workspace::plan_of_dataset(&home.dataset) {
        // The plan in use is the province's, yet names no such unit.
        Some(plan) if plan.id == workspace::active_id() => view! {
            <div class="card error" role="alert" data-testid="unit-not-in-plan">
                <p>{format!("{} không giao việc cho {}. Hãy chọn lại đơn vị của bạn.",
                    workspace::label_vi(&plan), unit)}</p>
            </div>
        }
        .into_any(),
        _ if is_office(&home) => {
            view! { <OfficeWithoutPlan home=home.clone() province=province.clone()/> }.into_any()
        }
        _ => view! { <WaitingForPlan home=home.clone() province=province.clone()/> }.into_any(),
    };
    view! {
        <main id="main" class="first-run no-plan">
            <h1>"Theo dõi Kế hoạch nâng cao Chỉ số PAPI"</h1>
            <div class="card province-chosen">
                <p>
                    "Đơn vị: "<strong data-testid="home-unit">{unit.clone()}</strong>
                    {format!(" ({province}) · Người ghi: {}", home.official_name)}
                </p>
                <button type="button" class="btn small" on:click=change>"Đổi tỉnh hoặc đơn vị"</button>
            </div>
            {body}
        </main>
    }
    .into_any()
}

/// The Sở Nội vụ: build the plan (or take a plan file), then enter it.
#[component]
fn OfficeWithoutPlan(home: Home, province: String) -> impl IntoView {
    let known = use_known_plans();
    let dataset = home.dataset.clone();
    let held = move || {
        known.0.track();
        workspace::plan_of_dataset(&dataset)
    };
    let units = home::dataset(&home.dataset);
    view! {
        {move || held().map(|plan| {
            let id = plan.id.clone();
            view! {
                <div class="card ok" data-testid="plan-held">
                    <p>{format!("Trên máy đã có {}.", workspace::label_vi(&plan))}</p>
                    <button class="btn primary" data-testid="enter-plan"
                        on:click=move |_| { let _ = workspace::switch_to(&id); }>
                        "Bắt đầu theo dõi kế hoạch này"
                    </button>
                </div>
            }
        })}
        <div class="card">
            <h2>{format!("Lập Kế hoạch nâng cao Chỉ số PAPI của {province}")}</h2>
            {units.map(|units| view! { <crate::ui::plan_builder::PlanBuilder units=units/> })}
        </div>
        <PlanFileImport/>
    }
}

/// A commune or a body: how the province's plan reaches the device.
#[component]
fn WaitingForPlan(home: Home, province: String) -> impl IntoView {
    let app = use_app();
    let known = use_known_plans();
    let net = crate::pwa::use_pwa().net;
    let server = crate::sync::held_for(&home.dataset);
    let linked = server.is_set();
    let checking = RwSignal::new(false);
    let dataset = StoredValue::new(home.dataset.clone());
    let check = move || {
        let s = dataset.with_value(|d| crate::sync::held_for(d));
        if !s.is_set() || checking.get_untracked() {
            return;
        }
        checking.set(true);
        spawn_local(async move {
            match crate::plan_fetch::fetched(s).await {
                Ok(added) if !added.is_empty() => known.changed(),
                Ok(_) => {}
                Err(e) => app
                    .notices
                    .notify(format!("Chưa hỏi được máy chủ: {e}"), true, None),
            }
            checking.set(false);
        });
    };
    // Now, whenever the network returns, and every minute.
    Effect::new(move || {
        if net.get() == Net::Online {
            check();
        }
    });
    if let Ok(h) = set_interval_with_handle(check, std::time::Duration::from_secs(60)) {
        on_cleanup(move || h.clear());
    }
    view! {
        <div class="card" data-testid="waiting-for-plan">
            <h2>{format!("Chưa có kế hoạch của {province} trên máy này")}</h2>
            {if linked {
                view! {
                    <p>"Máy đã kết nối với máy chủ của tỉnh. Kế hoạch sẽ tự về máy khi Sở Nội vụ công bố; khi đó ứng dụng mở ngay danh sách nhiệm vụ của đơn vị."</p>
                    <button class="btn" disabled=move || checking.get() on:click=move |_| check()>
                        "Kiểm tra ngay"
                    </button>
                }.into_any()
            } else {
                view! {
                    <p>"Kế hoạch do Sở Nội vụ lập và gửi. Để nhận: mở đường liên kết đăng ký mà Sở Nội vụ gửi cho đơn vị (kế hoạch tự về máy), hoặc chọn tệp kế hoạch (.json) nhận được bên dưới."</p>
                }.into_any()
            }}
        </div>
        <PlanFileImport/>
    }
}
