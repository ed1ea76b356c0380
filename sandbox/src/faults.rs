//! Fault injection: the `x-sandbox-fault` grammar, and per-key faults set at runtime.
//!
//! A spec is `;`-separated items, each `name` or `name=value`, e.g.
//! `status=429; retry-after-ms=300; fail-times=2`. See the README for every item.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};

/// The longest stall a spec may ask for: ten minutes.
const MAX_STALL_MS: u64 = 600_000;
/// How many (key, spec) pairs `fail-times` remembers before starting over.
const MAX_COUNTERS: usize = 4096;

/// What a status fault's body looks like.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BodyKind {
    /// A JSON error in the endpoint's own shape.
    #[default]
    Json,
    /// An HTML error page, as a proxy would send.
    Html,
    /// No body at all.
    Empty,
}

/// The line ending of SSE events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LineEnd {
    /// `\n` (what the real service sends).
    #[default]
    Lf,
    /// `\r` only.
    Cr,
    /// `\r\n`.
    CrLf,
}

impl LineEnd {
    /// The bytes of one line end.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lf => "\n",
            Self::Cr => "\r",
            Self::CrLf => "\r\n",
        }
    }
}

/// How an image job misbehaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobFault {
    /// It fails after the latency, with this message.
    Fail(String),
    /// It never finishes.
    Never,
}

/// A parsed fault spec. Every field is optional; the default is no fault.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultSpec {
    /// Cut the connection after this many SSE events.
    pub drop_after: Option<u32>,
    /// Wait this long before answering at all.
    pub stall_before_ms: Option<u64>,
    /// Wait this long between SSE events.
    pub stall_between_ms: Option<u64>,
    /// Answer this status instead of doing the work.
    pub status: Option<u16>,
    /// The body of that status answer.
    pub body: BodyKind,
    /// A `Retry-After` header on that answer (seconds or an HTTP date).
    pub retry_after: Option<String>,
    /// A `retry-after-ms` header on that answer.
    pub retry_after_ms: Option<u64>,
    /// Make the Nth SSE event (1-based) malformed JSON.
    pub malformed_chunk: Option<u32>,
    /// After this many SSE events, send an error object and end the stream.
    pub error_in_stream: Option<u32>,
    /// Leave out `data: [DONE]`.
    pub no_done: bool,
    /// Line ends of SSE events.
    pub line_ends: LineEnd,
    /// Write the body one byte at a time.
    pub byte_per_write: bool,
    /// Start the stream with a UTF-8 byte order mark.
    pub bom: bool,
    /// How image jobs created with this spec end.
    pub job: Option<JobFault>,
    /// Apply `status` to the first N requests of this key and spec only.
    pub fail_times: Option<u32>,
    /// End a chat answer after this many content tokens with `finish_reason: "content_filter"`.
    pub content_filter: Option<u32>,
}

/// A spec that did not parse: the item at fault and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The item as written.
    pub item: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "x-sandbox-fault: bad item \"{}\": {}", self.item, self.reason)
    }
}

impl FaultSpec {
    /// Parses a spec; the empty spec is no fault.
    pub fn parse(spec: &str) -> Result<Self, SpecError> {
        let mut out = Self::default();
        for raw in spec.split(';') {
            let item = raw.trim();
            if item.is_empty() {
                continue;
            }
            let (name, value) = match item.split_once('=') {
                Some((n, v)) => (n.trim().to_ascii_lowercase(), Some(v.trim())),
                None => (item.to_ascii_lowercase(), None),
            };
            let err = |reason: &str| SpecError { item: item.to_owned(), reason: reason.to_owned() };
            let count = || -> Result<u32, SpecError> {
                value.and_then(|v| v.parse().ok()).ok_or_else(|| err("expected a whole number"))
            };
            let millis = || -> Result<u64, SpecError> {
                match value.and_then(|v| v.parse::<u64>().ok()) {
                    Some(ms) if ms <= MAX_STALL_MS => Ok(ms),
                    Some(_) => Err(err("at most 600000 ms")),
                    None => Err(err("expected milliseconds")),
                }
            };
            let flag = || -> Result<bool, SpecError> {
                match value {
                    None | Some("1" | "true" | "yes" | "on") => Ok(true),
                    Some("0" | "false" | "no" | "off") => Ok(false),
                    Some(_) => Err(err("expected no value, or true/false")),
                }
            };
            match name.as_str() {
                "drop-after" => out.drop_after = Some(count()?),
                "stall-before-ms" => out.stall_before_ms = Some(millis()?),
                "stall-between-ms" => out.stall_between_ms = Some(millis()?),
                "status" => match value.and_then(|v| v.parse::<u16>().ok()) {
                    Some(s) if (200..=599).contains(&s) => out.status = Some(s),
                    _ => return Err(err("expected an HTTP status from 200 to 599")),
                },
                "body" => {
                    out.body = match value.map(str::to_ascii_lowercase).as_deref() {
                        Some("json") => BodyKind::Json,
                        Some("html") => BodyKind::Html,
                        Some("empty") => BodyKind::Empty,
                        _ => return Err(err("expected json, html or empty")),
                    }
                }
                "retry-after" => match value {
                    Some(v) if !v.is_empty() && v.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) => {
                        out.retry_after = Some(v.to_owned())
                    }
                    _ => return Err(err("expected seconds or an HTTP date")),
                },
                "retry-after-ms" => {
                    out.retry_after_ms =
                        Some(value.and_then(|v| v.parse().ok()).ok_or_else(|| err("expected milliseconds"))?)
                }
                "malformed-chunk" => out.malformed_chunk = Some(count()?.max(1)),
                "error-in-stream" => out.error_in_stream = Some(count()?),
                "no-done" => out.no_done = flag()?,
                "line-ends" => {
                    out.line_ends = match value.map(str::to_ascii_lowercase).as_deref() {
                        Some("lf") => LineEnd::Lf,
                        Some("cr") => LineEnd::Cr,
                        Some("crlf") => LineEnd::CrLf,
                        _ => return Err(err("expected lf, cr or crlf")),
                    }
                }
                "byte-per-write" => out.byte_per_write = flag()?,
                "bom" => out.bom = flag()?,
                "job" => {
                    out.job = match value {
                        Some(v) if v.eq_ignore_ascii_case("never") => Some(JobFault::Never),
                        Some(v) if v.to_ascii_lowercase().starts_with("fail") => {
                            let message = v[4..].strip_prefix(':').unwrap_or(&v[4..]).trim();
                            let message = percent_encoding::percent_decode_str(message).decode_utf8_lossy();
                            let message = if message.is_empty() { "sandbox: injected job failure" } else { &message };
                            Some(JobFault::Fail(message.to_owned()))
                        }
                        _ => return Err(err("expected fail:<message> or never")),
                    }
                }
                "fail-times" => out.fail_times = Some(count()?),
                "content-filter" => out.content_filter = Some(count()?),
                _ => return Err(err("unknown item; see the sandbox README for the grammar")),
            }
        }
        Ok(out)
    }

    /// Whether the spec does anything.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The canonical form of a spec (also what `fail-times` counts by).
impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items: Vec<String> = Vec::new();
        let mut num = |name: &str, v: Option<u64>| {
            if let Some(v) = v {
                items.push(format!("{name}={v}"));
            }
        };
        num("drop-after", self.drop_after.map(u64::from));
        num("stall-before-ms", self.stall_before_ms);
        num("stall-between-ms", self.stall_between_ms);
        num("status", self.status.map(u64::from));
        num("retry-after-ms", self.retry_after_ms);
        num("malformed-chunk", self.malformed_chunk.map(u64::from));
        num("error-in-stream", self.error_in_stream.map(u64::from));
        num("fail-times", self.fail_times.map(u64::from));
        num("content-filter", self.content_filter.map(u64::from));
        if self.status.is_some() {
            items.push(format!("body={}", ["json", "html", "empty"][self.body as usize]));
        }
        if let Some(r) = &self.retry_after {
            items.push(format!("retry-after={r}"));
        }
        if self.no_done {
            items.push("no-done".into());
        }
        if self.line_ends != LineEnd::Lf {
            items.push(format!("line-ends={}", if self.line_ends == LineEnd::Cr { "cr" } else { "crlf" }));
        }
        if self.byte_per_write {
            items.push("byte-per-write".into());
        }
        if self.bom {
            items.push("bom".into());
        }
        match &self.job {
            Some(JobFault::Never) => items.push("job=never".into()),
            Some(JobFault::Fail(m)) => items.push(format!("job=fail:{m}")),
            None => {}
        }
        f.write_str(&items.join("; "))
    }
}

/// Faults and a fixed reply set for a key at runtime (`POST /sandbox/faults`).
#[derive(Debug, Clone, Default)]
pub struct KeyFaults {
    /// The fault spec (empty: none).
    pub spec: FaultSpec,
    /// The reply every chat of this key gets, if set.
    pub reply: Option<String>,
}

/// Per-key faults and the `fail-times` counters.
#[derive(Default)]
pub struct FaultStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    by_key: HashMap<String, KeyFaults>,
    counters: HashMap<(String, String), u32>,
}

impl FaultStore {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets (or, when both are empty, clears) the faults of `key`.
    pub fn set(&self, key: &str, faults: KeyFaults) {
        let mut inner = self.lock();
        let key_id = crate::auth::key_id(key);
        inner.counters.retain(|(k, _), _| *k != key_id);
        if faults.spec.is_empty() && faults.reply.is_none() {
            inner.by_key.remove(key);
        } else {
            inner.by_key.insert(key.to_owned(), faults);
        }
    }

    /// The faults set for `key`.
    pub fn get(&self, key: &str) -> Option<KeyFaults> {
        self.lock().by_key.get(key).cloned()
    }

    /// Every key's faults, by key id.
    pub fn list(&self) -> Vec<(String, KeyFaults)> {
        let mut all: Vec<_> = self.lock().by_key.iter().map(|(k, f)| (crate::auth::key_id(k), f.clone())).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Whether the status fault of `spec` applies to this request of `key_id`, counting it
    /// against `fail-times`.
    pub fn status_applies(&self, key_id: &str, spec: &FaultSpec) -> bool {
        let Some(limit) = spec.fail_times else { return true };
        let mut inner = self.lock();
        if inner.counters.len() >= MAX_COUNTERS {
            inner.counters.clear();
        }
        let n = inner.counters.entry((key_id.to_owned(), spec.to_string())).or_default();
        *n = n.saturating_add(1);
        *n <= limit
    }

    /// Forgets every `fail-times` count.
    pub fn reset_counters(&self) {
        self.lock().counters.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_item() {
        let spec = FaultSpec::parse(
            "drop-after=3; stall-before-ms=200; stall-between-ms=50; status=503; body=html; retry-after=1; \
             retry-after-ms=300; malformed-chunk=2; error-in-stream=2; no-done; line-ends=crlf; byte-per-write; \
             bom; job=fail:out of %E2%9C%A8 ideas; fail-times=2; content-filter=4;",
        )
        .expect("parses");
        assert_eq!(spec.drop_after, Some(3));
        assert_eq!(spec.content_filter, Some(4));
        assert_eq!(spec.stall_before_ms, Some(200));
        assert_eq!(spec.stall_between_ms, Some(50));
        assert_eq!((spec.status, spec.body), (Some(503), BodyKind::Html));
        assert_eq!((spec.retry_after.as_deref(), spec.retry_after_ms), (Some("1"), Some(300)));
        assert_eq!((spec.malformed_chunk, spec.error_in_stream), (Some(2), Some(2)));
        assert!(spec.no_done && spec.byte_per_write && spec.bom);
        assert_eq!(spec.line_ends, LineEnd::CrLf);
        assert_eq!(spec.job, Some(JobFault::Fail("out of ✨ ideas".into())));
        assert_eq!(spec.fail_times, Some(2));
        assert_eq!(FaultSpec::parse(&spec.to_string()), Ok(spec));
        assert_eq!(FaultSpec::parse("JOB=Never").map(|s| s.job), Ok(Some(JobFault::Never)));
        assert!(FaultSpec::parse("  ;; ").expect("empty parses").is_empty());
    }

    #[test]
    fn errors_name_the_item() {
        for (spec, item) in [
            ("status=99", "status=99"),
            ("status=abc", "status=abc"),
            ("drop-after=-1", "drop-after=-1"),
            ("stall-before-ms=600001", "stall-before-ms=600001"),
            ("bom; explode", "explode"),
            ("line-ends=crcr", "line-ends=crcr"),
            ("body=xml", "body=xml"),
            ("job=maybe", "job=maybe"),
            ("no-done=perhaps", "no-done=perhaps"),
        ] {
            let e = FaultSpec::parse(spec).expect_err(spec);
            assert_eq!(e.item, item);
            assert!(e.to_string().contains(item));
        }
    }

    #[test]
    fn fail_times_counts_per_key_and_spec() {
        let store = FaultStore::default();
        let spec = FaultSpec::parse("status=429; fail-times=2").expect("parses");
        let same = FaultSpec::parse("fail-times=2 ;status=429").expect("parses");
        assert!(store.status_applies("a", &spec));
        assert!(store.status_applies("a", &same));
        assert!(!store.status_applies("a", &spec));
        assert!(store.status_applies("b", &spec));
        store.reset_counters();
        assert!(store.status_applies("a", &spec));
        assert!(store.status_applies("a", &FaultSpec::parse("status=500").expect("parses")));
    }
}
