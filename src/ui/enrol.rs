//! An enrolment link (`#enrol=TOKEN`, made by `papi-server unit add`): with
//! no sync settings it applies at once; when a server and token are already
//! set and the link would change them, a dialog shows the current server
//! and asks before replacing them ("Thay thế" / "Giữ nguyên"). A server
//! serves one unit dataset: a link to a server of another dataset than the
//! plan in use goes to the workspaces of that server's plans.

use leptos::html::Dialog;
use leptos::prelude::*;

use leptos::task::spawn_local;

use crate::notices::{use_notices, Notices};
use crate::plan_fetch::{use_known_plans, KnownPlans};
use crate::sync::{self, use_sync, SyncSettings, SyncState};

/// Where a link opened on a device that works for no unit yet has got:
/// the first screen waits for the server to name its unit dataset, then
/// opens on that province (`welcome::Step::first`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Stage {
    /// No link, or one on a device already set up.
    #[default]
    None,
    /// The server is being asked.
    Resolving,
    /// The server's unit dataset (or the plan in use's, for a server that
    /// serves it or could not be asked).
    Dataset(String),
}

/// The link's stage, for the first screen (provided by the root).
#[derive(Clone, Copy)]
pub struct Enrolment(RwSignal<Stage>);

impl Enrolment {
    pub fn provide() -> Enrolment {
        let e = Enrolment(RwSignal::new(Stage::None));
        provide_context(e);
        e
    }

    pub fn resolving(&self) -> bool {
        self.0.with(|s| *s == Stage::Resolving)
    }

    pub fn dataset(&self) -> Option<String> {
        self.0.with(|s| match s {
            Stage::Dataset(d) => Some(d.clone()),
            _ => None,
        })
    }
}

pub fn use_enrolment() -> Enrolment {
    expect_context::<Enrolment>()
}

#[component]
pub fn EnrolLink() -> impl IntoView {
    let notices = use_notices();
    let Some(offered) = sync::take_enrol_link() else {
        return ().into_any();
    };
    let current = sync::load_settings();
    if !sync::asks_before_replacing(&current, &offered) {
        apply(notices, use_sync(), use_known_plans(), offered);
        return ().into_any();
    }
    view! { <EnrolConfirm current=current offered=offered/> }.into_any()
}

/// Save the link's settings where they belong and start sending: with the
/// plan in use, unless the server serves another unit dataset (then with
/// that server's plans, `plan_fetch::enrol_elsewhere`). A server that cannot
/// be asked now (offline) gets the plan in use, as a link always did; its
/// first refusal of a batch then names the datasets. On a device that
/// works for no unit yet, the first screen then opens on the server's
/// province.
fn apply(notices: Notices, sync: SyncState, known: KnownPlans, offered: SyncSettings) {
    let app = crate::app::use_app();
    let fresh =
        app.settings.with_untracked(Option::is_none) && app.home.with_untracked(Option::is_none);
    let stage = use_enrolment().0;
    if fresh {
        stage.set(Stage::Resolving);
    }
    spawn_local(async move {
        let dataset = match crate::plan_fetch::enrol_elsewhere(offered.clone()).await {
            Ok(Some(elsewhere)) => {
                known.changed();
                if fresh {
                    notices.notify(elsewhere.welcome_vi(), false, None);
                } else {
                    notices.notify(elsewhere.message_vi(), false, None);
                }
                elsewhere.units
            }
            Ok(None) | Err(_) => {
                save_here(notices, sync, &offered);
                crate::workspace::PLAN.units.clone()
            }
        };
        if fresh {
            stage.set(Stage::Dataset(dataset));
        }
    });
}

fn save_here(notices: Notices, sync: SyncState, offered: &SyncSettings) {
    match sync::save_settings(offered) {
        Ok(()) => {
            notices.notify(
                "Đã kết nối với máy chủ đồng bộ: các lô sẽ tự gửi khi có mạng.",
                false,
                None,
            );
            sync.kick();
        }
        Err(e) => notices.notify(format!("Không lưu được cài đặt đồng bộ: {e}"), true, None),
    }
}

#[component]
fn EnrolConfirm(current: SyncSettings, offered: SyncSettings) -> impl IntoView {
    let notices = use_notices();
    let sync = use_sync();
    let known = use_known_plans();
    let dialog = NodeRef::<Dialog>::new();
    Effect::new(move || {
        if let Some(d) = dialog.get() {
            if !d.open() {
                let _ = d.show_modal();
            }
        }
    });
    let close = move || {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
    };
    let keep = move || {
        close();
        notices.notify("Đã giữ nguyên cài đặt đồng bộ.", false, None);
    };
    let link_server = offered.server.clone();
    let replace = move |_| {
        close();
        apply(notices, sync, known, offered.clone());
    };
    view! {
        <dialog node_ref=dialog class="card enrol-dialog" aria-labelledby="enrol-title"
            data-testid="enrol-confirm"
            on:cancel=move |ev: web_sys::Event| { ev.prevent_default(); keep(); }>
            <h2 id="enrol-title">"Thay máy chủ đồng bộ?"</h2>
            <p>{format!("Liên kết vừa mở sẽ thay cài đặt đồng bộ đang dùng trên máy này. \
    Chỉ chọn “Thay thế” khi {} vừa cấp mã truy cập mới cho đơn vị; nếu không rõ liên kết từ đâu, hãy chọn “Giữ nguyên”.", crate::ui::sync_panel::issuer_vi())}</p>
            <dl class="kv">
                <dt>"Máy chủ đang dùng"</dt>
                <dd data-testid="enrol-current">{current.base().to_string()}</dd>
                <dt>"Máy chủ trong liên kết"</dt>
                <dd>{link_server}</dd>
            </dl>
            <div class="form-actions">
                <button type="button" class="btn" data-testid="enrol-replace" on:click=replace>"Thay thế"</button>
                <button type="button" class="btn primary" data-testid="enrol-keep" autofocus
                    on:click=move |_| keep()>"Giữ nguyên"</button>
            </div>
        </dialog>
    }
}
