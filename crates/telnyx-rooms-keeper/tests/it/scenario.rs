//! `KeeperPool`s of many sessions against the mock with a rate limit, under paused tokio time:
//! what they cost the server and whether every session keeps a token. One pool, or K pools on one
//! account (replicas of a token backend, each with its own budget); every session added at once or
//! spread over a while. Shared by the test suite (scaled-down runs) and the benches
//! `pool_rate_limit` and `pool_replicas` (100,000 sessions for two virtual hours).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use telnyx_rooms::Client;
use telnyx_rooms_core::time::TimeSource;
use telnyx_rooms_keeper::{
    EndReason, KeeperPool, PoolMetrics, RefreshPolicy, Session, Status, Ttls,
};
use telnyx_rooms_mock::{MockServer, MockServerBuilder, RateLimit};
use tokio::time::{Instant, sleep_until};

/// The mock's time source: tokio time (so it pauses and advances with the test) from a fixed start.
#[derive(Debug, Clone, Copy)]
pub struct TokioTimeSource {
    origin: Instant,
    base: DateTime<Utc>,
}

impl TokioTimeSource {
    pub fn starting_at(base: DateTime<Utc>) -> Self {
        Self {
            origin: Instant::now(),
            base,
        }
    }
}

impl TimeSource for TokioTimeSource {
    fn now(&self) -> std::time::SystemTime {
        let base = std::time::SystemTime::from(self.base);
        base.checked_add(self.origin.elapsed()).unwrap_or(base)
    }
}

/// A pool's budget: `None` runs a pool without one (no rate limit, and a server delay holds back
/// only the session that got it), as calls were scheduled before pool-wide budgets.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub per_second: f64,
    pub burst: u32,
}

#[derive(Debug, Clone)]
pub struct Setup {
    /// Sessions in all, dealt to the pools in turn.
    pub sessions: usize,
    /// Pools on the one account (replicas, each with its own budget).
    pub pools: usize,
    pub token_ttl: Duration,
    /// `None`: the server's default (1 h).
    pub refresh_token_ttl: Option<Duration>,
    pub server_limit: RateLimit,
    /// Each pool's budget.
    pub budget: Option<Budget>,
    /// Sessions are added evenly over this long (zero: all at once).
    pub arrival: Duration,
    /// The pools' start timeout (`None`: the default).
    pub start_timeout: Option<Duration>,
    /// Virtual time to run after the first sessions are added.
    pub duration: Duration,
    /// How often every session's token is checked (virtual time).
    pub check_every: Duration,
    /// Seeds every pool's randomness (pool `i` gets `seed + i`).
    pub seed: u64,
}

impl Setup {
    /// One pool of `sessions`, all added at once, checked every 10 s, seed 14.
    pub fn one_pool(sessions: usize, server_limit: RateLimit, budget: Option<Budget>) -> Self {
        Self {
            sessions,
            pools: 1,
            token_ttl: Duration::from_secs(600),
            refresh_token_ttl: None,
            server_limit,
            budget,
            arrival: Duration::ZERO,
            start_timeout: None,
            duration: Duration::from_secs(7200),
            check_every: Duration::from_secs(10),
            seed: 14,
        }
    }
}

/// One pool's metrics at one virtual second.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub allowed: Option<f64>,
    pub achieved: f64,
    /// Calls started since the pool was built.
    pub calls: u64,
}

/// What one pool's metrics said, sampled every virtual second.
#[derive(Debug, Default, Clone)]
pub struct PoolTrace {
    /// At the end of virtual second 1, 2, ...
    pub samples: Vec<Sample>,
    /// Each distinct end of a pause the server imposed.
    pub pause_ends: Vec<Instant>,
    /// The most sessions told their first token would come after their start timeout.
    pub most_late: usize,
    pub last: PoolMetrics,
}

impl PoolTrace {
    fn at(&self, second: u64) -> Option<&Sample> {
        self.samples
            .get(usize::try_from(second).ok()?.checked_sub(1)?)
    }

    /// The allowed and achieved rates at `second`.
    pub fn rate_at(&self, second: u64) -> Option<(Option<f64>, f64)> {
        self.at(second).map(|s| (s.allowed, s.achieved))
    }

    /// Calls started by `second`.
    pub fn calls_at(&self, second: u64) -> u64 {
        self.at(second).map_or(0, |s| s.calls)
    }
}

/// What the run did, from the server's side and the sessions'.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Requests the mock received, and how many its rate limit answered 429.
    pub calls: u64,
    pub rejected: u64,
    /// Requests per virtual second, second by second.
    pub per_second: Vec<u64>,
    /// Sessions that ended (for any reason) before the run was over.
    pub ended: usize,
    /// Why they ended, by kind.
    pub end_reasons: BTreeMap<String, usize>,
    /// Checks that found a session handing out a token the server's clock says has expired.
    pub expired_handed_out: u64,
    /// Checks that found a live session which had a token earlier holding none.
    pub without_token: u64,
    /// The checks that found any: `(second, sessions without a token)`.
    pub gaps: Vec<(u64, u64)>,
    /// Checks that found a session still without its first token.
    pub not_started: u64,
    pub checks: u64,
    /// Virtual seconds until every session held a token (`None`: never).
    pub all_started_after: Option<u64>,
    /// Pool by pool.
    pub pools: Vec<PoolTrace>,
    pub metrics: PoolMetrics,
}

impl Outcome {
    /// The figures that matter, in a line (the per-second series left out).
    pub fn summary(&self) -> String {
        format!(
            "lost {} {:?}, expired handed out {}, live without a token {}, not started {} in {} checks, \
             all started after {:?} s, {} calls, {} answered 429, busiest second after the first {}, \
             late starts told {}",
            self.ended,
            self.end_reasons,
            self.expired_handed_out,
            self.without_token,
            self.not_started,
            self.checks,
            self.all_started_after,
            self.calls,
            self.rejected,
            self.busiest_after_first(),
            self.pools.iter().map(|p| p.most_late).sum::<usize>(),
        )
    }

    /// The busiest second after the first one (the first may hold the budget's burst).
    pub fn busiest_after_first(&self) -> u64 {
        self.per_second.iter().skip(1).copied().max().unwrap_or(0)
    }

    pub fn rejected_share(&self) -> f64 {
        self.rejected as f64 / (self.calls.max(1)) as f64
    }

    /// For each end of a pause, how many other pools' pauses ended within `window` of it, on average.
    pub fn resumed_together(&self, window: Duration) -> f64 {
        let mut ends = 0usize;
        let mut together = 0usize;
        for (i, pool) in self.pools.iter().enumerate() {
            for end in &pool.pause_ends {
                ends += 1;
                together += self
                    .pools
                    .iter()
                    .enumerate()
                    .filter(|(j, other)| {
                        *j != i
                            && other.pause_ends.iter().any(|e| {
                                e.max(end).saturating_duration_since(*e.min(end)) <= window
                            })
                    })
                    .count();
            }
        }
        together as f64 / ends.max(1) as f64
    }

    /// Jain's fairness index of the pools' achieved rates at `second` (1: equal shares).
    pub fn fairness_at(&self, second: u64) -> Option<f64> {
        let rates: Vec<f64> = self
            .pools
            .iter()
            .filter_map(|p| p.rate_at(second).map(|(_, achieved)| achieved))
            .collect();
        let sum: f64 = rates.iter().sum();
        let squares: f64 = rates.iter().map(|r| r * r).sum();
        (squares > 0.0).then(|| sum * sum / (rates.len() as f64 * squares))
    }
}

/// Starts the mock with this limit, and a client with an API key for it; the mock's clock too.
pub async fn limited_mock(limit: RateLimit) -> (MockServer, Client, TokioTimeSource) {
    let base = "2031-06-01T08:00:00Z".parse().unwrap_or_default();
    let clock = TokioTimeSource::starting_at(base);
    let (server, client) = started(
        MockServer::builder()
            .time_source(clock)
            .rate_limit(limit)
            .max_connections(4096)
            .log_capacity(16),
    )
    .await;
    (server, client, clock)
}

/// Starts the mock `builder` describes and a facade client for it, with the API key `KEY`.
pub async fn started(builder: MockServerBuilder) -> (MockServer, Client) {
    // The sessions' rooms are random ids the mock mints tokens for.
    let server = builder
        .tokens_for_unknown_rooms(true)
        .start()
        .await
        .expect("mock starts");
    let client = client_for(&server);
    (server, client)
}

/// A facade client of its own (its own connections, as a replica has) for the mock.
pub fn client_for(server: &MockServer) -> Client {
    Client::builder()
        .api_key("KEY")
        .base_url(server.base_url())
        .build()
        .expect("client")
}

fn build_pool(setup: &Setup, client: Client, index: usize) -> KeeperPool<Client> {
    let mut builder = KeeperPool::builder(client).seed(setup.seed.wrapping_add(index as u64));
    if let Some(timeout) = setup.start_timeout {
        builder = builder.policy(RefreshPolicy::new().start_timeout(timeout));
    }
    match setup.budget {
        Some(budget) => builder
            .max_calls_per_second(budget.per_second)
            .burst(budget.burst)
            .build(),
        None => builder.backpressure(false).build(),
    }
}

/// A bench's environment override: the whole number in `name`, or `default`.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs the setup to its end and reports; must run with tokio time paused.
pub async fn run(setup: &Setup) -> Outcome {
    let (server, _, clock) = limited_mock(setup.server_limit).await;
    let pools: Vec<_> = (0..setup.pools.max(1))
        .map(|i| build_pool(setup, client_for(&server), i))
        .collect();
    let mut ttls = Ttls::new().token_ttl(setup.token_ttl);
    if let Some(ttl) = setup.refresh_token_ttl {
        ttls = ttls.refresh_token_ttl(ttl);
    }
    let start = Instant::now();
    let mut sessions: Vec<Session<_>> = Vec::with_capacity(setup.sessions);
    let add_until = |sessions: &mut Vec<Session<_>>, count: usize| {
        while sessions.len() < count.min(setup.sessions) {
            let pool = &pools[sessions.len() % pools.len()];
            sessions.push(pool.add_with(uuid::Uuid::new_v4(), ttls));
        }
    };
    let arrival = setup.arrival.as_secs();
    add_until(&mut sessions, if arrival == 0 { setup.sessions } else { 0 });
    let mut started = vec![false; setup.sessions];
    let mut outcome = Outcome {
        pools: vec![PoolTrace::default(); pools.len()],
        ..Outcome::default()
    };
    let mut last_count = 0;
    let seconds = setup.duration.as_secs();
    let check_every = setup.check_every.as_secs().max(1);
    for second in 1..=seconds {
        if second <= arrival {
            // Evenly over the arrival time: by the end of second `s`, `s / arrival` of them.
            add_until(
                &mut sessions,
                setup.sessions * second as usize / arrival as usize,
            );
        }
        sleep_until(start + Duration::from_secs(second)).await;
        let count = server.request_count();
        outcome.per_second.push(count - last_count);
        last_count = count;
        for (pool, trace) in pools.iter().zip(&mut outcome.pools) {
            sample(&pool.metrics(), trace);
        }
        if second % check_every == 0 || second == seconds {
            let before = outcome.without_token;
            check(clock.now_utc(), &sessions, &mut started, &mut outcome);
            if outcome.without_token > before {
                outcome.gaps.push((second, outcome.without_token - before));
            }
            if outcome.all_started_after.is_none()
                && sessions.len() == setup.sessions
                && started.iter().all(|s| *s)
            {
                outcome.all_started_after = Some(second);
            }
        }
    }
    outcome.calls = server.request_count();
    outcome.rejected = server.rate_limited();
    for session in &sessions {
        if let Status::Ended(reason) = session.status() {
            outcome.ended += 1;
            *outcome.end_reasons.entry(describe(&reason)).or_default() += 1;
        }
    }
    outcome.metrics = pools[0].metrics();
    drop(sessions);
    for pool in pools {
        pool.stop().await;
    }
    outcome
}

fn sample(metrics: &PoolMetrics, trace: &mut PoolTrace) {
    trace.samples.push(Sample {
        allowed: metrics.allowed_rate,
        achieved: metrics.achieved_rate.unwrap_or(0.0),
        calls: metrics.calls,
    });
    if let Some(until) = metrics.paused_until
        && trace.pause_ends.last() != Some(&until)
    {
        trace.pause_ends.push(until);
    }
    trace.most_late = trace.most_late.max(metrics.late_starts);
    trace.last = metrics.clone();
}

fn describe(reason: &EndReason<telnyx_rooms::Error>) -> String {
    match reason {
        EndReason::Expired {
            last_error: Some(error),
        } => format!(
            "Expired (last error: {})",
            error
                .status()
                .map_or("no status".to_owned(), |s| s.to_string())
        ),
        other => format!("{other:?}"),
    }
}

/// Checks what every session hands out now against the server's clock.
fn check(
    now: DateTime<Utc>,
    sessions: &[Session<telnyx_rooms::Error>],
    started: &mut [bool],
    outcome: &mut Outcome,
) {
    outcome.checks += 1;
    for (session, started) in sessions.iter().zip(started.iter_mut()) {
        match session.current() {
            Some(token) => {
                *started = true;
                if token.expires_at() <= now {
                    outcome.expired_handed_out += 1;
                }
            }
            None => match session.status() {
                Status::Ended(_) => {}
                status if status.is_starting() => outcome.not_started += 1,
                // Counted once, in `ended`, at the end of the run.
                _ => outcome.without_token += 1,
            },
        }
    }
}
