//! One image job as the gallery keeps it (JSON in IndexedDB), and how its status moves.
//!
//! ```text
//!            accepted        observe("processing")      Ok(url)
//!  Queued ────────────▶ Queued ─────────────────▶ Running ───────▶ Done
//!    │                    │                          │
//!    │ create failed      │ "error"/"failed"         │ deadline passed
//!    ▼                    ▼                          ▼
//!  Failed ◀──────────── Failed                    TimedOut ── resume ──▶ Running
//!    │ retry: a new job, same parameters (charged again)
//!    ▼
//!  Queued
//! ```
//!
//! **Timed out, resume.** A job whose status stays unknown (`queued`, `processing`, or a word
//! the API does not document) is polled with backoff until its wait runs out; it is then
//! `TimedOut`: the service may still finish it, we just stopped asking. *Resume* polls the
//! same job (same jobid and signature, nothing charged) for another full wait. *Retry*, for
//! failed jobs, creates a new job with the same parameters, which is charged again.
//!
//! **After a reload**, jobs that were queued or running and had been accepted (they have a
//! jobid) resume polling with a fresh wait; jobs whose create call was still in flight are
//! marked failed (the service may or may not have accepted and charged them), with a retry.

use serde::{Deserialize, Serialize};

use crate::catalog::IMAGE_PRICE_NANO_USD;
use crate::types::image::{ImageRequest, JobTicket};
use crate::types::is_allowed_image_url;
use crate::{Error, ErrorKind};

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Being created, or accepted and waiting for the service to start it.
    Queued,
    /// The service is working on it (or answers with a status word we do not know).
    Running,
    /// The image is ready.
    Done,
    /// The service (or the create call) failed it; see the message.
    Failed,
    /// We stopped polling at the deadline; it can be resumed.
    TimedOut,
}

impl JobStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [JobStatus; 5] = [Self::Queued, Self::Running, Self::Done, Self::Failed, Self::TimedOut];

    /// A stable name (`timed_out`), used in the DOM and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::TimedOut => "timed_out",
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::TimedOut => "timed out",
        }
    }

    /// Queued or running: someone is (or should be) polling it.
    pub fn is_pending(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

/// Whether the image's bytes are kept in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalCopy {
    /// Not tried yet (the job is not done, or the copy is being made).
    #[default]
    NotYet,
    /// The bytes are in IndexedDB: the image outlives its URL.
    Kept,
    /// The image could not be fetched (CORS, expired, not an image): only its URL is kept.
    LinkOnly,
}

/// An image job in the gallery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Our id (the IndexedDB key), stable across retries.
    pub id: String,
    /// What was asked for.
    pub params: ImageRequest,
    /// The service's job id, once it accepted the job.
    #[serde(default)]
    pub jobid: Option<String>,
    /// The job's signature, needed to ask for its status.
    #[serde(default)]
    pub signature: Option<String>,
    /// Where it stands.
    pub status: JobStatus,
    /// The last status word the service used while the job ran (`processing`, …).
    #[serde(default)]
    pub service_status: Option<String>,
    /// Why it failed or timed out (the server's own words when it gave any).
    #[serde(default)]
    pub message: Option<String>,
    /// The image (only set when it is an http(s) or `data:image/…` URL).
    #[serde(default)]
    pub image_url: Option<String>,
    /// Whether the bytes are kept locally.
    #[serde(default)]
    pub local_copy: LocalCopy,
    /// When the card was made (Unix ms); the gallery sorts by it.
    pub created_ms: u64,
    /// When the current attempt began (Unix ms); elapsed time counts from it.
    #[serde(default)]
    pub started_ms: u64,
    /// When it ended (done, failed, timed out).
    #[serde(default)]
    pub finished_ms: Option<u64>,
    /// How many times the service accepted (and so charged) a job for this card.
    #[serde(default)]
    pub charges: u32,
    /// Whether its create call was sent (the service may have accepted and charged it even
    /// if no answer came).
    #[serde(default)]
    pub create_sent: bool,
    /// How long to poll before saying it timed out, in seconds.
    #[serde(default = "default_wait_s")]
    pub wait_s: u32,
    /// Why the attempt before a retry failed, shown while the new one runs.
    #[serde(default)]
    pub earlier_failure: Option<String>,
}

fn default_wait_s() -> u32 {
    super::form::DEFAULT_WAIT_S
}

/// What a reload means for a stored job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnReload {
    /// Nothing to do.
    Keep,
    /// Poll it again, or create it if its create call was never sent.
    Resume,
    /// Its create call was sent but its answer never came: now failed (saved), retry offered.
    Interrupted,
}

/// Of the jobs in an import, those to add to a gallery (where `here` says which ids it has):
/// the new ones that are over. A job still pending where it was exported is left out: here it
/// could be created, and charged, a second time. A kept image whose bytes did not come with
/// the file is fetched again from its link.
pub fn to_import(imported: Vec<Job>, here: impl Fn(&str) -> bool) -> Vec<Job> {
    imported
        .into_iter()
        .filter(|j| !j.status.is_pending() && !here(&j.id))
        .map(|mut j| {
            if j.local_copy == LocalCopy::Kept && !j.image_url.as_deref().is_some_and(|u| u.starts_with("data:image/"))
            {
                j.local_copy = LocalCopy::NotYet;
            }
            j
        })
        .collect()
}

impl Job {
    /// A new card, before the create call.
    pub fn new(id: impl Into<String>, params: ImageRequest, wait_s: u32, now_ms: u64) -> Self {
        Self {
            id: id.into(),
            params,
            jobid: None,
            signature: None,
            status: JobStatus::Queued,
            service_status: None,
            message: None,
            image_url: None,
            local_copy: LocalCopy::NotYet,
            created_ms: now_ms,
            started_ms: now_ms,
            finished_ms: None,
            charges: 0,
            create_sent: false,
            wait_s,
            earlier_failure: None,
        }
    }

    /// The ticket for status calls, once accepted.
    pub fn ticket(&self) -> Option<JobTicket> {
        Some(JobTicket { jobid: self.jobid.clone()?, signature: self.signature.clone()? })
    }

    /// The service accepted the job (and charged it).
    pub fn accepted(&mut self, ticket: JobTicket) {
        self.jobid = Some(ticket.jobid);
        self.signature = Some(ticket.signature);
        self.charges += 1;
        self.status = JobStatus::Queued;
        self.message = None;
    }

    /// A status answer while the job runs (`queued`, `processing`, anything unknown).
    /// Returns whether anything visible changed (so only changes are saved).
    pub fn observe(&mut self, word: &str) -> bool {
        if !self.status.is_pending() {
            return false;
        }
        let word = word.trim();
        let status = match word.to_ascii_lowercase().as_str() {
            "" | "queued" | "pending" | "waiting" | "submitted" => JobStatus::Queued,
            _ => JobStatus::Running,
        };
        let service_status = Some(word.to_owned()).filter(|w| !w.is_empty());
        let changed = status != self.status || service_status != self.service_status;
        self.status = status;
        self.service_status = service_status;
        changed
    }

    /// The end of a create-and-poll attempt. Returns false when nothing changed: an aborted
    /// attempt (the card was deleted, or the page is going away) leaves the job as it was.
    pub fn settle(&mut self, outcome: Result<String, Error>, now_ms: u64) -> bool {
        match outcome {
            Ok(url) if is_allowed_image_url(&url) => {
                self.status = JobStatus::Done;
                self.image_url = Some(url.trim().to_owned());
                self.message = None;
            }
            Ok(_) => {
                self.status = JobStatus::Failed;
                self.message = Some(
                    "the service answered with an image address that is not http(s) or data:image, so it is not shown"
                        .into(),
                );
            }
            Err(e) if e.kind() == ErrorKind::Aborted => return false,
            Err(e) if e.kind() == ErrorKind::Timeout && self.jobid.is_some() => {
                self.status = JobStatus::TimedOut;
                self.message = Some(format!("{}; it may still finish: resume to keep waiting", e.message()));
            }
            // The service failed the job: its words are the message.
            Err(e) if e.kind() == ErrorKind::JobFailed => {
                self.status = JobStatus::Failed;
                self.message = Some(e.message().to_owned());
            }
            // The create or a status call failed: in the same words as a failed chat answer
            // ("Not enough credit: … Top up your credit, then retry."), not the library's.
            Err(e) => {
                self.status = JobStatus::Failed;
                self.message = Some(crate::words::turn_error_words(e.kind().as_str(), e.message()));
            }
        }
        self.finished_ms = Some(now_ms);
        true
    }

    /// Whether "retry" applies: failed, or timed out before the service accepted it.
    pub fn can_retry(&self) -> bool {
        self.status == JobStatus::Failed || (self.status == JobStatus::TimedOut && self.jobid.is_none())
    }

    /// Whether "resume" applies: timed out with a job to ask about.
    pub fn can_resume(&self) -> bool {
        self.status == JobStatus::TimedOut && self.ticket().is_some()
    }

    /// Starts over with a new job of the same parameters. Returns false when retry does not apply.
    pub fn retry(&mut self, now_ms: u64) -> bool {
        if !self.can_retry() {
            return false;
        }
        *self = Self {
            charges: self.charges,
            earlier_failure: self.message.take().or(self.earlier_failure.take()),
            ..Self::new(self.id.clone(), self.params.clone(), self.wait_s, self.created_ms)
        };
        self.started_ms = now_ms;
        true
    }

    /// What the card has cost so far, for the card: "Charged $0.0015", or "Charged $0.0030
    /// over 2 attempts" after a retry; `None` before the service accepted any attempt.
    pub fn charged_words(&self) -> Option<String> {
        let total = crate::money::exact_nano(u64::from(self.charges) * IMAGE_PRICE_NANO_USD);
        match self.charges {
            0 => None,
            1 => Some(format!("Charged {total}")),
            n => Some(format!("Charged {total} over {n} attempts")),
        }
    }

    /// The retry button's words: a retry is a new job, charged again ("Retry · $0.0015").
    pub fn retry_label() -> String {
        format!("Retry · {}", crate::money::exact_nano(IMAGE_PRICE_NANO_USD))
    }

    /// Polls the same job again after a timeout. Returns false when resume does not apply.
    pub fn resume(&mut self) -> bool {
        if !self.can_resume() {
            return false;
        }
        self.status = JobStatus::Running;
        self.message = None;
        self.finished_ms = None;
        true
    }

    /// What to do with this stored job now that the page loaded again.
    pub fn on_reload(&mut self, now_ms: u64) -> OnReload {
        if !self.status.is_pending() {
            return OnReload::Keep;
        }
        if self.ticket().is_some() || !self.create_sent {
            return OnReload::Resume;
        }
        self.status = JobStatus::Failed;
        self.message = Some(
            "the page closed before the service accepted this job (it may or may not have been charged); retry to create it again"
                .into(),
        );
        self.finished_ms = Some(now_ms);
        OnReload::Interrupted
    }

    /// How long the current attempt has taken (until now while it is pending).
    pub fn elapsed_ms(&self, now_ms: u64) -> u64 {
        self.finished_ms.unwrap_or(now_ms).saturating_sub(self.started_ms)
    }

    /// The parameters in one line: "dreamshaper · 1024×768 · 4 steps · cfg 2 · DPM++ SDE".
    pub fn params_summary(&self) -> String {
        let p = &self.params;
        format!(
            "{} · {}×{} · {} steps · cfg {} · {}",
            p.model,
            p.effective_width(),
            p.effective_height(),
            p.steps.unwrap_or(crate::types::image::DEFAULT_STEPS),
            p.cfg_scale.unwrap_or(crate::types::image::DEFAULT_CFG_SCALE),
            p.scheduler.as_deref().unwrap_or(crate::catalog::DEFAULT_SCHEDULER),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        Job::new("j1", ImageRequest::new("dreamshaper", "a red fox"), 300, 1_000)
    }

    fn ticket() -> JobTicket {
        JobTicket { jobid: "12345678".into(), signature: "abc".into() }
    }

    fn err(kind_status: u16, message: &str) -> Error {
        crate::Redactor::none().http(kind_status, message)
    }

    #[test]
    fn happy_path_queued_running_done() {
        let mut j = job();
        assert_eq!((j.status, j.ticket()), (JobStatus::Queued, None));
        j.accepted(ticket());
        assert_eq!(j.ticket(), Some(ticket()));
        assert_eq!(j.charges, 1);
        assert!(j.observe("queued"));
        assert!(!j.observe("queued"), "no change, nothing to save");
        assert_eq!(j.status, JobStatus::Queued);
        assert!(j.observe("processing"));
        assert_eq!((j.status, j.service_status.as_deref()), (JobStatus::Running, Some("processing")));
        assert!(j.observe("rendering-new-word"), "unknown words are running, not failures");
        assert_eq!(j.status, JobStatus::Running);
        assert_eq!(j.elapsed_ms(4_000), 3_000);
        assert!(j.settle(Ok("https://cdn.test/a.png".into()), 5_500));
        assert_eq!(j.status, JobStatus::Done);
        assert_eq!(j.image_url.as_deref(), Some("https://cdn.test/a.png"));
        assert_eq!(j.elapsed_ms(99_999), 4_500, "elapsed stops at the end");
        assert!(!j.observe("processing"), "a late answer does not reopen a done job");
        assert_eq!(j.status, JobStatus::Done);
    }

    #[test]
    fn untrusted_image_urls_are_not_kept() {
        for url in ["javascript:alert(1)", "data:text/html,<b>x", "ftp://x.test/a.png", ""] {
            let mut j = job();
            j.accepted(ticket());
            j.settle(Ok(url.into()), 2_000);
            assert_eq!(j.status, JobStatus::Failed, "{url}");
            assert_eq!(j.image_url, None, "{url}");
        }
        let mut j = job();
        j.settle(Ok("data:image/png;base64,AAAA".into()), 2_000);
        assert_eq!(j.status, JobStatus::Done);
    }

    #[test]
    fn failure_keeps_the_server_message_and_retry_starts_over() {
        let mut j = job();
        j.accepted(ticket());
        assert!(j.settle(Err(Error::new(ErrorKind::JobFailed, "content policy violation")), 3_000));
        assert_eq!((j.status, j.message.as_deref()), (JobStatus::Failed, Some("content policy violation")));
        assert!(j.can_retry() && !j.can_resume());
        assert!(j.retry(10_000));
        assert_eq!(j.status, JobStatus::Queued);
        assert_eq!((j.jobid.as_deref(), j.message.as_deref(), j.finished_ms), (None, None, None));
        assert_eq!((j.created_ms, j.started_ms), (1_000, 10_000), "keeps its place, restarts the clock");
        assert_eq!(j.charges, 1, "the first attempt was charged");
        j.accepted(ticket());
        assert_eq!(j.charges, 2);
        assert!(!j.retry(11_000), "nothing to retry while it runs");
    }

    /// Regression (user review): Retry charged again with no price shown, and the failed
    /// attempt's reason vanished from the card.
    #[test]
    fn a_retry_says_its_price_and_the_card_what_it_has_cost() {
        assert_eq!(Job::retry_label(), "Retry · $0.0015");
        let mut j = job();
        assert_eq!(j.charged_words(), None, "nothing accepted, nothing charged");
        j.accepted(ticket());
        assert_eq!(j.charged_words().as_deref(), Some("Charged $0.0015"));
        j.settle(Err(Error::new(ErrorKind::JobFailed, "content policy violation")), 3_000);
        assert!(j.retry(4_000));
        assert_eq!(j.earlier_failure.as_deref(), Some("content policy violation"), "the reason stays on the card");
        assert_eq!(j.charged_words().as_deref(), Some("Charged $0.0015"), "the retry is not accepted yet");
        j.accepted(ticket());
        assert_eq!(j.charged_words().as_deref(), Some("Charged $0.003 over 2 attempts"));
        // A second failure and retry: the latest reason is the one kept.
        j.settle(Err(Error::new(ErrorKind::JobFailed, "nsfw")), 5_000);
        assert!(j.retry(6_000));
        assert_eq!(j.earlier_failure.as_deref(), Some("nsfw"));
    }

    #[test]
    fn create_errors_fail_the_card() {
        let mut j = job();
        assert!(j.settle(Err(err(402, "insufficient credit")), 2_000));
        assert_eq!(j.status, JobStatus::Failed);
        assert_eq!(
            j.message.as_deref(),
            Some("Not enough credit (HTTP 402). Top up your credit, then retry."),
            "as chat words it"
        );
        assert_eq!(j.charges, 0);
        // A timeout before the job was accepted is a failure to retry, not a job to resume.
        let mut j = job();
        j.settle(Err(Error::new(ErrorKind::Timeout, "no answer within 60 s")), 2_000);
        assert_eq!(j.status, JobStatus::Failed);
    }

    #[test]
    fn timeout_then_resume_polls_the_same_job() {
        let mut j = job();
        j.accepted(ticket());
        j.observe("processing");
        assert!(j.settle(Err(Error::new(ErrorKind::Timeout, "the image job did not finish within 300 s")), 301_000));
        assert_eq!(j.status, JobStatus::TimedOut);
        assert!(j.message.as_deref().is_some_and(|m| m.contains("within 300 s") && m.contains("resume")));
        assert!(j.can_resume() && !j.can_retry());
        assert!(j.resume());
        assert_eq!((j.status, j.message.as_deref(), j.finished_ms), (JobStatus::Running, None, None));
        assert_eq!(j.ticket(), Some(ticket()), "same job");
        assert_eq!(j.charges, 1, "resuming costs nothing");
        assert!(!j.resume());
    }

    #[test]
    fn abort_changes_nothing() {
        let mut j = job();
        j.accepted(ticket());
        let before = j.clone();
        assert!(!j.settle(Err(Error::aborted()), 5_000));
        assert_eq!(j, before);
    }

    #[test]
    fn reload_resumes_accepted_and_unsent_jobs_and_fails_unanswered_ones() {
        let mut accepted = job();
        accepted.accepted(ticket());
        accepted.observe("processing");
        assert_eq!(accepted.on_reload(9_000), OnReload::Resume);
        assert_eq!(accepted.status, JobStatus::Running);

        // Never sent (waiting for a create slot): created now, as if nothing happened.
        let mut unsent = job();
        assert_eq!(unsent.on_reload(9_000), OnReload::Resume);
        assert!(unsent.status.is_pending() && unsent.message.is_none());

        let mut in_flight = job();
        in_flight.create_sent = true;
        assert_eq!(in_flight.on_reload(9_000), OnReload::Interrupted);
        assert_eq!(in_flight.status, JobStatus::Failed);
        assert!(in_flight.can_retry());

        for status in [JobStatus::Done, JobStatus::Failed, JobStatus::TimedOut] {
            let mut j = job();
            j.status = status;
            assert_eq!(j.on_reload(9_000), OnReload::Keep, "{status:?}");
        }
    }

    #[test]
    fn stored_json_round_trips_and_old_records_still_load() {
        let mut j = job();
        j.accepted(ticket());
        j.settle(Ok("http://127.0.0.1:8787/sandbox/images/ab.png".into()), 2_000);
        j.local_copy = LocalCopy::Kept;
        let json = serde_json::to_string(&j).expect("encodes");
        assert!(json.contains(r#""status":"done""#) && json.contains(r#""local_copy":"kept""#), "{json}");
        assert!(json.contains(r#""jobid":"12345678""#) && json.contains(r#""signature":"abc""#), "{json}");
        assert_eq!(serde_json::from_str::<Job>(&json).expect("decodes"), j);
        // A minimal record (fields added later are defaulted).
        let old = r#"{"id":"x","params":{"model":"amigo","prompt":"p"},"status":"timed_out","created_ms":5}"#;
        let j: Job = serde_json::from_str(old).expect("decodes");
        assert_eq!((j.status, j.wait_s, j.local_copy, j.charges), (JobStatus::TimedOut, 300, LocalCopy::NotYet, 0));
        for s in JobStatus::ALL {
            let json = serde_json::to_string(&s).expect("encodes");
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
    }

    #[test]
    fn summary_shows_every_parameter_with_defaults() {
        let mut j = job();
        assert_eq!(j.params_summary(), "dreamshaper · 1024×1024 · 4 steps · cfg 2 · DPM++ SDE");
        j.params.width = Some(512);
        j.params.cfg_scale = Some(3.5);
        j.params.scheduler = Some("Euler a".into());
        assert_eq!(j.params_summary(), "dreamshaper · 512×1024 · 4 steps · cfg 3.5 · Euler a");
    }

    #[test]
    fn an_import_adds_new_finished_jobs_only() {
        let with = |id: &str, status: JobStatus, copy: LocalCopy, url: &str| {
            let mut j = job();
            j.id = id.into();
            j.status = status;
            j.local_copy = copy;
            j.image_url = Some(url.into());
            j
        };
        let imported = vec![
            with("here", JobStatus::Done, LocalCopy::Kept, "https://x/a.png"),
            with("pending", JobStatus::Running, LocalCopy::NotYet, ""),
            with("queued", JobStatus::Queued, LocalCopy::NotYet, ""),
            with("link", JobStatus::Done, LocalCopy::Kept, "https://x/b.png"),
            with("bytes", JobStatus::Done, LocalCopy::Kept, "data:image/png;base64,AAAA"),
            with("failed", JobStatus::Failed, LocalCopy::NotYet, ""),
        ];
        let added = to_import(imported, |id| id == "here");
        let ids: Vec<&str> = added.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids, ["link", "bytes", "failed"]);
        // A copy kept in the other browser is made again here from the link...
        assert_eq!(added[0].local_copy, LocalCopy::NotYet);
        // ...unless its bytes came in the file.
        assert_eq!(added[1].local_copy, LocalCopy::Kept);
    }
}
