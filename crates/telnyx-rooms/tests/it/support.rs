//! Fixtures of the facade's loopback tests: a wiremock server, canned Telnyx bodies, a client aimed
//! at it with a recording sleeper and a manual clock, and raw TCP servers that misbehave on
//! purpose. Helpers every suite shares come from `telnyx-rooms-testkit`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use telnyx_rooms::time::ManualTimeSource;
use telnyx_rooms::{Client, ClientBuilder};
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

/// A builder aimed at `base_url` with the API key and a recording sleeper.
/// The wall-clock time the test clients read (`CLOCK_START`, 2023-11-14T22:13:20Z), moved only
/// by hand: an HTTP-date `Retry-After` resolves against it exactly.
pub const CLOCK_START: u64 = 1_700_000_000;

/// `secs` after [`CLOCK_START`].
pub fn clock_at(secs: u64) -> std::time::SystemTime {
    std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(CLOCK_START + secs)
}

pub fn builder(base_url: &str, sleeper: &RecordingSleeper) -> ClientBuilder {
    Client::builder()
        .api_key(API_KEY)
        .base_url(base_url)
        .sleeper(sleeper.clone())
        .time_source(ManualTimeSource::new(clock_at(0)))
}

pub async fn client_for(server: &MockServer) -> (Client, RecordingSleeper) {
    let sleeper = RecordingSleeper::default();
    let client = builder(&base_url(server), &sleeper)
        .build()
        .expect("client builds");
    (client, sleeper)
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
