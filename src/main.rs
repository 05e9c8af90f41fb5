//! PAPI Tracker, the browser app: a thin Leptos shell over `papi_core`.
//! Storage (src/store), the browser edge (src/platform.rs) and the screens
//! (src/ui) are here; every rule lives in the core.
//!
//! Built twice (scripts/build-wasm.sh): the app, and with the feature
//! `first-visit` the first-visit build (src/first_visit.rs), which holds the
//! first-run form alone; most of the app is then unused, hence the allow.
#![cfg_attr(
    feature = "first-visit",
    allow(dead_code, unused_imports, unused_variables, unreachable_code)
)]

/// The first statement of every split point (`wasm_split`): the splitter
/// needs each one exported, and an export keeps all the code it reaches. The
/// first-visit build runs none, so there each is cut to a trap and keeps
/// none of the app.
macro_rules! not_in_first_visit {
    () => {
        #[cfg(feature = "first-visit")]
        unreachable!("a split point in the first-visit build");
    };
}

mod app;
mod decisions;
mod entries;
mod evidence;
mod faults;
mod feedback;
#[cfg(feature = "first-visit")]
mod first_visit;
mod form;
mod home;
mod http;
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
    #[cfg(feature = "first-visit")]
    first_visit::mount();
    #[cfg(not(feature = "first-visit"))]
    {
        platform::expose_memory_probe();
        leptos::mount::mount_to_body(ui::root::App);
    }
}
