//! A picked file made ready to attach (`prepare`): an image is decoded
//! upright (its EXIF orientation applied to the pixels), drawn at most
//! `IMAGE_EDGE` pixels long and encoded as JPEG: the new file carries no
//! metadata, so where a photo was taken stays on the device. A thumbnail of
//! `THUMB_EDGE` pixels is made beside it. A PDF is kept as it is. The rules
//! (what may be picked, the sizes) are the core's (`papi_core::evidence`).

use papi_core::evidence::{
    self, FileRef, Picked, IMAGE_EDGE, JPEG_QUALITY, MAX_IMAGE_BYTES, MAX_THUMB_BYTES, THUMB_EDGE,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::store::bytes_of;

/// A file to attach: its reference (no caption yet), its bytes as a blob,
/// and its thumbnail's hash and blob when it has one.
pub struct Prepared {
    pub file: FileRef,
    pub blob: web_sys::Blob,
    pub thumb: Option<(String, web_sys::Blob)>,
}

/// Make `file` ready to join a record that lists `listed` files.
pub async fn prepare(file: &web_sys::File, listed: usize) -> Result<Prepared, String> {
    let name = file.name();
    let size = file.size() as u64;
    match evidence::pick(&name, &file.type_(), size, listed).map_err(|p| p.message_vi())? {
        Picked::Pdf => pdf(file, &name).await,
        Picked::Image => {
            crate::platform::mark("evidence-downscale-start");
            let made = image(file, &name).await;
            crate::platform::measure("evidence-downscale", "evidence-downscale-start");
            made
        }
    }
}

async fn pdf(file: &web_sys::File, name: &str) -> Result<Prepared, String> {
    let bytes = bytes_of(file).await.map_err(|e| unreadable(name, &e))?;
    if !bytes.starts_with(b"%PDF-") {
        return Err(format!(
            "Tệp \"{name}\" mang tên PDF nhưng không phải tệp PDF (có thể đã hỏng): hãy quét hoặc xuất lại."
        ));
    }
    Ok(Prepared {
        file: reference(&bytes, "application/pdf", ""),
        blob: file.clone().into(),
        thumb: None,
    })
}

async fn image(file: &web_sys::File, name: &str) -> Result<Prepared, String> {
    let window = crate::platform::window();
    let options = web_sys::ImageBitmapOptions::new();
    options.set_image_orientation(web_sys::ImageOrientation::FromImage);
    let decoded = window
        .create_image_bitmap_with_blob_and_image_bitmap_options(file, &options)
        .map_err(|e| unreadable(name, &format!("{e:?}")))?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(decoded)
        .await
        .map_err(|_| {
            format!(
                "Không mở được ảnh \"{name}\": trình duyệt này không đọc được loại ảnh đó (ví dụ HEIC) hoặc tệp đã hỏng. \
Hãy chụp bằng nút \"Chụp ảnh\" hoặc chọn ảnh JPEG."
            )
        })?
        .dyn_into()
        .map_err(|e| unreadable(name, &format!("{e:?}")))?;
    let (w, h) = (bitmap.width(), bitmap.height());
    let made = async {
        let main = draw(
            &bitmap,
            evidence::fit(w, h, IMAGE_EDGE),
            JPEG_QUALITY,
            MAX_IMAGE_BYTES,
        )
        .await?;
        let thumb = match w.max(h) > THUMB_EDGE {
            true => {
                let t = draw(
                    &bitmap,
                    evidence::fit(w, h, THUMB_EDGE),
                    0.7,
                    MAX_THUMB_BYTES,
                )
                .await?;
                Some((
                    evidence::sha256_hex(&t),
                    super::store::blob_of(&t, "image/jpeg")?,
                ))
            }
            false => None,
        };
        Ok::<_, String>((main, thumb))
    }
    .await;
    bitmap.close();
    let (main, thumb) = made.map_err(|e| unreadable(name, &e))?;
    let thumb_sha = thumb.as_ref().map(|(s, _)| s.as_str()).unwrap_or("");
    Ok(Prepared {
        file: reference(&main, "image/jpeg", thumb_sha),
        blob: super::store::blob_of(&main, "image/jpeg")?,
        thumb,
    })
}

fn reference(bytes: &[u8], media_type: &str, thumb: &str) -> FileRef {
    FileRef {
        sha256: evidence::sha256_hex(bytes),
        media_type: media_type.into(),
        size: bytes.len() as u64,
        caption: String::new(),
        thumb: thumb.into(),
    }
}

fn unreadable(name: &str, why: &str) -> String {
    format!("Không đọc được tệp \"{name}\" ({why}).")
}

/// The bitmap drawn at `size` and encoded as JPEG, at `quality` or lower
/// until it fits `max` bytes.
async fn draw(
    bitmap: &web_sys::ImageBitmap,
    (w, h): (u32, u32),
    quality: f64,
    max: u64,
) -> Result<Vec<u8>, String> {
    let js = |e: JsValue| format!("{e:?}");
    let canvas: web_sys::HtmlCanvasElement = crate::platform::window()
        .document()
        .ok_or("no document")?
        .create_element("canvas")
        .map_err(js)?
        .dyn_into()
        .map_err(|_| "no canvas")?;
    canvas.set_width(w);
    canvas.set_height(h);
    let cx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(js)?
        .ok_or("no 2d context")?
        .dyn_into()
        .map_err(|_| "no 2d context")?;
    // JPEG has no transparency: a PNG's transparent parts become white,
    // not black.
    cx.set_fill_style_str("#fff");
    cx.fill_rect(0.0, 0.0, w as f64, h as f64);
    cx.set_image_smoothing_enabled(true);
    cx.draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, w as f64, h as f64)
        .map_err(js)?;
    let mut q = quality;
    loop {
        let bytes = encode(&canvas, q).await?;
        if bytes.len() as u64 <= max || q < 0.35 {
            // Release the canvas's pixels now, not at the next collection.
            canvas.set_width(0);
            return match bytes.len() as u64 <= max {
                true => Ok(bytes),
                false => Err("ảnh quá lớn sau khi nén".into()),
            };
        }
        q -= 0.15;
    }
}

async fn encode(canvas: &web_sys::HtmlCanvasElement, quality: f64) -> Result<Vec<u8>, String> {
    let mut failed = None;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Err(e) =
            canvas.to_blob_with_type_and_encoder_options(&resolve, "image/jpeg", &quality.into())
        {
            failed = Some(format!("{e:?}"));
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    let blob: web_sys::Blob = JsFuture::from(promise)
        .await
        .map_err(|e| format!("{e:?}"))?
        .dyn_into()
        .map_err(|_| "trình duyệt không mã hóa được ảnh".to_string())?;
    bytes_of(&blob).await
}
