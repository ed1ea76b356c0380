//! The browser client: validated requests over fetch, with retries, timeouts and abort.

mod chat;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

pub use chat::ChatStream;

use crate::config::{paths, ClientConfig};
use crate::poll::{poll_job_after, Aim, ImageBudget, ImageCall, JobTimer, PollEnv, PollPolicy, Turn};
use crate::response::{error_from_response, server_message};
use crate::retry::parse_retry_after;
use crate::transport::{fetch, now_ms, race, random, sleep, Abort, CallOptions, Either, HttpResponse};
use crate::types::chat::{ChatRequest, Completion};
use crate::types::image::{ImageRequest, JobCreated, JobStatusResponse, JobTicket};
use crate::{Error, ErrorKind, Redactor};

/// A finished image job.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneratedImage {
    /// The job, for later status calls.
    pub jobid: String,
    /// The job's signature.
    pub signature: String,
    /// Where the image is (untrusted: check it with
    /// [`is_allowed_image_url`](crate::types::is_allowed_image_url) before display).
    pub image_url: String,
}

/// A MiniToolAI client for the browser (and anything with fetch: workers, Node 20+).
///
/// Cheap to clone; clones share the image rate limit and what was learnt about job times.
///
/// Image requests (creates and status calls) share one budget per client,
/// [`ClientConfig::poll_rate_per_second`] evenly spaced; status calls go first, creates take
/// the slots left. Each new job's first status call goes about when jobs have been taking
/// to finish ([`JobTimer`]), so many jobs cost few calls and are seen soon after they end.
#[derive(Clone)]
pub struct Client {
    inner: Rc<Inner>,
}

struct Inner {
    config: ClientConfig,
    /// Made from the key: every error built from server text goes through it.
    redactor: Redactor,
    budget: RefCell<ImageBudget>,
    timer: RefCell<JobTimer>,
    /// When this client created the jobs it has not finished polling (by jobid), so their
    /// time to finish can be learnt. Jobs created elsewhere (or before a reload) are polled
    /// without a first wait and teach nothing.
    created_at: RefCell<HashMap<String, u64>>,
    /// The creation times of the jobs of this client being polled now (the oldest one is the
    /// scout while nothing is known about job times).
    polling: RefCell<Vec<u64>>,
}

/// More remembered creation times than this and they are all forgotten (jobs created and
/// never polled must not grow the map forever).
const MAX_REMEMBERED_JOBS: usize = 4096;

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("config", &self.inner.config).finish()
    }
}

impl Client {
    /// A client with `config`, after checking it.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        config.validate()?;
        // Spaced 5 % wider than the rate, so that network jitter does not put one request too
        // many into a second as the server counts them.
        let budget = RefCell::new(ImageBudget::new(config.poll_rate_per_second * 0.95));
        let (timer, created_at, polling) = (RefCell::default(), RefCell::default(), RefCell::default());
        let redactor = Redactor::new(&config.api_key);
        Ok(Self { inner: Rc::new(Inner { config, redactor, budget, timer, created_at, polling }) })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Starts a streamed chat completion. Resolves once the answer's headers arrived; the
    /// chunks are then read from the returned stream. Validation, HTTP and network errors
    /// reject here (after retries); errors later in the body come out of the stream.
    pub async fn chat(&self, request: &ChatRequest, options: &CallOptions) -> Result<ChatStream, Error> {
        request.validate()?;
        let body = serde_json::to_string(request).map_err(|e| Error::protocol(format!("could not encode: {e}")))?;
        let url = self.inner.config.endpoint(paths::CHAT);
        let abort = Abort::new(options.signal.as_ref());
        let response = self.send(&url, &body, "text/event-stream", &abort).await?;
        let config = &self.inner.config;
        if response.content_type.contains("json") {
            // A JSON 200 is a whole answer, or an error in disguise; never an empty success.
            let text = response.text(&abort, config.idle_timeout, &url).await?;
            let completion = crate::response::completion_from_json(&text, &request.model, &self.inner.redactor);
            return Ok(ChatStream::from_json(completion));
        }
        if !crate::response::is_event_stream(&response.content_type) {
            let content_type = response.content_type.clone();
            let text = response.text(&abort, config.idle_timeout, &url).await?;
            let err = crate::response::error_from_unexpected_body(&content_type, &text, &self.inner.redactor);
            return Ok(ChatStream::from_json(Err(err)));
        }
        let Some(body) = response.into_body() else {
            return Err(Error::protocol("the answer had no body"));
        };
        Ok(ChatStream::new(body, abort, &request.model, config.idle_timeout, url, self.inner.redactor.clone()))
    }

    /// Sends a chat request and waits for the whole answer.
    pub async fn complete(&self, request: &ChatRequest, options: &CallOptions) -> Result<Completion, Error> {
        self.chat(request, options).await?.final_completion().await
    }

    /// Creates an image job.
    pub async fn create_image(&self, request: &ImageRequest, options: &CallOptions) -> Result<JobTicket, Error> {
        request.validate()?;
        let body = serde_json::to_string(request).map_err(|e| Error::protocol(format!("could not encode: {e}")))?;
        self.wait_turn(ImageCall::Create, &Abort::new(options.signal.as_ref())).await?;
        let text = self.post_json(paths::IMAGE, &body, options).await?;
        let created: JobCreated = serde_json::from_str(&text)
            .map_err(|e| self.inner.redactor.undecodable("unexpected image job answer", e, &text))?;
        match (created.status.as_str(), created.jobid, created.signature) {
            ("success", Some(jobid), Some(signature)) => {
                let mut remembered = self.inner.created_at.borrow_mut();
                if remembered.len() >= MAX_REMEMBERED_JOBS {
                    remembered.clear();
                }
                remembered.insert(jobid.clone(), now_ms());
                Ok(JobTicket { jobid, signature })
            }
            _ => Err(self.inner.redactor.server(
                ErrorKind::InvalidRequest,
                &match server_message(&text).filter(|m| m != &text) {
                    Some(m) => format!("the service refused the image job: {m}"),
                    None => "the service refused the image job".to_owned(),
                },
            )),
        }
    }

    /// Asks for the status of an image job once.
    pub async fn image_status(&self, job: &JobTicket, options: &CallOptions) -> Result<JobStatusResponse, Error> {
        let body = serde_json::to_string(job).map_err(|e| Error::protocol(format!("could not encode: {e}")))?;
        let text = self.post_json(paths::IMAGE_JOB, &body, options).await?;
        serde_json::from_str(&text)
            .map_err(|e| self.inner.redactor.undecodable("unexpected job status answer", e, &text))
    }

    /// Polls an existing job until it is done, failed or past the deadline, waiting its turn
    /// in the client's shared rate limit. `on_status` sees every answer.
    pub async fn wait_for_image(
        &self,
        job: &JobTicket,
        options: &CallOptions,
        on_status: impl FnMut(&JobStatusResponse),
    ) -> Result<GeneratedImage, Error> {
        self.poll_image(job, options, self.inner.config.poll, on_status).await
    }

    /// Like [`Client::generate_image`], but gives up polling `deadline` after polling began
    /// (instead of the configured [`PollPolicy::deadline`](crate::poll::PollPolicy)).
    pub async fn generate_image_within(
        &self,
        request: &ImageRequest,
        options: &CallOptions,
        deadline: Duration,
        on_status: impl FnMut(&JobStatusResponse),
    ) -> Result<GeneratedImage, Error> {
        let job = self.create_image(request, options).await?;
        self.wait_for_image_within(&job, options, deadline, on_status).await
    }

    /// Like [`Client::wait_for_image`], but gives up `deadline` after polling began (to
    /// resume a job that timed out, or after a page reload, with a fresh deadline).
    pub async fn wait_for_image_within(
        &self,
        job: &JobTicket,
        options: &CallOptions,
        deadline: Duration,
        on_status: impl FnMut(&JobStatusResponse),
    ) -> Result<GeneratedImage, Error> {
        let policy = PollPolicy { deadline, ..self.inner.config.poll };
        self.poll_image(job, options, policy, on_status).await
    }

    async fn poll_image(
        &self,
        job: &JobTicket,
        options: &CallOptions,
        policy: PollPolicy,
        on_status: impl FnMut(&JobStatusResponse),
    ) -> Result<GeneratedImage, Error> {
        let abort = Abort::new(options.signal.as_ref());
        let created = self.inner.created_at.borrow().get(&job.jobid).copied();
        /// Counts the job as polled while the loop runs (however it ends).
        struct Polling<'a>(&'a RefCell<Vec<u64>>, u64);
        impl Drop for Polling<'_> {
            fn drop(&mut self) {
                let mut polling = self.0.borrow_mut();
                if let Some(i) = polling.iter().position(|&c| c == self.1) {
                    polling.swap_remove(i);
                }
            }
        }
        let _polling = created.map(|c| {
            self.inner.polling.borrow_mut().push(c);
            Polling(&self.inner.polling, c)
        });
        let mut env = BrowserEnv { abort: &abort, client: &self.inner, created };
        // Status calls for older jobs go first; a job not created here counts from now.
        let job_began_ms = created.unwrap_or_else(now_ms);
        let get = || async {
            self.wait_turn(ImageCall::Status { job_began_ms }, &abort).await?;
            self.image_status(job, options).await
        };
        // A job this client just created is first asked about when jobs have been finishing.
        let first_wait = match env.aim() {
            Aim::At(at) => Duration::from_millis(at.saturating_sub(now_ms())),
            _ => Duration::ZERO,
        };
        let polled = race(poll_job_after(&policy, &mut env, first_wait, get, on_status), abort.aborted()).await;
        self.inner.created_at.borrow_mut().remove(&job.jobid);
        let image_url = match polled {
            Either::Left(result) => result?,
            Either::Right(()) => return Err(Error::aborted()),
        };
        if let Some(created) = created {
            self.inner.timer.borrow_mut().record(Duration::from_millis(now_ms().saturating_sub(created)));
        }
        Ok(GeneratedImage { jobid: job.jobid.clone(), signature: job.signature.clone(), image_url })
    }

    /// Creates an image job and polls it to the end.
    pub async fn generate_image(
        &self,
        request: &ImageRequest,
        options: &CallOptions,
        on_status: impl FnMut(&JobStatusResponse),
    ) -> Result<GeneratedImage, Error> {
        let job = self.create_image(request, options).await?;
        self.wait_for_image(&job, options, on_status).await
    }

    /// Waits for this request's turn in the client's shared image budget: status calls
    /// first, creates in the slots left and at least one a second, each line first come,
    /// first served (see [`ImageBudget`]).
    async fn wait_turn(&self, call: ImageCall, abort: &Abort) -> Result<(), Error> {
        /// Leaves the line however the wait ends (its turn, an abort, or the future dropped).
        struct Ticket<'a>(&'a RefCell<ImageBudget>, u64);
        impl Drop for Ticket<'_> {
            fn drop(&mut self) {
                self.0.borrow_mut().cancel(self.1);
            }
        }
        let budget = &self.inner.budget;
        let ticket = Ticket(budget, budget.borrow_mut().enqueue(call, now_ms()));
        loop {
            let Turn::AskAgainIn(wait) = budget.borrow_mut().turn(ticket.1, now_ms()) else { return Ok(()) };
            if let Either::Right(()) = race(sleep(wait), abort.aborted()).await {
                return Err(Error::aborted());
            }
        }
    }

    /// POSTs JSON and returns the body of a 2xx answer as text, scrubbed of the API key
    /// (whatever is made of it, a job's failure message included, cannot carry the key).
    async fn post_json(&self, path: &str, body: &str, options: &CallOptions) -> Result<String, Error> {
        let url = self.inner.config.endpoint(path);
        let abort = Abort::new(options.signal.as_ref());
        let response = self.send(&url, body, "application/json", &abort).await?;
        let text = response.text(&abort, self.inner.config.idle_timeout, &url).await?;
        Ok(self.inner.redactor.scrub(&text).into_owned())
    }

    /// Sends with retries: network errors, 408, 409, 429 and 5xx are tried again (after
    /// `Retry-After` or a jittered backoff) as long as no body byte was handed out.
    async fn send(&self, url: &str, body: &str, accept: &str, abort: &Abort) -> Result<HttpResponse, Error> {
        let config = &self.inner.config;
        let mut attempt = 0;
        loop {
            let err = match fetch(url, &config.api_key, body, accept, abort, config.timeout).await {
                Ok(response) if (200..300).contains(&response.status) => return Ok(response),
                Ok(response) => {
                    let status = response.status;
                    let after = parse_retry_after(
                        response.retry_after.as_deref(),
                        response.retry_after_ms.as_deref(),
                        now_ms(),
                    );
                    let text = response.text(abort, config.idle_timeout, url).await.unwrap_or_default();
                    error_from_response(status, &text, after, &self.inner.redactor)
                }
                // Our own words (and the browser's): no server text to scrub.
                Err(err) => err,
            };
            if matches!(err.kind(), ErrorKind::Aborted) || abort.reason().is_some() {
                return Err(err);
            }
            let Some(delay) = config.retry.next_delay(attempt, &err, random()) else {
                return Err(err);
            };
            attempt += 1;
            if let Either::Right(()) = race(sleep(delay), abort.aborted()).await {
                return Err(Error::aborted());
            }
        }
    }
}

/// The poll loop's surroundings in the browser: host clock, host timers, abortable sleep.
struct BrowserEnv<'a> {
    abort: &'a Abort,
    client: &'a Inner,
    /// When this client created the job (`None`: created elsewhere, or before a reload).
    created: Option<u64>,
}

impl PollEnv for BrowserEnv<'_> {
    fn now_ms(&self) -> u64 {
        now_ms()
    }

    fn random(&mut self) -> f64 {
        random()
    }

    async fn sleep(&mut self, delay: Duration) {
        // An abort wakes the loop; the race around the whole poll then ends it.
        let _ = race(sleep(delay), self.abort.aborted()).await;
    }

    fn aim(&self) -> Aim {
        let Some(created) = self.created else { return Aim::Never };
        match self.client.timer.borrow().first_poll_after() {
            Some(after) => Aim::At(created.saturating_add(after.as_millis() as u64)),
            None => {
                // The scout: the oldest job this client created and is polling.
                let oldest = self.client.polling.borrow().iter().min().copied();
                Aim::Unknown { scout: oldest == Some(created) }
            }
        }
    }
}
