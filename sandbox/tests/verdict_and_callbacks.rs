//! Verdicts (deterministic, steered by hints inside the images) and callbacks (headers, order
//! data, retries after a failed delivery).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use id360_sandbox::Config;
use serde_json::{json, Value};

async fn finalize_with(env: &Env, process: &str, recto: Vec<u8>, selfie: Option<Vec<u8>>) -> Value {
    let e = env.prepared(process).await;
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 1, 0, recto)
            .await
            .status(),
        204
    );
    if let Some(s) = selfie {
        assert_eq!(
            env.upload(&e.api_key, "selfie_image_upload", 1, 0, s)
                .await
                .status(),
            204
        );
    }
    assert_eq!(env.finalize(&e.api_key).await.status(), 204);
    env.final_report(e.id).await
}

fn codes(report: &Value) -> Vec<(String, String)> {
    report["status_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["status_code"]["code"].as_str().unwrap().to_string(),
                c["where"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_image_too_small_or_undecodable_gives_ko_mdl_input_invalid() {
    let env = env().await;
    let small = finalize_with(&env, NO_SELFIE_PROCESS, png(None, 150, 100), None).await;
    assert_eq!(small["status"], "KO");
    assert_eq!(small["reason"], "MDL_INPUT_INVALID");
    assert_eq!(
        codes(&small),
        [("MDL_INPUT_INVALID".to_string(), "id_document".to_string())]
    );
    assert_eq!(small["identity"], Value::Null);
    assert_eq!(small["identity_status"], "KO");

    let mut broken = card();
    broken.truncate(200); // a PNG header and nothing else
    let broken = finalize_with(&env, NO_SELFIE_PROCESS, broken, None).await;
    assert_eq!(broken["status"], "KO");
    assert_eq!(codes(&broken)[0].0, "MDL_INPUT_INVALID");
    assert_eq!(broken["documents"]["identity_document"][0]["status"], "KO");
}

#[tokio::test]
async fn hints_force_a_ko_or_a_failed_verdict_with_their_status_code() {
    let env = env().await;
    let ko = finalize_with(
        &env,
        NO_SELFIE_PROCESS,
        png(
            Some(r#"{"verdict":"KO","status_code":"VLD_ID_INVALID"}"#),
            640,
            404,
        ),
        None,
    )
    .await;
    assert_eq!(ko["status"], "KO");
    assert_eq!(
        codes(&ko),
        [("VLD_ID_INVALID".to_string(), "id_document".to_string())]
    );
    let failed = finalize_with(
        &env,
        NO_SELFIE_PROCESS,
        png(Some(r#"{"verdict":"FAILED"}"#), 640, 404),
        None,
    )
    .await;
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(codes(&failed)[0].0, "UNKNOWN_ERROR");
}

#[tokio::test]
async fn a_selfie_that_does_not_match_gives_ko_at_facecomparison() {
    let env = env().await;
    let report = finalize_with(
        &env,
        DEFAULT_PROCESS,
        card(),
        Some(jpeg(Some(r#"{"face_match":false}"#))),
    )
    .await;
    assert_eq!(report["status"], "KO");
    assert_eq!(
        codes(&report),
        [(
            "MDL_CHALLENGE_NOT_MET".to_string(),
            "facecomparison".to_string()
        )]
    );
    assert_eq!(report["steps"]["facecomparison"]["status"], "KO");
    assert_eq!(report["steps"]["id_document"]["status"], "OK");
}

async fn control(env: &Env, id: u64, name: &str, value: &str) {
    assert_eq!(env.control_data(id, name, value, true).await.status(), 204);
}

#[tokio::test]
async fn data_comparison_gives_ok_when_values_match_and_ko_vld_validation_ko_otherwise() {
    let env = env().await;
    let doc = || {
        png(
            Some(r#"{"name":"LEFÈVRE","first_names":["Zoé","Anne"],"birth_date":"1978-11-30"}"#),
            640,
            404,
        )
    };
    for (name, first, birth, expected) in [
        ("Lefevre", "zoé", "30/11/1978", "OK"),
        ("Lefevre", "Zoé", "1978-11-29", "KO"),
        ("DURAND", "Zoé", "1978-11-30", "KO"),
    ] {
        let e = env.prepared(DATA_CHECK_PROCESS).await;
        control(&env, e.id, "name", name).await;
        control(&env, e.id, "first_name", first).await;
        control(&env, e.id, "birth_date", birth).await;
        assert_eq!(
            env.upload(&e.api_key, "id_document_image", 1, 0, doc())
                .await
                .status(),
            204
        );
        assert_eq!(
            env.upload(&e.api_key, "selfie_image_upload", 1, 0, jpeg(None))
                .await
                .status(),
            204
        );
        assert_eq!(env.finalize(&e.api_key).await.status(), 204);
        let report = env.final_report(e.id).await;
        assert_eq!(report["status"], expected, "{name} {first} {birth}");
        let validations = report["finalizer_reports"]["validator_report"]["validations"]
            .as_array()
            .unwrap();
        assert_eq!(validations.len(), 3);
        if expected == "KO" {
            assert_eq!(
                codes(&report)[0],
                (
                    "VLD_VALIDATION_KO".to_string(),
                    "data_comparison".to_string()
                )
            );
            assert_eq!(
                validations
                    .iter()
                    .filter(|v| v["is_valid"] == false)
                    .count(),
                1
            );
        }
    }
    // a field the process expects but the integrator never sent
    let e = env.prepared(DATA_CHECK_PROCESS).await;
    control(&env, e.id, "name", "LEFEVRE").await;
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 1, 0, doc())
            .await
            .status(),
        204
    );
    assert_eq!(
        env.upload(&e.api_key, "selfie_image_upload", 1, 0, jpeg(None))
            .await
            .status(),
        204
    );
    assert_eq!(env.finalize(&e.api_key).await.status(), 204);
    let report = env.final_report(e.id).await;
    assert_eq!(report["status"], "KO");
    assert_eq!(codes(&report).len(), 2, "first_name and birth_date missing");
}

#[tokio::test]
async fn callbacks_carry_the_endpoint_and_enrollment_headers_and_end_with_the_final_status() {
    let env = env().await;
    let (url, rx, _server) = receiver(0).await;
    let body = json!({
        "browser_callback_url": "https://example.com/done",
        "client_reference": "ref-42",
        "callback_endpoints": [{"url": url, "on": [], "headers": [{"name": "X-Secret", "value": "s1"}]}],
        "callback_headers": {"X-Tenant": "bank"},
    });
    let e = env.enrollment_with(NO_SELFIE_PROCESS, body).await;
    assert_eq!(env.select_route(&e.api_key, ROUTE).await.status(), 204);
    assert_eq!(env.consent(&e.api_key, false).await.status(), 204);
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 1, 0, card())
            .await
            .status(),
        204
    );
    assert_eq!(env.finalize(&e.api_key).await.status(), 204);
    eventually("the final callback", || {
        rx.received
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.body["status"] == "OK")
    })
    .await;
    let received = rx.received.lock().unwrap().clone();
    for r in &received {
        assert_eq!(r.headers["x-secret"], "s1");
        assert_eq!(r.headers["x-tenant"], "bank");
        assert_eq!(r.body["id"], e.id);
        assert_eq!(r.body["client_reference"], "ref-42");
    }
    let mut intermediate: Vec<&Value> = received
        .iter()
        .map(|r| &r.body)
        .filter(|b| b["status"] == "STARTED")
        .collect();
    intermediate.sort_by_key(|b| b["sequence"].as_u64());
    // started, route, consent, document, finalize
    assert_eq!(intermediate.len(), 5);
    let done: Vec<u64> = intermediate
        .iter()
        .map(|b| b["steps_status"]["done"].as_u64().unwrap())
        .collect();
    assert_eq!(done, [1, 2, 3, 4, 5]);
    assert!(intermediate.iter().all(|b| b["steps_status"]["total"] == 5));
    let last = received
        .iter()
        .map(|r| &r.body)
        .find(|b| b["status"] == "OK")
        .unwrap();
    assert_eq!(
        last["sequence"], 6,
        "the final callback has the highest sequence"
    );
}

#[tokio::test]
async fn a_failed_callback_delivery_is_retried() {
    let env = env().await;
    let (url, rx, _server) = receiver(2).await;
    let body = json!({
        "browser_callback_url": "https://example.com/done",
        "callback_endpoints": [{"url": url, "on": ["F"]}],
    });
    let e = env.enrollment_with(NO_SELFIE_PROCESS, body).await;
    assert_eq!(env.select_route(&e.api_key, ROUTE).await.status(), 204);
    assert_eq!(env.consent(&e.api_key, false).await.status(), 204);
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 1, 0, card())
            .await
            .status(),
        204
    );
    assert_eq!(env.finalize(&e.api_key).await.status(), 204);
    eventually("a delivered final callback", || {
        !rx.received.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(
        *rx.attempts.lock().unwrap(),
        3,
        "two failures, then delivered"
    );
    let received = rx.received.lock().unwrap().clone();
    assert_eq!(
        received.len(),
        1,
        "`on: [F]` selects only the final verdict"
    );
    assert_eq!(received[0].body["status"], "OK");
    let log: Value = env
        .client
        .get(format!("{}/_sandbox/callbacks", env.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let attempts: Vec<(u64, bool)> = log["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["attempt"].as_u64().unwrap(),
                a["delivered"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(attempts, [(1, false), (2, false), (3, true)]);
}

#[tokio::test]
async fn canceling_sends_a_c_callback_and_finishes_the_key() {
    let env = env().await;
    let (url, rx, _server) = receiver(0).await;
    let body = json!({
        "browser_callback_url": "https://example.com/done",
        "callback_endpoints": [{"url": url, "on": ["C"]}],
    });
    let e = env.enrollment_with(DEFAULT_PROCESS, body).await;
    assert_eq!(env.info(&e.api_key).await.status(), 200);
    let r = env
        .client
        .post(format!("{}/_sandbox/enrollments/{}/cancel", env.base, e.id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    eventually("the cancel callback", || {
        !rx.received.lock().unwrap().is_empty()
    })
    .await;
    let received = rx.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body["status"], "CANCELED");
}

#[tokio::test]
async fn samples_are_served_with_hints_and_padding() {
    let env = env().await;
    let r = env
        .client
        .get(format!(
            "{}/_sandbox/samples/id_document.jpg?name=DUPONT&first_names=Jean,Paul&pad_to=400000",
            env.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let bytes = r.bytes().await.unwrap().to_vec();
    assert!(
        bytes.len() >= 399_000 && bytes.len() <= 401_000,
        "{}",
        bytes.len()
    );
    let hint = id360_sandbox::verdict::jpeg_comment(&bytes, "id360-sandbox").unwrap();
    let hint: Value = serde_json::from_str(&hint).unwrap();
    assert_eq!(
        hint,
        json!({"name": "DUPONT", "first_names": ["Jean", "Paul"]})
    );
    let report = finalize_with(&env, NO_SELFIE_PROCESS, bytes, None).await;
    assert_eq!(report["identity"]["first_names"], json!(["Jean", "Paul"]));
    let r = env
        .client
        .get(format!("{}/_sandbox/samples/x.gif", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = env
        .client
        .get(format!("{}/_sandbox/samples/x.png?width=99999", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_files_folder_is_served_read_only_and_nothing_outside_it() {
    let dir = std::env::temp_dir().join(format!("id360-files-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("frames")).unwrap();
    std::fs::write(dir.join("frames/a.png"), b"\x89PNG-ish").unwrap();
    std::fs::write(dir.join("manifest.json"), b"{}").unwrap();
    let env = env_with(Config {
        files_dir: Some(dir.clone()),
        ..test_config()
    })
    .await;
    let get = |path: &str| {
        env.client
            .get(format!("{}/_sandbox/files/{path}", env.base))
            .send()
    };
    let r = get("frames/a.png").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"\x89PNG-ish");
    assert_eq!(get("manifest.json").await.unwrap().status(), 200);
    for outside in [
        "../Cargo.toml",
        "frames/../../x",
        "%2e%2e/x",
        "missing.png",
        "frames",
    ] {
        assert_eq!(get(outside).await.unwrap().status(), 404, "{outside}");
    }
    // without a folder, nothing is served
    let plain = env_with(test_config()).await;
    let r = plain
        .client
        .get(format!("{}/_sandbox/files/manifest.json", plain.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let _ = std::fs::remove_dir_all(dir);
}
