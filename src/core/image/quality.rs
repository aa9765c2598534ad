//! On-device image quality: sharpness, glare, exposure and contrast of a grey frame, in one
//! fused pass, with a verdict and reason codes. Pure Rust; SIMD (`simd128`) when the build
//! enables it, the same maths in scalar code otherwise.
//!
//! The maths (the JS benchmark implements exactly the same):
//! 1. The region (default: the whole frame) is averaged in f×f blocks, f = max(1,
//!    round(long side / 640)), so scores do not depend on the camera's resolution; in the same
//!    pass, pixels ≥ `glare_level` are counted at full resolution.
//! 2. brightness = mean / 255; contrast = standard deviation / 255 (of the block image).
//! 3. sharpness = variance of the 4-neighbour Laplacian of the block image (grey levels²).
//! 4. glare = share of clipped pixels in the region.

use super::document::DocumentReport;
use super::face::FaceReport;
use serde::Serialize;
use tsify::Tsify;

/// Long side of the analysis grid the region is averaged down to.
pub const ANALYSIS_LONG_SIDE: usize = 640;

/// Thresholds of the verdict.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QualityConfig {
    /// Below: `blurry` (variance of the Laplacian, grey levels²).
    pub min_sharpness: f64,
    /// Grey level from which a pixel counts as clipped (glare).
    pub glare_level: u8,
    /// Above this share of clipped pixels: `glare`.
    pub max_glare: f64,
    /// Below: `too_dark` (mean / 255).
    pub min_brightness: f64,
    /// Above: `too_bright` (mean / 255).
    pub max_brightness: f64,
    /// Below: `low_contrast` (standard deviation / 255).
    pub min_contrast: f64,
    /// Below this long side of the source (camera or file) in pixels: `low_resolution`.
    pub min_resolution: u32,
}

impl Default for QualityConfig {
    fn default() -> Self {
        QualityConfig {
            min_sharpness: 60.0,
            glare_level: 250,
            max_glare: 0.01,
            min_brightness: 0.25,
            max_brightness: 0.85,
            min_contrast: 0.08,
            min_resolution: 1000,
        }
    }
}

/// Why a frame is not good enough, most useful first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "snake_case")]
#[tsify(rename = "QualityReason")]
pub enum Reason {
    /// Not sharp enough.
    Blurry,
    /// Too many clipped highlights.
    Glare,
    /// Too dark.
    TooDark,
    /// Too bright.
    TooBright,
    /// Too little contrast (fog, a blank surface, the lens covered).
    LowContrast,
    /// The source has too few pixels to read a document.
    LowResolution,
    /// No document in the guide.
    NoDocument,
    /// The document reaches the frame's edge.
    PartlyOutside,
    /// The document is too small in the guide.
    TooFar,
    /// The document is larger than the guide.
    TooClose,
    /// The document is rotated or held at a slant.
    Tilted,
    /// No face in the oval.
    NoFace,
    /// More than one face.
    MultipleFaces,
    /// The face is too small in the oval.
    FaceTooSmall,
    /// The face is not in the middle of the oval.
    FaceOffCenter,
    /// The document shown is the side captured before (`autoCapture`'s `differentFrom`).
    SameSide,
}

impl Reason {
    /// The code exposed to JS.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Blurry => "blurry",
            Reason::Glare => "glare",
            Reason::TooDark => "too_dark",
            Reason::TooBright => "too_bright",
            Reason::LowContrast => "low_contrast",
            Reason::LowResolution => "low_resolution",
            Reason::NoDocument => "no_document",
            Reason::PartlyOutside => "partly_outside",
            Reason::TooFar => "too_far",
            Reason::TooClose => "too_close",
            Reason::Tilted => "tilted",
            Reason::NoFace => "no_face",
            Reason::MultipleFaces => "multiple_faces",
            Reason::FaceTooSmall => "face_too_small",
            Reason::FaceOffCenter => "face_off_center",
            Reason::SameSide => "same_side",
        }
    }
}

/// A rectangle in pixels of the analysed frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    /// Left.
    pub x: usize,
    /// Top.
    pub y: usize,
    /// Width.
    pub width: usize,
    /// Height.
    pub height: usize,
}

/// The scores and the verdict of one frame.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[tsify(missing_as_null)]
pub struct QualityReport {
    /// Whether no reason was found.
    pub ok: bool,
    /// What is wrong, most useful first.
    #[tsify(type = "QualityReason[]")]
    pub reasons: Vec<Reason>,
    /// Variance of the Laplacian (grey levels²); blurry below 60 by default.
    pub sharpness: f64,
    /// Share of clipped pixels, 0..1; glare above 0.01 by default.
    pub glare: f64,
    /// Mean / 255; too dark below 0.25, too bright above 0.85 by default.
    pub brightness: f64,
    /// Standard deviation / 255; low contrast below 0.08 by default.
    pub contrast: f64,
    /// Long side of the source in pixels (as given by the caller); low resolution below 1000.
    pub resolution: u32,
    /// Where the document is: with a document region ('id_card', 'passport', 'paper_licence').
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentReport>,
    /// The face: with the 'selfie' region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub face: Option<FaceReport>,
}

/// Reusable buffers, so that analysing frame after frame allocates nothing.
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    blocks: Vec<f32>,
}

/// Clamps a region to the frame; None when empty.
pub fn clamp_region(region: Option<Rect>, width: usize, height: usize) -> Option<Rect> {
    let r = region.unwrap_or(Rect {
        x: 0,
        y: 0,
        width,
        height,
    });
    let x = r.x.min(width);
    let y = r.y.min(height);
    let w = r.width.min(width - x);
    let h = r.height.min(height - y);
    (w >= 3 && h >= 3).then_some(Rect {
        x,
        y,
        width: w,
        height: h,
    })
}

/// Analyses a grey frame (`width × height` bytes, row-major). `resolution` is the long side
/// of the source (camera or file). Returns None when the frame or region is too small (< 3 px)
/// or `grey` is shorter than `width × height`.
pub fn analyze(
    grey: &[u8],
    width: usize,
    height: usize,
    region: Option<Rect>,
    resolution: u32,
    config: &QualityConfig,
    scratch: &mut Scratch,
) -> Option<QualityReport> {
    if grey.len() < width.checked_mul(height)? {
        return None;
    }
    let r = clamp_region(region, width, height)?;
    let long = r.width.max(r.height);
    let f = ((long + ANALYSIS_LONG_SIDE / 2) / ANALYSIS_LONG_SIDE).max(1);
    let (bw, bh) = (r.width / f, r.height / f);
    if bw < 3 || bh < 3 {
        return None;
    }
    scratch.blocks.clear();
    scratch.blocks.resize(bw * bh, 0.0);
    let clipped = block_pass(
        grey,
        width,
        r,
        f,
        bw,
        bh,
        config.glare_level,
        &mut scratch.blocks,
    )?;
    let scale = 1.0 / (f * f) as f64;
    let (sum, sum_sq) = sums(&scratch.blocks);
    let n = (bw * bh) as f64;
    let mean = sum * scale / n;
    let variance = (sum_sq * scale * scale / n - mean * mean).max(0.0);
    let (lap_sum, lap_sq, lap_n) = laplacian(&scratch.blocks, bw, bh);
    let lap_mean = lap_sum * scale / lap_n;
    let sharpness = (lap_sq * scale * scale / lap_n - lap_mean * lap_mean).max(0.0);
    let report = QualityReport {
        sharpness,
        glare: clipped as f64 / (r.width * r.height) as f64,
        brightness: mean / 255.0,
        contrast: variance.sqrt() / 255.0,
        resolution,
        ok: false,
        reasons: Vec::new(),
        document: None,
        face: None,
    };
    Some(judge(report, config))
}

/// Applies the thresholds.
pub fn judge(mut report: QualityReport, config: &QualityConfig) -> QualityReport {
    let mut reasons = Vec::new();
    if report.resolution < config.min_resolution {
        reasons.push(Reason::LowResolution);
    }
    if report.brightness < config.min_brightness {
        reasons.push(Reason::TooDark);
    }
    if report.brightness > config.max_brightness {
        reasons.push(Reason::TooBright);
    }
    if report.glare > config.max_glare {
        reasons.push(Reason::Glare);
    }
    if report.contrast < config.min_contrast {
        reasons.push(Reason::LowContrast);
    }
    if report.sharpness < config.min_sharpness {
        reasons.push(Reason::Blurry);
    }
    report.ok = reasons.is_empty();
    report.reasons = reasons;
    report
}

/// Sums f×f blocks of the region into `blocks` (as block sums) and counts clipped pixels, in
/// one pass over the region's rows.
#[allow(clippy::too_many_arguments)]
fn block_pass(
    grey: &[u8],
    stride: usize,
    r: Rect,
    f: usize,
    bw: usize,
    bh: usize,
    glare_level: u8,
    blocks: &mut [f32],
) -> Option<usize> {
    let mut clipped = 0usize;
    let used = bw * f;
    for ry in 0..r.height {
        let start = (r.y + ry) * stride + r.x;
        let row = grey.get(start..start + r.width)?;
        let by = ry / f;
        if by < bh {
            let out = blocks.get_mut(by * bw..(by + 1) * bw)?;
            let (head, tail) = row.split_at_checked(used)?;
            clipped += kernels::accumulate(out, head, f, glare_level);
            clipped += kernels::count_at_least(tail, glare_level);
        } else {
            clipped += kernels::count_at_least(row, glare_level);
        }
    }
    Some(clipped)
}

fn sums(values: &[f32]) -> (f64, f64) {
    let mut s = 0.0f64;
    let mut q = 0.0f64;
    for chunk in values.chunks(1024) {
        let (rs, rq) = kernels::sum_and_squares(chunk);
        s += f64::from(rs);
        q += f64::from(rq);
    }
    (s, q)
}

/// Sum and sum of squares of the 4-neighbour Laplacian over the interior, and its count.
fn laplacian(b: &[f32], w: usize, h: usize) -> (f64, f64, f64) {
    let mut s = 0.0f64;
    let mut q = 0.0f64;
    for y in 1..h - 1 {
        let (Some(up), Some(mid), Some(down)) = (
            b.get((y - 1) * w..y * w),
            b.get(y * w..(y + 1) * w),
            b.get((y + 1) * w..(y + 2) * w),
        ) else {
            continue;
        };
        let (rs, rq) = kernels::laplacian_row(up, mid, down);
        s += f64::from(rs);
        q += f64::from(rq);
    }
    (s, q, ((w - 2) * (h - 2)) as f64)
}

fn lap_at(up: &[f32], mid: &[f32], down: &[f32], x: usize) -> f32 {
    let g = |s: &[f32], i: usize| s.get(i).copied().unwrap_or(0.0);
    4.0 * g(mid, x) - g(mid, x - 1) - g(mid, x + 1) - g(up, x) - g(down, x)
}

/// The inner loops, in scalar Rust (any target, and wasm without simd128).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod kernels {
    /// Adds each f-pixel group of `row` into `out` and counts pixels ≥ `level`.
    pub fn accumulate(out: &mut [f32], row: &[u8], f: usize, level: u8) -> usize {
        let mut clipped = 0;
        for (o, group) in out.iter_mut().zip(row.chunks_exact(f)) {
            let mut sum = 0u32;
            for p in group {
                sum += u32::from(*p);
                clipped += usize::from(*p >= level);
            }
            *o += sum as f32;
        }
        clipped
    }

    pub fn count_at_least(row: &[u8], level: u8) -> usize {
        row.iter().filter(|p| **p >= level).count()
    }

    pub fn sum_and_squares(values: &[f32]) -> (f32, f32) {
        values
            .iter()
            .fold((0.0, 0.0), |(s, q), v| (s + v, q + v * v))
    }

    pub fn laplacian_row(up: &[f32], mid: &[f32], down: &[f32]) -> (f32, f32) {
        let (mut s, mut q) = (0.0f32, 0.0f32);
        for x in 1..mid.len() - 1 {
            let lap = super::lap_at(up, mid, down, x);
            s += lap;
            q += lap * lap;
        }
        (s, q)
    }
}

/// The inner loops with wasm `simd128` (16 pixels or 4 floats per step).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod kernels {
    use core::arch::wasm32::*;

    #[inline(always)]
    fn load_u8(bytes: &[u8; 16]) -> v128 {
        // SAFETY: the reference guarantees 16 readable bytes; v128_load has no alignment need.
        unsafe { v128_load(bytes.as_ptr().cast()) }
    }

    #[inline(always)]
    fn load_f32(values: &[f32; 4]) -> v128 {
        // SAFETY: 16 readable bytes, no alignment need.
        unsafe { v128_load(values.as_ptr().cast()) }
    }

    #[inline(always)]
    fn store_f32(values: &mut [f32; 4], v: v128) {
        // SAFETY: 16 writable bytes, no alignment need.
        unsafe { v128_store(values.as_mut_ptr().cast(), v) }
    }

    #[inline(always)]
    fn add_into(out: &mut [f32], at: usize, v: v128) {
        if let Some(slot) = out
            .get_mut(at..at + 4)
            .and_then(|s| <&mut [f32; 4]>::try_from(s).ok())
        {
            let sum = f32x4_add(load_f32(slot), v);
            store_f32(slot, sum);
        }
    }

    #[inline(always)]
    fn clipped(v: v128, threshold: v128) -> usize {
        u8x16_bitmask(u8x16_ge(v, threshold)).count_ones() as usize
    }

    pub fn count_at_least(row: &[u8], level: u8) -> usize {
        let threshold = u8x16_splat(level);
        let chunks = row.chunks_exact(16);
        let rest = chunks.remainder();
        let mut count = 0;
        for c in chunks {
            if let Ok(c) = <&[u8; 16]>::try_from(c) {
                count += clipped(load_u8(c), threshold);
            }
        }
        count + rest.iter().filter(|p| **p >= level).count()
    }

    /// Adds each f-pixel group of `row` into `out` and counts pixels ≥ `level`.
    pub fn accumulate(out: &mut [f32], row: &[u8], f: usize, level: u8) -> usize {
        let threshold = u8x16_splat(level);
        let mut count = 0;
        let mut done = 0; // pixels of `row` handled
        if f == 1 || f == 2 {
            for (i, c) in row.chunks_exact(16).enumerate() {
                let Ok(c) = <&[u8; 16]>::try_from(c) else {
                    break;
                };
                let v = load_u8(c);
                count += clipped(v, threshold);
                if f == 1 {
                    let lo = u16x8_extend_low_u8x16(v);
                    let hi = u16x8_extend_high_u8x16(v);
                    let base = i * 16;
                    add_into(out, base, f32x4_convert_u32x4(u32x4_extend_low_u16x8(lo)));
                    add_into(
                        out,
                        base + 4,
                        f32x4_convert_u32x4(u32x4_extend_high_u16x8(lo)),
                    );
                    add_into(
                        out,
                        base + 8,
                        f32x4_convert_u32x4(u32x4_extend_low_u16x8(hi)),
                    );
                    add_into(
                        out,
                        base + 12,
                        f32x4_convert_u32x4(u32x4_extend_high_u16x8(hi)),
                    );
                } else {
                    let pairs = u16x8_extadd_pairwise_u8x16(v);
                    let base = i * 8;
                    add_into(
                        out,
                        base,
                        f32x4_convert_u32x4(u32x4_extend_low_u16x8(pairs)),
                    );
                    add_into(
                        out,
                        base + 4,
                        f32x4_convert_u32x4(u32x4_extend_high_u16x8(pairs)),
                    );
                }
                done += 16;
            }
        }
        // whatever is left (other f, or the row's tail) in scalar code
        let first_block = done / f;
        for (o, group) in out
            .iter_mut()
            .skip(first_block)
            .zip(row.get(done..).unwrap_or(&[]).chunks_exact(f))
        {
            let mut sum = 0u32;
            for p in group {
                sum += u32::from(*p);
                count += usize::from(*p >= level);
            }
            *o += sum as f32;
        }
        count
    }

    pub fn sum_and_squares(values: &[f32]) -> (f32, f32) {
        let (mut vs, mut vq) = (f32x4_splat(0.0), f32x4_splat(0.0));
        let chunks = values.chunks_exact(4);
        let rest = chunks.remainder();
        for c in chunks {
            if let Ok(c) = <&[f32; 4]>::try_from(c) {
                let v = load_f32(c);
                vs = f32x4_add(vs, v);
                vq = f32x4_add(vq, f32x4_mul(v, v));
            }
        }
        let (s, q) = rest
            .iter()
            .fold((0.0f32, 0.0f32), |(s, q), v| (s + v, q + v * v));
        (s + horizontal(vs), q + horizontal(vq))
    }

    fn horizontal(v: v128) -> f32 {
        f32x4_extract_lane::<0>(v)
            + f32x4_extract_lane::<1>(v)
            + f32x4_extract_lane::<2>(v)
            + f32x4_extract_lane::<3>(v)
    }

    pub fn laplacian_row(up: &[f32], mid: &[f32], down: &[f32]) -> (f32, f32) {
        let w = mid.len();
        let four = f32x4_splat(4.0);
        let (mut vs, mut vq) = (f32x4_splat(0.0), f32x4_splat(0.0));
        let at = |s: &[f32], i: usize| {
            s.get(i..i + 4)
                .and_then(|c| <&[f32; 4]>::try_from(c).ok())
                .map(load_f32)
        };
        let mut x = 1;
        while x + 4 < w {
            if let (Some(c), Some(l), Some(r), Some(u), Some(d)) = (
                at(mid, x),
                at(mid, x - 1),
                at(mid, x + 1),
                at(up, x),
                at(down, x),
            ) {
                let lap = f32x4_sub(
                    f32x4_mul(c, four),
                    f32x4_add(f32x4_add(l, r), f32x4_add(u, d)),
                );
                vs = f32x4_add(vs, lap);
                vq = f32x4_add(vq, f32x4_mul(lap, lap));
            }
            x += 4;
        }
        let (mut s, mut q) = (horizontal(vs), horizontal(vq));
        while x < w - 1 {
            let lap = super::lap_at(up, mid, down, x);
            s += lap;
            q += lap * lap;
            x += 1;
        }
        (s, q)
    }
}

/// Converts RGBA pixels to grey (BT.601 luma, integer weights 77/150/29) into `out`.
pub fn rgba_to_grey(rgba: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.extend(rgba.chunks_exact(4).map(|p| match p {
        [r, g, b, _] => {
            ((77 * u32::from(*r) + 150 * u32::from(*g) + 29 * u32::from(*b)) >> 8) as u8
        }
        _ => 0,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic document: dark "text" strokes and boxes on a light card, on a darker desk.
    pub fn card(width: usize, height: usize) -> Vec<u8> {
        let mut img = vec![60u8; width * height];
        let (cx, cy, cw, ch) = (width / 10, height / 8, width * 8 / 10, height * 6 / 8);
        for y in cy..cy + ch {
            for x in cx..cx + cw {
                // relative coordinates in a 1000×630 card, so every size draws the same picture
                let u = (x - cx) * 1000 / cw;
                let v = (y - cy) * 630 / ch;
                let text_line = (v / 30) % 2 == 1 && u > 350 && u < 950 && (u / 12) % 3 != 0;
                let photo = u > 50 && u < 300 && v > 100 && v < 450;
                let mrz = v > 520 && v < 600 && u > 50 && u < 950 && (u / 9) % 2 == 0;
                img[y * width + x] = if text_line || mrz {
                    30
                } else if photo {
                    (90 + (u + v) % 60) as u8
                } else {
                    210
                };
            }
        }
        img
    }

    /// Separable box blur applied `passes` times (≈ Gaussian).
    pub fn blur(img: &[u8], w: usize, h: usize, radius: usize, passes: usize) -> Vec<u8> {
        let mut a: Vec<f32> = img.iter().map(|p| f32::from(*p)).collect();
        let mut b = a.clone();
        for _ in 0..passes {
            for y in 0..h {
                for x in 0..w {
                    let lo = x.saturating_sub(radius);
                    let hi = (x + radius).min(w - 1);
                    b[y * w + x] =
                        a[y * w + lo..=y * w + hi].iter().sum::<f32>() / (hi - lo + 1) as f32;
                }
            }
            for y in 0..h {
                for x in 0..w {
                    let lo = y.saturating_sub(radius);
                    let hi = (y + radius).min(h - 1);
                    a[y * w + x] =
                        (lo..=hi).map(|yy| b[yy * w + x]).sum::<f32>() / (hi - lo + 1) as f32;
                }
            }
        }
        a.iter().map(|v| v.round() as u8).collect()
    }

    fn check(img: &[u8], w: usize, h: usize) -> QualityReport {
        analyze(
            img,
            w,
            h,
            None,
            1920,
            &QualityConfig::default(),
            &mut Scratch::default(),
        )
        .unwrap_or_else(|| panic!("no report"))
    }

    #[test]
    fn a_sharp_card_passes_and_the_same_card_blurred_is_blurry() {
        let (w, h) = (1280, 720);
        let sharp = card(w, h);
        let report = check(&sharp, w, h);
        assert!(report.ok, "{report:?}");
        let blurred = blur(&sharp, w, h, 4, 3);
        let report = check(&blurred, w, h);
        assert_eq!(report.reasons, [Reason::Blurry], "{report:?}");
    }

    #[test]
    fn a_glare_patch_is_detected() {
        let (w, h) = (1280, 720);
        let mut img = card(w, h);
        for y in 300..420 {
            for x in 500..700 {
                img[y * w + x] = 255;
            }
        }
        let report = check(&img, w, h);
        assert!(report.reasons.contains(&Reason::Glare), "{report:?}");
        assert!(
            report.glare > 0.02 && report.glare < 0.03,
            "{}",
            report.glare
        );
    }

    #[test]
    fn dark_bright_and_flat_frames_get_their_reasons() {
        let (w, h) = (640, 480);
        let dark: Vec<u8> = card(w, h).iter().map(|p| p / 5).collect();
        assert!(check(&dark, w, h).reasons.contains(&Reason::TooDark));
        let bright: Vec<u8> = card(w, h)
            .iter()
            .map(|p| 235u8.saturating_add(p / 12))
            .collect();
        let r = check(&bright, w, h);
        assert!(r.reasons.contains(&Reason::TooBright), "{r:?}");
        let flat = vec![128u8; w * h];
        let r = check(&flat, w, h);
        assert_eq!(r.reasons, [Reason::LowContrast, Reason::Blurry]);
        let r = analyze(
            &card(w, h),
            w,
            h,
            None,
            640,
            &QualityConfig::default(),
            &mut Scratch::default(),
        );
        assert_eq!(r.map(|r| r.reasons), Some(vec![Reason::LowResolution]));
    }

    #[test]
    fn the_blur_threshold_sits_far_from_both_sharp_and_slightly_blurred_frames() {
        let min = QualityConfig::default().min_sharpness;
        for (w, h) in [(640usize, 360usize), (1280, 720), (1920, 1080)] {
            let c = card(w, h);
            let slightly = blur(&c, w, h, w / 320, 2);
            assert!(check(&c, w, h).sharpness > 20.0 * min, "{w}");
            assert!(check(&slightly, w, h).sharpness < min, "{w}");
        }
    }

    #[test]
    fn scores_are_stable_across_resolutions() {
        let scores: Vec<QualityReport> = [(640, 360), (1280, 720), (1920, 1080)]
            .iter()
            .map(|(w, h)| check(&card(*w, *h), *w, *h))
            .collect();
        let base = &scores[0];
        for s in &scores[1..] {
            assert!(
                (s.brightness - base.brightness).abs() < 0.02,
                "{s:?} vs {base:?}"
            );
            assert!(
                (s.contrast - base.contrast).abs() < 0.03,
                "{s:?} vs {base:?}"
            );
            let ratio = s.sharpness / base.sharpness;
            // within a factor of 2, while the blur threshold sits 20× below sharp frames
            assert!(
                (0.5..2.0).contains(&ratio),
                "sharpness {} vs {}",
                s.sharpness,
                base.sharpness
            );
            assert!(s.ok, "{s:?}");
        }
        // and blur stays blur at every size
        for (w, h) in [(640, 360), (1920, 1080)] {
            let radius = w / 160;
            assert!(
                check(&blur(&card(w, h), w, h, radius, 3), w, h)
                    .reasons
                    .contains(&Reason::Blurry),
                "{w}"
            );
        }
    }

    #[test]
    fn the_region_limits_the_analysis_and_bad_inputs_give_none() {
        let (w, h) = (640, 480);
        let mut img = card(w, h);
        for p in img.iter_mut().take(w * 100) {
            *p = 255; // glare in the top 100 rows
        }
        let region = Some(Rect {
            x: 64,
            y: 120,
            width: 512,
            height: 300,
        });
        let r = analyze(
            &img,
            w,
            h,
            region,
            1920,
            &QualityConfig::default(),
            &mut Scratch::default(),
        );
        assert_eq!(r.map(|r| r.glare), Some(0.0));
        let mut s = Scratch::default();
        assert!(analyze(
            &img,
            w,
            h,
            Some(Rect {
                x: 700,
                y: 0,
                width: 10,
                height: 10
            }),
            1,
            &QualityConfig::default(),
            &mut s
        )
        .is_none());
        assert!(analyze(
            &img[..100],
            w,
            h,
            None,
            1,
            &QualityConfig::default(),
            &mut s
        )
        .is_none());
        assert!(analyze(&img, 2, 2, None, 1, &QualityConfig::default(), &mut s).is_none());
        assert!(analyze(
            &[],
            usize::MAX,
            2,
            None,
            1,
            &QualityConfig::default(),
            &mut s
        )
        .is_none());
    }

    #[test]
    fn rgba_is_converted_with_luma_weights() {
        let mut out = Vec::new();
        rgba_to_grey(
            &[
                255, 255, 255, 255, 255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 9,
            ],
            &mut out,
        );
        assert_eq!(out, [255, 76, 149, 28]);
    }
}
