//! One frame's verdict: the quality scores of the region, and — where the guide says what to
//! look for — the document's corners or the face, merged into one list of reasons, most useful
//! first. Frames larger than the analysis size are reduced (block means) before detection, so a
//! 4000-px photo and a 640-px preview are judged alike.

use super::document::{self, DocumentConfig, DocumentReport, DocumentScratch};
use super::face::{self, FaceConfig, FaceScratch};
use super::framing::Guide;
use super::geometry::Point;
use super::quality::{analyze, QualityConfig, QualityReport, Reason, Rect, Scratch};

/// What a frame is checked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// Quality of the whole frame only.
    Whole,
    /// Quality of a rectangle only.
    Region(Rect),
    /// A document of this aspect (width / height) framed by the guide.
    Document {
        /// The framing guide, in frame pixels.
        guide: Guide,
        /// The document's width / height.
        aspect: f64,
    },
    /// One face in the selfie guide (its oval's bounding box).
    Selfie {
        /// The oval's bounding box, in frame pixels.
        guide: Guide,
    },
}

/// Thresholds of every check.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CheckConfig {
    /// Pixel quality.
    pub quality: QualityConfig,
    /// The document's place.
    pub document: DocumentConfig,
    /// The face's place.
    pub face: FaceConfig,
}

/// Reusable buffers of every check.
#[derive(Clone, Debug, Default)]
pub struct CheckScratch {
    quality: Scratch,
    document: DocumentScratch,
    face: FaceScratch,
    small: Vec<u8>,
    sums: Vec<u32>,
}

/// Long side above which a frame is reduced before detection.
const DETECT_LONG_SIDE: usize = 800;

/// Checks a grey frame (`width × height` bytes). `resolution` is the long side of the source
/// (camera or photo). None for unusable input (fewer than 3 × 3 pixels, `grey` too short, a
/// region or guide with nothing inside the frame).
pub fn check(
    grey: &[u8],
    width: usize,
    height: usize,
    target: &Target,
    resolution: u32,
    config: &CheckConfig,
    scratch: &mut CheckScratch,
) -> Option<QualityReport> {
    let region = match target {
        Target::Whole => None,
        Target::Region(r) => Some(*r),
        Target::Document { guide, .. } | Target::Selfie { guide } => Some(rect_of(guide)?),
    };
    let mut report = analyze(
        grey,
        width,
        height,
        region,
        resolution,
        &config.quality,
        &mut scratch.quality,
    )?;
    // detection works on ≤ 800 px: reduce larger frames by an integer factor (for detection
    // only; a frame long and narrow enough to come out under 3 px across is unusable for it:
    // None, like any other)
    let f = width.max(height).div_ceil(DETECT_LONG_SIDE).max(1);
    let (sw, sh) = (width / f, height / f);
    let detects = !matches!(target, Target::Whole | Target::Region(_));
    let small: &[u8] = if f == 1 || !detects {
        grey
    } else {
        if sw < 3 || sh < 3 {
            return None;
        }
        reduce(
            grey,
            width,
            f,
            (sw, sh),
            &mut scratch.small,
            &mut scratch.sums,
        )?;
        &scratch.small
    };
    let k = f as f64;
    match target {
        Target::Whole | Target::Region(_) => {}
        Target::Document { guide, aspect } => {
            let g = scale_guide(guide, 1.0 / k);
            let d = document::detect(
                small,
                sw,
                sh,
                &g,
                *aspect,
                &config.document,
                &mut scratch.document,
            )?;
            report.document = Some(scale_document(d, k));
        }
        Target::Selfie { guide } => {
            let oval = rect_of(&scale_guide(guide, 1.0 / k))?;
            let mut r = face::detect(small, sw, sh, oval, &config.face, &mut scratch.face)?;
            if let Some(b) = r.face.as_mut() {
                (b.x, b.y, b.width, b.height) = (b.x * k, b.y * k, b.width * k, b.height * k);
            }
            report.face = Some(r);
        }
    }
    report.reasons = reasons(&report);
    report.ok = report.reasons.is_empty();
    Some(report)
}

/// Every reason of the report, most useful first: what the camera cannot fix, then light, then
/// where the document or face is, then the picture's defects.
pub fn reasons(r: &QualityReport) -> Vec<Reason> {
    let has = |x: Reason| r.reasons.contains(&x);
    let mut out = Vec::new();
    for x in [Reason::LowResolution, Reason::TooDark, Reason::TooBright] {
        if has(x) {
            out.push(x);
        }
    }
    if let Some(d) = &r.document {
        for (flag, reason) in [
            (d.no_document, Reason::NoDocument),
            (d.partly_outside, Reason::PartlyOutside),
            (d.too_far, Reason::TooFar),
            (d.too_close, Reason::TooClose),
            (d.tilted, Reason::Tilted),
        ] {
            if flag {
                out.push(reason);
            }
        }
    }
    if let Some(f) = &r.face {
        let multiple = f.count > 1;
        for (flag, reason) in [
            (!f.found, Reason::NoFace),
            (multiple, Reason::MultipleFaces),
            (f.found && !multiple && f.too_small, Reason::FaceTooSmall),
            (f.found && !multiple && f.off_center, Reason::FaceOffCenter),
        ] {
            if flag {
                out.push(reason);
            }
        }
    }
    for x in [Reason::Glare, Reason::LowContrast, Reason::Blurry] {
        if has(x) {
            out.push(x);
        }
    }
    out
}

/// The guide as a pixel rectangle clipped to nothing negative; None when not finite.
fn rect_of(g: &Guide) -> Option<Rect> {
    let ok = [g.x, g.y, g.width, g.height]
        .iter()
        .all(|v| v.is_finite() && *v < 1e9);
    ok.then(|| Rect {
        x: g.x.max(0.0) as usize,
        y: g.y.max(0.0) as usize,
        width: g.width.max(0.0) as usize,
        height: g.height.max(0.0) as usize,
    })
}

fn scale_guide(g: &Guide, k: f64) -> Guide {
    Guide {
        x: g.x * k,
        y: g.y * k,
        width: g.width * k,
        height: g.height * k,
        ellipse: g.ellipse,
    }
}

fn scale_document(mut d: DocumentReport, k: f64) -> DocumentReport {
    if let Some(c) = d.corners.as_mut() {
        for p in c.iter_mut() {
            *p = Point::new(p.x * k, p.y * k);
        }
    }
    d
}

/// Block means of f × f pixels into `out` (`sw × sh`).
fn reduce(
    grey: &[u8],
    width: usize,
    f: usize,
    (sw, sh): (usize, usize),
    out: &mut Vec<u8>,
    sums: &mut Vec<u32>,
) -> Option<()> {
    if sw == 0 || f == 0 {
        return None;
    }
    out.clear();
    out.resize(sw * sh, 0);
    sums.clear();
    sums.resize(sw, 0);
    let area = (f * f) as u32;
    for (y, row_out) in out.chunks_exact_mut(sw).enumerate() {
        sums.iter_mut().for_each(|s| *s = 0);
        for dy in 0..f {
            let start = (y * f + dy) * width;
            let row = grey.get(start..start + sw * f)?;
            for (s, block) in sums.iter_mut().zip(row.chunks_exact(f)) {
                *s += block.iter().map(|v| u32::from(*v)).sum::<u32>();
            }
        }
        for (o, s) in row_out.iter_mut().zip(sums.iter()) {
            *o = (s / area) as u8;
        }
    }
    Some(())
}
