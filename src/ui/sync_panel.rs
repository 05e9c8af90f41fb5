//! "Đồng bộ": the sync server's address and the unit's token (entered once,
//! or set by an enrolment link), "Gửi ngay", and the state of sending.

use leptos::prelude::*;

use crate::app::{use_app, AppState};
use crate::platform::local_time_of;
use crate::sync::{self, use_sync, SyncSettings, SyncState};

#[component]
pub fn SyncPanel() -> impl IntoView {
    let app = use_app();
    let outbox = crate::outbox::use_outbox();
    let sync = use_sync();
    let current = sync::load_settings();
    let server = RwSignal::new(if current.server.is_empty() {
        crate::platform::window()
            .location()
            .origin()
            .unwrap_or_default()
    } else {
        current.server.clone()
    });
    let token = RwSignal::new(current.token.clone());
    let configured = RwSignal::new(current.is_set());
    let server_error = RwSignal::new(None::<&'static str>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let s = SyncSettings {
            server: server
                .get_untracked()
                .trim()
                .trim_end_matches('/')
                .to_string(),
            token: token.get_untracked().trim().to_string(),
        };
        let valid_server = s.server.starts_with("https://")
            || s.server.starts_with("http://localhost")
            || s.server.starts_with("http://127.0.0.1");
        if !s.server.is_empty() && !valid_server {
            server_error.set(Some(
                "Địa chỉ máy chủ phải bắt đầu bằng https:// (hoặc http://localhost khi thử trên máy).",
            ));
            return;
        }
        server_error.set(None);
        save_settings(app, outbox, sync, &s, configured);
    };
    let unsealed = move || outbox.unsealed();
    let status = move || sync.status.get();
    view! {
        <div class="card" data-testid="sync-panel">
            <h3>"Đồng bộ với máy chủ"</h3>
            <p>{format!("Khi có mạng, các lô dữ liệu tự gửi lên máy chủ của {}. Không cần máy chủ thì vẫn ghi và xuất lô bình thường; gửi lên máy chủ không xóa gì trên máy này.", issuer_vi())}</p>
            <form on:submit=save class="sync-form">
                <div class="field">
                    <label for="sync-server">"Địa chỉ máy chủ"</label>
                    <input id="sync-server" type="text" inputmode="url" autocomplete="url"
                        aria-invalid=move || server_error.with(Option::is_some).to_string()
                        aria-describedby=move || server_error.with(Option::is_some).then_some("sync-server-error")
                        prop:value=move || server.get() on:input=move |ev| server.set(event_target_value(&ev))/>
                    <Show when=move || server_error.with(Option::is_some)>
                        <p class="field-error" id="sync-server-error" role="alert">{move || server_error.get()}</p>
                    </Show>
                </div>
                <div class="field">
                    <label for="sync-token">"Mã truy cập của đơn vị"</label>
                    <input id="sync-token" type="password" autocomplete="off"
                        prop:value=move || token.get() on:input=move |ev| token.set(event_target_value(&ev))/>
                </div>
                <div class="form-actions">
                    <button type="submit" class="btn">"Lưu cài đặt đồng bộ"</button>
                    <button type="button" class="btn primary" data-testid="sync-now"
                        disabled=move || !configured.get() || status().running
                        on:click=move |_| sync.kick()>"Gửi ngay"</button>
                </div>
            </form>
            <dl class="kv" data-testid="sync-status">
                <dt>"Trạng thái"</dt>
                <dd data-testid="sync-state">{move || {
                    let s = status();
                    let (pending, _) = sync.counts();
                    if !configured.get() {
                        format!("Chưa bật: nhập mã truy cập của đơn vị (do {} cấp) rồi bấm “Lưu cài đặt đồng bộ”", issuer_vi())
                    } else if s.running {
                        "Đang gửi…".to_string()
                    } else if pending == 0 && unsealed() > 0 {
                        format!("Có {} thay đổi sẽ được đóng lô và gửi khi có mạng", unsealed())
                    } else if pending == 0 {
                        "Đã gửi hết".to_string()
                    } else if let Some(until) = &s.busy_until {
                        format!(
                            "Máy chủ đang bận; còn {} lô chờ gửi, tự thử lại lúc {} (sau {} giây)",
                            pending,
                            local_time_of(*until),
                            s.retry_in.unwrap_or(0)
                        )
                    } else {
                        match s.retry_in {
                            Some(n) => format!("Còn {pending} lô chờ gửi; tự thử lại sau {n} giây"),
                            None => format!("Còn {pending} lô chờ gửi"),
                        }
                    }
                }}</dd>
                <dt>"Lần gửi được gần nhất"</dt>
                <dd data-testid="sync-last-success">{move || sync.last_success().map(local_time_of).unwrap_or_else(|| "Chưa có".into())}</dd>
                {move || status().files.filter(|f| f.files + f.waiting > 0).map(|f| view! {
                    <dt>"Tệp minh chứng"</dt>
                    <dd data-testid="sync-files">{files_vi(&f)}</dd>
                })}
                <Show when=move || status().last_error.is_some()>
                    <dt>"Lỗi gần nhất"</dt>
                    <dd class="error-text" data-testid="sync-last-error">{move || status().last_error.unwrap_or_default()}</dd>
                </Show>
                <Show when=move || { sync.counts().1 > 0 }>
                    <dt>"Lô bị từ chối"</dt>
                    <dd>
                        {move || format!("{} lô (xem lý do trong danh sách lô) ", sync.counts().1)}
                        <button type="button" class="btn small" data-testid="sync-retry"
                            disabled=move || status().running
                            on:click=move |_| leptos::task::spawn_local(async move { sync.retry_refused().await })>
                            "Gửi lại"
                        </button>
                    </dd>
                </Show>
            </dl>
        </div>
    }
}

/// Keep the settings entered and start sending with them.
/// What the last round did with the evidence files.
fn files_vi(f: &crate::evidence::upload::Sent) -> String {
    let sent = format!(
        "lần gần nhất gửi {} tệp ({})",
        f.files,
        crate::platform::human_bytes(f.bytes as f64)
    );
    match f.waiting {
        0 => format!("Đã gửi hết; {sent}"),
        n => format!("Còn {n} tệp chờ gửi; {sent}"),
    }
}

fn save_settings(
    app: AppState,
    outbox: crate::outbox::OutboxState,
    sync: SyncState,
    s: &SyncSettings,
    configured: RwSignal<bool>,
) {
    match sync::save_settings(s) {
        Ok(()) => {
            configured.set(s.is_set());
            // New settings may be what the refused batches were waiting for.
            if s.is_set() && outbox.batches.with_untracked(|bs| sync::counts(bs).1 > 0) {
                leptos::task::spawn_local(async move { sync.retry_refused().await });
            }
            app.notices.notify(
                if s.is_set() {
                    "Đã lưu cài đặt đồng bộ."
                } else {
                    "Đã tắt đồng bộ."
                },
                false,
                None,
            );
            sync.kick();
        }
        Err(e) => app
            .notices
            .notify(format!("Không lưu được cài đặt đồng bộ: {e}"), true, None),
    }
}

/// Who runs the sync server and issues the tokens: the province with two
/// tiers, the district or the province with three.
pub fn issuer_vi() -> &'static str {
    if crate::workspace::UNITS.two_tier() {
        "tỉnh"
    } else {
        "huyện hoặc tỉnh"
    }
}
