//! 100,000 sessions in one `KeeperPool` against a synthetic source, side by side with the naive
//! design (one tokio task per session): memory per session, CPU while idle, spread of refresh calls.
//!
//! Run: `cargo bench -p telnyx-rooms-keeper --bench pool_scale` (env `SESSIONS`, `TTL_SECS`,
//! `MAX_IN_FLIGHT` override the defaults 100000, 30, 64). Takes about a minute of real time.
#![allow(clippy::expect_used, clippy::panic)] // a benchmark binary: failing loudly is right
#![allow(clippy::disallowed_methods)] // it measures real time, as an application would

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DurationRound, TimeDelta, Utc};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use telnyx_rooms_keeper::{IssuedToken, KeeperPool, MintedToken, RefreshPolicy, TokenSource, Ttls};
use tokio::sync::watch;
use tokio::time::{Instant, sleep, sleep_until};
use uuid::Uuid;

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// A JWT-sized client token and refresh token.
const TOKEN_LEN: usize = 700;
/// Simulated network latency per call.
const LATENCY: Duration = Duration::from_millis(1);
const HISTOGRAM_SECONDS: usize = 120;

/// Answers instantly (after `LATENCY`) with fresh synthetic tokens, counting calls.
#[derive(Clone)]
struct Synthetic {
    stats: Arc<CallStats>,
    ttl: Duration,
}

struct CallStats {
    origin: Mutex<Instant>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    mints: AtomicUsize,
    refreshes: AtomicUsize,
    refreshes_per_second: Vec<AtomicU32>,
    serial: AtomicUsize,
}

#[derive(Debug)]
struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("never")
    }
}

impl std::error::Error for Never {}

impl Synthetic {
    fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            stats: Arc::new(CallStats {
                origin: Mutex::new(Instant::now()),
                in_flight: AtomicUsize::new(0),
                max_in_flight: AtomicUsize::new(0),
                mints: AtomicUsize::new(0),
                refreshes: AtomicUsize::new(0),
                refreshes_per_second: (0..HISTOGRAM_SECONDS).map(|_| AtomicU32::new(0)).collect(),
                serial: AtomicUsize::new(0),
            }),
        }
    }

    fn origin(&self) -> Instant {
        *self.stats.origin.lock().expect("origin")
    }

    fn token(&self) -> String {
        let serial = self.stats.serial.fetch_add(1, Ordering::Relaxed);
        format!("{serial:0>TOKEN_LEN$}")
    }

    fn issued(&self) -> IssuedToken {
        let now = Utc::now();
        let ttl = TimeDelta::from_std(self.ttl).expect("ttl");
        IssuedToken::new(self.token(), now + ttl)
            .with_server_date(now.duration_trunc(TimeDelta::seconds(1)).ok())
    }

    async fn call(&self) {
        let running = self.stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.stats
            .max_in_flight
            .fetch_max(running, Ordering::SeqCst);
        sleep(LATENCY).await;
        self.stats.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl TokenSource for Synthetic {
    type Error = Never;

    fn can_mint(&self) -> bool {
        true
    }

    async fn mint(&self, _room: Uuid, _ttls: Ttls) -> Result<MintedToken, Never> {
        self.call().await;
        self.stats.mints.fetch_add(1, Ordering::Relaxed);
        let refresh_expires = Utc::now() + TimeDelta::hours(1);
        Ok(MintedToken::new(
            self.issued(),
            self.token(),
            refresh_expires,
        ))
    }

    async fn refresh(
        &self,
        _room: Uuid,
        _rt: &str,
        _ttl: Option<Duration>,
    ) -> Result<IssuedToken, Never> {
        self.call().await;
        self.stats.refreshes.fetch_add(1, Ordering::Relaxed);
        let second = (Instant::now() - self.origin()).as_secs() as usize;
        if let Some(bucket) = self.stats.refreshes_per_second.get(second) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        Ok(self.issued())
    }

    fn is_transient(&self, _error: &Never) -> bool {
        false
    }
}

/// Resident set size from /proc (Linux), in bytes.
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// CPU time of all this process's threads from /proc (Linux), in nanoseconds.
fn cpu_nanos() -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let schedstat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += schedstat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

struct Report {
    name: &'static str,
    setup: Duration,
    heap_per_session: f64,
    rss_per_session: f64,
    idle_window: Duration,
    idle_cpu_ms: f64,
    refreshed: usize,
    max_in_flight: usize,
    busiest_second: u32,
    histogram: Vec<(usize, u32)>,
}

fn print(report: &Report) {
    println!("== {} ==", report.name);
    println!("  all sessions holding a token after {:.2?}", report.setup);
    println!(
        "  memory per session: {:.0} B heap (allocator count), {:.0} B RSS delta",
        report.heap_per_session, report.rss_per_session
    );
    println!(
        "  idle CPU: {:.1} ms over {:.1?} ({:.3}% of one core)",
        report.idle_cpu_ms,
        report.idle_window,
        report.idle_cpu_ms / report.idle_window.as_secs_f64() / 10.0
    );
    println!(
        "  refresh wave: {} refreshes, max {} calls in flight, busiest second {}",
        report.refreshed, report.max_in_flight, report.busiest_second
    );
    let line: Vec<String> = report
        .histogram
        .iter()
        .map(|(s, n)| format!("{s}s:{n}"))
        .collect();
    println!("  refreshes per second since start: {}", line.join(" "));
}

struct Settings {
    sessions: usize,
    ttl: Duration,
    max_in_flight: usize,
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Drives one design through setup, an idle window and the first refresh wave.
async fn measure<'s, F, Fut>(name: &'static str, settings: &'s Settings, start: F) -> Report
where
    F: FnOnce(Synthetic, &'s Settings) -> Fut,
    Fut: std::future::Future<Output = Box<dyn std::any::Any>>,
{
    let source = Synthetic::new(settings.ttl);
    let rss_before = rss_bytes().unwrap_or(0);
    let region = Region::new(GLOBAL);
    let started = Instant::now();
    *source.stats.origin.lock().expect("origin") = started;
    let held = start(source.clone(), settings).await;
    let setup = started.elapsed();
    let change = region.change();
    // Reallocations are already counted in both totals.
    let heap = change.bytes_allocated as f64 - change.bytes_deallocated as f64;
    let rss_after = rss_bytes().unwrap_or(0);
    let sessions = settings.sessions as f64;

    // Idle until shortly before the earliest refresh: 29 s counted lifetime, margin and jitter.
    let lifetime = settings.ttl.saturating_sub(Duration::from_secs(1));
    let margin = RefreshPolicy::default().margin_for(lifetime);
    let earliest_refresh = started + lifetime - margin.mul_f64(1.5);
    let idle_from = Instant::now() + Duration::from_millis(500);
    let idle_to = earliest_refresh - Duration::from_millis(500);
    sleep_until(idle_from).await;
    let cpu_before = cpu_nanos().unwrap_or(0);
    sleep_until(idle_to).await;
    let idle_cpu_ms = cpu_nanos().unwrap_or(0).saturating_sub(cpu_before) as f64 / 1e6;
    // Setup slower than the token lifetime (a debug build, say) leaves no idle window to measure.
    let refreshed_while_idle = source.stats.refreshes.load(Ordering::Relaxed);
    assert!(
        idle_to > idle_from && refreshed_while_idle == 0,
        "setup took too long for an idle window before the first refresh; raise TTL_SECS"
    );

    // The refresh wave: wait until every session has refreshed once.
    let deadline = started + settings.ttl + Duration::from_secs(10);
    while source.stats.refreshes.load(Ordering::Relaxed) < settings.sessions
        && Instant::now() < deadline
    {
        sleep(Duration::from_millis(100)).await;
    }
    let histogram: Vec<(usize, u32)> = source
        .stats
        .refreshes_per_second
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .enumerate()
        .filter(|(_, n)| *n > 0)
        .collect();
    let report = Report {
        name,
        setup,
        heap_per_session: heap / sessions,
        rss_per_session: rss_after.saturating_sub(rss_before) as f64 / sessions,
        idle_window: idle_to - idle_from,
        idle_cpu_ms,
        refreshed: source.stats.refreshes.load(Ordering::Relaxed),
        max_in_flight: source.stats.max_in_flight.load(Ordering::SeqCst),
        busiest_second: histogram.iter().map(|(_, n)| *n).max().unwrap_or(0),
        histogram,
    };
    drop(held);
    sleep(Duration::from_millis(500)).await;
    report
}

/// The design this crate replaces: a task per session that mints, then sleeps until the margin and
/// refreshes, publishing through its own watch channel.
fn naive_session(
    source: Synthetic,
    ready: Arc<AtomicUsize>,
) -> (
    tokio::task::JoinHandle<()>,
    watch::Receiver<Option<Arc<str>>>,
) {
    let (tx, rx) = watch::channel(None);
    let policy = RefreshPolicy::default();
    let task = tokio::spawn(async move {
        let Ok(minted) = source.mint(Uuid::nil(), Ttls::new()).await else {
            return;
        };
        // The source's strings are private to the keeper crate; hold same-sized ones of our own.
        let refresh_token: Arc<str> = Arc::from(source.token());
        let mut expires_at = minted.token().expires_at();
        tx.send_replace(Some(Arc::from(source.token())));
        ready.fetch_add(1, Ordering::Relaxed);
        loop {
            let lifetime = (expires_at - Utc::now()).to_std().unwrap_or_default();
            let margin = policy.margin_for(lifetime);
            let early = margin + margin.mul_f64(0.5 * fastrand::f64());
            sleep(lifetime.saturating_sub(early)).await;
            let Ok(token) = source.refresh(Uuid::nil(), &refresh_token, None).await else {
                return;
            };
            expires_at = token.expires_at();
            tx.send_replace(Some(Arc::from(source.token())));
        }
    });
    (task, rx)
}

/// Runs each design in a fresh process of its own, so one's freed memory does not flatter the other's
/// RSS; with an argument `pool` or `naive`, runs that design here.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let variant = args.iter().find(|a| *a == "pool" || *a == "naive").cloned();
    if variant.is_none() && !args.iter().any(|a| a == "--bench") {
        // `cargo test --all-targets` runs bench binaries without `--bench`: a minute-long
        // measurement does not belong in the test suite.
        println!(
            "pool_scale is a benchmark: cargo bench -p telnyx-rooms-keeper --bench pool_scale"
        );
        return;
    }
    let Some(variant) = variant else {
        let exe = std::env::current_exe().expect("own path");
        for variant in ["pool", "naive"] {
            let status = std::process::Command::new(&exe)
                .arg(variant)
                .status()
                .expect("run");
            assert!(status.success(), "{variant} run failed");
        }
        return;
    };
    let settings = Settings {
        sessions: env_or("SESSIONS", 100_000) as usize,
        ttl: Duration::from_secs(env_or("TTL_SECS", 30)),
        max_in_flight: env_or("MAX_IN_FLIGHT", 64) as usize,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        if variant == "pool" {
            println!(
                "{} sessions, {} s tokens, {} B tokens, {:?} per call, pool bound {} calls in flight",
                settings.sessions,
                settings.ttl.as_secs(),
                TOKEN_LEN,
                LATENCY,
                settings.max_in_flight
            );
            print(&measure("KeeperPool (one scheduler)", &settings, start_pool).await);
        } else {
            print(&measure("naive: one task per session", &settings, start_naive).await);
        }
    });
}

async fn start_pool(source: Synthetic, settings: &Settings) -> Box<dyn std::any::Any> {
    let ttls = Ttls::new().token_ttl(settings.ttl);
    let pool = KeeperPool::builder(source)
        .max_in_flight(settings.max_in_flight)
        .build();
    let sessions: Vec<_> = (0..settings.sessions)
        .map(|_| pool.add_with(Uuid::new_v4(), ttls))
        .collect();
    for session in &sessions {
        session.token().await.expect("token");
    }
    Box::new((pool, sessions))
}

async fn start_naive(source: Synthetic, settings: &Settings) -> Box<dyn std::any::Any> {
    let ready = Arc::new(AtomicUsize::new(0));
    let sessions: Vec<_> = (0..settings.sessions)
        .map(|_| naive_session(source.clone(), Arc::clone(&ready)))
        .collect();
    while ready.load(Ordering::Relaxed) < settings.sessions {
        sleep(Duration::from_millis(10)).await;
    }
    let aborts: Vec<_> = sessions
        .iter()
        .map(|(task, _)| task.abort_handle())
        .collect();
    Box::new((sessions, AbortOnDrop(aborts)))
}

struct AbortOnDrop(Vec<tokio::task::AbortHandle>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.iter().for_each(tokio::task::AbortHandle::abort);
    }
}
