//! Application state and the actions that change it: load, save, delete,
//! undo, and keeping several tabs in step.

use std::rc::Rc;
use std::sync::LazyLock;

use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::validation::{validate, Context, FieldError};
use papi_core::{Activity, Author, Plan, Unit, Units};
use uuid::Uuid;

use crate::notices::Notices;
use crate::platform;
use crate::session::{self, OpenForm, Settings};
use crate::store::{Backend, SetAside, StoreError};
use crate::tabs::{self, TabMessage};

/// The active plan (the workspace, `crate::workspace`).
pub static PLAN: LazyLock<Plan> = LazyLock::new(crate::workspace::active_plan);
/// Who records against the active plan: its dataset and recording bodies
/// (without the successors of a reform that ended the dataset: `UNITS_JOINED`).
pub static UNITS: LazyLock<Units> = LazyLock::new(|| {
    if !crate::workspace::is_shipped() {
        if let Some(units) = crate::workspace::catalogue().units_for(&PLAN) {
            return units.clone();
        }
    }
    Units::from_json(papi_core::BAC_KAN_UNITS_2020)
        .expect("the shipped units are valid")
        .with_bodies(&PLAN)
});
/// `UNITS` with the successors of the reform that ended their dataset (the
/// 2020 units end on 30/06/2025): for an activity's date against its unit's
/// end and the history across the reform. Read only by screens split off
/// the main wasm, so the reform's data and code are in their chunks.
pub static UNITS_JOINED: LazyLock<Units> =
    LazyLock::new(|| papi_core::catalogue::join_reform(UNITS.clone()));

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

/// Everything the screens share. Copy: all fields are reactive handles.
#[derive(Clone, Copy)]
pub struct AppState {
    pub settings: RwSignal<Option<Settings>>,
    /// Every record of this device, tombstones included.
    pub records: RwSignal<Vec<Activity>>,
    pub loaded: RwSignal<bool>,
    pub storage_label: RwSignal<&'static str>,
    pub screen: RwSignal<Screen>,
    pub form: RwSignal<Option<OpenForm>>,
    pub form_errors: RwSignal<Vec<FieldError>>,
    pub save_error: RwSignal<Option<String>>,
    pub saving: RwSignal<bool>,
    /// What the user is told (its own concern: `crate::notices`).
    pub notices: Notices,
    pub set_aside: RwSignal<Vec<SetAside>>,
    pub net: RwSignal<crate::pwa::Net>,
    pub update_ready: RwSignal<bool>,
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
    /// The state at start: settings and the open form from the session,
    /// nothing loaded yet.
    pub fn new() -> Self {
        AppState {
            settings: RwSignal::new(session::load_settings()),
            records: RwSignal::new(Vec::new()),
            loaded: RwSignal::new(false),
            storage_label: RwSignal::new(""),
            screen: RwSignal::new(Screen::Plan),
            form: RwSignal::new(session::load_open_form()),
            form_errors: RwSignal::new(vec![]),
            save_error: RwSignal::new(None),
            saving: RwSignal::new(false),
            notices: Notices::new(),
            set_aside: RwSignal::new(vec![]),
            net: RwSignal::new(crate::pwa::Net::Online),
            update_ready: RwSignal::new(false),
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
    #[cfg(not(test))]
    pub async fn run_chunk(
        &self,
        load: impl std::future::Future<Output = Result<Chunk, leptos::wasm_split::SplitLoaderError>>,
        what_vi: &str,
    ) {
        match load.await {
            Ok(run) => run.await,
            Err(_) => self.notices.notify(
                format!(
                    "Chưa tải được {what_vi}: cần có mạng lần đầu. Hãy tải lại trang khi có mạng."
                ),
                true,
                None,
            ),
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

    pub fn open_new(&self, task_id: &str) {
        // Today; the form moves it to a unit's last day if the unit ended
        // at a reform (`ActivityForm`: the reform's data is the form's).
        let draft = papi_core::Draft {
            task_id: task_id.to_string(),
            date: papi_core::dates::format_vn(platform::today()),
            status: Some(papi_core::Status::Done),
            ..Default::default()
        };
        self.set_form(Some(OpenForm {
            editing: None,
            new_id: Some(papi_core::activity::new_id(platform::random16())),
            draft,
            ..Default::default()
        }));
    }

    pub fn open_edit(&self, id: Uuid) {
        let rec = self
            .records
            .with(|rs| rs.iter().find(|r| r.id == id).cloned());
        if let Some(r) = rec {
            self.set_form(Some(OpenForm {
                editing: Some((r.id, r.revision)),
                draft: r.to_draft(),
                ..Default::default()
            }));
        }
    }

    /// Whether closing the open form would lose something typed: an edit
    /// that differs from the record, or a new activity with any text.
    pub fn form_changed(&self) -> bool {
        self.form.with_untracked(|f| {
            let Some(f) = f else { return false };
            match f.editing {
                Some((id, _)) => self.records.with_untracked(|rs| {
                    rs.iter()
                        .find(|r| r.id == id)
                        .is_none_or(|r| r.to_draft() != f.draft)
                }),
                None => [
                    &f.draft.title,
                    &f.draft.description,
                    &f.draft.participants,
                    &f.draft.evidence,
                ]
                .iter()
                .any(|s| !s.trim().is_empty()),
            }
        })
    }

    pub fn set_form(&self, f: Option<OpenForm>) {
        self.form_errors.set(vec![]);
        self.save_error.set(None);
        session::save_open_form(f.as_ref());
        self.form.set(f);
    }

    /// Change the open form's draft and keep it on disk at once.
    pub fn edit_draft(&self, change: impl FnOnce(&mut papi_core::Draft)) {
        self.form.update(|f| {
            if let Some(f) = f {
                change(&mut f.draft);
                session::save_open_form(Some(f));
            }
        });
    }

    fn official_name(&self) -> String {
        self.settings.with_untracked(|s| {
            s.as_ref()
                .map(|s| s.official_name.clone())
                .unwrap_or_default()
        })
    }

    /// Validate the open form with the core's rules and save it.
    pub fn save_form(&self) {
        let Some(form) = self.form.get_untracked() else {
            return;
        };
        let Some(unit) = self.unit() else { return };
        let cx = Context {
            plan: &PLAN,
            unit: &unit,
            today: platform::today(),
            successor: UNITS_JOINED.successor(&unit.code),
            retired_tasks: false,
        };
        let mut draft = form.draft.clone();
        // What was typed or pasted, made fit to store (NFC, no hidden
        // characters): what a batch may carry.
        for (s, multiline) in [
            (&mut draft.title, false),
            (&mut draft.description, true),
            (&mut draft.participants, false),
            (&mut draft.evidence, false),
        ] {
            *s = papi_core::text::clean(s, multiline, platform::nfc);
        }
        let checked = match validate(&draft, &cx) {
            Ok(c) => c,
            Err(errors) => {
                self.form_errors.set(errors);
                return;
            }
        };
        self.form_errors.set(vec![]);
        let name = self.official_name();
        let by = Author {
            name: &name,
            device_id: device_id(),
            now: platform::now(),
        };
        let (rec, base) = match form.editing {
            None => (
                Activity::create(
                    form.new_id
                        .unwrap_or_else(|| papi_core::activity::new_id(platform::random16())),
                    &unit.code,
                    checked.fields,
                    &by,
                ),
                None,
            ),
            Some((id, base)) => {
                let Some(cur) = self
                    .records
                    .with_untracked(|rs| rs.iter().find(|r| r.id == id).cloned())
                else {
                    self.save_error
                        .set(Some("Không tìm thấy hoạt động đang sửa.".into()));
                    return;
                };
                // An edit never brings back a record deleted meanwhile
                // (`Activity::edit_from`).
                match cur.edit_from(base, checked.fields, &by) {
                    Ok(next) => (next, Some(base)),
                    Err(e) => {
                        self.save_error.set(Some(e.message_vi().into()));
                        return;
                    }
                }
            }
        };
        let this = *self;
        this.saving.set(true);
        spawn_local(async move {
            let result = this.persist(&rec, base).await;
            this.saving.set(false);
            match result {
                Ok(()) => {
                    this.set_form(None);
                    this.notices
                        .notify(format!("Đã lưu: {}", rec.fields.title), false, None);
                }
                Err(e) => this.save_failed(e, form.editing.map(|(id, _)| id)),
            }
        });
    }

    fn save_failed(&self, e: StoreError, editing: Option<Uuid>) {
        if let StoreError::Conflict(cur) = &e {
            let cur = (**cur).clone();
            // Show the other tab's version; the next save starts from it.
            if let Some(id) = editing {
                self.form.update(|f| {
                    if let Some(f) = f {
                        f.editing = Some((id, cur.revision));
                        session::save_open_form(Some(f));
                    }
                });
            }
            if cur.deleted {
                // Deleted meanwhile: saving again would not bring it back.
                let why = papi_core::activity::EditOfDeleted.message_vi();
                self.upsert(cur);
                self.save_error.set(Some(why.into()));
                return;
            }
            self.upsert(cur);
        }
        self.save_error.set(Some(e.message_vi()));
    }

    /// Write a record through the store, then memory, then tell other tabs.
    async fn persist(&self, rec: &Activity, base: Option<u32>) -> Result<(), StoreError> {
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
                    format!("{done}: {}", next.fields.title),
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

pub(crate) fn device_id() -> &'static str {
    thread_local! { static ID: &'static str = Box::leak(session::device_id().into_boxed_str()); }
    ID.with(|id| *id)
}

pub fn use_app() -> AppState {
    expect_context::<AppState>()
}
