//! "Sau sắp xếp 01/07/2025" on the province's roll-up: what the former
//! communes recorded, under the unit that took over from each and under
//! their old names (`papi_core::report::by_successor`). Records keep their
//! codes and names; only the view groups them.

use leptos::prelude::*;
use papi_core::dates::format_vn;
use papi_core::report::by_successor;

use crate::workspace::UNITS_JOINED;

/// Shown when the units of the plan have successors (a dataset a reform
/// ended); nothing otherwise.
#[component]
pub fn SuccessorHistory() -> impl IntoView {
    let inbox = crate::inbox::use_inbox();
    let from = UNITS_JOINED.successors.values().next().map(|s| s.from);
    let groups = Memo::new(move |_| {
        inbox.with_all_records(|all| by_successor(all.iter().copied(), &UNITS_JOINED))
    });
    from.map(|from| {
        view! {
            <div class="card" data-testid="successor-history">
                <h3>"Theo đơn vị sau sắp xếp (từ " {format_vn(from)} ")"</h3>
                <p class="lead">
                    "Hoạt động của các xã cũ, gộp theo đơn vị đã tiếp nhận; tên cũ vẫn giữ nguyên trong dữ liệu."
                </p>
                <div class="table-wrap">
                <table class="grid">
                    <thead><tr>
                        <th scope="col">"Đơn vị sau sắp xếp"</th>
                        <th scope="col">"Các xã cũ (số hoạt động)"</th>
                        <th scope="col">"Tổng"</th>
                    </tr></thead>
                    <tbody>
                        {move || groups.get().into_iter().map(|g| {
                            let former = g.former.iter()
                                .map(|(_, name, n)| format!("{name} ({n})"))
                                .collect::<Vec<_>>()
                                .join("; ");
                            view! {
                                <tr data-successor=g.code.clone()>
                                    <th scope="row">{g.name.clone()}</th>
                                    <td>{former}</td>
                                    <td>{g.activities()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            </div>
        }
    })
}
