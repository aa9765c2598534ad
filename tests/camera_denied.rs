//! Camera refused: run in a Chromium that denies permission prompts (the test command gives
//! this binary its own webdriver settings).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use id360_flow::Camera;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_refused_camera_gives_permission_denied() {
    let document = web_sys::window().unwrap().document().unwrap();
    let v = document.create_element("video").unwrap();
    let e = err(Camera::open(v.into(), None)).await;
    assert_eq!(
        (text(&e, "code"), text(&e, "step")),
        ("permission_denied".into(), "capture".into())
    );
    assert!(text(&e, "message").contains("upload a photo"));
}
