//! The plan's own text besides the table: purposes and requirements
//! (Section I), organisation of implementation (III) and funding (IV).

use leptos::prelude::*;

use crate::workspace::PLAN;

fn list(items: &[String]) -> impl IntoView {
    view! { <ol>{items.iter().map(|i| view! { <li>{i.clone()}</li> }).collect_view()}</ol> }
}

#[component]
pub fn PlanText() -> impl IntoView {
    let doc = &PLAN.document;
    view! {
        <article class="plan-text card">
            <h2>{doc.title.clone()}</h2>
            <p class="meta">
                "Kế hoạch số " {doc.number.clone()} " ngày " {papi_core::dates::format_vn(doc.date)}
                " của " {doc.issuer.clone()}
            </p>
            <p>{PLAN.preamble.clone()}</p>
            <h3>"I. Mục đích, yêu cầu"</h3>
            <h4>"1. Mục đích"</h4>
            {list(&PLAN.purposes)}
            <h4>"2. Yêu cầu"</h4>
            {list(&PLAN.requirements)}
            <h3>"II. Nhiệm vụ, giải pháp"</h3>
            <p>
                {PLAN.dimensions.len()} " chỉ số nội dung, " {PLAN.sub_indicators().count()} " chỉ số thành phần, "
                {PLAN.tasks().count()} " nhiệm vụ: xem màn hình Nhiệm vụ."
            </p>
            <h3>"III. Tổ chức thực hiện"</h3>
            {list(&PLAN.organisation)}
            <h3>"IV. Kinh phí thực hiện"</h3>
            {PLAN.funding.iter().map(|f| view! { <p>{f.clone()}</p> }).collect_view()}
            <p>{PLAN.closing.clone()}</p>
        </article>
    }
}
