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

/// A report or export limited to the units whose period this receiver
/// accepted (`accepted_limit`): those units, and the note that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub units: std::collections::BTreeSet<String>,
    pub note: String,
}

impl Limit {
    /// Whether a record of `unit` stays: an accepted unit's, or the
    /// receiver's own (`own`).
    pub fn keeps(&self, own: &str, unit: &str) -> bool {
        unit == own || self.units.contains(unit)
    }
}

/// While `only` is checked: the units of `scope` (but `own`) whose period
/// (the one shown) this receiver accepted, and the note; `None` otherwise,
/// or for a unit that receives from nobody.
pub fn accepted_limit(
    scope: Option<papi_core::merge::Scope>,
    own: String,
    only: RwSignal<bool>,
    decided: Decided,
) -> Memo<Option<Limit>> {
    let app = crate::app::use_app();
    let inbox = crate::inbox::use_inbox();
    Memo::new(move |_| {
        let scope = scope.as_ref().filter(|_| only.get())?;
        let period = papi_core::review::ReviewPeriod::of_report(app.period.get())?;
        let units = &crate::workspace::UNITS;
        let codes: Vec<&str> = units
            .units
            .iter()
            .filter(|u| u.code != own && scope.admits(units, &u.code))
            .map(|u| u.code.as_str())
            .collect();
        let total = codes.len();
        let accepted = inbox.received.with(|r| {
            inbox.with_all_records(|all| {
                decided.0.with(|ds| {
                    papi_core::review::standings(&r.entries, ds, all, &PLAN.id, period, codes)
                        .into_iter()
                        .filter(|(_, st)| matches!(st, papi_core::review::Standing::Accepted(_)))
                        .map(|(c, _)| c.to_string())
                        .collect::<std::collections::BTreeSet<_>>()
                })
            })
        });
        let note = papi_core::report_doc::scope_note(&period.label_vi(), accepted.len(), total);
        Some(Limit {
            units: accepted,
            note,
        })
    })
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
    pub fn send(self, own: String, mut to: Vec<(String, Says)>) {
        // Only to the units it receives from (a commune that reports to a
        // district hears from the district: nothing is sealed for it).
        to.retain(|(unit, _)| {
            crate::workspace::UNITS
                .receiver_of(unit)
                .is_some_and(|r| r.code == own)
        });
        if to.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            match crate::feedback::send(&own, to).await {
                Ok(_) => {
                    if let Ok(all) = crate::feedback::sent() {
                        put(self.said, all);
                    }
                    self.post_now().await;
                }
                Err(e) => self
                    .delivery
                    .set(Some(format!("Chưa ghi được phản hồi: {e}"))),
            }
        });
    }

    /// Take in what this office sent from its other devices, then post
    /// what the server lacks (at the screen's start).
    pub fn sync(self, own: String, decided: Decided) {
        leptos::task::spawn_local(async move {
            match crate::feedback::pull_sent(&own).await {
                Ok(Some(all)) => {
                    put(decided.0, all);
                    if let Ok(s) = crate::feedback::sent() {
                        put(self.said, s);
                    }
                }
                Ok(None) => {}
                Err(e) => put(
                    self.delivery,
                    Some(format!(
                        "Chưa tải được các phản hồi gửi từ máy khác của đơn vị: {e}"
                    )),
                ),
            }
            self.post_now().await;
        });
    }

    async fn post_now(self) {
        let waiting = self
            .said
            .try_with_untracked(|s| s.iter().any(|(_, done)| !done))
            .unwrap_or(false);
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
            put(self.said, all);
        }
        put(self.delivery, Some(msg));
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

/// Set a signal that may be gone (the screen left while a task ran).
fn put<T: Send + Sync + 'static>(s: RwSignal<T>, v: T) {
    let _ = s.try_set(v);
}
