//! `Id360Flow`: the api_key flow as a JS class. Each method checks what it can before any byte
//! is sent, then delegates to the web layer; every failure rejects with an `Id360Error`.

use super::error::{promise, to_js, Work};
use super::options::{flow_options, Options};
use crate::core::endpoint::{DocumentName, ID_DOCUMENT};
use crate::core::events::{FlowSnapshot, StepEvent, UploadProgress};
use crate::core::info::{EnrollmentInfo, RawDocument, RawRoute};
use crate::core::{check_page, DocumentSpec, Endpoints, FlowError, FlowState, Route, Step};
use crate::web::abort::Wake;
use crate::web::blob::{formats, size_of, to_blob};
use crate::web::convert::plain_object;
use crate::web::http::{aborted, Call, Client};
use crate::web::media::{array_items, call, call_back, field, is_array, MAX_ITEMS};
use js_sys::{Array, Function, Object, Promise};
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;
use web_sys::{AbortSignal, Blob};

#[wasm_bindgen]
extern "C" {
    /// Options of `new Id360Flow(...)`.
    #[wasm_bindgen(typescript_type = "Id360FlowOptions")]
    pub type FlowOptionsArg;
    /// Options of the upload methods.
    #[wasm_bindgen(typescript_type = "UploadOptions")]
    pub type UploadOptionsArg;
    /// Options of `acceptTerms`.
    #[wasm_bindgen(typescript_type = "TermsOptions")]
    pub type TermsOptionsArg;
    /// Options of `run`.
    #[wasm_bindgen(typescript_type = "RunOptions")]
    pub type RunOptionsArg;
}

/// A page the caller handed over, kept to recognise it if it is passed again.
struct Accepted {
    document: DocumentName,
    total: u32,
    index: u32,
    value: JsValue,
}

struct Inner {
    client: Client,
    state: RefCell<FlowState>,
    info_js: RefCell<Option<JsValue>>,
    accepted: RefCell<Vec<Accepted>>,
    /// Settles when the last queued call ends: calls run one after the other, so a
    /// double-clicked `run()` or two overlapping uploads never send anything twice.
    tail: RefCell<Option<Promise>>,
}

/// Runs one enrollment's flow with its api_key: `enrollmentInfo` → `selectRoute` →
/// `acceptTerms` → `uploadIdDocument` → `uploadSelfie` → `finalize` (or all of it with `run`).
#[wasm_bindgen]
pub struct Id360Flow {
    inner: Rc<Inner>,
}

/// Runs `work` (a call of `step`; None for `run`) after every call already queued on this flow
/// has ended. Once the flow's signal (or the call's own, `call_signal`) has fired, the call ends
/// `aborted` instead, even one that would send nothing (a cached `enrollmentInfo()`, a step
/// already done): the flow is over. A call aborted by its own signal while it waits for its
/// turn rejects at once; the calls queued after it still wait for those before it.
fn queued(
    inner: &Inner,
    step: Option<Step>,
    call_signal: Option<AbortSignal>,
    work: impl Future<Output = Result<JsValue, FlowError>> + 'static,
) -> Promise {
    queued_boxed(inner, step, call_signal, Box::pin(work))
}

#[inline(never)]
fn queued_boxed(
    inner: &Inner,
    step: Option<Step>,
    call_signal: Option<AbortSignal>,
    work: Work,
) -> Promise {
    let previous = inner.tail.borrow_mut().take();
    let mut resolver: Option<Function> = None;
    let gate = Promise::new(&mut |resolve, _| resolver = Some(resolve));
    *inner.tail.borrow_mut() = Some(gate);
    let signal = inner.client.signal.clone();
    promise(async move {
        let stopped = || {
            signal.as_ref().is_some_and(AbortSignal::aborted)
                || call_signal.as_ref().is_some_and(AbortSignal::aborted)
        };
        if let Some(p) = previous {
            // the turn, or this call's abort, whichever comes first
            let _ = match Wake::new(std::slice::from_ref(&call_signal)) {
                Some(wake) => {
                    let w = wake.resolver();
                    let _ = call(&p, "then", &[w, w]);
                    wasm_bindgen_futures::JsFuture::from(wake.promise()).await
                }
                None => wasm_bindgen_futures::JsFuture::from(p.clone()).await,
            };
            if stopped() {
                // the next call's turn still comes only after the calls before this one
                if let Some(release) = resolver.as_ref() {
                    let _ = call(&p, "then", &[release, release]);
                }
                resolver = None;
            }
        }
        let result = match stopped() {
            true => Err(match step {
                Some(s) => aborted().at(s),
                None => aborted(),
            }),
            false => work.await,
        };
        if let Some(release) = resolver {
            let _ = release.call0(&JsValue::NULL);
        }
        result
    })
}

/// Calls a caller's callback with `event` as a plain object; a throwing callback must not
/// break the flow.
fn notify<T: Tsify + Serialize>(callback: Option<&Function>, event: &T) {
    if let (Some(f), Ok(event)) = (callback, plain_object(event)) {
        call_back(f, &event);
    }
}

fn pages_of(value: &JsValue, what: &str) -> Result<Vec<JsValue>, FlowError> {
    let items = array_items(value).map_err(|()| {
        FlowError::invalid_input(format!(
            "{what} could not be read (a getter or Proxy threw, or over {MAX_ITEMS} items)."
        ))
    })?;
    if let Some(items) = items {
        Ok(items)
    } else if value.is_undefined() || value.is_null() {
        Err(FlowError::invalid_input(format!(
            "{what}: pass an array of pages (Blob, File, ArrayBuffer or Uint8Array)."
        )))
    } else {
        Ok(vec![value.clone()])
    }
}

/// A page checked and ready to go.
struct ReadyPage {
    original: JsValue,
    blob: Blob,
    size: f64,
    mime: &'static str,
}

impl Inner {
    async fn ensure_info(&self) -> Result<JsValue, FlowError> {
        if let Some(v) = self.info_js.borrow().as_ref() {
            return Ok(v.clone());
        }
        let call = Call {
            want_json: true,
            ..Call::simple(
                Step::Info,
                "GET",
                self.client.endpoints.enrollment_info(),
                "application/json",
            )
        };
        let raw = self.client.send(&call).await?.unwrap_or(JsValue::UNDEFINED);
        let info = parse_info(&raw).map_err(|e| e.at(Step::Info))?;
        let js = plain_object(&InfoJs {
            routes: info.routes.clone(),
            documents: info.documents.clone(),
            data: info.data.clone(),
            status: info.status.clone(),
            raw,
        })
        .map_err(|e| e.at(Step::Info))?;
        self.state.borrow_mut().info = Some(info);
        *self.info_js.borrow_mut() = Some(js.clone());
        Ok(js)
    }

    async fn select_route(&self, requested: Option<f64>) -> Result<u64, FlowError> {
        self.ensure_info().await?;
        let id = self
            .state
            .borrow()
            .choose_route(requested)
            .map_err(|e| e.at(Step::Route))?;
        if self.state.borrow().route == Some(id) {
            return Ok(id); // already selected: no redundant request
        }
        let call = Call {
            content_type: Some("text/plain"),
            ..Call::simple(
                Step::Route,
                "POST",
                self.client.endpoints.select_route(id),
                "application/json",
            )
        };
        self.client.send(&call).await?;
        self.state.borrow_mut().route = Some(id);
        Ok(id)
    }

    async fn accept_terms(&self, biometry: bool) -> Result<(), FlowError> {
        self.state
            .borrow()
            .check_consent()
            .map_err(|e| e.at(Step::Consent))?;
        if self.state.borrow().biometry == Some(biometry) {
            return Ok(());
        }
        let call = Call::simple(
            Step::Consent,
            "POST",
            self.client.endpoints.consent(biometry),
            "*/*",
        );
        self.client.send(&call).await?;
        self.state.borrow_mut().biometry = Some(biometry);
        Ok(())
    }

    async fn upload(
        &self,
        document: DocumentName,
        pages: Vec<JsValue>,
        step: Step,
        on_progress: Option<Function>,
        signal: Option<AbortSignal>,
    ) -> Result<(), FlowError> {
        let total = self
            .state
            .borrow()
            .plan_upload(&document, pages.len())
            .map_err(|e| e.at(step))?;
        let ready = self.check_pages(pages, total, step, &signal).await?;
        let document_total: f64 = ready.iter().map(|p| p.size).sum();
        let done_bytes = Rc::new(Cell::new(0.0f64));
        for (index, page) in (0u32..).zip(ready.iter()) {
            let already = self.state.borrow().is_accepted(&document, total, index)
                && self.accepted.borrow().iter().any(|a| {
                    a.document == document
                        && a.total == total
                        && a.index == index
                        && Object::is(&a.value, &page.original)
                });
            let progress = progress_reporter(
                on_progress.clone(),
                &document,
                step,
                index,
                total,
                page.size,
                document_total,
                Rc::clone(&done_bytes),
            );
            if !already {
                let call = Call {
                    step,
                    method: "POST",
                    url: self.client.endpoints.document(&document, total, index),
                    accept: "*/*",
                    content_type: Some(page.mime),
                    body: Some(&page.blob),
                    want_json: false,
                    progress: on_progress
                        .is_some()
                        .then(|| Rc::clone(&progress) as Rc<dyn Fn(f64, f64)>),
                    page: Some(index),
                    signal: signal.clone(),
                };
                self.client.send(&call).await?;
                self.state
                    .borrow_mut()
                    .page_accepted(&document, total, index);
                let mut accepted = self.accepted.borrow_mut();
                accepted.retain(|a| !(a.document == document && a.index == index));
                accepted.push(Accepted {
                    document: document.clone(),
                    total,
                    index,
                    value: page.original.clone(),
                });
            }
            progress(page.size, page.size);
            done_bytes.set(done_bytes.get() + page.size);
        }
        Ok(())
    }

    /// Every page checked before any byte is sent (their first bytes read in parallel): a
    /// Blob or bytes, readable, of a format ID360 takes, not too large.
    /// (Boxed: its future is awaited from `upload` and `run`, and compiled once.)
    fn check_pages<'a>(
        &'a self,
        pages: Vec<JsValue>,
        total: u32,
        step: Step,
        signal: &'a Option<AbortSignal>,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<ReadyPage>, FlowError>> + 'a>> {
        Box::pin(self.check_pages_now(pages, total, step, signal))
    }

    async fn check_pages_now(
        &self,
        pages: Vec<JsValue>,
        total: u32,
        step: Step,
        signal: &Option<AbortSignal>,
    ) -> Result<Vec<ReadyPage>, FlowError> {
        let label = |i: usize| {
            if total == 1 {
                format!(
                    "The {}",
                    if step == Step::Selfie {
                        "selfie"
                    } else {
                        "page"
                    }
                )
            } else {
                format!("Page {} of {}", i + 1, total)
            }
        };
        let blobs = pages
            .iter()
            .enumerate()
            .map(|(i, p)| to_blob(p, &label(i)).map_err(|e| e.at(step)))
            .collect::<Result<Vec<_>, _>>()?;
        let signals = [self.client.signal.clone(), signal.clone()];
        let found = formats(&blobs, self.client.upload_timeout_ms, &signals)
            .await
            .map_err(|e| e.at(step))?;
        let mut ready = Vec::with_capacity(blobs.len());
        for (i, ((original, blob), format)) in pages.into_iter().zip(blobs).zip(found).enumerate() {
            let size = size_of(&blob).ok_or_else(|| {
                FlowError::invalid_input(format!("{} could not be read (its size).", label(i)))
                    .at(step)
            })?;
            let format = check_page(size, format, &label(i)).map_err(|e| e.at(step))?;
            ready.push(ReadyPage {
                original,
                blob,
                size,
                mime: format.mime(),
            });
        }
        Ok(ready)
    }

    async fn finalize(&self) -> Result<(), FlowError> {
        if self.state.borrow().finalized {
            return Ok(()); // a double-clicked "finish": done once, nothing sent again
        }
        self.state
            .borrow()
            .check_finalize()
            .map_err(|e| e.at(Step::Finalize))?;
        let call = Call::simple(
            Step::Finalize,
            "POST",
            self.client.endpoints.finalize(),
            "application/json",
        );
        self.client.send(&call).await?;
        self.state.borrow_mut().finalized = true;
        Ok(())
    }
}

/// Builds the progress callback of one page: monotonic per page (a retry restarts the bytes,
/// the reported figure holds until it passes the previous mark), with document totals.
#[allow(clippy::too_many_arguments)]
fn progress_reporter(
    callback: Option<Function>,
    document: &DocumentName,
    step: Step,
    index: u32,
    pages: u32,
    page_total: f64,
    document_total: f64,
    done_before: Rc<Cell<f64>>,
) -> Rc<dyn Fn(f64, f64)> {
    let mark = Rc::new(Cell::new(-1.0f64));
    let name = document.as_str().to_string();
    Rc::new(move |loaded: f64, _total: f64| {
        let Some(f) = &callback else { return };
        let loaded = if loaded.is_finite() {
            loaded.max(0.0).min(page_total)
        } else {
            0.0
        };
        if loaded <= mark.get() {
            return;
        }
        mark.set(loaded);
        let event = UploadProgress {
            step,
            document: name.clone(),
            page: index,
            pages,
            loaded,
            total: page_total,
            document_loaded: done_before.get() + loaded,
            document_total,
        };
        notify(Some(f), &event);
    })
}

/// Reads `enrollment_info` from the parsed JSON: `routes` strictly (documented), the rest
/// leniently (shape unknown: entries that do not fit are skipped).
fn parse_info(raw: &JsValue) -> Result<EnrollmentInfo, FlowError> {
    let routes_value = field(raw, "routes");
    if !Array::is_array(&routes_value) {
        return Err(FlowError::invalid_response(
            "enrollment_info has no \"routes\" list ([{ id: number }]).",
        ));
    }
    let routes = Array::from(&routes_value)
        .iter()
        .map(|r| RawRoute {
            id: field(&r, "id").as_f64().unwrap_or(f64::NAN),
            name: field(&r, "name").as_string(),
        })
        .collect();
    let list = |key: &str| {
        let v = field(raw, key);
        Array::is_array(&v).then(|| Array::from(&v).iter().collect::<Vec<_>>())
    };
    let documents = list("documents").map(|items| {
        items
            .iter()
            .filter_map(|d| {
                Some(RawDocument {
                    name: field(d, "name").as_string()?,
                    required: field(d, "required").as_bool(),
                    max_pages: field(d, "max_pages").as_f64(),
                })
            })
            .collect()
    });
    let data = list("data").map(|items| {
        items
            .iter()
            .filter_map(|d| d.as_string().or_else(|| field(d, "name").as_string()))
            .collect()
    });
    EnrollmentInfo::from_raw(routes, documents, data, field(raw, "status").as_string())
}

/// `enrollmentInfo()`: what the library reads, plus the raw JSON.
#[derive(Serialize, Tsify)]
#[tsify(rename = "EnrollmentInfo")]
struct InfoJs {
    /// Routes offered (at least one).
    routes: Vec<Route>,
    /// Documents the process accepts, when ID360 lists them.
    #[tsify(type = "DocumentInfo[]")]
    documents: Vec<DocumentSpec>,
    /// Data fields the process compares (e.g. "birth_date"), when listed.
    data: Vec<String>,
    /// The enrollment's status when the flow first read `enrollment_info` (e.g. "STARTED"),
    /// when given: read once and never refreshed, so after `finalize()` it still says so. The
    /// verdict reaches the integrator's server (ID360's callback, or its own token call).
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    /// The JSON as ID360 sent it.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    #[tsify(type = "Record<string, unknown>")]
    raw: JsValue,
}

/// `{ onProgress, signal }` of one upload.
fn upload_options(value: &JsValue) -> Result<(Option<Function>, Option<AbortSignal>), FlowError> {
    let o = Options::new(value, "upload options", &["onProgress", "signal"], true)?;
    Ok((o.function("onProgress")?, o.signal("signal")?))
}

fn step_event(callback: Option<&Function>, step: Step, status: &'static str) {
    notify(callback, &StepEvent { step, status });
}

#[wasm_bindgen]
impl Id360Flow {
    /// Starts a flow for one enrollment. Throws an `Id360Error` (`invalid_input`) when an option
    /// is wrong; sends nothing until a method is called.
    #[wasm_bindgen(constructor)]
    pub fn new(options: FlowOptionsArg) -> Result<Id360Flow, JsValue> {
        let o = flow_options(&options).map_err(|e| to_js(&e))?;
        Ok(Id360Flow {
            inner: Rc::new(Inner {
                client: Client {
                    endpoints: Endpoints::new(&o.environment),
                    api_key: o.api_key,
                    policy: o.policy,
                    timeout_ms: o.timeout_ms,
                    upload_timeout_ms: o.upload_timeout_ms,
                    signal: o.signal,
                    on_retry: o.on_retry,
                },
                state: RefCell::new(FlowState::default()),
                info_js: RefCell::new(None),
                accepted: RefCell::new(Vec::new()),
                tail: RefCell::new(None),
            }),
        })
    }

    /// Reads `enrollment_info` (once; later calls reuse it): routes, documents and data fields,
    /// with the raw JSON in `raw`.
    #[wasm_bindgen(js_name = enrollmentInfo, unchecked_return_type = "Promise<EnrollmentInfo>")]
    pub fn enrollment_info(&self) -> Promise {
        let inner = Rc::clone(&self.inner);
        queued(&self.inner, Some(Step::Info), None, async move {
            inner.ensure_info().await
        })
    }

    /// Selects the route: the only one offered when `routeId` is left out; resolves with the
    /// selected id. Reads `enrollment_info` first if needed.
    #[wasm_bindgen(js_name = selectRoute, skip_typescript)]
    pub fn select_route(
        &self,
        #[wasm_bindgen(js_name = routeId)] route_id: Option<JsValue>,
    ) -> Promise {
        let inner = Rc::clone(&self.inner);
        let route_id = route_id.unwrap_or(JsValue::UNDEFINED);
        queued(&self.inner, Some(Step::Route), None, async move {
            let requested = if route_id.is_undefined() || route_id.is_null() {
                None
            } else {
                Some(route_id.as_f64().ok_or_else(|| {
                    FlowError::invalid_input(
                        "routeId must be a number taken from enrollmentInfo().routes.",
                    )
                    .at(Step::Route)
                })?)
            };
            inner
                .select_route(requested)
                .await
                .map(|id| JsValue::from(id as f64))
        })
    }

    /// Accepts the terms; `{ biometry: true }` also consents to the face comparison a selfie
    /// needs.
    #[wasm_bindgen(js_name = acceptTerms, unchecked_return_type = "Promise<void>")]
    pub fn accept_terms(&self, options: Option<TermsOptionsArg>) -> Promise {
        let inner = Rc::clone(&self.inner);
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        queued(&self.inner, Some(Step::Consent), None, async move {
            let o = Options::new(&options, "terms options", &["biometry"], true)
                .map_err(|e| e.at(Step::Consent))?;
            let biometry = o
                .boolean("biometry")
                .map_err(|e| e.at(Step::Consent))?
                .unwrap_or(false);
            inner
                .accept_terms(biometry)
                .await
                .map(|()| JsValue::UNDEFINED)
        })
    }

    /// Uploads the identity document, one request per page (1 or 2 pages). Pages already
    /// accepted (the same objects) are not sent again.
    #[wasm_bindgen(js_name = uploadIdDocument, unchecked_return_type = "Promise<void>")]
    pub fn upload_id_document(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Page[] | Page")] pages: JsValue,
        options: Option<UploadOptionsArg>,
    ) -> Promise {
        self.upload_named(DocumentName::id_document(), pages, options, Step::Document)
    }

    /// Uploads a document under its ID360 name (`enrollment/flow/document/{name}/`).
    #[wasm_bindgen(js_name = uploadDocument, unchecked_return_type = "Promise<void>")]
    pub fn upload_document(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Page[] | Page")] pages: JsValue,
        options: Option<UploadOptionsArg>,
    ) -> Promise {
        let document = name
            .as_string()
            .ok_or_else(|| {
                FlowError::invalid_input(
                    "The document name must be a string, e.g. 'id_document_image'.",
                )
            })
            .and_then(|n| DocumentName::parse(&n));
        match document {
            Ok(d) => {
                let step = if d.is_selfie() {
                    Step::Selfie
                } else {
                    Step::Document
                };
                self.upload_named(d, pages, options, step)
            }
            Err(e) => Promise::reject(&to_js(&e.at(Step::Document))),
        }
    }

    /// Uploads the selfie (needs `acceptTerms({ biometry: true })` first).
    #[wasm_bindgen(js_name = uploadSelfie, unchecked_return_type = "Promise<void>")]
    pub fn upload_selfie(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Page")] selfie: JsValue,
        options: Option<UploadOptionsArg>,
    ) -> Promise {
        if is_array(&selfie) != Some(false) {
            let e = FlowError::invalid_input("uploadSelfie takes one page, not an array.")
                .at(Step::Selfie);
            return Promise::reject(&to_js(&e));
        }
        self.upload_named(DocumentName::selfie(), selfie, options, Step::Selfie)
    }

    fn upload_named(
        &self,
        document: DocumentName,
        pages: JsValue,
        options: Option<UploadOptionsArg>,
        step: Step,
    ) -> Promise {
        let inner = Rc::clone(&self.inner);
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        // heard while the call waits for its turn (checked with the other options at its turn)
        let waiting = field(&options, "signal").dyn_into::<AbortSignal>().ok();
        queued(&self.inner, Some(step), waiting, async move {
            let (on_progress, signal) = upload_options(&options).map_err(|e| e.at(step))?;
            let pages = pages_of(&pages, "pages").map_err(|e| e.at(step))?;
            inner
                .upload(document, pages, step, on_progress, signal)
                .await
                .map(|()| JsValue::UNDEFINED)
        })
    }

    /// Finalizes the enrollment (once, after every page): ID360 starts its checks.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn finalize(&self) -> Promise {
        let inner = Rc::clone(&self.inner);
        queued(&self.inner, Some(Step::Finalize), None, async move {
            inner.finalize().await.map(|()| JsValue::UNDEFINED)
        })
    }

    /// The whole flow in one call, resumable: steps already done are skipped when it is called
    /// again after a failure.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn run(&self, options: RunOptionsArg) -> Promise {
        let inner = Rc::clone(&self.inner);
        let options: JsValue = options.into();
        queued(&self.inner, None, None, async move {
            let o = Options::new(
                &options,
                "run options",
                &[
                    "document",
                    "documentName",
                    "selfie",
                    "routeId",
                    "biometry",
                    "onStep",
                    "onProgress",
                ],
                false,
            )?;
            let document_value = o.get("document");
            let pages = pages_of(&document_value, "run options.document")
                .map_err(|e| e.at(Step::Document))?;
            let document = DocumentName::parse(
                &o.string("documentName")?
                    .unwrap_or_else(|| ID_DOCUMENT.into()),
            )?;
            let selfie = o.get("selfie");
            let has_selfie = !(selfie.is_undefined() || selfie.is_null());
            let biometry = o.boolean("biometry")?.unwrap_or(has_selfie);
            if has_selfie && !biometry {
                return Err(FlowError::invalid_input(
                    "A selfie needs biometry: leave run options.biometry out or set it to true.",
                )
                .at(Step::Consent));
            }
            let route_id = o.integer("routeId", 0, crate::core::info::MAX_SAFE_INTEGER as u64)?;
            let on_step = o.function("onStep")?;
            let on_progress = o.function("onProgress")?;
            if inner.state.borrow().finalized {
                return Ok(JsValue::UNDEFINED); // a second run() after success: nothing left to do
            }
            let step = |s: Step, status: &'static str| step_event(on_step.as_ref(), s, status);

            step(Step::Info, "start");
            inner.ensure_info().await?;
            step(Step::Info, "done");
            // a document the process requires that run() will not send (not yet accepted):
            // refused before anything is sent, not at finalize after the rest
            let missing = {
                let state = inner.state.borrow();
                let sent = |name: &str| {
                    name == document.as_str()
                        || (has_selfie && name == crate::core::endpoint::SELFIE)
                        || state
                            .documents
                            .iter()
                            .any(|(n, p)| n.as_str() == name && p.is_complete())
                };
                state
                    .info
                    .iter()
                    .flat_map(|i| i.documents.iter())
                    .find(|d| d.required && !sent(&d.name))
                    .map(|d| d.name.clone())
            };
            if let Some(name) = missing {
                let step = match name == crate::core::endpoint::SELFIE {
                    true => Step::Selfie,
                    false => Step::Document,
                };
                return Err(FlowError::invalid_input(format!(
                    "This process requires {name} (enrollment_info), which run() would not send: pass run options.selfie, or upload that document first."
                ))
                .at(step));
            }
            // every page counted, read and checked before anything is sent (a selfie of a
            // format ID360 does not take used to fail after the route, the consent and the
            // document had been sent)
            let total = inner
                .state
                .borrow()
                .check_page_count(&document, pages.len())
                .map_err(|e| e.at(Step::Document))?;
            // (checked here, then again by `upload`: 16 bytes read twice, no second code path)
            inner
                .check_pages(pages.clone(), total, Step::Document, &None)
                .await?;
            if has_selfie {
                let listed = inner.state.borrow().info.as_ref().map(|i| {
                    !i.documents.is_empty()
                        && !i
                            .documents
                            .iter()
                            .any(|x| x.name == crate::core::endpoint::SELFIE)
                });
                if listed == Some(true) {
                    return Err(FlowError::invalid_input(
                        "This process takes no selfie (enrollment_info lists no selfie_image_upload): leave run options.selfie out.",
                    )
                    .at(Step::Selfie));
                }
                inner
                    .check_pages(vec![selfie.clone()], 1, Step::Selfie, &None)
                    .await?;
            }
            step(Step::Route, "start");
            inner.select_route(route_id).await?;
            step(Step::Route, "done");
            step(Step::Consent, "start");
            inner.accept_terms(biometry).await?;
            step(Step::Consent, "done");
            // the order of the steps, now that the route and the consent are sent
            {
                let state = inner.state.borrow();
                state
                    .plan_upload(&document, pages.len())
                    .map_err(|e| e.at(Step::Document))?;
                if has_selfie {
                    state
                        .plan_upload(&DocumentName::selfie(), 1)
                        .map_err(|e| e.at(Step::Selfie))?;
                }
            }
            step(Step::Document, "start");
            inner
                .upload(document, pages, Step::Document, on_progress.clone(), None)
                .await?;
            step(Step::Document, "done");
            if has_selfie {
                step(Step::Selfie, "start");
                inner
                    .upload(
                        DocumentName::selfie(),
                        vec![selfie],
                        Step::Selfie,
                        on_progress,
                        None,
                    )
                    .await?;
                step(Step::Selfie, "done");
            }
            step(Step::Finalize, "start");
            inner.finalize().await?;
            step(Step::Finalize, "done");
            Ok(JsValue::UNDEFINED)
        })
    }

    /// What has been done so far: `{ routeId, termsAccepted, biometry, documents, finalized }`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> Result<Ts<FlowSnapshot>, JsValue> {
        FlowSnapshot::of(&self.inner.state.borrow())
            .into_ts()
            .map_err(|_| to_js(&FlowError::invalid_input("The state could not be read.")))
    }
}
