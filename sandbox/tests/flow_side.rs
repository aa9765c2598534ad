//! Flow endpoints (`x-api-key`): the happy path, ordering rules and every validation error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn the_whole_flow_reaches_an_ok_report_with_documents_hashes_and_identity() {
    let env = env().await;
    let e = env.enrollment(DEFAULT_PROCESS).await;
    let info = env.info(&e.api_key).await;
    assert_eq!(info.status(), 200);
    let info: Value = info.json().await.unwrap();
    assert_eq!(
        info["routes"],
        json!([{"id": ROUTE, "name": "Docaposte customizable online process"}])
    );
    assert_eq!(
        info["status"], "STARTED",
        "the first flow call starts the enrollment"
    );
    let names: Vec<&str> = info["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "id_document_image",
            "selfie_image_upload",
            "proof_of_address"
        ]
    );
    assert_eq!(env.select_route(&e.api_key, ROUTE).await.status(), 204);
    assert_eq!(env.consent(&e.api_key, true).await.status(), 204);
    let recto = png(
        Some(r#"{"name":"DUPONT","first_names":["Jean"],"birth_date":"1985-02-03","gender":"M"}"#),
        640,
        404,
    );
    let verso = card();
    let selfie = jpeg(None);
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 2, 0, recto.clone())
            .await
            .status(),
        204
    );
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 2, 1, verso.clone())
            .await
            .status(),
        204
    );
    assert_eq!(
        env.upload(&e.api_key, "selfie_image_upload", 1, 0, selfie.clone())
            .await
            .status(),
        204
    );
    assert_eq!(env.finalize(&e.api_key).await.status(), 204);

    let report = env.final_report(e.id).await;
    assert_eq!(report["status"], "OK");
    assert_eq!(report["draft"], false);
    assert_eq!(report["identity"]["name"], "DUPONT");
    assert_eq!(report["identity"]["first_names"], json!(["Jean"]));
    assert_eq!(report["accepted_cgu"], true);
    assert_eq!(report["uses_biometry"], true);
    assert_eq!(report["status_codes"], json!([]));
    let files = &report["documents"]["identity_document"][0]["files"];
    assert_eq!(files[0]["hash"], id360_sandbox::model::sha256_hex(&recto));
    assert_eq!(files[1]["hash"], id360_sandbox::model::sha256_hex(&verso));
    assert_eq!(files[0]["hash_algorithm"], "SHA-256");
    assert_eq!(
        report["documents"]["selfie"][0]["files"][0]["hash"],
        id360_sandbox::model::sha256_hex(&selfie)
    );
    assert_eq!(report["steps"]["id_document"]["status"], "OK");
    assert_eq!(report["steps"]["facecomparison"]["status"], "OK");
    assert_eq!(
        report["finalizer_reports"]["validator_report"]["is_valid"],
        true
    );

    let admin = env.admin(e.id).await;
    assert_eq!(admin["status"], "OK");
    assert_eq!(admin["finalize_count"], 1);
    assert_eq!(
        admin["documents"]["id_document_image"]["pages"][1]["size"],
        verso.len()
    );
    assert_eq!(
        admin["documents"]["id_document_image"]["pages"][0]["uploads"],
        1
    );
    assert!(
        !admin.to_string().contains(&e.api_key),
        "the admin listing never shows the api_key"
    );
    // after the verdict the api_key is finished for every call but enrollment_info
    assert_eq!(
        code_of(env.finalize(&e.api_key).await).await,
        (403, "enrollment_finished".into())
    );
    let info: Value = env.info(&e.api_key).await.json().await.unwrap();
    assert_eq!(info["status"], "OK");
}

#[tokio::test]
async fn paths_without_trailing_slash_work_as_in_the_vendor_guide() {
    let env = env().await;
    let e = env.enrollment(NO_SELFIE_PROCESS).await;
    let r = env
        .client
        .get(env.api("enrollment/flow/enrollment_info"))
        .header("x-api-key", &e.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_api_key_is_required_and_checked() {
    let env = env().await;
    let r = env
        .client
        .get(env.api("enrollment/flow/enrollment_info/"))
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (401, "unauthorized".into()));
    assert_eq!(
        code_of(env.info("0123456789abcdef0123456789abcdef").await).await,
        (401, "unauthorized".into())
    );
    let e = env.enrollment(DEFAULT_PROCESS).await;
    let mut wrong = e.api_key.clone();
    wrong.pop();
    wrong.push('x');
    assert_eq!(code_of(env.info(&wrong).await).await.0, 401);
    // a canceled enrollment's key is refused with 403
    let r = env
        .client
        .post(format!("{}/_sandbox/enrollments/{}/cancel", env.base, e.id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        code_of(env.select_route(&e.api_key, ROUTE).await).await,
        (403, "enrollment_finished".into())
    );
}

#[tokio::test]
async fn route_selection_accepts_only_the_process_routes() {
    let env = env().await;
    let e = env.enrollment(TWO_ROUTES_PROCESS).await;
    let info: Value = env.info(&e.api_key).await.json().await.unwrap();
    assert_eq!(info["routes"].as_array().unwrap().len(), 2);
    assert_eq!(
        code_of(env.select_route(&e.api_key, 1).await).await,
        (404, "unknown_route".into())
    );
    let r = env
        .flow_post(&e.api_key, "route/abc/select/", Vec::new())
        .await;
    assert_eq!(code_of(r).await, (404, "unknown_route".into()));
    assert_eq!(env.select_route(&e.api_key, 275127).await.status(), 204);
    assert_eq!(env.admin(e.id).await["selected_route"], 275127);
}

#[tokio::test]
async fn consent_needs_the_terms_and_records_biometry() {
    let env = env().await;
    let e = env.enrollment(DEFAULT_PROCESS).await;
    let r = env.flow_post(&e.api_key, "consent/", Vec::new()).await;
    assert_eq!(code_of(r).await, (400, "cgu_not_accepted".into()));
    let r = env
        .flow_post(&e.api_key, "consent/?accepted_cgu=false", Vec::new())
        .await;
    assert_eq!(code_of(r).await, (400, "cgu_not_accepted".into()));
    let r = env
        .flow_post(&e.api_key, "consent/?accepted_cgu=yes", Vec::new())
        .await;
    assert_eq!(code_of(r).await, (400, "invalid_query".into()));
    assert_eq!(env.consent(&e.api_key, false).await.status(), 204);
    assert_eq!(
        env.admin(e.id).await["consent"],
        json!({"accepted_cgu": true, "accepted_biometry": false})
    );
    assert_eq!(env.consent(&e.api_key, true).await.status(), 204);
    assert_eq!(env.admin(e.id).await["consent"]["accepted_biometry"], true);
}

#[tokio::test]
async fn uploads_need_route_then_consent_and_a_selfie_needs_biometry() {
    let env = env().await;
    let e = env.enrollment(DEFAULT_PROCESS).await;
    let up = |doc: &'static str| env.upload(&e.api_key, doc, 1, 0, card());
    assert_eq!(
        code_of(up("id_document_image").await).await,
        (409, "route_not_selected".into())
    );
    assert_eq!(env.select_route(&e.api_key, ROUTE).await.status(), 204);
    assert_eq!(
        code_of(up("id_document_image").await).await,
        (409, "consent_missing".into())
    );
    assert_eq!(env.consent(&e.api_key, false).await.status(), 204);
    assert_eq!(
        code_of(up("selfie_image_upload").await).await,
        (409, "biometry_consent_missing".into())
    );
    assert_eq!(up("id_document_image").await.status(), 204);
}

#[tokio::test]
async fn page_numbers_and_totals_are_validated() {
    let env = env().await;
    let e = env.prepared(DEFAULT_PROCESS).await;
    let k = &e.api_key;
    let cases: [(&str, (u16, &str)); 8] = [
        (
            "document/id_document_image/?total_pages=2&uploaded_page=2",
            (400, "page_out_of_range"),
        ),
        (
            "document/id_document_image/?total_pages=3&uploaded_page=0",
            (400, "invalid_page"),
        ),
        (
            "document/id_document_image/?total_pages=0&uploaded_page=0",
            (400, "invalid_page"),
        ),
        (
            "document/id_document_image/?total_pages=2",
            (400, "invalid_query"),
        ),
        (
            "document/id_document_image/?total_pages=-1&uploaded_page=0",
            (400, "invalid_query"),
        ),
        (
            "document/selfie_image_upload/?total_pages=2&uploaded_page=0",
            (400, "invalid_page"),
        ),
        (
            "document/selfie_image_upload/?total_pages=1&uploaded_page=1",
            (400, "invalid_page"),
        ),
        (
            "document/passport_scan/?total_pages=1&uploaded_page=0",
            (404, "unknown_document"),
        ),
    ];
    for (path, (status, code)) in cases {
        let got = code_of(env.flow_post(k, path, card()).await).await;
        assert_eq!(got, (status, code.to_string()), "{path}");
    }
    assert_eq!(
        env.upload(k, "id_document_image", 2, 0, card())
            .await
            .status(),
        204
    );
    let r = env.upload(k, "id_document_image", 1, 0, card()).await;
    assert_eq!(code_of(r).await, (409, "total_pages_mismatch".into()));
    assert!(env.admin(e.id).await["documents"]["id_document_image"]["pages"][1].is_null());
}

#[tokio::test]
async fn bodies_are_checked_by_size_and_magic_bytes() {
    let env = env().await;
    let e = env.prepared(DEFAULT_PROCESS).await;
    let k = &e.api_key;
    assert_eq!(
        code_of(env.upload(k, "id_document_image", 1, 0, Vec::new()).await).await,
        (400, "empty_body".into())
    );
    for bad in [
        b"GIF89a......".to_vec(),
        b"RIFF\0\0\0\0WEBPVP8 ".to_vec(),
        b"BM......".to_vec(),
        b"<html></html>".to_vec(),
        vec![0xFF, 0xD8],
    ] {
        let got = code_of(env.upload(k, "id_document_image", 1, 0, bad).await).await;
        assert_eq!(got, (415, "unsupported_format".into()));
    }
    let mut big = card();
    big.resize(9_500_001, 0);
    assert_eq!(
        code_of(env.upload(k, "id_document_image", 1, 0, big).await).await,
        (413, "payload_too_large".into())
    );
    let mut max = card();
    max.resize(9_500_000, 0);
    assert_eq!(
        env.upload(k, "id_document_image", 1, 0, max).await.status(),
        204,
        "exactly 9.5 MB is accepted"
    );
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
    assert_eq!(
        env.upload(k, "proof_of_address", 2, 0, pdf).await.status(),
        204,
        "generic document name"
    );
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    assert_eq!(
        env.upload(k, "proof_of_address", 2, 1, heic).await.status(),
        204
    );
    let admin = env.admin(e.id).await;
    assert_eq!(
        admin["documents"]["proof_of_address"]["pages"][0]["format"],
        "pdf"
    );
    assert_eq!(
        admin["documents"]["proof_of_address"]["pages"][1]["format"],
        "heic"
    );
}

#[tokio::test]
async fn a_reupload_replaces_the_page_and_is_counted() {
    let env = env().await;
    let e = env.prepared(DEFAULT_PROCESS).await;
    let first = png(Some("{\"name\":\"A\"}"), 300, 200);
    let second = png(Some("{\"name\":\"B\"}"), 300, 200);
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 1, 0, first)
            .await
            .status(),
        204
    );
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 1, 0, second.clone())
            .await
            .status(),
        204
    );
    let page = &env.admin(e.id).await["documents"]["id_document_image"]["pages"][0];
    assert_eq!(page["uploads"], 2);
    assert_eq!(page["sha256"], id360_sandbox::model::sha256_hex(&second));
    let stats: Value = env
        .client
        .get(format!("{}/_sandbox/stats", env.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        stats["stored_bytes"],
        second.len(),
        "the replaced page no longer counts"
    );
}

#[tokio::test]
async fn finalize_is_refused_until_every_page_and_the_selfie_are_in_and_accepted_once() {
    let env = env().await;
    let e = env.enrollment(DEFAULT_PROCESS).await;
    let k = &e.api_key;
    assert_eq!(
        code_of(env.finalize(k).await).await,
        (409, "route_not_selected".into())
    );
    assert_eq!(env.select_route(k, ROUTE).await.status(), 204);
    assert_eq!(
        code_of(env.finalize(k).await).await,
        (409, "consent_missing".into())
    );
    assert_eq!(env.consent(k, true).await.status(), 204);
    assert_eq!(
        code_of(env.finalize(k).await).await,
        (409, "missing_documents".into())
    );
    assert_eq!(
        env.upload(k, "id_document_image", 2, 0, card())
            .await
            .status(),
        204
    );
    let r = env.finalize(k).await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "missing_documents");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("id_document_image page 1 of 2") && detail.contains("selfie_image_upload"),
        "{detail}"
    );
    assert_eq!(
        env.upload(k, "id_document_image", 2, 1, card())
            .await
            .status(),
        204
    );
    assert_eq!(
        env.upload(k, "selfie_image_upload", 1, 0, jpeg(None))
            .await
            .status(),
        204
    );
    assert_eq!(env.finalize(k).await.status(), 204);
    assert_eq!(
        code_of(env.finalize(k).await).await,
        (409, "already_finalized".into())
    );
    assert_eq!(
        code_of(env.upload(k, "selfie_image_upload", 1, 0, jpeg(None)).await).await,
        (409, "already_finalized".into())
    );
    let admin = env.admin(e.id).await;
    assert_eq!(admin["finalize_count"], 1);
    assert_eq!(admin["finalize_refused"], 1);
}

#[tokio::test]
async fn a_process_without_selfie_finalizes_with_the_document_alone() {
    let env = env().await;
    let e = env.enrollment(NO_SELFIE_PROCESS).await;
    assert_eq!(env.select_route(&e.api_key, ROUTE).await.status(), 204);
    assert_eq!(env.consent(&e.api_key, false).await.status(), 204);
    let r = env
        .upload(&e.api_key, "selfie_image_upload", 1, 0, jpeg(None))
        .await;
    assert_eq!(code_of(r).await, (404, "unknown_document".into()));
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 1, 0, card())
            .await
            .status(),
        204
    );
    assert_eq!(env.finalize(&e.api_key).await.status(), 204);
    let report = env.final_report(e.id).await;
    assert_eq!(report["status"], "OK");
    assert_eq!(report["level"], "LOW");
    assert_eq!(report["uses_biometry"], false);
}

#[tokio::test]
async fn uploads_beyond_the_storage_bound_are_refused() {
    let env = env_with(id360_sandbox::Config {
        max_stored_bytes: 100_000,
        ..test_config()
    })
    .await;
    let e = env.prepared(DEFAULT_PROCESS).await;
    let mut page = card();
    page.resize(60_000, 0);
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 2, 0, page.clone())
            .await
            .status(),
        204
    );
    assert_eq!(
        env.upload(&e.api_key, "id_document_image", 2, 0, page.clone())
            .await
            .status(),
        204,
        "a replacement fits"
    );
    let r = env
        .upload(&e.api_key, "id_document_image", 2, 1, page)
        .await;
    assert_eq!(code_of(r).await, (507, "sandbox_full".into()));
}

#[tokio::test]
async fn the_admin_can_create_enrollments_without_a_token_for_browser_tests() {
    let env = env().await;
    let r = env
        .client
        .post(format!("{}/_sandbox/enrollments", env.base))
        .json(&json!({"process": NO_SELFIE_PROCESS}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let info: Value = env
        .info(v["api_key"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["process"], NO_SELFIE_PROCESS);
    let listing: Value = env
        .client
        .get(format!("{}/_sandbox/enrollments", env.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listing["enrollments"].as_array().unwrap().len(), 1);
}
