//! PAPI Tracker, the browser app: a thin Leptos shell over `papi_core`.
//! Storage (src/store), the browser edge (src/platform.rs) and the screens
//! (src/ui) are here; every rule lives in the core.

mod app;
mod faults;
mod form;
mod inbox;
mod keys;
mod notices;
mod outbox;
mod plan_fetch;
mod platform;
mod pull;
mod pwa;
mod session;
mod start;
mod store;
mod sync;
mod tabs;
mod ui;
mod workspace;
mod xlsx;

fn main() {
    console_error_panic_hook::set_once();
    platform::expose_memory_probe();
    leptos::mount::mount_to_body(ui::root::App);
}
