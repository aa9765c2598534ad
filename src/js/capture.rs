//! `Camera`, `prepareFile`, `guideRect` and `QualityAnalyzer`: capture for the JS API.

use super::error::to_js;
use super::options::Options;
use crate::core::exif::{orientation, EXIF_SCAN_LEN};
use crate::core::framing::{guide, GuideKind};
use crate::core::quality::{analyze, QualityConfig, QualityReport, Rect, Scratch};
use crate::core::sniff::{sniff, Format};
use crate::core::{ErrorCode, FlowError, Step, MAX_PAGE_BYTES};
use crate::web::blob::describe;
use crate::web::canvas::{decode, encode_jpeg};
use crate::web::frames::{FrameAnalyzer, FrameLoop, SourceRegion};
use crate::web::media::{field, list_devices, open_stream, video_tracks, Request};
use crate::web::timer::sleep;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{AbortSignal, Blob, HtmlVideoElement, MediaStream};

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
    /// Options of `switchTo`.
    #[wasm_bindgen(typescript_type = "SwitchOptions")]
    pub type SwitchOptionsArg;
}

type BoxedFuture = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

fn promise<F: Future<Output = Result<JsValue, FlowError>> + 'static>(f: F) -> Promise {
    let boxed: BoxedFuture = Box::pin(async move { f.await.map_err(|e| to_js(&e)) });
    future_to_promise(boxed)
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

fn invalid(message: impl Into<String>) -> FlowError {
    FlowError::invalid_input(message).at(Step::Capture)
}

/// Default long edge of captured and prepared photos.
pub const DEFAULT_MAX_EDGE: u32 = 2000;
/// Default JPEG quality.
pub const DEFAULT_QUALITY: f64 = 0.92;

fn encode_options(
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

/// Thresholds and region of a quality check.
struct QualitySpec {
    config: QualityConfig,
    region: RegionSpec,
}

#[derive(Clone, Copy)]
enum RegionSpec {
    Whole,
    Guide(GuideKind),
    Pixels(SourceRegion),
}

fn quality_spec(o: &Options<'_>) -> Result<QualitySpec, FlowError> {
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

fn region_in(spec: RegionSpec, width: f64, height: f64) -> Option<SourceRegion> {
    match spec {
        RegionSpec::Whole => None,
        RegionSpec::Pixels(r) => Some(r),
        RegionSpec::Guide(kind) => {
            guide(kind, width, height, 0.08).map(|g| (g.x, g.y, g.width, g.height))
        }
    }
}

fn report_js(r: &QualityReport) -> JsValue {
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

struct CameraInner {
    video: HtmlVideoElement,
    stream: RefCell<Option<MediaStream>>,
    facing: RefCell<Option<String>>,
    ideal_width: Cell<u32>,
    analyzer: RefCell<Option<FrameAnalyzer>>,
    loops: RefCell<Vec<Rc<FrameLoop>>>,
}

impl CameraInner {
    fn size(&self) -> (f64, f64) {
        (
            f64::from(self.video.video_width()),
            f64::from(self.video.video_height()),
        )
    }

    fn stop_tracks(&self) {
        if let Some(stream) = self.stream.borrow_mut().take() {
            for t in video_tracks(&stream) {
                t.stop();
            }
        }
        self.video.set_src_object(None);
    }

    fn check(&self, spec: &QualitySpec) -> Result<Option<QualityReport>, FlowError> {
        if self.stream.borrow().is_none() {
            return Err(
                FlowError::out_of_order("The camera is stopped: open it again.").at(Step::Capture),
            );
        }
        let mut analyzer = self.analyzer.borrow_mut();
        if analyzer.is_none() {
            *analyzer = Some(FrameAnalyzer::new()?);
        }
        let (w, h) = self.size();
        Ok(analyzer.as_mut().and_then(|a| {
            a.analyze(
                &self.video,
                w,
                h,
                region_in(spec.region, w, h),
                &spec.config,
            )
        }))
    }

    async fn attach(&self, request: &Request) -> Result<(), FlowError> {
        let stream = open_stream(request).await?;
        self.stop_tracks();
        self.video.set_muted(true);
        let _ = self.video.set_attribute("playsinline", "");
        let _ = self.video.set_attribute("autoplay", "");
        self.video.set_src_object(Some(&stream));
        *self.stream.borrow_mut() = Some(stream);
        if let Ok(p) = self.video.play() {
            let _ = JsFuture::from(p).await;
        }
        // wait (bounded) for the first frame's size
        for _ in 0..100 {
            if self.video.video_width() > 0 {
                return Ok(());
            }
            sleep(50.0, None).await;
        }
        self.stop_tracks();
        Err(FlowError::new(
            ErrorCode::CameraInUse,
            "The camera gave no picture within 5 seconds.",
        )
        .at(Step::Capture))
    }
}

/// A live camera shown in a `<video>` element, with capture and quality checks.
#[wasm_bindgen]
pub struct Camera {
    inner: Rc<CameraInner>,
}

/// A running `watchQuality`; `stop()` ends it.
#[wasm_bindgen]
pub struct QualityWatch {
    frame_loop: Rc<FrameLoop>,
}

#[wasm_bindgen]
impl QualityWatch {
    /// Stops delivering reports.
    pub fn stop(&self) {
        self.frame_loop.stop();
    }
}

fn camera_request(o: &Options<'_>) -> Result<Request, FlowError> {
    let facing = o.string("facing")?;
    if let Some(f) = &facing {
        if f != "environment" && f != "user" {
            return Err(invalid(
                "facing must be 'environment' (rear) or 'user' (front).",
            ));
        }
    }
    Ok(Request {
        facing,
        device_id: o.string("deviceId")?,
        ideal_width: o
            .integer("idealWidth", 160, 8192)?
            .map_or(1920, |n| n as u32),
    })
}

fn is_ios() -> bool {
    let nav = field(&js_sys::global(), "navigator");
    let ua = field(&nav, "userAgent").as_string().unwrap_or_default();
    let touch = field(&nav, "maxTouchPoints").as_f64().unwrap_or(0.0);
    ua.contains("iPhone") || ua.contains("iPad") || (ua.contains("Macintosh") && touch > 1.0)
}

#[wasm_bindgen]
impl Camera {
    /// Opens the camera into `video`: `{ facing: 'environment' | 'user', deviceId, idealWidth }`
    /// (rear camera at about 1920 px wide by default; looser settings are retried).
    #[wasm_bindgen(unchecked_return_type = "Promise<Camera>")]
    pub fn open(
        #[wasm_bindgen(unchecked_param_type = "HTMLVideoElement")] video: JsValue,
        options: Option<CameraOptionsArg>,
    ) -> Promise {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        promise(async move {
            let video: HtmlVideoElement = video.dyn_into().map_err(|v| {
                invalid(format!(
                    "Camera.open needs a <video> element; got {}.",
                    describe(&v)
                ))
            })?;
            let o = Options::new(
                &options,
                "camera options",
                &["facing", "deviceId", "idealWidth"],
                true,
            )
            .map_err(|e| e.at(Step::Capture))?;
            let mut request = camera_request(&o)?;
            if request.facing.is_none() && request.device_id.is_none() {
                request.facing = Some("environment".into());
            }
            let inner = Rc::new(CameraInner {
                video,
                stream: RefCell::new(None),
                facing: RefCell::new(request.facing.clone()),
                ideal_width: Cell::new(request.ideal_width),
                analyzer: RefCell::new(None),
                loops: RefCell::new(Vec::new()),
            });
            inner.attach(&request).await?;
            Ok(Camera { inner }.into())
        })
    }

    /// The cameras: `[{ deviceId, label }]` (labels appear once the camera was allowed;
    /// infrared and depth cameras are left out).
    #[wasm_bindgen(unchecked_return_type = "Promise<CameraDevice[]>")]
    pub fn list() -> Promise {
        promise(async move {
            let devices = list_devices().await?;
            let out = Array::new();
            for d in devices {
                let o = Object::new();
                set(&o, "deviceId", &JsValue::from_str(&d.id));
                set(&o, "label", &JsValue::from_str(&d.label));
                out.push(&o);
            }
            Ok(out.into())
        })
    }

    /// Width of the camera's picture in pixels.
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.inner.video.video_width()
    }

    /// Height of the camera's picture in pixels.
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.inner.video.video_height()
    }

    /// Whether the camera is running.
    #[wasm_bindgen(getter)]
    pub fn active(&self) -> bool {
        self.inner.stream.borrow().as_ref().is_some_and(|s| {
            video_tracks(s)
                .iter()
                .any(|t| t.ready_state() == web_sys::MediaStreamTrackState::Live)
        })
    }

    /// The `deviceId` of the camera in use.
    #[wasm_bindgen(getter, js_name = deviceId)]
    pub fn device_id(&self) -> Option<String> {
        let stream = self.inner.stream.borrow();
        let track = video_tracks(stream.as_ref()?).into_iter().next()?;
        let settings = Reflect::get(&track, &JsValue::from_str("getSettings"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .and_then(|f| f.call0(&track).ok())?;
        field(&settings, "deviceId").as_string()
    }

    /// Switches to another camera: `{ deviceId }` or `{ facing }`.
    #[wasm_bindgen(js_name = switchTo, unchecked_return_type = "Promise<void>")]
    pub fn switch_to(&self, options: SwitchOptionsArg) -> Promise {
        let inner = Rc::clone(&self.inner);
        let options: JsValue = options.into();
        promise(async move {
            let o = Options::new(
                &options,
                "switch options",
                &["facing", "deviceId", "idealWidth"],
                false,
            )
            .map_err(|e| e.at(Step::Capture))?;
            let mut request = camera_request(&o)?;
            if request.facing.is_none() && request.device_id.is_none() {
                request.facing = inner.facing.borrow().clone();
            }
            if o.get("idealWidth").is_undefined() {
                request.ideal_width = inner.ideal_width.get();
            }
            inner.attach(&request).await?;
            *inner.facing.borrow_mut() = request.facing;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Whether the camera has a torch that can be switched.
    #[wasm_bindgen(getter, js_name = torchAvailable)]
    pub fn torch_available(&self) -> bool {
        let stream = self.inner.stream.borrow();
        let Some(track) = stream
            .as_ref()
            .and_then(|s| video_tracks(s).into_iter().next())
        else {
            return false;
        };
        let capabilities = Reflect::get(&track, &JsValue::from_str("getCapabilities"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .and_then(|f| f.call0(&track).ok())
            .unwrap_or(JsValue::UNDEFINED);
        field(&capabilities, "torch").is_truthy()
    }

    /// Switches the torch on or off (`unsupported` when the camera has none).
    #[wasm_bindgen(js_name = setTorch, unchecked_return_type = "Promise<void>")]
    pub fn set_torch(&self, on: bool) -> Promise {
        let available = self.torch_available();
        let track = self
            .inner
            .stream
            .borrow()
            .as_ref()
            .and_then(|s| video_tracks(s).into_iter().next());
        promise(async move {
            let track = track.filter(|_| available).ok_or_else(|| {
                FlowError::new(ErrorCode::Unsupported, "This camera has no torch.")
                    .at(Step::Capture)
            })?;
            let advanced = Object::new();
            set(&advanced, "torch", &JsValue::from_bool(on));
            let constraints = Object::new();
            set(&constraints, "advanced", &Array::of1(&advanced));
            let no_torch = || {
                FlowError::new(ErrorCode::Unsupported, "The torch cannot be switched.")
                    .at(Step::Capture)
            };
            let p: Promise = Reflect::get(&track, &JsValue::from_str("applyConstraints"))
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
                .and_then(|f| f.call1(&track, &constraints).ok())
                .and_then(|p| p.dyn_into().ok())
                .ok_or_else(no_torch)?;
            JsFuture::from(p).await.map_err(|_| no_torch())?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Captures the current frame at the camera's full resolution as a JPEG Blob: long edge
    /// capped (`maxEdge`, default 2000), `quality` (default 0.92), always under 9.5 MB.
    #[wasm_bindgen(unchecked_return_type = "Promise<Blob>")]
    pub fn capture(&self, options: Option<CaptureOptionsArg>) -> Promise {
        let inner = Rc::clone(&self.inner);
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        promise(async move {
            let (max_edge, quality, _) = encode_options(&options, "capture options", &[])?;
            capture_frame(&inner, max_edge, quality).await
        })
    }

    /// Checks the current frame once: `{ ok, reasons, sharpness, glare, brightness, contrast,
    /// resolution }`; `null` before the first frame.
    #[wasm_bindgen(js_name = checkQuality, unchecked_return_type = "QualityReport | null")]
    pub fn check_quality(&self, options: Option<QualityOptionsArg>) -> Result<JsValue, JsValue> {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let run = || -> Result<JsValue, FlowError> {
            let o = Options::new(&options, "quality options", &["region", "thresholds"], true)?;
            let spec = quality_spec(&o)?;
            Ok(self
                .inner
                .check(&spec)?
                .as_ref()
                .map_or(JsValue::NULL, report_js))
        };
        run().map_err(|e| to_js(&e.at(Step::Capture)))
    }

    /// Calls `callback(report)` on every new frame until `stop()` (or the camera stops).
    #[wasm_bindgen(js_name = watchQuality)]
    pub fn watch_quality(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(report: QualityReport) => void")] callback: JsValue,
        options: Option<QualityOptionsArg>,
    ) -> Result<QualityWatch, JsValue> {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let setup = || -> Result<(Function, QualitySpec), FlowError> {
            let f: Function = callback
                .dyn_into()
                .map_err(|_| invalid("watchQuality needs a callback function."))?;
            let o = Options::new(&options, "quality options", &["region", "thresholds"], true)?;
            Ok((f, quality_spec(&o)?))
        };
        let (f, spec) = setup().map_err(|e| to_js(&e.at(Step::Capture)))?;
        if self.inner.stream.borrow().is_none() {
            return Err(to_js(
                &FlowError::out_of_order("The camera is stopped: open it again.").at(Step::Capture),
            ));
        }
        let inner = Rc::clone(&self.inner);
        let frame_loop = Rc::new(FrameLoop::start(
            &self.inner.video.clone().into(),
            move || match inner.check(&spec) {
                Ok(Some(report)) => {
                    let _ = f.call1(&JsValue::NULL, &report_js(&report));
                    true
                }
                Ok(None) => true,
                Err(_) => false,
            },
        ));
        self.inner.loops.borrow_mut().push(Rc::clone(&frame_loop));
        Ok(QualityWatch { frame_loop })
    }

    /// Resolves with a captured JPEG once the frame has been good for `steadyFrames`
    /// consecutive frames (default 5). Takes the quality options, the capture options, an
    /// optional `signal` and `timeoutMs`, and `onQuality` to follow along.
    #[wasm_bindgen(js_name = autoCapture, unchecked_return_type = "Promise<Blob>")]
    pub fn auto_capture(&self, options: Option<AutoCaptureOptionsArg>) -> Promise {
        let inner = Rc::clone(&self.inner);
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        promise(async move {
            let (max_edge, quality, o) = encode_options(
                &options,
                "options",
                &[
                    "steadyFrames",
                    "region",
                    "thresholds",
                    "signal",
                    "timeoutMs",
                    "onQuality",
                ],
            )?;
            let steady = o.integer("steadyFrames", 1, 600)?.map_or(5, |n| n as u32);
            let spec = quality_spec(&o)?;
            let signal: Option<AbortSignal> = o.signal("signal")?;
            let timeout = o.integer("timeoutMs", 1, 3_600_000)?;
            let on_quality = o.function("onQuality")?;
            if inner.stream.borrow().is_none() {
                return Err(
                    FlowError::out_of_order("The camera is stopped: open it again.")
                        .at(Step::Capture),
                );
            }
            let mut resolver: Option<Function> = None;
            let done = Promise::new(&mut |resolve, _| resolver = Some(resolve));
            let resolve = resolver.ok_or_else(|| invalid("Promise unavailable."))?;
            let good = Rc::new(Cell::new(0u32));
            let checker = Rc::clone(&inner);
            let on_done = resolve.clone();
            let frame_loop = FrameLoop::start(&inner.video.clone().into(), move || {
                match checker.check(&spec) {
                    Ok(Some(report)) => {
                        if let Some(f) = &on_quality {
                            let _ = f.call1(&JsValue::NULL, &report_js(&report));
                        }
                        good.set(if report.ok { good.get() + 1 } else { 0 });
                        if good.get() >= steady {
                            let _ = on_done.call1(&JsValue::NULL, &JsValue::from_str("good"));
                            return false;
                        }
                        true
                    }
                    Ok(None) => true,
                    Err(_) => {
                        let _ = on_done.call1(&JsValue::NULL, &JsValue::from_str("stopped"));
                        false
                    }
                }
            });
            let _abort = signal.as_ref().map(|s| {
                let r = resolve.clone();
                crate::web::abort::Listener::new(s, move || {
                    let _ = r.call1(&JsValue::NULL, &JsValue::from_str("aborted"));
                })
            });
            if signal.as_ref().is_some_and(AbortSignal::aborted) {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::from_str("aborted"));
            }
            let _timer = timeout.and_then(|ms| {
                let r = resolve.clone();
                crate::web::timer::Timer::once(ms, move || {
                    let _ = r.call1(&JsValue::NULL, &JsValue::from_str("timeout"));
                })
            });
            let outcome = JsFuture::from(done)
                .await
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            frame_loop.stop();
            match outcome.as_str() {
                "good" => capture_frame(&inner, max_edge, quality).await,
                "aborted" => Err(crate::web::http::aborted().at(Step::Capture)),
                "timeout" => Err(FlowError::new(
                    ErrorCode::Timeout,
                    "No good frame in time: show the hints to the user, or let them take the photo by hand.",
                )
                .at(Step::Capture)),
                _ => Err(FlowError::out_of_order("The camera stopped before a good frame.").at(Step::Capture)),
            }
        })
    }

    /// Stops every track and quality loop (a little later on iOS, whose camera otherwise
    /// sometimes fails to reopen).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn stop(&self) -> Promise {
        let inner = Rc::clone(&self.inner);
        for l in inner.loops.borrow_mut().drain(..) {
            l.stop();
        }
        promise(async move {
            if is_ios() {
                sleep(300.0, None).await;
            }
            inner.stop_tracks();
            Ok(JsValue::UNDEFINED)
        })
    }
}

async fn capture_frame(
    inner: &CameraInner,
    max_edge: u32,
    quality: f64,
) -> Result<JsValue, FlowError> {
    if inner.stream.borrow().is_none() {
        return Err(
            FlowError::out_of_order("The camera is stopped: open it again.").at(Step::Capture),
        );
    }
    let video: JsValue = inner.video.clone().into();
    let blob = encode_jpeg(
        &video,
        inner.video.video_width(),
        inner.video.video_height(),
        max_edge,
        quality,
    )
    .await?;
    Ok(blob.into())
}

/// Size above which `prepareFile` re-encodes a JPEG/PNG even when its size in pixels is fine.
pub const REENCODE_ABOVE_BYTES: f64 = 3_000_000.0;

/// Makes a picked file ready to upload: JPEG/PNG with an EXIF rotation, a long edge over
/// `maxEdge` (2000) or over 3 MB are decoded (rotation applied) and re-encoded as JPEG; other
/// JPEG/PNG files, PDFs and HEIC pass unchanged (HEIC/PDF over 9.5 MB: `payload_too_large`);
/// anything else is `unsupported_format`.
#[wasm_bindgen(js_name = prepareFile, unchecked_return_type = "Promise<Blob>")]
pub fn prepare_file(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
    options: Option<PrepareOptionsArg>,
) -> Promise {
    let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
    promise(async move {
        let (max_edge, quality, _) = encode_options(&options, "options", &[])?;
        let blob: Blob = file.dyn_into().map_err(|v| {
            invalid(format!(
                "prepareFile needs a Blob or File; got {}.",
                describe(&v)
            ))
        })?;
        let size = blob.size();
        if size < 1.0 {
            return Err(invalid("The file is empty."));
        }
        let scan = blob
            .slice_with_f64_and_f64(0.0, f64::from(EXIF_SCAN_LEN).min(size))
            .map_err(|_| invalid("The file could not be read."))?;
        let head = JsFuture::from(scan.array_buffer())
            .await
            .map(|b| Uint8Array::new(&b).to_vec())
            .map_err(|_| invalid("The file could not be read."))?;
        let format = sniff(&head).ok_or_else(|| {
            FlowError::new(
                ErrorCode::UnsupportedFormat,
                "This file is not a JPEG, PNG, PDF or HEIC: take a photo or choose another file.",
            )
            .at(Step::Capture)
        })?;
        match format {
            Format::Pdf | Format::Heic => {
                if size > MAX_PAGE_BYTES as f64 {
                    return Err(FlowError::new(
                        ErrorCode::PayloadTooLarge,
                        "This PDF or HEIC file is over 9.5 MB and cannot be made smaller here: choose a smaller file or a photo.",
                    )
                    .at(Step::Capture));
                }
                Ok(blob.into())
            }
            Format::Jpeg | Format::Png => {
                let rotated = format == Format::Jpeg && orientation(&head).is_some_and(|o| o != 1);
                let bitmap = decode(&blob).await?;
                let (w, h) = (
                    field(&bitmap, "width").as_f64().unwrap_or(0.0) as u32,
                    field(&bitmap, "height").as_f64().unwrap_or(0.0) as u32,
                );
                let needs = rotated || w.max(h) > max_edge || size > REENCODE_ABOVE_BYTES;
                let result = if needs {
                    encode_jpeg(&bitmap, w, h, max_edge, quality)
                        .await
                        .map(JsValue::from)
                } else {
                    Ok(blob.into())
                };
                if let Some(close) = Reflect::get(&bitmap, &JsValue::from_str("close"))
                    .ok()
                    .and_then(|f| f.dyn_into::<Function>().ok())
                {
                    let _ = close.call0(&bitmap);
                }
                result
            }
        }
    })
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
    config: QualityConfig,
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
        crate::core::quality::rgba_to_grey(&self.rgba, &mut self.grey);
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
