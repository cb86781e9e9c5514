//! When to retry and how long to wait: [`RetryPolicy`], its [`Backoff`], and the pure retry
//! decision over the facts a response gave (retry hints, parsed once when it arrives).

use std::time::{Duration, SystemTime};

use telnyx_rooms_core::time::scale;

/// The longest wait a server can ask for through `retry-after-ms` or `Retry-After`. A longer
/// request is cut to this, so a misbehaving server or proxy cannot park a caller for hours.
pub const MAX_SERVER_DELAY: Duration = Duration::from_secs(60);

/// The shortest wait a server can ask for: `Retry-After: 0` (or a date in the past) waits this
/// long, so a misbehaving server or proxy cannot turn the client into a tight loop.
pub const MIN_SERVER_DELAY: Duration = Duration::from_millis(100);

/// How a failed call is retried.
///
/// The default matches Telnyx's official SDKs: 2 retries (3 attempts in all) on connection
/// failures, timeouts, 408, 409, 429 and 5xx, waiting 0.5 s, then 1 s, … doubling up to 8 s, each
/// wait shortened by up to 25 % of random jitter so that many clients do not retry in lockstep. A
/// server's `retry-after-ms` or `Retry-After` (seconds or HTTP date) replaces the computed wait,
/// kept between [`MIN_SERVER_DELAY`] and [`MAX_SERVER_DELAY`]; `x-should-retry: true|false`
/// overrides the status rule (the same rule [`Error::is_retryable`](crate::Error::is_retryable)
/// reports). Never retried: any other status (413 included) unless `x-should-retry: true`, a
/// request refused before any I/O, and a success body that cannot be decoded or is too large.
/// This is the one statement of these rules; the rest of the workspace links here.
///
/// ```
/// use std::time::Duration;
/// use telnyx_rooms::retry::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_retries(5)
///     .initial_backoff(Duration::from_millis(200))
///     .max_backoff(Duration::from_secs(4));
/// let once = RetryPolicy::none();
/// # let _ = (patient, once);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    max_retries: u32,
    backoff: Backoff,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            backoff: Backoff::new(Duration::from_millis(500), Duration::from_secs(8)).jitter(0.25),
        }
    }
}

impl RetryPolicy {
    /// No retries: every call makes exactly one attempt.
    pub fn none() -> Self {
        Self::default().max_retries(0)
    }

    /// Retries after the first attempt (so `max_retries + 1` attempts at most).
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The wait before the first retry; it doubles for each further retry.
    #[must_use]
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.backoff.initial = backoff;
        self
    }

    /// The longest computed wait between two attempts.
    #[must_use]
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.backoff.max = backoff;
        self
    }

    /// The configured number of retries.
    pub fn retries(&self) -> u32 {
        self.max_retries
    }

    /// The computed waits between attempts.
    pub fn backoff(&self) -> &Backoff {
        &self.backoff
    }
}

/// Exponential backoff with jitter: the wait before retry `n` (1-based) is
/// `min(initial · 2^(n−1), max)`, shortened by a random part of at most `jitter` of it.
///
/// The facade's [`RetryPolicy`] uses it with a jitter of a quarter; the keeper's refresh policy
/// with half, so that sessions retrying together spread out.
///
/// ```
/// use std::time::Duration;
/// use telnyx_rooms::retry::Backoff;
///
/// let backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(8)).jitter(0.25);
/// assert_eq!(backoff.delay(1, 0.0), Duration::from_millis(500));
/// assert_eq!(backoff.delay(3, 0.0), Duration::from_secs(2));
/// assert_eq!(backoff.delay(2, 1.0), Duration::from_millis(750));
/// assert_eq!(backoff.delay(40, 0.0), Duration::from_secs(8));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    jitter: f64,
}

impl Backoff {
    /// Waits of `initial`, doubling up to `max`, without jitter.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max,
            jitter: 0.0,
        }
    }

    /// Shortens each wait by up to this fraction of it, at random (clamped to `0.0..=1.0`; NaN
    /// leaves the jitter as it was).
    #[must_use]
    pub fn jitter(mut self, fraction: f64) -> Self {
        if !fraction.is_nan() {
            self.jitter = fraction.clamp(0.0, 1.0);
        }
        self
    }

    /// The wait before the first retry.
    pub fn initial(&self) -> Duration {
        self.initial
    }

    /// The longest wait.
    pub fn max(&self) -> Duration {
        self.max
    }

    /// The wait before retry number `retry` (1-based) for a `random` draw in `[0, 1)` (clamped;
    /// NaN counts as 0): `min(initial · 2^(retry−1), max) · (1 − jitter · random)`. Saturates
    /// instead of overflowing.
    pub fn delay(&self, retry: u32, random: f64) -> Duration {
        let doubling = 2u32.saturating_pow(retry.saturating_sub(1));
        let base = self.initial.saturating_mul(doubling).min(self.max);
        let random = if random.is_nan() {
            0.0
        } else {
            random.clamp(0.0, 1.0)
        };
        scale(base, 1.0 - self.jitter * random)
    }
}

/// Whether an HTTP status is worth retrying on its own: 408, 409, 429 and every 5xx.
fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || (500..=599).contains(&status)
}

/// Whether an error response is worth another attempt: the server's `x-should-retry` verdict
/// when it gave one, else the status rule. The retry loop and
/// [`Error::is_retryable`](crate::Error::is_retryable) both decide with this.
pub(crate) fn response_is_retryable(status: u16, should_retry: Option<bool>) -> bool {
    should_retry.unwrap_or_else(|| is_retryable_status(status))
}

/// What a response's retry headers said, parsed once when it arrived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RetryHints {
    /// The wait asked for by `retry-after-ms` or `Retry-After`, not yet resolved or bounded.
    pub(crate) requested: Option<RequestedDelay>,
    /// `x-should-retry`: `true` or `false` (any case, surrounding spaces ignored); anything else
    /// says nothing.
    pub(crate) should_retry: Option<bool>,
}

impl RetryHints {
    /// Parses `retry-after-ms` (milliseconds, possibly fractional), `Retry-After` (seconds or an
    /// HTTP date; read only when `retry-after-ms` is absent or unparsable) and `x-should-retry`.
    pub(crate) fn parse(
        retry_after_ms: Option<&str>,
        retry_after: Option<&str>,
        should_retry: Option<&str>,
    ) -> Self {
        let from_ms = retry_after_ms
            .and_then(|value| value.trim().parse::<f64>().ok())
            .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
            .map(RequestedDelay::After);
        let requested = from_ms.or_else(|| {
            let value = retry_after?.trim();
            match value.parse::<f64>() {
                Ok(secs) => Duration::try_from_secs_f64(secs)
                    .ok()
                    .map(RequestedDelay::After),
                Err(_) => httpdate::parse_http_date(value)
                    .ok()
                    .map(RequestedDelay::At),
            }
        });
        Self {
            requested,
            should_retry: should_retry.and_then(parse_should_retry),
        }
    }
}

fn parse_should_retry(value: &str) -> Option<bool> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A wait a server asked for: a delay, or an HTTP date to wait until.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestedDelay {
    /// Wait this long.
    After(Duration),
    /// Wait until this time.
    At(SystemTime),
}

impl RequestedDelay {
    /// The wait from `now`, kept within [`MIN_SERVER_DELAY`]..=[`MAX_SERVER_DELAY`] (a date in
    /// the past means "now", so the shortest wait). Also what
    /// [`Error::retry_after`](crate::Error::retry_after) reports.
    pub(crate) fn resolve(self, now: SystemTime) -> Duration {
        let delay = match self {
            Self::After(delay) => delay,
            Self::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        };
        delay.clamp(MIN_SERVER_DELAY, MAX_SERVER_DELAY)
    }
}

/// What one attempt ended with, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// An error response: its status and what its headers said, resolved.
    Response {
        status: u16,
        /// The server's wait, bounded (see [`RequestedDelay::resolve`]).
        server_delay: Option<Duration>,
        /// The server's `x-should-retry` verdict.
        should_retry: Option<bool>,
    },
    /// Connection failures, resets and per-attempt timeouts: the request may not have arrived.
    Transient,
    /// Anything retrying cannot fix (invalid request, undecodable success body).
    Permanent,
}

/// The retry decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then make another attempt.
    RetryAfter(Duration),
    /// Return the attempt's result to the caller.
    Stop,
}

/// Decides whether to retry after an attempt, with no I/O and no clock of its own.
///
/// `retries_done` is how many retries were already made; `jitter` in `[0, 1)` shortens the
/// computed backoff (not a server's delay).
pub(crate) fn decide(
    policy: &RetryPolicy,
    retries_done: u32,
    outcome: Outcome,
    jitter: f64,
) -> Decision {
    if retries_done >= policy.max_retries {
        return Decision::Stop;
    }
    let retry = retries_done + 1;
    match outcome {
        Outcome::Permanent => Decision::Stop,
        Outcome::Transient => Decision::RetryAfter(policy.backoff.delay(retry, jitter)),
        Outcome::Response {
            status,
            server_delay,
            should_retry,
        } => {
            if !response_is_retryable(status, should_retry) {
                return Decision::Stop;
            }
            Decision::RetryAfter(
                server_delay.unwrap_or_else(|| policy.backoff.delay(retry, jitter)),
            )
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests;
