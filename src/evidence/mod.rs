//! Evidence files on the device (issue 29): made ready when picked
//! (`image`: photos made small and upright, without their location), kept
//! by their SHA-256 in the browser's storage (`store`), sent to the sync
//! server in resumable pieces after the batches that list them (`upload`).
//! The rules are the core's (`papi_core::evidence`, `papi_core::upload`);
//! the screens are `ui::evidence`.

pub mod bundle;
pub mod image;
pub mod store;
pub mod upload;

use leptos::prelude::*;

thread_local! {
    static CHANGED: ArcRwSignal<u32> = ArcRwSignal::new(0);
}

/// A signal that changes when files were kept or sent: what shows the space
/// they use reads it.
pub fn tick() -> u32 {
    CHANGED.with(|s| s.get())
}

/// Say that files were kept or sent.
pub fn changed() {
    CHANGED.with(|s| s.update(|n| *n = n.wrapping_add(1)));
}

#[cfg(test)]
mod tests;
