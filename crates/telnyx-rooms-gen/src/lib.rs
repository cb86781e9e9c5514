#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

#[allow(
    missing_docs,
    unused_imports,
    unused_mut,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_debug_implementations,
    rust_2018_idioms
)]
#[rustfmt::skip]
mod generated;
mod hooks;
mod meta;
pub mod redact;
pub mod resource;
pub mod time;

pub use generated::*;
pub use hooks::{
    Credentials, MAX_RESPONSE_BODY, REQUEST_ID_HEADERS, ResponseHead, capture_response_head,
    is_body_too_large,
};
pub use meta::{Field, FieldKind, Operation, Provenance, Security, SuccessBody};
