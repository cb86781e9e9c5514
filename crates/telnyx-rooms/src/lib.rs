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
mod redact;
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
pub use redact::escape_controls;
pub use retry::{
    MAX_SERVER_DELAY, MIN_SERVER_DELAY, RetryPolicy, SleepFuture, Sleeper, TokioSleeper,
};
pub use secret::{MAX_CREDENTIAL_LEN, Secret};
pub use telemetry::TARGET as TRACING_TARGET;
pub use tls::http_client_builder;
pub use token::{CreatedToken, RefreshedToken};
pub use uuid::Uuid;

/// Re-exported so callers name the same `chrono` types the token accessors return.
pub use chrono;
