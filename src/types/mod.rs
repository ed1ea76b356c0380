//! The MiniToolAI API as Rust types: requests, answers, the catalog and its prices,
//! and validation against the documented ranges.

pub mod catalog;
pub mod chat;
pub mod image;
mod validate;

pub use validate::{
    is_allowed_image_url, CFG_SCALE_RANGE, RASTER_IMAGE_TYPES, SIZE_RANGE, STEPS_RANGE, TEMPERATURE_RANGE,
};
