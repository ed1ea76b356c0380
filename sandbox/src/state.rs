//! What every handler shares.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::cache::ImageCache;
use crate::config::Args;
use crate::credit::Ledger;
use crate::faults::FaultStore;
use crate::jobs::JobStore;
use crate::sign::Signer;
use crate::stats::Stats;

/// The server's state, behind an `Arc`.
pub type Shared = Arc<AppState>;

/// The server's state.
pub struct AppState {
    /// Balances.
    pub ledger: Ledger,
    /// Counters.
    pub stats: Stats,
    /// Per-key faults.
    pub faults: FaultStore,
    /// Image jobs.
    pub jobs: JobStore,
    /// Rendered images.
    pub images: ImageCache,
    /// Job signatures.
    pub signer: Signer,
    /// Permits for concurrent chat streams.
    pub streams: Arc<Semaphore>,
    /// The admin token that `/sandbox/*` mutations need (printed at start).
    pub admin_token: String,
    /// Origins allowed to make admin calls from a browser (with the token), besides none.
    pub admin_origins: Vec<String>,
    /// Longest image `prompt` and `negativePrompt`, characters.
    pub max_prompt_chars: usize,
    /// Delay between content chunks.
    pub token_interval: Duration,
    /// Log requests to stderr.
    pub log: bool,
    /// The built app to serve, if any.
    pub static_dir: Option<std::path::PathBuf>,
    completions: AtomicU64,
}

impl AppState {
    /// State for these flags.
    pub fn new(args: &Args, admin_token: String) -> Self {
        let signer = Signer::new(args.secret.as_deref());
        Self {
            ledger: Ledger::new(&args.accounts()),
            stats: Stats::default(),
            faults: FaultStore::default(),
            jobs: JobStore::new(args.max_jobs, args.job_latency(), &signer),
            images: ImageCache::default(),
            signer,
            streams: Arc::new(Semaphore::new(args.max_streams.max(1))),
            admin_token,
            admin_origins: args.admin_origins.clone(),
            max_prompt_chars: args.max_prompt_chars,
            token_interval: args.token_interval(),
            log: !args.quiet,
            static_dir: args.static_dir.clone(),
            completions: AtomicU64::new(0),
        }
    }

    /// A fresh `chatcmpl-…` id.
    pub fn completion_id(&self) -> String {
        let n = self.completions.fetch_add(1, Ordering::Relaxed);
        format!("chatcmpl-sbx{}", self.signer.completion_id(n))
    }
}
