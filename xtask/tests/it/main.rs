//! The xtask's end-to-end tests, one binary: `spec diff` on real and synthetic history, and the
//! xtask acting on the checkout it is run in.
// The helpers belong to the tests: an `expect` in them is an assertion.
#![allow(clippy::expect_used)]

mod api;
mod spec_diff;
mod workspace;
