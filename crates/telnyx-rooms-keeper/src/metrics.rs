//! `PoolMetrics`: what a pool's scheduler reports about its calls, the server's throttling and its
//! sessions, readable from the pool and emitted as tracing events.

use std::time::Duration;

use tokio::time::Instant;

/// A snapshot of a [`KeeperPool`](crate::KeeperPool)'s work, taken by its scheduler.
///
/// The scheduler takes one every second while there is work (calls starting, running or waiting, or
/// a pause) and one more when the work stops, so a quiet pool costs nothing. Read the latest with
/// [`KeeperPool::metrics`](crate::KeeperPool::metrics) or follow them with
/// [`KeeperPool::watch_metrics`](crate::KeeperPool::watch_metrics). Each snapshot is also emitted as a
/// `DEBUG` tracing event with the message `pool metrics`, and each pause the server imposes as a `WARN`
/// event `server asked the pool to wait; pausing every call`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct PoolMetrics {
    /// Sessions the pool keeps.
    pub sessions: usize,
    /// Mint and refresh calls started since the pool was built.
    pub calls: u64,
    /// Calls started in the last whole second.
    pub calls_last_second: u32,
    /// Answers that asked the pool to slow down since it was built: transient failures with a server
    /// delay (429, or 503 with `Retry-After`).
    pub throttled: u64,
    /// The calls per second the pool allows itself now: the configured maximum, or, once the server
    /// has throttled, the rate learnt from it (never above the maximum); `None` when unlimited.
    pub allowed_rate: Option<f64>,
    /// Answers with a token per second while calls waited for the budget, smoothed over the last
    /// few seconds: what the pool actually achieves when it has more to do than it may. `None`
    /// until the pool has had a backlog.
    pub achieved_rate: Option<f64>,
    /// Until when every call waits because the server asked, if it did.
    pub paused_until: Option<Instant>,
    /// Sessions due for a call that wait for the rate, a pause or a free call slot.
    pub waiting: usize,
    /// Sessions whose first token the pool expects only after their start timeout
    /// ([`Status::Late`](crate::Status::Late)).
    pub late_starts: usize,
    /// How long a session added now would wait for its first call: the calls queued ahead of it at
    /// the achieved rate (or the allowed one before any was measured), after any pause. Compare
    /// it with the start timeout before adding sessions to decide whether to wait or come back.
    pub start_wait: Duration,
    /// Calls running now.
    pub in_flight: usize,
    /// Sessions whose client token has expired while they live on (their refresh token is still
    /// good): they have no token to hand out until a call succeeds.
    pub at_risk: usize,
}

impl PoolMetrics {
    pub(crate) fn emit(&self) {
        let paused_ms = self.paused_until.map_or(0, |until| {
            until.saturating_duration_since(Instant::now()).as_millis()
        });
        tracing::debug!(
            sessions = self.sessions,
            calls = self.calls,
            calls_last_second = self.calls_last_second,
            throttled = self.throttled,
            allowed_rate = ?self.allowed_rate,
            achieved_rate = ?self.achieved_rate,
            paused_ms,
            waiting = self.waiting,
            late_starts = self.late_starts,
            start_wait_ms = self.start_wait.as_millis(),
            in_flight = self.in_flight,
            at_risk = self.at_risk,
            "pool metrics"
        );
    }
}
