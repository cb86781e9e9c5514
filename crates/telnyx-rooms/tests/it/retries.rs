//! Retries, timeouts and broken connections against loopback servers, with exact attempt counts.
//! Waits between attempts go through a recording sleeper, so no test sleeps for a backoff.

use std::time::Duration;

use crate::support::*;
use telnyx_rooms::retry::{MAX_SERVER_DELAY, MIN_SERVER_DELAY, RetryPolicy};
use telnyx_rooms::{ClientBuilder, ErrorKind};
use wiremock::{MockServer, ResponseTemplate};

/// One create call, which must fail, through a client changed by `tune`, against a server
/// answering every create with `template`: the error, the requests seen and the waits asked for.
async fn create_error(
    template: ResponseTemplate,
    tune: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> (telnyx_rooms::Error, usize, Vec<Duration>) {
    let server = server_answering(create_path(), template).await;
    let (error, waits) = create_error_at(&base_url(&server), tune).await;
    (error, request_count(&server).await, waits)
}

/// Serves `status` to every create request; returns the error and the number of requests seen.
async fn attempts_for_status(status: u16) -> (telnyx_rooms::Error, usize, Vec<Duration>) {
    let template = ResponseTemplate::new(status)
        .set_body_json(serde_json::json!({"errors": [{"code": "1", "title": "nope"}]}));
    create_error(template, |builder| builder).await
}

#[tokio::test]
async fn retryable_statuses_make_exactly_three_attempts_and_others_one() {
    let retryable = [408, 409, 429, 500, 502, 503, 504].map(|status| (status, true));
    let final_ = [400, 401, 403, 404, 405, 410, 422].map(|status| (status, false));
    for (status, retried) in retryable.into_iter().chain(final_) {
        let (error, seen, waits) = attempts_for_status(status).await;
        let attempts = if retried { 3 } else { 1 };
        assert_eq!(u32::try_from(seen), Ok(attempts), "status {status}");
        assert_eq!(error.attempts(), attempts, "status {status}");
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.kind(), ErrorKind::Api);
        assert_eq!(error.is_retryable(), retried, "status {status}");
        if !retried {
            assert!(waits.is_empty(), "status {status}");
            continue;
        }
        assert_eq!(waits.len(), 2, "status {status}");
        // 0.5 s then 1 s, each shortened by at most a quarter of jitter.
        assert!(
            waits[0] > Duration::from_millis(374) && waits[0] <= Duration::from_millis(500),
            "{waits:?}"
        );
        assert!(
            waits[1] > Duration::from_millis(749) && waits[1] <= Duration::from_millis(1000),
            "{waits:?}"
        );
    }
}

#[tokio::test]
async fn a_retry_that_succeeds_returns_the_token() {
    let server = MockServer::start().await;
    // Two 503s first (higher priority while they last), then the token.
    serve_first(&server, refresh_path(), 2, ResponseTemplate::new(503)).await;
    serve(&server, refresh_path(), refreshed()).await;
    let (client, sleeper) = client_for(&server).await;
    let refreshed = client
        .refresh_client_token(ROOM_ID, REFRESH_TOKEN)
        .await
        .expect("third attempt succeeds");
    assert_eq!(refreshed.token().expose(), NEW_CLIENT_TOKEN);
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|request| request.body == requests[0].body),
        "every attempt sends the same body"
    );
    assert_eq!(sleeper.waits().len(), 2);
}

/// A client allowed one retry.
fn one_retry(builder: ClientBuilder) -> ClientBuilder {
    builder.retry_policy(RetryPolicy::default().max_retries(1))
}

#[tokio::test]
async fn retry_after_is_honoured_and_capped() {
    let cases: [(&str, &str, Duration); 4] = [
        ("retry-after", "3", Duration::from_secs(3)),
        ("retry-after", "86400", Duration::from_secs(60)),
        ("retry-after-ms", "1250", Duration::from_millis(1250)),
        ("retry-after-ms", "600000", Duration::from_secs(60)),
    ];
    for (header, value, expected) in cases {
        let template = ResponseTemplate::new(429).insert_header(header, value);
        let (error, _, waits) = create_error(template, one_retry).await;
        assert_eq!(error.attempts(), 2);
        assert_eq!(waits, vec![expected], "{header}: {value}");
    }
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    // Resolved against the client's injected clock, not this machine's: exact.
    let in_20_s = httpdate::fmt_http_date(clock_at(20));
    let template = ResponseTemplate::new(503).insert_header("retry-after", in_20_s.as_str());
    let (_, _, waits) = create_error(template, one_retry).await;
    assert_eq!(waits, [Duration::from_secs(20)]);
}

/// Response headers, as name and value.
type Headers = &'static [(&'static str, &'static str)];

/// One create call without retries against a server answering `status` with `headers`.
async fn error_with_headers(status: u16, headers: &[(&str, &str)]) -> telnyx_rooms::Error {
    let mut template = ResponseTemplate::new(status);
    for (name, value) in headers {
        template = template.insert_header(*name, *value);
    }
    let (error, _, waits) = create_error(template, no_retries).await;
    assert_eq!(error.attempts(), 1);
    assert!(waits.is_empty(), "no retries: nothing waited");
    error
}

#[tokio::test]
async fn error_reports_the_delay_the_server_asked_for() {
    let secs = Duration::from_secs;
    let cases: [(u16, Headers, Option<Duration>); 9] = [
        (
            429,
            &[("retry-after-ms", "1250")],
            Some(Duration::from_millis(1250)),
        ),
        (503, &[("retry-after", "3")], Some(secs(3))),
        // retry-after-ms wins over Retry-After.
        (
            429,
            &[("retry-after-ms", "250"), ("retry-after", "9")],
            Some(Duration::from_millis(250)),
        ),
        // Capped at MAX_SERVER_DELAY.
        (429, &[("retry-after", "86400")], Some(MAX_SERVER_DELAY)),
        (429, &[("retry-after-ms", "600000")], Some(MAX_SERVER_DELAY)),
        // Reported whatever the status; is_retryable() decides whether to use it.
        (403, &[("retry-after", "5")], Some(secs(5))),
        // Absent or unusable.
        (429, &[], None),
        (
            503,
            &[("retry-after", "soon"), ("retry-after-ms", "-5")],
            None,
        ),
        (500, &[("x-should-retry", "true")], None),
    ];
    for (status, headers, expected) in cases {
        let error = error_with_headers(status, headers).await;
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.retry_after(), expected, "{status} {headers:?}");
    }
}

#[tokio::test]
async fn error_reports_an_http_date_delay_from_when_the_response_arrived() {
    let in_20_s = httpdate::fmt_http_date(clock_at(20));
    let error = error_with_headers(503, &[("retry-after", in_20_s.as_str())]).await;
    assert_eq!(error.retry_after(), Some(Duration::from_secs(20)));
    let in_2_h = httpdate::fmt_http_date(clock_at(7200));
    let error = error_with_headers(503, &[("retry-after", in_2_h.as_str())]).await;
    assert_eq!(error.retry_after(), Some(MAX_SERVER_DELAY), "capped");
    let past = httpdate::fmt_http_date(clock_at(0) - Duration::from_secs(30));
    let error = error_with_headers(503, &[("retry-after", past.as_str())]).await;
    assert_eq!(
        error.retry_after(),
        Some(MIN_SERVER_DELAY),
        "a past date means now, and now means the floor"
    );
}

#[tokio::test]
async fn the_last_attempts_delay_is_reported_after_the_clients_own_retries() {
    let server = MockServer::start().await;
    serve_first(
        &server,
        create_path(),
        1,
        ResponseTemplate::new(503).insert_header("retry-after", "2"),
    )
    .await;
    serve(
        &server,
        create_path(),
        ResponseTemplate::new(429).insert_header("retry-after-ms", "700"),
    )
    .await;
    let (error, waits) = create_error_at(&base_url(&server), one_retry).await;
    assert_eq!(error.attempts(), 2);
    assert_eq!(waits, vec![Duration::from_secs(2)]);
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.retry_after(), Some(Duration::from_millis(700)));
    assert!(
        format!("{error:?}").contains("retry_after: 700ms"),
        "{error:?}"
    );
}

/// The date is read when the response arrives, on the clock the client was given: moving that
/// clock moves the wait, and this machine's clock plays no part.
#[tokio::test]
async fn an_http_date_is_resolved_on_the_injected_clock_when_the_response_arrives() {
    let at_45_s = httpdate::fmt_http_date(clock_at(45));
    let server = server_answering(
        create_path(),
        ResponseTemplate::new(429).insert_header("retry-after", at_45_s.as_str()),
    )
    .await;
    let time = telnyx_rooms::time::ManualTimeSource::new(clock_at(0));
    let (client, _) = tuned_client(&base_url(&server), |builder| {
        no_retries(builder.time_source(time.clone()))
    });
    let first = client.create_client_token(ROOM_ID).await.expect_err("429");
    assert_eq!(first.retry_after(), Some(Duration::from_secs(45)));
    time.advance(Duration::from_secs(30));
    let second = client.create_client_token(ROOM_ID).await.expect_err("429");
    assert_eq!(second.retry_after(), Some(Duration::from_secs(15)));
}

#[tokio::test]
async fn no_response_means_no_server_delay() {
    let (error, _) = create_error_at(&refusing_base_url(), no_retries).await;
    assert_eq!(error.kind(), ErrorKind::Connect);
    assert!(error.is_retryable());
    assert_eq!(error.retry_after(), None);
    assert!(!format!("{error:?}").contains("retry_after"), "{error:?}");
}

#[tokio::test]
async fn x_should_retry_overrides_the_status_rule() {
    for (status, should_retry, attempts) in [(503, "false", 1), (400, "true", 3)] {
        let template = ResponseTemplate::new(status).insert_header("x-should-retry", should_retry);
        let (error, seen, _) = create_error(template, |builder| builder).await;
        assert_eq!(error.attempts(), attempts, "{status}");
        assert_eq!(u32::try_from(seen), Ok(attempts), "{status}");
    }
}

#[tokio::test]
async fn client_and_call_policies_set_the_attempt_count() {
    let server = server_answering(create_path(), ResponseTemplate::new(500)).await;
    let (client, _) = tuned_client(&base_url(&server), |builder| {
        builder.retry_policy(RetryPolicy::default().max_retries(4))
    });
    let error = client.create_client_token(ROOM_ID).await.expect_err("500");
    assert_eq!(error.attempts(), 5);
    let error = client
        .create_client_token(ROOM_ID)
        .retry_policy(RetryPolicy::none())
        .await
        .expect_err("500");
    assert_eq!(error.attempts(), 1);
    assert_eq!(request_count(&server).await, 6);
}

#[tokio::test]
async fn connection_reset_before_a_response_is_retried() {
    let (base_url, connections) = raw_server(b"").await;
    let (error, _) = create_error_at(&base_url, |builder| builder).await;
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(error.attempts(), 3);
    assert_eq!(count(&connections), 3);
    assert!(std::error::Error::source(&error).is_some(), "source kept");
}

#[tokio::test]
async fn body_cut_short_is_retried_as_a_transport_error() {
    let (base_url, connections) = raw_server(
        b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 400\r\nx-request-id: req-cut\r\n\r\n{\"data\": {\"token\": \"abc",
    )
    .await;
    let (error, _) = create_error_at(&base_url, |builder| builder).await;
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    assert_eq!(error.status(), Some(201));
    assert_eq!(error.attempts(), 3);
    assert_eq!(count(&connections), 3);
}

#[tokio::test]
async fn garbage_instead_of_http_is_a_transport_error() {
    let (base_url, connections) = raw_server(b"SSH-2.0-OpenSSH_9.6\r\n").await;
    let (client, _) = tuned_client(&base_url, no_retries);
    let error = client
        .refresh_client_token(ROOM_ID, REFRESH_TOKEN)
        .await
        .expect_err("not http");
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    assert_eq!(count(&connections), 1);
}

#[tokio::test]
async fn refused_connection_is_a_connect_error_and_retried() {
    let (error, waits) = create_error_at(&refusing_base_url(), |builder| builder).await;
    assert_eq!(error.kind(), ErrorKind::Connect, "{error:?}");
    assert_eq!(error.attempts(), 3);
    assert_eq!(waits.len(), 2);
}

#[tokio::test]
async fn slow_response_hits_the_per_attempt_timeout_and_is_retried() {
    let template = created().set_delay(Duration::from_secs(30));
    let (error, seen, _) = create_error(template, |builder| {
        one_retry(builder.timeout(Duration::from_millis(200)))
    })
    .await;
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.to_string().contains("per-attempt timeout"), "{error}");
    assert_eq!(error.attempts(), 2);
    assert_eq!(seen, 2);
}

#[tokio::test]
async fn overall_deadline_stops_a_slow_call() {
    let template = ResponseTemplate::new(201).set_delay(Duration::from_secs(30));
    let (error, _, waits) = create_error(template, |builder| {
        builder.deadline(Duration::from_millis(300))
    })
    .await;
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.to_string().contains("deadline"), "{error}");
    assert_eq!(
        error.attempts(),
        1,
        "no retry can fit once the deadline is spent"
    );
    assert!(waits.is_empty());
}

#[tokio::test]
async fn a_wait_longer_than_the_deadline_is_not_started() {
    let template = ResponseTemplate::new(503).insert_header("retry-after", "30");
    let (error, _, waits) = create_error(template, |builder| {
        builder.deadline(Duration::from_secs(10))
    })
    .await;
    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.attempts(), 1);
    assert!(waits.is_empty());
}

#[tokio::test]
async fn the_timeout_is_per_attempt_so_a_fast_retry_succeeds() {
    let server = MockServer::start().await;
    serve_first(
        &server,
        create_path(),
        1,
        created().set_delay(Duration::from_secs(30)),
    )
    .await;
    serve(&server, create_path(), created()).await;
    let (client, sleeper) = tuned_client(&base_url(&server), |builder| {
        builder.timeout(Duration::from_millis(300))
    });
    let created = client
        .create_client_token(ROOM_ID)
        .await
        .expect("the second attempt has its own 300 ms");
    assert_eq!(created.token().expose(), CLIENT_TOKEN);
    assert_eq!(request_count(&server).await, 2);
    assert_eq!(sleeper.waits().len(), 1);
}
