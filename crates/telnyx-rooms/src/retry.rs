//! When to retry and how long to wait: [`RetryPolicy`], the pure retry decision, and [`Sleeper`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

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
///
/// ```
/// use std::time::Duration;
/// use telnyx_rooms::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_retries(5)
///     .initial_backoff(Duration::from_millis(200))
///     .max_backoff(Duration::from_secs(4));
/// let once = RetryPolicy::none();
/// # let _ = (patient, once);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
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
        self.initial_backoff = backoff;
        self
    }

    /// The longest computed wait between two attempts.
    #[must_use]
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The configured number of retries.
    pub fn retries(&self) -> u32 {
        self.max_retries
    }

    /// The computed wait before retry number `retry` (1-based) for a `jitter` in `[0, 1)`:
    /// `min(initial · 2^(retry-1), max) · (1 − jitter/4)`.
    fn backoff(&self, retry: u32, jitter: f64) -> Duration {
        let doubling = 2u32.saturating_pow(retry.saturating_sub(1));
        let base = self
            .initial_backoff
            .saturating_mul(doubling)
            .min(self.max_backoff);
        let factor = 1.0 - jitter.clamp(0.0, 1.0) / 4.0;
        // Not `Duration::mul_f64`: it panics when the product does not fit, and an f64 rounds
        // the longest durations up past `Duration::MAX`. Such a wait is kept unjittered.
        Duration::try_from_secs_f64(base.as_secs_f64() * factor).map_or(base, |wait| wait.min(base))
    }
}

/// Whether an HTTP status is worth retrying on its own: 408, 409, 429 and every 5xx.
fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || (500..=599).contains(&status)
}

/// An `x-should-retry` header value: `true` or `false` (any case, surrounding spaces ignored);
/// anything else says nothing.
pub(crate) fn parse_should_retry(value: &str) -> Option<bool> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Whether an error response is worth another attempt: the server's `x-should-retry` verdict
/// when it gave one, else the status rule. The retry loop and
/// [`Error::is_retryable`](crate::Error::is_retryable) both decide with this.
pub(crate) fn response_is_retryable(status: u16, should_retry: Option<bool>) -> bool {
    should_retry.unwrap_or_else(|| is_retryable_status(status))
}

/// What one attempt ended with, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome<'a> {
    /// A response with this status and these retry headers (raw values).
    Response { status: u16, hints: ServerHints<'a> },
    /// Connection failures, resets and per-attempt timeouts: the request may not have arrived.
    Transient,
    /// Anything retrying cannot fix (invalid request, undecodable success body).
    Permanent,
}

/// The retry-related response headers, as received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ServerHints<'a> {
    /// `retry-after-ms`: milliseconds, possibly fractional.
    pub(crate) retry_after_ms: Option<&'a str>,
    /// `Retry-After`: seconds or an HTTP date.
    pub(crate) retry_after: Option<&'a str>,
    /// `x-should-retry`: `true` or `false`.
    pub(crate) should_retry: Option<&'a str>,
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
/// `retries_done` is how many retries were already made; `now` resolves an HTTP-date
/// `Retry-After`; `jitter` in `[0, 1)` shortens the computed backoff (not a server's delay).
pub(crate) fn decide(
    policy: &RetryPolicy,
    retries_done: u32,
    outcome: Outcome<'_>,
    now: SystemTime,
    jitter: f64,
) -> Decision {
    if retries_done >= policy.max_retries {
        return Decision::Stop;
    }
    let retry = retries_done + 1;
    match outcome {
        Outcome::Permanent => Decision::Stop,
        Outcome::Transient => Decision::RetryAfter(policy.backoff(retry, jitter)),
        Outcome::Response { status, hints } => {
            let should_retry = hints.should_retry.and_then(parse_should_retry);
            if !response_is_retryable(status, should_retry) {
                return Decision::Stop;
            }
            let delay = server_delay(hints, now).unwrap_or_else(|| policy.backoff(retry, jitter));
            Decision::RetryAfter(delay)
        }
    }
}

/// The wait a server asked for, kept within [`MIN_SERVER_DELAY`]..=[`MAX_SERVER_DELAY`]:
/// `retry-after-ms` first, then `Retry-After` as seconds or as an HTTP date relative to `now`.
/// `None` when absent or unparsable.
/// Also what [`Error::retry_after`](crate::Error::retry_after) reports.
pub(crate) fn server_delay(hints: ServerHints<'_>, now: SystemTime) -> Option<Duration> {
    let from_ms = hints
        .retry_after_ms
        .and_then(|value| value.trim().parse::<f64>().ok())
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok());
    let delay = from_ms.or_else(|| {
        let value = hints.retry_after?.trim();
        match value.parse::<f64>() {
            Ok(secs) => Duration::try_from_secs_f64(secs).ok(),
            Err(_) => {
                let at = httpdate::parse_http_date(value).ok()?;
                // A date in the past means "now".
                Some(at.duration_since(now).unwrap_or(Duration::ZERO))
            }
        }
    })?;
    Some(delay.clamp(MIN_SERVER_DELAY, MAX_SERVER_DELAY))
}

/// The future a [`Sleeper`] returns.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Waits between retries.
///
/// The default sleeps on the tokio timer. Replace it (with
/// [`ClientBuilder::sleeper`](crate::ClientBuilder::sleeper)) to run on another timer, or in tests
/// to record the waits and return at once instead of sleeping.
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
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: u64 = 1_700_000_000;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(NOW)
    }

    fn response(status: u16) -> Outcome<'static> {
        Outcome::Response {
            status,
            hints: ServerHints::default(),
        }
    }

    fn ms(value: u64) -> Decision {
        Decision::RetryAfter(Duration::from_millis(value))
    }

    #[test]
    fn status_table() {
        let policy = RetryPolicy::default();
        let retryable = [408, 409, 429, 500, 502, 503, 504, 599];
        let final_ = [200, 201, 301, 400, 401, 403, 404, 405, 410, 422, 499, 600];
        for status in retryable {
            assert_eq!(
                decide(&policy, 0, response(status), now(), 0.0),
                ms(500),
                "{status}"
            );
        }
        for status in final_ {
            assert_eq!(
                decide(&policy, 0, response(status), now(), 0.0),
                Decision::Stop,
                "{status}"
            );
        }
    }

    #[test]
    fn outcome_table() {
        let policy = RetryPolicy::default();
        assert_eq!(decide(&policy, 0, Outcome::Transient, now(), 0.0), ms(500));
        assert_eq!(
            decide(&policy, 0, Outcome::Permanent, now(), 0.0),
            Decision::Stop
        );
    }

    #[test]
    fn backoff_doubles_caps_and_stops_after_max_retries() {
        let policy = RetryPolicy::default().max_retries(6);
        let waits: Vec<Decision> = (0..7)
            .map(|done| decide(&policy, done, Outcome::Transient, now(), 0.0))
            .collect();
        assert_eq!(
            waits,
            vec![
                ms(500),
                ms(1000),
                ms(2000),
                ms(4000),
                ms(8000),
                ms(8000),
                Decision::Stop
            ]
        );
        let default = RetryPolicy::default();
        assert_eq!(
            decide(&default, 2, Outcome::Transient, now(), 0.0),
            Decision::Stop
        );
        assert_eq!(
            decide(&RetryPolicy::none(), 0, response(503), now(), 0.0),
            Decision::Stop
        );
    }

    #[test]
    fn jitter_shortens_backoff_by_at_most_a_quarter() {
        let policy = RetryPolicy::default();
        assert_eq!(decide(&policy, 1, Outcome::Transient, now(), 0.5), ms(875));
        assert_eq!(
            decide(&policy, 1, Outcome::Transient, now(), 0.999_999),
            Decision::RetryAfter(Duration::from_secs(1).mul_f64(1.0 - 0.999_999 / 4.0))
        );
        // Out-of-range jitter cannot make the wait negative or longer.
        assert_eq!(decide(&policy, 0, Outcome::Transient, now(), 7.0), ms(375));
        assert_eq!(decide(&policy, 0, Outcome::Transient, now(), -1.0), ms(500));
    }

    #[test]
    fn huge_retry_counts_saturate_instead_of_overflowing() {
        let policy = RetryPolicy::default().max_retries(u32::MAX);
        assert_eq!(
            decide(&policy, 200, Outcome::Transient, now(), 0.0),
            ms(8000)
        );
    }

    /// Found by `any_policy_and_response_gives_a_bounded_wait_or_stop`: `Duration::mul_f64`
    /// panicked on the first retry of a policy whose backoffs are `Duration::MAX`.
    #[test]
    fn longest_backoffs_do_not_overflow_when_jittered() {
        let policy = RetryPolicy::default()
            .max_retries(4)
            .initial_backoff(Duration::MAX)
            .max_backoff(Duration::MAX);
        assert_eq!(
            decide(&policy, 0, Outcome::Transient, now(), 0.0),
            Decision::RetryAfter(Duration::MAX)
        );
        assert_eq!(
            decide(&policy, 0, Outcome::Transient, now(), f64::NAN),
            Decision::RetryAfter(Duration::MAX)
        );
        let Decision::RetryAfter(jittered) = decide(&policy, 3, Outcome::Transient, now(), 0.5)
        else {
            unreachable!("a retry is left");
        };
        assert_eq!(jittered, Duration::MAX.mul_f64(0.875));
    }

    #[test]
    fn server_delay_table() {
        let date = |secs_after_now: u64| {
            httpdate::fmt_http_date(now() + Duration::from_secs(secs_after_now))
        };
        let in_30_s = date(30);
        let in_2_h = date(7200);
        let past = httpdate::fmt_http_date(now() - Duration::from_secs(10));
        // (retry-after-ms, Retry-After, expected wait)
        let table: [(Option<&str>, Option<&str>, Decision); 13] = [
            (Some("250"), None, ms(250)),
            // Issue 11, case 8: no wait shorter than the floor, however the server asks.
            (Some("1.5"), None, ms(100)),
            (Some("0"), None, ms(100)),
            (None, Some("0"), ms(100)),
            (Some("250"), Some("9"), ms(250)),
            (None, Some("3"), ms(3000)),
            (None, Some(" 0.5 "), ms(500)),
            (None, Some("3600"), ms(60_000)),
            (Some("999999999"), None, ms(60_000)),
            (None, Some(in_30_s.as_str()), ms(30_000)),
            (None, Some(in_2_h.as_str()), ms(60_000)),
            (None, Some(past.as_str()), ms(100)),
            // Unparsable or negative values fall back to the computed backoff.
            (Some("-5"), Some("soon"), ms(500)),
        ];
        let policy = RetryPolicy::default();
        for (retry_after_ms, retry_after, expected) in table {
            let outcome = Outcome::Response {
                status: 429,
                hints: ServerHints {
                    retry_after_ms,
                    retry_after,
                    should_retry: None,
                },
            };
            assert_eq!(
                decide(&policy, 0, outcome, now(), 0.0),
                expected,
                "{retry_after_ms:?} {retry_after:?}"
            );
        }
    }

    #[test]
    fn should_retry_header_overrides_the_status_rule() {
        let policy = RetryPolicy::default();
        let with = |status, should_retry| Outcome::Response {
            status,
            hints: ServerHints {
                should_retry: Some(should_retry),
                ..ServerHints::default()
            },
        };
        assert_eq!(decide(&policy, 0, with(400, "true"), now(), 0.0), ms(500));
        assert_eq!(decide(&policy, 0, with(400, " TRUE "), now(), 0.0), ms(500));
        assert_eq!(
            decide(&policy, 0, with(503, "false"), now(), 0.0),
            Decision::Stop
        );
        assert_eq!(decide(&policy, 0, with(503, "maybe"), now(), 0.0), ms(500));
        // The header does not lift the retry limit.
        assert_eq!(
            decide(&policy, 2, with(400, "true"), now(), 0.0),
            Decision::Stop
        );
    }

    #[test]
    fn any_input_gives_a_bounded_wait_or_stop() {
        let policy = RetryPolicy::default().max_retries(5);
        let headers = [
            None,
            Some(""),
            Some("-1"),
            Some("NaN"),
            Some("inf"),
            Some("1e308"),
            Some("0"),
            Some("12.5"),
            Some("Wed, 21 Oct 2099 07:28:00 GMT"),
            Some("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some("\u{0}garbage"),
        ];
        let bound = MAX_SERVER_DELAY.max(policy.max_backoff);
        for status in [0u16, 200, 408, 429, 500, 599, 999] {
            for retry_after_ms in headers {
                for retry_after in headers {
                    for should_retry in [None, Some("true"), Some("false"), Some("yes")] {
                        for done in 0..7 {
                            let outcome = Outcome::Response {
                                status,
                                hints: ServerHints {
                                    retry_after_ms,
                                    retry_after,
                                    should_retry,
                                },
                            };
                            let jitter = fastrand::f64();
                            match decide(&policy, done, outcome, now(), jitter) {
                                Decision::RetryAfter(wait) => {
                                    assert!(wait <= bound, "{wait:?}");
                                    assert!(done < 5);
                                }
                                Decision::Stop => {}
                            }
                        }
                    }
                }
            }
        }
    }

    /// Any duration a caller can configure, the extremes included.
    fn any_duration() -> impl Strategy<Value = Duration> {
        prop_oneof![
            (0u64..120_000).prop_map(Duration::from_millis),
            (any::<u64>(), 0u32..1_000_000_000)
                .prop_map(|(secs, nanos)| Duration::new(secs, nanos)),
            Just(Duration::ZERO),
            Just(Duration::MAX),
        ]
    }

    /// A retry header's text: anything, numbers in every notation, HTTP dates, the known words.
    fn any_hint() -> impl Strategy<Value = Option<String>> {
        prop::option::of(prop_oneof![
            "\\PC{0,30}",
            any::<f64>().prop_map(|n| n.to_string()),
            any::<i128>().prop_map(|n| n.to_string()),
            (0u64..=253_402_300_799).prop_map(|secs| {
                httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
            }),
            prop::sample::select(vec![
                "true", "false", " TRUE ", "-0", "1e400", "NaN", "0x10"
            ])
            .prop_map(str::to_owned),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Generalises `any_input_gives_a_bounded_wait_or_stop` to any policy a caller can build,
        /// any status, header text, retry count and clock: the decision never panics, never waits
        /// longer than the larger of the server cap and the policy's longest backoff, stops once
        /// the retries are spent, and obeys `x-should-retry: false`.
        #[test]
        fn any_policy_and_response_gives_a_bounded_wait_or_stop(
            max_retries in prop_oneof![0u32..8, any::<u32>()],
            initial in any_duration(),
            longest in any_duration(),
            done in prop_oneof![0u32..8, any::<u32>()],
            status in any::<u16>(),
            kind in 0..3u8,
            (retry_after_ms, retry_after, should_retry) in (any_hint(), any_hint(), any_hint()),
            now_secs in 0u64..=253_402_300_799,
            jitter in prop_oneof![Just(0.0), 0.0f64..1.0],
        ) {
            let policy = RetryPolicy::default()
                .max_retries(max_retries)
                .initial_backoff(initial)
                .max_backoff(longest);
            let hints = ServerHints {
                retry_after_ms: retry_after_ms.as_deref(),
                retry_after: retry_after.as_deref(),
                should_retry: should_retry.as_deref(),
            };
            let outcome = match kind {
                0 => Outcome::Transient,
                1 => Outcome::Permanent,
                _ => Outcome::Response { status, hints },
            };
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(now_secs);
            let refused = should_retry.as_deref().is_some_and(|v| v.trim().eq_ignore_ascii_case("false"));
            match decide(&policy, done, outcome, now, jitter) {
                Decision::RetryAfter(wait) => {
                    prop_assert!(done < max_retries);
                    prop_assert!(kind != 1 && !(kind == 2 && refused));
                    prop_assert!(wait <= MAX_SERVER_DELAY.max(longest), "{:?}", wait);
                }
                Decision::Stop => prop_assert!(done >= max_retries || kind != 0),
            }
            prop_assert!(server_delay(hints, now)
                .is_none_or(|delay| (MIN_SERVER_DELAY..=MAX_SERVER_DELAY).contains(&delay)));
        }
    }
}
