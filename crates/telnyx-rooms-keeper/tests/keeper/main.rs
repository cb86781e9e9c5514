//! Keeper and pool behaviour under paused tokio time, against a scripted fake source (and the mock).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
// Tests stand where an application does: they may read the wall clock to seed a time source.
#![allow(clippy::disallowed_methods)]

mod budget;
mod fake;
mod limited_mock;
mod mock_e2e;
mod pool;
mod pool_faults;
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

/// Asserts `actual` lies in `[expected, expected + 10 ms]`: timers fire on millisecond ticks.
#[track_caller]
pub fn assert_at(actual: Duration, expected: Duration) {
    assert!(
        actual >= expected && actual <= expected + ms(10),
        "expected about {expected:?}, got {actual:?}"
    );
}
