//! `TokenKeeper`: one participant's token, kept fresh for as long as the keeper lives.

use std::fmt;

use futures_util::Stream;
use telnyx_rooms::IntoId;
use telnyx_rooms_core::time::TimeSource;
use tokio::sync::watch;
use uuid::Uuid;

use crate::pool::PoolBuilder;
use crate::{
    EndReason, KeeperPool, MintedToken, RefreshPolicy, Session, Status, Token, TokenSource, Ttls,
};

/// Keeps one participant's client token fresh: mints it, refreshes it before it expires, mints a new
/// pair before the refresh token runs out, and publishes every new token to subscribers.
///
/// Dropping the keeper (or [`stop`](Self::stop)) ends all its work. For many participants use one
/// [`KeeperPool`] instead of many keepers.
///
/// Must be started inside a Tokio runtime (it spawns a task, like `tokio::spawn`).
pub struct TokenKeeper<S: TokenSource> {
    session: Session<S::Error>,
    pool: KeeperPool<S>,
}

impl<S: TokenSource> TokenKeeper<S> {
    /// Starts keeping a token for `room` (a `Uuid`, or text that parses as one, as the facade takes
    /// it), with the server's default lifetimes and the default [`RefreshPolicy`]. Text that is not
    /// a room id ends the session at once ([`EndReason::InvalidRoom`](crate::EndReason::InvalidRoom)).
    pub fn start(source: S, room: impl IntoId) -> Self {
        Self::builder(source, room).start()
    }

    /// Configures a keeper.
    pub fn builder(source: S, room: impl IntoId) -> KeeperBuilder<S> {
        KeeperBuilder {
            pool: KeeperPool::builder(source).max_in_flight(1),
            room: room.into_id(),
            ttls: Ttls::new(),
        }
    }

    /// The current token, if one is valid now. Cheap: a shared read and a reference-count increment.
    pub fn current(&self) -> Option<Token> {
        self.session.current()
    }

    /// The keeper's status now.
    pub fn status(&self) -> Status<S::Error> {
        self.session.status()
    }

    /// A receiver that sees every new token and the end of the session.
    pub fn subscribe(&self) -> watch::Receiver<Status<S::Error>> {
        self.session.subscribe()
    }

    /// The status now, then each change, ending after [`Status::Ended`].
    pub fn updates(&self) -> impl Stream<Item = Status<S::Error>> + Send + Unpin + 'static {
        self.session.updates()
    }

    /// Each valid token: the current one (if any), then every new one; ends when the keeper ends
    /// ([`status`](Self::status) then says why).
    pub fn tokens(&self) -> impl Stream<Item = Token> + Send + Unpin + 'static {
        self.session.tokens()
    }

    /// Waits for a valid token: the current one, or the first one while starting.
    ///
    /// # Errors
    ///
    /// Why the keeper ended, if it ends first (for example [`EndReason::Failed`] with the API error).
    pub async fn token(&self) -> Result<Token, EndReason<S::Error>> {
        self.session.token().await
    }

    /// Ends the keeper (subscribers see [`EndReason::Stopped`]) and waits until its task has finished.
    pub async fn stop(self) {
        let Self { session, pool } = self;
        drop(session);
        pool.stop().await;
    }
}

impl<S: TokenSource> fmt::Debug for TokenKeeper<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeeper")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// Settings for a [`TokenKeeper`].
pub struct KeeperBuilder<S: TokenSource> {
    /// A pool of one session, one call at a time: the keeper's scheduler.
    pool: PoolBuilder<S>,
    room: Result<Uuid, uuid::Error>,
    ttls: Ttls,
}

impl<S: TokenSource> KeeperBuilder<S> {
    /// Requests this client-token lifetime (10 s to 3600 s).
    #[must_use]
    pub fn token_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.ttls = self.ttls.token_ttl(ttl);
        self
    }

    /// Requests this refresh-token lifetime (60 s to 86400 s).
    #[must_use]
    pub fn refresh_token_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.ttls = self.ttls.refresh_token_ttl(ttl);
        self
    }

    /// When to refresh and how to retry.
    #[must_use]
    pub fn policy(mut self, policy: RefreshPolicy) -> Self {
        self.pool = self.pool.policy(policy);
        self
    }

    /// Seeds the jitter, for reproducible schedules in tests.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.pool = self.pool.seed(seed);
        self
    }

    /// Replaces the wall clock (default: the system's); see
    /// [`PoolBuilder::time_source`](crate::PoolBuilder::time_source).
    #[must_use]
    pub fn time_source(mut self, time_source: impl TimeSource) -> Self {
        self.pool = self.pool.time_source(time_source);
        self
    }

    /// Mints the first token and keeps it fresh.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime, like `tokio::spawn`.
    pub fn start(self) -> TokenKeeper<S> {
        let pool = self.pool.build();
        let session = pool.insert(self.room, self.ttls, None);
        TokenKeeper { session, pool }
    }

    /// Keeps a token pair minted elsewhere fresh; with a source that has no API key, until its refresh
    /// token expires (announced by [`Status::Ending`]). Adopt it as soon as it is received.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime, like `tokio::spawn`.
    pub fn adopt(self, token: MintedToken) -> TokenKeeper<S> {
        let pool = self.pool.build();
        let session = pool.insert(self.room, self.ttls, Some(token));
        TokenKeeper { session, pool }
    }
}

impl<S: TokenSource> fmt::Debug for KeeperBuilder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeeperBuilder")
            .field("room", &self.room)
            .field("ttls", &self.ttls)
            .field("policy", &self.pool.policy)
            .finish_non_exhaustive()
    }
}
