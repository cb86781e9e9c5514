#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
// The README is the crate doc, and its examples are whole programs a reader can copy.
#![allow(clippy::needless_doctest_main)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod driver;
mod keeper;
mod metrics;
mod policy;
mod pool;
mod source;
mod status;
mod throttle;
mod token;

pub use keeper::{KeeperBuilder, TokenKeeper};
pub use metrics::PoolMetrics;
pub use policy::RefreshPolicy;
pub use pool::{KeeperPool, PoolBuilder, Session};
pub use source::{IssuedToken, MintedToken, TokenSource, Ttls};
pub use status::{EndReason, LateStart, Status};
pub use token::Token;

/// The workspace README's Rust examples (the facade's and the keeper's), compiled as doctests here,
/// where both crates are in reach; outside the packaged crate, so only under `cfg(doctest)`.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct WorkspaceReadmeDoctests;
