//! "Báo cáo năm": the year-end report of Section III of the plan, laid out
//! as a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP):
//! issuing body, national title and motto, number, place and date, title,
//! body (summary table first, then per dimension → sub-indicator → task),
//! recipients and signature. Printed on A4 by the browser (print CSS).

use leptos::prelude::*;
use papi_core::dates::format_vn;
use papi_core::report;
use papi_core::{Level, Unit};

use crate::app::{unit_name as name, use_app, PLAN, UNITS};
use crate::platform;
use crate::ui::charts;
use crate::ui::dashboard::{scope_rows, short, PeriodPicker};

/// Activities listed per task in the document; the rest are counted (a
/// province-year holds tens of thousands; the exports list them all).
const MAX_LINES: usize = 30;

/// "Huyện Na Rì" → "Na Rì": the place name of a unit.
fn place(u: &Unit) -> String {
    // A provincial body writes from the province's seat.
    if u.agency.is_some() {
        return UNITS.province().map(place).unwrap_or_default();
    }
    for prefix in [
        "Thành phố ",
        "Huyện ",
        "Thị xã ",
        "Phường ",
        "Thị trấn ",
        "Xã ",
        "Tỉnh ",
    ] {
        if let Some(rest) = u.name.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    u.name.clone()
}

/// Issuing body (two lines), the signature's lines (authority, then title)
/// and the recipients, by level, as Nghị định 30/2020/NĐ-CP lays them out.
fn letterhead(u: &Unit) -> (String, String, Vec<String>, Vec<String>) {
    let upper = |s: &str| s.to_uppercase();
    match u.level {
        Level::Commune => (
            format!("UBND {}", upper(&u.name)),
            String::new(),
            vec!["TM. ỦY BAN NHÂN DÂN".into(), "CHỦ TỊCH".into()],
            {
                let district = UNITS.parent(u).map(|d| d.name.clone()).unwrap_or_default();
                vec![
                    format!("UBND {district} (qua Phòng Nội vụ);"),
                    "Lưu: VT.".into(),
                ]
            },
        ),
        Level::District => (
            format!("UBND {}", upper(&u.name)),
            "PHÒNG NỘI VỤ".into(),
            vec!["TRƯỞNG PHÒNG".into()],
            vec![
                "UBND tỉnh Bắc Kạn (qua Sở Nội vụ);".into(),
                format!("Chủ tịch, các PCT UBND {};", u.name),
                "Lưu: VT.".into(),
            ],
        ),
        Level::Province if u.agency.is_some() => {
            let (parent, own, signer) = body_heading(&u.name);
            (
                parent.into(),
                own.map(str::to_string).unwrap_or_else(|| upper(&u.name)),
                signer.iter().map(|s| s.to_string()).collect(),
                vec![
                    "UBND tỉnh Bắc Kạn (qua Sở Nội vụ);".into(),
                    "Lưu: VT.".into(),
                ],
            )
        }
        Level::Province => (
            "UBND TỈNH BẮC KẠN".into(),
            "SỞ NỘI VỤ".into(),
            vec!["GIÁM ĐỐC".into()],
            vec![
                "UBND tỉnh Bắc Kạn;".into(),
                "Các sở, ban, ngành; UBND các huyện, thành phố;".into(),
                "Lưu: VT.".into(),
            ],
        ),
    }
}

/// A provincial body's letterhead (the body above it, and its own line when
/// its name alone does not say which province) and who signs for it.
type Heading = (&'static str, Option<&'static str>, &'static [&'static str]);

fn body_heading(name: &str) -> Heading {
    const BY_PREFIX: [(&str, Heading); 10] = [
        (
            "Thanh tra",
            (
                "UBND TỈNH BẮC KẠN",
                Some("THANH TRA TỈNH"),
                &["CHÁNH THANH TRA"],
            ),
        ),
        (
            "Văn phòng",
            ("UBND TỈNH BẮC KẠN", None, &["CHÁNH VĂN PHÒNG"]),
        ),
        ("Báo ", ("TỈNH ỦY BẮC KẠN", None, &["TỔNG BIÊN TẬP"])),
        (
            "Bảo hiểm xã hội",
            (
                "BẢO HIỂM XÃ HỘI VIỆT NAM",
                Some("BẢO HIỂM XÃ HỘI TỈNH BẮC KẠN"),
                &["GIÁM ĐỐC"],
            ),
        ),
        (
            "Công an",
            ("BỘ CÔNG AN", Some("CÔNG AN TỈNH BẮC KẠN"), &["GIÁM ĐỐC"]),
        ),
        (
            "HĐND",
            (
                "HĐND TỈNH BẮC KẠN",
                Some("THƯỜNG TRỰC HĐND"),
                &["TM. THƯỜNG TRỰC HĐND", "CHỦ TỊCH"],
            ),
        ),
        (
            "Ủy ban MTTQ",
            (
                "ỦY BAN MTTQ VIỆT NAM",
                Some("TỈNH BẮC KẠN"),
                &["TM. BAN THƯỜNG TRỰC", "CHỦ TỊCH"],
            ),
        ),
        (
            "Trung tâm trợ giúp pháp lý",
            (
                "SỞ TƯ PHÁP TỈNH BẮC KẠN",
                Some("TRUNG TÂM TRỢ GIÚP PHÁP LÝ"),
                &["GIÁM ĐỐC"],
            ),
        ),
        ("Đài ", ("UBND TỈNH BẮC KẠN", None, &["GIÁM ĐỐC"])),
        ("Ban ", ("UBND TỈNH BẮC KẠN", None, &["TRƯỞNG BAN"])),
    ];
    BY_PREFIX
        .iter()
        .find(|(p, _)| name.starts_with(p))
        .map(|(_, h)| *h)
        // A Sở: under the provincial People's Committee, headed by a director.
        .unwrap_or(("UBND TỈNH BẮC KẠN", None, &["GIÁM ĐỐC"]))
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let app = use_app();
    let Some(settings) = app.settings.get_untracked() else {
        return ().into_any();
    };
    let Some(unit) = UNITS.get(&settings.unit_code).cloned() else {
        return ().into_any();
    };
    let (_, rows) = scope_rows(settings.level, &settings.unit_code);
    let rows = StoredValue::new(rows);
    app.start_on_a_year_with_data();
    let content = Memo::new(move |_| {
        let p = app.period.get();
        rows.with_value(|rows| {
            app.with_all_records(|all| {
                (
                    report::report(all.iter().copied(), &PLAN, &UNITS, rows, p),
                    report::per_month(all.iter().copied(), rows, p.year()),
                )
            })
        })
    });
    let (issuer, office, signer, recipients) = letterhead(&unit);
    let today = platform::today();
    let dated = format!("{}, {}", place(&unit), papi_core::dates::format_nd30(today));
    let official = settings.official_name.clone();
    // Inside a sentence: "xã Đổng Xá", "huyện Na Rì"; a provincial body
    // reports on the province.
    let unit_name = if unit.agency.is_some() {
        UNITS
            .province()
            .map(|p| lower_first(&p.name))
            .unwrap_or_default()
    } else {
        lower_first(&unit.name)
    };
    let who = if settings.level == Level::Commune {
        format!("UBND {unit_name}")
    } else if settings.level == Level::District {
        format!("Phòng Nội vụ {unit_name}")
    } else {
        unit.name.replace("Tỉnh Bắc Kạn", "Sở Nội vụ")
    };
    let plan_ref = format!(
        "Kế hoạch số {} ngày {} của {} về {}",
        PLAN.document.number,
        format_vn(PLAN.document.date),
        PLAN.document.issuer,
        lower_first(&PLAN.document.title)
    );
    view! {
        <section class="report-screen">
            <div class="no-print report-controls">
                <h2>"Báo cáo kết quả thực hiện Kế hoạch"</h2>
                <PeriodPicker/>
                <button class="btn primary" data-testid="print" on:click=move |_| { let _ = platform::window().print(); }>"In báo cáo (A4)"</button>
            </div>
            <article class="doc" data-testid="report">
                <header class="doc-head">
                    <div class="issuer">
                        <p>{issuer}</p>
                        {(!office.is_empty()).then(|| view! { <p class="strong">{office.clone()}</p> })}
                        <p class="rule"></p>
                        <p>"Số: ……/BC-" {if settings.level == Level::Province { "SNV" } else if settings.level == Level::District { "PNV" } else { "UBND" }}</p>
                    </div>
                    <div class="motto">
                        <p class="strong">"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"</p>
                        <p class="strong">"Độc lập - Tự do - Hạnh phúc"</p>
                        <p class="rule"></p>
                        <p class="dated"><em>{dated}</em></p>
                    </div>
                </header>
                <h1 class="doc-title">"BÁO CÁO"</h1>
                <p class="doc-subtitle">{format!("Kết quả thực hiện {plan_ref}")}</p>
                <p class="doc-subtitle">{move || format!("(Kỳ báo cáo: {})", lower_first(&app.period.get().label_vi()))}</p>
                <p class="indent">{format!(
                    "Thực hiện Kế hoạch số {}, {} báo cáo kết quả thực hiện trên địa bàn {} như sau:",
                    PLAN.document.number, who, unit_name
                )}</p>
                {move || {
                    let (r, months) = content.get();
                    let (tasks, with, done, planned) = r.totals();
                    let bars = r.dimensions.iter().map(|d| (format!("{}. {}", d.code, short(&d.name)), d.tasks_with_activity, d.tasks)).collect();
                    view! {
                        <h2>"I. TỔNG HỢP CHUNG"</h2>
                        <p class="indent" data-testid="report-totals">{format!(
                            "Trong kỳ, {tasks} nhiệm vụ của Kế hoạch có {with} nhiệm vụ đã có hoạt động; tổng số {done} hoạt động đã thực hiện và {planned} hoạt động đã lên kế hoạch."
                        )}</p>
                        <table class="grid doc-table" data-testid="report-summary">
                            <thead><tr>
                                <th scope="col">"TT"</th><th scope="col">"Nội dung (lĩnh vực)"</th><th scope="col">"Số nhiệm vụ"</th>
                                <th scope="col">"Nhiệm vụ đã có hoạt động"</th><th scope="col">"Hoạt động đã thực hiện"</th><th scope="col">"Hoạt động kế hoạch"</th>
                            </tr></thead>
                            <tbody>
                                {r.dimensions.iter().map(|d| view! {
                                    <tr><td>{d.code.clone()}</td><td>{d.name.clone()}</td><td>{d.tasks}</td><td>{d.tasks_with_activity}</td><td>{d.done}</td><td>{d.planned}</td></tr>
                                }).collect_view()}
                                <tr class="total"><td></td><td>"Cộng"</td><td>{tasks}</td><td>{with}</td><td>{done}</td><td>{planned}</td></tr>
                            </tbody>
                        </table>
                        <div class="charts">
                            {charts::bars("Nhiệm vụ đã có hoạt động, theo lĩnh vực", bars)}
                            {charts::months("Số hoạt động theo tháng", months)}
                        </div>
                        <h2>"II. KẾT QUẢ THEO TỪNG NỘI DUNG"</h2>
                        {r.dimensions.into_iter().map(|d| view! {
                            <h3>{format!("{}. {}", d.code, d.name)}</h3>
                            {d.subs.into_iter().map(|s| view! {
                                <h4>{format!("{} {}", s.code, s.name)}</h4>
                                {s.tasks.into_iter().map(|t| {
                                    let text = PLAN.task(&t.task_id).map(|x| x.items.join(" ")).unwrap_or_default();
                                    let without = t.without.iter().map(|c| name(c)).collect::<Vec<_>>().join(", ");
                                    view! {
                                        <div class="doc-task" data-task=t.task_id.clone()>
                                            <p class="task-head"><strong>{format!("Nhiệm vụ {}: ", t.task_id)}</strong>{short(&text)}</p>
                                            <p class="indent">{format!("Kết quả: {} hoạt động đã thực hiện, {} hoạt động kế hoạch.", t.done, t.planned)}</p>
                                            {(!t.lines.is_empty()).then(|| view! {
                                                <ul class="doc-lines">
                                                    {t.lines.iter().take(MAX_LINES).map(|l| view! {
                                                        <li>{format!("{} – {}: {}", format_vn(l.date), name(&l.unit_code), l.title)}
                                                            {(!l.evidence.is_empty()).then(|| format!(" ({})", l.evidence))}
                                                            {(l.status == papi_core::Status::Planned).then_some(" [kế hoạch]")}
                                                        </li>
                                                    }).collect_view()}
                                                    {(t.lines.len() > MAX_LINES).then(|| view! {
                                                        <li><em>{format!("… và {} hoạt động khác (xem đầy đủ trong tệp Excel hoặc CSV).", t.lines.len() - MAX_LINES)}</em></li>
                                                    })}
                                                </ul>
                                            })}
                                            {(!without.is_empty()).then(|| view! {
                                                <p class="indent without">{format!("Chưa có hoạt động: {without}.")}</p>
                                            })}
                                        </div>
                                    }
                                }).collect_view()}
                            }).collect_view()}
                        }).collect_view()}
                    }
                }}
                <footer class="doc-foot">
                    <div class="recipients">
                        <p class="strong"><em>"Nơi nhận:"</em></p>
                        {recipients.into_iter().map(|r| view! { <p>"- " {r}</p> }).collect_view()}
                    </div>
                    <div class="signature">
                        {signer.into_iter().map(|l| view! { <p class="strong">{l}</p> }).collect_view()}
                        <p><em>"(Ký, ghi rõ họ tên, đóng dấu)"</em></p>
                        <p class="signer-name strong">{official}</p>
                    </div>
                </footer>
            </article>
        </section>
    }
    .into_any()
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
