//! The scheduler: one task, one delay queue, a bounded set of calls in flight under one pool-wide
//! budget (rate, server pauses), for every session of a pool.

use std::collections::{BTreeSet, HashMap};
use std::future::poll_fn;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use telnyx_rooms::Secret;

use chrono::{DateTime, Utc};
use telnyx_rooms_core::time::SharedTimeSource;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;
use tokio_util::time::{DelayQueue, delay_queue};
use uuid::Uuid;

use crate::metrics::PoolMetrics;
use crate::throttle::{RateSettings, Throttle};
use crate::token::SentAt;
use crate::{EndReason, IssuedToken, MintedToken, RefreshPolicy, Status, TokenSource, Ttls};

/// While there is work, metrics are taken this often.
const METRICS_EVERY: Duration = Duration::from_secs(1);
/// The delay queue holds timers up to about two years out; a later deadline (a refresh token's,
/// measured on a skewed wall clock) is timed to this horizon and re-armed when it is reached.
const TIMER_HORIZON: Duration = Duration::from_secs(365 * 24 * 3600);

mod calls;
mod renew;
mod start;

/// Identifies a session inside its pool; never reused.
pub(crate) type SessionId = u64;

/// What pool and session handles ask of the driver.
pub(crate) enum Command<E> {
    Add {
        id: SessionId,
        room: Uuid,
        ttls: Ttls,
        adopt: Option<MintedToken>,
        status: watch::Sender<Status<E>>,
    },
    Remove(SessionId),
}

/// Settings fixed when the pool is built.
pub(crate) struct Settings {
    pub(crate) policy: RefreshPolicy,
    pub(crate) max_in_flight: usize,
    pub(crate) seed: Option<u64>,
    pub(crate) time_source: SharedTimeSource,
    pub(crate) rate: RateSettings,
}

/// What a session's timer does when it fires.
#[derive(Debug, Clone, Copy)]
enum Next {
    /// Mint or refresh (decided when it fires).
    Renew,
    /// The refresh token (or, with an API key, the start timeout after it) ran out while retrying.
    GiveUp,
    /// No more refreshes are possible; end when the token expires.
    Drain,
}

enum Phase {
    /// Timer set for `Next`.
    Waiting(Next),
    /// Due, waiting in the urgency queue under this key for the budget and a free call slot; timer
    /// set to the give-up instant, if there is one yet.
    Queued(Instant),
    /// A call is running; timer set to the give-up instant.
    InFlight(AbortHandle),
}

/// The refresh token a session holds.
struct RefreshHold {
    secret: Secret,
    expires_at: DateTime<Utc>,
    valid_until: Instant,
    /// Past this instant the refresh token is not relied on: mint a new pair, or make a last refresh.
    cutoff: Instant,
}

struct Slot<E> {
    room: Uuid,
    ttls: Ttls,
    status: watch::Sender<Status<E>>,
    timer: Option<delay_queue::Key>,
    phase: Phase,
    attempt: u32,
    last_error: Option<Arc<E>>,
    refresh: Option<RefreshHold>,
    /// When the current client token expires.
    token_until: Option<Instant>,
    /// When retrying stops: the refresh token's expiry (with an API key, plus the start timeout to
    /// mint a new pair), or, before the first token, the start timeout after the first call; a
    /// throttling answer moves it later.
    give_up_at: Option<Instant>,
    /// Before the first token: the start timeout after the session was added.
    start_deadline: Option<Instant>,
    /// Before the first token: when the pool last told subscribers to expect it, if late.
    told_late: Option<Instant>,
    /// While the account is contended, a renewal waits until its deadline is this near.
    near: Duration,
}

/// A mint or refresh to run.
enum Call {
    Mint(Ttls),
    Refresh(Secret, Option<Duration>),
}

enum Renewed {
    Minted(MintedToken),
    Refreshed(IssuedToken),
}

struct Done<E> {
    id: SessionId,
    sent: SentAt,
    result: Result<Renewed, E>,
}

/// Everything but the session map, so a session can be borrowed alongside it.
struct Engine<S: TokenSource> {
    source: S,
    policy: RefreshPolicy,
    time_source: SharedTimeSource,
    max_in_flight: usize,
    timers: DelayQueue<SessionId>,
    calls: JoinSet<Done<S::Error>>,
    /// Sessions due for a call, most urgent first: ordered by the deadline that a late call
    /// misses (see `urgency`).
    ready: BTreeSet<(Instant, SessionId)>,
    /// Sessions still waiting for their first token.
    starting: usize,
    throttle: Throttle,
    /// When the budget allows the next queued call, if the queue waits for it.
    wake_at: Option<Instant>,
    /// When to take the next metrics snapshot, while there is work.
    metrics_at: Option<Instant>,
    metrics: watch::Sender<PoolMetrics>,
    rng: fastrand::Rng,
    live: Arc<AtomicUsize>,
}

pub(crate) struct Driver<S: TokenSource> {
    engine: Engine<S>,
    sessions: HashMap<SessionId, Slot<S::Error>>,
}

impl<S: TokenSource> Driver<S> {
    pub(crate) fn new(
        source: S,
        settings: Settings,
        live: Arc<AtomicUsize>,
        metrics: watch::Sender<PoolMetrics>,
    ) -> Self {
        let rng = settings
            .seed
            .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        Self {
            engine: Engine {
                source,
                policy: settings.policy,
                time_source: settings.time_source,
                max_in_flight: settings.max_in_flight.max(1),
                timers: DelayQueue::new(),
                calls: JoinSet::new(),
                ready: BTreeSet::new(),
                starting: 0,
                throttle: Throttle::new(settings.rate, Instant::now()),
                wake_at: None,
                metrics_at: None,
                metrics,
                rng,
                live,
            },
            sessions: HashMap::new(),
        }
    }

    /// Runs until the pool is stopped or dropped, then ends every session as `Stopped`.
    pub(crate) async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command<S::Error>>,
        mut shutdown: oneshot::Receiver<()>,
    ) {
        let alarm = tokio::time::sleep_until(Instant::now());
        tokio::pin!(alarm);
        let mut armed = None;
        loop {
            let next = match (self.engine.wake_at, self.engine.metrics_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if next != armed {
                armed = next;
                if let Some(at) = next {
                    alarm.as_mut().reset(at);
                }
            }
            tokio::select! {
                biased;
                _ = &mut shutdown => break,
                command = commands.recv() => match command {
                    Some(command) => self.on_command(command),
                    None => break,
                },
                Some(done) = self.engine.calls.join_next(), if !self.engine.calls.is_empty() => {
                    // A call that panicked or was aborted has no result; its session's give-up timer
                    // still stands and ends it.
                    if let Ok(done) = done {
                        self.on_done(done);
                    }
                }
                Some(expired) = poll_fn(|cx| self.engine.timers.poll_expired(cx)) => {
                    self.on_timer(expired.into_inner());
                }
                () = &mut alarm, if armed.is_some() => {
                    armed = None;
                    self.on_alarm();
                }
            }
            self.pump();
        }
        let ids: Vec<SessionId> = self.sessions.keys().copied().collect();
        for id in ids {
            self.end(id, EndReason::Stopped);
        }
        self.engine.calls.shutdown().await;
        self.publish_metrics(Instant::now());
    }

    fn on_command(&mut self, command: Command<S::Error>) {
        match command {
            Command::Add {
                id,
                room,
                ttls,
                adopt,
                status,
            } => self.add(id, room, ttls, adopt, status),
            Command::Remove(id) => self.end(id, EndReason::Stopped),
        }
    }

    fn add(
        &mut self,
        id: SessionId,
        room: Uuid,
        ttls: Ttls,
        adopt: Option<MintedToken>,
        status: watch::Sender<Status<S::Error>>,
    ) {
        let now = Instant::now();
        let mut slot = Slot {
            room,
            ttls,
            status,
            timer: None,
            phase: Phase::Waiting(Next::Renew),
            attempt: 0,
            last_error: None,
            refresh: None,
            token_until: None,
            // The start timeout for retrying runs from the first call: waiting for the pool's own
            // budget is not failing.
            give_up_at: None,
            start_deadline: None,
            told_late: None,
            near: Duration::ZERO,
        };
        self.engine.live.fetch_add(1, Ordering::Relaxed);
        let outcome = match adopt {
            // Adopted tokens were received before we knew of them: measure from now, on the
            // server's clock when the token carries its date.
            Some(minted) => self.engine.on_minted(
                id,
                &mut slot,
                minted,
                None,
                SentAt::now(&*self.engine.time_source),
            ),
            None => {
                let start_timeout = self.engine.policy.start_timeout;
                slot.start_deadline = Some(now.checked_add(start_timeout).unwrap_or(now));
                self.engine.starting += 1;
                self.engine.due(id, &mut slot, now);
                None
            }
        };
        self.sessions.insert(id, slot);
        if let Some(reason) = outcome {
            self.end(id, reason);
        }
    }

    fn on_timer(&mut self, id: SessionId) {
        let Some(slot) = self.sessions.get_mut(&id) else {
            return;
        };
        // A key is spent once it has fired.
        slot.timer = None;
        let deadline = match slot.phase {
            Phase::Waiting(Next::Renew) => None,
            Phase::Waiting(Next::Drain) => slot.token_until,
            Phase::Waiting(Next::GiveUp) | Phase::Queued(_) | Phase::InFlight(_) => slot.give_up_at,
        };
        if deadline.is_some_and(|deadline| Instant::now() < deadline) {
            // Fired at the horizon, short of the deadline.
            self.engine.set_timer(id, slot, deadline);
            return;
        }
        let reason = match slot.phase {
            Phase::Waiting(Next::Renew) => {
                self.engine.due_or_defer(id, slot, Instant::now());
                return;
            }
            Phase::Waiting(Next::Drain) => EndReason::RefreshTokenExpired,
            Phase::Waiting(Next::GiveUp) | Phase::Queued(_) | Phase::InFlight(_) => {
                EndReason::Expired {
                    last_error: slot.last_error.take(),
                }
            }
        };
        self.end(id, reason);
    }

    fn on_done(&mut self, done: Done<S::Error>) {
        let now = Instant::now();
        self.engine.note_answer(&done, now);
        let Some(slot) = self.sessions.get_mut(&done.id) else {
            return;
        };
        if !matches!(slot.phase, Phase::InFlight(_)) {
            return;
        }
        slot.phase = Phase::Waiting(Next::Renew);
        let outcome = match done.result {
            Ok(Renewed::Minted(minted)) => {
                let requested = slot.ttls;
                self.engine
                    .on_minted(done.id, slot, minted, Some(requested), done.sent)
            }
            Ok(Renewed::Refreshed(refreshed)) => self
                .engine
                .on_refreshed(done.id, slot, refreshed, done.sent),
            Err(error) if self.engine.source.is_transient(&error) => {
                self.engine.retry_later(done.id, slot, error);
                None
            }
            Err(error) => Some(EndReason::Failed(Arc::new(error))),
        };
        if let Some(reason) = outcome {
            self.end(done.id, reason);
        }
    }

    fn on_alarm(&mut self) {
        let now = Instant::now();
        if self.engine.wake_at.is_some_and(|at| at <= now) {
            self.engine.wake_at = None;
        }
        if self.engine.metrics_at.is_some_and(|at| at <= now) {
            self.publish_metrics(now);
        }
    }

    /// Starts queued calls, most urgent first, while the budget and the in-flight bound allow.
    fn pump(&mut self) {
        let now = Instant::now();
        self.engine.wake_at = None;
        while self.engine.calls.len() < self.engine.max_in_flight {
            let Some(&(_, id)) = self.engine.ready.first() else {
                return;
            };
            // Every entry is a queued session's (ending one removes its entry); a stray one would
            // only be dropped.
            let Some(slot) = self
                .sessions
                .get_mut(&id)
                .filter(|slot| matches!(slot.phase, Phase::Queued(_)))
            else {
                self.engine.ready.pop_first();
                continue;
            };
            let Some(call) = self.engine.choose(slot, now) else {
                self.engine.ready.pop_first();
                self.engine.drain(id, slot, now);
                continue;
            };
            if let Err(at) = self.engine.throttle.admit(now) {
                self.engine.wake_at = Some(at);
                return;
            }
            self.engine.ready.pop_first();
            self.engine.spawn(id, slot, call, now);
        }
    }

    /// Removes a session, cancels its timer and call, and tells its subscribers why.
    fn end(&mut self, id: SessionId, reason: EndReason<S::Error>) {
        let Some(slot) = self.sessions.remove(&id) else {
            return;
        };
        if let Some(key) = slot.timer {
            self.engine.timers.remove(&key);
        }
        match &slot.phase {
            Phase::InFlight(call) => call.abort(),
            Phase::Queued(key) => {
                self.engine.ready.remove(&(*key, id));
            }
            Phase::Waiting(_) => {}
        }
        if slot.start_deadline.is_some() {
            self.engine.starting -= 1;
        }
        self.engine.live.fetch_sub(1, Ordering::Relaxed);
        slot.status.send_replace(Status::Ended(reason));
    }
}
