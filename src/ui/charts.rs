//! Small inline SVG charts (no chart library): readable on screen and in
//! print, with the figures also written as text for screen readers.

use leptos::prelude::*;
use papi_core::report::Report;

/// Per dimension: its label, its tasks with activity and its tasks (the
/// bars of `DimensionCharts`).
pub fn per_dimension(report: &Report) -> Vec<(String, usize, usize)> {
    report
        .dimensions
        .iter()
        .map(|d| {
            let label = format!("{}. {}", d.code, short(&d.name));
            (label, d.tasks_with_activity, d.tasks)
        })
        .collect()
}

/// The two charts of a report or dashboard: tasks with activity per
/// dimension (`per_dimension`), and activities per month.
#[component]
pub fn DimensionCharts(
    per_dimension: Vec<(String, usize, usize)>,
    months: [usize; 12],
) -> impl IntoView {
    view! {
        <div class="charts">
            {bars("Nhiệm vụ đã có hoạt động, theo lĩnh vực", per_dimension)}
            {self::months("Số hoạt động theo tháng", months)}
        </div>
    }
}

pub use papi_core::report_doc::short;

/// Horizontal bars: label, value, of a maximum (e.g. tasks with activity of
/// all tasks of a dimension).
pub fn bars(title: &'static str, items: Vec<(String, usize, usize)>) -> impl IntoView {
    // Each label on its own line above its bar, so a long dimension name is
    // never drawn over a bar; the width is about the figure's width on
    // screen, so the text is not scaled down.
    let row_h = 42.0;
    let bar_w = 360.0;
    let h = row_h * items.len() as f64 + 4.0;
    let desc = items
        .iter()
        .map(|(l, v, m)| format!("{l}: {v}/{m}"))
        .collect::<Vec<_>>()
        .join("; ");
    view! {
        <figure class="chart">
            <figcaption>{title}</figcaption>
            <svg viewBox=format!("0 0 {} {h}", bar_w + 60.0) role="img" aria-label=format!("{title}: {desc}")>
                {items.into_iter().enumerate().map(|(i, (label, v, max))| {
                    let y = i as f64 * row_h + 2.0;
                    let w = if max == 0 { 0.0 } else { bar_w * v as f64 / max as f64 };
                    view! {
                        <g>
                            <text x="0" y=y + 13.0 class="chart-label">{label}</text>
                            <rect x="0" y=y + 19.0 width=bar_w height="16" class="chart-track"/>
                            <rect x="0" y=y + 19.0 width=w height="16" class="chart-bar"/>
                            <text x=bar_w + 6.0 y=y + 32.0 class="chart-value">{format!("{v}/{max}")}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
        </figure>
    }
}

/// Vertical bars, one per month.
pub fn months(title: &'static str, counts: [usize; 12]) -> impl IntoView {
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let (w, h, col) = (12.0 * 40.0, 160.0, 40.0);
    let desc = counts
        .iter()
        .enumerate()
        .map(|(i, c)| format!("tháng {}: {c}", i + 1))
        .collect::<Vec<_>>()
        .join("; ");
    view! {
        <figure class="chart">
            <figcaption>{title}</figcaption>
            <svg viewBox=format!("0 0 {w} {}", h + 40.0) role="img" aria-label=format!("{title}: {desc}")>
                {counts.into_iter().enumerate().map(|(i, c)| {
                    let bh = h * c as f64 / max as f64;
                    let x = i as f64 * col + 6.0;
                    view! {
                        <g>
                            <rect x=x y=h - bh + 16.0 width=col - 12.0 height=bh class="chart-bar"/>
                            <text x=x + (col - 12.0) / 2.0 y=h - bh + 12.0 class="chart-value" text-anchor="middle">{c}</text>
                            <text x=x + (col - 12.0) / 2.0 y=h + 34.0 class="chart-label" text-anchor="middle">{format!("T{}", i + 1)}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
        </figure>
    }
}
