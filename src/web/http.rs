//! Requests with timeout, cancellation and retries: one attempt at a time through
//! `transport`, classified into success or a [`FlowError`], retried by the core's
//! [`RetryPolicy`] with each retry announced to the caller.

use super::abort::{AbortGuard, Cause, Either};
use super::convert::plain_object;
use super::media::{call, call_back, field};
use super::timer::sleep;
use super::transport::{self, Incoming, Outcome, Outgoing};
use crate::core::error::{clean_server_code, sanitize_detail};
use crate::core::events::RetryEvent;
use crate::core::retry::parse_retry_after_seconds;
use crate::core::{ApiKey, Endpoints, ErrorCode, FlowError, RetryPolicy, Step};
use js_sys::Function;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::{AbortSignal, Blob};

/// Everything a flow's requests share.
pub struct Client {
    /// Where requests go.
    pub endpoints: Endpoints,
    /// The api_key.
    pub api_key: ApiKey,
    /// Retry schedule.
    pub policy: RetryPolicy,
    /// Timeout of one attempt of a small call.
    pub timeout_ms: f64,
    /// Timeout of one attempt of an upload.
    pub upload_timeout_ms: f64,
    /// The caller's AbortSignal.
    pub signal: Option<AbortSignal>,
    /// Called before each retry with `{ step, attempt, delayMs, code, status, message }`.
    pub on_retry: Option<Function>,
}

/// One logical request.
pub struct Call<'a> {
    /// Step, for errors and retry events.
    pub step: Step,
    /// Method.
    pub method: &'static str,
    /// URL.
    pub url: String,
    /// `Accept`.
    pub accept: &'static str,
    /// `Content-Type`.
    pub content_type: Option<&'static str>,
    /// Body by handle.
    pub body: Option<&'a Blob>,
    /// Whether a JSON body is expected on success.
    pub want_json: bool,
    /// Upload progress `(loaded, total)`: uses XHR where available.
    pub progress: Option<Rc<dyn Fn(f64, f64)>>,
    /// Page index, for retry events.
    pub page: Option<u32>,
    /// The call's own AbortSignal (besides the flow's): cancels this call only.
    pub signal: Option<AbortSignal>,
}

impl Call<'_> {
    /// A call without body, progress or expected JSON (route, consent, finalize, …).
    pub fn simple(step: Step, method: &'static str, url: String, accept: &'static str) -> Self {
        Call {
            step,
            method,
            url,
            accept,
            content_type: None,
            body: None,
            want_json: false,
            progress: None,
            page: None,
            signal: None,
        }
    }
}

/// The error for an aborted call.
pub fn aborted() -> FlowError {
    FlowError::new(
        ErrorCode::Aborted,
        "The operation was aborted by your AbortSignal.",
    )
}

fn json_parse(text: &JsValue) -> Option<JsValue> {
    call(&field(&js_sys::global(), "JSON"), "parse", &[text])
}

fn retry_after_ms(value: Option<&str>) -> Option<u64> {
    let value = value?;
    parse_retry_after_seconds(value).or_else(|| {
        let at = js_sys::Date::parse(value);
        let now = js_sys::Date::now();
        (at.is_finite() && at > now).then_some((at - now) as u64)
    })
}

impl Client {
    /// Sends `call`, retrying transient failures. Returns the parsed JSON when `want_json`.
    pub async fn send(&self, call: &Call<'_>) -> Result<Option<JsValue>, FlowError> {
        // the flow's signal, the call's, or one that fires with either
        let either = match (&self.signal, &call.signal) {
            (Some(a), Some(b)) => Either::new(a, b),
            _ => None,
        };
        let signal = match &either {
            Some(e) => Some(e.signal()),
            None => call.signal.clone().or_else(|| self.signal.clone()),
        };
        let signal = signal.as_ref();
        let mut attempts = 0u32;
        // Whether an earlier attempt may have reached ID360 without its answer reaching us.
        let mut maybe_done = false;
        loop {
            attempts = attempts.saturating_add(1);
            let error = match self.attempt(call, signal).await {
                Ok(value) => return Ok(value),
                Err(e) => e.at(call.step),
            };
            // A finalize whose answer was lost, then retried (by us, or by the browser itself on a
            // reused connection), meets its own success: 409 "already finalized" while ID360
            // checks, or 403 "enrollment finished" once the verdict is in (Chromium and Firefox
            // resend at once on a reused connection and see the first; WebKit does not, and our
            // retry comes later). The sandbox's error codes; ID360's own error bodies are unknown.
            if call.step == Step::Finalize
                && ((error.status == Some(409)
                    && error.server_code.as_deref() == Some("already_finalized"))
                    || (maybe_done
                        && error.status == Some(403)
                        && error.server_code.as_deref() == Some("enrollment_finished")))
            {
                return Ok(None);
            }
            maybe_done |= matches!(error.code, ErrorCode::Network | ErrorCode::Timeout);
            if !self.policy.should_retry(attempts, &error) {
                let mut error = error;
                if attempts > 1 {
                    error
                        .message
                        .push_str(&format!(" (after {attempts} attempts)"));
                }
                return Err(error);
            }
            let delay =
                self.policy
                    .delay_ms(attempts, error.retry_after_ms, js_sys::Math::random());
            self.announce_retry(call, attempts + 1, delay, &error);
            if !sleep(delay as f64, signal).await {
                return Err(aborted().at(call.step));
            }
        }
    }

    fn announce_retry(&self, call: &Call<'_>, attempt: u32, delay_ms: u64, error: &FlowError) {
        let Some(f) = &self.on_retry else { return };
        let event = RetryEvent {
            step: call.step,
            page: call.page,
            attempt,
            delay_ms,
            code: error.code,
            status: error.status,
            message: error.message.clone(),
        };
        // A throwing callback must not break the flow (`call_back` reports it).
        if let Ok(event) = plain_object(&event) {
            call_back(f, &event);
        }
    }

    async fn attempt(
        &self,
        call: &Call<'_>,
        user: Option<&AbortSignal>,
    ) -> Result<Option<JsValue>, FlowError> {
        if user.is_some_and(AbortSignal::aborted) {
            return Err(aborted());
        }
        let timeout = if call.body.is_some() {
            self.upload_timeout_ms
        } else {
            self.timeout_ms
        };
        let mut guard = AbortGuard::new(timeout, user).ok_or_else(|| {
            FlowError::new(
                ErrorCode::Network,
                "AbortController is not available in this environment.",
            )
        })?;
        let out = Outgoing {
            method: call.method,
            url: &call.url,
            api_key: self.api_key.expose(),
            accept: call.accept,
            content_type: call.content_type,
            body: call.body,
        };
        let signal = guard.signal();
        let outcome = match &call.progress {
            Some(progress) if call.body.is_some() && transport::has_xhr() => {
                transport::xhr(&out, &signal, Rc::clone(progress)).await
            }
            _ => transport::fetch(&out, &signal, call.want_json).await,
        };
        let incoming = match outcome {
            Outcome::Answered(i) => i,
            Outcome::NetworkError | Outcome::Cancelled => {
                return Err(match guard.cause() {
                    Cause::Timeout => FlowError::new(
                        ErrorCode::Timeout,
                        format!("ID360 did not answer within {} ms.", timeout as u64),
                    ),
                    Cause::Aborted => aborted(),
                    Cause::None => FlowError::new(
                        ErrorCode::Network,
                        "The request did not reach ID360 or its answer was lost (offline, connection dropped, CORS refused, or blocked by the page's Content-Security-Policy connect-src: see the README's proxy section).",
                    ),
                });
            }
        };
        let result = self.classify(call, incoming);
        if result
            .as_ref()
            .err()
            .is_none_or(|e| e.code != ErrorCode::InvalidResponse)
        {
            guard.finish();
        }
        result
    }

    fn classify(&self, call: &Call<'_>, incoming: Incoming) -> Result<Option<JsValue>, FlowError> {
        let status = incoming.status;
        if incoming.redirected || status == 0 || (300..400).contains(&status) {
            // (an opaque redirect has status 0; a redirect XHR followed, its target's status)
            return Err(FlowError::from_status(
                if (300..400).contains(&status) {
                    status
                } else {
                    302
                },
                None,
                None,
            ));
        }
        if (200..300).contains(&status) {
            if !call.want_json {
                return Ok(None);
            }
            if incoming.body_too_large {
                return Err(FlowError::invalid_response(format!(
                    "ID360's answer to {} is larger than {} characters.",
                    call.step.as_str(),
                    transport::MAX_BODY_CHARS
                )));
            }
            let parsed = incoming
                .body
                .as_ref()
                .and_then(json_parse)
                .filter(|v| v.is_object());
            return parsed.map(Some).ok_or_else(|| {
                FlowError::invalid_response(format!(
                    "ID360's answer to {} is not the JSON object expected.",
                    call.step.as_str()
                ))
            });
        }
        let body = incoming
            .body
            .as_ref()
            .and_then(json_parse)
            .filter(|v| v.is_object());
        let text = |name: &str| body.as_ref().and_then(|b| field(b, name).as_string());
        let server_code = text("code").and_then(|c| clean_server_code(&c, self.api_key.expose()));
        let detail = text("detail")
            .or_else(|| text("message"))
            .map(|d| sanitize_detail(&d, self.api_key.expose()));
        let mut error = FlowError::from_status(status, server_code, detail);
        error.retry_after_ms = retry_after_ms(incoming.retry_after.as_deref());
        Err(error)
    }
}
