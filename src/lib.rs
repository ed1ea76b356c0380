//! A MiniToolAI API client for the browser.
//!
//! - [`types`]: the API as Rust types, the model catalog and prices, validation.
//! - [`sse`]: a sans-IO Server-Sent Events decoder.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
pub mod sse;
pub mod types;

pub use error::{Error, ErrorKind};
pub use types::catalog;
