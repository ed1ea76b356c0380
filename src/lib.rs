//! A MiniToolAI API client for the browser.
//!
//! - [`types`]: the API as Rust types, the model [`catalog`] and prices, validation.
//! - [`sse`]: a sans-IO Server-Sent Events decoder.
//! - [`stream`]: OpenAI stream semantics over SSE events.
//! - [`retry`] and [`poll`]: retry and polling policies.
//! - `Client` (wasm32): streamed chat and image jobs over fetch.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod error;
pub mod hosting;
pub mod poll;
pub mod response;
pub mod retry;
pub mod sse;
pub mod stream;
pub mod types;

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(all(feature = "js", target_arch = "wasm32"))]
mod js;
#[cfg(target_arch = "wasm32")]
mod transport;

#[cfg(target_arch = "wasm32")]
pub use client::{ChatStream, Client, ExtraBody, GeneratedImage};
pub use config::{paths, ClientConfig, DEFAULT_BASE_URL};
pub use error::{Error, ErrorKind, Redactor};
#[cfg(target_arch = "wasm32")]
pub use transport::{CallOptions, RetryHook};
pub use types::catalog;

#[cfg(all(feature = "app", target_arch = "wasm32"))]
pub mod app;
#[cfg(feature = "app")]
pub mod conversation;
#[cfg(feature = "app")]
pub mod gallery;
#[cfg(feature = "app")]
pub mod gesture;
#[cfg(feature = "app")]
pub mod journal;
#[cfg(feature = "app")]
pub mod ledger;
#[cfg(feature = "markdown")]
pub mod markdown;
#[cfg(feature = "app")]
pub mod money;
#[cfg(all(feature = "render", target_arch = "wasm32"))]
pub mod render;
#[cfg(feature = "app")]
pub mod settings;
#[cfg(feature = "app")]
pub mod words;
