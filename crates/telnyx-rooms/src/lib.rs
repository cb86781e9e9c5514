#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod client;
mod config;
mod error;
mod loopback;
mod operations;
#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod proptests;
mod proxy;
mod response;
pub mod retry;
mod telemetry;
mod tls;
mod token;
#[cfg(feature = "rustls")]
mod trust;

pub use client::Client;
pub use config::ClientBuilder;
pub use error::{ApiErrorEntry, Error, ErrorKind};
pub use operations::IntoRoomId;
pub use telnyx_rooms_core::Secret;
pub use tls::http_client_builder;
pub use token::{CreatedToken, RefreshedToken};

/// Re-exported so callers name the same `uuid` type the results carry.
pub use uuid::Uuid;

/// Re-exported so callers name the same `chrono` types the token accessors return.
pub use chrono;

/// The request builders the [`Client`]'s methods return: set options, then `.await` (or `send()`)
/// to make the call.
pub mod request {
    pub use crate::operations::{CallFuture, CreateClientToken, RefreshClientToken};
}

/// Time, injected: the clock the client reads (`TimeSource`) and the timer it waits on between
/// retries (`Sleeper`), replaceable with [`ClientBuilder::time_source`](crate::ClientBuilder::time_source)
/// and [`ClientBuilder::sleeper`](crate::ClientBuilder::sleeper). The keeper and the mock take the
/// same types.
pub mod time {
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub use telnyx_rooms_core::time::ManualTimeSource;
    pub use telnyx_rooms_core::time::{
        SleepFuture, Sleeper, SystemTimeSource, TimeSource, TokioSleeper,
    };
}
