//! Bad input through the public API, in headless Chromium against the sandbox: every case
//! gives its documented code, within the timeout, the module keeps working after it, no
//! rejection goes unhandled, and the api_key shows up in no message, serialised error, console
//! line or request URL. (The table is in the README's "Bad input" section.)
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use id360_flow::Id360Flow;
use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn obj(s: &str) -> JsValue {
    JSON::parse(s).unwrap()
}

/// Records console output and unhandled rejections for the whole test.
fn watch_page() -> (Array, Rc<Cell<u32>>) {
    let lines = Array::new();
    let console = Reflect::get(&js_sys::global(), &"console".into()).unwrap();
    for level in ["log", "info", "warn", "error", "debug"] {
        let original: Function = Reflect::get(&console, &level.into())
            .unwrap()
            .dyn_into()
            .unwrap();
        let sink = lines.clone();
        let c = console.clone();
        let f = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| {
            sink.push(&JSON::stringify(&v).map(JsValue::from).unwrap_or(v.clone()));
            let _ = original.call1(&c, &v);
        });
        Reflect::set(&console, &level.into(), f.as_ref()).unwrap();
        f.forget();
    }
    let unhandled = Rc::new(Cell::new(0));
    let count = Rc::clone(&unhandled);
    let f = Closure::<dyn FnMut(JsValue)>::new(move |_e: JsValue| count.set(count.get() + 1));
    web_sys::window()
        .unwrap()
        .add_event_listener_with_callback("unhandledrejection", f.as_ref().unchecked_ref())
        .unwrap();
    f.forget();
    (lines, unhandled)
}

struct Case {
    name: String,
    expected: &'static str,
    run: Box<dyn Fn() -> Result<Promise, JsValue>>,
    limit_ms: f64,
}

fn file(bytes: &[u8], name: &str) -> JsValue {
    let parts = Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::File::new_with_u8_array_sequence(&parts, name)
        .unwrap()
        .into()
}

fn jpeg_head(rest: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.resize(4 + rest, 0);
    v
}

#[wasm_bindgen_test]
async fn forty_plus_bad_inputs_each_give_their_code_and_leave_the_module_working() {
    let (console_lines, unhandled) = watch_page();
    clear_faults().await;
    let (_, key) = enrollment(DEFAULT_PROCESS).await;
    let base = sandbox().to_string();
    let mut cases: Vec<Case> = Vec::new();
    let ctor = |name: &str, options: JsValue| Case {
        name: name.into(),
        expected: "invalid_input",
        run: Box::new(move || {
            Id360Flow::new(options.clone().unchecked_into())
                .map(|_| Promise::resolve(&JsValue::NULL))
        }),
        limit_ms: 100.0,
    };
    // api_key
    let env = format!(r#""environment":{{"baseUrl":"{base}"}}"#);
    cases.push(ctor("api_key missing", obj(&format!("{{{env}}}"))));
    for (name, k) in [
        ("api_key empty", ""),
        ("api_key with spaces", " a b "),
        ("api_key with CR/LF", "abc\r\nx-evil: 1"),
        ("api_key non-ASCII", "clé-ключ"),
    ] {
        let o = obj(&format!("{{{env}}}"));
        with(&o, "apiKey", &JsValue::from_str(k));
        cases.push(ctor(name, o));
    }
    let o = obj(&format!("{{{env}}}"));
    with(&o, "apiKey", &JsValue::from_str(&"k".repeat(10 * 1024)));
    cases.push(ctor("api_key 10 KB long", o));
    let o = obj(&format!("{{{env}}}"));
    with(&o, "apiKey", &JsValue::from(42));
    cases.push(ctor("api_key not a string", o));
    // environment / baseUrl
    for (name, e) in [
        (
            "http:// on a non-loopback host",
            r#"{"baseUrl":"http://id360.example.com"}"#,
        ),
        ("javascript: URL", r#"{"baseUrl":"javascript:alert(1)"}"#),
        ("relative URL", r#"{"baseUrl":"/api"}"#),
        (
            "user:password in URL",
            r#"{"baseUrl":"https://user:pw@id360.example.com"}"#,
        ),
        (
            "URL with a path",
            r#"{"baseUrl":"https://id360.example.com/proxy"}"#,
        ),
        (
            "URL with a query",
            r#"{"baseUrl":"https://id360.example.com/?x=1"}"#,
        ),
        ("unknown environment name", r#""staging""#),
        ("baseUrl not a string", r#"{"baseUrl":5}"#),
        (
            "environment with an unknown key",
            r#"{"baseUrl":"https://x.example","port":1}"#,
        ),
    ] {
        let o = options(&key, "");
        with(&o, "environment", &obj(e));
        cases.push(ctor(name, o));
    }
    // options
    for (name, extra) in [
        ("unknown option", r#"{"retry":3}"#),
        ("retries negative", r#"{"retries":-1}"#),
        ("retries fractional", r#"{"retries":1.5}"#),
        ("retries above 10", r#"{"retries":11}"#),
        ("timeoutMs a string", r#"{"timeoutMs":"30000"}"#),
        ("signal not an AbortSignal", r#"{"signal":"stop"}"#),
        ("onRetry not a function", r#"{"onRetry":5}"#),
    ] {
        cases.push(ctor(name, options(&key, extra)));
    }
    cases.push(ctor("options null", JsValue::NULL));
    cases.push(ctor("options a string", JsValue::from_str("apiKey")));
    // documents (on a flow with route and consent done)
    let f = Rc::new(flow(&key, r#"{"retries":0}"#));
    ok(f.select_route(None)).await;
    ok(f.accept_terms(Some(obj(r#"{"biometry":true}"#).unchecked_into()))).await;
    let upload = |name: &str, pages: JsValue, code: &'static str| {
        let f = Rc::clone(&f);
        Case {
            name: name.into(),
            expected: code,
            run: Box::new(move || Ok(f.upload_id_document(pages.clone(), None))),
            limit_ms: 2000.0,
        }
    };
    cases.push(upload(
        "0-byte page",
        pages(&[&file(&[], "recto.jpg")]),
        "invalid_input",
    ));
    cases.push(upload(
        "9.5 MB + 1 byte",
        pages(&[&file(&jpeg_head(9_500_001 - 4), "recto.jpg")]),
        "payload_too_large",
    ));
    for (name, bytes) in [
        ("GIF named .jpg", &b"GIF89a\x01\x00\x01\x00\x80"[..]),
        ("WebP named .jpg", &b"RIFF\x24\x00\x00\x00WEBPVP8 "[..]),
        ("BMP named .jpg", &b"BM\x36\x00\x00\x00\x00\x00"[..]),
        ("text named .jpg", &b"hello, this is not a photo"[..]),
        ("HTML named .png", &b"<!DOCTYPE html><html></html>"[..]),
        ("truncated JPEG header", &[0xFF, 0xD8][..]),
    ] {
        cases.push(upload(
            name,
            pages(&[&file(bytes, "recto.jpg")]),
            "unsupported_format",
        ));
    }
    cases.push(upload(
        "empty page array",
        Array::new().into(),
        "invalid_input",
    ));
    let small = file(&jpeg_head(100), "p.jpg");
    cases.push(upload(
        "3 pages for a 2-page document",
        pages(&[&small, &small, &small]),
        "invalid_input",
    ));
    for (name, v) in [
        ("null page list", JsValue::NULL),
        ("a number", JsValue::from(7)),
        ("a string", JsValue::from_str("recto.jpg")),
        ("a plain object", Object::new().into()),
    ] {
        cases.push(upload(name, v, "invalid_input"));
    }
    cases.push(upload(
        "null inside the page list",
        pages(&[&JsValue::NULL]),
        "invalid_input",
    ));
    let f2 = Rc::clone(&f);
    cases.push(Case {
        name: "selfie as an array".into(),
        expected: "invalid_input",
        run: Box::new(move || Ok(f2.upload_selfie(pages(&[&small]), None))),
        limit_ms: 500.0,
    });
    let f3 = Rc::clone(&f);
    cases.push(Case {
        name: "document name with a path".into(),
        expected: "invalid_input",
        run: Box::new(move || {
            Ok(f3.upload_document(
                "../admin".into(),
                pages(&[&file(&jpeg_head(10), "x.jpg")]),
                None,
            ))
        }),
        limit_ms: 500.0,
    });
    let f4 = Rc::clone(&f);
    cases.push(Case {
        name: "upload options with a wrong type".into(),
        expected: "invalid_input",
        run: Box::new(move || {
            Ok(f4.upload_id_document(
                pages(&[&file(&jpeg_head(10), "x.jpg")]),
                Some(obj(r#"{"onProgress":"yes"}"#).unchecked_into()),
            ))
        }),
        limit_ms: 500.0,
    });
    // route ids
    let (_, key2) = enrollment(TWO_ROUTES_PROCESS).await;
    let routes = Rc::new(flow(&key2, ""));
    for (name, v) in [
        ("route id negative", JsValue::from(-1)),
        ("route id fractional", JsValue::from(1.5)),
        ("route id huge", JsValue::from(1e20)),
        ("route id a string", JsValue::from_str("275128")),
        ("route id not offered", JsValue::from(5)),
    ] {
        let r = Rc::clone(&routes);
        cases.push(Case {
            name: name.into(),
            expected: "invalid_input",
            run: Box::new(move || Ok(r.select_route(Some(v.clone())))),
            limit_ms: 2000.0,
        });
    }
    // server answers (sandbox faults on enrollment_info, retries off)
    for (name, rule, code, timeout) in [
        (
            "malformed JSON",
            r#"{"kind":"malformed"}"#,
            "invalid_response",
            2000,
        ),
        (
            "an HTML error page",
            r#"{"kind":"html","status":502}"#,
            "server",
            2000,
        ),
        (
            "200 with the wrong shape",
            r#"{"kind":"wrong_shape"}"#,
            "invalid_response",
            2000,
        ),
        (
            "a redirect",
            r#"{"kind":"redirect"}"#,
            "invalid_response",
            2000,
        ),
        (
            "an oversized body",
            r#"{"kind":"oversized"}"#,
            "invalid_response",
            2000,
        ),
        (
            "a dropped connection",
            r#"{"kind":"drop"}"#,
            "network",
            2000,
        ),
        (
            "a stalled answer",
            r#"{"kind":"stall","latency_ms":5000}"#,
            "timeout",
            300,
        ),
    ] {
        let key = key.clone();
        let rule = format!(
            r#"[{{"endpoint":"enrollment_info","times":10,{}]"#,
            &rule[1..]
        );
        cases.push(Case {
            name: name.into(),
            expected: code,
            run: Box::new(move || {
                let f = flow(&key, &format!(r#"{{"retries":0,"timeoutMs":{timeout}}}"#));
                let rule = rule.clone();
                Ok(wasm_bindgen_futures::future_to_promise(async move {
                    set_faults(&rule).await;
                    let r = wasm_bindgen_futures::JsFuture::from(f.enrollment_info()).await;
                    clear_faults().await;
                    r
                }))
            }),
            limit_ms: f64::from(timeout) + 1500.0,
        });
    }
    assert!(cases.len() >= 40, "{} cases", cases.len());

    let mut errors = Vec::new();
    for case in &cases {
        let started = js_sys::Date::now();
        let outcome = match (case.run)() {
            Err(e) => Err(e),
            Ok(p) => call(p).await,
        };
        let elapsed = js_sys::Date::now() - started;
        let e = match outcome {
            Ok(_) => panic!("{}: accepted", case.name),
            Err(e) => e,
        };
        assert_eq!(
            text(&e, "code"),
            case.expected,
            "{}: {}",
            case.name,
            text(&e, "message")
        );
        assert!(
            e.is_instance_of::<js_sys::Error>(),
            "{}: not an Error",
            case.name
        );
        assert!(elapsed < case.limit_ms, "{}: took {elapsed} ms", case.name);
        // the module keeps working
        ok(flow(&key, "").enrollment_info()).await;
        errors.push(e);
    }
    sleep(50.0).await;
    assert_eq!(unhandled.get(), 0, "unhandled rejections");
    // the api_key appears nowhere
    let mut haystack = String::new();
    for e in &errors {
        haystack.push_str(&JSON::stringify(e).unwrap().as_string().unwrap_or_default());
        haystack.push_str(&text(e, "message"));
        haystack.push_str(&text(e, "stack"));
    }
    for line in console_lines.iter() {
        haystack.push_str(&line.as_string().unwrap_or_default());
    }
    let performance = web_sys::window().unwrap().performance().unwrap();
    let entries = performance.get_entries_by_type("resource");
    assert!(entries.length() > 40);
    for entry in entries.iter() {
        haystack.push_str(&text(&entry, "name"));
    }
    for secret in [&key, &key2] {
        assert!(!haystack.contains(secret.as_str()), "the api_key leaked");
    }
}
