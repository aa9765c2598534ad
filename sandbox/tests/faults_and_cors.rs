//! Fault switches (each kind, `times`, `after_handler`, probability, start-up rules) and CORS.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_status_fault_fails_the_next_n_calls_then_the_endpoint_recovers() {
    let env = env().await;
    let e = env.prepared(DEFAULT_PROCESS).await;
    env.set_faults(json!([{"endpoint": "upload", "kind": "status", "status": 503, "times": 2}]))
        .await;
    for _ in 0..2 {
        let r = env
            .upload(&e.api_key, "id_document_image", 1, 0, card())
            .await;
        assert_eq!(code_of(r).await, (503, "injected_fault".into()));
    }
    assert_eq!(
        env.info(&e.api_key).await.status(),
        200,
        "other endpoints are untouched"
    );
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 1, 0, card())
            .await
            .status(),
        204
    );
    let page = &env.admin(e.id).await["documents"]["id_document_image"]["pages"][0];
    assert_eq!(page["uploads"], 1, "failed attempts stored nothing");
    let stats: Value = env
        .client
        .get(format!("{}/_sandbox/stats", env.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["faults_injected"]["upload"], 2);
}

#[tokio::test]
async fn a_rate_limit_fault_answers_429_with_retry_after() {
    let env = env().await;
    let e = env.enrollment(DEFAULT_PROCESS).await;
    env.set_faults(json!({"rules": [{"endpoint": "flow", "kind": "status", "status": 429, "retry_after_secs": 3, "times": 1}]})).await;
    let r = env.info(&e.api_key).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "3");
    assert_eq!(env.info(&e.api_key).await.status(), 200);
}

#[tokio::test]
async fn a_drop_fault_closes_the_connection_without_an_answer() {
    let env = env().await;
    let e = env.enrollment(DEFAULT_PROCESS).await;
    env.set_faults(json!([{"endpoint": "enrollment_info", "kind": "drop", "times": 1}]))
        .await;
    let err = env
        .client
        .get(env.api("enrollment/flow/enrollment_info/"))
        .header("x-api-key", &e.api_key)
        .send()
        .await
        .expect_err("no answer expected");
    assert!(
        err.is_request() || err.is_connect() || err.to_string().contains("error"),
        "{err}"
    );
    assert_eq!(env.info(&e.api_key).await.status(), 200);
}

#[tokio::test]
async fn a_drop_after_the_handler_loses_the_answer_but_keeps_the_page() {
    let env = env().await;
    let e = env.prepared(DEFAULT_PROCESS).await;
    env.set_faults(
        json!([{"endpoint": "upload", "kind": "drop", "after_handler": true, "times": 1}]),
    )
    .await;
    let sent = env
        .client
        .post(env.api("enrollment/flow/document/id_document_image/?total_pages=1&uploaded_page=0"))
        .header("x-api-key", &e.api_key)
        .body(card())
        .send()
        .await;
    assert!(sent.is_err());
    let page = &env.admin(e.id).await["documents"]["id_document_image"]["pages"][0];
    assert_eq!(
        page["uploads"], 1,
        "the page arrived although the client saw no answer"
    );
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 1, 0, card())
            .await
            .status(),
        204
    );
    let page = &env.admin(e.id).await["documents"]["id_document_image"]["pages"][0];
    assert_eq!(page["uploads"], 2, "a retry replaces it: still one page");
}

#[tokio::test]
async fn body_faults_give_malformed_html_wrong_shape_oversized_and_redirect_answers() {
    let env = env().await;
    let e = env.enrollment(DEFAULT_PROCESS).await;
    let key = &e.api_key;
    let send = |kind: &'static str| {
        let env = &env;
        async move {
            env.set_faults(json!([{"endpoint": "enrollment_info", "kind": kind, "times": 1}]))
                .await;
            env.info(key).await
        }
    };
    let r = send("malformed").await;
    assert_eq!(r.status(), 200);
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());
    let r = send("html").await;
    assert_eq!(r.status(), 502);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let r = send("wrong_shape").await;
    let v: Value = r.json().await.unwrap();
    assert!(v["routes"].is_string());
    let r = send("oversized").await;
    assert!(r.bytes().await.unwrap().len() > 8_000_000);
    let r = send("redirect").await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/_sandbox/redirected");
    assert_eq!(env.info(&e.api_key).await.status(), 200);
}

#[tokio::test]
async fn latency_and_stall_faults_delay_the_answer() {
    let env = env().await;
    let e = env.enrollment(DEFAULT_PROCESS).await;
    env.set_faults(
        json!([{"endpoint": "enrollment_info", "kind": "latency", "latency_ms": 300, "times": 1}]),
    )
    .await;
    let started = Instant::now();
    assert_eq!(env.info(&e.api_key).await.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "answered after at least the added latency"
    );
    env.set_faults(
        json!([{"endpoint": "enrollment_info", "kind": "stall", "latency_ms": 200, "times": 1}]),
    )
    .await;
    let started = Instant::now();
    assert_eq!(env.info(&e.api_key).await.status(), 504);
    assert!(started.elapsed() >= Duration::from_millis(200));
    // a client with a shorter timeout gives up on a stall
    env.set_faults(json!([{"endpoint": "enrollment_info", "kind": "stall", "times": 1}]))
        .await;
    let r = env
        .client
        .get(env.api("enrollment/flow/enrollment_info/"))
        .header("x-api-key", &e.api_key)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(r.is_err_and(|e| e.is_timeout()));
}

#[tokio::test]
async fn probabilistic_faults_follow_their_seeded_rate() {
    let env = env_with(id360_sandbox::Config {
        fault_seed: Some(7),
        ..test_config()
    })
    .await;
    let e = env.enrollment(DEFAULT_PROCESS).await;
    env.set_faults(json!([{"endpoint": "enrollment_info", "kind": "status", "status": 500, "probability": 0.3}])).await;
    let mut failures = 0;
    for _ in 0..200 {
        if env.info(&e.api_key).await.status() == 500 {
            failures += 1;
        }
    }
    assert!(
        (30..=90).contains(&failures),
        "{failures} failures out of 200 at p=0.3"
    );
    let r = env
        .client
        .put(format!("{}/_sandbox/faults", env.base))
        .json(&json!([{"kind": "status", "probability": 2.0}]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = env
        .client
        .put(format!("{}/_sandbox/faults", env.base))
        .json(&json!([{"kind": "explode"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = env
        .client
        .delete(format!("{}/_sandbox/faults", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["rules"], json!([]));
}

#[tokio::test]
async fn admin_calls_are_never_faulted() {
    let env = env().await;
    env.set_faults(json!([{"endpoint": "*", "kind": "status", "status": 500}]))
        .await;
    let r = env
        .client
        .get(format!("{}/_sandbox/enrollments", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = env
        .client
        .post(env.api("user/login/"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500, "token calls are faulted by `*`");
}

#[tokio::test]
async fn the_flow_endpoints_answer_cors_preflights_for_x_api_key_and_expose_retry_after() {
    let env = env().await;
    let r = env
        .client
        .request(
            reqwest::Method::OPTIONS,
            env.api("enrollment/flow/document/id_document_image/?total_pages=1&uploaded_page=0"),
        )
        .header("Origin", "https://bank.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "x-api-key,content-type")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let allowed = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("x-api-key") && allowed.contains("content-type"),
        "{allowed}"
    );
    // an error answer (here an injected 429) still carries CORS headers, so a page can read it
    let e = env.enrollment(DEFAULT_PROCESS).await;
    env.set_faults(
        json!([{"endpoint": "enrollment_info", "kind": "status", "status": 429, "times": 1}]),
    )
    .await;
    let r = env
        .client
        .get(env.api("enrollment/flow/enrollment_info/"))
        .header("x-api-key", &e.api_key)
        .header("Origin", "https://bank.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("retry-after"));
    // token endpoints have no CORS: a browser can never call them
    let r = env
        .client
        .post(env.api("user/login/"))
        .header("Origin", "https://bank.example")
        .json(&json!({"username": "demo-app", "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn an_origin_allow_list_refuses_other_origins() {
    let env = env_with(id360_sandbox::Config {
        allowed_origins: vec!["https://bank.example".into()],
        ..test_config()
    })
    .await;
    let preflight = |origin: &'static str| {
        env.client
            .request(
                reqwest::Method::OPTIONS,
                env.api("enrollment/flow/enrollment_info/"),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "x-api-key")
            .send()
    };
    let ok = preflight("https://bank.example").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://bank.example"
    );
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn the_binary_starts_with_faults_and_prints_its_url_credentials_and_processes() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_id360-sandbox"))
        .args([
            "--bind",
            "127.0.0.1:0",
            "--quiet",
            "--faults",
            r#"[{"endpoint":"whoami","kind":"status","status":418}]"#,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    let banner: Vec<String> = lines.by_ref().take(8).map(Result::unwrap).collect();
    let banner = banner.join("\n");
    assert!(
        banner.contains("demo-app") && banner.contains("demo-password"),
        "{banner}"
    );
    assert!(banner.contains(DEFAULT_PROCESS) && banner.contains(NO_SELFIE_PROCESS));
    let status = reqwest::Client::new()
        .get(format!("{url}/api/1.0.0/user/whoami"))
        .send()
        .await
        .unwrap()
        .status();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status, 418, "the start-up fault is active");
}

/// Sends an upload of `size` bytes over a raw connection, 64 KB at a time, and returns the
/// status line, or the I/O error met while sending or reading.
fn raw_upload(base: &str, key: &str, document: &str, size: usize) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    write!(
        s,
        "POST /api/1.0.0/enrollment/flow/document/{document}/?total_pages=1&uploaded_page=0 HTTP/1.1\r\n\
         host: {addr}\r\nx-api-key: {key}\r\ncontent-type: image/jpeg\r\ncontent-length: {size}\r\n\r\n"
    )?;
    let mut body = vec![0u8; size];
    body[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    for chunk in body.chunks(64 * 1024) {
        s.write_all(chunk)?;
        std::thread::sleep(Duration::from_millis(2));
    }
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or("")
        .to_string())
}

/// WebKit reports a network error, not the status, when a server answers an upload without
/// reading it and closes under the still-sending client: refused uploads and injected faults
/// read (and discard) the body first, so every engine sees the status.
#[tokio::test]
async fn refused_and_faulted_uploads_are_read_before_the_answer() {
    let env = env().await;
    let e = env.prepared(DEFAULT_PROCESS).await;
    let (base, key) = (env.base.clone(), e.api_key.clone());
    let refused =
        tokio::task::spawn_blocking(move || raw_upload(&base, &key, "no_such_document", 4 << 20))
            .await
            .unwrap();
    assert!(
        refused.as_ref().is_ok_and(|l| l.contains(" 404 ")),
        "{refused:?}"
    );
    env.set_faults(json!([{"endpoint": "upload", "kind": "status", "status": 503, "times": 1}]))
        .await;
    let (base, key) = (env.base.clone(), e.api_key.clone());
    let faulted =
        tokio::task::spawn_blocking(move || raw_upload(&base, &key, "id_document_image", 4 << 20))
            .await
            .unwrap();
    assert!(
        faulted.as_ref().is_ok_and(|l| l.contains(" 503 ")),
        "{faulted:?}"
    );
}
