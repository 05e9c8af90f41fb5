//! The activity form's state: the one form open (every keystroke kept on
//! disk, `session::OpenForm`), its field errors, and saving it as a record
//! through the records' state (`AppState::persist`). Its own concern,
//! provided as a context (`use_form`); nothing in the app state reads it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::validation::{validate, Context, FieldError};
use papi_core::{Activity, Author};
use uuid::Uuid;

use crate::app::{device_id, AppState};
use crate::platform;
use crate::session::{self, OpenForm};
use crate::store::StoreError;
use crate::workspace::{PLAN, UNITS_JOINED};

/// The open form, if any, and what its last save said.
#[derive(Clone, Copy)]
pub struct FormState {
    app: AppState,
    /// The form on screen (`None`: closed), kept on disk as it changes.
    pub open: RwSignal<Option<OpenForm>>,
    /// The core's objections to the last save, per field.
    pub errors: RwSignal<Vec<FieldError>>,
    /// Why the last save did not reach the store.
    pub save_error: RwSignal<Option<String>>,
    pub saving: RwSignal<bool>,
}

pub fn use_form() -> FormState {
    expect_context::<FormState>()
}

impl FormState {
    /// The form left open in this tab's session, if any (a reload keeps it).
    pub fn new(app: AppState) -> Self {
        FormState {
            app,
            open: RwSignal::new(session::load_open_form()),
            errors: RwSignal::new(vec![]),
            save_error: RwSignal::new(None),
            saving: RwSignal::new(false),
        }
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
        self.set(Some(OpenForm {
            editing: None,
            new_id: Some(papi_core::activity::new_id(platform::random16())),
            draft,
            ..Default::default()
        }));
    }

    pub fn open_edit(&self, id: Uuid) {
        let rec = self
            .app
            .records
            .with(|rs| rs.iter().find(|r| r.id == id).cloned());
        if let Some(r) = rec {
            self.set(Some(OpenForm {
                editing: Some((r.id, r.revision)),
                draft: r.to_draft(),
                ..Default::default()
            }));
        }
    }

    /// Whether closing the open form would lose something typed: an edit
    /// that differs from the record, or a new activity with any text
    /// (any of the record's typed texts, `papi_core::record::FIELDS`).
    pub fn changed(&self) -> bool {
        self.open.with_untracked(|f| {
            let Some(f) = f else { return false };
            match f.editing {
                Some((id, _)) => self.app.records.with_untracked(|rs| {
                    rs.iter()
                        .find(|r| r.id == id)
                        .is_none_or(|r| r.to_draft() != f.draft)
                }),
                None => f.draft.texts.any() || !f.draft.files.is_empty(),
            }
        })
    }

    pub fn set(&self, f: Option<OpenForm>) {
        self.errors.set(vec![]);
        self.save_error.set(None);
        session::save_open_form(f.as_ref());
        self.open.set(f);
    }

    /// Change the open form's draft and keep it on disk at once.
    pub fn edit_draft(&self, change: impl FnOnce(&mut papi_core::Draft)) {
        self.open.update(|f| {
            if let Some(f) = f {
                change(&mut f.draft);
                session::save_open_form(Some(f));
            }
        });
    }

    /// Validate the open form with the core's rules and save it.
    pub fn save(&self) {
        let Some(form) = self.open.get_untracked() else {
            return;
        };
        let Some(unit) = self.app.unit() else { return };
        let cx = Context {
            plan: &PLAN,
            unit: &unit,
            today: platform::today(),
            successor: UNITS_JOINED.successor(&unit.code),
            retired_tasks: false,
        };
        let mut draft = form.draft.clone();
        // What was typed or pasted, made fit to store (NFC, no hidden
        // characters, line breaks only where the field takes them): what a
        // batch may carry.
        draft.texts = draft.texts.map(|field, typed| {
            papi_core::text::clean(typed, field.spec().multiline, platform::nfc)
        });
        for file in &mut draft.files {
            file.caption = papi_core::text::clean(&file.caption, false, platform::nfc)
                .trim()
                .to_string();
        }
        let checked = match validate(&draft, &cx) {
            Ok(c) => c,
            Err(errors) => {
                self.errors.set(errors);
                return;
            }
        };
        self.errors.set(vec![]);
        let name = self.app.official_name();
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
                    .app
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
            let result = this.app.persist(&rec, base).await;
            this.saving.set(false);
            match result {
                Ok(()) => {
                    this.set(None);
                    this.app
                        .notices
                        .notify(format!("Đã lưu: {}", rec.fields.title()), false, None);
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
                self.open.update(|f| {
                    if let Some(f) = f {
                        f.editing = Some((id, cur.revision));
                        session::save_open_form(Some(f));
                    }
                });
            }
            if cur.deleted {
                // Deleted meanwhile: saving again would not bring it back.
                let why = papi_core::activity::EditOfDeleted.message_vi();
                self.app.upsert(cur);
                self.save_error.set(Some(why.into()));
                return;
            }
            self.app.upsert(cur);
        }
        self.save_error.set(Some(e.message_vi()));
    }
}
