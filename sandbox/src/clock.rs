//! An injectable clock: real time plus an offset that tests move forward, so token expiry and
//! rate limits are tested without waiting.

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Wall clock plus a test-controlled offset.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// Now, as the sandbox sees it.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst));
        Utc::now() + offset
    }

    /// Moves the sandbox's time forward.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 4);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

/// ISO-8601 without zone, microsecond precision, as ID360 writes times
/// (`2021-12-17T15:01:49.013906`).
pub fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}
