//! Command-line flags and the configuration they produce.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use minitoolai::catalog::parse_usd_nano as parse_usd;

/// The key that works when no `--key` is given.
pub const DEMO_KEY: &str = "sk-sandbox-demo";
/// The demo key's starting balance: USD 5.00.
pub const DEMO_BALANCE_NANO_USD: u64 = 5_000_000_000;

/// A local, offline stand-in for the MiniToolAI HTTP API. Not the real service.
#[derive(Debug, Parser)]
#[command(name = "minitoolai-sandbox", version, about, long_about = None)]
pub struct Args {
    /// Address to listen on (loopback by default; anything else exposes the sandbox to the network).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on; 0 picks a free port (read it from the first stdout line).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// An API key and its balance in USD, e.g. `--key sk-test=1.50`; repeatable.
    /// Without any, the demo key `sk-sandbox-demo` has USD 5.00.
    #[arg(long = "key", value_name = "KEY=BALANCE_USD", value_parser = parse_key)]
    pub keys: Vec<(String, u64)>,
    /// Pace of streamed content chunks in tokens per second; 0 streams as fast as possible.
    #[arg(long, default_value_t = 40.0, value_parser = parse_rate)]
    pub tokens_per_second: f64,
    /// How long an image job runs before it succeeds, in milliseconds.
    #[arg(long, default_value_t = 1500)]
    pub job_latency_ms: u64,
    /// Serve the built app from this directory (index.html for unknown extension-less paths).
    #[arg(long, value_name = "PATH")]
    pub static_dir: Option<PathBuf>,
    /// A browser origin allowed by CORS, e.g. `http://localhost:8080`; repeatable.
    /// Default: any origin when bound to loopback, none otherwise.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,
    /// The HMAC secret that signs job ids (random per start by default).
    #[arg(long)]
    pub secret: Option<String>,
    /// A browser origin allowed to call the `/sandbox/` admin endpoints (still with the admin
    /// token), e.g. the origin of a browser test runner; repeatable. None by default: admin
    /// calls come from scripts and tests outside a browser, or from the sandbox's own pages.
    #[arg(long = "admin-origin", value_name = "ORIGIN")]
    pub admin_origins: Vec<String>,
    /// Largest accepted request body, in bytes (images as data URLs can be large).
    #[arg(long, default_value_t = 8 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Longest image `prompt` and `negativePrompt`, in characters.
    #[arg(long, default_value_t = 10_000)]
    pub max_prompt_chars: usize,
    /// Time a client gets to send a request's headers; also how long an idle keep-alive
    /// connection stays open (milliseconds).
    #[arg(long, default_value_t = 10_000)]
    pub header_timeout_ms: u64,
    /// Most open connections; more are closed at once.
    #[arg(long, default_value_t = 512)]
    pub max_connections: usize,
    /// Longest fixed reply (`x-sandbox-reply` or a key's `reply`), in bytes.
    #[arg(long, default_value_t = crate::reply::MAX_REPLY_BYTES)]
    pub max_reply_bytes: usize,
    /// Most chat streams served at once; more get 429.
    #[arg(long, default_value_t = 64)]
    pub max_streams: usize,
    /// Most image jobs running at once; more get 429.
    #[arg(long, default_value_t = 256)]
    pub max_jobs: usize,
    /// Worker threads of the runtime.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Do not log requests to stderr.
    #[arg(long)]
    pub quiet: bool,
}

impl Args {
    /// The keys and balances in effect: the flags' or the demo key.
    pub fn accounts(&self) -> Vec<(String, u64)> {
        if self.keys.is_empty() {
            vec![(DEMO_KEY.to_owned(), DEMO_BALANCE_NANO_USD)]
        } else {
            self.keys.clone()
        }
    }

    /// The delay between two content chunks, or zero when unpaced.
    pub fn token_interval(&self) -> Duration {
        if self.tokens_per_second > 0.0 {
            Duration::from_secs_f64(1.0 / self.tokens_per_second)
        } else {
            Duration::ZERO
        }
    }

    /// The image job latency.
    pub fn job_latency(&self) -> Duration {
        Duration::from_millis(self.job_latency_ms)
    }
}

fn parse_key(s: &str) -> Result<(String, u64), String> {
    let (key, balance) = s.split_once('=').ok_or("expected KEY=BALANCE_USD, e.g. sk-test=5.00")?;
    let key = key.trim();
    check_key(key)?;
    let nano = parse_usd(balance.trim()).ok_or("the balance must be a decimal USD amount, e.g. 5 or 0.0015")?;
    Ok((key.to_owned(), nano))
}

/// Shortest key: a shorter one would be easy to guess, and would blind the log redaction
/// (every path that contains it is redacted).
pub const MIN_KEY_LEN: usize = 8;

/// Checks a key: 8 to 200 printable ASCII characters, no spaces.
pub fn check_key(key: &str) -> Result<(), String> {
    if !(MIN_KEY_LEN..=200).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "key: 8 to 200 printable ASCII characters, no spaces (got {} characters)",
            key.chars().count()
        ));
    }
    Ok(())
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| "expected a number of tokens per second")?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err("expected a non-negative number".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse() {
        assert_eq!(parse_key("sk-abcde=1.5"), Ok(("sk-abcde".into(), 1_500_000_000)));
        assert!(parse_key("sk-a=1.5").is_err(), "shorter than 8");
        assert!(parse_key("sk-a").is_err());
        assert!(parse_key("=1").is_err());
        assert!(parse_key("sk a=1").is_err());
        assert!(parse_key("sk abcdef=1").is_err());
    }

    #[test]
    fn defaults() {
        let args = Args::parse_from(["minitoolai-sandbox"]);
        assert_eq!(args.port, 8787);
        assert!(args.bind.is_loopback());
        assert_eq!(args.accounts(), vec![(DEMO_KEY.to_owned(), DEMO_BALANCE_NANO_USD)]);
        assert_eq!(args.token_interval(), Duration::from_millis(25));
        let args = Args::parse_from(["x", "--tokens-per-second", "0", "--key", "sk-test-k=1"]);
        assert_eq!(args.token_interval(), Duration::ZERO);
        assert_eq!(args.accounts(), vec![("sk-test-k".to_owned(), 1_000_000_000)]);
    }
}
