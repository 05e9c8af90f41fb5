//! The records' state and the actions that change it (write, delete,
//! undo), with the settings, the store this page opened, the screen and the
//! period shown. The active plan and its units are the workspace's
//! (`crate::workspace::PLAN`, `UNITS`). The open form, the outbox,
//! the inbox, the sync, the network and the notices own their state in
//! their own modules (ARCHITECTURE.md).

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::{Activity, Author, Unit};
use uuid::Uuid;

use crate::notices::Notices;
use crate::platform;
use crate::session::{self, Settings};
use crate::store::{Backend, SetAside, StoreError};
use crate::tabs::{self, TabMessage};
use crate::workspace::UNITS;

/// What a state chunk runs (`AppState::run_chunk`).
#[cfg(not(test))]
pub type Chunk = std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Plan,
    Timeline,
    PlanText,
    Batches,
    Import,
    Dashboard,
    Report,
    Settings,
    /// The plans known, switching, importing and (province) making one.
    Plans,
}

/// The records and what most screens read with them. Copy: all fields are
/// reactive handles.
#[derive(Clone, Copy)]
pub struct AppState {
    pub settings: RwSignal<Option<Settings>>,
    /// The province and unit chosen on the first screen (`crate::home`),
    /// before or besides any plan.
    pub home: RwSignal<Option<crate::home::Home>>,
    /// Every record of this device, tombstones included.
    pub records: RwSignal<Vec<Activity>>,
    pub loaded: RwSignal<bool>,
    pub storage_label: RwSignal<&'static str>,
    pub screen: RwSignal<Screen>,
    /// What the user is told (its own concern: `crate::notices`).
    pub notices: Notices,
    pub set_aside: RwSignal<Vec<SetAside>>,
    /// Bumped on every save on this device (the sync waits a little, then
    /// sends; several saves travel together).
    pub saves: RwSignal<u64>,
    /// The period the dashboard and the report show.
    pub period: RwSignal<papi_core::report::Period>,
    /// The store this page opened (`open_store`): records, outbox,
    /// received batches; `None` until it is open.
    store: StoredValue<Option<Rc<Backend>>, LocalStorage>,
}

impl AppState {
    /// The state at start: settings from the session,
    /// nothing loaded yet.
    pub fn new() -> Self {
        AppState {
            settings: RwSignal::new(initial_settings()),
            home: RwSignal::new(crate::home::load()),
            records: RwSignal::new(Vec::new()),
            loaded: RwSignal::new(false),
            storage_label: RwSignal::new(""),
            screen: RwSignal::new(Screen::Plan),
            notices: Notices::new(),
            set_aside: RwSignal::new(vec![]),
            saves: RwSignal::new(0),
            period: RwSignal::new(papi_core::report::Period::Year(chrono::Datelike::year(
                &platform::today(),
            ))),
            store: StoredValue::new_local(None),
        }
    }

    /// The store, once opened (`set_store`).
    pub(crate) fn store(&self) -> Option<Rc<Backend>> {
        self.store.get_value()
    }

    pub(crate) fn set_store(&self, backend: Rc<Backend>) {
        self.store.set_value(Some(backend));
    }

    pub fn unit(&self) -> Option<Unit> {
        self.settings
            .with(|s| s.as_ref().and_then(|s| UNITS.get(&s.unit_code).cloned()))
    }

    /// The unit the official records for (their records are the ones shown).
    pub fn unit_code(&self) -> String {
        self.settings
            .with(|s| s.as_ref().map(|s| s.unit_code.clone()).unwrap_or_default())
    }

    /// Run state code that comes in a chunk of its own (a `wasm_split`
    /// point giving a future, as `outbox::read_chunk`); a chunk that cannot
    /// be fetched (offline before it was kept) is said, naming `what_vi`.
    /// Whether it ran.
    #[cfg(not(test))]
    pub async fn run_chunk(
        &self,
        load: impl std::future::Future<Output = Result<Chunk, leptos::wasm_split::SplitLoaderError>>,
        what_vi: &str,
    ) -> bool {
        match load.await {
            Ok(run) => {
                run.await;
                true
            }
            Err(_) => {
                self.notices.notify(
                    format!(
                        "Chưa tải được {what_vi}: cần có mạng lần đầu. Hãy tải lại trang khi có mạng."
                    ),
                    true,
                    None,
                );
                false
            }
        }
    }

    /// Put a record into memory if it is newer than what memory holds.
    pub fn upsert(&self, rec: Activity) {
        self.records
            .update(|rs| match rs.iter_mut().find(|r| r.id == rec.id) {
                Some(r) => {
                    if std::ptr::eq(r.newer(&rec), &rec) {
                        *r = rec;
                    }
                }
                None => rs.push(rec),
            });
    }

    pub(crate) fn official_name(&self) -> String {
        self.settings.with_untracked(|s| {
            s.as_ref()
                .map(|s| s.official_name.clone())
                .unwrap_or_default()
        })
    }

    /// Write a record through the store, then memory, then tell other tabs.
    pub(crate) async fn persist(
        &self,
        rec: &Activity,
        base: Option<u32>,
    ) -> Result<(), StoreError> {
        let store = self
            .store()
            .ok_or_else(|| StoreError::Failed("bộ nhớ chưa sẵn sàng".into()))?;
        // User Timing marks, so the store's share of a save can be measured
        // (scripts/bench.mjs reads "papi-store-save").
        let perf = platform::window().performance();
        if let Some(p) = &perf {
            let _ = p.mark("papi-store-save-start");
        }
        let saved = store.save(rec, base).await;
        if let Some(p) = &perf {
            let _ = p.measure_with_start_mark("papi-store-save", "papi-store-save-start");
        }
        saved?;
        self.upsert(rec.clone());
        tabs::broadcast(TabMessage::Record(rec.id));
        self.saves.update(|n| *n += 1);
        Ok(())
    }

    /// Write a copy of a record from elsewhere (a restored backup): kept
    /// only if newer than the one held. Returns whether it was written.
    pub(crate) async fn persist_replica(&self, rec: Activity) -> Result<bool, StoreError> {
        let store = self
            .store()
            .ok_or_else(|| StoreError::Failed("bộ nhớ chưa sẵn sàng".into()))?;
        let saved = store.save(&rec, None).await?;
        let written = saved == crate::store::Saved::Written;
        if written {
            tabs::broadcast(TabMessage::Record(rec.id));
            self.saves.update(|n| *n += 1);
        }
        self.upsert(rec);
        Ok(written)
    }

    fn change(
        &self,
        id: Uuid,
        op: fn(&Activity, &Author) -> Activity,
        done: &'static str,
        undo: bool,
    ) {
        let Some(cur) = self
            .records
            .with_untracked(|rs| rs.iter().find(|r| r.id == id).cloned())
        else {
            return;
        };
        let name = self.official_name();
        let by = Author {
            name: &name,
            device_id: device_id(),
            now: platform::now(),
        };
        let next = op(&cur, &by);
        let this = *self;
        spawn_local(async move {
            match this.persist(&next, Some(cur.revision)).await {
                Ok(()) => this.notices.notify(
                    format!("{done}: {}", next.fields.title()),
                    false,
                    undo.then_some(id),
                ),
                Err(e) => {
                    if let StoreError::Conflict(c) = &e {
                        this.upsert((**c).clone());
                    }
                    this.notices.notify(e.message_vi(), true, None)
                }
            }
        });
    }

    pub fn delete(&self, id: Uuid) {
        self.change(id, Activity::delete, "Đã xóa", true);
    }

    pub fn undo_delete(&self, id: Uuid) {
        self.notices.withdraw_undo(id);
        self.change(id, Activity::restore, "Đã khôi phục", false);
    }
}

/// The settings at start. The first-visit build starts only on a device
/// that keeps nothing, and reads no plan (its size: docs/first-visit.md).
fn initial_settings() -> Option<Settings> {
    if cfg!(feature = "first-visit") {
        return None;
    }
    session::load_settings().or_else(adopt_home)
}

/// The settings of a workspace not set up yet whose plan is of the
/// province chosen on the first screen: that choice, kept as the
/// workspace's own (no second set-up). `None` when the plan names no such
/// unit (a body the province's plan lacks: its form asks again).
pub(crate) fn adopt_home() -> Option<Settings> {
    let home = crate::home::load()?;
    if home.dataset != crate::workspace::PLAN.units || UNITS.get(&home.unit_code).is_none() {
        return None;
    }
    let settings = Settings {
        unit_code: home.unit_code,
        official_name: home.official_name,
    };
    session::save_settings(&settings).ok()?;
    Some(settings)
}

pub(crate) fn device_id() -> &'static str {
    thread_local! { static ID: &'static str = Box::leak(session::device_id().into_boxed_str()); }
    ID.with(|id| *id)
}

pub fn use_app() -> AppState {
    expect_context::<AppState>()
}
