//! The token side of ID360, as an integrator's server must do it: log in once, keep the token
//! alive with `GET user/whoami` every 13 minutes, log in again only after a 401 or a failed
//! keep-alive — never a login per request (ID360 treats that as abuse). A refused login is not
//! tried again before a pause (ID360's `Retry-After` after a 429), so a page clicked again and
//! again against wrong credentials does not hammer ID360's login (which may lock the account).

use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// What can go wrong talking to ID360.
#[derive(Debug, Clone)]
pub struct Id360Error {
    /// HTTP status, when ID360 answered.
    pub status: Option<u16>,
    /// What happened, in this server's words (never the token or the password, and never
    /// ID360's own error text, which goes to the server's log only: it may name internals).
    pub message: String,
}

impl Id360Error {
    fn new(status: Option<u16>, message: impl Into<String>) -> Self {
        Id360Error {
            status,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Id360Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(s) => write!(f, "ID360 answered {s}: {}", self.message),
            None => write!(f, "ID360 unreachable: {}", self.message),
        }
    }
}

/// ID360's token-scoped API.
pub struct Id360 {
    http: reqwest::Client,
    /// `https://preprod.id360docaposte.com` or the sandbox.
    pub base: String,
    username: String,
    password: String,
    token: Mutex<Option<String>>,
    /// The last refused login and until when no other is tried.
    refused: Mutex<Option<(Instant, Id360Error)>>,
    login_backoff: Duration,
    logins: AtomicU64,
    login_attempts: AtomicU64,
}

impl std::fmt::Debug for Id360 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Id360")
            .field("base", &self.base)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Id360 {
    /// A client for `base` with the application's credentials; a refused login is tried
    /// again after `login_backoff` at the earliest (or ID360's `Retry-After`, if longer).
    pub fn new(
        http: reqwest::Client,
        base: &str,
        username: &str,
        password: &str,
        login_backoff: Duration,
    ) -> Self {
        Id360 {
            http,
            base: base.trim_end_matches('/').to_string(),
            username: username.to_string(),
            password: password.to_string(),
            token: Mutex::new(None),
            refused: Mutex::new(None),
            login_backoff,
            logins: AtomicU64::new(0),
            login_attempts: AtomicU64::new(0),
        }
    }

    /// How many times this server logged in.
    pub fn logins(&self) -> u64 {
        self.logins.load(Ordering::SeqCst)
    }

    /// How many logins this server tried, refused ones included.
    pub fn login_attempts(&self) -> u64 {
        self.login_attempts.load(Ordering::SeqCst)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/1.0.0/{path}", self.base)
    }

    /// Logs in, unless a login was refused less than the back-off ago: then that refusal
    /// again, without asking ID360. A refusal starts the back-off.
    async fn login(&self) -> Result<String, Id360Error> {
        let mut refused = self.refused.lock().await;
        if let Some((until, e)) = refused.as_ref() {
            let left = until.saturating_duration_since(Instant::now());
            if !left.is_zero() {
                return Err(Id360Error::new(
                    e.status,
                    format!(
                        "{} (not tried again for {} s)",
                        e.message,
                        left.as_secs_f64().ceil()
                    ),
                ));
            }
        }
        let outcome = self.try_login().await;
        *refused = match &outcome {
            Ok(_) => None,
            Err((e, wait)) => Some((Instant::now() + *wait, e.clone())),
        };
        outcome.map_err(|(e, _)| e)
    }

    /// One login; on refusal, the error and how long to wait before the next.
    async fn try_login(&self) -> Result<String, (Id360Error, Duration)> {
        self.login_attempts.fetch_add(1, Ordering::SeqCst);
        let backoff = self.login_backoff;
        // an outage or a network error is no refusal of the credentials: a short pause only
        let brief = backoff.min(Duration::from_secs(5));
        let r = self
            .http
            .post(self.url("user/login/"))
            .json(&serde_json::json!({"username": self.username, "password": self.password}))
            .send()
            .await
            .map_err(|e| (Id360Error::new(None, e.without_url().to_string()), brief))?;
        let status = r.status().as_u16();
        if status == 429 {
            // ID360 limits logins per application: a server that logs in too often (no
            // keep-alive, or a loop of refusals) is told to wait; its credentials may be fine
            let wait = r
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map_or(backoff, |s| Duration::from_secs(s.min(3600)).max(backoff));
            return Err((
                Id360Error::new(
                    Some(status),
                    "too many logins: ID360 refuses this application's logins for now",
                ),
                wait,
            ));
        }
        if status != 200 {
            return Err(if matches!(status, 400 | 401 | 403) {
                let message = "login refused: check ID360_USERNAME and ID360_PASSWORD";
                (Id360Error::new(Some(status), message), backoff)
            } else {
                (Id360Error::new(Some(status), "login failed"), brief)
            });
        }
        self.logins.fetch_add(1, Ordering::SeqCst);
        let body: Value = r.json().await.map_err(|_| {
            (
                Id360Error::new(Some(status), "login answer is not JSON"),
                brief,
            )
        })?;
        body.get("token")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                (
                    Id360Error::new(Some(status), "login answer has no token"),
                    brief,
                )
            })
    }

    /// The current token, logging in if there is none.
    async fn token(&self) -> Result<String, Id360Error> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref() {
            return Ok(t.clone());
        }
        let t = self.login().await?;
        *slot = Some(t.clone());
        Ok(t)
    }

    async fn forget(&self, stale: &str) {
        let mut slot = self.token.lock().await;
        if slot.as_deref() == Some(stale) {
            *slot = None;
        }
    }

    /// `GET user/whoami`: keeps the token alive; forgets it when ID360 says it is gone, so the
    /// next call logs in again. Does nothing without a token.
    pub async fn keep_alive(&self) {
        let Some(token) = self.token.lock().await.clone() else {
            return;
        };
        let ok = self
            .http
            .get(self.url("user/whoami"))
            .header("Authorization", format!("Token {token}"))
            .send()
            .await
            .is_ok_and(|r| r.status().as_u16() == 200);
        if !ok {
            self.forget(&token).await;
        }
    }

    /// Sends a token call; after a 401 logs in again once and retries.
    async fn call(
        &self,
        build: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Id360Error> {
        for attempt in 0..2 {
            let token = self.token().await?;
            let r = build(&token)
                .send()
                .await
                .map_err(|e| Id360Error::new(None, e.without_url().to_string()))?;
            if r.status().as_u16() == 401 && attempt == 0 {
                self.forget(&token).await;
                continue;
            }
            return Ok(r);
        }
        Err(Id360Error::new(Some(401), "the token was refused twice"))
    }

    /// `POST process/{uuid}/enrollment/`.
    pub async fn create_enrollment(
        &self,
        process: &str,
        body: &Value,
    ) -> Result<Value, Id360Error> {
        let url = self.url(&format!("process/{process}/enrollment/"));
        let r = self
            .call(|t| {
                self.http
                    .post(&url)
                    .header("Authorization", format!("Token {t}"))
                    .json(body)
            })
            .await?;
        let status = r.status().as_u16();
        if status != 200 {
            // ID360's own words go to this server's log, not to the page (they may name the
            // process, the account or internals)
            let detail = r.text().await.unwrap_or_default();
            eprintln!(
                "id360-demo: enrollment creation refused ({status}): {}",
                detail.chars().take(300).collect::<String>()
            );
            return Err(Id360Error::new(
                Some(status),
                "enrollment creation refused (the demo server's log has ID360's answer)",
            ));
        }
        r.json()
            .await
            .map_err(|_| Id360Error::new(Some(status), "enrollment answer is not JSON"))
    }

    /// `GET enrollment/{id}/report` (final report only): `Ok(None)` while it is not ready.
    pub async fn report(&self, id: u64) -> Result<Option<Value>, Id360Error> {
        let url = self.url(&format!("enrollment/{id}/report"));
        let r = self
            .call(|t| {
                self.http
                    .get(&url)
                    .header("Authorization", format!("Token {t}"))
            })
            .await?;
        match r.status().as_u16() {
            200 => r
                .json()
                .await
                .map(Some)
                .map_err(|_| Id360Error::new(Some(200), "report is not JSON")),
            404 | 409 => Ok(None),
            s => Err(Id360Error::new(Some(s), "report refused")),
        }
    }
}
