//! Rust SDK for Telnyx Video Rooms **client tokens**: create the token a participant joins a room
//! with, and refresh it before it expires.
//!
//! ```no_run
//! # async fn run() -> Result<(), telnyx_rooms::Error> {
//! use std::time::Duration;
//! use telnyx_rooms::Client;
//!
//! let client = Client::from_env()?; // TELNYX_API_KEY, optional TELNYX_BASE_URL
//!
//! // Create: needs the API key.
//! let created = client
//!     .create_client_token("0ccc7b54-4df3-4bca-a65a-3da1ecc777f0")
//!     .token_ttl(Duration::from_secs(600))
//!     .await?;
//! let join_with = created.token().expose(); // hand this to the video SDK
//!
//! // Refresh: needs only the refresh token; the API key is never sent.
//! let refreshed = client
//!     .refresh_client_token(created.room_id(), created.refresh_token().clone())
//!     .await?;
//! println!("new token until {}", refreshed.expires_at());
//! # let _ = join_with;
//! # Ok(()) }
//! ```
//!
//! What the crate guarantees:
//! - **Checks before I/O.** A room id that is not a UUID, a TTL outside the spec's bounds (read
//!   from the generated crate's operation metadata, never retyped) or not whole seconds, and
//!   creating without an API key, and an API key or refresh token that is not a bearer
//!   credential (at most [`MAX_CREDENTIAL_LEN`] bytes) are [`ErrorKind::InvalidRequest`] /
//!   [`ErrorKind::MissingApiKey`] / [`ErrorKind::Config`] errors; nothing is sent.
//! - **The key only where the spec asks for it.** `Authorization: Bearer` goes with
//!   `CreateRoomClientToken` only; `RefreshRoomClientToken` has `security: []`. Plain `http://`
//!   is refused unless the host is loopback (a local mock) — for a name, every address it
//!   resolves to, checked before connecting.
//! - **Untrusted responses.** Bodies are read to at most 64 KiB. A success missing the token or
//!   an expiry, with malformed JSON, or too long is an [`ErrorKind::Decode`] error with the
//!   status, the request id and a snippet; unknown fields are ignored. Error bodies are parsed
//!   from Telnyx's `{"errors": [...]}` envelope, a bare error object, or kept as a snippet (an
//!   HTML page from a proxy). All server text is scrubbed of secrets and has its control
//!   characters escaped (see the README's security section).
//! - **Retries** ([`RetryPolicy`]): 2 by default, on connection failures, timeouts, 408, 409, 429
//!   and 5xx, backoff 0.5 s doubling to 8 s with jitter; `retry-after-ms` / `Retry-After` honoured
//!   from [`MIN_SERVER_DELAY`] up to [`MAX_SERVER_DELAY`]; `x-should-retry` obeyed, by the loop
//!   and by [`Error::is_retryable`] alike.
//! - **Timeouts**: 5 s to connect and 60 s per attempt by default; an optional overall
//!   [`deadline`](ClientBuilder::deadline) bounds a whole call, retries included.
//! - **Secrets stay secret**: the key and tokens are [`Secret`]s, `[REDACTED]` in every `Debug`,
//!   `Display`, error and `tracing` span (one span per call: operation, room id, attempt, status,
//!   latency, request id).
//!
//! Without an async runtime, the feature `blocking` adds `blocking::Client`: the same settings,
//! checks and errors, with calls that block the calling thread.
//!
//! TLS: the default feature `rustls` uses rustls with the *ring* provider and the operating
//! system's trust store; the feature `native-tls` uses the platform's TLS library instead.
#![deny(missing_docs)]

#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
mod config;
mod error;
mod loopback;
mod operations;
#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod proptests;
mod response;
mod retry;
mod secret;
mod telemetry;
mod tls;
mod token;
#[cfg(feature = "rustls")]
mod trust;

pub use client::Client;
pub use config::{
    API_KEY_ENV, BASE_URL_ENV, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, USER_AGENT,
    default_base_url, user_agent,
};
pub use error::{ApiErrorEntry, Error, ErrorKind};
pub use operations::{CallFuture, CreateClientToken, IntoRoomId, RefreshClientToken};
pub use retry::{Backoff, MAX_SERVER_DELAY, MIN_SERVER_DELAY, RetryPolicy};
pub use secret::{MAX_CREDENTIAL_LEN, Secret};
pub use telemetry::TARGET as TRACING_TARGET;
pub use telnyx_rooms_gen::redact::escape_controls;
/// Time, injected: the [`TimeSource`] and [`Sleeper`] every crate of the workspace reads time
/// through (the same types as at this crate's root).
pub use telnyx_rooms_gen::time;

/// The one redaction rule of the workspace (the keeper and the mock use it too).
pub use telnyx_rooms_gen::redact;

/// How a client token names the room it grants (`telnyx:video:rooms:<room id>`).
pub use telnyx_rooms_gen::resource;

pub use telnyx_rooms_gen::time::{
    ManualTimeSource, SleepFuture, Sleeper, SystemTimeSource, TimeSource, TokioSleeper,
};
pub use tls::http_client_builder;
pub use token::{CreatedToken, RefreshedToken};
pub use uuid::Uuid;

/// Re-exported so callers name the same `chrono` types the token accessors return.
pub use chrono;

/// The README's examples, compiled as doctests so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
