//! The flat crop: the document drawn upright from its corners at the source's full resolution,
//! triangle by triangle (canvas transforms are affine; `core::image::geometry::CropPlan` cuts
//! the homography into pieces small enough to be affine to a third of a pixel). Each triangle is
//! filled with the source as a pattern under that triangle's transform: the same pixels as
//! `drawImage` clipped to the triangle, without a clip state to save and restore per triangle
//! (this and a smaller mesh: a tenth of a 12 MP crop's time in Chromium, BENCHMARKS §7). The
//! pixels stay in the browser's canvas: nothing of the photo enters wasm memory.

use super::canvas::{canvas, context, encode_canvas};
use super::media::call;
use crate::core::image::geometry::{grow_triangle, CropPlan, Point};
use crate::core::{ErrorCode, FlowError, Step};
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{Blob, CanvasRenderingContext2d};

/// How far (output pixels) each triangle reaches past its edges. Any pixel that touches a
/// triangle lies within √2 of it, so with more than that every pixel is covered whole by one
/// triangle: none blends two antialiased half-coverages with the canvas's transparent black (a
/// faint line along every edge of the mesh, 13–17 grey levels on a flat colour, with the
/// corners pushed out 0.6 px as first written). The overlap is drawn with the neighbour's own
/// map, within a third of a pixel of the exact one.
const OVERLAP: f64 = 1.5;

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
    let pattern = call(
        &ctx,
        "createPattern",
        &[source, &JsValue::from_str("no-repeat")],
    )
    .filter(|p| p.is_object())
    .ok_or_else(failed)?;
    Reflect::set(&ctx, &JsValue::from_str("fillStyle"), &pattern).map_err(|_| failed())?;
    let matrix = Object::new();
    for (dst, m) in plan.triangles() {
        for (name, value) in ["a", "b", "c", "d", "e", "f"].into_iter().zip(m) {
            let _ = Reflect::set(&matrix, &JsValue::from_str(name), &JsValue::from(value));
        }
        call(&pattern, "setTransform", &[&matrix]).ok_or_else(failed)?;
        triangle(&ctx, dst);
        ctx.fill();
    }
    encode_canvas(&c, quality).await
}

/// The triangle, grown by `OVERLAP`, as the current path.
fn triangle(ctx: &CanvasRenderingContext2d, t: [Point; 3]) {
    let [a, b, c] = grow_triangle(t, OVERLAP);
    ctx.begin_path();
    ctx.move_to(a.x, a.y);
    ctx.line_to(b.x, b.y);
    ctx.line_to(c.x, c.y);
    ctx.close_path();
}
