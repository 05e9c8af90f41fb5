//! Enrolment in one step: which units (a level of the dataset, a CSV list, a
//! name), a token for each, and the printable A4 sheet with each unit's
//! enrolment link and its QR code. Tokens appear only on the sheet (a new
//! file readable by its owner only); the database keeps their hashes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use chrono::NaiveDate;
use papi_core::search::{fold, Query};
use papi_core::{Level, Unit, Units};

use crate::db::{Admin, NewToken};
use crate::tokens;

/// A unit's name folded for comparison, with and without its kind ("Xã").
fn folded_names(u: &Unit) -> (String, String) {
    let full = fold(&u.name);
    let kind = fold(&u.kind) + " ";
    let bare = full.strip_prefix(&kind).unwrap_or(&full).to_string();
    (full, bare)
}

fn listing(found: &[&Unit]) -> String {
    let mut names: Vec<String> = found
        .iter()
        .take(12)
        .map(|u| format!("{} ({})", u.name, u.code))
        .collect();
    if found.len() > 12 {
        names.push("…".into());
    }
    names.join(", ")
}

/// A unit by its code or its name, accents and case aside: a name equal
/// to the query (with or without its kind, "Xã"), else the one name whose
/// words the query's words start. Several candidates are listed, not guessed.
pub fn find<'a>(units: &'a Units, query: &str) -> Result<&'a Unit, String> {
    if let Some(u) = units.get(query.trim()) {
        return Ok(u);
    }
    let q = fold(query);
    let exact: Vec<&Unit> = units
        .units
        .iter()
        .filter(|u| {
            let (full, bare) = folded_names(u);
            full == q || bare == q
        })
        .collect();
    let found = if exact.is_empty() {
        let words = Query::new(query);
        if words.is_empty() {
            return Err("a unit code or name is needed".into());
        }
        units
            .units
            .iter()
            .filter(|u| words.matches(&u.name))
            .collect()
    } else {
        exact
    };
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "no unit is called {query:?} (a code such as 02194, or a name such as \"Xã Đổng Xá\")"
        )),
        many => Err(format!(
            "{query:?} matches {} units: {}; give more of the name, or the code",
            many.len(),
            listing(many)
        )),
    }
}

/// The parts of the dataset `unit add-all` can enrol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    Commune,
    District,
    /// The province office (Sở Nội vụ), which reads every batch.
    Province,
    /// The provincial bodies that record for themselves (`06.<agency>`).
    Body,
}

/// `commune,district,…` as given to `--level`.
pub fn parse_parts(text: &str) -> Result<Vec<Part>, String> {
    let parts: BTreeSet<Part> = text
        .split(',')
        .map(|w| match w.trim() {
            "commune" => Ok(Part::Commune),
            "district" => Ok(Part::District),
            "province" => Ok(Part::Province),
            "body" => Ok(Part::Body),
            other => Err(format!(
                "--level {other:?}: one or more of commune, district, province, body"
            )),
        })
        .collect::<Result<_, _>>()?;
    Ok(parts.into_iter().collect())
}

/// The units of those parts, in the dataset's order.
pub fn select<'a>(units: &'a Units, parts: &[Part]) -> Vec<&'a Unit> {
    units
        .units
        .iter()
        .filter(|u| {
            let part = match (u.level, &u.agency) {
                (Level::Commune, _) => Part::Commune,
                (Level::District, _) => Part::District,
                (Level::Province, None) => Part::Province,
                (Level::Province, Some(_)) => Part::Body,
            };
            parts.contains(&part)
        })
        .collect()
}

/// The fields of one CSV line (`,` or `;`, fields in double quotes may hold
/// either and `""`); an unclosed quote is the column it starts.
fn csv_fields(line: &str, sep: char) -> Result<Vec<String>, usize> {
    let (mut fields, mut field) = (vec![], String::new());
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' if quoted => quoted = false,
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true
            }
            c if c == sep && !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    if quoted {
        return Err(fields.len() + 1);
    }
    fields.push(field);
    Ok(fields.into_iter().map(|f| f.trim().to_string()).collect())
}

fn is_header(first: &str) -> bool {
    matches!(
        fold(first).as_str(),
        "code" | "unit" | "ma" | "ma don vi" | "don vi" | "ma dvhc"
    )
}

/// A list of units to enrol: one per line, a code (or a name), then an
/// optional label. Blank lines, `#` comments and a header line are skipped.
/// Every bad row is reported, by line and column.
pub fn read_list<'a>(
    units: &'a Units,
    file: &str,
    text: &str,
) -> Result<Vec<(&'a Unit, String)>, String> {
    let text = text.trim_start_matches('\u{feff}');
    let sep = if text.lines().next().is_some_and(|l| l.contains(';')) {
        ';'
    } else {
        ','
    };
    let (mut out, mut errors) = (vec![], vec![]);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let (n, first) = (i + 1, out.is_empty() && errors.is_empty());
        let mut bad =
            |col: usize, msg: String| errors.push(format!("{file}, line {n}, column {col}: {msg}"));
        let fields = match csv_fields(line, sep) {
            Ok(f) => f,
            Err(col) => {
                bad(col, "a quote is not closed".into());
                continue;
            }
        };
        if first && is_header(&fields[0]) {
            continue;
        }
        if fields.len() > 2 {
            bad(
                3,
                format!(
                    "one unit per line: code, then a label ({} columns here)",
                    fields.len()
                ),
            );
            continue;
        }
        match find(units, &fields[0]) {
            Err(e) => bad(1, e),
            Ok(u) => match seen.insert(u.code.clone(), n) {
                Some(first) => bad(
                    1,
                    format!("{} ({}) is listed already on line {first}", u.name, u.code),
                ),
                None => out.push((u, fields.get(1).cloned().unwrap_or_default())),
            },
        }
    }
    if !errors.is_empty() {
        return Err(format!(
            "{} bad {} in the list; no token was made:\n  {}",
            errors.len(),
            if errors.len() == 1 { "row" } else { "rows" },
            errors.join("\n  ")
        ));
    }
    if out.is_empty() {
        return Err(format!("{file}: no unit in the list"));
    }
    Ok(out)
}

/// One unit's new token, for the sheet.
pub struct Enrolled<'a> {
    pub unit: &'a Unit,
    pub parent: Option<&'a Unit>,
    pub id: i64,
    pub link: String,
}

/// The enrolment link that the app reads (docs/sync-api.md).
pub fn link(url: &str, token: &str) -> String {
    format!("{}/#enrol={token}", url.trim_end_matches('/'))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The QR code of `text` as inline SVG (no XML declaration).
fn qr_svg(text: &str) -> Result<String, String> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| format!("QR code: {e}"))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build();
    let start = svg.find("<svg").unwrap_or(0);
    Ok(svg[start..].replacen("<svg ", "<svg role=\"img\" aria-label=\"Mã QR\" ", 1))
}

const SHEET_CSS: &str = "\
@page { size: A4; margin: 18mm 20mm; }
* { box-sizing: border-box; }
body { margin: 0; font-family: \"Times New Roman\", \"Liberation Serif\", serif; color: #000; }
.page { break-after: page; page-break-after: always; min-height: 250mm; padding-top: 4mm; }
.page:last-child { break-after: auto; page-break-after: auto; }
.head { font-size: 11pt; text-transform: uppercase; letter-spacing: .03em; border-bottom: 1px solid #000; padding-bottom: 2mm; }
h1 { font-size: 26pt; margin: 10mm 0 2mm; }
.where { font-size: 13pt; margin: 0 0 8mm; }
.qr svg { display: block; width: 70mm; height: 70mm; margin: 0 auto 6mm; }
.link { font-family: \"DejaVu Sans Mono\", monospace; font-size: 10pt; word-break: break-all; border: 1px solid #000; padding: 3mm; }
ol { font-size: 12pt; line-height: 1.5; padding-left: 6mm; }
.warn { font-size: 11pt; border-left: 3px solid #000; padding-left: 3mm; }
.foot { font-size: 10pt; margin-top: 8mm; color: #333; }
@media screen { body { background: #eee; } .page { background: #fff; width: 210mm; margin: 8mm auto; padding: 18mm 20mm; } }";

fn page(e: &Enrolled, date: &str) -> Result<String, String> {
    let u = e.unit;
    let mut place = format!("Mã đơn vị: {}", esc(&u.code));
    if let Some(p) = e.parent {
        place = format!("{} · {place}", esc(&p.name));
    }
    Ok(format!(
        "<section class=\"page\">
<p class=\"head\">PAPI Tracker · Kế hoạch 124/KH-UBND · Phiếu đăng ký đồng bộ</p>
<h1>{name}</h1>
<p class=\"where\">{place}</p>
<div class=\"qr\">{qr}</div>
<p>Đường dẫn đăng ký:</p>
<p class=\"link\">{link}</p>
<ol>
<li>Trên máy tính bảng, điện thoại hoặc máy tính của đơn vị, quét mã QR bằng ứng dụng máy ảnh, hoặc gõ đường dẫn trên vào trình duyệt.</li>
<li>PAPI Tracker mở ra với máy chủ và mã đồng bộ của {name}; làm theo hướng dẫn trên màn hình.</li>
<li>Kiểm tra ở Cài đặt → Đồng bộ: đơn vị là {name}.</li>
</ol>
<p class=\"warn\">Giữ kín phiếu này: ai có đường dẫn đều gửi được dữ liệu thay cho đơn vị. Mất phiếu thì báo Sở Nội vụ thu hồi mã số {id} và cấp phiếu mới.</p>
<p class=\"foot\">Cấp ngày {date} · Mã số {id}</p>
</section>\n",
        name = esc(&u.name),
        qr = qr_svg(&e.link)?,
        link = esc(&e.link),
        id = e.id,
    ))
}

/// The printable sheet: one A4 page per unit, self-contained (inline CSS
/// and SVG, nothing fetched).
pub fn sheet(enrolled: &[Enrolled], date: NaiveDate) -> Result<String, String> {
    let date = date.format("%d/%m/%Y").to_string();
    let pages: String = enrolled
        .iter()
        .map(|e| page(e, &date))
        .collect::<Result<_, _>>()?;
    Ok(format!(
        "<!DOCTYPE html>
<html lang=\"vi\">
<head>
<meta charset=\"utf-8\">
<title>Phiếu đăng ký đồng bộ PAPI Tracker, {date}</title>
<style>
{SHEET_CSS}
</style>
</head>
<body>
{pages}</body>
</html>
"
    ))
}

/// A new file readable by its owner only; an existing one is never replaced.
pub fn create_private(path: &Path) -> Result<fs::File, String> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => format!(
                "{} exists already: choose another --out (a sheet is never overwritten)",
                path.display()
            ),
            _ => format!("{}: {e}", path.display()),
        })
}

/// What an enrolment did.
pub struct Outcome {
    pub made: usize,
    /// Units left alone: they have a live token (no `rotate`).
    pub kept: Vec<String>,
}

/// Make tokens for `wanted` (unit, label) and write their sheet to `out`:
/// units with a live token are kept as they are unless `rotate`. Nothing is
/// written when every unit is kept.
pub fn enrol(
    admin: &Admin,
    units: &Units,
    wanted: &[(&Unit, String)],
    url: &str,
    rotate: bool,
    out: &Path,
    now: (&str, NaiveDate),
) -> Result<Outcome, String> {
    let live: BTreeSet<String> = admin
        .list()?
        .into_iter()
        .filter(|t| t.revoked_at.is_none())
        .map(|t| t.unit_code)
        .collect();
    let (todo, kept): (Vec<_>, Vec<_>) = wanted
        .iter()
        .partition(|(u, _)| rotate || !live.contains(&u.code));
    let kept = kept.iter().map(|(u, _)| u.code.clone()).collect();
    if todo.is_empty() {
        return Ok(Outcome { made: 0, kept });
    }
    let mut file = create_private(out)?;
    let written = issue(admin, units, &todo, url, rotate, now).and_then(|html| {
        file.write_all(html.as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|e| format!("{}: {e}", out.display()))
    });
    if let Err(e) = written {
        let _ = fs::remove_file(out);
        return Err(e);
    }
    Ok(Outcome {
        made: todo.len(),
        kept,
    })
}

/// New tokens for the units (stored in one transaction), as their sheet.
fn issue(
    admin: &Admin,
    units: &Units,
    todo: &[&(&Unit, String)],
    url: &str,
    rotate: bool,
    (now, date): (&str, NaiveDate),
) -> Result<String, String> {
    let secrets: Vec<String> = todo
        .iter()
        .map(|_| tokens::generate())
        .collect::<Result<_, _>>()?;
    let rows: Vec<NewToken> = todo
        .iter()
        .zip(&secrets)
        .map(|((u, label), t)| NewToken {
            unit_code: u.code.clone(),
            label: if label.is_empty() {
                u.name.clone()
            } else {
                label.clone()
            },
            hash: tokens::hash(t),
        })
        .collect();
    let ids = admin.add_tokens(&rows, rotate, now)?;
    let enrolled: Vec<Enrolled> = todo
        .iter()
        .zip(secrets.iter().zip(ids))
        .map(|((u, _), (t, id))| Enrolled {
            unit: u,
            parent: units.parent(u),
            id,
            link: link(url, t),
        })
        .collect();
    sheet(&enrolled, date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> std::sync::Arc<Units> {
        crate::plan_and_units().1
    }

    #[test]
    fn finds_units_by_code_or_name_and_lists_the_candidates() {
        let u = units();
        for q in ["02194", "Xã Đổng Xá", "dong xa", "ĐỔNG XÁ", "xa dong xa"] {
            assert_eq!(find(&u, q).unwrap().code, "02194", "{q}");
        }
        for q in ["bang thanh", "Xã Bằng Thành"] {
            assert_eq!(find(&u, q).unwrap().name, "Xã Bằng Thành", "{q}");
        }
        assert_eq!(find(&u, "huyen na ri").unwrap().code, "066");
        let e = find(&u, "bac kan").unwrap_err();
        assert!(
            e.contains("Tỉnh Bắc Kạn (06)") && e.contains("Thành phố Bắc Kạn"),
            "{e}"
        );
        assert!(e.contains("give more of the name"), "{e}");
        assert!(find(&u, "bang").unwrap_err().contains("matches"));
        assert!(find(&u, "Xã Không Có")
            .unwrap_err()
            .contains("no unit is called"));
        assert!(find(&u, "  ").is_err());
    }

    #[test]
    fn chooses_the_parts_of_the_dataset() {
        let u = units();
        assert_eq!(select(&u, &[Part::Commune]).len(), 108);
        assert_eq!(
            select(&u, &parse_parts("district,province").unwrap()).len(),
            9
        );
        assert!(select(&u, &[Part::Body])
            .iter()
            .all(|b| b.code.starts_with("06.")));
        assert!(parse_parts("commune,village")
            .unwrap_err()
            .contains("\"village\""));
    }

    #[test]
    fn reads_a_list_and_reports_every_bad_row() {
        let u = units();
        let ok = "\u{feff}Mã đơn vị;Tên\n02194;UBND xã Đổng Xá\n\n# later\n\"bang thanh\"\n";
        let list = read_list(&u, "ds.csv", ok).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].1, "UBND xã Đổng Xá");
        assert_eq!(list[1].0.name, "Xã Bằng Thành");
        assert_eq!(list[1].1, "");
        let quoted = read_list(&u, "q.csv", "\"02194\",\"Đổng Xá, Na Rì\"").unwrap();
        assert_eq!(quoted[0].1, "Đổng Xá, Na Rì");
        let bad = "02194\n99999,x\nbang\n02194\n\"02137,x\n02137,a,b\n";
        let e = read_list(&u, "ds.csv", bad).unwrap_err();
        assert!(
            e.starts_with("5 bad rows in the list; no token was made"),
            "{e}"
        );
        assert!(
            e.contains("ds.csv, line 2, column 1: no unit is called \"99999\""),
            "{e}"
        );
        assert!(
            e.contains("ds.csv, line 3, column 1: \"bang\" matches"),
            "{e}"
        );
        assert!(
            e.contains("line 4, column 1: Xã Đổng Xá (02194) is listed already on line 1"),
            "{e}"
        );
        assert!(e.contains("line 5, column 1: a quote is not closed"), "{e}");
        assert!(e.contains("line 6, column 3: one unit per line"), "{e}");
        assert!(read_list(&u, "e.csv", "# nothing\n")
            .unwrap_err()
            .contains("no unit"));
    }

    #[test]
    fn the_sheet_is_self_contained_with_a_page_per_unit() {
        let u = units();
        let (a, b) = (u.get("02194").unwrap(), u.get("066").unwrap());
        let e = |unit, id| Enrolled {
            unit,
            parent: u.parent(unit),
            id,
            link: link("https://papi.example.vn/", "papi_abc"),
        };
        let html = sheet(
            &[e(a, 7), e(b, 8)],
            NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
        )
        .unwrap();
        assert_eq!(html.matches("<section class=\"page\">").count(), 2);
        assert_eq!(html.matches("<svg ").count(), 2);
        assert!(html.contains("@page { size: A4"));
        assert!(html.contains("<h1>Xã Đổng Xá</h1>"));
        assert!(html.contains("Huyện Na Rì · Mã đơn vị: 02194"));
        assert!(html.contains("https://papi.example.vn/#enrol=papi_abc"));
        assert!(html.contains("Cấp ngày 09/03/2026 · Mã số 7"));
        assert!(!html.contains("<?xml"));
        for external in [
            "<link", "<script", "<img", "src=", "href=", "url(", "@import",
        ] {
            assert!(!html.contains(external), "{external}");
        }
    }
}
