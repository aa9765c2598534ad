//! Live frames: a loop on `requestVideoFrameCallback` (or `requestAnimationFrame`), and the
//! analysis of one frame — drawn by the browser at ≤ 640 px, copied once into a reused wasm
//! buffer, analysed by the core.

use super::canvas::{canvas, context, draw};
use super::media::field;
use crate::core::image::quality::{
    analyze, rgba_to_grey, QualityConfig, QualityReport, Rect, Scratch, ANALYSIS_LONG_SIDE,
};
use crate::core::FlowError;
use js_sys::{Function, Reflect, Uint8ClampedArray};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// A region in source pixels: x, y, width, height.
pub type SourceRegion = (f64, f64, f64, f64);

/// Reused canvas and buffers for analysing frame after frame.
pub struct FrameAnalyzer {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    rgba: Vec<u8>,
    grey: Vec<u8>,
    scratch: Scratch,
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
            scratch: Scratch::default(),
        })
    }

    /// Analyses the current picture of `source` (`width × height` source pixels).
    pub fn analyze(
        &mut self,
        source: &JsValue,
        width: f64,
        height: f64,
        region: Option<SourceRegion>,
        config: &QualityConfig,
    ) -> Option<QualityReport> {
        if !(width >= 3.0 && height >= 3.0) {
            return None;
        }
        let scale = (ANALYSIS_LONG_SIDE as f64 / width.max(height)).min(1.0);
        let (aw, ah) = (
            (width * scale).round() as u32,
            (height * scale).round() as u32,
        );
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
        let rect = region.map(|(x, y, w, h)| Rect {
            x: (x * scale).max(0.0) as usize,
            y: (y * scale).max(0.0) as usize,
            width: (w * scale).max(0.0) as usize,
            height: (h * scale).max(0.0) as usize,
        });
        let resolution = width.max(height) as u32;
        analyze(
            &self.grey,
            aw as usize,
            ah as usize,
            rect,
            resolution,
            config,
            &mut self.scratch,
        )
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
