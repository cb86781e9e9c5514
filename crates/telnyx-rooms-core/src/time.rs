//! Time, injected: [`TimeSource`] says what time it is, [`Sleeper`] waits.
//!
//! Every crate of the workspace reads the wall clock through a [`TimeSource`] it was given (the
//! facade's `ClientBuilder::time_source`, the keeper's `PoolBuilder::time_source`, the mock's
//! `MockServerBuilder::time_source`), so a test can move time by hand (`ManualTimeSource`, feature
//! `test-util`) and nothing reads `SystemTime::now` behind its back: [`SystemTimeSource`] is the
//! only place that does. Waiting is the [`Sleeper`]'s job, paired with the time source as in smithy-rs
//! (`TimeSource` beside `AsyncSleep`): monotonic waits stay on the tokio timer, which tests
//! control with paused time.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
#[cfg(any(test, feature = "test-util"))]
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

/// A source of the current wall-clock time.
///
/// ```
/// use std::time::SystemTime;
/// use telnyx_rooms_core::time::TimeSource;
///
/// /// A clock fixed at the Unix epoch.
/// #[derive(Debug)]
/// struct Epoch;
///
/// impl TimeSource for Epoch {
///     fn now(&self) -> SystemTime {
///         SystemTime::UNIX_EPOCH
///     }
/// }
/// assert_eq!(Epoch.now_utc().timestamp(), 0);
/// ```
pub trait TimeSource: fmt::Debug + Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// The current time as a UTC date-time, clamped to the range `chrono` represents.
    fn now_utc(&self) -> DateTime<Utc> {
        to_utc(self.now())
    }
}

/// `at` as a UTC date-time, clamped to the range `chrono` represents (its `From<SystemTime>`
/// panics outside it).
pub fn to_utc(at: SystemTime) -> DateTime<Utc> {
    let from_epoch = match at.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => chrono::TimeDelta::from_std(after).ok(),
        Err(before) => chrono::TimeDelta::from_std(before.duration())
            .ok()
            .map(|d| -d),
    };
    let clamped = if at >= SystemTime::UNIX_EPOCH {
        DateTime::<Utc>::MAX_UTC
    } else {
        DateTime::<Utc>::MIN_UTC
    };
    from_epoch
        .and_then(|delta| DateTime::UNIX_EPOCH.checked_add_signed(delta))
        .unwrap_or(clamped)
}

/// A shared [`TimeSource`], as the builders keep it.
pub type SharedTimeSource = Arc<dyn TimeSource>;

/// One time source shared by several owners (a client and a keeper pool, say).
impl<T: TimeSource + ?Sized> TimeSource for Arc<T> {
    fn now(&self) -> SystemTime {
        (**self).now()
    }
}

/// The operating system's clock: the one place in the workspace that reads it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemTimeSource;

impl TimeSource for SystemTimeSource {
    // The one read of the system clock the workspace's `disallowed-methods` rule allows.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A time source that stands still until told to move; clones share the same time (feature
/// `test-util`).
///
/// ```
/// use std::time::Duration;
/// use telnyx_rooms_core::time::{ManualTimeSource, TimeSource};
///
/// let time = ManualTimeSource::at_unix(1_700_000_000);
/// let shared = time.clone();
/// time.advance(Duration::from_secs(600));
/// assert_eq!(shared.now_utc().timestamp(), 1_700_000_600);
/// ```
#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
#[derive(Debug, Clone)]
pub struct ManualTimeSource {
    now: Arc<Mutex<SystemTime>>,
}

#[cfg(any(test, feature = "test-util"))]
impl ManualTimeSource {
    /// A time source showing `start`.
    pub fn new(start: impl Into<SystemTime>) -> Self {
        Self {
            now: Arc::new(Mutex::new(start.into())),
        }
    }

    /// A time source showing `secs` seconds after the Unix epoch (the epoch itself if out of
    /// range).
    pub fn at_unix(secs: i64) -> Self {
        Self::new(DateTime::from_timestamp(secs, 0).unwrap_or_default())
    }

    /// Moves the time forward by `by`; a step past the latest time this platform represents
    /// leaves the time where it was.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.checked_add(by).unwrap_or(*now);
    }

    /// Sets the time to `to`.
    pub fn set(&self, to: impl Into<SystemTime>) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = to.into();
    }
}

#[cfg(any(test, feature = "test-util"))]
impl TimeSource for ManualTimeSource {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `duration × factor` for a `factor` in `[0, 1]`, never longer than `duration`.
///
/// Not `Duration::mul_f64`: it panics when the product does not fit, and an `f64` rounds the
/// longest durations up past `Duration::MAX`. Such a product, or a factor that is not a number,
/// leaves `duration` whole.
///
/// ```
/// use std::time::Duration;
/// use telnyx_rooms_core::time::scale;
///
/// assert_eq!(scale(Duration::from_secs(8), 0.25), Duration::from_secs(2));
/// assert_eq!(scale(Duration::MAX, 1.0), Duration::MAX);
/// ```
pub fn scale(duration: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(duration.as_secs_f64() * factor)
        .map_or(duration, |scaled| scaled.min(duration))
}

/// The future a [`Sleeper`] returns.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Waits between retries.
///
/// The default sleeps on the tokio timer. Replace it (the facade's `ClientBuilder::sleeper`) to
/// run on another timer, or in tests to record the waits and return at once instead of sleeping.
pub trait Sleeper: fmt::Debug + Send + Sync + 'static {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// The default [`Sleeper`]: `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_time_moves_only_when_told_and_saturates() {
        let time = ManualTimeSource::at_unix(10);
        assert_eq!(time.now_utc().timestamp(), 10);
        time.advance(Duration::from_secs(5));
        assert_eq!(time.now_utc().timestamp(), 15);
        time.advance(Duration::MAX);
        assert_eq!(
            time.now_utc().timestamp(),
            15,
            "an overflowing step is refused"
        );
        time.set(DateTime::<Utc>::UNIX_EPOCH);
        assert_eq!(time.now(), SystemTime::UNIX_EPOCH);
    }

    #[test]
    fn times_beyond_chrono_are_clamped_not_panicked_on() {
        let far = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::MAX / 4);
        assert_eq!(
            ManualTimeSource::new(far).now_utc(),
            DateTime::<Utc>::MAX_UTC
        );
        let before = SystemTime::UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(to_utc(before).timestamp(), -1);
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // compares with the clock it reads
    fn the_system_source_reads_the_clock() {
        let before = SystemTime::now();
        let read = SystemTimeSource.now();
        assert!(read >= before);
    }
}
