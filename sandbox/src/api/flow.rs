//! Flow handlers (`x-api-key`, CORS-enabled).

use super::{drain, read_body, AppState};
use crate::callbacks::{dispatch, Event};
use crate::config::MAX_PAGE_BYTES;
use crate::error::ApiError;
use crate::flow::{parse_bool, parse_slot};
use crate::verdict::{evaluate, VerdictInput};
use crate::Sandbox;
use axum::body::Body;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;
use std::sync::Arc;

fn api_key(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-api-key").and_then(|v| v.to_str().ok())
}

/// Authenticates the api_key, sends the NEW → STARTED callback if this is the first call.
fn enter(sb: &Arc<Sandbox>, headers: &HeaderMap, allow_finished: bool) -> Result<u64, ApiError> {
    let now = sb.clock.now();
    let (id, event) = sb
        .lock()
        .flow_enrollment(api_key(headers), allow_finished, now)?;
    if let Some(event) = event {
        dispatch(sb, event);
    }
    Ok(id)
}

fn send(sb: &Arc<Sandbox>, event: Option<Event>) {
    if let Some(event) = event {
        dispatch(sb, event);
    }
}

/// `GET enrollment/flow/enrollment_info/`.
pub async fn enrollment_info(
    axum::extract::State(sb): AppState,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = enter(&sb, &headers, true)?;
    let info = sb.lock().enrollment_info(&sb.config, id)?;
    Ok(Json(info).into_response())
}

/// `POST enrollment/flow/route/{route_id}/select/`.
pub async fn select_route(
    axum::extract::State(sb): AppState,
    Path(route_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = enter(&sb, &headers, false)?;
    let event = sb.lock().select_route(&sb.config, id, &route_id)?;
    send(&sb, event);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST enrollment/flow/consent/?accepted_cgu=true&accepted_biometry=true`.
pub async fn consent(
    axum::extract::State(sb): AppState,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = enter(&sb, &headers, false)?;
    let cgu = parse_bool(
        "accepted_cgu",
        query.get("accepted_cgu").map(String::as_str),
    )?;
    let biometry = parse_bool(
        "accepted_biometry",
        query.get("accepted_biometry").map(String::as_str),
    )?;
    let event = sb.lock().consent(id, cgu, biometry)?;
    send(&sb, event);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST enrollment/flow/document/{document_name}/?total_pages=N&uploaded_page=I`, raw bytes.
pub async fn upload(
    axum::extract::State(sb): AppState,
    Path(document): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    // Refuse what the state refuses before buffering the body, but read it (and discard it)
    // before answering, as servers do: see `drain`.
    let checked = (|| {
        let id = enter(&sb, &headers, false)?;
        let slot = parse_slot(
            query.get("total_pages").map(String::as_str),
            query.get("uploaded_page").map(String::as_str),
        )?;
        sb.lock().check_upload(&sb.config, id, &document, slot)?;
        Ok::<_, ApiError>((id, slot))
    })();
    let (id, slot) = match checked {
        Ok(v) => v,
        Err(e) => {
            drain(&headers, body).await;
            return Err(e);
        }
    };
    let bytes = read_body(&headers, body, MAX_PAGE_BYTES).await?;
    let now = sb.clock.now();
    let event = sb
        .lock()
        .store_page(&sb.config, id, &document, slot, bytes, now)?;
    send(&sb, event);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST enrollment/flow/finalize_enrollment`: accepted once; the verdict follows
/// asynchronously after the configured delay.
pub async fn finalize(
    axum::extract::State(sb): AppState,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = enter(&sb, &headers, false)?;
    let event = sb.lock().finalize(&sb.config, id)?;
    dispatch(&sb, event);
    schedule_verdict(Arc::clone(&sb), id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Runs the verification engines after `verdict_delay`, stores the verdict and sends the final
/// callback.
pub fn schedule_verdict(sb: Arc<Sandbox>, id: u64) {
    tokio::spawn(async move {
        tokio::time::sleep(sb.config.verdict_delay).await;
        let input = {
            let state = sb.lock();
            let Some(e) = state.enrollments.get(&id) else {
                return;
            };
            if e.status.is_final() {
                return; // canceled meanwhile
            }
            VerdictInput {
                documents: e
                    .documents
                    .iter()
                    .map(|(name, d)| (name.clone(), d.pages.iter().flatten().cloned().collect()))
                    .collect(),
                expected: e
                    .expected_data
                    .iter()
                    .map(|(k, v)| (k.clone(), v.value.clone()))
                    .collect(),
                process_expected: sb
                    .config
                    .process(&e.process_uuid)
                    .map(|p| p.expected_data.clone())
                    .unwrap_or_default(),
            }
        };
        let Ok(verdict) = tokio::task::spawn_blocking(move || evaluate(&input)).await else {
            return;
        };
        let now = sb.clock.now();
        let event = {
            let mut state = sb.lock();
            let Some(e) = state.enrollments.get_mut(&id) else {
                return;
            };
            if e.status.is_final() {
                return;
            }
            e.status = verdict.status;
            e.reason = verdict.reason.clone();
            e.finished_time = Some(now);
            e.verdict = Some(verdict);
            Event::final_status(e)
        };
        dispatch(&sb, event);
    });
}
