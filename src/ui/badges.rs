//! Small marks shared by screens: a task's role for the unit.

use leptos::prelude::*;
use papi_core::Role;

/// Lead, coordinating or unassigned: the badge beside a task.
pub fn role_badge(role: Role) -> impl IntoView {
    let class = match role {
        Role::Lead => "badge lead",
        Role::Coordinating => "badge coord",
        Role::Unassigned => "badge none",
    };
    view! { <span class=class>{role.label_vi()}</span> }
}
