//! The Excel and Word exports, run in a web worker (`xlsx-worker/`,
//! rust_xlsxwriter and docx-rs): the writers are larger than the rest of
//! the app, so they are loaded only when someone exports, and the app's own
//! wasm stays small. The sheets'
//! content comes from the core (`report::workbook`).

use papi_core::report::Sheet;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The loader Trunk writes for the worker (data-loader-shim).
const WORKER: &str = "/papi-xlsx_loader.js";

type Handler = Closure<dyn FnMut(web_sys::MessageEvent)>;

pub async fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, String> {
    let text = serde_json::to_string(sheets).map_err(|e| e.to_string())?;
    file_of(&text).await
}

/// The year-end report as a Word file, written by the worker from the
/// core's document (`report_doc::Doc`: the same words as the printed page).
pub async fn docx(doc: &papi_core::report_doc::Doc) -> Result<Vec<u8>, String> {
    let text = serde_json::to_string(doc).map_err(|e| e.to_string())?;
    file_of(&format!("docx:{text}")).await
}

/// The file the worker writes for `message` (its bytes), or its error text.
async fn file_of(message: &str) -> Result<Vec<u8>, String> {
    let answer = ask(message.into(), |d| d.is_instance_of::<js_sys::Uint8Array>()).await?;
    Ok(js_sys::Uint8Array::new(&answer).to_vec())
}

/// Before the JSON of the sheets the worker read from a workbook.
const SHEETS: &str = "sheets:";

#[derive(serde::Deserialize)]
struct ReadSheet {
    name: String,
    rows: Vec<Vec<String>>,
}

/// Read every sheet of an XLSX workbook (the plan builder's upload), in
/// the worker: the reader loads only when someone uploads a workbook.
pub async fn read_workbook(bytes: &[u8]) -> Result<Vec<papi_core::plan_sheet::Sheet>, String> {
    let data: JsValue = js_sys::Uint8Array::from(bytes).into();
    let is_sheets = |d: &JsValue| d.as_string().is_some_and(|s| s.starts_with(SHEETS));
    let answer = ask(data, is_sheets).await?.as_string().unwrap_or_default();
    let read: Vec<ReadSheet> =
        serde_json::from_str(&answer[SHEETS.len()..]).map_err(|e| e.to_string())?;
    Ok(read
        .into_iter()
        .map(|s| papi_core::plan_sheet::Sheet {
            name: s.name,
            rows: s.rows,
        })
        .collect())
}

/// Start the worker, send it `message` once it is ready, and wait for the
/// answer `done` accepts (any other answer is its error text).
async fn ask(message: JsValue, done: fn(&JsValue) -> bool) -> Result<JsValue, String> {
    let worker = web_sys::Worker::new(WORKER)
        .map_err(|e| format!("không khởi động được bộ tạo Excel: {e:?}"))?;
    let mut handlers: Vec<Handler> = Vec::new();
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        let sender = worker.clone();
        let message = message.clone();
        let fail = reject.clone();
        // The worker says "ready" once its wasm runs; then the data goes out.
        let on_message = Handler::new(move |ev: web_sys::MessageEvent| {
            let data = ev.data();
            if data.as_string().as_deref() == Some("ready") {
                if let Err(e) = sender.post_message(&message) {
                    let _ = fail.call1(&JsValue::NULL, &e);
                }
            } else if done(&data) {
                let _ = resolve.call1(&JsValue::NULL, &data);
            } else {
                let _ = fail.call1(&JsValue::NULL, &data);
            }
        });
        let on_error = Handler::new(move |_ev: web_sys::MessageEvent| {
            let _ = reject.call1(&JsValue::NULL, &"bộ tạo Excel không tải được".into());
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        handlers.push(on_message);
        handlers.push(on_error);
    });
    let result = JsFuture::from(done).await;
    worker.terminate();
    drop(handlers);
    result.map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}")))
}
