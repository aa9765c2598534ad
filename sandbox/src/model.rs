//! The sandbox's in-memory state: applications' tokens, enrollments, uploaded pages.

use crate::clock::iso;
use crate::sniff::Format;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// A secret (api_key, token) whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Secret {
    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Enrollment status, as ID360 names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Created, no flow call yet.
    New,
    /// The end user began (first flow call).
    Started,
    /// Verified.
    Ok,
    /// Documents incorrect.
    Ko,
    /// Internal error.
    Failed,
    /// The user ran out of time or gave up.
    Canceled,
    /// Stopped through the API.
    Discontinued,
}

impl Status {
    /// Whether the enrollment reached an end (no flow call accepted any more).
    pub fn is_final(self) -> bool {
        !matches!(self, Status::New | Status::Started)
    }
    /// The upper-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "NEW",
            Status::Started => "STARTED",
            Status::Ok => "OK",
            Status::Ko => "KO",
            Status::Failed => "FAILED",
            Status::Canceled => "CANCELED",
            Status::Discontinued => "DISCONTINUED",
        }
    }
}

/// `{"name", "value"}` header pair of a callback endpoint.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct HeaderPair {
    /// Header name.
    pub name: String,
    /// Header value (the guide's example answer omits it; we keep it).
    #[serde(default)]
    pub value: String,
}

/// One entry of `callback_endpoints`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CallbackEndpoint {
    /// Where to POST.
    pub url: String,
    /// Event letters (`E`, `F`, `C`; meaning unknown, see `callbacks::endpoint_wants`).
    #[serde(default)]
    pub on: Vec<String>,
    /// Headers sent with each callback.
    #[serde(default)]
    pub headers: Vec<HeaderPair>,
}

/// One uploaded page.
#[derive(Clone, Debug)]
pub struct Page {
    /// The bytes as received.
    pub bytes: Bytes,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Sniffed format.
    pub format: Format,
    /// How many times this page was received (a re-upload replaces it and counts here).
    pub uploads: u32,
    /// When it was last received.
    pub received_at: DateTime<Utc>,
}

/// A document (one `{document_name}`) of an enrollment.
#[derive(Clone, Debug)]
pub struct UploadedDocument {
    /// Id used by `document/{doc_id}/file_contents/`.
    pub doc_id: u64,
    /// `total_pages` declared by the first page uploaded.
    pub total_pages: u32,
    /// Pages by index; `None` until received.
    pub pages: Vec<Option<Page>>,
}

impl UploadedDocument {
    /// Whether every declared page is in.
    pub fn is_complete(&self) -> bool {
        self.pages.iter().all(Option::is_some)
    }
    /// Bytes held.
    pub fn stored_bytes(&self) -> usize {
        self.pages.iter().flatten().map(|p| p.bytes.len()).sum()
    }
}

/// A value recorded through data comparison.
#[derive(Clone, Debug, Serialize)]
pub struct ExpectedValue {
    /// The raw value.
    pub value: String,
    /// Locked values cannot be changed.
    pub locked: bool,
}

/// Consent given through `enrollment/flow/consent/`.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Consent {
    /// `accepted_cgu`.
    pub accepted_cgu: bool,
    /// `accepted_biometry`.
    pub accepted_biometry: bool,
}

/// One enrollment.
#[derive(Clone, Debug)]
pub struct Enrollment {
    /// Integer id.
    pub id: u64,
    /// UUID of its process.
    pub process_uuid: String,
    /// The integer the creation answer calls `process`.
    pub process_number: u64,
    /// The api_key, kept for constant-time comparison (never logged or listed).
    pub api_key: Secret,
    /// Creation body fields echoed back.
    pub browser_callback_url: String,
    /// Integrator's own reference.
    pub client_reference: Option<String>,
    /// Where callbacks go.
    pub callback_endpoints: Vec<CallbackEndpoint>,
    /// Headers added to every callback.
    pub callback_headers: BTreeMap<String, String>,
    /// Optional personal fields and `group`, stored as given.
    pub extra_fields: BTreeMap<String, String>,
    /// Current status.
    pub status: Status,
    /// Reason of a final status.
    pub reason: Option<String>,
    /// Times.
    pub creation_time: DateTime<Utc>,
    /// First flow call.
    pub starting_time: Option<DateTime<Utc>>,
    /// Verdict time.
    pub finished_time: Option<DateTime<Utc>>,
    /// Selected route id.
    pub selected_route: Option<u64>,
    /// Consent, once given.
    pub consent: Option<Consent>,
    /// Documents by name.
    pub documents: BTreeMap<String, UploadedDocument>,
    /// Values recorded by data comparison.
    pub expected_data: BTreeMap<String, ExpectedValue>,
    /// Accepted finalize calls (must never exceed 1).
    pub finalize_count: u32,
    /// Finalize calls refused because already finalized.
    pub finalize_refused: u32,
    /// The verdict, once verification ran.
    pub verdict: Option<crate::verdict::Verdict>,
    /// Steps counted in intermediate callbacks' `steps_status.total`.
    pub steps_total: u32,
    /// Callback sequence number (increases with every event).
    pub callback_sequence: u64,
    /// Flow requests authenticated with this enrollment's api_key (CORS preflights excluded).
    pub flow_requests: u64,
}

impl Enrollment {
    /// The JSON answered by enrollment creation (exactly the documented keys).
    pub fn creation_json(&self, base_url: &str) -> serde_json::Value {
        serde_json::json!({
            "url": format!("{base_url}/api/1.0.0/enrollment/{}", self.id),
            "id": self.id,
            "process": self.process_number,
            "api_key": self.api_key.expose(),
            "browser_callback_url": self.browser_callback_url,
            "client_reference": self.client_reference,
            "status": self.status,
            "reason": self.reason,
            "creation_time": iso(self.creation_time),
            "starting_time": self.starting_time.map(iso),
            "finished_time": self.finished_time.map(iso),
            "callback_endpoints": self.callback_endpoints,
        })
    }

    /// Bytes held by all its pages.
    pub fn stored_bytes(&self) -> usize {
        self.documents
            .values()
            .map(UploadedDocument::stored_bytes)
            .sum()
    }
}

/// A token handed out by login.
#[derive(Clone, Debug)]
pub struct Token {
    /// The application it belongs to.
    pub username: String,
    /// The token itself, for constant-time comparison.
    pub secret: Secret,
    /// Last call that used it.
    pub last_used: DateTime<Utc>,
}

/// A secret's lookup key: its SHA-256, so that map lookups never compare secret prefixes.
pub fn secret_digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One callback delivery attempt, for the admin listing.
#[derive(Clone, Debug, Serialize)]
pub struct CallbackAttempt {
    /// Enrollment id.
    pub enrollment_id: u64,
    /// Target URL.
    pub url: String,
    /// Status in the payload.
    pub status: String,
    /// Sequence number of the event.
    pub sequence: u64,
    /// 1 for the first try.
    pub attempt: u32,
    /// HTTP status answered, if any.
    pub http_status: Option<u16>,
    /// Error, if the request failed.
    pub error: Option<String>,
    /// Whether this attempt delivered it.
    pub delivered: bool,
}

/// Everything mutable, behind one mutex (never held across an await).
#[derive(Debug, Default)]
pub struct State {
    /// Enrollments by id.
    pub enrollments: BTreeMap<u64, Enrollment>,
    /// api_key digest → enrollment id.
    pub by_api_key: HashMap<[u8; 32], u64>,
    /// document id → (enrollment id, document name).
    pub documents: HashMap<u64, (u64, String)>,
    /// token digest → token.
    pub tokens: HashMap<[u8; 32], Token>,
    /// Recent login attempts per username (for the rate limit).
    pub login_attempts: HashMap<String, VecDeque<DateTime<Utc>>>,
    /// Successful logins since start.
    pub login_count: u64,
    /// Next enrollment id.
    pub next_enrollment_id: u64,
    /// Next document id.
    pub next_document_id: u64,
    /// Bytes held by all pages.
    pub stored_bytes: usize,
    /// Callback attempts, oldest first (bounded).
    pub callback_log: VecDeque<CallbackAttempt>,
    /// Faults injected so far, per endpoint.
    pub faults_injected: BTreeMap<String, u64>,
}

/// Most callback attempts kept for the admin listing.
pub const CALLBACK_LOG_LIMIT: usize = 10_000;

impl State {
    /// A fresh state; ids start where real ones look like (17330...).
    pub fn new() -> Self {
        State {
            next_enrollment_id: 17330,
            next_document_id: 90001,
            ..State::default()
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let s = super::Secret("0123456789abcdef0123456789abcdef".into());
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(s.expose(), "0123456789abcdef0123456789abcdef");
    }
}
