//! "Nhập lô" (district, province): pick or drop many batch files, see the
//! dry run per file, apply; the gaps in each device's sequence; and what has
//! been received, per unit.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use papi_core::activity::timeline;
use papi_core::dates::format_vn;
use papi_core::merge::gaps;

use crate::app::use_app;
use crate::inbox::{
    dropped_files, dry_run_now, picked_files, read_files, scope_of, FileCheck, FileState, Picked,
};
use crate::platform::local_time_vn;
use crate::pull::PullRun;
use crate::store::{EntryKind, RefusedPull};
use crate::ui::import_evidence::{keep_carried, open_zips, Carried, CarriedFiles};
use crate::ui::pull_refused::RefusedPulls;
use crate::workspace::UNITS;

#[component]
pub fn Import() -> impl IntoView {
    let run = ImportRun::new();
    run.reload_refused();
    let has_server = crate::sync::load_settings().is_set();
    let ImportRun {
        checks,
        busy,
        progress,
        refused,
        carried,
        kept,
        ..
    } = run;
    view! {
        <section class="import">
            <h2>"Nhập lô dữ liệu"</h2>
            <ImportLead/>
            <DropZone busy=busy on_files=Callback::new(move |files| run.check_files(files))
                on_pull=has_server.then(|| Callback::new(move |()| run.pull()))/>
            <Show when=move || busy.get()>
                <p role="status" data-testid="import-progress">{move || match progress.get() {
                    Some((done, of)) => format!("Đang áp dụng: đã ghi {done}/{of} tệp…"),
                    None => "Đang xử lý…".to_string(),
                }}</p>
            </Show>
            <Show when=move || checks.with(|c| !c.is_empty())>
                <CheckResults checks=checks busy=busy ready=Signal::derive(move || run.ready())
                    on_apply=Callback::new(move |()| run.apply())
                    on_close=Callback::new(move |()| run.close())
                    on_trust=Callback::new(move |origin| run.trust(origin))/>
            </Show>
            <CarriedFiles checks=checks carried=carried kept=kept/>
            <RefusedPulls list=refused/>
            <crate::ui::faults::FaultList kinds=&[EntryKind::Received, EntryKind::Refused]/>
            <Gaps/>
            <ReceivedUnits/>
        </section>
    }
}

/// The import screen's state: the files checked, what the dry run was made
/// against, and the pull from the server; and what the screen's buttons do.
#[derive(Clone, Copy)]
struct ImportRun {
    app: crate::app::AppState,
    inbox: crate::inbox::InboxState,
    sync: crate::sync::SyncState,
    checks: RwSignal<Vec<FileCheck>>,
    /// The files of the last dry run: run again once a device is trusted.
    last: StoredValue<Vec<Picked>>,
    /// The store's state the dry run was made against: applying checks it.
    basis: StoredValue<Option<u32>>,
    busy: RwSignal<bool>,
    /// While applying: how many of how many files are written.
    progress: RwSignal<Option<(usize, usize)>>,
    /// Batches pulled from the sync server go through the same dry run;
    /// the cursor moves past each once it is dealt with (`crate::pull`).
    pulled: StoredValue<Option<PullRun>>,
    /// The batches pulled and refused for good, as kept in the store.
    refused: RwSignal<Vec<RefusedPull>>,
    /// The evidence files carried in the picked zips, and what became of
    /// them once applied (`ui::import_evidence`).
    carried: RwSignal<Arc<Vec<Carried>>>,
    kept: RwSignal<Option<Result<usize, String>>>,
}

impl ImportRun {
    fn new() -> ImportRun {
        ImportRun {
            app: use_app(),
            inbox: crate::inbox::use_inbox(),
            sync: crate::sync::use_sync(),
            checks: RwSignal::new(vec![]),
            last: StoredValue::new(vec![]),
            basis: StoredValue::new(None),
            busy: RwSignal::new(false),
            progress: RwSignal::new(None),
            pulled: StoredValue::new(None),
            refused: RwSignal::new(vec![]),
            carried: RwSignal::new(Arc::new(vec![])),
            kept: RwSignal::new(None),
        }
    }

    fn reload_refused(self) {
        spawn_local(async move { self.refused.set(self.app.refused_pulls().await) });
    }

    fn scope(self) -> Option<papi_core::merge::Scope> {
        self.app
            .settings
            .with_untracked(|s| s.as_ref().and_then(|s| scope_of(s.level(), &s.unit_code)))
    }

    /// How many lines would apply.
    fn ready(self) -> usize {
        self.checks.with(|cs| {
            cs.iter()
                .filter(|c| matches!(c.state, FileState::Ready(..)))
                .count()
        })
    }

    fn check_files(self, files: Vec<web_sys::File>) {
        let Some(scope) = self.scope() else { return };
        // One import at a time: a dry run made while another applies would
        // pair a new basis with the old state.
        if files.is_empty() || self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        // Files replace what was pulled: the cursor stays where it was.
        self.pulled.set_value(None);
        spawn_local(async move {
            let (picked, carried) = open_zips(read_files(files).await);
            self.carried.set(Arc::new(carried));
            self.kept.set(None);
            self.inbox.wait_loaded().await;
            crate::platform::mark("papi-dryrun-start");
            self.basis.set_value(crate::inbox::basis(&self.app));
            self.last.set_value(picked.clone());
            self.checks.set(dry_run_now(&self.inbox, picked, &scope));
            crate::platform::measure("papi-dryrun", "papi-dryrun-start");
            self.busy.set(false);
        });
    }

    fn apply(self) {
        self.busy.set(true);
        spawn_local(async move {
            crate::platform::mark("papi-apply-start");
            let progress = self.progress;
            self.inbox
                .apply_checks(self.checks, self.basis.get_value(), |done, of| {
                    progress.set(Some((done, of)))
                })
                .await;
            progress.set(None);
            crate::platform::measure("papi-apply", "papi-apply-start");
            let carried = self.carried.get_untracked();
            if !carried.is_empty() {
                let checks = self.checks.get_untracked();
                let kept = keep_carried(&self.inbox, &checks, &carried).await;
                let _ = self.kept.try_set(Some(kept));
            }
            // The cursor moves past what is now dealt with; what failed to
            // be written is fetched again by the next pull.
            if let Some(run) = self.pulled.get_value() {
                self.app
                    .settle_pull(&run, &self.checks.get_untracked())
                    .await;
                self.pulled.set_value(None);
                self.reload_refused();
            }
            self.busy.set(false);
        });
    }

    fn pull(self) {
        let Some(scope) = self.scope() else { return };
        let app = self.app;
        self.busy.set(true);
        spawn_local(async move {
            match app.pull_new(self.sync).await {
                Ok((run, _)) if run.is_empty() => {
                    app.settle_pull(&run, &[]).await;
                    app.notices.notify("Máy chủ không có lô mới.", false, None);
                }
                Ok((run, picked)) => {
                    self.inbox.wait_loaded().await;
                    self.basis.set_value(crate::inbox::basis(&self.app));
                    self.last.set_value(picked.clone());
                    let result = dry_run_now(&self.inbox, picked, &scope);
                    // Refusals are recorded now; what waits to be applied
                    // keeps the cursor until "Áp dụng".
                    let settled = app.settle_pull(&run, &result).await;
                    self.pulled.set_value((!settled).then_some(run));
                    self.checks.set(result);
                    self.reload_refused();
                }
                Err(e) => {
                    app.notices
                        .notify(format!("Không tải được lô từ máy chủ: {e}"), true, None)
                }
            }
            self.busy.set(false);
        });
    }

    fn close(self) {
        self.checks.set(vec![]);
        self.carried.set(Arc::new(vec![]));
        self.kept.set(None);
        self.pulled.set_value(None);
        self.last.set_value(vec![]);
    }

    fn trust(self, origin: papi_core::batch::Origin) {
        if let Some(scope) = self.scope() {
            trust_and_check_again(
                self.app,
                self.inbox,
                &origin,
                &scope,
                self.last,
                self.basis,
                self.checks,
            );
        }
    }
}

/// Trust on first use: the officer compared the fingerprint with the
/// sender; the same files are checked again.
fn trust_and_check_again(
    app: crate::app::AppState,
    inbox: crate::inbox::InboxState,
    origin: &papi_core::batch::Origin,
    scope: &papi_core::merge::Scope,
    last: StoredValue<Vec<Picked>>,
    basis: StoredValue<Option<u32>>,
    checks: RwSignal<Vec<FileCheck>>,
) {
    if let Err(e) = crate::inbox::trust_device(origin) {
        app.notices.notify(e, true, None);
        return;
    }
    basis.set_value(crate::inbox::basis(&app));
    checks.set(dry_run_now(&inbox, last.get_value(), scope));
}

/// What to give the import: a district's communes' files, or at the
/// province the districts' bundles and the bodies' files.
#[component]
fn ImportLead() -> impl IntoView {
    let province = use_app().settings.with_untracked(|s| {
        s.as_ref()
            .is_some_and(|s| s.level() == papi_core::Level::Province)
    });
    view! {
        <p class="lead">
            {if province && crate::workspace::UNITS.two_tier() {
                "Chọn hoặc kéo thả các tệp lô (papi-….json) của các xã, phường và của các sở, ban, ngành. "
            } else if province {
                "Chọn hoặc kéo thả các gói của huyện (papi-…-goi-….json) và tệp lô của các sở, ban, ngành. "
            } else {
                "Chọn hoặc kéo thả các tệp lô (papi-….json) của các xã. "
            }}
            "Một lô kèm tệp minh chứng đến dưới dạng tệp .zip: chọn tệp .zip như một tệp lô. "
            "Ứng dụng kiểm tra trước từng lô; chỉ khi bạn bấm Áp dụng dữ liệu mới được ghi. Nhập lại một tệp đã nhập không làm thay đổi gì."
        </p>
    }
}

/// Where files are picked or dropped; and, with a sync server, the pull.
#[component]
fn DropZone(
    busy: RwSignal<bool>,
    on_files: Callback<Vec<web_sys::File>>,
    on_pull: Option<Callback<()>>,
) -> impl IntoView {
    let over = RwSignal::new(false);
    let on_pick = move |ev: web_sys::Event| on_files.run(picked_files(&ev));
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        over.set(false);
        on_files.run(dropped_files(&ev));
    };
    view! {
        <div class="dropzone" class:over=move || over.get()
            on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); over.set(true); }
            on:dragleave=move |_| over.set(false)
            on:drop=on_drop
            data-testid="dropzone"
        >
            <p>"Kéo thả các tệp lô vào đây, hoặc"</p>
            <label class="btn primary file-btn">
                "Chọn tệp lô…"
                <input type="file" multiple accept=".json,application/json,.zip,application/zip" class="visually-hidden"
                    data-testid="import-files" disabled=move || busy.get() on:change=on_pick/>
            </label>
            " "
            {on_pull.map(|pull| view! {
                <button class="btn" data-testid="pull" disabled=move || busy.get()
                    on:click=move |_| pull.run(())>
                    "Tải lô mới từ máy chủ"
                </button>
            })}
        </div>
    }
}

/// The dry run's lines, and the buttons that apply them or close them.
#[component]
fn CheckResults(
    checks: RwSignal<Vec<FileCheck>>,
    busy: RwSignal<bool>,
    ready: Signal<usize>,
    on_apply: Callback<()>,
    on_close: Callback<()>,
    on_trust: Callback<papi_core::batch::Origin>,
) -> impl IntoView {
    view! {
        <div class="card">
            <h3>"Kết quả kiểm tra"</h3>
            <Summary checks=checks/>
            <ul class="file-checks" data-testid="file-checks">
                {move || checks.get().into_iter().map(|c| view! { <FileRow c=c on_trust=on_trust/> }).collect_view()}
            </ul>
            <div class="form-actions">
                <button class="btn primary" data-testid="apply-import"
                    disabled=move || busy.get() || ready.get() == 0
                    on:click=move |_| on_apply.run(())>
                    {move || match ready.get() {
                        0 => "Không có lô nào để áp dụng".to_string(),
                        n => format!("Áp dụng {n} lô"),
                    }}
                </button>
                <button class="btn" disabled=move || busy.get()
                    on:click=move |_| on_close.run(())>"Đóng"</button>
            </div>
        </div>
    }
}

#[component]
fn Summary(checks: RwSignal<Vec<FileCheck>>) -> impl IntoView {
    let text = move || {
        checks.with(|cs| {
            let (mut ready, mut applied, mut already, mut refused) = (0, 0, 0, 0);
            let (mut held, mut newer) = (0, 0);
            let (mut add, mut upd, mut same, mut conf) = (0, 0, 0, 0);
            for c in cs {
                match &c.state {
                    FileState::Ready(_, ch) | FileState::Applied(_, ch, _) => {
                        if matches!(c.state, FileState::Ready(..)) {
                            ready += 1
                        } else {
                            applied += 1
                        }
                        add += ch.added;
                        upd += ch.updated;
                        same += ch.unchanged;
                        conf += ch.conflicts.len();
                    }
                    FileState::AlreadyImported => already += 1,
                    FileState::Refused(_) | FileState::Failed(_) => refused += 1,
                    FileState::UnknownDevice => held += 1,
                    FileState::Newer(..) => newer += 1,
                }
            }
            let verb = if ready > 0 { "Sẽ nhập" } else { "Đã nhập" };
            // One line per batch (a bundle file holds several); a refused
            // file is one line, whatever it held.
            let held = if held > 0 {
                format!(" Chờ đối chiếu thiết bị: {held} tệp.")
            } else {
                String::new()
            };
            let newer = if newer > 0 {
                format!(" Chờ cập nhật ứng dụng: {newer} lô.")
            } else {
                String::new()
            };
            format!(
                "{verb} {} lô: thêm {add}, cập nhật {upd}, giữ nguyên {same}, xung đột {conf}. Đã nhập trước đó: {already} lô. Bị từ chối: {refused} tệp.{held}{newer}",
                ready + applied
            )
        })
    };
    view! { <p class="summary" data-testid="import-summary" role="status">{text}</p> }
}

#[component]
fn FileRow(c: FileCheck, on_trust: Callback<papi_core::batch::Origin>) -> impl IntoView {
    let changes = |ch: &papi_core::merge::Changes| {
        format!(
            "thêm {}, cập nhật {}, giữ nguyên {}, xung đột {}",
            ch.added,
            ch.updated,
            ch.unchanged,
            ch.conflicts.len()
        )
    };

    // A backup (a device's, or a unit's part of a district's bundle) has no
    // number: it is all of the unit's data as of a day.
    let which = |b: &papi_core::batch::Batch| match b.kind {
        papi_core::batch::BatchKind::Backup => format!(
            "{}, toàn bộ dữ liệu đến ngày {}",
            UNITS.name_or_code(&b.unit_code),
            papi_core::dates::format_vn(papi_core::dates::vn_date(b.created_at))
        ),
        papi_core::batch::BatchKind::Changes => {
            format!("{}, lô số {}", UNITS.name_or_code(&b.unit_code), b.seq)
        }
    };
    let (class, text, conflicts) = match &c.state {
        FileState::UnknownDevice => (
            "held",
            "Chưa áp dụng: thiết bị ký tệp chưa được biết.".to_string(),
            vec![],
        ),
        FileState::Refused(why) => ("refused", format!("Từ chối: {why}"), vec![]),
        FileState::Newer(_, why) => (
            "held",
            format!("Chưa áp dụng, đã giữ lại: {why} Lô sẽ được nhập ở lần tải từ máy chủ sau khi ứng dụng được cập nhật."),
            vec![],
        ),
        FileState::Failed(why) => (
            "refused",
            format!("Không nhập được, không có gì bị ghi: {why}"),
            vec![],
        ),
        FileState::AlreadyImported => (
            "same",
            "Đã nhập trước đó: không có gì thay đổi.".to_string(),
            vec![],
        ),
        FileState::Ready(b, ch) => (
            "ready",
            format!("{}: sẽ {}.", which(b), changes(ch)),
            ch.conflicts.clone(),
        ),
        FileState::Applied(b, ch, n) => (
            "applied",
            format!(
                "{}: đã nhập ({}); đã lưu {n} phiên bản hoạt động.",
                which(b),
                changes(ch)
            ),
            vec![],
        ),
    };
    let held = matches!(c.state, FileState::UnknownDevice);
    view! {
        <li class=format!("file-check {class}") data-state=class>
            <strong class="file-name">{c.name.clone()}</strong>
            <span>{text}</span>
            {c.signed.clone().map(|s| view! { <SignedLine s=s held=held on_trust=on_trust/> })}
            {(!conflicts.is_empty()).then(|| view! {
                <ul class="conflicts">
                    {conflicts.into_iter().map(|k| view! {
                        <li>"Xung đột ở \"" {k.kept.fields.title().to_string()} "\": giữ bản sửa lúc "
                            {crate::platform::local_time_of(k.kept.updated_at)}
                            ", bỏ bản \"" {k.other.fields.title().to_string()} "\"."</li>
                    }).collect_view()}
                </ul>
            })}
        </li>
    }
}

/// Who signed a file, as the keyring judges it; for a device nobody knows
/// yet, the fingerprint to compare and the button that trusts it.
#[component]
fn SignedLine(
    s: crate::inbox::Signed,
    held: bool,
    on_trust: Callback<papi_core::batch::Origin>,
) -> impl IntoView {
    use papi_core::trust::Verdict;
    let class = match s.verdict {
        Verdict::Verified(_) | Verdict::ReceivedBeforeRevocation { .. } => "signed verified",
        Verdict::Unsigned => "signed unsigned",
        Verdict::UnknownDevice { .. } => "signed unknown",
        _ => "signed refused",
    };
    let unit = UNITS.name_or_code(&s.origin.unit_code);
    let origin = s.origin.clone();
    let ask = move |_| {
        let fp = origin
            .signer
            .as_deref()
            .and_then(papi_core::signature::fingerprint)
            .unwrap_or_default();
        let question = format!(
            "Bạn đã gọi cho {unit} và họ đọc đúng dấu vân tay khóa {fp} (trong Cài đặt của máy họ)? Chỉ tin cậy khi khớp từng chữ số."
        );
        let yes = web_sys::window()
            .and_then(|w| w.confirm_with_message(&question).ok())
            .unwrap_or(false);
        if yes {
            on_trust.run(origin.clone());
        }
    };
    view! {
        <p class=class data-testid="signed">{s.message_vi()}</p>
        {held.then(|| view! {
            <button class="btn small" data-testid="trust-device" on:click=ask>
                "Đã đối chiếu: tin cậy thiết bị này"
            </button>
        })}
    }
}

#[component]
fn Gaps() -> impl IntoView {
    let inbox = crate::inbox::use_inbox();
    let list = move || {
        inbox.received.with(|r| {
            gaps(r.receipts.values())
                .iter()
                .map(|g| g.message_vi(&UNITS))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || !list().is_empty()>
            <div class="card warn" role="region" aria-label="Lô còn thiếu">
                <h3>"Lô còn thiếu"</h3>
                <ul data-testid="gaps">{move || list().into_iter().map(|g| view! { <li>{g}</li> }).collect_view()}</ul>
            </div>
        </Show>
    }
}

#[component]
fn ReceivedUnits() -> impl IntoView {
    let inbox = crate::inbox::use_inbox();
    let selected: RwSignal<Option<String>> = RwSignal::new(None);
    // Per unit: the core's summary of what arrived (`report::received_units`).
    let rows = move || {
        inbox
            .received
            .with(|r| papi_core::report::received_units(r.records.values(), r.receipts.values()))
    };
    view! {
        <div class="card">
            <h3>"Dữ liệu đã nhập"</h3>
            {move || {
                let rows = rows();
                if rows.is_empty() {
                    return view! { <p class="empty">"Chưa nhập lô nào."</p> }.into_any();
                }
                view! {
                    <div class="table-wrap">
                    <table class="grid" data-testid="received-units">
                        <thead><tr>
                            <th scope="col">"Đơn vị"</th>
                            <th scope="col">"Số hoạt động"</th>
                            <th scope="col">"Số lô"</th>
                            <th scope="col">"Lô gần nhất"</th>
                            <th scope="col"><span class="visually-hidden">"Xem"</span></th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| {
                                let code = r.unit_code.clone();
                                let last = r.last_batch.map(papi_core::dates::format_instant);
                                view! {
                                    <tr data-unit=r.unit_code.clone()>
                                        <th scope="row">{UNITS.name_or_code(&r.unit_code)}</th>
                                        <td>{r.activities}</td>
                                        <td>{r.batches}</td>
                                        <td>{last.map(|t| local_time_vn(&t)).unwrap_or_default()}</td>
                                        <td><button class="btn small" on:click=move |_| selected.set(Some(code.clone()))>"Xem"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                }.into_any()
            }}
            {move || selected.get().map(|code| {
                let name = UNITS.name_or_code(&code);
                let list = inbox.received.with(|r| {
                    timeline(r.records.values().filter(|a| a.unit_code == code))
                        .into_iter()
                        .map(|a| (a.id, a.fields.date, a.fields.task_id.clone(), a.fields.title().to_string(), a.fields.status))
                        .collect::<Vec<_>>()
                });
                view! {
                    <h4>"Hoạt động của " {name} " (" {list.len()} ")"</h4>
                    <ol class="received-list" data-testid="received-activities">
                        {list.into_iter().map(|(id, date, task, title, status)| view! {
                            <li data-id=id.to_string()>
                                <time>{format_vn(date)}</time> " · Nhiệm vụ " {task} " · "
                                <strong class="title">{title}</strong> " · " {status.label_vi()}
                            </li>
                        }).collect_view()}
                    </ol>
                }
            })}
        </div>
    }
}
