#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod meta;
pub mod redact;
pub mod resource;
pub mod secret;
pub mod time;

pub use secret::Secret;
