//! What a pool knows of its backlog: metrics snapshots, and telling each session still waiting for
//! its first token when to expect it once that is past its start timeout — or shedding it, if the
//! policy says so.

use std::time::Duration;

use tokio::time::Instant;

use super::{Driver, METRICS_EVERY, Phase, SessionId};
use crate::status::LateStart;
use crate::{EndReason, PoolMetrics, Status, TokenSource};

/// How far the queue moves per second, from the pool's point of view now.
#[derive(Debug, Clone, Copy)]
struct Pace {
    from: Instant,
    /// Calls per second; `None`: unlimited.
    rate: Option<f64>,
}

impl Pace {
    /// When the call with `ahead` calls before it is expected to start.
    fn at(self, ahead: usize) -> Instant {
        let Some(rate) = self.rate.filter(|rate| *rate > 0.0) else {
            return self.from;
        };
        let wait = Duration::try_from_secs_f64(ahead as f64 / rate).unwrap_or(Duration::MAX);
        self.from
            .checked_add(wait)
            .unwrap_or(self.from + METRICS_EVERY)
    }
}

/// What the pass over the queue found.
#[derive(Debug, Default)]
struct Backlog {
    late: usize,
    /// Calls a session added now would find ahead of it.
    ahead_of_new: usize,
    shed: Vec<(SessionId, LateStart)>,
}

impl<S: TokenSource> Driver<S> {
    /// Takes a metrics snapshot, tells late starts, publishes and emits the snapshot, and keeps
    /// taking them while there is work.
    pub(super) fn publish_metrics(&mut self, now: Instant) {
        let paused_until = self.engine.throttle.paused_until(now);
        let backlogged = !self.engine.ready.is_empty() || paused_until.is_some();
        self.engine.throttle.measure(now, backlogged);
        let allowed_rate = self.engine.throttle.allowed_rate(now);
        let achieved_rate = self.engine.throttle.achieved_rate();
        let pace = Pace {
            from: paused_until.unwrap_or(now),
            rate: achieved_rate.filter(|rate| *rate > 0.0).or(allowed_rate),
        };
        let backlog = self.tell_late_starts(now, pace);
        for (id, late) in backlog.shed {
            self.end(id, EndReason::Shed(late));
        }
        let engine = &mut self.engine;
        let mut metrics = PoolMetrics {
            sessions: self.sessions.len(),
            calls: engine.throttle.calls,
            calls_last_second: engine.throttle.calls_last_second(now),
            throttled: engine.throttle.throttled,
            allowed_rate,
            achieved_rate,
            paused_until,
            in_flight: engine.calls.len(),
            waiting: engine.ready.len(),
            late_starts: backlog.late,
            start_wait: pace.at(backlog.ahead_of_new).saturating_duration_since(now),
            ..PoolMetrics::default()
        };
        metrics.at_risk = self
            .sessions
            .values()
            .filter(|slot| slot.token_until.is_some_and(|until| until <= now))
            .count();
        let busy = metrics.calls_last_second > 0
            || metrics.waiting > 0
            || metrics.in_flight > 0
            || metrics.paused_until.is_some();
        engine.metrics_at = busy.then(|| now + METRICS_EVERY);
        metrics.emit();
        engine.metrics.send_replace(metrics);
    }

    /// Walks the queue in order and tells each session waiting for its first token when to expect
    /// it, if that is past its start deadline (and back to `Starting` once it no longer is).
    fn tell_late_starts(&mut self, now: Instant, pace: Pace) -> Backlog {
        let shed = self.engine.policy.shed_late_starts;
        let new_deadline = now.checked_add(self.engine.policy.start_timeout);
        let mut backlog = Backlog::default();
        let mut starting_seen = 0;
        for (ahead, &(key, id)) in self.engine.ready.iter().enumerate() {
            if new_deadline.is_some_and(|deadline| key < deadline) {
                backlog.ahead_of_new = ahead + 1;
            } else if starting_seen == self.engine.starting {
                break;
            }
            let Some(slot) = self.sessions.get_mut(&id) else {
                continue;
            };
            let (Some(deadline), Phase::Queued(_)) = (slot.start_deadline, &slot.phase) else {
                continue;
            };
            starting_seen += 1;
            let expected_at = pace.at(ahead);
            if expected_at <= deadline {
                if slot.told_late.take().is_some() {
                    slot.status.send_replace(Status::Starting);
                }
                continue;
            }
            backlog.late += 1;
            let late = LateStart::new(expected_at, deadline, ahead);
            if shed {
                backlog.shed.push((id, late));
            } else if slot
                .told_late
                .is_none_or(|told| moved(told, expected_at, now))
            {
                slot.told_late = Some(expected_at);
                slot.status.send_replace(Status::Late(late));
            }
        }
        backlog
    }
}

/// Whether an estimate moved enough to tell again: by a second, or a tenth of the wait.
fn moved(told: Instant, expected: Instant, now: Instant) -> bool {
    let change = told
        .max(expected)
        .saturating_duration_since(told.min(expected));
    change > METRICS_EVERY.max(expected.saturating_duration_since(now) / 10)
}
