//! The demo's integrator server: creates enrollments with its token (which never leaves it),
//! receives ID360's callbacks, pushes statuses to the page (Server-Sent Events), fetches the
//! report after a final status and serves a summary, serves the page and the wasm package,
//! and optionally proxies the flow endpoints on its own origin.
#![deny(missing_docs)]

pub mod id360;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use futures_util::stream::{self, Stream, StreamExt};
use id360::Id360;
use rand::Rng;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use subtle::ConstantTimeEq;
use tokio::sync::broadcast;
use tokio::time::Instant;
use tower_http::services::ServeDir;

/// Everything the demo server is configured with (its `Debug` leaves out the password and the
/// callback secret: a `dbg!` or a log of it must not print them).
#[derive(Clone)]
pub struct Config {
    /// ID360's base URL (the sandbox by default).
    pub id360_url: String,
    /// Application username.
    pub username: String,
    /// Application password.
    pub password: String,
    /// Process UUID enrollments are created in.
    pub process: String,
    /// URL this server is reached at (callbacks and "continue on another device" links).
    pub public_url: String,
    /// Serve `/api/1.0.0/enrollment/flow/` on this origin and tell the page to use it.
    pub proxy: bool,
    /// The page.
    pub static_dir: PathBuf,
    /// The built wasm package (served at `/pkg/`).
    pub pkg_dir: PathBuf,
    /// Keep-alive period of the token (ID360: every 13 minutes).
    pub keep_alive: Duration,
    /// How long to poll the report when no final callback comes.
    pub report_poll_for: Duration,
    /// The secret header value ID360 sends back with callbacks (random when None).
    pub callback_secret: Option<String>,
    /// After a refused login, how long before the next one is tried (at least; longer when
    /// ID360's 429 says so). Meanwhile enrollment creation fails at once with the same error.
    pub login_backoff: Duration,
    /// How long an enrollment is remembered after its result (then its pages answer
    /// `unknown_enrollment`); one with no news for a day is forgotten too.
    pub forget_after: Duration,
    /// Enrollments remembered at most: creation answers `503 busy` beyond (memory stays
    /// bounded whoever calls).
    pub max_enrollments: usize,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("id360_url", &self.id360_url)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("process", &self.process)
            .field("public_url", &self.public_url)
            .field("proxy", &self.proxy)
            .field(
                "callback_secret",
                &self.callback_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("login_backoff", &self.login_backoff)
            .field("forget_after", &self.forget_after)
            .field("max_enrollments", &self.max_enrollments)
            .finish_non_exhaustive()
    }
}

/// What the page is told about one enrollment.
#[derive(Debug, Clone)]
struct Tracked {
    /// A random handle given to the page that created the enrollment: the pages about it
    /// (`/demo/enrollments/{id}/{handle}/…`) need it, so an id (sequential, guessable) alone
    /// reads nobody's verdict or identity.
    handle: String,
    /// The random last segment of its callback URL (`/demo/callbacks/{token}`): a callback
    /// names its enrollment by where it is sent, as ID360's documented payload (`status`,
    /// `steps_status`, `enrollment_step`) carries no id.
    callback: String,
    /// Whether a report poller runs for it (one at most, however often the page says
    /// `finalized`).
    polling: bool,
    status: String,
    /// Steps done by the last intermediate callback applied (`steps_status.done`): an older
    /// one, arriving late (callbacks are retried), shows fewer and is dropped.
    done: u64,
    steps: Value,
    result: Option<Value>,
    fetching: bool,
    events: broadcast::Sender<(String, Value)>,
    /// Last news of it (creation, a callback): one with none for a day is forgotten.
    touched: Instant,
    /// When its result came: forgotten `forget_after` later.
    ended: Option<Instant>,
}

/// Shared server state.
pub struct Demo {
    config: Config,
    id360: Id360,
    http: reqwest::Client,
    callback_secret: String,
    enrollments: Mutex<HashMap<u64, Tracked>>,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("id360", &self.id360)
            .finish_non_exhaustive()
    }
}

fn random_hex(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

fn error(status: StatusCode, code: &str, detail: impl Into<String>) -> Response {
    (status, Json(json!({"code": code, "detail": detail.into()}))).into_response()
}

const FINAL: [&str; 5] = ["OK", "KO", "FAILED", "CANCELED", "DISCONTINUED"];

/// An enrollment with no news for this long is forgotten.
const IDLE_FOR: Duration = Duration::from_secs(24 * 3600);

impl Demo {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Tracked>> {
        self.enrollments.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets the enrollments whose result came `forget_after` ago, and those with no news
    /// for a day (a page left half-way).
    fn forget_old(&self) {
        let (after, idle) = (self.config.forget_after, IDLE_FOR);
        self.lock().retain(|_, t| match t.ended {
            Some(ended) => ended.elapsed() < after,
            None => t.touched.elapsed() < idle,
        });
    }

    fn page_base_url(&self) -> String {
        if self.config.proxy {
            self.config.public_url.clone()
        } else {
            self.id360.base.clone()
        }
    }
}

/// The report boiled down to what the page shows: verdict, reasons, identity.
pub fn summarize(report: &Value) -> Value {
    let problems: Vec<Value> = report
        .get("status_codes")
        .and_then(Value::as_array)
        .map(|codes| {
            codes
                .iter()
                .map(|c| {
                    json!({
                        "code": c.pointer("/status_code/code"),
                        "message": c.pointer("/status_code/message"),
                        "where": c.get("where"),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let identity = report.get("identity").filter(|i| i.is_object()).map(|i| {
        json!({
            "name": i.get("name"),
            "firstNames": i.get("first_names"),
            "birthDate": i.get("birth_date"),
            "gender": i.get("gender"),
        })
    });
    json!({
        "status": report.get("status"),
        "reason": report.get("reason"),
        "identity": identity,
        "problems": problems,
        "level": report.get("level"),
    })
}

/// Starts the server on `addr`; returns the bound address.
pub async fn start(
    config: Config,
    addr: SocketAddr,
) -> std::io::Result<(SocketAddr, Arc<Demo>, tokio::task::JoinHandle<()>)> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let mut config = config;
    if config.public_url.is_empty() {
        config.public_url = format!("http://{local}");
    }
    let demo = Arc::new(Demo {
        id360: Id360::new(
            http.clone(),
            &config.id360_url,
            &config.username,
            &config.password,
            config.login_backoff,
        ),
        callback_secret: config
            .callback_secret
            .clone()
            .unwrap_or_else(|| random_hex(32)),
        http,
        enrollments: Mutex::new(HashMap::new()),
        config,
    });
    let keeper = Arc::clone(&demo);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(keeper.config.keep_alive);
        every.tick().await;
        loop {
            every.tick().await;
            keeper.id360.keep_alive().await;
        }
    });
    let sweeper = Arc::downgrade(&demo);
    let every =
        (demo.config.forget_after / 4).clamp(Duration::from_millis(50), Duration::from_secs(60));
    tokio::spawn(async move {
        let mut every = tokio::time::interval(every);
        loop {
            every.tick().await;
            match sweeper.upgrade() {
                Some(demo) => demo.forget_old(),
                None => return,
            }
        }
    });
    let app = router(Arc::clone(&demo));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((local, demo, task))
}

fn router(demo: Arc<Demo>) -> Router {
    let static_dir = ServeDir::new(&demo.config.static_dir);
    let pkg_dir = ServeDir::new(&demo.config.pkg_dir);
    let mut app = Router::new()
        .route("/demo/enrollments", post(create))
        .route("/demo/config", get(config))
        .route("/demo/enrollments/{id}/{handle}", get(status))
        .route("/demo/enrollments/{id}/{handle}/events", get(events))
        .route("/demo/enrollments/{id}/{handle}/result", get(result))
        .route("/demo/enrollments/{id}/{handle}/finalized", post(finalized))
        .route("/demo/callbacks/{token}", post(callback))
        .route("/demo/qr", post(qr))
        .route("/demo/stats", get(stats));
    if demo.config.proxy {
        app = app.route("/api/1.0.0/enrollment/flow/{*rest}", any(proxy));
    }
    app.nest_service("/pkg", pkg_dir)
        .fallback_service(static_dir)
        .layer(axum::middleware::from_fn_with_state(
            content_security_policy(&demo),
            security_headers,
        ))
        .with_state(demo)
}

/// `GET /demo/config` → `{ baseUrl }`: where the page sends the flow (a hand-off link carries
/// no address: a crafted one would send the documents elsewhere).
async fn config(State(demo): State<Arc<Demo>>) -> Json<Value> {
    Json(json!({"baseUrl": demo.page_base_url()}))
}

/// The enrollment `id` when `handle` is the one given for it.
fn owned(demo: &Demo, id: u64, handle: &str) -> bool {
    demo.lock()
        .get(&id)
        .is_some_and(|t| bool::from(t.handle.as_bytes().ct_eq(handle.as_bytes())))
}

fn unknown() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "unknown_enrollment",
        "not created by this server for this page",
    )
}

/// The CSP the README recommends: requests to this server and to the one ID360 origin the page
/// uses, nothing else (made once, when the routes are).
fn content_security_policy(demo: &Demo) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' {}; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; style-src 'self'; frame-ancestors 'none'",
        demo.page_base_url()
    ))
    .ok()
}

/// The CSP and the usual hardening headers, on everything the demo serves.
async fn security_headers(
    State(csp): State<Option<HeaderValue>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if let Some(csp) = csp {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(self)"),
    );
    response
}

/// Whether a browser's request comes from a page of this server: its `Origin` (sent with
/// every cross-origin POST) names the host it asked for, or the public URL. Requests with no
/// `Origin` (not from a page: curl, a server) pass.
fn same_origin(demo: &Demo, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    // a URL's scheme and `host[:port]`
    let parts = |url: &str| {
        let (scheme, rest) = url.split_once("://")?;
        Some((scheme.to_string(), rest.split('/').next()?.to_string()))
    };
    let origin = origin.to_str().unwrap_or_default();
    let public = parts(&demo.config.public_url).map(|(s, h)| format!("{s}://{h}"));
    if public.as_deref() == Some(origin) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    host.is_some() && parts(origin).map(|(_, h)| h).as_deref() == host
}

/// `POST /demo/enrollments` → `{ enrollmentId, apiKey, baseUrl }` (never the token). Refused
/// to pages of other sites (each creation is an enrollment on the bank's ID360 account), and
/// beyond `max_enrollments` remembered.
async fn create(State(demo): State<Arc<Demo>>, headers: HeaderMap) -> Response {
    if !same_origin(&demo, &headers) {
        return error(
            StatusCode::FORBIDDEN,
            "cross_origin",
            "enrollments are created only from this server's own page",
        );
    }
    if demo.lock().len() >= demo.config.max_enrollments {
        demo.forget_old();
        if demo.lock().len() >= demo.config.max_enrollments {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "too many enrollments in progress: try again later",
            );
        }
    }
    let token = random_hex(32);
    let callback = format!("{}/demo/callbacks/{token}", demo.config.public_url);
    let body = json!({
        "browser_callback_url": format!("{}/", demo.config.public_url),
        "client_reference": format!("demo-{}", random_hex(8)),
        "callback_endpoints": [{
            "url": callback,
            "on": [],
            "headers": [{"name": "X-Demo-Secret", "value": demo.callback_secret}],
        }],
    });
    let created = match demo
        .id360
        .create_enrollment(&demo.config.process, &body)
        .await
    {
        Ok(c) => c,
        Err(e) => return error(StatusCode::BAD_GATEWAY, "id360_error", e.to_string()),
    };
    let (Some(id), Some(api_key)) = (
        created.get("id").and_then(Value::as_u64),
        created.get("api_key").and_then(Value::as_str),
    ) else {
        return error(
            StatusCode::BAD_GATEWAY,
            "id360_error",
            "ID360's answer lacks id or api_key",
        );
    };
    let (tx, _) = broadcast::channel(64);
    let handle = random_hex(32);
    demo.lock().insert(
        id,
        Tracked {
            handle: handle.clone(),
            callback: token,
            polling: false,
            status: created
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("NEW")
                .to_string(),
            done: 0,
            steps: Value::Null,
            result: None,
            fetching: false,
            events: tx,
            touched: Instant::now(),
            ended: None,
        },
    );
    let mut r = Json(json!({"enrollmentId": id, "handle": handle, "apiKey": api_key, "baseUrl": demo.page_base_url()}))
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `POST /demo/callbacks/{token}`: checks the secret header, finds the enrollment by the
/// token its callback URL was given, drops stale callbacks (they are retried, so they may
/// arrive out of order: a final status is never replaced, and an intermediate one showing fewer
/// steps done than the last applied is dropped), and after a final status fetches the report.
/// Only documented fields are read: `status` and `steps_status`.
async fn callback(
    State(demo): State<Arc<Demo>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Json(payload): Json<Value>,
) -> Response {
    let given = headers
        .get("x-demo-secret")
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    if !bool::from(given.ct_eq(demo.callback_secret.as_bytes())) {
        return error(StatusCode::UNAUTHORIZED, "bad_secret", "unknown callback");
    }
    let Some(status) = payload
        .get("status")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
    else {
        return error(StatusCode::BAD_REQUEST, "bad_payload", "no status");
    };
    let done = payload
        .pointer("/steps_status/done")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let is_final = FINAL.contains(&status.as_str());
    let (id, fetch) = {
        let mut map = demo.lock();
        let Some((id, t)) = map
            .iter_mut()
            .find(|(_, t)| bool::from(t.callback.as_bytes().ct_eq(token.as_bytes())))
        else {
            // not ours (forgotten, or from before a restart)
            return StatusCode::NO_CONTENT.into_response();
        };
        let id = *id;
        let known_final = FINAL.contains(&t.status.as_str());
        let apply = if known_final {
            false
        } else {
            is_final || done >= t.done
        };
        t.touched = Instant::now();
        if apply {
            t.done = done.max(t.done);
            t.status = status.clone();
            if let Some(steps) = payload.get("steps_status") {
                t.steps = steps.clone();
            }
            let _ = t.events.send((
                "status".into(),
                json!({"status": t.status, "steps": t.steps}),
            ));
        }
        let go = is_final && t.result.is_none() && !t.fetching;
        if go {
            t.fetching = true;
        }
        (id, go)
    };
    if fetch {
        let demo = Arc::clone(&demo);
        tokio::spawn(async move { fetch_report(&demo, id).await });
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn fetch_report(demo: &Demo, id: u64) {
    for _ in 0..5 {
        match demo.id360.report(id).await {
            Ok(Some(report)) if report.get("draft") != Some(&Value::Bool(true)) => {
                let summary = summarize(&report);
                let mut map = demo.lock();
                if let Some(t) = map.get_mut(&id) {
                    if let Some(s) = summary.get("status").and_then(Value::as_str) {
                        t.status = s.to_string();
                    }
                    t.result = Some(summary.clone());
                    t.ended = Some(Instant::now());
                    t.fetching = false;
                    let _ = t.events.send(("result".into(), summary));
                }
                return;
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    if let Some(t) = demo.lock().get_mut(&id) {
        t.fetching = false;
        // no final report (CANCELED and DISCONTINUED have none, or it never came): the page
        // still ends, on the final status alone (it used to wait for ever)
        if t.result.is_none() && FINAL.contains(&t.status.as_str()) {
            let summary = json!({"status": t.status, "reason": null, "level": null, "identity": null, "problems": []});
            t.result = Some(summary.clone());
            t.ended = Some(Instant::now());
            let _ = t.events.send(("result".into(), summary));
        }
    }
}

/// `POST /demo/enrollments/{id}/finalized`: the page finalized; if no final callback arrives
/// (ID360 cannot reach this server, e.g. a laptop against preproduction), poll the report.
async fn finalized(
    State(demo): State<Arc<Demo>>,
    Path((id, handle)): Path<(u64, String)>,
) -> Response {
    if !owned(&demo, id, &handle) {
        return unknown();
    }
    // one poller per enrollment, however often this is called
    match demo.lock().get_mut(&id) {
        Some(t) if !t.polling => t.polling = true,
        _ => return StatusCode::ACCEPTED.into_response(),
    }
    let demo = Arc::clone(&demo);
    tokio::spawn(async move {
        let deadline = Instant::now() + demo.config.report_poll_for;
        tokio::time::sleep(Duration::from_secs(3)).await;
        while Instant::now() < deadline {
            let waiting = demo
                .lock()
                .get(&id)
                .is_some_and(|t| t.result.is_none() && !t.fetching);
            if !waiting {
                return;
            }
            if let Ok(Some(report)) = demo.id360.report(id).await {
                let status = report
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if FINAL.contains(&status) {
                    fetch_report(&demo, id).await;
                    return;
                }
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
    });
    StatusCode::ACCEPTED.into_response()
}

/// `GET /demo/enrollments/{id}`: `{ status, steps, result }` as last known.
async fn status(
    State(demo): State<Arc<Demo>>,
    Path((id, handle)): Path<(u64, String)>,
) -> Response {
    if !owned(&demo, id, &handle) {
        return unknown();
    }
    match demo.lock().get(&id) {
        Some(t) => {
            Json(json!({"status": t.status, "steps": t.steps, "result": t.result})).into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            "unknown_enrollment",
            "not created by this server",
        ),
    }
}

/// `GET /demo/enrollments/{id}/result`: the summary, 404 until it is known.
async fn result(
    State(demo): State<Arc<Demo>>,
    Path((id, handle)): Path<(u64, String)>,
) -> Response {
    if !owned(&demo, id, &handle) {
        return unknown();
    }
    match demo.lock().get(&id).and_then(|t| t.result.clone()) {
        Some(r) => Json(r).into_response(),
        None => error(StatusCode::NOT_FOUND, "not_ready", "no verdict yet"),
    }
}

/// `GET /demo/enrollments/{id}/events`: the current status (and result), then every change.
async fn events(
    State(demo): State<Arc<Demo>>,
    Path((id, handle)): Path<(u64, String)>,
) -> Response {
    if !owned(&demo, id, &handle) {
        return unknown();
    }
    let (initial, rx) = {
        let map = demo.lock();
        let Some(t) = map.get(&id) else {
            return error(
                StatusCode::NOT_FOUND,
                "unknown_enrollment",
                "not created by this server",
            );
        };
        let mut initial = vec![(
            "status".to_string(),
            json!({"status": t.status, "steps": t.steps}),
        )];
        if let Some(r) = &t.result {
            initial.push(("result".to_string(), r.clone()));
        }
        (initial, t.events.subscribe())
    };
    let live = stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(item) => return Some((item, rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let all: std::pin::Pin<Box<dyn Stream<Item = (String, Value)> + Send>> =
        Box::pin(stream::iter(initial).chain(live));
    let sse = all.map(|(name, data)| {
        Ok::<Event, Infallible>(Event::default().event(name).data(data.to_string()))
    });
    Sse::new(sse)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// `POST /demo/qr` with the text as body → an SVG QR code. A POST, so that a link carrying an
/// api_key in its fragment never appears in a request line or a log.
async fn qr(body: String) -> Response {
    if body.is_empty() || body.len() > 1024 {
        return error(StatusCode::BAD_REQUEST, "bad_text", "1 to 1024 bytes");
    }
    match qrcode::QrCode::new(body.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build();
            (
                [
                    (header::CONTENT_TYPE, "image/svg+xml"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                svg,
            )
                .into_response()
        }
        Err(_) => error(StatusCode::BAD_REQUEST, "bad_text", "cannot encode"),
    }
}

/// `GET /demo/stats`: how many times this server logged in (tests check it is once), how many
/// logins it tried, and how many enrollments it remembers.
async fn stats(State(demo): State<Arc<Demo>>) -> Json<Value> {
    Json(json!({
        "logins": demo.id360.logins(),
        "loginAttempts": demo.id360.login_attempts(),
        "enrollments": demo.lock().len(),
    }))
}

/// The flow endpoints' common path, the only one the proxy serves.
const FLOW_PREFIX: &str = "/api/1.0.0/enrollment/flow/";

/// Same-origin proxy of the flow endpoints: method, path, query, body and the three headers
/// ID360 needs go through untouched; the api_key is never logged.
async fn proxy(
    State(demo): State<Arc<Demo>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // only the flow endpoints: a path that could climb out of them (`..`, `.`, encoded or
    // not, or a backslash) is refused, so this is no relay to the rest of ID360's API
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let climbs = uri.path().split('/').any(|segment| {
        let s = segment.to_ascii_lowercase();
        s == "."
            || s == ".."
            || s.contains("%2e")
            || s.contains("%2f")
            || s.contains("%5c")
            || s.contains('\\')
    });
    if climbs || !uri.path().starts_with(FLOW_PREFIX) {
        return error(StatusCode::BAD_REQUEST, "bad_path", "not a flow endpoint");
    }
    let url = format!("{}{path}", demo.id360.base);
    let Ok(method) = reqwest::Method::from_bytes(method.as_str().as_bytes()) else {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "bad_method",
            "unsupported method",
        );
    };
    let mut request = demo.http.request(method, url);
    for name in ["x-api-key", "content-type", "accept", "content-length"] {
        if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
            request = request.header(name, v);
        }
    }
    // the client's 60 s would cut a 9.5 MB page on a slow uplink (the library allows 120 s per
    // attempt by default, up to an hour): the page's own timeout decides
    let request = request
        .timeout(Duration::from_secs(3600))
        .body(reqwest::Body::wrap_stream(body.into_data_stream()));
    match request.send().await {
        Ok(r) => {
            let status =
                StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut out = Response::builder().status(status);
            for name in ["content-type", "retry-after"] {
                if let Some(v) = r.headers().get(name).and_then(|v| v.to_str().ok()) {
                    out = out.header(name, v);
                }
            }
            out.body(Body::from_stream(r.bytes_stream()))
                .unwrap_or_else(|_| error(StatusCode::BAD_GATEWAY, "proxy_error", "bad answer"))
        }
        Err(e) => error(
            StatusCode::BAD_GATEWAY,
            "proxy_error",
            if e.is_connect() {
                "ID360 could not be reached"
            } else {
                "the exchange with ID360 broke off"
            },
        ),
    }
}
