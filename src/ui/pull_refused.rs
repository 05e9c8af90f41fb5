//! On "Nhập lô": the batches pulled from the sync server and not taken:
//! those refused for good, each with its unit, number and reason, and the
//! batch as the server sent it, to download (e.g. to send back to the
//! commune); and those kept until the app is updated (a newer format than
//! this build reads), which the next pull after the update applies.

use leptos::prelude::*;

use crate::notices::use_notices;
use crate::platform::local_time_of;
use crate::store::RefusedPull;
use crate::workspace::UNITS;

#[component]
pub fn RefusedPulls(list: RwSignal<Vec<RefusedPull>>) -> impl IntoView {
    let refused =
        move || list.with(|l| l.iter().filter(|r| !r.kept()).cloned().collect::<Vec<_>>());
    let kept = move || list.with(|l| l.iter().filter(|r| r.kept()).cloned().collect::<Vec<_>>());
    view! {
        <Show when=move || list.with(|l| l.iter().any(RefusedPull::kept))>
            <div class="card warn" role="region" aria-label="Lô chờ cập nhật ứng dụng">
                <h3>"Lô chờ cập nhật ứng dụng"</h3>
                <p>"Các lô sau được tạo bằng phiên bản mới hơn của ứng dụng. Chúng không bị từ chối: \
    đã được giữ lại và sẽ được nhập ở lần tải từ máy chủ sau khi ứng dụng này được cập nhật."</p>
                <PullTable list=Signal::derive(kept) testid="pull-kept"/>
            </div>
        </Show>
        <Show when=move || list.with(|l| l.iter().any(|r| !r.kept()))>
            <div class="card warn" role="region" aria-label="Lô bị từ chối khi tải từ máy chủ">
                <h3>"Lô bị từ chối khi tải từ máy chủ"</h3>
                <p>"Các lô sau không được nhập và sẽ không được tải lại; các lô khác vẫn được nhập bình thường. \
    Hãy báo cho đơn vị gửi lô để sửa và gửi lại."</p>
                <PullTable list=Signal::derive(refused) testid="pull-refused"/>
            </div>
        </Show>
    }
}

#[component]
fn PullTable(list: Signal<Vec<RefusedPull>>, testid: &'static str) -> impl IntoView {
    view! {
        <div class="table-wrap">
        <table class="grid" data-testid=testid>
            <thead><tr>
                <th scope="col">"Đơn vị"</th>
                <th scope="col">"Lô số"</th>
                <th scope="col">"Lý do"</th>
                <th scope="col">"Thời điểm"</th>
                <th scope="col"><span class="visually-hidden">"Tải lô xuống"</span></th>
            </tr></thead>
            <tbody>
                {move || list.get().into_iter().map(|r| view! { <RefusedRow r=r/> }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}

#[component]
fn RefusedRow(r: RefusedPull) -> impl IntoView {
    let notices = use_notices();
    let unit = r
        .unit_code
        .as_deref()
        .map(|c| UNITS.name_or_code(c))
        .unwrap_or_else(|| "Không rõ".into());
    let seq = r
        .seq
        .map(|s| s.to_string())
        .unwrap_or_else(|| "không rõ".into());
    let (reason, at) = (r.reason.clone(), local_time_of(r.refused_at));
    let name = format!(
        "papi-{}-{}-{}-{}.json",
        r.unit_code.as_deref().unwrap_or("khong-ro"),
        r.seq.unwrap_or(0),
        if r.kept() {
            "cho-cap-nhat"
        } else {
            "bi-tu-choi"
        },
        r.cursor
    );
    let save = move |_| {
        if let Err(e) = crate::platform::download(&name, "application/json", &r.text) {
            notices.notify(format!("Không tải xuống được lô: {e}"), true, None);
        }
    };
    view! {
        <tr>
            <th scope="row">{unit}</th>
            <td>{seq}</td>
            <td>{reason}</td>
            <td>{at}</td>
            <td><button type="button" class="btn small" on:click=save>"Tải lô xuống"</button></td>
        </tr>
    }
}
