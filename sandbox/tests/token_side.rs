//! Token-side endpoints: login, keep-alive and expiry (with the sandbox's fake clock), login
//! rate limit, enrollment creation, data comparison, report availability.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn login_gives_a_token_and_wrong_credentials_get_a_json_401() {
    let env = env().await;
    let token = env.login().await;
    assert_eq!(token.len(), 40);
    let r = env
        .client
        .post(env.api("user/login/"))
        .json(&json!({"username": "demo-app", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (401, "unauthorized".into()));
    let r = env
        .client
        .post(env.api("user/login/"))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (400, "invalid_json".into()));
}

#[tokio::test]
async fn credentials_come_from_the_configuration() {
    let env = env_with(id360_sandbox::Config {
        username: "bank-app".into(),
        password: "s3cret".into(),
        ..test_config()
    })
    .await;
    let ok = env
        .client
        .post(env.api("user/login/"))
        .json(&json!({"username": "bank-app", "password": "s3cret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let old = env
        .client
        .post(env.api("user/login/"))
        .json(&json!({"username": "demo-app", "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401);
}

async fn whoami(env: &Env, token: &str) -> u16 {
    env.get_with_token("user/whoami", token)
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_token_expires_fifteen_minutes_after_its_last_use_and_each_use_resets_the_clock() {
    let env = env().await;
    let token = env.login().await;
    assert_eq!(whoami(&env, &token).await, 200);
    env.advance(14 * 60).await;
    assert_eq!(
        whoami(&env, &token).await,
        200,
        "14 min after last use: still valid"
    );
    env.advance(14 * 60).await;
    assert_eq!(
        whoami(&env, &token).await,
        200,
        "the previous whoami reset the clock"
    );
    env.advance(15 * 60 + 1).await;
    assert_eq!(
        whoami(&env, &token).await,
        401,
        "15 min without use: expired"
    );
    assert_eq!(whoami(&env, &token).await, 401, "and it stays expired");
    assert_eq!(whoami(&env, "unknown-token").await, 401);
    let r = env.client.get(env.api("user/whoami")).send().await.unwrap();
    assert_eq!(code_of(r).await, (401, "unauthorized".into()));
}

#[tokio::test]
async fn too_many_logins_in_a_minute_get_429_with_retry_after_until_the_minute_passes() {
    let env = env().await;
    for _ in 0..10 {
        env.login().await;
    }
    let r = env
        .client
        .post(env.api("user/login/"))
        .json(&json!({"username": "demo-app", "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(code_of(r).await.1, "too_many_logins");
    env.advance(61).await;
    env.login().await;
}

#[tokio::test]
async fn enrollment_creation_answers_exactly_the_documented_json() {
    let env = env().await;
    let token = env.login().await;
    let body = json!({
        "browser_callback_url": "https://www.example.com/browser_callback_url",
        "client_reference": "any_string",
        "callback_endpoints": [
            {"url": "https://www.example.com/callback_url1", "on": ["E","F","C"], "headers": [{"name": "n", "value": "v"}]},
            {"url": "https://www.example.com/callback_url2", "on": [], "headers": []}
        ],
        "callback_headers": {"header_name_1": "header_value_1"},
        "last_name": "Dupont", "first_name": "Jean", "email": "j@example.com", "group": "g1"
    });
    let r = env.create(&token, DEFAULT_PROCESS, body).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "api_key",
            "browser_callback_url",
            "callback_endpoints",
            "client_reference",
            "creation_time",
            "finished_time",
            "id",
            "process",
            "reason",
            "starting_time",
            "status",
            "url"
        ]
    );
    assert!(v["id"].is_u64());
    assert_eq!(v["status"], "NEW");
    assert_eq!(v["reason"], Value::Null);
    assert_eq!(v["starting_time"], Value::Null);
    assert_eq!(v["client_reference"], "any_string");
    assert_eq!(v["callback_endpoints"][0]["on"], json!(["E", "F", "C"]));
    let key = v["api_key"].as_str().unwrap();
    assert!(key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit()));
    let t = v["creation_time"].as_str().unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.6f").is_ok(),
        "{t}"
    );
    assert!(v["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/api/1.0.0/enrollment/{}", v["id"])));
    // a second enrollment gets another id and another key
    let w: Value = env
        .create(&token, DEFAULT_PROCESS, minimal_body("http://x/cb"))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(w["id"], v["id"]);
    assert_ne!(w["api_key"], v["api_key"]);
}

#[tokio::test]
async fn enrollment_creation_validates_token_process_and_body() {
    let env = env().await;
    let token = env.login().await;
    let r = env
        .create("bad", DEFAULT_PROCESS, minimal_body("http://x/cb"))
        .await;
    assert_eq!(code_of(r).await, (401, "unauthorized".into()));
    let r = env
        .create(
            &token,
            "00000000-0000-0000-0000-000000000000",
            minimal_body("http://x/cb"),
        )
        .await;
    assert_eq!(code_of(r).await, (404, "unknown_process".into()));
    let cases = [
        json!({"callback_endpoints": [{"url": "http://x/cb", "on": []}]}),
        json!({"browser_callback_url": "not a url", "callback_endpoints": [{"url": "http://x/cb"}]}),
        json!({"browser_callback_url": "http://x/done"}),
        json!({"browser_callback_url": "http://x/done", "callback_endpoints": []}),
        json!({"browser_callback_url": "http://x/done", "callback_endpoints": [{"on": []}]}),
        json!({"browser_callback_url": "http://x/done", "callback_endpoints": [{"url": "http://x/cb", "on": "E"}]}),
        json!({"browser_callback_url": "http://x/done", "callback_endpoints": [{"url": "http://x/cb"}], "email": 3}),
        json!({"browser_callback_url": "http://x/done", "callback_endpoints": [{"url": "http://x/cb"}], "callback_headers": [1]}),
        json!([1, 2]),
    ];
    for body in cases {
        let r = env.create(&token, DEFAULT_PROCESS, body.clone()).await;
        let (status, code) = code_of(r).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            code == "invalid_field" || code == "invalid_body",
            "{body}: {code}"
        );
    }
    // `on` may be left out (an empty list)
    let r = env
        .create(&token, DEFAULT_PROCESS, json!({"browser_callback_url": "http://x/done", "callback_endpoints": [{"url": "http://x/cb"}]}))
        .await;
    assert_eq!(r.status(), 200);
}

async fn control(env: &Env, id: u64, name: &str, value: &str, locked: bool) -> (u16, String) {
    let r = env.control_data(id, name, value, locked).await;
    if r.status() == 204 {
        return (204, String::new());
    }
    code_of(r).await
}

#[tokio::test]
async fn data_comparison_records_values_and_a_locked_value_cannot_change() {
    let env = env().await;
    let e = env.enrollment(DATA_CHECK_PROCESS).await;
    assert_eq!(control(&env, e.id, "name", "DUPONT", false).await.0, 204);
    assert_eq!(
        control(&env, e.id, "name", "DURAND", true).await.0,
        204,
        "unlocked: may change"
    );
    assert_eq!(
        control(&env, e.id, "name", "MARTIN", true).await,
        (409, "data_locked".into())
    );
    assert_eq!(
        env.admin(e.id).await["expected_data"]["name"]["value"],
        "DURAND"
    );
    assert_eq!(
        control(&env, e.id, "first_name", "", true).await,
        (400, "invalid_value".into())
    );
    assert_eq!(
        control(&env, e.id, "Bad-Name", "x", true).await,
        (400, "invalid_data_name".into())
    );
    assert_eq!(
        control(&env, 999_999, "name", "x", true).await,
        (404, "unknown_enrollment".into())
    );
}

#[tokio::test]
async fn report_needs_a_token_and_is_409_before_the_verdict_unless_a_draft_is_allowed() {
    let env = env().await;
    let e = env.prepared(DEFAULT_PROCESS).await;
    let r = env
        .client
        .get(env.api(&format!("enrollment/{}/report", e.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        code_of(env.report(e.id, false).await).await,
        (409, "report_not_ready".into())
    );
    let draft: Value = env.report(e.id, true).await.json().await.unwrap();
    assert_eq!(draft["draft"], true);
    assert_eq!(draft["status"], "STARTED");
    assert_eq!(draft["identity"], Value::Null);
    assert_eq!(
        code_of(env.report(424_242, true).await).await,
        (404, "unknown_enrollment".into())
    );
}

#[tokio::test]
async fn a_report_expires_seven_days_after_the_verdict() {
    let env = env().await;
    let e = env.prepared(NO_SELFIE_PROCESS).await;
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 1, 0, card())
            .await
            .status(),
        204
    );
    assert_eq!(env.finalize(&e.api_key).await.status(), 204);
    assert_eq!(env.final_report(e.id).await["status"], "OK");
    env.advance(6 * 24 * 3600).await;
    let token = env.login().await; // the cached token expired during the jump
    let r = env
        .get_with_token(&format!("enrollment/{}/report", e.id), &token)
        .await;
    assert_eq!(r.status(), 200);
    env.advance(24 * 3600 + 60).await;
    let token = env.login().await;
    let r = env
        .get_with_token(&format!("enrollment/{}/report", e.id), &token)
        .await;
    assert_eq!(code_of(r).await, (404, "report_expired".into()));
}

#[tokio::test]
async fn file_contents_returns_the_uploaded_bytes_of_each_page() {
    let env = env().await;
    let e = env.prepared(DEFAULT_PROCESS).await;
    let recto = png(Some("{\"name\":\"A\"}"), 300, 200);
    let verso = png(Some("{\"name\":\"B\"}"), 300, 200);
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 2, 1, verso.clone())
            .await
            .status(),
        204
    );
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 2, 0, recto.clone())
            .await
            .status(),
        204
    );
    let doc_id = env.admin(e.id).await["documents"]["id_document_image"]["doc_id"]
        .as_u64()
        .unwrap();
    let token = env.login_cached().await;
    for (page, expected) in [(0, &recto), (1, &verso)] {
        let r = env
            .get_with_token(
                &format!("document/{doc_id}/file_contents/?page_number={page}"),
                &token,
            )
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(&r.bytes().await.unwrap()[..], &expected[..]);
    }
    let r = env
        .get_with_token(
            &format!("document/{doc_id}/file_contents/?page_number=2"),
            &token,
        )
        .await;
    assert_eq!(code_of(r).await, (404, "unknown_document".into()));
}

#[tokio::test]
async fn the_sandbox_refuses_new_enrollments_when_full() {
    let env = env_with(id360_sandbox::Config {
        max_enrollments: 2,
        ..test_config()
    })
    .await;
    let token = env.login().await;
    for _ in 0..2 {
        assert_eq!(
            env.create(&token, DEFAULT_PROCESS, minimal_body("http://x/cb"))
                .await
                .status(),
            200
        );
    }
    let r = env
        .create(&token, DEFAULT_PROCESS, minimal_body("http://x/cb"))
        .await;
    assert_eq!(code_of(r).await, (507, "sandbox_full".into()));
}
