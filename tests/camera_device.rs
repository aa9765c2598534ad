//! The engine's own fake camera (Chromium's file or pattern, Firefox's generated pattern,
//! WebKit's mock device): what the library promises whatever the camera shows — it opens at
//! the size the track gives, frames are analysed, auto-capture on a picture with no document
//! never fires and ends cleanly, and stop releases every track. The test command gives this
//! binary each engine's fake-camera settings.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use id360_flow::Camera;
use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn the_engines_fake_camera_opens_is_analysed_and_stops() {
    let document = web_sys::window().unwrap().document().unwrap();
    let v: JsValue = document.create_element("video").unwrap().into();
    document
        .body()
        .unwrap()
        .append_child(v.unchecked_ref())
        .unwrap();
    let cam = ok(Camera::open(v.clone(), None)).await;
    let (w, h) = (num(&cam, "width"), num(&cam, "height"));
    assert!(w >= 160.0 && h >= 120.0, "{w}×{h}");
    assert_eq!((num(&v, "videoWidth"), num(&v, "videoHeight")), (w, h));
    let mut report = JsValue::NULL;
    for _ in 0..60 {
        report = method(
            &cam,
            "checkQuality",
            &[js_sys::JSON::parse(r#"{"region":"id_card"}"#).unwrap()],
        )
        .unwrap();
        if !report.is_null() {
            break;
        }
        sleep(50.0).await;
    }
    assert!(!report.is_null(), "a frame was analysed");
    assert_eq!(num(&report, "resolution"), w.max(h));
    assert_eq!(
        get(&report, "document.found").as_bool(),
        Some(false),
        "a test pattern is no document"
    );
    let e = await_method(
        &cam,
        "autoCapture",
        &[js_sys::JSON::parse(r#"{"region":"id_card","timeoutMs":800}"#).unwrap()],
    )
    .await
    .unwrap_err();
    assert_eq!(text(&e, "code"), "timeout");
    let shot = await_method(&cam, "capture", &[]).await.unwrap();
    assert_eq!(text(&shot, "type"), "image/jpeg");
    let stream = get(&v, "srcObject");
    let tracks: Array = method(&stream, "getTracks", &[])
        .unwrap()
        .dyn_into()
        .unwrap();
    await_method(&cam, "stop", &[]).await.unwrap();
    for t in tracks.iter() {
        assert_eq!(text(&t, "readyState"), "ended");
    }
    assert_eq!(get(&cam, "active").as_bool(), Some(false));
    assert!(Array::from(&ok(Camera::list()).await).length() >= 1);
}
