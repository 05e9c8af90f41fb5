//! Add or edit an activity. Every keystroke is kept (session::OpenForm), the
//! core validates on save, and its Vietnamese messages show beside the fields.

use leptos::prelude::*;
use papi_core::dates::{format_vn, parse_vn};
use papi_core::validation::Field;
use papi_core::{Draft, Status};

use crate::app::{use_app, PLAN};
use crate::ui::plan_browser::role_badge;

#[component]
pub fn ActivityForm() -> impl IntoView {
    let app = use_app();
    let get = move |f: fn(&Draft) -> String| {
        move || {
            app.form
                .with(|o| o.as_ref().map(|o| f(&o.draft)).unwrap_or_default())
        }
    };
    let error_for = move |field: Field| {
        move || {
            app.form_errors
                .with(|es| es.iter().find(|e| e.field == field).map(|e| e.message_vi()))
        }
    };
    let task_id = move || {
        app.form.with(|o| {
            o.as_ref()
                .map(|o| o.draft.task_id.clone())
                .unwrap_or_default()
        })
    };
    let editing = move || {
        app.form
            .with(|o| o.as_ref().is_some_and(|o| o.editing.is_some()))
    };
    let task_info = move || {
        let id = task_id();
        let unit = app.unit();
        PLAN.locate(&id).map(|(_, s, t)| {
            let role = unit.map(|u| PLAN.role_of(&u, t)).unwrap_or(papi_core::Role::None);
            view! {
                <p class="form-task">
                    <strong>"Nhiệm vụ " {t.id.clone()}</strong> " · " {s.name.clone()} " " {role_badge(role)}
                </p>
                <p class="form-task-text">{t.text()}</p>
                {(role == papi_core::Role::None).then(|| view! {
                    <p class="warning" role="status">{papi_core::validation::Warning::NoRole.message_vi()}</p>
                })}
            }
        })
    };

    // A text field with its label and inline error.
    let text_field = move |id: &'static str,
                           label: &'static str,
                           field: Field,
                           read: fn(&Draft) -> String,
                           write: fn(&mut Draft, String),
                           multiline: bool| {
        let err = error_for(field);
        let err_id = format!("{id}-error");
        let described = move || err().map(|_| err_id.clone());
        let input = if multiline {
            view! {
                <textarea id=id rows="3"
                    aria-invalid=move || err().is_some().to_string()
                    aria-describedby=described
                    prop:value=get(read)
                    on:input=move |ev| { let v = event_target_value(&ev); app.edit_draft(|d| write(d, v)); }
                ></textarea>
            }.into_any()
        } else {
            view! {
                <input id=id type="text"
                    aria-invalid=move || err().is_some().to_string()
                    aria-describedby=described
                    prop:value=get(read)
                    on:input=move |ev| { let v = event_target_value(&ev); app.edit_draft(|d| write(d, v)); }/>
            }.into_any()
        };
        view! {
            <div class="field">
                <label for=id>{label}</label>
                {input}
                <Show when=move || err().is_some()>
                    <p class="field-error" id=format!("{id}-error")>{err}</p>
                </Show>
            </div>
        }
    };

    let date_err = error_for(Field::Date);
    let status_err = error_for(Field::Status);
    let status = move || app.form.with(|o| o.as_ref().and_then(|o| o.draft.status));
    let iso_date = move || {
        app.form.with(|o| {
            o.as_ref()
                .and_then(|o| parse_vn(&o.draft.date))
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        app.save_form();
    };
    // Closing asks first when something typed would be lost.
    let close = move || {
        if !app.form_changed()
            || crate::platform::window()
                .confirm_with_message("Bỏ nội dung đang nhập? Các thay đổi chưa lưu sẽ mất.")
                .unwrap_or(false)
        {
            app.set_form(None);
        }
    };
    // Keyboard users land in the form, and go back to the button that
    // opened it when it closes (marked with an attribute, since a Send
    // cleanup cannot hold the element; if that button was re-rendered
    // meanwhile, the focus stays where the browser puts it).
    const OPENER: &str = "data-form-opener";
    if let Some(el) = crate::platform::window()
        .document()
        .and_then(|d| d.active_element())
    {
        let _ = el.set_attribute(OPENER, "");
    }
    // Once mounted (an effect runs right after, before any input can
    // arrive; a later frame could take the focus from a field being typed in).
    Effect::new(|_| focus_by_id("act-title"));
    // In the next frame (focusing forces a layout, which the save that
    // closed the form need not wait for), and only if the focus went with
    // the form, not if something else has taken it meanwhile.
    on_cleanup(|| {
        request_animation_frame(|| {
            let Some(doc) = crate::platform::window().document() else {
                return;
            };
            let opener = doc.query_selector(&format!("[{OPENER}]")).ok().flatten();
            if let Some(el) = opener {
                let _ = el.remove_attribute(OPENER);
                let lost = doc
                    .active_element()
                    .is_none_or(|a| doc.body().is_some_and(|b| *b == a));
                if let (true, Ok(el)) = (
                    lost,
                    wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el),
                ) {
                    let _ = el.focus();
                }
            }
        })
    });
    // After a refused save, the first field to fix (in the form's order)
    // takes the focus, so it is in view and announced.
    Effect::new(move |_| {
        app.form_errors.with(|es| {
            let first = [
                (Field::Date, "act-date"),
                (Field::Title, "act-title"),
                (Field::Description, "act-description"),
                (Field::Participants, "act-participants"),
                (Field::Evidence, "act-evidence"),
                (Field::Status, "act-status-done"),
            ]
            .into_iter()
            .find(|(f, _)| es.iter().any(|e| e.field == *f));
            if let Some((_, id)) = first {
                focus_by_id(id);
            }
        })
    });

    view! {
        <div class="overlay">
            <form class="card activity-form" role="dialog" aria-modal="true" aria-labelledby="form-title"
                on:submit=on_submit novalidate
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { close() }>
                <h2 id="form-title">{move || if editing() { "Sửa hoạt động" } else { "Ghi hoạt động mới" }}</h2>
                {task_info}
                <Show when=move || error_for(Field::Task)().is_some()>
                    <p class="field-error">{error_for(Field::Task)}</p>
                </Show>
                <div class="field">
                    <label for="act-date">"Ngày thực hiện (dd/mm/yyyy)"</label>
                    <div class="date-row">
                        <input id="act-date" type="text" inputmode="numeric" placeholder="dd/mm/yyyy"
                            aria-invalid=move || date_err().is_some().to_string()
                            aria-describedby=move || date_err().map(|_| "act-date-error")
                            prop:value=get(|d| d.date.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); app.edit_draft(|d| d.date = v); }/>
                        <input id="act-date-picker" type="date" aria-label="Chọn ngày trên lịch"
                            prop:value=iso_date
                            on:change=move |ev| {
                                if let Some(d) = parse_vn(&event_target_value(&ev)) {
                                    app.edit_draft(|dr| dr.date = format_vn(d));
                                }
                            }/>
                    </div>
                    <Show when=move || date_err().is_some()>
                        <p class="field-error" id="act-date-error">{date_err}</p>
                    </Show>
                </div>
                {text_field("act-title", "Tiêu đề", Field::Title, |d| d.title.clone(), |d, v| d.title = v, false)}
                {text_field("act-description", "Mô tả", Field::Description, |d| d.description.clone(), |d, v| d.description = v, true)}
                {text_field("act-participants", "Thành phần tham gia", Field::Participants, |d| d.participants.clone(), |d, v| d.participants = v, false)}
                {text_field("act-evidence", "Kết quả / văn bản minh chứng (vd: số văn bản)", Field::Evidence, |d| d.evidence.clone(), |d, v| d.evidence = v, false)}
                <fieldset class="field">
                    <legend>"Trạng thái"</legend>
                    <label class="choice">
                        <input type="radio" name="status" id="act-status-done" prop:checked=move || status() == Some(Status::Done)
                            on:change=move |_| app.edit_draft(|d| d.status = Some(Status::Done))/>
                        {Status::Done.label_vi()}
                    </label>
                    <label class="choice">
                        <input type="radio" name="status" prop:checked=move || status() == Some(Status::Planned)
                            on:change=move |_| app.edit_draft(|d| d.status = Some(Status::Planned))/>
                        {Status::Planned.label_vi()}
                    </label>
                    <Show when=move || status_err().is_some()>
                        <p class="field-error">{status_err}</p>
                    </Show>
                </fieldset>
                <Show when=move || app.save_error.with(Option::is_some)>
                    <p class="error" role="alert" data-testid="save-error">{move || app.save_error.get()}</p>
                </Show>
                <div class="form-actions">
                    <button type="button" class="btn" on:click=move |_| close()>"Hủy"</button>
                    <button type="submit" class="btn primary" disabled=move || app.saving.get() || !app.loaded.get()>
                        {move || if app.saving.get() { "Đang lưu…" } else { "Lưu" }}
                    </button>
                </div>
            </form>
        </div>
    }
}

fn focus_by_id(id: &str) {
    use wasm_bindgen::JsCast;
    let el = crate::platform::window()
        .document()
        .and_then(|d| d.get_element_by_id(id));
    if let Some(el) = el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
}
