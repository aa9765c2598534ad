//! The library in Node (no XMLHttpRequest, no DOM): the fetch path against the sandbox.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use js_sys::Object;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn node_runs_the_whole_flow_with_progress_per_completed_page() {
    let (id, key) = enrollment(DEFAULT_PROCESS).await;
    let f = flow(&key, "");
    let (on_progress, events) = recorder();
    let o = Object::new();
    with(&o, "document", &pages(&[&card().await, &card().await]));
    with(&o, "selfie", &selfie().await.into());
    with(&o, "onProgress", &on_progress);
    ok(f.run(JsValue::from(o).unchecked_into())).await;
    let seen: Vec<(String, f64, bool)> = events
        .iter()
        .map(|e| {
            (
                text(&e, "step"),
                num(&e, "page"),
                num(&e, "loaded") == num(&e, "total"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("document".into(), 0.0, true),
            ("document".into(), 1.0, true),
            ("selfie".into(), 0.0, true)
        ]
    );
    assert_eq!(num(&admin(id).await, "flow_requests"), 7.0);
    assert_eq!(final_status(id).await, "OK");
}

#[wasm_bindgen_test]
async fn node_reports_server_errors_and_retries_through_fetch() {
    clear_faults().await;
    let (id, key) = enrollment(NO_SELFIE_PROCESS).await;
    let (on_retry, retries) = recorder();
    let o = options(&key, r#"{"retries":2}"#);
    with(&o, "onRetry", &on_retry);
    let f = id360_flow::Id360Flow::new(o.unchecked_into()).unwrap();
    ok(f.select_route(None)).await;
    ok(f.accept_terms(None)).await;
    set_faults(r#"[{"endpoint":"upload","kind":"status","status":502,"times":1}]"#).await;
    ok(f.upload_id_document(pages(&[&card().await]), None)).await;
    assert_eq!(retries.length(), 1);
    assert_eq!(
        num(
            &admin(id).await,
            "documents.id_document_image.pages.0.uploads"
        ),
        1.0
    );
    let e = err(flow("0123456789abcdef0123456789abcdef", "").finalize()).await;
    assert_eq!(
        text(&e, "code"),
        "out_of_order",
        "checked locally before any request"
    );
    let e = err(flow("0123456789abcdef0123456789abcdef", "").enrollment_info()).await;
    assert_eq!(
        (text(&e, "code"), num(&e, "status")),
        ("unauthorized".into(), 401.0)
    );
    clear_faults().await;
}

#[wasm_bindgen_test]
async fn node_aborts_and_times_out() {
    let (_, key) = enrollment(DEFAULT_PROCESS).await;
    set_faults(r#"[{"endpoint":"enrollment_info","kind":"stall","latency_ms":3000,"times":1}]"#)
        .await;
    let e = err(flow(&key, r#"{"retries":0,"timeoutMs":200}"#).enrollment_info()).await;
    assert_eq!(text(&e, "code"), "timeout");
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let o = options(&key, "");
    with(&o, "signal", &controller.signal());
    let e = err(id360_flow::Id360Flow::new(o.unchecked_into())
        .unwrap()
        .enrollment_info())
    .await;
    assert_eq!(text(&e, "code"), "aborted");
    clear_faults().await;
}
