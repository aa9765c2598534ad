//! Helpers shared by the sandbox's HTTP tests: an in-process sandbox on a free port, a client,
//! sample files and a callback receiver.
#![allow(dead_code)]

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use id360_sandbox::{start, Config, Running};
use reqwest::{Client, Response};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const DEFAULT_PROCESS: &str = "0b1e5e1f-3f6a-4d8e-9c1a-000000000001";
pub const NO_SELFIE_PROCESS: &str = "0b1e5e1f-3f6a-4d8e-9c1a-000000000002";
pub const TWO_ROUTES_PROCESS: &str = "0b1e5e1f-3f6a-4d8e-9c1a-000000000003";
pub const DATA_CHECK_PROCESS: &str = "0b1e5e1f-3f6a-4d8e-9c1a-000000000004";
pub const ROUTE: u64 = 275128;

pub fn test_config() -> Config {
    Config {
        verdict_delay: Duration::from_millis(10),
        callback_retry_base: Duration::from_millis(20),
        ..Config::default()
    }
}

pub struct Env {
    pub running: Running,
    pub client: Client,
    pub base: String,
    /// This sandbox's token, once logged in (kept per sandbox, not per URL: a later test's
    /// sandbox may get a port an earlier one had, and its token would be refused).
    token: Mutex<Option<String>>,
}

pub async fn env() -> Env {
    env_with(test_config()).await
}

pub async fn env_with(config: Config) -> Env {
    let running = start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = running.url();
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    Env {
        running,
        client,
        base,
        token: Mutex::new(None),
    }
}

pub struct Enrollment {
    pub id: u64,
    pub api_key: String,
    pub created: Value,
}

impl Env {
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/1.0.0/{path}", self.base)
    }

    pub async fn login(&self) -> String {
        let r = self
            .client
            .post(self.api("user/login/"))
            .json(&json!({"username": "demo-app", "password": "demo-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn create(&self, token: &str, process: &str, body: Value) -> Response {
        self.client
            .post(self.api(&format!("process/{process}/enrollment/")))
            .header("Authorization", format!("Token {token}"))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn enrollment(&self, process: &str) -> Enrollment {
        self.enrollment_with(process, minimal_body("http://127.0.0.1:9/unused"))
            .await
    }

    pub async fn enrollment_with(&self, process: &str, body: Value) -> Enrollment {
        let token = self.login_cached().await;
        let r = self.create(&token, process, body).await;
        assert_eq!(r.status(), 200);
        let created: Value = r.json().await.unwrap();
        Enrollment {
            id: created["id"].as_u64().unwrap(),
            api_key: created["api_key"].as_str().unwrap().to_string(),
            created,
        }
    }

    /// One login per sandbox (logins are rate-limited, as in ID360).
    pub async fn login_cached(&self) -> String {
        if let Some(t) = self.token.lock().unwrap().clone() {
            return t;
        }
        let t = self.login().await;
        *self.token.lock().unwrap() = Some(t.clone());
        t
    }

    pub async fn flow_post(&self, key: &str, path: &str, body: Vec<u8>) -> Response {
        self.client
            .post(self.api(&format!("enrollment/flow/{path}")))
            .header("x-api-key", key)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn info(&self, key: &str) -> Response {
        self.client
            .get(self.api("enrollment/flow/enrollment_info/"))
            .header("x-api-key", key)
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
    }

    pub async fn select_route(&self, key: &str, route: u64) -> Response {
        self.client
            .post(self.api(&format!("enrollment/flow/route/{route}/select/")))
            .header("x-api-key", key)
            .header("content-type", "text/plain")
            .send()
            .await
            .unwrap()
    }

    pub async fn consent(&self, key: &str, biometry: bool) -> Response {
        let q = if biometry {
            "accepted_cgu=true&accepted_biometry=true"
        } else {
            "accepted_cgu=true"
        };
        self.flow_post(key, &format!("consent/?{q}"), Vec::new())
            .await
    }

    pub async fn upload(
        &self,
        key: &str,
        doc: &str,
        total: u32,
        page: u32,
        bytes: Vec<u8>,
    ) -> Response {
        self.flow_post(
            key,
            &format!("document/{doc}/?total_pages={total}&uploaded_page={page}"),
            bytes,
        )
        .await
    }

    pub async fn finalize(&self, key: &str) -> Response {
        self.flow_post(key, "finalize_enrollment", Vec::new()).await
    }

    /// Route + consent with biometry.
    pub async fn prepared(&self, process: &str) -> Enrollment {
        let e = self.enrollment(process).await;
        assert_eq!(self.select_route(&e.api_key, ROUTE).await.status(), 204);
        assert_eq!(self.consent(&e.api_key, true).await.status(), 204);
        e
    }

    /// A token-side GET of `path` with `token`.
    pub async fn get_with_token(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.api(path))
            .header("Authorization", format!("Token {token}"))
            .send()
            .await
            .unwrap()
    }

    /// `POST enrollment/{id}/control/data/{name}/?locked=…` with the raw value.
    pub async fn control_data(&self, id: u64, name: &str, value: &str, locked: bool) -> Response {
        let token = self.login_cached().await;
        self.client
            .post(self.api(&format!(
                "enrollment/{id}/control/data/{name}/?locked={locked}"
            )))
            .header("Authorization", format!("Token {token}"))
            .header("accept", "text/plain")
            .body(value.to_string())
            .send()
            .await
            .unwrap()
    }

    pub async fn report(&self, id: u64, draft: bool) -> Response {
        let token = self.login_cached().await;
        let q = if draft { "?allow_draft=true" } else { "" };
        self.get_with_token(&format!("enrollment/{id}/report{q}"), &token)
            .await
    }

    /// Polls the report until the verdict is in (bounded).
    pub async fn final_report(&self, id: u64) -> Value {
        for _ in 0..200 {
            let r = self.report(id, false).await;
            if r.status() == 200 {
                return r.json().await.unwrap();
            }
            assert_eq!(r.status(), 409, "report answered {}", r.status());
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no verdict after 5 s");
    }

    pub async fn admin(&self, id: u64) -> Value {
        self.client
            .get(format!("{}/_sandbox/enrollments/{id}", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn set_faults(&self, rules: Value) {
        let r = self
            .client
            .put(format!("{}/_sandbox/faults", self.base))
            .json(&rules)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }

    pub async fn advance(&self, seconds: u64) {
        let r = self
            .client
            .post(format!("{}/_sandbox/clock/advance", self.base))
            .json(&json!({ "seconds": seconds }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
}

pub fn minimal_body(callback: &str) -> Value {
    json!({
        "browser_callback_url": "https://www.example.com/browser_callback_url",
        "callback_endpoints": [{"url": callback, "on": [], "headers": []}],
    })
}

/// A decodable PNG carrying hint JSON (rendered by the sandbox's own sample code).
pub fn png(hints: Option<&str>, width: u32, height: u32) -> Vec<u8> {
    id360_sandbox::samples::render(&id360_sandbox::samples::Sample {
        png: true,
        width,
        height,
        hints: hints.map(str::to_string),
        pad_to: None,
        exif_orientation: None,
    })
    .unwrap()
}

pub fn jpeg(hints: Option<&str>) -> Vec<u8> {
    id360_sandbox::samples::render(&id360_sandbox::samples::Sample {
        png: false,
        width: 480,
        height: 640,
        hints: hints.map(str::to_string),
        pad_to: None,
        exif_orientation: None,
    })
    .unwrap()
}

pub fn card() -> Vec<u8> {
    png(None, 640, 404)
}

pub async fn code_of(r: Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or("").to_string())
}

/// What a callback receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Clone, Default)]
pub struct Receiver {
    pub received: Arc<Mutex<Vec<Received>>>,
    pub failures_left: Arc<Mutex<u32>>,
    pub attempts: Arc<Mutex<u32>>,
}

/// Starts a callback receiver that answers 500 to its first `fail_first` requests.
pub async fn receiver(fail_first: u32) -> (String, Receiver, tokio::task::JoinHandle<()>) {
    let r = Receiver::default();
    *r.failures_left.lock().unwrap() = fail_first;
    async fn handle(State(r): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
        *r.attempts.lock().unwrap() += 1;
        let mut left = r.failures_left.lock().unwrap();
        if *left > 0 {
            *left -= 1;
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
        r.received.lock().unwrap().push(Received {
            headers,
            body: serde_json::from_str(&body).unwrap_or(Value::Null),
        });
        StatusCode::NO_CONTENT
    }
    let app = Router::new()
        .route("/cb", post(handle))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, r, task)
}

/// Waits (bounded) until `check` holds.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}
