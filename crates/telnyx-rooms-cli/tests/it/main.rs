//! The CLI's integration tests, one binary: the `telnyx-rooms` binary run as a process against the
//! embedded mock, a served mock and hostile loopback servers, and its output held to golden files.
// Helpers outside `#[test]` functions panic on purpose too: they are part of the assertions.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod binary;
mod commands;
mod golden;
mod hostile;
mod hostile_props;
mod lifecycle;
mod proxy;
mod resources;
