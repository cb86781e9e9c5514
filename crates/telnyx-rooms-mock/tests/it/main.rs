//! The mock's integration tests, one binary: a module per concern, against the mock served on
//! loopback (in process, or as the `telnyx-rooms-mock` process).
// Helpers outside `#[test]` functions panic on purpose too: they are part of the assertions.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod api;
mod faults;
mod node_sdk;
mod process;
mod rate_limit;
mod rooms;
mod serve;
mod sessions;
mod support;
mod transport;
mod validation;
