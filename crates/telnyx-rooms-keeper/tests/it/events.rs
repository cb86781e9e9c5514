//! The pool's metrics as tracing events, captured on this test's thread.
//!
//! `tracing` caches each callsite's interest process-wide, computed by whichever thread reaches it
//! first: a sibling test whose thread has no subscriber can cache "never" while this capture is
//! the only dispatcher (tracing-core takes a shortcut for one). So the capture installs a bare
//! global registry first (two dispatchers: the general path), runs the scenario once to register
//! every callsite it asserts on, rebuilds the interest cache, and asserts on a second run only.

use std::sync::Once;

use telnyx_rooms_keeper::{PoolMetrics, Ttls};
use telnyx_rooms_testkit::capture::Captured;
use tokio::time::sleep;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::fake::{Fake, Kind, rate_limited};
use crate::{room, secs};

/// 20 sessions at 5 calls/s; the first mint is answered 429 with a 3 s delay. The metrics while
/// paused, and after.
async fn throttled_pool() -> (PoolMetrics, PoolMetrics) {
    let fake = Fake::new();
    let pool = fake.rated_pool(5.0, 5).seed(3).build();
    assert_eq!(pool.metrics().calls, 0);
    let mut updates = pool.watch_metrics();
    fake.fail_next(Kind::Mint, rate_limited(secs(3)));
    let sessions: Vec<_> = (0..20)
        .map(|_| pool.add_with(room(), Ttls::new().token_ttl(secs(600))))
        .collect();
    updates.changed().await.expect("a snapshot");
    let during = pool.metrics();
    sleep(secs(30)).await;
    assert!(sessions.iter().all(|s| s.current().is_some()));
    (during, pool.metrics())
}

#[tokio::test(start_paused = true)]
async fn metrics_are_readable_and_emitted_as_tracing_events() {
    static BASELINE: Once = Once::new();
    BASELINE.call_once(|| {
        // Another test binary's global would do as well; this one has none.
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry());
    });
    let captured = Captured::default();
    let subscriber = captured.subscriber(tracing::Level::DEBUG, FmtSpan::NONE);
    let _guard = tracing::subscriber::set_default(subscriber);
    throttled_pool().await;
    tracing::callsite::rebuild_interest_cache();
    let warm_up = captured.text().len();

    let (during, after) = throttled_pool().await;
    assert_eq!(during.sessions, 20);
    assert_eq!(during.throttled, 1);
    assert!(during.paused_until.is_some(), "{during:?}");
    assert!(
        during
            .allowed_rate
            .is_some_and(|rate| (3.5..5.0).contains(&rate)),
        "cut to 70 % of the 5/s sent, climbing back: {during:?}"
    );
    assert!(during.waiting > 0, "{during:?}");
    assert_eq!(after.calls, 21, "20 mints and one retry: {after:?}");
    assert_eq!((after.waiting, after.in_flight, after.at_risk), (0, 0, 0));
    assert_eq!(after.paused_until, None);

    let text = captured.text().split_off(warm_up);
    assert!(
        text.contains("server asked the pool to wait; pausing every call"),
        "{text}"
    );
    assert!(text.contains("pool metrics"), "{text}");
    assert!(text.contains("throttled=1"), "{text}");
    assert!(text.contains("achieved_rate="), "{text}");
    assert!(!text.contains("tok-"), "no token in the events");
}
