//! The frame around every screen: title, unit, connection state, navigation,
//! and the activity form when one is open; the notices (shown by the root,
//! on the first run too).

use leptos::prelude::*;

use crate::app::{use_app, Screen};
use crate::pwa::Net;
use crate::ui::plan_browser::PlanBrowser;
use crate::workspace::UNITS;

#[component]
pub fn Shell() -> impl IntoView {
    let app = use_app();
    let form = crate::form::use_form();
    let update_ready = crate::pwa::use_pwa().update_ready;
    crate::ui::lazy::preload_daily();
    let unit_name = move || {
        app.settings.with(|s| {
            s.as_ref()
                .and_then(|s| UNITS.get(&s.unit_code))
                .map(|u| u.name.clone())
                .unwrap_or_default()
        })
    };
    let nav = move |screen: Screen, label: &'static str| {
        view! {
            <button
                class="nav-btn"
                class:active=move || app.screen.get() == screen
                aria-current=move || (app.screen.get() == screen).then_some("page")
                on:click=move |_| {
                    app.screen.set(screen);
                    crate::platform::window().scroll_to_with_x_and_y(0.0, 0.0);
                }
            >
                {label}
            </button>
        }
    };
    // While the activity form is open, the page behind it takes no focus or
    // clicks: keyboard users stay inside the dialog.
    let modal = move || form.open.with(Option::is_some);
    // Districts and the province receive batches.
    let receives = move || {
        app.settings
            .with(|s| s.as_ref().is_some_and(|s| UNITS.is_receiver(&s.unit_code)))
    };
    let office = move || {
        app.settings.with(|s| {
            s.as_ref()
                .is_some_and(|s| s.unit_code == UNITS.province_code)
        })
    };
    // A unit with a receiver that has heard from it, or can ask its server.
    let hears = move || {
        let own = app.unit_code();
        UNITS.receiver_of(&own).is_some()
            && (crate::feedback::has_heard(&own)
                || crate::sync::settings_for(&crate::workspace::PLAN).is_set())
    };
    view! {
        // Fixed at the bottom, above the form's overlay (style/main.css).
        <Show when=move || update_ready.get()>
            <div class="update-banner" role="alert">
                <span>"Đã có phiên bản mới — Tải lại để dùng. Nội dung đang nhập sẽ được giữ nguyên."</span>
                <button class="btn primary" on:click=move |_| crate::pwa::apply_update()>"Tải lại"</button>
            </div>
        </Show>
        <header class="topbar" inert=modal>
            <div class="brand">
                <h1>"Theo dõi PAPI"</h1>
                <span class="unit">{unit_name}</span>
            </div>
            <ConnectionBadge/>
        </header>
        // Stays in view while a long list scrolls.
        <nav class="tabs" aria-label="Màn hình" inert=modal>
            {nav(Screen::Plan, "Nhiệm vụ")}
            {nav(Screen::Timeline, "Nhật ký hoạt động")}
            {nav(Screen::Batches, "Lô dữ liệu")}
            {move || receives().then(|| nav(Screen::Import, "Nhập lô"))}
            {move || receives().then(|| nav(Screen::Dashboard, "Tổng hợp"))}
            {nav(Screen::Report, "Báo cáo năm")}
            {nav(Screen::PlanText, "Văn bản Kế hoạch")}
            // For the Sở Nội vụ, who makes the plans; for others only once
            // another plan is known (else from Cài đặt).
            {move || (office() || crate::ui::plans::several_known()).then(|| nav(Screen::Plans, "Các kế hoạch"))}
            {nav(Screen::Settings, "Cài đặt")}
        </nav>
        <ExportReminder/>
        // Busy until the records kept are read (`crate::start`).
        <main id="main" inert=modal aria-busy=move || (!app.loaded.get()).then_some("true")>
            {move || match app.screen.get() {
                Screen::Plan => view! { {hears().then(crate::ui::lazy::heard)} <PlanBrowser/> }.into_any(),
                Screen::Timeline => crate::ui::lazy::timeline(),
                Screen::PlanText => crate::ui::lazy::plan_text(),
                Screen::Batches => crate::ui::lazy::batches(),
                Screen::Import => crate::ui::lazy::import(),
                Screen::Dashboard => crate::ui::lazy::dashboard(),
                Screen::Report => crate::ui::lazy::report(),
                Screen::Settings => crate::ui::lazy::settings(),
                Screen::Plans => crate::ui::lazy::plans(),
            }}
        </main>
        <Show when=move || form.open.with(Option::is_some)>
            {return_focus_on_close()}
            {crate::ui::lazy::activity_form()}
        </Show>
    }
}

#[component]
fn ConnectionBadge() -> impl IntoView {
    let net = crate::pwa::use_pwa().net;
    let sync = crate::sync::use_sync();
    // Sending batches shows as syncing, like fetching an update does.
    let state = move || match net.get() {
        Net::Online if sync.status.with(|s| s.running) => Net::Syncing,
        n => n,
    };
    view! {
        <span
            class="conn"
            class:offline=move || state() == Net::Offline
            class:syncing=move || state() == Net::Syncing
            role="status"
            data-testid="connection"
            data-state=move || format!("{:?}", state()).to_lowercase()
        >
            {move || state().label_vi()}
        </span>
    }
}

/// What the user is told, on every screen, the first run's included (an
/// enrolment link opened on a new device says there what it did).
#[component]
pub fn Notices() -> impl IntoView {
    let app = use_app();
    let notices = crate::notices::use_notices();
    view! {
        <div class="notices" aria-live="polite">
            <For
                each=move || notices.shown()
                key=|n| n.id
                children=move |n| {
                    let (undo, id) = (n.undo, n.id);
                    view! {
                        <div class="notice" class:error=n.error role=if n.error { "alert" } else { "status" }>
                            <span>{n.text.clone()}</span>
                            {undo.map(|id| view! {
                                <button class="btn small" on:click=move |_| app.undo_delete(id)>"Hoàn tác"</button>
                            })}
                            <button class="notice-close" aria-label="Đóng thông báo" title="Đóng"
                                on:click=move |_| notices.dismiss(id)>"×"</button>
                        </div>
                    }
                }
            />
        </div>
    }
}

/// Changes waiting unexported for days: the browser may lose them.
#[component]
fn ExportReminder() -> impl IntoView {
    let app = use_app();
    let outbox = crate::outbox::use_outbox();
    // Checked when the outbox changes and once a minute, not on every save:
    // it is about changes days old, and a scan of every record per
    // keystroke-to-save would cost the save itself.
    let tick = RwSignal::new(0u64);
    let _ = set_interval_with_handle(
        move || tick.update(|t| *t += 1),
        std::time::Duration::from_secs(60),
    );
    let reminder = Memo::new(move |_| {
        tick.track();
        outbox.outbox.with(|o| {
            let o = o.as_ref()?;
            app.records
                .with_untracked(|rs| o.reminder(rs, crate::platform::now()))
        })
    });
    // Batches sealed by the automatic sync while the server could not be
    // reached, never downloaded either: only this browser holds them.
    let uncopied = Memo::new(move |_| {
        tick.track();
        outbox.batches.with(|bs| {
            papi_core::batch::uncopied_reminder(
                bs.iter()
                    .filter(|b| b.kind == papi_core::batch::BatchKind::Changes)
                    .map(|b| (b.created_at, b.downloads > 0 || b.sent_at.is_some())),
                crate::platform::now(),
            )
        })
    });
    let since = |r: &papi_core::batch::Reminder| crate::platform::local_time_of(r.since);
    // One banner: its test id, its text, and a button to the batches screen.
    let banner = move |testid: &'static str, text: String, button: &'static str| {
        view! {
            <div class="reminder" role="status" data-testid=testid>
                <span>{text}</span>
                <button class="btn small" on:click=move |_| app.screen.set(Screen::Batches)>{button}</button>
            </div>
        }
    };
    view! {
        {move || reminder.get().map(|r| banner(
            "export-reminder",
            format!(
                "Có {} thay đổi chưa xuất lô, thay đổi đầu tiên từ {}. Hãy xuất lô để gửi huyện và có bản sao an toàn.",
                r.count, since(&r)
            ),
            "Xuất lô dữ liệu",
        ))}
        {move || uncopied.get().map(|r| banner(
            "uncopied-reminder",
            format!(
                "Có {} lô dữ liệu chỉ có trên máy này (chưa tải tệp về, chưa gửi được lên máy chủ), lô đầu tiên từ {}. Hãy tải tệp lô để có bản sao an toàn.",
                r.count, since(&r)
            ),
            "Xem lô dữ liệu",
        ))}
    }
}

/// When the activity form closes, the focus goes back to the button that
/// opened it. The opener is noted as the form shows, in this always-loaded
/// code: the form's own code may arrive later in its chunk, by when the
/// inert page behind the form has already taken the focus from the button.
/// It is marked with an attribute, since a Send cleanup cannot hold the
/// element; if that button was re-rendered meanwhile, the focus stays where
/// the browser puts it.
fn return_focus_on_close() {
    const OPENER: &str = "data-form-opener";
    let Some(doc) = crate::platform::window().document() else {
        return;
    };
    if let Some(el) = doc.active_element() {
        if doc.body().is_none_or(|b| *b != el) {
            let _ = el.set_attribute(OPENER, "");
        }
    }
    // In the next frame (focusing forces a layout, which the save that
    // closed the form need not wait for), and only if the focus went with
    // the form, not if something else has taken it meanwhile.
    on_cleanup(|| {
        request_animation_frame(|| {
            let Some(doc) = crate::platform::window().document() else {
                return;
            };
            let Some(el) = doc.query_selector(&format!("[{OPENER}]")).ok().flatten() else {
                return;
            };
            let _ = el.remove_attribute(OPENER);
            let lost = doc
                .active_element()
                .is_none_or(|a| doc.body().is_some_and(|b| *b == a));
            if let (true, Ok(el)) = (
                lost,
                wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el),
            ) {
                let _ = el.focus();
            }
        })
    });
}
