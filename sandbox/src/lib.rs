//! id360-sandbox: a local simulator of the Docaposte ID360 API.
//!
//! It answers the token calls (login, keep-alive, enrollment creation, data comparison, report,
//! document files) and the api_key flow calls (enrollment info, route, consent, uploads,
//! finalize) the way ID360 does as far as is publicly known, runs a deterministic verdict after
//! finalize, sends callbacks, and can inject faults. Everything lives in memory, bounded.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let running = id360_sandbox::start(id360_sandbox::Config::default(), "127.0.0.1:0".parse().unwrap()).await?;
//! println!("sandbox at {}", running.url());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod api;
pub mod callbacks;
pub mod clock;
pub mod config;
pub mod error;
pub mod faults;
pub mod flow;
pub mod model;
pub mod report;
pub mod samples;
pub mod server;
pub mod sniff;
pub mod token;
pub mod verdict;

pub use config::Config;
pub use server::{start, Running};

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// One sandbox instance: configuration, clock, state, fault injector.
#[derive(Debug)]
pub struct Sandbox {
    /// Configuration it was started with.
    pub config: Config,
    /// Its (test-controllable) clock.
    pub clock: clock::Clock,
    state: Mutex<model::State>,
    /// Fault rules.
    pub faults: Mutex<faults::Faults>,
    /// Client used for callbacks.
    pub http: reqwest::Client,
    base_url: OnceLock<String>,
}

impl Sandbox {
    /// A sandbox with this configuration and an empty state.
    pub fn new(config: Config) -> Arc<Self> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Arc::new(Sandbox {
            faults: Mutex::new(faults::Faults::new(config.fault_seed)),
            config,
            clock: clock::Clock::default(),
            state: Mutex::new(model::State::new()),
            http,
            base_url: OnceLock::new(),
        })
    }

    /// The state, locked. Never hold it across an await.
    pub fn lock(&self) -> MutexGuard<'_, model::State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Clears every enrollment, token and fault, and puts the clock back (admin `POST
    /// /_sandbox/reset`).
    pub fn reset(&self) {
        *self.lock() = model::State::new();
        self.clock.reset();
        if let Ok(mut f) = self.faults.lock() {
            f.rules.clear();
        }
    }

    /// The URL clients reach it at (`http://127.0.0.1:8360`).
    pub fn base_url(&self) -> &str {
        self.base_url
            .get()
            .map_or("http://127.0.0.1:8360", String::as_str)
    }

    pub(crate) fn set_base_url(&self, url: String) {
        let _ = self.base_url.set(url);
    }
}
