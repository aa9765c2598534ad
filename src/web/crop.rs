//! The flat crop: the document drawn upright from its corners at the source's full resolution,
//! triangle by triangle (canvas transforms are affine; `core::image::geometry::CropPlan` cuts
//! the homography into pieces small enough to be affine to a third of a pixel). The pixels stay
//! in the browser's canvas: nothing of the photo enters wasm memory.

use super::canvas::{canvas, context, encode_canvas};
use crate::core::image::geometry::{CropPlan, Point};
use crate::core::{ErrorCode, FlowError, Step};
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, CanvasRenderingContext2d};

/// How far each triangle's clip reaches past its edges, so that neighbours overlap instead of
/// leaving a hairline where their antialiased edges meet.
const OVERLAP: f64 = 0.6;

fn failed() -> FlowError {
    FlowError::new(ErrorCode::Unsupported, "This browser cannot draw the crop.").at(Step::Capture)
}

/// Draws the document of `plan` from `source` (anything `drawImage` takes, at its intrinsic
/// size) and encodes it as a JPEG.
pub async fn crop(source: &JsValue, plan: &CropPlan, quality: f64) -> Result<Blob, FlowError> {
    let c = canvas(plan.width, plan.height)?;
    let ctx = context(&c, false)?;
    let _ = Reflect::set(
        &ctx,
        &JsValue::from_str("imageSmoothingQuality"),
        &JsValue::from_str("high"),
    );
    let draw: js_sys::Function = Reflect::get(&ctx, &JsValue::from_str("drawImage"))
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(failed)?;
    for (dst, [a, b, cc, d, e, f]) in plan.triangles() {
        ctx.save();
        clip_triangle(&ctx, dst);
        let drawn = ctx.set_transform(a, b, cc, d, e, f).ok().and_then(|()| {
            draw.call3(&ctx, source, &JsValue::from(0), &JsValue::from(0))
                .ok()
        });
        ctx.restore();
        drawn.ok_or_else(failed)?;
    }
    encode_canvas(&c, quality).await
}

/// Clips to the triangle, pushed out by `OVERLAP` from its centroid.
fn clip_triangle(ctx: &CanvasRenderingContext2d, t: [Point; 3]) {
    let cx = (t[0].x + t[1].x + t[2].x) / 3.0;
    let cy = (t[0].y + t[1].y + t[2].y) / 3.0;
    let out = |p: Point| {
        let (dx, dy) = (p.x - cx, p.y - cy);
        let n = (dx * dx + dy * dy).sqrt().max(1e-9);
        (p.x + dx / n * OVERLAP, p.y + dy / n * OVERLAP)
    };
    ctx.begin_path();
    let (x, y) = out(t[0]);
    ctx.move_to(x, y);
    for p in [t[1], t[2]] {
        let (x, y) = out(p);
        ctx.line_to(x, y);
    }
    ctx.close_path();
    ctx.clip();
}
