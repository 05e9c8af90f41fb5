//! "Chữ ký số" on Cài đặt: this device's key fingerprint (read it to the
//! district over the phone), and for a receiver the devices it knows, each
//! with a way to revoke it, and whether unsigned files are refused.

use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::dates::{format_vn, vn_date};
use papi_core::signature::fingerprint;
use papi_core::trust::{KeySource, KnownKey};

use crate::notices::use_notices;
use crate::platform;
use crate::session;
use crate::workspace::UNITS;

#[component]
pub fn Signatures(receiver: bool) -> impl IntoView {
    let notices = use_notices();
    // This device's key: fingerprint and where the private key lives.
    let own: RwSignal<Option<Result<(String, bool), String>>> = RwSignal::new(None);
    spawn_local(async move {
        let got = crate::keys::device_signer().await.map(|s| {
            (
                fingerprint(&s.public_hex()).unwrap_or_default(),
                s.non_extractable(),
            )
        });
        own.set(Some(got));
    });
    let required = RwSignal::new(session::signatures_required());
    let toggle = move |ev: web_sys::Event| {
        let on = event_target_checked(&ev);
        match session::set_signatures_required(on) {
            Ok(()) => required.set(on),
            Err(e) => notices.notify(format!("Không lưu được cài đặt: {e}"), true, None),
        }
    };
    view! {
        <div class="card" data-testid="signatures">
            <h3>"Chữ ký số"</h3>
            <p class="lead">
                "Mỗi lô và gói do máy này xuất đều được ký bằng khóa riêng của máy. "
                "Khi nơi nhận hỏi, hãy đọc cho họ dấu vân tay dưới đây để họ đối chiếu."
            </p>
            <dl class="kv">
                <dt>"Dấu vân tay khóa của máy này"</dt>
                <dd data-testid="own-fingerprint">{move || match own.get() {
                    None => "Đang tạo khóa…".to_string(),
                    Some(Ok((fp, _))) => fp,
                    Some(Err(e)) => format!("Không có khóa ký: {e}"),
                }}</dd>
                <dt>"Nơi giữ khóa riêng"</dt>
                <dd>{move || match own.get() {
                    Some(Ok((_, true))) => "Trong trình duyệt, không thể sao chép ra ngoài",
                    Some(Ok((_, false))) => "Trong bộ nhớ của trình duyệt này (trình duyệt cũ không hỗ trợ khóa không xuất được)",
                    _ => "",
                }}</dd>
            </dl>
            {receiver.then(|| view! {
                <label class="check">
                    <input type="checkbox" data-testid="require-signatures"
                        prop:checked=move || required.get() on:change=toggle/>
                    " Chỉ nhận lô có chữ ký số (từ chối tệp định dạng cũ, không có chữ ký)"
                </label>
                <KnownDevices/>
            })}
        </div>
    }
}

/// The devices this receiver knows, newest first, with revocation.
#[component]
fn KnownDevices() -> impl IntoView {
    let notices = use_notices();
    let load = || {
        crate::keys::keyring().map(|r| {
            // Keys of this workspace's unit dataset only: a code names a
            // unit only together with its dataset.
            let mut keys: Vec<KnownKey> =
                r.keys().filter(|k| k.units == UNITS.id).cloned().collect();
            keys.sort_by(|a, b| b.known_since.cmp(&a.known_since));
            keys
        })
    };
    let list = RwSignal::new(load());
    let revoke = move |k: KnownKey| {
        let question = format!(
            "Thu hồi khóa của thiết bị {} ({})? Các lô nó ký từ nay sẽ bị từ chối; dữ liệu đã nhập vẫn giữ nguyên.",
            fingerprint(&k.key).unwrap_or_default(),
            UNITS.name_or_code(&k.unit_code)
        );
        let yes = web_sys::window()
            .and_then(|w| w.confirm_with_message(&question).ok())
            .unwrap_or(false);
        if !yes {
            return;
        }
        let done = crate::keys::keyring().and_then(|mut ring| {
            ring.revoke(&k.key, &k.origin(), platform::now());
            crate::keys::save_keyring(&ring)
        });
        if let Err(e) = done {
            notices.notify(e, true, None);
        }
        list.set(load());
    };
    view! {
        <h4>"Thiết bị đã biết"</h4>
        {move || match list.get() {
            Err(e) => view! { <p class="error">{e}</p> }.into_any(),
            Ok(keys) if keys.is_empty() => view! {
                <p class="empty">"Chưa có thiết bị nào. Thiết bị được biết khi bạn đối chiếu và tin cậy tệp đầu tiên của nó, hoặc khi máy chủ đồng bộ giới thiệu."</p>
            }.into_any(),
            Ok(keys) => view! {
                <div class="table-wrap">
                <table class="grid" data-testid="known-devices">
                    <thead><tr>
                        <th scope="col">"Đơn vị"</th>
                        <th scope="col">"Dấu vân tay"</th>
                        <th scope="col">"Biết từ"</th>
                        <th scope="col">"Trạng thái"</th>
                        <th scope="col"><span class="visually-hidden">"Thu hồi"</span></th>
                    </tr></thead>
                    <tbody>
                        {keys.into_iter().map(|k| {
                            let state = match (k.revoked_at, k.source) {
                                (Some(t), _) => format!("Đã thu hồi ngày {}", format_vn(vn_date(t))),
                                (None, KeySource::Server) => "Máy chủ giới thiệu".to_string(),
                                (None, KeySource::Officer) => "Cán bộ đã đối chiếu".to_string(),
                            };
                            let live = k.revoked_at.is_none();
                            let row = k.clone();
                            view! {
                                <tr>
                                    <th scope="row">{UNITS.name_or_code(&k.unit_code)}</th>
                                    <td><code>{fingerprint(&k.key).unwrap_or_default()}</code></td>
                                    <td>{format_vn(vn_date(k.known_since))}</td>
                                    <td>{state}</td>
                                    <td>{live.then(|| view! {
                                        <button class="btn small" data-testid="revoke-device"
                                            on:click=move |_| revoke(row.clone())>"Thu hồi"</button>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            }.into_any(),
        }}
    }
}
