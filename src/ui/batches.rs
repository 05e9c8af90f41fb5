//! "Lô dữ liệu": export the unsent changes as the next batch, the history
//! of batches with their status, download again, full backup and restore.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::use_app;
use crate::outbox::use_outbox;
use crate::platform::local_time_of;
use crate::store::{EntryKind, StoredBatch};

#[component]
pub fn Batches() -> impl IntoView {
    let app = use_app();
    let outbox = use_outbox();
    let sync = crate::sync::use_sync();
    spawn_local(async move { outbox.refresh_outbox().await });
    let busy = RwSignal::new(false);
    let pending = move || outbox.unsealed();
    let recipient = move || {
        app.settings
            .with(|s| recipient_vi(s.as_ref().map(|s| (s.level(), s.unit_code.as_str()))))
    };
    let export = move |_| {
        busy.set(true);
        spawn_local(async move {
            match outbox.export_batch().await {
                Ok(Some(b)) => {
                    sync.kick();
                    app.notices.notify(
                        format!(
                            "Đã xuất lô số {} ({} hoạt động): {}",
                            b.seq, b.records, b.file_name
                        ),
                        false,
                        None,
                    )
                }
                Ok(None) => app
                    .notices
                    .notify("Không có thay đổi nào chưa xuất lô.", false, None),
                Err(e) => app.notices.notify(e.message_vi(), true, None),
            }
            busy.set(false);
        });
    };
    let restore = move |ev: web_sys::Event| {
        let files = crate::inbox::picked_files(&ev);
        if files.is_empty() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            for f in crate::inbox::read_files(files).await {
                let result = match f.bytes {
                    Err(e) => Err(format!("Tệp {}: {e}", f.name)),
                    Ok(bytes) => outbox.restore(&f.name, &bytes).await,
                };
                if let Err(e) = result {
                    app.notices.notify(e, true, None);
                }
            }
            busy.set(false);
        });
    };
    view! {
        <section class="batches">
            <h2>"Lô dữ liệu"</h2>
            <p class="lead">
                "Lô dữ liệu mang các hoạt động ra khỏi máy này. "
                {recipient}
                "Tệp lô cũng là bản sao an toàn: dữ liệu trong trình duyệt có thể bị xóa."
            </p>
            <div class="card">
                <p data-testid="pending">{move || match pending() {
                    0 => "Mọi thay đổi đã được xuất lô.".to_string(),
                    n => format!("Có {n} thay đổi chưa xuất lô."),
                }}</p>
                <button class="btn primary" data-testid="export-batch"
                    disabled=move || busy.get() || pending() == 0
                    on:click=export>"Xuất lô dữ liệu"</button>
            </div>
            <crate::ui::sync_panel::SyncPanel/>
            <div class="card">
                <h3>"Các lô đã xuất"</h3>
                {move || {
                    let list = outbox.batches.get();
                    if list.is_empty() {
                        view! { <p class="empty">"Chưa xuất lô nào."</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-wrap">
                            <table class="grid" data-testid="batch-history">
                                <thead><tr>
                                    <th scope="col">"Lô số"</th>
                                    <th scope="col">"Thời điểm tạo"</th>
                                    <th scope="col">"Số hoạt động"</th>
                                    <th scope="col">"Trạng thái"</th>
                                    <th scope="col"><span class="visually-hidden">"Tải xuống lại"</span></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().rev().map(|b| view! { <BatchRow b=b/> }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }.into_any()
                    }
                }}
            </div>
            <crate::ui::faults::FaultList kinds=&[EntryKind::Batch, EntryKind::Outbox]/>
            <div class="card">
                <h3>"Sao lưu và khôi phục"</h3>
                <p>"Bản sao lưu chứa mọi hoạt động của đơn vị trên máy này. Khôi phục từ bản sao lưu vào trình duyệt mới (hoặc sau khi dữ liệu bị xóa); hoạt động nào đã có bản mới hơn sẽ được giữ nguyên."</p>
                <div class="form-actions">
                    <button class="btn" data-testid="backup" on:click=move |_| leptos::task::spawn_local(async move { outbox.download_backup().await })>"Tải bản sao lưu toàn bộ"</button>
                    <label class="btn file-btn">
                        "Khôi phục từ tệp…"
                        <input type="file" accept=".json,application/json" data-testid="restore"
                            class="visually-hidden" on:change=restore disabled=move || busy.get()/>
                    </label>
                </div>
            </div>
        </section>
    }
}

#[component]
fn BatchRow(b: StoredBatch) -> impl IntoView {
    let outbox = use_outbox();
    let status = match (&b.sent_at, b.downloads) {
        (Some(t), _) => format!("Đã gửi lên máy chủ {}", local_time_of(*t)),
        (None, 0) => "Chưa tải xuống".to_string(),
        (None, n) => format!("Đã tải xuống ({n} lần)"),
    };
    let error = b.last_error.clone();
    let created = local_time_of(b.created_at);
    let (seq, records) = (b.seq, b.records);
    let with_files = crate::evidence::bundle::lists_files(&b.text);
    let zip = {
        let b = b.clone();
        move |_| {
            let b = b.clone();
            spawn_local(async move { outbox.download_zip(&b).await });
        }
    };
    let again = move |_| {
        let b = b.clone();
        spawn_local(async move { outbox.download_batch(&b).await });
    };
    view! {
        <tr>
            <td>{seq}</td>
            <td>{created}</td>
            <td>{records}</td>
            <td>{status}{error.map(|e| view! { <br/><span class="error-text">{e}</span> })}</td>
            <td>
                <button class="btn small" on:click=again>"Tải xuống lại"</button>
                {with_files.then(|| view! {
                    " "
                    <button class="btn small" data-testid="batch-zip" on:click=zip.clone()>"Tải kèm tệp minh chứng (.zip)"</button>
                })}
            </td>
        </tr>
    }
}

/// Who this unit's batches go to (plan Section III).
fn recipient_vi(unit: Option<(papi_core::Level, &str)>) -> &'static str {
    match unit {
        // Two tiers: a commune reports to the province directly.
        Some((papi_core::Level::Commune, _)) | None if crate::workspace::UNITS.two_tier() => {
            "Gửi tệp lô cho Sở Nội vụ của tỉnh qua USB, thư điện tử hoặc tin nhắn. "
        }
        Some((papi_core::Level::Commune, _)) | None => {
            "Gửi tệp lô cho Phòng Nội vụ huyện qua USB, thư điện tử hoặc tin nhắn. "
        }
        Some((papi_core::Level::District, _)) => {
            "Các hoạt động của Phòng Nội vụ được gửi lên tỉnh cùng kết quả các xã, trong gói được tạo ở màn hình \
             “Tổng hợp” (nút “Tạo gói gửi Sở Nội vụ”). "
        }
        Some((papi_core::Level::Province, code)) if code == crate::workspace::UNITS.province_code => {
            "Đây là các hoạt động do Sở Nội vụ tự ghi; chúng đã có trong tổng hợp của tỉnh, tệp lô dùng để lưu trữ. "
        }
        Some((papi_core::Level::Province, _)) => {
            "Gửi tệp lô cho Sở Nội vụ qua USB, thư điện tử hoặc tin nhắn. "
        }
    }
}
