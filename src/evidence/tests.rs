//! Evidence on the device in a real browser (wasm-bindgen-test, headless
//! Chromium): a photo made small and upright with a thumbnail, a false PDF
//! and a Word file refused, the store keeping each file once by its hash.

use papi_core::evidence::{sha256_hex, IMAGE_EDGE, MAX_THUMB_BYTES, THUMB_EDGE};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use super::image::prepare;
use super::store::{blob_of, bytes_of, EvidenceStore};

wasm_bindgen_test_configure!(run_in_browser);

/// A PNG of `w` × `h` drawn in the page, as a picked file.
async fn picture(w: u32, h: u32, name: &str) -> web_sys::File {
    let canvas: web_sys::HtmlCanvasElement = crate::platform::window()
        .document()
        .unwrap()
        .create_element("canvas")
        .unwrap()
        .dyn_into()
        .unwrap();
    canvas.set_width(w);
    canvas.set_height(h);
    let cx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    cx.set_fill_style_str("#2a6");
    cx.fill_rect(0.0, 0.0, w as f64, h as f64);
    cx.set_fill_style_str("#c42");
    cx.fill_rect(10.0, 10.0, w as f64 / 3.0, h as f64 / 2.0);
    let url = canvas.to_data_url().unwrap();
    let resp: web_sys::Response = JsFuture::from(crate::platform::window().fetch_with_str(&url))
        .await
        .unwrap()
        .dyn_into()
        .unwrap();
    let blob: web_sys::Blob = JsFuture::from(resp.blob().unwrap())
        .await
        .unwrap()
        .dyn_into()
        .unwrap();
    file_of(&bytes_of(&blob).await.unwrap(), name, "image/png")
}

fn file_of(bytes: &[u8], name: &str, media_type: &str) -> web_sys::File {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let bag = web_sys::FilePropertyBag::new();
    bag.set_type(media_type);
    web_sys::File::new_with_u8_array_sequence_and_options(&parts, name, &bag).unwrap()
}

async fn size_of(blob: &web_sys::Blob) -> (u32, u32) {
    let bitmap: web_sys::ImageBitmap = JsFuture::from(
        crate::platform::window()
            .create_image_bitmap_with_blob(blob)
            .unwrap(),
    )
    .await
    .unwrap()
    .dyn_into()
    .unwrap();
    (bitmap.width(), bitmap.height())
}

#[wasm_bindgen_test]
async fn a_large_picture_becomes_a_jpeg_of_the_long_edge_with_a_thumbnail() {
    let made = prepare(&picture(3200, 2400, "scan.png").await, 0)
        .await
        .unwrap();
    let bytes = bytes_of(&made.blob).await.unwrap();
    assert_eq!(made.file.sha256, sha256_hex(&bytes));
    assert_eq!(made.file.size, bytes.len() as u64);
    assert_eq!(made.file.media_type, "image/jpeg");
    assert!(bytes.starts_with(&[0xff, 0xd8]), "a JPEG");
    assert_eq!(size_of(&made.blob).await, (IMAGE_EDGE, 1200));
    let (thumb_sha, thumb) = made.thumb.expect("a thumbnail");
    assert_eq!(made.file.thumb, thumb_sha);
    let thumb_bytes = bytes_of(&thumb).await.unwrap();
    assert_eq!(thumb_sha, sha256_hex(&thumb_bytes));
    assert!(thumb_bytes.len() as u64 <= MAX_THUMB_BYTES);
    assert_eq!(size_of(&thumb).await, (THUMB_EDGE, 240));
}

#[wasm_bindgen_test]
async fn a_small_picture_keeps_its_size_and_needs_no_thumbnail() {
    let made = prepare(&picture(300, 200, "nho.png").await, 0)
        .await
        .unwrap();
    assert_eq!(size_of(&made.blob).await, (300, 200));
    assert!(made.thumb.is_none());
    assert_eq!(made.file.thumb, "");
}

#[wasm_bindgen_test]
async fn a_pdf_is_kept_as_it_is_and_what_is_no_pdf_or_image_is_refused() {
    let pdf = b"%PDF-1.4\nbien ban\n%%EOF\n";
    let made = prepare(&file_of(pdf, "bien-ban.pdf", "application/pdf"), 3)
        .await
        .unwrap();
    assert_eq!(made.file.sha256, sha256_hex(pdf));
    assert_eq!(bytes_of(&made.blob).await.unwrap(), pdf);
    assert!(made.thumb.is_none());

    let fake = prepare(&file_of(b"<html>", "gia.pdf", "application/pdf"), 0).await;
    assert!(fake.err().unwrap().contains("không phải tệp PDF"));
    let word = prepare(
        &file_of(b"PK\x03\x04", "bao-cao.docx", "application/msword"),
        0,
    )
    .await;
    assert!(word.err().unwrap().contains("không phải ảnh hay tệp PDF"));
    let broken = prepare(&file_of(b"not a jpeg", "anh.jpg", "image/jpeg"), 0).await;
    assert!(broken
        .err()
        .unwrap()
        .contains("Không mở được ảnh \"anh.jpg\""));
    let full = prepare(&file_of(pdf, "bien-ban.pdf", "application/pdf"), 20).await;
    assert!(full.err().unwrap().contains("mức tối đa"));
}

/// Keep a PDF's bytes under their hash.
async fn keep(store: &EvidenceStore, bytes: &[u8]) {
    let blob = blob_of(bytes, "application/pdf").unwrap();
    store
        .put(&sha256_hex(bytes), "application/pdf", &blob)
        .await
        .unwrap();
}

#[wasm_bindgen_test]
async fn the_store_keeps_each_file_once_and_says_what_has_not_left() {
    let store = EvidenceStore::open().await.unwrap();
    let before = store.usage().await.unwrap();
    let (a, b) = (b"%PDF-1.4 one".to_vec(), b"%PDF-1.4 two, longer".to_vec());
    let sa = sha256_hex(&a);
    keep(&store, &a).await;
    keep(&store, &a).await;
    keep(&store, &b).await;
    let after = store.usage().await.unwrap();
    assert_eq!(after.files, before.files + 2, "the same file kept once");
    assert_eq!(after.bytes, before.bytes + (a.len() + b.len()) as u64);
    assert_eq!(after.unsent, before.unsent + 2);
    let kept = store.get(&sa).await.unwrap().unwrap();
    assert_eq!(bytes_of(&kept.blob).await.unwrap(), a);
    assert!(!kept.sent);

    store.mark_sent(&sa).await.unwrap();
    assert!(store.get(&sa).await.unwrap().unwrap().sent);
    let sent = store.usage().await.unwrap();
    assert_eq!(sent.unsent, after.unsent - 1);
    assert_eq!(sent.unsent_bytes, after.unsent_bytes - a.len() as u64);
    // Kept again after it was sent: still sent, still once.
    keep(&store, &a).await;
    assert!(store.get(&sa).await.unwrap().unwrap().sent);
    assert_eq!(store.usage().await.unwrap(), sent);
    assert!(store.get(&"0".repeat(64)).await.unwrap().is_none());
}
