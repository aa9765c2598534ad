//! Frame analysis for JS: the check's options (region, thresholds) and report, `QualityAnalyzer`,
//! `guideRect`.

use super::{invalid, QualityOptionsArg};
use crate::core::image::check::{check, CheckConfig, CheckScratch};
use crate::core::image::framing::{guide, Guide, GuideKind};
use crate::core::image::quality::{rgba_to_grey, QualityReport};
use crate::core::image::steady::DEFAULT_TOLERANCE;
use crate::core::FlowError;
use crate::js::error::to_js;
use crate::js::options::Options;
use crate::web::convert::plain_object;
use crate::web::frames::{Region, REGION_OUTSIDE, REGION_TOO_SMALL};
use crate::web::media::field;
use js_sys::Uint8Array;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The largest frame `QualityAnalyzer` takes (a 4096 × 4096 video frame): larger ones are
/// photos, which `cropDocument` and `prepareFile` handle without copying them into wasm.
pub const MAX_FRAME_PIXELS: u64 = 4096 * 4096;

/// Region and thresholds of a check.
pub(crate) struct CheckSpec {
    pub(crate) config: CheckConfig,
    pub(crate) region: Region,
    /// How far a corner may move between two still frames, in pixels of a 640-px frame.
    pub(crate) max_motion: f64,
}

/// The threshold options: (name, least, greatest, the range in words — float formatting would
/// weigh several KB in the wasm).
const THRESHOLDS: [(&str, f64, f64, &str); 14] = [
    ("minSharpness", 0.0, 1e9, "0 to 1e9"),
    ("maxGlare", 0.0, 1.0, "0 to 1"),
    ("glareLevel", 1.0, 255.0, "1 to 255"),
    ("minBrightness", 0.0, 1.0, "0 to 1"),
    ("maxBrightness", 0.0, 1.0, "0 to 1"),
    ("minContrast", 0.0, 1.0, "0 to 1"),
    ("minResolution", 0.0, 100_000.0, "0 to 100000"),
    ("minCoverage", 0.0, 4.0, "0 to 4"),
    ("maxCoverage", 0.0, 4.0, "0 to 4"),
    ("maxSkew", 0.0, 90.0, "0 to 90"),
    ("edgeMargin", 0.0, 0.45, "0 to 0.45"),
    ("minFaceSize", 0.0, 2.0, "0 to 2"),
    ("maxFaceOffset", 0.0, 2.0, "0 to 2"),
    ("maxMotion", 0.0, 640.0, "0 to 640"),
];

/// Reads `{ region, thresholds }`.
pub(crate) fn check_spec(o: &Options<'_>) -> Result<CheckSpec, FlowError> {
    let region = region(&o.get("region"))?;
    let mut config = CheckConfig::default();
    let mut max_motion = DEFAULT_TOLERANCE;
    if region == Region::Guide(GuideKind::Selfie) {
        // a face is no document: little contrast, and skin shines
        config.quality.min_contrast = 0.02;
        config.quality.max_glare = 0.05;
    }
    let t = o.get("thresholds");
    if !t.is_undefined() {
        let keys = THRESHOLDS.map(|(k, ..)| k);
        let t = Options::new(&t, "thresholds", &keys, false)?;
        for (key, lo, hi, range) in THRESHOLDS {
            let v = t.get(key);
            if v.is_undefined() {
                continue;
            }
            let n = match v.as_f64() {
                Some(n) if n.is_finite() && n >= lo && n <= hi => n,
                _ => {
                    return Err(invalid(format!(
                        "thresholds.{key} must be a number from {range}."
                    )))
                }
            };
            let (q, d, f) = (&mut config.quality, &mut config.document, &mut config.face);
            match key {
                "minSharpness" => q.min_sharpness = n,
                "maxGlare" => q.max_glare = n,
                "glareLevel" => q.glare_level = n as u8,
                "minBrightness" => q.min_brightness = n,
                "maxBrightness" => q.max_brightness = n,
                "minContrast" => q.min_contrast = n,
                "minResolution" => q.min_resolution = n as u32,
                "minCoverage" => d.min_coverage = n,
                "maxCoverage" => d.max_coverage = n,
                "maxSkew" => d.max_skew_degrees = n,
                "edgeMargin" => d.edge_margin = n,
                "minFaceSize" => f.min_face_share = n,
                "maxFaceOffset" => f.max_center_offset = n,
                _ => max_motion = n,
            }
        }
    }
    Ok(CheckSpec {
        config,
        region,
        max_motion,
    })
}

/// `'id_card' | 'passport' | 'paper_licence' | 'selfie' | { x, y, width, height }`, or the whole
/// frame when undefined.
pub(crate) fn region(r: &JsValue) -> Result<Region, FlowError> {
    if r.is_undefined() {
        return Ok(Region::Whole);
    }
    if let Some(name) = r.as_string() {
        return kind(&name).map(Region::Guide);
    }
    let ro = Options::shape(r, "region", &["x", "y", "width", "height"])?;
    let n = |k: &str| ro.get(k).as_f64().filter(|v| v.is_finite() && *v >= 0.0);
    match (n("x"), n("y"), n("width"), n("height")) {
        (Some(x), Some(y), Some(w), Some(h)) if w >= 3.0 && h >= 3.0 => {
            Ok(Region::Pixels((x, y, w, h)))
        }
        _ => Err(invalid(
            "region needs non-negative numbers x, y, width and height (at least 3 × 3 pixels).",
        )),
    }
}

/// A guide kind by name.
pub(crate) fn kind(name: &str) -> Result<GuideKind, FlowError> {
    GuideKind::parse(name).ok_or_else(|| {
        invalid("region must be 'id_card', 'passport', 'paper_licence', 'selfie' or { x, y, width, height }.")
    })
}

/// The report as a plain JS object (`null` only if it could not be converted, which needs a
/// number beyond 2^53: a report holds none).
pub(crate) fn report_js(r: &QualityReport) -> JsValue {
    plain_object(r).unwrap_or(JsValue::NULL)
}

/// The framing guide for `kind` (`'id_card'`, `'passport'`, `'paper_licence'`, `'selfie'`)
/// in a `width × height` video, with `margin` (share of each side, default 0.08):
/// `{ x, y, width, height, ellipse }`.
#[wasm_bindgen(js_name = guideRect)]
pub fn guide_rect(
    #[wasm_bindgen(unchecked_param_type = "GuideKind")] kind: JsValue,
    width: f64,
    height: f64,
    margin: Option<f64>,
) -> Result<Ts<Guide>, JsValue> {
    let kind = kind
        .as_string()
        .and_then(|k| GuideKind::parse(&k))
        .ok_or_else(|| {
            to_js(&invalid(
                "kind must be 'id_card', 'passport', 'paper_licence' or 'selfie'.",
            ))
        })?;
    let g = guide(kind, width, height, margin.unwrap_or(0.08)).ok_or_else(|| {
        to_js(&invalid(
            "width and height must be positive and margin from 0 to 0.45.",
        ))
    })?;
    g.into_ts()
        .map_err(|_| to_js(&invalid("The guide could not be passed to JavaScript.")))
}

/// The checks on frames you already have (a grey `Uint8Array` or an `ImageData`), with
/// buffers reused from call to call: `new QualityAnalyzer({ region: 'id_card' })` finds the
/// document too, `{ region: 'selfie' }` the face.
#[wasm_bindgen]
pub struct QualityAnalyzer {
    spec: CheckSpec,
    grey: Vec<u8>,
    rgba: Vec<u8>,
    scratch: CheckScratch,
}

#[wasm_bindgen]
impl QualityAnalyzer {
    /// An analyzer with optional `{ region, thresholds }` (default: the whole frame's quality).
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<QualityOptionsArg>) -> Result<QualityAnalyzer, JsValue> {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let spec = Options::new(&options, "quality options", &["region", "thresholds"], true)
            .and_then(|o| check_spec(&o))
            .map_err(|e| to_js(&e))?;
        Ok(QualityAnalyzer {
            spec,
            grey: Vec::new(),
            rgba: Vec::new(),
            scratch: CheckScratch::default(),
        })
    }

    /// Analyses a grey frame (`width × height` bytes, a `Uint8Array` or a `Uint8ClampedArray`);
    /// `resolution` is the source's long side (default: the frame's).
    #[wasm_bindgen(js_name = analyzeGrey, unchecked_return_type = "QualityReport")]
    pub fn analyze_grey(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | Uint8ClampedArray")] data: &JsValue,
        width: f64,
        height: f64,
        resolution: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        // numbers, not u32 parameters: those wrap silently (-1 → 4294967295, 2³² + 64 → 64)
        let (width, height) = (whole(width, "width")?, whole(height, "height")?);
        let resolution = resolution.map(|r| whole(r, "resolution")).transpose()?;
        // checked here rather than typed in the signature: wasm-bindgen does not check a
        // `&Uint8Array` argument, and a call on `null` or a plain Array would throw inside the
        // method, leaving the analyzer borrowed (every later call: "recursive use of an object")
        let needed = u64::from(width) * u64::from(height);
        let short = || {
            to_js(&invalid(
                "data must hold width × height grey bytes (at least 3 × 3).",
            ))
        };
        if width < 3 || height < 3 {
            return Err(short());
        }
        too_large(needed)?;
        let n = needed as u32;
        let view = byte_view(data).ok_or_else(|| {
            to_js(&invalid(
                "data must be a Uint8Array or Uint8ClampedArray of width × height grey bytes.",
            ))
        })?;
        if view.length() < n {
            return Err(short());
        }
        // exactly three or four bytes a pixel is RGB or an ImageData's RGBA: read as grey it
        // gives a report about nothing (a silent wrong answer). Other larger buffers pass: a
        // pooled buffer, or a YUV frame whose first plane is the grey one.
        if [3, 4].contains(&(u64::from(view.length()) / needed))
            && u64::from(view.length()) % needed == 0
        {
            return Err(to_js(&invalid(
                "data holds 3 or 4 bytes per pixel: that is RGB or RGBA (ImageData.data); pass an ImageData to analyzeImageData.",
            )));
        }
        self.grey.resize(n as usize, 0);
        view.subarray(0, n).copy_to(&mut self.grey);
        self.run(width, height, resolution)
    }

    /// Analyses an `ImageData` (RGBA).
    #[wasm_bindgen(js_name = analyzeImageData, unchecked_return_type = "QualityReport")]
    pub fn analyze_image_data(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "ImageData")] image: JsValue,
        resolution: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let resolution = resolution.map(|r| whole(r, "resolution")).transpose()?;
        let data = byte_view(&field(&image, "data"))
            .ok_or_else(|| to_js(&invalid("analyzeImageData needs an ImageData.")))?;
        let width = field(&image, "width").as_f64().unwrap_or(0.0) as u32;
        let height = field(&image, "height").as_f64().unwrap_or(0.0) as u32;
        let needed = u64::from(width) * u64::from(height);
        if u64::from(data.length()) < needed * 4 || width < 3 || height < 3 {
            return Err(to_js(&invalid(
                "The ImageData is too small (at least 3 × 3).",
            )));
        }
        too_large(needed)?;
        self.rgba.resize(needed as usize * 4, 0);
        data.subarray(0, needed as u32 * 4).copy_to(&mut self.rgba);
        rgba_to_grey(&self.rgba, &mut self.grey);
        self.run(width, height, resolution)
    }

    fn run(
        &mut self,
        width: u32,
        height: u32,
        resolution: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let resolution = resolution.unwrap_or(width.max(height));
        let target = self
            .spec
            .region
            .target(f64::from(width), f64::from(height), 1.0)
            .ok_or_else(|| to_js(&invalid(REGION_OUTSIDE)))?;
        check(
            &self.grey,
            width as usize,
            height as usize,
            &target,
            resolution,
            &self.spec.config,
            &mut self.scratch,
        )
        .map(|r| report_js(&r))
        .ok_or_else(|| to_js(&invalid(REGION_TOO_SMALL)))
    }
}

/// A `Uint8Array` over the bytes of `data` (a `Uint8Array` or `Uint8ClampedArray`), made only
/// through calls that cannot throw into wasm: a Proxy, an object that merely inherits from a
/// typed array, or a view of a buffer sent to a worker gives None (a JS exception inside a
/// method would leave the analyzer borrowed for good).
fn byte_view(data: &JsValue) -> Option<Uint8Array> {
    if !(data.is_instance_of::<Uint8Array>() || data.is_instance_of::<js_sys::Uint8ClampedArray>())
    {
        return None;
    }
    let get = |key: &str| js_sys::Reflect::get(data, &JsValue::from_str(key)).ok();
    let args = js_sys::Array::of3(&get("buffer")?, &get("byteOffset")?, &get("length")?);
    let view = js_sys::Reflect::construct(
        field(&js_sys::global(), "Uint8Array").dyn_ref::<js_sys::Function>()?,
        &args,
    )
    .ok()?;
    view.dyn_into().ok()
}

/// A whole number of pixels (0 to 2³² − 1), or `invalid_input` naming `what`.
fn whole(v: f64, what: &str) -> Result<u32, JsValue> {
    if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
        Ok(v as u32)
    } else {
        // (the value is not quoted: formatting a float would bring 10 KB of code)
        Err(to_js(&invalid(format!(
            "{what} must be a whole number of pixels, from 0."
        ))))
    }
}

fn too_large(pixels: u64) -> Result<(), JsValue> {
    if pixels > MAX_FRAME_PIXELS {
        return Err(to_js(&invalid(
            "The frame is larger than 4096 × 4096 pixels: analyse the preview, or crop a photo with cropDocument.",
        )));
    }
    Ok(())
}
