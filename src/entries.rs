//! This unit's own entries beside its records on this device (format
//! version 3): its assessments of periods, and the submissions and comments
//! that travel with them. One localStorage entry per unit of the workspace
//! (`papi-tracker.entries.<unit>`), in the core's stored form
//! (`storage::UnitEntries`). A save reads the entry afresh, keeps the newer
//! version and writes it back, so two tabs never undo each other; an entry
//! a newer release wrote is never written over.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use papi_core::storage::{decode_unit_entries, encode_unit_entries, UnitEntries};

use crate::app::AppState;

fn key(unit: &str) -> String {
    format!("{}.{unit}", crate::workspace::key("papi-tracker.entries"))
}

/// The unit's entries on this device (none yet: empty).
pub fn load(unit: &str) -> Result<UnitEntries, String> {
    match LocalStorage::raw().get_item(&key(unit)) {
        Ok(None) => Ok(UnitEntries::default()),
        Ok(Some(text)) => decode_unit_entries(&text)
            .map_err(|e| format!("Phần đánh giá lưu trên máy này {e}: chưa ghi được gì thêm.")),
        Err(e) => Err(format!("Không đọc được bộ nhớ của trình duyệt: {e:?}")),
    }
}

/// The unit's entries, as this tab last read or wrote them: the outbox's
/// count of unsent changes and the report's assessment read it.
#[derive(Clone, Copy)]
pub struct EntriesState {
    app: AppState,
    pub held: RwSignal<UnitEntries>,
    /// Why the entries could not be read, if so (said where they are edited).
    pub problem: RwSignal<Option<String>>,
}

pub fn use_entries() -> EntriesState {
    expect_context::<EntriesState>()
}

impl EntriesState {
    pub fn new(app: AppState) -> EntriesState {
        EntriesState {
            app,
            held: RwSignal::new(UnitEntries::default()),
            problem: RwSignal::new(None),
        }
    }

    /// Read the current unit's entries afresh.
    pub fn refresh(&self) -> Result<UnitEntries, String> {
        let read = load(&self.app.unit_code());
        match &read {
            Ok(e) => {
                self.held.set(e.clone());
                self.problem.set(None);
            }
            Err(p) => self.problem.set(Some(p.clone())),
        }
        read
    }

    /// Change the unit's entries: read afresh, apply `change` (whether it
    /// changed anything), write back. A change is sent like a saved record.
    pub fn update(&self, change: impl FnOnce(&mut UnitEntries) -> bool) -> Result<bool, String> {
        let mut entries = self.refresh()?;
        if !change(&mut entries) {
            return Ok(false);
        }
        LocalStorage::raw()
            .set_item(&key(&self.app.unit_code()), &encode_unit_entries(&entries))
            .map_err(|e| {
                format!("Không lưu được trên máy này (bộ nhớ của trình duyệt đầy?): {e:?}")
            })?;
        self.held.set(entries);
        self.app.saves.update(|n| *n += 1);
        Ok(true)
    }
}
