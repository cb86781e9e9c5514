use super::*;
use proptest::prelude::*;

const NOW: u64 = 1_700_000_000;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW)
}

fn response(status: u16) -> Outcome {
    with_headers(status, None, None, None, now())
}

/// The outcome of an error response with these retry headers, received at `at`.
fn with_headers(
    status: u16,
    retry_after_ms: Option<&str>,
    retry_after: Option<&str>,
    should_retry: Option<&str>,
    at: SystemTime,
) -> Outcome {
    let hints = RetryHints::parse(retry_after_ms, retry_after, should_retry);
    Outcome::Response {
        status,
        server_delay: hints.requested.map(|requested| requested.resolve(at)),
        should_retry: hints.should_retry,
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
            decide(&policy, 0, response(status), 0.0),
            ms(500),
            "{status}"
        );
    }
    for status in final_ {
        assert_eq!(
            decide(&policy, 0, response(status), 0.0),
            Decision::Stop,
            "{status}"
        );
    }
}

#[test]
fn outcome_table() {
    let policy = RetryPolicy::default();
    assert_eq!(decide(&policy, 0, Outcome::Transient, 0.0), ms(500));
    assert_eq!(decide(&policy, 0, Outcome::Permanent, 0.0), Decision::Stop);
}

#[test]
fn backoff_doubles_caps_and_stops_after_max_retries() {
    let policy = RetryPolicy::default().max_retries(6);
    let waits: Vec<Decision> = (0..7)
        .map(|done| decide(&policy, done, Outcome::Transient, 0.0))
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
    assert_eq!(decide(&default, 2, Outcome::Transient, 0.0), Decision::Stop);
    assert_eq!(
        decide(&RetryPolicy::none(), 0, response(503), 0.0),
        Decision::Stop
    );
}

#[test]
fn jitter_shortens_backoff_by_at_most_a_quarter() {
    let policy = RetryPolicy::default();
    assert_eq!(decide(&policy, 1, Outcome::Transient, 0.5), ms(875));
    assert_eq!(
        decide(&policy, 1, Outcome::Transient, 0.999_999),
        Decision::RetryAfter(Duration::from_secs(1).mul_f64(1.0 - 0.999_999 / 4.0))
    );
    // Out-of-range jitter cannot make the wait negative or longer.
    assert_eq!(decide(&policy, 0, Outcome::Transient, 7.0), ms(375));
    assert_eq!(decide(&policy, 0, Outcome::Transient, -1.0), ms(500));
}

#[test]
fn huge_retry_counts_saturate_instead_of_overflowing() {
    let policy = RetryPolicy::default().max_retries(u32::MAX);
    assert_eq!(decide(&policy, 200, Outcome::Transient, 0.0), ms(8000));
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
        decide(&policy, 0, Outcome::Transient, 0.0),
        Decision::RetryAfter(Duration::MAX)
    );
    assert_eq!(
        decide(&policy, 0, Outcome::Transient, f64::NAN),
        Decision::RetryAfter(Duration::MAX)
    );
    let Decision::RetryAfter(jittered) = decide(&policy, 3, Outcome::Transient, 0.5) else {
        unreachable!("a retry is left");
    };
    assert_eq!(jittered, Duration::MAX.mul_f64(0.875));
}

#[test]
fn server_delay_table() {
    let date =
        |secs_after_now: u64| httpdate::fmt_http_date(now() + Duration::from_secs(secs_after_now));
    let in_30_s = date(30);
    let in_2_h = date(7200);
    let past = httpdate::fmt_http_date(now() - Duration::from_secs(10));
    // (retry-after-ms, Retry-After, expected wait)
    let table: [(Option<&str>, Option<&str>, Decision); 13] = [
        (Some("250"), None, ms(250)),
        // No wait shorter than the floor, however the server asks.
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
        let outcome = with_headers(429, retry_after_ms, retry_after, None, now());
        assert_eq!(
            decide(&policy, 0, outcome, 0.0),
            expected,
            "{retry_after_ms:?} {retry_after:?}"
        );
    }
}

#[test]
fn should_retry_header_overrides_the_status_rule() {
    let policy = RetryPolicy::default();
    let with = |status, should_retry| with_headers(status, None, None, Some(should_retry), now());
    assert_eq!(decide(&policy, 0, with(400, "true"), 0.0), ms(500));
    assert_eq!(decide(&policy, 0, with(400, " TRUE "), 0.0), ms(500));
    assert_eq!(decide(&policy, 0, with(503, "false"), 0.0), Decision::Stop);
    assert_eq!(decide(&policy, 0, with(503, "maybe"), 0.0), ms(500));
    // The header does not lift the retry limit.
    assert_eq!(decide(&policy, 2, with(400, "true"), 0.0), Decision::Stop);
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
    let bound = MAX_SERVER_DELAY.max(policy.backoff.max);
    for status in [0u16, 200, 408, 429, 500, 599, 999] {
        for retry_after_ms in headers {
            for retry_after in headers {
                for should_retry in [None, Some("true"), Some("false"), Some("yes")] {
                    for done in 0..7 {
                        let outcome =
                            with_headers(status, retry_after_ms, retry_after, should_retry, now());
                        let jitter = fastrand::f64();
                        match decide(&policy, done, outcome, jitter) {
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
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(secs, nanos)| Duration::new(secs, nanos)),
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
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(now_secs);
        let outcome = match kind {
            0 => Outcome::Transient,
            1 => Outcome::Permanent,
            _ => with_headers(
                status,
                retry_after_ms.as_deref(),
                retry_after.as_deref(),
                should_retry.as_deref(),
                now,
            ),
        };
        let refused = should_retry.as_deref().is_some_and(|v| v.trim().eq_ignore_ascii_case("false"));
        match decide(&policy, done, outcome, jitter) {
            Decision::RetryAfter(wait) => {
                prop_assert!(done < max_retries);
                prop_assert!(kind != 1 && !(kind == 2 && refused));
                prop_assert!(wait <= MAX_SERVER_DELAY.max(longest), "{:?}", wait);
            }
            Decision::Stop => prop_assert!(done >= max_retries || kind != 0),
        }
        let requested = RetryHints::parse(
            retry_after_ms.as_deref(),
            retry_after.as_deref(),
            should_retry.as_deref(),
        )
        .requested;
        prop_assert!(requested
            .map(|requested| requested.resolve(now))
            .is_none_or(|delay| (MIN_SERVER_DELAY..=MAX_SERVER_DELAY).contains(&delay)));
    }
}
