//! Bodies as they arrive on the wire: too large (413), cut short or badly framed (400), each with
//! Telnyx's error envelope.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const PATH: &str =
    "/v2/rooms/0ccc7b54-4df3-4bca-a65a-3da1ecc777f0/actions/generate_join_client_token";

/// Sends `request` as raw bytes, closes the sending side, and returns the status and body.
async fn raw(server: &telnyx_rooms_mock::MockServer, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(server.addr()).await.expect("connects");
    // The server may answer before all is sent.
    let _ = stream.write_all(request).await;
    let _ = stream.shutdown().await;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("an answer in time")
        .expect("reads");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn head(extra: &str) -> String {
    format!(
        "POST {PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\n\
         Content-Type: application/json\r\nConnection: close\r\n{extra}\r\n"
    )
}

#[tokio::test]
async fn a_body_cut_short_is_400_not_413() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let request = format!("{}{{\"token_ttl", head("Content-Length: 100\r\n"));
    let (status, body) = raw(&server, request.as_bytes()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("incomplete"), "{body}");
    assert_eq!(server.attempts("CreateRoomClientToken"), 1);
}

#[tokio::test]
async fn bad_chunked_encoding_is_400_not_413() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let request = format!(
        "{}ZZ\r\nnot a chunk\r\n",
        head("Transfer-Encoding: chunked\r\n")
    );
    let (status, body) = raw(&server, request.as_bytes()).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn only_a_body_over_64_kib_is_413() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    // Declared too large: refused before the body is read.
    let request = head("Content-Length: 70000\r\n");
    let (status, body) = raw(&server, request.as_bytes()).await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("exceeds 65536 bytes"), "{body}");

    // Sent too large in chunks, with no length declared.
    let chunk = "a".repeat(40 * 1024);
    let chunked = format!(
        "{}{:x}\r\n{chunk}\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        head("Transfer-Encoding: chunked\r\n"),
        chunk.len(),
        chunk.len()
    );
    let (status, _) = raw(&server, chunked.as_bytes()).await;
    assert_eq!(status, 413);

    // Exactly 64 KiB of JSON whitespace around an object is read, and answered on its merits.
    let padded = format!("{{}}{}", " ".repeat(64 * 1024 - 2));
    let request = format!(
        "{}{padded}",
        head(&format!("Content-Length: {}\r\n", padded.len()))
    );
    let (status, body) = raw(&server, request.as_bytes()).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn a_head_over_64_kib_is_431() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let request = head(&format!("X-Padding: {}\r\n", "a".repeat(70 * 1024)));
    let (status, _) = raw(&server, request.as_bytes()).await;
    assert_eq!(status, 431);
    // A head just under the bound is read.
    let request = format!(
        "{}{{}}",
        head(&format!(
            "Content-Length: 2\r\nX-Padding: {}\r\n",
            "a".repeat(60 * 1024)
        ))
    );
    let (status, body) = raw(&server, request.as_bytes()).await;
    assert_eq!(status, 201, "{body}");
}
