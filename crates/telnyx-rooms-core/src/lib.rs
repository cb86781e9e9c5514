#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
// The README is the crate doc, and its examples are whole programs a reader can copy.
#![allow(clippy::needless_doctest_main)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod meta;
pub mod redact;
pub mod resource;
pub mod secret;
pub mod time;

pub use secret::Secret;
