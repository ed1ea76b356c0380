//! Client configuration and endpoint URLs.

use std::fmt;
use std::time::Duration;

use crate::poll::PollPolicy;
use crate::retry::RetryPolicy;
use crate::Error;

/// The real service.
pub const DEFAULT_BASE_URL: &str = "https://minitoolai.com/api/";

/// How a `Client` (the wasm32 browser client) talks to the API.
#[derive(Clone, PartialEq)]
pub struct ClientConfig {
    /// The API key, sent as `Authorization: Bearer …` and nowhere else.
    pub api_key: String,
    /// The API root; the documented paths are joined to it. Default [`DEFAULT_BASE_URL`].
    pub base_url: String,
    /// Which failures are retried, and how.
    pub retry: RetryPolicy,
    /// How long to wait for response headers.
    pub timeout: Duration,
    /// How long a streamed body may go without a byte before the call fails.
    pub idle_timeout: Duration,
    /// How image jobs are polled.
    pub poll: PollPolicy,
    /// The most image requests (creates and status calls) per second across all jobs of
    /// this client. They are evenly spaced, 5 % wider than this rate asks, so that network
    /// jitter does not crowd one more into a second as the server counts them.
    pub poll_rate_per_second: f64,
    /// Headers sent with every request (names lower-case). The ones the client sets itself
    /// (`authorization`, `content-type`, `accept`) cannot be replaced here.
    pub headers: Vec<(String, String)>,
    /// The fetch function every request goes through instead of the global `fetch`; it is
    /// called with one `Request` and must return a promise of a `Response`.
    #[cfg(target_arch = "wasm32")]
    pub fetch: Option<js_sys::Function>,
}

/// The headers the client sets itself on every request.
pub const RESERVED_HEADERS: [&str; 3] = ["authorization", "content-type", "accept"];

impl ClientConfig {
    /// A configuration for the real service with the defaults (2 retries, 60 s to headers,
    /// 30 s idle, at most 4 image requests per second).
    pub fn new(api_key: impl Into<String>) -> Self {
        Self {
            api_key: api_key.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(30),
            poll: PollPolicy::default(),
            poll_rate_per_second: crate::poll::RateLimiter::DEFAULT_PER_SECOND,
            headers: Vec::new(),
            #[cfg(target_arch = "wasm32")]
            fetch: None,
        }
    }

    /// Sets the API root.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Checks the settings: a non-empty key without control characters, an http(s) base URL
    /// without credentials, query or fragment.
    pub fn validate(&self) -> Result<(), Error> {
        if self.api_key.trim().is_empty() {
            return Err(Error::invalid("apiKey", "must not be empty"));
        }
        if !self.api_key.bytes().all(|b| (0x21..0x7f).contains(&b)) {
            return Err(Error::invalid("apiKey", "must contain only printable ASCII characters, no spaces"));
        }
        let url = self.base_url.trim();
        let lower = url.to_ascii_lowercase();
        let rest = if let Some(r) = lower.strip_prefix("https://") {
            r
        } else if let Some(r) = lower.strip_prefix("http://") {
            r
        } else {
            return Err(Error::invalid("baseUrl", "must start with http:// or https://"));
        };
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() {
            return Err(Error::invalid("baseUrl", "must name a host"));
        }
        if host.contains('@') || url.contains(['?', '#']) || url.contains(char::is_whitespace) {
            return Err(Error::invalid("baseUrl", "must not contain credentials, a query, a fragment or spaces"));
        }
        if self.timeout.is_zero() || self.idle_timeout.is_zero() {
            return Err(Error::invalid("timeoutMs", "timeouts must be at least 1 ms"));
        }
        for (name, value) in &self.headers {
            let field = format!("headers[\"{name}\"]");
            if name.is_empty() || !name.bytes().all(is_token_byte) {
                return Err(Error::invalid(
                    field,
                    "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)",
                ));
            }
            if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(Error::invalid(field, "is set by the client itself (the API key goes in options.apiKey)"));
            }
            if value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
                return Err(Error::invalid(field, "must not contain line breaks or NUL"));
            }
        }
        Ok(())
    }

    /// The URL of a documented path (`chat-completions/`, `texttoimage/`, `texttoimage/jobs/`).
    pub fn endpoint(&self, path: &str) -> String {
        let base = self.base_url.trim();
        let sep = if base.ends_with('/') { "" } else { "/" };
        format!("{base}{sep}{}", path.trim_start_matches('/'))
    }
}

/// Whether `b` may appear in an HTTP header name (RFC 9110 `tchar`).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

impl fmt::Debug for ClientConfig {
    // The key is never printed, not even in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("api_key", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("poll", &self.poll)
            .field("poll_rate_per_second", &self.poll_rate_per_second)
            .field("headers", &self.headers.iter().map(|(name, _)| name).collect::<Vec<_>>())
            .finish()
    }
}

/// The longest wait a host timer holds: `setTimeout` takes a signed 32-bit count of
/// milliseconds and fires at once when given more, so longer waits are cut to this (24.8 days).
pub(crate) const MAX_TIMER: Duration = Duration::from_millis(i32::MAX as u64);

/// A JavaScript number of milliseconds as a wait: `None` unless it is finite and at least 1;
/// a huge one is cut to [`MAX_TIMER`] (`Duration::from_secs_f64` would panic, a trap in wasm).
#[cfg_attr(not(all(feature = "js", target_arch = "wasm32")), allow(dead_code))]
pub(crate) fn wait_from_js_ms(ms: f64) -> Option<Duration> {
    let max_ms = MAX_TIMER.as_secs_f64() * 1000.0;
    (ms.is_finite() && ms >= 1.0).then(|| Duration::from_secs_f64(ms.min(max_ms) / 1000.0))
}

/// The documented paths, relative to the base URL.
pub mod paths {
    /// Streamed chat completions.
    pub const CHAT: &str = "chat-completions/";
    /// Creating a text-to-image job.
    pub const IMAGE: &str = "texttoimage/";
    /// The status of a text-to-image job.
    pub const IMAGE_JOB: &str = "texttoimage/jobs/";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_join_with_one_slash() {
        let c = ClientConfig::new("k");
        assert_eq!(c.endpoint(paths::CHAT), "https://minitoolai.com/api/chat-completions/");
        let c = ClientConfig::new("k").base_url("http://127.0.0.1:8787/api");
        assert_eq!(c.endpoint(paths::IMAGE_JOB), "http://127.0.0.1:8787/api/texttoimage/jobs/");
        let c = ClientConfig::new("k").base_url("/proxy/api/");
        assert_eq!(c.endpoint("/texttoimage/"), "/proxy/api/texttoimage/");
    }

    #[test]
    fn validation_names_the_setting() {
        let ok = ClientConfig::new("sk-abc");
        assert_eq!(ok.validate(), Ok(()));
        for (config, field) in [
            (ClientConfig::new(""), "apiKey"),
            (ClientConfig::new("sk abc"), "apiKey"),
            (ClientConfig::new("sk-é"), "apiKey"),
            (ClientConfig::new("k").base_url("ftp://x"), "baseUrl"),
            (ClientConfig::new("k").base_url("https://"), "baseUrl"),
            (ClientConfig::new("k").base_url("https://user:pw@x/api/"), "baseUrl"),
            (ClientConfig::new("k").base_url("https://x/api/?key=1"), "baseUrl"),
        ] {
            assert_eq!(config.validate().expect_err("invalid").field(), Some(field), "{config:?}");
        }
    }

    #[test]
    fn default_headers_are_checked() {
        let with = |name: &str, value: &str| {
            let mut c = ClientConfig::new("k");
            c.headers.push((name.to_owned(), value.to_owned()));
            c.validate()
        };
        assert_eq!(with("x-trace-id", "abc 1"), Ok(()));
        let err = with("x trace", "1").expect_err("space in a name");
        assert_eq!(err.field(), Some("headers[\"x trace\"]"));
        assert!(err.sentence().starts_with("headers[\"x trace\"] is not a valid header name"), "{}", err.message());
        let err = with("Authorization", "Bearer other").expect_err("reserved");
        assert_eq!(
            err.sentence(),
            "headers[\"Authorization\"] is set by the client itself (the API key goes in options.apiKey)"
        );
        assert!(!err.message().contains("Bearer other"));
        assert_eq!(with("x-a", "1\r\nx-b: 2").expect_err("CRLF").field(), Some("headers[\"x-a\"]"));
        let mut c = ClientConfig::new("k");
        c.headers.push(("x-secret".into(), "hidden-value".into()));
        assert!(!format!("{c:?}").contains("hidden-value"));
    }

    #[test]
    fn js_waits_are_checked_and_clamped() {
        for (ms, want) in [
            (1.0, Some(Duration::from_millis(1))),
            (1500.5, Some(Duration::from_micros(1_500_500))),
            (0.5, None),
            (0.0, None),
            (-5.0, None),
            (f64::NAN, None),
            (f64::INFINITY, None),
            (f64::NEG_INFINITY, None),
            // Issue 15: these used to panic in Duration::from_secs_f64.
            (1e300, Some(MAX_TIMER)),
            (f64::MAX, Some(MAX_TIMER)),
            (1e13, Some(MAX_TIMER)),
            (2_147_483_647.0, Some(MAX_TIMER)),
        ] {
            assert_eq!(wait_from_js_ms(ms), want, "{ms}");
        }
    }

    #[test]
    fn debug_output_hides_the_key() {
        let c = ClientConfig::new("sk-very-secret");
        assert!(!format!("{c:?}").contains("sk-very-secret"));
    }
}
