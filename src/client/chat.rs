//! A streamed chat answer: a `Stream` of chunks that also builds the final completion.

use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use wasm_bindgen::JsValue;

use crate::stream::ChunkDecoder;
use crate::transport::{race, sleep, Abort, AbortReason, BodyReader, Either};
use crate::types::chat::{ChatChunk, ChunkChoice, Completion, Delta};
use crate::{Error, ErrorKind, Redactor};

type Read = Pin<Box<dyn Future<Output = ReadOutcome>>>;

enum ReadOutcome {
    Bytes(Vec<u8>),
    End,
    Failed(JsValue),
    Idle,
}

/// The chunks of a streamed answer, in order.
///
/// `data: [DONE]` ends the stream at once (the connection is released without waiting for
/// the end of the body). Dropping the stream cancels the request. After the last chunk,
/// [`ChatStream::final_completion`] gives the whole answer with usage and cost.
pub struct ChatStream {
    body: Option<BodyReader>,
    // Keep the abort guard alive as long as this stream is: dropping it cancels the fetch.
    abort: Option<Abort>,
    /// The body's bytes to chunks; it also scrubs the API key from every error it makes.
    decoder: ChunkDecoder,
    queued: VecDeque<ChatChunk>,
    read: Option<Read>,
    idle_timeout: Duration,
    url: String,
    end: Option<Result<Completion, Error>>,
    error_reported: bool,
}

impl ChatStream {
    pub(crate) fn new(
        body: BodyReader,
        abort: Abort,
        model: &str,
        idle_timeout: Duration,
        url: String,
        redactor: Redactor,
    ) -> Self {
        Self {
            body: Some(body),
            abort: Some(abort),
            decoder: ChunkDecoder::new(model, redactor),
            queued: VecDeque::new(),
            read: None,
            idle_timeout,
            url,
            end: None,
            error_reported: false,
        }
    }

    /// A stream over a complete JSON answer: one chunk with the whole text, then the end.
    pub(crate) fn from_json(answer: Result<Completion, Error>) -> Self {
        let mut queued = VecDeque::new();
        if let Ok(c) = &answer {
            queued.push_back(ChatChunk {
                id: c.id.clone(),
                object: "chat.completion.chunk".into(),
                created: 0,
                model: c.model.clone(),
                service_tier: None,
                system_fingerprint: None,
                choices: vec![ChunkChoice {
                    index: 0,
                    delta: Delta { role: Some("assistant".into()), content: Some(c.content.clone()), refusal: None },
                    logprobs: None,
                    finish_reason: c.finish_reason.clone(),
                }],
                usage: c.usage.clone(),
            });
        }
        Self {
            body: None,
            abort: None,
            decoder: ChunkDecoder::default(),
            queued,
            read: None,
            idle_timeout: Duration::from_secs(1),
            url: String::new(),
            end: Some(answer),
            error_reported: false,
        }
    }

    /// The text received so far.
    pub fn content(&self) -> String {
        match &self.end {
            Some(Ok(c)) if self.body.is_none() && self.decoder.state().content().is_empty() => c.content.clone(),
            _ => self.decoder.state().content().to_owned(),
        }
    }

    /// Cancels the request now; the stream then ends with an `aborted` error.
    pub fn abort(&mut self) {
        if self.end.is_none() {
            if let Some(abort) = &self.abort {
                abort.abort(AbortReason::Caller);
            }
            self.finish(Err(self.decoder.state().with_partial(Error::aborted())));
        }
    }

    /// The next chunk, or `None` at the end (also after an error was returned once).
    pub async fn next_chunk(&mut self) -> Option<Result<ChatChunk, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Reads the rest of the stream and returns the whole answer, with usage and cost.
    pub async fn final_completion(&mut self) -> Result<Completion, Error> {
        while let Some(item) = self.next_chunk().await {
            item?;
        }
        self.end.clone().unwrap_or_else(|| Err(Error::protocol("the stream has no end")))
    }

    fn finish(&mut self, end: Result<Completion, Error>) {
        if let Some(body) = self.body.take() {
            body.cancel();
        }
        self.read = None;
        self.abort = None;
        self.end = Some(end);
    }

    fn next_read(&self) -> Option<Read> {
        let body = self.body.as_ref()?;
        let read = body.read();
        let idle = self.idle_timeout;
        Some(Box::pin(async move {
            match race(read, sleep(idle)).await {
                Either::Left(Ok(Some(bytes))) => ReadOutcome::Bytes(bytes),
                Either::Left(Ok(None)) => ReadOutcome::End,
                Either::Left(Err(e)) => ReadOutcome::Failed(e),
                Either::Right(()) => ReadOutcome::Idle,
            }
        }))
    }

    fn on_bytes(&mut self, bytes: &[u8]) {
        match self.decoder.push(bytes, &mut self.queued) {
            Ok(false) => {}
            Ok(true) => self.finish(Ok(self.decoder.state().completion())),
            Err(e) => self.finish(Err(e)),
        }
    }

    fn on_end(&mut self) {
        let end = self.decoder.finish(&mut self.queued);
        self.finish(end);
    }
}

impl Stream for ChatStream {
    type Item = Result<ChatChunk, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(chunk) = this.queued.pop_front() {
                return Poll::Ready(Some(Ok(chunk)));
            }
            if let Some(end) = &this.end {
                // Report an error once, then end like any stream.
                return Poll::Ready(match end {
                    Err(e) if !this.error_reported => {
                        this.error_reported = true;
                        Some(Err(e.clone()))
                    }
                    _ => None,
                });
            }
            if this.read.is_none() {
                this.read = this.next_read();
            }
            let Some(read) = this.read.as_mut() else {
                this.on_end();
                continue;
            };
            let outcome = match read.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(outcome) => outcome,
            };
            this.read = None;
            match outcome {
                ReadOutcome::Bytes(bytes) => this.on_bytes(&bytes),
                ReadOutcome::End => this.on_end(),
                ReadOutcome::Idle => {
                    if let Some(abort) = &this.abort {
                        abort.abort(AbortReason::IdleTimeout);
                    }
                    let err = Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "no data from {} for {} ms",
                            crate::transport::origin_of(&this.url),
                            this.idle_timeout.as_millis()
                        ),
                    );
                    this.finish(Err(this.decoder.state().with_partial(err)));
                }
                ReadOutcome::Failed(e) => {
                    let err = match &this.abort {
                        Some(abort) => crate::transport::failure(abort, &e, &this.url),
                        None => Error::new(ErrorKind::Network, "the connection was lost"),
                    };
                    // A read that fails mid-body is a lost connection, whatever fetch calls it.
                    let err = if err.kind() == ErrorKind::Network {
                        Error::new(ErrorKind::Network, "the connection was lost before the answer was complete")
                    } else {
                        err
                    };
                    this.finish(Err(this.decoder.state().with_partial(err)));
                }
            }
        }
    }
}
