//! Hostile servers, the SDK side: the `telnyx-rooms` facade against a loopback server that lies, echoes
//! and stalls. Each test names the case it keeps fixed.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use telnyx_rooms::retry::{MIN_SERVER_DELAY, RetryPolicy};
use telnyx_rooms::{Client, ClientBuilder, Error, ErrorKind};
use telnyx_rooms_testkit::dns::FixedResolver;
use telnyx_rooms_testkit::hostile::{Hostile, Reply, Request, head, response};
use telnyx_rooms_testkit::secrets::{API_KEY, REFRESH, ROOM, TOKEN};
use telnyx_rooms_testkit::sleep::RecordingSleeper;
/// An address off this machine that no test ever connects to (the check refuses it first).
const OUTSIDE: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn builder(base_url: &str, waits: &RecordingSleeper) -> ClientBuilder {
    Client::builder()
        .api_key(API_KEY)
        .base_url(base_url)
        .sleeper(waits.clone())
}

/// A client of `server` with the API key, waiting through `waits`.
fn client_of(server: &Hostile, waits: &RecordingSleeper) -> Client {
    builder(&server.base_url(), waits).build().expect("client")
}

/// The same, making one attempt per call.
fn one_attempt_client(server: &Hostile, waits: &RecordingSleeper) -> Client {
    builder(&server.base_url(), waits)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client")
}

fn created_body(token: &str) -> String {
    format!(
        r#"{{"data":{{"token":"{token}","token_expires_at":"2030-01-01T00:00:00Z","refresh_token":"{REFRESH}","refresh_token_expires_at":"2030-01-01T01:00:00Z"}}}}"#
    )
}

fn create(client: &Client) -> Result<telnyx_rooms::CreatedToken, Error> {
    runtime().block_on(client.create_client_token(ROOM).send())
}

fn refresh(client: &Client) -> Result<telnyx_rooms::RefreshedToken, Error> {
    runtime().block_on(client.refresh_client_token(ROOM, REFRESH).send())
}

/// Every way an error is shown: Display, Debug, the accessors of server text.
fn shown(error: &Error) -> String {
    let mut text = format!("{error}\n{error:?}\n{error:#?}\n");
    for entry in error.api_errors() {
        for part in [
            entry.code(),
            entry.title(),
            entry.detail(),
            entry.source_pointer(),
        ] {
            text.push_str(part.unwrap_or_default());
            text.push('\n');
        }
    }
    text.push_str(error.body_snippet().unwrap_or_default());
    text.push_str(error.request_id().unwrap_or_default());
    text
}

fn assert_no_secret(text: &str) {
    for secret in [API_KEY, REFRESH] {
        assert!(!text.contains(secret), "a secret is shown: {text}");
    }
}

/// Case 1: a `*.localhost` name is only as loopback as what it resolves to.
#[test]
fn plain_http_names_must_resolve_to_loopback_only() {
    let server = Hostile::start(|_| response(201, &[], created_body(TOKEN).as_bytes()));
    let port = server.port();
    let waits = RecordingSleeper::default();
    for answer in [
        vec![OUTSIDE],
        vec![IpAddr::V4(Ipv4Addr::LOCALHOST), OUTSIDE],
    ] {
        let client = builder(&format!("http://evil.localhost:{port}/v2"), &waits)
            .dns_resolver(FixedResolver(answer.clone()))
            .build()
            .expect("a loopback name is accepted when building");
        let error = create(&client).expect_err("resolved off this machine");
        assert_eq!(error.kind(), ErrorKind::Config, "{error}");
        assert_eq!(error.field(), Some("base_url"));
        assert_eq!(error.attempts(), 1, "not retried: {answer:?}");
        assert!(!error.is_retryable());
        assert_no_secret(&shown(&error));
    }
    assert_eq!(server.request_count(), 0, "nothing was sent anywhere");

    let client = builder(&format!("http://mock.localhost:{port}/v2"), &waits)
        .dns_resolver(FixedResolver(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]))
        .build()
        .expect("client");
    create(&client).expect("a name resolving to loopback works");
    let sent = server.requests();
    assert_eq!(sent[0].header("authorization"), Some("Bearer KEYlive_0123"));

    // With the caller's own HTTP client the SDK cannot check the resolver: literals only.
    let own = telnyx_rooms::http_client_builder(None)
        .expect("builder")
        .build()
        .expect("reqwest client");
    let refused = Client::builder()
        .base_url(format!("http://localhost:{port}/v2"))
        .http_client(own.clone())
        .build()
        .expect_err("a name with a foreign client");
    assert_eq!(refused.field(), Some("base_url"));
    Client::builder()
        .base_url(server.base_url())
        .http_client(own)
        .build()
        .expect("a loopback literal with a foreign client");
}

/// Cases 2 and 3: what a server echoes is scrubbed of the secrets we sent; field names are not.
#[test]
fn echoed_secrets_are_scrubbed_and_field_names_kept() {
    let page = Hostile::start(|request: &Request| {
        let page = format!("<html><pre>{}</pre></html>", request.echo());
        response(502, &[("content-type", "text/html")], page.as_bytes())
    });
    let waits = RecordingSleeper::default();
    let client = client_of(&page, &waits);
    let created = create(&client).expect_err("502");
    assert!(
        created
            .body_snippet()
            .expect("a snippet")
            .contains("Bearer [REDACTED]"),
        "{created}"
    );
    let refreshed = refresh(&client).expect_err("502");
    for error in [&created, &refreshed] {
        assert_eq!(error.attempts(), 3, "5xx retried");
        assert_no_secret(&shown(error));
    }
    assert!(
        page.requests()[0].echo().contains(API_KEY),
        "the key was echoed"
    );

    let detail = Hostile::start(|request: &Request| {
        let body = String::from_utf8_lossy(&request.body).replace('"', "'");
        let json = format!(
            r#"{{"errors":[{{"code":"10015","title":"lacks refresh_token_expires_at","detail":"got {body}","source":{{"pointer":"/refresh_token"}}}}]}}"#
        );
        response(
            400,
            &[("x-request-id", &format!("req-{API_KEY}"))],
            json.as_bytes(),
        )
    });
    let client = client_of(&detail, &waits);
    let error = refresh(&client).expect_err("400");
    assert_no_secret(&shown(&error));
    let entry = &error.api_errors()[0];
    assert_eq!(entry.title(), Some("lacks refresh_token_expires_at"));
    assert_eq!(entry.source_pointer(), Some("/refresh_token"));
    assert_eq!(entry.detail(), Some("got {'refresh_token':'[REDACTED]'}"));
    assert_eq!(error.request_id(), Some("req-[REDACTED]"));

    // Case 3: a non-JSON body naming fields keeps the names.
    let plain = Hostile::start(|_| {
        response(
            422,
            &[("content-type", "text/plain")],
            b"request lacks refresh_token_expires_at and token_ttl_secs_maximum_exceeded",
        )
    });
    let client = client_of(&plain, &waits);
    let error = create(&client).expect_err("422");
    assert_eq!(
        error.body_snippet(),
        Some("request lacks refresh_token_expires_at and token_ttl_secs_maximum_exceeded")
    );
}

/// Case 4 (SDK side): escape sequences and newlines in server text come out escaped; a "token"
/// holding control characters is not a token.
#[test]
fn control_characters_from_the_server_are_escaped_or_refused() {
    let server = Hostile::start(|_| {
        response(
            400,
            &[],
            br#"{"errors":[{"code":"1","title":"\u001b]0;pwned\u0007\u001b[2Jcleared","detail":"line one\nline two"}]}"#,
        )
    });
    let waits = RecordingSleeper::default();
    let client = client_of(&server, &waits);
    let error = create(&client).expect_err("400");
    let display = error.to_string();
    assert!(!display.chars().any(char::is_control), "{display:?}");
    assert_eq!(
        error.api_errors()[0].title(),
        Some("\\u{1b}]0;pwned\\u{7}\\u{1b}[2Jcleared")
    );
    assert_eq!(
        error.api_errors()[0].detail(),
        Some("line one\\u{a}line two")
    );

    let token =
        Hostile::start(|_| response(201, &[], created_body("eyJa.b\\u001b[2J.c").as_bytes()));
    let client = client_of(&token, &waits);
    let error = create(&client).expect_err("not a token");
    assert_eq!(error.kind(), ErrorKind::Decode, "{error}");
    assert_eq!(error.attempts(), 1);
}

/// Case 5: huge success bodies are read with a cap and are `Decode` errors, not retried; a
/// request the server refuses as too large is not retried; huge credentials are never sent.
#[test]
fn reads_are_bounded_and_oversized_requests_not_retried() {
    let huge = Hostile::start(|_| Reply::Stream {
        head: head(
            201,
            &[("content-type", "application/json")],
            Some(50 * 1024 * 1024),
        ),
        chunk: [b"{\"data\":{\"token\":\"".as_slice(), &[b'a'; 64 * 1024]].concat(),
        times: 800,
        pause: Duration::ZERO,
    });
    let waits = RecordingSleeper::default();
    let client = client_of(&huge, &waits);
    let error = create(&client).expect_err("50 MB");
    assert_eq!(error.kind(), ErrorKind::Decode, "{error}");
    assert_eq!((error.status(), error.attempts()), (Some(201), 1));
    assert!(
        error.to_string().contains("longer than 65536 bytes"),
        "{error}"
    );

    // Huge error pages: the status stands, the body is cut (a snippet) or dropped, never buffered.
    for (status, attempts) in [(500, 3), (403, 1)] {
        let page = Hostile::start(move |_| Reply::Stream {
            head: head(status, &[("content-type", "text/html")], None),
            chunk: b"<p>down</p>".repeat(8192),
            times: 100,
            pause: Duration::ZERO,
        });
        let client = client_of(&page, &waits);
        let error = create(&client).expect_err("an error page");
        assert_eq!(error.kind(), ErrorKind::Api, "{error}");
        assert_eq!((error.status(), error.attempts()), (Some(status), attempts));
        let snippet = error.body_snippet().unwrap_or_default();
        assert!(snippet.chars().count() <= 201, "{snippet}");
    }

    let too_large = Hostile::start(|_| response(413, &[], b"Payload Too Large"));
    let client = client_of(&too_large, &waits);
    let error = refresh(&client).expect_err("413");
    assert_eq!((error.status(), error.attempts()), (Some(413), 1));
    assert_eq!(too_large.request_count(), 1);

    let long_token = "r".repeat(100 * 1024);
    let error = runtime()
        .block_on(client.refresh_client_token(ROOM, long_token).send())
        .expect_err("too long");
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert_eq!(
        (error.field(), error.attempts()),
        (Some("refresh_token"), 0)
    );
    assert_eq!(too_large.request_count(), 1, "nothing more was sent");
}

/// Case 5: lying lengths and stalled bodies end in truthful errors.
#[test]
fn lying_lengths_and_stalled_bodies_are_classified_truthfully() {
    let short = Hostile::start(|_| {
        let mut bytes = head(201, &[], Some(5000));
        bytes.extend_from_slice(br#"{"data":{"token":"#);
        Reply::Raw(bytes)
    });
    let waits = RecordingSleeper::default();
    let client = one_attempt_client(&short, &waits);
    let error = create(&client).expect_err("cut short");
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert!(error.is_retryable());

    let body = created_body(TOKEN);
    let long = Hostile::start(move |_| {
        let mut bytes = head(201, &[], Some(40));
        bytes.extend_from_slice(body.as_bytes());
        Reply::Raw(bytes)
    });
    let client = client_of(&long, &waits);
    let error = create(&client).expect_err("cut by its own length");
    assert_eq!((error.kind(), error.attempts()), (ErrorKind::Decode, 1));

    let slow = Hostile::start(|_| Reply::Stream {
        head: head(201, &[], Some(10_000)),
        chunk: b" ".to_vec(),
        times: 10_000,
        pause: Duration::from_millis(50),
    });
    let client = builder(&slow.base_url(), &waits)
        .timeout(Duration::from_millis(500))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let error = create(&client).expect_err("stalled");
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
}

/// Case 6: credentials a bearer token cannot contain are refused before any I/O, unquoted.
#[test]
fn malformed_credentials_are_refused_locally_without_showing_them() {
    let server = Hostile::start(|_| response(201, &[], created_body(TOKEN).as_bytes()));
    for key in ["\u{feff}KEYlive_0123", "KEYlivé_0123", "KEY live_0123"] {
        let error = Client::builder()
            .api_key(key)
            .base_url(server.base_url())
            .build()
            .expect_err("refused");
        assert_eq!(
            (error.kind(), error.field()),
            (ErrorKind::Config, Some("api_key"))
        );
        assert!(!shown(&error).contains("live_0123"), "{error}");
    }
    let client = Client::builder()
        .base_url(server.base_url())
        .build()
        .expect("client");
    let error = runtime()
        .block_on(
            client
                .refresh_client_token(ROOM, "eyJé.secretpart.x")
                .send(),
        )
        .expect_err("refused");
    assert_eq!(error.field(), Some("refresh_token"));
    assert!(!shown(&error).contains("secretpart"), "{error}");
    assert_eq!(server.request_count(), 0);
}

/// Case 7: `is_retryable` says what the retry loop did.
#[test]
fn is_retryable_agrees_with_the_retry_loop() {
    let waits = RecordingSleeper::default();
    for (status, should_retry, attempts) in [(503, "false", 1), (400, "true", 3)] {
        let server =
            Hostile::start(move |_| response(status, &[("x-should-retry", should_retry)], b"{}"));
        let client = client_of(&server, &waits);
        let error = create(&client).expect_err("an error status");
        assert_eq!(error.attempts(), attempts, "{status} {should_retry}");
        assert_eq!(
            error.is_retryable(),
            attempts > 1,
            "{status} {should_retry}"
        );
        let once = one_attempt_client(&server, &waits);
        assert_eq!(
            create(&once).expect_err("again").is_retryable(),
            attempts > 1
        );
    }
}

/// Case 8: `Retry-After: 0` still waits the floor.
#[test]
fn retry_after_zero_waits_the_floor() {
    let server = Hostile::start(|_| response(503, &[("retry-after", "0")], b""));
    let waits = RecordingSleeper::default();
    let client = client_of(&server, &waits);
    create(&client).expect_err("503");
    assert_eq!(server.request_count(), 3);
    assert_eq!(waits.waits(), vec![MIN_SERVER_DELAY, MIN_SERVER_DELAY]);
    assert_eq!(MIN_SERVER_DELAY, Duration::from_millis(100));
}

mod review;
