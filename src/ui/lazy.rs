//! Screens off the first screen's path, each a `#[lazy]` split point: the
//! build (scripts/build-wasm.sh) cuts their code into chunks of their own,
//! fetched when the screen is first opened and precached by the service
//! worker once the app is up. The commune's first screen never waits for
//! them.

use leptos::__reexports::send_wrapper::SendWrapper;
use leptos::prelude::*;

use crate::ui::dashboard::Dashboard;

/// A screen whose code comes in a chunk: a short note while it arrives.
fn screen(view: impl std::future::Future<Output = AnyView> + 'static) -> AnyView {
    let view = SendWrapper::new(view);
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Đang tải màn hình…"</p> }>
            {Suspend::new(view)}
        </Suspense>
    }
    .into_any()
}

#[lazy]
fn dashboard_view() -> AnyView {
    view! { <Dashboard/> }.into_any()
}

pub fn dashboard() -> AnyView {
    screen(dashboard_view())
}
