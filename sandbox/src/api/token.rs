//! Token-side handlers (server-to-server; no CORS).

use super::{read_body, AppState, SMALL_BODY_LIMIT};
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request("invalid_json", format!("The body is not valid JSON: {e}"))
    })
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

/// `POST user/login/`.
pub async fn login(
    axum::extract::State(sb): AppState,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(&headers, body, SMALL_BODY_LIMIT).await?;
    let creds: Credentials = serde_json::from_value(parse_json(&bytes)?).map_err(|_| {
        ApiError::bad_request(
            "invalid_body",
            "Send {\"username\": ..., \"password\": ...}.",
        )
    })?;
    let now = sb.clock.now();
    let token = sb
        .lock()
        .login(&sb.config, &creds.username, &creds.password, now)?;
    Ok(Json(json!({ "token": token })).into_response())
}

/// `GET user/whoami`.
pub async fn whoami(
    axum::extract::State(sb): AppState,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let now = sb.clock.now();
    let user = sb
        .lock()
        .authenticate(&sb.config, authorization(&headers), now)?;
    Ok(Json(json!({ "username": user, "type": "application" })).into_response())
}

/// `POST process/{uuid}/enrollment/`.
pub async fn create_enrollment(
    axum::extract::State(sb): AppState,
    Path(uuid): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let now = sb.clock.now();
    sb.lock()
        .authenticate(&sb.config, authorization(&headers), now)?;
    let bytes = read_body(&headers, body, SMALL_BODY_LIMIT).await?;
    let value = parse_json(&bytes)?;
    let mut state = sb.lock();
    let enrollment = state.create_enrollment(&sb.config, &uuid, &value, now)?;
    Ok(Json(enrollment.creation_json(sb.base_url())).into_response())
}

/// `POST enrollment/{id}/control/data/{data_name}/?locked=true` with the raw value.
pub async fn control_data(
    axum::extract::State(sb): AppState,
    Path((id, data_name)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let now = sb.clock.now();
    sb.lock()
        .authenticate(&sb.config, authorization(&headers), now)?;
    let id = parse_id(&id)?;
    let locked = crate::flow::parse_bool("locked", query.get("locked").map(String::as_str))?
        .unwrap_or(false);
    let bytes = read_body(&headers, body, SMALL_BODY_LIMIT).await?;
    let value = std::str::from_utf8(&bytes)
        .map_err(|_| ApiError::bad_request("invalid_value", "The value must be UTF-8 text."))?;
    sb.lock().control_data(id, &data_name, value, locked)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn parse_id(id: &str) -> Result<u64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::not_found("unknown_enrollment", format!("No enrollment {id}.")))
}

/// `GET enrollment/{id}/report[?allow_draft=true]`.
pub async fn report(
    axum::extract::State(sb): AppState,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let now = sb.clock.now();
    let mut state = sb.lock();
    state.authenticate(&sb.config, authorization(&headers), now)?;
    let id = parse_id(&id)?;
    let allow_draft =
        crate::flow::parse_bool("allow_draft", query.get("allow_draft").map(String::as_str))?
            .unwrap_or(false);
    let e = state
        .enrollments
        .get(&id)
        .ok_or_else(|| ApiError::not_found("unknown_enrollment", format!("No enrollment {id}.")))?;
    let process = sb.config.process(&e.process_uuid).ok_or_else(|| {
        ApiError::not_found("unknown_process", "The enrollment's process is gone.")
    })?;
    let report = crate::report::build(e, process, sb.base_url(), allow_draft, now)?;
    Ok(Json(report).into_response())
}

/// `GET document/{doc_id}/file_contents/?page_number=N`.
pub async fn file_contents(
    axum::extract::State(sb): AppState,
    Path(doc_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let now = sb.clock.now();
    let mut state = sb.lock();
    state.authenticate(&sb.config, authorization(&headers), now)?;
    let not_found = || ApiError::not_found("unknown_document", "No such document or page.");
    let doc_id: u64 = doc_id.parse().map_err(|_| not_found())?;
    let page_number: u32 = match query.get("page_number") {
        None => 0,
        Some(p) => p.parse().map_err(|_| {
            ApiError::bad_request(
                "invalid_query",
                "page_number must be a non-negative integer.",
            )
        })?,
    };
    let page = state.file_contents(doc_id, page_number)?;
    Ok(([(header::CONTENT_TYPE, page.format.mime())], page.bytes).into_response())
}
