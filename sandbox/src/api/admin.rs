//! `/_sandbox/` admin endpoints: inspection, fault switches, clock, test conveniences.
//! No authentication: the sandbox binds to loopback by default.

use super::{read_body, AppState, SMALL_BODY_LIMIT};
use crate::callbacks::{dispatch, Event};
use crate::error::ApiError;
use crate::faults::FaultRule;
use crate::model::{Enrollment, Status};
use crate::Sandbox;
use axum::body::Body;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The admin routes.
pub fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route(
            "/_sandbox/health",
            get(|| async { Json(json!({"ok": true})) }),
        )
        .route(
            "/_sandbox/redirected",
            get(|| async { Json(json!({"redirected": true})) }),
        )
        .route("/_sandbox/enrollments", get(list).post(create))
        .route("/_sandbox/enrollments/{id}", get(one))
        .route("/_sandbox/enrollments/{id}/cancel", post(cancel))
        .route(
            "/_sandbox/faults",
            get(get_faults)
                .put(put_faults)
                .post(add_fault)
                .delete(clear_faults),
        )
        .route("/_sandbox/clock/advance", post(advance_clock))
        .route("/_sandbox/callbacks", get(callbacks))
        .route("/_sandbox/stats", get(stats))
        .route("/_sandbox/reset", post(reset))
        .route("/_sandbox/samples/{file}", get(sample))
        .route("/_sandbox/files/{*path}", get(file))
}

/// `GET /_sandbox/files/{path}`: a file of the folder given with `--files` (404 without one, for
/// a path leaving it, or a missing file).
async fn file(
    axum::extract::State(sb): AppState,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let missing = || ApiError::not_found("unknown_file", "No such file in the served folder.");
    let root = sb.config.files_dir.clone().ok_or_else(missing)?;
    let relative = std::path::Path::new(&path);
    let safe = relative
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !safe || path.is_empty() {
        return Err(missing());
    }
    let full = root.join(relative);
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(full))
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(missing)?;
    let mime = match relative.extension().and_then(|e| e.to_str()) {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    Ok(([(axum::http::header::CONTENT_TYPE, mime)], bytes).into_response())
}

/// The admin view of an enrollment: everything but the api_key.
pub fn summary(e: &Enrollment) -> Value {
    let documents: serde_json::Map<String, Value> = e
        .documents
        .iter()
        .map(|(name, d)| {
            let pages: Vec<Value> = d
                .pages
                .iter()
                .enumerate()
                .map(|(i, p)| match p {
                    None => Value::Null,
                    Some(p) => json!({
                        "page": i, "size": p.bytes.len(), "sha256": p.sha256,
                        "format": p.format, "uploads": p.uploads,
                    }),
                })
                .collect();
            (
                name.clone(),
                json!({"doc_id": d.doc_id, "total_pages": d.total_pages, "complete": d.is_complete(), "pages": pages}),
            )
        })
        .collect();
    json!({
        "id": e.id,
        "status": e.status,
        "reason": e.reason,
        "process_uuid": e.process_uuid,
        "client_reference": e.client_reference,
        "selected_route": e.selected_route,
        "consent": e.consent,
        "documents": documents,
        "expected_data": e.expected_data,
        "finalize_count": e.finalize_count,
        "finalize_refused": e.finalize_refused,
        "callback_sequence": e.callback_sequence,
        "flow_requests": e.flow_requests,
    })
}

async fn list(axum::extract::State(sb): AppState) -> Json<Value> {
    let state = sb.lock();
    Json(json!({"enrollments": state.enrollments.values().map(summary).collect::<Vec<_>>()}))
}

fn find(sb: &Sandbox, id: &str) -> Result<Value, ApiError> {
    let id: u64 = id
        .parse()
        .map_err(|_| ApiError::not_found("unknown_enrollment", "No such enrollment."))?;
    sb.lock()
        .enrollments
        .get(&id)
        .map(summary)
        .ok_or_else(|| ApiError::not_found("unknown_enrollment", "No such enrollment."))
}

async fn one(
    axum::extract::State(sb): AppState,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    find(&sb, &id).map(Json)
}

#[derive(Deserialize, Default)]
struct CreateRequest {
    #[serde(default)]
    process: Option<String>,
    #[serde(default)]
    body: Option<Value>,
}

/// Test convenience: creates an enrollment without a token, so that browser tests never hold
/// one. Body (optional): `{"process": "<uuid>", "body": {creation body}}`. Answers the
/// creation JSON (with the api_key).
async fn create(
    axum::extract::State(sb): AppState,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(&headers, body, SMALL_BODY_LIMIT).await?;
    let request: CreateRequest = if bytes.is_empty() {
        CreateRequest::default()
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request("invalid_json", e.to_string()))?
    };
    let process = request
        .process
        .or_else(|| sb.config.processes.first().map(|p| p.uuid.clone()))
        .unwrap_or_default();
    let body = request.body.unwrap_or_else(|| {
        json!({
            "browser_callback_url": "http://127.0.0.1/done",
            "callback_endpoints": [{"url": "http://127.0.0.1:9/unused", "on": ["X"], "headers": []}],
        })
    });
    let now = sb.clock.now();
    let mut state = sb.lock();
    let e = state.create_enrollment(&sb.config, &process, &body, now)?;
    Ok(Json(e.creation_json(sb.base_url())).into_response())
}

/// Ends an enrollment as if the user gave up (`CANCELED`), sending the final callback.
async fn cancel(
    axum::extract::State(sb): AppState,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: u64 = id
        .parse()
        .map_err(|_| ApiError::not_found("unknown_enrollment", "No such enrollment."))?;
    let now = sb.clock.now();
    let event = {
        let mut state = sb.lock();
        let e = state
            .enrollments
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found("unknown_enrollment", "No such enrollment."))?;
        if e.status.is_final() {
            return Err(ApiError::conflict(
                "enrollment_finished",
                "The enrollment already ended.",
            ));
        }
        e.status = Status::Canceled;
        e.reason = Some("ERL_TIMEOUT".into());
        e.finished_time = Some(now);
        Event::final_status(e)
    };
    dispatch(&sb, event);
    find(&sb, &id.to_string()).map(Json)
}

fn rules_json(sb: &Sandbox) -> Json<Value> {
    let faults = sb.faults.lock().unwrap_or_else(|p| p.into_inner());
    Json(json!({"rules": faults.rules}))
}

async fn get_faults(axum::extract::State(sb): AppState) -> Json<Value> {
    rules_json(&sb)
}

/// Parses either `[rule, ...]`, `{"rules": [...]}` or a single rule object.
pub fn parse_rules(bytes: &[u8]) -> Result<Vec<FaultRule>, ApiError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request("invalid_json", e.to_string()))?;
    let list = match value {
        Value::Array(_) => value,
        Value::Object(ref o) if o.contains_key("rules") => {
            o.get("rules").cloned().unwrap_or(Value::Null)
        }
        Value::Object(_) => Value::Array(vec![value]),
        _ => Value::Null,
    };
    let rules: Vec<FaultRule> = serde_json::from_value(list)
        .map_err(|e| ApiError::bad_request("invalid_fault", e.to_string()))?;
    if let Some(r) = rules.iter().find(|r| !(0.0..=1.0).contains(&r.probability)) {
        return Err(ApiError::bad_request(
            "invalid_fault",
            format!("probability {} is not between 0 and 1", r.probability),
        ));
    }
    Ok(rules)
}

async fn put_faults(
    axum::extract::State(sb): AppState,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let rules = parse_rules(&read_body(&headers, body, SMALL_BODY_LIMIT).await?)?;
    sb.faults.lock().unwrap_or_else(|p| p.into_inner()).rules = rules;
    Ok(rules_json(&sb))
}

async fn add_fault(
    axum::extract::State(sb): AppState,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let rules = parse_rules(&read_body(&headers, body, SMALL_BODY_LIMIT).await?)?;
    sb.faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .rules
        .extend(rules);
    Ok(rules_json(&sb))
}

async fn clear_faults(axum::extract::State(sb): AppState) -> Json<Value> {
    sb.faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .rules
        .clear();
    rules_json(&sb)
}

#[derive(Deserialize)]
struct Advance {
    seconds: u64,
}

async fn advance_clock(
    axum::extract::State(sb): AppState,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let bytes = read_body(&headers, body, SMALL_BODY_LIMIT).await?;
    let advance: Advance = serde_json::from_slice(&bytes)
        .map_err(|_| ApiError::bad_request("invalid_body", "Send {\"seconds\": N}."))?;
    sb.clock.advance(Duration::from_secs(advance.seconds));
    Ok(Json(json!({"now": crate::clock::iso(sb.clock.now())})))
}

async fn callbacks(axum::extract::State(sb): AppState) -> Json<Value> {
    let state = sb.lock();
    Json(json!({"attempts": state.callback_log}))
}

async fn stats(axum::extract::State(sb): AppState) -> Json<Value> {
    let state = sb.lock();
    Json(json!({
        "login_count": state.login_count,
        "active_tokens": state.tokens.len(),
        "enrollments": state.enrollments.len(),
        "stored_bytes": state.stored_bytes,
        "faults_injected": state.faults_injected,
    }))
}

async fn reset(axum::extract::State(sb): AppState) -> StatusCode {
    sb.reset();
    StatusCode::NO_CONTENT
}

/// `GET /_sandbox/samples/{id_document|selfie|any}.{png|jpg}?width=&height=&pad_to=&...`:
/// a decodable test image carrying verdict hints. Hints come from `hints=<json>` or from the
/// fields `name`, `first_names` (comma-separated), `birth_date`, `gender`, `verdict`,
/// `status_code`, `face_match`, `liveness`.
async fn sample(
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let png = if file.ends_with(".png") {
        true
    } else if file.ends_with(".jpg") || file.ends_with(".jpeg") {
        false
    } else {
        return Err(ApiError::not_found(
            "unknown_sample",
            "Ask for a .png or .jpg sample.",
        ));
    };
    let selfie = file.starts_with("selfie");
    let number = |name: &str, default: u32| -> Result<u32, ApiError> {
        q.get(name).map_or(Ok(default), |v| {
            v.parse().map_err(|_| {
                ApiError::bad_request("invalid_query", format!("{name} must be an integer"))
            })
        })
    };
    let width = number("width", if selfie { 480 } else { 1000 })?;
    let height = number("height", if selfie { 640 } else { 630 })?;
    let pad_to = q
        .get("pad_to")
        .map(|v| v.parse::<usize>())
        .transpose()
        .map_err(|_| ApiError::bad_request("invalid_query", "pad_to must be an integer"))?;
    let hints = match q.get("hints") {
        Some(raw) => Some(raw.clone()),
        None => {
            let mut h = serde_json::Map::new();
            for key in ["name", "birth_date", "gender", "verdict", "status_code"] {
                if let Some(v) = q.get(key) {
                    h.insert(key.into(), json!(v));
                }
            }
            if let Some(v) = q.get("first_names") {
                h.insert(
                    "first_names".into(),
                    json!(v.split(',').map(str::trim).collect::<Vec<_>>()),
                );
            }
            for key in ["face_match", "liveness"] {
                if let Some(v) = q.get(key) {
                    h.insert(key.into(), json!(v == "true"));
                }
            }
            (!h.is_empty()).then(|| Value::Object(h).to_string())
        }
    };
    let exif_orientation = match q.get("exif_orientation").map(|v| v.parse::<u16>()) {
        None => None,
        Some(Ok(o)) if (1..=8).contains(&o) && !png => Some(o),
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "exif_orientation is 1 to 8, for .jpg samples",
            ))
        }
    };
    let spec = crate::samples::Sample {
        png,
        width,
        height,
        hints,
        pad_to,
        exif_orientation,
    };
    let bytes = tokio::task::spawn_blocking(move || crate::samples::render(&spec))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "sample_failed",
                "Rendering failed.",
            )
        })?
        .map_err(|e| ApiError::bad_request("invalid_query", e))?;
    let mime = if png { "image/png" } else { "image/jpeg" };
    Ok(([(axum::http::header::CONTENT_TYPE, mime)], bytes).into_response())
}
