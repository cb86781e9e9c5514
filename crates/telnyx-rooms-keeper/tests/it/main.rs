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

use std::sync::Arc;
use std::time::Duration;

use telnyx_rooms_keeper::{EndReason, Status, TokenKeeper, TokenSource};

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub fn room() -> uuid::Uuid {
    uuid::Uuid::new_v4()
}

/// The status `keeper` ends with, once it ends.
pub async fn ended<S: TokenSource>(keeper: &TokenKeeper<S>) -> Status<S::Error> {
    keeper
        .subscribe()
        .wait_for(Status::is_ended)
        .await
        .expect("ends")
        .clone()
}

/// The error a session ended with by failing; panics on any other status.
#[track_caller]
pub fn failure<E: std::fmt::Debug>(status: &Status<E>) -> &Arc<E> {
    let Some(EndReason::Failed(error)) = status.end_reason() else {
        panic!("expected Failed, got {status:?}");
    };
    error
}

/// Asserts `calls` are exactly two, the second at least the server's `delay` after the first.
#[track_caller]
pub fn assert_two_calls_a_delay_apart(calls: &[fake::Call], delay: Duration) {
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_waited_out(calls[1].at - calls[0].at, delay);
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
