//! The proxy rule against loopback stand-ins: a proxy that counts every connection made to it,
//! and an origin that answers a create.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use super::*;
use crate::client::Client;
use crate::retry::RetryPolicy;

const ROOM: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
const KEY: &str = "KEYproxy_0123456789";
const CREATED: &str = r#"{"data":{"token":"t0k3n","token_expires_at":"2030-01-01T00:10:00Z","refresh_token":"r3fr3sh","refresh_token_expires_at":"2030-01-01T01:00:00Z"}}"#;

fn env(pairs: &[(&'static str, String)]) -> impl Fn(&str) -> Option<String> + use<> {
    let pairs = pairs.to_vec();
    move |name| {
        pairs
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    }
}

/// A server on `ip` that reads each request head and answers with `reply`; it returns its port,
/// the count of connections and everything it read.
async fn listener(
    ip: &str,
    reply: &'static [u8],
) -> (u16, Arc<AtomicUsize>, Arc<std::sync::Mutex<String>>) {
    let listener = TcpListener::bind((ip, 0)).await.expect("bind loopback");
    let port = listener.local_addr().expect("address").port();
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(std::sync::Mutex::new(String::new()));
    let (count, log) = (connections.clone(), seen.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let log = log.clone();
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 16 * 1024];
                let read = socket.read(&mut buffer).await.unwrap_or(0);
                log.lock()
                    .expect("not poisoned")
                    .push_str(&String::from_utf8_lossy(&buffer[..read]));
                let _ = socket.write_all(reply).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (port, connections, seen)
}

fn created_reply() -> &'static [u8] {
    let text = format!(
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{CREATED}",
        CREATED.len()
    );
    Box::leak(text.into_bytes().into_boxed_slice())
}

fn client(base_url: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(10))
        .build_with_env(lookup)
        .expect("client builds")
}

/// Every variable reqwest would read, with every loopback base: the origin gets the request, the
/// proxy not a single connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_loopback_never_goes_through_a_proxy() {
    let (proxy_port, proxy_connections, _) = listener("127.0.0.1", b"").await;
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    for variable in [
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
    ] {
        for (ip, host) in [
            ("127.0.0.1", "127.0.0.1"),
            ("127.0.0.1", "localhost"),
            ("::1", "[::1]"),
        ] {
            let (origin_port, origin_connections, seen) = listener(ip, created_reply()).await;
            let lookup = env(&[(variable, proxy.clone())]);
            let client = client(&format!("http://{host}:{origin_port}/v2"), &lookup);
            let created = client.create_client_token(ROOM).await;
            assert!(created.is_ok(), "{variable} {host}: {created:?}");
            assert_eq!(
                origin_connections.load(Ordering::SeqCst),
                1,
                "{variable} {host}"
            );
            let head = seen.lock().expect("not poisoned").to_ascii_lowercase();
            assert!(head.contains(&format!(
                "authorization: bearer {}",
                KEY.to_ascii_lowercase()
            )));
        }
    }
    assert_eq!(
        proxy_connections.load(Ordering::SeqCst),
        0,
        "nothing reached the proxy"
    );
}

/// https goes through the environment's proxy as a `CONNECT` tunnel: the proxy learns the host
/// and port, never a header; when the tunnel fails, the error names the proxy (not its password).
#[tokio::test]
async fn https_tunnels_through_the_https_proxy_and_errors_name_it() {
    let (proxy_port, connections, seen) = listener(
        "127.0.0.1",
        b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n",
    )
    .await;
    for variable in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
        let lookup = env(&[
            (
                variable,
                format!("http://user:hunter2@127.0.0.1:{proxy_port}"),
            ),
            ("HTTP_PROXY", "http://127.0.0.1:9".to_owned()),
        ]);
        let error = client("https://api.example.test/v2", &lookup)
            .create_client_token(ROOM)
            .await
            .expect_err("the stand-in refuses the tunnel");
        let shown = format!("{error} {error:?}");
        assert!(
            shown.contains(&format!(
                "through the proxy http://127.0.0.1:{proxy_port} (from {variable})"
            )),
            "{shown}"
        );
        assert!(!shown.contains("hunter2"), "{shown}");
    }
    assert_eq!(connections.load(Ordering::SeqCst), 4);
    let seen = seen.lock().expect("not poisoned").clone();
    assert_eq!(
        seen.matches("CONNECT api.example.test:443 HTTP/1.1")
            .count(),
        4,
        "{seen}"
    );
    // The proxy's own credentials go to the proxy; the API key's header never does.
    let lines = seen.to_ascii_lowercase();
    assert!(
        !lines.lines().any(|line| line.starts_with("authorization:")),
        "{seen}"
    );
    assert!(!seen.contains(KEY), "{seen}");
}

#[tokio::test]
async fn no_proxy_excludes_a_host_and_http_proxy_is_never_read_for_https() {
    let lookup = env(&[
        ("HTTPS_PROXY", "http://127.0.0.1:9".to_owned()),
        ("NO_PROXY", "api.example.test".to_owned()),
    ]);
    let chosen = from_env(true, &lookup).expect("valid").expect("a proxy");
    assert_eq!(chosen.shown, "http://127.0.0.1:9 (from HTTPS_PROXY)");
    let only_http = env(&[("HTTP_PROXY", "http://127.0.0.1:9".to_owned())]);
    assert!(from_env(true, &only_http).expect("valid").is_none());
    assert!(from_env(false, &lookup).expect("valid").is_none());
    let bare = env(&[("ALL_PROXY", "proxy.internal:3128".to_owned())]);
    let chosen = from_env(true, &bare).expect("valid").expect("a proxy");
    assert_eq!(chosen.shown, "http://proxy.internal:3128 (from ALL_PROXY)");
    let bad = env(&[("HTTPS_PROXY", "ftp://user:s3cret@proxy".to_owned())]);
    let error = from_env(true, &bad).err().expect("refused");
    assert_eq!(
        (error.kind(), error.field()),
        (ErrorKind::Config, Some("proxy"))
    );
    assert!(!error.to_string().contains("s3cret"), "{error}");
}
