//! Timers, clock and randomness from the JavaScript host.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    // Bound as globals so they work in windows, workers and Node alike.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// Waits on a real host timer (at most [`MAX_TIMER`](crate::config::MAX_TIMER): a longer
/// count would make the host fire at once). Dropping the future clears the timer.
pub(crate) async fn sleep(delay: Duration) {
    let ms = delay.min(crate::config::MAX_TIMER).as_secs_f64() * 1000.0;
    let mut id = JsValue::UNDEFINED;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        id = set_timeout(&resolve, ms);
    });
    // Most sleeps lose a race (a timeout against an answer that came in time). A timer left
    // pending would keep a Node process alive until it fires: a minute for the default timeout.
    let _timer = ClearOnDrop(id);
    // A timer promise never rejects.
    let _ = JsFuture::from(promise).await;
}

/// Clears a host timer when dropped (harmless once it fired).
struct ClearOnDrop(JsValue);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        clear_timeout(&self.0);
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// A uniform random number in [0, 1).
pub(crate) fn random() -> f64 {
    js_sys::Math::random()
}

/// Which of two raced futures finished first.
pub(crate) enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Runs two futures until the first finishes; the other is dropped.
pub(crate) async fn race<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    poll_fn(|cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(v));
        }
        if let Poll::Ready(v) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(v));
        }
        Poll::Pending
    })
    .await
}
