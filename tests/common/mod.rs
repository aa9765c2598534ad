//! Helpers of the wasm tests: the sandbox (started by scripts/test.sh; URL baked in at build
//! time through ID360_SANDBOX_URL), its admin API, sample files, and promise plumbing.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use id360_flow::Id360Flow;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, Request, RequestInit, Response};

pub const DEFAULT_PROCESS: &str = "0b1e5e1f-3f6a-4d8e-9c1a-000000000001";
pub const NO_SELFIE_PROCESS: &str = "0b1e5e1f-3f6a-4d8e-9c1a-000000000002";
pub const TWO_ROUTES_PROCESS: &str = "0b1e5e1f-3f6a-4d8e-9c1a-000000000003";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &Request) -> Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: f64) -> JsValue;
}

pub fn sandbox() -> &'static str {
    option_env!("ID360_SANDBOX_URL").unwrap_or("http://127.0.0.1:8361")
}

pub async fn http(method: &str, path: &str, body: Option<&str>) -> Response {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(b) = body {
        init.set_body(&JsValue::from_str(b));
    }
    let request = Request::new_with_str_and_init(&format!("{}{path}", sandbox()), &init).unwrap();
    JsFuture::from(global_fetch(&request))
        .await
        .unwrap()
        .dyn_into()
        .unwrap()
}

pub async fn json(method: &str, path: &str, body: Option<&str>) -> JsValue {
    let r = http(method, path, body).await;
    assert!(r.ok(), "{method} {path} answered {}", r.status());
    JsFuture::from(r.json().unwrap()).await.unwrap()
}

pub fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |acc, key| {
        if let Ok(i) = key.parse::<u32>() {
            Reflect::get_u32(&acc, i).unwrap_or(JsValue::UNDEFINED)
        } else {
            Reflect::get(&acc, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
        }
    })
}

pub fn num(v: &JsValue, path: &str) -> f64 {
    get(v, path).as_f64().unwrap_or(f64::NAN)
}

pub fn text(v: &JsValue, path: &str) -> String {
    get(v, path).as_string().unwrap_or_default()
}

/// Calls the JS method `name` of `obj`.
pub fn method(obj: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: js_sys::Function = Reflect::get(obj, &JsValue::from_str(name))
        .unwrap()
        .dyn_into()
        .unwrap();
    f.apply(obj, &args.iter().collect::<Array>())
}

/// Calls the JS method `name` of `obj` and awaits the promise it returns.
pub async fn await_method(obj: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let p: Promise = method(obj, name, args)?.dyn_into().unwrap();
    JsFuture::from(p).await
}

/// `createImageBitmap(blob)`: the decoded picture (its `width`, `height`).
pub async fn bitmap(blob: &JsValue) -> JsValue {
    let global = js_sys::global();
    let p: Promise = method(&global, "createImageBitmap", std::slice::from_ref(blob))
        .unwrap()
        .dyn_into()
        .unwrap();
    JsFuture::from(p).await.unwrap()
}

/// What an error is, for assertion messages: its name, code and message, or its text.
pub fn describe(e: &JsValue) -> String {
    let s = |k: &str| text(e, k);
    let own = format!("{} {} {}", s("name"), s("code"), s("message"));
    if own.trim().is_empty() {
        format!("{e:?}")
    } else {
        own
    }
}

/// A fresh enrollment (created through the sandbox admin: no token in the browser).
pub async fn enrollment(process: &str) -> (u64, String) {
    let created = json(
        "POST",
        "/_sandbox/enrollments",
        Some(&format!(r#"{{"process":"{process}"}}"#)),
    )
    .await;
    (num(&created, "id") as u64, text(&created, "api_key"))
}

pub async fn set_faults(rules: &str) {
    json("PUT", "/_sandbox/faults", Some(rules)).await;
}

pub async fn clear_faults() {
    json("DELETE", "/_sandbox/faults", None).await;
}

pub async fn admin(id: u64) -> JsValue {
    json("GET", &format!("/_sandbox/enrollments/{id}"), None).await
}

/// A sample image from the sandbox, as a Blob.
pub async fn sample(path: &str) -> Blob {
    let r = http("GET", &format!("/_sandbox/samples/{path}"), None).await;
    assert!(r.ok());
    JsFuture::from(r.blob().unwrap())
        .await
        .unwrap()
        .dyn_into()
        .unwrap()
}

pub async fn card() -> Blob {
    sample("id_document.jpg?width=640&height=404").await
}

pub async fn selfie() -> Blob {
    sample("selfie.jpg").await
}

/// A Blob of `size` bytes starting with a JPEG signature (not decodable: for size checks).
pub fn jpeg_of_size(size: u32) -> Blob {
    let bytes = Uint8Array::new_with_length(size);
    for (i, b) in [0xFFu8, 0xD8, 0xFF, 0xE0].iter().enumerate() {
        if (i as u32) < size {
            bytes.set_index(i as u32, *b);
        }
    }
    Blob::new_with_u8_array_sequence(&Array::of1(&bytes)).unwrap()
}

pub fn blob_of(bytes: &[u8]) -> Blob {
    let arr = Uint8Array::from(bytes);
    Blob::new_with_u8_array_sequence(&Array::of1(&arr)).unwrap()
}

pub async fn sleep(ms: f64) {
    let p = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    JsFuture::from(p).await.unwrap();
}

/// Flow options `{ apiKey, environment: { baseUrl: sandbox }, ...extra }` (extra is JSON).
pub fn options(api_key: &str, extra: &str) -> JsValue {
    let base = format!(
        r#"{{"apiKey":"{api_key}","environment":{{"baseUrl":"{}"}}}}"#,
        sandbox()
    );
    let o: Object = JSON::parse(&base).unwrap().unchecked_into();
    if !extra.is_empty() {
        let e: Object = JSON::parse(extra).unwrap().unchecked_into();
        Object::assign(&o, &e);
    }
    o.into()
}

pub fn with(o: &JsValue, key: &str, value: &JsValue) -> JsValue {
    Reflect::set(o, &JsValue::from_str(key), value).unwrap();
    o.clone()
}

pub fn flow(api_key: &str, extra: &str) -> Id360Flow {
    Id360Flow::new(options(api_key, extra).unchecked_into())
        .map_err(|e| text(&e, "message"))
        .unwrap()
}

pub async fn call(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

pub async fn ok(p: Promise) -> JsValue {
    match call(p).await {
        Ok(v) => v,
        Err(e) => panic!(
            "expected success, got {}: {}",
            text(&e, "code"),
            text(&e, "message")
        ),
    }
}

/// The error code of a rejected promise (panics on success).
pub async fn err(p: Promise) -> JsValue {
    match call(p).await {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

pub fn pages(items: &[&dyn AsRef<JsValue>]) -> JsValue {
    let a = Array::new();
    for i in items {
        a.push((*i).as_ref());
    }
    a.into()
}

/// Waits (bounded) for the sandbox to reach a final status.
pub async fn final_status(id: u64) -> String {
    for _ in 0..100 {
        let status = text(&admin(id).await, "status");
        if status != "STARTED" && status != "NEW" {
            return status;
        }
        sleep(50.0).await;
    }
    panic!("no verdict");
}

/// A JS function recording its arguments into an array (for callbacks).
pub fn recorder() -> (JsValue, Array) {
    let calls = Array::new();
    let sink = calls.clone();
    let f = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| {
        sink.push(&v);
    });
    let js = f.as_ref().clone();
    f.forget();
    (js, calls)
}

/// The synthetic camera every engine has: a 1280 × 720 canvas showing one of the test set's
/// still scenes (`front`, `back`, `empty`, `lookalike`: a card on a table, its back, the table
/// alone, a blank look-alike), redrawn 30 times a second, handed to the library by
/// `navigator.mediaDevices.getUserMedia` as `canvas.captureStream()`. (Chromium's fake camera
/// can play a file, Firefox's and WebKit's only show a test pattern.) Returns the stage: call
/// `show(name)` on it to change the scene.
pub async fn camera_stage(scene: &str) -> JsValue {
    let install = js_sys::Function::new_with_args(
        "files, scene",
        &format!(
            "return ({})((name) => fetch(files + '/documents/videos/' + name + '.png').then((r) => {{
               if (!r.ok) throw new Error('stage: ' + name + '.png: ' + r.status);
               return r.blob();
             }}), scene);",
            include_str!("../support/camera-stage.js")
        ),
    );
    let files = JsValue::from_str(&format!("{}/_sandbox/files", sandbox()));
    let p: Promise = install
        .call2(&JsValue::NULL, &files, &JsValue::from_str(scene))
        .unwrap()
        .dyn_into()
        .unwrap();
    JsFuture::from(p).await.unwrap()
}
