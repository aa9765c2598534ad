//! Error kinds: one [`FlowError`] with a stable [`ErrorCode`], the HTTP status when there was
//! one, the [`Step`] it happened in, and a message that says what to do. Messages never contain
//! the api_key.

use serde::Serialize;
use std::fmt;
use tsify::Tsify;

/// Stable, machine-readable error codes (the `code` of the JS `Id360Error`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Tsify)]
#[serde(rename_all = "snake_case")]
#[tsify(rename = "Id360ErrorCode")]
pub enum ErrorCode {
    /// A caller argument is wrong (bad option, api_key, route id, page list), or ID360 answered
    /// 400 to something the library could not check beforehand.
    InvalidInput,
    /// A page is not JPEG, PNG, PDF or HEIC (by its bytes), or ID360 answered 415.
    UnsupportedFormat,
    /// A page is larger than 9.5 MB, or ID360 answered 413.
    PayloadTooLarge,
    /// A step was called before the steps it needs (or twice), or ID360 answered 409.
    OutOfOrder,
    /// The api_key is unknown, or the enrollment has ended (401/403).
    Unauthorized,
    /// ID360 answered 404 (unknown route, document or endpoint: check `baseUrl`).
    NotFound,
    /// ID360 answered 429 after every retry.
    RateLimited,
    /// ID360 answered 5xx after every retry.
    Server,
    /// The request did not reach ID360 or its answer was lost, after every retry.
    Network,
    /// No answer within the timeout, after every retry.
    Timeout,
    /// The caller's AbortSignal fired.
    Aborted,
    /// ID360 answered something the library does not understand (wrong shape, redirect,
    /// malformed or oversized body).
    InvalidResponse,
    /// The user (or a policy: iframe without `allow="camera"`) refused the camera.
    PermissionDenied,
    /// No camera, or none matching the request.
    NoCamera,
    /// The camera is used by another application or could not start.
    CameraInUse,
    /// The page is not a secure context (https or localhost): browsers hide the camera.
    InsecureContext,
    /// This browser lacks what the operation needs (camera API, canvas, image decoding).
    Unsupported,
    /// No document was found in the picture to crop (`capture({ crop })`, `cropDocument`).
    NoDocument,
}

impl ErrorCode {
    /// The code as exposed to JS (`"invalid_input"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::UnsupportedFormat => "unsupported_format",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::OutOfOrder => "out_of_order",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "not_found",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Server => "server",
            ErrorCode::Network => "network",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Aborted => "aborted",
            ErrorCode::InvalidResponse => "invalid_response",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::NoCamera => "no_camera",
            ErrorCode::CameraInUse => "camera_in_use",
            ErrorCode::InsecureContext => "insecure_context",
            ErrorCode::Unsupported => "unsupported",
            ErrorCode::NoDocument => "no_document",
        }
    }

    /// Every code, in documentation order.
    pub const ALL: [ErrorCode; 18] = [
        ErrorCode::InvalidInput,
        ErrorCode::UnsupportedFormat,
        ErrorCode::PayloadTooLarge,
        ErrorCode::OutOfOrder,
        ErrorCode::Unauthorized,
        ErrorCode::NotFound,
        ErrorCode::RateLimited,
        ErrorCode::Server,
        ErrorCode::Network,
        ErrorCode::Timeout,
        ErrorCode::Aborted,
        ErrorCode::InvalidResponse,
        ErrorCode::PermissionDenied,
        ErrorCode::NoCamera,
        ErrorCode::CameraInUse,
        ErrorCode::InsecureContext,
        ErrorCode::Unsupported,
        ErrorCode::NoDocument,
    ];

    /// Whether trying the same request again may succeed (network, timeout, 5xx, 429).
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::Network | ErrorCode::Timeout | ErrorCode::Server | ErrorCode::RateLimited
        )
    }
}

/// The step of the flow an error happened in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Tsify)]
#[serde(rename_all = "snake_case")]
#[tsify(rename = "Id360Step")]
pub enum Step {
    /// Reading `enrollment_info`.
    Info,
    /// Selecting the route.
    Route,
    /// Accepting the terms (consent).
    Consent,
    /// Uploading a document page.
    Document,
    /// Uploading the selfie.
    Selfie,
    /// Finalizing.
    Finalize,
    /// Opening or using the camera, capturing, preparing a file.
    Capture,
}

impl Step {
    /// The step as exposed to JS (`"info"`, `"route"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Info => "info",
            Step::Route => "route",
            Step::Consent => "consent",
            Step::Document => "document",
            Step::Selfie => "selfie",
            Step::Finalize => "finalize",
            Step::Capture => "capture",
        }
    }
}

/// The one error type of the library.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct FlowError {
    /// Stable code.
    pub code: ErrorCode,
    /// What went wrong and what to do.
    pub message: String,
    /// HTTP status, when ID360 answered.
    pub status: Option<u16>,
    /// Step it happened in.
    pub step: Option<Step>,
    /// The code ID360 put in its error body, if any (e.g. `missing_documents`).
    pub server_code: Option<String>,
    /// How long ID360 asked to wait (`Retry-After`), in milliseconds.
    pub retry_after_ms: Option<u64>,
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl FlowError {
    /// A new error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        FlowError {
            code,
            message: message.into(),
            status: None,
            step: None,
            server_code: None,
            retry_after_ms: None,
        }
    }

    /// `invalid_input`.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// `out_of_order`.
    pub fn out_of_order(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::OutOfOrder, message)
    }

    /// `invalid_response`.
    pub fn invalid_response(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidResponse, message)
    }

    /// Sets the step (keeps an existing one).
    pub fn at(mut self, step: Step) -> Self {
        self.step.get_or_insert(step);
        self
    }

    /// Whether trying again may succeed.
    pub fn retryable(&self) -> bool {
        self.code.is_retryable()
    }

    /// The error for an HTTP answer that is not a success. `server_code` and `detail` come from
    /// ID360's error body when it had one (already stripped of secrets by the caller).
    pub fn from_status(status: u16, server_code: Option<String>, detail: Option<String>) -> Self {
        let (code, advice) = match status {
            400 => (ErrorCode::InvalidInput, "ID360 refused the request as invalid."),
            401 => (
                ErrorCode::Unauthorized,
                "ID360 does not know this api_key: create a new enrollment on your server.",
            ),
            403 => (
                ErrorCode::Unauthorized,
                "This enrollment has ended (finished, canceled or expired): create a new one on your server.",
            ),
            404 => (
                ErrorCode::NotFound,
                "ID360 does not know this route, document or endpoint: check baseUrl and the ids you pass.",
            ),
            409 => (
                ErrorCode::OutOfOrder,
                "ID360 refused this step in the enrollment's current state.",
            ),
            413 => (ErrorCode::PayloadTooLarge, "ID360 refused the file as too large (9.5 MB at most)."),
            415 => (
                ErrorCode::UnsupportedFormat,
                "ID360 refused the file's format (JPEG, PNG, PDF or HEIC only).",
            ),
            429 => (ErrorCode::RateLimited, "ID360 asks to slow down: try again in a moment."),
            500..=599 => (ErrorCode::Server, "ID360 had a server error: try again in a moment."),
            300..=399 => (
                ErrorCode::InvalidResponse,
                "ID360 answered with a redirect: baseUrl (or your proxy) points to the wrong place.",
            ),
            _ => (ErrorCode::InvalidResponse, "ID360 answered with an unexpected HTTP status."),
        };
        let mut message = format!("{advice} (HTTP {status}");
        if let Some(c) = &server_code {
            message.push_str(", ");
            message.push_str(c);
        }
        message.push(')');
        if let Some(d) = detail.as_deref().filter(|d| !d.is_empty()) {
            message.push_str(": ");
            message.push_str(d);
        }
        FlowError {
            code,
            message,
            status: Some(status),
            step: None,
            server_code,
            retry_after_ms: None,
        }
    }
}

/// A server's error `code`, kept when it looks like one (at most 64 ASCII letters, digits or
/// underscores) and does not carry `secret` or a piece of it (a code is copied into the message
/// and `serverCode` as it is, so one that echoes the api_key is dropped rather than scrubbed).
pub fn clean_server_code(code: &str, secret: &str) -> Option<String> {
    let looks_like_one =
        code.len() <= 64 && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let leaks = (0..code.len()).any(|i| secret_run(code.get(i..).unwrap_or_default(), secret) > 0);
    (looks_like_one && !leaks).then(|| code.to_string())
}

/// The shortest piece of the api_key scrubbed from server text: a server that echoes part of
/// the key, or the key in capitals, gives most of it away all the same. (Eight characters of a
/// hex key occur by chance about once in 16⁸.) A key shorter than this is scrubbed whole only.
pub const MIN_SECRET_RUN: usize = 8;

/// How many bytes at the start of `text` are a piece of `secret` (letters in either case) at
/// least [`MIN_SECRET_RUN`] long, or all of it; 0 when none is.
#[inline(never)]
fn secret_run(text: &str, secret: &str) -> usize {
    let (t, k) = (text.as_bytes(), secret.as_bytes());
    let mut longest = 0;
    for start in 0..k.len() {
        let mut n = 0;
        while let (Some(a), Some(b)) = (t.get(n), k.get(start + n)) {
            if !a.eq_ignore_ascii_case(b) {
                break;
            }
            n += 1;
        }
        longest = longest.max(n);
    }
    // (a piece of a key with non-ASCII characters may end inside one)
    while longest > 0 && !text.is_char_boundary(longest) {
        longest -= 1;
    }
    if longest > 0 && longest >= MIN_SECRET_RUN.min(k.len()) {
        longest
    } else {
        0
    }
}

/// Longest piece of server text copied into an error message.
pub const MAX_DETAIL_CHARS: usize = 300;

/// Cleans server-provided text for an error message: drops control characters, then removes
/// `secret` and every piece of it of [`MIN_SECRET_RUN`] characters or more, in any case,
/// wherever they appear (also where a control character had split them), and cuts it to
/// [`MAX_DETAIL_CHARS`].
pub fn sanitize_detail(text: &str, secret: &str) -> String {
    let printable: String = text.chars().filter(|c| !c.is_control()).collect();
    let mut out = String::new();
    let mut rest = printable.as_str();
    let mut kept = 0;
    // (by hand rather than `str::replace`: see `core::text`)
    while kept < MAX_DETAIL_CHARS {
        let run = secret_run(rest, secret);
        if run > 0 {
            for c in "[api_key]".chars().take(MAX_DETAIL_CHARS - kept) {
                out.push(c);
                kept += 1;
            }
            rest = rest.get(run..).unwrap_or_default();
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        rest = chars.as_str();
        out.push(c);
        kept += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_codes_and_only_transient_ones_are_retryable() {
        let cases = [
            (400, ErrorCode::InvalidInput, false),
            (401, ErrorCode::Unauthorized, false),
            (403, ErrorCode::Unauthorized, false),
            (404, ErrorCode::NotFound, false),
            (409, ErrorCode::OutOfOrder, false),
            (413, ErrorCode::PayloadTooLarge, false),
            (415, ErrorCode::UnsupportedFormat, false),
            (429, ErrorCode::RateLimited, true),
            (500, ErrorCode::Server, true),
            (503, ErrorCode::Server, true),
            (302, ErrorCode::InvalidResponse, false),
            (418, ErrorCode::InvalidResponse, false),
        ];
        for (status, code, retryable) in cases {
            let e = FlowError::from_status(status, None, None);
            assert_eq!(
                (e.code, e.retryable(), e.status),
                (code, retryable, Some(status)),
                "{status}"
            );
        }
    }

    #[test]
    fn the_message_carries_the_server_code_and_detail() {
        let e = FlowError::from_status(
            409,
            Some("missing_documents".into()),
            Some("Upload selfie.".into()),
        );
        assert!(
            e.message
                .contains("HTTP 409, missing_documents): Upload selfie."),
            "{}",
            e.message
        );
    }

    #[test]
    fn server_text_is_scrubbed_of_the_secret_and_bounded() {
        let key = "0123456789abcdef0123456789abcdef";
        let text = format!("bad key {key}\n{}", "x".repeat(1000));
        let clean = sanitize_detail(&text, key);
        assert!(!clean.contains(key));
        assert!(clean.starts_with("bad key [api_key]x"));
        assert_eq!(clean.chars().count(), MAX_DETAIL_CHARS);
        // a control character inside the key does not let it through once dropped
        let split = "key 0123456789abcdef\u{7}0123456789abcdef0123456789abcdef end";
        assert_eq!(sanitize_detail(split, key), "key [api_key][api_key] end");
    }

    #[test]
    fn pieces_of_the_secret_and_its_capitals_are_scrubbed_too() {
        let key = "0123456789abcdef0123456789abcdef";
        let upper = key.to_ascii_uppercase();
        assert_eq!(
            sanitize_detail(&format!("key {upper}."), key),
            "key [api_key]."
        );
        // a prefix, a middle piece, a suffix of 8 or more characters
        assert_eq!(
            sanitize_detail(
                "k=0123456789aB… mid 89abcdef01, end cdef0123456789abcdef",
                key
            ),
            "k=[api_key]… mid [api_key], end [api_key]"
        );
        // shorter pieces are not the key (hex of 7 characters occurs by chance)
        assert_eq!(
            sanitize_detail("ref 89abcde, 0123456", key),
            "ref 89abcde, 0123456"
        );
        // a key shorter than the minimum is scrubbed whole only
        assert_eq!(
            sanitize_detail("k ab12 ab1 AB12", "ab12"),
            "k [api_key] ab1 [api_key]"
        );
        // a key with non-ASCII characters: a piece ending inside one is cut before it
        assert_eq!(
            sanitize_detail("x clé-secrète-é", "clé-secrète-è"),
            "x [api_key]é"
        );
        assert_eq!(
            clean_server_code(&format!("bad_{}", &upper[4..14]), key),
            None
        );
        assert_eq!(
            clean_server_code("bad_0123456_x", key).as_deref(),
            Some("bad_0123456_x")
        );
    }

    #[test]
    fn a_server_code_is_kept_only_when_it_looks_like_one_and_holds_no_key() {
        let key = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            clean_server_code("document_not_found", key).as_deref(),
            Some("document_not_found")
        );
        assert_eq!(clean_server_code(key, key), None);
        assert_eq!(clean_server_code(&format!("bad_{key}_x"), key), None);
        assert_eq!(clean_server_code("not a code!", key), None);
        assert_eq!(clean_server_code(&"x".repeat(65), key), None);
        assert_eq!(clean_server_code(&"x".repeat(64), ""), Some("x".repeat(64)));
    }

    #[test]
    fn codes_are_distinct_snake_case_strings() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()));
            assert!(c
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }
}
