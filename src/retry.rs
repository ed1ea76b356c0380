//! When to send a request again: which failures are retried, how long to wait
//! (`Retry-After`, `retry-after-ms`, or jittered exponential backoff).
//!
//! Pure policy: the caller supplies the clock reading and the random number, and does the
//! waiting itself (a real browser timer on wasm32).

use std::time::Duration;

use crate::Error;

/// Jittered, capped exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The delay before the first retry (before jitter).
    pub initial: Duration,
    /// No delay is longer than this.
    pub max: Duration,
    /// Growth per attempt.
    pub multiplier: f64,
    /// Fraction of the delay that is randomised away (0 = none, 1 = "full jitter").
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { initial: Duration::from_millis(500), max: Duration::from_secs(8), multiplier: 2.0, jitter: 0.25 }
    }
}

impl Backoff {
    /// The delay before retry number `attempt` (0-based), given `rand01` uniform in [0, 1).
    ///
    /// The un-jittered delay is `initial × multiplier^attempt`, capped at `max`; jitter then
    /// takes away up to `jitter` of it, so concurrent clients do not retry in lockstep.
    pub fn delay(&self, attempt: u32, rand01: f64) -> Duration {
        let base = self.initial.as_secs_f64() * self.multiplier.max(1.0).powi(attempt.min(64) as i32);
        let capped = base.min(self.max.as_secs_f64());
        let jitter = self.jitter.clamp(0.0, 1.0) * rand01.clamp(0.0, 1.0);
        Duration::from_secs_f64(capped * (1.0 - jitter))
    }
}

/// Which failed requests are sent again, and after how long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// How many times a request may be re-sent after its first try.
    pub max_retries: u32,
    /// Delays when the server does not say how long to wait.
    pub backoff: Backoff,
    /// A server's `Retry-After` longer than this is not waited for: the error is returned.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_retries: 2, backoff: Backoff::default(), max_retry_after: Duration::from_secs(60) }
    }
}

impl RetryPolicy {
    /// How long to wait before retry number `attempt` (0-based) after `err`, or `None` to
    /// give up. Only call this when no byte of a response body was delivered: a chat that
    /// already streamed is never re-sent.
    pub fn next_delay(&self, attempt: u32, err: &Error, rand01: f64) -> Option<Duration> {
        if attempt >= self.max_retries || !err.is_retryable() {
            return None;
        }
        match err.retry_after() {
            Some(after) if after > self.max_retry_after => None,
            Some(after) => Some(after),
            None => Some(self.backoff.delay(attempt, rand01)),
        }
    }
}

/// Reads how long the server asked us to wait: `retry-after-ms` (milliseconds) wins over
/// `Retry-After`, which is either delta-seconds or an HTTP date (RFC 9110 §10.2.3).
/// `now_unix_ms` is the current time, used for dates.
pub fn parse_retry_after(
    retry_after: Option<&str>,
    retry_after_ms: Option<&str>,
    now_unix_ms: u64,
) -> Option<Duration> {
    if let Some(ms) = retry_after_ms.and_then(|v| v.trim().parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(Duration::from_secs_f64(ms.min(1e12) / 1000.0));
        }
    }
    let value = retry_after?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let when_ms = parse_http_date(value)?.checked_mul(1000)?;
    Some(Duration::from_millis(when_ms.saturating_sub(now_unix_ms)))
}

/// Parses an HTTP date in any of the three formats recipients must accept (RFC 9110 §5.6.7):
/// IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`,
/// asctime `Sun Nov  6 08:49:37 1994`. Returns Unix seconds; `None` for anything else, or a
/// date before 1970.
pub fn parse_http_date(s: &str) -> Option<u64> {
    let when = httpdate::parse_http_date(s.trim()).ok()?;
    when.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let b =
            Backoff { initial: Duration::from_millis(100), max: Duration::from_secs(1), multiplier: 2.0, jitter: 0.5 };
        let no_jitter: Vec<u128> = (0..6).map(|a| b.delay(a, 0.0).as_millis()).collect();
        assert_eq!(no_jitter, [100, 200, 400, 800, 1000, 1000]);
        // Jitter takes away at most half.
        assert_eq!(b.delay(2, 0.999_999).as_millis(), 200);
        assert_eq!(b.delay(2, 0.5).as_millis(), 300);
        // Huge attempt numbers do not overflow.
        assert_eq!(b.delay(u32::MAX, 0.0), Duration::from_secs(1));
    }

    #[test]
    fn retry_policy_decisions() {
        let p = RetryPolicy {
            max_retries: 2,
            backoff: Backoff { jitter: 0.0, ..Backoff::default() },
            max_retry_after: Duration::from_secs(30),
        };
        let server = Error::from_status(503);
        assert_eq!(p.next_delay(0, &server, 0.3), Some(Duration::from_millis(500)));
        assert_eq!(p.next_delay(1, &server, 0.3), Some(Duration::from_millis(1000)));
        assert_eq!(p.next_delay(2, &server, 0.3), None, "retries are capped");
        assert_eq!(p.next_delay(0, &Error::from_status(401), 0.3), None, "auth errors are final");
        assert_eq!(p.next_delay(0, &Error::from_status(402), 0.3), None, "credit errors are final");
        assert_eq!(p.next_delay(0, &Error::invalid("x", "y"), 0.3), None);
        let limited = Error::from_status(429).with_retry_after(Some(Duration::from_secs(3)));
        assert_eq!(limited.kind(), ErrorKind::RateLimited);
        assert_eq!(p.next_delay(0, &limited, 0.9), Some(Duration::from_secs(3)), "Retry-After wins");
        let too_long = Error::from_status(429).with_retry_after(Some(Duration::from_secs(31)));
        assert_eq!(p.next_delay(0, &too_long, 0.0), None, "longer than the cap: give up and report");
        assert!(p.next_delay(0, &Error::new(ErrorKind::Network, "offline"), 0.0).is_some());
    }

    #[test]
    fn retry_after_forms() {
        let now = 784_111_777_000; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after(Some("120"), None, now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(Some(" 0 "), None, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(Some("1"), Some("250"), now), Some(Duration::from_millis(250)));
        assert_eq!(parse_retry_after(None, Some("1.5"), now), Some(Duration::from_micros(1500)));
        assert_eq!(parse_retry_after(Some("Sun, 06 Nov 1994 08:49:47 GMT"), None, now), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after(Some("Sunday, 06-Nov-94 08:50:37 GMT"), None, now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after(Some("Sun Nov  6 08:49:38 1994"), None, now), Some(Duration::from_secs(1)));
        // A date in the past means "now".
        assert_eq!(parse_retry_after(Some("Sun, 06 Nov 1994 08:00:00 GMT"), None, now), Some(Duration::ZERO));
        for junk in ["", "soon", "-1", "1.5", "Sun, 99 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"] {
            assert_eq!(parse_retry_after(Some(junk), None, now), None, "{junk:?}");
        }
        assert_eq!(parse_retry_after(None, Some("nan"), now), None);
        assert_eq!(parse_retry_after(None, Some("-5"), now), None);
    }

    #[test]
    fn http_dates() {
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date("Wed, 25 Nov 2026 13:55:03 GMT"), Some(1_795_614_903));
        assert_eq!(parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT"), Some(1_835_438_400));
    }
}
