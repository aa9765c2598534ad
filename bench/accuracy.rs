//! Accuracy benchmark of the capture checks on the generated test set (`scripts/testset/gen.py`,
//! fixed seeds): document presence, corners and auto-capture per case type, and the selfie's
//! face check. Prints tables (Markdown) for BENCHMARKS.md; the `holdout` split is the one to
//! quote (the detector was tuned on `tune`, whose backgrounds are a subset).
//!
//! `cargo run --release --example accuracy` (after `python3 scripts/testset/gen.py target/testset`).

#[path = "../tests/support/testset.rs"]
mod testset;

use id360_flow::core::image::document::{DocumentConfig, DocumentScratch};
use id360_flow::core::image::geometry::max_corner_distance;
use id360_flow::core::image::steady::Steadiness;
use testset::{detect_frame, evaluate_frames, manifest, median_p95};

fn main() {
    let Some((dir, m)) = manifest("documents") else {
        eprintln!(
            "no test set in {}: run python3 scripts/testset/gen.py target/testset first",
            testset::root().display()
        );
        std::process::exit(2);
    };
    let config = DocumentConfig::default();
    speed(&dir, &m, &config);
    if std::env::var_os("SPEED_ONLY").is_some() {
        return;
    }
    for split in ["holdout", "tune"] {
        println!("\n### Documents, `{split}` split\n");
        let tallies = evaluate_frames(&dir, &m, split, &config);
        println!("| positive case | frames | found | IoU ≥ 0.9 | max corner error, median / p95 (px at 640) |");
        println!("|---|---|---|---|---|");
        let mut all = testset::Tally::default();
        for ((positive, case), t) in tallies.iter().filter(|((p, _), _)| *p) {
            let _ = positive;
            let (med, p95) = median_p95(&t.errors);
            println!(
                "| {case} | {} | {:.1} % | {:.1} % | {med:.2} / {p95:.2} |",
                t.n,
                100.0 * t.rate(),
                100.0 * t.iou90 as f64 / t.n.max(1) as f64
            );
            all.n += t.n;
            all.hits += t.hits;
            all.iou90 += t.iou90;
            all.errors.extend_from_slice(&t.errors);
        }
        let (med, p95) = median_p95(&all.errors);
        println!(
            "| **all positives** | {} | **{:.1} %** | {:.1} % | **{med:.2} / {p95:.2}** |",
            all.n,
            100.0 * all.rate(),
            100.0 * all.iou90 as f64 / all.n.max(1) as f64
        );
        println!("\n| negative case | frames | false accepts |");
        println!("|---|---|---|");
        let (mut n, mut fa) = (0, 0);
        for ((_, case), t) in tallies.iter().filter(|((p, _), _)| !*p) {
            println!(
                "| {case} | {} | {} ({:.1} %) |",
                t.n,
                t.hits,
                100.0 * t.rate()
            );
            n += t.n;
            fa += t.hits;
        }
        println!(
            "| **all negatives** | {n} | **{fa} ({:.2} %)** |",
            100.0 * fa as f64 / n.max(1) as f64
        );
        sequences(&dir, &m, split, &config);
    }
}

/// Auto-capture over the sequences: the same gate as `autoCapture`'s defaults.
fn sequences(dir: &std::path::Path, m: &serde_json::Value, split: &str, config: &DocumentConfig) {
    let mut scratch = DocumentScratch::default();
    let mut rows: std::collections::BTreeMap<(bool, String), (usize, usize)> = Default::default();
    for s in m["sequences"].as_array().into_iter().flatten() {
        if s["split"] != split {
            continue;
        }
        let mut gate = Steadiness::new(
            id360_flow::core::image::steady::DEFAULT_STEADY_FRAMES,
            id360_flow::core::image::steady::DEFAULT_TOLERANCE
                * s["width"]
                    .as_f64()
                    .unwrap_or(640.0)
                    .max(s["height"].as_f64().unwrap_or(0.0))
                / 640.0,
        );
        let mut fired = false;
        scratch.forget();
        // TRACE=1: what each frame of an unfired card sequence gave (+ ok, ~ found, - not) and
        // how far its corners moved
        let mut trace = String::new();
        let mut last = None;
        for f in s["frames"].as_array().into_iter().flatten() {
            let r = detect_frame(
                dir,
                s,
                f["file"].as_str().unwrap_or(""),
                config,
                &mut scratch,
            );
            let moved = match (last, r.corners) {
                (Some(a), Some(b)) => max_corner_distance(&a, &b),
                _ => -1.0,
            };
            last = r.corners;
            let mark = if r.ok() {
                "+".to_string()
            } else if r.found {
                format!(
                    "~{}{}{}{}",
                    if r.partly_outside { "o" } else { "" },
                    if r.too_far { "f" } else { "" },
                    if r.too_close { "c" } else { "" },
                    if r.tilted { "t" } else { "" }
                )
            } else {
                "-".to_string()
            };
            trace.push_str(&format!(" {mark}{moved:.1}"));
            if gate.push(r.ok(), r.corners) {
                fired = true;
                break;
            }
        }
        if std::env::var_os("TRACE").is_some() && s["positive"] == true && !fired {
            eprintln!("{}:{trace}", s["id"]);
        }
        let e = rows
            .entry((
                s["positive"].as_bool().unwrap_or(false),
                s["case"].as_str().unwrap_or("?").to_string(),
            ))
            .or_default();
        e.0 += 1;
        e.1 += usize::from(fired);
    }
    println!("\n| sequence (10 frames) | sequences | auto-capture fired |");
    println!("|---|---|---|");
    for ((positive, case), (n, fired)) in rows {
        let kind = if positive { "card" } else { "negative" };
        println!("| {kind}: {case} | {n} | {fired} |");
    }
}

/// Native time per frame of the detector (the browser's numbers come from scripts/bench.sh).
fn speed(dir: &std::path::Path, m: &serde_json::Value, config: &DocumentConfig) {
    let frames: Vec<_> = m["frames"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["width"] == 640 && f["height"] == 360)
        .take(200)
        .map(|f| {
            let (grey, w, h) = testset::grey_png(&dir.join(f["file"].as_str().unwrap_or("")));
            (grey, w, h, testset::guide(f), testset::aspect(f))
        })
        .collect();
    let mut scratch = DocumentScratch::default();
    let start = std::time::Instant::now();
    for (grey, w, h, g, a) in &frames {
        scratch.forget();
        let _ =
            id360_flow::core::image::document::detect(grey, *w, *h, g, *a, config, &mut scratch);
    }
    let ms = start.elapsed().as_secs_f64() * 1000.0 / frames.len().max(1) as f64;
    // the same frame again and again: a steady hand, tracked
    let tracked = frames.first().map_or(0.0, |(grey, w, h, g, a)| {
        let start = std::time::Instant::now();
        for _ in 0..200 {
            let _ = id360_flow::core::image::document::detect(
                grey,
                *w,
                *h,
                g,
                *a,
                config,
                &mut scratch,
            );
        }
        start.elapsed().as_secs_f64() * 1000.0 / 200.0
    });
    println!(
        "native detection time: {ms:.3} ms per new 640×360 frame ({} frames), {tracked:.3} ms per tracked frame",
        frames.len()
    );
}
