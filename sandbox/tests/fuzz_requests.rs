//! The sandbox under random requests (proptest): any method, path, query, headers and body on
//! every endpoint, with a real api_key and token half of the time. It must never answer 5xx
//! (no fault is switched on), never hang, and keep serving. `scripts/fuzz.sh` runs it longer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use std::sync::OnceLock;
use std::time::Duration;

struct World {
    rt: tokio::runtime::Runtime,
    base: String,
    client: reqwest::Client,
    api_key: String,
    token: String,
    _running: id360_sandbox::Running,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let running = rt
            .block_on(id360_sandbox::start(
                id360_sandbox::Config {
                    logins_per_minute: 1_000_000,
                    verdict_delay: Duration::from_millis(1),
                    ..Default::default()
                },
                "127.0.0.1:0".parse().unwrap(),
            ))
            .unwrap();
        let base = running.url();
        let _inside = rt.enter();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let (api_key, token) = rt.block_on(async {
            let login: serde_json::Value = client
                .post(format!("{base}/api/1.0.0/user/login/"))
                .json(&serde_json::json!({"username": "demo-app", "password": "demo-password"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let e: serde_json::Value = client
                .post(format!("{base}/_sandbox/enrollments"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (
                e["api_key"].as_str().unwrap().to_string(),
                login["token"].as_str().unwrap().to_string(),
            )
        });
        World {
            rt,
            base,
            client,
            api_key,
            token,
            _running: running,
        }
    })
}

fn config() -> ProptestConfig {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

const PATHS: [&str; 12] = [
    "user/login/",
    "user/whoami",
    "process/{}/enrollment/",
    "enrollment/{}/control/data/{}/",
    "enrollment/{}/report",
    "document/{}/file_contents/",
    "enrollment/flow/enrollment_info/",
    "enrollment/flow/route/{}/select/",
    "enrollment/flow/consent/",
    "enrollment/flow/document/{}/",
    "enrollment/flow/finalize_enrollment",
    "enrollment/{}",
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_requests_never_get_a_5xx(
        path in 0usize..PATHS.len(),
        segments in proptest::collection::vec("[a-zA-Z0-9_.%~-]{0,12}|0b1e5e1f-3f6a-4d8e-9c1a-000000000001|17330|275128|id_document_image", 3),
        query in "[a-z_=&0-9%.-]{0,40}|total_pages=[0-9-]{1,4}&uploaded_page=[0-9-]{1,4}|accepted_cgu=(true|false|x)&accepted_biometry=(true|1)",
        method in prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE")],
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..3000),
            Just(b"{\"username\":\"demo-app\",\"password\":\"demo-password\"}".to_vec()),
            Just(b"{\"browser_callback_url\":\"http://x/y\",\"callback_endpoints\":[{\"url\":\"http://127.0.0.1:9/\"}]}".to_vec()),
            Just(b"\xFF\xD8\xFF\xE0garbage jpeg".to_vec()),
        ],
        with_key in any::<bool>(), with_token in any::<bool>(),
        junk_header in "[ -~]{0,40}",
    ) {
        let w = world();
        let _inside = w.rt.enter();
        let mut p = PATHS[path].to_string();
        for s in &segments {
            p = p.replacen("{}", s, 1);
        }
        let url = format!("{}/api/1.0.0/{p}?{query}", w.base);
        let mut req = w.client.request(method.parse().unwrap(), &url).body(body);
        if with_key {
            req = req.header("x-api-key", &w.api_key);
        } else if let Ok(v) = reqwest::header::HeaderValue::from_str(&junk_header) {
            req = req.header("x-api-key", v);
        }
        if with_token {
            req = req.header("Authorization", format!("Token {}", w.token));
        } else if let Ok(v) = reqwest::header::HeaderValue::from_str(&junk_header) {
            req = req.header("Authorization", v);
        }
        let status = w.rt.block_on(async move { req.send().await }).map(|r| r.status().as_u16());
        match status {
            Ok(s) => prop_assert!(s < 500, "{method} {url} answered {s}"),
            Err(e) => prop_assert!(false, "{method} {url}: no answer ({e})"),
        }
    }
}

#[test]
fn the_sandbox_still_answers_after_the_fuzzing() {
    let w = world();
    let ok = w.rt.block_on(async {
        w.client
            .get(format!("{}/_sandbox/health", w.base))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    assert_eq!(ok.unwrap(), 200);
}
