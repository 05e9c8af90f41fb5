//! The state the receiver's review shares across the report screen: its
//! decisions (`Decided`), what it says down and how the sending goes
//! (`Tell`, over `crate::feedback`), and who is using the app.

use leptos::prelude::*;
use papi_core::feedback::{Feedback, Says};
use papi_core::review::{Decision, ReviewPeriod};

use crate::workspace::PLAN;

/// The receiver's decisions on this device, shared by the screen's parts
/// (the review, the report limited to accepted periods).
#[derive(Clone, Copy)]
pub struct Decided(pub RwSignal<Vec<Decision>>);

impl Decided {
    /// Read them once, and give them to the screen below.
    pub fn provide() -> Decided {
        let d = Decided(RwSignal::new(crate::decisions::load().unwrap_or_default()));
        provide_context(d);
        d
    }
}

/// What this receiver says down, and how its sending goes: kept on the
/// device (`crate::feedback`), posted to the server when one is set.
#[derive(Clone, Copy)]
pub struct Tell {
    pub said: RwSignal<Vec<(Feedback, bool)>>,
    pub delivery: RwSignal<Option<String>>,
}

impl Tell {
    /// Seal, keep and post what this unit (`own`) says to each unit.
    pub fn send(self, own: String, to: Vec<(String, Says)>) {
        leptos::task::spawn_local(async move {
            match crate::feedback::send(&own, to).await {
                Ok(_) => {
                    if let Ok(all) = crate::feedback::sent() {
                        self.said.set(all);
                    }
                    self.post_now().await;
                }
                Err(e) => self
                    .delivery
                    .set(Some(format!("Chưa ghi được phản hồi: {e}"))),
            }
        });
    }

    /// Post what the server lacks (at start, after each change).
    pub fn post_pending(self) {
        leptos::task::spawn_local(self.post_now());
    }

    async fn post_now(self) {
        let waiting = self
            .said
            .with_untracked(|s| s.iter().any(|(_, done)| !done));
        if !waiting {
            return;
        }
        let msg = match crate::feedback::post_pending().await {
            Ok((0, _)) if !crate::sync::settings_for(&PLAN).is_set() => {
                "Chưa cài đặt máy chủ: phản hồi lưu trên máy này; dùng “Tải tệp phản hồi” để gửi cho đơn vị.".to_string()
            }
            Ok((n, refused)) if refused.is_empty() => {
                format!("Đã gửi {n} phản hồi lên máy chủ; đơn vị nhận khi đồng bộ.")
            }
            Ok((n, refused)) => format!(
                "Đã gửi {n} phản hồi lên máy chủ; máy chủ không nhận {} phản hồi (dùng “Tải tệp phản hồi” cho các đơn vị này): {}",
                refused.len(),
                refused.join("; ")
            ),
            Err(e) => format!(
                "Phản hồi lưu trên máy này, chưa gửi được lên máy chủ ({e}); sẽ gửi lại, hoặc dùng “Tải tệp phản hồi”."
            ),
        };
        if let Ok(all) = crate::feedback::sent() {
            self.said.set(all);
        }
        self.delivery.set(Some(msg));
    }

    /// When `unit` was last reminded of `period`.
    pub fn last_reminder(
        self,
        unit: &str,
        period: ReviewPeriod,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.said.with(|s| {
            s.iter()
                .filter(|(f, _)| f.to_unit == unit && f.plan.id == PLAN.id)
                .flat_map(|(f, _)| f.reminders.iter())
                .filter(|r| r.period == period)
                .map(|r| r.at)
                .max()
        })
    }
}

/// The official using the app (who saves, who sends).
pub fn official_name(app: crate::app::AppState) -> String {
    app.settings
        .with_untracked(|s| s.as_ref().map(|s| s.official_name.clone()))
        .unwrap_or_default()
}
