//! The pool's metrics as tracing events, in a test process of its own.
//!
//! Kept apart from `tests/keeper`: there, dozens of pools in other tests hit the same event
//! callsites on other threads at the same moment with no subscriber, and a thread-scoped
//! subscriber then misses the `DEBUG` snapshots (seen every time in a full parallel run).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, dead_code)]
#![allow(clippy::disallowed_methods)] // tests may read the wall clock, as an application would

#[path = "keeper/fake.rs"]
mod fake;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use telnyx_rooms_keeper::{KeeperPool, Ttls};
use tokio::time::sleep;

use crate::fake::{Fake, Kind, rate_limited};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn room() -> uuid::Uuid {
    uuid::Uuid::new_v4()
}

/// Tracing events as text, captured for one test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn metrics_are_readable_and_emitted_as_tracing_events() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let fake = Fake::new();
    let pool = KeeperPool::builder(fake.clone())
        .max_calls_per_second(5.0)
        .burst(5)
        .build();
    assert_eq!(pool.metrics().calls, 0);
    let mut updates = pool.watch_metrics();
    fake.fail_next(Kind::Mint, rate_limited(secs(3)));
    let sessions: Vec<_> = (0..20)
        .map(|_| pool.add_with(room(), Ttls::new().token_ttl(secs(600))))
        .collect();
    updates.changed().await.expect("a snapshot");
    let during = pool.metrics();
    assert_eq!(during.sessions, 20);
    assert_eq!(during.throttled, 1);
    assert!(during.paused_until.is_some(), "{during:?}");
    assert!(
        during
            .allowed_rate
            .is_some_and(|rate| (rate - 3.5).abs() < 1e-9),
        "cut to 70 %: {during:?}"
    );
    assert!(during.waiting > 0, "{during:?}");
    sleep(secs(30)).await;
    let after = pool.metrics();
    assert_eq!(after.calls, 21, "20 mints and one retry: {after:?}");
    assert_eq!((after.waiting, after.in_flight, after.at_risk), (0, 0, 0));
    assert_eq!(after.paused_until, None);
    assert!(sessions.iter().all(|s| s.current().is_some()));

    let text = String::from_utf8(captured.0.lock().expect("buffer").clone()).expect("UTF-8");
    assert!(
        text.contains("server asked the pool to wait; pausing every call"),
        "{text}"
    );
    assert!(text.contains("pool metrics"), "{text}");
    assert!(text.contains("throttled=1"), "{text}");
    assert!(!text.contains("tok-"), "no token in the events");
}
