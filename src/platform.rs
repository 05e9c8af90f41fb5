//! The browser edge: clock, randomness, Unicode normalisation, connectivity
//! and storage quota. Everything the sans-IO core must not touch lives here.

use chrono::{DateTime, NaiveDate, Utc};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub fn window() -> web_sys::Window {
    web_sys::window().expect("a browser window")
}

/// Call a function index.html or the loader put on `window` (`papi…`), with
/// no arguments: what it returned, or `None` when it is missing or threw.
pub fn call_global(name: &str) -> Option<wasm_bindgen::JsValue> {
    let f = js_sys::Reflect::get(&window(), &name.into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    f.call0(&wasm_bindgen::JsValue::NULL).ok()
}

/// public/boot.js's `papiHandOver` (the first-visit build gives way to the
/// app): a reload once the app can come (from the service worker's cache or
/// the network), else `said` (by default: the unit saved) and tried again.
pub fn hand_over_saying(said: Option<&str>) {
    let f = js_sys::Reflect::get(&window(), &"papiHandOver".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let arg = said.map_or(wasm_bindgen::JsValue::UNDEFINED, Into::into);
    if f.and_then(|f| f.call1(&wasm_bindgen::JsValue::NULL, &arg).ok())
        .is_none()
    {
        // Started without the loader (never in a build): reload.
        let _ = window().location().reload();
    }
}

pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// Today in the device's time zone (what the official means by "today").
pub fn today() -> NaiveDate {
    let d = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date())
        .unwrap_or_default()
}

/// 16 bytes from the platform's cryptographic random source.
pub fn random16() -> [u8; 16] {
    let mut buf = [0u8; 16];
    let crypto = window().crypto().expect("crypto");
    crypto
        .get_random_values_with_u8_array(&mut buf)
        .expect("getRandomValues");
    buf
}

/// NFC-normalise typed text with the browser's own tables (the core has only
/// the quick check: `papi_core::text`).
pub fn nfc(s: &str) -> String {
    js_sys::JsString::from(s).normalize("NFC").into()
}

pub fn online() -> bool {
    window().navigator().on_line()
}

/// Persisted-storage state and usage, for the Settings screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StorageInfo {
    pub persisted: Option<bool>,
    pub usage: Option<f64>,
    pub quota: Option<f64>,
}

fn storage_manager() -> Option<web_sys::StorageManager> {
    let nav = window().navigator();
    let has = js_sys::Reflect::has(&nav, &"storage".into()).unwrap_or(false);
    has.then(|| nav.storage())
}

/// Ask the browser not to evict our data (navigator.storage.persist()).
pub async fn request_persistence() -> Option<bool> {
    let sm = storage_manager()?;
    let v = JsFuture::from(sm.persist().ok()?).await.ok()?;
    v.as_bool()
}

pub async fn storage_info() -> StorageInfo {
    let Some(sm) = storage_manager() else {
        return StorageInfo::default();
    };
    let persisted = match sm.persisted() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_bool()),
        Err(_) => None,
    };
    let (mut usage, mut quota) = (None, None);
    if let Ok(p) = sm.estimate() {
        if let Ok(est) = JsFuture::from(p).await {
            let get = |k: &str| {
                js_sys::Reflect::get(&est, &k.into())
                    .ok()
                    .and_then(|v| v.as_f64())
            };
            usage = get("usage");
            quota = get("quota");
        }
    }
    StorageInfo {
        persisted,
        usage,
        quota,
    }
}

/// Offer a text file for download (the way out when storage is full).
pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    download_parts(filename, mime, js_sys::Array::of1(&text.into()))
}

/// Offer a binary file (an XLSX workbook) for download.
pub fn download_bytes(filename: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let arr = js_sys::Uint8Array::from(bytes);
    download_parts(filename, mime, js_sys::Array::of1(&arr))
}

fn download_parts(filename: &str, mime: &str, parts: js_sys::Array) -> Result<(), String> {
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
        .map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let doc = window().document().ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(filename);
    // Some browsers only follow a link that is in the page, and need the
    // URL alive until the download has started.
    let body = doc.body().ok_or("no body")?;
    let _ = body.append_child(&a);
    a.click();
    a.remove();
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
    Ok(())
}

/// A file of the app's own origin, as text (a province's unit dataset).
/// Errors in Vietnamese.
pub async fn get_text(path: &str) -> Result<String, String> {
    let offline = || "máy đang không có mạng".to_string();
    let resp = JsFuture::from(window().fetch_with_str(path))
        .await
        .map_err(|_| offline())?;
    let resp: web_sys::Response = resp.unchecked_into();
    if !resp.ok() {
        return Err(format!("máy chủ trả lời mã {}", resp.status()));
    }
    let text = JsFuture::from(resp.text().map_err(|_| offline())?)
        .await
        .map_err(|_| offline())?;
    Ok(text.as_string().unwrap_or_default())
}

/// A future that resolves after `ms` milliseconds (the browser's timer).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Format a byte count for people, Vietnamese style: "1,2 MB".
pub fn human_bytes(n: f64) -> String {
    let n = n.max(0.0) as u64;
    let (scale, unit) = match n {
        0..=999 => (1, "B"),
        1_000..=999_999 => (1_000, "KB"),
        1_000_000..=999_999_999 => (1_000_000, "MB"),
        _ => (1_000_000_000, "GB"),
    };
    let tenths = (n * 10 + scale / 2) / scale;
    format!("{},{} {unit}", tenths / 10, tenths % 10)
}

/// An RFC 3339 instant as the device's local time, dd/mm/yyyy hh:mm (the
/// text itself when it is not one).
pub fn local_time_vn(instant: &str) -> String {
    match papi_core::dates::parse_instant(instant) {
        Some(t) => local_time_of(t),
        None => instant.to_string(),
    }
}

/// An instant as the device's local time, dd/mm/yyyy hh:mm.
pub fn local_time_of(t: chrono::DateTime<chrono::Utc>) -> String {
    let d = js_sys::Date::new(&(t.timestamp_millis() as f64).into());
    format!(
        "{:02}/{:02}/{:04} {:02}:{:02}",
        d.get_date(),
        d.get_month() + 1,
        d.get_full_year(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// A User Timing measure from a mark to now, so benchmarks (scripts/bench.mjs)
/// can read how long a step took inside the page.
pub fn mark(name: &str) {
    if let Some(p) = window().performance() {
        let _ = p.mark(name);
    }
}

pub fn measure(name: &str, start_mark: &str) {
    if let Some(p) = window().performance() {
        let _ = p.measure_with_start_mark(name, start_mark);
    }
}

/// Expose the wasm linear memory size as `window.papiWasmMemoryBytes()`
/// (read by the memory benchmark).
pub fn expose_memory_probe() {
    let f = wasm_bindgen::closure::Closure::<dyn Fn() -> f64>::new(|| {
        wasm_bindgen::memory()
            .unchecked_into::<js_sys::WebAssembly::Memory>()
            .buffer()
            .unchecked_into::<js_sys::ArrayBuffer>()
            .byte_length() as f64
    });
    let _ = js_sys::Reflect::set(&window(), &"papiWasmMemoryBytes".into(), f.as_ref());
    f.forget();
}
