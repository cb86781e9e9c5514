//! Keeper and pool behaviour under paused tokio time, against a scripted fake source (and the mock).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
// Tests stand where an application does: they may read the wall clock to seed a time source.
#![allow(clippy::disallowed_methods)]

mod budget;
mod deadlines;
mod events;
mod fake;
mod limited_mock;
mod mock_e2e;
mod pool;
mod pool_faults;
mod replicas;
mod scenario;
mod single;

use std::time::Duration;

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub fn room() -> uuid::Uuid {
    uuid::Uuid::new_v4()
}

/// Asserts `actual` waited out a server's `delay`: at least that, plus the pool's jitter of at most
/// half of it (and at most a second), plus 10 ms of timer ticks.
#[track_caller]
pub fn assert_waited_out(actual: Duration, delay: Duration) {
    let jitter = (delay / 2).min(secs(1));
    assert!(
        actual >= delay && actual <= delay + jitter + ms(10),
        "expected {delay:?} plus at most {jitter:?}, got {actual:?}"
    );
}

/// Asserts `actual` lies in `[expected, expected + 10 ms]`: timers fire on millisecond ticks.
#[track_caller]
pub fn assert_at(actual: Duration, expected: Duration) {
    assert!(
        actual >= expected && actual <= expected + ms(10),
        "expected about {expected:?}, got {actual:?}"
    );
}
