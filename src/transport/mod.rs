//! The browser edge (wasm32 only): fetch, abort, body reading, timers.
//!
//! Works wherever the Fetch and Streams APIs are globals: windows, workers and Node 20+.
//! Everything here is thin; decisions live in the pure modules.

mod abort;
mod fetch;
mod time;

pub(crate) use abort::{Abort, AbortReason};
pub use abort::{CallOptions, RetryHook};
pub(crate) use fetch::{failure, fetch, origin as origin_of, BodyReader, HttpResponse};
pub(crate) use time::{now_ms, race, random, sleep, Either};
