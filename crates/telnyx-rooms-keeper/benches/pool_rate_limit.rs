//! 100,000 sessions with 10-minute tokens for two virtual hours, through the facade client, against
//! the mock limited to 200 requests/s (429 with `Retry-After` beyond it): the pool with a pool-wide
//! budget side by side with the same pool without one (`backpressure(false)`, no rate limit: calls
//! scheduled as before the budget existed — a server delay holds back only the session that got it).
//! Time is tokio's, paused: hours pass in minutes.
//!
//! Run: `cargo bench -p telnyx-rooms-keeper --bench pool_rate_limit`. Environment overrides:
//! `SESSIONS` (100000), `TOKEN_TTL_SECS` (600), `SERVER_RATE` (200), `SERVER_BURST` (200),
//! `POOL_RATE` (190), `POOL_BURST` (10), `DURATION_SECS` (7200), `BASELINE_SECS` (how long the pool
//! as it was runs; default `DURATION_SECS`), `ONLY` (`budget` or `baseline`).
#![allow(clippy::expect_used, clippy::panic)] // a benchmark binary: failing loudly is right

#[path = "../tests/it/scenario.rs"]
mod scenario;

use std::time::Duration;

use scenario::{Budget, Outcome, Setup, env_or, run};
use telnyx_rooms_mock::RateLimit;

fn report(name: &str, setup: &Setup, outcome: &Outcome, real: Duration) {
    println!("== {name} ==");
    println!(
        "  {} virtual s in {:.1?} real",
        setup.duration.as_secs(),
        real
    );
    println!(
        "  sessions ended: {} of {}; every session held a token after {} s",
        outcome.ended,
        setup.sessions,
        outcome
            .all_started_after
            .map_or("never".to_owned(), |s| s.to_string())
    );
    println!(
        "  checks (every {} s): {}; expired tokens handed out: {}; sessions without a token they had: {}; not yet started: {}",
        setup.check_every.as_secs(),
        outcome.checks,
        outcome.expired_handed_out,
        outcome.without_token,
        outcome.not_started
    );
    println!(
        "  calls: {}; answered 429: {} ({:.3} %)",
        outcome.calls,
        outcome.rejected,
        outcome.rejected_share() * 100.0
    );
    println!(
        "  requests per second: first {}, busiest after the first {}, mean {:.1}",
        outcome.per_second.first().copied().unwrap_or(0),
        outcome.busiest_after_first(),
        outcome.calls as f64 / setup.duration.as_secs_f64()
    );
    println!("  pool metrics at the end: {:?}", outcome.metrics);
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        // `cargo test --all-targets` runs bench binaries without `--bench`: minutes of
        // measurement do not belong in the test suite (a scaled-down run of the same scenario does).
        println!(
            "pool_rate_limit is a benchmark: cargo bench -p telnyx-rooms-keeper --bench pool_rate_limit"
        );
        return;
    }
    let server_limit = RateLimit::per_second(env_or("SERVER_RATE", 200) as u32)
        .burst(env_or("SERVER_BURST", 200) as u32);
    let duration = Duration::from_secs(env_or("DURATION_SECS", 7200));
    let setup = Setup {
        sessions: env_or("SESSIONS", 100_000) as usize,
        token_ttl: Duration::from_secs(env_or("TOKEN_TTL_SECS", 600)),
        refresh_token_ttl: None,
        server_limit,
        budget: Some(Budget {
            per_second: env_or("POOL_RATE", 190) as f64,
            burst: env_or("POOL_BURST", 10) as u32,
        }),
        duration,
        check_every: Duration::from_secs(10),
        ..Setup::one_pool(0, server_limit, None)
    };
    println!(
        "{} sessions, {} s tokens, server default refresh tokens (1 h), mock limited to {server_limit}, {} virtual s",
        setup.sessions,
        setup.token_ttl.as_secs(),
        duration.as_secs()
    );
    let only = std::env::var("ONLY").unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    if only != "baseline" {
        let started = std::time::Instant::now();
        let outcome = runtime.block_on(run(&setup));
        let name = format!(
            "KeeperPool with a budget: max_calls_per_second({}), burst({})",
            env_or("POOL_RATE", 190),
            env_or("POOL_BURST", 10)
        );
        report(&name, &setup, &outcome, started.elapsed());
    }
    if only != "budget" {
        let baseline = Setup {
            budget: None,
            duration: Duration::from_secs(env_or("BASELINE_SECS", duration.as_secs())),
            ..setup
        };
        let started = std::time::Instant::now();
        let outcome = runtime.block_on(run(&baseline));
        report(
            "KeeperPool without a budget: no rate limit, per-session Retry-After only",
            &baseline,
            &outcome,
            started.elapsed(),
        );
    }
}
