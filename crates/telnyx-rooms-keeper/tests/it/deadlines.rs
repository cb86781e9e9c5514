//! The pool's queue ordered by the deadline that a late call misses, throttling that never ends a
//! session, and honest start deadlines: told early, then waited out or shed.

use std::time::Duration;

use telnyx_rooms_keeper::{
    EndReason, KeeperPool, RefreshPolicy, Session, Status, TokenKeeper, Ttls,
};
use tokio::time::{Instant, sleep, sleep_until};

use crate::fake::{Fake, FakeError, Kind, rate_limited, transient};
use crate::{ms, room, secs};

#[tokio::test(start_paused = true)]
async fn a_refused_first_mint_keeps_its_place_in_the_queue() {
    let fake = Fake::new();
    let pool = fake.rated_pool(2.0, 1).seed(5).build();
    fake.fail_next(Kind::Mint, rate_limited(secs(1)));
    let sessions: Vec<_> = (0..20)
        .map(|_| pool.add_with(room(), Ttls::new().token_ttl(secs(600))))
        .collect();
    sleep(secs(30)).await;
    assert!(sessions.iter().all(|s| s.current().is_some()));
    let mints: Vec<_> = fake.calls_of(Kind::Mint).iter().map(|c| c.room).collect();
    assert_eq!(mints.len(), 21, "20 mints and one retry");
    // The refused first mint goes again first, ahead of the 19 added after it — not behind them,
    // with its start timeout running.
    assert_eq!(mints[0], mints[1], "{mints:?}");
    let rooms: Vec<_> = mints[1..].to_vec();
    let mut distinct = rooms.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), 20, "each session once after the retry");
}

/// A trigger session is told to wait 65 s at 19.5 s; two renewals fall due during the pause. When
/// it ends, the order is by the deadline each call must meet. Without an API key a refresh token
/// that runs out ends the session, so one running out at 99 s (whose client token would last until
/// 299 s) goes before a client token expiring at 109 s.
#[tokio::test(start_paused = true)]
async fn without_a_key_a_refresh_token_about_to_run_out_outranks_a_client_token() {
    let fake = Fake::builder().without_api_key().build();
    let pool = fake
        .rated_pool(1.0, 10)
        .policy(RefreshPolicy::new().jitter(0.0).fixed_margin(secs(30)))
        .build();
    let adopt = |token: u64, refresh: u64| {
        let room = room();
        let ttls = Ttls::new().token_ttl(secs(token));
        let pair = fake.mint_directly(room, ttls.refresh_token_ttl(secs(refresh)));
        (room, pool.adopt(room, pair, ttls))
    };
    let (pair_ending, _a) = adopt(300, 100);
    let (token_ending, _b) = adopt(110, 3600);
    fake.fail_next(Kind::Refresh, rate_limited(secs(65)));
    let (trigger, _t) = adopt(40, 3600);
    sleep(secs(120)).await;
    let after_pause: Vec<_> = fake
        .calls()
        .into_iter()
        .filter(|c| c.at >= ms(84_500))
        .take(3)
        .map(|c| c.room)
        .collect();
    assert_eq!(after_pause, [trigger, pair_ending, token_ending]);
}

/// With an API key, a refresh token running out while the session waits its turn ends nothing:
/// the session keeps its client token and mints a new pair when the queue reaches it, even past
/// the refresh token's expiry plus the start timeout.
#[tokio::test(start_paused = true)]
async fn with_a_key_a_refresh_token_running_out_in_the_queue_loses_nothing() {
    let fake = Fake::new();
    let pool = fake
        .rated_pool(1.0, 10)
        .policy(
            RefreshPolicy::new()
                .jitter(0.0)
                .fixed_margin(secs(30))
                .start_timeout(secs(5)),
        )
        .build();
    let session = pool.add_with(
        room(),
        Ttls::new()
            .token_ttl(secs(300))
            .refresh_token_ttl(secs(100)),
    );
    // Its new pair is due at 69 s; the pool is paused from 19.5 s to past 110 s (99 s + 5 s).
    // Throttled, the pool then keeps the new pair until its client token is near its end (269 s).
    fake.fail_next(Kind::Refresh, rate_limited(secs(95)));
    let _trigger = pool.add_with(room(), Ttls::new().token_ttl(secs(40)));
    for _ in 0..29 {
        sleep(secs(10)).await;
        assert!(!session.status().is_ended(), "{:?}", session.status());
        assert!(
            session.current().is_some(),
            "a valid token at {:?}",
            fake.elapsed()
        );
    }
    let mints = fake.calls_of(Kind::Mint);
    assert_eq!(mints.len(), 3, "two first mints and a new pair: {mints:?}");
    assert!(mints[2].at >= secs(269), "{mints:?}");
}

#[tokio::test(start_paused = true)]
async fn throttling_never_ends_a_session_that_can_mint_but_other_failures_do() {
    let fake = Fake::new();
    // Told to wait 3 s five times: 15 s of 429s, three times the 5 s start timeout.
    for _ in 0..5 {
        fake.fail_next(Kind::Mint, rate_limited(secs(3)));
    }
    let policy = RefreshPolicy::new().start_timeout(secs(5));
    let keeper = TokenKeeper::builder(fake.clone(), room())
        .policy(policy.clone())
        .start();
    let token = keeper
        .token()
        .await
        .expect("a token once the server lets it");
    assert_eq!(token.expose(), "tok-0");
    assert_eq!(fake.calls_of(Kind::Mint).len(), 6);
    assert!(fake.elapsed() >= secs(15), "{:?}", fake.elapsed());

    // Failures that are not throttling still end it, the start timeout after the first call.
    let failing = Fake::new();
    for _ in 0..100 {
        failing.fail_next(Kind::Mint, transient());
    }
    let keeper = TokenKeeper::builder(failing.clone(), room())
        .policy(policy)
        .start();
    let reason = keeper.token().await.expect_err("ends");
    assert!(
        matches!(reason, EndReason::Expired { last_error: Some(ref e) } if e.status == 503),
        "{reason:?}"
    );
    assert_eq!(failing.elapsed(), secs(5));
}

/// 60 sessions at 2 calls/s with a 10 s start timeout: about 20 can start in time. The rest are
/// told within the pool's first second, each with its place and the instant to expect.
async fn late_starts(shed: bool) -> (Fake, KeeperPool<Fake>, Vec<Session<FakeError>>) {
    let fake = Fake::new();
    let pool = fake
        .rated_pool(2.0, 1)
        .policy(
            RefreshPolicy::new()
                .start_timeout(secs(10))
                .shed_late_starts(shed),
        )
        .build();
    let start = Instant::now();
    let sessions: Vec<_> = (0..60)
        .map(|_| pool.add_with(room(), Ttls::new().token_ttl(secs(3600))))
        .collect();
    sleep_until(start + ms(1500)).await;
    let metrics = pool.metrics();
    let mut late = 0;
    for (rank, session) in sessions.iter().enumerate() {
        let told = match session.status() {
            Status::Late(told) if !shed => told,
            Status::Ended(EndReason::Shed(told)) if shed => told,
            Status::Starting | Status::Active(_) => continue,
            other => panic!("session {rank}: {other:?}"),
        };
        late += 1;
        assert_eq!(told.deadline(), start + secs(10));
        // Two calls a second: the session at `rank` is expected about rank / 2 s in.
        let expected = start + Duration::from_secs_f64(rank as f64 / 2.0);
        let off = expected.max(told.expected_at()) - expected.min(told.expected_at());
        assert!(off <= secs(2), "session {rank}: {told:?}");
        assert!(told.late_by() > Duration::ZERO && told.ahead() < rank);
    }
    assert!((38..=40).contains(&late), "{late} told late");
    if !shed {
        assert_eq!(metrics.late_starts, late, "{metrics:?}");
    }
    let wait = metrics.start_wait;
    assert!(wait >= secs(15) && wait <= secs(30), "{metrics:?}");
    sleep(secs(40)).await;
    (fake, pool, sessions)
}

#[tokio::test(start_paused = true)]
async fn a_start_that_cannot_meet_its_timeout_is_told_early_and_waits_on_in_its_place() {
    let (fake, _pool, sessions) = late_starts(false).await;
    assert!(sessions.iter().all(|s| s.current().is_some()));
    let order: Vec<_> = fake.calls_of(Kind::Mint).iter().map(|c| c.room).collect();
    assert_eq!(order.len(), 60);
}

#[tokio::test(start_paused = true)]
async fn a_start_that_cannot_meet_its_timeout_is_shed_before_any_call_when_asked() {
    let (fake, _pool, sessions) = late_starts(true).await;
    let shed = sessions
        .iter()
        .filter(|s| matches!(s.status(), Status::Ended(EndReason::Shed(_))))
        .count();
    let mints = fake.calls_of(Kind::Mint).len();
    assert_eq!(shed + mints, 60, "a shed session made no call");
    let reason = sessions[59].status();
    let text = reason.end_reason().expect("shed").to_string();
    assert!(
        text.starts_with("token session shed: its first token was expected"),
        "{text}"
    );
}

/// Once the server has throttled a pool, a refresh waits until its deadline is near (half the
/// margin: 75 s before a 10-minute token expires) instead of going at the margin (150 s before),
/// leaving the account to calls that must be made; an unthrottled pool refreshes at the margin.
#[tokio::test(start_paused = true)]
async fn a_throttled_pool_makes_renewals_only_when_they_are_near() {
    for throttled in [false, true] {
        let fake = Fake::new();
        let pool = fake
            .rated_pool(10.0, 10)
            .policy(RefreshPolicy::new().jitter(0.0))
            .build();
        let ttls = Ttls::new().token_ttl(secs(600));
        let sessions: Vec<_> = (0..3).map(|_| pool.add_with(room(), ttls)).collect();
        sleep(secs(300)).await;
        if throttled {
            // A fourth session's first mint is told to wait: the account is shared.
            fake.fail_next(Kind::Mint, rate_limited(secs(1)));
        }
        let _fourth = pool.add_with(room(), ttls);
        sleep(secs(300)).await;
        let refreshes = fake.calls_of(Kind::Refresh);
        // 600 s tokens count 599 s: the margin (a quarter) puts the refreshes at 449.25 s, half of
        // it at 524.125 s.
        let expected = if throttled { ms(524_125) } else { ms(449_250) };
        let at: Vec<_> = refreshes.iter().take(3).map(|c| c.at).collect();
        assert!(
            at.iter()
                .all(|at| *at >= expected && *at <= expected + ms(10)),
            "throttled: {throttled}, refreshed at {at:?}"
        );
        assert!(sessions.iter().all(|s| s.current().is_some()));
    }
}
