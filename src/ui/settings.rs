//! Settings: who I am, this device, storage use and persistence, data export,
//! and the report of entries set aside as unreadable.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::use_app;
use crate::platform::{self, human_bytes, StorageInfo};
use crate::session;
use crate::ui::setup::UnitForm;

/// Everything on this device, as a file: the way out when storage is full.
#[derive(serde::Serialize)]
struct DeviceExport<'a> {
    unit_code: &'a str,
    exported_at: String,
    device_id: String,
    records: &'a [papi_core::Activity],
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let app = use_app();
    let info = RwSignal::new(StorageInfo::default());
    let refresh = move || spawn_local(async move { info.set(platform::storage_info().await) });
    refresh();
    let ask_persist = move |_| {
        spawn_local(async move {
            let granted = platform::request_persistence().await;
            info.set(platform::storage_info().await);
            app.notices.notify(
                if granted == Some(true) {
                    "Trình duyệt đã đồng ý giữ dữ liệu lâu dài."
                } else {
                    "Trình duyệt chưa đồng ý giữ dữ liệu lâu dài; hãy cài ứng dụng hoặc đánh dấu trang để tăng khả năng được giữ."
                },
                granted != Some(true),
                None,
            );
        })
    };
    let export = move |_| {
        let records = app.records.get_untracked();
        let unit = app
            .settings
            .with_untracked(|s| s.as_ref().map(|s| s.unit_code.clone()).unwrap_or_default());
        let export = DeviceExport {
            unit_code: &unit,
            exported_at: papi_core::dates::format_instant(platform::now()),
            device_id: session::device_id(),
            records: &records,
        };
        let text = serde_json::to_string_pretty(&export).unwrap_or_default();
        let file_name = format!(
            "papi-{unit}-{}.json",
            papi_core::dates::format_iso(platform::today())
        );
        if let Err(e) = platform::download(&file_name, "application/json", &text) {
            app.notices
                .notify(format!("Không xuất được dữ liệu: {e}"), true, None);
        }
    };
    let receiver = app.settings.with_untracked(|s| {
        s.as_ref()
            .is_some_and(|s| papi_core::Units::is_receiver(&crate::workspace::UNITS, &s.unit_code))
    });
    view! {
        <section class="settings">
            <h2>"Cài đặt"</h2>
            <h3>"Đơn vị và người ghi"</h3>
            <UnitForm/>
            <crate::ui::sync_panel::SyncPanel/>
            <crate::ui::devices::Signatures receiver=receiver/>
            <crate::ui::plans::PlanCard/>
            <div class="card">
                <h3>"Thiết bị và bộ nhớ"</h3>
                <dl class="kv">
                    <dt>"Mã thiết bị"</dt><dd><code>{session::device_id()}</code></dd>
                    <dt>"Nơi lưu"</dt><dd>{move || app.storage_label.get()}</dd>
                    <dt>"Số hoạt động"</dt><dd>{move || app.records.with(|r| r.iter().filter(|a| !a.deleted).count())}</dd>
                    <dt>"Dung lượng đã dùng"</dt>
                    <dd data-testid="usage">{move || info.with(|i| match (i.usage, i.quota) {
                        (Some(u), Some(q)) => format!("{} / {}", human_bytes(u), human_bytes(q)),
                        _ => "Không rõ".into(),
                    })}</dd>
                    <dt>"Lưu trữ lâu dài"</dt>
                    <dd>{move || match info.with(|i| i.persisted) {
                        Some(true) => "Đã được bảo đảm",
                        Some(false) => "Chưa (trình duyệt có thể xóa khi thiếu chỗ)",
                        None => "Không rõ",
                    }}</dd>
                </dl>
                <div class="form-actions">
                    <button class="btn" on:click=ask_persist>"Yêu cầu lưu trữ lâu dài"</button>
                    <button class="btn primary" on:click=export>"Xuất dữ liệu (tệp sao lưu)"</button>
                </div>
            </div>
            <crate::ui::faults::FaultList/>
        </section>
    }
}
