//! Property tests (fuzzing, within cargo test) of everything that reads untrusted input in
//! the core: magic bytes, sizes, baseUrl, api_key, document names, enrollment_info, EXIF,
//! quality frames, document and face detection on any frame and guide, homographies and crop
//! plans from any corners, server text, Retry-After, and random sequences of flow steps. Nothing
//! may panic, and every accepted value must be what it claims. `scripts/fuzz.sh` runs them longer.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use id360_flow::core::endpoint::{BaseUrl, DocumentName, Endpoints, Environment};
use id360_flow::core::error::sanitize_detail;
use id360_flow::core::image::check::{check, CheckConfig, CheckScratch, Target};
use id360_flow::core::image::document::{detect, DocumentConfig, DocumentScratch, Signature};
use id360_flow::core::image::framing::Guide;
use id360_flow::core::image::geometry::{crop_plan, Homography, Point, Quad};
use id360_flow::core::image::quality::{analyze, QualityConfig, Rect, Scratch};
use id360_flow::core::info::{EnrollmentInfo, RawDocument, RawRoute};
use id360_flow::core::retry::{parse_retry_after_seconds, RetryPolicy};
use id360_flow::core::sniff::{check_page, sniff, MAX_PAGE_BYTES};
use id360_flow::core::{exif, ApiKey, FlowState};
use proptest::prelude::*;

/// A frame of noise, with maybe a bright rectangle, maybe a little short of `w × h`.
fn noisy_frame(
    w: usize,
    h: usize,
    seed: u64,
    card: Option<(usize, usize, usize, usize, u8)>,
    short: usize,
) -> Vec<u8> {
    let mut x = seed | 1;
    let mut data: Vec<u8> = (0..(w * h).saturating_sub(short))
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 56) as u8 / 4 + 60
        })
        .collect();
    if let Some((cx, cy, cw, ch, v)) = card {
        for y in cy..(cy + ch).min(h) {
            for x in cx..(cx + cw).min(w) {
                if let Some(p) = data.get_mut(y * w + x) {
                    *p = v;
                }
            }
        }
    }
    data
}

fn inside(c: &Quad, w: usize, h: usize) -> bool {
    c.iter()
        .all(|p| p.is_finite() && p.x >= 0.0 && p.y >= 0.0 && p.x <= w as f64 && p.y <= h as f64)
}

fn config() -> ProptestConfig {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn pages_are_accepted_only_with_a_known_signature_and_a_size_in_range(
        head in proptest::collection::vec(any::<u8>(), 0..32),
        size in prop_oneof![any::<f64>(), 0.0..20_000_000.0f64],
    ) {
        let in_range = size >= 1.0 && size <= MAX_PAGE_BYTES as f64;
        match check_page(size, sniff(&head), "page") {
            Ok(format) => {
                prop_assert!(in_range);
                prop_assert_eq!(sniff(&head), Some(format));
            }
            Err(e) => {
                prop_assert!(!(in_range && sniff(&head).is_some()));
                prop_assert!(!e.message.is_empty());
            }
        }
    }

    #[test]
    fn base_urls_are_https_or_loopback_origins_and_parse_to_themselves(raw in "\\PC{0,40}|https?://[a-zA-Z0-9.:@\\[\\]/?#%-]{0,30}") {
        if let Ok(url) = BaseUrl::parse(&raw) {
            let s = url.as_str();
            prop_assert!(s.starts_with("https://") || s.starts_with("http://"));
            prop_assert!(!s.contains('@') && !s.contains(char::is_whitespace));
            prop_assert!(!s["https://".len().min(s.len())..].contains('/'));
            prop_assert_eq!(BaseUrl::parse(s).map(|u| u.as_str().to_string()), Ok(s.to_string()));
            let e = Endpoints::new(&Environment::Custom(url.clone()));
            let prefix = format!("{s}/api/1.0.0/enrollment/flow/");
            prop_assert!(e.finalize().starts_with(&prefix));
            if let Some(host) = s.strip_prefix("http://") {
                prop_assert!(host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]") || host.split(':').next().is_some_and(|h| h.ends_with(".localhost")));
            }
        }
    }

    #[test]
    fn api_keys_are_printable_ascii_and_never_shown(raw in "\\PC{0,300}|[!-~]{1,300}") {
        match ApiKey::parse(&raw) {
            Ok(key) => {
                prop_assert!(!raw.is_empty() && raw.len() <= 256 && raw.bytes().all(|b| (0x21..=0x7e).contains(&b)));
                prop_assert_eq!(key.expose(), raw.as_str());
                if raw.len() >= 8 {
                    let shown = format!("{key:?} {key}");
                    prop_assert!(!shown.contains(&raw));
                }
            }
            Err(e) => {
                if raw.len() >= 4 {
                    prop_assert!(!e.message.contains(&raw), "the rejected key is not echoed");
                }
            }
        }
    }

    #[test]
    fn document_names_go_into_the_path_only_when_safe(raw in "\\PC{0,70}|[a-z0-9_]{1,70}") {
        if let Ok(name) = DocumentName::parse(&raw) {
            prop_assert!(raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
            let url = Endpoints::new(&Environment::Production).document(&name, 2, 1);
            prop_assert_eq!(url, format!("https://id360docaposte.com/api/1.0.0/enrollment/flow/document/{raw}/?total_pages=2&uploaded_page=1"));
        }
    }

    #[test]
    fn enrollment_info_accepts_only_integer_route_ids(
        ids in proptest::collection::vec(prop_oneof![any::<f64>(), (0u64..1_000_000).prop_map(|v| v as f64)], 0..5),
        pages in proptest::collection::vec(prop_oneof![any::<f64>(), Just(2.0)], 0..3),
    ) {
        let routes = ids.iter().map(|id| RawRoute { id: *id, name: None }).collect();
        let documents = Some(pages.iter().enumerate().map(|(i, p)| RawDocument { name: format!("d{i}"), required: Some(i == 0), max_pages: Some(*p) }).collect());
        if let Ok(info) = EnrollmentInfo::from_raw(routes, documents, None, None) {
            prop_assert!(!info.routes.is_empty());
            for r in &info.routes {
                prop_assert!((r.id as f64) <= 9_007_199_254_740_991.0);
            }
            prop_assert!(info.documents.iter().all(|d| d.max_pages.is_none_or(|m| m > 0)));
        }
    }

    #[test]
    fn exif_parsing_survives_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300), tail in any::<u8>()) {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
        jpeg.extend_from_slice(&bytes);
        jpeg.push(tail);
        for input in [&bytes[..], &jpeg[..]] {
            if let Some(o) = exif::orientation(input) {
                prop_assert!((1..=8).contains(&o));
            }
        }
    }

    /// The browser reads a JPEG's segments 16 bytes at a time past its first bytes
    /// (`photo_size`): that walk ends where a walk over the whole file does, and never steps
    /// back.
    #[test]
    fn a_jpeg_walked_segment_by_segment_agrees_with_the_whole_file(
        segments in proptest::collection::vec((0xC0u8..=0xFE, 0usize..40), 0..8),
        junk in proptest::collection::vec(any::<u8>(), 0..12),
    ) {
        let mut jpeg = vec![0xFF, 0xD8];
        for (marker, len) in &segments {
            jpeg.extend_from_slice(&[0xFF, *marker, 0, *len as u8]);
            jpeg.extend(std::iter::repeat_n(7u8, len.saturating_sub(2)));
        }
        jpeg.extend_from_slice(&junk);
        let whole = exif::jpeg_scan(&jpeg[2..], 2);
        let mut scan = exif::jpeg_scan(&jpeg[2..16.min(jpeg.len())], 2);
        while let exif::Scan::ReadFrom(at) = scan {
            let from = at as usize;
            if from >= jpeg.len() {
                break;
            }
            let next = exif::jpeg_scan(&jpeg[from..(from + 16).min(jpeg.len())], at);
            if let exif::Scan::ReadFrom(n) = next {
                prop_assert!(n >= at);
                if n == at {
                    break;
                }
            }
            scan = next;
        }
        prop_assert_eq!(scan, whole);
    }

    #[test]
    fn quality_analysis_survives_any_frame_and_region(
        w in 0usize..90, h in 0usize..90, fill in any::<u8>(), short in 0usize..3,
        region in proptest::option::of((0usize..100, 0usize..100, 0usize..100, 0usize..100)),
    ) {
        let data = vec![fill; (w * h).saturating_sub(short)];
        let region = region.map(|(x, y, width, height)| Rect { x, y, width, height });
        if let Some(r) = analyze(&data, w, h, region, 1000, &QualityConfig::default(), &mut Scratch::default()) {
            prop_assert!(r.sharpness.is_finite() && r.sharpness >= 0.0);
            prop_assert!((0.0..=1.0).contains(&r.glare) && (0.0..=1.0).contains(&r.brightness));
            prop_assert_eq!(r.ok, r.reasons.is_empty());
        }
    }

    #[test]
    fn document_detection_on_any_frame_and_guide_gives_corners_inside_the_frame_or_none(
        w in 0usize..200, h in 0usize..200, seed in any::<u64>(), short in 0usize..3,
        guide in (-50.0..250.0f64, -50.0..250.0f64, -10.0..300.0f64, -10.0..300.0f64),
        aspect in prop_oneof![Just(1.585), Just(1.42), -1.0..12.0f64],
        card in proptest::option::of((0usize..200, 0usize..200, 1usize..200, 1usize..200, any::<u8>())),
    ) {
        let frame = noisy_frame(w, h, seed, card, short);
        let g = Guide { x: guide.0, y: guide.1, width: guide.2, height: guide.3, ellipse: false };
        let mut s = DocumentScratch::default();
        if let Some(r) = detect(&frame, w, h, &g, aspect, &DocumentConfig::default(), &mut s) {
            prop_assert_eq!(r.found, r.corners.is_some());
            if let Some(c) = r.corners {
                prop_assert!(inside(&c, w, h), "{:?} outside {}×{}", c, w, h);
                prop_assert!(r.coverage.is_finite() && r.skew_degrees.is_finite());
                // a signature of what was found never panics either
                let _ = Signature::of(&frame, w, h, &c);
            } else {
                prop_assert!(r.no_document || r.partly_outside);
            }
        }
    }

    #[test]
    fn the_whole_check_on_any_frame_and_target_never_panics_and_says_why(
        w in 0usize..160, h in 0usize..160, seed in any::<u64>(), short in 0usize..3,
        g in (-50.0..200.0f64, -50.0..200.0f64, 0.0..250.0f64, 0.0..250.0f64),
        which in 0u8..4,
    ) {
        let frame = noisy_frame(w, h, seed, None, short);
        let guide = Guide { x: g.0, y: g.1, width: g.2, height: g.3, ellipse: which == 3 };
        let target = match which {
            0 => Target::Whole,
            1 => Target::Region(Rect { x: g.0.max(0.0) as usize, y: g.1.max(0.0) as usize, width: g.2 as usize, height: g.3 as usize }),
            2 => Target::Document { guide, aspect: 1.585 },
            _ => Target::Selfie { guide },
        };
        let mut s = CheckScratch::default();
        if let Some(r) = check(&frame, w, h, &target, 1920, &CheckConfig::default(), &mut s) {
            prop_assert_eq!(r.ok, r.reasons.is_empty());
            if let Some(c) = r.document.and_then(|d| d.corners) {
                prop_assert!(inside(&c, w, h));
            }
            if let Some(b) = r.face.and_then(|f| f.face) {
                prop_assert!(b.x >= 0.0 && b.y >= 0.0 && b.x + b.width <= w as f64 + 1e-6 && b.y + b.height <= h as f64 + 1e-6, "{:?}", b);
            }
        }
    }

    /// Long and narrow frames (a side over 800 px is reduced before detection, the other can come
    /// out under 3 px): the review found `chunks_exact_mut(0)` trapping on 10 × 16 000.
    #[test]
    fn the_whole_check_on_long_narrow_frames_never_panics(
        long in 801usize..3_000, narrow in 1usize..12, tall in any::<bool>(), which in 0u8..4,
        g in (0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64),
    ) {
        let (w, h) = if tall { (narrow, long) } else { (long, narrow) };
        let frame = noisy_frame(w, h, 7, None, 0);
        let (wf, hf) = (w as f64, h as f64);
        let guide = Guide { x: g.0 * wf, y: g.1 * hf, width: g.2 * wf, height: g.3 * hf, ellipse: which == 3 };
        let target = match which {
            0 => Target::Whole,
            1 => Target::Region(Rect { x: guide.x as usize, y: guide.y as usize, width: guide.width as usize, height: guide.height as usize }),
            2 => Target::Document { guide, aspect: 1.585 },
            _ => Target::Selfie { guide },
        };
        let mut s = CheckScratch::default();
        let r = check(&frame, w, h, &target, 1920, &CheckConfig::default(), &mut s);
        if let Some(r) = &r {
            prop_assert_eq!(r.ok, r.reasons.is_empty());
        }
        // detection's reduction refuses nothing the quality check alone takes
        if which == 0 {
            let alone = analyze(&frame, w, h, None, 1920, &QualityConfig::default(), &mut Scratch::default());
            prop_assert_eq!(r.is_some(), alone.is_some(), "{}×{}", w, h);
        }
    }

    #[test]
    fn homographies_and_crop_plans_from_any_corners_never_panic_and_stay_exact(
        pts in proptest::collection::vec((prop_oneof![-1e6..1e6f64, Just(f64::NAN), Just(f64::INFINITY), 0.0..4000.0f64], prop_oneof![-1e6..1e6f64, Just(f64::NAN), 0.0..3000.0f64]), 8),
        max_edge in 0u32..5000, margin in -1.0..1.0f64,
    ) {
        let q = |o: usize| -> Quad { [0, 1, 2, 3].map(|i| Point::new(pts[o + i].0, pts[o + i].1)) };
        let (a, b) = (q(0), q(4));
        if let Some(h) = Homography::from_points(&a, &b) {
            for (p, t) in a.iter().zip(b.iter()) {
                if let Some(m) = h.apply(*p) {
                    prop_assert!(m.distance(*t) <= 1e-6 * (1.0 + t.x.abs() + t.y.abs()), "{:?} → {:?} vs {:?}", p, m, t);
                }
            }
        }
        if let Some(plan) = crop_plan(&a, 4000.0, 3000.0, None, max_edge, margin) {
            prop_assert!(plan.width >= 2 && plan.height >= 2);
            prop_assert!(plan.width.max(plan.height) <= max_edge.max(16) + 1);
            prop_assert!(plan.triangles().count() as u32 <= 2 * plan.cells * plan.cells);
            for (_, m) in plan.triangles() {
                prop_assert!(m.iter().all(|v| v.is_finite()));
            }
        }
    }

    #[test]
    fn server_text_never_carries_the_secret_into_a_message(
        secret in "[0-9a-f]{8,40}", before in "\\PC{0,200}", after in "\\PC{0,200}",
    ) {
        let text = format!("{before}{secret}{after}{secret}");
        let clean = sanitize_detail(&text, &secret);
        prop_assert!(!clean.contains(&secret));
        prop_assert!(clean.chars().count() <= 300);
        prop_assert!(!clean.chars().any(char::is_control));
    }

    #[test]
    fn retry_delays_stay_within_bounds(attempt in any::<u32>(), after in proptest::option::of(any::<u64>()), random in any::<f64>(), header in "\\PC{0,12}") {
        let p = RetryPolicy::default();
        let d = p.delay_ms(attempt, after, random);
        prop_assert!(d <= p.max_delay_ms.max(p.max_retry_after_ms));
        if let Some(ms) = parse_retry_after_seconds(&header) {
            prop_assert!(ms % 1000 == 0);
        }
    }

    #[test]
    fn random_step_sequences_never_finalize_twice_or_skip_a_check(steps in proptest::collection::vec(0u8..6, 0..40)) {
        let mut s = FlowState {
            info: EnrollmentInfo::from_raw(vec![RawRoute { id: 1.0, name: None }], None, None, None).ok(),
            ..FlowState::default()
        };
        let doc = DocumentName::id_document();
        let mut finalizations = 0;
        for step in steps {
            match step {
                0 => if let Ok(id) = s.choose_route(None) { s.route = Some(id) },
                1 => if s.check_consent().is_ok() { s.biometry = Some(false) },
                2 => if s.check_consent().is_ok() { s.biometry = Some(true) },
                3 => if let Ok(total) = s.plan_upload(&doc, 2) {
                    prop_assert!(s.route.is_some() && s.biometry.is_some() && !s.finalized);
                    s.page_accepted(&doc, total, 0);
                },
                4 => if let Ok(total) = s.plan_upload(&DocumentName::selfie(), 1) {
                    prop_assert_eq!(s.biometry, Some(true));
                    s.page_accepted(&DocumentName::selfie(), total, 0);
                    s.page_accepted(&doc, 2, 1);
                },
                _ => if s.check_finalize().is_ok() {
                    prop_assert!(s.documents.iter().all(|(_, d)| d.is_complete()));
                    s.finalized = true;
                    finalizations += 1;
                },
            }
        }
        prop_assert!(finalizations <= 1);
    }
}
