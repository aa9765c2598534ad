//! Callbacks: ID360 POSTs JSON to each callback endpoint on status changes, with the endpoint's
//! headers and the enrollment's `callback_headers`; failed deliveries are retried with backoff.
//!
//! The meaning of the `on` letters is unknown. Assumption implemented here (one function,
//! [`endpoint_wants`], to change): an empty list means every event; otherwise `E` = intermediate
//! events (status `STARTED` with `steps_status`), `F` = final verdicts (`OK`, `KO`, `FAILED`),
//! `C` = ends without verdict (`CANCELED`, `DISCONTINUED`). Unknown letters are stored and
//! select nothing.

use crate::clock::iso;
use crate::model::{CallbackAttempt, Enrollment, Status, CALLBACK_LOG_LIMIT};
use crate::Sandbox;
use serde_json::{json, Value};
use std::sync::Arc;

/// One callback to send to every interested endpoint.
#[derive(Clone, Debug)]
pub struct Event {
    /// Enrollment id.
    pub enrollment_id: u64,
    /// Status in the payload.
    pub status: Status,
    /// Increases with each event of the enrollment: receivers use it to drop stale ones.
    pub sequence: u64,
    /// The JSON body (the `time` field is filled at dispatch).
    pub payload: Value,
    /// (url, headers) of each interested endpoint.
    pub targets: Vec<(String, Vec<(String, String)>)>,
}

/// Whether an endpoint with these `on` letters wants an event with this status.
pub fn endpoint_wants(on: &[String], status: Status) -> bool {
    if on.is_empty() {
        return true;
    }
    let letter = match status {
        Status::New | Status::Started => "E",
        Status::Ok | Status::Ko | Status::Failed => "F",
        Status::Canceled | Status::Discontinued => "C",
    };
    on.iter().any(|l| l.eq_ignore_ascii_case(letter))
}

impl Event {
    fn new(e: &mut Enrollment, payload: Value) -> Event {
        e.callback_sequence += 1;
        let targets = e
            .callback_endpoints
            .iter()
            .filter(|ep| endpoint_wants(&ep.on, e.status))
            .map(|ep| {
                let mut headers: Vec<(String, String)> = ep
                    .headers
                    .iter()
                    .map(|h| (h.name.clone(), h.value.clone()))
                    .collect();
                headers.extend(
                    e.callback_headers
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
                (ep.url.clone(), headers)
            })
            .collect();
        let mut payload = payload;
        if let Some(obj) = payload.as_object_mut() {
            obj.insert("id".into(), json!(e.id));
            obj.insert("status".into(), json!(e.status));
            obj.insert("client_reference".into(), json!(e.client_reference));
            obj.insert("sequence".into(), json!(e.callback_sequence));
        }
        Event {
            enrollment_id: e.id,
            status: e.status,
            sequence: e.callback_sequence,
            payload,
            targets,
        }
    }

    /// An intermediate (`STARTED`) event after `step`.
    pub fn intermediate(e: &mut Enrollment, step: &str) -> Event {
        let done = 1
            + u32::from(e.selected_route.is_some())
            + u32::from(e.consent.is_some())
            + u32::try_from(e.documents.values().filter(|d| d.is_complete()).count()).unwrap_or(0)
            + u32::from(e.finalize_count > 0);
        let total = e.steps_total.max(done);
        Event::new(
            e,
            json!({"steps_status": {"total": total, "done": done}, "enrollment_step": step}),
        )
    }

    /// A final event (status already set on the enrollment).
    pub fn final_status(e: &mut Enrollment) -> Event {
        let reason = e.reason.clone();
        Event::new(e, json!({"reason": reason}))
    }
}

/// Sends an event to each of its targets in the background, retrying failures.
pub fn dispatch(sandbox: &Arc<Sandbox>, event: Event) {
    let time = iso(sandbox.clock.now());
    for (url, headers) in event.targets.clone() {
        let sandbox = Arc::clone(sandbox);
        let mut payload = event.payload.clone();
        if let Some(obj) = payload.as_object_mut() {
            obj.insert("time".into(), json!(time));
        }
        let (id, status, sequence) = (event.enrollment_id, event.status, event.sequence);
        tokio::spawn(async move {
            let attempts = sandbox.config.callback_attempts.max(1);
            for attempt in 1..=attempts {
                let mut request = sandbox.http.post(&url).json(&payload);
                for (name, value) in &headers {
                    request = request.header(name.as_str(), value.as_str());
                }
                let result = request.send().await;
                let (http_status, error) = match &result {
                    Ok(r) => (Some(r.status().as_u16()), None),
                    Err(e) => (None, Some(e.to_string())),
                };
                let delivered = result.as_ref().is_ok_and(|r| r.status().is_success());
                {
                    let mut state = sandbox.lock();
                    if state.callback_log.len() >= CALLBACK_LOG_LIMIT {
                        state.callback_log.pop_front();
                    }
                    state.callback_log.push_back(CallbackAttempt {
                        enrollment_id: id,
                        url: url.clone(),
                        status: status.as_str().to_string(),
                        sequence,
                        attempt,
                        http_status,
                        error,
                        delivered,
                    });
                }
                if delivered {
                    return;
                }
                if attempt < attempts {
                    let factor = 1u32 << (attempt - 1).min(10);
                    tokio::time::sleep(sandbox.config.callback_retry_base * factor).await;
                }
            }
        });
    }
}
