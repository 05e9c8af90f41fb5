//! A view whose code comes in a chunk of the split build (a `wasm_split`
//! point, see `ui::lazy`): a short note while it arrives, and what went
//! wrong, with a retry, when it cannot.

use leptos::__reexports::send_wrapper::SendWrapper;
use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

pub type Loaded = Result<AnyView, SplitLoaderError>;

/// A screen whose code comes in a chunk: a short note while it arrives, and
/// what went wrong, with a retry, when it cannot.
pub fn screen<F, L>(load: L) -> AnyView
where
    F: std::future::Future<Output = Loaded> + 'static,
    L: Fn() -> F + Send + Sync + 'static,
{
    let attempt = RwSignal::new(0u32);
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Đang tải màn hình…"</p> }>
            {move || {
                attempt.track();
                let load = SendWrapper::new(load());
                Suspend::new(async move {
                    match load.await {
                        Ok(view) => view,
                        Err(_) => view! {
                            <div class="card error" role="alert">
                                <p>"Chưa tải được màn hình này. Lần đầu mở màn hình cần có mạng; sau đó dùng được khi không có mạng."</p>
                                <button class="btn" on:click=move |_| attempt.update(|n| *n += 1)>"Thử lại"</button>
                            </div>
                        }
                        .into_any(),
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}
