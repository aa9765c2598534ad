//! Capture with a synthetic camera every engine has (`camera_stage`: the test set's scenes — an
//! ID card's front on a table, its back, the table alone — drawn on a canvas and given to the
//! library as `canvas.captureStream()`): open, capture, stop, checks that find the card,
//! auto-capture with crop and `differentFrom`, prepareFile. The engine's own fake camera is in
//! `camera_device.rs`, a refused one in `camera_denied.rs`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use id360_flow::Camera;
use js_sys::{Array, Object, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn video() -> JsValue {
    let document = web_sys::window().unwrap().document().unwrap();
    let v = document.create_element("video").unwrap();
    document.body().unwrap().append_child(&v).unwrap();
    v.into()
}

fn json(s: &str) -> JsValue {
    js_sys::JSON::parse(s).unwrap()
}

async fn open() -> JsValue {
    open_in().await.0
}

/// An open camera and its `<video>`.
async fn open_in() -> (JsValue, JsValue) {
    camera_stage("front").await;
    let v = video();
    (ok(Camera::open(v.clone(), None)).await, v)
}

/// The `deviceId` the video track's settings give (what `camera.deviceId` promises).
fn track_device_id(v: &JsValue) -> JsValue {
    let stream = get(v, "srcObject");
    let tracks: Array = method(&stream, "getVideoTracks", &[])
        .unwrap()
        .dyn_into()
        .unwrap();
    let settings = method(&tracks.get(0), "getSettings", &[]).unwrap();
    get(&settings, "deviceId")
}

async fn bitmap_size(blob: &JsValue) -> (f64, f64) {
    let bmp = bitmap(blob).await;
    (num(&bmp, "width"), num(&bmp, "height"))
}

#[wasm_bindgen_test]
async fn the_camera_opens_at_its_resolution_and_stop_releases_every_track() {
    camera_stage("front").await;
    let v = video();
    let cam = ok(Camera::open(v.clone(), None)).await;
    assert_eq!((num(&cam, "width"), num(&cam, "height")), (1280.0, 720.0));
    assert_eq!(get(&cam, "active").as_bool(), Some(true));
    let id = get(&cam, "deviceId");
    let settings_id = track_device_id(&v);
    assert!(
        id == settings_id || (id.is_undefined() && !settings_id.is_string()),
        "{id:?} vs {settings_id:?}"
    );
    let stream = get(&v, "srcObject");
    let tracks: Array = method(&stream, "getTracks", &[])
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(tracks.length() >= 1);
    await_method(&cam, "stop", &[]).await.unwrap();
    for t in tracks.iter() {
        assert_eq!(text(&t, "readyState"), "ended");
    }
    assert!(get(&v, "srcObject").is_null());
    assert_eq!(get(&cam, "active").as_bool(), Some(false));
    let e = await_method(&cam, "capture", &[]).await.unwrap_err();
    assert_eq!(text(&e, "code"), "out_of_order");
}

#[wasm_bindgen_test]
async fn capture_gives_a_jpeg_at_full_resolution_or_capped() {
    let cam = open().await;
    let blob = await_method(&cam, "capture", &[]).await.unwrap();
    assert_eq!(text(&blob, "type"), "image/jpeg");
    assert!(num(&blob, "size") > 10_000.0 && num(&blob, "size") < 9_500_000.0);
    assert_eq!(bitmap_size(&blob).await, (1280.0, 720.0));
    let small = await_method(&cam, "capture", &[json(r#"{"maxEdge":640,"quality":0.5}"#)])
        .await
        .unwrap();
    assert_eq!(bitmap_size(&small).await, (640.0, 360.0));
    assert!(num(&small, "size") < num(&blob, "size"));
    let e = await_method(&cam, "capture", &[json(r#"{"quality":3}"#)])
        .await
        .unwrap_err();
    assert_eq!(text(&e, "code"), "invalid_input");
    await_method(&cam, "stop", &[]).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_synthetic_card_passes_the_quality_check_in_its_guide() {
    let cam = open().await;
    let mut report = JsValue::NULL;
    for _ in 0..20 {
        report = method(&cam, "checkQuality", &[json(r#"{"region":"id_card"}"#)]).unwrap();
        if !report.is_null() {
            break;
        }
        sleep(50.0).await;
    }
    assert_eq!(
        get(&report, "ok").as_bool(),
        Some(true),
        "{:?}",
        js_sys::JSON::stringify(&report)
    );
    assert_eq!(num(&report, "resolution"), 1280.0);
    assert!(num(&report, "sharpness") > 60.0);
    // the same frame judged against impossible thresholds says why
    let strict = method(
        &cam,
        "checkQuality",
        &[json(
            r#"{"thresholds":{"minSharpness":1e8,"minResolution":4000}}"#,
        )],
    )
    .unwrap();
    let reasons: Vec<String> = Array::from(&get(&strict, "reasons"))
        .iter()
        .map(|r| r.as_string().unwrap())
        .collect();
    assert_eq!(reasons, ["low_resolution", "blurry"]);
    let e = method(&cam, "checkQuality", &[json(r#"{"region":"poster"}"#)]).unwrap_err();
    assert_eq!(text(&e, "code"), "invalid_input");
    await_method(&cam, "stop", &[]).await.unwrap();
}

#[wasm_bindgen_test]
async fn watch_quality_delivers_reports_until_stopped() {
    let cam = open().await;
    let (callback, reports) = recorder();
    let watch = method(
        &cam,
        "watchQuality",
        &[callback, json(r#"{"region":"id_card"}"#)],
    )
    .unwrap();
    until(|| reports.length() >= 3).await;
    assert!(reports.length() >= 3, "got {}", reports.length());
    assert!(reports
        .iter()
        .all(|r| get(&r, "ok").as_bool() == Some(true)));
    method(&watch, "stop", &[]).unwrap();
    sleep(100.0).await;
    let after = reports.length();
    sleep(300.0).await;
    assert_eq!(reports.length(), after, "no report after stop()");
    let e = method(&cam, "watchQuality", &[JsValue::from(3)]).unwrap_err();
    assert_eq!(text(&e, "code"), "invalid_input");
    await_method(&cam, "stop", &[]).await.unwrap();
}

/// A report callback that throws does not stop the watch, and its exception is not swallowed:
/// it reaches the page's `error` event (`reportError`), as an uncaught one would.
#[wasm_bindgen_test]
async fn a_throwing_report_callback_is_reported_and_the_watch_goes_on() {
    let cam = open().await;
    js_sys::Function::new_no_args(
        "window.__calls = 0; window.__reported = 0; window.addEventListener('error', (e) => { \
         if (String(e.message).includes('broken overlay')) { window.__reported++; e.preventDefault(); } });",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    let callback: JsValue = js_sys::Function::new_with_args(
        "r",
        "window.__calls++; throw new Error('broken overlay');",
    )
    .into();
    let watch = method(&cam, "watchQuality", &[callback]).unwrap();
    let global = js_sys::global();
    until(|| num(&global, "__calls") >= 3.0).await;
    method(&watch, "stop", &[]).unwrap();
    assert!(
        num(&global, "__calls") >= 3.0,
        "{} calls",
        num(&global, "__calls")
    );
    assert_eq!(num(&global, "__reported"), num(&global, "__calls"));
    await_method(&cam, "stop", &[]).await.unwrap();
}

#[wasm_bindgen_test]
async fn auto_capture_resolves_on_steady_good_frames_and_times_out_or_aborts_otherwise() {
    let cam = open().await;
    let (on_quality, seen) = recorder();
    let o = json(r#"{"steadyFrames":3,"region":"id_card","maxEdge":1000}"#);
    with(&o, "onQuality", &on_quality);
    let blob = await_method(&cam, "autoCapture", &[o]).await.unwrap();
    assert_eq!(text(&blob, "type"), "image/jpeg");
    assert_eq!(bitmap_size(&blob).await, (1000.0, 563.0));
    assert!(seen.length() >= 3);
    let e = await_method(
        &cam,
        "autoCapture",
        &[json(
            r#"{"thresholds":{"minSharpness":1e9},"timeoutMs":400}"#,
        )],
    )
    .await
    .unwrap_err();
    assert_eq!(
        (text(&e, "code"), text(&e, "step")),
        ("timeout".into(), "capture".into())
    );
    let controller = web_sys::AbortController::new().unwrap();
    let o = json(r#"{"thresholds":{"minSharpness":1e9}}"#);
    with(&o, "signal", &controller.signal());
    let pending: Promise = method(&cam, "autoCapture", &[o])
        .unwrap()
        .dyn_into()
        .unwrap();
    sleep(100.0).await;
    controller.abort();
    let e = JsFuture::from(pending).await.unwrap_err();
    assert_eq!(text(&e, "code"), "aborted");
    await_method(&cam, "stop", &[]).await.unwrap();
}

#[wasm_bindgen_test]
async fn switching_camera_keeps_it_running_and_a_missing_torch_says_unsupported() {
    camera_stage("front").await;
    let v = video();
    let cam = ok(Camera::open(v.clone(), None)).await;
    await_method(&cam, "switchTo", &[json(r#"{"facing":"user"}"#)])
        .await
        .unwrap();
    assert_eq!(get(&cam, "active").as_bool(), Some(true));
    assert_eq!(num(&cam, "width"), 1280.0);
    let id = get(&cam, "deviceId");
    let o = Object::new();
    with(
        &o,
        "deviceId",
        &JsValue::from_str(&id.as_string().unwrap_or_else(|| "any".into())),
    );
    await_method(&cam, "switchTo", &[o.into()]).await.unwrap();
    // the camera in use now (a canvas stream has a new id for each stream; a real camera keeps it)
    assert_eq!(get(&cam, "deviceId"), track_device_id(&v));
    assert_eq!(get(&cam, "torchAvailable").as_bool(), Some(false));
    let e = await_method(&cam, "setTorch", &[JsValue::TRUE])
        .await
        .unwrap_err();
    assert_eq!(text(&e, "code"), "unsupported");
    await_method(&cam, "stop", &[]).await.unwrap();
}

#[wasm_bindgen_test]
async fn open_refuses_what_is_not_a_video_element_and_bad_options() {
    let e = err(Camera::open(JsValue::from_str("video"), None)).await;
    assert_eq!(text(&e, "code"), "invalid_input");
    let e = err(Camera::open(
        video(),
        Some(json(r#"{"facing":"back"}"#).unchecked_into()),
    ))
    .await;
    assert!(text(&e, "message").contains("facing"));
    let e = err(Camera::open(
        video(),
        Some(json(r#"{"zoom":2}"#).unchecked_into()),
    ))
    .await;
    assert!(text(&e, "message").contains("unknown option 'zoom'"));
    let list = ok(Camera::list()).await;
    assert!(Array::from(&list).length() >= 1);
}

#[wasm_bindgen_test]
async fn prepare_file_applies_exif_rotation_and_passes_small_files_unchanged() {
    let rotated = sample("id_document.jpg?width=1000&height=630&exif_orientation=6").await;
    let out = ok(id360_flow::prepare_file(rotated.clone().into(), None)).await;
    assert_eq!(text(&out, "type"), "image/jpeg");
    assert_eq!(
        bitmap_size(&out).await,
        (630.0, 1000.0),
        "upright: the rotation is in the pixels now"
    );
    assert!(!Object::is(&out, &rotated));
    let plain = sample("id_document.png?width=800&height=500").await;
    let same = ok(id360_flow::prepare_file(plain.clone().into(), None)).await;
    assert!(Object::is(&same, &plain), "nothing to do: the same Blob");
    let big = sample("id_document.jpg?width=3000&height=1890").await;
    let resized = ok(id360_flow::prepare_file(
        big.into(),
        Some(json(r#"{"maxEdge":1600}"#).unchecked_into()),
    ))
    .await;
    assert_eq!(bitmap_size(&resized).await, (1600.0, 1008.0));
    let pdf = blob_of(b"%PDF-1.7\n%%EOF\n");
    assert!(Object::is(
        &ok(id360_flow::prepare_file(pdf.clone().into(), None)).await,
        &pdf
    ));
    for (bad, code) in [
        (blob_of(b"GIF89a\x01\x00"), "unsupported_format"),
        (blob_of(b""), "invalid_input"),
    ] {
        assert_eq!(
            text(
                &err(id360_flow::prepare_file(bad.into(), None)).await,
                "code"
            ),
            code
        );
    }
    assert_eq!(
        text(
            &err(id360_flow::prepare_file(JsValue::from(5), None)).await,
            "code"
        ),
        "invalid_input"
    );
}

#[wasm_bindgen_test]
fn guide_rects_follow_the_document_aspect() {
    let g: JsValue = id360_flow::guide_rect(JsValue::from_str("id_card"), 1280.0, 720.0, None)
        .unwrap()
        .into();
    assert!((num(&g, "width") / num(&g, "height") - 1.585).abs() < 0.01);
    assert_eq!(get(&g, "ellipse").as_bool(), Some(false));
    let s: JsValue = id360_flow::guide_rect(JsValue::from_str("selfie"), 720.0, 1280.0, Some(0.1))
        .unwrap()
        .into();
    assert_eq!(get(&s, "ellipse").as_bool(), Some(true));
    assert!(id360_flow::guide_rect(JsValue::from_str("poster"), 1.0, 1.0, None).is_err());
    assert!(id360_flow::guide_rect(JsValue::from_str("id_card"), 0.0, 1.0, None).is_err());
}

#[wasm_bindgen_test]
fn the_analyzer_checks_frames_you_already_have() {
    let mut a = id360_flow::QualityAnalyzer::new(None).unwrap();
    let flat = js_sys::Uint8Array::new_with_length(640 * 480);
    flat.fill(128, 0, 640 * 480);
    let r = a.analyze_grey(&flat, 640.0, 480.0, Some(1920.0)).unwrap();
    let reasons: Vec<String> = Array::from(&get(&r, "reasons"))
        .iter()
        .map(|r| r.as_string().unwrap())
        .collect();
    assert_eq!(reasons, ["low_contrast", "blurry"]);
    let e = a.analyze_grey(&flat, 641.0, 480.0, None).unwrap_err();
    assert_eq!(text(&e, "code"), "invalid_input");
    // an ImageData's RGBA bytes given as grey (the README's warning) are refused, not judged
    let rgba = js_sys::Uint8ClampedArray::new_with_length(320 * 240 * 4);
    let e = a.analyze_grey(&rgba, 320.0, 240.0, None).unwrap_err();
    assert_eq!(text(&e, "code"), "invalid_input");
    assert!(
        text(&e, "message").contains("analyzeImageData"),
        "{}",
        text(&e, "message")
    );
    // and the analyzer stays usable
    assert!(a.analyze_grey(&flat, 640.0, 480.0, None).is_ok());
}

/// The card's corners in the stage's front scene, from the test set's manifest.
async fn video_corners() -> Vec<(f64, f64)> {
    let m = common::json("GET", "/_sandbox/files/documents/manifest.json", None).await;
    Array::from(&get(&m, "videos.card_corners.front"))
        .iter()
        .map(|c| (num(&c, "0"), num(&c, "1")))
        .collect()
}

async fn first_report(cam: &JsValue, options: &str) -> JsValue {
    for _ in 0..40 {
        let r = method(cam, "checkQuality", &[json(options)]).unwrap();
        if !r.is_null() {
            return r;
        }
        sleep(50.0).await;
    }
    panic!("no frame");
}

#[wasm_bindgen_test]
async fn the_check_finds_the_card_of_the_video_at_its_corners() {
    let cam = open().await;
    let r = first_report(&cam, r#"{"region":"id_card"}"#).await;
    assert_eq!(
        get(&r, "document.found").as_bool(),
        Some(true),
        "{:?}",
        js_sys::JSON::stringify(&r)
    );
    let found: Vec<(f64, f64)> = Array::from(&get(&r, "document.corners"))
        .iter()
        .map(|c| (num(&c, "x"), num(&c, "y")))
        .collect();
    let truth = video_corners().await;
    let err = found
        .iter()
        .zip(&truth)
        .map(|(a, b)| (a.0 - b.0).hypot(a.1 - b.1))
        .fold(0.0, f64::max);
    // 640-px analysis of a 1280-px video: 4 px here are 2 px there
    assert!(err < 4.0, "{found:?} vs {truth:?}");
    assert!(num(&r, "document.coverage") > 0.7 && num(&r, "document.coverage") < 1.1);
    await_method(&cam, "stop", &[]).await.unwrap();
}

#[wasm_bindgen_test]
async fn auto_capture_and_capture_crop_the_card_flat() {
    let cam = open().await;
    let shot = await_method(
        &cam,
        "autoCapture",
        &[json(r#"{"region":"id_card","crop":true}"#)],
    )
    .await
    .unwrap();
    let (w, h) = bitmap_size(&shot).await;
    assert!((w / h - 85.6 / 54.0).abs() < 0.03, "{w}×{h}");
    assert!(w > 900.0, "the card at the video's resolution: {w}");
    let by_hand = await_method(&cam, "capture", &[json(r#"{"crop":true,"maxEdge":800}"#)])
        .await
        .unwrap();
    assert_eq!(bitmap_size(&by_hand).await.0, 800.0);
    for bad in [
        r#"{"crop":true,"region":"selfie"}"#,
        r#"{"region":"id_card"}"#,
        r#"{"crop":"yes"}"#,
    ] {
        let e = await_method(&cam, "capture", &[json(bad)])
            .await
            .unwrap_err();
        assert_eq!(text(&e, "code"), "invalid_input", "{bad}");
    }
    await_method(&cam, "stop", &[]).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_same_side_is_not_captured_again_as_the_next_one() {
    let cam = open().await;
    let (on_front, front_reports) = recorder();
    let o = json(r#"{"region":"id_card","timeoutMs":8000}"#);
    with(&o, "onQuality", &on_front);
    let front = match await_method(&cam, "autoCapture", &[o]).await {
        Ok(b) => b,
        Err(e) => panic!(
            "{}: {:?}",
            text(&e, "message"),
            front_reports
                .iter()
                .take(12)
                .map(|r| js_sys::JSON::stringify(&r).unwrap().as_string().unwrap())
                .collect::<Vec<_>>()
        ),
    };
    let (on_quality, seen) = recorder();
    let o = json(r#"{"region":"id_card","timeoutMs":2500}"#);
    with(&o, "differentFrom", &front);
    with(&o, "onQuality", &on_quality);
    let e = await_method(&cam, "autoCapture", &[o]).await.unwrap_err();
    assert_eq!(text(&e, "code"), "timeout");
    let same: Vec<bool> = seen
        .iter()
        .map(|r| {
            Array::from(&get(&r, "reasons"))
                .iter()
                .any(|x| x.as_string().as_deref() == Some("same_side"))
        })
        .collect();
    assert!(
        same.iter().filter(|s| **s).count() >= 5,
        "the reports said same_side: {same:?}"
    );
    // the library's own captures are remembered; a photo of the same side, decoded, says the same
    let copy = blob_of(
        &js_sys::Uint8Array::new(
            &JsFuture::from(front.unchecked_ref::<web_sys::Blob>().array_buffer())
                .await
                .unwrap(),
        )
        .to_vec(),
    );
    let o = json(r#"{"region":"id_card","timeoutMs":1500}"#);
    with(&o, "differentFrom", &copy);
    assert_eq!(
        text(
            &await_method(&cam, "autoCapture", &[o]).await.unwrap_err(),
            "code"
        ),
        "timeout"
    );
    // turned over: the back is taken, and it is another document than the front
    let stage = camera_stage("back").await;
    let o = json(r#"{"region":"id_card","timeoutMs":8000}"#);
    with(&o, "differentFrom", &front);
    let back = await_method(&cam, "autoCapture", &[o]).await.unwrap();
    assert_eq!(text(&back, "type"), "image/jpeg");
    // an empty table: never captured, and the reports say why
    method(&stage, "show", &[JsValue::from_str("empty")]).unwrap();
    sleep(300.0).await; // (frames already in the stream's pipeline still show the back)
    let (on_empty, empty_reports) = recorder();
    let o = json(r#"{"region":"id_card","timeoutMs":1500}"#);
    with(&o, "onQuality", &on_empty);
    let e = await_method(&cam, "autoCapture", &[o]).await.unwrap_err();
    assert_eq!(text(&e, "code"), "timeout");
    assert!(empty_reports.length() >= 5);
    assert!(empty_reports
        .iter()
        .all(|r| Array::from(&get(&r, "reasons"))
            .iter()
            .any(|x| x.as_string().as_deref() == Some("no_document"))));
    method(&stage, "show", &[JsValue::from_str("front")]).unwrap();
    // what cannot be compared is refused
    let o = json(r#"{"region":"selfie","timeoutMs":1500}"#);
    with(&o, "differentFrom", &front);
    assert_eq!(
        text(
            &await_method(&cam, "autoCapture", &[o]).await.unwrap_err(),
            "code"
        ),
        "invalid_input"
    );
    let o = json(r#"{"region":"id_card","timeoutMs":1500}"#);
    with(&o, "differentFrom", &JsValue::from_str("front"));
    assert_eq!(
        text(
            &await_method(&cam, "autoCapture", &[o]).await.unwrap_err(),
            "code"
        ),
        "invalid_input"
    );
    await_method(&cam, "stop", &[]).await.unwrap();
}

// ---- the camera's life: stop, switch, regions ----------------------------------------------------

/// The promise's outcome, or `Ok("pending")` when it has not settled within `ms`.
async fn within(p: &JsValue, ms: u32) -> Result<JsValue, JsValue> {
    let race = js_sys::Function::new_with_args(
        "p, ms",
        "return Promise.race([p, new Promise((r) => setTimeout(() => r('pending'), ms))]);",
    );
    let p: Promise = race
        .call2(&JsValue::NULL, p, &JsValue::from(ms))
        .unwrap()
        .dyn_into()
        .unwrap();
    JsFuture::from(p).await
}

/// The error a promise rejects with within `ms` (panics when it resolves or stays pending).
async fn rejection(p: &JsValue, ms: u32, what: &str) -> JsValue {
    match within(p, ms).await {
        Ok(v) => panic!("{what}: expected an error within {ms} ms, got {v:?}"),
        Err(e) => e,
    }
}

/// Puts `getUserMedia` = `make(stageGetUserMedia)` (JS source) in place of the stage's own,
/// until the next `camera_stage`. `window.__calls` records each call's constraints.
fn replace_get_user_media(make: &str) {
    js_sys::Function::new_with_args(
        "",
        &format!(
            "const inner = window.__stage.getUserMedia;
             window.__calls = [];
             window.__given = [];
             const f = ({make})(inner);
             Object.defineProperty(MediaDevices.prototype, 'getUserMedia', {{
               value: (c) => {{ window.__calls.push(c); return f(c); }},
               configurable: true, writable: true }});"
        ),
    )
    .call0(&JsValue::NULL)
    .unwrap();
}

/// Waits until `done` holds, 3 s at most (the caller asserts what it waited for).
async fn until(mut done: impl FnMut() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        sleep(30.0).await;
    }
}

fn window_field(name: &str) -> JsValue {
    get(&js_sys::global(), name)
}

fn first_track(v: &JsValue) -> JsValue {
    let tracks: Array = method(&get(v, "srcObject"), "getVideoTracks", &[])
        .unwrap()
        .dyn_into()
        .unwrap();
    tracks.get(0)
}

#[wasm_bindgen_test]
async fn stop_rejects_a_waiting_auto_capture_and_ends_watch_quality() {
    let cam = open().await;
    let (callback, reports) = recorder();
    method(
        &cam,
        "watchQuality",
        &[callback, json(r#"{"region":"id_card"}"#)],
    )
    .unwrap();
    // never good enough, no timeout: only stop() can end it
    let waiting = method(
        &cam,
        "autoCapture",
        &[json(r#"{"thresholds":{"minSharpness":1e9}}"#)],
    )
    .unwrap();
    until(|| reports.length() >= 2).await;
    assert!(reports.length() >= 2, "got {}", reports.length());
    await_method(&cam, "stop", &[]).await.unwrap();
    let e = rejection(&waiting, 1000, "autoCapture after stop()").await;
    assert_eq!(text(&e, "code"), "out_of_order");
    assert!(
        text(&e, "message").contains("stopped"),
        "{}",
        text(&e, "message")
    );
    let after = reports.length();
    sleep(300.0).await;
    assert_eq!(
        reports.length(),
        after,
        "no report after the camera's stop()"
    );
    // on the stopped camera both are refused at once
    let again = method(&cam, "autoCapture", &[]).unwrap();
    let e = rejection(&again, 1000, "autoCapture on a stopped camera").await;
    assert_eq!(text(&e, "code"), "out_of_order");
    let (callback, _) = recorder();
    let e = method(&cam, "watchQuality", &[callback]).unwrap_err();
    assert_eq!(text(&e, "code"), "out_of_order");
}

/// A camera that stops by itself (unplugged, taken by another application, permission
/// withdrawn: its track ends without `stop()`) rejects a waiting `autoCapture` with
/// `camera_in_use`, where it used to wait for frames that never came. (A track's own `stop()`
/// fires no `ended`: the test stops it, then sends the event the browser would.)
#[wasm_bindgen_test]
async fn a_camera_that_ends_by_itself_rejects_a_waiting_auto_capture() {
    let (cam, v) = open_in().await;
    let waiting = method(
        &cam,
        "autoCapture",
        &[json(r#"{"thresholds":{"minSharpness":1e9}}"#)],
    )
    .unwrap();
    sleep(200.0).await;
    let stream = get(&v, "srcObject");
    let tracks: Array = method(&stream, "getVideoTracks", &[])
        .unwrap()
        .dyn_into()
        .unwrap();
    let track = tracks.get(0);
    method(&track, "stop", &[]).unwrap();
    let ended = web_sys::Event::new("ended").unwrap();
    method(&track, "dispatchEvent", &[ended.into()]).unwrap();
    let e = rejection(&waiting, 1000, "autoCapture after the camera ended").await;
    assert_eq!(text(&e, "code"), "camera_in_use", "{}", text(&e, "message"));
    assert_eq!(get(&cam, "active").as_bool(), Some(false));
    let again = method(&cam, "autoCapture", &[]).unwrap();
    let e = rejection(&again, 1000, "autoCapture on the ended camera").await;
    assert_eq!(text(&e, "code"), "out_of_order");
}

#[wasm_bindgen_test]
async fn stop_during_a_switch_keeps_the_camera_stopped() {
    let (cam, v) = open_in().await;
    // the new camera takes 300 ms to come
    replace_get_user_media(
        "(inner) => async (c) => {
           await new Promise((r) => setTimeout(r, 300));
           const s = await inner(c);
           window.__given.push(s);
           return s;
         }",
    );
    let switching = method(&cam, "switchTo", &[json(r#"{"facing":"user"}"#)]).unwrap();
    sleep(50.0).await;
    await_method(&cam, "stop", &[]).await.unwrap();
    let e = rejection(&switching, 2000, "switchTo interrupted by stop()").await;
    assert_eq!(text(&e, "code"), "out_of_order");
    assert!(
        text(&e, "message").contains("stopped"),
        "{}",
        text(&e, "message")
    );
    sleep(100.0).await;
    assert_eq!(get(&cam, "active").as_bool(), Some(false));
    assert!(get(&v, "srcObject").is_null());
    let given = Array::from(&window_field("__given"));
    assert_eq!(given.length(), 1);
    let tracks: Array = method(&given.get(0), "getTracks", &[])
        .unwrap()
        .dyn_into()
        .unwrap();
    for t in tracks.iter() {
        assert_eq!(
            text(&t, "readyState"),
            "ended",
            "the late stream is given back"
        );
    }
}

/// A double tap on "switch camera": the second switch overtakes the first while its camera is
/// still coming, then fails. The camera that was open before both comes back (the second
/// switch used to see no stream, take the camera for already gone, and stop it for good).
#[wasm_bindgen_test]
async fn a_failed_switch_that_overtook_another_reopens_the_camera_before_both() {
    let (cam, _v) = open_in().await;
    replace_get_user_media(
        "(inner) => async (c) => {
           const id = c.video && c.video.deviceId && c.video.deviceId.exact;
           if (id === 'missing') throw new DOMException('no such camera', 'OverconstrainedError');
           await new Promise((r) => setTimeout(r, 150));
           return inner(c);
         }",
    );
    let first = method(&cam, "switchTo", &[json(r#"{"facing":"user"}"#)]).unwrap();
    let second = method(&cam, "switchTo", &[json(r#"{"deviceId":"missing"}"#)]).unwrap();
    let e = rejection(&second, 3000, "the failing switch").await;
    assert_eq!(text(&e, "code"), "no_camera");
    let e = rejection(&first, 3000, "the overtaken switch").await;
    assert_eq!(text(&e, "code"), "out_of_order");
    assert_eq!(get(&cam, "active").as_bool(), Some(true));
    let calls = Array::from(&window_field("__calls"));
    let last = calls.get(calls.length() - 1);
    assert_eq!(
        text(&last, "video.facingMode.ideal"),
        "environment",
        "the camera before both"
    );
    await_method(&cam, "stop", &[]).await.unwrap();
}

/// A double tap where both cameras exist: the openings take turns (phones refuse a second
/// camera while the first is coming), the later switch wins, and the overtaken one's camera is
/// given back. (Both `getUserMedia` calls used to be under way at once.)
#[wasm_bindgen_test]
async fn a_double_tap_asks_for_one_camera_at_a_time() {
    let (cam, v) = open_in().await;
    replace_get_user_media(
        "(inner) => async (c) => {
           window.__inFlight = (window.__inFlight || 0) + 1;
           window.__maxInFlight = Math.max(window.__maxInFlight || 0, window.__inFlight);
           try {
             await new Promise((r) => setTimeout(r, 150));
             const s = await inner(c);
             window.__given.push(s);
             return s;
           } finally { window.__inFlight -= 1; }
         }",
    );
    let first = method(&cam, "switchTo", &[json(r#"{"facing":"user"}"#)]).unwrap();
    sleep(20.0).await;
    let second = method(&cam, "switchTo", &[json(r#"{"facing":"environment"}"#)]).unwrap();
    let e = rejection(&first, 3000, "the overtaken switch").await;
    assert_eq!(text(&e, "code"), "out_of_order");
    within(&second, 3000).await.unwrap();
    assert_eq!(
        window_field("__maxInFlight").as_f64(),
        Some(1.0),
        "getUserMedia calls under way at once"
    );
    let calls = Array::from(&window_field("__calls"));
    assert_eq!(calls.length(), 2);
    assert_eq!(text(&calls.get(1), "video.facingMode.ideal"), "environment");
    assert_eq!(get(&cam, "active").as_bool(), Some(true));
    let given = Array::from(&window_field("__given"));
    assert_eq!(given.length(), 2);
    let overtaken: Array = method(&given.get(0), "getTracks", &[])
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(overtaken.iter().all(|t| text(&t, "readyState") == "ended"));
    assert!(Object::is(&get(&v, "srcObject"), &given.get(1)));
    await_method(&cam, "stop", &[]).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_switch_stops_the_old_camera_first_and_a_failed_one_reopens_it() {
    let (cam, v) = open_in().await;
    // each call records whether the camera in the video was still running when asked
    replace_get_user_media(
        "(inner) => async (c) => {
           (window.__liveAtCall = window.__liveAtCall || []).push(window.__old.readyState === 'live');
           const id = c.video && c.video.deviceId && c.video.deviceId.exact;
           if (window.__failAll) throw new DOMException('busy', 'NotReadableError');
           if (id === 'missing') throw new DOMException('no such camera', 'OverconstrainedError');
           return inner(c);
         }",
    );
    let old = first_track(&v);
    with(&js_sys::global(), "__old", &old);
    await_method(&cam, "switchTo", &[json(r#"{"facing":"user"}"#)])
        .await
        .unwrap();
    let live_at_call: Vec<bool> = Array::from(&window_field("__liveAtCall"))
        .iter()
        .map(|b| b.as_bool().unwrap())
        .collect();
    assert_eq!(
        live_at_call,
        [false],
        "the old camera was stopped before the new one was asked for"
    );
    assert_eq!(text(&old, "readyState"), "ended");
    assert_eq!(get(&cam, "active").as_bool(), Some(true));
    // a camera that is not there: the previous one (the same request) is back
    let before = first_track(&v);
    with(&js_sys::global(), "__old", &before);
    let e = await_method(&cam, "switchTo", &[json(r#"{"deviceId":"missing"}"#)])
        .await
        .unwrap_err();
    assert_eq!(text(&e, "code"), "no_camera");
    assert_eq!(get(&cam, "active").as_bool(), Some(true));
    assert_eq!(text(&before, "readyState"), "ended");
    let calls = Array::from(&window_field("__calls"));
    let last = calls.get(calls.length() - 1);
    assert_eq!(
        text(&last, "video.facingMode.ideal"),
        "user",
        "reopened as before"
    );
    let live_at_call = Array::from(&window_field("__liveAtCall"));
    assert!(live_at_call.iter().all(|b| b.as_bool() == Some(false)));
    assert!(num(&cam, "width") > 0.0);
    // when the previous camera cannot come back either: stopped, with the new camera's error,
    // and what waited on frames ends
    let waiting = method(
        &cam,
        "autoCapture",
        &[json(r#"{"thresholds":{"minSharpness":1e9}}"#)],
    )
    .unwrap();
    with(&js_sys::global(), "__failAll", &JsValue::TRUE);
    let e = await_method(&cam, "switchTo", &[json(r#"{"facing":"environment"}"#)])
        .await
        .unwrap_err();
    with(&js_sys::global(), "__failAll", &JsValue::FALSE);
    assert_eq!(text(&e, "code"), "camera_in_use");
    assert_eq!(get(&cam, "active").as_bool(), Some(false));
    let e = rejection(&waiting, 1000, "autoCapture after the camera was lost").await;
    assert_eq!(text(&e, "code"), "out_of_order");
    await_method(&cam, "stop", &[]).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_pixel_region_outside_the_frame_or_too_small_is_refused() {
    let cam = open().await;
    first_report(&cam, "{}").await;
    let inside = method(
        &cam,
        "checkQuality",
        &[json(
            r#"{"region":{"x":100,"y":100,"width":400,"height":300}}"#,
        )],
    )
    .unwrap();
    assert_eq!(
        num(&inside, "resolution"),
        1280.0,
        "a region inside is analysed"
    );
    for (region, says) in [
        (
            r#"{"x":2000,"y":0,"width":100,"height":100}"#,
            "outside the frame",
        ),
        (
            r#"{"x":0,"y":720,"width":100,"height":100}"#,
            "outside the frame",
        ),
        // 4 × 4 of a 1280-px video are 2 × 2 in the 640-px analysis
        (r#"{"x":10,"y":10,"width":4,"height":4}"#, "too small"),
        // only 4 columns of it are in the frame
        (r#"{"x":1276,"y":0,"width":100,"height":100}"#, "too small"),
    ] {
        let o = json(&format!(r#"{{"region":{region}}}"#));
        let e = method(&cam, "checkQuality", std::slice::from_ref(&o)).unwrap_err();
        assert_eq!(text(&e, "code"), "invalid_input", "{region}");
        assert!(
            text(&e, "message").contains(says),
            "{region}: {}",
            text(&e, "message")
        );
        let (callback, _) = recorder();
        let e = method(&cam, "watchQuality", &[callback, o.clone()]).unwrap_err();
        assert_eq!(text(&e, "code"), "invalid_input", "watchQuality {region}");
        let p = method(&cam, "autoCapture", &[o]).unwrap();
        let e = rejection(&p, 1000, &format!("autoCapture {region}")).await;
        assert_eq!(text(&e, "code"), "invalid_input", "autoCapture {region}");
        assert!(
            text(&e, "message").contains(says),
            "{region}: {}",
            text(&e, "message")
        );
    }
    await_method(&cam, "stop", &[]).await.unwrap();
}
