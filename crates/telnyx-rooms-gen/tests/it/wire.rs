//! The client-token operations on the wire: exactly what bytes go out (method, path, headers,
//! body) and what comes back when the server misbehaves.

use telnyx_rooms_gen::types::{CreateRoomClientTokenRequest, RefreshRoomClientTokenRequest};
use telnyx_rooms_gen::{Credentials, Error, capture_response_head, operations};

use crate::{ROOM, client, created_response, header_names, request_line, room, serve, with_key};

#[tokio::test]
async fn create_sends_exactly_the_documented_request() {
    let server = serve(created_response());
    let client = with_key(&server, "KEY_SECRET");
    let response = client
        .create_room_client_token(&room(), &CreateRoomClientTokenRequest::default())
        .await
        .expect("201");
    assert_eq!(response.status(), 201);
    // The response headers reach the caller (moved out of the response, not copied).
    assert_eq!(
        response.headers().get("x-request-id").expect("request id"),
        "req-1"
    );
    let data = response.into_inner().data.expect("data");
    assert_eq!(data.token.as_deref(), Some("t"));

    let seen = server.requests()[0].clone();
    assert_eq!(
        request_line(&seen),
        format!("POST /v2/rooms/{ROOM}/actions/generate_join_client_token HTTP/1.1")
    );
    // Unset optional fields are absent: the server owns the defaults.
    assert_eq!(String::from_utf8_lossy(&seen.body), "{}");
    assert_eq!(seen.header("authorization"), Some("Bearer KEY_SECRET"));
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("accept"), Some("application/json"));
    // Nothing the Telnyx API does not define (progenitor's `api-version` is removed).
    assert_eq!(
        header_names(&seen),
        [
            "accept",
            "authorization",
            "content-length",
            "content-type",
            "host"
        ]
    );
}

#[tokio::test]
async fn create_sends_only_the_ttls_that_were_set() {
    let server = serve(created_response());
    let client = with_key(&server, "k");
    let body = CreateRoomClientTokenRequest {
        token_ttl_secs: Some(60),
        refresh_token_ttl_secs: None,
    };
    client
        .create_room_client_token(&room(), &body)
        .await
        .expect("201");
    assert_eq!(
        String::from_utf8_lossy(&server.requests()[0].body),
        r#"{"token_ttl_secs":60}"#
    );
}

#[tokio::test]
async fn refresh_never_sends_the_api_key() {
    let server = serve(created_response());
    // A key is configured, but the spec says refresh needs none (`security: []`).
    let client = with_key(&server, "KEY_SECRET");
    let body = RefreshRoomClientTokenRequest {
        refresh_token: "REFRESH".into(),
        token_ttl_secs: None,
    };
    client
        .refresh_room_client_token(&room(), &body)
        .await
        .expect("201");
    let seen = server.requests()[0].clone();
    assert_eq!(
        request_line(&seen),
        format!("POST /v2/rooms/{ROOM}/actions/refresh_client_token HTTP/1.1")
    );
    assert_eq!(
        String::from_utf8_lossy(&seen.body),
        r#"{"refresh_token":"REFRESH"}"#
    );
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(
        header_names(&seen),
        ["accept", "content-length", "content-type", "host"]
    );
}

#[tokio::test]
async fn refresh_works_without_any_key() {
    let server = serve(created_response());
    let base = server.base_url();
    let body = RefreshRoomClientTokenRequest {
        refresh_token: "REFRESH".into(),
        token_ttl_secs: Some(30),
    };
    client(&base, Credentials::none())
        .refresh_room_client_token(&room(), &body)
        .await
        .expect("refresh needs no key");
}

#[tokio::test]
async fn create_without_a_key_fails_before_any_io() {
    let server = serve(created_response());
    let base = server.base_url();
    let err = client(&base, Credentials::none())
        .create_room_client_token(&room(), &CreateRoomClientTokenRequest::default())
        .await
        .expect_err("a key is required");
    assert!(
        matches!(err, Error::InvalidRequest(ref m) if m.contains("requires an API key")),
        "{err:?}"
    );
    assert!(server.requests().is_empty(), "no request may be sent");
}

#[tokio::test]
async fn a_malformed_201_keeps_its_status_and_request_id() {
    let server = serve(
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\nx-request-id: req-9\r\ncontent-length: 9\r\nconnection: close\r\n\r\n{\"data\":[",
    );
    let client = with_key(&server, "k");
    let body = CreateRoomClientTokenRequest::default();
    let (result, head) =
        capture_response_head(client.create_room_client_token(&room(), &body)).await;
    assert!(
        matches!(result, Err(Error::InvalidResponsePayload(..))),
        "{result:?}"
    );
    let head = head.expect("the response head is captured");
    assert_eq!(head.status, 201);
    assert_eq!(head.request_id.expect("request id"), "req-9");
}

/// A body within the cap by its `Content-Length` is read to that length and no further, however
/// much more the server sends: the cap holds without re-wrapping the response.
#[tokio::test]
async fn a_declared_length_bounds_the_body_read() {
    let flood = "a".repeat(2 * telnyx_rooms_gen::MAX_RESPONSE_BODY);
    let response: &'static str = Box::leak(
        format!(
            "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 9\r\nconnection: close\r\n\r\n{{\"data\":[{flood}"
        )
        .into_boxed_str(),
    );
    let server = serve(response);
    let client = with_key(&server, "k");
    let body = CreateRoomClientTokenRequest::default();
    let result = client.create_room_client_token(&room(), &body).await;
    match result {
        Err(Error::InvalidResponsePayload(read, _)) => assert_eq!(&read[..], b"{\"data\":["),
        other => panic!("expected the 9 declared bytes, got {other:?}"),
    }
}

#[tokio::test]
async fn a_403_envelope_decodes_into_the_corrected_type() {
    let body = r#"{"errors":[{"code":"10010","title":"Forbidden","detail":"no","source":{"pointer":"/room_id"}}]}"#;
    let response: &'static str = Box::leak(
        format!(
            "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    );
    let server = serve(response);
    let err = with_key(&server, "k")
        .create_room_client_token(&room(), &CreateRoomClientTokenRequest::default())
        .await
        .expect_err("403");
    let Error::ErrorResponse(value) = err else {
        panic!("expected the documented error type, got {err:?}");
    };
    assert_eq!(value.status(), 403);
    let first = &value.into_inner().errors[0];
    assert_eq!(
        (first.code.as_str(), first.title.as_str()),
        ("10010", "Forbidden")
    );
    assert_eq!(
        first.source.as_ref().and_then(|s| s.pointer.as_deref()),
        Some("/room_id")
    );
}

#[test]
fn every_operation_is_known_by_its_generated_method_name() {
    for operation in operations::ALL {
        assert_eq!(
            operations::by_client_method(operation.client_method).map(|op| op.operation_id),
            Some(operation.operation_id)
        );
    }
    assert_eq!(
        operations::CREATE_ROOM_CLIENT_TOKEN.client_method,
        "create_room_client_token"
    );
}

#[test]
fn credentials_never_show_the_key() {
    let credentials = Credentials::bearer("KEY_SECRET").expect("header value");
    let shown = format!("{credentials:?}");
    assert!(!shown.contains("KEY_SECRET"), "{shown}");
    assert!(Credentials::bearer("bad\nkey").is_none());
}
