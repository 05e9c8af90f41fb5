//! The export web worker: receives a workbook as JSON (the core's
//! `report::Sheet`s) and answers with the .xlsx bytes, or the year-end
//! report (`docx:` and the core's `report_doc::Doc` as JSON) and answers
//! with the .docx bytes (`docx.rs`); or with an error text.
//! It says "ready" first: messages sent before its wasm runs would be lost.
//! Built by Trunk as a separate wasm (index.html, data-type="worker") and
//! started by the app only when someone exports to Excel.

mod docx;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[derive(Deserialize)]
struct Sheet {
    name: String,
    title: Option<String>,
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
    #[serde(default)]
    widths: Vec<(u16, f64)>,
}

/// The core's `report::SheetCell`: a number, a text, or a date
/// (`{"date": "yyyy-mm-dd"}`), written as a real date shown dd/mm/yyyy.
#[derive(Deserialize)]
#[serde(untagged)]
enum Cell {
    Number(f64),
    Text(String),
    Date { date: String },
}

fn build(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(13);
    let day = Format::new().set_num_format("dd/mm/yyyy");
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&s.name)?;
        let mut row = 0;
        if let Some(t) = &s.title {
            ws.write_string_with_format(0, 0, t, &title)?;
            row = 2;
        }
        for (c, h) in s.header.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, h, &bold)?;
        }
        for (i, cells) in s.rows.iter().enumerate() {
            let r = row + 1 + i as u32;
            for (c, cell) in cells.iter().enumerate() {
                match cell {
                    Cell::Number(n) => ws.write_number(r, c as u16, *n)?,
                    Cell::Text(t) => ws.write_string(r, c as u16, t)?,
                    Cell::Date { date } => ws.write_datetime_with_format(
                        r,
                        c as u16,
                        ExcelDateTime::parse_from_str(date)?,
                        &day,
                    )?,
                };
            }
        }
        // The header stays in view while the rows scroll.
        ws.set_freeze_panes(row + 1, 0)?;
        for (col, w) in &s.widths {
            ws.set_column_width(*col, *w)?;
        }
    }
    wb.save_to_buffer()
}

fn main() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            // A workbook's bytes: read its sheets (the plan builder).
            if ev.data().is_instance_of::<js_sys::Uint8Array>() {
                let bytes = js_sys::Uint8Array::new(&ev.data()).to_vec();
                let answer = match read(&bytes) {
                    Ok(json) => format!("{SHEETS}{json}"),
                    Err(e) => format!("không đọc được tệp Excel: {e}"),
                };
                let _ = reply.post_message(&JsValue::from_str(&answer));
                return;
            }
            let text = ev.data().as_string().unwrap_or_default();
            let result = match text.strip_prefix(DOCX) {
                Some(doc) => serde_json::from_str(doc)
                    .map_err(|e| format!("dữ liệu báo cáo không đọc được: {e}"))
                    .and_then(|doc| docx::build(&doc)),
                None => serde_json::from_str::<Vec<Sheet>>(&text)
                    .map_err(|e| format!("dữ liệu không đọc được: {e}"))
                    .and_then(|sheets| build(&sheets).map_err(|e| e.to_string())),
            };
            let _ = match result {
                Ok(bytes) => reply.post_message(&js_sys::Uint8Array::from(&bytes[..])),
                Err(e) => reply.post_message(&JsValue::from_str(&e)),
            };
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Messages sent before this point would be lost: say when to send.
    let _ = scope.post_message(&JsValue::from_str(READY));
}

const READY: &str = "ready";
/// Before the JSON of a report to write as .docx.
const DOCX: &str = "docx:";
/// Before the JSON of the sheets read from a workbook.
const SHEETS: &str = "sheets:";

/// A sheet as read: its name and its cells' texts, row by row, placed as
/// the spreadsheet numbers them (row 1 first, column A first).
#[derive(serde::Serialize)]
struct ReadSheet {
    name: String,
    rows: Vec<Vec<String>>,
}

/// Every sheet of an XLSX workbook, as JSON (`plan_sheet::Sheet`s).
fn read(bytes: &[u8]) -> Result<String, String> {
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).map_err(|e| e.to_string())?;
        let (top, left) = range.start().unwrap_or((0, 0));
        let mut rows: Vec<Vec<String>> = vec![Vec::new(); top as usize];
        for r in range.rows() {
            let mut cells = vec![String::new(); left as usize];
            cells.extend(r.iter().map(|c| c.to_string()));
            rows.push(cells);
        }
        out.push(ReadSheet { name, rows });
    }
    serde_json::to_string(&out).map_err(|e| e.to_string())
}
