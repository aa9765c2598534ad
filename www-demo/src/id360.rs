//! The token side of ID360, as an integrator's server must do it: log in once, keep the token
//! alive with `GET user/whoami` every 13 minutes, log in again only after a 401 or a failed
//! keep-alive — never a login per request (ID360 treats that as abuse).

use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Mutex;

/// What can go wrong talking to ID360.
#[derive(Debug)]
pub struct Id360Error {
    /// HTTP status, when ID360 answered.
    pub status: Option<u16>,
    /// What happened (never contains the token or the password).
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
    logins: AtomicU64,
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
    /// A client for `base` with the application's credentials.
    pub fn new(http: reqwest::Client, base: &str, username: &str, password: &str) -> Self {
        Id360 {
            http,
            base: base.trim_end_matches('/').to_string(),
            username: username.to_string(),
            password: password.to_string(),
            token: Mutex::new(None),
            logins: AtomicU64::new(0),
        }
    }

    /// How many times this server logged in.
    pub fn logins(&self) -> u64 {
        self.logins.load(Ordering::SeqCst)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/1.0.0/{path}", self.base)
    }

    async fn login(&self) -> Result<String, Id360Error> {
        let r = self
            .http
            .post(self.url("user/login/"))
            .json(&serde_json::json!({"username": self.username, "password": self.password}))
            .send()
            .await
            .map_err(|e| Id360Error::new(None, e.without_url().to_string()))?;
        let status = r.status().as_u16();
        if status != 200 {
            return Err(Id360Error::new(
                Some(status),
                "login refused: check ID360_USERNAME and ID360_PASSWORD",
            ));
        }
        self.logins.fetch_add(1, Ordering::SeqCst);
        let body: Value = r
            .json()
            .await
            .map_err(|_| Id360Error::new(Some(status), "login answer is not JSON"))?;
        body.get("token")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Id360Error::new(Some(status), "login answer has no token"))
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
            let detail = r.text().await.unwrap_or_default();
            return Err(Id360Error::new(
                Some(status),
                format!(
                    "enrollment creation refused: {}",
                    detail.chars().take(300).collect::<String>()
                ),
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
