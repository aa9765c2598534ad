//! `Camera`: the live camera, its quality checks and auto-capture.

use super::analysis::{check_spec, region, report_js, CheckSpec};
use super::files::{document_kind, no_document, previous_signature, CROP_MARGIN};
use super::{
    encode_options, invalid, remember, set, AutoCaptureOptionsArg, CameraOptionsArg,
    CaptureOptionsArg, QualityOptionsArg, SwitchOptionsArg,
};
use crate::core::image::check::CheckConfig;
use crate::core::image::document::{Signature, SAME_SIDE};
use crate::core::image::framing::GuideKind;
use crate::core::image::geometry::{crop_plan, Point, Quad};
use crate::core::image::quality::{QualityReport, Reason};
use crate::core::image::steady::{Steadiness, DEFAULT_STEADY_FRAMES};
use crate::core::{ErrorCode, FlowError, Step};
use crate::js::error::{promise, to_js};
use crate::js::options::Options;
use crate::web::blob::describe;
use crate::web::canvas::encode_jpeg;
use crate::web::convert::plain_object;
use crate::web::frames::{region_fits, FrameAnalyzer, FrameLoop, Region};
use crate::web::media::{call_back, field, list_devices, open_stream, video_tracks, Request};
use crate::web::timer::sleep;
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, HtmlVideoElement, MediaStream};

struct CameraInner {
    video: HtmlVideoElement,
    stream: RefCell<Option<MediaStream>>,
    /// What opened the camera in use: a failed switch opens it again.
    request: RefCell<Request>,
    ideal_width: Cell<u32>,
    analyzer: RefCell<Option<FrameAnalyzer>>,
    /// The frame loops running on this camera (`watchQuality`, `autoCapture`).
    loops: RefCell<Vec<Watcher>>,
    /// Set by `stop()` (at once, before the tracks stop) and by a switch that could open no
    /// camera, cleared by a new stream. Without it, no stream means a switch under way.
    stopped: Cell<bool>,
    /// Counts `stop()`s and camera openings: an opening that sees it changed after an await
    /// was overtaken, and gives its stream back instead of installing it.
    generation: Cell<u32>,
    /// Whether a camera was ever shown: a failed switch reopens the previous one (not a failed
    /// `open`), even when another switch under way had already stopped it.
    opened: Cell<bool>,
    /// Whether a `getUserMedia` of this camera is under way: openings take turns, as many
    /// phones refuse a second camera while the first is coming (a double tap on "switch").
    opening: Cell<bool>,
    /// The tracks' `onended`: a camera that stops by itself (unplugged, taken by another
    /// application, permission withdrawn) stops this one.
    on_ended: RefCell<Option<Closure<dyn FnMut()>>>,
}

/// A frame loop, and what to call with `"stopped"` when the camera stops under it: the
/// resolver an `autoCapture` waits on (its frames stop coming, so its loop would never learn).
struct Watcher {
    frame_loop: Rc<FrameLoop>,
    on_stop: Option<Function>,
}

impl CameraInner {
    /// Keeps `frame_loop` to be ended by `stop()`, forgetting those that ended already (and
    /// their closures).
    fn watch(&self, frame_loop: Rc<FrameLoop>, on_stop: Option<Function>) {
        let mut loops = self.loops.borrow_mut();
        loops.retain(|w| !w.frame_loop.stopped());
        loops.push(Watcher {
            frame_loop,
            on_stop,
        });
    }

    /// Forgets the frame loops that ended.
    fn forget_ended(&self) {
        self.loops.borrow_mut().retain(|w| !w.frame_loop.stopped());
    }

    /// Ends every frame loop; what waits on one learns why (`"stopped"` by `stop()`, `"ended"`
    /// by the camera itself).
    fn end_loops(&self, why: &str) {
        let watchers: Vec<Watcher> = self.loops.borrow_mut().drain(..).collect();
        for w in watchers {
            w.frame_loop.stop();
            if let Some(f) = w.on_stop {
                let _ = f.call1(&JsValue::NULL, &JsValue::from_str(why));
            }
        }
    }

    /// The stopped error once the camera is stopped (not while a switch is under way).
    fn live(&self) -> Result<(), FlowError> {
        match self.stopped.get() {
            true => Err(stopped()),
            false => Ok(()),
        }
    }

    fn size(&self) -> (f64, f64) {
        (
            f64::from(self.video.video_width()),
            f64::from(self.video.video_height()),
        )
    }

    fn stop_tracks(&self) {
        if let Some(stream) = self.stream.borrow_mut().take() {
            for t in video_tracks(&stream) {
                t.set_onended(None);
                t.stop();
            }
        }
        self.video.set_src_object(None);
    }

    fn check(&self, spec: &CheckSpec) -> Result<Option<QualityReport>, FlowError> {
        self.live()?;
        if self.stream.borrow().is_none() {
            return Ok(None); // switching: no frame until the new camera's
        }
        let mut analyzer = self.analyzer.borrow_mut();
        if analyzer.is_none() {
            *analyzer = Some(FrameAnalyzer::new()?);
        }
        let (w, h) = self.size();
        region_fits(spec.region, w, h)?;
        Ok(analyzer
            .as_mut()
            .and_then(|a| a.analyze(&self.video, w, h, spec.region, &spec.config)))
    }

    /// Refuses (`invalid_input`) a pixel region that does not fit the camera's frames, once
    /// their size is known.
    fn fits(&self, spec: &CheckSpec) -> Result<(), FlowError> {
        let (w, h) = self.size();
        region_fits(spec.region, w, h)
    }

    /// The signature of the document at `corners` in the last frame checked.
    fn signature(&self, corners: &Quad) -> Option<Signature> {
        self.analyzer.borrow().as_ref()?.signature(corners)
    }

    /// A new generation: whatever opening was under way is overtaken.
    fn next_generation(&self) -> u32 {
        let g = self.generation.get().wrapping_add(1);
        self.generation.set(g);
        g
    }

    /// Why an opening overtaken by `stop()` or a later `switchTo` failed.
    fn overtaken(&self) -> FlowError {
        match self.stopped.get() {
            true => stopped(),
            false => {
                FlowError::out_of_order("A later switchTo replaced this one.").at(Step::Capture)
            }
        }
    }

    /// Opens the camera of `request` in place of the current one. The current one is stopped
    /// first: many phones cannot open two cameras at once (`NotReadableError`). When the new
    /// one fails, the previous one is opened again (its request) and the new one's error
    /// returned; when that fails too, the camera is stopped and its loops end.
    async fn attach(self: &Rc<Self>, request: &Request) -> Result<(), FlowError> {
        let generation = self.next_generation();
        let had = self.opened.get() && !self.stopped.get();
        self.stop_tracks();
        let e = match self.start(request, generation).await {
            Ok(()) => {
                *self.request.borrow_mut() = request.clone();
                return Ok(());
            }
            Err(e) => e,
        };
        if self.generation.get() != generation {
            return Err(e); // overtaken: the newer stop() or switch decides
        }
        let previous = self.request.borrow().clone();
        if had && self.start(&previous, generation).await.is_ok() {
            return Err(e);
        }
        if self.generation.get() == generation {
            self.stopped.set(true);
            self.end_loops("stopped");
        }
        Err(e)
    }

    /// Opens `request`'s camera and shows it, unless `stop()` or another opening overtakes it.
    async fn start(self: &Rc<Self>, request: &Request, generation: u32) -> Result<(), FlowError> {
        // one getUserMedia at a time: an overtaken one is waited for (its stream given back below)
        while self.opening.get() {
            sleep(20.0, None).await;
            if self.generation.get() != generation {
                return Err(self.overtaken());
            }
        }
        self.opening.set(true);
        let stream = open_stream(request).await;
        self.opening.set(false);
        let stream = stream?;
        if self.generation.get() != generation {
            for t in video_tracks(&stream) {
                t.stop();
            }
            return Err(self.overtaken());
        }
        self.video.set_muted(true);
        let _ = self.video.set_attribute("playsinline", "");
        let _ = self.video.set_attribute("autoplay", "");
        self.video.set_src_object(Some(&stream));
        // (`stop()` on a track fires no `ended`: this hears only the camera's own end; and a
        // track of an earlier stream, ended late, finds the current one live)
        let weak = Rc::downgrade(self);
        let on_ended = Closure::<dyn FnMut()>::new(move || {
            let Some(inner) = weak.upgrade() else { return };
            let ended = inner.stream.borrow().as_ref().is_some_and(|s| {
                video_tracks(s)
                    .iter()
                    .all(|t| t.ready_state() == web_sys::MediaStreamTrackState::Ended)
            });
            if ended && !inner.stopped.get() {
                inner.stopped.set(true);
                inner.end_loops("ended");
            }
        });
        for t in video_tracks(&stream) {
            t.set_onended(Some(on_ended.as_ref().unchecked_ref()));
        }
        *self.on_ended.borrow_mut() = Some(on_ended);
        *self.stream.borrow_mut() = Some(stream);
        self.stopped.set(false);
        if let Ok(p) = self.video.play() {
            let _ = JsFuture::from(p).await;
        }
        // wait (bounded) for the first frame's size
        for _ in 0..100 {
            if self.generation.get() != generation {
                // (the stream is stop()'s or the next opening's to stop)
                return Err(self.overtaken());
            }
            if self.video.video_width() > 0 {
                self.opened.set(true);
                return Ok(());
            }
            sleep(50.0, None).await;
        }
        if self.generation.get() != generation {
            return Err(self.overtaken()); // (a newer opening's stream is not ours to stop)
        }
        self.stop_tracks();
        Err(FlowError::new(
            ErrorCode::CameraInUse,
            "The camera gave no picture within 5 seconds.",
        )
        .at(Step::Capture))
    }
}

impl Drop for CameraInner {
    fn drop(&mut self) {
        // a camera freed while its tracks run: their `onended` must not call a dropped closure
        if let Some(stream) = self.stream.borrow().as_ref() {
            for t in video_tracks(stream) {
                t.set_onended(None);
            }
        }
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
    let has = |s| crate::core::text::contains(&ua, s);
    has("iPhone") || has("iPad") || (has("Macintosh") && touch > 1.0)
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
                request: RefCell::new(request.clone()),
                ideal_width: Cell::new(request.ideal_width),
                analyzer: RefCell::new(None),
                loops: RefCell::new(Vec::new()),
                stopped: Cell::new(false),
                generation: Cell::new(0),
                opened: Cell::new(false),
                opening: Cell::new(false),
                on_ended: RefCell::new(None),
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
            devices
                .iter()
                .map(plain_object)
                .collect::<Result<Array, _>>()
                .map(Into::into)
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

    /// Switches to another camera: `{ deviceId }` or `{ facing }`. The camera in use is stopped
    /// first (many phones cannot open two at once); if the new one then fails to open, the
    /// previous one is opened again and the switch rejects with the new one's error (when the
    /// previous one cannot come back either, the camera is stopped: `active` is false, and a
    /// waiting `autoCapture` rejects). Meanwhile `checkQuality` gives `null` and `capture`
    /// rejects with `out_of_order`. `stop()` wins over a switch
    /// still under way: the camera stays stopped (a stream that arrives later is stopped at
    /// once) and the switch rejects with `out_of_order` ("The camera is stopped"); a later
    /// `switchTo` likewise replaces an earlier one still waiting, which rejects with
    /// `out_of_order`.
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
                request.facing = inner.request.borrow().facing.clone();
            }
            if o.get("idealWidth").is_undefined() {
                request.ideal_width = inner.ideal_width.get();
            }
            inner.attach(&request).await?;
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

    /// Captures the current frame as a JPEG Blob: at the camera's full resolution, long edge
    /// capped (`maxEdge`, default 2000), `quality` (default 0.92), always under 9.5 MB. With
    /// `crop: true` the document in the guide (`region`, default `'id_card'`) is found and
    /// only it is kept, flat and upright (`no_document` when there is none).
    #[wasm_bindgen(unchecked_return_type = "Promise<Blob>")]
    pub fn capture(&self, options: Option<CaptureOptionsArg>) -> Promise {
        let inner = Rc::clone(&self.inner);
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        promise(async move {
            let (max_edge, quality, o) =
                encode_options(&options, "capture options", &["crop", "region"])?;
            let crop = o.boolean("crop")?.unwrap_or(false);
            let region = match o.get("region") {
                r if r.is_undefined() && crop => Region::Guide(GuideKind::IdCard),
                r => region(&r)?,
            };
            if !crop {
                if !o.get("region").is_undefined() {
                    return Err(invalid("capture takes a region only with crop: true."));
                }
                return capture_frame(&inner, max_edge, quality, None, None).await;
            }
            let aspect = document_kind(region, "crop")?.aspect();
            let spec = CheckSpec {
                config: CheckConfig::default(),
                region,
                max_motion: 0.0,
            };
            let report = inner.check(&spec)?;
            let corners = report
                .as_ref()
                .and_then(|r| r.document.as_ref())
                .and_then(|d| d.corners)
                .ok_or_else(no_document)?;
            let signature = inner.signature(&corners);
            capture_frame(
                &inner,
                max_edge,
                quality,
                Some((corners, aspect)),
                signature,
            )
            .await
        })
    }

    /// Checks the current frame once: `{ ok, reasons, sharpness, glare, brightness, contrast,
    /// resolution, document?, face? }`; `null` before the first frame. A pixel region that
    /// lies outside the frame, or keeps less than 3 × 3 pixels in it once the frame is drawn
    /// at the analysis size (≤ 640 px), throws `invalid_input`.
    #[wasm_bindgen(js_name = checkQuality, unchecked_return_type = "QualityReport | null")]
    pub fn check_quality(&self, options: Option<QualityOptionsArg>) -> Result<JsValue, JsValue> {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let run = || -> Result<JsValue, FlowError> {
            let o = Options::new(&options, "quality options", &["region", "thresholds"], true)?;
            let spec = check_spec(&o)?;
            Ok(self
                .inner
                .check(&spec)?
                .as_ref()
                .map_or(JsValue::NULL, report_js))
        };
        run().map_err(|e| to_js(&e.at(Step::Capture)))
    }

    /// Calls `callback(report)` on every new frame until its `stop()`, or the camera's: after
    /// `camera.stop()` no report comes, and a new watch throws `out_of_order`. Throws
    /// `invalid_input` for a pixel region that does not fit the frame (as `checkQuality`);
    /// should the frame change size under it (another camera) so that it no longer fits, the
    /// watch ends.
    #[wasm_bindgen(js_name = watchQuality)]
    pub fn watch_quality(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(report: QualityReport) => void")] callback: JsValue,
        options: Option<QualityOptionsArg>,
    ) -> Result<QualityWatch, JsValue> {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let setup = || -> Result<(Function, CheckSpec), FlowError> {
            let f: Function = callback
                .dyn_into()
                .map_err(|_| invalid("watchQuality needs a callback function."))?;
            let o = Options::new(&options, "quality options", &["region", "thresholds"], true)?;
            Ok((f, check_spec(&o)?))
        };
        let (f, spec) = setup().map_err(|e| to_js(&e.at(Step::Capture)))?;
        self.inner.live().map_err(|e| to_js(&e))?;
        self.inner.fits(&spec).map_err(|e| to_js(&e))?;
        let inner = Rc::clone(&self.inner);
        let frame_loop = Rc::new(FrameLoop::start(
            &self.inner.video.clone().into(),
            move || match inner.check(&spec) {
                Ok(Some(report)) => {
                    call_back(&f, &report_js(&report));
                    true
                }
                Ok(None) => true,
                Err(_) => false,
            },
        ));
        self.inner.watch(Rc::clone(&frame_loop), None);
        Ok(QualityWatch { frame_loop })
    }

    /// Resolves with a captured JPEG once the checks have passed on `steadyFrames`
    /// consecutive frames (default 5) **and** the document (or face) stayed still between
    /// them (corners moving less than `thresholds.maxMotion`, 1.5 px of a 640-px frame). Takes
    /// the check's options, the capture's (`maxEdge`, `quality`, `crop`), `differentFrom` (a
    /// previous capture: wait until the document in the guide is another one — turned over —
    /// with reason `same_side` meanwhile), an optional `signal` and `timeoutMs`, and `onQuality`
    /// to follow along. A pixel region that does not fit the frame rejects with
    /// `invalid_input` (as `checkQuality`). `camera.stop()` rejects a waiting one at once with
    /// `out_of_order` (the camera is stopped), as it does one started after it.
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
                    "crop",
                    "differentFrom",
                ],
            )?;
            let steady = o
                .integer("steadyFrames", 1, 600)?
                .map_or(DEFAULT_STEADY_FRAMES, |n| n as u32);
            let spec = check_spec(&o)?;
            let signal: Option<AbortSignal> = o.signal("signal")?;
            let timeout = o.integer("timeoutMs", 1, 3_600_000)?;
            let on_quality = o.function("onQuality")?;
            let crop = match o.boolean("crop")?.unwrap_or(false) {
                true => Some(document_kind(spec.region, "crop")?.aspect()),
                false => None,
            };
            let previous = match o.get("differentFrom") {
                v if v.is_undefined() => None,
                v => Some(previous_signature(&v, spec.region).await?),
            };
            inner.live()?;
            inner.fits(&spec)?;
            let mut resolver: Option<Function> = None;
            let done = Promise::new(&mut |resolve, _| resolver = Some(resolve));
            let resolve = resolver.ok_or_else(|| invalid("Promise unavailable."))?;
            // (made with the first report: the frames' size is unknown during a switch)
            let mut gate: Option<Steadiness> = None;
            let last = Rc::new(Cell::new(None::<(Quad, Option<Signature>)>));
            let failure = Rc::new(Cell::new(None::<FlowError>));
            let (checker, seen, failed) =
                (Rc::clone(&inner), Rc::clone(&last), Rc::clone(&failure));
            let on_done = resolve.clone();
            let frame_loop =
                Rc::new(FrameLoop::start(
                    &inner.video.clone().into(),
                    move || match checker.check(&spec) {
                        Ok(Some(mut report)) => {
                            let corners = still_points(&report);
                            let signature = match (report.ok, corners) {
                                (true, Some(c)) => checker.signature(&c),
                                _ => None,
                            };
                            if let Some(prev) = &previous {
                                let same =
                                    signature.is_none_or(|s| s.similarity(prev) >= SAME_SIDE);
                                if report.ok && same {
                                    report.reasons.push(Reason::SameSide);
                                    report.ok = false;
                                }
                            }
                            if let Some(f) = &on_quality {
                                call_back(f, &report_js(&report));
                            }
                            seen.set(corners.map(|c| (c, signature)));
                            let gate = gate.get_or_insert_with(|| {
                                let (w, h) = checker.size();
                                Steadiness::new(steady, spec.max_motion * w.max(h) / 640.0)
                            });
                            if gate.push(report.ok, corners) {
                                let _ = on_done.call1(&JsValue::NULL, &JsValue::from_str("good"));
                                return false;
                            }
                            true
                        }
                        Ok(None) => true,
                        Err(e) => {
                            failed.set(Some(e));
                            let _ = on_done.call1(&JsValue::NULL, &JsValue::from_str("failed"));
                            false
                        }
                    },
                ));
            // stop() ends it: its frames stop coming with the tracks
            inner.watch(Rc::clone(&frame_loop), Some(resolve.clone()));
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
            inner.forget_ended();
            match outcome.as_str() {
                "good" => {
                    let shot = last.get();
                    let crop = crop.and_then(|a| shot.map(|(c, _)| (c, a)));
                    capture_frame(&inner, max_edge, quality, crop, shot.and_then(|(_, s)| s)).await
                }
                "aborted" => Err(crate::web::http::aborted().at(Step::Capture)),
                "timeout" => Err(FlowError::new(
                    ErrorCode::Timeout,
                    "No good frame in time: show the hints to the user, or let them take the photo by hand.",
                )
                .at(Step::Capture)),
                "failed" => Err(failure.take().unwrap_or_else(stopped)),
                "ended" => Err(FlowError::new(
                    ErrorCode::CameraInUse,
                    "The camera stopped by itself (unplugged, or taken by another application): open it again.",
                )
                .at(Step::Capture)),
                _ => Err(stopped()),
            }
        })
    }

    /// Stops every track and quality loop (the tracks a little later on iOS, whose camera
    /// otherwise sometimes fails to reopen). At once: no `watchQuality` report comes any more,
    /// a waiting `autoCapture` rejects with `out_of_order` ("The camera is stopped"), and so do
    /// `capture`, `checkQuality` and new watches and auto-captures.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn stop(&self) -> Promise {
        let inner = Rc::clone(&self.inner);
        inner.stopped.set(true);
        let generation = inner.next_generation();
        inner.end_loops("stopped");
        promise(async move {
            if is_ios() {
                sleep(300.0, None).await;
            }
            // (a switchTo since then stopped these tracks itself, and its own are not ours)
            if inner.generation.get() == generation {
                inner.stop_tracks();
            }
            Ok(JsValue::UNDEFINED)
        })
    }
}

/// Encodes the current frame (or, with `crop`, the document at these corners, flat) and keeps
/// the document's signature beside the Blob for `differentFrom`.
async fn capture_frame(
    inner: &CameraInner,
    max_edge: u32,
    quality: f64,
    crop: Option<(Quad, f64)>,
    signature: Option<Signature>,
) -> Result<JsValue, FlowError> {
    inner.live()?;
    if inner.stream.borrow().is_none() {
        return Err(FlowError::out_of_order(
            "The camera is switching: capture once switchTo has settled.",
        )
        .at(Step::Capture));
    }
    let video: JsValue = inner.video.clone().into();
    let (w, h) = (inner.video.video_width(), inner.video.video_height());
    let blob: JsValue = match crop {
        None => encode_jpeg(&video, w, h, max_edge, quality).await?.into(),
        Some((corners, aspect)) => {
            let plan = crop_plan(
                &corners,
                f64::from(w),
                f64::from(h),
                Some(aspect),
                max_edge,
                CROP_MARGIN,
            )
            .ok_or_else(no_document)?;
            crate::web::crop::crop(&video, &plan, quality).await?.into()
        }
    };
    if let Some(s) = signature {
        remember(&blob, &s);
    }
    Ok(blob)
}

/// The points whose stillness auto-capture waits for: the document's corners, or the face's box.
fn still_points(report: &QualityReport) -> Option<Quad> {
    if let Some(d) = &report.document {
        return d.corners;
    }
    let b = report.face.as_ref()?.face?;
    Some([
        Point::new(b.x, b.y),
        Point::new(b.x + b.width, b.y),
        Point::new(b.x + b.width, b.y + b.height),
        Point::new(b.x, b.y + b.height),
    ])
}

fn stopped() -> FlowError {
    FlowError::out_of_order("The camera is stopped: open it again.").at(Step::Capture)
}
