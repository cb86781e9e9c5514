//! Fault injection (per server and per request) and the request log, over real loopback HTTP.

use std::time::Duration;

use crate::support::{CREATE, Call, REFRESH, ROOM, Started, create, refresh_from};
use serde_json::json;
use telnyx_rooms_mock::{FAULT_HEADER, Fault, MockServer};

/// Creates a token for `ROOM` with an empty body and the fault header set to `fault`.
async fn create_with_fault(server: &MockServer, fault: &str) -> crate::support::Answer {
    Call::new(server, &CREATE, ROOM)
        .header(FAULT_HEADER, fault)
        .json(json!({}))
        .await
}

/// Starts a mock and creates a token for `ROOM` there with the fault header set to `fault`.
async fn fresh_with_fault(fault: &str) -> (MockServer, crate::support::Answer) {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let answer = create_with_fault(&server, fault).await;
    (server, answer)
}

/// The statuses of `n` token creations for `ROOM` with an empty body, in order.
async fn create_statuses(server: &MockServer, n: usize) -> Vec<u16> {
    let mut statuses = Vec::with_capacity(n);
    for _ in 0..n {
        let answer = Call::new(server, &CREATE, ROOM).json(json!({})).await;
        statuses.push(answer.status.as_u16());
    }
    statuses
}

#[tokio::test]
async fn a_request_fault_fails_the_first_k_attempts_then_succeeds() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let answer = create_with_fault(&server, "status=503;times=2").await;
        statuses.push(answer.status.as_u16());
        if answer.status == 503 {
            assert_eq!(answer.error(0, "code"), "10007");
            assert!(answer.headers.contains_key("x-request-id"));
        }
    }
    assert_eq!(statuses, [503, 503, 201, 201]);
    assert_eq!(server.attempts(CREATE.operation_id), 4);
}

#[tokio::test]
async fn request_faults_count_per_operation_and_per_client_key() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let status = |op, fault: &'static str| {
        let server = &server;
        async move {
            Call::new(server, op, ROOM)
                .header(FAULT_HEADER, fault)
                .json(json!({}))
                .await
                .status
                .as_u16()
        }
    };
    assert_eq!(status(&CREATE, "status=500;times=1").await, 500);
    // Refresh has its own counter (and fails before validation, so no token is needed).
    assert_eq!(status(&REFRESH, "status=500;times=1").await, 500);
    assert_eq!(status(&CREATE, "status=500;times=1").await, 201);
    // A client-chosen key starts its own count on the same route.
    assert_eq!(status(&CREATE, "status=500;times=1;key=test-b").await, 500);
    assert_eq!(status(&CREATE, "status=500;times=1;key=test-b").await, 201);
}

#[tokio::test]
async fn a_429_carries_retry_after() {
    let (server, default) = fresh_with_fault("status=429").await;
    assert_eq!(default.status, 429);
    assert_eq!(default.headers["retry-after"], "1");
    assert_eq!(default.error(0, "code"), "10011");
    let chosen = create_with_fault(&server, "status=429;retry-after=7").await;
    assert_eq!(chosen.headers["retry-after"], "7");
    let other = create_with_fault(&server, "status=403").await;
    assert_eq!(other.status, 403);
    assert!(!other.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn a_fault_can_add_headers_to_any_answer() {
    let (server, failed) = fresh_with_fault(
        "status=429;retry-after=9;header=retry-after-ms:1500;header=retry-after:3",
    )
    .await;
    assert_eq!(failed.headers["retry-after-ms"], "1500");
    assert_eq!(
        failed.headers["retry-after"], "3",
        "a fault header overrides"
    );
    let ok = create_with_fault(&server, "header=x-should-retry:false").await;
    assert_eq!(ok.status, 201);
    assert_eq!(ok.headers["x-should-retry"], "false");
}

#[tokio::test]
async fn status_faults_answer_before_validation() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let answer = Call::without_auth(&server, &CREATE, "not-a-uuid")
        .header(FAULT_HEADER, "status=502")
        .raw("garbage", "text/plain")
        .await;
    assert_eq!(answer.status, 502);
}

#[tokio::test(start_paused = true)]
async fn a_delay_holds_the_answer_for_that_long() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let started = tokio::time::Instant::now();
    let answer = create_with_fault(&server, "delay=90s").await;
    // Paused tokio time: the runtime skips the wait, and the clock proves it was awaited.
    assert!(started.elapsed() >= Duration::from_secs(90));
    assert_eq!(answer.status, 201);
    assert_eq!(server.requests()[0].fault.as_deref(), Some("delay=1m 30s"));
}

#[tokio::test]
async fn a_reset_closes_the_connection_without_an_answer() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let error = Call::new(&server, &CREATE, ROOM)
        .header(FAULT_HEADER, "reset;times=1")
        .try_json(json!({}))
        .await
        .expect_err("no response");
    assert!(
        error.is_request() || error.is_connect() || error.is_body(),
        "{error:?}"
    );
    assert_eq!(error.status(), None);
    let retried = create_with_fault(&server, "reset;times=1").await;
    assert_eq!(retried.status, 201);
    let log = server.requests();
    assert_eq!(log[0].status, None);
    assert_eq!(log[0].fault.as_deref(), Some("reset;times=1"));
    assert_eq!(log[1].status, Some(201));
}

#[tokio::test]
async fn malformed_json_keeps_the_success_status() {
    let (_server, answer) = fresh_with_fault("malformed-json").await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.headers["content-type"], "application/json");
    assert!(
        serde_json::from_str::<serde_json::Value>(&answer.text).is_err(),
        "{}",
        answer.text
    );
    assert!(answer.text.starts_with("{\"data\""), "{}", answer.text);
}

#[tokio::test]
async fn missing_fields_drop_named_fields_or_all_of_them() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let answer = Call::new(&server, &CREATE, ROOM)
        .header(
            FAULT_HEADER,
            "missing-fields=token,refresh_token_expires_at",
        )
        .json(json!({}))
        .await;
    assert_eq!(answer.status, 201);
    let mut keys: Vec<String> = answer.json()["data"]
        .as_object()
        .expect("data")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    assert_eq!(keys, ["refresh_token", "token_expires_at"]);

    let answer = create_with_fault(&server, "missing-fields").await;
    assert_eq!(answer.json(), json!({"data": {}}));
}

#[tokio::test]
async fn corrupting_faults_leave_validation_errors_alone() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let answer = Call::new(&server, &CREATE, ROOM)
        .header(FAULT_HEADER, "malformed-json")
        .json(json!({"token_ttl_secs": 1}))
        .await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.error(0, "code"), "10015");
}

#[tokio::test]
async fn an_unreadable_fault_header_is_a_400_naming_the_header() {
    let (_server, answer) = fresh_with_fault("status=teapot").await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.source(), json!({"parameter": FAULT_HEADER}));
}

#[tokio::test]
async fn server_faults_apply_to_their_operation_in_order() {
    let server = MockServer::builder()
        .fault(
            Fault::status(503)
                .times(2)
                .for_operation(CREATE.operation_id),
        )
        .fault(Fault::status(500).times(1))
        .started()
        .await;
    assert_eq!(create_statuses(&server, 3).await, [503, 503, 500]);
    let created = create(&server, ROOM, json!({})).await;
    let refreshed = refresh_from(&server, ROOM, &created).await;
    assert_eq!(
        refreshed.status, 201,
        "the any-route rule was used up by create"
    );
}

#[tokio::test]
async fn faults_can_be_injected_and_cleared_while_running() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    server.inject(Fault::status(504));
    assert_eq!(create_statuses(&server, 2).await, [504, 504]);
    server.clear_faults();
    assert_eq!(create_statuses(&server, 1).await, [201]);
}

#[tokio::test]
async fn the_log_records_requests_with_secrets_redacted() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let created = create(&server, ROOM, json!({"token_ttl_secs": 60})).await;
    let refresh_token = created.data("refresh_token");
    let _ = Call::new(&server, &REFRESH, ROOM)
        .json(json!({"refresh_token": refresh_token}))
        .await;
    let log = server.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].route, CREATE.operation_id);
    assert_eq!(log[0].method, "POST");
    assert_eq!(
        log[0].path,
        format!("/v2/rooms/{ROOM}/actions/generate_join_client_token")
    );
    assert_eq!(log[0].header("authorization"), Some("Bearer [REDACTED]"));
    assert_eq!(log[0].body_json(), Some(json!({"token_ttl_secs": 60})));
    assert_eq!(log[0].status, Some(201));
    assert_eq!(log[1].route, REFRESH.operation_id);
    assert_eq!(log[1].header("authorization"), None);
    assert_eq!(
        log[1].body_json(),
        Some(json!({"refresh_token": "[REDACTED]"}))
    );
    let everything = format!("{log:?}");
    assert!(!everything.contains("KEY_TEST"));
    assert!(!everything.contains(&refresh_token));
    assert_eq!(server.attempts(CREATE.operation_id), 1);
    assert_eq!(server.attempts(REFRESH.operation_id), 1);
    server.clear_log();
    assert!(server.requests().is_empty());
    assert_eq!(server.attempts(CREATE.operation_id), 0);
}

#[tokio::test]
async fn the_log_is_bounded_but_counters_keep_counting() {
    let server = MockServer::builder().log_capacity(3).started().await;
    for _ in 0..5 {
        create(&server, ROOM, json!({})).await;
    }
    let seqs: Vec<u64> = server.requests().iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [2, 3, 4]);
    assert_eq!(server.attempts(CREATE.operation_id), 5);
    assert_eq!(server.request_count(), 5);
}

/// A run of chance faults replays from its seed, which the server tells when none was set.
#[tokio::test]
async fn chance_faults_replay_from_the_servers_seed() {
    let random = telnyx_rooms_mock::start().await.expect("starts");
    let seed = random.fault_seed();
    let statuses = |server: MockServer| async move {
        let mut statuses = Vec::new();
        for _ in 0..64 {
            let answer = Call::new(&server, &CREATE, ROOM).json(json!({})).await;
            statuses.push(answer.status.as_u16());
        }
        statuses
    };
    let run = || {
        MockServer::builder()
            .fault(Fault::status(503).chance(0.5))
            .fault_seed(seed)
            .start()
    };
    let first = statuses(run().await.expect("starts")).await;
    let replay = statuses(run().await.expect("starts")).await;
    assert_eq!(first, replay, "seed {seed:#x} did not replay");
    assert!(
        first.contains(&503) && first.contains(&201),
        "seed {seed:#x}: {first:?}"
    );
}
