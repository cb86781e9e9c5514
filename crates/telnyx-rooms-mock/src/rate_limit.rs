//! A server-wide rate limit, like Telnyx's: a token bucket of N requests per second with a burst
//! of B, answering `429 Too Many Requests` with `Retry-After` once it is spent.
//!
//! Written here rather than with `governor`, which was tried: its GCRA needs a clock adapter to
//! follow tokio's (paused) time, longer than this bucket, and brings thirteen crates into every
//! build of the mock (a second `hashbrown` among them; without its `std` feature it does not
//! compile), while its exact nanosecond arithmetic changes no answer the mock gives (`Retry-After`
//! is whole seconds).

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use axum::http::StatusCode;
use tokio::time::Instant;

use crate::api_error::{ApiError, ErrorEntry, TOO_MANY_REQUESTS};

/// How many requests a server answers per second (sustained) and at once (burst).
///
/// Requests to every operation share one token bucket that holds `burst` requests and refills at
/// `per_second`; a request that finds it empty is answered `429` with Telnyx's error body and a
/// `Retry-After` of the whole seconds until the bucket holds a request again (at least 1). Time is
/// tokio's, so a test with paused time controls it.
///
/// Text form (the `--rate-limit` flag): `200` or `200/s`, optionally `,burst=50`.
///
/// ```
/// use telnyx_rooms_mock::RateLimit;
///
/// let limit: RateLimit = "200/s,burst=50".parse().expect("a valid limit");
/// assert_eq!(limit, RateLimit::per_second(200).burst(50));
/// assert_eq!(limit.to_string(), "200/s,burst=50");
/// // Without a burst, one second's worth.
/// assert_eq!("200".parse::<RateLimit>().expect("valid").burst_size(), 200);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    per_second: u32,
    burst: u32,
}

impl RateLimit {
    /// `requests` per second (at least 1), with a burst of one second's worth.
    pub fn per_second(requests: u32) -> Self {
        let per_second = requests.max(1);
        Self {
            per_second,
            burst: per_second,
        }
    }

    /// Lets up to `requests` (at least 1) through at once after a quiet spell.
    #[must_use]
    pub fn burst(mut self, requests: u32) -> Self {
        self.burst = requests.max(1);
        self
    }

    /// The sustained rate, requests per second.
    pub fn rate(&self) -> u32 {
        self.per_second
    }

    /// The burst, in requests.
    pub fn burst_size(&self) -> u32 {
        self.burst
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s,burst={}", self.per_second, self.burst)
    }
}

/// Why a rate limit's text form was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid rate limit `{text}`: {reason} (expected e.g. `200/s` or `200/s,burst=50`)")]
pub struct RateLimitParseError {
    text: String,
    reason: &'static str,
}

impl FromStr for RateLimit {
    type Err = RateLimitParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| RateLimitParseError {
            text: text.chars().take(64).collect(),
            reason,
        };
        let count = |part: &str| match part.trim().parse::<u32>() {
            Ok(0) => Err(fail("must be at least 1")),
            Ok(n) => Ok(n),
            Err(_) => Err(fail("not a whole number of requests")),
        };
        let (rate, burst) = match text.split_once(',') {
            Some((rate, burst)) => {
                let Some(burst) = burst.trim().strip_prefix("burst=") else {
                    return Err(fail("only `burst=N` may follow the rate"));
                };
                (rate, Some(burst))
            }
            None => (text, None),
        };
        let rate = rate.trim();
        let limit = Self::per_second(count(rate.strip_suffix("/s").unwrap_or(rate))?);
        match burst {
            Some(burst) => Ok(limit.burst(count(burst)?)),
            None => Ok(limit),
        }
    }
}

/// The bucket of one server, and what it refused.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    bucket: Mutex<Bucket>,
    refused: AtomicU64,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            bucket: Mutex::new(Bucket {
                tokens: f64::from(limit.burst),
                at: Instant::now(),
            }),
            refused: AtomicU64::new(0),
        }
    }

    /// Takes one request from the bucket, or says how many whole seconds until one is there.
    fn take(&self) -> Result<(), u64> {
        let rate = f64::from(self.limit.per_second);
        let now = Instant::now();
        let mut bucket = self.bucket.lock().unwrap_or_else(PoisonError::into_inner);
        let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * rate;
        bucket.tokens = (bucket.tokens + refill).min(f64::from(self.limit.burst));
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - bucket.tokens) / rate;
        // At least one second, as Telnyx's whole-second `Retry-After` never says 0.
        Err((wait.ceil() as u64).max(1))
    }

    /// The 429 to answer instead of the operation, if the bucket is empty.
    pub(crate) fn refuse(&self) -> Option<ApiError> {
        let retry_after = self.take().err()?;
        self.refused.fetch_add(1, Ordering::Relaxed);
        let entry = ErrorEntry::new(
            TOO_MANY_REQUESTS,
            format!(
                "Rate limit of {} requests per second exceeded; retry after {retry_after} s.",
                self.limit.per_second
            ),
        );
        let mut error = ApiError::one(StatusCode::TOO_MANY_REQUESTS, entry);
        error.retry_after_secs = Some(retry_after);
        Some(error)
    }

    /// How many requests were answered 429 by the limit.
    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn text_forms_parse_and_print() {
        assert_eq!("5".parse::<RateLimit>().unwrap(), RateLimit::per_second(5));
        assert_eq!(
            " 5/s , burst=2 ".parse::<RateLimit>().unwrap(),
            RateLimit::per_second(5).burst(2)
        );
        for bad in ["", "0", "x/s", "5/s,burst=0", "5/s,size=3", "-1", "5/m"] {
            let error = bad.parse::<RateLimit>().expect_err(bad);
            assert!(error.to_string().contains("invalid rate limit"), "{error}");
        }
        let limit = RateLimit::per_second(0).burst(0);
        assert_eq!((limit.rate(), limit.burst_size()), (1, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_burst_then_the_rate_pass_and_the_rest_get_a_retry_after() {
        let limiter = RateLimiter::new(RateLimit::per_second(10).burst(3));
        let passed: Vec<_> = (0..5).map(|_| limiter.take()).collect();
        // The bucket is empty after 3; one request refills in 100 ms, announced as 1 s.
        assert_eq!(passed, [Ok(()), Ok(()), Ok(()), Err(1), Err(1)]);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(limiter.take(), Ok(()));
        assert_eq!(limiter.take(), Err(1));
        // A second holds 10 more, but the bucket keeps at most the burst.
        tokio::time::sleep(Duration::from_secs(5)).await;
        let passed = (0..10).filter(|_| limiter.take().is_ok()).count();
        assert_eq!(passed, 3);
        let error = limiter.refuse().expect("empty bucket");
        assert_eq!(error.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(error.retry_after_secs, Some(1));
        assert_eq!(limiter.refused(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_rounds_up_to_whole_seconds() {
        let limiter = RateLimiter::new(RateLimit::per_second(1));
        assert_eq!(limiter.take(), Ok(()));
        tokio::time::sleep(Duration::from_millis(100)).await;
        // 0.9 s to go: rounded up to whole seconds.
        assert_eq!(limiter.take(), Err(1));
        tokio::time::sleep(Duration::from_millis(900)).await;
        assert_eq!(limiter.take(), Ok(()));
    }
}
