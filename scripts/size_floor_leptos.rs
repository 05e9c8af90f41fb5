//! The size floor of Leptos alone, for BENCHMARKS.md (scripts/bench.mjs
//! builds it beside scripts/size_floor.rs): a signal, a button and a line
//! read from localStorage, no core, no storage. What the main module holds
//! above this is code the app brings in (scripts/size-breakdown.mjs).
//!   cargo build --release --target wasm32-unknown-unknown --example size_floor_leptos
use leptos::prelude::*;

fn main() {
    // Input the optimiser cannot see through.
    let line = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item("size-floor").ok().flatten())
        .unwrap_or_default();
    leptos::mount::mount_to_body(move || {
        let clicks = RwSignal::new(0u32);
        view! {
            <p>{line.clone()}</p>
            <button on:click=move |_| clicks.update(|n| *n += 1)>{move || clicks.get()}</button>
        }
    });
}
