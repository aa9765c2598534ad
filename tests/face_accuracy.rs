//! The face detector (core::image::face) on the generated test set: `faces/` of
//! `scripts/testset/gen.py` (faces.py), read from `$ID360_TESTSET` (default `target/testset`).
//! Prints the accuracy per case and split, and asserts it. The search parameters were chosen
//! on the "tune" frames; the "holdout" ones are reported apart.
//!
//! Timing (not a test): `cargo test --release --test face_accuracy -- --ignored --nocapture`.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use id360_flow::core::image::face::{detect, FaceBox, FaceConfig, FaceReport, FaceScratch};
use id360_flow::core::image::quality::Rect;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

struct Frame {
    case: String,
    split: String,
    face: bool,
    faces: usize,
    boxes: Vec<FaceBox>,
    grey: Vec<u8>,
    width: usize,
    height: usize,
}

/// The manifest's frames with their pixels and the oval, or None when the set is missing.
fn load() -> Option<(Rect, Vec<Frame>)> {
    let root = std::env::var("ID360_TESTSET").unwrap_or_else(|_| "target/testset".into());
    let dir = PathBuf::from(root).join("faces");
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else {
        assert!(
            std::env::var_os("ID360_REQUIRE_TESTSET").is_none(),
            "no face test set at {}",
            dir.display()
        );
        eprintln!(
            "SKIPPED: no face test set at {} (generate it: python3 scripts/testset/gen.py \
             target/testset, or set ID360_TESTSET)",
            dir.display()
        );
        return None;
    };
    let m: Value = serde_json::from_str(&text).unwrap();
    let num = |v: &Value| v.as_f64().unwrap();
    let rect = |v: &Value| FaceBox {
        x: num(&v["x"]),
        y: num(&v["y"]),
        width: num(&v["width"]),
        height: num(&v["height"]),
    };
    let o = rect(&m["oval"]);
    let oval = Rect {
        x: o.x.round() as usize,
        y: o.y.round() as usize,
        width: o.width.round() as usize,
        height: o.height.round() as usize,
    };
    let frames = m["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = std::fs::File::open(dir.join(f["file"].as_str().unwrap())).unwrap();
            let mut reader = png::Decoder::new(std::io::BufReader::new(file))
                .read_info()
                .unwrap();
            let mut grey = vec![0; reader.output_buffer_size().unwrap()];
            let info = reader.next_frame(&mut grey).unwrap();
            assert_eq!(info.color_type, png::ColorType::Grayscale, "{f}");
            assert_eq!(info.bit_depth, png::BitDepth::Eight, "{f}");
            grey.truncate(info.buffer_size());
            Frame {
                case: f["case"].as_str().unwrap().into(),
                split: f["split"].as_str().unwrap().into(),
                face: f["face"].as_bool().unwrap(),
                faces: f["faces"].as_u64().unwrap() as usize,
                boxes: f["boxes"].as_array().unwrap().iter().map(rect).collect(),
                grey,
                width: info.width as usize,
                height: info.height as usize,
            }
        })
        .collect();
    Some((oval, frames))
}

fn iou(a: &FaceBox, b: &FaceBox) -> f64 {
    let ix = (a.x + a.width).min(b.x + b.width) - a.x.max(b.x);
    let iy = (a.y + a.height).min(b.y + b.height) - a.y.max(b.y);
    let inter = ix.max(0.0) * iy.max(0.0);
    inter / (a.width * a.height + b.width * b.height - inter)
}

/// Whether the report is right for the frame's case.
fn right(f: &Frame, r: &FaceReport) -> bool {
    let on = |b: &FaceBox, min: f64| r.face.is_some_and(|face| iou(&face, b) >= min);
    match f.case.as_str() {
        // A face: found where it was pasted; not a face: nothing found.
        "lfw" if f.face => r.found && on(&f.boxes[0], 0.3),
        "lfw" | "empty" => !r.found,
        "astronaut" => r.count == 1 && on(&f.boxes[0], 0.5) && !r.too_small && !r.off_center,
        "two_faces" => r.count == f.faces,
        "small" => r.found && r.too_small,
        "off_center" => r.found && r.off_center && !r.too_small,
        other => panic!("unknown case {other}"),
    }
}

#[test]
fn the_face_detector_meets_its_accuracy_on_the_test_set() {
    let Some((oval, frames)) = load() else {
        return;
    };
    let config = FaceConfig::default();
    let mut scratch = FaceScratch::default();
    // case → split → (right, total)
    let mut table: BTreeMap<&str, BTreeMap<&str, (usize, usize)>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let r = detect(&f.grey, f.width, f.height, oval, &config, &mut scratch).unwrap();
        let ok = right(f, &r);
        if !ok {
            wrong.push(format!(
                "  frame {:04} {} ({}): {r:?}",
                i + 1,
                f.case,
                f.split
            ));
        }
        for split in [f.split.as_str(), "all"] {
            let cell = table.entry(&f.case).or_default().entry(split).or_default();
            cell.0 += usize::from(ok);
            cell.1 += 1;
        }
    }
    println!("face detector on {} frames (right / total):", frames.len());
    println!(
        "  {:<11} {:>9} {:>9} {:>9}",
        "case", "tune", "holdout", "all"
    );
    for (case, splits) in &table {
        let cell = |s: &str| {
            let (ok, n) = splits.get(s).copied().unwrap_or_default();
            format!("{ok}/{n}")
        };
        let (t, h, a) = (cell("tune"), cell("holdout"), cell("all"));
        println!("  {case:<11} {t:>9} {h:>9} {a:>9}");
    }
    println!("wrong:\n{}", wrong.join("\n"));

    let share = |case: &str| {
        let (ok, n) = table[case]["all"];
        ok as f64 / n as f64
    };
    assert_eq!(table["lfw"]["all"].1, 200, "100 faces + 100 non-faces");
    assert!(share("lfw") >= 0.95, "lfw: {:?}", table["lfw"]);
    for case in ["astronaut", "small"] {
        assert_eq!(share(case), 1.0, "{case}: {:?}", table[case]);
    }
    // Not all right (see the printed frames): faces the cascade itself does not find, and
    // face-like blobs (a blurred spoon's reflection, blurred text) that it does find; the
    // scikit-image Cascade makes the same mistakes on these frames. Floors, not goals.
    assert!(share("empty") >= 0.95, "empty: {:?}", table["empty"]);
    assert!(
        share("two_faces") >= 0.8,
        "two_faces: {:?}",
        table["two_faces"]
    );
    assert!(
        share("off_center") >= 0.8,
        "off_center: {:?}",
        table["off_center"]
    );
}

/// Time per 640×480 frame (best of 5 runs of each frame, then mean and median over frames).
#[test]
#[ignore = "timing, not a test: run with --release --ignored --nocapture"]
fn time_per_frame() {
    let Some((oval, frames)) = load() else {
        return;
    };
    let (config, mut scratch) = (FaceConfig::default(), FaceScratch::default());
    let mut times: Vec<f64> = frames
        .iter()
        .map(|f| {
            (0..5)
                .map(|_| {
                    let t = std::time::Instant::now();
                    detect(&f.grey, f.width, f.height, oval, &config, &mut scratch).unwrap();
                    t.elapsed().as_secs_f64() * 1e3
                })
                .fold(f64::MAX, f64::min)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let (median, p90) = (times[times.len() / 2], times[times.len() * 9 / 10]);
    println!("face detect: mean {mean:.3} ms, median {median:.3} ms, p90 {p90:.3} ms per frame");
}
