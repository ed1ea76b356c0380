//! The browser client: validated requests over fetch, with retries, timeouts and abort.

mod chat;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

pub use chat::ChatStream;

use crate::config::{paths, ClientConfig};
use crate::poll::{Next, PollId, PollPolicy, Scheduler, Turn};
use crate::response::{error_from_response, server_message};
use crate::retry::parse_retry_after;
use crate::transport::{fetch, now_ms, race, random, sleep, Abort, CallOptions, Either, HttpResponse};
use crate::types::chat::{ChatRequest, Completion};
use crate::types::image::{ImageRequest, JobCreated, JobStatusResponse, JobTicket};
use crate::{Error, ErrorKind, Redactor};

/// Fields added to a request body as given (`extraBody` in JavaScript): the text of a JSON
/// object (`{"top_p":0.5}`; empty or `{}` for none), e.g. `serde_json::to_string(&map)`.
/// Kept as text so that the npm build needs no JSON value type (the JS side has
/// `JSON.stringify`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtraBody(String);

impl ExtraBody {
    /// No extra fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// The fields of `json`, which must be the text of a JSON object (`None` otherwise).
    pub fn from_json_object(json: impl Into<String>) -> Option<Self> {
        let json = json.into();
        let trimmed = json.trim();
        (trimmed.starts_with('{') && trimmed.ends_with('}')).then(|| Self(trimmed.to_owned()))
    }

    /// Whether there are no fields to add.
    pub fn is_empty(&self) -> bool {
        self.fields().is_empty()
    }

    /// The fields, without the braces (`"top_p":0.5`).
    fn fields(&self) -> &str {
        self.0.get(1..self.0.len().saturating_sub(1)).unwrap_or_default().trim()
    }
}

/// `body` (a JSON object) with the fields of `extra` added at its end.
fn with_extra(mut body: String, extra: &ExtraBody) -> String {
    let fields = extra.fields();
    if fields.is_empty() {
        return body;
    }
    // `{…}` + `"k":v,…` becomes `{…,"k":v,…}` (a request body always has fields).
    body.pop();
    body.push(',');
    body.push_str(fields);
    body.push('}');
    body
}

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
/// to finish, so many jobs cost few calls and are seen soon after they end. The client only
/// drives a [`Scheduler`], which keeps that bookkeeping.
#[derive(Clone)]
pub struct Client {
    inner: Rc<Inner>,
}

struct Inner {
    config: ClientConfig,
    /// Made from the key: every error built from server text goes through it.
    redactor: Redactor,
    /// Every image job of this client: creates, polls, what is learnt about job times.
    scheduler: RefCell<Scheduler>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("config", &self.inner.config).finish()
    }
}

impl Client {
    /// A client with `config`, after checking it.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        config.validate()?;
        let redactor = Redactor::new(&config.api_key);
        // Spaced 5 % wider than the rate, so that network jitter does not put one request too
        // many into a second as the server counts them.
        let scheduler = RefCell::new(Scheduler::new(config.poll_rate_per_second * 0.95, redactor.clone()));
        Ok(Self { inner: Rc::new(Inner { config, redactor, scheduler }) })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Starts a streamed chat completion. Resolves once the answer's headers arrived; the
    /// chunks are then read from the returned stream. Validation, HTTP and network errors
    /// reject here (after retries); errors later in the body come out of the stream.
    pub async fn chat(&self, request: &ChatRequest, options: &CallOptions) -> Result<ChatStream, Error> {
        self.chat_with_extra(request, &ExtraBody::new(), options).await
    }

    /// [`chat`](Self::chat) with more fields in the request body, sent as given (fields the
    /// service may accept that [`ChatRequest`] does not know). They must not repeat its fields.
    pub async fn chat_with_extra(
        &self,
        request: &ChatRequest,
        extra: &ExtraBody,
        options: &CallOptions,
    ) -> Result<ChatStream, Error> {
        request.validate_any_model()?;
        let body = serde_json::to_string(request).map_err(|e| Error::protocol(format!("could not encode: {e}")))?;
        let body = with_extra(body, extra);
        let url = self.inner.config.endpoint(paths::CHAT);
        let abort = Abort::new(options.signal.as_ref());
        let response = self.send(&url, &body, "text/event-stream", &abort, options).await?;
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

    /// [`complete`](Self::complete) with more fields in the request body (see
    /// [`chat_with_extra`](Self::chat_with_extra)).
    pub async fn complete_with_extra(
        &self,
        request: &ChatRequest,
        extra: &ExtraBody,
        options: &CallOptions,
    ) -> Result<Completion, Error> {
        self.chat_with_extra(request, extra, options).await?.final_completion().await
    }

    /// Creates an image job.
    pub async fn create_image(&self, request: &ImageRequest, options: &CallOptions) -> Result<JobTicket, Error> {
        self.create_image_noting_send(request, options, || ()).await
    }

    /// Creates an image job, calling `sending` just before the request leaves (after the
    /// wait for its turn under the rate limit): from then on the service may accept, and
    /// charge, the job even if its answer never arrives. An app that keeps jobs across
    /// reloads marks them there, so a job still waiting for its turn is known as never sent.
    pub async fn create_image_noting_send(
        &self,
        request: &ImageRequest,
        options: &CallOptions,
        sending: impl FnOnce(),
    ) -> Result<JobTicket, Error> {
        request.validate()?;
        let body = serde_json::to_string(request).map_err(|e| Error::protocol(format!("could not encode: {e}")))?;
        self.wait_create_turn(&Abort::new(options.signal.as_ref())).await?;
        sending();
        let text = self.post_json(paths::IMAGE, &body, options).await?;
        let created: JobCreated = serde_json::from_str(&text)
            .map_err(|e| self.inner.redactor.undecodable("unexpected image job answer", e, &text))?;
        match (created.status.as_str(), created.jobid, created.signature) {
            ("success", Some(jobid), Some(signature)) => {
                self.inner.scheduler.borrow_mut().created(&jobid, now_ms());
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
        mut on_status: impl FnMut(&JobStatusResponse),
    ) -> Result<GeneratedImage, Error> {
        /// Forgets the poll however it ends (its end, an abort, or the future dropped).
        struct Polling<'a>(&'a RefCell<Scheduler>, PollId);
        impl Drop for Polling<'_> {
            fn drop(&mut self) {
                self.0.borrow_mut().stop(self.1);
            }
        }
        let abort = Abort::new(options.signal.as_ref());
        let scheduler = &self.inner.scheduler;
        let poll = Polling(scheduler, scheduler.borrow_mut().start_poll(&job.jobid, &policy, now_ms()));
        // The scheduler decides; this loop only sleeps, sends and reports.
        let run = async {
            loop {
                let next = scheduler.borrow_mut().next(poll.1, now_ms());
                match next {
                    Next::Wait(wait) => sleep(wait).await,
                    Next::Send => {
                        let answer = self.image_status(job, options).await;
                        if let Ok(answer) = &answer {
                            on_status(answer);
                        }
                        let end = scheduler.borrow_mut().answer(poll.1, now_ms(), random(), answer);
                        if let Some(end) = end {
                            return end;
                        }
                    }
                }
            }
        };
        let image_url = match race(run, abort.aborted()).await {
            Either::Left(result) => result?,
            Either::Right(()) => return Err(Error::aborted()),
        };
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

    /// Waits for a create's turn in the client's shared image budget: status calls first,
    /// creates in the slots left and at least one a second, first come, first served (see
    /// [`ImageBudget`](crate::poll::ImageBudget)).
    async fn wait_create_turn(&self, abort: &Abort) -> Result<(), Error> {
        /// Leaves the line however the wait ends (its turn, an abort, or the future dropped).
        struct Ticket<'a>(&'a RefCell<Scheduler>, u64);
        impl Drop for Ticket<'_> {
            fn drop(&mut self) {
                self.0.borrow_mut().cancel(self.1);
            }
        }
        let scheduler = &self.inner.scheduler;
        let ticket = Ticket(scheduler, scheduler.borrow_mut().enqueue_create(now_ms()));
        loop {
            let Turn::AskAgainIn(wait) = scheduler.borrow_mut().turn(ticket.1, now_ms()) else { return Ok(()) };
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
        let response = self.send(&url, body, "application/json", &abort, options).await?;
        let text = response.text(&abort, self.inner.config.idle_timeout, &url).await?;
        Ok(self.inner.redactor.scrub(&text).into_owned())
    }

    /// Sends with retries: network errors, 408, 409, 429 and 5xx are tried again (after
    /// `Retry-After` or a jittered backoff) as long as no body byte was handed out.
    async fn send(
        &self,
        url: &str,
        body: &str,
        accept: &str,
        abort: &Abort,
        options: &CallOptions,
    ) -> Result<HttpResponse, Error> {
        let config = &self.inner.config;
        let mut attempt = 0;
        loop {
            let err = match fetch(url, config, body, accept, abort).await {
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
                // Our own words and the browser's, or what a custom fetch threw: that one may
                // quote the request (its authorization header), so it is scrubbed too.
                Err(err) if config.fetch.is_some() => self.inner.redactor.scrubbed(err),
                Err(err) => err,
            };
            if matches!(err.kind(), ErrorKind::Aborted) || abort.reason().is_some() {
                return Err(err);
            }
            let Some(delay) = config.retry.next_delay(attempt, &err, random()) else {
                return Err(err);
            };
            attempt += 1;
            if let Some(hook) = &options.on_retry {
                hook(&err, delay);
            }
            if let Either::Right(()) = race(sleep(delay), abort.aborted()).await {
                return Err(Error::aborted());
            }
        }
    }
}
