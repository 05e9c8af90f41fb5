//! The Excel export, run in a web worker (`xlsx-worker/`, rust_xlsxwriter):
//! the XLSX writer is larger than the rest of the app, so it is loaded only
//! when someone exports, and the app's own wasm stays small. The sheets'
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
    let worker = web_sys::Worker::new(WORKER)
        .map_err(|e| format!("không khởi động được bộ tạo Excel: {e:?}"))?;
    let mut handlers: Vec<Handler> = Vec::new();
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        let sender = worker.clone();
        let text = text.clone();
        let fail = reject.clone();
        // The worker says "ready" once its wasm runs; then the data goes out.
        let on_message = Handler::new(move |ev: web_sys::MessageEvent| {
            let data = ev.data();
            if data.as_string().as_deref() == Some("ready") {
                if let Err(e) = sender.post_message(&text.as_str().into()) {
                    let _ = fail.call1(&JsValue::NULL, &e);
                }
            } else if data.is_instance_of::<js_sys::Uint8Array>() {
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
    match result {
        Ok(v) => Ok(js_sys::Uint8Array::new(&v).to_vec()),
        Err(e) => Err(e.as_string().unwrap_or_else(|| format!("{e:?}"))),
    }
}
