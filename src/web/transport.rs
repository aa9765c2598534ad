//! One HTTP exchange, by fetch (through gloo-net) or by XMLHttpRequest (for upload progress,
//! which fetch cannot report). Bodies are Blob handles passed straight to the browser; answers
//! are read as JS strings and parsed by JS.
//!
//! gloo-net builds the request (method, headers, manual redirects, our own AbortSignal, the
//! Blob body) and reads the answer's status and headers. Two lines stay ours, each for a
//! reason: the `fetch` call itself — gloo-net's `send` panics when fetch rejects with something
//! that is not an `Error` or resolves with something that is not a `Response` (a patched
//! `fetch` can do either), and a panic would kill the module for the whole page — and the body
//! read, which checks the length while the text is still a JS string, so that an oversized
//! answer is never copied into wasm memory (gloo-net's `text()` copies first).

use gloo_net::http::{Method, RequestBuilder, Response};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Blob, ProgressEvent, RequestRedirect, XmlHttpRequest};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(request: &web_sys::Request) -> Result<js_sys::Promise, JsValue>;
}

/// Largest answer body read (an `enrollment_info` is a few KB).
pub const MAX_BODY_CHARS: u32 = 1024 * 1024;

/// What to send.
pub struct Outgoing<'a> {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Full URL.
    pub url: &'a str,
    /// The api_key, for the `x-api-key` header only.
    pub api_key: &'a str,
    /// `Accept` header.
    pub accept: &'static str,
    /// `Content-Type` header, if any.
    pub content_type: Option<&'static str>,
    /// The body, by handle.
    pub body: Option<&'a Blob>,
}

/// An HTTP answer.
pub struct Incoming {
    /// Status (0 for an opaque redirect).
    pub status: u16,
    /// `Retry-After`, if exposed.
    pub retry_after: Option<String>,
    /// Whether the answer came from a redirect.
    pub redirected: bool,
    /// The body as a JS string (None if empty, unread or too large).
    pub body: Option<JsValue>,
    /// The body was larger than [`MAX_BODY_CHARS`] and was not read.
    pub body_too_large: bool,
}

/// How an exchange ended.
pub enum Outcome {
    /// ID360 answered.
    Answered(Incoming),
    /// No answer: connection refused, dropped, CORS failure...
    NetworkError,
    /// Our AbortController fired (timeout or caller's signal).
    Cancelled,
}

/// Whether this JS environment has XMLHttpRequest (browsers yes, Node no).
pub fn has_xhr() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("XMLHttpRequest")).unwrap_or(false)
}

/// The request as gloo-net builds it: the method, `x-api-key`, `accept`, `content-type` when
/// there is a body, manual redirects, our signal, the body by handle. None when the browser
/// refuses it (a URL it cannot parse).
fn request(out: &Outgoing<'_>, signal: &AbortSignal) -> Option<web_sys::Request> {
    let method = Method::from_bytes(out.method.as_bytes()).ok()?;
    // `header` cannot throw here: the names are constants and the api_key was checked to be
    // printable ASCII when the flow was made.
    let mut builder = RequestBuilder::new(out.url)
        .method(method)
        .header("x-api-key", out.api_key)
        .header("accept", out.accept)
        .redirect(RequestRedirect::Manual)
        .abort_signal(Some(signal));
    if let Some(ct) = out.content_type {
        builder = builder.header("content-type", ct);
    }
    let built = match out.body {
        Some(body) => builder.body(body),
        None => builder.build(),
    };
    built.ok().map(Into::into)
}

/// One exchange by fetch. `read_success_body` reads the body of a 2xx (error bodies are always
/// read, to explain the error).
pub async fn fetch(out: &Outgoing<'_>, signal: &AbortSignal, read_success_body: bool) -> Outcome {
    let Some(request) = request(out, signal) else {
        return Outcome::NetworkError;
    };
    let promise = match global_fetch(&request) {
        Ok(p) => p,
        Err(_) => return Outcome::NetworkError,
    };
    let response: Response = match JsFuture::from(promise).await {
        Ok(r) => match r.dyn_into::<web_sys::Response>() {
            Ok(r) => r.into(),
            Err(_) => return Outcome::NetworkError,
        },
        Err(_) => {
            return if signal.aborted() {
                Outcome::Cancelled
            } else {
                Outcome::NetworkError
            }
        }
    };
    let status = response.status();
    let redirected =
        response.redirected() || response.type_() == web_sys::ResponseType::Opaqueredirect;
    let headers = response.headers();
    let success = (200..300).contains(&status);
    let mut incoming = Incoming {
        status,
        retry_after: headers.get("retry-after"),
        redirected,
        body: None,
        body_too_large: false,
    };
    if redirected || (success && !read_success_body) || status == 204 {
        return Outcome::Answered(incoming);
    }
    let declared = headers
        .get("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > u64::from(MAX_BODY_CHARS)) {
        incoming.body_too_large = true;
        return Outcome::Answered(incoming);
    }
    let Ok(text_promise) = web_sys::Response::from(response).text() else {
        return Outcome::NetworkError;
    };
    match JsFuture::from(text_promise).await {
        Ok(text) => {
            let len = text.dyn_ref::<js_sys::JsString>().map_or(0, |s| s.length());
            if len > MAX_BODY_CHARS {
                incoming.body_too_large = true;
            } else if len > 0 {
                incoming.body = Some(text);
            }
            Outcome::Answered(incoming)
        }
        Err(_) if signal.aborted() => Outcome::Cancelled,
        Err(_) => Outcome::NetworkError,
    }
}

/// An XHR in flight; dropping it detaches its handlers and aborts it.
struct XhrCall {
    xhr: XmlHttpRequest,
    done: bool,
    _handlers: Vec<Closure<dyn FnMut(JsValue)>>,
    _on_abort: Option<super::abort::Listener>,
}

impl Drop for XhrCall {
    fn drop(&mut self) {
        self.xhr.set_onload(None);
        self.xhr.set_onerror(None);
        self.xhr.set_onabort(None);
        self.xhr.set_ontimeout(None);
        if let Ok(upload) = self.xhr.upload() {
            upload.set_onprogress(None);
        }
        if !self.done {
            let _ = self.xhr.abort();
        }
    }
}

/// One upload by XMLHttpRequest, reporting `(loaded, total)` bytes as they leave.
pub async fn xhr(
    out: &Outgoing<'_>,
    signal: &AbortSignal,
    on_progress: Rc<dyn Fn(f64, f64)>,
) -> Outcome {
    let Ok(xhr) = XmlHttpRequest::new() else {
        return Outcome::NetworkError;
    };
    if xhr.open_with_async(out.method, out.url, true).is_err() {
        return Outcome::NetworkError;
    }
    let headers_ok = xhr.set_request_header("x-api-key", out.api_key).is_ok()
        && xhr.set_request_header("accept", out.accept).is_ok()
        && out
            .content_type
            .is_none_or(|ct| xhr.set_request_header("content-type", ct).is_ok());
    if !headers_ok {
        return Outcome::NetworkError;
    }
    let mut resolver: Option<js_sys::Function> = None;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| resolver = Some(resolve));
    let Some(resolve) = resolver else {
        return Outcome::NetworkError;
    };
    let ended = |tag: &'static str| {
        let resolve = resolve.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |_event: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::from_str(tag));
        })
    };
    let (load, error, abort, timeout) = (
        ended("load"),
        ended("error"),
        ended("abort"),
        ended("timeout"),
    );
    xhr.set_onload(Some(load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(error.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(abort.as_ref().unchecked_ref()));
    xhr.set_ontimeout(Some(timeout.as_ref().unchecked_ref()));
    let progress = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        if let Some(e) = event.dyn_ref::<ProgressEvent>() {
            on_progress(e.loaded(), e.total());
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let aborter = {
        let xhr = xhr.clone();
        super::abort::Listener::new(signal, move || {
            let _ = xhr.abort();
        })
    };
    let mut call = XhrCall {
        xhr: xhr.clone(),
        done: false,
        _handlers: vec![load, error, abort, timeout, progress],
        _on_abort: Some(aborter),
    };
    if signal.aborted() {
        return Outcome::Cancelled;
    }
    if xhr.send_with_opt_blob(out.body).is_err() {
        return Outcome::NetworkError;
    }
    let tag = JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    call.done = true;
    match tag.as_str() {
        "load" => {}
        "abort" => return Outcome::Cancelled,
        _ if signal.aborted() => return Outcome::Cancelled,
        _ => return Outcome::NetworkError,
    }
    let status = xhr.status().unwrap_or(0);
    if status == 0 {
        return Outcome::NetworkError;
    }
    // XHR cannot refuse a redirect (fetch can, and does): it has followed one when the answer
    // comes from any other URL than the one asked, whatever its path. Compared as the browser
    // writes URLs (`URL.href`), so that a default port or a capital in the host is no redirect.
    let asked = web_sys::Url::new(out.url).map(|u| u.href());
    let redirected = asked.is_ok_and(|a| a != xhr.response_url());
    // the answer stays a JS string until its length is checked (`fetch` above does the same)
    let body = xhr.response().ok().filter(|t| t.is_string());
    let len = body
        .as_ref()
        .and_then(|t| t.dyn_ref::<js_sys::JsString>())
        .map_or(0, |t| t.length());
    let body_too_large = len > MAX_BODY_CHARS;
    Outcome::Answered(Incoming {
        status,
        retry_after: xhr.get_response_header("retry-after").ok().flatten(),
        redirected,
        body: body.filter(|_| len > 0 && !body_too_large),
        body_too_large,
    })
}
