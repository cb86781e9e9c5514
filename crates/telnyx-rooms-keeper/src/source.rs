//! The `TokenSource` trait: where keepers get tokens from (the Telnyx client, or a fake in tests).

use std::fmt;
use std::future::Future;
use std::time::Duration;
use telnyx_rooms::Secret;
use telnyx_rooms_core::redact::REDACTED;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Mints and refreshes client tokens for a keeper.
///
/// Implemented for `telnyx_rooms::Client`. Implement it yourself to put
/// a cache or another transport in front of Telnyx, or to drive keepers from a fake in tests.
///
/// A source is cloned into each in-flight call, so make it cheap to clone (an `Arc` inside).
pub trait TokenSource: Clone + Send + Sync + 'static {
    /// The error a call can fail with; subscribers see it in [`EndReason::Failed`](crate::EndReason::Failed).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Whether this source can mint a new token pair (the Telnyx client needs an API key for that).
    ///
    /// When it cannot, a session lives only as long as its refresh token, and the keeper says so ahead of
    /// time through [`Status::Ending`](crate::Status::Ending).
    fn can_mint(&self) -> bool;

    /// Mints a fresh client token and refresh token for `room`.
    fn mint(
        &self,
        room: Uuid,
        ttls: Ttls,
    ) -> impl Future<Output = Result<MintedToken, Self::Error>> + Send;

    /// Exchanges `refresh_token` for a new client token for `room`.
    fn refresh(
        &self,
        room: Uuid,
        refresh_token: &str,
        token_ttl: Option<Duration>,
    ) -> impl Future<Output = Result<IssuedToken, Self::Error>> + Send;

    /// Whether `error` is worth retrying (timeouts, connection failures, 429, 5xx). Anything else ends
    /// the session.
    fn is_transient(&self, error: &Self::Error) -> bool;

    /// How long the server asked to wait before the next attempt after `error` (`Retry-After`,
    /// `retry-after-ms`), if it said.
    ///
    /// After a transient error the keeper waits the longer of this and its own backoff, and never
    /// past the session's give-up instant: the refresh token's expiry (with an API key, plus the
    /// start timeout to mint a new pair; before the first token, the start timeout from the first
    /// call). A delay that reaches beyond that is not waited out; the session ends then, as
    /// [`EndReason::Expired`](crate::EndReason::Expired), with no call after it. In a
    /// [`KeeperPool`](crate::KeeperPool) with [backpressure](crate::PoolBuilder::backpressure) (the
    /// default), the delay also pauses every call of the pool and is taken as throttling. The value
    /// is used as given, so cap it: the default says nothing, so only the backoff applies; the
    /// `telnyx_rooms::Client` source reports `telnyx_rooms::Error::retry_after`, capped at
    /// `telnyx_rooms::retry::MAX_SERVER_DELAY`.
    fn retry_after(&self, error: &Self::Error) -> Option<Duration> {
        let _ = error;
        None
    }
}

/// Lifetimes to request for a session's tokens; `None` leaves the choice to the server (600 s and 3600 s
/// today).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ttls {
    /// Client-token lifetime (the spec allows 10 s to 3600 s).
    pub token_ttl: Option<Duration>,
    /// Refresh-token lifetime (the spec allows 60 s to 86400 s).
    pub refresh_token_ttl: Option<Duration>,
}

impl Ttls {
    /// Server defaults for both lifetimes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests this client-token lifetime.
    #[must_use]
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = Some(ttl);
        self
    }

    /// Requests this refresh-token lifetime.
    #[must_use]
    pub fn refresh_token_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_token_ttl = Some(ttl);
        self
    }
}

/// A client token as a [`TokenSource`] reports it: what a refresh returns, and half of a mint.
///
/// Times are the server's: `server_date` (the response `Date` header) lets the keeper measure lifetimes
/// on the server's clock, so a local clock that disagrees with Telnyx's does not shift the schedule.
#[derive(Clone)]
pub struct IssuedToken {
    pub(crate) token: Secret,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) server_date: Option<DateTime<Utc>>,
}

impl IssuedToken {
    /// A client token with its expiry time (server clock).
    pub fn new(token: impl Into<Secret>, expires_at: DateTime<Utc>) -> Self {
        Self {
            token: token.into(),
            expires_at,
            server_date: None,
        }
    }

    /// Records the server's time when it answered (the response `Date` header).
    #[must_use]
    pub fn with_server_date(mut self, date: Option<DateTime<Utc>>) -> Self {
        self.server_date = date;
        self
    }

    /// When the client token expires, on the server's clock.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// The server's time when it answered, if known.
    pub fn server_date(&self) -> Option<DateTime<Utc>> {
        self.server_date
    }
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &REDACTED)
            .field("expires_at", &self.expires_at)
            .field("server_date", &self.server_date)
            .finish()
    }
}

/// A freshly minted pair, as a [`TokenSource`] reports it: a client token and its refresh token.
#[derive(Clone)]
pub struct MintedToken {
    pub(crate) token: IssuedToken,
    pub(crate) refresh_token: Secret,
    pub(crate) refresh_token_expires_at: DateTime<Utc>,
}

impl MintedToken {
    /// A client token with the refresh token issued alongside it and its expiry (server clock).
    pub fn new(
        token: IssuedToken,
        refresh_token: impl Into<Secret>,
        refresh_token_expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            token,
            refresh_token: refresh_token.into(),
            refresh_token_expires_at,
        }
    }

    /// The client token, its expiry and the server's time when it answered.
    pub fn token(&self) -> &IssuedToken {
        &self.token
    }

    /// When the refresh token expires, on the server's clock.
    pub fn refresh_token_expires_at(&self) -> DateTime<Utc> {
        self.refresh_token_expires_at
    }
}

impl fmt::Debug for MintedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MintedToken")
            .field("token", &self.token)
            .field("refresh_token", &REDACTED)
            .field("refresh_token_expires_at", &self.refresh_token_expires_at)
            .finish()
    }
}
