//! Plans from the sync server: the list (GET /api/v1/plans) and each plan
//! this device lacks by itself (at start and whenever the network comes
//! back), and publishing a plan the province made (POST /api/v1/plans).
//! A plan received joins the known plans (`workspace::add`) and the user is
//! told; choosing it switches the workspace.

use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::wire::{ErrorReply, Health, PlanList, PublishReply, HEALTH_PATH, PLANS_PATH};
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
    pub fn watch(self, app: AppState, pwa: crate::pwa::PwaState) {
        Effect::watch(
            move || pwa.net.get(),
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
                    app.notices.notify(
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
pub(crate) async fn fetched(s: SyncSettings) -> Result<Vec<Plan>, String> {
    #[cfg(not(test))]
    return match fetch_chunk(s).await {
        Ok(run) => run.await,
        Err(_) => Err("the plan fetching code could not be loaded".into()),
    };
    #[cfg(test)]
    new_plans(&s).await
}

/// Where an enrolment link's settings went when its server serves another
/// unit dataset than the plan in use (a server serves one; its health
/// names it): to the workspaces of that server's plans, fetched first.
pub struct Elsewhere {
    /// The server's unit dataset.
    pub units: String,
    /// The plans whose workspace now syncs with the link's server.
    pub adopted: Vec<Plan>,
    /// The server's plans whose workspace keeps another server.
    pub kept: Vec<Plan>,
}

impl Elsewhere {
    /// What a device that works for no unit yet is told: the server's
    /// province, and what to do next.
    pub fn welcome_vi(&self) -> String {
        let province = crate::home::index()
            .by_dataset(&self.units)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| format!("danh mục {}", self.units));
        let plans = if self.adopted.is_empty() {
            "Máy chủ chưa có kế hoạch của tỉnh: kế hoạch sẽ tự về máy khi Sở Nội vụ công bố."
                .to_string()
        } else {
            format!("Đã nhận {}.", workspace::label_vi(&self.adopted[0]))
        };
        format!(
            "Đã kết nối với máy chủ của {province}. {plans} Hãy chọn đơn vị của bạn để bắt đầu."
        )
    }

    pub fn message_vi(&self) -> String {
        let catalogue = workspace::catalogue();
        let province = catalogue
            .dataset(&self.units)
            .and_then(|u| u.province())
            .map(|p| format!("{} (danh mục {})", p.name, self.units))
            .unwrap_or_else(|| format!("danh mục {}", self.units));
        let names = |plans: &[Plan]| {
            plans
                .iter()
                .map(workspace::label_vi)
                .collect::<Vec<_>>()
                .join("; ")
        };
        let head = format!("Máy chủ trong liên kết phục vụ các đơn vị của {province}, khác với kế hoạch đang dùng.");
        if !self.adopted.is_empty() {
            format!("{head} Đã lưu cài đặt đồng bộ cho {}: mở «Các kế hoạch» và chuyển sang kế hoạch đó để gửi lô.", names(&self.adopted))
        } else if !self.kept.is_empty() {
            format!("{head} {} đã có máy chủ đồng bộ khác: chuyển sang kế hoạch đó rồi mở lại liên kết nếu muốn thay.", names(&self.kept))
        } else {
            format!("{head} Máy chủ chưa có kế hoạch nào cho các đơn vị này: cài đặt đồng bộ được giữ cho kế hoạch đầu tiên của các đơn vị này mà máy nhận hoặc lập.")
        }
    }
}

/// Where an enrolment link to `s` belongs: `Ok(None)` with the plan in use
/// (its dataset, or a server too old to name one); otherwise the server's
/// plans are fetched and their workspaces take the settings. `Err`: the
/// server could not be asked (offline).
pub async fn enrol_elsewhere(s: SyncSettings) -> Result<Option<Elsewhere>, String> {
    #[cfg(not(test))]
    return match enrol_chunk(s).await {
        Ok(run) => run.await,
        Err(_) => Err("the plan fetching code could not be loaded".into()),
    };
    #[cfg(test)]
    enrol_target(&s).await
}

#[cfg(not(test))]
type EnrolFetch =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Option<Elsewhere>, String>>>>;

#[cfg(not(test))]
#[leptos::wasm_split::wasm_split(plan_fetch, wasm_split_path = ::leptos::wasm_split, fallible)]
fn enrol_chunk(s: SyncSettings) -> Result<EnrolFetch, leptos::wasm_split::SplitLoaderError> {
    not_in_first_visit!();
    Ok(Box::pin(async move { enrol_target(&s).await }))
}

async fn enrol_target(s: &SyncSettings) -> Result<Option<Elsewhere>, String> {
    let health: Health = get_json(s, HEALTH_PATH).await?;
    if health.units.is_empty() || health.units == crate::workspace::PLAN.units {
        return Ok(None);
    }
    new_plans(s).await?;
    let mut out = Elsewhere {
        units: health.units,
        adopted: vec![],
        kept: vec![],
    };
    for plan in workspace::choices() {
        if plan.units != out.units {
            continue;
        }
        if sync::adopt_settings(&plan.id, s)? {
            out.adopted.push(plan);
        } else {
            out.kept.push(plan);
        }
    }
    // The plans of that dataset to come (built here, read from a file)
    // take them too, unless the ones held already sync elsewhere.
    if !out.adopted.is_empty() || out.kept.is_empty() {
        sync::hold_for_dataset(&out.units, s)?;
    }
    Ok(Some(out))
}

#[cfg(not(test))]
#[leptos::wasm_split::wasm_split(plan_fetch, wasm_split_path = ::leptos::wasm_split, fallible)]
fn fetch_chunk(s: SyncSettings) -> Result<Fetch, leptos::wasm_split::SplitLoaderError> {
    not_in_first_visit!();
    Ok(Box::pin(async move { new_plans(&s).await }))
}

/// A JSON answer of the server `s` to a GET of `path`; anything but 200
/// is an error.
async fn get_json<T: serde::de::DeserializeOwned>(
    s: &SyncSettings,
    path: &str,
) -> Result<T, String> {
    let answer = sync::fetch("GET", &s.url(path), &s.token, None).await?;
    if answer.status != 200 {
        return Err(format!("HTTP {}", answer.status));
    }
    serde_json::from_str(&answer.body).map_err(|e| e.to_string())
}

/// The server's plans this device lacks, fetched and added. A plan that
/// cannot join (another dataset this build lacks) is skipped.
async fn new_plans(s: &SyncSettings) -> Result<Vec<Plan>, String> {
    let list: PlanList = get_json(s, PLANS_PATH).await?;
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
        match workspace::add_fetching(&answer.body).await {
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
pub async fn publish(s: &SyncSettings, text: &str) -> Result<String, String> {
    if !s.is_set() {
        return Err("chưa cài đặt máy chủ đồng bộ (Cài đặt → Đồng bộ)".into());
    }
    let answer = sync::fetch("POST", &s.url(PLANS_PATH), &s.token, Some(text)).await?;
    match answer.status {
        200 | 201 => {
            let reply: Result<PublishReply, _> = serde_json::from_str(&answer.body);
            // The plan's workspace syncs with the server that holds it.
            if let Ok(r) = &reply {
                sync::adopt_settings(&r.plan.id, s)?;
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
