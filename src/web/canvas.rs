//! Canvas work: drawing frames, encoding JPEGs (re-encoding lower until the 9.5 MB limit is
//! met), decoding files with their EXIF orientation applied. Pixels stay in JS except the
//! downscaled analysis frame.

use crate::core::{ErrorCode, FlowError, Step, MAX_PAGE_BYTES};
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement};

fn unsupported(what: &str) -> FlowError {
    FlowError::new(
        ErrorCode::Unsupported,
        format!("This browser cannot {what}."),
    )
    .at(Step::Capture)
}

/// A fresh canvas of this size.
pub fn canvas(width: u32, height: u32) -> Result<HtmlCanvasElement, FlowError> {
    let document = super::media::field(&js_sys::global(), "document");
    let document: web_sys::Document = document
        .dyn_into()
        .map_err(|_| unsupported("draw images (no document)"))?;
    let c: HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|_| unsupported("create a canvas"))?
        .dyn_into()
        .map_err(|_| unsupported("create a canvas"))?;
    c.set_width(width.max(1));
    c.set_height(height.max(1));
    Ok(c)
}

/// The canvas's 2D context (`willReadFrequently` when frames are read back).
pub fn context(
    c: &HtmlCanvasElement,
    read_back: bool,
) -> Result<CanvasRenderingContext2d, FlowError> {
    let options = Object::new();
    let _ = Reflect::set(
        &options,
        &JsValue::from_str("willReadFrequently"),
        &JsValue::from_bool(read_back),
    );
    c.get_context_with_context_options("2d", &options)
        .ok()
        .flatten()
        .and_then(|ctx| ctx.dyn_into().ok())
        .ok_or_else(|| unsupported("get a 2D canvas"))
}

/// `canvas.toBlob(type, quality)` as a future.
pub async fn to_blob(c: &HtmlCanvasElement, mime: &str, quality: f64) -> Result<Blob, FlowError> {
    let mut resolver: Option<js_sys::Function> = None;
    let promise = Promise::new(&mut |resolve, _| resolver = Some(resolve));
    let resolve = resolver.ok_or_else(|| unsupported("encode images"))?;
    let callback = Closure::once(move |blob: JsValue| {
        let _ = resolve.call1(&JsValue::NULL, &blob);
    });
    c.to_blob_with_type_and_encoder_options(
        callback.as_ref().unchecked_ref(),
        mime,
        &JsValue::from(quality),
    )
    .map_err(|_| unsupported("encode images (the canvas may be tainted)"))?;
    let blob = JsFuture::from(promise)
        .await
        .map_err(|_| unsupported("encode images"))?;
    drop(callback);
    let blob = blob
        .dyn_into::<Blob>()
        .map_err(|_| unsupported("encode this image"))?;
    super::blob::encoded(&blob);
    Ok(blob)
}

/// Draws `source` (video, image bitmap) scaled into a new canvas whose long side is at most
/// `max_edge`, and encodes a JPEG that fits the 9.5 MB limit (lowering quality, then size).
pub async fn encode_jpeg(
    source: &JsValue,
    width: u32,
    height: u32,
    max_edge: u32,
    quality: f64,
) -> Result<Blob, FlowError> {
    if width == 0 || height == 0 {
        return Err(FlowError::out_of_order(
            "There is no picture yet: wait until the camera shows an image.",
        )
        .at(Step::Capture));
    }
    let mut scale = (f64::from(max_edge) / f64::from(width.max(height))).min(1.0);
    let mut quality = quality;
    for _ in 0..8 {
        let (w, h) = (
            ((f64::from(width) * scale).round() as u32).max(1),
            ((f64::from(height) * scale).round() as u32).max(1),
        );
        let c = canvas(w, h)?;
        let ctx = context(&c, false)?;
        draw(&ctx, source, f64::from(w), f64::from(h))?;
        let blob = to_blob(&c, "image/jpeg", quality).await?;
        if blob.size() <= MAX_PAGE_BYTES as f64 {
            return Ok(blob);
        }
        if quality > 0.55 {
            quality -= 0.15;
        } else {
            scale *= 0.8;
        }
    }
    Err(FlowError::new(
        ErrorCode::PayloadTooLarge,
        "The picture could not be made smaller than 9.5 MB.",
    )
    .at(Step::Capture))
}

/// Encodes a drawn canvas as a JPEG that fits the 9.5 MB limit: lower quality first, then a
/// smaller copy.
pub async fn encode_canvas(c: &HtmlCanvasElement, quality: f64) -> Result<Blob, FlowError> {
    let mut quality = quality;
    for _ in 0..3 {
        let blob = to_blob(c, "image/jpeg", quality).await?;
        if blob.size() <= MAX_PAGE_BYTES as f64 {
            return Ok(blob);
        }
        quality = (quality - 0.15).max(0.4);
    }
    let (w, h) = (c.width(), c.height());
    encode_jpeg(&c.clone().into(), w, h, w.max(h) * 4 / 5, quality).await
}

/// `ctx.drawImage(source, 0, 0, w, h)` for any drawable JS value.
pub fn draw(
    ctx: &CanvasRenderingContext2d,
    source: &JsValue,
    w: f64,
    h: f64,
) -> Result<(), FlowError> {
    super::media::call(
        ctx,
        "drawImage",
        &[
            source,
            &JsValue::from(0),
            &JsValue::from(0),
            &JsValue::from(w),
            &JsValue::from(h),
        ],
    )
    .map(|_| ())
    .ok_or_else(|| unsupported("draw this image"))
}

/// Decodes an image file with its EXIF orientation applied (`createImageBitmap`).
pub async fn decode(blob: &Blob) -> Result<JsValue, FlowError> {
    let global = js_sys::global();
    let create: js_sys::Function = Reflect::get(&global, &JsValue::from_str("createImageBitmap"))
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| unsupported("decode images (createImageBitmap)"))?;
    let options = Object::new();
    let _ = Reflect::set(
        &options,
        &JsValue::from_str("imageOrientation"),
        &JsValue::from_str("from-image"),
    );
    let promise: Promise = create
        .call2(&global, blob, &options)
        .ok()
        .and_then(|p| p.dyn_into().ok())
        .ok_or_else(|| unsupported("decode images"))?;
    JsFuture::from(promise).await.map_err(|_| {
        FlowError::new(
            ErrorCode::UnsupportedFormat,
            "The image could not be decoded: it may be damaged.",
        )
        .at(Step::Capture)
    })
}
