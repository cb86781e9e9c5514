#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
// The README is the crate doc, and its examples are whole programs a reader can copy.
#![allow(clippy::needless_doctest_main)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod call;
mod check;
mod client;
mod config;
mod error;
mod generated;
mod loopback;
mod page;
#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod proptests;
mod proxy;
mod received;
mod response;
pub mod retry;
mod rooms;
mod telemetry;
mod tls;
mod tokens;
mod transport;
#[cfg(feature = "rustls")]
mod trust;

pub use check::IntoId;
pub use client::Client;
pub use config::ClientBuilder;
pub use error::{ApiErrorEntry, Error, ErrorKind};
pub use rooms::{Page, Participant, Room, RoomSession};
pub use telnyx_rooms_core::Secret;
pub use tls::http_client_builder;
pub use tokens::{CreatedToken, RefreshedToken};

/// Re-exported so callers name the same `uuid` type the results carry.
pub use uuid::Uuid;

/// Re-exported so callers name the same `chrono` types the token accessors return.
pub use chrono;

/// The requests the [`Client`]'s methods return — [`Request`](request::Request), with each
/// operation's parameters — and what awaiting one gives: set options, then `.await` (or
/// `send()`) to make the call.
pub mod request {
    pub use crate::call::{CallFuture, Request};
    pub use crate::generated::{Generated, GeneratedFuture};
    pub use crate::rooms::{
        CreateRoom, Dates, DeleteRoom, EndSession, GetParticipant, GetRoom, GetSession,
        KickParticipants, ListParticipants, ListRooms, ListSessions, MuteParticipants,
        UnmuteParticipants, UpdateRoom,
    };
    pub use crate::tokens::{CreateClientToken, RefreshClientToken};
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
