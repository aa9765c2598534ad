//! Sandbox configuration: the demo application, the processes it offers, limits and timings.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The largest file ID360 accepts for one uploaded page. ID360 says "9.5 MB"; we read it as
/// 9 500 000 bytes (decimal), the stricter of the two readings, so that whatever the sandbox
/// accepts the real service accepts too.
pub const MAX_PAGE_BYTES: usize = 9_500_000;

/// One route a process offers (e.g. Docaposte's customizable online process).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RouteConfig {
    /// Route id, as listed by `enrollment_info` and used in `route/{id}/select/`.
    pub id: u64,
    /// Human-readable name.
    pub name: String,
}

/// One document a process accepts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DocumentConfig {
    /// The `{document_name}` of the upload path, e.g. `id_document_image`.
    pub name: String,
    /// Report category the document is listed under, e.g. `identity_document`, `selfie`.
    pub category: String,
    /// Whether finalize requires it.
    pub required: bool,
    /// Largest `total_pages` accepted.
    pub max_pages: u32,
}

/// A process (created in ID360's admin UI in real life).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ProcessConfig {
    /// The process UUID used in `process/{uuid}/enrollment/`.
    pub uuid: String,
    /// Short name printed at start.
    pub name: String,
    /// Routes offered (one for the customizable online process).
    pub routes: Vec<RouteConfig>,
    /// Documents accepted. A document named `selfie_image_upload` needs biometry consent.
    pub documents: Vec<DocumentConfig>,
    /// Data fields the integrator is expected to send through data comparison.
    #[serde(default)]
    pub expected_data: Vec<String>,
    /// Assurance level written in reports (`LOW`, `SUBSTANTIAL`).
    #[serde(default = "default_level")]
    pub level: String,
}

fn default_level() -> String {
    "SUBSTANTIAL".to_string()
}

/// Name of the selfie document, which needs `accepted_biometry=true` and exactly one page.
pub const SELFIE_DOCUMENT: &str = "selfie_image_upload";
/// Name of the identity document.
pub const ID_DOCUMENT: &str = "id_document_image";
/// Route id of the customizable online process in the built-in processes.
pub const DEFAULT_ROUTE_ID: u64 = 275128;

fn id_document(max_pages: u32) -> DocumentConfig {
    DocumentConfig {
        name: ID_DOCUMENT.into(),
        category: "identity_document".into(),
        required: true,
        max_pages,
    }
}

fn selfie(required: bool) -> DocumentConfig {
    DocumentConfig {
        name: SELFIE_DOCUMENT.into(),
        category: "selfie".into(),
        required,
        max_pages: 1,
    }
}

fn proof_of_address() -> DocumentConfig {
    DocumentConfig {
        name: "proof_of_address".into(),
        category: "proof_of_address".into(),
        required: false,
        max_pages: 3,
    }
}

fn online_route() -> RouteConfig {
    RouteConfig {
        id: DEFAULT_ROUTE_ID,
        name: "Docaposte customizable online process".into(),
    }
}

/// The processes every sandbox starts with (their UUIDs are stable, so tests and demos can
/// hard-wire them).
pub fn builtin_processes() -> Vec<ProcessConfig> {
    vec![
        ProcessConfig {
            uuid: "0b1e5e1f-3f6a-4d8e-9c1a-000000000001".into(),
            name: "default: ID document (1-2 pages) + selfie with biometry, one route".into(),
            routes: vec![online_route()],
            documents: vec![id_document(2), selfie(true), proof_of_address()],
            expected_data: vec![],
            level: default_level(),
        },
        ProcessConfig {
            uuid: "0b1e5e1f-3f6a-4d8e-9c1a-000000000002".into(),
            name: "no-selfie: ID document only, one route".into(),
            routes: vec![online_route()],
            documents: vec![id_document(2)],
            expected_data: vec![],
            level: "LOW".into(),
        },
        ProcessConfig {
            uuid: "0b1e5e1f-3f6a-4d8e-9c1a-000000000003".into(),
            name: "two-routes: La Poste digital identity or the online process".into(),
            routes: vec![
                RouteConfig {
                    id: 275127,
                    name: "La Poste digital identity".into(),
                },
                online_route(),
            ],
            documents: vec![id_document(2), selfie(true)],
            expected_data: vec![],
            level: default_level(),
        },
        ProcessConfig {
            uuid: "0b1e5e1f-3f6a-4d8e-9c1a-000000000004".into(),
            name: "data-check: default + expected name, first_name, birth_date".into(),
            routes: vec![online_route()],
            documents: vec![id_document(2), selfie(true)],
            expected_data: vec!["name".into(), "first_name".into(), "birth_date".into()],
            level: default_level(),
        },
    ]
}

/// Everything the sandbox can be configured with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Username of the demo application (`POST user/login/`).
    pub username: String,
    /// Password of the demo application.
    pub password: String,
    /// Processes offered.
    pub processes: Vec<ProcessConfig>,
    /// Token lifetime after its last use (ID360: 15 minutes).
    pub token_ttl: Duration,
    /// Logins accepted per application per minute before 429.
    pub logins_per_minute: usize,
    /// Most enrollments kept in memory; creation beyond answers 507.
    pub max_enrollments: usize,
    /// Most uploaded bytes kept in memory; uploads beyond answer 507.
    pub max_stored_bytes: usize,
    /// Delay between finalize and the verdict.
    pub verdict_delay: Duration,
    /// Delivery attempts per callback (first try included).
    pub callback_attempts: u32,
    /// First retry delay of a failed callback; doubles on each retry.
    pub callback_retry_base: Duration,
    /// Origins allowed to call the flow endpoints from a browser; empty = any origin.
    pub allowed_origins: Vec<String>,
    /// Print one line per request on stderr.
    pub log_requests: bool,
    /// Seed of the fault injector's random draws (None = from entropy).
    pub fault_seed: Option<u64>,
    /// A folder served read-only under `/_sandbox/files/` (test photographs for browser tests
    /// and benchmarks); None = nothing served.
    pub files_dir: Option<std::path::PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            username: "demo-app".into(),
            password: "demo-password".into(),
            processes: builtin_processes(),
            token_ttl: Duration::from_secs(15 * 60),
            logins_per_minute: 10,
            max_enrollments: 10_000,
            max_stored_bytes: 512 * 1024 * 1024,
            verdict_delay: Duration::from_millis(1500),
            callback_attempts: 5,
            callback_retry_base: Duration::from_millis(500),
            allowed_origins: Vec::new(),
            log_requests: false,
            fault_seed: None,
            files_dir: None,
        }
    }
}

impl Config {
    /// The process with this UUID, if offered.
    pub fn process(&self, uuid: &str) -> Option<&ProcessConfig> {
        self.processes
            .iter()
            .find(|p| p.uuid.eq_ignore_ascii_case(uuid))
    }
}

/// Reads a JSON file holding an array of processes (the same shape as [`ProcessConfig`]).
pub fn load_processes(path: &std::path::Path) -> Result<Vec<ProcessConfig>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read processes file {}: {e}", path.display()))?;
    let processes: Vec<ProcessConfig> = serde_json::from_str(&text)
        .map_err(|e| format!("processes file {} is not valid: {e}", path.display()))?;
    for p in &processes {
        if p.routes.is_empty() {
            return Err(format!("process {} has no route", p.uuid));
        }
        if p.documents.iter().any(|d| d.max_pages == 0) {
            return Err(format!(
                "process {} has a document with max_pages = 0",
                p.uuid
            ));
        }
    }
    Ok(processes)
}
