//! The document detector on the generated test set (scripts/testset/gen.py), `holdout` split:
//! frames whose seeds, and for half of them backgrounds, the detector was never tuned on. The
//! floors sit a little under what it measures (BENCHMARKS.md gives the figures): a change that
//! makes it find fewer documents, place their corners worse, accept an empty table or shoot a
//! shaking card fails here.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/testset.rs"]
mod testset;

use id360_flow::core::image::document::{DocumentConfig, DocumentScratch};
use id360_flow::core::image::steady::{Steadiness, DEFAULT_STEADY_FRAMES, DEFAULT_TOLERANCE};
use testset::{detect_frame, evaluate_frames, manifest, median_p95};

/// Cases of cards in the guide at good poses, with one picture defect each: (case, least share
/// found). The hard contrasts (`low_contrast`, `white_on_white`) are measured, not floored: the
/// border there is a few grey levels.
const ALIGNED: [(&str, f64); 9] = [
    ("clean", 0.85),
    ("rotated", 0.85),
    ("tilted", 0.85),
    ("far_edge", 0.85),
    ("blur", 0.85),
    ("noise", 0.85),
    ("jpeg", 0.85),
    ("thumb", 0.85),
    ("glare", 0.80),
];

fn set() -> Option<(std::path::PathBuf, serde_json::Value)> {
    let found = manifest("documents");
    if found.is_none() {
        let required = std::env::var_os("ID360_REQUIRE_TESTSET").is_some();
        let message = format!(
            "no test set in {}: run target/venv/bin/python scripts/testset/gen.py target/testset",
            testset::root().display()
        );
        assert!(!required, "{message}");
        eprintln!("SKIPPED: {message}");
    }
    found
}

#[test]
fn cards_in_the_guide_are_found_with_their_corners_and_nothing_else_is_accepted() {
    let Some((dir, m)) = set() else { return };
    let tallies = evaluate_frames(&dir, &m, "holdout", &DocumentConfig::default());
    let mut errors = Vec::new();
    let (mut found, mut iou90) = (0, 0);
    for (case, floor) in ALIGNED {
        let t = &tallies[&(true, case.to_string())];
        println!("{case}: {} of {} found", t.hits, t.n);
        assert!(t.rate() >= floor, "{case}: {} of {} found", t.hits, t.n);
        errors.extend_from_slice(&t.errors);
        found += t.hits;
        iou90 += t.iou90;
    }
    let aligned: usize = ALIGNED
        .iter()
        .map(|(case, _)| tallies[&(true, case.to_string())].n)
        .sum();
    println!("aligned cards found: {found} of {aligned}");
    assert!(
        found as f64 >= 0.935 * aligned as f64,
        "aligned cards found: {found} of {aligned}"
    );
    let (median, p95) = median_p95(&errors);
    println!("corners: median {median:.2} px, p95 {p95:.2} px; IoU ≥ 0.9: {iou90} of {found}");
    assert!(median <= 1.0, "median corner error {median}");
    // the goal; a side placed from the aspect by moving both corners the same length
    // (not in perspective) made it 12.5 px
    assert!(p95 <= 6.0, "p95 corner error {p95}");
    // the cards whose four corners are all within 6 px (at 640 px): an inner line (a dark band,
    // the photo's edge) taken for a side is off by 10–30 px (491 of 507 measured; 483 of 506,
    // under this floor, while the search compared its finalists before completing them)
    let close = errors.iter().filter(|e| **e <= 6.0).count();
    println!("corners within 6 px: {close} of {found}");
    assert!(
        close as f64 >= 0.96 * found as f64,
        "corners within 6 px: {close} of {found}"
    );
    assert!(
        iou90 as f64 >= 0.9 * found as f64,
        "IoU ≥ 0.9: {iou90} of {found}"
    );
    for ((positive, case), t) in &tallies {
        if !positive {
            println!("{case}: {} false accepts of {}", t.hits, t.n);
            assert!(
                100 * t.hits <= t.n,
                "{case}: {} false accepts of {}",
                t.hits,
                t.n
            );
        }
    }
}

#[test]
fn auto_capture_never_fires_on_a_negative_scene_nor_on_a_shaking_card() {
    let Some((dir, m)) = set() else { return };
    let config = DocumentConfig::default();
    let mut scratch = DocumentScratch::default();
    let (mut steady, mut steady_fired) = (0, 0);
    for s in m["sequences"].as_array().unwrap() {
        if s["split"] != "holdout" {
            continue;
        }
        scratch.forget();
        let long = s["width"]
            .as_f64()
            .unwrap()
            .max(s["height"].as_f64().unwrap());
        let mut gate = Steadiness::new(DEFAULT_STEADY_FRAMES, DEFAULT_TOLERANCE * long / 640.0);
        let fired = s["frames"].as_array().unwrap().iter().any(|f| {
            let r = detect_frame(&dir, s, f["file"].as_str().unwrap(), &config, &mut scratch);
            gate.push(r.ok(), r.corners)
        });
        match (
            s["positive"].as_bool().unwrap(),
            s["case"].as_str().unwrap(),
        ) {
            (true, "steady") => {
                steady += 1;
                steady_fired += usize::from(fired);
            }
            (_, case) => assert!(!fired, "auto-capture fired on {} ({case})", s["id"]),
        }
    }
    println!("steady cards captured: {steady_fired} of {steady}");
    assert!(
        steady_fired * 10 >= steady * 6,
        "{steady_fired} of {steady}"
    );
}
