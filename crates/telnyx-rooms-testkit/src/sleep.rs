//! Sleepers for tests: retries never wait for real.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use telnyx_rooms_core::time::{SleepFuture, Sleeper};

/// Records each wait the client asks for and returns at once; clones share the record.
#[derive(Debug, Clone, Default)]
pub struct RecordingSleeper(Arc<Mutex<Vec<Duration>>>);

impl RecordingSleeper {
    /// Every wait asked for so far, in order.
    pub fn waits(&self) -> Vec<Duration> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(duration);
        Box::pin(async {})
    }
}

/// Returns at once: for tests that do not look at the waits between attempts.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoWait;

impl Sleeper for NoWait {
    fn sleep(&self, _: Duration) -> SleepFuture {
        Box::pin(async {})
    }
}
