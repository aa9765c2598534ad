//! The library in headless Chromium against the sandbox, through its public API: the whole
//! flow, every error code, progress, abort, timeout, retries and resumption.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use id360_flow::Id360Flow;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn the_whole_flow_reaches_an_ok_verdict_in_exactly_seven_requests() {
    let (id, key) = enrollment(DEFAULT_PROCESS).await;
    let f = flow(&key, "");
    let info = ok(f.enrollment_info()).await;
    assert_eq!(num(&info, "routes.0.id"), 275128.0);
    assert_eq!(text(&info, "raw.status"), "STARTED", "the raw JSON is kept");
    let again = ok(f.enrollment_info()).await;
    assert!(
        Object::is(&info, &again),
        "enrollment_info is read once and reused"
    );
    assert_eq!(ok(f.select_route(None)).await.as_f64(), Some(275128.0));
    ok(f.accept_terms(Some(
        js_sys::JSON::parse(r#"{"biometry":true}"#)
            .unwrap()
            .unchecked_into(),
    )))
    .await;
    let (recto, verso, face) = (card().await, card().await, selfie().await);
    ok(f.upload_id_document(pages(&[&recto, &verso]), None)).await;
    ok(f.upload_selfie(face.into(), None)).await;
    ok(f.finalize()).await;
    let a = admin(id).await;
    assert_eq!(num(&a, "flow_requests"), 7.0);
    assert_eq!(num(&a, "finalize_count"), 1.0);
    assert_eq!(
        num(&a, "documents.id_document_image.pages.1.size"),
        verso.size()
    );
    assert_eq!(final_status(id).await, "OK");
    let state: JsValue = f.state().unwrap().into();
    assert_eq!(get(&state, "finalized").as_bool(), Some(true));
    assert_eq!(num(&state, "documents.id_document_image.totalPages"), 2.0);
}

#[wasm_bindgen_test]
async fn run_does_the_whole_flow_with_step_events() {
    let (id, key) = enrollment(DEFAULT_PROCESS).await;
    let f = flow(&key, "");
    let (on_step, steps) = recorder();
    let o = Object::new();
    with(&o, "document", &pages(&[&card().await, &card().await]));
    with(&o, "selfie", &selfie().await.into());
    with(&o, "onStep", &on_step);
    ok(f.run(JsValue::from(o).unchecked_into())).await;
    let seen: Vec<String> = steps
        .iter()
        .map(|e| format!("{}:{}", text(&e, "step"), text(&e, "status")))
        .collect();
    assert_eq!(
        seen,
        [
            "info:start",
            "info:done",
            "route:start",
            "route:done",
            "consent:start",
            "consent:done",
            "document:start",
            "document:done",
            "selfie:start",
            "selfie:done",
            "finalize:start",
            "finalize:done"
        ]
    );
    assert_eq!(num(&admin(id).await, "flow_requests"), 7.0);
    assert_eq!(final_status(id).await, "OK");
}

#[wasm_bindgen_test]
async fn progress_is_monotonic_and_ends_at_the_byte_totals() {
    let (_, key) = enrollment(NO_SELFIE_PROCESS).await;
    let f = flow(&key, "");
    ok(f.select_route(None)).await;
    ok(f.accept_terms(None)).await;
    let recto = sample("id_document.png?pad_to=9400000").await;
    let verso = sample("id_document.png?pad_to=2000000").await;
    // The sandbox reads the first page late: the browser's send buffer fills and drains while
    // it reports progress, as on a slow network.
    set_faults(r#"[{"endpoint":"upload","kind":"latency","latency_ms":800,"times":1}]"#).await;
    let (on_progress, events) = recorder();
    let o = Object::new();
    with(&o, "onProgress", &on_progress);
    ok(f.upload_id_document(
        pages(&[&recto, &verso]),
        Some(JsValue::from(o).unchecked_into()),
    ))
    .await;
    let total = recto.size() + verso.size();
    let mut last_doc = -1.0;
    let mut last_page = [-1.0, -1.0];
    for e in events.iter() {
        let page = num(&e, "page") as usize;
        assert!(
            num(&e, "loaded") > last_page[page],
            "per-page progress increases"
        );
        assert!(
            num(&e, "documentLoaded") > last_doc,
            "document progress increases"
        );
        last_page[page] = num(&e, "loaded");
        last_doc = num(&e, "documentLoaded");
        assert_eq!(num(&e, "documentTotal"), total);
        assert_eq!(num(&e, "pages"), 2.0);
    }
    clear_faults().await;
    assert!(
        events.length() > 2,
        "real byte progress, not only page ends"
    );
    let end = events.get(events.length() - 1);
    assert_eq!(num(&end, "documentLoaded"), total);
    assert_eq!(num(&end, "loaded"), verso.size());
    assert_eq!(last_page[0], recto.size());
}

async fn prepared(process: &str, extra: &str) -> (u64, String, Id360Flow) {
    let (id, key) = enrollment(process).await;
    let f = flow(&key, extra);
    ok(f.select_route(None)).await;
    ok(f.accept_terms(Some(
        js_sys::JSON::parse(r#"{"biometry":true}"#)
            .unwrap()
            .unchecked_into(),
    )))
    .await;
    (id, key, f)
}

#[wasm_bindgen_test]
async fn each_error_code_is_reached_through_the_public_api() {
    clear_faults().await;
    // invalid_input: thrown by the constructor
    let bad = Id360Flow::new(options("has space", "").unchecked_into())
        .err()
        .unwrap();
    assert_eq!(text(&bad, "code"), "invalid_input");
    // what error reporting tools record (Object.keys, JSON) holds no wasm-bindgen pointer
    let keys: Vec<String> = js_sys::Object::keys(bad.unchecked_ref::<js_sys::Object>())
        .iter()
        .map(|k| k.as_string().unwrap())
        .collect();
    assert!(
        keys.contains(&"code".to_string()) && !keys.iter().any(|k| k.starts_with("__wbg")),
        "{keys:?}"
    );
    let json = js_sys::JSON::stringify(&bad).unwrap().as_string().unwrap();
    assert!(
        !json.contains("__wbg_ptr") && json.contains("invalid_input"),
        "{json}"
    );
    assert!(bad.is_instance_of::<js_sys::Error>());
    // a number out of range is quoted (it used to say "got a number")
    for (extra, quoted) in [
        (r#"{"retries":11}"#, "got 11."),
        (r#"{"timeoutMs":1e12}"#, "got 1000000000000."),
        (r#"{"timeoutMs":-5}"#, "got -5."),
        (r#"{"retries":1.5}"#, "got a number."),
    ] {
        let bad = Id360Flow::new(options("k", extra).unchecked_into())
            .err()
            .unwrap();
        assert!(
            text(&bad, "message").ends_with(quoted),
            "{}",
            text(&bad, "message")
        );
    }
    // unsupported_format, payload_too_large: before any byte is sent
    let (id, _, f) = prepared(NO_SELFIE_PROCESS, r#"{"retries":0}"#).await;
    let gif = blob_of(b"GIF89a\x01\x00\x01\x00");
    let e = err(f.upload_id_document(pages(&[&gif]), None)).await;
    assert_eq!(
        (text(&e, "code"), text(&e, "step")),
        ("unsupported_format".into(), "document".into())
    );
    let e = err(f.upload_id_document(pages(&[&jpeg_of_size(9_500_001)]), None)).await;
    assert_eq!(text(&e, "code"), "payload_too_large");
    assert!(
        get(&admin(id).await, "documents.id_document_image").is_undefined(),
        "nothing was sent"
    );
    // out_of_order: finalize before the document
    let e = err(f.finalize()).await;
    assert_eq!(
        (text(&e, "code"), text(&e, "step")),
        ("out_of_order".into(), "finalize".into())
    );
    // not_found: a document name the process does not take (ID360 answers 404)
    let e = err(f.upload_document("passport_scan".into(), pages(&[&card().await]), None)).await;
    assert_eq!(
        (text(&e, "code"), num(&e, "status")),
        ("not_found".into(), 404.0)
    );
    assert_eq!(text(&e, "serverCode"), "unknown_document");
    // rate_limited and server, with retries off
    set_faults(
        r#"[{"endpoint":"upload","kind":"status","status":429,"retry_after_secs":1,"times":1}]"#,
    )
    .await;
    let e = err(f.upload_id_document(pages(&[&card().await]), None)).await;
    assert_eq!(
        (text(&e, "code"), get(&e, "retryable").as_bool()),
        ("rate_limited".into(), Some(true))
    );
    assert_eq!(num(&e, "retryAfterMs"), 1000.0);
    set_faults(r#"[{"endpoint":"upload","kind":"status","status":503,"times":1}]"#).await;
    let e = err(f.upload_id_document(pages(&[&card().await]), None)).await;
    assert_eq!(
        (text(&e, "code"), num(&e, "status")),
        ("server".into(), 503.0)
    );
    // invalid_response: malformed JSON from enrollment_info
    let (_, key) = enrollment(DEFAULT_PROCESS).await;
    set_faults(r#"[{"endpoint":"enrollment_info","kind":"malformed","times":1}]"#).await;
    let e = err(flow(&key, r#"{"retries":0}"#).enrollment_info()).await;
    assert_eq!(
        (text(&e, "code"), text(&e, "step")),
        ("invalid_response".into(), "info".into())
    );
    // unauthorized: an api_key the sandbox does not know
    let e = err(flow("0123456789abcdef0123456789abcdef", "").enrollment_info()).await;
    assert_eq!(
        (text(&e, "code"), num(&e, "status")),
        ("unauthorized".into(), 401.0)
    );
    // network: nothing listens there
    let o = js_sys::JSON::parse(
        r#"{"apiKey":"k","environment":{"baseUrl":"http://127.0.0.1:9"},"retries":0}"#,
    )
    .unwrap();
    let e = err(Id360Flow::new(o.unchecked_into())
        .unwrap()
        .enrollment_info())
    .await;
    assert_eq!(text(&e, "code"), "network");
    clear_faults().await;
}

#[wasm_bindgen_test]
async fn errors_are_real_errors_with_a_stable_shape() {
    let e = Id360Flow::new(JsValue::from(42).unchecked_into())
        .err()
        .unwrap();
    assert!(e.is_instance_of::<js_sys::Error>(), "instanceof Error");
    assert_eq!(
        text(&e, "constructor.name"),
        "Id360Error",
        "an instance of the exported class"
    );
    assert_eq!(text(&e, "name"), "Id360Error");
    assert_eq!(get(&e, "retryable").as_bool(), Some(false));
    assert!(text(&e, "message").contains("must be an object"));
    // the stack as the engine writes it: V8 starts it with "Error: message" (ours then says
    // "Id360Error: message"); Firefox and JavaScriptCore list the frames only
    let stack = text(&e, "stack");
    let engine = text(&js_sys::Error::new("probe").into(), "stack");
    if engine.starts_with("Error: probe") {
        assert!(
            stack.starts_with("Id360Error: options must be an object"),
            "{stack}"
        );
    } else {
        assert!(!stack.is_empty() && !stack.contains("Error: "), "{stack}");
    }
    let s: String = js_sys::Error::from(e).to_string().into();
    assert!(
        s.starts_with("Id360Error: options must be an object"),
        "{s}"
    );
}

#[wasm_bindgen_test]
async fn a_stalled_answer_gives_timeout_within_the_configured_time() {
    let (_, key) = enrollment(DEFAULT_PROCESS).await;
    set_faults(r#"[{"endpoint":"enrollment_info","kind":"stall","latency_ms":5000,"times":1}]"#)
        .await;
    let started = js_sys::Date::now();
    let e = err(flow(&key, r#"{"retries":0,"timeoutMs":300}"#).enrollment_info()).await;
    assert_eq!(
        (text(&e, "code"), get(&e, "retryable").as_bool()),
        ("timeout".into(), Some(true))
    );
    assert!(
        js_sys::Date::now() - started < 4000.0,
        "gave up long before the stall ended"
    );
    clear_faults().await;
    // the module keeps working
    ok(flow(&key, "").enrollment_info()).await;
}

#[wasm_bindgen_test]
async fn aborting_mid_upload_rejects_with_aborted_and_sends_nothing_more() {
    let (id, key) = enrollment(DEFAULT_PROCESS).await;
    let controller = web_sys::AbortController::new().unwrap();
    let o = options(&key, "");
    with(&o, "signal", &controller.signal());
    let f = Id360Flow::new(o.unchecked_into()).unwrap();
    ok(f.select_route(None)).await;
    ok(f.accept_terms(None)).await;
    set_faults(r#"[{"endpoint":"upload","kind":"latency","latency_ms":3000,"times":1}]"#).await;
    let (on_progress, _) = recorder();
    let uo = Object::new();
    with(&uo, "onProgress", &on_progress);
    let upload = f.upload_id_document(
        pages(&[&card().await, &card().await]),
        Some(JsValue::from(uo).unchecked_into()),
    );
    // queued behind the upload: a finalize that would send nothing (pages missing) ends
    // `aborted` too, not `out_of_order` (a page ignoring `aborted` shows nothing)
    let queued_finalize = f.finalize();
    sleep(300.0).await;
    controller.abort_with_reason(&JsValue::from_str("a string, not an Error"));
    let e = err(upload).await;
    assert_eq!(
        (text(&e, "code"), text(&e, "step")),
        ("aborted".into(), "document".into())
    );
    let e = err(queued_finalize).await;
    assert_eq!(
        (text(&e, "code"), text(&e, "step")),
        ("aborted".into(), "finalize".into())
    );
    sleep(3200.0).await;
    let a = admin(id).await;
    assert!(
        !get(&a, "documents.id_document_image.pages.1").is_object(),
        "the queued page was never sent"
    );
    // every later call on the same aborted signal is refused at once, even one that needs no
    // request (the route is known, enrollment_info was read); a new flow works
    for (call, step) in [
        (f.finalize(), "finalize"),
        (f.enrollment_info(), "info"),
        (f.select_route(None), "route"),
        (
            f.upload_id_document(pages(&[&card().await]), None),
            "document",
        ),
    ] {
        let e = err(call).await;
        assert_eq!(
            (text(&e, "code"), text(&e, "step")),
            ("aborted".into(), step.into())
        );
    }
    clear_faults().await;
    ok(flow(&key, "").enrollment_info()).await;
}

#[wasm_bindgen_test]
async fn transient_failures_are_retried_with_events_and_nothing_is_stored_twice() {
    clear_faults().await;
    let (on_retry, retries) = recorder();
    let (id, key) = enrollment(NO_SELFIE_PROCESS).await;
    let o = options(&key, r#"{"retries":3}"#);
    with(&o, "onRetry", &on_retry);
    let f = Id360Flow::new(o.unchecked_into()).unwrap();
    ok(f.select_route(None)).await;
    ok(f.accept_terms(None)).await;
    set_faults(
        r#"[{"endpoint":"upload","kind":"status","status":503,"times":1},
            {"endpoint":"upload","kind":"status","status":429,"retry_after_secs":1,"times":1}]"#,
    )
    .await;
    ok(f.upload_id_document(pages(&[&card().await]), None)).await;
    let seen: Vec<(f64, String)> = retries
        .iter()
        .map(|e| (num(&e, "attempt"), text(&e, "code")))
        .collect();
    assert_eq!(
        seen,
        [
            (2.0, "server".to_string()),
            (3.0, "rate_limited".to_string())
        ]
    );
    assert_eq!(
        num(&retries.get(1), "delayMs"),
        1000.0,
        "Retry-After honoured"
    );
    assert_eq!(
        num(
            &admin(id).await,
            "documents.id_document_image.pages.0.uploads"
        ),
        1.0
    );
    // a 400 is never retried
    set_faults(r#"[{"endpoint":"finalize","kind":"status","status":400,"times":1}]"#).await;
    let e = err(f.finalize()).await;
    assert_eq!(text(&e, "code"), "invalid_input");
    assert_eq!(retries.length(), 2, "no retry event for a 400");
    clear_faults().await;
    ok(f.finalize()).await;
}

#[wasm_bindgen_test]
async fn a_failed_page_is_retried_alone_and_accepted_pages_are_not_resent() {
    clear_faults().await;
    let (id, _, f) = prepared(DEFAULT_PROCESS, r#"{"retries":0}"#).await;
    let (recto, verso) = (card().await, card().await);
    set_faults(r#"[{"endpoint":"upload","kind":"status","status":500,"skip":1,"times":1}]"#).await;
    let e = err(f.upload_id_document(pages(&[&recto, &verso]), None)).await;
    assert_eq!(text(&e, "code"), "server");
    let state: JsValue = f.state().unwrap().into();
    let uploaded: Array = get(&state, "documents.id_document_image.uploadedPages").unchecked_into();
    assert_eq!(uploaded.to_vec(), [JsValue::from(0)]);
    ok(f.upload_id_document(pages(&[&recto, &verso]), None)).await;
    let a = admin(id).await;
    assert_eq!(
        num(&a, "documents.id_document_image.pages.0.uploads"),
        1.0,
        "page 1 was not sent again"
    );
    assert_eq!(num(&a, "documents.id_document_image.pages.1.uploads"), 1.0);
    ok(f.upload_selfie(selfie().await.into(), None)).await;
    ok(f.finalize()).await;
    assert_eq!(final_status(id).await, "OK");
    clear_faults().await;
}

/// An upload's own `signal` cancels that upload only: the flow goes on, and the pages it had
/// accepted are not sent again (the flow's `signal` ends the whole flow: the test above).
#[wasm_bindgen_test]
async fn an_upload_cancelled_by_its_own_signal_leaves_the_flow_usable() {
    clear_faults().await;
    let (id, _, f) = prepared(DEFAULT_PROCESS, "").await;
    let (recto, verso) = (card().await, card().await);
    // the second page is held 3 s: cancelled in flight, after the first was accepted
    set_faults(r#"[{"endpoint":"upload","kind":"latency","latency_ms":3000,"skip":1,"times":1}]"#)
        .await;
    let controller = web_sys::AbortController::new().unwrap();
    let uo = Object::new();
    with(&uo, "signal", &controller.signal());
    let upload = f.upload_id_document(
        pages(&[&recto, &verso]),
        Some(JsValue::from(uo).unchecked_into()),
    );
    sleep(800.0).await;
    controller.abort();
    let e = err(upload).await;
    clear_faults().await;
    assert_eq!(
        (text(&e, "code"), text(&e, "step")),
        ("aborted".into(), "document".into())
    );
    let state: JsValue = f.state().unwrap().into();
    let uploaded: Array = get(&state, "documents.id_document_image.uploadedPages").unchecked_into();
    assert_eq!(uploaded.to_vec(), [JsValue::from(0)]);
    // the same flow, the same pages: only the second is sent
    ok(f.upload_id_document(pages(&[&recto, &verso]), None)).await;
    ok(f.upload_selfie(selfie().await.into(), None)).await;
    ok(f.finalize()).await;
    assert_eq!(final_status(id).await, "OK");
    let a = admin(id).await;
    assert_eq!(num(&a, "documents.id_document_image.pages.0.uploads"), 1.0);
    // an already aborted signal: refused before anything is sent
    let (_, _, g) = prepared(DEFAULT_PROCESS, "").await;
    let uo = Object::new();
    with(&uo, "signal", &web_sys::AbortSignal::abort());
    let e =
        err(g.upload_id_document(pages(&[&recto]), Some(JsValue::from(uo).unchecked_into()))).await;
    assert_eq!(text(&e, "code"), "aborted");
    ok(g.upload_id_document(pages(&[&recto]), None)).await;
}

/// An upload waiting for its turn behind a slow one, cancelled by its own `signal`, rejects at
/// once and sends nothing (it used to reject only when its turn came, after the slow upload);
/// a call queued after it still waits for the upload ahead.
#[wasm_bindgen_test]
async fn an_upload_cancelled_while_waiting_its_turn_rejects_at_once() {
    use std::cell::Cell;
    use std::rc::Rc;
    clear_faults().await;
    let (id, _, f) = prepared(DEFAULT_PROCESS, "").await;
    ok(f.enrollment_info()).await; // known: a later enrollmentInfo() sends nothing
    let (recto, face) = (card().await, selfie().await);
    set_faults(r#"[{"endpoint":"upload","kind":"latency","latency_ms":4000,"times":1}]"#).await;
    let settled = |p: &js_sys::Promise| {
        let flag = Rc::new(Cell::new(false));
        let (p, set) = (p.clone(), Rc::clone(&flag));
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
            set.set(true);
        });
        flag
    };
    let first = f.upload_id_document(pages(&[&recto]), None);
    let first_done = settled(&first);
    let controller = web_sys::AbortController::new().unwrap();
    let uo = Object::new();
    with(&uo, "signal", &controller.signal());
    let second = f.upload_selfie(face.into(), Some(JsValue::from(uo).unchecked_into()));
    let third = f.enrollment_info();
    let third_done = settled(&third);
    sleep(300.0).await;
    controller.abort();
    let e = err(second).await;
    assert_eq!(
        (text(&e, "code"), text(&e, "step")),
        ("aborted".into(), "selfie".into())
    );
    assert!(
        !first_done.get(),
        "rejected before the upload ahead of it ended"
    );
    sleep(200.0).await;
    assert!(
        !third_done.get() && !first_done.get(),
        "the call after the aborted one did not jump the queue"
    );
    ok(first).await;
    ok(third).await;
    clear_faults().await;
    let a = admin(id).await;
    assert_eq!(num(&a, "documents.id_document_image.pages.0.uploads"), 1.0);
    assert!(
        get(&a, "documents.selfie_image_upload").is_undefined(),
        "the cancelled selfie was not sent"
    );
}

/// A proxy (or a server) that sends an upload on to another origin, with the same path: a 307
/// keeps the method, the body and the `x-api-key` header. Without `onProgress` the upload goes
/// through fetch, which refuses the redirect before anything is sent there. With it, through
/// XHR, which cannot refuse one: the browser follows, and the library must still see that the
/// answer came from elsewhere and not count the page (it used to compare the path only, and
/// took the redirect for ID360's acceptance).
#[wasm_bindgen_test]
async fn an_upload_sent_on_to_another_origin_is_refused_and_never_counted() {
    clear_faults().await;
    let elsewhere = sandbox().replace("127.0.0.1", "localhost");
    let rule = format!(
        r#"[{{"endpoint":"upload","kind":"redirect","status":307,"to_origin":"{elsewhere}","times":1}}]"#
    );
    for progress in [false, true] {
        let (id, _, f) = prepared(DEFAULT_PROCESS, r#"{"retries":0}"#).await;
        let o = Object::new();
        if progress {
            with(&o, "onProgress", &recorder().0);
        }
        let recto = card().await;
        set_faults(&rule).await;
        let e =
            err(f.upload_id_document(pages(&[&recto]), Some(JsValue::from(o).unchecked_into())))
                .await;
        clear_faults().await;
        assert_eq!(
            text(&e, "code"),
            "invalid_response",
            "onProgress: {progress}"
        );
        assert!(
            text(&e, "message").contains("redirect"),
            "{}",
            text(&e, "message")
        );
        let state: JsValue = f.state().unwrap().into();
        let uploaded = get(&state, "documents.id_document_image.uploadedPages");
        assert!(
            uploaded.is_undefined() || Array::from(&uploaded).length() == 0,
            "onProgress: {progress}: {uploaded:?}"
        );
        if !progress {
            // fetch: nothing reached the other origin
            let a = admin(id).await;
            assert!(
                get(&a, "documents.id_document_image").is_undefined(),
                "a page was stored"
            );
        }
    }
}

/// An answer to an upload with `onProgress` (XHR) stays a JS string until its length is checked:
/// an 8 MB body is not copied into wasm memory (which never shrinks). It used to be read with
/// `responseText` into a Rust `String` first.
#[wasm_bindgen_test]
async fn a_large_answer_to_an_xhr_upload_is_not_copied_into_wasm_memory() {
    clear_faults().await;
    let (_, _, f) = prepared(DEFAULT_PROCESS, r#"{"retries":0}"#).await;
    let o = Object::new();
    with(&o, "onProgress", &recorder().0);
    let recto = card().await;
    let memory = || {
        let m: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
        m.buffer()
            .unchecked_into::<js_sys::ArrayBuffer>()
            .byte_length()
    };
    let before = memory();
    set_faults(r#"[{"endpoint":"upload","kind":"oversized","times":1}]"#).await;
    let _ =
        call(f.upload_id_document(pages(&[&recto]), Some(JsValue::from(o).unchecked_into()))).await;
    clear_faults().await;
    let grown = memory() - before;
    assert!(grown < 4 * 1024 * 1024, "wasm memory grew by {grown} bytes");
}

/// Chromium and Firefox resend the finalize on their own at once (a reused connection closed
/// before any answer) and meet 409 "already finalized"; WebKit does not, the library's retry
/// comes after the sandbox's 50 ms verdict and meets 403 "enrollment finished": both are the
/// first finalize's success.
#[wasm_bindgen_test]
async fn a_lost_finalize_answer_is_retried_into_success_without_a_second_finalize() {
    clear_faults().await;
    let (id, key) = enrollment(NO_SELFIE_PROCESS).await;
    let f = flow(&key, r#"{"retries":2}"#);
    ok(f.select_route(None)).await;
    ok(f.accept_terms(None)).await;
    ok(f.upload_id_document(pages(&[&card().await]), None)).await;
    set_faults(r#"[{"endpoint":"finalize","kind":"drop","after_handler":true,"times":1}]"#).await;
    ok(f.finalize()).await;
    let a = admin(id).await;
    // one finalize took effect; the resend was refused (409 counted here, or 403 by the key check)
    assert_eq!(num(&a, "finalize_count"), 1.0);
    assert!(num(&a, "finalize_refused") <= 1.0);
    assert_eq!(final_status(id).await, "OK");
    clear_faults().await;
}

#[wasm_bindgen_test]
async fn routes_must_be_chosen_when_the_process_offers_several() {
    let (id, key) = enrollment(TWO_ROUTES_PROCESS).await;
    let f = flow(&key, "");
    let e = err(f.select_route(None)).await;
    assert_eq!(text(&e, "code"), "invalid_input");
    assert!(text(&e, "message").contains("275127, 275128"));
    for bad in [
        JsValue::from(-1),
        JsValue::from(1.5),
        JsValue::from_str("275127"),
        JsValue::from(1),
    ] {
        assert_eq!(
            text(&err(f.select_route(Some(bad))).await, "code"),
            "invalid_input"
        );
    }
    assert_eq!(
        ok(f.select_route(Some(JsValue::from(275127))))
            .await
            .as_f64(),
        Some(275127.0)
    );
    assert_eq!(num(&admin(id).await, "selected_route"), 275127.0);
}

#[wasm_bindgen_test]
async fn pages_are_checked_before_anything_is_sent() {
    let (id, _, f) = prepared(DEFAULT_PROCESS, "").await;
    let cases: Vec<(JsValue, &str)> = vec![
        (Array::new().into(), "invalid_input"),
        (JsValue::NULL, "invalid_input"),
        (JsValue::from(3), "invalid_input"),
        (JsValue::from_str("recto.jpg"), "invalid_input"),
        (Object::new().into(), "invalid_input"),
        (pages(&[&jpeg_of_size(0)]), "invalid_input"),
        (pages(&[&blob_of(b"<html>")]), "unsupported_format"),
        (
            pages(&[&jpeg_of_size(10), &jpeg_of_size(10), &jpeg_of_size(10)]),
            "invalid_input",
        ),
    ];
    for (value, code) in cases {
        let e = err(f.upload_id_document(value, None)).await;
        assert_eq!(text(&e, "code"), code, "{}", text(&e, "message"));
    }
    // ArrayBuffer and Uint8Array pages are accepted as well as Blobs
    let bytes = js_sys::Uint8Array::new(
        &wasm_bindgen_futures::JsFuture::from(card().await.array_buffer())
            .await
            .unwrap(),
    );
    ok(f.upload_id_document(pages(&[&bytes, &bytes.buffer()]), None)).await;
    assert_eq!(
        num(&admin(id).await, "documents.id_document_image.total_pages"),
        2.0
    );
    let e = err(f.upload_selfie(pages(&[&selfie().await]), None)).await;
    assert_eq!(text(&e, "code"), "invalid_input");
    let unknown = Object::new();
    with(&unknown, "onProgres", &JsValue::TRUE);
    let e = err(f.upload_selfie(
        selfie().await.into(),
        Some(JsValue::from(unknown).unchecked_into()),
    ))
    .await;
    assert!(text(&e, "message").contains("unknown option 'onProgres'"));
}

#[wasm_bindgen_test]
async fn a_blob_the_library_encoded_is_sent_without_reading_its_first_bytes_again() {
    // Count the Blob reads a format check could make (`slice`, `arrayBuffer`, `stream`, `text`),
    // passing each through.
    let count = js_sys::Function::new_with_args(
        "",
        "const proto = Blob.prototype, saved = {}; globalThis.__reads = 0; \
         for (const m of ['slice', 'arrayBuffer', 'stream', 'text']) { \
           const f = saved[m] = proto[m]; \
           proto[m] = function (...a) { globalThis.__reads++; return f.apply(this, a); }; } \
         return () => Object.assign(proto, saved);",
    );
    let (id, _, f) = prepared(DEFAULT_PROCESS, "").await;
    // a JPEG the library encoded: a crop of a drawn canvas
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .unwrap()
        .dyn_into()
        .unwrap();
    canvas.set_width(400);
    canvas.set_height(300);
    let corners = js_sys::JSON::parse(
        r#"[{"x":20,"y":20},{"x":380,"y":20},{"x":380,"y":250},{"x":20,"y":250}]"#,
    )
    .unwrap();
    let made: web_sys::Blob = ok(id360_flow::crop_document(
        canvas.into(),
        Some(corners),
        None,
    ))
    .await
    .unchecked_into();
    let reads = || get(&js_sys::global(), "__reads").as_f64().unwrap();
    let restore: js_sys::Function = count.call0(&JsValue::NULL).unwrap().unchecked_into();
    let photo = selfie().await;
    // (the calls' results are asserted after the prototype is restored)
    let made_sent = call(f.upload_id_document(pages(&[&made]), None)).await;
    let after_made = reads();
    // a caller's Blob is read first, as ever: its first 16 bytes sliced, then read
    let selfie_sent = call(f.upload_selfie(photo.into(), None)).await;
    let after_selfie = reads();
    restore.call0(&JsValue::NULL).unwrap();
    assert!(made_sent.is_ok() && selfie_sent.is_ok());
    assert_eq!((after_made, after_selfie), (0.0, 2.0));
    assert_eq!(
        num(&admin(id).await, "documents.id_document_image.total_pages"),
        1.0
    );
}

#[wasm_bindgen_test]
async fn the_api_key_never_appears_in_errors() {
    let (_, key) = enrollment(DEFAULT_PROCESS).await;
    let f = flow(&key, r#"{"retries":0}"#);
    let mut errors = Vec::new();
    errors.push(err(f.finalize()).await);
    errors.push(err(f.upload_selfie(selfie().await.into(), None)).await);
    set_faults(r#"[{"endpoint":"enrollment_info","kind":"html","times":1}]"#).await;
    errors.push(err(f.enrollment_info()).await);
    errors.push(err(flow(&format!("{key}x"), "").enrollment_info()).await);
    clear_faults().await;
    for e in errors {
        let serialised = js_sys::JSON::stringify(&e).unwrap().as_string().unwrap();
        let all = format!("{serialised} {} {}", text(&e, "message"), text(&e, "stack"));
        assert!(!all.contains(&key), "{all}");
        assert!(Reflect::has(&e, &JsValue::from_str("code")).unwrap());
    }
}

#[wasm_bindgen_test]
async fn overlapping_calls_run_one_after_the_other_and_send_nothing_twice() {
    let (id, key) = enrollment(DEFAULT_PROCESS).await;
    let f = flow(&key, "");
    let o = Object::new();
    with(&o, "document", &pages(&[&card().await, &card().await]));
    with(&o, "selfie", &selfie().await.into());
    // a double-clicked "send" button
    let first = f.run(JsValue::from(o.clone()).unchecked_into());
    let second = f.run(JsValue::from(o).unchecked_into());
    ok(first).await;
    ok(second).await;
    // a double-clicked "finish" after that: resolves, sends nothing
    let (a, b) = (f.finalize(), f.finalize());
    ok(a).await;
    ok(b).await;
    let a = admin(id).await;
    assert_eq!(num(&a, "flow_requests"), 7.0);
    assert_eq!(
        (num(&a, "finalize_count"), num(&a, "finalize_refused")),
        (1.0, 0.0)
    );
    assert_eq!(num(&a, "documents.id_document_image.pages.1.uploads"), 1.0);
    assert_eq!(
        num(&a, "documents.selfie_image_upload.pages.0.uploads"),
        1.0
    );
}

#[wasm_bindgen_test]
async fn run_refuses_a_selfie_the_process_does_not_take_before_uploading_anything() {
    let (id, key) = enrollment(NO_SELFIE_PROCESS).await;
    let f = flow(&key, "");
    let o = Object::new();
    with(&o, "document", &pages(&[&card().await]));
    with(&o, "selfie", &selfie().await.into());
    let e = err(f.run(JsValue::from(o).unchecked_into())).await;
    assert_eq!(
        (text(&e, "code"), text(&e, "step")),
        ("invalid_input".into(), "selfie".into())
    );
    assert!(
        get(&admin(id).await, "documents.id_document_image").is_undefined(),
        "nothing uploaded"
    );
}

/// A process that requires a selfie, and `run()` given none: refused after `enrollment_info`,
/// before the route, the consent or any page is sent (it used to send them all, then fail at
/// finalize with the consent given without biometry).
#[wasm_bindgen_test]
async fn run_refuses_to_leave_out_a_required_selfie_before_sending_anything() {
    let (id, key) = enrollment(DEFAULT_PROCESS).await;
    let f = flow(&key, "");
    let o = Object::new();
    with(&o, "document", &pages(&[&card().await]));
    let e = err(f.run(JsValue::from(o.clone()).unchecked_into())).await;
    assert_eq!(
        (text(&e, "code"), text(&e, "step")),
        ("invalid_input".into(), "selfie".into())
    );
    assert!(
        text(&e, "message").contains("selfie_image_upload"),
        "{}",
        text(&e, "message")
    );
    assert_eq!(
        num(&admin(id).await, "flow_requests"),
        1.0,
        "enrollment_info only"
    );
    // with the selfie, the same flow goes through
    with(&o, "selfie", &selfie().await.into());
    ok(f.run(JsValue::from(o).unchecked_into())).await;
    assert_eq!(final_status(id).await, "OK");
}

/// A `fetch` patched to reject with something that is not an `Error`, to resolve with something
/// that is not a `Response`, or to throw (a monitoring script can do any of these): each call
/// fails with `network`, and the module lives on. (gloo-net's own `send` panics on the first
/// two, which is why the library calls fetch itself; see src/web/transport.rs.)
#[wasm_bindgen_test]
async fn a_patched_fetch_that_misbehaves_gives_network_errors_and_the_module_lives_on() {
    let (_, key) = enrollment(DEFAULT_PROCESS).await;
    let global = js_sys::global();
    let name = JsValue::from_str("fetch");
    let real = Reflect::get(&global, &name).unwrap();
    for body in [
        "return Promise.reject('not an Error')",
        "return Promise.resolve(42)",
        "throw 'synchronously'",
    ] {
        Reflect::set(&global, &name, &js_sys::Function::new_no_args(body)).unwrap();
        let e = call(flow(&key, r#"{"retries":0}"#).enrollment_info()).await;
        Reflect::set(&global, &name, &real).unwrap();
        let e = e.expect_err(body);
        assert_eq!(text(&e, "code"), "network", "{body}");
    }
    let info = ok(flow(&key, "").enrollment_info()).await;
    assert_eq!(num(&info, "routes.0.id"), 275128.0);
}
