//! The facade's integration tests, one binary: a module per concern, all against loopback servers
//! (wiremock, the project's mock, raw and hostile TCP servers).
// Helpers outside `#[test]` functions panic on purpose too: they are part of the assertions.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod against_mock;
mod api_shape;
#[cfg(feature = "blocking")]
mod blocking;
mod connect;
mod dependency_tree;
mod errors;
mod hostile;
mod lifecycle;
mod load_with_faults;
mod redaction;
mod retries;
mod rooms;
mod support;
mod tls;
mod wire;
