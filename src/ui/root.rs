//! The root component: builds the state, opens the store, loads what it
//! holds, starts the sync and keeps this tab in step with the others.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::AppState;
use crate::inbox::InboxState;
use crate::outbox::OutboxState;
use crate::platform;
use crate::store::Backend;
use crate::sync::SyncState;
use crate::tabs::{self, TabMessage};
use crate::ui;

#[component]
pub fn App() -> impl IntoView {
    let app = AppState::new();
    provide_context(app);
    provide_context(app.notices);
    provide_context(crate::form::FormState::new(app));
    let pwa = crate::pwa::PwaState::watch();
    provide_context(pwa);
    let outbox = OutboxState::new(app);
    provide_context(outbox);
    let inbox = InboxState::new(app);
    provide_context(inbox);
    let sync = SyncState::new(app, outbox, pwa);
    provide_context(sync);
    crate::plan_fetch::KnownPlans::provide().watch(app, pwa);

    // A change of unit (Settings) brings that unit's outbox and history.
    Effect::watch(
        move || app.unit_code(),
        move |_, _, _| spawn_local(async move { outbox.refresh_outbox().await }),
        false,
    );

    spawn_local(async move {
        let backend = Rc::new(Backend::open().await);
        app.storage_label.set(backend.label_vi());
        if let Backend::Local(_) = *backend {
            app.notices.notify(
                "Trình duyệt không cho dùng bộ nhớ chính nên dữ liệu đang lưu tạm trong bộ nhớ dự phòng (dung lượng nhỏ). \
Hãy tắt chế độ ẩn danh hoặc cập nhật trình duyệt; dữ liệu sẽ được chuyển sang bộ nhớ chính khi dùng được.",
                true,
                None,
            );
        }
        app.set_store(backend.clone());
        // Listen before loading, so no other tab's save is missed.
        listen_to_other_tabs(app, outbox, inbox, backend.clone());
        match backend.load_all().await {
            Ok(loaded) => {
                app.report_faults(loaded.set_aside);
                if loaded.migrated > 0 {
                    app.notices.notify(
                        format!(
                            "Đã chuyển {} hoạt động sang kho dữ liệu mới.",
                            loaded.migrated
                        ),
                        false,
                        None,
                    );
                }
                // Keep anything saved or received while loading, if newer.
                let during = app.records.get_untracked();
                app.records.set(loaded.records);
                for r in during {
                    app.upsert(r);
                }
            }
            Err(e) => app.notices.notify(e.message_vi(), true, None),
        }
        app.loaded.set(true);
        app.load_known_faults().await;
        outbox.refresh_outbox().await;
        inbox.refresh_received().await;
        sync.start();
        let _ = platform::request_persistence().await;
    });

    view! {
        <ui::enrol::EnrolLink/>
        {move || if app.settings.with(Option::is_none) {
            view! { <ui::setup::FirstRun/> }.into_any()
        } else {
            view! { <ui::shell::Shell/> }.into_any()
        }}
        <ui::shell::Notices/>
    }
}

/// Another tab changed something: read it back from the store.
fn listen_to_other_tabs(
    app: AppState,
    outbox: OutboxState,
    inbox: InboxState,
    backend: Rc<Backend>,
) {
    tabs::listen(move |msg| match msg {
        TabMessage::Outbox => spawn_local(async move { outbox.refresh_outbox().await }),
        TabMessage::Received => spawn_local(async move { inbox.refresh_received().await }),
        TabMessage::Record(id) => {
            let backend = backend.clone();
            spawn_local(async move {
                if let Ok(Some(rec)) = backend.get(&id.to_string()).await {
                    app.upsert(rec);
                }
            });
        }
    });
}
