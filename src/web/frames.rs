//! Live frames: a loop on `requestVideoFrameCallback` (or `requestAnimationFrame`), and the
//! analysis of one frame — drawn by the browser at ≤ 640 px, copied once into a reused wasm
//! buffer, analysed by the core.

use super::canvas::{canvas, context, draw};
use super::media::field;
use crate::core::image::check::{check, CheckConfig, CheckScratch, Target};
use crate::core::image::document::Signature;
use crate::core::image::framing::{guide, GuideKind};
use crate::core::image::geometry::{Point, Quad};
use crate::core::image::quality::{
    clamp_region, rgba_to_grey, QualityReport, Rect, ANALYSIS_LONG_SIDE,
};
use crate::core::{FlowError, Step};
use js_sys::{Function, Reflect, Uint8ClampedArray};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// A region in source pixels: x, y, width, height.
pub type SourceRegion = (f64, f64, f64, f64);

/// Why a rectangle is refused: it starts beyond the frame's right or bottom edge.
pub const REGION_OUTSIDE: &str = "The region lies outside the frame.";
/// Why a rectangle (or a frame) is refused: less than 3 × 3 pixels of it are left to analyse.
pub const REGION_TOO_SMALL: &str =
    "The frame or its region is too small to analyse (at least 3 × 3 pixels inside the frame).";

/// Where to look in a frame: the whole of it, a rectangle, or a framing guide (whose kind
/// says whether a document or a face is looked for).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Region {
    /// The whole frame.
    Whole,
    /// A framing guide of this kind, as `guideRect` draws it.
    Guide(GuideKind),
    /// A rectangle in source pixels.
    Pixels(SourceRegion),
}

impl Region {
    /// The check's target in a frame of `width × height` pixels that shows the source at
    /// `scale` (frame pixels per source pixel); None when a rectangle is empty or outside.
    pub fn target(self, width: f64, height: f64, scale: f64) -> Option<Target> {
        match self {
            Region::Whole => Some(Target::Whole),
            Region::Pixels((x, y, w, h)) => {
                let (x, y, w, h) = (x * scale, y * scale, w * scale, h * scale);
                (x < width && y < height && w >= 1.0 && h >= 1.0).then_some(Target::Region(Rect {
                    x: x as usize,
                    y: y as usize,
                    width: w as usize,
                    height: h as usize,
                }))
            }
            Region::Guide(kind) => {
                let g = guide(kind, width, height, 0.08)?;
                Some(match kind {
                    GuideKind::Selfie => Target::Selfie { guide: g },
                    _ => Target::Document {
                        guide: g,
                        aspect: kind.aspect(),
                    },
                })
            }
        }
    }
}

/// The size a `width × height` frame is analysed at (long side ≤ 640 px) and its scale
/// (analysed pixels per source pixel, exact per axis after rounding).
fn analysis_size(width: f64, height: f64) -> (u32, u32, f64) {
    let scale = (ANALYSIS_LONG_SIDE as f64 / width.max(height)).min(1.0);
    let aw = (width * scale).round() as u32;
    let ah = (height * scale).round() as u32;
    (aw, ah, f64::from(aw) / width)
}

/// Whether `region` can be analysed in frames of `width × height` source pixels, drawn at
/// the analysis size: an `invalid_input` error for a rectangle that lies outside them or
/// keeps less than 3 × 3 of its pixels inside (the check needs that; `analyze` would give
/// None for every frame). Ok while the size is not known yet (under 3 px).
pub fn region_fits(region: Region, width: f64, height: f64) -> Result<(), FlowError> {
    let Region::Pixels((x, y, ..)) = region else {
        return Ok(());
    };
    if !(width >= 3.0 && height >= 3.0) {
        return Ok(());
    }
    let (aw, ah, scale) = analysis_size(width, height);
    let (aw, ah) = (f64::from(aw), f64::from(ah));
    let refuse = |m: &str| Err(FlowError::invalid_input(m).at(Step::Capture));
    if !(x * scale < aw && y * scale < ah) {
        return refuse(REGION_OUTSIDE);
    }
    match region.target(aw, ah, scale) {
        Some(Target::Region(r)) if clamp_region(Some(r), aw as usize, ah as usize).is_some() => {
            Ok(())
        }
        _ => refuse(REGION_TOO_SMALL),
    }
}

/// Reused canvas and buffers for analysing frame after frame.
pub struct FrameAnalyzer {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    rgba: Vec<u8>,
    grey: Vec<u8>,
    size: (usize, usize),
    scale: f64,
    scratch: CheckScratch,
}

impl FrameAnalyzer {
    /// A new analyzer.
    pub fn new() -> Result<Self, FlowError> {
        let c = canvas(ANALYSIS_LONG_SIDE as u32, ANALYSIS_LONG_SIDE as u32)?;
        let ctx = context(&c, true)?;
        Ok(FrameAnalyzer {
            canvas: c,
            ctx,
            rgba: Vec::new(),
            grey: Vec::new(),
            size: (0, 0),
            scale: 1.0,
            scratch: CheckScratch::default(),
        })
    }

    /// Analyses the current picture of `source` (`width × height` source pixels), drawn at
    /// ≤ 640 px. Corners and boxes in the report are in source pixels. None while there is no
    /// picture, and for a rectangle that does not fit the frame (see [`region_fits`]).
    pub fn analyze(
        &mut self,
        source: &JsValue,
        width: f64,
        height: f64,
        region: Region,
        config: &CheckConfig,
    ) -> Option<QualityReport> {
        if !(width >= 3.0 && height >= 3.0) {
            return None;
        }
        let (aw, ah, scale) = analysis_size(width, height);
        if self.canvas.width() != aw || self.canvas.height() != ah {
            self.canvas.set_width(aw);
            self.canvas.set_height(ah);
        }
        draw(&self.ctx, source, f64::from(aw), f64::from(ah)).ok()?;
        let image = self
            .ctx
            .get_image_data(0.0, 0.0, f64::from(aw), f64::from(ah))
            .ok()?;
        let data: Uint8ClampedArray = field(&image, "data").dyn_into().ok()?;
        self.rgba.resize(data.length() as usize, 0);
        data.copy_to(&mut self.rgba);
        rgba_to_grey(&self.rgba, &mut self.grey);
        self.size = (aw as usize, ah as usize);
        self.scale = scale;
        let target = region.target(f64::from(aw), f64::from(ah), scale)?;
        let mut report = check(
            &self.grey,
            aw as usize,
            ah as usize,
            &target,
            width.max(height) as u32,
            config,
            &mut self.scratch,
        )?;
        let k = 1.0 / self.scale;
        if let Some(c) = report.document.as_mut().and_then(|d| d.corners.as_mut()) {
            *c = c.map(|p| Point::new(p.x * k, p.y * k));
        }
        if let Some(b) = report.face.as_mut().and_then(|f| f.face.as_mut()) {
            (b.x, b.y, b.width, b.height) = (b.x * k, b.y * k, b.width * k, b.height * k);
        }
        Some(report)
    }

    /// The content signature of the document at `corners` (source pixels) in the last frame
    /// analysed.
    pub fn signature(&self, corners: &Quad) -> Option<Signature> {
        let k = self.scale;
        let c = corners.map(|p| Point::new(p.x * k, p.y * k));
        Signature::of(&self.grey, self.size.0, self.size.1, &c)
    }
}

/// A running frame loop; stops when dropped or when [`FrameLoop::stop`] is called.
pub struct FrameLoop {
    state: Rc<LoopState>,
}

struct LoopState {
    stopped: Cell<bool>,
    pending: Cell<Option<(bool, f64)>>,
    video: JsValue,
    closure: RefCell<Option<Closure<dyn FnMut()>>>,
}

fn schedule(state: &LoopState) {
    let Some(cb) = state.closure.borrow().as_ref().map(|c| c.as_ref().clone()) else {
        return;
    };
    let rvfc = field(&state.video, "requestVideoFrameCallback");
    let handle = if let Some(f) = rvfc.dyn_ref::<Function>() {
        f.call1(&state.video, &cb)
            .ok()
            .and_then(|h| h.as_f64())
            .map(|h| (true, h))
    } else {
        let raf = field(&js_sys::global(), "requestAnimationFrame");
        raf.dyn_ref::<Function>()
            .and_then(|f| f.call1(&JsValue::NULL, &cb).ok())
            .and_then(|h| h.as_f64())
            .map(|h| (false, h))
    };
    state.pending.set(handle);
}

impl FrameLoop {
    /// Calls `on_frame` on every new video frame until it returns false or the loop stops.
    pub fn start(video: &JsValue, mut on_frame: impl FnMut() -> bool + 'static) -> FrameLoop {
        let state = Rc::new(LoopState {
            stopped: Cell::new(false),
            pending: Cell::new(None),
            video: video.clone(),
            closure: RefCell::new(None),
        });
        let weak: Weak<LoopState> = Rc::downgrade(&state);
        let closure = Closure::<dyn FnMut()>::new(move || {
            let Some(state) = weak.upgrade() else { return };
            state.pending.set(None);
            if state.stopped.get() {
                return;
            }
            if on_frame() && !state.stopped.get() {
                schedule(&state);
            } else {
                state.stopped.set(true);
            }
        });
        *state.closure.borrow_mut() = Some(closure);
        schedule(&state);
        FrameLoop { state }
    }

    /// Whether the loop has ended (stopped, or its callback returned false).
    pub fn stopped(&self) -> bool {
        self.state.stopped.get()
    }

    /// Stops the loop (safe to call from inside the frame callback).
    pub fn stop(&self) {
        self.state.stopped.set(true);
        if let Some((video_frame, handle)) = self.state.pending.take() {
            let (target, name) = if video_frame {
                (self.state.video.clone(), "cancelVideoFrameCallback")
            } else {
                (js_sys::global().into(), "cancelAnimationFrame")
            };
            if let Some(f) = Reflect::get(&target, &JsValue::from_str(name))
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
            {
                let _ = f.call1(&target, &JsValue::from(handle));
            }
        }
    }
}

impl Drop for FrameLoop {
    fn drop(&mut self) {
        self.stop();
    }
}
