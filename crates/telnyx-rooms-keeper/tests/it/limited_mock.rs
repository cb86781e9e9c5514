//! End to end against the mock with a rate limit, under paused tokio time: the pool's budget keeps
//! a large pool under the server's limit without losing a session, adapts when it is told too
//! high a rate, and outlives an outage.

use std::time::Duration;

use telnyx_rooms_keeper::{EndReason, KeeperPool, RefreshPolicy, Status, Ttls};
use telnyx_rooms_mock::{Fault, RateLimit};
use tokio::time::{Instant, sleep, sleep_until};

use crate::scenario::{Budget, Setup, limited_mock, run};
use crate::{room, secs};

/// The scenario scaled down: 100,000 sessions of 10 min tokens and 1 h refresh tokens for
/// 2 h at 200 requests/s (pool budget 190/s) become 240 sessions of 60 s tokens and 6 min refresh
/// tokens for 12 min at 5 requests/s (pool budget 4.5/s) — time tenfold shorter, and the pool's
/// budget as nearly used: 240 / (4.5 × 59) = 0.90 of it to refresh every session once per
/// token lifetime, against 100,000 / (190 × 599) = 0.88. `benches/pool_rate_limit.rs` runs the
/// full scale.
#[tokio::test(start_paused = true)]
async fn a_fully_used_budget_keeps_every_session_fresh_under_the_servers_limit() {
    let setup = Setup {
        sessions: 240,
        token_ttl: secs(60),
        refresh_token_ttl: Some(secs(360)),
        server_limit: RateLimit::per_second(5).burst(5),
        // Any closed second holds at most 1 + 4.5 calls: never more than the server's 5.
        budget: Some(Budget {
            per_second: 4.5,
            burst: 1,
        }),
        duration: secs(12 * 60),
        check_every: secs(1),
        ..Setup::one_pool(0, RateLimit::per_second(5), None)
    };
    let outcome = run(&setup).await;
    assert_eq!(outcome.ended, 0, "no session lost: {}", outcome.summary());
    assert_eq!(outcome.expired_handed_out, 0, "{}", outcome.summary());
    assert_eq!(
        outcome.without_token,
        0,
        "no token ran out: {}",
        outcome.summary()
    );
    assert!(
        outcome.per_second.iter().all(|n| *n <= 5),
        "never above the server's limit: {:?}",
        outcome.per_second
    );
    assert!(
        outcome.rejected_share() < 0.01,
        "{} of {} calls answered 429",
        outcome.rejected,
        outcome.calls
    );
    // At least one call per session per token lifetime: the budget was worked, not idle.
    assert!(outcome.calls >= 240 * 12, "{} calls", outcome.calls);
    // 240 first mints at 4.5/s take 53 s, and the queue is ordered by deadline: a refresh whose
    // 60 s token expires first goes before a first mint due within the 2 min start timeout, so
    // starts take longer, yet every one comes before its deadline — and the pool knew it would.
    assert!(
        outcome.all_started_after.is_some_and(|s| s <= 120),
        "{}",
        outcome.summary()
    );
    assert_eq!(outcome.pools[0].most_late, 0, "{}", outcome.summary());
}

#[tokio::test(start_paused = true)]
async fn a_pool_told_too_high_a_rate_adapts_to_the_servers_429s() {
    // The pool believes 100/s; the server allows 10/s. 300 sessions of 10 min tokens.
    let setup = Setup {
        sessions: 300,
        token_ttl: secs(600),
        refresh_token_ttl: None,
        server_limit: RateLimit::per_second(10).burst(10),
        budget: Some(Budget {
            per_second: 100.0,
            burst: 10,
        }),
        duration: secs(20 * 60),
        check_every: secs(10),
        ..Setup::one_pool(0, RateLimit::per_second(10), None)
    };
    let outcome = run(&setup).await;
    assert_eq!(outcome.ended, 0, "{}", outcome.summary());
    assert_eq!(
        outcome.expired_handed_out + outcome.without_token,
        0,
        "{}",
        outcome.summary()
    );
    assert!(outcome.rejected > 0, "the server did throttle");
    // Each 429 paused the pool and cut its rate; without that, each of the 300 first mints would
    // have met 429s for as long as it took to serve them all (the pool before: see BENCHMARKS.md).
    assert!(
        outcome.rejected_share() < 0.1,
        "{} of {} calls answered 429",
        outcome.rejected,
        outcome.calls
    );
    assert_eq!(outcome.metrics.throttled, outcome.rejected);
    assert!(
        outcome
            .metrics
            .allowed_rate
            .is_some_and(|rate| rate <= 100.0)
    );
}

#[tokio::test(start_paused = true)]
async fn a_30_second_outage_ends_no_session_whose_refresh_token_outlives_it() {
    let (server, client, _clock) = limited_mock(RateLimit::per_second(1000)).await;
    let pool = KeeperPool::builder(client)
        .policy(RefreshPolicy::new().jitter(0.0))
        .build();
    // 10 s tokens (refreshed every 6 s) with 2 min refresh tokens: every client token expires
    // during the outage, no refresh token does.
    let ttls = Ttls::new().token_ttl(secs(10)).refresh_token_ttl(secs(120));
    let sessions: Vec<_> = (0..50).map(|_| pool.add_with(room(), ttls)).collect();
    for session in &sessions {
        session.token().await.expect("first token");
    }
    let start = Instant::now();
    sleep(secs(5)).await;
    server.inject(Fault::status(503));
    sleep(secs(30)).await;
    assert!(
        sessions.iter().all(|s| s.current().is_none()),
        "every client token expired during the outage, and none is handed out"
    );
    assert!(sessions.iter().all(|s| !s.status().is_ended()));
    assert_eq!(pool.metrics().at_risk, 50);
    server.clear_faults();
    // Back within the longest backoff (5 s): every session holds a valid token again. A 10 s
    // token valid at 43 s was issued after 33 s, and every call failed until 35 s, so each one
    // was minted or refreshed after the outage. (How much of it is left is not asserted: under
    // paused time, tokio jumps the clock while a call waits on the loopback socket.)
    sleep_until(start + secs(43)).await;
    for session in &sessions {
        let token = session.current().expect("a fresh token after the outage");
        assert!(token.time_left(tokio::time::Instant::now()) > Duration::ZERO);
    }
    assert_eq!(pool.metrics().at_risk, 0);
}

#[tokio::test(start_paused = true)]
async fn an_outage_ends_a_session_only_once_its_refresh_token_is_gone() {
    let (server, keyed, _clock) = limited_mock(RateLimit::per_second(1000)).await;
    // A keyless pool keeps adopted pairs: it cannot mint, so a refresh token that runs out during
    // the outage is truly gone, and one that outlives it is not.
    let keyless = telnyx_rooms::Client::builder()
        .base_url(server.base_url())
        .build()
        .expect("client");
    let pool = KeeperPool::builder(keyless)
        .policy(RefreshPolicy::new().jitter(0.0))
        .build();
    let adopt = |refresh_ttl: u64| {
        let room = room();
        let keyed = keyed.clone();
        let pool = &pool;
        async move {
            let created = keyed
                .create_client_token(room)
                .token_ttl(secs(10))
                .refresh_token_ttl(secs(refresh_ttl))
                .await
                .expect("created");
            pool.adopt(room, created.into(), Ttls::new().token_ttl(secs(10)))
        }
    };
    let short = adopt(60).await;
    let long = adopt(300).await;
    let start = Instant::now();
    server.inject(Fault::status(503));
    sleep(secs(90)).await;
    let status = short.status();
    assert!(
        matches!(
            status.end_reason(),
            Some(EndReason::Expired {
                last_error: Some(_)
            })
        ),
        "{status:?}"
    );
    assert!(!long.status().is_ended(), "{:?}", long.status());
    assert!(long.current().is_none());
    server.clear_faults();
    sleep_until(start + secs(100)).await;
    assert!(matches!(long.status(), Status::Ending { .. }));
    assert!(long.current().is_some());
}

#[tokio::test(start_paused = true)]
async fn a_429_pauses_the_whole_pool_no_longer_than_the_facade_allows() {
    let (server, client, _clock) = limited_mock(RateLimit::per_second(1000)).await;
    let pool = KeeperPool::new(client);
    let ttls = Ttls::new().token_ttl(secs(600));
    let first = pool.add_with(room(), ttls);
    first.token().await.expect("first token");
    // The server asks for an hour; the facade caps what it reports at 60 s.
    server.inject(
        "status=429;retry-after=3600;times=1"
            .parse::<Fault>()
            .expect("fault"),
    );
    let second = pool.add_with(room(), ttls);
    let third = pool.add_with(room(), ttls);
    sleep(Duration::from_millis(100)).await;
    let paused = pool.metrics().paused_until;
    let before = server.request_count();
    sleep(secs(59)).await;
    assert_eq!(
        server.request_count(),
        before,
        "no call while paused: {paused:?}"
    );
    sleep(secs(2)).await;
    second.token().await.expect("second token");
    third.token().await.expect("third token");
    assert_eq!(pool.metrics().throttled, 1);
}
