//! When to try a request again, and how long to wait: exponential backoff with jitter on
//! network errors, timeouts, 5xx and 429 (honouring `Retry-After`), never on other 4xx.

use super::error::FlowError;

/// The retry schedule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `retries + 1` attempts at most).
    pub retries: u32,
    /// First backoff delay.
    pub base_delay_ms: u64,
    /// Largest backoff delay.
    pub max_delay_ms: u64,
    /// Largest wait accepted from a `Retry-After` header.
    pub max_retry_after_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            base_delay_ms: 500,
            max_delay_ms: 8_000,
            max_retry_after_ms: 30_000,
        }
    }
}

impl RetryPolicy {
    /// Whether to try again after `attempts_made` attempts ended with `error`.
    pub fn should_retry(&self, attempts_made: u32, error: &FlowError) -> bool {
        error.retryable() && attempts_made <= self.retries
    }

    /// How long to wait before attempt `attempts_made + 1`. `random` is uniform in [0, 1).
    /// With `Retry-After`, that (capped); otherwise "equal jitter": half the exponential delay
    /// plus a random share of the other half.
    pub fn delay_ms(&self, attempts_made: u32, retry_after_ms: Option<u64>, random: f64) -> u64 {
        if let Some(wait) = retry_after_ms {
            return wait.min(self.max_retry_after_ms);
        }
        let exponent = attempts_made.saturating_sub(1).min(20);
        let full = self
            .base_delay_ms
            .saturating_mul(1u64 << exponent)
            .min(self.max_delay_ms);
        let random = if random.is_finite() {
            random.max(0.0).min(1.0)
        } else {
            0.5
        };
        let half = full / 2;
        half + ((full - half) as f64 * random) as u64
    }
}

/// `Retry-After` in delta-seconds form, as milliseconds (the HTTP-date form is parsed by the
/// web layer, which has a clock).
pub fn parse_retry_after_seconds(value: &str) -> Option<u64> {
    let v = value.trim();
    if v.is_empty() || v.len() > 9 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse::<u64>().ok().map(|s| s.saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorCode;

    #[test]
    fn retries_transient_errors_up_to_the_configured_attempts_only() {
        let p = RetryPolicy {
            retries: 2,
            ..RetryPolicy::default()
        };
        let server = FlowError::from_status(503, None, None);
        assert!(p.should_retry(1, &server));
        assert!(p.should_retry(2, &server));
        assert!(!p.should_retry(3, &server), "3 attempts = 1 + 2 retries");
        for code in [
            ErrorCode::Network,
            ErrorCode::Timeout,
            ErrorCode::RateLimited,
        ] {
            assert!(p.should_retry(1, &FlowError::new(code, "x")));
        }
        for status in [400, 401, 403, 404, 409, 413, 415] {
            assert!(
                !p.should_retry(1, &FlowError::from_status(status, None, None)),
                "{status}"
            );
        }
        assert!(!p.should_retry(1, &FlowError::new(ErrorCode::Aborted, "x")));
        let none = RetryPolicy { retries: 0, ..p };
        assert!(!none.should_retry(1, &server));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(
            (p.delay_ms(1, None, 0.0), p.delay_ms(1, None, 1.0)),
            (250, 500)
        );
        assert_eq!(
            (p.delay_ms(2, None, 0.0), p.delay_ms(2, None, 1.0)),
            (500, 1000)
        );
        assert_eq!(
            (p.delay_ms(3, None, 0.0), p.delay_ms(3, None, 1.0)),
            (1000, 2000)
        );
        assert_eq!(p.delay_ms(30, None, 1.0), 8000);
        assert_eq!(p.delay_ms(u32::MAX, None, f64::NAN), 6000);
        let d = p.delay_ms(2, None, 0.5);
        assert!((500..=1000).contains(&d));
    }

    #[test]
    fn retry_after_wins_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay_ms(1, Some(2_000), 0.9), 2_000);
        assert_eq!(p.delay_ms(1, Some(3_600_000), 0.9), 30_000);
        assert_eq!(parse_retry_after_seconds(" 3 "), Some(3_000));
        assert_eq!(parse_retry_after_seconds("0"), Some(0));
        for bad in ["", "-1", "1.5", "soon", "99999999999999"] {
            assert_eq!(parse_retry_after_seconds(bad), None, "{bad}");
        }
    }
}
