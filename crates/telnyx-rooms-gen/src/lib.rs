#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
// The README is the crate doc, and its examples are whole programs a reader can copy.
#![allow(clippy::needless_doctest_main)]
#![cfg_attr(docsrs, feature(doc_cfg))]

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
// The generated code names the metadata types `crate::meta::…`; they are defined in the core crate.
use telnyx_rooms_core::meta;

pub use generated::*;
pub use hooks::{Credentials, MAX_READ_BODY, MAX_RESPONSE_BODY, body_limit};
// For the workspace's own crates (the facade), not part of this crate's promise.
#[doc(hidden)]
pub use hooks::{REQUEST_ID_HEADERS, ResponseHead, capture_response_head, is_body_too_large};
