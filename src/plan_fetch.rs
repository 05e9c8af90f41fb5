//! Plans from the sync server: the list (GET /api/v1/plans) and each plan
//! this device lacks by itself (at start and whenever the network comes
//! back), and publishing a plan the province made (POST /api/v1/plans).
//! A plan received joins the known plans (`workspace::add`) and the user is
//! told; choosing it switches the workspace.

use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::wire::{ErrorReply, PlanList, PublishReply, PLANS_PATH};
use papi_core::Plan;

use crate::app::AppState;
use crate::pwa::Net;
use crate::sync::{self, SyncSettings};
use crate::workspace;

/// Bumped whenever a plan joins the known plans: the screens that list
/// them read `workspace::choices()` again.
#[derive(Clone, Copy)]
pub struct KnownPlans(pub RwSignal<u64>);

impl KnownPlans {
    /// Made once by the root component and provided as a context.
    pub fn provide() -> KnownPlans {
        let k = KnownPlans(RwSignal::new(0));
        provide_context(k);
        k
    }

    pub fn changed(&self) {
        self.0.update(|n| *n += 1);
    }

    /// Fetch new plans now and whenever the network comes back.
    pub fn watch(self, app: AppState) {
        Effect::watch(
            move || app.net.get(),
            move |net, _, _| {
                if *net == Net::Online {
                    spawn_local(async move { self.fetch_new(app).await });
                }
            },
            true,
        );
    }

    /// Fetch the plans this device lacks; tell the user of each new one.
    pub async fn fetch_new(self, app: AppState) {
        let s = sync::load_settings();
        if !s.is_set() {
            return;
        }
        match fetched(s).await {
            Ok(added) => {
                for plan in &added {
                    app.notify(
                        format!(
                            "Có kế hoạch mới từ máy chủ: {}. Mở mục «Các kế hoạch» để chuyển sang kế hoạch này.",
                            workspace::label_vi(plan)
                        ),
                        false,
                        None,
                    );
                }
                if !added.is_empty() {
                    self.changed();
                }
            }
            Err(e) => web_sys::console::warn_1(&format!("plans: {e}").into()),
        }
    }
}

pub fn use_known_plans() -> KnownPlans {
    use_context::<KnownPlans>().expect("KnownPlans provided by the root")
}

#[cfg(not(test))]
type Fetch = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<Plan>, String>>>>;

/// `new_plans`, whose code (the requests, reading and storing plans) is a
/// chunk of its own, off the first screen's path: a chunk that cannot be
/// fetched is a fetch that could not have run (offline), tried again when
/// the network comes back. (wasm-bindgen-test builds are not split.)
async fn fetched(s: SyncSettings) -> Result<Vec<Plan>, String> {
    #[cfg(not(test))]
    return match fetch_chunk(s).await {
        Ok(run) => run.await,
        Err(_) => Err("the plan fetching code could not be loaded".into()),
    };
    #[cfg(test)]
    new_plans(&s).await
}

#[cfg(not(test))]
#[leptos::wasm_split::wasm_split(plan_fetch, wasm_split_path = ::leptos::wasm_split, fallible)]
fn fetch_chunk(s: SyncSettings) -> Result<Fetch, leptos::wasm_split::SplitLoaderError> {
    Ok(Box::pin(async move { new_plans(&s).await }))
}

/// The server's plans this device lacks, fetched and added. A plan that
/// cannot join (another dataset this build lacks) is skipped.
async fn new_plans(s: &SyncSettings) -> Result<Vec<Plan>, String> {
    let answer = sync::fetch("GET", &s.url(PLANS_PATH), &s.token, None).await?;
    if answer.status != 200 {
        return Err(format!("HTTP {}", answer.status));
    }
    let list: PlanList = serde_json::from_str(&answer.body).map_err(|e| e.to_string())?;
    let catalogue = workspace::catalogue();
    let mut added = vec![];
    for info in list.plans {
        if catalogue.plan(&info.id, &info.version).is_some() {
            continue;
        }
        let url = s.url(&format!(
            "{PLANS_PATH}/{}/{}",
            encode(&info.id),
            encode(&info.version)
        ));
        let answer = sync::fetch("GET", &url, &s.token, None).await?;
        if answer.status != 200 {
            continue;
        }
        match workspace::add(&answer.body) {
            Ok(Some(plan)) => {
                // The server's tokens are of the plan's dataset: its
                // workspace syncs with the server it came from.
                if let Err(e) = sync::adopt_settings(&plan.id, s) {
                    web_sys::console::warn_1(&format!("plan {}: {e}", plan.id).into());
                }
                added.push(plan)
            }
            Ok(None) => {}
            Err(e) => web_sys::console::warn_1(&format!("plan {}: {e}", info.id).into()),
        }
    }
    Ok(added)
}

fn encode(part: &str) -> String {
    js_sys::encode_uri_component(part)
        .as_string()
        .unwrap_or_default()
}

/// Publish a plan file on the sync server (the province's token). The
/// answer for people, in Vietnamese: `Ok` when the server holds it.
pub async fn publish(text: &str) -> Result<String, String> {
    let s = sync::load_settings();
    if !s.is_set() {
        return Err("chưa cài đặt máy chủ đồng bộ (Cài đặt → Đồng bộ)".into());
    }
    let answer = sync::fetch("POST", &s.url(PLANS_PATH), &s.token, Some(text)).await?;
    match answer.status {
        200 | 201 => {
            let reply: Result<PublishReply, _> = serde_json::from_str(&answer.body);
            // The plan's workspace syncs with the server that holds it.
            if let Ok(r) = &reply {
                sync::adopt_settings(&r.plan.id, &s)?;
            }
            Ok(match (answer.status, reply) {
                (201, _) => "máy chủ đã nhận kế hoạch; các đơn vị sẽ tự nhận được".into(),
                _ => "máy chủ đã có đúng kế hoạch này".into(),
            })
        }
        status => {
            let why = serde_json::from_str::<ErrorReply>(&answer.body)
                .map(|e| e.message)
                .unwrap_or_else(|_| format!("HTTP {status}"));
            Err(format!("máy chủ không nhận kế hoạch: {why}"))
        }
    }
}
