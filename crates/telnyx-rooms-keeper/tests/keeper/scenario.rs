//! A `KeeperPool` of many sessions against the mock with a rate limit, under paused tokio time:
//! what it costs the server and whether every session keeps a token. Shared by the test suite (a
//! scaled-down run) and `benches/pool_rate_limit.rs` (100,000 sessions for two virtual hours).
#![allow(dead_code)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use telnyx_rooms::Client;
use telnyx_rooms_core::time::TimeSource;
use telnyx_rooms_keeper::{KeeperPool, PoolMetrics, Session, Status, Ttls};
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

/// The pool's budget: `None` runs the pool without one (no rate limit, and a server delay holds
/// back only the session that got it), as calls were scheduled before pool-wide budgets.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub per_second: f64,
    pub burst: u32,
}

#[derive(Debug, Clone)]
pub struct Setup {
    pub sessions: usize,
    pub token_ttl: Duration,
    /// `None`: the server's default (1 h).
    pub refresh_token_ttl: Option<Duration>,
    pub server_limit: RateLimit,
    pub budget: Option<Budget>,
    /// Virtual time to run after adding the sessions.
    pub duration: Duration,
    /// How often every session's token is checked (virtual time).
    pub check_every: Duration,
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
    /// Checks that found a session handing out a token the server's clock says has expired.
    pub expired_handed_out: u64,
    /// Checks that found a live session which had a token earlier holding none.
    pub without_token: u64,
    /// Checks that found a session still without its first token.
    pub not_started: u64,
    pub checks: u64,
    /// Virtual seconds until every session held a token (`None`: never).
    pub all_started_after: Option<u64>,
    pub metrics: PoolMetrics,
}

impl Outcome {
    /// The busiest second after the first one (the first may hold the budget's burst).
    pub fn busiest_after_first(&self) -> u64 {
        self.per_second.iter().skip(1).copied().max().unwrap_or(0)
    }

    pub fn rejected_share(&self) -> f64 {
        self.rejected as f64 / (self.calls.max(1)) as f64
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
            .log_capacity(16),
    )
    .await;
    (server, client, clock)
}

/// Starts the mock `builder` describes and a facade client for it, with the API key `KEY`. The
/// sessions' rooms are random ids the mock mints tokens for.
pub async fn started(builder: MockServerBuilder) -> (MockServer, Client) {
    let server = builder
        .tokens_for_unknown_rooms(true)
        .start()
        .await
        .expect("mock starts");
    let client = Client::builder()
        .api_key("KEY")
        .base_url(server.base_url())
        .build()
        .expect("client");
    (server, client)
}

/// Runs the setup to its end and reports; must run with tokio time paused.
pub async fn run(setup: &Setup) -> Outcome {
    let (server, client, clock) = limited_mock(setup.server_limit).await;
    let mut builder = KeeperPool::builder(client).seed(14);
    builder = match setup.budget {
        Some(budget) => builder
            .max_calls_per_second(budget.per_second)
            .burst(budget.burst),
        None => builder.backpressure(false),
    };
    let pool = builder.build();
    let mut ttls = Ttls::new().token_ttl(setup.token_ttl);
    if let Some(ttl) = setup.refresh_token_ttl {
        ttls = ttls.refresh_token_ttl(ttl);
    }
    let start = Instant::now();
    let sessions: Vec<Session<_>> = (0..setup.sessions)
        .map(|_| pool.add_with(uuid::Uuid::new_v4(), ttls))
        .collect();
    let mut started = vec![false; sessions.len()];
    let mut outcome = Outcome::default();
    let mut last_count = 0;
    let seconds = setup.duration.as_secs();
    let check_every = setup.check_every.as_secs().max(1);
    for second in 1..=seconds {
        sleep_until(start + Duration::from_secs(second)).await;
        let count = server.request_count();
        outcome.per_second.push(count - last_count);
        last_count = count;
        if second % check_every == 0 || second == seconds {
            check(clock.now_utc(), &sessions, &mut started, &mut outcome);
            if outcome.all_started_after.is_none() && started.iter().all(|s| *s) {
                outcome.all_started_after = Some(second);
            }
        }
    }
    outcome.calls = server.request_count();
    outcome.rejected = server.rate_limited();
    outcome.ended = sessions
        .iter()
        .filter(|session| session.status().is_ended())
        .count();
    outcome.metrics = pool.metrics();
    drop(sessions);
    pool.stop().await;
    outcome
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
                Status::Starting => outcome.not_started += 1,
                // Counted once, in `ended`, at the end of the run.
                Status::Ended(_) => {}
                _ => outcome.without_token += 1,
            },
        }
    }
}
