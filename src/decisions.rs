//! A receiver's decisions on its units' periods (accepted, sent back,
//! reopened; `papi_core::review::Decision`), kept on this device: one
//! localStorage entry per workspace, a list that only grows. A decision
//! reads the list afresh and appends, so two tabs never lose one.

use gloo_storage::{LocalStorage, Storage};
use papi_core::review::Decision;

fn key() -> String {
    crate::workspace::key("papi-tracker.decisions")
}

/// The decisions made on this device (none yet: empty).
pub fn load() -> Result<Vec<Decision>, String> {
    match LocalStorage::raw().get_item(&key()) {
        Ok(None) => Ok(Vec::new()),
        Ok(Some(text)) => serde_json::from_str(&text).map_err(|e| {
            format!("Các quyết định tiếp nhận, trả lại lưu trên máy này không đọc được ({e}): chưa ghi được gì thêm.")
        }),
        Err(e) => Err(format!("Không đọc được bộ nhớ của trình duyệt: {e:?}")),
    }
}

/// Keep a decision (checked first); the list after it.
pub fn append(d: Decision) -> Result<Vec<Decision>, String> {
    if let Some(p) = d.problem() {
        return Err(format!("Chưa ghi: {p}."));
    }
    let mut all = load()?;
    all.push(d);
    let text = serde_json::to_string(&all).map_err(|e| e.to_string())?;
    LocalStorage::raw()
        .set_item(&key(), &text)
        .map_err(|e| format!("Không lưu được trên máy này (bộ nhớ đầy?): {e:?}"))?;
    Ok(all)
}

/// Keep the decisions of `more` this device lacks (made on another device
/// of the same office); the list after them.
pub fn merge(more: impl IntoIterator<Item = Decision>) -> Result<Vec<Decision>, String> {
    let mut all = load()?;
    let before = all.len();
    for d in more {
        if d.problem().is_none() && !all.contains(&d) {
            all.push(d);
        }
    }
    if all.len() > before {
        let text = serde_json::to_string(&all).map_err(|e| e.to_string())?;
        LocalStorage::raw()
            .set_item(&key(), &text)
            .map_err(|e| format!("Không lưu được trên máy này (bộ nhớ đầy?): {e:?}"))?;
    }
    Ok(all)
}
