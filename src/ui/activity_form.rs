//! Add or edit an activity. Every keystroke is kept (session::OpenForm), the
//! core validates on save, and its Vietnamese messages show beside the fields.

use leptos::prelude::*;
use papi_core::dates::{format_vn, parse_vn};
use papi_core::validation::Field;
use papi_core::{Draft, Role, Status};

use crate::app::{use_app, AppState};
use crate::form::{use_form, FormState};
use crate::ui::badges::role_badge;
use crate::ui::evidence::EvidenceEditor;
use crate::workspace::PLAN;

const DATE_ID: &str = "act-date";
const STATUS_ID: &str = "act-status-done";

/// The element id of a text the person types (`act-title`, …).
fn input_id(field: Field) -> String {
    format!("act-{}", field.spec().wire)
}

/// Its label: the field's name, and what the form adds to it.
fn input_label(field: Field) -> String {
    match field.spec().hint_vi {
        Some(h) => format!("{} ({h})", field.label_vi()),
        None => field.label_vi().to_string(),
    }
}

/// The open form's draft, read through `f`.
fn draft_with<T: Default>(form: FormState, f: impl Fn(&Draft) -> T) -> T {
    form.open
        .with(|o| o.as_ref().map(|o| f(&o.draft)).unwrap_or_default())
}

/// The message of the field's error, if the last save found one.
fn error_of(form: FormState, field: Field) -> Option<String> {
    form.errors
        .with(|es| es.iter().find(|e| e.field == field).map(|e| e.message_vi()))
}

/// A new activity starts today, or, for a unit that ended at a reform, on
/// its last day: never on a day the form would refuse
/// (`validation::default_date`).
fn start_on_a_day_the_unit_existed(app: AppState, form: FormState) {
    let today = crate::platform::today();
    let successor = crate::workspace::UNITS_JOINED.successor(&app.unit_code());
    let start = papi_core::validation::default_date(today, successor);
    let untouched_new = form.open.with_untracked(|f| {
        f.as_ref()
            .is_some_and(|f| f.editing.is_none() && f.draft.date == format_vn(today))
    });
    if start != today && untouched_new {
        form.edit_draft(|d| d.date = format_vn(start));
    }
}

#[component]
pub fn ActivityForm() -> impl IntoView {
    let app = use_app();
    let form = use_form();
    start_on_a_day_the_unit_existed(app, form);
    let editing = move || {
        form.open
            .with(|o| o.as_ref().is_some_and(|o| o.editing.is_some()))
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.save();
    };
    // Closing asks first when something typed would be lost.
    let close = move || {
        if !form.changed()
            || crate::platform::window()
                .confirm_with_message("Bỏ nội dung đang nhập? Các thay đổi chưa lưu sẽ mất.")
                .unwrap_or(false)
        {
            form.set(None);
        }
    };
    manage_focus();
    view! {
        <div class="overlay">
            <form class="card activity-form" role="dialog" aria-modal="true" aria-labelledby="form-title"
                on:submit=on_submit novalidate
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { close() }>
                <h2 id="form-title">{move || if editing() { "Sửa hoạt động" } else { "Ghi hoạt động mới" }}</h2>
                <TaskInfo/>
                <Show when=move || error_of(form, Field::TASK).is_some()>
                    <p class="field-error">{move || error_of(form, Field::TASK)}</p>
                </Show>
                <DateField/>
                {Field::typed().map(|field| view! { <TextField field=field/> }).collect_view()}
                <EvidenceEditor error=Signal::derive(move || error_of(form, Field::FILES))/>
                <StatusField/>
                <Show when=move || form.save_error.with(Option::is_some)>
                    <p class="error" role="alert" data-testid="save-error">{move || form.save_error.get()}</p>
                </Show>
                <div class="form-actions">
                    <button type="button" class="btn" on:click=move |_| close()>"Hủy"</button>
                    <button type="submit" class="btn primary" disabled=move || form.saving.get() || !app.loaded.get()>
                        {move || if form.saving.get() { "Đang lưu…" } else { "Lưu" }}
                    </button>
                </div>
            </form>
        </div>
    }
}

/// The task being recorded, and this unit's role in it.
#[component]
fn TaskInfo() -> impl IntoView {
    let app = use_app();
    let form = use_form();
    move || {
        let id = draft_with(form, |d| d.task_id.clone());
        let unit = app.unit();
        PLAN.locate(&id).map(|(_, s, t)| {
            let role = unit.map(|u| PLAN.role_of(&u, t)).unwrap_or(Role::Unassigned);
            view! {
                <p class="form-task">
                    <strong>"Nhiệm vụ " {t.id.clone()}</strong> " · " {s.name.clone()} " " {role_badge(role)}
                </p>
                <p class="form-task-text">{t.text()}</p>
                {(role == Role::Unassigned).then(|| view! {
                    <p class="warning" role="status">{papi_core::validation::Warning::NoRole.message_vi()}</p>
                })}
            }
        })
    }
}

/// The date as typed (dd/mm/yyyy), with a calendar beside it.
#[component]
fn DateField() -> impl IntoView {
    let form = use_form();
    let err = move || error_of(form, Field::DATE);
    let iso_date = move || {
        draft_with(form, |d| {
            parse_vn(&d.date).map(|d| d.to_string()).unwrap_or_default()
        })
    };
    view! {
        <div class="field">
            <label for=DATE_ID>"Ngày thực hiện (dd/mm/yyyy)"</label>
            <div class="date-row">
                <input id=DATE_ID type="text" inputmode="numeric" placeholder="dd/mm/yyyy"
                    aria-invalid=move || err().is_some().to_string()
                    aria-describedby=move || err().map(|_| "act-date-error")
                    prop:value=move || draft_with(form, |d| d.date.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); form.edit_draft(|d| d.date = v); }/>
                <input id="act-date-picker" type="date" aria-label="Chọn ngày trên lịch"
                    prop:value=iso_date
                    on:change=move |ev| {
                        if let Some(d) = parse_vn(&event_target_value(&ev)) {
                            form.edit_draft(|dr| dr.date = format_vn(d));
                        }
                    }/>
            </div>
            <Show when=move || err().is_some()>
                <p class="field-error" id="act-date-error">{err}</p>
            </Show>
        </div>
    }
}

/// A text the person types (`papi_core::record::FIELDS`), with its label
/// and inline error; several lines where the field takes them.
#[component]
fn TextField(field: Field) -> impl IntoView {
    let form = use_form();
    let id = input_id(field);
    let err = move || error_of(form, field);
    let err_id = format!("{id}-error");
    let described = {
        let err_id = err_id.clone();
        move || err().map(|_| err_id.clone())
    };
    let value = move || draft_with(form, |d| d.texts.get(field).to_string());
    let on_input = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        form.edit_draft(|d| d.texts.set(field, v));
    };
    let control = if field.spec().multiline {
        view! {
            <textarea id=id.clone() rows="3" aria-invalid=move || err().is_some().to_string()
                aria-describedby=described prop:value=value on:input=on_input></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id.clone() type="text" aria-invalid=move || err().is_some().to_string()
                aria-describedby=described prop:value=value on:input=on_input/>
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{input_label(field)}</label>
            {control}
            <Show when=move || err().is_some()>
                <p class="field-error" id=err_id.clone()>{err}</p>
            </Show>
        </div>
    }
}

/// Done or planned.
#[component]
fn StatusField() -> impl IntoView {
    let form = use_form();
    let status = move || form.open.with(|o| o.as_ref().and_then(|o| o.draft.status));
    let choice = move |value: Status, id: Option<&'static str>| {
        view! {
            <label class="choice">
                <input type="radio" name="status" id=id prop:checked=move || status() == Some(value)
                    on:change=move |_| form.edit_draft(|d| d.status = Some(value))/>
                {value.label_vi()}
            </label>
        }
    };
    view! {
        <fieldset class="field">
            <legend>"Trạng thái"</legend>
            {choice(Status::Done, Some(STATUS_ID))}
            {choice(Status::Planned, None)}
            <Show when=move || error_of(form, Field::STATUS).is_some()>
                <p class="field-error">{move || error_of(form, Field::STATUS)}</p>
            </Show>
        </fieldset>
    }
}

/// Keyboard users land in the form and go to the first field to fix after
/// a refused save (going back to the opener is `shell::return_focus_on_close`,
/// which runs before this chunk may have arrived).
fn manage_focus() {
    let form = use_form();
    // Once mounted (an effect runs right after, before any input can
    // arrive; a later frame could take the focus from a field being typed in).
    // When the form's chunk arrived late, the view may be built before it is
    // in the page: then the first frame it is in.
    let first = Field::typed().next().map(input_id).unwrap_or_default();
    Effect::new(move |_| {
        if !focus_by_id(&first) {
            let first = first.clone();
            request_animation_frame(move || {
                focus_by_id(&first);
            });
        }
    });
    // After a refused save, the first field to fix (in the form's order)
    // takes the focus, so it is in view and announced.
    Effect::new(move |_| {
        form.errors.with(|es| {
            let in_order = std::iter::once((Field::DATE, DATE_ID.to_string()))
                .chain(Field::typed().map(|f| (f, input_id(f))))
                .chain(std::iter::once((Field::STATUS, STATUS_ID.to_string())));
            let first = in_order
                .into_iter()
                .find(|(f, _)| es.iter().any(|e| e.field == *f));
            if let Some((_, id)) = first {
                focus_by_id(&id);
            }
        })
    });
}

/// Focus the element with this id; false when it is not in the page.
fn focus_by_id(id: &str) -> bool {
    use wasm_bindgen::JsCast;
    let el = crate::platform::window()
        .document()
        .and_then(|d| d.get_element_by_id(id));
    match el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        Some(el) => el.focus().is_ok(),
        None => false,
    }
}
