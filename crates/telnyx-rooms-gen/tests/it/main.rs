//! The generated client against raw loopback HTTP servers, one binary: exactly what bytes go out
//! and what comes back when the server misbehaves ([`wire`], the client-token operations), and the
//! whole Video API's requests, queries and credentials ([`video`]).
// Helpers outside `#[test]` functions panic on purpose too: they are part of the assertions.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod video;
mod wire;

use std::sync::{Arc, Mutex};

use telnyx_rooms_gen::{Client, Credentials};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub(crate) const ROOM: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
const CREATED: &str = r#"{"data":{"token":"t","token_expires_at":"2026-01-01T00:10:00Z","refresh_token":"r","refresh_token_expires_at":"2026-01-01T01:00:00Z"}}"#;

/// One request as the server read it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) request_line: String,
    /// Header names lower-cased, in arrival order.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Seen {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    pub(crate) fn header_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names
    }
}

/// A loopback server that answers every request with `response` (raw HTTP) and records it.
pub(crate) async fn serve(response: &'static str) -> (String, Arc<Mutex<Vec<Seen>>>) {
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

pub(crate) fn client(base: &str, credentials: Credentials) -> Client {
    // Built alone this crate's reqwest has no TLS; in a workspace build it has the facade's
    // provider-less rustls, which needs a process-wide provider even for plain-HTTP clients.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::new_with_client(base, reqwest::Client::new(), credentials)
}
