//! The screens. Each reads `AppState` from context and calls its actions.

pub mod activity_form;
pub mod activity_list;
pub mod badges;
pub mod batches;
pub mod charts;
pub mod chunk;
pub mod dashboard;
pub mod devices;
pub mod enrol;
pub mod faults;
pub mod history;
pub mod import;
pub mod lazy;
pub mod no_plan;
pub mod plan_browser;
pub mod plan_builder;
pub mod plan_text;
pub mod plans;
pub mod pull_refused;
pub mod report;
pub mod root;
pub mod settings;
pub mod setup;
pub mod shell;
pub mod sync_panel;
pub mod welcome;
