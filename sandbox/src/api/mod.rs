//! HTTP layer: routes, body reading with limits, CORS, request log.
//!
//! CORS covers the flow endpoints (called by browsers with `x-api-key`) and the `/_sandbox/`
//! admin endpoints (called by browser tests); the token endpoints get none, because a token
//! must never be in a browser.

pub mod admin;
pub mod flow;
pub mod token;

use crate::error::ApiError;
use crate::Sandbox;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::MethodRouter;
use axum::Router;
use bytes::Bytes;
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::Instant;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Shared state of every handler.
pub type AppState = State<Arc<Sandbox>>;

/// Largest JSON or text body of the non-upload endpoints.
pub const SMALL_BODY_LIMIT: usize = 64 * 1024;
/// An over-limit body up to this size is read and discarded before answering 413, so that
/// clients that send the whole body still see the answer; beyond it the connection is closed.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Reads and discards a request body of at most [`DRAIN_LIMIT`] bytes (declared or, without a
/// length, counted as it comes) before an error is answered. A server that answers an upload
/// without reading it closes the connection under a client still sending, and WebKit (libsoup)
/// then reports a network error instead of the status; Chromium and Firefox show the status.
pub async fn drain(headers: &HeaderMap, body: Body) {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT) {
        return;
    }
    let mut body = body;
    let mut read = 0usize;
    while let Some(Ok(frame)) = body.frame().await {
        read += frame.data_ref().map_or(0, |d| d.len());
        if read > DRAIN_LIMIT {
            return;
        }
    }
}

/// Reads a body, refusing (413 `payload_too_large`) more than `limit` bytes before buffering.
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The body is larger than {limit} bytes."),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        drain(headers, body).await;
        return Err(too_large());
    }
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(too_large())
        }
        Err(_) => Err(ApiError::bad_request(
            "body_unreadable",
            "The request body could not be read.",
        )),
    }
}

/// Registers `path` with and without its trailing slash (ID360's guide uses both forms).
fn both(
    router: Router<Arc<Sandbox>>,
    path: &str,
    method: MethodRouter<Arc<Sandbox>>,
) -> Router<Arc<Sandbox>> {
    let trimmed = path.trim_end_matches('/');
    let slashed = format!("{trimmed}/");
    router
        .route(trimmed, method.clone())
        .route(&slashed, method)
}

fn cors(sandbox: &Sandbox) -> CorsLayer {
    let origins = &sandbox.config.allowed_origins;
    let allow = if origins.is_empty() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([
            HeaderName::from_static("x-api-key"),
            header::CONTENT_TYPE,
            header::ACCEPT,
        ])
        .expose_headers([header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600))
}

async fn log_requests(State(sandbox): AppState, request: Request, next: Next) -> Response {
    if !sandbox.config.log_requests {
        return next.run(request).await;
    }
    // Method and path only: secrets travel in headers, never in the request line.
    let line = format!("{} {}", request.method(), request.uri());
    let started = Instant::now();
    let response = next.run(request).await;
    eprintln!(
        "{line} -> {} ({} ms)",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    response
}

/// The whole API.
pub fn router(sandbox: Arc<Sandbox>) -> Router {
    use axum::routing::{get, post};
    let mut token_routes = Router::new();
    token_routes = both(token_routes, "/api/1.0.0/user/login/", post(token::login));
    token_routes = both(token_routes, "/api/1.0.0/user/whoami", get(token::whoami));
    token_routes = both(
        token_routes,
        "/api/1.0.0/process/{uuid}/enrollment/",
        post(token::create_enrollment),
    );
    token_routes = both(
        token_routes,
        "/api/1.0.0/enrollment/{id}/control/data/{data_name}/",
        post(token::control_data),
    );
    token_routes = both(
        token_routes,
        "/api/1.0.0/enrollment/{id}/report",
        get(token::report),
    );
    token_routes = both(
        token_routes,
        "/api/1.0.0/document/{doc_id}/file_contents/",
        get(token::file_contents),
    );

    let mut flow_routes = Router::new();
    flow_routes = both(
        flow_routes,
        "/api/1.0.0/enrollment/flow/enrollment_info/",
        get(flow::enrollment_info),
    );
    flow_routes = both(
        flow_routes,
        "/api/1.0.0/enrollment/flow/route/{route_id}/select/",
        post(flow::select_route),
    );
    flow_routes = both(
        flow_routes,
        "/api/1.0.0/enrollment/flow/consent/",
        post(flow::consent),
    );
    flow_routes = both(
        flow_routes,
        "/api/1.0.0/enrollment/flow/document/{document_name}/",
        post(flow::upload),
    );
    flow_routes = both(
        flow_routes,
        "/api/1.0.0/enrollment/flow/finalize_enrollment",
        post(flow::finalize),
    );

    // Faults inside CORS, so an injected error still reaches the page as an HTTP answer.
    let faults = middleware::from_fn_with_state(Arc::clone(&sandbox), crate::faults::inject);
    Router::new()
        .merge(token_routes.layer(faults.clone()))
        .merge(flow_routes.layer(faults).layer(cors(&sandbox)))
        .merge(admin::routes().layer(cors(&sandbox)))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&sandbox),
            log_requests,
        ))
        .with_state(sandbox)
}

async fn not_found() -> ApiError {
    ApiError::not_found(
        "not_found",
        "No such endpoint: see the sandbox README for the list.",
    )
}
