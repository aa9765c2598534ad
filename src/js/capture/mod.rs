//! Capture for the JS API, one file per concern: the live camera ([`camera`]: `Camera`,
//! `QualityWatch`, auto-capture), frame analysis ([`analysis`]: the check's options and
//! report, `QualityAnalyzer`, `guideRect`) and files and crops ([`files`]: `prepareFile`,
//! `cropDocument`).

mod analysis;
mod camera;
mod files;

pub use analysis::{guide_rect, QualityAnalyzer};
pub use camera::{Camera, QualityWatch};
pub use files::{crop_document, prepare_file};

use crate::core::image::document::Signature;
use crate::core::{FlowError, Step};
use crate::js::options::Options;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// Options of `Camera.open`.
    #[wasm_bindgen(typescript_type = "CameraOptions")]
    pub type CameraOptionsArg;
    /// Options of `capture`.
    #[wasm_bindgen(typescript_type = "CaptureOptions")]
    pub type CaptureOptionsArg;
    /// Options of the quality checks.
    #[wasm_bindgen(typescript_type = "QualityOptions")]
    pub type QualityOptionsArg;
    /// Options of `autoCapture`.
    #[wasm_bindgen(typescript_type = "AutoCaptureOptions")]
    pub type AutoCaptureOptionsArg;
    /// Options of `prepareFile`.
    #[wasm_bindgen(typescript_type = "PrepareFileOptions")]
    pub type PrepareOptionsArg;
    /// Options of `cropDocument`.
    #[wasm_bindgen(typescript_type = "CropOptions")]
    pub type CropOptionsArg;
    /// Options of `switchTo`.
    #[wasm_bindgen(typescript_type = "SwitchOptions")]
    pub type SwitchOptionsArg;
}

pub(crate) fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

pub(crate) fn invalid(message: impl Into<String>) -> FlowError {
    FlowError::invalid_input(message).at(Step::Capture)
}

/// Default long edge of captured and prepared photos.
pub const DEFAULT_MAX_EDGE: u32 = 2000;
/// Default JPEG quality.
pub const DEFAULT_QUALITY: f64 = 0.92;

pub(crate) fn encode_options(
    value: &JsValue,
    what: &str,
    extra: &[&str],
) -> Result<(u32, f64, Options<'static>), FlowError> {
    let mut known = vec!["maxEdge", "quality"];
    known.extend_from_slice(extra);
    let what: &'static str = if what == "capture options" {
        "capture options"
    } else {
        "options"
    };
    let o = Options::new(value, what, &known, true).map_err(|e| e.at(Step::Capture))?;
    let max_edge = o
        .integer("maxEdge", 100, 8000)?
        .map_or(DEFAULT_MAX_EDGE, |n| n as u32);
    let quality = match o.get("quality").as_f64() {
        None if o.get("quality").is_undefined() => DEFAULT_QUALITY,
        Some(q) if (0.1..=1.0).contains(&q) => q,
        _ => return Err(invalid("quality must be a number from 0.1 to 1.")),
    };
    Ok((max_edge, quality, o))
}

thread_local! {
    /// What the document in each capture looked like (Blob → its signature as a Float32Array),
    /// for `autoCapture({ differentFrom })`; an entry goes with its Blob.
    static SIGNATURES: js_sys::WeakMap = js_sys::WeakMap::new();
}

/// Keeps the signature of the document a capture shows.
pub(crate) fn remember(capture: &JsValue, signature: &Signature) {
    if let Some(key) = capture.dyn_ref::<Object>() {
        let values = js_sys::Float32Array::from(signature.values());
        SIGNATURES.with(|m| {
            m.set(key, &values);
        });
    }
}

/// The signature kept for a capture of this library, if it is one.
pub(crate) fn recall(capture: &JsValue) -> Option<Signature> {
    let key = capture.dyn_ref::<Object>()?;
    let values: js_sys::Float32Array = SIGNATURES.with(|m| m.get(key)).dyn_into().ok()?;
    Signature::from_values(&values.to_vec())
}
