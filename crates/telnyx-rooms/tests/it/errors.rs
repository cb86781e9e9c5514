//! Untrusted responses: every shape of error or broken success body ends in a typed error with
//! status, request id and what the body said — never a panic, never a made-up token.

use crate::support::*;
use serde_json::json;
use telnyx_rooms::ErrorKind;
use telnyx_rooms::retry::RetryPolicy;
use wiremock::{MockServer, ResponseTemplate};

async fn create_with_response(template: ResponseTemplate) -> telnyx_rooms::Error {
    let server = MockServer::start().await;
    serve(&server, create_path(), template).await;
    let (client, _) = client_for(&server).await;
    client
        .create_client_token(ROOM_ID)
        .retry_policy(RetryPolicy::none())
        .await
        .expect_err("must fail")
}

#[tokio::test]
async fn telnyx_error_envelope_is_parsed_into_entries() {
    let error = create_with_response(
        ResponseTemplate::new(422)
            .insert_header("x-request-id", "req-422")
            .set_body_json(json!({"errors": [
                {"code": "10015", "title": "Invalid value for token_ttl_secs",
                 "detail": "must be at most 3600", "source": {"pointer": "/token_ttl_secs"},
                 "meta": {"url": "https://developers.telnyx.com/docs/overview/errors/10015"}},
                {"code": "10016", "title": "Second problem"}
            ]})),
    )
    .await;
    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.status(), Some(422));
    assert_eq!(error.request_id(), Some("req-422"));
    assert_eq!(error.attempts(), 1);
    assert!(!error.is_retryable());
    let entries = error.api_errors();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].code(), Some("10015"));
    assert_eq!(entries[0].title(), Some("Invalid value for token_ttl_secs"));
    assert_eq!(entries[0].detail(), Some("must be at most 3600"));
    assert_eq!(entries[0].source_pointer(), Some("/token_ttl_secs"));
    assert_eq!(entries[1].code(), Some("10016"));
    assert_eq!(
        error.to_string(),
        "Telnyx API error: status 422 Unprocessable Entity: [10015] Invalid value for token_ttl_secs (at /token_ttl_secs) (and 1 more) [request id req-422]"
    );
}

#[tokio::test]
async fn envelope_at_403_and_bare_object_at_other_statuses_are_parsed() {
    let envelope = create_with_response(
        ResponseTemplate::new(403)
            .insert_header("x-request-id", "req-403")
            .set_body_json(
                json!({"errors": [{"code": "10010", "title": "Authentication failed"}]}),
            ),
    )
    .await;
    assert_eq!(envelope.kind(), ErrorKind::Api);
    assert_eq!(envelope.status(), Some(403));
    assert_eq!(envelope.request_id(), Some("req-403"));
    assert_eq!(envelope.api_errors()[0].code(), Some("10010"));

    // A bare error object under a status the spec does not document is parsed from the raw body.
    let bare = create_with_response(
        ResponseTemplate::new(401)
            .set_body_json(json!({"code": "10009", "title": "Unauthorized", "detail": "bad key"})),
    )
    .await;
    assert_eq!(bare.status(), Some(401));
    assert_eq!(bare.api_errors().len(), 1);
    assert_eq!(bare.api_errors()[0].code(), Some("10009"));
    assert_eq!(bare.api_errors()[0].detail(), Some("bad key"));

    // A bare error object at 403, where the spec documents the envelope: the overlay makes
    // `errors` required, so it is parsed from the raw body rather than read as an empty list.
    let bare_403 = create_with_response(
        ResponseTemplate::new(403)
            .insert_header("x-request-id", "req-bare")
            .set_body_json(json!({"code": "10010", "title": "Forbidden", "detail": "room locked"})),
    )
    .await;
    assert_eq!(bare_403.status(), Some(403));
    assert_eq!(bare_403.request_id(), Some("req-bare"));
    assert_eq!(bare_403.api_errors().len(), 1);
    assert_eq!(bare_403.api_errors()[0].code(), Some("10010"));
    assert_eq!(bare_403.api_errors()[0].detail(), Some("room locked"));

    // An envelope entry that breaks the generated 403 type (numeric code, no title) still parses.
    let loose = create_with_response(
        ResponseTemplate::new(403).set_body_json(json!({"errors": [{"code": 10010}]})),
    )
    .await;
    assert_eq!(loose.status(), Some(403));
    assert_eq!(loose.api_errors()[0].code(), Some("10010"));
}

#[tokio::test]
async fn non_json_error_body_keeps_status_and_a_snippet() {
    let error = create_with_response(
        ResponseTemplate::new(404)
            .insert_header("content-type", "text/html")
            .set_body_string("<html>\n<body><h1>404 Not Found</h1>\n</body></html>"),
    )
    .await;
    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.status(), Some(404));
    assert!(error.api_errors().is_empty());
    assert_eq!(
        error.body_snippet(),
        Some("<html> <body><h1>404 Not Found</h1> </body></html>")
    );
    assert!(error.to_string().contains("404 Not Found</h1>"), "{error}");
}

#[tokio::test]
async fn malformed_success_json_is_a_decode_error_with_status_request_id_and_redacted_snippet() {
    let error = create_with_response(
        ResponseTemplate::new(201)
            .insert_header("x-request-id", "req-bad-json")
            .insert_header("content-type", "application/json")
            .set_body_string(format!(
                r#"{{"data": {{"token": "{CLIENT_TOKEN}", "token_expires_at": "#
            )),
    )
    .await;
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(error.status(), Some(201));
    assert_eq!(error.request_id(), Some("req-bad-json"));
    assert_eq!(error.attempts(), 1, "decode errors are not retried");
    let snippet = error.body_snippet().expect("snippet");
    assert!(
        snippet.starts_with(r#"{"data": {"token": "[REDACTED]""#),
        "{snippet}"
    );
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(CLIENT_TOKEN), "{shown}");
}

#[tokio::test]
async fn wrongly_typed_success_value_does_not_leak_the_token() {
    let error = create_with_response(ResponseTemplate::new(201).set_body_json(json!({"data": {
        "token": CLIENT_TOKEN, "token_expires_at": 5, "refresh_token": REFRESH_TOKEN,
        "refresh_token_expires_at": "2030-04-22T13:14:55Z"
    }})))
    .await;
    assert_eq!(error.kind(), ErrorKind::Decode);
    let mut shown = format!("{error} {error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        shown.push_str(&cause.to_string());
        source = cause.source();
    }
    assert!(
        !shown.contains(CLIENT_TOKEN) && !shown.contains(REFRESH_TOKEN),
        "{shown}"
    );
}

#[tokio::test]
async fn success_missing_fields_is_a_decode_error_naming_the_field() {
    let cases = [
        (json!({}), "data"),
        (json!({"data": null}), "data"),
        (
            json!({"data": {"token_expires_at": "2030-04-22T12:24:55Z", "refresh_token": REFRESH_TOKEN, "refresh_token_expires_at": "2030-04-22T13:14:55Z"}}),
            "data.token",
        ),
        (
            json!({"data": {"token": "", "token_expires_at": "2030-04-22T12:24:55Z", "refresh_token": REFRESH_TOKEN, "refresh_token_expires_at": "2030-04-22T13:14:55Z"}}),
            "data.token",
        ),
        (
            json!({"data": {"token": CLIENT_TOKEN, "refresh_token": REFRESH_TOKEN, "refresh_token_expires_at": "2030-04-22T13:14:55Z"}}),
            "data.token_expires_at",
        ),
        (
            json!({"data": {"token": CLIENT_TOKEN, "token_expires_at": "2030-04-22T12:24:55Z", "refresh_token_expires_at": "2030-04-22T13:14:55Z"}}),
            "data.refresh_token",
        ),
        (
            json!({"data": {"token": CLIENT_TOKEN, "token_expires_at": "2030-04-22T12:24:55Z", "refresh_token": REFRESH_TOKEN}}),
            "data.refresh_token_expires_at",
        ),
    ];
    for (body, missing) in cases {
        let error = create_with_response(
            ResponseTemplate::new(201)
                .insert_header("x-request-id", "req-incomplete")
                .set_body_json(body.clone()),
        )
        .await;
        assert_eq!(error.kind(), ErrorKind::Decode, "{body}");
        assert_eq!(error.status(), Some(201), "{body}");
        assert_eq!(error.request_id(), Some("req-incomplete"), "{body}");
        assert!(
            error.to_string().contains(&format!("lacks `{missing}`")),
            "{body}: {error}"
        );
        assert!(!format!("{error} {error:?}").contains(CLIENT_TOKEN));
    }
}

#[tokio::test]
async fn refresh_missing_expiry_is_a_decode_error() {
    let server = server_answering(
        refresh_path(),
        ResponseTemplate::new(201).set_body_json(json!({"data": {"token": NEW_CLIENT_TOKEN}})),
    )
    .await;
    let (client, _) = client_for(&server).await;
    let error = client
        .refresh_client_token(ROOM_ID, REFRESH_TOKEN)
        .await
        .expect_err("incomplete");
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert!(
        error.to_string().contains("lacks `data.token_expires_at`"),
        "{error}"
    );
}

#[tokio::test]
async fn empty_and_truncated_success_bodies_are_decode_errors() {
    let empty = create_with_response(ResponseTemplate::new(201)).await;
    assert_eq!(empty.kind(), ErrorKind::Decode);
    assert_eq!(empty.status(), Some(201));
    assert_eq!(empty.body_snippet(), None);

    let truncated = create_with_response(
        ResponseTemplate::new(201).set_body_string(r#"{"data": {"token": "ab"#),
    )
    .await;
    assert_eq!(truncated.kind(), ErrorKind::Decode);
    assert!(truncated.to_string().contains("ends early"), "{truncated}");
}

/// A 404 says what was requested; with a base URL that lacks `/v2`, it says that is the likely
/// reason.
#[tokio::test]
async fn a_404_names_the_request_and_a_base_url_without_v2() {
    let server = MockServer::start().await;
    // Nothing is served: every request is a 404.
    let (error, _) = create_error_at(&server.uri(), |builder| builder).await;
    assert_eq!(error.status(), Some(404));
    let text = error.to_string();
    assert!(
        text.contains(&format!(
            "requested POST {}/rooms/{{room_id}}/actions/generate_join_client_token",
            server.uri()
        )),
        "{text}"
    );
    assert!(
        text.contains("does not end in /v2, where Telnyx's API is: https://api.telnyx.com/v2"),
        "{text}"
    );

    let (with_v2, _) = client_for(&server).await;
    let error = with_v2.get_room(ROOM_ID).await.expect_err("unknown room");
    assert!(error.to_string().contains("requested GET"), "{error}");
    assert!(
        !error.to_string().contains("does not end in /v2"),
        "{error}"
    );
}
