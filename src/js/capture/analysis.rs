//! Frame analysis for JS: the quality options and report, `QualityAnalyzer`, `guideRect`.

use super::{invalid, set, QualityOptionsArg};
use crate::core::image::framing::{guide, GuideKind};
use crate::core::image::quality::{analyze, QualityConfig, QualityReport, Rect, Scratch};
use crate::core::FlowError;
use crate::js::error::to_js;
use crate::js::options::Options;
use crate::web::frames::SourceRegion;
use crate::web::media::field;
use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Thresholds and region of a quality check.
pub(crate) struct QualitySpec {
    pub(crate) config: QualityConfig,
    pub(crate) region: RegionSpec,
}

#[derive(Clone, Copy)]
pub(crate) enum RegionSpec {
    Whole,
    Guide(GuideKind),
    Pixels(SourceRegion),
}

pub(crate) fn quality_spec(o: &Options<'_>) -> Result<QualitySpec, FlowError> {
    let mut config = QualityConfig::default();
    let t = o.get("thresholds");
    if !t.is_undefined() {
        let t = Options::new(
            &t,
            "thresholds",
            &[
                "minSharpness",
                "maxGlare",
                "glareLevel",
                "minBrightness",
                "maxBrightness",
                "minContrast",
                "minResolution",
            ],
            false,
        )?;
        let number = |key: &str, lo: f64, hi: f64| -> Result<Option<f64>, FlowError> {
            let v = t.get(key);
            if v.is_undefined() {
                return Ok(None);
            }
            match v.as_f64() {
                Some(n) if n.is_finite() && n >= lo && n <= hi => Ok(Some(n)),
                _ => Err(invalid(format!(
                    "thresholds.{key} must be a number from {} to {}.",
                    lo as u64, hi as u64
                ))),
            }
        };
        if let Some(v) = number("minSharpness", 0.0, 1e9)? {
            config.min_sharpness = v;
        }
        if let Some(v) = number("maxGlare", 0.0, 1.0)? {
            config.max_glare = v;
        }
        if let Some(v) = number("glareLevel", 1.0, 255.0)? {
            config.glare_level = v as u8;
        }
        if let Some(v) = number("minBrightness", 0.0, 1.0)? {
            config.min_brightness = v;
        }
        if let Some(v) = number("maxBrightness", 0.0, 1.0)? {
            config.max_brightness = v;
        }
        if let Some(v) = number("minContrast", 0.0, 1.0)? {
            config.min_contrast = v;
        }
        if let Some(v) = number("minResolution", 0.0, 100_000.0)? {
            config.min_resolution = v as u32;
        }
    }
    let r = o.get("region");
    let region = if r.is_undefined() {
        RegionSpec::Whole
    } else if let Some(name) = r.as_string() {
        RegionSpec::Guide(GuideKind::parse(&name).ok_or_else(|| {
            invalid("region must be 'id_card', 'passport', 'paper_licence', 'selfie' or { x, y, width, height }.")
        })?)
    } else {
        let ro = Options::new(&r, "region", &["x", "y", "width", "height"], false)?;
        let n = |k: &str| ro.get(k).as_f64().filter(|v| v.is_finite() && *v >= 0.0);
        match (n("x"), n("y"), n("width"), n("height")) {
            (Some(x), Some(y), Some(w), Some(h)) => RegionSpec::Pixels((x, y, w, h)),
            _ => {
                return Err(invalid(
                    "region needs non-negative numbers x, y, width and height (video pixels).",
                ))
            }
        }
    };
    Ok(QualitySpec { config, region })
}

pub(crate) fn region_in(spec: RegionSpec, width: f64, height: f64) -> Option<SourceRegion> {
    match spec {
        RegionSpec::Whole => None,
        RegionSpec::Pixels(r) => Some(r),
        RegionSpec::Guide(kind) => {
            guide(kind, width, height, 0.08).map(|g| (g.x, g.y, g.width, g.height))
        }
    }
}

pub(crate) fn report_js(r: &QualityReport) -> JsValue {
    let o = Object::new();
    set(&o, "ok", &JsValue::from_bool(r.ok));
    let reasons: Array = r
        .reasons
        .iter()
        .map(|x| JsValue::from_str(x.as_str()))
        .collect();
    set(&o, "reasons", &reasons);
    set(&o, "sharpness", &JsValue::from(r.sharpness));
    set(&o, "glare", &JsValue::from(r.glare));
    set(&o, "brightness", &JsValue::from(r.brightness));
    set(&o, "contrast", &JsValue::from(r.contrast));
    set(&o, "resolution", &JsValue::from(r.resolution));
    o.into()
}

/// The framing guide for `kind` (`'id_card'`, `'passport'`, `'paper_licence'`, `'selfie'`)
/// in a `width × height` video, with `margin` (share of each side, default 0.08):
/// `{ x, y, width, height, ellipse }`.
#[wasm_bindgen(js_name = guideRect, unchecked_return_type = "GuideRect")]
pub fn guide_rect(
    #[wasm_bindgen(unchecked_param_type = "GuideKind")] kind: JsValue,
    width: f64,
    height: f64,
    margin: Option<f64>,
) -> Result<JsValue, JsValue> {
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
    let o = Object::new();
    set(&o, "x", &JsValue::from(g.x));
    set(&o, "y", &JsValue::from(g.y));
    set(&o, "width", &JsValue::from(g.width));
    set(&o, "height", &JsValue::from(g.height));
    set(&o, "ellipse", &JsValue::from_bool(g.ellipse));
    Ok(o.into())
}

/// The quality check on frames you already have (a grey `Uint8Array` or an `ImageData`), with
/// buffers reused from call to call.
#[wasm_bindgen]
pub struct QualityAnalyzer {
    pub(crate) config: QualityConfig,
    grey: Vec<u8>,
    rgba: Vec<u8>,
    scratch: Scratch,
}

#[wasm_bindgen]
impl QualityAnalyzer {
    /// An analyzer with optional `{ thresholds }`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<QualityOptionsArg>) -> Result<QualityAnalyzer, JsValue> {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let o = Options::new(&options, "quality options", &["thresholds"], true)
            .map_err(|e| to_js(&e))?;
        let spec = quality_spec(&o).map_err(|e| to_js(&e))?;
        Ok(QualityAnalyzer {
            config: spec.config,
            grey: Vec::new(),
            rgba: Vec::new(),
            scratch: Scratch::default(),
        })
    }

    /// Analyses a grey frame (`width × height` bytes); `resolution` is the source's long side
    /// (default: the frame's).
    #[wasm_bindgen(js_name = analyzeGrey, unchecked_return_type = "QualityReport")]
    pub fn analyze_grey(
        &mut self,
        data: &Uint8Array,
        width: u32,
        height: u32,
        resolution: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let needed = u64::from(width) * u64::from(height);
        if u64::from(data.length()) < needed || width < 3 || height < 3 {
            return Err(to_js(&invalid(
                "data must hold width × height grey bytes (at least 3 × 3).",
            )));
        }
        self.grey.resize(data.length() as usize, 0);
        data.copy_to(&mut self.grey);
        self.run(width, height, resolution)
    }

    /// Analyses an `ImageData` (RGBA).
    #[wasm_bindgen(js_name = analyzeImageData, unchecked_return_type = "QualityReport")]
    pub fn analyze_image_data(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "ImageData")] image: JsValue,
        resolution: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let data: js_sys::Uint8ClampedArray = field(&image, "data")
            .dyn_into()
            .map_err(|_| to_js(&invalid("analyzeImageData needs an ImageData.")))?;
        let width = field(&image, "width").as_f64().unwrap_or(0.0) as u32;
        let height = field(&image, "height").as_f64().unwrap_or(0.0) as u32;
        if u64::from(data.length()) < u64::from(width) * u64::from(height) * 4
            || width < 3
            || height < 3
        {
            return Err(to_js(&invalid("The ImageData is too small.")));
        }
        self.rgba.resize(data.length() as usize, 0);
        data.copy_to(&mut self.rgba);
        crate::core::image::quality::rgba_to_grey(&self.rgba, &mut self.grey);
        self.run(width, height, resolution)
    }

    fn run(
        &mut self,
        width: u32,
        height: u32,
        resolution: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let resolution = resolution.unwrap_or(width.max(height));
        analyze(
            &self.grey,
            width as usize,
            height as usize,
            None::<Rect>,
            resolution,
            &self.config,
            &mut self.scratch,
        )
        .map(|r| report_js(&r))
        .ok_or_else(|| to_js(&invalid("The frame is too small to analyse.")))
    }
}
