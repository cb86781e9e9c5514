//! A scripted in-memory `TokenSource` with its own (skewable) server clock and a log of every call.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use telnyx_rooms_keeper::{IssuedToken, KeeperPool, MintedToken, PoolBuilder, TokenSource, Ttls};
use tokio::time::Instant;
use uuid::Uuid;

/// What a call did, as the fake server saw it.
#[derive(Debug, Clone)]
pub struct Call {
    pub kind: Kind,
    pub room: Uuid,
    /// When the call arrived, measured from the fake's creation (tokio time).
    pub at: Duration,
    pub token_ttl: Option<Duration>,
    /// For refreshes: how long the presented refresh token had left on the server's clock (negative:
    /// expired).
    pub refresh_token_left: Option<TimeDelta>,
    /// How long the room's latest client token had left on the server's clock when the call arrived.
    pub token_left: Option<TimeDelta>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Mint,
    Refresh,
}

/// The fake's error: an HTTP-like status, transient or not, and the delay the server asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeError {
    pub status: u16,
    pub transient: bool,
    pub retry_after: Option<Duration>,
}

impl fmt::Display for FakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fake API error {}", self.status)
    }
}

impl std::error::Error for FakeError {}

#[derive(Clone)]
pub struct Fake {
    inner: Arc<Inner>,
}

struct Inner {
    can_mint: bool,
    send_date: bool,
    latency: Duration,
    origin: Instant,
    server_base: DateTime<Utc>,
    script: Mutex<VecDeque<(Kind, FakeError)>>,
    log: Mutex<Vec<Call>>,
    refresh_tokens: Mutex<HashMap<String, DateTime<Utc>>>,
    latest_token_expiry: Mutex<HashMap<Uuid, DateTime<Utc>>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    issued: AtomicUsize,
    random: Option<Mutex<RandomFailures>>,
}

/// Failures drawn at random, per mille of calls.
struct RandomFailures {
    rng: fastrand::Rng,
    transient: u32,
    permanent: u32,
    permanent_injected: usize,
}

/// Builds a [`Fake`].
pub struct FakeBuilder {
    can_mint: bool,
    send_date: bool,
    latency: Duration,
    server_base: DateTime<Utc>,
    random: Option<RandomFailures>,
}

impl FakeBuilder {
    /// Fails calls at random: `transient` and `permanent` per mille, reproducibly from `seed`.
    pub fn random_failures(mut self, seed: u64, transient: u32, permanent: u32) -> Self {
        self.random = Some(RandomFailures {
            rng: fastrand::Rng::with_seed(seed),
            transient,
            permanent,
            permanent_injected: 0,
        });
        self
    }

    pub fn without_api_key(mut self) -> Self {
        self.can_mint = false;
        self
    }

    pub fn without_date_header(mut self) -> Self {
        self.send_date = false;
        self
    }

    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Sets the server clock's reading at the fake's creation (whole seconds, like a `Date` header).
    pub fn server_clock_at(mut self, time: DateTime<Utc>) -> Self {
        self.server_base = time;
        self
    }

    pub fn build(self) -> Fake {
        Fake {
            inner: Arc::new(Inner {
                can_mint: self.can_mint,
                send_date: self.send_date,
                latency: self.latency,
                origin: Instant::now(),
                server_base: self.server_base,
                script: Mutex::default(),
                log: Mutex::default(),
                refresh_tokens: Mutex::default(),
                latest_token_expiry: Mutex::default(),
                in_flight: AtomicUsize::new(0),
                max_in_flight: AtomicUsize::new(0),
                issued: AtomicUsize::new(0),
                random: self.random.map(Mutex::new),
            }),
        }
    }
}

/// Decrements the in-flight count however the call ends (including being aborted).
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Fake {
    pub fn builder() -> FakeBuilder {
        FakeBuilder {
            can_mint: true,
            send_date: true,
            latency: Duration::ZERO,
            random: None,
            server_base: Utc::now()
                .duration_trunc(TimeDelta::seconds(1))
                .expect("truncate to seconds"),
        }
    }

    pub fn new() -> Self {
        Self::builder().build()
    }

    /// The server's clock now.
    /// A pool on this fake making at most `per_second` calls a second, `burst` at once.
    pub fn rated_pool(&self, per_second: f64, burst: u32) -> PoolBuilder<Fake> {
        KeeperPool::builder(self.clone())
            .max_calls_per_second(per_second)
            .burst(burst)
    }

    pub fn server_now(&self) -> DateTime<Utc> {
        let elapsed = Instant::now() - self.inner.origin;
        self.inner.server_base + TimeDelta::from_std(elapsed).expect("elapsed fits")
    }

    /// Time since the fake was created (tokio time).
    pub fn elapsed(&self) -> Duration {
        Instant::now() - self.inner.origin
    }

    /// Makes the next call of `kind` fail with `error` (queued in order).
    pub fn fail_next(&self, kind: Kind, error: FakeError) {
        self.inner
            .script
            .lock()
            .expect("script")
            .push_back((kind, error));
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.log.lock().expect("log").clone()
    }

    pub fn calls_of(&self, kind: Kind) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.kind == kind)
            .collect()
    }

    /// How many permanent failures the random mode has injected.
    pub fn random_permanent_failures(&self) -> usize {
        self.inner
            .random
            .as_ref()
            .map_or(0, |r| r.lock().expect("random").permanent_injected)
    }

    fn random_failure(&self) -> Option<FakeError> {
        let mut random = self.inner.random.as_ref()?.lock().expect("random");
        let draw = random.rng.u32(0..1000);
        if draw < random.permanent {
            random.permanent_injected += 1;
            Some(forbidden())
        } else if draw < random.permanent + random.transient {
            Some(transient())
        } else {
            None
        }
    }

    pub fn max_in_flight(&self) -> usize {
        self.inner.max_in_flight.load(Ordering::SeqCst)
    }

    /// How many handles to the fake exist: 1 once every keeper task and call holding one is gone.
    pub fn handles(&self) -> usize {
        Arc::strong_count(&self.inner)
    }

    /// A pair minted outside any keeper (not logged), e.g. by another service, to adopt.
    pub fn mint_directly(&self, room: Uuid, ttls: Ttls) -> MintedToken {
        self.issue_pair(room, ttls)
    }

    fn server_date(&self) -> Option<DateTime<Utc>> {
        let now = self.server_now();
        self.inner
            .send_date
            .then(|| now.duration_trunc(TimeDelta::seconds(1)).expect("truncate"))
    }

    fn next_id(&self) -> usize {
        self.inner.issued.fetch_add(1, Ordering::SeqCst)
    }

    fn issue_token(&self, room: Uuid, ttl: Option<Duration>) -> IssuedToken {
        let ttl = ttl.unwrap_or(Duration::from_secs(600));
        let expires = self.server_now() + TimeDelta::from_std(ttl).expect("ttl");
        self.inner
            .latest_token_expiry
            .lock()
            .expect("expiry")
            .insert(room, expires);
        IssuedToken::new(format!("tok-{}", self.next_id()), expires)
            .with_server_date(self.server_date())
    }

    fn issue_pair(&self, room: Uuid, ttls: Ttls) -> MintedToken {
        let token = self.issue_token(room, ttls.token_ttl);
        let refresh_ttl = ttls.refresh_token_ttl.unwrap_or(Duration::from_secs(3600));
        let refresh_expires = self.server_now() + TimeDelta::from_std(refresh_ttl).expect("ttl");
        let refresh = format!("rt-{}", self.next_id());
        self.inner
            .refresh_tokens
            .lock()
            .expect("refresh tokens")
            .insert(refresh.clone(), refresh_expires);
        MintedToken::new(token, refresh, refresh_expires)
    }

    /// Logs the call, applies latency and the script; returns the scripted failure, if any.
    async fn arrive(
        &self,
        kind: Kind,
        room: Uuid,
        token_ttl: Option<Duration>,
        refresh_token: Option<&str>,
    ) -> Result<(), FakeError> {
        let now = self.server_now();
        let refresh_token_left = refresh_token.map(|rt| {
            let expiry = self
                .inner
                .refresh_tokens
                .lock()
                .expect("rt")
                .get(rt)
                .copied();
            expiry.map_or(TimeDelta::seconds(-1), |expiry| expiry - now)
        });
        let token_left = self
            .inner
            .latest_token_expiry
            .lock()
            .expect("expiry")
            .get(&room)
            .map(|expiry| *expiry - now);
        self.inner.log.lock().expect("log").push(Call {
            kind,
            room,
            at: self.elapsed(),
            token_ttl,
            refresh_token_left,
            token_left,
        });
        let running = self.inner.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let _guard = InFlight(&self.inner.in_flight);
        self.inner
            .max_in_flight
            .fetch_max(running, Ordering::SeqCst);
        if !self.inner.latency.is_zero() {
            tokio::time::sleep(self.inner.latency).await;
        }
        let scripted = {
            let mut script = self.inner.script.lock().expect("script");
            match script.iter().position(|(k, _)| *k == kind) {
                Some(index) => script.remove(index).map(|(_, error)| error),
                None => None,
            }
        };
        if let Some(error) = scripted.or_else(|| self.random_failure()) {
            return Err(error);
        }
        if matches!(refresh_token_left, Some(left) if left <= TimeDelta::zero()) {
            return Err(FakeError {
                status: 401,
                transient: false,
                retry_after: None,
            });
        }
        Ok(())
    }
}

impl TokenSource for Fake {
    type Error = FakeError;

    fn can_mint(&self) -> bool {
        self.inner.can_mint
    }

    async fn mint(&self, room: Uuid, ttls: Ttls) -> Result<MintedToken, FakeError> {
        self.arrive(Kind::Mint, room, ttls.token_ttl, None).await?;
        if !self.inner.can_mint {
            return Err(FakeError {
                status: 401,
                transient: false,
                retry_after: None,
            });
        }
        Ok(self.issue_pair(room, ttls))
    }

    async fn refresh(
        &self,
        room: Uuid,
        refresh_token: &str,
        token_ttl: Option<Duration>,
    ) -> Result<IssuedToken, FakeError> {
        self.arrive(Kind::Refresh, room, token_ttl, Some(refresh_token))
            .await?;
        Ok(self.issue_token(room, token_ttl))
    }

    fn is_transient(&self, error: &FakeError) -> bool {
        error.transient
    }

    fn retry_after(&self, error: &FakeError) -> Option<Duration> {
        error.retry_after
    }
}

pub fn transient() -> FakeError {
    FakeError {
        status: 503,
        transient: true,
        retry_after: None,
    }
}

/// A 429 whose server asked to wait `delay` before trying again.
pub fn rate_limited(delay: Duration) -> FakeError {
    FakeError {
        status: 429,
        transient: true,
        retry_after: Some(delay),
    }
}

pub fn forbidden() -> FakeError {
    FakeError {
        status: 403,
        transient: false,
        retry_after: None,
    }
}
