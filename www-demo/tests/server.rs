//! The demo server against an in-process sandbox: the token discipline ID360 demands, the
//! callback checks, and the report summary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use id360_demo::{start, summarize, Config};
use serde_json::{json, Value};
use std::time::Duration;

struct Env {
    sandbox: id360_sandbox::Running,
    demo: String,
    client: reqwest::Client,
}

async fn env(proxy: bool) -> Env {
    env_with(proxy, |_| {}, |_| {}).await
}

/// A sandbox and a demo server, each configuration changed by its closure first.
async fn env_with(
    proxy: bool,
    sandbox: impl FnOnce(&mut id360_sandbox::Config),
    demo: impl FnOnce(&mut Config),
) -> Env {
    let mut sandbox_config = id360_sandbox::Config {
        verdict_delay: Duration::from_millis(10),
        ..Default::default()
    };
    sandbox(&mut sandbox_config);
    let sandbox = id360_sandbox::start(sandbox_config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut config = Config {
        id360_url: sandbox.url(),
        username: "demo-app".into(),
        password: "demo-password".into(),
        process: "0b1e5e1f-3f6a-4d8e-9c1a-000000000002".into(),
        public_url: String::new(),
        proxy,
        static_dir: "static".into(),
        pkg_dir: "pkg".into(),
        keep_alive: Duration::from_millis(200),
        report_poll_for: Duration::from_secs(10),
        callback_secret: Some("s3cret".into()),
        login_backoff: Duration::from_secs(60),
        forget_after: Duration::from_secs(3600),
        max_enrollments: 10_000,
    };
    demo(&mut config);
    let (addr, _demo, _task) = start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    Env {
        sandbox,
        demo: format!("http://{addr}"),
        client: reqwest::Client::new(),
    }
}

impl Env {
    async fn create(&self) -> Value {
        let r = self
            .client
            .post(format!("{}/demo/enrollments", self.demo))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }
    /// The page's summary of enrollment `id` once the server has it (Null after 10 s).
    async fn result(&self, id: u64, handle: &str) -> Value {
        for _ in 0..200 {
            let r = self
                .client
                .get(format!(
                    "{}/demo/enrollments/{id}/{handle}/result",
                    self.demo
                ))
                .send()
                .await
                .unwrap();
            if r.status() == 200 {
                return r.json().await.unwrap();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Value::Null
    }
    async fn stats(&self) -> Value {
        self.client
            .get(format!("{}/demo/stats", self.demo))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
    async fn logins(&self) -> u64 {
        self.stats().await["logins"].as_u64().unwrap()
    }
    /// The user gives up: the sandbox cancels enrollment `id`.
    async fn cancel(&self, id: u64) {
        let r = self
            .client
            .post(format!(
                "{}/_sandbox/enrollments/{id}/cancel",
                self.sandbox.url()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    /// `POST /demo/enrollments` with these headers: the status and the body.
    async fn try_create(&self, headers: &[(&str, &str)]) -> (u16, Value) {
        let mut r = self.client.post(format!("{}/demo/enrollments", self.demo));
        for (name, value) in headers {
            r = r.header(*name, *value);
        }
        let r = r.send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }
}

#[tokio::test]
async fn the_server_logs_in_once_keeps_the_token_alive_and_logs_in_again_only_when_it_expired() {
    let env = env(false).await;
    for _ in 0..5 {
        let e = env.create().await;
        assert!(e["apiKey"].as_str().unwrap().len() == 32);
        assert_eq!(e["baseUrl"], env.sandbox.url());
        assert!(e.get("token").is_none());
    }
    assert_eq!(env.logins().await, 1, "one login for five enrollments");
    // keep-alive runs every 200 ms here: 20 minutes of sandbox time pass in 4 steps, each
    // shorter than the 15-minute lifetime, and the token survives them
    for _ in 0..4 {
        env.sandbox
            .sandbox
            .clock
            .advance(Duration::from_secs(5 * 60));
        tokio::time::sleep(Duration::from_millis(450)).await;
    }
    env.create().await;
    assert_eq!(env.logins().await, 1, "whoami kept the token alive");
    // now the token dies (16 minutes at once): the next call meets a 401 and logs in again
    env.sandbox
        .sandbox
        .clock
        .advance(Duration::from_secs(16 * 60));
    env.create().await;
    assert_eq!(env.logins().await, 2);
}

/// Callbacks carry what ID360 documents (`status`, `steps_status`, `enrollment_step`), no
/// enrollment id: the demo knows the enrollment by the URL it gave it, needs the secret header,
/// and drops what arrives late (callbacks are retried, so out of order).
#[tokio::test]
async fn callbacks_need_their_url_and_secret_and_stale_ones_are_ignored() {
    let env = env(false).await;
    let e = env.create().await;
    let id = e["enrollmentId"].as_u64().unwrap();
    let handle = e["handle"].as_str().unwrap();
    let url = env.sandbox.sandbox.lock().enrollments[&id].callback_endpoints[0]
        .url
        .clone();
    let token = url.rsplit('/').next().unwrap().to_string();
    assert_eq!(url, format!("{}/demo/callbacks/{token}", env.demo));
    assert_eq!(token.len(), 32, "random, not the id: {url}");
    let post = |url: String, secret: &'static str, body: Value| {
        env.client
            .post(url)
            .header("X-Demo-Secret", secret)
            .json(&body)
            .send()
    };
    let status = || async {
        let r: Value = env
            .client
            .get(format!("{}/demo/enrollments/{id}/{handle}", env.demo))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            r["status"].as_str().unwrap().to_string(),
            r["steps"]["done"].as_u64(),
        )
    };
    let started = |done: u64| json!({"status": "STARTED", "steps_status": {"total": 6, "done": done}, "enrollment_step": "x"});
    let r = post(url.clone(), "wrong", json!({"status": "OK"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = env
        .client
        .post(url.clone())
        .json(&json!({"status": "OK"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "no secret header");
    // the right secret on another enrollment's (or a guessed) URL changes nothing
    let guessed = format!("{}/demo/callbacks/{}", env.demo, "0".repeat(32));
    let r = post(guessed, "s3cret", json!({"status": "OK"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(status().await.0, "NEW");
    // a payload without a status changes nothing
    let r = post(
        url.clone(),
        "s3cret",
        json!({"steps_status": {"total": 6, "done": 5}}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(status().await.0, "NEW");
    // progress applies, a late one showing fewer steps does not
    assert_eq!(
        post(url.clone(), "s3cret", started(3))
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(status().await, ("STARTED".into(), Some(3)));
    post(url.clone(), "s3cret", started(2)).await.unwrap();
    assert_eq!(
        status().await,
        ("STARTED".into(), Some(3)),
        "a stale callback"
    );
    post(url.clone(), "s3cret", started(4)).await.unwrap();
    assert_eq!(status().await, ("STARTED".into(), Some(4)));
    let r = env
        .client
        .get(format!(
            "{}/demo/enrollments/{id}/{handle}/result",
            env.demo
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "no verdict from refused callbacks");
    // a final status is never replaced by an intermediate one arriving after it
    post(url.clone(), "s3cret", json!({"status": "KO"}))
        .await
        .unwrap();
    post(url.clone(), "s3cret", started(6)).await.unwrap();
    assert_eq!(status().await.0, "KO");
}

#[tokio::test]
async fn a_real_flow_through_the_proxy_reaches_a_summary_via_the_sandbox_callbacks() {
    let env = env(true).await;
    let e = env.create().await;
    let id = e["enrollmentId"].as_u64().unwrap();
    let key = e["apiKey"].as_str().unwrap().to_string();
    assert_eq!(e["baseUrl"], env.demo, "the page is told to use the proxy");
    let flow = |path: &str| format!("{}/api/1.0.0/enrollment/flow/{path}", env.demo);
    let send = |url: String, body: Vec<u8>| {
        env.client
            .post(url)
            .header("x-api-key", &key)
            .body(body)
            .send()
    };
    let info: Value = env
        .client
        .get(flow("enrollment_info/"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["routes"][0]["id"], 275128);
    assert_eq!(
        send(flow("route/275128/select/"), vec![])
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        send(flow("consent/?accepted_cgu=true"), vec![])
            .await
            .unwrap()
            .status(),
        204
    );
    let card = id360_sandbox::samples::render(&id360_sandbox::samples::Sample {
        png: false,
        width: 640,
        height: 404,
        hints: Some(r#"{"name":"PROXY"}"#.into()),
        pad_to: None,
        exif_orientation: None,
    })
    .unwrap();
    let r = send(
        flow("document/id_document_image/?total_pages=1&uploaded_page=0"),
        card,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 204);
    let r = send(
        flow("document/id_document_image/?total_pages=1&uploaded_page=0"),
        b"GIF89a".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 415, "errors come through the proxy as they are");
    assert_eq!(
        send(flow("finalize_enrollment"), vec![])
            .await
            .unwrap()
            .status(),
        204
    );
    let handle = e["handle"].as_str().unwrap();
    let summary = env.result(id, handle).await;
    assert_eq!(summary["status"], "OK");
    assert_eq!(summary["identity"]["name"], "PROXY");
    // the enrollment's id (sequential, guessable) alone reads nothing: neither the verdict and
    // identity, nor the status or its events
    let other = "0".repeat(32);
    for path in [
        format!("{id}/result"),
        format!("{id}/{other}/result"),
        format!("{id}/{other}"),
        format!("{id}/{other}/events"),
    ] {
        let r = env
            .client
            .get(format!("{}/demo/enrollments/{path}", env.demo))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    // the proxy serves the flow endpoints only: a path climbing out of them is refused before
    // anything reaches ID360 (raw requests: an HTTP client would resolve the dots itself)
    let addr = env.demo.trim_start_matches("http://").to_string();
    for path in [
        "/api/1.0.0/enrollment/flow/../../user/login/",
        "/api/1.0.0/enrollment/flow/%2e%2e/%2E%2E/enrollment/1/report",
        "/api/1.0.0/enrollment/flow/..%2f..%2fuser/login/",
        "/api/1.0.0/enrollment/flow/./enrollment_info/",
    ] {
        let (status, body) = raw_request(&addr, "POST", path).await;
        assert_eq!(status, 400, "{path}");
        assert!(
            body.contains("bad_path"),
            "refused by the proxy itself: {body}"
        );
    }
}

/// The status and body of a request sent with `path` exactly as given.
async fn raw_request(addr: &str, method: &str, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    (text.split(' ').nth(1).unwrap().parse().unwrap(), text)
}

#[tokio::test]
async fn the_page_may_reach_only_this_server_and_its_id360_origin() {
    let env = env(false).await;
    let e = env.create().await;
    let base = e["baseUrl"].as_str().unwrap().to_string();
    let config: Value = env
        .client
        .get(format!("{}/demo/config", env.demo))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        config["baseUrl"],
        base.as_str(),
        "a resumed page learns the address here"
    );
    let r = env
        .client
        .get(format!("{}/", env.demo))
        .send()
        .await
        .unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains(&format!("connect-src 'self' {base};")),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let r = env
        .client
        .post(format!("{}/demo/enrollments", env.demo))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["cache-control"],
        "no-store",
        "the answer holds an api_key"
    );
}

#[test]
fn the_summary_keeps_the_verdict_reasons_and_identity_only() {
    let report = json!({
        "status": "KO", "reason": "MDL_INPUT_INVALID", "level": "LOW",
        "identity": null,
        "status_codes": [{"status_code": {"code": "MDL_INPUT_INVALID", "message": "No MRZ"}, "where": "id_document"}],
        "documents": {"identity_document": [{"files": [{"url": "http://x/file"}]}]},
    });
    let s = summarize(&report);
    assert_eq!(s["problems"][0]["code"], "MDL_INPUT_INVALID");
    assert_eq!(s["identity"], Value::Null);
    assert!(s.get("documents").is_none(), "file URLs stay on the server");
}

#[tokio::test]
async fn qr_codes_are_svg_and_bounded() {
    let env = env(false).await;
    let r = env
        .client
        .post(format!("{}/demo/qr", env.demo))
        .body("http://127.0.0.1/#resume=1.abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert!(r.text().await.unwrap().contains("<svg"));
    let r = env
        .client
        .post(format!("{}/demo/qr", env.demo))
        .body("x".repeat(2000))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[test]
fn the_config_debug_output_holds_no_password_or_secret() {
    let config = Config {
        id360_url: "http://127.0.0.1:1".into(),
        username: "demo-app".into(),
        password: "pa55-word-9".into(),
        process: "p".into(),
        public_url: String::new(),
        proxy: false,
        static_dir: "static".into(),
        pkg_dir: "pkg".into(),
        keep_alive: Duration::from_secs(1),
        report_poll_for: Duration::from_secs(1),
        callback_secret: Some("cb-s3cret-7".into()),
        login_backoff: Duration::from_secs(1),
        forget_after: Duration::from_secs(1),
        max_enrollments: 1,
    };
    let shown = format!("{config:?}");
    assert!(shown.contains("demo-app"), "{shown}");
    assert!(
        !shown.contains("pa55-word-9") && !shown.contains("cb-s3cret-7"),
        "{shown}"
    );
}

/// A user who gives up: CANCELED has no final report, and the page still gets a result to end
/// on (it used to wait for ever).
#[tokio::test]
async fn a_canceled_enrollment_ends_with_a_result_of_its_status() {
    let env = env(false).await;
    let e = env.create().await;
    let (id, handle) = (
        e["enrollmentId"].as_u64().unwrap(),
        e["handle"].as_str().unwrap(),
    );
    env.cancel(id).await;
    let summary = env.result(id, handle).await;
    assert_eq!(summary["status"], "CANCELED");
    assert_eq!(summary["identity"], Value::Null);
}

/// Wrong credentials and a page clicked again and again: ID360 sees one login per back-off, not
/// one per click (a login storm can lock the account), and its 429 is not blamed on the
/// password.
#[tokio::test]
async fn a_refused_login_waits_its_back_off_and_a_429_is_reported_as_such() {
    let env = env_with(
        false,
        |s| s.logins_per_minute = 2,
        |d| {
            d.password = "wrong".into();
            d.login_backoff = Duration::from_millis(300);
        },
    )
    .await;
    let attempts = |stats: Value| stats["loginAttempts"].as_u64().unwrap();
    for click in 0..3 {
        let (status, body) = env.try_create(&[]).await;
        assert_eq!(status, 502, "{body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains("ID360_PASSWORD"), "{detail}");
        assert_eq!(detail.contains("not tried again"), click > 0, "{detail}");
    }
    assert_eq!(attempts(env.stats().await), 1, "three clicks, one login");
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (_, body) = env.try_create(&[]).await;
    assert!(body["detail"].as_str().unwrap().contains("ID360_PASSWORD"));
    assert_eq!(
        attempts(env.stats().await),
        2,
        "tried again after the back-off"
    );
    // the sandbox now refuses a third login within the minute: 429 with Retry-After
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (status, body) = env.try_create(&[]).await;
    assert_eq!(status, 502);
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("too many logins") && !detail.contains("PASSWORD"),
        "{detail}"
    );
    // and its Retry-After (about a minute), longer than the back-off, is honoured
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (_, body) = env.try_create(&[]).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("too many logins") && detail.contains("not tried again"),
        "{detail}"
    );
    assert_eq!(attempts(env.stats().await), 3);
}

/// ID360 out of reach (or failing) is no refusal of the credentials: the next login is tried
/// after a few seconds, not after the minute a refusal waits.
#[tokio::test]
async fn an_unreachable_id360_is_tried_again_after_a_short_pause_only() {
    let env = env_with(
        false,
        |_| {},
        |d| {
            d.id360_url = "http://127.0.0.1:9".into();
            d.login_backoff = Duration::from_secs(60);
        },
    )
    .await;
    let (status, body) = env.try_create(&[]).await;
    assert_eq!(status, 502, "{body}");
    let (_, body) = env.try_create(&[]).await;
    let detail = body["detail"].as_str().unwrap();
    let wait: u64 = detail
        .split("not tried again for ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{detail}"));
    assert!((1..=5).contains(&wait), "{detail}");
    assert!(!detail.contains("PASSWORD"), "{detail}");
}

/// Each creation is an enrollment on the integrator's ID360 account: another site's page
/// cannot make its visitors' browsers create them. The page's own origin (by its Host, or the
/// public URL behind a proxy) and callers that are not pages (no Origin) can.
#[tokio::test]
async fn enrollments_are_created_only_for_this_servers_own_pages() {
    let env = env_with(
        false,
        |_| {},
        |d| d.public_url = "https://demo.example".into(),
    )
    .await;
    let (status, body) = env.try_create(&[("origin", "https://evil.example")]).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("cross_origin")));
    let (status, _) = env
        .try_create(&[("origin", "https://demo.example.evil")])
        .await;
    assert_eq!(status, 403);
    assert_eq!(env.stats().await["enrollments"], 0);
    assert_eq!(env.stats().await["loginAttempts"], 0, "ID360 was not asked");
    let own = env.demo.clone();
    for origin in [own.as_str(), "https://demo.example"] {
        let (status, body) = env.try_create(&[("origin", origin)]).await;
        assert_eq!(status, 200, "{origin}: {body}");
    }
    let (status, _) = env.try_create(&[]).await;
    assert_eq!(status, 200);
    assert_eq!(env.stats().await["enrollments"], 3);
}

/// The server's memory is bounded: an enrollment is forgotten `forget_after` its result, and
/// beyond `max_enrollments` creation says `busy` (without asking ID360) until one is.
#[tokio::test]
async fn finished_enrollments_are_forgotten_and_their_number_is_bounded() {
    let env = env_with(
        false,
        |_| {},
        |d| {
            d.forget_after = Duration::from_millis(300);
            d.max_enrollments = 2;
        },
    )
    .await;
    let a = env.create().await;
    env.create().await;
    let (status, body) = env.try_create(&[]).await;
    assert_eq!((status, body["code"].as_str()), (503, Some("busy")));
    assert_eq!(
        env.sandbox.sandbox.lock().enrollments.len(),
        2,
        "no third enrollment at ID360"
    );
    let (id, handle) = (
        a["enrollmentId"].as_u64().unwrap(),
        a["handle"].as_str().unwrap(),
    );
    env.cancel(id).await;
    assert_eq!(env.result(id, handle).await["status"], "CANCELED");
    // still there just after its result, gone once `forget_after` has passed
    assert_eq!(env.stats().await["enrollments"], 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(env.stats().await["enrollments"], 1);
    let r = env
        .client
        .get(format!(
            "{}/demo/enrollments/{id}/{handle}/result",
            env.demo
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (status, _) = env.try_create(&[]).await;
    assert_eq!(status, 200);
}
