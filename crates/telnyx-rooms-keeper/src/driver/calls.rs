//! What the scheduler does to one session: queue it by urgency, choose and start its call, feed
//! the answer to the budget, and schedule the retry.

use std::sync::Arc;

use tokio::time::Instant;

use super::{
    Call, Done, Engine, METRICS_EVERY, Next, Phase, Renewed, SessionId, Slot, TIMER_HORIZON,
};
use crate::TokenSource;
use crate::token::SentAt;

impl<S: TokenSource> Engine<S> {
    pub(super) fn set_timer(
        &mut self,
        id: SessionId,
        slot: &mut Slot<S::Error>,
        at: Option<Instant>,
    ) {
        let horizon = Instant::now().checked_add(TIMER_HORIZON);
        let at = at.map(|at| horizon.map_or(at, |horizon| at.min(horizon)));
        match (&slot.timer, at) {
            (Some(key), Some(at)) => self.timers.reset_at(key, at),
            (None, Some(at)) => slot.timer = Some(self.timers.insert_at(id, at)),
            (Some(key), None) => {
                self.timers.remove(key);
                slot.timer = None;
            }
            (None, None) => {}
        }
    }

    /// A renewal is due. While the account is contended (the server throttled this pool lately), a
    /// renewal whose deadline is still far waits until it is near: the pool spends its share on the
    /// calls that must be made, and leaves the rest of the account to pools that need it.
    pub(super) fn due_or_defer(&mut self, id: SessionId, slot: &mut Slot<S::Error>, now: Instant) {
        let deferred = slot
            .token_until
            .filter(|until| *until > now && self.throttle.contended(now))
            .and_then(|_| urgency(slot, self.source.can_mint(), now).checked_sub(slot.near))
            .filter(|at| *at > now);
        match deferred {
            Some(at) => {
                slot.phase = Phase::Waiting(Next::Renew);
                self.set_timer(id, slot, Some(at));
            }
            None => self.due(id, slot, now),
        }
    }

    /// A renewal is due: queue it by urgency.
    ///
    /// Waiting in the queue is not failing: a session with an API key that has not failed since
    /// its last token is never given up on while it waits (a refresh token running out meanwhile
    /// only means a new pair is minted when its turn comes).
    pub(super) fn due(&mut self, id: SessionId, slot: &mut Slot<S::Error>, now: Instant) {
        let can_mint = self.source.can_mint();
        let key = urgency(slot, can_mint, now);
        slot.phase = Phase::Queued(key);
        self.ready.insert((key, id));
        let waiting_only = can_mint && slot.attempt == 0;
        self.set_timer(id, slot, slot.give_up_at.filter(|_| !waiting_only));
    }

    /// Mint or refresh, or `None` when no call can help any more (no key, refresh token gone).
    pub(super) fn choose(&self, slot: &Slot<S::Error>, now: Instant) -> Option<Call> {
        match &slot.refresh {
            None => Some(Call::Mint(slot.ttls)),
            Some(hold) if now < hold.cutoff => {
                Some(Call::Refresh(hold.secret.clone(), slot.ttls.token_ttl))
            }
            Some(_) if self.source.can_mint() => Some(Call::Mint(slot.ttls)),
            Some(hold) if now < hold.valid_until => {
                Some(Call::Refresh(hold.secret.clone(), slot.ttls.token_ttl))
            }
            Some(_) => None,
        }
    }

    /// No call can help: the session ends when its token does.
    pub(super) fn drain(&mut self, id: SessionId, slot: &mut Slot<S::Error>, now: Instant) {
        slot.phase = Phase::Waiting(Next::Drain);
        self.set_timer(id, slot, Some(slot.token_until.unwrap_or(now)));
    }

    /// Spawns the call; a session's first call starts its start timeout.
    pub(super) fn spawn(
        &mut self,
        id: SessionId,
        slot: &mut Slot<S::Error>,
        call: Call,
        now: Instant,
    ) {
        let source = self.source.clone();
        let time_source = Arc::clone(&self.time_source);
        let room = slot.room;
        let minting = matches!(call, Call::Mint(_));
        let handle = self.calls.spawn(async move {
            let sent = SentAt::now(&*time_source);
            let result = match call {
                Call::Mint(ttls) => source.mint(room, ttls).await.map(Renewed::Minted),
                Call::Refresh(secret, ttl) => source
                    .refresh(room, secret.expose(), ttl)
                    .await
                    .map(Renewed::Refreshed),
            };
            Done { id, sent, result }
        });
        slot.phase = Phase::InFlight(handle);
        // A first mint, or the first call for a new pair (perhaps once the refresh token is gone),
        // gets the start timeout from this call; retries keep the instant already set.
        let from_now = now.checked_add(self.policy.start_timeout).unwrap_or(now);
        let give_up_at = match slot.give_up_at {
            Some(at) if minting && slot.attempt == 0 => at.max(from_now),
            Some(at) => at,
            None => from_now,
        };
        slot.give_up_at = Some(give_up_at);
        self.set_timer(id, slot, Some(give_up_at));
        self.metrics_at.get_or_insert(now + METRICS_EVERY);
    }

    /// Feeds an answer to the budget: a token counts toward the achieved rate, a server delay
    /// pauses the pool and teaches it a lower rate.
    pub(super) fn note_answer(&mut self, done: &Done<S::Error>, now: Instant) {
        match &done.result {
            Ok(_) => self.throttle.on_success(),
            Err(error) if self.source.is_transient(error) => {
                let Some(delay) = self.source.retry_after(error) else {
                    return;
                };
                let jitter = self.rng.f64();
                if let Some(until) =
                    self.throttle
                        .on_throttled(now, done.sent.at, Some(delay), jitter)
                {
                    tracing::warn!(
                        pause_ms = until.saturating_duration_since(now).as_millis(),
                        allowed_rate = ?self.throttle.allowed_rate(now),
                        "server asked the pool to wait; pausing every call"
                    );
                }
            }
            Err(_) => {}
        }
    }

    /// Schedules another attempt after a backoff — or the server's requested delay, if longer — or
    /// giving up if the refresh token (or the start timeout) runs out first.
    ///
    /// An answer with a server delay (a 429) is the account's limit speaking, not the session
    /// failing: with an API key, which can always mint anew, it gives the session the start
    /// timeout again after the delay, so no session is lost to throttling.
    pub(super) fn retry_later(
        &mut self,
        id: SessionId,
        slot: &mut Slot<S::Error>,
        error: S::Error,
    ) {
        slot.attempt = slot.attempt.saturating_add(1);
        let backoff = self.policy.backoff(slot.attempt, &mut self.rng);
        let requested = self.source.retry_after(&error);
        let delay = requested.map_or(backoff, |requested| backoff.max(requested));
        slot.last_error = Some(Arc::new(error));
        let now = Instant::now();
        // A source may ask for any delay; one too large for the clock is past every deadline.
        let retry_at = now.checked_add(delay);
        // Set by the call that failed; `now` only if that invariant were ever broken.
        let mut give_up_at = slot.give_up_at.unwrap_or(now);
        if let Some(retry_at) = retry_at
            && requested.is_some()
            && self.source.can_mint()
        {
            let again = retry_at.checked_add(self.policy.start_timeout);
            give_up_at = give_up_at.max(again.unwrap_or(retry_at));
            slot.give_up_at = Some(give_up_at);
        }
        let (next, at) = match retry_at {
            Some(retry_at) if retry_at < give_up_at => (Next::Renew, retry_at),
            _ => (Next::GiveUp, give_up_at),
        };
        slot.phase = Phase::Waiting(next);
        self.set_timer(id, slot, Some(at));
    }
}

/// The queue key: the deadline that a late call misses. Before the first token, the start
/// deadline (so a refused first mint keeps its place). After it, the client token's expiry —
/// and, for a source that cannot mint, the refresh token's when that comes first, since past it
/// the session can only end. (With an API key a refresh token running out costs nothing: a new
/// pair is minted.)
fn urgency<E>(slot: &Slot<E>, can_mint: bool, now: Instant) -> Instant {
    let refresh_until = slot
        .refresh
        .as_ref()
        .map(|hold| hold.valid_until)
        .filter(|_| !can_mint);
    match (slot.token_until, refresh_until) {
        (Some(token), Some(refresh)) => token.min(refresh),
        (Some(until), None) | (None, Some(until)) => until,
        (None, None) => slot.start_deadline.unwrap_or(now),
    }
}
