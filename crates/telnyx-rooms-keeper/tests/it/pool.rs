//! `KeeperPool`: one scheduler for many sessions, bounded calls in flight, add and remove at any time.

use std::collections::BTreeSet;
use std::time::Duration;

use telnyx_rooms_keeper::{EndReason, KeeperPool, RefreshPolicy, Status, Ttls};
use tokio::time::{sleep, timeout};

use crate::fake::{Fake, Kind, forbidden};
use crate::{ms, room, secs};

#[tokio::test(start_paused = true)]
async fn jitter_spreads_sessions_started_together() {
    let fake = Fake::new();
    let pool = KeeperPool::builder(fake.clone())
        .seed(42)
        .max_in_flight(1000)
        .build();
    let ttls = Ttls::new().token_ttl(secs(600));
    let sessions: Vec<_> = (0..500).map(|_| pool.add_with(room(), ttls)).collect();
    for session in &sessions {
        session.token().await.expect("first token");
    }
    sleep(secs(460)).await;
    let refreshes = fake.calls_of(Kind::Refresh);
    assert_eq!(refreshes.len(), 500, "each session refreshed once");
    let window = (
        Duration::from_secs_f64(599.0 - 149.75 * 1.5),
        Duration::from_secs_f64(599.0 - 149.75),
    );
    assert!(
        refreshes
            .iter()
            .all(|c| c.at >= window.0 && c.at <= window.1 + ms(10))
    );
    // Spread over the 75 s window rather than one instant: at most 5% in any one second.
    let seconds: Vec<u64> = refreshes.iter().map(|c| c.at.as_secs()).collect();
    let distinct: BTreeSet<u64> = seconds.iter().copied().collect();
    assert!(
        distinct.len() >= 60,
        "only {} distinct seconds",
        distinct.len()
    );
    let busiest = distinct
        .iter()
        .map(|s| seconds.iter().filter(|x| *x == s).count())
        .max()
        .expect("some");
    assert!(busiest <= 25, "{busiest} refreshes in one second");
}

#[tokio::test(start_paused = true)]
async fn calls_in_flight_never_exceed_the_bound() {
    let fake = Fake::builder().latency(ms(500)).build();
    let pool = KeeperPool::builder(fake.clone())
        .max_in_flight(4)
        .policy(RefreshPolicy::new().jitter(0.0))
        .build();
    let ttls = Ttls::new().token_ttl(secs(60));
    let sessions: Vec<_> = (0..40).map(|_| pool.add_with(room(), ttls)).collect();
    for session in &sessions {
        session.token().await.expect("first token");
    }
    // 40 mints, 4 at a time, 0.5 s each: the last session got its token after 5 s.
    let mints = fake.calls_of(Kind::Mint);
    assert_eq!(mints.len(), 40);
    assert_eq!(fake.max_in_flight(), 4);
    sleep(secs(120)).await;
    assert_eq!(
        fake.max_in_flight(),
        4,
        "refresh waves stay within the bound too"
    );
    assert!(sessions.iter().all(|s| s.current().is_some()));
}

#[tokio::test(start_paused = true)]
async fn sessions_come_and_go_while_others_stay_fresh() {
    let fake = Fake::new();
    let pool = KeeperPool::new(fake.clone());
    let ttls = Ttls::new().token_ttl(secs(10));
    let keep = pool.add_with(room(), ttls);
    let leave_room = room();
    let leave = pool.add_with(leave_room, ttls);
    keep.token().await.expect("token");
    let leaving = leave.subscribe();
    leave.token().await.expect("token");
    assert_eq!(pool.len(), 2);

    sleep(secs(1)).await;
    leave.stop();
    let left_at = fake.elapsed();
    sleep(ms(1)).await;
    assert!(matches!(
        leaving.borrow().end_reason(),
        Some(EndReason::Stopped)
    ));
    assert_eq!(pool.len(), 1);

    sleep(secs(30)).await;
    let late = pool.add_with(room(), ttls);
    late.token()
        .await
        .expect("a session added later gets a token");
    sleep(secs(30)).await;
    assert!(keep.current().is_some() && late.current().is_some());
    assert_eq!(pool.len(), 2);
    // The removed session was never refreshed after it left; the kept one was.
    let calls = fake.calls();
    assert!(!calls.iter().any(|c| c.room == leave_room && c.at > left_at));
    assert!(calls.iter().filter(|c| c.kind == Kind::Refresh).count() >= 10);
}

#[tokio::test(start_paused = true)]
async fn one_failing_session_does_not_affect_the_others() {
    let fake = Fake::new();
    let pool = KeeperPool::builder(fake.clone())
        .policy(RefreshPolicy::new().jitter(0.0))
        .build();
    let ttls = Ttls::new().token_ttl(secs(10));
    let a = pool.add_with(room(), ttls);
    a.token().await.expect("token");
    fake.fail_next(Kind::Refresh, forbidden());
    // b starts later, so a's refresh (at 6 s) is the one that fails.
    sleep(secs(2)).await;
    let b = pool.add_with(room(), ttls);
    b.token().await.expect("token");
    let mut a_status = a.subscribe();
    let status = timeout(secs(60), a_status.wait_for(Status::is_ended))
        .await
        .expect("a ends within a minute")
        .expect("a ends")
        .clone();
    assert!(
        matches!(status.end_reason(), Some(EndReason::Failed(_))),
        "{status:?}"
    );
    sleep(secs(60)).await;
    assert!(b.current().is_some());
    assert_eq!(pool.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn stopping_or_dropping_a_pool_ends_every_session_and_task() {
    let fake = Fake::builder().latency(ms(200)).build();
    let pool = KeeperPool::builder(fake.clone()).max_in_flight(8).build();
    let sessions: Vec<_> = (0..100)
        .map(|_| pool.add_with(room(), Ttls::new().token_ttl(secs(10))))
        .collect();
    sleep(ms(300)).await; // some tokens, some calls still in flight
    assert!(fake.handles() > 1);
    pool.stop().await;
    assert_eq!(fake.handles(), 1, "no scheduler or call left behind");
    for session in &sessions {
        assert!(matches!(
            session.status().end_reason(),
            Some(EndReason::Stopped)
        ));
        assert!(session.current().is_none());
    }
    let calls = fake.calls().len();
    sleep(secs(3600)).await;
    assert_eq!(fake.calls().len(), calls, "nothing runs after stop");

    let fake = Fake::new();
    let pool = KeeperPool::new(fake.clone());
    let session = pool.add(room());
    session.token().await.expect("token");
    drop(pool);
    sleep(ms(1)).await;
    assert_eq!(fake.handles(), 1);
    assert!(matches!(
        session.status().end_reason(),
        Some(EndReason::Stopped)
    ));
}

#[tokio::test(start_paused = true)]
async fn random_failures_and_churn_keep_every_invariant() {
    // Two virtual hours of 10 s and 60 s tokens, 15% transient and 0.2% permanent failures, sessions
    // joining and leaving at random: checked every second.
    let fake = Fake::builder()
        .latency(ms(150))
        .random_failures(7, 150, 2)
        .build();
    let pool = KeeperPool::builder(fake.clone())
        .max_in_flight(8)
        .seed(11)
        .build();
    let ttls = Ttls::new().token_ttl(secs(10)).refresh_token_ttl(secs(60));
    let mut rng = fastrand::Rng::with_seed(5);
    let mut handles: Vec<_> = (0..100).map(|_| pool.add_with(room(), ttls)).collect();
    let mut removed = 0;
    let mut failed = 0;
    for _ in 0..7200 {
        sleep(secs(1)).await;
        let now = tokio::time::Instant::now();
        for session in &handles {
            match session.status() {
                // A session may hold an expired token while its refresh token lives (current()
                // hands none out); it ends only when its refresh token is gone.
                Status::Active(_) | Status::Ending { .. } => {}
                Status::Ended(EndReason::Failed(_)) => {}
                Status::Ended(EndReason::Expired { .. }) | Status::Starting => {}
                other => panic!("unexpected {other:?}"),
            }
            if let Some(token) = session.current() {
                assert!(
                    token.valid_until() > now,
                    "current() returned an expired token"
                );
            }
        }
        // Leave and join at random; drop sessions that ended.
        if rng.u32(0..100) < 5 && !handles.is_empty() {
            handles.swap_remove(rng.usize(0..handles.len()));
            removed += 1;
        }
        if rng.u32(0..100) < 5 {
            handles.push(pool.add_with(room(), ttls));
        }
        handles.retain(|s| match s.status().end_reason() {
            Some(EndReason::Failed(_)) => {
                failed += 1;
                false
            }
            Some(_) => false,
            None => true,
        });
        sleep(ms(1)).await;
        assert_eq!(
            pool.len(),
            handles.len(),
            "the pool keeps exactly the live handles"
        );
    }
    assert!(removed > 200, "{removed} removals");
    assert!(
        failed <= fake.random_permanent_failures(),
        "only permanent errors fail sessions"
    );
    assert!(fake.max_in_flight() <= 8);
    let refreshes = fake.calls_of(Kind::Refresh);
    assert!(refreshes.len() > 10_000, "{} refreshes", refreshes.len());
    assert!(
        refreshes
            .iter()
            .all(|c| c.refresh_token_left.expect("presented") > chrono::TimeDelta::zero()),
        "never presented an expired refresh token"
    );
    pool.stop().await;
    assert_eq!(fake.handles(), 1);
}
