//! Connection failures name their cause — a refused port, TLS spoken to a plain-http server, a
//! name that does not resolve — and stay retryable `Connect` errors with no secret in them.

use std::io::Write as _;
use std::net::TcpListener;

use reqwest::dns::{Name, Resolve, Resolving};
use telnyx_rooms::retry::RetryPolicy;
use telnyx_rooms::{Client, ErrorKind};

use crate::support::{API_KEY, ROOM_ID, refusing_base_url};

/// A resolver that knows no name.
struct Nowhere;

impl Resolve for Nowhere {
    fn resolve(&self, _name: Name) -> Resolving {
        Box::pin(async {
            Err(Box::new(std::io::Error::other("no such host (test resolver)")) as Box<_>)
        })
    }
}

fn client(base_url: &str) -> telnyx_rooms::ClientBuilder {
    Client::builder()
        .api_key(API_KEY)
        .base_url(base_url)
        .retry_policy(RetryPolicy::none())
}

#[tokio::test]
async fn connection_failures_say_what_failed() {
    // A plain-http server answering a TLS handshake with an HTTP response.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten().take(1) {
            let mut stream = stream;
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        }
    });
    let plain_http = format!("https://localhost:{}/v2", address.port());
    // The base URL, whether names go to a resolver that knows none, and what the error says.
    let cases = [
        (
            refusing_base_url(),
            false,
            "could not connect to the API: connection refused",
        ),
        (plain_http, false, "TLS failed: received corrupt message"),
        (
            "https://api.example.test/v2".to_owned(),
            true,
            "the host name did not resolve (no such host (test resolver))",
        ),
    ];
    for (base_url, nowhere, says) in cases {
        let mut builder = client(&base_url);
        if nowhere {
            builder = builder.dns_resolver(Nowhere);
        }
        let client = builder.build().expect("client");
        let error = client.create_client_token(ROOM_ID).await.expect_err(says);
        assert_eq!(
            (error.kind(), error.is_retryable()),
            (ErrorKind::Connect, true),
            "{base_url}"
        );
        assert!(error.to_string().contains(says), "{error}");
        assert!(!format!("{error} {error:?}").contains(API_KEY));
    }
}
