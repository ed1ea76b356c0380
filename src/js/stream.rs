//! `ChatStream` and `TextStream`: the Rust [`ChatStream`] as JS async iterators.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_core::Stream;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

use super::error::{encode, to_js};
use super::timeout_of;
use crate::client::ChatStream;
use crate::types::chat::ChatChunk;
use crate::Error;

/// The Rust stream, shared by the `ChatStream` object, its iterators and its `textStream`.
///
/// The stream is only borrowed inside a poll, never across an await, so `abort()` can reach
/// it while a `next()` is pending. Every pending caller's waker is kept, so that a caller
/// whose turn it was not (or whose read was cancelled by `abort()`) is polled again.
struct Shared {
    stream: RefCell<ChatStream>,
    waiting: RefCell<Vec<Waker>>,
    /// The caller's signal: an abort by `AbortSignal.timeout()` is reported as `timeout`.
    signal: Option<AbortSignal>,
    /// Whether `for await` began on the stream or its `textStream`: a stream is read once.
    iterated: Cell<bool>,
}

impl Shared {
    /// A future that polls `f` on the stream until it is ready.
    fn poll_with<T>(
        self: Rc<Self>,
        mut f: impl FnMut(Pin<&mut ChatStream>, &mut Context<'_>) -> Poll<T>,
    ) -> impl Future<Output = T> {
        poll_fn(move |cx| {
            let result = match self.stream.try_borrow_mut() {
                Ok(mut stream) => f(Pin::new(&mut *stream), cx),
                // Only a poll borrows the stream, and polls do not nest; wait for the next wake.
                Err(_) => Poll::Pending,
            };
            match result {
                Poll::Ready(value) => {
                    self.wake_all();
                    Poll::Ready(value)
                }
                Poll::Pending => {
                    let mut waiting = self.waiting.borrow_mut();
                    if !waiting.iter().any(|w| w.will_wake(cx.waker())) {
                        waiting.push(cx.waker().clone());
                    }
                    Poll::Pending
                }
            }
        })
    }

    fn wake_all(&self) {
        let waiting = std::mem::take(&mut *self.waiting.borrow_mut());
        waiting.into_iter().for_each(Waker::wake);
    }

    fn abort(&self) {
        if let Ok(mut stream) = self.stream.try_borrow_mut() {
            stream.abort();
        }
        // A pending read was dropped by the abort: its callers must look again.
        self.wake_all();
    }

    /// The next chunk, `None` at the end.
    async fn next_chunk(self: Rc<Self>) -> Option<Result<ChatChunk, Error>> {
        self.poll_with(|stream, cx| stream.poll_next(cx)).await
    }

    /// A stream error as JS sees it.
    fn error(&self, err: Error) -> JsValue {
        to_js(&timeout_of(err, self.signal.as_ref()))
    }

    /// Marks the start of a `for await`; the second one on the same stream is an error.
    fn begin_iteration(&self) -> Result<(), JsValue> {
        if self.iterated.replace(true) {
            return Err(to_js(&Error::invalid_worded(
                "stream",
                "can be iterated once",
                "this stream was already iterated: a stream can be read once (keep what the first loop \
                 read, or call finalCompletion() for the whole answer)",
            )));
        }
        Ok(())
    }
}

/// `{ done, value }` for an async iterator.
fn step(done: bool, value: &JsValue) -> JsValue {
    let result = js_sys::Object::new();
    // Setting a plain property on a fresh object cannot fail.
    let _ = js_sys::Reflect::set(&result, &JsValue::from_str("done"), &JsValue::from_bool(done));
    let _ = js_sys::Reflect::set(&result, &JsValue::from_str("value"), value);
    result.into()
}

/// `{ done, value }` with the next chunk.
async fn next_chunk_step(shared: Rc<Shared>) -> Result<JsValue, JsValue> {
    match shared.clone().next_chunk().await {
        Some(Ok(chunk)) => Ok(step(false, &encode(&chunk).map_err(|e| to_js(&e))?)),
        Some(Err(err)) => Err(shared.error(err)),
        None => Ok(step(true, &JsValue::UNDEFINED)),
    }
}

/// `{ done, value }` with the next non-empty content delta.
async fn next_text_step(shared: Rc<Shared>) -> Result<JsValue, JsValue> {
    loop {
        match shared.clone().next_chunk().await {
            Some(Ok(chunk)) => match chunk.content() {
                Some(text) if !text.is_empty() => return Ok(step(false, &JsValue::from_str(text))),
                _ => continue,
            },
            Some(Err(err)) => return Err(shared.error(err)),
            None => return Ok(step(true, &JsValue::UNDEFINED)),
        }
    }
}

/// A streamed chat answer: an async iterable of `chat.completion.chunk` objects.
#[wasm_bindgen(js_name = ChatStream)]
pub struct JsChatStream {
    shared: Rc<Shared>,
    /// Whether this is the iterator a `for await` got (iterating it again is allowed: it is
    /// its own iterable), not the stream the caller holds.
    iterator: bool,
}

impl JsChatStream {
    pub(super) fn new(stream: ChatStream, signal: Option<AbortSignal>) -> Self {
        let shared = Shared {
            stream: RefCell::new(stream),
            waiting: RefCell::new(Vec::new()),
            signal,
            iterated: Cell::new(false),
        };
        Self { shared: Rc::new(shared), iterator: false }
    }
}

#[wasm_bindgen(js_class = ChatStream)]
impl JsChatStream {
    /// Iterates over the chunks (`for await (const chunk of stream)`). Leaving the loop early
    /// (`break`, `return`, a throw) aborts the request. A stream is read once: a second
    /// `for await` (over it or its `textStream`) throws a `MiniToolAIError`.
    #[wasm_bindgen(js_name = "[Symbol.asyncIterator]")]
    pub fn async_iterator(&self) -> Result<JsChatStream, JsValue> {
        if !self.iterator {
            self.shared.begin_iteration()?;
        }
        Ok(JsChatStream { shared: self.shared.clone(), iterator: true })
    }

    /// The next chunk; rejects with a `MiniToolAIError` if the stream fails.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<ChatCompletionChunk, undefined>>")]
    pub fn next(&self) -> js_sys::Promise {
        future_to_promise(next_chunk_step(self.shared.clone()))
    }

    /// A reader like a `ReadableStream`'s (`read()`, `cancel()`, `releaseLock()`), for code
    /// written against stream readers; `for await` needs none.
    #[wasm_bindgen(js_name = getReader)]
    pub fn get_reader(&self) -> JsChatStreamReader {
        JsChatStreamReader { shared: self.shared.clone() }
    }

    /// Stops early: aborts the request (what `for await` calls on `break`).
    #[wasm_bindgen(js_name = "return", unchecked_return_type = "Promise<IteratorReturnResult<undefined>>")]
    pub fn return_(&self) -> js_sys::Promise {
        self.shared.abort();
        js_sys::Promise::resolve(&step(true, &JsValue::UNDEFINED))
    }

    /// The content deltas only, as strings: `for await (const text of stream.textStream)`.
    #[wasm_bindgen(getter, js_name = textStream)]
    pub fn text_stream(&self) -> JsTextStream {
        JsTextStream { shared: self.shared.clone(), iterator: false }
    }

    /// Reads the rest of the stream and resolves with the whole answer, its usage and its
    /// cost; rejects with the stream's error (which keeps the partial text).
    #[wasm_bindgen(js_name = finalCompletion, unchecked_return_type = "Promise<ChatCompletion>")]
    pub fn final_completion(&self) -> js_sys::Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let done = shared.clone().poll_with(|mut stream, cx| pin!(stream.final_completion()).poll(cx)).await;
            done.and_then(|c| encode(&c)).map_err(|e| shared.error(e))
        })
    }

    /// Cancels the request now; the stream then ends with an `aborted` error.
    pub fn abort(&self) {
        self.shared.abort();
    }
}

/// The content deltas of a `ChatStream`, as an async iterable of strings.
#[wasm_bindgen(js_name = TextStream)]
pub struct JsTextStream {
    shared: Rc<Shared>,
    /// As [`JsChatStream::iterator`].
    iterator: bool,
}

#[wasm_bindgen(js_class = TextStream)]
impl JsTextStream {
    /// Iterates over the text deltas. Leaving the loop early aborts the request. A second
    /// `for await` (over it or its stream) throws a `MiniToolAIError`.
    #[wasm_bindgen(js_name = "[Symbol.asyncIterator]")]
    pub fn async_iterator(&self) -> Result<JsTextStream, JsValue> {
        if !self.iterator {
            self.shared.begin_iteration()?;
        }
        Ok(JsTextStream { shared: self.shared.clone(), iterator: true })
    }

    /// The next non-empty piece of text; rejects with a `MiniToolAIError` if the stream fails.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<string, undefined>>")]
    pub fn next(&self) -> js_sys::Promise {
        future_to_promise(next_text_step(self.shared.clone()))
    }

    /// A reader like a `ReadableStream`'s (`read()`, `cancel()`, `releaseLock()`), for browsers
    /// and code written against stream readers; `for await` needs none.
    #[wasm_bindgen(js_name = getReader)]
    pub fn get_reader(&self) -> JsTextStreamReader {
        JsTextStreamReader { shared: self.shared.clone() }
    }

    /// Stops early: aborts the request.
    #[wasm_bindgen(js_name = "return", unchecked_return_type = "Promise<IteratorReturnResult<undefined>>")]
    pub fn return_(&self) -> js_sys::Promise {
        self.shared.abort();
        js_sys::Promise::resolve(&step(true, &JsValue::UNDEFINED))
    }
}

/// `chatStream.getReader()`: the chunks through a stream reader's interface.
#[wasm_bindgen(js_name = ChatStreamReader)]
pub struct JsChatStreamReader {
    shared: Rc<Shared>,
}

#[wasm_bindgen(js_class = ChatStreamReader)]
impl JsChatStreamReader {
    /// The next chunk as `{ done, value }`; rejects with a `MiniToolAIError` if the stream fails.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<ChatCompletionChunk, undefined>>")]
    pub fn read(&self) -> js_sys::Promise {
        future_to_promise(next_chunk_step(self.shared.clone()))
    }

    /// Aborts the request.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn cancel(&self) -> js_sys::Promise {
        self.shared.abort();
        js_sys::Promise::resolve(&JsValue::UNDEFINED)
    }

    /// Does nothing: the stream has no lock (kept for code written against stream readers).
    #[wasm_bindgen(js_name = releaseLock)]
    pub fn release_lock(&self) {}
}

/// `textStream.getReader()`: the content deltas through a stream reader's interface.
#[wasm_bindgen(js_name = TextStreamReader)]
pub struct JsTextStreamReader {
    shared: Rc<Shared>,
}

#[wasm_bindgen(js_class = TextStreamReader)]
impl JsTextStreamReader {
    /// The next piece of text as `{ done, value }`; rejects with a `MiniToolAIError` if the
    /// stream fails.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<string, undefined>>")]
    pub fn read(&self) -> js_sys::Promise {
        future_to_promise(next_text_step(self.shared.clone()))
    }

    /// Aborts the request.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn cancel(&self) -> js_sys::Promise {
        self.shared.abort();
        js_sys::Promise::resolve(&JsValue::UNDEFINED)
    }

    /// Does nothing: the stream has no lock (kept for code written against stream readers).
    #[wasm_bindgen(js_name = releaseLock)]
    pub fn release_lock(&self) {}
}
