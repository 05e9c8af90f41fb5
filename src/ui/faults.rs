//! The report of stored entries that could not be read: what each was, why,
//! and its raw text as a file. On Cài đặt all of them; the screens of
//! batches and imports show their own kinds, so nothing vanishes from a
//! list without a word.

use leptos::prelude::*;

use crate::app::use_app;
use crate::store::{EntryKind, SetAside};

#[component]
pub fn FaultList(
    /// The kinds to show (all when empty).
    #[prop(default = &[])]
    kinds: &'static [EntryKind],
) -> impl IntoView {
    let app = use_app();
    let shown = move || {
        app.set_aside.with(|all| {
            all.iter()
                .filter(|f| kinds.is_empty() || kinds.contains(&f.kind))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || !shown().is_empty()>
            <div class="card warn" role="region" aria-label="Dữ liệu bị hỏng">
                <h3>"Mục dữ liệu bị hỏng đã được cất riêng"</h3>
                <p>"Các mục sau không đọc được nên đã được cất riêng, không bị xóa. Các hoạt động khác không bị ảnh hưởng. \
    Tải từng mục xuống để gửi cho bộ phận hỗ trợ."</p>
                <ul data-testid="set-aside">
                    {move || shown().into_iter().map(|f| view! { <FaultRow f=f/> }).collect_view()}
                </ul>
            </div>
        </Show>
    }
}

#[component]
fn FaultRow(f: SetAside) -> impl IntoView {
    let app = use_app();
    let (kind, key, reason) = (f.kind.label_vi(), f.key.clone(), f.reason.clone());
    let has_raw = !f.raw.is_empty();
    let data_kind = format!("{:?}", f.kind);
    view! {
        <li data-kind=data_kind>
            <strong>{kind}</strong> " " <code>{key}</code> ": " {reason} " "
            {has_raw.then(|| view! {
                <button type="button" class="btn small" data-testid="download-fault"
                    on:click=move |_| crate::faults::download(&app.notices, &f)>
                    "Tải mục hỏng xuống"
                </button>
            })}
        </li>
    }
}
