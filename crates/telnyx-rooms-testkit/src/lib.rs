#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
// Test support: a broken assumption here is a failing test, so panicking is the point.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod capture;
pub mod dns;
pub mod hostile;
pub mod node;
pub mod secrets;
pub mod sleep;
pub mod tls;
