//! Where the document is in the guide: its four corners, or that it is absent.
//!
//! The detector looks for each side of the document in a band around the matching side of the
//! framing guide (the idea of Onfido's overlay bands and of Smart Engines' zones: the proportions
//! and the rough place are known, so each side has its own search zone):
//!
//! 1. **Edge candidates.** Each band is crossed by scanlines (about every 8 px, the middle 80 %
//!    of the guide side). Along each scanline the grey level, averaged over 5 px along the side,
//!    is differentiated across the side (kernel −1 −1 0 1 1); the strongest local extrema become
//!    candidates, signed so that + means "brighter on the inner side".
//! 2. **Lines.** Candidates vote in a small Hough space per side (offset × ±20° of angle, one per
//!    polarity); the best peaks are placed to a sixth of the angle step, then refitted by least
//!    squares on their candidates.
//! 3. **Quadrilateral.** Every combination of one line per side — or of three sides, the fourth
//!    placed from the document's known aspect (a finger, or glare, can hide one side; once
//!    refined, in perspective) — is checked: convex, corners 90° ± 25°, the aspect within
//!    ± 15 %, the same polarity on every side but at most one (a dark band along one edge); the
//!    best supported wins.
//! 4. **Refinement and proof.** Each side is sampled along the quadrilateral (ends left out: ID-1
//!    corners are rounded and fingers hold them); the edge is located to a tenth of a pixel and
//!    the side refitted, twice. The document is *found* only if the sides are supported along
//!    most of their length, are steps and not thin lines (the mean level 2–5 px inside differs
//!    from 2–5 px outside: brick joints, text strokes and wood grain are lines), and the inside is
//!    printed (a blank sheet is not a document).
//!
//! Per frame it allocates nothing once its scratch has grown, and reads about 100 000 pixels of
//! a 640 × 360 frame.

use super::framing::Guide;
use super::geometry::{
    area, atan2, centroid, corner_angles, is_convex, max_corner_distance, sides, true_aspect,
    unseen_corners, Homography, Line, Point, Quad,
};
use serde::Serialize;
use tsify::Tsify;

/// Thresholds of the document verdict.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DocumentConfig {
    /// Below this area against the guide's: `too_far` (0.55: the document's sides are then
    /// about three quarters of the guide's).
    pub min_coverage: f64,
    /// Above: `too_close` (1.25).
    pub max_coverage: f64,
    /// Above this tilt in degrees (rotation in the frame, or a corner's angle away from 90°
    /// when the document is held at a slant): `tilted` (12).
    pub max_skew_degrees: f64,
    /// Corners closer than this share of the frame's width/height to its edge:
    /// `partly_outside` (0.02, as BlinkID's margin).
    pub edge_margin: f64,
}

impl Default for DocumentConfig {
    fn default() -> Self {
        DocumentConfig {
            min_coverage: 0.55,
            max_coverage: 1.25,
            max_skew_degrees: 12.0,
            edge_margin: 0.02,
        }
    }
}

/// Where the document is (what the detector found in one frame).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
#[tsify(missing_as_null)]
pub struct DocumentReport {
    /// Whether the document's four corners were found inside the frame.
    pub found: bool,
    /// Top-left, top-right, bottom-right, bottom-left, in frame pixels; null when not found.
    #[tsify(type = "[Corner, Corner, Corner, Corner] | null")]
    pub corners: Option<Quad>,
    /// The document's area against the guide's (0 when not found); too_far below 0.55,
    /// too_close above 1.25 by default.
    pub coverage: f64,
    /// The larger of its rotation and of its corners' deviation from 90°, in degrees; tilted
    /// above 12 by default.
    pub skew_degrees: f64,
    /// No document in the guide.
    #[serde(skip)]
    pub no_document: bool,
    /// The document reaches (or crosses) the frame's edge.
    #[serde(skip)]
    pub partly_outside: bool,
    /// The document is too small in the guide.
    #[serde(skip)]
    pub too_far: bool,
    /// The document is larger than the guide.
    #[serde(skip)]
    pub too_close: bool,
    /// The document is rotated or held at a slant.
    #[serde(skip)]
    pub tilted: bool,
}

impl DocumentReport {
    fn absent() -> Self {
        DocumentReport {
            found: false,
            corners: None,
            coverage: 0.0,
            skew_degrees: 0.0,
            no_document: true,
            partly_outside: false,
            too_far: false,
            too_close: false,
            tilted: false,
        }
    }

    /// Whether the document is where it should be (found, no issue).
    pub fn ok(&self) -> bool {
        self.found
            && !(self.no_document
                || self.partly_outside
                || self.too_far
                || self.too_close
                || self.tilted)
    }
}

/// Reusable buffers of the detector.
#[derive(Clone, Debug, Default)]
pub struct DocumentScratch {
    profile: Vec<u16>,
    derivative: Vec<i16>,
    magnitude: Vec<i16>,
    clipped: Vec<i16>,
    votes: Vec<i16>,
    /// The document of the previous frame (corners, polarity per side), to track.
    last: Option<(Quad, [Option<f64>; 4])>,
    points: Vec<(f64, f64, f64)>,
    steps: Vec<f64>,
}

impl DocumentScratch {
    /// Forgets the previous frame's document: the next frame is searched whole (a new scene).
    pub fn forget(&mut self) {
        self.last = None;
    }
}

/// One of the four sides of the guide.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    Top,
    Right,
    Bottom,
    Left,
}

const SIDES: [Side; 4] = [Side::Top, Side::Right, Side::Bottom, Side::Left];

/// Where a side is searched: scanlines at `along` positions, each `across` a band.
#[derive(Clone, Copy, Debug)]
struct Band {
    /// Whether the edge runs horizontally (top, bottom): scanlines are columns.
    horizontal: bool,
    /// +1 when the inside lies towards growing `across`.
    inward: f32,
    first: usize,
    step: usize,
    scanlines: usize,
    lo: usize,
    len: usize,
}

/// A quadrilateral's score, corners and sides (None: placed from the aspect).
type Hypothesis = (f64, Quad, [Option<SideLine>; 4]);

/// A straight side hypothesis.
#[derive(Clone, Copy, Debug)]
struct SideLine {
    line: Line,
    polarity: f32,
    support: f32,
}

/// Lines kept per side: 5 of one sign, the best of either sign unless already there, and the
/// outer edge of a band along the strongest (`band_outer_edge`).
const PEAKS: usize = 7;
const SIGNED_PEAKS: usize = 5;
const MIXED_PEAKS: usize = 1;
/// Quadrilaterals given a quick look along their sides (of four sides, of three), and a full
/// one.
const FOUR_SIDED: usize = 6;
const THREE_SIDED: usize = 6;
/// Hypotheses of each band's outermost line (`best_hypotheses`): of three with each side missing
/// in turn, and of four.
const OUTERMOST: usize = 5;
const FULL_PROOFS: usize = 2;
/// Projection angles: tan from −0.36 to 0.36 (±20°), 4° apart (the fit that follows finds the
/// exact angle).
const ANGLES: usize = 21;
const MAX_TAN: f32 = 0.36;
/// Least derivative (5-px sums, kernel −1 −1 0 1 1) of an edge point: a step of 3 grey levels.
const MIN_DERIVATIVE: i32 = 30;
/// Derivatives are clipped here before they are projected (a step of 40 grey levels), so that
/// a line's score grows with its length more than with its contrast: the document's border is
/// long, print inside it is contrasted but short.
const CLIP: i16 = 400;

/// Finds the document of aspect `aspect` (width / height) framed by `guide` in a grey frame.
/// None only for unusable input (frame under 16 px, `grey` too short, a guide outside the
/// frame or not finite).
pub fn detect(
    grey: &[u8],
    width: usize,
    height: usize,
    guide: &Guide,
    aspect: f64,
    config: &DocumentConfig,
    scratch: &mut DocumentScratch,
) -> Option<DocumentReport> {
    if width < 16 || height < 16 || grey.len() < width.checked_mul(height)? {
        return None;
    }
    let g = [guide.x, guide.y, guide.width, guide.height];
    if !g.iter().all(|v| v.is_finite())
        || guide.width < 8.0
        || guide.height < 8.0
        || !(aspect.is_finite() && aspect > 0.1 && aspect < 10.0)
    {
        return None;
    }
    let (fw, fh) = (width as f64, height as f64);
    if guide.x >= fw
        || guide.y >= fh
        || guide.x + guide.width <= 0.0
        || guide.y + guide.height <= 0.0
    {
        return None;
    }
    let frame = Frame {
        grey,
        width,
        height,
    };
    Some(match prove(&frame, guide, aspect, scratch) {
        Some(proof) => judge(proof, guide, width, height, config),
        None => DocumentReport::absent(),
    })
}

/// The best-supported quadrilateral and its evidence; None when nothing plausible is there.
fn prove(
    frame: &Frame<'_>,
    guide: &Guide,
    aspect: f64,
    scratch: &mut DocumentScratch,
) -> Option<Proof> {
    // a document seen in the previous frame is looked for where it was first: a frame from a
    // steady hand costs one proof instead of the whole search
    if let Some((quad, polarity)) = scratch.last.take() {
        let centre = centre(guide);
        let quick = refine_with(
            frame,
            quad,
            polarity,
            aspect,
            centre,
            scratch,
            Effort::Quick,
            TRACKED_SCORE,
        );
        if quick.is_some_and(|p| p.score() >= TRACKED_SCORE) {
            if let Some(mut p) = refine(
                frame,
                quad,
                polarity,
                aspect,
                centre,
                scratch,
                TRACKED_SCORE,
            ) {
                if p.score() >= TRACKED_SCORE && plausible(frame, &p.quad, aspect, guide).is_some()
                {
                    p.print = print_inside(frame, &p.quad);
                    scratch.last = Some((p.quad, p.polarity));
                    return Some(p);
                }
            }
        }
    }
    let proof = search(frame, guide, aspect, scratch);
    scratch.last = proof.as_ref().map(|p| (p.quad, p.polarity));
    proof
}

/// Keeps `h` among the best distinct hypotheses of `pool`: a near-duplicate (corners within
/// 3 px) is replaced when `h` scores higher, else the lowest is.
fn keep_best(pool: &mut [Option<Hypothesis>], h: Hypothesis) {
    if let Some(slot) = pool
        .iter_mut()
        .find(|x| x.is_some_and(|(_, q, _)| max_corner_distance(&q, &h.1) <= 3.0))
    {
        if slot.is_some_and(|(s, _, _)| h.0 > s) {
            *slot = Some(h);
        }
        return;
    }
    if let Some(slot) = pool.iter_mut().min_by(|a, b| {
        a.map_or(f64::MIN, |x| x.0)
            .total_cmp(&b.map_or(f64::MIN, |x| x.0))
    }) {
        if slot.is_none_or(|(s, _, _)| h.0 > s) {
            *slot = Some(h);
        }
    }
}

/// A proof at least this good in the previous frame's place is kept without a search.
const TRACKED_SCORE: f64 = 0.7;

/// The whole search: lines in the bands, quadrilaterals, their proofs.
fn search(
    frame: &Frame<'_>,
    guide: &Guide,
    aspect: f64,
    scratch: &mut DocumentScratch,
) -> Option<Proof> {
    let (width, height) = (frame.width, frame.height);
    let mut lines = [[None::<SideLine>; PEAKS]; 4];
    for (side, slot) in SIDES.iter().zip(lines.iter_mut()) {
        if let Some(band) = band(*side, guide, width, height) {
            *slot = side_lines(frame, &band, scratch);
        }
    }
    // the best few distinct hypotheses by their lines' support…
    let mut four: [Option<Hypothesis>; FOUR_SIDED] = [None; FOUR_SIDED];
    let mut three: [Option<Hypothesis>; THREE_SIDED] = [None; THREE_SIDED];
    let mut outer: [Option<Hypothesis>; OUTERMOST] = [None; OUTERMOST];
    best_hypotheses(
        frame,
        &lines,
        aspect,
        guide,
        [&mut four, &mut three, &mut outer],
    );
    let best = four.iter().chain(three.iter()).chain(outer.iter());
    // …then a quick look along each, and a full one for the best few, each completed (a side
    // placed from the aspect looked for) before they are compared: a card with one faint side
    // scores as three sides until then, and lost to print inside it that showed four; the best
    // proof, refined once more after its completion (which may place a weak side from the
    // aspect again: `refine_with`), or kept as it is when that refinement finds no quadrilateral
    let centre = centre(guide);
    let mut quick: [Option<(f64, Hypothesis)>; FULL_PROOFS] = [None; FULL_PROOFS];
    for h in best.flatten() {
        let polarity = h.2.map(|s| s.map(|s| f64::from(s.polarity)));
        // the lower of the two places: once both are taken, a look must beat it to take it
        let Some(slot) = quick.iter_mut().min_by(|a, b| {
            a.map_or(f64::MIN, |x| x.0)
                .total_cmp(&b.map_or(f64::MIN, |x| x.0))
        }) else {
            continue;
        };
        let need = slot.map_or(f64::NEG_INFINITY, |x| x.0);
        let look = refine_with(
            frame,
            h.1,
            polarity,
            aspect,
            centre,
            scratch,
            Effort::Quick,
            need,
        );
        let Some(p) = look else {
            continue;
        };
        let score = p.score();
        if slot.is_none_or(|(s, _)| score > s) {
            *slot = Some((score, *h));
        }
    }
    let mut winner: Option<Proof> = None;
    for (_, (_, quad, chosen)) in quick.iter().flatten() {
        let polarity = chosen.map(|s| s.map(|s| f64::from(s.polarity)));
        let Some(p) = refine(
            frame,
            *quad,
            polarity,
            aspect,
            centre,
            scratch,
            f64::NEG_INFINITY,
        ) else {
            continue;
        };
        let p = complete(frame, p, &lines, aspect, guide, scratch);
        let p = near_placed(frame, p, aspect, guide, scratch);
        if winner.as_ref().is_none_or(|w| p.score() > w.score()) {
            winner = Some(p);
        }
    }
    let proof = winner?;
    let proof = refine(
        frame,
        proof.quad,
        proof.polarity,
        aspect,
        centre,
        scratch,
        f64::NEG_INFINITY,
    )
    .unwrap_or(proof);
    let mut proof = outermost(frame, proof, &lines, aspect, guide, scratch);
    proof.print = print_inside(frame, &proof.quad);
    Some(proof)
}

/// A proof with a side placed from the aspect, where that side's band has a line that makes a
/// better-scoring quadrilateral of four: the fourth side was seen after all (placing it from the
/// aspect measured in the frame is off under perspective; glare or a weak step can cost a side
/// its place among the hypotheses).
fn complete(
    frame: &Frame<'_>,
    proof: Proof,
    lines: &[[Option<SideLine>; PEAKS]; 4],
    aspect: f64,
    guide: &Guide,
    s: &mut DocumentScratch,
) -> Proof {
    let Some(missing) = proof.support.iter().position(Option::is_none) else {
        return proof;
    };
    let mut best: Option<Proof> = None;
    for c in lines.get(missing).into_iter().flatten().flatten() {
        let bar = best.as_ref().map_or(proof.score(), Proof::score);
        // (its weakest side may be dropped for this one: glare over the other side)
        let need = Need {
            quick: above(bar),
            full: bar,
        };
        let four = proof_with(frame, &proof, &[(missing, c)], aspect, guide, need, s);
        if let Some(four) = four.filter(|f| f.score() > bar) {
            best = Some(four);
        }
    }
    best.unwrap_or(proof)
}

/// How far (px) either end of a side placed from the aspect its edge is looked for.
const NEAR: usize = 16;
/// Positions along that side where it is looked for.
const NEAR_SAMPLES: usize = 24;
/// The widest offset `line_near` looks at, px.
const NEAR_SPAN: usize = 24;

/// A side still placed from the aspect is looked for near where the aspect put it: under
/// perspective the aspect is a few pixels off, and a border faint or of changing sign (a dark
/// header against a background dark on one part, light on the other) is not among its band's
/// strongest lines, print inside the card is. Edges of either sign on profiles across that
/// side, then the straight line through the most of them (`line_near`: a small Hough transform
/// over its offsets at the side's two ends), proved like any other side, and kept when the proof
/// scores higher and stays proven.
fn near_placed(
    frame: &Frame<'_>,
    proof: Proof,
    aspect: f64,
    guide: &Guide,
    s: &mut DocumentScratch,
) -> Proof {
    let Some(missing) = proof.support.iter().position(Option::is_none) else {
        return proof;
    };
    let Some((axis, len)) = sides(&proof.quad)
        .get(missing)
        .and_then(|(p, q)| Axis::new(*p, *q))
    else {
        return proof;
    };
    let w = NEAR as isize;
    let Some(c) = line_near(frame, &axis, len, -w, w, s) else {
        return proof;
    };
    let need = Need {
        quick: f64::NEG_INFINITY,
        full: proof.score(),
    };
    match proof_with(frame, &proof, &[(missing, &c)], aspect, guide, need, s) {
        Some(four)
            if four.side_support(missing).unwrap_or(0.0) >= MIN_SIDE_SUPPORT
                && four.score() > proof.score()
                && (sides_proven(&four) || !sides_proven(&proof)) =>
        {
            four
        }
        _ => proof,
    }
}

/// The straight edge of either sign (polarity 0) crossing the most of `NEAR_SAMPLES` profiles
/// across the side `axis` (of length `len`) between offsets `lo` and `hi` px (positive:
/// inwards) at both its ends (within a pixel), found by a small Hough transform over where it
/// crosses the ends; its support is the share it crosses. None when fewer than half.
fn line_near(
    frame: &Frame<'_>,
    axis: &Axis,
    len: f64,
    lo: isize,
    hi: isize,
    s: &mut DocumentScratch,
) -> Option<SideLine> {
    let (lo, hi) = (lo.max(-(NEAR_SPAN as isize)), hi.min(NEAR_SPAN as isize));
    if hi <= lo {
        return None;
    }
    // edge points (fraction along, offset across, profile), on profiles from lo − 3 to hi + 3
    s.points.clear();
    let mut prof = [0.0f64; 2 * NEAR_SPAN + 7];
    let used = (hi - lo) as usize + 7;
    for k in 0..NEAR_SAMPLES {
        let f = 0.08 + 0.84 * (k as f64 + 0.5) / NEAR_SAMPLES as f64;
        let t = len * f;
        let mut inside = true;
        for (j, v) in prof.iter_mut().take(used).enumerate() {
            let c = axis.at(t, (lo - 3) as f64 + j as f64);
            let mut sum = 0.0;
            for d in [-2.0, 0.0, 2.0] {
                match frame.sample(c.x + axis.u.0 * d, c.y + axis.u.1 * d) {
                    Some(v) => sum += v,
                    None => inside = false,
                }
            }
            *v = sum / 3.0;
        }
        if !inside {
            continue;
        }
        let at = |j: usize| prof.get(j).copied().unwrap_or(0.0);
        let g = |j: usize| {
            ((at(j + 1) + at(j + 2) - at(j.saturating_sub(1)) - at(j.saturating_sub(2))) / 2.0)
                .abs()
        };
        for j in 3..used - 3 {
            let v = g(j);
            if v >= 3.0 && v > g(j - 1) && v >= g(j + 1) {
                s.points.push((f, (lo - 3) as f64 + j as f64, k as f64));
            }
        }
    }
    let mut best = (0usize, 0isize, 0isize);
    for o0 in lo..=hi {
        for o1 in lo..=hi {
            let (mut n, mut last) = (0usize, -1.0);
            for (f, o, k) in &s.points {
                let on = (1.0 - f) * o0 as f64 + f * o1 as f64;
                if *k != last && (o - on).abs() <= 1.0 {
                    n += 1;
                    last = *k;
                }
            }
            if n > best.0 {
                best = (n, o0, o1);
            }
        }
    }
    let (n, o0, o1) = best;
    if (n as f64) < MIN_SIDE_SUPPORT * NEAR_SAMPLES as f64 {
        return None;
    }
    let (a, b) = (axis.at(0.0, o0 as f64), axis.at(len, o1 as f64));
    Line::through(a, b.x - a.x, b.y - a.y).map(|line| SideLine {
        line,
        polarity: 0.0,
        support: n as f32 / NEAR_SAMPLES as f32,
    })
}

/// What a proof must score to be of use to its caller: a look sure to score less (its score
/// with the continuation check counted as zero is already less) stops before that check
/// (`refine_with`).
#[derive(Clone, Copy)]
struct Need {
    /// Unless −∞, a quick look comes first and must score at least this.
    quick: f64,
    /// The full proof's least useful score (the caller tests the proof it gets).
    full: f64,
}

/// The least score above `x` (scores are finite and never below zero): "more than x" as "at
/// least" for `Need`.
fn above(x: f64) -> f64 {
    f64::from_bits(x.abs().to_bits().saturating_add(1))
}

/// The proof with the lines of `with` (side, line; a line's polarity 0 for either sign) in place
/// of those sides, when that makes a plausible quadrilateral and may score what `need.full` asks
/// (the caller tests it); unless `need.quick` is −∞, a quick look along it must score that first
/// (most candidate lines are print or background: the full proof is the costly part).
#[allow(clippy::too_many_arguments)]
fn proof_with(
    frame: &Frame<'_>,
    proof: &Proof,
    with: &[(usize, &SideLine)],
    aspect: f64,
    guide: &Guide,
    need: Need,
    s: &mut DocumentScratch,
) -> Option<Proof> {
    let centre = centre(guide);
    let quad = quad_from_sides(located_with(proof, with), aspect, centre, None)?;
    plausible(frame, &quad, aspect, guide)?;
    let mut polarity = proof.polarity;
    for (i, c) in with {
        if let Some(p) = polarity.get_mut(*i) {
            *p = Some(f64::from(c.polarity));
        }
    }
    let least = need.quick;
    if least > f64::NEG_INFINITY {
        let look = refine_with(
            frame,
            quad,
            polarity,
            aspect,
            centre,
            s,
            Effort::Quick,
            least,
        )?;
        if look.score() < least {
            return None;
        }
    }
    refine(frame, quad, polarity, aspect, centre, s, need.full)
}

/// The proof's located sides as lines (None for one placed from the aspect), those of `with`
/// replaced.
fn located_with(proof: &Proof, with: &[(usize, &SideLine)]) -> [Option<Line>; 4] {
    let now = sides(&proof.quad);
    let mut out = [None; 4];
    for (j, (l, present)) in out.iter_mut().zip(proof.polarity.iter()).enumerate() {
        *l = if let Some((_, c)) = with.iter().find(|(i, _)| *i == j) {
            Some(c.line)
        } else if present.is_some() {
            now.get(j)
                .and_then(|(p, q)| Line::through(*p, q.x - p.x, q.y - p.y))
        } else {
            None
        };
    }
    out
}

/// The document's border is the outermost of nested edges: a dark band along a card's edge, its
/// photo block or its MRZ make straight, well-supported edges just inside it. Two adjacent
/// sides first (`outer_pair`), then for each side, a line found a little further out, nearly
/// parallel, that keeps the shape plausible and is as well supported, replaces it.
fn outermost(
    frame: &Frame<'_>,
    mut proof: Proof,
    lines: &[[Option<SideLine>; PEAKS]; 4],
    aspect: f64,
    guide: &Guide,
    s: &mut DocumentScratch,
) -> Proof {
    proof = outer_pair(frame, proof, lines, aspect, guide, s);
    for (i, peaks) in lines.iter().enumerate() {
        let sides_now = sides(&proof.quad);
        let (Some((a, b)), Some(Some(support))) = (sides_now.get(i), proof.support.get(i)) else {
            continue;
        };
        let Some(current) = Line::through(*a, b.x - a.x, b.y - a.y) else {
            continue;
        };
        let outer = outer_lines(peaks, &proof.quad, &current);
        let mut wider = outer
            .iter()
            .flatten()
            .find_map(|c| outer_side(frame, &proof, i, c, *support, aspect, guide, s));
        // then the straight edge of either sign just outside, however faint: a dark header
        // against a dark background (or one dark on a part only) is not among the band's lines.
        // Only where the proportions say a side is off (a side on a header's inner edge costs
        // them a few per cent): the look costs about a full proof per side.
        if wider.is_none() && sides_proven(&proof) && proof.fit < OUTER_FIT {
            let near = Axis::new(*a, *b).and_then(|(axis, len)| {
                line_near(frame, &axis, len, -(OUTER_NEAR as isize), -3, s)
            });
            if let Some(c) = near {
                wider = outer_side(frame, &proof, i, &c, *support, aspect, guide, s);
            }
        }
        if let Some(w) = wider {
            proof = w;
        }
    }
    proof
}

/// The band's lines a little further out than `current` (a side of `quad`) and nearly parallel
/// to it, outermost first.
fn outer_lines(
    peaks: &[Option<SideLine>; PEAKS],
    quad: &Quad,
    current: &Line,
) -> [Option<SideLine>; PEAKS] {
    let inside = centroid(quad);
    // how far the side is from the centre, and how far out a line may be
    let depth = current.distance(inside).abs();
    let mut outer = peaks.map(|c| {
        c.filter(|c| {
            let d = c.line.distance(inside).abs();
            let turn = (c.line.angle_degrees() - current.angle_degrees()).abs();
            d > depth + 1.5 && d < depth * 3.0 && turn.min(180.0 - turn) < 4.0
        })
    });
    let far = |c: &Option<SideLine>| c.map_or(-1.0, |c| c.line.distance(inside).abs());
    insertion_sort(&mut outer, |x, y| far(x) > far(y));
    outer
}

/// Share of its score that `outer_pair` may give up for the two sides further out (0.5–0.8
/// chose the same sides on the tuning frames; 1 kept most inner quadrilaterals).
const PAIR_SHARE: f64 = 0.7;

/// A side of the sign opposite to the other three's is often print (where a text column starts)
/// when its band has a line of their sign further out. With a card's strip along the next side
/// (its inner edge, a stronger line than the border, taken for that side) the two inner lines
/// keep the aspect and neither can move out alone: the other then runs on past a corner, and
/// the true top is a faint step. Both are moved out together, to the best pair of the two
/// bands' lines further out, when the dissenting side is as well supported there, all four
/// sides are located, the document stays proven and keeps `PAIR_SHARE` of its score.
fn outer_pair(
    frame: &Frame<'_>,
    proof: Proof,
    lines: &[[Option<SideLine>; PEAKS]; 4],
    aspect: f64,
    guide: &Guide,
    s: &mut DocumentScratch,
) -> Proof {
    let brighter = proof
        .polarity
        .iter()
        .flatten()
        .filter(|p| **p > 0.0)
        .count();
    let darker = proof
        .polarity
        .iter()
        .flatten()
        .filter(|p| **p < 0.0)
        .count();
    if brighter + darker != 4 || brighter.min(darker) != 1 {
        return proof;
    }
    let majority = if brighter == 3 { 1.0 } else { -1.0 };
    let Some(d) = proof.polarity.iter().position(|p| *p == Some(-majority)) else {
        return proof;
    };
    let now = sides(&proof.quad);
    let line_of = |i: usize| {
        now.get(i)
            .and_then(|(p, q)| Line::through(*p, q.x - p.x, q.y - p.y))
    };
    let (Some(current), Some(peaks)) = (line_of(d), lines.get(d)) else {
        return proof;
    };
    let Some(d_support) = proof.side_support(d) else {
        return proof;
    };
    let outer_d = outer_lines(peaks, &proof.quad, &current);
    let mut best: Option<Proof> = None;
    // (the best pair whatever the order they are tried in: each must beat the best so far)
    for n in [(d + 1) % 4, (d + 3) % 4] {
        let (Some(n_line), Some(n_peaks)) = (line_of(n), lines.get(n)) else {
            continue;
        };
        let outer_n = outer_lines(n_peaks, &proof.quad, &n_line);
        for cd in outer_d
            .iter()
            .flatten()
            .filter(|c| f64::from(c.polarity) == majority)
        {
            for cn in outer_n.iter().flatten() {
                let bar = best
                    .as_ref()
                    .map_or(PAIR_SHARE * proof.score(), Proof::score);
                let need = Need {
                    quick: f64::NEG_INFINITY,
                    full: bar,
                };
                let with = [(d, cd), (n, cn)];
                let Some(wider) = proof_with(frame, &proof, &with, aspect, guide, need, s) else {
                    continue;
                };
                let as_supported = wider.side_support(d).unwrap_or(0.0) >= d_support;
                if as_supported
                    && wider.support.iter().flatten().count() == 4
                    && sides_proven(&wider)
                    && wider.score() >= bar
                {
                    best = Some(wider);
                }
            }
        }
    }
    best.unwrap_or(proof)
}

/// How far out (px) `outermost` looks for a faint edge past a side of a proven document, and how
/// much better a proof with it must score (a shadow or the rounded rim just outside a card is as
/// good a line as its border, with no gain).
const OUTER_NEAR: usize = 22;
const FAINT_GAIN: f64 = 0.02;
/// Proportions' fit under which `outermost` looks for a faint edge (about 1 % off).
const OUTER_FIT: f64 = 0.9;

/// The proof with `c` in place of its side `i` (supported `support`), when that is as good a
/// document: the side, once refitted, still at least 2.5 px further out than the one it replaces
/// (not back on it, nor on a shadow or the rounded rim just outside a border), as well
/// supported (however faint: the step does not count here), no side weaker, no more running on
/// past the corners, no lower score; and for a line of either sign (the faint look), a score
/// higher by `FAINT_GAIN` and a proof that stays proven.
#[allow(clippy::too_many_arguments)]
fn outer_side(
    frame: &Frame<'_>,
    proof: &Proof,
    i: usize,
    c: &SideLine,
    support: f64,
    aspect: f64,
    guide: &Guide,
    s: &mut DocumentScratch,
) -> Option<Proof> {
    let need = Need {
        quick: 0.8 * proof.score(),
        full: proof.score(),
    };
    let wider = proof_with(frame, proof, &[(i, c)], aspect, guide, need, s)?;
    // still out there once refitted (not back on the side it was to replace)
    let middle = |q: &Quad| {
        sides(q)
            .get(i)
            .map(|(p, q)| Point::new((p.x + q.x) / 2.0, (p.y + q.y) / 2.0))
    };
    let inside = centroid(&proof.quad);
    if middle(&wider.quad)?.distance(inside) < middle(&proof.quad)?.distance(inside) + 2.5 {
        return None;
    }
    let side_support = wider.side_support(i).unwrap_or(0.0);
    let weaker = wider
        .support
        .iter()
        .zip(proof.support.iter())
        .any(|(w, p)| w.unwrap_or(0.0) < 0.9 * p.unwrap_or(0.0));
    (side_support >= 0.9 * support
        && !weaker
        && wider.beyond <= proof.beyond
        && (c.polarity != 0.0
            || wider.score() >= proof.score() + FAINT_GAIN && sides_proven(&wider))
        && wider.score() >= proof.score())
    .then_some(wider)
}

/// The grey frame.
struct Frame<'a> {
    grey: &'a [u8],
    width: usize,
    height: usize,
}

impl Frame<'_> {
    /// The camera's principal point (the frame's centre) and focal length (a guess: phones and
    /// webcams have about the frame's long side), in pixels.
    fn camera(&self) -> (Point, f64) {
        let (w, h) = (self.width as f64, self.height as f64);
        (Point::new(w / 2.0, h / 2.0), w.max(h))
    }

    /// Bilinear sample at continuous coordinates (pixel centres at +0.5); None outside.
    #[inline(always)]
    fn sample(&self, x: f64, y: f64) -> Option<f64> {
        let (fx, fy) = (x - 0.5, y - 0.5);
        if !(fx >= 0.0 && fy >= 0.0) {
            return None;
        }
        let (ix, iy) = (fx as usize, fy as usize);
        if ix + 1 >= self.width || iy + 1 >= self.height {
            return None;
        }
        let (tx, ty) = (fx - ix as f64, fy - iy as f64);
        let i = iy * self.width + ix;
        let row0 = self.grey.get(i..i + 2)?;
        let row1 = self.grey.get(i + self.width..i + self.width + 2)?;
        let (a, b) = (f64::from(*row0.first()?), f64::from(*row0.get(1)?));
        let (c, d) = (f64::from(*row1.first()?), f64::from(*row1.get(1)?));
        let top = a + (b - a) * tx;
        let bottom = c + (d - c) * tx;
        Some(top + (bottom - top) * ty)
    }

    /// The pixel under continuous coordinates (a quick look needs no interpolation).
    #[inline(always)]
    fn nearest(&self, x: f64, y: f64) -> Option<f64> {
        if !(x >= 0.0 && y >= 0.0) {
            return None;
        }
        let (ix, iy) = (x as usize, y as usize);
        if ix >= self.width || iy >= self.height {
            return None;
        }
        self.grey.get(iy * self.width + ix).map(|v| f64::from(*v))
    }
}

/// The search band of one side, clipped to the frame (None when nothing of it is inside).
fn band(side: Side, g: &Guide, width: usize, height: usize) -> Option<Band> {
    let horizontal = matches!(side, Side::Top | Side::Bottom);
    // along the side: its middle 80 %; across: 25 % of the guide outwards, 32 % inwards
    let (along0, along_len, along_max) = if horizontal {
        (g.x, g.width, width)
    } else {
        (g.y, g.height, height)
    };
    let (depth, across_max) = if horizontal {
        (g.height, height)
    } else {
        (g.width, width)
    };
    let (edge, inward) = match side {
        Side::Top => (g.y, 1.0),
        Side::Bottom => (g.y + g.height, -1.0),
        Side::Left => (g.x, 1.0),
        Side::Right => (g.x + g.width, -1.0),
    };
    let (outer, inner) = (edge - inward * 0.25 * depth, edge + inward * 0.32 * depth);
    let lo = outer.min(inner).max(3.0);
    let hi = outer.max(inner).min(across_max as f64 - 3.0);
    let start = (along0 + 0.1 * along_len).max(3.0);
    let end = (along0 + 0.9 * along_len).min(along_max as f64 - 3.0);
    if hi - lo < 12.0 || end - start < 16.0 {
        return None;
    }
    let scanlines = ((end - start) / 10.0).clamp(6.0, MAX_SCANLINES as f64) as usize;
    let step = (((end - start) / scanlines as f64) as usize).max(1);
    Some(Band {
        horizontal,
        inward: inward as f32,
        first: start as usize,
        step,
        scanlines,
        lo: lo as usize,
        len: (hi - lo) as usize,
    })
}

/// Fills `profile` with 5-px sums along the side, scanline after scanline.
fn profiles(frame: &Frame<'_>, b: &Band, profile: &mut Vec<u16>) {
    profile.clear();
    profile.resize(b.scanlines * b.len, 0);
    let w = frame.width;
    for (k, out) in profile.chunks_exact_mut(b.len).enumerate() {
        let pos = b.first + k * b.step;
        if b.horizontal {
            // scanline = column `pos`, across = rows
            for (i, o) in out.iter_mut().enumerate() {
                let start = (b.lo + i) * w + pos - 2;
                *o = frame
                    .grey
                    .get(start..start + 5)
                    .map_or(0, |p| p.iter().map(|v| u16::from(*v)).sum());
            }
        } else {
            // scanline = row `pos`, across = columns: five rows added
            for dy in 0..5 {
                let start = (pos + dy - 2) * w + b.lo;
                if let Some(row) = frame.grey.get(start..start + b.len) {
                    for (o, v) in out.iter_mut().zip(row) {
                        *o += u16::from(*v);
                    }
                }
            }
        }
    }
}

/// The best lines of one side, strongest first.
fn side_lines(frame: &Frame<'_>, b: &Band, s: &mut DocumentScratch) -> [Option<SideLine>; PEAKS] {
    profiles(frame, b, &mut s.profile);
    // D = P(i+2) + P(i+1) − P(i−1) − P(i−2), signed so that + means brighter inside
    s.derivative.clear();
    s.derivative.resize(s.profile.len(), 0);
    let inward = b.inward as i32;
    for (p, d) in s
        .profile
        .chunks_exact(b.len)
        .zip(s.derivative.chunks_exact_mut(b.len))
    {
        for (i, w) in p.windows(5).enumerate() {
            if let (Some(out), [m2, m1, _, p1, p2]) = (d.get_mut(i + 2), w) {
                let v = i32::from(*p2) + i32::from(*p1) - i32::from(*m1) - i32::from(*m2);
                *out = (v * inward).clamp(-i32::from(i16::MAX), i32::from(i16::MAX)) as i16;
            }
        }
    }
    s.clipped.clear();
    s.clipped
        .extend(s.derivative.iter().map(|v| (*v).clamp(-CLIP, CLIP)));
    let mut votes = std::mem::take(&mut s.votes);
    project(b, &s.clipped, &mut votes);
    s.votes = votes;
    let bins = b.len;
    let mut out = [None; PEAKS];
    let mut strongest = None;
    // the strongest lines of one sign (texture cancels out in their sums)
    for slot in out.iter_mut().take(SIGNED_PEAKS) {
        let Some((cell, votes)) = s
            .votes
            .iter()
            .enumerate()
            .max_by_key(|(_, v)| v.unsigned_abs())
            .map(|(i, v)| (i, i32::from(*v)))
        else {
            break;
        };
        // at least a third of the scanlines' worth of a 3-level step
        if votes.abs() < MIN_DERIVATIVE * b.scanlines as i32 / 3 {
            break;
        }
        let (a, bin) = (cell / bins, cell % bins);
        // clear the neighbourhood of this peak (same sign) so that the next one is another line
        for a2 in a.saturating_sub(3)..(a + 4).min(ANGLES) {
            for b2 in bin.saturating_sub(4)..(bin + 5).min(bins) {
                if let Some(v) = s.votes.get_mut(a2 * bins + b2) {
                    if i32::from(v.signum()) == votes.signum() {
                        *v = 0;
                    }
                }
            }
        }
        let polarity = if votes > 0 { 1 } else { -1 };
        strongest = strongest.or(Some((a, bin, polarity)));
        *slot = fit_side(b, s, polarity, tan_of(a), bin as f32);
    }
    let outer = strongest.and_then(|(a, bin, sign)| band_outer_edge(b, s, a, bin, sign));
    // and the best lines of either sign
    magnitudes(b, s);
    let mut votes = std::mem::take(&mut s.votes);
    project(b, &s.magnitude, &mut votes);
    s.votes = votes;
    let mut mixed = [None; MIXED_PEAKS];
    for slot in mixed.iter_mut() {
        let Some((cell, votes)) = s
            .votes
            .iter()
            .enumerate()
            .max_by_key(|(_, v)| **v)
            .map(|(i, v)| (i, i32::from(*v)))
        else {
            break;
        };
        if votes < MIN_DERIVATIVE * b.scanlines as i32 / 3 {
            break;
        }
        let (a, bin) = (cell / bins, cell % bins);
        for a2 in a.saturating_sub(3)..(a + 4).min(ANGLES) {
            for b2 in bin.saturating_sub(4)..(bin + 5).min(bins) {
                if let Some(v) = s.votes.get_mut(a2 * bins + b2) {
                    *v = 0;
                }
            }
        }
        *slot = fit_side(b, s, 0, tan_of(a), bin as f32);
    }
    // a line already found with a sign is not added again
    for m in mixed.into_iter().flatten() {
        let (found, _) = out.split_at_mut(PEAKS - 1);
        let known = found.iter().flatten().any(|o| {
            let mid = Point::new(
                (b.first + b.scanlines * b.step / 2) as f64,
                (b.lo + b.len / 2) as f64,
            );
            let mid = if b.horizontal {
                mid
            } else {
                Point::new(mid.y, mid.x)
            };
            (o.line.distance(mid) - m.line.distance(mid)).abs() < 3.0
                && (o.line.angle_degrees() - m.line.angle_degrees()).abs() < 3.0
        });
        if let (false, Some(slot)) = (known, found.iter_mut().find(|o| o.is_none())) {
            *slot = Some(m);
        } else if !known {
            if let Some(last) = found.last_mut() {
                *last = Some(m);
            }
        }
    }
    if let Some(slot) = out.last_mut() {
        *slot = outer;
    }
    out
}

/// A card often has a printed band along an edge (a header, a coloured strip) whose inner edge
/// is a stronger line than the card's own border, a faint step of the other sign a few pixels
/// further out when the band is about as dark as the background. The strongest line of the
/// other sign 3–48 px outside the strongest line (`a`, `bin`, `sign`), at about its angle, in
/// the signed projection (a header can be a sixth of a card's height).
fn band_outer_edge(
    b: &Band,
    s: &mut DocumentScratch,
    a: usize,
    bin: usize,
    sign: i32,
) -> Option<SideLine> {
    let bins = b.len;
    let outward = -(b.inward as isize);
    let mut best: Option<(usize, usize, i32)> = None;
    for a2 in a.saturating_sub(1)..(a + 2).min(ANGLES) {
        for k in 3..=48isize {
            let Some(b2) = bin.checked_add_signed(outward * k).filter(|b2| *b2 < bins) else {
                continue;
            };
            let v = s
                .votes
                .get(a2 * bins + b2)
                .map_or(0, |v| i32::from(*v) * -sign);
            if best.is_none_or(|(_, _, bv)| v > bv) {
                best = Some((a2, b2, v));
            }
        }
    }
    let (a2, b2, v) = best?;
    if v < MIN_DERIVATIVE * b.scanlines as i32 / 3 {
        return None;
    }
    // ranked below the lines found on their own: on a textured background it is as often a
    // stripe of the background running along the document
    fit_side(b, s, -sign, tan_of(a2), b2 as f32).map(|l| SideLine {
        support: l.support * 0.8,
        ..l
    })
}

fn tan_of(a: usize) -> f32 {
    -MAX_TAN + 2.0 * MAX_TAN * a as f32 / (ANGLES - 1) as f32
}

/// Scanline `k`'s shift (in bins) for angle `a`: the line through bin `c` at the band's middle
/// crosses scanline `k` at `c + shift`.
fn shift(b: &Band, a: usize, k: usize) -> isize {
    let from_mid = k as f32 - (b.scanlines as f32 - 1.0) / 2.0;
    (tan_of(a) * from_mid * b.step as f32).round() as isize
}

/// Scanlines of a band, at most.
const MAX_SCANLINES: usize = 40;
// (the projection's sums of `MAX_SCANLINES` values within ±`CLIP` fit in i16)
const _: () = assert!(MAX_SCANLINES * CLIP as usize <= i16::MAX as usize);

/// votes[a][c] = Σ over scanlines of `values` (already within ±CLIP) where the line (angle a,
/// through offset c at the middle) crosses them: a Radon projection of the band. At most
/// `MAX_SCANLINES` of them: the sums fit in i16.
fn project(b: &Band, values: &[i16], votes: &mut Vec<i16>) {
    let bins = b.len;
    votes.clear();
    votes.resize(ANGLES * bins, 0);
    for (a, acc) in votes.chunks_exact_mut(bins).enumerate() {
        for (k, d) in values.chunks_exact(bins).enumerate() {
            let sh = shift(b, a, k);
            // acc[c] += d[c + sh] where both exist
            let (acc_part, d_part) = if sh >= 0 {
                let sh = sh.unsigned_abs().min(bins);
                (acc.get_mut(..bins - sh), d.get(sh..))
            } else {
                let sh = sh.unsigned_abs().min(bins);
                (acc.get_mut(sh..), d.get(..bins - sh))
            };
            if let (Some(acc_part), Some(d_part)) = (acc_part, d_part) {
                kernels::add(acc_part, d_part);
            }
        }
    }
}

/// The projection's inner loop: i16 adds. They cannot overflow (`project`: at most
/// `MAX_SCANLINES` values of ±`CLIP` per sum), so they wrap rather than saturate: a saturating
/// add costs a compare and a select per value in the scalar build (the one JavaScriptCore
/// gets), a wrapping one nothing.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod kernels {
    pub fn add(acc: &mut [i16], src: &[i16]) {
        for (o, v) in acc.iter_mut().zip(src) {
            *o = o.wrapping_add(*v);
        }
    }
}

/// The projection's inner loop: i16 adds (they cannot overflow, as above), 8 lanes at a time.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod kernels {
    use core::arch::wasm32::*;

    pub fn add(acc: &mut [i16], src: &[i16]) {
        let mut a = acc.chunks_exact_mut(8);
        let mut s = src.chunks_exact(8);
        for (o, v) in (&mut a).zip(&mut s) {
            if let (Ok(o), Ok(v)) = (<&mut [i16; 8]>::try_from(o), <&[i16; 8]>::try_from(v)) {
                // SAFETY: each reference covers 16 bytes; v128 loads and stores need no alignment
                unsafe {
                    let sum = i16x8_add(v128_load(o.as_ptr().cast()), v128_load(v.as_ptr().cast()));
                    v128_store(o.as_mut_ptr().cast(), sum);
                }
            }
        }
        for (o, v) in a.into_remainder().iter_mut().zip(s.remainder()) {
            *o = o.wrapping_add(*v);
        }
    }
}

/// Edge strength whatever its sign, less each scanline's mean (the texture's floor): where a
/// side's polarity changes along it (a dark band on part of a card's edge, a background darker
/// on one side), the signed projection cancels out; this one does not.
fn magnitudes(b: &Band, s: &mut DocumentScratch) {
    s.magnitude.clear();
    s.magnitude.resize(s.derivative.len(), 0);
    for (d, m) in s
        .derivative
        .chunks_exact(b.len)
        .zip(s.magnitude.chunks_exact_mut(b.len))
    {
        let clipped = |v: &i16| i32::from(v.unsigned_abs().min(CLIP.unsigned_abs()));
        let floor = d.iter().map(clipped).sum::<i32>() / b.len.max(1) as i32;
        for (o, v) in m.iter_mut().zip(d) {
            *o = (clipped(v) - floor).max(0) as i16;
        }
    }
}

/// Least-squares fit of the strongest edge of this polarity within ±2 px of the line (angle
/// `t`, offset `c0` bins at the middle) on each scanline.
fn fit_side(b: &Band, s: &mut DocumentScratch, polarity: i32, t: f32, c0: f32) -> Option<SideLine> {
    s.points.clear();
    let mid = (b.scanlines as f32 - 1.0) / 2.0;
    // The projection's angles are 2° apart: off by up to 1°, a line drifts 4 px from the edge at
    // a band's ends, where the search below then takes a parallel edge nearby (a strip's inner
    // edge, a few pixels inside the card's): first the angle to a sixth of that step and the
    // place to ±2 bins that gather the most of this sign's derivative (clipped, like the votes).
    let signed = |v: i16| {
        if polarity == 0 {
            i32::from(v.unsigned_abs().min(i16::MAX.unsigned_abs()))
        } else {
            i32::from(v) * polarity
        }
    };
    let fine = MAX_TAN / (ANGLES - 1) as f32 / 3.0;
    let mut best = (i32::MIN, t, c0);
    for dt in -3i8..=3 {
        let t2 = t + f32::from(dt) * fine;
        // sums[j]: the line through c0 + j − 2 (a whole shift moves every crossing alike)
        let mut sums = [0i32; 5];
        for (k, d) in s.derivative.chunks_exact(b.len).enumerate() {
            // (rounded by floor(x + 0.5): `round` is a library call in wasm, `floor` one
            // instruction)
            let at = (c0 + 0.5 + t2 * (k as f32 - mid) * b.step as f32).floor() as isize;
            for (j, sum) in (-2isize..).zip(sums.iter_mut()) {
                if let Some(v) = usize::try_from(at + j).ok().and_then(|i| d.get(i)) {
                    *sum += signed(*v).clamp(0, i32::from(CLIP));
                }
            }
        }
        for (j, sum) in (-2i8..).zip(sums) {
            if sum > best.0 {
                best = (sum, t2, c0 + f32::from(j));
            }
        }
    }
    let (_, t, c0) = best;
    for (k, d) in s.derivative.chunks_exact(b.len).enumerate() {
        let predicted = c0 + t * (k as f32 - mid) * b.step as f32;
        let centre = predicted.round() as isize;
        let at = |i: isize| -> i32 {
            usize::try_from(i)
                .ok()
                .and_then(|i| d.get(i))
                .map_or(0, |v| signed(*v))
        };
        let Some(best) = (centre - 2..=centre + 2).max_by_key(|i| at(*i)) else {
            continue;
        };
        let c = at(best);
        if c < MIN_DERIVATIVE {
            continue;
        }
        let (l, r) = (at(best - 1) as f32, at(best + 1) as f32);
        let den = l - 2.0 * c as f32 + r;
        let off = if den < 0.0 {
            (0.5 * (l - r) / den).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        let along = (b.first + k * b.step) as f64 + 0.5;
        let across = (b.lo as f32 + best as f32 + 0.5 + off) as f64;
        s.points.push((along, across, 1.0));
    }
    if s.points.len() < 3 {
        return None;
    }
    let support = s.points.len() as f32 / b.scanlines as f32;
    // across = p + q·along by ordinary least squares
    let n = s.points.len() as f64;
    let (sa, sc) = s
        .points
        .iter()
        .fold((0.0, 0.0), |(sa, sc), (a, c, _)| (sa + a, sc + c));
    let (ma, mc) = (sa / n, sc / n);
    let (mut saa, mut sac) = (0.0, 0.0);
    for (a, c, _) in &s.points {
        saa += (a - ma) * (a - ma);
        sac += (a - ma) * (c - mc);
    }
    let q = if saa > 0.0 { sac / saa } else { f64::from(t) };
    let line = if b.horizontal {
        Line::through(Point::new(ma, mc), 1.0, q)?
    } else {
        Line::through(Point::new(mc, ma), q, 1.0)?
    };
    Some(SideLine {
        line,
        polarity: polarity as f32,
        support,
    })
}

/// Fills `pools` with the best few distinct hypotheses (`keep_best`) among the plausible
/// quadrilaterals made of one line per side: of four sides, and of three with one placed from
/// the aspect (a side hidden by glare or a finger costs a three-sided one a quarter of its
/// score: they compete among themselves first); and, whatever they score, with those of the
/// bands' outermost lines (`outermost_lines`), one per missing side (the last: none missing).
fn best_hypotheses(
    frame: &Frame<'_>,
    lines: &[[Option<SideLine>; PEAKS]; 4],
    aspect: f64,
    guide: &Guide,
    pools: [&mut [Option<Hypothesis>]; 3],
) {
    let [four, three, outermost] = pools;
    // each side's choices in order, None standing for "this side missing" (at most one side may
    // be); a line under 0.3 support never makes a hypothesis
    let mut options = [[None::<Option<SideLine>>; PEAKS + 1]; 4];
    for (set, out) in lines.iter().zip(options.iter_mut()) {
        let mut slots = out.iter_mut();
        for c in set.iter().flatten().filter(|s| s.support >= 0.3) {
            if let Some(slot) = slots.next() {
                *slot = Some(Some(*c));
            }
        }
        if let Some(slot) = slots.next() {
            *slot = Some(None);
        }
    }
    // (a full pool takes only a hypothesis scoring more than its lowest)
    let floor = |pool: &[Option<Hypothesis>]| {
        pool.iter().fold(f64::INFINITY, |m, h| {
            h.map_or(f64::NEG_INFINITY, |h| h.0).min(m)
        })
    };
    let (mut floor_four, mut floor_three) = (floor(four), floor(three));
    // sides missing, brighter and darker so far: more than one missing, or more than one of
    // each sign, is no hypothesis (the document is brighter, or darker, than what surrounds it
    // on every side but at most one: a dark band along one edge of a card)
    let tally = |c: &Option<SideLine>, (m, b, d): (u8, u8, u8)| match c {
        None => (m + 1, b, d),
        Some(s) if s.polarity > 0.0 => (m, b + 1, d),
        Some(s) if s.polarity < 0.0 => (m, b, d + 1),
        Some(_) => (m, b, d),
    };
    let viable = |(m, b, d): (u8, u8, u8)| m <= 1 && b.min(d) <= 1;
    let [o_top, o_right, o_bottom, o_left] = &options;
    for t in o_top.iter().flatten() {
        let k1 = tally(t, (0, 0, 0));
        for r in o_right.iter().flatten() {
            let k2 = tally(r, k1);
            if !viable(k2) {
                continue;
            }
            for b in o_bottom.iter().flatten() {
                let k3 = tally(b, k2);
                if !viable(k3) {
                    continue;
                }
                for l in o_left.iter().flatten() {
                    let k4 = tally(l, k3);
                    if !viable(k4) {
                        continue;
                    }
                    let chosen = [*t, *r, *b, *l];
                    let (pool, f) = if k4.0 == 0 {
                        (&mut *four, &mut floor_four)
                    } else {
                        (&mut *three, &mut floor_three)
                    };
                    if let Some((score, quad)) = hypothesis(frame, chosen, k4, aspect, guide, *f) {
                        keep_best(pool, (score, quad, chosen));
                        *f = floor(pool);
                    }
                }
            }
        }
    }
    let outer = outermost_lines(lines, centre(guide));
    for (missing, slot) in outermost.iter_mut().enumerate() {
        let mut chosen = outer;
        if let Some(side) = chosen.get_mut(missing) {
            *side = None;
        }
        let signs = chosen.iter().fold((0, 0, 0), |k, c| tally(c, k));
        if !viable(signs) {
            continue;
        }
        let Some((score, quad)) =
            hypothesis(frame, chosen, signs, aspect, guide, f64::NEG_INFINITY)
        else {
            continue;
        };
        let known = four
            .iter()
            .chain(three.iter())
            .flatten()
            .any(|(_, q, _)| max_corner_distance(q, &quad) <= 3.0);
        if !known {
            *slot = Some((score, quad, chosen));
        }
    }
}

/// Least support of a band's line for `outermost_lines`.
const OUTERMOST_SUPPORT: f32 = 0.5;
/// Lines this close (px) to a band's outermost are the same edge: its shadow, its rounded rim.
const OUTERMOST_CLUSTER: f64 = 6.0;

/// Each band's outermost line supported along half the band (the best supported of those within
/// `OUTERMOST_CLUSTER` of it). A pale card on a pale desk has faint borders and strong print
/// inside (its photo, a header's inner edge, the MRZ): the hypotheses of the best-supported
/// lines are then the print's, and the card's own (three sides and one placed from the aspect,
/// under a perspective that costs their proportions a few per cent) is not among them.
fn outermost_lines(lines: &[[Option<SideLine>; PEAKS]; 4], centre: Point) -> [Option<SideLine>; 4] {
    lines.map(|set| {
        let good = || {
            set.iter()
                .flatten()
                .filter(|s| s.support >= OUTERMOST_SUPPORT)
        };
        let far = good()
            .map(|s| s.line.distance(centre).abs())
            .fold(0.0, f64::max);
        good()
            .filter(|s| s.line.distance(centre).abs() >= far - OUTERMOST_CLUSTER)
            .max_by(|a, b| a.support.total_cmp(&b.support))
            .copied()
    })
}

/// The quad of these sides (one may be missing; `signs`: how many are missing, brighter and
/// darker inside, at most one of each sign against the others), with its score; None when
/// implausible, or when it cannot score more than `floor` (known before its corners: its
/// proportions' fit is at most 1).
fn hypothesis(
    frame: &Frame<'_>,
    chosen: [Option<SideLine>; 4],
    signs: (u8, u8, u8),
    aspect: f64,
    guide: &Guide,
    floor: f64,
) -> Option<(f64, Quad)> {
    let (missing, brighter, darker) = signs;
    let present = f64::from(4u8.saturating_sub(missing));
    let support: f64 = chosen.iter().flatten().map(|s| f64::from(s.support)).sum();
    // a missing side costs what an average side brings
    // a side darker than the others costs a little: it is more often print than the border
    let dissent = if brighter.min(darker) == 1 { 0.9 } else { 1.0 };
    if support * (present / 4.0) * dissent <= floor {
        return None;
    }
    let lines = chosen.map(|s| s.map(|s| s.line));
    let quad = quad_from_sides(lines, aspect, centre(guide), None)?;
    let fit = plausible(frame, &quad, aspect, guide)?;
    Some((support * (present / 4.0) * fit * dissent, quad))
}

/// Corners from four lines, or from three and the aspect: the two corners on the side
/// opposite the missing one are moved along the adjacent sides, away from that side — in
/// perspective for `camera` (principal point, focal length: `unseen_corners`), else both by the
/// length the aspect gives (also when the perspective is degenerate).
fn quad_from_sides(
    lines: [Option<Line>; 4],
    aspect: f64,
    centre: Point,
    camera: Option<(Point, f64)>,
) -> Option<Quad> {
    let [top, right, bottom, left] = lines;
    let corner = |a: Option<Line>, b: Option<Line>| a.and_then(|a| b.and_then(|b| a.intersect(&b)));
    let Some(missing) = lines.iter().position(Option::is_none) else {
        return Some([
            corner(top, left)?,
            corner(top, right)?,
            corner(bottom, right)?,
            corner(bottom, left)?,
        ]);
    };
    // (opposite side, its first and second corner's adjacent sides)
    let (opposite, side_p, side_q) = match missing {
        0 => (bottom?, left?, right?),
        1 => (left?, top?, bottom?),
        2 => (top?, left?, right?),
        _ => (right?, top?, bottom?),
    };
    let (p, q) = (side_p.intersect(&opposite)?, side_q.intersect(&opposite)?);
    let ratio = match missing {
        0 | 2 => 1.0 / aspect,
        _ => aspect,
    };
    let (p2, q2) = camera
        .and_then(|c| unseen_corners(&opposite, (p, q), &side_p, &side_q, ratio, c, centre))
        .unwrap_or_else(|| {
            let length = p.distance(q) * ratio;
            (
                away(side_p, p, &opposite, centre, length),
                away(side_q, q, &opposite, centre, length),
            )
        });
    Some(match missing {
        0 => [p2, q2, q, p],
        1 => [p, p2, q2, q],
        2 => [p, q, q2, p2],
        _ => [p2, p, q, q2],
    })
}

/// The point `length` away from `from` along `line`, on the side of `opposite` where `centre`
/// lies.
fn away(line: Line, from: Point, opposite: &Line, centre: Point, length: f64) -> Point {
    let (dx, dy) = (-line.b, line.a);
    let ahead = Point::new(from.x + dx, from.y + dy);
    let sign = if opposite.distance(ahead) * opposite.distance(centre) >= 0.0 {
        1.0
    } else {
        -1.0
    };
    Point::new(from.x + sign * dx * length, from.y + sign * dy * length)
}

fn centre(g: &Guide) -> Point {
    Point::new(g.x + g.width / 2.0, g.y + g.height / 2.0)
}

/// How well the quad fits a document in this guide: None when it cannot be one (not convex,
/// a corner beyond 90° ± 25°, its true proportions — corrected for perspective — beyond ± 10 %
/// of the document's, too small or large, off the guide's centre); else from 1 (perfect) down
/// as its proportions and corners stray. The proportions are the sharpest test: a side found on
/// a line inside the document (a band, the photo, the MRZ) changes them by several per cent.
/// 1 when the quad's true proportions (corrected for perspective) are the document's, down to
/// 0.05 at 8 % off.
fn proportions(frame: &Frame<'_>, q: &Quad, aspect: f64) -> f64 {
    let (focus, focal) = frame.camera();
    true_aspect(q, focus, focal).map_or(0.05, |seen| {
        (1.0 - (seen / aspect - 1.0).abs() / 0.08).max(0.05)
    })
}

fn plausible(frame: &Frame<'_>, q: &Quad, aspect: f64, guide: &Guide) -> Option<f64> {
    if !q.iter().all(|p| p.is_finite()) || !is_convex(q) {
        return None;
    }
    let slant = corner_angles(q)
        .iter()
        .map(|a| (a - 90.0).abs())
        .fold(0.0, f64::max);
    let (focus, focal) = frame.camera();
    let seen = true_aspect(q, focus, focal)?;
    let aspect_error = (seen / aspect - 1.0).abs();
    let coverage = area(q) / (guide.width * guide.height);
    let Point { x: cx, y: cy } = centroid(q);
    let ok = slant <= 25.0
        && aspect_error <= 0.10
        && (0.2..2.2).contains(&coverage)
        && (cx - guide.x - guide.width / 2.0).abs() < 0.25 * guide.width
        && (cy - guide.y - guide.height / 2.0).abs() < 0.25 * guide.height;
    ok.then_some((1.0 - aspect_error / 0.08 - 0.1 * slant / 25.0).max(0.05))
}

/// A refined quad and what proves it.
struct Proof {
    quad: Quad,
    /// Per located side, +1 when the document is brighter than its surroundings there (None:
    /// placed from the aspect).
    polarity: [Option<f64>; 4],
    /// Per side: share of its length with an edge (None for a side placed from the aspect).
    support: [Option<f64>; 4],
    /// Per side: mean step (inside − outside, times polarity), grey levels.
    step: [f64; 4],
    /// Per side: its support near its start and its end (`SideEvidence::ends`).
    ends: [[f64; 2]; 4],
    /// How printed the inside is (`print_inside`), measured for the winner only.
    print: f64,
    /// How much the sides go on past the corners (`continuation`).
    beyond: f64,
    /// How well its proportions match the document's (`proportions`).
    fit: f64,
}

impl Proof {
    /// The support of side `i`; None for a side placed from the aspect.
    fn side_support(&self, i: usize) -> Option<f64> {
        self.support.get(i).copied().flatten()
    }

    /// Mean support of the four sides (a side placed from the aspect counts as none), each
    /// weighed by how clear a step it is (full weight from 20 grey levels).
    fn score(&self) -> f64 {
        self.support
            .iter()
            .zip(self.step.iter())
            .map(|(s, st)| s.unwrap_or(0.0) * (st / 20.0).clamp(0.0, 1.0))
            .sum::<f64>()
            / 4.0
            * (1.0 - self.beyond)
            * self.fit
    }
}

/// Samples per side, at most.
const SIDE_SAMPLES: usize = 32;

/// Locates each present side along `quad` and refits it; a side with too little support next
/// to three good ones is dropped and placed from the aspect instead (glare or a finger over it).
fn refine(
    frame: &Frame<'_>,
    quad: Quad,
    polarity: [Option<f64>; 4],
    aspect: f64,
    centre: Point,
    s: &mut DocumentScratch,
    need: f64,
) -> Option<Proof> {
    refine_with(frame, quad, polarity, aspect, centre, s, Effort::Full, need)
}

/// How many samples a proof takes: a quick look ranks many hypotheses, a full one decides.
#[derive(Clone, Copy, PartialEq)]
enum Effort {
    Quick,
    Full,
}

impl Effort {
    fn side_samples(self) -> usize {
        match self {
            Effort::Quick => 10,
            Effort::Full => SIDE_SAMPLES,
        }
    }

    fn end_samples(self) -> u32 {
        match self {
            Effort::Quick => 4,
            Effort::Full => 8,
        }
    }

    /// Offsets along the side averaged into each profile sample.
    fn along(self) -> &'static [f64] {
        match self {
            Effort::Quick => &[-1.5, 0.0, 1.5],
            Effort::Full => &[-2.0, 0.0, 2.0],
        }
    }
}

/// `refine` with a quick look or a full proof; None as soon as the proof is sure to score under
/// `need` (before `continuation`, which can only lower the score: the caller's use of a proof
/// is its score's test, and one that fails it is as good as none).
#[allow(clippy::too_many_arguments)]
fn refine_with(
    frame: &Frame<'_>,
    quad: Quad,
    polarity: [Option<f64>; 4],
    aspect: f64,
    centre: Point,
    s: &mut DocumentScratch,
    effort: Effort,
    need: f64,
) -> Option<Proof> {
    let mut support = [None; 4];
    let mut step = [0.0; 4];
    let mut ends = [[0.0; 2]; 4];
    let mut lines = [None; 4];
    let mut new_polarity = polarity;
    for (i, ((p, q), pol)) in sides(&quad).iter().zip(polarity.iter()).enumerate() {
        let Some(pol) = pol else {
            continue;
        };
        let mut e = edge_along(frame, *p, *q, *pol, effort, s)?;
        let mut pol = *pol;
        // a border whose sign changes along it (a dark header against a background dark on
        // one part, light on another) is weak with one sign: tried with either
        if effort == Effort::Full && pol != 0.0 && e.support < MIN_SIDE_SUPPORT {
            if let Some(either) = edge_along(frame, *p, *q, 0.0, effort, s) {
                if either.support >= MIN_SIDE_SUPPORT && either.support > e.support + 0.2 {
                    (e, pol) = (either, 0.0);
                }
            }
        }
        if let Some(slot) = new_polarity.get_mut(i) {
            *slot = Some(pol);
        }
        if let (Some(l), Some(sp), Some(stp), Some(en)) = (
            lines.get_mut(i),
            support.get_mut(i),
            step.get_mut(i),
            ends.get_mut(i),
        ) {
            *l = e.line;
            *sp = Some(e.support);
            *stp = e.step;
            *en = e.ends;
        }
    }
    let weakest = support
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.map(|s| (i, s)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((i, sup)) = weakest {
        if sup < MIN_SIDE_SUPPORT && support.iter().flatten().count() == 4 {
            if let (Some(l), Some(sp)) = (lines.get_mut(i), support.get_mut(i)) {
                *l = None;
                *sp = None;
            }
        }
    }
    // a side placed from the aspect: its corners in perspective, but the proportions judged on
    // the sides moved the same length (in perspective they would fit by construction, and the
    // fit would no longer tell three right sides from three that converge where they should not)
    let plain = quad_from_sides(lines, aspect, centre, None)?;
    let quad = if lines.iter().any(Option::is_none) {
        quad_from_sides(lines, aspect, centre, Some(frame.camera())).unwrap_or(plain)
    } else {
        plain
    };
    let mut polarity = new_polarity;
    for (p, s) in polarity.iter_mut().zip(support.iter()) {
        if s.is_none() {
            *p = None;
        }
    }
    let mut proof = Proof {
        quad,
        beyond: 0.0,
        fit: proportions(frame, &plain, aspect),
        polarity,
        support,
        step,
        ends,
        print: 0.0,
    };
    if proof.score() < need {
        return None;
    }
    proof.beyond = continuation(frame, &plain, &proof.polarity, &proof.step, effort);
    Some(proof)
}

/// What one side of a quadrilateral shows.
#[derive(Clone, Copy, Debug, Default)]
struct SideEvidence {
    /// The side refitted to its edge points.
    line: Option<Line>,
    /// Share of the samples with an edge within a pixel of that line.
    support: f64,
    /// Median step (inside − outside, 2–5 px away, times the polarity) at those edges.
    step: f64,
    /// The same share as `support` over the quarter of the samples nearest each end (start,
    /// end): whether the edge reaches the corners.
    ends: [f64; 2],
}

/// A side's frame of reference: from `p`, along the unit `u` towards the next corner, across
/// the unit normal `n` pointing inside the quad (for corners clockwise on screen).
#[derive(Clone, Copy)]
struct Axis {
    p: Point,
    u: (f64, f64),
    n: (f64, f64),
}

impl Axis {
    fn new(p: Point, q: Point) -> Option<(Axis, f64)> {
        let len = p.distance(q);
        if len.is_nan() || len <= 8.0 {
            return None;
        }
        let u = ((q.x - p.x) / len, (q.y - p.y) / len);
        Some((
            Axis {
                p,
                u,
                n: (-u.1, u.0),
            },
            len,
        ))
    }

    #[inline(always)]
    fn at(&self, t: f64, o: f64) -> Point {
        Point::new(
            self.p.x + self.u.0 * t + self.n.0 * o,
            self.p.y + self.u.1 * t + self.n.1 * o,
        )
    }
}

/// The edge of this polarity crossing the side's line at `t`: its offset across (within ±3 px,
/// to a tenth of a pixel) and its step (inside − outside, 2–5 px away, times the polarity);
/// None without one (derivative or step under 3 grey levels) or outside the frame.
fn edge_at(
    frame: &Frame<'_>,
    axis: &Axis,
    t: f64,
    polarity: f64,
    effort: Effort,
) -> Option<(f64, f64)> {
    let along = effort.along();
    // 5 samples along the side, 1.5 px apart (noise averages out, the edge does not), on a
    // profile from −7 to +7 px across (index j ↔ offset j − 7)
    let mut prof = [0.0f64; 15];
    for (j, v) in prof.iter_mut().enumerate() {
        let c = axis.at(t, j as f64 - 7.0);
        let mut sum = 0.0;
        for d in along {
            let (x, y) = (c.x + axis.u.0 * d, c.y + axis.u.1 * d);
            sum += match effort {
                Effort::Quick => frame.nearest(x, y)?,
                Effort::Full => frame.sample(x, y)?,
            };
        }
        *v = sum / along.len().max(1) as f64;
    }
    // derivative over 4 px at j = 3..=11: (f(j+1) + f(j+2) − f(j−1) − f(j−2)) / 2, signed by
    // the polarity (with none, its size)
    let mut raw = [0.0f64; 9];
    for (k, r) in raw.iter_mut().enumerate() {
        if let Some(&[m2, m1, _, p1, p2]) = prof.get(k + 1..k + 6) {
            *r = (p1 + p2 - m1 - m2) / 2.0;
        }
    }
    let raw_at = |j: usize| raw.get(j - 3).copied().unwrap_or(0.0);
    let g = |j: usize| {
        if polarity == 0.0 {
            raw_at(j).abs()
        } else {
            polarity * raw_at(j)
        }
    };
    // the strongest at 4..=10 (the last of equals)
    let mut bj = 4;
    for j in 5..11 {
        if g(j).total_cmp(&g(bj)).is_ge() {
            bj = j;
        }
    }
    let bg = g(bj);
    let inside = prof.get(bj + 2..(bj + 6).min(prof.len())).map_or(0.0, mean);
    let outside = prof.get(bj.saturating_sub(5)..bj - 1).map_or(0.0, mean);
    let sign = if polarity == 0.0 {
        raw_at(bj).signum()
    } else {
        polarity
    };
    let step = sign * (inside - outside);
    if bg < 3.0 || step < 3.0 {
        return None;
    }
    let (l, r) = (g(bj - 1), g(bj + 1));
    let den = l - 2.0 * bg + r;
    let off = if den < 0.0 {
        (0.5 * (l - r) / den).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    Some((bj as f64 - 7.0 + off, step))
}

/// Locates the edge along the segment p→q: edge points from `edge_at` over the side (its ends
/// left out), the line refitted to them, and what supports it.
fn edge_along(
    frame: &Frame<'_>,
    p: Point,
    q: Point,
    polarity: f64,
    effort: Effort,
    s: &mut DocumentScratch,
) -> Option<SideEvidence> {
    let most = effort.side_samples();
    let (axis, len) = Axis::new(p, q)?;
    let samples = ((len * 0.84 / 4.0) as usize).clamp(8.min(most), most);
    s.points.clear();
    s.steps.clear();
    let quarter = samples.div_ceil(4);
    for k in 0..samples {
        let t = len * (0.08 + 0.84 * (k as f64 + 0.5) / samples as f64);
        if let Some((o, step)) = edge_at(frame, &axis, t, polarity, effort) {
            let e = axis.at(t, o);
            s.points.push((e.x, e.y, 1.0));
            s.steps.push(step);
        }
    }
    // the line through the edge points, refitted once without those 1.5 px off
    let mut line = Line::fit(s.points.iter().copied());
    if let Some(l) = line {
        let near = |(x, y, _): &(f64, f64, f64)| l.distance(Point::new(*x, *y)).abs() <= 1.5;
        line = Line::fit(s.points.iter().copied().filter(near)).or(line);
    }
    let Some(l) = line else {
        return Some(SideEvidence::default());
    };
    // the inliers' steps, for their median, and how many are near each end
    let mut n = 0usize;
    let mut ends = [0.0; 2];
    for i in 0..s.points.len() {
        let inlier = s
            .points
            .get(i)
            .filter(|(x, y, _)| l.distance(Point::new(*x, *y)).abs() <= 1.5);
        if let Some((x, y, _)) = inlier {
            // its sample, from how far along the side it lies
            let t = (x - p.x) * axis.u.0 + (y - p.y) * axis.u.1;
            let k = ((t / len - 0.08) / 0.84 * samples as f64) as usize;
            let end = if k < quarter {
                ends.first_mut()
            } else if k >= samples.saturating_sub(quarter) {
                ends.last_mut()
            } else {
                None
            };
            if let Some(e) = end {
                *e += 1.0 / quarter as f64;
            }
            s.steps.swap(n, i);
            n += 1;
        }
    }
    s.steps.truncate(n);
    insertion_sort(&mut s.steps, |a, b| a < b);
    Some(SideEvidence {
        line,
        support: n as f64 / samples as f64,
        step: s.steps.get(n / 2).copied().unwrap_or(0.0),
        ends,
    })
}

/// How much the located sides go on past the corners. For each end of each side, the share
/// of 8 samples (4 in a quick look) 3 %–15 % of its length beyond it with an edge on the side's
/// line, as clear as half the side's own step, less the share found on parallel lines 8 px
/// either way (one side only in a quick look: a textured background makes edges everywhere; a
/// side that goes on makes them on its line only). A
/// document's border stops at its corners; a line inside it (the edge of a dark band, of the
/// photo, of the MRZ, a margin of text) leaves the border's sides running on past its two
/// corners. The mean of the two highest ends.
fn continuation(
    frame: &Frame<'_>,
    quad: &Quad,
    polarity: &[Option<f64>; 4],
    step: &[f64; 4],
    effort: Effort,
) -> f64 {
    let samples = effort.end_samples();
    let mut ends = [0.0f64; 8];
    for (((p, q), pol), (side_step, pair)) in sides(quad)
        .iter()
        .zip(polarity.iter())
        .zip(step.iter().zip(ends.chunks_exact_mut(2)))
    {
        let (Some(pol), Some((axis, len))) = (pol, Axis::new(*p, *q)) else {
            continue;
        };
        let least = (0.5 * side_step).max(3.0);
        let shifted = |o: f64| Axis {
            p: axis.at(0.0, o),
            ..axis
        };
        let both = [shifted(-8.0), shifted(8.0)];
        let controls = match effort {
            Effort::Quick => both.get(..1).unwrap_or(&both),
            Effort::Full => &both[..],
        };
        for (beyond_q, end) in [false, true].into_iter().zip(pair.iter_mut()) {
            // edges on the side's line, then on the controls: they only matter when the side
            // goes on (most ends: it does not, and they are two thirds of the cost)
            let (mut counts, mut seen) = ([0u32; 2], 0u32);
            for (pass, lines) in [core::slice::from_ref(&axis), controls]
                .into_iter()
                .enumerate()
            {
                if pass == 1 && counts[0] == 0 {
                    break;
                }
                for k in 0..samples {
                    let d = len * (0.03 + 0.12 * (f64::from(k) + 0.5) / f64::from(samples));
                    let t = if beyond_q { len + d } else { -d };
                    // outside the frame nothing is known
                    let probe = axis.at(t, 0.0);
                    if frame.sample(probe.x, probe.y).is_none() {
                        continue;
                    }
                    seen += u32::from(pass == 0);
                    let on = |a: &Axis| {
                        edge_at(frame, a, t, *pol, effort)
                            .is_some_and(|(o, st)| o.abs() <= 1.0 && st >= least)
                    };
                    if let Some(c) = counts.get_mut(pass) {
                        *c += u32::from(lines.iter().any(on));
                    }
                }
            }
            let [hits, noise] = counts;
            if seen >= samples / 2 {
                *end = (f64::from(hits) - f64::from(noise)).max(0.0) / f64::from(seen);
            }
        }
    }
    let (mut first, mut second) = (0.0f64, 0.0f64);
    for e in ends {
        if e > first {
            (first, second) = (e, first);
        } else if e > second {
            second = e;
        }
    }
    (first + second) / 2.0
}

/// Sorts a few items (at most a few dozen) by `before`: the standard library's sorts weigh
/// several KB of the package.
fn insertion_sort<T>(v: &mut [T], before: impl Fn(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0
            && v.get(j)
                .zip(v.get(j - 1))
                .is_some_and(|(a, b)| before(a, b))
        {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Cells of the print measure: 24 across, 16 down the document.
const PRINT_COLUMNS: usize = 24;
const PRINT_ROWS: usize = 16;

/// The document's own coordinates: corners of the unit square, in the order of a `Quad`.
const UNIT_SQUARE: Quad = [
    Point::new(0.0, 0.0),
    Point::new(1.0, 0.0),
    Point::new(1.0, 1.0),
    Point::new(0.0, 1.0),
];

/// How printed the inside is: the mean absolute difference between neighbouring cells of a
/// 24 × 16 grid of cell means (2 × 2 samples each, 10 % inset). Text, photo and guilloche make
/// neighbouring cells differ; a blank sheet does not, even lit unevenly (a smooth gradient
/// changes little from one cell to the next) or noisy (noise averages out in a cell).
fn print_inside(frame: &Frame<'_>, quad: &Quad) -> f64 {
    let Some(h) = Homography::from_points(&UNIT_SQUARE, quad) else {
        return 0.0;
    };
    let mut cells = [f64::NAN; PRINT_COLUMNS * PRINT_ROWS];
    for (i, cell) in cells.iter_mut().enumerate() {
        let (cx, cy) = ((i % PRINT_COLUMNS) as f64, (i / PRINT_COLUMNS) as f64);
        let (mut sum, mut n) = (0.0, 0u32);
        for k in 0..4 {
            let u = 0.1 + 0.8 * (cx + (1.0 + 2.0 * (k % 2) as f64) / 4.0) / PRINT_COLUMNS as f64;
            let v = 0.1 + 0.8 * (cy + (1.0 + 2.0 * (k / 2) as f64) / 4.0) / PRINT_ROWS as f64;
            if let Some(x) = h
                .apply(Point::new(u, v))
                .and_then(|p| frame.sample(p.x, p.y))
            {
                sum += x;
                n += 1;
            }
        }
        if n > 0 {
            *cell = sum / f64::from(n);
        }
    }
    let (mut total, mut pairs) = (0.0, 0u32);
    for (i, c) in cells.iter().enumerate() {
        let right = (i % PRINT_COLUMNS + 1 < PRINT_COLUMNS)
            .then(|| cells.get(i + 1))
            .flatten();
        let below = cells.get(i + PRINT_COLUMNS);
        for n in [right, below].into_iter().flatten() {
            let d = (c - n).abs();
            if d.is_finite() {
                total += d;
                pairs += 1;
            }
        }
    }
    if pairs == 0 {
        0.0
    } else {
        total / f64::from(pairs)
    }
}

/// What proves a document (measured on the tune split of the test set; BENCHMARKS.md):
/// each located side supported along half its length (three quarters when only three sides
/// are located: the fourth is then placed from the aspect, which a wrong side also satisfies),
/// 70 % on average; every side a step of at least 6 grey levels (a white card's border on a
/// white table is a few levels: 10 refused it); printed inside; and sides that do not all run
/// on past their corners.
const MIN_SIDE_SUPPORT: f64 = 0.5;
const MIN_SIDE_SUPPORT_OF_THREE: f64 = 0.75;
const MIN_MEAN_SUPPORT: f64 = 0.7;
const MIN_STEP: f64 = 6.0;
const MIN_PRINT: f64 = 7.0;
const MAX_BEYOND: f64 = 0.9;

/// Whether the located sides prove a document: three (each supported along 3/4 of its length)
/// or four (each along half, 0.7 on average), each by a clear step, and not running on past
/// the corners.
fn sides_proven(proof: &Proof) -> bool {
    let present = proof.support.iter().flatten().count();
    let mean_support = proof.support.iter().flatten().sum::<f64>() / present.max(1) as f64;
    let steps_ok = proof
        .support
        .iter()
        .zip(proof.step.iter())
        .all(|(s, st)| s.is_none() || *st >= MIN_STEP);
    let least = if present == 3 {
        MIN_SIDE_SUPPORT_OF_THREE
    } else {
        MIN_SIDE_SUPPORT
    };
    present >= 3
        && proof.support.iter().flatten().all(|s| *s >= least)
        && mean_support >= MIN_MEAN_SUPPORT
        && steps_ok
        && proof.beyond <= MAX_BEYOND
}

/// Least share of a side's samples near a corner with its edge for that corner to be seen.
const CORNER_SUPPORT: f64 = 0.25;

/// Whether no two neighbouring corners are unseen (a corner is seen when a located side's edge
/// reaches it: `SideEvidence::ends`). A finger or glare hides one corner; a look-alike of other
/// proportions (a sticky note in a passport's guide) leaves both corners of the side placed past
/// its own end unseen: the sides beside it stop short of them.
fn cornered(proof: &Proof) -> bool {
    let reaches = |side: usize, end: usize| {
        end_support(proof, side, end).is_some_and(|e| e >= CORNER_SUPPORT)
    };
    // corner k: where side k − 1 ends and side k starts
    let seen = |k: usize| reaches(k, 0) || reaches((k + 3) % 4, 1);
    (0..4).all(|k| seen(k) || seen((k + 1) % 4))
}

/// The share of a located side's samples near its start (`end` 0) or its end (1) with its edge
/// (`SideEvidence::ends`); None for a side placed from the aspect.
fn end_support(proof: &Proof, side: usize, end: usize) -> Option<f64> {
    proof.side_support(side)?;
    proof.ends.get(side).and_then(|e| e.get(end)).copied()
}

/// A located side with a step of at least `PRINT_STEP` grey levels where the side opposite it
/// has a faint one (under `FAINT_STEP`), and that stops short of a corner the side beside it
/// reaches, is print inside the document rather than its border: a passport's photo edge next
/// to a pale card's faint border on a white desk. (A dark header's edge, the other strong side a
/// card has, runs from corner to corner; a thumb over a corner usually hides it from both
/// sides.) "Short" is at most `CORNER_SUPPORT` of the side's samples near that corner, and the
/// neighbour reaches it with more: an end of exactly a quarter counts as short here, where
/// `cornered` counts it as seen. Chosen on the tuning frames.
const PRINT_STEP: f64 = 60.0;
const FAINT_STEP: f64 = 20.0;

/// Whether a side of the proof is such an edge of print (`PRINT_STEP`).
fn print_side(proof: &Proof) -> bool {
    let step = |i: usize| proof.step.get(i).copied().unwrap_or(0.0);
    let short = |i: usize, e: usize| end_support(proof, i, e).is_some_and(|x| x <= CORNER_SUPPORT);
    let reaches = |i: usize, e: usize| end_support(proof, i, e).is_some_and(|x| x > CORNER_SUPPORT);
    // side i's end 0 is at corner i, where side i − 1 ends; its end 1 where side i + 1 starts
    let short_at_a_seen_corner = |i: usize| {
        (short(i, 0) && reaches((i + 3) % 4, 1)) || (short(i, 1) && reaches((i + 1) % 4, 0))
    };
    (0..4).any(|i| {
        let opposite = (i + 2) % 4;
        proof.side_support(opposite).is_some()
            && step(i) >= PRINT_STEP
            && step(opposite) < FAINT_STEP
            && short_at_a_seen_corner(i)
    })
}

fn judge(
    proof: Proof,
    guide: &Guide,
    width: usize,
    height: usize,
    config: &DocumentConfig,
) -> DocumentReport {
    let proven =
        sides_proven(&proof) && proof.print >= MIN_PRINT && cornered(&proof) && !print_side(&proof);
    if !proven {
        return DocumentReport::absent();
    }
    let q = proof.quad;
    let (fw, fh) = (width as f64, height as f64);
    let (mx, my) = (config.edge_margin * fw, config.edge_margin * fh);
    let inside = q
        .iter()
        .all(|p| p.x >= 0.0 && p.y >= 0.0 && p.x <= fw && p.y <= fh);
    let near_edge = q
        .iter()
        .any(|p| p.x < mx || p.y < my || p.x > fw - mx || p.y > fh - my);
    let coverage = area(&q) / (guide.width * guide.height);
    let rotation = {
        let [(t0, t1), _, (b0, b1), _] = sides(&q);
        let a = atan2(t1.y - t0.y, t1.x - t0.x) + atan2(b0.y - b1.y, b0.x - b1.x);
        (a / 2.0).to_degrees().abs()
    };
    let slant = corner_angles(&q)
        .iter()
        .map(|a| (a - 90.0).abs())
        .fold(0.0, f64::max);
    let skew = rotation.max(slant);
    DocumentReport {
        found: inside,
        corners: inside.then_some(q),
        coverage,
        skew_degrees: skew,
        no_document: false,
        partly_outside: near_edge,
        too_far: coverage < config.min_coverage,
        too_close: coverage > config.max_coverage,
        tilted: skew > config.max_skew_degrees,
    }
}

/// Cells of a content signature: 12 across, 8 down the document.
const SIGNATURE_COLUMNS: usize = 12;
const SIGNATURE_ROWS: usize = 8;

/// A small picture of the document's content: the mean grey of 12 × 8 cells in the document's
/// own coordinates, normalised (zero mean, unit length), so that it does not depend on where the
/// document lies in the frame, on its size or on the exposure. The front and the back of a card
/// differ; the same side seen twice does not.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Signature([f32; SIGNATURE_COLUMNS * SIGNATURE_ROWS]);

impl Signature {
    /// The signature of the document with these corners; None when the corners are degenerate,
    /// a cell falls outside the frame, or the content is flat.
    pub fn of(grey: &[u8], width: usize, height: usize, corners: &Quad) -> Option<Signature> {
        if grey.len() < width.checked_mul(height)? {
            return None;
        }
        let frame = Frame {
            grey,
            width,
            height,
        };
        let h = Homography::from_points(&UNIT_SQUARE, corners)?;
        let mut cells = [0.0f32; SIGNATURE_COLUMNS * SIGNATURE_ROWS];
        for (i, cell) in cells.iter_mut().enumerate() {
            let (cx, cy) = (i % SIGNATURE_COLUMNS, i / SIGNATURE_COLUMNS);
            let mut sum = 0.0;
            for s in 0..16 {
                let u = (cx as f64 + 0.125 + 0.25 * (s % 4) as f64) / SIGNATURE_COLUMNS as f64;
                let v = (cy as f64 + 0.125 + 0.25 * (s / 4) as f64) / SIGNATURE_ROWS as f64;
                let p = h.apply(Point::new(u, v))?;
                sum += frame.sample(p.x, p.y)?;
            }
            *cell = (sum / 16.0) as f32;
        }
        let mean = cells.iter().sum::<f32>() / cells.len() as f32;
        cells.iter_mut().for_each(|c| *c -= mean);
        let norm = cells.iter().map(|c| c * c).sum::<f32>().sqrt();
        if norm.is_nan() || norm < 1e-3 {
            return None;
        }
        cells.iter_mut().for_each(|c| *c /= norm);
        Some(Signature(cells))
    }

    /// Its 96 values (to keep it beside a capture).
    pub fn values(&self) -> &[f32] {
        &self.0
    }

    /// A signature from `values()`; None for another length or values that are not finite.
    pub fn from_values(values: &[f32]) -> Option<Signature> {
        let cells: [f32; SIGNATURE_COLUMNS * SIGNATURE_ROWS] = values.try_into().ok()?;
        cells
            .iter()
            .all(|v| v.is_finite())
            .then_some(Signature(cells))
    }

    /// Correlation with `other` from −1 to 1, the larger of as-is and turned by 180° (a card
    /// shown upside down is still the same side).
    pub fn similarity(&self, other: &Signature) -> f64 {
        let straight: f32 = self.0.iter().zip(other.0.iter()).map(|(a, b)| a * b).sum();
        let turned: f32 = self
            .0
            .iter()
            .zip(other.0.iter().rev())
            .map(|(a, b)| a * b)
            .sum();
        f64::from(straight.max(turned))
    }
}

/// Above this similarity two signatures show the same side (measured in BENCHMARKS.md: the same
/// side seen again scores about 0.9, the other side of the card about 0.2).
pub const SAME_SIDE: f64 = 0.6;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::image::framing::{guide, GuideKind};

    /// A card of the ID-1 aspect, turned by `degrees` and scaled by `scale` against the guide,
    /// drawn with 4× supersampling on a textured desk, in a 640 × 360 frame. `print` false draws
    /// a blank card. Returns the frame and the card's true corners.
    fn scene(degrees: f64, scale: f64, print: bool) -> (Vec<u8>, Guide, Quad) {
        scene_on(degrees, scale, print, 0.0, false, false)
    }

    /// `scene`, and with `band` a header strip along the card's top a little darker than the desk.
    fn scene_with_band(
        degrees: f64,
        scale: f64,
        print: bool,
        band: bool,
    ) -> (Vec<u8>, Guide, Quad) {
        scene_on(
            degrees,
            scale,
            print,
            if band { 0.1 } else { 0.0 },
            false,
            false,
        )
    }

    /// `scene`, with a header strip along the card's top a little darker than the desk, `band`
    /// of the card's height (0: none), on a smooth pale desk (197 ± 1 grey levels, the card 205)
    /// when `pale`; with `column`, the print is rows of text from near the card's left edge to
    /// its middle (a card's back: no photo).
    fn scene_on(
        degrees: f64,
        scale: f64,
        print: bool,
        band: f64,
        pale: bool,
        column: bool,
    ) -> (Vec<u8>, Guide, Quad) {
        let (w, h) = (640usize, 360usize);
        let g = guide(GuideKind::IdCard, w as f64, h as f64, 0.08).unwrap();
        let (cw, ch) = (g.width * scale, g.height * scale);
        let (cx, cy) = (g.x + g.width / 2.0 + 6.0, g.y + g.height / 2.0 - 4.0);
        let (sin, cos) = degrees.to_radians().sin_cos();
        let to_frame = |u: f64, v: f64| {
            let (x, y) = ((u - 0.5) * cw, (v - 0.5) * ch);
            Point::new(cx + x * cos - y * sin, cy + x * sin + y * cos)
        };
        let corners = [
            to_frame(0.0, 0.0),
            to_frame(1.0, 0.0),
            to_frame(1.0, 1.0),
            to_frame(0.0, 1.0),
        ];
        let mut img = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let mut acc = 0.0;
                for s in 0..16 {
                    let px = x as f64 + 0.125 + 0.25 * (s % 4) as f64 - cx;
                    let py = y as f64 + 0.125 + 0.25 * (s / 4) as f64 - cy;
                    let (u, v) = (
                        (px * cos + py * sin) / cw + 0.5,
                        (-px * sin + py * cos) / ch + 0.5,
                    );
                    acc += if (0.0..1.0).contains(&u) && (0.0..1.0).contains(&v) {
                        // (on the pale desk: text in the middle rows only, out of the bands)
                        let rows = if pale { (0.45, 0.7) } else { (0.12, 0.88) };
                        let (row, from, to) = if column {
                            ((v * 20.0) as i32 % 4 != 0, 0.06, 0.6)
                        } else {
                            ((v * 20.0) as i32 % 2 == 1, 0.4, 0.94)
                        };
                        let text = print
                            && (row && u > from && u < to)
                            && v > rows.0
                            && v < rows.1
                            && ((u * 60.0) as i32 % 3 != 0);
                        let photo = print && !column && u > 0.05 && u < 0.33 && v > 0.2 && v < 0.8;
                        if v < band {
                            70.0
                        } else if text {
                            40.0
                        } else if photo {
                            110.0
                        } else {
                            205.0
                        }
                    } else if pale {
                        196.0 + ((x * 7 + y * 13) % 3) as f64
                    } else {
                        // wood-like desk: stripes and grain
                        let grain = ((x as f64 * 0.05 + (y as f64 * 0.31).sin() * 3.0).sin()
                            * 18.0)
                            + ((x * 7 + y * 13) % 11) as f64;
                        85.0 + grain
                    };
                }
                img[y * w + x] = (acc / 16.0).round() as u8;
            }
        }
        (img, g, corners)
    }

    /// The 640 × 360 frame of a scene.
    fn scene_frame(img: &[u8]) -> Frame<'_> {
        Frame {
            grey: img,
            width: 640,
            height: 360,
        }
    }

    /// A saturated highlight over the middle of the right side, spilling over the desk.
    fn glare(img: &mut [u8], truth: &Quad) {
        let (ex, ey) = (
            0.5 * (truth[1].x + truth[2].x),
            0.5 * (truth[1].y + truth[2].y),
        );
        for y in 0..360 {
            for x in 0..640 {
                let (dx, dy) = ((x as f64 - ex) / 28.0, (y as f64 - ey) / 95.0);
                if dx * dx + dy * dy <= 1.0 {
                    img[y * 640 + x] = 255;
                }
            }
        }
    }

    fn run(img: &[u8], g: &Guide) -> DocumentReport {
        detect(
            img,
            640,
            360,
            g,
            GuideKind::IdCard.aspect(),
            &DocumentConfig::default(),
            &mut DocumentScratch::default(),
        )
        .unwrap()
    }

    #[test]
    fn a_card_in_the_guide_is_found_with_its_corners_to_a_pixel() {
        for (deg, scale) in [(0.0, 0.95), (4.0, 0.9), (-7.0, 0.92)] {
            let (img, g, truth) = scene(deg, scale, true);
            let r = run(&img, &g);
            assert!(r.ok(), "{deg}° ×{scale}: {r:?}");
            let found = r.corners.unwrap();
            let err = crate::core::image::geometry::max_corner_distance(&found, &truth);
            assert!(
                err < 1.0,
                "{deg}° ×{scale}: corner error {err}: {found:?} vs {truth:?}"
            );
            assert!((r.coverage - scale * scale).abs() < 0.03, "{}", r.coverage);
            assert!(
                (r.skew_degrees - deg.abs()).abs() < 1.0,
                "{}",
                r.skew_degrees
            );
        }
    }

    #[test]
    fn an_empty_desk_and_a_blank_card_are_not_documents() {
        let (img, g, _) = scene(0.0, 0.0001, true);
        assert!(run(&img, &g).no_document);
        let (img, g, _) = scene(2.0, 0.95, false);
        let r = run(&img, &g);
        assert!(!r.ok(), "{r:?}");
    }

    #[test]
    fn a_small_or_turned_card_says_why() {
        let (img, g, _) = scene(0.0, 0.65, true);
        let r = run(&img, &g);
        assert!(r.found && r.too_far && !r.ok(), "{r:?}");
        let (img, g, _) = scene(16.0, 0.75, true);
        let r = run(&img, &g);
        assert!(r.found && r.tilted && !r.ok(), "{r:?}");
    }

    #[test]
    fn one_side_washed_out_by_glare_still_gives_four_corners() {
        let (mut img, g, truth) = scene(3.0, 0.95, true);
        glare(&mut img, &truth);
        let r = run(&img, &g);
        assert!(r.found, "{r:?}");
        let err = crate::core::image::geometry::max_corner_distance(&r.corners.unwrap(), &truth);
        assert!(err < 6.0, "{err}");
    }

    /// The full proof of an ID-1 card along `quad`, every side brighter inside.
    fn full_proof(frame: &Frame<'_>, quad: Quad, g: &Guide, s: &mut DocumentScratch) -> Proof {
        let aspect = GuideKind::IdCard.aspect();
        refine(
            frame,
            quad,
            [Some(1.0); 4],
            aspect,
            centre(g),
            s,
            f64::NEG_INFINITY,
        )
        .unwrap()
    }

    #[test]
    fn a_side_between_two_projection_angles_is_fitted_at_its_own_angle() {
        // turned by half the projection's angle step, with a thin dark strip along the top: its
        // inner edge runs 5 px inside the card's border, parallel to it
        let half_step = f64::from(MAX_TAN / (ANGLES - 1) as f32);
        for turn in [half_step, -half_step] {
            let deg = turn.atan().to_degrees();
            let (img, g, truth) = scene_on(deg, 0.95, true, 0.018, false, false);
            let frame = scene_frame(&img);
            let mut s = DocumentScratch::default();
            let top = band(Side::Top, &g, 640, 360).unwrap();
            let lines = side_lines(&frame, &top, &mut s);
            let border =
                Line::through(truth[0], truth[1].x - truth[0].x, truth[1].y - truth[0].y).unwrap();
            let strong: Vec<SideLine> = lines
                .iter()
                .flatten()
                .copied()
                .filter(|l| l.support > 0.8)
                .collect();
            assert!(!strong.is_empty(), "{deg}°: {lines:?}");
            for l in strong {
                let off = (l.line.angle_degrees() - border.angle_degrees()).abs();
                assert!(
                    off < 0.08,
                    "{deg}°: a line {off}° off the card's angle: {l:?}"
                );
            }
        }
    }

    #[test]
    fn a_white_card_s_faint_border_on_a_pale_desk_proves_its_sides() {
        // a white card (205) on a smooth white desk (197 ± 1): each side a step of 8 grey
        // levels, clear against the desk's ±1 but under the 10 the proof once asked of every
        // side. (The search does not always propose this card's sides: a strong inner edge,
        // the photo's, can fill the band's places; BENCHMARKS.md §8.)
        for deg in [0.0, 3.0, -4.0] {
            let (img, g, truth) = scene_on(deg, 0.92, true, 0.0, true, false);
            let frame = scene_frame(&img);
            let proof = full_proof(&frame, truth, &g, &mut DocumentScratch::default());
            assert!(
                proof.step.iter().all(|st| (6.0..10.0).contains(st)),
                "{deg}°: {:?}",
                proof.step
            );
            assert!(sides_proven(&proof), "{deg}°: {:?}", proof.support);
            assert!(max_corner_distance(&proof.quad, &truth) < 1.0, "{deg}°");
        }
    }

    /// Asserts that the card is found with every corner within `tolerance` px of `truth`.
    fn found_within(img: &[u8], g: &Guide, truth: &Quad, tolerance: f64, deg: f64) {
        let r = run(img, g);
        assert!(r.found, "{deg}°: {r:?}");
        let err = crate::core::image::geometry::max_corner_distance(&r.corners.unwrap(), truth);
        assert!(
            err < tolerance,
            "{deg}°: corner error {err}: {:?} vs {truth:?}",
            r.corners
        );
    }

    #[test]
    fn a_text_column_and_a_strip_s_inner_edge_give_way_to_the_border_together() {
        // a card's back: a thin strip along the top darker than the desk (its border a faint
        // step of the other sign), rows of text from near the left edge. From the quadrilateral
        // on the strip's inner edge and the column's starts, the left side alone would move out
        // to the border and leave the top on the strip's inner edge, 8 px in; both move out
        // together (within 4 px: the top border, a step of 15 grey levels on a striped desk, is
        // located less exactly than the others)
        for deg in [0.0, 2.0, -3.0] {
            let (img, g, truth) = scene_on(deg, 0.92, true, 0.03, false, true);
            let frame = scene_frame(&img);
            let mut s = DocumentScratch::default();
            let mut lines = [[None; PEAKS]; 4];
            for (side, slot) in SIDES.iter().zip(lines.iter_mut()) {
                *slot = side_lines(&frame, &band(*side, &g, 640, 360).unwrap(), &mut s);
            }
            // the inner quadrilateral: the top 3 % and the left 6 % of the card in
            let [tl, tr, br, bl] = truth;
            let at = |u: f64, v: f64| {
                let top = Point::new(tl.x + u * (tr.x - tl.x), tl.y + u * (tr.y - tl.y));
                let bottom = Point::new(bl.x + u * (br.x - bl.x), bl.y + u * (br.y - bl.y));
                Point::new(
                    top.x + v * (bottom.x - top.x),
                    top.y + v * (bottom.y - top.y),
                )
            };
            let start = [at(0.06, 0.03), at(1.0, 0.03), at(1.0, 1.0), at(0.06, 1.0)];
            let polarity = [Some(1.0), Some(1.0), Some(1.0), Some(-1.0)];
            let aspect = GuideKind::IdCard.aspect();
            let wrong = refine(&frame, start, polarity, aspect, centre(&g), &mut s, 0.0).unwrap();
            let off = max_corner_distance(&wrong.quad, &truth);
            assert!(off > 6.0, "{deg}°: the inner quadrilateral is {off} px off");
            let moved = outermost(&frame, wrong, &lines, aspect, &g, &mut s);
            let err = max_corner_distance(&moved.quad, &truth);
            assert!(
                err < 4.0,
                "{deg}°: {err} px off: {:?} vs {truth:?}",
                moved.quad
            );
        }
    }

    #[test]
    fn a_dark_band_along_the_top_is_inside_the_document() {
        // the band's inner edge is the strongest line of the top band; the card's own border
        // is a faint step beyond it (20 grey levels, on a desk striped ± 18: a few pixels of
        // its length are lost in the stripes, hence 4 px and not 1)
        for deg in [0.0, 3.0, -3.0] {
            let (img, g, truth) = scene_with_band(deg, 0.92, true, true);
            found_within(&img, &g, &truth, 4.0, deg);
        }
    }

    #[test]
    fn a_border_whose_sign_changes_along_it_is_still_a_side() {
        // a dark header along the top, the desk dark on the left and light on the right: the
        // card's top border is brighter inside on its left half, darker inside on its right
        for deg in [0.0, 3.0] {
            let (mut img, g, truth) = scene_with_band(deg, 0.92, true, true);
            let inside = |x: f64, y: f64| {
                sides(&truth)
                    .iter()
                    .all(|(p, q)| (q.x - p.x) * (y - p.y) - (q.y - p.y) * (x - p.x) >= -0.5)
            };
            for (i, v) in img.iter_mut().enumerate() {
                let (x, y) = ((i % 640) as f64 + 0.5, (i / 640) as f64 + 0.5);
                if !inside(x, y) {
                    *v = if x < 320.0 {
                        *v / 3
                    } else {
                        v.saturating_add(45)
                    };
                }
            }
            found_within(&img, &g, &truth, 2.0, deg);
        }
    }

    /// A card seen from below its top (the top side shorter and tilted the other way from the
    /// bottom), with a dark header (`header`: its share of the card's height; above 0.1, it
    /// carries two lines of light print), on a desk of grey `left` on the left and `right` on
    /// the right: its top border is faint and changes sign along it, while the header's inner
    /// edge and print are strong lines (frames 200346 and 200310 of the holdout set look like
    /// this). Returns the frame, the guide and the card's corners.
    fn header_under_perspective(left: f64, right: f64, header: f64) -> (Vec<u8>, Guide, Quad) {
        let (w, h) = (640usize, 360usize);
        let g = guide(GuideKind::IdCard, w as f64, h as f64, 0.08).unwrap();
        let truth = [
            Point::new(113.5, 56.6),
            Point::new(529.8, 62.6),
            Point::new(539.3, 320.6),
            Point::new(113.4, 335.9),
        ];
        let to_card = Homography::from_points(&truth, &UNIT_SQUARE).unwrap();
        let mut img = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let mut acc = 0.0;
                for s in 0..16 {
                    let px = x as f64 + 0.125 + 0.25 * (s % 4) as f64;
                    let py = y as f64 + 0.125 + 0.25 * (s / 4) as f64;
                    let c = to_card.apply(Point::new(px, py)).unwrap();
                    let (u, v) = (c.x, c.y);
                    acc += if (0.0..1.0).contains(&u) && (0.0..1.0).contains(&v) {
                        let header_print = header > 0.1
                            && ((0.03..0.055).contains(&v) && (0.04..0.45).contains(&u)
                                || (0.07..0.115).contains(&v) && (0.04..0.35).contains(&u))
                            && (u * 90.0) as i32 % 3 != 0;
                        let body_print = (0.3..0.8).contains(&v)
                            && (0.4..0.9).contains(&u)
                            && (v * 20.0) as i32 % 2 == 1;
                        if header_print {
                            200.0
                        } else if v < header {
                            60.0
                        } else if body_print {
                            40.0
                        } else {
                            215.0
                        }
                    } else {
                        let texture = ((x * 7 + y * 13) % 11) as f64;
                        texture + if px < 330.0 { left } else { right }
                    };
                }
                img[y * w + x] = (acc / 16.0).round() as u8;
            }
        }
        (img, g, truth)
    }

    #[test]
    fn a_faint_side_of_changing_sign_under_perspective_is_located_not_placed() {
        // placed from the aspect, the top was ~10 px off
        let (img, g, truth) = header_under_perspective(43.0, 72.0, 0.14);
        found_within(&img, &g, &truth, 2.0, 0.0);
    }

    #[test]
    fn a_side_on_a_header_s_inner_edge_moves_out_to_a_faint_border_no_line_was_found_for() {
        // a proof whose top lies on the dark header's inner edge, and no line of the top band
        // to try beyond it: the border (the header against the desk, of either sign along it)
        // is found by looking just outside
        let (img, g, truth) = header_under_perspective(45.0, 75.0, 0.045);
        let frame = scene_frame(&img);
        let to_frame = Homography::from_points(&UNIT_SQUARE, &truth).unwrap();
        let inner = [
            to_frame.apply(Point::new(0.0, 0.045)).unwrap(),
            to_frame.apply(Point::new(1.0, 0.045)).unwrap(),
            truth[2],
            truth[3],
        ];
        let aspect = GuideKind::IdCard.aspect();
        let mut s = DocumentScratch::default();
        let proof = full_proof(&frame, inner, &g, &mut s);
        assert!(
            max_corner_distance(&proof.quad, &inner) < 1.0,
            "{:?}",
            proof.quad
        );
        let out = outermost(&frame, proof, &[[None; PEAKS]; 4], aspect, &g, &mut s);
        let err = max_corner_distance(&out.quad, &truth);
        assert!(err < 2.0, "corner error {err}: {:?}", out.quad);
    }

    #[test]
    fn an_edge_at_the_profile_s_inner_end_measures_its_own_step() {
        // a faint dark-inside edge 3.5 px inside a vertical side (x = 20, inside towards −x):
        // the best derivative falls on the profile's last usable index, where the inside mean
        // once read past the profile and came out as 0, so a 10-level step measured as ~200
        let (w, h) = (64, 64);
        let grey: Vec<u8> = (0..w * h)
            .map(|i| if i % w <= 16 { 190 } else { 200 })
            .collect();
        let frame = Frame {
            grey: &grey,
            width: w,
            height: h,
        };
        let (axis, _) = Axis::new(Point::new(20.0, 10.0), Point::new(20.0, 50.0)).unwrap();
        for effort in [Effort::Quick, Effort::Full] {
            let (offset, step) = edge_at(&frame, &axis, 20.0, -1.0, effort).unwrap();
            assert!((offset - 3.0).abs() <= 1.0, "offset {offset}");
            assert!((5.0..=15.0).contains(&step), "step {step}");
        }
    }

    #[test]
    fn sides_that_stop_short_of_two_neighbouring_corners_prove_no_document() {
        // (support near each side's start and end; sides run TL→TR, TR→BR, BR→BL, BL→TL)
        let proof = |support: [Option<f64>; 4], ends: [[f64; 2]; 4]| Proof {
            quad: UNIT_SQUARE,
            polarity: support.map(|s| s.map(|_| 1.0)),
            support,
            step: [40.0; 4],
            ends,
            print: 20.0,
            beyond: 0.0,
            fit: 1.0,
        };
        // a sticky note in a passport's guide: the left side placed past its end, the top and
        // the bottom stopping short of it
        let note = proof(
            [Some(0.75), Some(1.0), Some(0.75), None],
            [[0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0; 2]],
        );
        assert!(sides_proven(&note) && !cornered(&note));
        // the same sides reaching the placed side's corners: a card whose left side is in glare
        let card = proof(
            [Some(0.75), Some(1.0), Some(0.75), None],
            [[0.5, 1.0], [1.0, 1.0], [1.0, 0.25], [0.0; 2]],
        );
        assert!(cornered(&card));
        // a thumb over the top-left corner: one corner unseen
        let thumb = proof(
            [Some(0.8); 4],
            [[0.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 0.0]],
        );
        assert!(cornered(&thumb));
        // …and over the top-right one too: two neighbouring corners unseen
        let two = proof(
            [Some(0.8); 4],
            [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]],
        );
        assert!(!cornered(&two));
    }

    #[test]
    fn a_strong_side_that_stops_short_beside_faint_ones_is_print_not_the_border() {
        // sides run TL→TR, TR→BR, BR→BL, BL→TL; (start, end) support near each end
        let proof = |step: [f64; 4], ends: [[f64; 2]; 4]| Proof {
            quad: UNIT_SQUARE,
            polarity: [Some(1.0); 4],
            support: [Some(0.9); 4],
            step,
            ends,
            print: 20.0,
            beyond: 0.0,
            fit: 1.0,
        };
        let reach = [[1.0, 1.0]; 4];
        // a pale passport on a white desk: its photo's edge (a step of 150) taken for the left
        // side, stopping short of the top-left corner that the top's faint border reaches
        let photo = proof(
            [12.0, 10.0, 15.0, 150.0],
            [reach[0], reach[1], reach[2], [1.0, 0.125]],
        );
        assert!(sides_proven(&photo) && cornered(&photo) && print_side(&photo));
        // the same side reaching both corners: a border against a dark desk there
        assert!(!print_side(&proof([12.0, 10.0, 15.0, 150.0], reach)));
        // a thumb over that corner hides it from the top as well
        let thumb = proof(
            [12.0, 10.0, 15.0, 150.0],
            [[0.0, 1.0], reach[1], reach[2], [1.0, 0.125]],
        );
        assert!(!print_side(&thumb));
        // a strong side whose opposite is strong too: a card on a dark desk, one corner cut
        let dark = proof(
            [90.0, 80.0, 85.0, 150.0],
            [reach[0], reach[1], reach[2], [1.0, 0.125]],
        );
        assert!(!print_side(&dark));
        // faint neighbours do not count for it: its opposite side is what must be faint
        let neighbours = proof(
            [12.0, 80.0, 15.0, 150.0],
            [reach[0], reach[1], reach[2], [1.0, 0.125]],
        );
        assert!(!print_side(&neighbours));
        // the photo's edge taken for the right side, short of the top-right corner (its start),
        // which the top reaches; and under a thumb that hides that corner from the top as well
        let mirrored = proof(
            [12.0, 150.0, 15.0, 10.0],
            [reach[0], [0.125, 1.0], reach[2], reach[3]],
        );
        assert!(print_side(&mirrored));
        let thumb = proof(
            [12.0, 150.0, 15.0, 10.0],
            [[1.0, 0.0], [0.125, 1.0], reach[2], reach[3]],
        );
        assert!(!print_side(&thumb));
        // the verdict follows
        let g = Guide {
            x: 0.0,
            y: 0.0,
            width: 1.0,
            height: 1.0,
            ellipse: false,
        };
        let config = DocumentConfig::default();
        assert!(!judge(photo, &g, 2, 2, &config).found);
        assert!(judge(proof([12.0, 10.0, 15.0, 150.0], reach), &g, 2, 2, &config).found);
    }

    #[test]
    fn a_side_s_ends_tell_whether_its_edge_reaches_the_corners() {
        // a note's top edge, from x = 100 to 300 at y = 60, measured along 100–560 and 100–300
        let (w, h) = (640usize, 360usize);
        let img: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                if (100..300).contains(&x) && y >= 60 {
                    200
                } else {
                    60
                }
            })
            .collect();
        let frame = Frame {
            grey: &img,
            width: w,
            height: h,
        };
        let mut s = DocumentScratch::default();
        let longer = edge_along(
            &frame,
            Point::new(100.0, 60.0),
            Point::new(560.0, 60.0),
            1.0,
            Effort::Full,
            &mut s,
        )
        .unwrap();
        assert_eq!(longer.ends, [1.0, 0.0], "{longer:?}");
        assert!(longer.support > 0.4 && longer.support < 0.5, "{longer:?}");
        let part = edge_along(
            &frame,
            Point::new(100.0, 60.0),
            Point::new(300.0, 60.0),
            1.0,
            Effort::Full,
            &mut s,
        )
        .unwrap();
        assert_eq!(part.ends, [1.0, 1.0], "{part:?}");
    }

    #[test]
    fn above_is_the_least_score_more_than_its_argument() {
        for x in [0.0, -0.0, 1e-300, 0.25, 0.7, 1.0, 3.5] {
            let a = above(x);
            assert!(a > x, "{x}");
            // nothing lies between them: "score >= above(x)" is "score > x"
            assert!(f64::from_bits(a.to_bits() - 1) <= x, "{x}");
        }
    }

    #[test]
    fn unusable_input_gives_none() {
        let g = guide(GuideKind::IdCard, 640.0, 360.0, 0.08).unwrap();
        let c = DocumentConfig::default();
        let mut s = DocumentScratch::default();
        assert!(detect(&[0; 100], 640, 360, &g, 1.5, &c, &mut s).is_none());
        assert!(detect(&[0; 4], 2, 2, &g, 1.5, &c, &mut s).is_none());
        assert!(detect(&[], usize::MAX, 2, &g, 1.5, &c, &mut s).is_none());
        let outside = Guide { x: 900.0, ..g };
        assert!(detect(&vec![0; 640 * 360], 640, 360, &outside, 1.5, &c, &mut s).is_none());
        let nan = Guide {
            width: f64::NAN,
            ..g
        };
        assert!(detect(&vec![0; 640 * 360], 640, 360, &nan, 1.5, &c, &mut s).is_none());
        assert!(detect(&vec![0; 640 * 360], 640, 360, &g, f64::NAN, &c, &mut s).is_none());
    }
}
