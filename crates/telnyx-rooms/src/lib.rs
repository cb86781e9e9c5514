#![doc = include_str!("../README.md")]
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
