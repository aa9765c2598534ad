//! Token side: login, keep-alive, enrollment creation, data comparison.
//! Pure state transitions; the HTTP handlers in `api::token` only parse and answer.

use crate::config::Config;
use crate::error::ApiError;
use crate::model::{secret_digest, CallbackEndpoint, Enrollment, State, Status, Token};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::Value;
use std::collections::BTreeMap;
use subtle::ConstantTimeEq;

/// A fresh random secret of `len` lowercase hex characters.
pub fn random_hex(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Personal fields and `group` accepted (and stored as given) by enrollment creation.
const OPTIONAL_FIELDS: [&str; 12] = [
    "last_name",
    "first_name",
    "email",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "zip_code",
    "city",
    "country",
    "phone_number",
    "group",
    "client_reference",
];

impl State {
    /// `POST user/login/`. Every attempt counts toward the per-minute limit, right or wrong.
    pub fn login(
        &mut self,
        config: &Config,
        username: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let minute_ago = now - chrono::Duration::seconds(60);
        // bounded: windows with no attempt in the last minute are dropped, and a username is
        // keyed by its first 256 bytes (the table held every name ever tried, 64 KB each)
        self.login_attempts
            .retain(|_, w| w.back().is_some_and(|t| *t > minute_ago));
        let end = username
            .char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .take_while(|e| *e <= 256)
            .last()
            .unwrap_or(0);
        let key = username.get(..end).unwrap_or_default();
        let window = self.login_attempts.entry(key.to_string()).or_default();
        while window.front().is_some_and(|t| *t <= minute_ago) {
            window.pop_front();
        }
        if window.len() >= config.logins_per_minute {
            let oldest = window.front().copied().unwrap_or(now);
            let wait = (oldest + chrono::Duration::seconds(60) - now)
                .num_seconds()
                .max(1);
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_logins",
                "Too many logins for this application: reuse the token and keep it alive with GET user/whoami.",
            )
            .with_retry_after(u64::try_from(wait).unwrap_or(60)));
        }
        window.push_back(now);
        let user_ok = ct_eq(username, &config.username);
        let pass_ok = ct_eq(password, &config.password);
        if !(user_ok & pass_ok) {
            return Err(ApiError::unauthorized(
                "Unable to log in with provided credentials.",
            ));
        }
        // Drop expired tokens so the table stays bounded by logins per TTL.
        let ttl = chrono::Duration::from_std(config.token_ttl).unwrap_or(chrono::Duration::MAX);
        self.tokens.retain(|_, t| t.last_used + ttl > now);
        let secret = random_hex(40);
        self.tokens.insert(
            secret_digest(&secret),
            Token {
                username: username.to_string(),
                secret: crate::model::Secret(secret.clone()),
                last_used: now,
            },
        );
        self.login_count += 1;
        Ok(secret)
    }

    /// Checks `Authorization: Token <t>` and resets the token's clock. Returns the username.
    pub fn authenticate(
        &mut self,
        config: &Config,
        authorization: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let secret = authorization
            .and_then(|h| h.strip_prefix("Token "))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("Authentication credentials were not provided: send Authorization: Token <token>.")
            })?;
        let digest = secret_digest(secret);
        let ttl = chrono::Duration::from_std(config.token_ttl).unwrap_or(chrono::Duration::MAX);
        let Some(token) = self.tokens.get_mut(&digest) else {
            return Err(ApiError::unauthorized("Invalid token: log in again."));
        };
        if !ct_eq(token.secret.expose(), secret) {
            return Err(ApiError::unauthorized("Invalid token: log in again."));
        }
        if token.last_used + ttl <= now {
            self.tokens.remove(&digest);
            return Err(ApiError::unauthorized("Token expired: log in again."));
        }
        token.last_used = now;
        Ok(token.username.clone())
    }

    /// `POST process/{uuid}/enrollment/`.
    pub fn create_enrollment(
        &mut self,
        config: &Config,
        process_uuid: &str,
        body: &Value,
        now: DateTime<Utc>,
    ) -> Result<&Enrollment, ApiError> {
        let (index, process) = config
            .processes
            .iter()
            .enumerate()
            .find(|(_, p)| p.uuid.eq_ignore_ascii_case(process_uuid))
            .ok_or_else(|| {
                ApiError::not_found(
                    "unknown_process",
                    format!("No process with UUID {process_uuid}."),
                )
            })?;
        let obj = body.as_object().ok_or_else(|| {
            ApiError::bad_request("invalid_body", "The body must be a JSON object.")
        })?;
        let browser_callback_url = obj
            .get("browser_callback_url")
            .and_then(Value::as_str)
            .filter(|u| is_http_url(u))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_field",
                    "browser_callback_url is required and must be an http(s) URL.",
                )
            })?
            .to_string();
        let endpoints_value = obj
            .get("callback_endpoints")
            .cloned()
            .unwrap_or(Value::Null);
        let callback_endpoints: Vec<CallbackEndpoint> = serde_json::from_value(endpoints_value)
            .map_err(|e| {
                ApiError::bad_request(
                    "invalid_field",
                    format!("callback_endpoints must be a list of {{url, on, headers}}: {e}"),
                )
            })?;
        if callback_endpoints.is_empty() {
            return Err(ApiError::bad_request(
                "invalid_field",
                "callback_endpoints needs at least one entry.",
            ));
        }
        if let Some(bad) = callback_endpoints.iter().find(|e| !is_http_url(&e.url)) {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!("callback endpoint URL {:?} is not an http(s) URL.", bad.url),
            ));
        }
        let callback_headers: BTreeMap<String, String> = match obj.get("callback_headers") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(v) => serde_json::from_value(v.clone()).map_err(|_| {
                ApiError::bad_request(
                    "invalid_field",
                    "callback_headers must be an object of string values.",
                )
            })?,
        };
        let mut extra_fields = BTreeMap::new();
        for name in OPTIONAL_FIELDS {
            match obj.get(name) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => {
                    extra_fields.insert(name.to_string(), s.clone());
                }
                Some(_) => {
                    return Err(ApiError::bad_request(
                        "invalid_field",
                        format!("{name} must be a string."),
                    ));
                }
            }
        }
        if self.enrollments.len() >= config.max_enrollments {
            return Err(ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "sandbox_full",
                "The sandbox holds its maximum number of enrollments: restart it or raise --max-enrollments.",
            ));
        }
        let id = self.next_enrollment_id;
        self.next_enrollment_id += 1;
        let api_key = random_hex(32);
        self.by_api_key.insert(secret_digest(&api_key), id);
        let enrollment = Enrollment {
            id,
            process_uuid: process.uuid.clone(),
            process_number: u64::try_from(index).unwrap_or(0) + 1,
            api_key: crate::model::Secret(api_key),
            browser_callback_url,
            client_reference: extra_fields.remove("client_reference"),
            callback_endpoints,
            callback_headers,
            extra_fields,
            status: Status::New,
            reason: None,
            creation_time: now,
            starting_time: None,
            finished_time: None,
            selected_route: None,
            consent: None,
            documents: BTreeMap::new(),
            expected_data: BTreeMap::new(),
            finalize_count: 0,
            finalize_refused: 0,
            verdict: None,
            // started + route + consent + each required document + finalize
            steps_total: 4 + u32::try_from(process.documents.iter().filter(|d| d.required).count())
                .unwrap_or(0),
            callback_sequence: 0,
            flow_requests: 0,
        };
        Ok(self.enrollments.entry(id).or_insert(enrollment))
    }

    /// `POST enrollment/{id}/control/data/{data_name}/?locked=...` with the raw value.
    pub fn control_data(
        &mut self,
        id: u64,
        data_name: &str,
        value: &str,
        locked: bool,
    ) -> Result<(), ApiError> {
        if data_name.is_empty()
            || data_name.len() > 64
            || !data_name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(ApiError::bad_request(
                "invalid_data_name",
                "data_name must be lowercase letters, digits and _.",
            ));
        }
        let value = value.trim();
        if value.is_empty() || value.len() > 1024 {
            return Err(ApiError::bad_request(
                "invalid_value",
                "The body must be the expected value as raw text (1 to 1024 bytes).",
            ));
        }
        let enrollment = self.enrollments.get_mut(&id).ok_or_else(|| {
            ApiError::not_found("unknown_enrollment", format!("No enrollment {id}."))
        })?;
        if enrollment.finalize_count > 0 || enrollment.status.is_final() {
            return Err(ApiError::conflict(
                "already_finalized",
                "The enrollment is finalized: its data can no longer change.",
            ));
        }
        if let Some(existing) = enrollment.expected_data.get(data_name) {
            if existing.locked {
                return Err(ApiError::conflict(
                    "data_locked",
                    format!("{data_name} is locked and cannot be changed."),
                ));
            }
        }
        enrollment.expected_data.insert(
            data_name.to_string(),
            crate::model::ExpectedValue {
                value: value.to_string(),
                locked,
            },
        );
        Ok(())
    }
}

/// Whether `s` looks like an absolute http(s) URL with a host.
pub fn is_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !host.contains(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_urls_need_a_scheme_and_a_host() {
        assert!(is_http_url("https://example.com/cb"));
        assert!(is_http_url("http://127.0.0.1:9000"));
        assert!(!is_http_url("ftp://example.com"));
        assert!(!is_http_url("https:///nohost"));
        assert!(!is_http_url("example.com"));
    }

    #[test]
    fn failed_logins_leave_a_bounded_table() {
        let mut state = State::new();
        let config = Config::default();
        let now = Utc::now();
        for i in 0..500 {
            let name = format!("{i}-{}", "é".repeat(30_000));
            assert!(state.login(&config, &name, "x", now).is_err());
        }
        assert!(state.login_attempts.keys().all(|k| k.len() <= 256));
        // a minute later, the old windows are gone
        let later = now + chrono::Duration::seconds(61);
        assert!(state.login(&config, "someone", "x", later).is_err());
        assert_eq!(state.login_attempts.len(), 1);
    }

    #[test]
    fn random_secrets_are_hex_of_the_asked_length_and_differ() {
        let a = random_hex(32);
        let b = random_hex(32);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
