//! Keeps Telnyx Video Rooms client tokens fresh — for one participant or a hundred thousand.
//!
//! Telnyx client tokens live 10 s to 1 h and must be refreshed before they expire; refresh tokens live
//! at most a day and cannot be extended. This crate does the bookkeeping:
//!
//! - [`TokenKeeper`] keeps one participant's token fresh. [`current`](TokenKeeper::current) returns the
//!   valid token cheaply; [`subscribe`](TokenKeeper::subscribe) (a `tokio::sync::watch` receiver) or
//!   [`tokens`](TokenKeeper::tokens) (a `Stream`) yields each new token, e.g. to push to a browser.
//! - [`KeeperPool`] keeps any number of sessions fresh with **one** scheduler task (a delay queue), a
//!   bound on calls in flight and a pool-wide budget: at most
//!   [`max_calls_per_second`](PoolBuilder::max_calls_per_second), most urgent first, and a server's
//!   `429` pauses every call ([`backpressure`](PoolBuilder::backpressure)); sessions are added and
//!   removed at any time, and [`PoolMetrics`] tell how it goes.
//!
//! Both refresh a configurable margin before expiry, with jitter ([`RefreshPolicy`]); mint a new pair
//! with the API key before the refresh token expires, or — without a key — announce ahead of time that
//! the session will end ([`Status::Ending`]); retry transient errors with backoff — never sooner than a
//! server's `Retry-After` ([`TokenSource::retry_after`]) — while the refresh token lives (with an API
//! key, and the start timeout after it to mint a new pair), even past the client token's expiry; end on
//! permanent errors with the typed error ([`EndReason::Failed`]); never report a token
//! valid after its expiry; and schedule from the server's clock (its `Date` header, or the requested
//! lifetime measured from the send instant), so a skewed local clock does not matter.
//!
//! # One participant, kept fresh for hours
//!
//! ```no_run
//! # async fn run(room_id: uuid::Uuid) -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//!
//! let keeper = telnyx_rooms_keeper::TokenKeeper::start(telnyx_rooms::Client::from_env()?, room_id);
//! let mut tokens = keeper.tokens();
//! while let Some(token) = tokens.next().await {
//!     println!("push to the browser: {}", token.expose()); // e.g. over a websocket
//! }
//! println!("session over: {:?}", keeper.status().end_reason());
//! # Ok(())
//! # }
//! ```
//!
//! # Many sessions, one scheduler
//!
//! ```no_run
//! use telnyx_rooms_keeper::{KeeperPool, Ttls};
//! use std::time::Duration;
//!
//! # async fn run(rooms: Vec<uuid::Uuid>) -> Result<(), Box<dyn std::error::Error>> {
//! let pool = KeeperPool::builder(telnyx_rooms::Client::from_env()?)
//!     .max_in_flight(32)
//!     .build();
//! let sessions: Vec<_> = rooms
//!     .into_iter()
//!     .map(|room| pool.add_with(room, Ttls::new().token_ttl(Duration::from_secs(600))))
//!     .collect();
//! let first = sessions[0].token().await?; // waits for the first mint
//! println!("{} valid for {:?}", first.expose(), first.time_left());
//! drop(sessions); // each dropped handle removes its session
//! # Ok(())
//! # }
//! ```
//!
//! # Your own token source
//!
//! The keeper talks to Telnyx through the [`TokenSource`] trait, implemented for
//! `telnyx_rooms::Client`. Implement it to add caching, another
//! transport, or a fake for tests.
#![deny(missing_docs)]

mod client;
mod driver;
mod keeper;
mod metrics;
mod policy;
mod pool;
mod source;
mod status;
mod throttle;
mod token;

pub use keeper::{KeeperBuilder, TokenKeeper};
pub use metrics::PoolMetrics;
pub use policy::RefreshPolicy;
pub use pool::{KeeperPool, PoolBuilder, Session};
pub use source::{IssuedToken, MintedToken, TokenSource, Ttls};
pub use status::{EndReason, Status};
pub use token::Token;

/// The README's examples (which use the facade client), compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The workspace README's Rust examples (the facade's and the keeper's), compiled as doctests here,
/// where both crates are in reach; outside the packaged crate, so only under `cfg(doctest)`.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct WorkspaceReadmeDoctests;
