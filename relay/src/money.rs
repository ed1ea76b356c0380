//! USD amounts: exact nano-USD integers in, plain words out (the library's helpers, under
//! the relay's short names).

pub use minitoolai::catalog::{format_nano_usd as usd, nano_to_usd as usd_f64, parse_usd_nano as parse_usd};
