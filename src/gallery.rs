//! The image studio's pure parts, shared by the app and its native tests.
//!
//! - [`form`]: the studio form as typed text → a validated batch of [`ImageRequest`]s,
//!   aspect-ratio presets, swap, cost.
//! - [`job`]: the job record kept in IndexedDB, and its status transitions.
//! - [`query`]: what the gallery shows (filter, search, newest first), totals, file names.
//!
//! No DOM here: the app's `studio` components do the I/O.
//!
//! [`ImageRequest`]: crate::types::image::ImageRequest

pub mod form;
pub mod job;
pub mod query;

pub use form::{AspectPreset, Batch, FieldError, ImageForm, ASPECT_PRESETS, COUNT_RANGE, WAIT_RANGE_S};
pub use job::{to_import, Job, JobStatus, LocalCopy, OnReload};
pub use query::{
    download_name, format_elapsed, matches, newest_first, visible, DeletedChange, DeletedCharges, StatusFilter, Totals,
};
