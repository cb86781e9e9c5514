//! The scheduler: one task, one delay queue, a bounded set of calls in flight, for every session of a pool.

use std::collections::{HashMap, VecDeque};
use std::future::poll_fn;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;
use tokio_util::time::{DelayQueue, delay_queue};
use uuid::Uuid;

use crate::token::{self, Sent};
use crate::{EndReason, IssuedToken, MintedToken, RefreshPolicy, Status, Token, TokenSource, Ttls};

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
}

/// What a session's timer does when it fires.
#[derive(Debug, Clone, Copy)]
enum Next {
    /// Mint or refresh (decided when it fires).
    Renew,
    /// The token (or start timeout) ran out while retrying.
    GiveUp,
    /// No more refreshes are possible; end when the token expires.
    Drain,
}

enum Phase {
    /// Timer set for `Next`.
    Waiting(Next),
    /// Due, waiting for a free call slot; timer set to the give-up instant.
    Queued,
    /// A call is running; timer set to the give-up instant.
    InFlight(AbortHandle),
}

/// The refresh token a session holds.
struct RefreshHold {
    secret: Arc<str>,
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
    /// When the current token expires, or, before the first token, when the start timeout runs out.
    give_up_at: Instant,
}

/// A mint or refresh to run.
enum Call {
    Mint(Ttls),
    Refresh(Arc<str>, Option<std::time::Duration>),
}

enum Renewed {
    Minted(MintedToken),
    Refreshed(IssuedToken),
}

struct Done<E> {
    id: SessionId,
    sent: Sent,
    result: Result<Renewed, E>,
}

/// Everything but the session map, so a session can be borrowed alongside it.
struct Engine<S: TokenSource> {
    source: S,
    policy: RefreshPolicy,
    max_in_flight: usize,
    timers: DelayQueue<SessionId>,
    calls: JoinSet<Done<S::Error>>,
    ready: VecDeque<SessionId>,
    rng: fastrand::Rng,
    live: Arc<AtomicUsize>,
}

pub(crate) struct Driver<S: TokenSource> {
    engine: Engine<S>,
    sessions: HashMap<SessionId, Slot<S::Error>>,
}

impl<S: TokenSource> Driver<S> {
    pub(crate) fn new(source: S, settings: Settings, live: Arc<AtomicUsize>) -> Self {
        let rng = settings
            .seed
            .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        Self {
            engine: Engine {
                source,
                policy: settings.policy,
                max_in_flight: settings.max_in_flight.max(1),
                timers: DelayQueue::new(),
                calls: JoinSet::new(),
                ready: VecDeque::new(),
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
        loop {
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
                    self.start_ready();
                }
                Some(expired) = poll_fn(|cx| self.engine.timers.poll_expired(cx)) => {
                    self.on_timer(expired.into_inner());
                }
            }
        }
        let ids: Vec<SessionId> = self.sessions.keys().copied().collect();
        for id in ids {
            self.end(id, EndReason::Stopped);
        }
        self.engine.calls.shutdown().await;
    }

    fn on_command(&mut self, command: Command<S::Error>) {
        match command {
            Command::Add {
                id,
                room,
                ttls,
                adopt,
                status,
            } => {
                let now = Instant::now();
                let give_up_at = now + self.engine.policy.start_timeout_value();
                let mut slot = Slot {
                    room,
                    ttls,
                    status,
                    timer: None,
                    phase: Phase::Waiting(Next::Renew),
                    attempt: 0,
                    last_error: None,
                    refresh: None,
                    give_up_at,
                };
                self.engine.live.fetch_add(1, Ordering::Relaxed);
                let outcome = match adopt {
                    // Adopted tokens were received before we knew of them: measure from now, on the
                    // server's clock when the token carries its date.
                    Some(minted) => self
                        .engine
                        .on_minted(id, &mut slot, minted, None, Sent::now()),
                    None => {
                        self.engine.due(id, &mut slot);
                        None
                    }
                };
                self.sessions.insert(id, slot);
                if let Some(reason) = outcome {
                    self.end(id, reason);
                }
            }
            Command::Remove(id) => self.end(id, EndReason::Stopped),
        }
    }

    fn on_timer(&mut self, id: SessionId) {
        let Some(slot) = self.sessions.get_mut(&id) else {
            return;
        };
        // A key is spent once it has fired.
        slot.timer = None;
        let reason = match slot.phase {
            Phase::Waiting(Next::Renew) => {
                self.engine.due(id, slot);
                return;
            }
            Phase::Waiting(Next::Drain) => EndReason::RefreshTokenExpired,
            Phase::Waiting(Next::GiveUp) | Phase::Queued | Phase::InFlight(_) => {
                EndReason::Expired {
                    last_error: slot.last_error.take(),
                }
            }
        };
        self.end(id, reason);
    }

    fn on_done(&mut self, done: Done<S::Error>) {
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

    /// Starts queued calls while there is room.
    fn start_ready(&mut self) {
        while self.engine.calls.len() < self.engine.max_in_flight {
            let Some(id) = self.engine.ready.pop_front() else {
                return;
            };
            if let Some(slot) = self.sessions.get_mut(&id)
                && matches!(slot.phase, Phase::Queued)
            {
                self.engine.start(id, slot);
            }
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
        if let Phase::InFlight(call) = &slot.phase {
            call.abort();
        }
        self.engine.live.fetch_sub(1, Ordering::Relaxed);
        slot.status.send_replace(Status::Ended(reason));
    }
}

impl<S: TokenSource> Engine<S> {
    fn set_timer(&mut self, id: SessionId, slot: &mut Slot<S::Error>, at: Instant) {
        match &slot.timer {
            Some(key) => self.timers.reset_at(key, at),
            None => slot.timer = Some(self.timers.insert_at(id, at)),
        }
    }

    /// A renewal is due: run it now if a call slot is free, else queue it.
    fn due(&mut self, id: SessionId, slot: &mut Slot<S::Error>) {
        if self.calls.len() < self.max_in_flight {
            self.start(id, slot);
        } else {
            slot.phase = Phase::Queued;
            self.ready.push_back(id);
            self.set_timer(id, slot, slot.give_up_at);
        }
    }

    /// Decides between minting and refreshing, and spawns the call.
    fn start(&mut self, id: SessionId, slot: &mut Slot<S::Error>) {
        let now = Instant::now();
        let can_mint = self.source.can_mint();
        let call = match &slot.refresh {
            None => Call::Mint(slot.ttls),
            Some(hold) if now < hold.cutoff => {
                Call::Refresh(Arc::clone(&hold.secret), slot.ttls.token)
            }
            Some(_) if can_mint => Call::Mint(slot.ttls),
            Some(hold) if now < hold.valid_until => {
                Call::Refresh(Arc::clone(&hold.secret), slot.ttls.token)
            }
            Some(_) => {
                slot.phase = Phase::Waiting(Next::Drain);
                self.set_timer(id, slot, slot.give_up_at);
                return;
            }
        };
        let source = self.source.clone();
        let room = slot.room;
        let handle = self.calls.spawn(async move {
            let sent = Sent::now();
            let result = match call {
                Call::Mint(ttls) => source.mint(room, ttls).await.map(Renewed::Minted),
                Call::Refresh(secret, ttl) => source
                    .refresh(room, &secret, ttl)
                    .await
                    .map(Renewed::Refreshed),
            };
            Done { id, sent, result }
        });
        slot.phase = Phase::InFlight(handle);
        self.set_timer(id, slot, slot.give_up_at);
    }

    fn on_minted(
        &mut self,
        id: SessionId,
        slot: &mut Slot<S::Error>,
        minted: MintedToken,
        requested: Option<Ttls>,
        sent: Sent,
    ) -> Option<EndReason<S::Error>> {
        let requested = requested.unwrap_or_default();
        let server_date = minted.token.server_date;
        let token_until =
            token::valid_until(minted.token.expires_at, server_date, requested.token, sent);
        let refresh_until = token::valid_until(
            minted.refresh_token_expires_at,
            server_date,
            requested.refresh_token,
            sent,
        );
        let (Some(token_until), Some(refresh_until)) = (token_until, refresh_until) else {
            return Some(EndReason::UnusableToken);
        };
        let now = Instant::now();
        slot.refresh = Some(RefreshHold {
            secret: minted.refresh_token,
            expires_at: minted.refresh_token_expires_at,
            valid_until: refresh_until,
            cutoff: self.policy.renew_at(now, refresh_until, &mut self.rng),
        });
        let token = Token::new(minted.token.token, minted.token.expires_at, token_until);
        self.renewed(id, slot, token);
        None
    }

    fn on_refreshed(
        &mut self,
        id: SessionId,
        slot: &mut Slot<S::Error>,
        refreshed: IssuedToken,
        sent: Sent,
    ) -> Option<EndReason<S::Error>> {
        let Some(until) = token::valid_until(
            refreshed.expires_at,
            refreshed.server_date,
            slot.ttls.token,
            sent,
        ) else {
            return Some(EndReason::UnusableToken);
        };
        let token = Token::new(refreshed.token, refreshed.expires_at, until);
        self.renewed(id, slot, token);
        None
    }

    /// Publishes a new token and schedules what comes next.
    fn renewed(&mut self, id: SessionId, slot: &mut Slot<S::Error>, token: Token) {
        let now = Instant::now();
        let can_mint = self.source.can_mint();
        slot.attempt = 0;
        slot.last_error = None;
        slot.give_up_at = token.valid_until();
        let refresh_at = self
            .policy
            .renew_at(now, token.valid_until(), &mut self.rng);
        let (next, at) = match &slot.refresh {
            Some(hold) if refresh_at >= hold.cutoff => {
                if can_mint {
                    (Next::Renew, hold.cutoff.max(now))
                } else if now < hold.cutoff {
                    // One last refresh, as late as the refresh token safely allows.
                    (Next::Renew, hold.cutoff)
                } else {
                    (Next::Drain, token.valid_until())
                }
            }
            _ => (Next::Renew, refresh_at),
        };
        slot.phase = Phase::Waiting(next);
        self.set_timer(id, slot, at);
        let status = match &slot.refresh {
            Some(hold) if !can_mint => Status::Ending {
                token,
                refresh_token_expires_at: hold.expires_at,
                refresh_token_valid_until: hold.valid_until,
            },
            _ => Status::Active(token),
        };
        slot.status.send_replace(status);
    }

    /// Schedules another attempt after a backoff — or the server's requested delay, if longer — or
    /// giving up if the token runs out first.
    fn retry_later(&mut self, id: SessionId, slot: &mut Slot<S::Error>, error: S::Error) {
        slot.attempt = slot.attempt.saturating_add(1);
        let backoff = self.policy.backoff(slot.attempt, &mut self.rng);
        let delay = match self.source.retry_after(&error) {
            Some(requested) => backoff.max(requested),
            None => backoff,
        };
        slot.last_error = Some(Arc::new(error));
        // A source may ask for any delay; one too large for the clock is past every deadline.
        let retry_at = Instant::now().checked_add(delay);
        let (next, at) = match retry_at {
            Some(retry_at) if retry_at < slot.give_up_at => (Next::Renew, retry_at),
            _ => (Next::GiveUp, slot.give_up_at),
        };
        slot.phase = Phase::Waiting(next);
        self.set_timer(id, slot, at);
    }
}
