//! The blocking client (feature `blocking`) against loopback servers, mirroring the async wire,
//! retry and timeout tests: exact bytes, the key on create only, checks before I/O, attempt
//! counts, timeouts, and the documented panic inside an async context.
//!
//! The servers run on a background runtime of the test's own; the client is called from the
//! plain test thread, as a program without an async runtime calls it.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use crate::support::{RecordingSleeper, assert_minted_by_the_mock};
use serde_json::json;
use telnyx_rooms::ErrorKind;
use telnyx_rooms::blocking::{Client, ClientBuilder};
use telnyx_rooms::retry::RetryPolicy;
use telnyx_rooms_mock::{Fault, MockServer};
use tokio::runtime::Runtime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const ROOM_ID: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
const API_KEY: &str = "KEY_blocking_0123456789_SECRET";

/// A runtime for the servers, on its own worker thread.
fn server_runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime")
}

/// The project's mock on `runtime`, with `faults`.
fn mock(runtime: &Runtime, faults: Vec<Fault>) -> MockServer {
    let mut builder = MockServer::builder();
    for fault in faults {
        builder = builder.fault(fault);
    }
    runtime.block_on(builder.start()).expect("mock")
}

fn client(base_url: &str, sleeper: &RecordingSleeper) -> Client {
    Client::builder()
        .api_key(API_KEY)
        .base_url(base_url)
        .sleeper(sleeper.clone())
        .build()
        .expect("client")
}

/// The project's mock with `faults` on a runtime of its own, and a blocking client aimed at it.
/// Fields drop in order: the client and the mock before the runtime they run on.
struct Served {
    client: Client,
    server: MockServer,
    sleeper: RecordingSleeper,
    runtime: Runtime,
}

fn served(faults: Vec<Fault>) -> Served {
    let runtime = server_runtime();
    let server = mock(&runtime, faults);
    let sleeper = RecordingSleeper::default();
    let client = client(server.base_url(), &sleeper);
    Served {
        client,
        server,
        sleeper,
        runtime,
    }
}

#[test]
fn exact_bytes_and_the_key_on_create_only() {
    let runtime = server_runtime();
    let server = runtime.block_on(wiremock::MockServer::start());
    let created = json!({"data": {
        "token": "client.token.one", "token_expires_at": "2030-04-22T12:24:55Z",
        "refresh_token": "refresh.token.one", "refresh_token_expires_at": "2030-04-22T13:14:55Z"
    }});
    let refreshed =
        json!({"data": {"token": "client.token.two", "token_expires_at": "2030-04-22T12:34:55Z"}});
    for (route, body) in [
        ("generate_join_client_token", created),
        ("refresh_client_token", refreshed),
    ] {
        runtime.block_on(
            Mock::given(method("POST"))
                .and(path(format!("/v2/rooms/{ROOM_ID}/actions/{route}")))
                .respond_with(
                    ResponseTemplate::new(201)
                        .set_body_json(body)
                        .insert_header("x-request-id", "req-1"),
                )
                .mount(&server),
        );
    }
    let client = client(
        &format!("{}/v2", server.uri()),
        &RecordingSleeper::default(),
    );

    let token = client
        .create_client_token(ROOM_ID)
        .token_ttl(Duration::from_secs(900))
        .refresh_token_ttl(Duration::from_secs(7200))
        .send()
        .expect("created");
    assert_eq!(token.token().expose(), "client.token.one");
    assert_eq!(token.refresh_token().expose(), "refresh.token.one");
    assert_eq!(token.expires_at().to_rfc3339(), "2030-04-22T12:24:55+00:00");
    assert_eq!(token.request_id(), Some("req-1"));
    let new = client
        .refresh_client_token(token.room_id(), token.refresh_token().clone())
        .token_ttl(Duration::from_secs(10))
        .send()
        .expect("refreshed");
    assert_eq!(new.token().expose(), "client.token.two");

    let requests = runtime
        .block_on(server.received_requests())
        .expect("recorded");
    assert_eq!(requests.len(), 2);
    let (create, refresh) = (&requests[0], &requests[1]);
    assert_eq!(create.method.as_str(), "POST");
    assert_eq!(
        create.url.path(),
        format!("/v2/rooms/{ROOM_ID}/actions/generate_join_client_token")
    );
    assert_eq!(
        create.body,
        br#"{"refresh_token_ttl_secs":7200,"token_ttl_secs":900}"#
    );
    assert_eq!(
        create.headers.get("authorization").expect("key").as_bytes(),
        format!("Bearer {API_KEY}").as_bytes()
    );
    assert_eq!(
        create.headers.get("user-agent").expect("ua").as_bytes(),
        format!("telnyx-rooms-rust/{}", env!("CARGO_PKG_VERSION")).as_bytes()
    );
    assert_eq!(
        refresh.url.path(),
        format!("/v2/rooms/{ROOM_ID}/actions/refresh_client_token")
    );
    assert_eq!(
        refresh.body,
        br#"{"refresh_token":"refresh.token.one","token_ttl_secs":10}"#
    );
    assert!(
        refresh.headers.get("authorization").is_none(),
        "no key on refresh"
    );
}

#[test]
fn create_then_refresh_against_the_mock_with_real_tokens() {
    let served = served(Vec::new());
    let (client, server) = (&served.client, &served.server);
    let created = client
        .create_client_token(ROOM_ID)
        .token_ttl(Duration::from_secs(120))
        .send()
        .expect("created");
    let refreshed = client
        .refresh_client_token(created.room_id(), created.refresh_token().clone())
        .send()
        .expect("refreshed");
    assert_minted_by_the_mock(server, &created, &refreshed, 120);
}

#[test]
fn checks_before_io_and_the_missing_key() {
    let served = served(Vec::new());
    let (client, server) = (&served.client, &served.server);
    let not_uuid = client
        .create_client_token("room-42")
        .send()
        .expect_err("not a uuid");
    assert_eq!(
        (not_uuid.kind(), not_uuid.field(), not_uuid.attempts()),
        (ErrorKind::InvalidRequest, Some("room_id"), 0)
    );
    let too_short = client
        .create_client_token(ROOM_ID)
        .token_ttl(Duration::from_secs(9))
        .send()
        .expect_err("below 10 s");
    assert_eq!(too_short.field(), Some("token_ttl"));
    let empty = client
        .refresh_client_token(ROOM_ID, "")
        .send()
        .expect_err("empty refresh token");
    assert_eq!(empty.field(), Some("refresh_token"));

    let keyless = Client::builder()
        .base_url(server.base_url())
        .build()
        .expect("client without a key");
    assert!(!keyless.has_api_key());
    let missing = keyless
        .create_client_token(ROOM_ID)
        .send()
        .expect_err("no key");
    assert_eq!(missing.kind(), ErrorKind::MissingApiKey);
    assert_eq!(server.request_count(), 0, "nothing was sent");

    let remote_http = Client::builder()
        .api_key(API_KEY)
        .base_url("http://api.telnyx.com/v2")
        .build()
        .expect_err("clear text to a remote host");
    assert_eq!(remote_http.kind(), ErrorKind::Config);
    assert!(!format!("{remote_http:?}").contains(API_KEY));
    assert!(format!("{client:?}").contains("[REDACTED]"));
    assert!(!format!("{client:?}").contains(API_KEY));
}

#[test]
fn retryable_statuses_are_retried_and_others_are_not() {
    let served = served(vec![
        Fault::status(503)
            .times(2)
            .for_operation("CreateRoomClientToken"),
    ]);
    let (client, server, sleeper) = (&served.client, &served.server, &served.sleeper);
    client
        .create_client_token(ROOM_ID)
        .send()
        .expect("the third attempt succeeds");
    assert_eq!(server.attempts("CreateRoomClientToken"), 3);
    let waits = sleeper.waits();
    assert_eq!(waits.len(), 2, "{waits:?}");
    assert!(waits[0] > Duration::from_millis(374) && waits[0] <= Duration::from_millis(500));

    server.clear_log();
    server.inject(Fault::status(503));
    let exhausted = client
        .create_client_token(ROOM_ID)
        .send()
        .expect_err("503 every time");
    assert_eq!(
        (exhausted.kind(), exhausted.status(), exhausted.attempts()),
        (ErrorKind::Api, Some(503), 3)
    );
    assert_eq!(server.attempts("CreateRoomClientToken"), 3);

    server.clear_faults();
    server.clear_log();
    server.inject(Fault::status(422));
    let final_ = client
        .create_client_token(ROOM_ID)
        .retry_policy(RetryPolicy::default().max_retries(5))
        .send()
        .expect_err("422 is final");
    assert_eq!((final_.status(), final_.attempts()), (Some(422), 1));
    assert_eq!(server.attempts("CreateRoomClientToken"), 1);
}

#[test]
fn slow_attempts_time_out_and_are_retried() {
    let served = served(vec![Fault::delayed(Duration::from_secs(5))]);
    // How the client is bounded, the attempts that fit, and what the error says.
    let bounds: [(ClientBuilder, u32, &str); 2] = [
        (
            Client::builder()
                .timeout(Duration::from_millis(100))
                .retry_policy(RetryPolicy::default().max_retries(1)),
            2,
            "per-attempt timeout",
        ),
        (
            Client::builder().deadline(Duration::from_millis(150)),
            1,
            "deadline",
        ),
    ];
    for (builder, attempts, says) in bounds {
        let client = builder
            .base_url(served.server.base_url())
            .sleeper(RecordingSleeper::default())
            .build()
            .expect("client");
        let error = client
            .refresh_client_token(ROOM_ID, "any.refresh.token")
            .send()
            .expect_err(says);
        assert_eq!(error.kind(), ErrorKind::Timeout);
        assert_eq!(error.attempts(), attempts, "{says}");
        assert!(error.to_string().contains(says), "{error}");
    }
}

#[test]
fn send_inside_an_async_context_panics_and_drop_does_not() {
    let client = Client::builder()
        .base_url("http://127.0.0.1:9/v2")
        .build()
        .expect("client");
    let async_context = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let panicked = std::panic::catch_unwind(AssertUnwindSafe(|| {
        async_context.block_on(async {
            let _ = client.refresh_client_token(ROOM_ID, "t.o.k").send();
        })
    }))
    .expect_err("blocking inside an async context is refused");
    let message = panicked
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panicked.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    assert!(
        message.contains("Cannot start a runtime from within a runtime"),
        "{message}"
    );
    // The last clone dropped inside an async context shuts its runtime down without panicking.
    async_context.block_on(async move { drop(client) });
    // Building one there is fine too.
    let built_inside = async_context.block_on(async { Client::builder().build() });
    assert!(built_inside.is_ok());
}

#[test]
fn send_from_spawn_blocking_inside_a_runtime_works() {
    let served = served(Vec::new());
    let client = served.client.clone();
    let created = served
        .runtime
        .block_on(async move {
            tokio::task::spawn_blocking(move || client.create_client_token(ROOM_ID).send()).await
        })
        .expect("the blocking task finished")
        .expect("created");
    assert_eq!(created.room_id().to_string(), ROOM_ID);
    assert_eq!(served.server.attempts("CreateRoomClientToken"), 1);
}
