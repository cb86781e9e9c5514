//! Certificates are checked although the trust store is read lazily: a loopback https server with
//! a self-signed certificate is refused by the SDK's own client, and the same server is accepted
//! by a client told to trust that certificate (so the refusal is about trust, not a broken server).

#![cfg(feature = "rustls")]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use telnyx_rooms::retry::RetryPolicy;
use telnyx_rooms::{Client, ClientBuilder, Error, ErrorKind, RefreshedToken};

const ROOM_ID: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
const CERT: &[u8] = include_bytes!("../fixtures/self-signed-localhost.cert.der");
const KEY: &[u8] = include_bytes!("../fixtures/self-signed-localhost.key.pk8.der");
const REFRESHED: &str =
    r#"{"data":{"token":"client.token.tls","token_expires_at":"2030-04-22T12:34:55Z"}}"#;

/// Serves one https connection with the self-signed certificate; reports whether the handshake
/// completed. On success it answers one request with a 201 refresh body.
fn self_signed_server() -> (String, mpsc::Receiver<Result<(), String>>) {
    let provider = Arc::new(telnyx_rooms_testkit::tls::ring_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(CERT)],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(KEY)),
        )
        .expect("certificate and key");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let (report, outcome) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().expect("accept");
        let mut tls = rustls::ServerConnection::new(Arc::new(config)).expect("connection");
        while tls.is_handshaking() {
            if let Err(error) = tls.complete_io(&mut tcp) {
                let _ = report.send(Err(error.to_string()));
                return;
            }
        }
        let mut stream = rustls::Stream::new(&mut tls, &mut tcp);
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        while !request.windows(4).any(|window| window == b"\r\n\r\n") {
            match stream.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(read) => request.extend_from_slice(&buffer[..read]),
            }
        }
        let response = format!(
            "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{REFRESHED}",
            REFRESHED.len()
        );
        let _ = stream.write_all(response.as_bytes());
        let _ = stream.flush();
        let _ = report.send(Ok(()));
    });
    (format!("https://localhost:{port}/v2"), outcome)
}

/// One refresh, without retries, to `base_url` through `builder`.
async fn refresh(builder: ClientBuilder, base_url: &str) -> Result<RefreshedToken, Error> {
    let client = builder
        .base_url(base_url)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    client
        .refresh_client_token(ROOM_ID, "a.refresh.token")
        .await
}

#[tokio::test]
async fn a_self_signed_loopback_server_is_refused() {
    let (base_url, outcome) = self_signed_server();
    let error = refresh(Client::builder(), &base_url)
        .await
        .expect_err("an untrusted certificate");
    assert_eq!(error.kind(), ErrorKind::Connect, "{error:?}");
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(&error);
    while let Some(current) = source {
        chain.push_str(&current.to_string());
        chain.push('\n');
        source = current.source();
    }
    assert!(chain.contains("invalid peer certificate"), "{chain}");
    let server_side = outcome.recv().expect("the server reports");
    assert!(server_side.is_err(), "the handshake must not complete");
}

#[tokio::test]
async fn the_same_server_is_accepted_by_a_client_that_trusts_its_certificate() {
    let (base_url, outcome) = self_signed_server();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(CERT)).expect("root");
    let provider = Arc::new(telnyx_rooms_testkit::tls::ring_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let http = telnyx_rooms::http_client_builder(None)
        .expect("builder")
        .tls_backend_preconfigured(tls)
        .build()
        .expect("reqwest client");
    let refreshed = refresh(Client::builder().http_client(http), &base_url)
        .await
        .expect("trusted");
    assert_eq!(refreshed.token().expose(), "client.token.tls");
    assert_eq!(outcome.recv().expect("the server reports"), Ok(()));
}
