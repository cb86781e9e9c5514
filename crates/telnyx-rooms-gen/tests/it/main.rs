//! The generated client against raw loopback HTTP servers, one binary: exactly what bytes go out
//! and what comes back when the server misbehaves ([`wire`], the client-token operations), and the
//! whole Video API's requests, queries and credentials ([`video`]).
// Helpers outside `#[test]` functions panic on purpose too: they are part of the assertions.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod video;
mod wire;

use telnyx_rooms_gen::{Client, Credentials};
use telnyx_rooms_testkit::hostile::{Hostile, Reply, Request};

pub(crate) const ROOM: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
const CREATED: &str = r#"{"data":{"token":"t","token_expires_at":"2026-01-01T00:10:00Z","refresh_token":"r","refresh_token_expires_at":"2026-01-01T01:00:00Z"}}"#;

/// A loopback server that answers every request with `response` (raw HTTP) and records it.
pub(crate) fn serve(response: &'static str) -> Hostile {
    Hostile::start(move |_| Reply::Raw(response.as_bytes().to_vec()))
}

/// The request line of a recorded request.
pub(crate) fn request_line(request: &Request) -> &str {
    request.head.lines().next().unwrap_or_default()
}

/// The header names of a recorded request, lower-cased and sorted.
pub(crate) fn header_names(request: &Request) -> Vec<String> {
    let mut names: Vec<String> = request
        .head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, _)| name.trim().to_ascii_lowercase())
        .collect();
    names.sort_unstable();
    names
}

pub(crate) fn created_response() -> &'static str {
    // Leaked once per test: a `'static` response keeps the server task simple.
    Box::leak(
        format!(
            "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\nx-request-id: req-1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{CREATED}",
            CREATED.len()
        )
        .into_boxed_str(),
    )
}

pub(crate) fn room() -> uuid::Uuid {
    ROOM.parse().expect("uuid")
}

/// A client of `server` sending the API key `key`.
pub(crate) fn with_key(server: &Hostile, key: &str) -> Client {
    client(
        &server.base_url(),
        Credentials::bearer(key).expect("header value"),
    )
}

pub(crate) fn client(base: &str, credentials: Credentials) -> Client {
    // Built alone this crate's reqwest has no TLS; in a workspace build it has the facade's
    // provider-less rustls, which needs a process-wide provider even for plain-HTTP clients.
    telnyx_rooms_testkit::tls::install_crypto_provider();
    Client::new_with_client(base, reqwest::Client::new(), credentials)
}
