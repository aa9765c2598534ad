//! A face in the selfie oval: OpenCV's LBP frontal-face cascade (`third_party/opencv`,
//! Apache-2.0), packed by `build.rs` into 6 KB and evaluated as OpenCV and scikit-image do:
//! 24×24 windows; each stump reads one multi-block LBP code (3×3 equal blocks summed on an
//! integral image; each outer block ≥ the centre one sets a bit, clockwise from the top-left
//! one = 128) and adds its left leaf when the code is in its 256-bit subset, its right leaf
//! otherwise; a window is a face when every stage's sum reaches the stage's threshold (minus
//! 1e-5). At each size the features are scaled on one integral image, as scikit-image's
//! `Cascade` does (rounded here, truncated there), instead of resizing the image (OpenCV).
//!
//! Only where it matters is searched: face sizes from [`MIN_FACE`] to [`MAX_FACE`] × the oval's
//! width, growing by [`SCALE_STEP`]; face centres within [`REACH`] face widths of the oval's
//! centre (in oval widths and heights: a face far off centre for its size is not the user), at
//! most the oval's box enlarged by [`CENTRE_MARGIN`]. The frame is first summed in d×d blocks
//! (d = the smallest size / 24, rounded down) so that the smallest size is about the 24-px
//! window (24 to 48 px). Windows are tried every 2 window pixels, then every pixel around each
//! hit (at its size and the neighbouring ones): this finds about 90 % of the hits of a 1-px
//! scan for a quarter of the work. Hits are grouped as OpenCV's `groupRectangles` does (more than
//! [`MIN_NEIGHBOURS`] similar hits make a face). The search parameters were chosen on the
//! "tune" third of `scripts/testset/faces.py`'s frames.

use super::quality::{clamp_region, Rect};
use serde::Serialize;
use tsify::Tsify;

static CASCADE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/face_cascade.bin"));

/// The cascade's window side, in pixels.
const WINDOW: usize = 24;
/// Smallest face searched, × the oval's width (half of [`FaceConfig`]'s default `too_small`).
pub const MIN_FACE: f64 = 0.2;
/// Largest face searched, × the oval's width.
pub const MAX_FACE: f64 = 1.2;
/// Ratio between successive face sizes (OpenCV's `scaleFactor`).
pub const SCALE_STEP: f64 = 1.1;
/// How far from the oval's centre faces are searched, in face widths.
pub const REACH: f64 = 1.0;
/// Face centres stay in the oval's box enlarged by this share of its size per side.
pub const CENTRE_MARGIN: f64 = 0.1;
/// Around a hit of the 2-px scan, every window within this many window pixels is tried.
const REFINE: f64 = 2.0;
/// A face needs more than this many similar hits (OpenCV's `minNeighbors`).
pub const MIN_NEIGHBOURS: usize = 3;
/// Hits whose edges differ by at most this share of their size are similar (OpenCV's eps).
const GROUP_EPS: f64 = 0.2;
/// Hits kept per frame (bounds the quadratic grouping on pathological frames).
const MAX_HITS: usize = 1024;

/// Thresholds of the face verdict.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceConfig {
    /// Below this share of the oval's width, the face is `too_small`. Default 0.4: the face box
    /// (eyebrows to mouth) is about 2/3 of the head's width, so a head filling the oval gives
    /// 0.5–0.65; under 0.4 the head fills less than ~60 % of it: too far from the camera.
    pub min_face_share: f64,
    /// Beyond this distance of the face's centre from the oval's, measured in oval widths
    /// horizontally and oval heights vertically (√((dx/w)² + (dy/h)²)), the face is
    /// `off_center`. Default 0.2: a face of good size (half-width ≈ 0.3 of the oval's) then
    /// reaches the oval's edge.
    pub max_center_offset: f64,
}

impl Default for FaceConfig {
    fn default() -> Self {
        FaceConfig {
            min_face_share: 0.4,
            max_center_offset: 0.2,
        }
    }
}

/// A face's box in frame pixels (continuous coordinates: the image spans \[0,W\]×\[0,H\]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Tsify)]
pub struct FaceBox {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// The face in the selfie oval (what the selfie check found).
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[tsify(missing_as_null)]
pub struct FaceReport {
    /// Whether at least one face was found.
    pub found: bool,
    /// Faces found (hits grouped); more than one (multiple_faces): someone else is in the
    /// picture.
    pub count: usize,
    /// The largest face's box in frame pixels; null when none.
    #[serde(rename = "box")]
    pub face: Option<FaceBox>,
    /// The largest face is narrower than `min_face_share` × the oval's width.
    #[serde(skip)]
    pub too_small: bool,
    /// The largest face's centre is further than `max_center_offset` from the oval's.
    #[serde(skip)]
    pub off_center: bool,
}

/// Reusable buffers (the decoded cascade, the integral image, hits), so that frames allocate
/// nothing once they have grown.
#[derive(Clone, Debug, Default)]
pub struct FaceScratch {
    stumps: Vec<Stump>,
    stages: Vec<(usize, f32)>,
    acc: Vec<u32>,
    sat: Vec<u32>,
    hits: Vec<FaceBox>,
    coarse: Vec<[usize; 3]>,
    seen: Vec<u64>,
    labels: Vec<usize>,
    groups: Vec<(FaceBox, usize)>,
}

#[derive(Clone, Debug)]
struct Stump {
    /// The 4×4 block corners' offsets in the integral image, for the current size.
    offsets: [u32; 16],
    subset: [u32; 8],
    left: f32,
    right: f32,
    /// Top-left block: x, y, width, height in the 24×24 window.
    rect: [u8; 4],
}

/// Finds faces around the selfie guide's bounding box `oval` in a grey frame (`width × height`
/// bytes, row-major). None only for bad input: a frame under 24 px, `grey` shorter than
/// `width × height`, or an oval with nothing (< 3 px) inside the frame.
pub fn detect(
    grey: &[u8],
    width: usize,
    height: usize,
    oval: Rect,
    config: &FaceConfig,
    scratch: &mut FaceScratch,
) -> Option<FaceReport> {
    if width < WINDOW || height < WINDOW || grey.len() < width.checked_mul(height)? {
        return None;
    }
    clamp_region(Some(oval), width, height)?;
    if scratch.stumps.is_empty() {
        load(scratch)?;
    }
    let (ow, oh) = (oval.width as f64, oval.height as f64);
    let (ocx, ocy) = (oval.x as f64 + ow / 2.0, oval.y as f64 + oh / 2.0);
    search(grey, (width, height), [ocx, ocy, ow, oh], scratch);
    group(scratch);

    let face = (scratch.groups.iter().map(|g| g.0)).max_by(|a, b| a.width.total_cmp(&b.width));
    let (too_small, off_center) = face.map_or((false, false), |f| verdict(&f, &oval, config));
    Some(FaceReport {
        found: face.is_some(),
        count: scratch.groups.len(),
        face,
        too_small,
        off_center,
    })
}

/// (too small, off centre) for a face and the oval.
fn verdict(f: &FaceBox, oval: &Rect, config: &FaceConfig) -> (bool, bool) {
    let (ow, oh) = (oval.width as f64, oval.height as f64);
    let dx = (f.x + f.width / 2.0 - oval.x as f64 - ow / 2.0) / ow;
    let dy = (f.y + f.height / 2.0 - oval.y as f64 - oh / 2.0) / oh;
    (
        f.width < config.min_face_share * ow,
        (dx * dx + dy * dy).sqrt() > config.max_center_offset,
    )
}

fn le<const N: usize>(at: usize) -> Option<[u8; N]> {
    CASCADE.get(at..at + N)?.try_into().ok()
}

fn f32_at(at: usize) -> Option<f32> {
    le(at).map(f32::from_le_bytes)
}

/// Decodes the packed cascade (layout in build.rs) into the scratch.
fn load(s: &mut FaceScratch) -> Option<()> {
    let [window, stages, features, _] = le::<4>(0)?;
    let (stages, features) = (usize::from(stages), usize::from(features));
    let counts_at = 4 + 4 * features;
    let thresholds_at = counts_at + stages;
    let feature_of_at = thresholds_at + 4 * stages;
    let counts = CASCADE.get(counts_at..thresholds_at)?;
    let n: usize = counts.iter().map(|&c| usize::from(c)).sum();
    let leaves_at = feature_of_at + n;
    let subsets_at = leaves_at + 8 * n;
    if usize::from(window) != WINDOW || CASCADE.len() != subsets_at + 32 * n {
        return None;
    }
    s.stages.clear();
    for (i, &count) in counts.iter().enumerate() {
        // OpenCV and scikit-image compare with the threshold minus 1e-5.
        let threshold = f32_at(thresholds_at + 4 * i)? - 1e-5;
        s.stages.push((usize::from(count), threshold));
    }
    s.stumps.clear();
    for k in 0..n {
        let feature = usize::from(*CASCADE.get(feature_of_at + k)?);
        let mut subset = [0u32; 8];
        for (w, word) in subset.iter_mut().enumerate() {
            *word = u32::from_le_bytes(le(subsets_at + 32 * k + 4 * w)?);
        }
        s.stumps.push(Stump {
            offsets: [0; 16],
            subset,
            left: f32_at(leaves_at + 8 * k)?,
            right: f32_at(leaves_at + 8 * k + 4)?,
            rect: le(4 + 4 * feature)?,
        });
    }
    Some(())
}

/// One face size on the summed image: `r` summed px per window px (`q`: the same in 16.16
/// fixed point) and the lattice points (i, j) allowed, the window being at (i·r, j·r).
struct Level {
    r: f64,
    q: u64,
    stride: usize,
    i: (usize, usize),
    j: (usize, usize),
}

/// Sums the part of the frame that windows can reach, scans every size on the 2-px lattice,
/// then refines around the hits. Hits go to `s.hits`, in frame coordinates.
fn search(grey: &[u8], (width, height): (usize, usize), oval: [f64; 4], s: &mut FaceScratch) {
    s.hits.clear();
    s.coarse.clear();
    let [ocx, ocy, ow, oh] = oval;
    let (min_face, max_face) = ((MIN_FACE * ow).max(WINDOW as f64), MAX_FACE * ow);
    // Where the centres of faces `size` px wide may be.
    let centres = |size: f64| {
        let k = (REACH * size / ow).min(0.5 + CENTRE_MARGIN);
        [ocx - k * ow, ocy - k * oh, ocx + k * ow, ocy + k * oh]
    };
    let d = ((min_face / WINDOW as f64) as usize).max(1);
    let [cx0, cy0, cx1, cy1] = centres(max_face);
    let half = max_face / 2.0;
    let start = |c: f64, max: usize| ((c - half).max(0.0) as usize).min(max);
    let end = |c: f64, max: usize| ((c + half).max(0.0) as usize).min(max);
    let origin = (start(cx0, width), start(cy0, height));
    let sw = end(cx1, width).saturating_sub(origin.0) / d;
    let sh = end(cy1, height).saturating_sub(origin.1) / d;
    if sw < WINDOW || sh < WINDOW || !sum_blocks(grey, width, origin, (sw, sh), d, s) {
        return;
    }
    let at = |r: f64| {
        let [a, b, c, e] = centres(WINDOW as f64 * r * d as f64);
        let (x, y) = (origin.0 as f64, origin.1 as f64);
        let k = 1.0 / d as f64;
        [(a - x) * k, (b - y) * k, (c - x) * k, (e - y) * k]
    };
    let r0 = min_face / WINDOW as f64 / d as f64;
    // Sizes up to the largest face, or the largest window that fits.
    let fits =
        |r: f64| WINDOW as f64 * r <= sw.min(sh) as f64 && WINDOW as f64 * r * d as f64 <= max_face;
    let mut levels = 0;
    let mut r = r0;
    while fits(r) {
        if let Some(level) = set_level(s, r, (sw, sh), at(r)) {
            let mut j = level.j.0 + level.j.0 % 2;
            while j <= level.j.1 {
                let mut i = level.i.0 + level.i.0 % 2;
                while i <= level.i.1 {
                    if eval(s, &level, i, j, origin, d) {
                        s.coarse.push([levels, i, j]);
                    }
                    i += 2;
                }
                j += 2;
            }
        }
        levels += 1;
        r *= SCALE_STEP;
    }
    // Refinement: the other lattice points within REFINE of a hit's centre, mapped from its
    // size or a neighbouring one.
    let mut r = r0;
    for k in 0..levels {
        let near = |c: &[usize; 3]| c[0] + 1 >= k && c[0] <= k + 1;
        if s.coarse.iter().any(near) {
            if let Some(level) = set_level(s, r, (sw, sh), at(r)) {
                refine(s, &level, k, origin, d);
            }
        }
        r *= SCALE_STEP;
    }
}

fn refine(s: &mut FaceScratch, level: &Level, k: usize, origin: (usize, usize), d: usize) {
    let nx = level.i.1 + 1;
    s.seen.clear();
    s.seen.resize((nx * (level.j.1 + 1)).div_ceil(64), 0);
    for c in 0..s.coarse.len() {
        let Some(&[ck, ci, cj]) = s.coarse.get(c) else {
            break;
        };
        if ck + 1 < k || ck > k + 1 {
            continue;
        }
        // The hit's centre in this size's lattice units.
        let f = match ck.cmp(&k) {
            core::cmp::Ordering::Greater => SCALE_STEP,
            core::cmp::Ordering::Less => 1.0 / SCALE_STEP,
            core::cmp::Ordering::Equal => 1.0,
        };
        let half = WINDOW as f64 / 2.0;
        let span = |c: usize, (a, b): (usize, usize)| {
            let m = (c as f64 + half) * f - half;
            let lo = (m - REFINE).ceil().max(a as f64) as usize;
            lo..=((m + REFINE).floor().max(0.0) as usize).min(b)
        };
        for j in span(cj, level.j) {
            for i in span(ci, level.i) {
                let bit = j * nx + i;
                let fresh = s.seen.get_mut(bit / 64).is_some_and(|w| {
                    let old = *w;
                    *w |= 1 << (bit % 64);
                    old & (1 << (bit % 64)) == 0
                });
                if fresh && (i % 2 == 1 || j % 2 == 1) {
                    eval(s, level, i, j, origin, d);
                }
            }
        }
    }
}

/// Sums a `sw·d × sh·d` part of the frame at `origin` in d×d blocks, straight into the
/// integral image `s.sat` ((sw + 1) × (sh + 1), zero first row and column). Sums, not means:
/// LBP codes compare equal areas, so nothing is lost to rounding. False if `grey` is short.
fn sum_blocks(
    grey: &[u8],
    stride: usize,
    origin: (usize, usize),
    (sw, sh): (usize, usize),
    d: usize,
    s: &mut FaceScratch,
) -> bool {
    let w = sw + 1;
    // Every element is written below: resize only when the size changes.
    if s.sat.len() != w * (sh + 1) {
        s.sat.clear();
        s.sat.resize(w * (sh + 1), 0);
    }
    if s.acc.len() != sw * d {
        s.acc.clear();
        s.acc.resize(sw * d, 0);
    }
    if let Some(first) = s.sat.get_mut(..w) {
        first.fill(0);
    }
    for y in 0..sh {
        s.acc.fill(0);
        for row in 0..d {
            let start = (origin.1 + y * d + row) * stride + origin.0;
            let Some(line) = grey.get(start..start + sw * d) else {
                return false;
            };
            for (a, &p) in s.acc.iter_mut().zip(line) {
                *a = a.wrapping_add(u32::from(p));
            }
        }
        let Some((above, below)) = s.sat.split_at_mut_checked((y + 1) * w) else {
            return false;
        };
        let (Some(above), Some([first, below @ ..])) = (above.get(y * w + 1..), below.get_mut(..w))
        else {
            return false;
        };
        *first = 0;
        let mut run = 0u32;
        for ((out, up), block) in below.iter_mut().zip(above).zip(s.acc.chunks_exact(d)) {
            run = block.iter().fold(run, |r, &v| r.wrapping_add(v));
            *out = up.wrapping_add(run);
        }
    }
    true
}

/// Scales the features to `r` summed px per window px (rounded) and returns the lattice of
/// windows inside the image whose centres are in `c` (x0, y0, x1, y1); None if there is none.
fn set_level(s: &mut FaceScratch, r: f64, (sw, sh): (usize, usize), c: [f64; 4]) -> Option<Level> {
    let stride = sw + 1;
    // Extent of the window: its features, and the reported box (24·r) too.
    let side = (WINDOW as f64 * r).ceil() as usize;
    let (mut ex, mut ey) = (side, side);
    for st in &mut s.stumps {
        let [x, y, w, h] = st.rect.map(|v| (f64::from(v) * r + 0.5) as usize);
        let (w, h) = (w.max(1), h.max(1));
        ex = ex.max(x + 3 * w);
        ey = ey.max(y + 3 * h);
        for (k, o) in st.offsets.iter_mut().enumerate() {
            *o = u32::try_from((y + k / 4 * h) * stride + x + k % 4 * w).unwrap_or(u32::MAX);
        }
    }
    let half = WINDOW as f64 * r / 2.0;
    let range = |size: usize, e: usize, c0: f64, c1: f64| {
        let fit = (size.checked_sub(e)? as f64 - 0.5) / r;
        let lo = ((c0 - half) / r).ceil().max(0.0);
        let hi = ((c1 - half) / r).floor().min(fit);
        (hi >= lo).then_some((lo as usize, hi as usize))
    };
    Some(Level {
        r,
        q: (r * 65536.0 + 0.5) as u64,
        stride,
        i: range(sw, ex, c[0], c[2])?,
        j: range(sh, ey, c[1], c[3])?,
    })
}

/// Runs the cascade on the window at lattice point (i, j); a hit goes to `s.hits`.
fn eval(
    s: &mut FaceScratch,
    level: &Level,
    i: usize,
    j: usize,
    origin: (usize, usize),
    d: usize,
) -> bool {
    let px = |i: usize| ((i as u64 * level.q + 0x8000) >> 16) as usize;
    let (x, y) = (px(i), px(j));
    if s.hits.len() >= MAX_HITS
        || passes(&s.sat, y * level.stride + x, &s.stumps, &s.stages) != Some(true)
    {
        return false;
    }
    let size = WINDOW as f64 * level.r * d as f64;
    s.hits.push(FaceBox {
        x: (origin.0 + x * d) as f64,
        y: (origin.1 + y * d) as f64,
        width: size,
        height: size,
    });
    true
}

/// Whether the window at `base` passes every stage (None: it reaches outside the image).
#[inline(always)]
fn passes(img: &[u32], base: usize, stumps: &[Stump], stages: &[(usize, f32)]) -> Option<bool> {
    let mut first = 0;
    for &(count, threshold) in stages {
        let mut sum = 0f32;
        for st in stumps.get(first..first + count)? {
            let code = lbp(img, base, &st.offsets)?;
            let word = st.subset.get(code >> 5).copied().unwrap_or(0);
            sum += if word >> (code & 31) & 1 != 0 {
                st.left
            } else {
                st.right
            };
        }
        if sum < threshold {
            return Some(false);
        }
        first += count;
    }
    Some(true)
}

/// The multi-block LBP code: corners p0..p15 (4×4, row-major) bound the 3×3 blocks; each
/// outer block ≥ the centre one sets a bit, clockwise from the top-left one (128).
#[inline(always)]
fn lbp(img: &[u32], base: usize, o: &[u32; 16]) -> Option<usize> {
    let p = |k: u32| img.get(base + k as usize).copied();
    let [o0, o1, o2, o3, o4, o5, o6, o7, o8, o9, o10, o11, o12, o13, o14, o15] = *o;
    let (p0, p1, p2, p3) = (p(o0)?, p(o1)?, p(o2)?, p(o3)?);
    let (p4, p5, p6, p7) = (p(o4)?, p(o5)?, p(o6)?, p(o7)?);
    let (p8, p9, p10, p11) = (p(o8)?, p(o9)?, p(o10)?, p(o11)?);
    let (p12, p13, p14, p15) = (p(o12)?, p(o13)?, p(o14)?, p(o15)?);
    let block =
        |tl: u32, tr: u32, bl: u32, br: u32| br.wrapping_sub(tr).wrapping_sub(bl).wrapping_add(tl);
    let c = block(p5, p6, p9, p10);
    let bit = |v: u32, b: usize| usize::from(v >= c) << b;
    Some(
        bit(block(p0, p1, p4, p5), 7)
            | bit(block(p1, p2, p5, p6), 6)
            | bit(block(p2, p3, p6, p7), 5)
            | bit(block(p6, p7, p10, p11), 4)
            | bit(block(p10, p11, p14, p15), 3)
            | bit(block(p9, p10, p13, p14), 2)
            | bit(block(p8, p9, p12, p13), 1)
            | bit(block(p4, p5, p8, p9), 0),
    )
}

/// OpenCV's `groupRectangles`: hits are partitioned by similarity (transitively), groups of
/// more than [`MIN_NEIGHBOURS`] hits give their mean box, and a group inside a stronger one
/// is dropped. Result in `s.groups` (box, hits).
fn group(s: &mut FaceScratch) {
    let similar = |a: &FaceBox, b: &FaceBox| {
        let delta = GROUP_EPS * (a.width.min(b.width) + a.height.min(b.height)) * 0.5;
        (a.x - b.x).abs() <= delta
            && (a.y - b.y).abs() <= delta
            && (a.x + a.width - b.x - b.width).abs() <= delta
            && (a.y + a.height - b.y - b.height).abs() <= delta
    };
    // Union-find where a parent always has a smaller index than its child.
    let labels = &mut s.labels;
    labels.clear();
    labels.extend(0..s.hits.len());
    let root = |labels: &[usize], mut i: usize| {
        while let Some(&p) = labels.get(i).filter(|&&p| p != i) {
            i = p;
        }
        i
    };
    for (i, a) in s.hits.iter().enumerate() {
        for (j, b) in s.hits.iter().enumerate().take(i) {
            if similar(a, b) {
                let (ri, rj) = (root(labels, i), root(labels, j));
                if let Some(l) = labels.get_mut(ri.max(rj)) {
                    *l = ri.min(rj);
                }
            }
        }
    }
    // Every label to its root (parents come first), then roots to group slots in index order.
    for i in 0..labels.len() {
        let p = labels.get(i).copied().unwrap_or(i);
        let r = labels.get(p).copied().unwrap_or(p);
        if let Some(l) = labels.get_mut(i) {
            *l = r;
        }
    }
    s.groups.clear();
    for (i, h) in s.hits.iter().enumerate() {
        let r = labels.get(i).copied().unwrap_or(i);
        if r == i {
            if let Some(l) = labels.get_mut(i) {
                *l = s.groups.len();
            }
            s.groups.push((FaceBox::default(), 0));
        }
        let slot = labels.get(r).copied().unwrap_or(usize::MAX);
        if let Some((b, count)) = s.groups.get_mut(slot) {
            b.x += h.x;
            b.y += h.y;
            b.width += h.width;
            b.height += h.height;
            *count += 1;
        }
    }
    for (b, count) in &mut s.groups {
        let k = 1.0 / *count as f64;
        *b = FaceBox {
            x: b.x * k,
            y: b.y * k,
            width: b.width * k,
            height: b.height * k,
        };
    }
    s.groups.retain(|g| g.1 > MIN_NEIGHBOURS);
    labels.clear();
    for (i, &(r1, n1)) in s.groups.iter().enumerate() {
        let inside = s.groups.iter().enumerate().any(|(j, &(r2, n2))| {
            let (dx, dy) = (r2.width * GROUP_EPS, r2.height * GROUP_EPS);
            j != i
                && r1.x >= r2.x - dx
                && r1.y >= r2.y - dy
                && r1.x + r1.width <= r2.x + r2.width + dx
                && r1.y + r1.height <= r2.y + r2.height + dy
                && (n2 > n1.max(3) || n1 < 3)
        });
        labels.push(usize::from(!inside));
    }
    let mut k = 0;
    s.groups.retain(|_| {
        k += 1;
        labels.get(k - 1) == Some(&1)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A drawn face (head, hair, brows, eyes, nose, mouth) `n` px wide at (x, y): enough for
    /// the cascade, so that these tests need no photo.
    pub fn draw_face(img: &mut [u8], w: usize, (x, y): (usize, usize), n: usize) {
        let ellipse = |u: f64, v: f64, cx: f64, cy: f64, rx: f64, ry: f64| {
            let (a, b) = ((u - cx) / rx, (v - cy) / ry);
            a * a + b * b < 1.0
        };
        for py in y..y + n {
            for px in x..x + n {
                let (u, v) = ((px - x) as f64 / n as f64, (py - y) as f64 / n as f64);
                let Some(p) = img.get_mut(py * w + px) else {
                    continue;
                };
                if !ellipse(u, v, 0.5, 0.5, 0.36, 0.46) {
                    continue;
                }
                *p = 185;
                let eye = |ex: f64| ellipse(u, v, ex, 0.42, 0.07, 0.035);
                let brow = |ex: f64| (u - ex).abs() < 0.1 && (v - 0.33).abs() < 0.02;
                if v < 0.22 {
                    *p = 60;
                } else if eye(0.35) || eye(0.65) {
                    *p = 40;
                } else if brow(0.35) || brow(0.65) {
                    *p = 70;
                } else if ellipse(u, v, 0.5, 0.74, 0.14, 0.03) {
                    *p = 80;
                } else if ellipse(u, v, 0.5, 0.62, 0.08, 0.025) {
                    *p = 110;
                } else if (u - 0.5).abs() < 0.04 && v > 0.45 && v < 0.62 {
                    *p = 150;
                }
            }
        }
    }

    /// A 640×480 frame: a soft grey gradient with faces drawn at (centre x, centre y, size).
    fn frame(faces: &[(f64, f64, f64)]) -> Vec<u8> {
        let (w, h) = (640, 480);
        let mut img: Vec<u8> = (0..w * h).map(|i| (70 + (i % w) / 16) as u8).collect();
        for &(cx, cy, n) in faces {
            let pos = ((cx - n / 2.0) as usize, (cy - n / 2.0) as usize);
            draw_face(&mut img, w, pos, n as usize);
        }
        img
    }

    /// The selfie guide in a 640×480 frame (framing::guide with the default margin).
    const OVAL: Rect = Rect {
        x: 169,
        y: 38,
        width: 302,
        height: 403,
    };

    fn run(img: &[u8]) -> FaceReport {
        detect(
            img,
            640,
            480,
            OVAL,
            &FaceConfig::default(),
            &mut FaceScratch::default(),
        )
        .unwrap_or_else(|| panic!("no report"))
    }

    #[test]
    fn the_packed_cascade_is_opencvs_lbp_frontal_face() {
        let mut s = FaceScratch::default();
        load(&mut s).unwrap_or_else(|| panic!("the packed cascade does not decode"));
        assert_eq!(s.stages.len(), 20);
        assert_eq!(s.stumps.len(), 139);
        assert_eq!(s.stages.iter().map(|st| st.0).sum::<usize>(), 139);
        // Stage 0 and its first stump, as in the XML: 3 stumps, threshold -0.7520892;
        // feature 46 = rect 6 5 4 3, first subset word -67130709, leaves -0.654321 0.8888889.
        assert_eq!(s.stages[0].0, 3);
        assert!((s.stages[0].1 - (-0.752_089_2 - 1e-5)).abs() < 1e-6);
        let st = &s.stumps[0];
        assert_eq!(st.rect, [6, 5, 4, 3]);
        assert_eq!(st.subset[0], (-67_130_709i32) as u32);
        assert!((st.left + 0.654_321).abs() < 1e-6 && (st.right - 0.888_888_9).abs() < 1e-6);
        assert!(s.stumps.iter().all(|st| {
            let [x, y, w, h] = st.rect.map(usize::from);
            w > 0 && h > 0 && x + 3 * w <= WINDOW && y + 3 * h <= WINDOW
        }));
    }

    #[test]
    fn lbp_codes_follow_opencvs_bit_order() {
        // 9×9 image of 3×3 blocks; the centre block is 1, `bright` blocks 5, others 0.
        let code = |bright: &[(usize, usize)]| {
            let mut img = [0u8; 81];
            for y in 0..9 {
                for x in 0..9 {
                    let b = (y / 3, x / 3);
                    img[y * 9 + x] = if b == (1, 1) {
                        1
                    } else if bright.contains(&b) {
                        5
                    } else {
                        0
                    };
                }
            }
            let mut sat = vec![0u32; 100];
            for y in 0..9 {
                for x in 0..9 {
                    sat[(y + 1) * 10 + x + 1] =
                        u32::from(img[y * 9 + x]) + sat[y * 10 + x + 1] + sat[(y + 1) * 10 + x]
                            - sat[y * 10 + x];
                }
            }
            let offsets: [u32; 16] = core::array::from_fn(|k| (k / 4 * 3 * 10 + k % 4 * 3) as u32);
            lbp(&sat, 0, &offsets).unwrap_or_else(|| panic!("out of bounds"))
        };
        // scikit-image's example: top-left and bottom-right brighter → 0b1000_1000.
        assert_eq!(code(&[(0, 0), (2, 2)]), 0b1000_1000);
        assert_eq!(code(&[(0, 1), (1, 2), (2, 0)]), 64 | 16 | 2);
        assert_eq!(code(&[]), 0);
        assert_eq!(lbp(&[0; 10], 0, &[20; 16]), None, "outside the image");
    }

    #[test]
    fn windows_pass_exactly_where_scikit_image_says() {
        // Drawn faces n px wide at (9, 8) in a 48×48 frame, every 24×24 window at scale 1:
        // the (row, col) of the windows that scikit-image 0.26's Cascade accepts
        // (detect_multi_scale with min/max size 24, step 1, no grouping).
        let expected: [(usize, &[(usize, usize)]); 7] = [
            (24, &[(8, 10)]),
            (25, &[(9, 10)]),
            (26, &[(9, 11), (10, 10)]),
            (27, &[(10, 11), (10, 12), (11, 12)]),
            (28, &[(11, 10), (11, 12)]),
            (29, &[]),
            (30, &[(12, 11), (12, 12), (12, 13)]),
        ];
        let mut s = FaceScratch::default();
        load(&mut s).unwrap();
        for (n, want) in expected {
            let mut img = vec![90u8; 48 * 48];
            draw_face(&mut img, 48, (9, 8), n);
            assert!(sum_blocks(&img, 48, (0, 0), (48, 48), 1, &mut s));
            let all = [-1e9, -1e9, 1e9, 1e9];
            let level = set_level(&mut s, 1.0, (48, 48), all).unwrap();
            s.hits.clear();
            let mut got = Vec::new();
            for j in level.j.0..=level.j.1 {
                for i in level.i.0..=level.i.1 {
                    if eval(&mut s, &level, i, j, (0, 0), 1) {
                        got.push((j, i));
                    }
                }
            }
            assert_eq!(got, want, "drawn face {n} px");
        }
    }

    #[test]
    fn a_drawn_face_in_the_oval_is_found_of_good_size_and_centred() {
        let report = run(&frame(&[(320.0, 240.0, 180.0)]));
        assert!(report.found && report.count == 1, "{report:?}");
        assert!(!report.too_small && !report.off_center, "{report:?}");
        let f = report.face.unwrap_or_default();
        assert!((f.x + f.width / 2.0 - 320.0).abs() < 20.0, "{f:?}");
        assert!(f.width > 100.0 && f.width < 200.0, "{f:?}");
    }

    #[test]
    fn a_distant_face_is_too_small_and_a_shifted_one_off_center() {
        let small = run(&frame(&[(320.0, 240.0, 90.0)]));
        assert!(
            small.found && small.too_small && !small.off_center,
            "{small:?}"
        );
        let shifted = run(&frame(&[(440.0, 250.0, 170.0)]));
        assert!(
            shifted.found && shifted.off_center && !shifted.too_small,
            "{shifted:?}"
        );
    }

    #[test]
    fn two_faces_in_the_oval_count_two() {
        let report = run(&frame(&[(255.0, 240.0, 120.0), (390.0, 240.0, 120.0)]));
        assert_eq!(report.count, 2, "{report:?}");
    }

    #[test]
    fn flat_and_noisy_frames_have_no_face() {
        let flat = run(&frame(&[]));
        assert!(
            !flat.found && flat.count == 0 && flat.face.is_none(),
            "{flat:?}"
        );
        let mut seed = 12345u32;
        let noise: Vec<u8> = (0..640 * 480)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (seed >> 24) as u8
            })
            .collect();
        assert!(!run(&noise).found);
    }

    #[test]
    fn bad_input_gives_none() {
        let cfg = FaceConfig::default();
        let mut s = FaceScratch::default();
        let img = frame(&[(320.0, 240.0, 180.0)]);
        assert!(detect(&[], 0, 0, OVAL, &cfg, &mut s).is_none());
        assert!(detect(&[0], 1, 1, OVAL, &cfg, &mut s).is_none());
        assert!(
            detect(&img, 640, 481, OVAL, &cfg, &mut s).is_none(),
            "grey too short"
        );
        assert!(
            detect(&img, 23, 100, OVAL, &cfg, &mut s).is_none(),
            "under 24 px"
        );
        let outside = Rect { x: 700, ..OVAL };
        assert!(detect(&img, 640, 480, outside, &cfg, &mut s).is_none());
        let empty = Rect { width: 0, ..OVAL };
        assert!(detect(&img, 640, 480, empty, &cfg, &mut s).is_none());
        // An absurd oval is not bad input: nothing is searched, nothing is found.
        let huge = Rect {
            x: 0,
            y: 0,
            width: usize::MAX,
            height: usize::MAX,
        };
        let report = detect(&img, 640, 480, huge, &cfg, &mut s);
        assert!(report.is_some_and(|r| !r.found));
    }

    #[test]
    fn hits_are_grouped_as_opencv_does() {
        let b = |x: f64, y: f64, size: f64| FaceBox {
            x,
            y,
            width: size,
            height: size,
        };
        // Five similar hits make a face at their mean; three similar ones elsewhere do not
        // (more than 3 needed); a strong group swallows a small one inside it.
        let hits = vec![
            b(100.0, 100.0, 50.0),
            b(102.0, 98.0, 52.0),
            b(98.0, 101.0, 49.0),
            b(101.0, 103.0, 51.0),
            b(99.0, 99.0, 48.0),
            b(300.0, 300.0, 40.0),
            b(302.0, 301.0, 40.0),
            b(301.0, 299.0, 41.0),
            b(110.0, 110.0, 20.0),
            b(111.0, 110.0, 20.0),
            b(110.0, 111.0, 21.0),
            b(111.0, 111.0, 20.0),
        ];
        let mut s = FaceScratch {
            hits,
            ..FaceScratch::default()
        };
        group(&mut s);
        assert_eq!(s.groups.len(), 1, "{:?}", s.groups);
        let (face, n) = s.groups[0];
        assert_eq!(n, 5);
        assert!((face.x - 100.0).abs() < 1e-9 && (face.width - 50.0).abs() < 1e-9);
    }

    #[test]
    fn the_verdict_measures_the_face_against_the_oval() {
        let cfg = FaceConfig::default();
        let oval = Rect {
            x: 100,
            y: 100,
            width: 200,
            height: 300,
        };
        let at = |cx: f64, cy: f64, size: f64| FaceBox {
            x: cx - size / 2.0,
            y: cy - size / 2.0,
            width: size,
            height: size,
        };
        assert_eq!(
            verdict(&at(200.0, 250.0, 110.0), &oval, &cfg),
            (false, false)
        );
        assert_eq!(verdict(&at(200.0, 250.0, 70.0), &oval, &cfg), (true, false));
        // 0.25 of the oval's width to the right; 0.15 of its height down: inside 0.2.
        assert_eq!(
            verdict(&at(250.0, 250.0, 110.0), &oval, &cfg),
            (false, true)
        );
        assert_eq!(
            verdict(&at(200.0, 295.0, 110.0), &oval, &cfg),
            (false, false)
        );
    }

    #[test]
    fn frames_allocate_nothing_once_the_scratch_has_grown() {
        let img = frame(&[(255.0, 240.0, 120.0), (390.0, 240.0, 120.0)]);
        let mut s = FaceScratch::default();
        let cfg = FaceConfig::default();
        let first = detect(&img, 640, 480, OVAL, &cfg, &mut s);
        let capacities = |s: &FaceScratch| {
            [
                s.stumps.capacity(),
                s.acc.capacity(),
                s.sat.capacity(),
                s.hits.capacity(),
                s.coarse.capacity(),
                s.seen.capacity(),
                s.labels.capacity(),
                s.groups.capacity(),
            ]
        };
        let grown = capacities(&s);
        for _ in 0..3 {
            assert_eq!(detect(&img, 640, 480, OVAL, &cfg, &mut s), first);
            assert_eq!(capacities(&s), grown);
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn config() -> ProptestConfig {
            let cases = std::env::var("FUZZ_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(256);
            ProptestConfig {
                cases,
                ..ProptestConfig::default()
            }
        }

        proptest! {
            #![proptest_config(config())]

            /// Any frame up to 200×200 (noise, maybe a drawn face near the oval), any oval
            /// (mostly around the frame, sometimes anywhere), `grey` maybe short: no panic,
            /// and every box (hits and the reported face) is inside the frame.
            #[test]
            fn any_frame_and_oval_gives_boxes_inside_the_frame(
                w in prop_oneof![1 => 0usize..30, 6 => 24usize..200],
                h in prop_oneof![1 => 0usize..30, 6 => 24usize..200],
                short in prop_oneof![6 => Just(0usize), 1 => 1usize..3],
                seed in any::<u32>(),
                noise in 0u32..80,
                oval in prop_oneof![
                    4 => (-0.2..0.6f64, -0.2..0.6f64, 0.05..1.4f64, 0.05..1.4f64)
                        .prop_map(|(x, y, w, h)| (Some((x, y, w, h)), [0; 4])),
                    1 => any::<[usize; 4]>().prop_map(|r| (None, r)),
                ],
                face in proptest::option::of((-0.3..0.3f64, -0.3..0.3f64, 0.3..1.1f64)),
            ) {
                let mut state = seed;
                let mut img: Vec<u8> = (0..w * h)
                    .map(|_| {
                        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                        (100 + (state >> 16) % (noise + 1)) as u8
                    })
                    .collect();
                let oval = match oval {
                    (Some((x, y, ow, oh)), _) => Rect {
                        x: (x.max(0.0) * w as f64) as usize,
                        y: (y.max(0.0) * h as f64) as usize,
                        width: (ow * w as f64) as usize,
                        height: (oh * h as f64) as usize,
                    },
                    (None, [x, y, ow, oh]) => Rect { x, y, width: ow, height: oh },
                };
                if let Some((dx, dy, size)) = face {
                    let n = ((size * oval.width as f64) as usize).min(w).min(h);
                    let c = |o: usize, len: usize, d: f64| o as f64 + len as f64 * (0.5 + d);
                    let x = (c(oval.x, oval.width, dx) - n as f64 / 2.0).max(0.0) as usize;
                    let y = (c(oval.y, oval.height, dy) - n as f64 / 2.0).max(0.0) as usize;
                    draw_face(&mut img, w, (x.min(w - n), y.min(h - n)), n);
                }
                img.truncate(img.len().saturating_sub(short));
                let mut s = FaceScratch::default();
                let Some(report) = detect(&img, w, h, oval, &FaceConfig::default(), &mut s) else {
                    return Ok(());
                };
                prop_assert!(short == 0 && w >= WINDOW && h >= WINDOW);
                let inside = |b: &FaceBox| {
                    b.x >= 0.0 && b.y >= 0.0 && b.width > 0.0 && b.height > 0.0
                        && b.x + b.width <= w as f64 + 1e-9 && b.y + b.height <= h as f64 + 1e-9
                };
                prop_assert!(s.hits.iter().all(inside), "{:?}", s.hits);
                prop_assert_eq!(report.found, report.face.is_some());
                prop_assert_eq!(report.found, report.count > 0);
                if let Some(f) = report.face {
                    prop_assert!(inside(&f), "{:?}", f);
                }
            }
        }
    }
}
