//! Switchable faults: added latency, error answers (5xx, 429 with Retry-After), dropped
//! connections, malformed or unexpected bodies, redirects, stalls. Set at start (`--faults`) or
//! at run time through `PUT /_sandbox/faults`; each rule may fire with a probability and/or only
//! for the next `times` matching requests, so tests are deterministic.

use crate::error::ApiError;
use crate::Sandbox;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// What a rule does to a matching request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Sleep `latency_ms` (or a random time up to `latency_max_ms`), then answer normally.
    Latency,
    /// Answer `status` (default 503) with a JSON error; `Retry-After` when `retry_after_secs`
    /// is set (429 defaults to 1 s).
    Status,
    /// Close the connection without an answer.
    Drop,
    /// 200 with a truncated JSON body.
    Malformed,
    /// `status` (default 502) with an HTML error page, as a proxy would.
    Html,
    /// 200 with JSON of an unexpected shape.
    WrongShape,
    /// 302 to `/_sandbox/redirected`; or, with `to_origin`, `status` (default 302) to the same
    /// path and query on that origin (a proxy sending the request elsewhere).
    Redirect,
    /// 200 with an 8 MB JSON body.
    Oversized,
    /// No answer for `latency_ms` (default 10 minutes), then 504.
    Stall,
}

/// One fault rule.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FaultRule {
    /// Endpoint name (see [`endpoint_name`]), `flow` for every flow call, `token` for every
    /// token call, or `*`.
    #[serde(default = "any_endpoint")]
    pub endpoint: String,
    /// What happens.
    pub kind: FaultKind,
    /// Status for `status` / `html`.
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` seconds for `status`.
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
    /// Fixed delay for `latency` / `stall`.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Random delay bound for `latency`.
    #[serde(default)]
    pub latency_max_ms: Option<u64>,
    /// Chance that the rule fires on a matching request (default 1).
    #[serde(default = "always")]
    pub probability: f64,
    /// Fire only on the next N matching requests (None = no limit).
    #[serde(default)]
    pub times: Option<u32>,
    /// Let the first N matching requests through before the rule starts firing (to fail, say,
    /// the second page of a document).
    #[serde(default)]
    pub skip: u32,
    /// For `status` and `drop`: let the request take effect first, then fail the answer (the
    /// case of a response lost on the way back).
    #[serde(default)]
    pub after_handler: bool,
    /// For `redirect`: the origin (`http://localhost:8361`) the request is sent on to.
    #[serde(default)]
    pub to_origin: Option<String>,
}

fn any_endpoint() -> String {
    "*".to_string()
}
fn always() -> f64 {
    1.0
}

/// The fault injector: its rules and its random source.
#[derive(Debug)]
pub struct Faults {
    /// Rules, checked in order.
    pub rules: Vec<FaultRule>,
    rng: StdRng,
}

impl Faults {
    /// An injector with no rules.
    pub fn new(seed: Option<u64>) -> Self {
        Faults {
            rules: Vec::new(),
            rng: seed.map_or_else(|| StdRng::from_rng(&mut rand::rng()), StdRng::seed_from_u64),
        }
    }

    /// The rules that fire for this request: any number of latencies, then at most one other.
    fn draw(&mut self, endpoint: &str) -> (Duration, Option<FaultRule>) {
        let mut delay = Duration::ZERO;
        let mut decisive = None;
        for rule in &mut self.rules {
            let matches = rule.endpoint == "*"
                || rule.endpoint == endpoint
                || (rule.endpoint == "flow" && FLOW_ENDPOINTS.contains(&endpoint))
                || (rule.endpoint == "token" && TOKEN_ENDPOINTS.contains(&endpoint));
            if !matches
                || rule.times == Some(0)
                || (decisive.is_some() && rule.kind != FaultKind::Latency)
            {
                continue;
            }
            if rule.skip > 0 {
                rule.skip -= 1;
                continue;
            }
            if rule.probability < 1.0 && self.rng.random::<f64>() >= rule.probability {
                continue;
            }
            if let Some(t) = rule.times.as_mut() {
                *t -= 1;
            }
            if rule.kind == FaultKind::Latency {
                let ms = match (rule.latency_ms, rule.latency_max_ms) {
                    (_, Some(max)) if max > 0 => self.rng.random_range(0..=max),
                    (Some(ms), _) => ms,
                    _ => 0,
                };
                delay += Duration::from_millis(ms);
            } else {
                decisive = Some(rule.clone());
            }
        }
        (delay, decisive)
    }
}

/// Flow endpoint names.
pub const FLOW_ENDPOINTS: [&str; 6] = [
    "enrollment_info",
    "route_select",
    "consent",
    "upload",
    "finalize",
    "flow_other",
];
/// Token endpoint names.
pub const TOKEN_ENDPOINTS: [&str; 6] = [
    "login",
    "whoami",
    "create_enrollment",
    "control_data",
    "report",
    "file_contents",
];

/// The endpoint a request is for, as fault rules name it.
pub fn endpoint_name(method: &Method, path: &str) -> &'static str {
    let Some(rest) = path.strip_prefix("/api/1.0.0/") else {
        return "other";
    };
    if let Some(flow) = rest.strip_prefix("enrollment/flow/") {
        return if flow.starts_with("enrollment_info") {
            "enrollment_info"
        } else if flow.starts_with("route/") {
            "route_select"
        } else if flow.starts_with("consent") {
            "consent"
        } else if flow.starts_with("document/") {
            "upload"
        } else if flow.starts_with("finalize_enrollment") {
            "finalize"
        } else {
            "flow_other"
        };
    }
    if rest.starts_with("user/login") {
        "login"
    } else if rest.starts_with("user/whoami") {
        "whoami"
    } else if rest.starts_with("process/") && method == Method::POST {
        "create_enrollment"
    } else if rest.contains("/control/data/") {
        "control_data"
    } else if rest.ends_with("/report") || rest.contains("/report/") {
        "report"
    } else if rest.starts_with("document/") {
        "file_contents"
    } else {
        "other"
    }
}

/// Marker put in a response's extensions: the server closes the connection instead of
/// answering.
#[derive(Clone, Copy, Debug)]
pub struct DropConnection;

fn dropped() -> Response {
    let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    r.extensions_mut().insert(DropConnection);
    r
}

fn fault_response(rule: &FaultRule, path_and_query: &str) -> Response {
    let status = |default: StatusCode| {
        rule.status
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(default)
    };
    match rule.kind {
        FaultKind::Latency => StatusCode::OK.into_response(), // never decisive
        FaultKind::Status => {
            let status = status(StatusCode::SERVICE_UNAVAILABLE);
            let mut e = ApiError::new(status, "injected_fault", "Fault injected by the sandbox.");
            let retry = rule.retry_after_secs.or((status == StatusCode::TOO_MANY_REQUESTS).then_some(1));
            if let Some(s) = retry {
                e = e.with_retry_after(s);
            }
            e.into_response()
        }
        FaultKind::Drop => dropped(),
        FaultKind::Malformed => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"routes\": [{\"id\": 2751",
        )
            .into_response(),
        FaultKind::Html => (
            status(StatusCode::BAD_GATEWAY),
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>",
        )
            .into_response(),
        FaultKind::WrongShape => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"unexpected": "shape", "routes": "not-a-list"})),
        )
            .into_response(),
        FaultKind::Redirect => {
            let mut r = status(StatusCode::FOUND).into_response();
            let to = match &rule.to_origin {
                Some(origin) => HeaderValue::from_str(&format!("{origin}{path_and_query}")).ok(),
                None => Some(HeaderValue::from_static("/_sandbox/redirected")),
            };
            if let Some(to) = to {
                r.headers_mut().insert(header::LOCATION, to);
            }
            r
        }
        FaultKind::Oversized => {
            let mut body = String::with_capacity(8 * 1024 * 1024 + 16);
            body.push_str("{\"padding\":\"");
            body.push_str(&"x".repeat(8 * 1024 * 1024));
            body.push_str("\"}");
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], Body::from(body)).into_response()
        }
        FaultKind::Stall => StatusCode::GATEWAY_TIMEOUT.into_response(),
    }
}

/// Middleware applying the fault rules to API requests (never to `/_sandbox/` admin calls).
pub async fn inject(State(sandbox): State<Arc<Sandbox>>, request: Request, next: Next) -> Response {
    let endpoint = endpoint_name(request.method(), request.uri().path());
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("", |p| p.as_str())
        .to_string();
    if endpoint == "other" || request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let (delay, rule) = {
        let mut faults = sandbox.faults.lock().unwrap_or_else(|p| p.into_inner());
        faults.draw(endpoint)
    };
    if let Some(rule) = &rule {
        {
            let mut state = sandbox.lock();
            *state
                .faults_injected
                .entry(endpoint.to_string())
                .or_default() += 1;
        }
        if rule.kind == FaultKind::Stall {
            let ms = rule.latency_ms.unwrap_or(600_000);
            tokio::time::sleep(delay + Duration::from_millis(ms)).await;
            return fault_response(rule, &path_and_query);
        }
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match rule {
        None => next.run(request).await,
        Some(rule) if rule.after_handler => {
            let _ = next.run(request).await;
            fault_response(&rule, &path_and_query)
        }
        Some(rule) if rule.kind == FaultKind::Drop => fault_response(&rule, &path_and_query),
        Some(rule) => {
            // an answering server reads the request first (see `drain`)
            let (parts, body) = request.into_parts();
            crate::api::drain(&parts.headers, body).await;
            fault_response(&rule, &path_and_query)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_named_from_their_paths() {
        let post = Method::POST;
        assert_eq!(
            endpoint_name(
                &post,
                "/api/1.0.0/enrollment/flow/document/id_document_image/"
            ),
            "upload"
        );
        assert_eq!(
            endpoint_name(&post, "/api/1.0.0/enrollment/flow/finalize_enrollment"),
            "finalize"
        );
        assert_eq!(
            endpoint_name(&Method::GET, "/api/1.0.0/enrollment/flow/enrollment_info/"),
            "enrollment_info"
        );
        assert_eq!(
            endpoint_name(&post, "/api/1.0.0/enrollment/flow/route/275128/select/"),
            "route_select"
        );
        assert_eq!(endpoint_name(&post, "/api/1.0.0/user/login/"), "login");
        assert_eq!(
            endpoint_name(&post, "/api/1.0.0/process/abc/enrollment/"),
            "create_enrollment"
        );
        assert_eq!(
            endpoint_name(&post, "/api/1.0.0/enrollment/12/control/data/name/"),
            "control_data"
        );
        assert_eq!(
            endpoint_name(&Method::GET, "/api/1.0.0/enrollment/12/report"),
            "report"
        );
        assert_eq!(endpoint_name(&Method::GET, "/_sandbox/faults"), "other");
    }

    #[test]
    fn a_rule_limited_in_times_stops_firing() {
        let mut f = Faults::new(Some(1));
        f.rules.push(FaultRule {
            endpoint: "upload".into(),
            kind: FaultKind::Status,
            status: Some(503),
            retry_after_secs: None,
            latency_ms: None,
            latency_max_ms: None,
            probability: 1.0,
            times: Some(2),
            skip: 1,
            after_handler: false,
            to_origin: None,
        });
        assert!(f.draw("upload").1.is_none(), "skipped");
        assert!(f.draw("upload").1.is_some());
        assert!(f.draw("finalize").1.is_none());
        assert!(f.draw("upload").1.is_some());
        assert!(f.draw("upload").1.is_none());
    }
}
