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

/// The furthest the clock moves ahead: 100 years (a test asking for more gets that; chrono's
/// dates end in the year 262 143, and arithmetic past them used to panic on every request).
const MAX_OFFSET_MS: i64 = 100 * 366 * 24 * 3600 * 1000;

impl Clock {
    /// Now, as the sandbox sees it.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst));
        let now = Utc::now();
        now.checked_add_signed(offset).unwrap_or(now)
    }

    /// Moves the sandbox's time forward (100 years ahead at most).
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(MAX_OFFSET_MS);
        let _ = self
            .offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| {
                Some(o.saturating_add(ms).min(MAX_OFFSET_MS))
            });
    }

    /// Back to the wall clock.
    pub fn reset(&self) {
        self.offset_ms.store(0, Ordering::SeqCst);
    }
}

/// ISO-8601 without zone, microsecond precision, as ID360 writes times
/// (`2021-12-17T15:01:49.013906`).
pub fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_advance_is_capped_and_reset_goes_back_to_the_wall_clock() {
        let c = Clock::default();
        c.advance(Duration::from_secs(10_000_000_000_000));
        c.advance(Duration::from_secs(u64::MAX));
        let years = (c.now() - Utc::now()).num_days() / 366;
        assert_eq!(years, 99, "capped at 100 years ahead");
        c.reset();
        assert!((c.now() - Utc::now()).num_seconds().abs() < 5);
    }
}
