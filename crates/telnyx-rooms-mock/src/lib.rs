//! An offline stand-in for the Telnyx Video Rooms client-token API, for tests and demos.
//!
//! [`start`] serves both operations of the vendored spec on an ephemeral loopback port, under the
//! spec server's base path (`http://127.0.0.1:PORT/v2`), and stops when the returned
//! [`MockServer`] is dropped. It behaves like the real API where a client can tell:
//!
//! - **Validation from the spec.** Routes, the operations that need `Authorization: Bearer …`,
//!   path parameter formats (UUID), body field types, required fields, bounds and defaults all
//!   come from [`telnyx_rooms_gen::operations`]: unknown route 404 (405 for another method), no
//!   API key 401, malformed JSON 400, a body that is not JSON by media type 415, any other invalid
//!   input 422, each with Telnyx's `{"errors": [{"code", "title",
//!   "detail", "source"}]}` body and `x-request-id` header.
//! - **Real tokens.** Ed25519-signed JWTs shaped like Telnyx's (see [`token`]), with `iat`, `nbf`
//!   and `exp` from the requested TTLs; the response expiry times are the `exp` claims. Refresh
//!   verifies the refresh token (signature, kind, validity, room) and answers 403 otherwise.
//! - **Faults on demand.** Per server or per request ([`FAULT_HEADER`]): a status for the first K
//!   attempts (429 with `Retry-After`), a delay, a connection reset, a 201 with malformed JSON or
//!   missing fields. See [`Fault`].
//! - **Integers as JSON Schema 2020-12 reads them**, the spec's dialect: any number with a zero
//!   fractional part, so `600.0` and `6e2` are 600, and `99999999999999999999` or `1e400` are
//!   integers beyond every bound (422 naming the bounds, like 3601), never a parse error.
//! - **A request log** with secrets redacted and per-route attempt counters, bounded in entries
//!   and bytes (text, never parsed trees).
//! - **Limits of a network service**: header read, body and idle timeouts and a connection cap
//!   (see [`MockServerBuilder::max_connections`]); [`ServeOptions`] are the same as flags.
//! - **A rate limit** on demand ([`RateLimit`]): N requests per second with a burst of B, then 429
//!   with `Retry-After`, like Telnyx's.
//! - **An injectable time source** ([`ManualTimeSource`]) for expiry tests that never sleep.
//!
//! ```
//! use telnyx_rooms_mock::{Fault, MockServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockServer::builder()
//!     .fault(Fault::status(503).times(1).for_operation("CreateRoomClientToken"))
//!     .start()
//!     .await?;
//! let url = format!(
//!     "{}/rooms/0ccc7b54-4df3-4bca-a65a-3da1ecc777f0/actions/generate_join_client_token",
//!     server.base_url()
//! );
//! # let _ = rustls::crypto::ring::default_provider().install_default();
//! let http = reqwest::Client::new();
//! let first = http.post(&url).bearer_auth("KEY").json(&serde_json::json!({})).send().await?;
//! assert_eq!(first.status(), 503);
//! let second = http.post(&url).bearer_auth("KEY").json(&serde_json::json!({})).send().await?;
//! assert_eq!(second.status(), 201);
//! assert_eq!(server.attempts("CreateRoomClientToken"), 2);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

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
mod routes;
mod server;
pub mod token;
mod validate;

pub use fault::{FAULT_HEADER, Fault, FaultAction, FaultParseError};
pub use log::{LoggedRequest, UNMATCHED_ROUTE};
pub use options::{DEFAULT_SEED, ServeOptions, parse_duration};
pub use rate_limit::{RateLimit, RateLimitParseError};
pub use server::{MockServer, MockServerBuilder, StartError};
pub use telnyx_rooms_gen::time::{ManualTimeSource, SystemTimeSource, TimeSource};
pub use token::{Claims, TokenError, TokenKind};

/// Starts a server with the defaults: an ephemeral loopback port, a random signing key, the
/// system clock, no faults.
pub async fn start() -> Result<MockServer, StartError> {
    MockServer::builder().start().await
}
