//! The generated capture test set (`scripts/testset/gen.py`), read by the accuracy tests and by
//! the accuracy benchmark (`bench/accuracy.rs`): manifests, grey PNG frames, and the
//! evaluation of the document detector per case.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use id360_flow::core::image::document::{detect, DocumentConfig, DocumentReport, DocumentScratch};
use id360_flow::core::image::framing::{Guide, GuideKind};
use id360_flow::core::image::geometry::{iou, max_corner_distance, Point, Quad};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the set is: `$ID360_TESTSET` or `target/testset`.
pub fn root() -> PathBuf {
    std::env::var_os("ID360_TESTSET")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/testset"))
}

/// The manifest of a part of the set (`documents` or `faces`); None when not generated.
pub fn manifest(part: &str) -> Option<(PathBuf, Value)> {
    let dir = root().join(part);
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    Some((
        dir,
        serde_json::from_str(&text).expect("manifest.json is JSON"),
    ))
}

/// An 8-bit grey PNG as (pixels, width, height).
pub fn grey_png(path: &Path) -> (Vec<u8>, usize, usize) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("PNG size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(
        info.color_type,
        png::ColorType::Grayscale,
        "{}",
        path.display()
    );
    buf.truncate(info.buffer_size());
    (buf, info.width as usize, info.height as usize)
}

/// Four corners from the manifest's `[[x, y] × 4]`.
pub fn corners(v: &Value) -> Option<Quad> {
    let a = v.as_array()?;
    let p = |i: usize| {
        let c = a.get(i)?.as_array()?;
        Some(Point::new(c.first()?.as_f64()?, c.get(1)?.as_f64()?))
    };
    Some([p(0)?, p(1)?, p(2)?, p(3)?])
}

/// The guide of a frame or sequence.
pub fn guide(v: &Value) -> Guide {
    let g = &v["guide"];
    Guide {
        x: g["x"].as_f64().unwrap(),
        y: g["y"].as_f64().unwrap(),
        width: g["width"].as_f64().unwrap(),
        height: g["height"].as_f64().unwrap(),
        ellipse: false,
    }
}

/// The document kind's aspect.
pub fn aspect(v: &Value) -> f64 {
    GuideKind::parse(v["kind"].as_str().unwrap())
        .expect("known kind")
        .aspect()
}

/// Runs the detector on one frame of the manifest.
pub fn detect_frame(
    dir: &Path,
    frame: &Value,
    file: &str,
    config: &DocumentConfig,
    scratch: &mut DocumentScratch,
) -> DocumentReport {
    let (grey, w, h) = grey_png(&dir.join(file));
    detect(&grey, w, h, &guide(frame), aspect(frame), config, scratch).expect("a report")
}

/// Outcome counts of one case.
#[derive(Default, Debug, Clone)]
pub struct Tally {
    /// Frames.
    pub n: usize,
    /// Positives: found; negatives: accepted (found with no document issue): a false accept.
    pub hits: usize,
    /// Positives: found with IoU ≥ 0.9.
    pub iou90: usize,
    /// Positives: max corner error of each found frame, scaled to a 640-px-wide frame.
    pub errors: Vec<f64>,
}

impl Tally {
    /// hits / n.
    pub fn rate(&self) -> f64 {
        self.hits as f64 / self.n.max(1) as f64
    }
}

/// Median and 95th percentile.
pub fn median_p95(v: &[f64]) -> (f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let at = |q: f64| {
        s.get(((s.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    (at(0.5), at(0.95))
}

/// Per (positive, case) tallies of single frames of one split.
pub fn evaluate_frames(
    dir: &Path,
    manifest: &Value,
    split: &str,
    config: &DocumentConfig,
) -> BTreeMap<(bool, String), Tally> {
    let mut out: BTreeMap<(bool, String), Tally> = BTreeMap::new();
    let mut scratch = DocumentScratch::default();
    // ACCURACY_DUMP=file.jsonl: one line per frame, to look at the misses
    let mut dump = std::env::var_os("ACCURACY_DUMP").map(|p| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .unwrap()
    });
    for f in manifest["frames"].as_array().unwrap() {
        if f["split"] != split {
            continue;
        }
        let positive = f["positive"].as_bool().unwrap();
        // each frame is a new scene: no tracking from the previous one
        scratch.forget();
        let r = detect_frame(dir, f, f["file"].as_str().unwrap(), config, &mut scratch);
        if let Some(d) = dump.as_mut() {
            use std::io::Write;
            let c = r.corners.map(|c| c.map(|p| [p.x, p.y]));
            let line = serde_json::json!({"file": f["file"], "case": f["case"], "positive": positive,
                "found": r.found, "ok": r.ok(), "corners": c, "truth": f["corners"],
                "coverage": r.coverage, "skew": r.skew_degrees,
                "flags": [r.no_document, r.partly_outside, r.too_far, r.too_close, r.tilted]});
            writeln!(d, "{line}").unwrap();
        }
        let t = out
            .entry((positive, f["case"].as_str().unwrap().to_string()))
            .or_default();
        t.n += 1;
        if positive {
            if let (Some(found), Some(truth)) = (r.corners, corners(&f["corners"])) {
                t.hits += 1;
                let scale = 640.0
                    / f["width"]
                        .as_f64()
                        .unwrap()
                        .max(f["height"].as_f64().unwrap());
                t.errors.push(max_corner_distance(&found, &truth) * scale);
                if iou(&found, &truth) >= 0.9 {
                    t.iou90 += 1;
                }
            }
        } else if r.ok() {
            t.hits += 1;
        }
    }
    out
}
