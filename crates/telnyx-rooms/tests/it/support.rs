//! Fixtures of the facade's loopback tests: a wiremock server, canned Telnyx bodies, a client aimed
//! at it with a recording sleeper and a manual clock, and raw TCP servers that misbehave on
//! purpose. Helpers every suite shares come from `telnyx-rooms-testkit`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use telnyx_rooms::retry::RetryPolicy;
use telnyx_rooms::time::ManualTimeSource;
use telnyx_rooms::{Client, ClientBuilder, CreatedToken, Error, RefreshedToken, Secret};
use telnyx_rooms_mock::TokenKind;
pub use telnyx_rooms_testkit::capture::Captured;
pub use telnyx_rooms_testkit::sleep::{NoWait, RecordingSleeper};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const ROOM_ID: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
pub const API_KEY: &str = "KEY_test_0123456789abcdef_SECRET";
pub const CLIENT_TOKEN: &str = "eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiSldUIn0.eyJ0eXAiOiJhY2Nlc3MiLCJqdGkiOiJjbGllbnQifQ.c2lnbmF0dXJlLWNsaWVudA";
pub const REFRESH_TOKEN: &str = "eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiSldUIn0.eyJ0eXAiOiJyZWZyZXNoIiwianRpIjoicmVmcmVzaCJ9.c2lnbmF0dXJlLXJlZnJlc2g";
pub const NEW_CLIENT_TOKEN: &str = "eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiSldUIn0.eyJ0eXAiOiJhY2Nlc3MiLCJqdGkiOiJuZXcifQ.c2lnbmF0dXJlLW5ldw";

pub fn create_path() -> String {
    format!("/v2/rooms/{ROOM_ID}/actions/generate_join_client_token")
}

pub fn refresh_path() -> String {
    format!("/v2/rooms/{ROOM_ID}/actions/refresh_client_token")
}

pub fn created_body() -> Value {
    json!({"data": {
        "token": CLIENT_TOKEN,
        "token_expires_at": "2030-04-22T12:24:55Z",
        "refresh_token": REFRESH_TOKEN,
        "refresh_token_expires_at": "2030-04-22T13:14:55Z"
    }})
}

pub fn refreshed_body() -> Value {
    json!({"data": {"token": NEW_CLIENT_TOKEN, "token_expires_at": "2030-04-22T12:34:55Z"}})
}

/// A 201 with [`created_body`].
pub fn created() -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(created_body())
}

/// A 201 with [`refreshed_body`].
pub fn refreshed() -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(refreshed_body())
}

/// Answers every `POST` to `route` with `template`.
pub async fn serve(server: &MockServer, route: impl Into<String>, template: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(route.into()))
        .respond_with(template)
        .mount(server)
        .await;
}

/// Answers the first `times` `POST`s to `route` with `template`, ahead of any [`serve`]d answer.
pub async fn serve_first(
    server: &MockServer,
    route: impl Into<String>,
    times: u64,
    template: ResponseTemplate,
) {
    Mock::given(method("POST"))
        .and(path(route.into()))
        .respond_with(template)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
}

/// A loopback base URL nothing listens on: a listener is bound, then dropped.
pub fn refusing_base_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port();
    format!("http://127.0.0.1:{port}/v2")
}

pub fn base_url(server: &MockServer) -> String {
    format!("{}/v2", server.uri())
}

/// The wall-clock time the test clients read (`CLOCK_START`, 2023-11-14T22:13:20Z), moved only
/// by hand: an HTTP-date `Retry-After` resolves against it exactly.
pub const CLOCK_START: u64 = 1_700_000_000;

/// `secs` after [`CLOCK_START`].
pub fn clock_at(secs: u64) -> std::time::SystemTime {
    std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(CLOCK_START + secs)
}

/// A builder aimed at `base_url` with the API key, a recording sleeper and the manual clock.
pub fn builder(base_url: &str, sleeper: &RecordingSleeper) -> ClientBuilder {
    Client::builder()
        .api_key(API_KEY)
        .base_url(base_url)
        .sleeper(sleeper.clone())
        .time_source(ManualTimeSource::new(clock_at(0)))
}

/// A client from [`builder`] at `base_url`, changed by `tune`, and its sleeper.
pub fn tuned_client(
    base_url: &str,
    tune: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> (Client, RecordingSleeper) {
    let sleeper = RecordingSleeper::default();
    let client = tune(builder(base_url, &sleeper))
        .build()
        .expect("client builds");
    (client, sleeper)
}

pub async fn client_for(server: &MockServer) -> (Client, RecordingSleeper) {
    tuned_client(&base_url(server), |builder| builder)
}

/// A client with no retries.
pub fn no_retries(builder: ClientBuilder) -> ClientBuilder {
    builder.retry_policy(RetryPolicy::none())
}

/// A wiremock server answering every `POST` to `route` with `template`.
pub async fn server_answering(route: impl Into<String>, template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    serve(&server, route, template).await;
    server
}

/// How many requests `server` has received.
pub async fn request_count(server: &MockServer) -> usize {
    server.received_requests().await.expect("recorded").len()
}

/// The one request `server` received, which must be `verb` to `at`.
pub async fn only_request(server: &MockServer, verb: &str, at: &str) -> wiremock::Request {
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = requests.into_iter().next().expect("one request");
    assert_eq!(
        (request.method.as_str(), request.url.path()),
        (verb, at),
        "{request:?}"
    );
    request
}

/// The value of header `name` on `request`, which must carry it.
pub fn header<'r>(request: &'r wiremock::Request, name: &str) -> &'r str {
    request
        .headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .expect("ascii")
}

/// One create call for [`ROOM_ID`], which must fail, through a [`tuned_client`] at `base_url`:
/// the error and the waits asked for.
pub async fn create_error_at(
    base_url: &str,
    tune: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> (Error, Vec<Duration>) {
    let (client, sleeper) = tuned_client(base_url, tune);
    let error = client
        .create_client_token(ROOM_ID)
        .await
        .expect_err("the call fails");
    (error, sleeper.waits())
}

/// What a create for a `ttl_secs`-second token and the refresh of its refresh token got from the
/// project's mock: tokens it signed for the room, each expiry the token's own, the requested TTL
/// reached the server, and the key went with the create only.
pub fn assert_minted_by_the_mock(
    server: &telnyx_rooms_mock::MockServer,
    created: &CreatedToken,
    refreshed: &RefreshedToken,
    ttl_secs: i64,
) {
    let verify = |token: &Secret, kind| {
        server
            .verify_token(token.expose(), kind, created.room_id())
            .unwrap_or_else(|error| panic!("a {kind:?} token the mock signed: {error}"))
    };
    let claims = verify(created.token(), TokenKind::Client);
    assert_eq!(
        claims.exp,
        created.expires_at().timestamp(),
        "the reported expiry is the token's own"
    );
    assert_eq!(
        claims.exp - claims.iat,
        ttl_secs,
        "the requested TTL reached the server"
    );
    verify(created.refresh_token(), TokenKind::Refresh);
    assert_eq!(refreshed.room_id(), created.room_id());
    let claims = verify(refreshed.token(), TokenKind::Client);
    assert_eq!(claims.exp, refreshed.expires_at().timestamp());

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer [REDACTED]")
    );
    assert_eq!(
        requests[1].header("authorization"),
        None,
        "no key on refresh"
    );
}

/// A TCP server on loopback that reads each request and answers with `reply` (raw bytes, possibly
/// nothing) before closing the connection. Returns its base URL and the count of connections.
pub async fn raw_server(reply: &'static [u8]) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 16 * 1024];
                let mut seen = Vec::new();
                // Read until the end of the headers and the JSON body (small requests).
                while let Ok(read) = socket.read(&mut buffer).await {
                    if read == 0 {
                        break;
                    }
                    seen.extend_from_slice(&buffer[..read]);
                    if let Some(end) = seen.windows(4).position(|window| window == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|line| line.strip_prefix("content-length:"))
                            .and_then(|value| value.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if seen.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let _ = socket.write_all(reply).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (format!("http://{address}/v2"), connections)
}

pub fn count(connections: &AtomicUsize) -> usize {
    connections.load(Ordering::SeqCst)
}
