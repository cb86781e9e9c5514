#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
// The README is the crate doc, and its examples are whole programs a reader can copy.
#![allow(clippy::needless_doctest_main)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api_error;
mod body;
mod fault;
mod handlers;
mod integer;
mod limits;
mod log;
mod options;
#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod proptests;
mod rate_limit;
mod rooms;
mod routes;
mod server;
mod token;
mod validate;

pub use fault::{FAULT_HEADER, Fault, FaultAction, FaultParseError};
pub use log::{LoggedRequest, UNMATCHED_ROUTE};
// The duration syntax of every command line of the workspace, for the CLI crate; not part of the
// mock's promise.
#[doc(hidden)]
pub use options::parse_duration;
pub use options::{DEFAULT_SEED, ServeOptions};
pub use rate_limit::{RateLimit, RateLimitParseError};
pub use rooms::{DEMO_ROOM, JoinError, Participant};
pub use server::{MockServer, MockServerBuilder, StartError};
pub use token::{Claims, Grant, TokenError, TokenKind};

/// Starts a server with the defaults: an ephemeral loopback port, a random signing key, the
/// system clock, no faults, and one room ([`DEMO_ROOM`]).
pub async fn start() -> Result<MockServer, StartError> {
    MockServer::builder().start().await
}
