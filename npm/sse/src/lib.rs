//! The npm package's `minitoolai/sse` entry: `SseChatDecoder` alone, for code that makes its
//! own request and only needs the body of a streamed chat answer turned into content strings.
//!
//! It is the library's own decoder ([`minitoolai::stream::DeltaDecoder`]: the SSE decoder and
//! the delta extraction) behind a wasm-bindgen class, without the client, serde-wasm-bindgen or
//! any of the request types, so its WebAssembly module is a small fraction of the full
//! package's. Errors are the package's `MiniToolAIError` (the class is shared with the full
//! entry through `error.js`, which `npm/assemble.mjs` writes next to the glue).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(target_arch = "wasm32")]
mod js;

#[cfg(target_arch = "wasm32")]
pub use js::SseChatDecoder;
