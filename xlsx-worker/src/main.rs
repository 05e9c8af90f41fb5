//! The XLSX web worker: receives a workbook as JSON (the core's
//! `report::Sheet`s), answers with the .xlsx bytes, or with an error text.
//! It says "ready" first: messages sent before its wasm runs would be lost.
//! Built by Trunk as a separate wasm (index.html, data-type="worker") and
//! started by the app only when someone exports to Excel.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
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

#[derive(Deserialize)]
#[serde(untagged)]
enum Cell {
    Number(f64),
    Text(String),
}

fn build(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(13);
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
                };
            }
        }
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
            let text = ev.data().as_string().unwrap_or_default();
            let result = serde_json::from_str::<Vec<Sheet>>(&text)
                .map_err(|e| format!("dữ liệu không đọc được: {e}"))
                .and_then(|sheets| build(&sheets).map_err(|e| e.to_string()));
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
