//! The proxy rule, end to end with real environment variables: whatever proxy variable is set,
//! plain-http traffic to a loopback base URL goes to the origin, and not one connection (so not
//! the API key, not a refresh token) reaches the proxy.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use telnyx_rooms_testkit::hostile::{Hostile, response};
use telnyx_rooms_testkit::secrets::{API_KEY, REFRESH, ROOM, TOKEN};

use crate::binary::run_with;

/// A proxy stand-in on loopback that only counts the connections made to it.
fn counting_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, count)
}

fn origin() -> Hostile {
    let body = json!({"data": {
        "token": TOKEN, "token_expires_at": "2030-01-01T00:10:00Z",
        "refresh_token": REFRESH, "refresh_token_expires_at": "2030-01-01T01:00:00Z"
    }})
    .to_string();
    Hostile::start(move |_| {
        response(
            201,
            &[("content-type", "application/json")],
            body.as_bytes(),
        )
    })
}

#[test]
fn no_proxy_variable_diverts_plain_http_to_loopback() {
    let (proxy, proxied) = counting_proxy();
    for variable in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        for host in ["127.0.0.1", "localhost", "[::1]"] {
            let server = origin();
            let base_url = server.base_url().replace("127.0.0.1", host);
            if host == "[::1]" {
                // The hostile server listens on 127.0.0.1 only; [::1] is checked for the
                // base-URL rule alone, through a refused connection that must not be proxied.
                let env = [
                    ("TELNYX_BASE_URL", base_url.as_str()),
                    ("TELNYX_API_KEY", API_KEY),
                    (variable, proxy.as_str()),
                ];
                run_with(&["--retries", "0", "token", "create", ROOM], None, &env).assert_exit(4);
                continue;
            }
            let env = [
                ("TELNYX_BASE_URL", base_url.as_str()),
                ("TELNYX_API_KEY", API_KEY),
                (variable, proxy.as_str()),
            ];
            run_with(&["--retries", "0", "token", "create", ROOM], None, &env).assert_ok();
            run_with(
                &["--retries", "0", "token", "refresh", ROOM],
                Some(REFRESH),
                &env,
            )
            .assert_ok();
            assert_eq!(server.request_count(), 2, "{variable} {host}");
        }
    }
    assert_eq!(
        proxied.load(Ordering::SeqCst),
        0,
        "a connection reached the proxy"
    );
}
