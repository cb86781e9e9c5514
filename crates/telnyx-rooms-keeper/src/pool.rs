//! `KeeperPool` and its `Session` handles: many sessions kept fresh by one scheduler task.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use futures_util::{Stream, StreamExt};
use telnyx_rooms::IntoId;
use telnyx_rooms_core::time::{SharedTimeSource, SystemTimeSource, TimeSource};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::driver::{Command, Driver, SessionId, Settings};
use crate::throttle::RateSettings;
use crate::{EndReason, MintedToken, PoolMetrics, RefreshPolicy, Status, Token, TokenSource, Ttls};

/// Keeps the client tokens of many sessions fresh with one scheduler task.
///
/// Sessions are timers in one delay queue, not tasks: an idle pool of 100,000 sessions costs no CPU
/// until a refresh is due, and at most [`max_in_flight`](PoolBuilder::max_in_flight) calls run at once
/// (due sessions wait their turn).
///
/// Add sessions with [`add`](Self::add) at any time; each returns a [`Session`] handle with the same
/// subscription as a [`TokenKeeper`](crate::TokenKeeper). Dropping a handle removes its session;
/// dropping or [stopping](Self::stop) the pool ends every session and all work.
///
/// Must be built inside a Tokio runtime (it spawns its scheduler task, like `tokio::spawn`).
pub struct KeeperPool<S: TokenSource> {
    commands: mpsc::UnboundedSender<Command<S::Error>>,
    next_id: AtomicU64,
    live: Arc<AtomicUsize>,
    metrics: watch::Receiver<PoolMetrics>,
    shutdown: Option<oneshot::Sender<()>>,
    driver: Option<JoinHandle<()>>,
}

impl<S: TokenSource> KeeperPool<S> {
    /// A pool with the default [`RefreshPolicy`] and at most 64 calls in flight.
    pub fn new(source: S) -> Self {
        Self::builder(source).build()
    }

    /// Configures a pool.
    pub fn builder(source: S) -> PoolBuilder<S> {
        PoolBuilder {
            source,
            policy: RefreshPolicy::default(),
            max_in_flight: 64,
            seed: None,
            time_source: Arc::new(SystemTimeSource),
            rate: RateSettings {
                max_per_second: None,
                burst: None,
                backpressure: true,
            },
        }
    }

    /// Adds a session for `room` (a `Uuid`, or text that parses as one, as the facade takes it) with
    /// the server's default lifetimes: a token is minted, then kept fresh. Text that is not a room
    /// id ends the session at once, with [`EndReason::InvalidRoom`], before any call.
    pub fn add(&self, room: impl IntoId) -> Session<S::Error> {
        self.add_with(room, Ttls::new())
    }

    /// Adds a session for `room`, requesting these lifetimes on every mint and refresh.
    pub fn add_with(&self, room: impl IntoId, ttls: Ttls) -> Session<S::Error> {
        self.insert(room.into_id(), ttls, None)
    }

    /// Adds a session that starts from a token pair minted elsewhere, so a source without an API key
    /// can keep it fresh until its refresh token expires. Adopt it as soon as it is received: its
    /// lifetime is measured from now.
    pub fn adopt(&self, room: impl IntoId, token: MintedToken, ttls: Ttls) -> Session<S::Error> {
        self.insert(room.into_id(), ttls, Some(token))
    }

    pub(crate) fn insert(
        &self,
        room: Result<Uuid, uuid::Error>,
        ttls: Ttls,
        adopt: Option<MintedToken>,
    ) -> Session<S::Error> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let room = match room {
            Ok(room) => room,
            Err(error) => {
                let (_, receiver) = watch::channel(Status::Ended(EndReason::InvalidRoom(error)));
                return Session {
                    id,
                    status: receiver,
                    commands: self.commands.clone(),
                };
            }
        };
        let (status, receiver) = watch::channel(Status::Starting);
        let command = Command::Add {
            id,
            room,
            ttls,
            adopt,
            status,
        };
        if let Err(mpsc::error::SendError(Command::Add { status, .. })) =
            self.commands.send(command)
        {
            // The scheduler is gone (its runtime shut down): say so rather than leave "Starting".
            status.send_replace(Status::Ended(EndReason::Stopped));
        }
        Session {
            id,
            status: receiver,
            commands: self.commands.clone(),
        }
    }

    /// How many sessions the scheduler currently keeps (sessions just added may not be counted yet).
    pub fn len(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    /// Whether the scheduler keeps no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The latest [metrics](PoolMetrics) snapshot (taken every second while the pool has work).
    pub fn metrics(&self) -> PoolMetrics {
        self.metrics.borrow().clone()
    }

    /// A receiver that sees each new metrics snapshot.
    pub fn watch_metrics(&self) -> watch::Receiver<PoolMetrics> {
        self.metrics.clone()
    }

    /// Ends every session (subscribers see [`EndReason::Stopped`]), cancels calls in flight and waits
    /// for the scheduler task to finish. Dropping the pool does the same without waiting.
    pub async fn stop(mut self) {
        self.shutdown.take();
        if let Some(driver) = self.driver.take() {
            // A join error means the task was cancelled with its runtime; either way it is gone.
            let _ = driver.await;
        }
    }
}

impl<S: TokenSource> Drop for KeeperPool<S> {
    fn drop(&mut self) {
        // Dropping the sender wakes the scheduler, which ends every session and exits.
        self.shutdown.take();
    }
}

impl<S: TokenSource> fmt::Debug for KeeperPool<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeeperPool")
            .field("sessions", &self.len())
            .finish()
    }
}

/// Settings for a [`KeeperPool`].
pub struct PoolBuilder<S: TokenSource> {
    source: S,
    pub(crate) policy: RefreshPolicy,
    max_in_flight: usize,
    seed: Option<u64>,
    time_source: SharedTimeSource,
    rate: RateSettings,
}

impl<S: TokenSource> PoolBuilder<S> {
    /// When to refresh and how to retry.
    #[must_use]
    pub fn policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// At most this many mint/refresh calls at once (at least 1; default 64).
    #[must_use]
    pub fn max_in_flight(mut self, calls: usize) -> Self {
        self.max_in_flight = calls.max(1);
        self
    }

    /// At most this many mint and refresh calls per second, pool-wide (default: no limit). When
    /// more are due, the most urgent go first: by the deadline each call must meet (a first mint's
    /// start deadline, a client token's expiry, and without an API key a refresh token's expiry
    /// when that comes first). A rate that is not a positive number means no limit.
    ///
    /// Calls are paced by a token bucket holding [`burst`](Self::burst) calls, refilled at this rate
    /// (or at the lower rate learnt from the server's throttling). With a server limit of N per
    /// second, choose a little less than N with a small burst: at most `burst + rate` calls fall in
    /// any one second. Replicas sharing one account may each be given the account's limit: they
    /// learn their share from the server's 429s (see the crate documentation, "When the budget is
    /// wrong").
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # #[derive(Clone)] struct Source;
    /// # #[derive(Debug)] struct Never;
    /// # impl std::fmt::Display for Never { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("never") } }
    /// # impl std::error::Error for Never {}
    /// # impl telnyx_rooms_keeper::TokenSource for Source {
    /// #     type Error = Never;
    /// #     fn can_mint(&self) -> bool { true }
    /// #     async fn mint(&self, _: uuid::Uuid, _: telnyx_rooms_keeper::Ttls) -> Result<telnyx_rooms_keeper::MintedToken, Never> { Err(Never) }
    /// #     async fn refresh(&self, _: uuid::Uuid, _: &str, _: Option<std::time::Duration>) -> Result<telnyx_rooms_keeper::IssuedToken, Never> { Err(Never) }
    /// #     fn is_transient(&self, _: &Never) -> bool { false }
    /// # }
    /// # let source = Source;
    /// use telnyx_rooms_keeper::KeeperPool;
    ///
    /// // Telnyx allows the account 200 requests per second: stay under it, 190 + 10 at most.
    /// let pool = KeeperPool::builder(source)
    ///     .max_calls_per_second(190.0)
    ///     .burst(10)
    ///     .build();
    /// assert_eq!(pool.metrics().calls, 0);
    /// # }
    /// ```
    #[must_use]
    pub fn max_calls_per_second(mut self, rate: f64) -> Self {
        self.rate.max_per_second = Some(rate);
        self
    }

    /// How many calls may start at once after a quiet spell (at least 1; default a tenth of a
    /// second's worth of [`max_calls_per_second`](Self::max_calls_per_second), at least 1).
    #[must_use]
    pub fn burst(mut self, calls: u32) -> Self {
        self.rate.burst = Some(f64::from(calls.max(1)));
        self
    }

    /// Whether a server's answers slow the whole pool down (default `true`).
    ///
    /// When on, an answer asking to wait — a transient failure with a server delay
    /// ([`TokenSource::retry_after`]: a 429, or a 503 with `Retry-After`) — pauses every call of the
    /// pool until that delay has passed, plus a random part of it (up to half, at most a second) so
    /// pools told the same delay resume apart (the facade's source caps the delay at
    /// `telnyx_rooms::retry::MAX_SERVER_DELAY`), and cuts the allowed rate to 70 % of what the pool was
    /// sending, once per episode. The rate then climbs back along a cubic curve: fast at first,
    /// flat near the rate that was throttled, then probing above it, never above
    /// [`max_calls_per_second`](Self::max_calls_per_second) (a cut from it is regained in 10 s).
    /// When off, only the session that got the answer waits.
    #[must_use]
    pub fn backpressure(mut self, on: bool) -> Self {
        self.rate.backpressure = on;
        self
    }

    /// Seeds the jitter, for reproducible schedules in tests.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Replaces the wall clock (default: the system's). The keeper schedules on the monotonic
    /// tokio clock and reads the wall clock only to place a token whose server sent no `Date`
    /// and whose lifetime was not requested.
    #[must_use]
    pub fn time_source(mut self, time_source: impl TimeSource) -> Self {
        self.time_source = Arc::new(time_source);
        self
    }

    /// Spawns the scheduler task.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime, like `tokio::spawn`.
    pub fn build(self) -> KeeperPool<S> {
        let (commands, receiver) = mpsc::unbounded_channel();
        let (shutdown, shutdown_rx) = oneshot::channel();
        let live = Arc::new(AtomicUsize::new(0));
        let (metrics_tx, metrics) = watch::channel(PoolMetrics::default());
        let settings = Settings {
            policy: self.policy,
            max_in_flight: self.max_in_flight,
            seed: self.seed,
            time_source: self.time_source,
            rate: self.rate,
        };
        let driver = Driver::new(self.source, settings, Arc::clone(&live), metrics_tx);
        let driver = tokio::spawn(driver.run(receiver, shutdown_rx));
        KeeperPool {
            commands,
            next_id: AtomicU64::new(0),
            live,
            metrics,
            shutdown: Some(shutdown),
            driver: Some(driver),
        }
    }
}

impl<S: TokenSource> fmt::Debug for PoolBuilder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuilder")
            .field("policy", &self.policy)
            .field("max_in_flight", &self.max_in_flight)
            .field("max_calls_per_second", &self.rate.max_per_second)
            .field("burst", &self.rate.burst)
            .field("backpressure", &self.rate.backpressure)
            .finish_non_exhaustive()
    }
}

/// One session of a [`KeeperPool`]: read its token, subscribe to changes. Dropping it removes the session.
pub struct Session<E> {
    id: SessionId,
    status: watch::Receiver<Status<E>>,
    commands: mpsc::UnboundedSender<Command<E>>,
}

impl<E: Send + Sync + 'static> Session<E> {
    /// The current token, if one is valid now. Cheap: a shared read and a reference-count increment.
    pub fn current(&self) -> Option<Token> {
        self.status.borrow().token().cloned()
    }

    /// The session's status now.
    pub fn status(&self) -> Status<E> {
        self.status.borrow().clone()
    }

    /// A receiver that sees every new token and the end of the session. It stays usable after the
    /// session ends (its last value is [`Status::Ended`]).
    pub fn subscribe(&self) -> watch::Receiver<Status<E>> {
        self.status.clone()
    }

    /// The status now, then each change, ending after [`Status::Ended`].
    pub fn updates(&self) -> impl Stream<Item = Status<E>> + Send + Unpin + 'static {
        updates(self.status.clone())
    }

    /// Each valid token: the current one (if any), then every new one; ends when the session ends
    /// ([`status`](Self::status) then says why).
    pub fn tokens(&self) -> impl Stream<Item = Token> + Send + Unpin + 'static {
        tokens(self.status.clone())
    }

    /// Waits for a valid token: the current one, or the first one of a starting session.
    ///
    /// # Errors
    ///
    /// Why the session ended, if it ends first.
    pub async fn token(&self) -> Result<Token, EndReason<E>> {
        wait_for_token(self.status.clone()).await
    }

    /// Removes the session from its pool; subscribers see [`EndReason::Stopped`]. Same as dropping it.
    pub fn stop(self) {}
}

impl<E> Drop for Session<E> {
    fn drop(&mut self) {
        // The pool may already be gone, in which case the session has ended with it.
        let _ = self.commands.send(Command::Remove(self.id));
    }
}

impl<E> fmt::Debug for Session<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match &*self.status.borrow() {
            Status::Starting => "starting",
            Status::Late(_) => "late",
            Status::Active(_) => "active",
            Status::Ending { .. } => "ending",
            Status::Ended(_) => "ended",
        };
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("status", &status)
            .finish()
    }
}

pub(crate) fn updates<E: Send + Sync + 'static>(
    receiver: watch::Receiver<Status<E>>,
) -> impl Stream<Item = Status<E>> + Send + Unpin + 'static {
    futures_util::stream::unfold(
        (receiver, true, false),
        |(mut receiver, first, done)| async move {
            if done || (!first && receiver.changed().await.is_err()) {
                return None;
            }
            let status = receiver.borrow_and_update().clone();
            let ended = status.is_ended();
            Some((status, (receiver, false, ended)))
        },
    )
    .boxed()
}

pub(crate) fn tokens<E: Send + Sync + 'static>(
    receiver: watch::Receiver<Status<E>>,
) -> impl Stream<Item = Token> + Send + Unpin + 'static {
    updates(receiver)
        .filter_map(|status| std::future::ready(status.token().cloned()))
        .boxed()
}

pub(crate) async fn wait_for_token<E>(
    mut receiver: watch::Receiver<Status<E>>,
) -> Result<Token, EndReason<E>> {
    loop {
        {
            let status = receiver.borrow_and_update();
            if let Some(token) = status.token() {
                return Ok(token.clone());
            }
            if let Status::Ended(reason) = &*status {
                return Err(reason.clone());
            }
        }
        if receiver.changed().await.is_err() {
            return Err(EndReason::Stopped);
        }
    }
}
