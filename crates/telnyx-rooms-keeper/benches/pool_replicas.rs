//! K `KeeperPool`s — replicas of a token backend, each with its own budget — sharing one account
//! that allows 200 requests/s (the mock's rate limit, 429 with `Retry-After` beyond it), through
//! the facade client, for two virtual hours: 40,000 and 100,000 sessions with 10-minute tokens,
//! added all at once (a cold start) or evenly over 10 minutes (gradual). Budgets are naive (each
//! pool set to what the account allows, 190/s) or coordinated (190/K each); one more row gives a
//! single pool a budget above the account's real limit (190/s against 150/s). Time is tokio's,
//! paused: hours pass in minutes.
//!
//! Run: `cargo bench -p telnyx-rooms-keeper --bench pool_replicas`. Environment overrides (lists
//! are comma-separated): `SESSIONS` (40000,100000), `POOLS` (1,2,4,8), `BUDGETS`
//! (naive,coordinated), `STARTS` (cold,gradual), `OVER_LIMIT` (150; the account rate of the extra
//! row, `0` for none), `SERVER_RATE` (200), `SERVER_BURST` (200), `POOL_RATE` (190), `POOL_BURST`
//! (10), `TOKEN_TTL_SECS` (600), `ARRIVAL_SECS` (600), `DURATION_SECS` (7200), `SEED` (14).
#![allow(clippy::expect_used, clippy::panic)] // a benchmark binary: failing loudly is right

#[path = "../tests/it/scenario.rs"]
mod scenario;

use std::time::Duration;

use scenario::{Budget, Outcome, Setup, env_or, run};
use telnyx_rooms_mock::RateLimit;

fn list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

/// One row of the table.
#[derive(Debug, Clone)]
struct Row {
    sessions: usize,
    pools: usize,
    coordinated: bool,
    gradual: bool,
    account_rate: u32,
}

impl Row {
    fn setup(&self) -> Setup {
        let pool_rate = env_or("POOL_RATE", 190) as f64;
        let per_second = if self.coordinated {
            pool_rate / self.pools as f64
        } else {
            pool_rate
        };
        let server_limit =
            RateLimit::per_second(self.account_rate).burst(env_or("SERVER_BURST", 200) as u32);
        Setup {
            sessions: self.sessions,
            pools: self.pools,
            token_ttl: Duration::from_secs(env_or("TOKEN_TTL_SECS", 600)),
            budget: Some(Budget {
                per_second,
                burst: env_or("POOL_BURST", 10) as u32,
            }),
            arrival: Duration::from_secs(if self.gradual {
                env_or("ARRIVAL_SECS", 600)
            } else {
                0
            }),
            duration: Duration::from_secs(env_or("DURATION_SECS", 7200)),
            seed: env_or("SEED", 14),
            ..Setup::one_pool(self.sessions, server_limit, None)
        }
    }
}

fn rows() -> Vec<Row> {
    let account_rate = env_or("SERVER_RATE", 200) as u32;
    let mut rows = Vec::new();
    for sessions in list("SESSIONS", "40000,100000") {
        let sessions: usize = sessions.parse().expect("SESSIONS: numbers");
        for start in list("STARTS", "cold,gradual") {
            for budget in list("BUDGETS", "naive,coordinated") {
                for pools in list("POOLS", "1,2,4,8") {
                    let pools: usize = pools.parse().expect("POOLS: numbers");
                    let coordinated = budget == "coordinated";
                    if coordinated && pools == 1 {
                        continue; // the same as naive
                    }
                    rows.push(Row {
                        sessions,
                        pools,
                        coordinated,
                        gradual: start == "gradual",
                        account_rate,
                    });
                }
            }
            let over = env_or("OVER_LIMIT", 150) as u32;
            // An account below one pool's budget, where the sessions' refreshes still fit in it.
            if over > 0 && (sessions as u64) < u64::from(over) * env_or("TOKEN_TTL_SECS", 600) {
                rows.push(Row {
                    sessions,
                    pools: 1,
                    coordinated: false,
                    gradual: start == "gradual",
                    account_rate: over,
                });
            }
        }
    }
    rows
}

fn print_row(row: &Row, setup: &Setup, outcome: &Outcome, real: Duration) {
    let budget = setup.budget.map_or(0.0, |b| b.per_second);
    let late: usize = outcome.pools.iter().map(|p| p.most_late).sum();
    println!(
        "| {} | {} | {} | {:.1}/s{} | {} | {} | {} | {} | {:.3} % | {} | {} | {} | {:.2} | {:.0?} |",
        row.sessions,
        if row.gradual { "gradual" } else { "cold" },
        row.pools,
        budget,
        if row.coordinated {
            " (coordinated)"
        } else {
            ""
        },
        row.account_rate,
        outcome.ended,
        outcome.expired_handed_out,
        outcome.without_token,
        outcome.rejected_share() * 100.0,
        outcome.calls,
        outcome
            .all_started_after
            .map_or("never".to_owned(), |s| format!("{s} s")),
        late,
        outcome.resumed_together(Duration::from_millis(10)),
        real,
    );
}

fn print_details(outcome: &Outcome) {
    if !outcome.end_reasons.is_empty() {
        println!("    ended: {:?}", outcome.end_reasons);
    }
    for second in [10, 30, 60, 120, 180, 300, 600, 3300] {
        let rates: Vec<String> = outcome
            .pools
            .iter()
            .filter_map(|p| p.rate_at(second))
            .map(|(allowed, achieved)| {
                format!(
                    "{}/{achieved:.0}",
                    allowed.map_or("-".to_owned(), |a| format!("{a:.0}"))
                )
            })
            .collect();
        if rates.is_empty() {
            continue;
        }
        let served: u64 = outcome
            .per_second
            .get(second as usize - 1)
            .copied()
            .unwrap_or(0);
        println!(
            "    t={second} s: requests {served}/s; allowed/achieved per pool {}; fairness {}",
            rates.join(" "),
            // Achieved rates are measured only while calls wait for the budget.
            outcome
                .fairness_at(second)
                .map_or("– (no backlog)".to_owned(), |f| format!("{f:.3}"))
        );
    }
    if !outcome.gaps.is_empty() {
        let shown: Vec<String> = outcome
            .gaps
            .iter()
            .take(12)
            .map(|(second, count)| format!("{count} at {second} s"))
            .collect();
        println!(
            "    live sessions without a token: {} (checks {} of {})",
            shown.join(", "),
            outcome.gaps.len(),
            outcome.checks
        );
    }
    let pauses: Vec<usize> = outcome.pools.iter().map(|p| p.pause_ends.len()).collect();
    println!(
        "    pauses per pool {pauses:?}; busiest second after the first {}",
        outcome.busiest_after_first()
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        // `cargo test --all-targets` runs bench binaries without `--bench`: hours of measurement
        // do not belong in the test suite (scaled-down runs of the same scenario do).
        println!(
            "pool_replicas is a benchmark: cargo bench -p telnyx-rooms-keeper --bench pool_replicas"
        );
        return;
    }
    println!(
        "| sessions | start | pools | budget per pool | account /s | lost | expired handed out | live without a token | answered 429 | requests | all started after | late starts told | others resuming within 10 ms | real time |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for row in rows() {
        let setup = row.setup();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("runtime");
        let started = std::time::Instant::now();
        let outcome = runtime.block_on(run(&setup));
        print_row(&row, &setup, &outcome, started.elapsed());
        print_details(&outcome);
    }
}
