//! Cancellation: one AbortController per call, tied to the caller's AbortSignal, to our
//! timeouts, and to the lifetime of the Rust future or stream.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

/// Told before each retry: the error that made the attempt fail, and how long the client
/// waits before the next one (a person waiting can be shown "retrying in 5 s").
pub type RetryHook = Rc<dyn Fn(&crate::Error, std::time::Duration)>;

/// Per-call options.
#[derive(Clone, Default)]
pub struct CallOptions {
    /// Aborting this signal cancels the call: before the request is sent, while waiting for
    /// the answer, between retries, or mid-stream.
    pub signal: Option<AbortSignal>,
    /// Called before each retry (see [`RetryHook`]).
    pub on_retry: Option<RetryHook>,
}

impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallOptions")
            .field("signal", &self.signal)
            .field("on_retry", &self.on_retry.as_ref().map(|_| "Fn"))
            .finish()
    }
}

/// Why a call was aborted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AbortReason {
    /// The caller's signal fired, or the caller dropped the stream.
    Caller,
    /// No response headers in time.
    HeadersTimeout,
    /// No body bytes in time.
    IdleTimeout,
}

/// Owns the call's AbortController. Dropping it aborts the fetch and releases the body.
pub(crate) struct Abort {
    controller: AbortController,
    reason: Rc<Cell<Option<AbortReason>>>,
    aborted: js_sys::Promise,
    listener: Option<(AbortSignal, Closure<dyn FnMut()>)>,
}

impl Abort {
    pub(crate) fn new(external: Option<&AbortSignal>) -> Self {
        let controller = AbortController::new().expect("AbortController is available wherever fetch is");
        let reason = Rc::new(Cell::new(None));
        let signal = controller.signal();
        // A promise that settles when our own signal fires, to race against timers.
        let aborted = js_sys::Promise::new(&mut |resolve, _| {
            let _ = signal.add_event_listener_with_callback("abort", &resolve);
        });
        let mut this = Self { controller, reason, aborted, listener: None };
        if let Some(external) = external {
            if external.aborted() {
                this.abort(AbortReason::Caller);
            } else {
                let controller = this.controller.clone();
                let reason = this.reason.clone();
                let on_abort = Closure::<dyn FnMut()>::new(move || {
                    if reason.get().is_none() {
                        reason.set(Some(AbortReason::Caller));
                    }
                    controller.abort();
                });
                let _ = external.add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
                this.listener = Some((external.clone(), on_abort));
            }
        }
        this
    }

    pub(crate) fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    pub(crate) fn abort(&self, why: AbortReason) {
        if self.reason.get().is_none() {
            self.reason.set(Some(why));
        }
        self.controller.abort();
    }

    /// Why the call was aborted, if it was.
    pub(crate) fn reason(&self) -> Option<AbortReason> {
        self.reason.get()
    }

    /// Resolves when the call is aborted.
    pub(crate) async fn aborted(&self) {
        let _ = JsFuture::from(self.aborted.clone()).await;
    }
}

impl Drop for Abort {
    fn drop(&mut self) {
        // Dropping the Rust future or stream cancels the request and frees the connection.
        self.controller.abort();
        if let Some((signal, closure)) = self.listener.take() {
            let _ = signal.remove_event_listener_with_callback("abort", closure.as_ref().unchecked_ref());
        }
    }
}
