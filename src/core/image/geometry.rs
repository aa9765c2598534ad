//! Plane geometry for capture: points, lines, quadrilaterals and homographies.
//!
//! Coordinates are continuous pixels: an image spans `[0, W] × [0, H]` and pixel `(i, j)` covers
//! `[i, i + 1] × [j, j + 1]`, so a point moves to another resolution by a multiplication.

use serde::Serialize;
use tsify::Tsify;

/// A point in pixels of the frame (video, photo).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Tsify)]
#[tsify(rename = "Corner")]
pub struct Point {
    /// Horizontal, rightwards.
    pub x: f64,
    /// Vertical, downwards.
    pub y: f64,
}

impl Point {
    /// The point `(x, y)`.
    pub const fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }

    /// Euclidean distance to `other`.
    pub fn distance(self, other: Point) -> f64 {
        let (dx, dy) = (self.x - other.x, self.y - other.y);
        (dx * dx + dy * dy).sqrt()
    }

    /// Whether both coordinates are finite.
    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite()
    }

    fn sub(self, o: Point) -> Point {
        Point::new(self.x - o.x, self.y - o.y)
    }

    fn cross(self, o: Point) -> f64 {
        self.x * o.y - self.y * o.x
    }
}

/// A line `a·x + b·y = c` with `(a, b)` a unit normal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Line {
    /// Normal, x part.
    pub a: f64,
    /// Normal, y part.
    pub b: f64,
    /// Signed distance of the line from the origin along the normal.
    pub c: f64,
}

impl Line {
    /// The line through `p` with direction `(dx, dy)`; None for a zero direction.
    pub fn through(p: Point, dx: f64, dy: f64) -> Option<Line> {
        let n = (dx * dx + dy * dy).sqrt();
        if n.is_nan() || n <= 1e-12 || !p.is_finite() {
            return None;
        }
        let (a, b) = (-dy / n, dx / n);
        Some(Line {
            a,
            b,
            c: a * p.x + b * p.y,
        })
    }

    /// Signed distance of `p` from the line.
    pub fn distance(&self, p: Point) -> f64 {
        self.a * p.x + self.b * p.y - self.c
    }

    /// The intersection with `other`; None when (nearly) parallel.
    pub fn intersect(&self, other: &Line) -> Option<Point> {
        let det = self.a * other.b - self.b * other.a;
        if det.abs() < 1e-9 {
            return None;
        }
        let p = Point::new(
            (self.c * other.b - self.b * other.c) / det,
            (self.a * other.c - self.c * other.a) / det,
        );
        p.is_finite().then_some(p)
    }

    /// The total-least-squares line through weighted points `(x, y, w)`; None for fewer than
    /// two distinct points or no weight.
    pub fn fit(points: impl Iterator<Item = (f64, f64, f64)> + Clone) -> Option<Line> {
        let (mut sw, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for (x, y, w) in points.clone() {
            sw += w;
            sx += w * x;
            sy += w * y;
        }
        if sw.is_nan() || sw <= 0.0 {
            return None;
        }
        let (mx, my) = (sx / sw, sy / sw);
        let (mut xx, mut xy, mut yy) = (0.0, 0.0, 0.0);
        for (x, y, w) in points {
            let (dx, dy) = (x - mx, y - my);
            xx += w * dx * dx;
            xy += w * dx * dy;
            yy += w * dy * dy;
        }
        // the direction of largest spread: the eigenvector of the covariance's larger eigenvalue
        // (closed form for 2 × 2; no trigonometry, whose code weighs 5 KB in the wasm)
        if xx + yy <= 0.0 {
            return None;
        }
        let half = 0.5 * (xx - yy);
        let largest = 0.5 * (xx + yy) + (half * half + xy * xy).sqrt();
        let (dx, dy) = if xy.abs() > 1e-12 * (xx + yy) {
            (largest - yy, xy)
        } else if xx >= yy {
            (1.0, 0.0)
        } else {
            (0.0, 1.0)
        };
        Line::through(Point::new(mx, my), dx, dy)
    }

    /// The angle of the line's direction in degrees, folded into (-90, 90] (to 0.1°).
    pub fn angle_degrees(&self) -> f64 {
        fold_degrees(atan2(self.a, -self.b).to_degrees())
    }
}

/// atan2 to 0.0015 rad (0.09°), in a few instructions: libm's, with the trigonometry it pulls
/// in, would weigh several KB of the package for angles reported to a degree.
pub fn atan2(y: f64, x: f64) -> f64 {
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};
    // atan(z) for |z| ≤ 1 (Rajan, Wang, Inkol and Joyal, 2006)
    let unit = |z: f64| FRAC_PI_4 * z - z * (z.abs() - 1.0) * (0.2447 + 0.0663 * z.abs());
    if x == 0.0 && y == 0.0 {
        0.0
    } else if x.abs() >= y.abs() {
        let a = unit(y / x);
        match (x < 0.0, y >= 0.0) {
            (false, _) => a,
            (true, true) => a + PI,
            (true, false) => a - PI,
        }
    } else if y > 0.0 {
        FRAC_PI_2 - unit(x / y)
    } else {
        -FRAC_PI_2 - unit(x / y)
    }
}

/// Folds an angle in degrees into (-90, 90] (a line's direction has no sign).
pub fn fold_degrees(d: f64) -> f64 {
    // `%` on floats is libm's fmod: a floor does it in a few instructions
    let d = d - 180.0 * (d / 180.0).floor();
    if d > 90.0 {
        d - 180.0
    } else {
        d
    }
}

/// A quadrilateral: top-left, top-right, bottom-right, bottom-left.
pub type Quad = [Point; 4];

/// The four sides as (start, end): top, right, bottom, left.
pub fn sides(q: &Quad) -> [(Point, Point); 4] {
    let [a, b, c, d] = *q;
    [(a, b), (b, c), (c, d), (d, a)]
}

/// Each corner with its neighbours: (previous, corner, next), from the top-left.
fn corners(q: &Quad) -> [(Point, Point, Point); 4] {
    let [a, b, c, d] = *q;
    [(d, a, b), (a, b, c), (b, c, d), (c, d, a)]
}

/// The mean of the four corners.
pub fn centroid(q: &Quad) -> Point {
    Point::new(
        q.iter().map(|p| p.x).sum::<f64>() / 4.0,
        q.iter().map(|p| p.y).sum::<f64>() / 4.0,
    )
}

/// Area by the shoelace formula (positive for clockwise-on-screen order TL, TR, BR, BL).
pub fn area(q: &Quad) -> f64 {
    sides(q).iter().map(|(p, n)| p.cross(*n)).sum::<f64>() / 2.0
}

/// Whether the quad is convex with corners in screen-clockwise order (TL, TR, BR, BL).
pub fn is_convex(q: &Quad) -> bool {
    corners(q)
        .iter()
        .all(|(a, b, c)| b.sub(*a).cross(c.sub(*b)) > 0.0)
}

/// Each corner's interior angle in degrees (TL, TR, BR, BL).
pub fn corner_angles(q: &Quad) -> [f64; 4] {
    corners(q).map(|(prev, p, next)| {
        let (u, v) = (prev.sub(p), next.sub(p));
        atan2(u.cross(v).abs(), u.x * v.x + u.y * v.y).to_degrees()
    })
}

/// The largest distance between corresponding corners.
pub fn max_corner_distance(a: &Quad, b: &Quad) -> f64 {
    a.iter()
        .zip(b.iter())
        .map(|(p, q)| p.distance(*q))
        .fold(0.0, f64::max)
}

/// Intersection over union of two convex quads (0 when either is degenerate).
pub fn iou(a: &Quad, b: &Quad) -> f64 {
    let (aa, ab) = (area(a).abs(), area(b).abs());
    if aa.is_nan() || ab.is_nan() || aa <= 0.0 || ab <= 0.0 {
        return 0.0;
    }
    let inter = clipped_area(a, b);
    inter / (aa + ab - inter)
}

/// A convex polygon of at most 12 corners, in a fixed buffer.
#[derive(Clone, Copy)]
struct Polygon {
    points: [Point; 12],
    len: usize,
}

impl Polygon {
    fn push(&mut self, p: Point) {
        if let Some(slot) = self.points.get_mut(self.len) {
            *slot = p;
            self.len += 1;
        }
    }

    fn edges(&self) -> impl Iterator<Item = (Point, Point)> + '_ {
        let pts = self.points.get(..self.len).unwrap_or(&[]);
        pts.iter().copied().zip(pts.iter().copied().cycle().skip(1))
    }
}

/// Area of convex `subject` clipped by convex `clip` (Sutherland–Hodgman).
fn clipped_area(subject: &Quad, clip: &Quad) -> f64 {
    let mut poly = Polygon {
        points: [Point::default(); 12],
        len: 0,
    };
    subject.iter().for_each(|p| poly.push(*p));
    let orientation = area(clip).signum();
    for (c0, c1) in sides(clip) {
        let e = c1.sub(c0);
        let inside = |p: Point| orientation * e.cross(p.sub(c0)) >= 0.0;
        let mut out = Polygon {
            points: [Point::default(); 12],
            len: 0,
        };
        for (p, q) in poly.edges() {
            if inside(p) {
                out.push(p);
            }
            if inside(p) != inside(q) {
                let d = q.sub(p);
                let denom = d.cross(e);
                if denom.abs() > 1e-12 {
                    let t = c0.sub(p).cross(e) / denom;
                    out.push(Point::new(p.x + t * d.x, p.y + t * d.y));
                }
            }
        }
        poly = out;
        if poly.len < 3 {
            return 0.0;
        }
    }
    (poly.edges().map(|(p, q)| p.cross(q)).sum::<f64>() / 2.0).abs()
}

/// A 3×3 projective transform, row-major, mapping `(x, y, 1)` to `(X, Y, W)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Homography(pub [f64; 9]);

impl Homography {
    /// The transform mapping each `from[i]` to `to[i]`; None when the points are degenerate
    /// (three in a line, repeated, not finite).
    pub fn from_points(from: &Quad, to: &Quad) -> Option<Homography> {
        // 8 unknowns (h33 = 1): two equations per correspondence, Gaussian elimination.
        let mut m = [[0.0f64; 9]; 8];
        for ((p, q), rows) in from.iter().zip(to.iter()).zip(m.chunks_exact_mut(2)) {
            if !p.is_finite() || !q.is_finite() {
                return None;
            }
            if let [rx, ry] = rows {
                *rx = [p.x, p.y, 1.0, 0.0, 0.0, 0.0, -p.x * q.x, -p.y * q.x, q.x];
                *ry = [0.0, 0.0, 0.0, p.x, p.y, 1.0, -p.x * q.y, -p.y * q.y, q.y];
            }
        }
        let [a, b, c, d, e, f, g, h] = solve8(m)?;
        let out = Homography([a, b, c, d, e, f, g, h, 1.0]);
        out.0.iter().all(|v| v.is_finite()).then_some(out)
    }

    /// Maps a point; None at infinity (the point lies on the horizon line).
    pub fn apply(&self, p: Point) -> Option<Point> {
        let [a, b, c, d, e, f, g, h, i] = self.0;
        let w = g * p.x + h * p.y + i;
        if w.abs() < 1e-12 {
            return None;
        }
        let q = Point::new((a * p.x + b * p.y + c) / w, (d * p.x + e * p.y + f) / w);
        q.is_finite().then_some(q)
    }
}

/// Solves the 8×8 system given as an augmented matrix, with partial pivoting.
fn solve8(mut m: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    let at = |m: &[[f64; 9]; 8], r: usize, c: usize| {
        m.get(r).and_then(|row| row.get(c)).copied().unwrap_or(0.0)
    };
    for col in 0..8 {
        let pivot =
            (col..8).max_by(|&a, &b| at(&m, a, col).abs().total_cmp(&at(&m, b, col).abs()))?;
        m.swap(col, pivot);
        let p = *m.get(col)?;
        let pc = *p.get(col)?;
        if pc.abs() < 1e-10 {
            return None;
        }
        for (r, row) in m.iter_mut().enumerate() {
            let f = *row.get(col)? / pc;
            if r != col && f != 0.0 {
                for (v, pv) in row.iter_mut().zip(p.iter()).skip(col) {
                    *v -= f * pv;
                }
            }
        }
    }
    let mut x = [0.0; 8];
    for (i, (xi, row)) in x.iter_mut().zip(m.iter()).enumerate() {
        *xi = row.get(8)? / row.get(i)?;
    }
    Some(x)
}

/// An affine map `(x, y) ↦ (a·x + c·y + e, b·x + d·y + f)`: the argument order of canvas's
/// `setTransform(a, b, c, d, e, f)`.
pub type Affine = [f64; 6];

/// The affine map taking triangle `from` onto triangle `to`; None when `from` is flat.
pub fn affine_from_triangles(from: [Point; 3], to: [Point; 3]) -> Option<Affine> {
    let (p0, p1, p2) = (from[0], from[1], from[2]);
    let (u, v) = (p1.sub(p0), p2.sub(p0));
    let det = u.cross(v);
    if det.abs() < 1e-12 {
        return None;
    }
    let (q0, q1, q2) = (to[0], to[1], to[2]);
    let (s, t) = (q1.sub(q0), q2.sub(q0));
    // [a c; b d] = [s t] · [u v]⁻¹
    let a = (s.x * v.y - t.x * u.y) / det;
    let c = (t.x * u.x - s.x * v.x) / det;
    let b = (s.y * v.y - t.y * u.y) / det;
    let d = (t.y * u.x - s.y * v.x) / det;
    let e = q0.x - a * p0.x - c * p0.y;
    let f = q0.y - b * p0.x - d * p0.y;
    let out = [a, b, c, d, e, f];
    out.iter().all(|v| v.is_finite()).then_some(out)
}

/// The triangle with each edge moved `d` outward (parallel to itself; the corners where the
/// moved edges meet), which holds every point within `d` of the triangle. Neighbouring triangles
/// of a mesh drawn this way overlap by `d` on each side of their shared edges: with `d` over √2
/// pixels, every pixel touching a triangle lies wholly inside it, and none shows the background
/// through two antialiased half-coverages. A flat triangle is returned as it is.
pub fn grow_triangle(t: [Point; 3], d: f64) -> [Point; 3] {
    let [p0, p1, p2] = t;
    let turn = p1.sub(p0).cross(p2.sub(p0));
    if turn == 0.0 || !turn.is_finite() {
        return t;
    }
    let sign = turn.signum();
    // outward unit normal of the edge a → b (the interior is on the side `turn` gives)
    let normal = |a: Point, b: Point| {
        let e = b.sub(a);
        let n = (e.x * e.x + e.y * e.y).sqrt();
        Point::new(sign * e.y / n, -sign * e.x / n)
    };
    let normals = [normal(p2, p0), normal(p0, p1), normal(p1, p2)];
    let mut out = t;
    for (i, p) in out.iter_mut().enumerate() {
        // the edges ending and starting at this corner
        let (Some(a), Some(b)) = (normals.get(i), normals.get((i + 1) % 3)) else {
            continue;
        };
        let k = d / (1.0 + a.x * b.x + a.y * b.y);
        *p = Point::new(p.x + k * (a.x + b.x), p.y + k * (a.y + b.y));
    }
    out
}

/// The width / height of the rectangle that `q` (TL, TR, BR, BL) shows in perspective, for a
/// camera whose principal point is `centre` (Zhang & He, "Whiteboard scanning and image
/// enhancement", 2007: the focal length follows from the two vanishing points, then the aspect
/// from the rectified sides). When a pair of sides is parallel the focal length cannot be
/// measured and `focal` (a guess, in pixels: phones and webcams have about the image's long
/// side) is used. None for a degenerate quad.
pub fn true_aspect(q: &Quad, centre: Point, focal: f64) -> Option<f64> {
    // Zhang & He number the corners m1 = (0,0), m2 = (w,0), m3 = (0,h), m4 = (w,h)
    let [tl, tr, br, bl] = *q;
    let h = |p: Point| [p.x, p.y, 1.0];
    let (m1, m2, m3, m4) = (h(tl), h(tr), h(bl), h(br));
    let k2 = dot3(cross3(m1, m4), m3) / dot3(cross3(m2, m4), m3);
    let k3 = dot3(cross3(m1, m4), m2) / dot3(cross3(m3, m4), m2);
    let n2 = [k2 * m2[0] - m1[0], k2 * m2[1] - m1[1], k2 * m2[2] - m1[2]];
    let n3 = [k3 * m3[0] - m1[0], k3 * m3[1] - m1[1], k3 * m3[2] - m1[2]];
    let plain = {
        let [(t0, t1), (r0, r1), (b0, b1), (l0, l1)] = sides(q);
        (t0.distance(t1) + b0.distance(b1)) / (r0.distance(r1) + l0.distance(l1))
    };
    let (u0, v0) = (centre.x, centre.y);
    let denom = n2[2] * n3[2];

    let f2 = -(n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0
        + n2[2] * n3[2] * u0 * u0
        + n2[1] * n3[1]
        - (n2[1] * n3[2] + n2[2] * n3[1]) * v0
        + n2[2] * n3[2] * v0 * v0)
        / denom;
    let ok = k2.is_finite() && k3.is_finite() && plain.is_finite() && plain > 0.0;
    if !ok {
        return None;
    }
    // the measured focal length when there is enough perspective to measure it (within 0.5–3
    // times the guess), else the guess
    let measured = denom.abs() > 1e-12 && f2.is_finite() && f2 > 0.0;
    let f = if measured && (0.25 * focal * focal..9.0 * focal * focal).contains(&f2) {
        f2.sqrt()
    } else {
        focal
    };

    if !(f.is_finite() && f > 0.0) {
        return Some(plain);
    }
    // (A⁻¹ n)ᵀ (A⁻¹ n) with A = [[f, 0, u0], [0, f, v0], [0, 0, 1]]
    let norm = |n: [f64; 3]| {
        let r = ray(n, (centre, f));
        dot3(r, r)
    };
    let a = (norm(n2) / norm(n3)).sqrt();
    (a.is_finite() && a > 0.0).then_some(a).or(Some(plain))
}

/// The corners of a rectangle's unseen side, from its three seen sides in perspective: the side
/// opposite the unseen one (`opposite`, from corner `p` to corner `q`) and the sides through `p`
/// and `q` (`side_p`, `side_q`), which are `ratio` times as long as `opposite` on the rectangle
/// itself, seen by `camera` (principal point, focal length; pixels).
/// The sides through `p` and `q` meet at their vanishing point; the opposite side's vanishing
/// point is the one on `opposite` whose direction in space is perpendicular to theirs; the plane's
/// homography then has two columns of equal norm, which gives the unseen side's place. (Moving
/// both corners the same length along their sides is right only when the rectangle faces the
/// camera.) Returns the corners on `side_p` and on `side_q`, on the side of `opposite` where
/// `towards` lies; None when degenerate.
pub fn unseen_corners(
    opposite: &Line,
    (p, q): (Point, Point),
    side_p: &Line,
    side_q: &Line,
    ratio: f64,
    camera: (Point, f64),
    towards: Point,
) -> Option<(Point, Point)> {
    // in the camera's coordinates (origin at the principal point, unit focal length), where an
    // image point's homogeneous vector is its direction in space
    let (centre, focal) = camera;
    let at = |p: Point| ray([p.x, p.y, 1.0], camera);
    let line = |l: &Line| [l.a, l.b, (l.a * centre.x + l.b * centre.y - l.c) / focal];
    let (p3, q3) = (at(p), at(q));
    let v1 = cross3(line(side_p), line(side_q));
    let along = [-opposite.b, opposite.a, 0.0];
    let (u, w) = (dot3(v1, p3), dot3(v1, along));
    let v2 = [
        w * p3[0] - u * along[0],
        w * p3[1] - u * along[1],
        w * p3[2],
    ];
    // q = (t·v2 + p) / (t·v2.z + 1): t, by least squares along the side
    let (gx, gy) = (v2[0] - v2[2] * q3[0], v2[1] - v2[2] * q3[1]);
    let t = ((q3[0] - p3[0]) * gx + (q3[1] - p3[1]) * gy) / (gx * gx + gy * gy);
    // on the side of `opposite` where `towards` is
    let sign = dot3(line(opposite), v1) * opposite.distance(towards);
    let b = ratio * t.abs() * (dot3(v2, v2) / dot3(v1, v1)).sqrt() * sign.signum();
    let corner = |x: f64, y: f64, z: f64| {
        (z > 1e-9).then(|| Point::new(centre.x + focal * x / z, centre.y + focal * y / z))
    };
    let p2 = corner(b * v1[0] + p3[0], b * v1[1] + p3[1], b * v1[2] + 1.0)?;
    let q2 = corner(
        t * v2[0] + b * v1[0] + p3[0],
        t * v2[1] + b * v1[1] + p3[1],
        t * v2[2] + b * v1[2] + 1.0,
    )?;
    let ok = t * v2[2] + 1.0 > 0.0 && p2.is_finite() && q2.is_finite() && sign != 0.0;
    ok.then_some((p2, q2))
}

/// A⁻¹ v for the homogeneous image point `v`, A the matrix of `camera` (principal point, focal
/// length): its direction in the camera's space.
fn ray(v: [f64; 3], (centre, focal): (Point, f64)) -> [f64; 3] {
    [
        (v[0] - centre.x * v[2]) / focal,
        (v[1] - centre.y * v[2]) / focal,
        v[2],
    ]
}

fn cross3(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot3(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// How to draw a flat, upright image of a document from its corners in a photo: the output size
/// and a mesh of triangles, each drawn with one affine map (a canvas pattern's `setTransform`) — a
/// homography is not affine, so it is cut into cells small enough that the difference stays
/// under a third of a pixel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CropPlan {
    /// Output width in pixels.
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// Cells per side of the mesh.
    pub cells: u32,
    /// Output pixels → source pixels.
    to_source: Homography,
}

/// Largest mesh.
const MAX_CELLS: u32 = 32;

/// How far (output pixels) the mesh may stray from the exact homography.
const MAX_AFFINE_ERROR: f64 = 0.33;

/// Plans the crop of the document at `corners` (source pixels, TL TR BR BL) in a
/// `source_width × source_height` image. `aspect` (width / height) when the document's kind is
/// known, else its measured shape; `max_edge` caps the output's long side (the crop never
/// enlarges the document beyond its size in the source); `margin` (share of each side, 0–0.2)
/// is kept around it. None for corners that are not finite, not convex, or outside the image.
pub fn crop_plan(
    corners: &Quad,
    source_width: f64,
    source_height: f64,
    aspect: Option<f64>,
    max_edge: u32,
    margin: f64,
) -> Option<CropPlan> {
    let inside = |p: &Point| {
        p.is_finite()
            && p.x >= -0.5
            && p.y >= -0.5
            && p.x <= source_width + 0.5
            && p.y <= source_height + 0.5
    };
    if !corners.iter().all(inside) || !is_convex(corners) || !(0.0..=0.2).contains(&margin) {
        return None;
    }
    let [(t0, t1), (r0, r1), (b0, b1), (l0, l1)] = sides(corners);
    let measured_w = t0.distance(t1).max(b0.distance(b1));
    let measured_h = r0.distance(r1).max(l0.distance(l1));
    let aspect = aspect
        .filter(|a| a.is_finite() && *a > 0.1 && *a < 10.0)
        .unwrap_or(measured_w / measured_h);
    // the document's size: its longer measured side, in the kind's proportions
    let (mut w, mut h) = if measured_w / aspect >= measured_h {
        (measured_w, measured_w / aspect)
    } else {
        (measured_h * aspect, measured_h)
    };
    let long = w.max(h) * (1.0 + 2.0 * margin);
    let cap = f64::from(max_edge.max(16));
    if long > cap {
        let k = cap / long;
        (w, h) = (w * k, h * k);
    }
    let (mx, my) = (w * margin, h * margin);
    let (width, height) = ((w + 2.0 * mx).round(), (h + 2.0 * my).round());
    if !(width >= 2.0 && height >= 2.0) {
        return None;
    }
    // output rectangle of the document (inside the margin) → its corners in the source
    let doc = [
        Point::new(mx, my),
        Point::new(width - mx, my),
        Point::new(width - mx, height - my),
        Point::new(mx, height - my),
    ];
    let to_source = Homography::from_points(&doc, corners)?;
    let mut plan = CropPlan {
        width: width as u32,
        height: height as u32,
        cells: 1,
        to_source,
    };
    // The fewest cells n within the bound such that n − 1 is not (meshes of different sizes do
    // not nest, so a coarser one further down could, rarely, fit too): each triangle is one more
    // call into the canvas (the test set's 12 MP photo: 10 × 10 cells, 16 × 16 as the next power
    // of two). A mesh's error falls about as 1 / cells², so the search starts there.
    let fits = |cells: u32| CropPlan { cells, ..plan }.affine_error() <= MAX_AFFINE_ERROR;
    if !fits(1) {
        let guess = (plan.affine_error() / MAX_AFFINE_ERROR).sqrt().floor();
        let mut cells = if guess.is_finite() {
            (guess as u32).clamp(2, MAX_CELLS)
        } else {
            MAX_CELLS
        };
        while cells > 2 && fits(cells - 1) {
            cells -= 1;
        }
        while cells < MAX_CELLS && !fits(cells) {
            cells += 1;
        }
        plan.cells = cells;
    }
    Some(plan)
}

impl CropPlan {
    /// Output pixels → source pixels.
    pub fn to_source(&self) -> Homography {
        self.to_source
    }

    /// The mesh's triangles: each output triangle and the affine map (source → output) to
    /// draw the source with inside that triangle.
    pub fn triangles(&self) -> impl Iterator<Item = ([Point; 3], Affine)> + '_ {
        let n = self.cells;
        let (cw, ch) = (
            f64::from(self.width) / f64::from(n),
            f64::from(self.height) / f64::from(n),
        );
        (0..n * n).flat_map(move |i| {
            let (x0, y0) = (f64::from(i % n) * cw, f64::from(i / n) * ch);
            let [a, b, c, d] = [
                Point::new(x0, y0),
                Point::new(x0 + cw, y0),
                Point::new(x0 + cw, y0 + ch),
                Point::new(x0, y0 + ch),
            ];
            [[a, b, c], [a, c, d]].into_iter().filter_map(move |dst| {
                let src = [
                    self.to_source.apply(dst[0])?,
                    self.to_source.apply(dst[1])?,
                    self.to_source.apply(dst[2])?,
                ];
                Some((dst, affine_from_triangles(src, dst)?))
            })
        })
    }

    /// The largest distance, in output pixels, between where the mesh (linear inside each
    /// triangle) and the exact homography send the triangles' centroids and edge midpoints.
    fn affine_error(&self) -> f64 {
        let h = &self.to_source;
        let mut worst: f64 = 0.0;
        for (dst, _) in self.triangles() {
            let Some(src) = dst
                .iter()
                .map(|p| h.apply(*p))
                .collect::<Option<Vec<Point>>>()
            else {
                return f64::INFINITY;
            };
            // source pixels per output pixel, from the triangle's first edge
            let (Some(d0), Some(d1), Some(s0), Some(s1)) =
                (dst.first(), dst.get(1), src.first(), src.get(1))
            else {
                continue;
            };
            let scale = s0.distance(*s1) / d0.distance(*d1);
            if scale.is_nan() || scale <= 0.0 {
                continue;
            }
            let weights = [
                [1.0 / 3.0; 3],
                [0.5, 0.5, 0.0],
                [0.0, 0.5, 0.5],
                [0.5, 0.0, 0.5],
            ];
            for w in weights {
                let at = |pts: &[Point]| {
                    pts.iter().zip(w).fold(Point::default(), |acc, (p, k)| {
                        Point::new(acc.x + k * p.x, acc.y + k * p.y)
                    })
                };
                if let Some(exact) = h.apply(at(&dst)) {
                    worst = worst.max(exact.distance(at(&src)) / scale);
                }
            }
        }
        worst
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn quad(p: [(f64, f64); 4]) -> Quad {
        p.map(|(x, y)| Point::new(x, y))
    }

    #[test]
    fn a_homography_maps_its_four_points_and_the_points_between_them() {
        let from = quad([(0.0, 0.0), (100.0, 0.0), (100.0, 60.0), (0.0, 60.0)]);
        let to = quad([(12.0, 20.0), (118.0, 8.0), (130.0, 90.0), (5.0, 75.0)]);
        let h = Homography::from_points(&from, &to).unwrap_or_else(|| panic!("degenerate"));
        for (p, q) in from.iter().zip(to.iter()) {
            let m = h.apply(*p).unwrap_or_else(|| panic!("infinite"));
            assert!(m.distance(*q) < 1e-9, "{m:?} vs {q:?}");
        }
        // lines stay lines: the middle of the top edge lies on the mapped top edge
        let mid = h
            .apply(Point::new(50.0, 0.0))
            .unwrap_or_else(|| panic!("infinite"));
        let top = Line::through(to[0], to[1].x - to[0].x, to[1].y - to[0].y)
            .unwrap_or_else(|| panic!("line"));
        assert!(top.distance(mid).abs() < 1e-9);
        // a pure scale is found exactly
        let s = Homography::from_points(&from, &from.map(|p| Point::new(p.x * 2.0, p.y * 2.0)))
            .unwrap_or_else(|| panic!("degenerate"));
        let expected = [2.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 1.0];
        assert!(s.0.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-12));
    }

    #[test]
    fn degenerate_points_give_no_homography() {
        let line = quad([(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]);
        let ok = quad([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]);
        assert!(Homography::from_points(&line, &ok).is_none());
        assert!(Homography::from_points(&ok, &line).is_none());
        let nan = quad([(f64::NAN, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]);
        assert!(Homography::from_points(&nan, &ok).is_none());
    }

    #[test]
    fn lines_fit_intersect_and_measure() {
        let pts: Vec<(f64, f64, f64)> = (0..20)
            .map(|i| (i as f64, 0.5 * i as f64 + 3.0, 1.0))
            .collect();
        let l = Line::fit(pts.iter().copied()).unwrap_or_else(|| panic!("no line"));
        assert!((l.angle_degrees() - 0.5f64.atan().to_degrees()).abs() < 0.1);
        for k in 0..720 {
            let t = f64::from(k).to_radians() * 0.5 - std::f64::consts::PI;
            let (y, x) = (3.0 * t.sin(), 3.0 * t.cos());
            // the same angle, or the same one a turn apart (±π at the cut)
            let d = (atan2(y, x) - y.atan2(x)).abs();
            assert!(
                d < 0.0016 || (d - std::f64::consts::TAU).abs() < 0.0016,
                "{t}"
            );
        }
        assert!(l.distance(Point::new(4.0, 5.0)).abs() < 1e-9);
        let v = Line::through(Point::new(10.0, 0.0), 0.0, 1.0).unwrap_or_else(|| panic!("line"));
        let p = l.intersect(&v).unwrap_or_else(|| panic!("parallel"));
        assert!(p.distance(Point::new(10.0, 8.0)) < 1e-9);
        assert!(l.intersect(&l).is_none());
        assert!(Line::fit([(1.0, 1.0, 1.0)].into_iter()).is_none());
        assert_eq!(fold_degrees(179.0), -1.0);
        assert_eq!(fold_degrees(-91.0), 89.0);
    }

    #[test]
    fn areas_convexity_angles_and_iou() {
        let a = quad([(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]);
        assert_eq!(area(&a), 100.0);
        assert!(is_convex(&a));
        assert!(corner_angles(&a).iter().all(|x| (x - 90.0).abs() < 1e-9));
        let b = quad([(5.0, 0.0), (15.0, 0.0), (15.0, 10.0), (5.0, 10.0)]);
        assert!((iou(&a, &b) - 50.0 / 150.0).abs() < 1e-9);
        assert!((iou(&a, &a) - 1.0).abs() < 1e-12);
        let far = quad([(50.0, 50.0), (60.0, 50.0), (60.0, 60.0), (50.0, 60.0)]);
        assert_eq!(iou(&a, &far), 0.0);
        let bow = quad([(0.0, 0.0), (10.0, 10.0), (10.0, 0.0), (0.0, 10.0)]);
        assert!(!is_convex(&bow));
        assert_eq!(max_corner_distance(&a, &b), 5.0);
    }

    #[test]
    fn a_crop_plan_maps_the_output_rectangle_onto_the_corners_through_its_mesh() {
        // a card seen at a slant in a 4000 × 3000 photo
        let corners = quad([
            (900.0, 700.0),
            (3100.0, 820.0),
            (3000.0, 2300.0),
            (850.0, 2150.0),
        ]);
        let plan = crop_plan(&corners, 4000.0, 3000.0, Some(85.6 / 54.0), 2000, 0.02)
            .unwrap_or_else(|| panic!("no plan"));
        assert_eq!(plan.width, 2000);
        assert!((f64::from(plan.width) / f64::from(plan.height) - 85.6 / 54.0).abs() < 0.01);
        assert!(plan.cells > 1, "a slanted card needs a mesh");
        assert!(plan.affine_error() <= MAX_AFFINE_ERROR);
        // the fewest cells within the bound (one fewer is not), which need not be a power of two
        let coarser = CropPlan {
            cells: plan.cells - 1,
            ..plan
        };
        assert!(coarser.affine_error() > MAX_AFFINE_ERROR, "{}", plan.cells);
        // every triangle's affine map agrees with the homography at its corners…
        let h = plan.to_source();
        let mut count = 0;
        for (dst, [a, b, c, d, e, f]) in plan.triangles() {
            for p in dst {
                let s = h.apply(p).unwrap_or_else(|| panic!("infinite"));
                let back = Point::new(a * s.x + c * s.y + e, b * s.x + d * s.y + f);
                assert!(back.distance(p) < 1e-6);
            }
            count += 1;
        }
        assert_eq!(count, 2 * plan.cells * plan.cells);
        // … and the document's corners land 2 % inside the output
        let (mx, my) = (2000.0 / 1.04 * 0.02, f64::from(plan.height) / 1.04 * 0.02);
        let tl = h.apply(Point::new(mx, my)).unwrap_or_default();
        assert!(tl.distance(corners[0]) < 1.0, "{tl:?}");
        // small documents are not enlarged
        let small = quad([(10.0, 10.0), (170.0, 10.0), (170.0, 111.0), (10.0, 111.0)]);
        let p = crop_plan(&small, 400.0, 300.0, Some(1.585), 2000, 0.0)
            .unwrap_or_else(|| panic!("none"));
        assert_eq!((p.width, p.height), (160, 101));
        assert_eq!(p.cells, 1, "a flat rectangle is affine");
    }

    #[test]
    fn a_grown_triangle_has_each_edge_moved_out_by_the_same_distance() {
        // a long thin triangle, as a mesh cell's diagonal makes, in both orientations
        for t in [
            [
                Point::new(0.0, 0.0),
                Point::new(62.0, 0.0),
                Point::new(62.0, 39.0),
            ],
            [
                Point::new(0.0, 0.0),
                Point::new(62.0, 39.0),
                Point::new(62.0, 0.0),
            ],
        ] {
            let g = grow_triangle(t, 1.0);
            let centroid = Point::new(
                (t[0].x + t[1].x + t[2].x) / 3.0,
                (t[0].y + t[1].y + t[2].y) / 3.0,
            );
            for i in 0..3 {
                let (a, b) = (t[i], t[(i + 1) % 3]);
                let (ga, gb) = (g[i], g[(i + 1) % 3]);
                let line = Line::through(a, b.x - a.x, b.y - a.y).unwrap_or_else(|| panic!("line"));
                // both ends of the moved edge lie 1 px from the edge's line, on the far side
                // from the triangle's inside
                for p in [ga, gb] {
                    assert!((line.distance(p).abs() - 1.0).abs() < 1e-9, "{p:?}");
                    assert!(line.distance(p) * line.distance(centroid) < 0.0);
                }
            }
        }
        let flat = [
            Point::new(0.0, 0.0),
            Point::new(1.0, 1.0),
            Point::new(2.0, 2.0),
        ];
        assert_eq!(grow_triangle(flat, 1.0), flat);
    }

    #[test]
    fn bad_corners_give_no_crop_plan() {
        let ok = quad([(10.0, 10.0), (170.0, 10.0), (170.0, 111.0), (10.0, 111.0)]);
        assert!(
            crop_plan(&ok, 100.0, 300.0, None, 2000, 0.0).is_none(),
            "outside"
        );
        let nan = quad([
            (f64::NAN, 10.0),
            (170.0, 10.0),
            (170.0, 111.0),
            (10.0, 111.0),
        ]);
        assert!(crop_plan(&nan, 400.0, 300.0, None, 2000, 0.0).is_none());
        let neg = quad([(-50.0, 10.0), (170.0, 10.0), (170.0, 111.0), (10.0, 111.0)]);
        assert!(crop_plan(&neg, 400.0, 300.0, None, 2000, 0.0).is_none());
        let twisted = quad([(10.0, 10.0), (170.0, 111.0), (170.0, 10.0), (10.0, 111.0)]);
        assert!(crop_plan(&twisted, 400.0, 300.0, None, 2000, 0.0).is_none());
        assert!(
            crop_plan(&ok, 400.0, 300.0, None, 2000, 0.5).is_none(),
            "margin"
        );
        let flat = quad([(10.0, 10.0), (170.0, 10.0), (170.0, 10.5), (10.0, 10.5)]);
        assert!(
            crop_plan(&flat, 400.0, 300.0, Some(1.5), 2000, 0.0).is_some_and(|p| p.height >= 2)
                || crop_plan(&flat, 400.0, 300.0, Some(1.5), 2000, 0.0).is_none()
        );
    }

    /// A rectangle w × h turned about both axes and projected by a pinhole camera of focal
    /// length `f` centred on (320, 240).
    fn projected(w: f64, h: f64, yaw: f64, pitch: f64, f: f64) -> Quad {
        let (sy, cy) = yaw.to_radians().sin_cos();
        let (sp, cp) = pitch.to_radians().sin_cos();
        quad([
            (-w / 2.0, -h / 2.0),
            (w / 2.0, -h / 2.0),
            (w / 2.0, h / 2.0),
            (-w / 2.0, h / 2.0),
        ])
        .map(|p| {
            // rotate about y (yaw), then x (pitch), then push 2.2 widths away
            let (x, z) = (p.x * cy, -p.x * sy);
            let (y, z) = (p.y * cp - z * sp, p.y * sp + z * cp);
            let z = z + 2.2 * w;
            Point::new(320.0 + f * x / z, 240.0 + f * y / z)
        })
    }

    #[test]
    fn the_true_aspect_of_a_card_seen_at_a_slant_is_recovered() {
        let centre = Point::new(320.0, 240.0);
        for (yaw, pitch) in [
            (0.0, 0.0),
            (15.0, 0.0),
            (0.0, 20.0),
            (12.0, -18.0),
            (-25.0, 10.0),
        ] {
            let q = projected(85.6, 54.0, yaw, pitch, 700.0);
            let a = true_aspect(&q, centre, 640.0).unwrap_or_else(|| panic!("none"));
            assert!((a / (85.6 / 54.0) - 1.0).abs() < 0.01, "{yaw} {pitch}: {a}");
        }
        // the plain ratio of the sides is off by several per cent at such slants
        let q = projected(85.6, 54.0, 0.0, 25.0, 700.0);
        let [(t0, t1), (r0, r1), (b0, b1), (l0, l1)] = sides(&q);
        let plain = (t0.distance(t1) + b0.distance(b1)) / (r0.distance(r1) + l0.distance(l1));
        assert!((plain / (85.6 / 54.0) - 1.0).abs() > 0.05, "{plain}");
        let flat = quad([(0.0, 0.0), (0.0, 0.0), (1.0, 1.0), (1.0, 1.0)]);
        assert!(true_aspect(&flat, centre, 640.0).is_none());
    }

    #[test]
    fn a_rectangle_s_unseen_side_is_placed_from_three_in_perspective() {
        let centre = Point::new(320.0, 240.0);
        let aspect = 85.6 / 54.0;
        let line = |a: Point, b: Point| {
            Line::through(a, b.x - a.x, b.y - a.y).unwrap_or_else(|| panic!("no line"))
        };
        let mut worst_plain: f64 = 0.0;
        for (yaw, pitch) in [(0.0, 0.0), (25.0, 0.0), (0.0, 25.0), (18.0, -20.0)] {
            let q = projected(85.6, 54.0, yaw, pitch, 640.0);
            let mid = centroid(&q);
            for missing in 0..4 {
                // the side opposite the missing one, from p to q, and the corners beyond
                let (i, j) = ((missing + 3) % 4, (missing + 2) % 4);
                let (far_i, far_j) = (missing, (missing + 1) % 4);
                let (pi, pj) = (q[i], q[j]);
                let ratio = if missing % 2 == 0 {
                    1.0 / aspect
                } else {
                    aspect
                };
                let (a, b) = unseen_corners(
                    &line(pi, pj),
                    (pi, pj),
                    &line(pi, q[far_i]),
                    &line(pj, q[far_j]),
                    ratio,
                    (centre, 640.0),
                    mid,
                )
                .unwrap_or_else(|| panic!("{yaw} {pitch} {missing}: none"));
                let off = a.distance(q[far_i]).max(b.distance(q[far_j]));
                assert!(off < 1e-6, "{yaw} {pitch} side {missing}: {off} px off");
                // the same length along both sides is off at a slant
                let len = pi.distance(pj) * ratio;
                let plain = |from: Point, to: Point| {
                    let d = from.distance(to);
                    Point::new(
                        from.x + (to.x - from.x) * len / d,
                        from.y + (to.y - from.y) * len / d,
                    )
                };
                let plain_off = plain(pi, q[far_i])
                    .distance(q[far_i])
                    .max(plain(pj, q[far_j]).distance(q[far_j]));
                worst_plain = worst_plain.max(plain_off);
            }
        }
        assert!(worst_plain > 10.0, "{worst_plain}");
    }

    #[test]
    fn affine_maps_take_triangles_onto_triangles() {
        let from = [
            Point::new(0.0, 0.0),
            Point::new(4.0, 0.0),
            Point::new(0.0, 3.0),
        ];
        let to = [
            Point::new(10.0, 5.0),
            Point::new(14.0, 7.0),
            Point::new(9.0, 8.0),
        ];
        let [a, b, c, d, e, f] = affine_from_triangles(from, to).unwrap_or_else(|| panic!("flat"));
        for (p, q) in from.iter().zip(to) {
            let m = Point::new(a * p.x + c * p.y + e, b * p.x + d * p.y + f);
            assert!(m.distance(q) < 1e-9);
        }
        assert!(affine_from_triangles([from[0], from[0], from[1]], to).is_none());
    }
}
