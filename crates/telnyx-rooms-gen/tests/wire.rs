//! Wire fidelity of the generated client against a raw loopback HTTP server: exactly what bytes
//! go out (method, path, headers, body) and what comes back when the server misbehaves.

// Helpers outside `#[test]` functions panic on purpose too: they are part of the assertions.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use telnyx_rooms_gen::types::{CreateRoomClientTokenRequest, RefreshRoomClientTokenRequest};
use telnyx_rooms_gen::{Client, Credentials, Error, capture_response_head, operations};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ROOM: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
const CREATED: &str = r#"{"data":{"token":"t","token_expires_at":"2026-01-01T00:10:00Z","refresh_token":"r","refresh_token_expires_at":"2026-01-01T01:00:00Z"}}"#;

/// One request as the server read it.
#[derive(Debug, Clone)]
struct Seen {
    request_line: String,
    /// Header names lower-cased, in arrival order.
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn header_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names
    }
}

/// A loopback server that answers every request with `response` (raw HTTP) and records it.
async fn serve(response: &'static str) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}/v2", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let head_end = loop {
                    let n = socket.read(&mut chunk).await.expect("read");
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break pos;
                    }
                };
                let head = String::from_utf8(buf[..head_end].to_vec()).expect("utf-8 head");
                let mut lines = head.split("\r\n");
                let request_line = lines.next().expect("request line").to_string();
                let headers: Vec<(String, String)> = lines
                    .filter_map(|l| l.split_once(':'))
                    .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
                    .collect();
                let length: usize = headers
                    .iter()
                    .find(|(n, _)| n == "content-length")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                let mut body = buf[head_end + 4..].to_vec();
                while body.len() < length {
                    let n = socket.read(&mut chunk).await.expect("read body");
                    if n == 0 {
                        break;
                    }
                    body.extend_from_slice(&chunk[..n]);
                }
                log.lock().expect("log").push(Seen {
                    request_line,
                    headers,
                    body: String::from_utf8(body).expect("utf-8 body"),
                });
                socket.write_all(response.as_bytes()).await.expect("write");
                socket.shutdown().await.ok();
            });
        }
    });
    (base, seen)
}

fn created_response() -> &'static str {
    // Leaked once per test: a `'static` response keeps the server task simple.
    Box::leak(
        format!(
            "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\nx-request-id: req-1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{CREATED}",
            CREATED.len()
        )
        .into_boxed_str(),
    )
}

fn room() -> uuid::Uuid {
    ROOM.parse().expect("uuid")
}

fn client(base: &str, credentials: Credentials) -> Client {
    // Built alone this crate's reqwest has no TLS; in a workspace build it has the facade's
    // provider-less rustls, which needs a process-wide provider even for plain-HTTP clients.
    telnyx_rooms_testkit::tls::install_crypto_provider();
    Client::new_with_client(base, reqwest::Client::new(), credentials)
}

#[tokio::test]
async fn create_sends_exactly_the_documented_request() {
    let (base, seen) = serve(created_response()).await;
    let client = client(
        &base,
        Credentials::bearer("KEY_SECRET").expect("header value"),
    );
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

    let seen = seen.lock().expect("log")[0].clone();
    assert_eq!(
        seen.request_line,
        format!("POST /v2/rooms/{ROOM}/actions/generate_join_client_token HTTP/1.1")
    );
    // Unset optional fields are absent: the server owns the defaults.
    assert_eq!(seen.body, "{}");
    assert_eq!(seen.header("authorization"), Some("Bearer KEY_SECRET"));
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("accept"), Some("application/json"));
    // Nothing the Telnyx API does not define (progenitor's `api-version` is removed).
    assert_eq!(
        seen.header_names(),
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
    let (base, seen) = serve(created_response()).await;
    let client = client(&base, Credentials::bearer("k").expect("header value"));
    let body = CreateRoomClientTokenRequest {
        token_ttl_secs: Some(60),
        refresh_token_ttl_secs: None,
    };
    client
        .create_room_client_token(&room(), &body)
        .await
        .expect("201");
    assert_eq!(
        seen.lock().expect("log")[0].body,
        r#"{"token_ttl_secs":60}"#
    );
}

#[tokio::test]
async fn refresh_never_sends_the_api_key() {
    let (base, seen) = serve(created_response()).await;
    // A key is configured, but the spec says refresh needs none (`security: []`).
    let client = client(
        &base,
        Credentials::bearer("KEY_SECRET").expect("header value"),
    );
    let body = RefreshRoomClientTokenRequest {
        refresh_token: "REFRESH".into(),
        token_ttl_secs: None,
    };
    client
        .refresh_room_client_token(&room(), &body)
        .await
        .expect("201");
    let seen = seen.lock().expect("log")[0].clone();
    assert_eq!(
        seen.request_line,
        format!("POST /v2/rooms/{ROOM}/actions/refresh_client_token HTTP/1.1")
    );
    assert_eq!(seen.body, r#"{"refresh_token":"REFRESH"}"#);
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(
        seen.header_names(),
        ["accept", "content-length", "content-type", "host"]
    );
}

#[tokio::test]
async fn refresh_works_without_any_key() {
    let (base, _) = serve(created_response()).await;
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
    let (base, seen) = serve(created_response()).await;
    let err = client(&base, Credentials::none())
        .create_room_client_token(&room(), &CreateRoomClientTokenRequest::default())
        .await
        .expect_err("a key is required");
    assert!(
        matches!(err, Error::InvalidRequest(ref m) if m.contains("requires an API key")),
        "{err:?}"
    );
    assert!(
        seen.lock().expect("log").is_empty(),
        "no request may be sent"
    );
}

#[tokio::test]
async fn a_malformed_201_keeps_its_status_and_request_id() {
    let (base, _) = serve(
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\nx-request-id: req-9\r\ncontent-length: 9\r\nconnection: close\r\n\r\n{\"data\":[",
    )
    .await;
    let client = client(&base, Credentials::bearer("k").expect("header value"));
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
    let (base, _) = serve(response).await;
    let client = client(&base, Credentials::bearer("k").expect("header value"));
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
    let (base, _) = serve(response).await;
    let err = client(&base, Credentials::bearer("k").expect("header value"))
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
