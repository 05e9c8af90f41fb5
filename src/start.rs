//! The start-up: open the store, read the records it holds, then the
//! outbox and the received data, start the sync, and keep this tab in step
//! with the others. It is a chunk of its own (`wasm_split`), run once the
//! device works for a unit: at once on a later visit, after the first-run
//! form on the first (its code fetched as the official starts on the form,
//! `preload`). That form needs none of it, so the first visit's critical
//! path is the main module alone (docs/first-visit.md).

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::AppState;
use crate::inbox::InboxState;
use crate::outbox::OutboxState;
use crate::platform;
use crate::pwa::PwaState;
use crate::store::Backend;
use crate::sync::SyncState;
use crate::tabs::{self, TabMessage};

/// Run the start-up once the settings name a unit; a start-up whose code
/// could not be fetched is tried again when the network changes.
pub fn when_set_up(
    app: AppState,
    pwa: PwaState,
    outbox: OutboxState,
    inbox: InboxState,
    sync: SyncState,
) {
    let started = StoredValue::new(false);
    Effect::new(move |_| {
        pwa.net.track();
        if app.settings.with(Option::is_some) && !started.get_value() {
            started.set_value(true);
            spawn_local(async move {
                #[cfg(not(test))]
                if !app
                    .run_chunk(start_chunk(app, outbox, inbox, sync), "phần đọc dữ liệu")
                    .await
                {
                    started.set_value(false);
                }
                #[cfg(test)]
                start(app, outbox, inbox, sync).await;
            });
        }
    });
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

/// `start` as a chunk of its own.
#[cfg(not(test))]
#[leptos::wasm_split::wasm_split(
    start,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(preload_start_chunk)
)]
fn start_chunk(
    app: AppState,
    outbox: OutboxState,
    inbox: InboxState,
    sync: SyncState,
) -> Result<crate::app::Chunk, leptos::wasm_split::SplitLoaderError> {
    not_in_first_visit!();
    Ok(Box::pin(start(app, outbox, inbox, sync)))
}

/// While the first-run form is filled in: fetch the start-up's code, so
/// that it runs at once when the form is done (a failure is retried then).
pub fn preload() {
    #[cfg(not(test))]
    spawn_local(async {
        let _ = preload_start_chunk().await;
    });
}

/// Open the store, read what it holds, then the outbox, the received data
/// and the sync.
async fn start(app: AppState, outbox: OutboxState, inbox: InboxState, sync: SyncState) {
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
    load_records(app, &backend).await;
    app.loaded.set(true);
    app.load_known_faults().await;
    outbox.refresh_outbox().await;
    inbox.refresh_received().await;
    sync.start();
    let _ = platform::request_persistence().await;
}

/// The records kept, into memory (with what was saved meanwhile, if newer).
async fn load_records(app: AppState, backend: &Backend) {
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
            let during = app.records.get_untracked();
            app.records.set(loaded.records);
            for r in during {
                app.upsert(r);
            }
        }
        Err(e) => app.notices.notify(e.message_vi(), true, None),
    }
}
