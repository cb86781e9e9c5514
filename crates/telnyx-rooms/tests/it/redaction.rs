//! Secrets never leak: every public type is formatted with `{:?}`, `{:#?}` and (where it has one)
//! `{}` and checked for the API key and tokens; so is the `tracing` output of real calls.

use std::time::Duration;

use crate::support::*;
use serde_json::json;
use telnyx_rooms::retry::RetryPolicy;
use telnyx_rooms::{Client, ErrorKind, Secret};
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::{MockServer, ResponseTemplate};

const SECRETS: [&str; 4] = [API_KEY, CLIENT_TOKEN, REFRESH_TOKEN, NEW_CLIENT_TOKEN];

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} leaks a secret: {text}");
    }
}

fn assert_debug_clean(what: &str, value: &dyn std::fmt::Debug) {
    assert_no_secret(what, &format!("{value:?}"));
    assert_no_secret(what, &format!("{value:#?}"));
}

fn assert_display_clean(what: &str, value: &dyn std::fmt::Display) {
    assert_no_secret(what, &value.to_string());
}

async fn server_with_every_outcome() -> MockServer {
    let server = server_answering(
        create_path(),
        created().insert_header("x-request-id", "req-ok"),
    )
    .await;
    serve(&server, refresh_path(), refreshed()).await;
    server
}

#[tokio::test]
async fn every_public_type_formats_without_secrets() {
    let server = server_with_every_outcome().await;
    let (client, _) = client_for(&server).await;

    let builder = Client::builder()
        .api_key(API_KEY)
        .base_url(base_url(&server))
        .deadline(Duration::from_secs(5));
    assert_debug_clean("ClientBuilder", &builder);
    assert_debug_clean("Client", &client);
    assert!(format!("{client:?}").contains("[REDACTED]"));

    let secret = Secret::from(API_KEY);
    assert_debug_clean("Secret", &secret);
    assert_display_clean("Secret", &secret);

    let create = client
        .create_client_token(ROOM_ID)
        .token_ttl(Duration::from_secs(60));
    assert_debug_clean("CreateClientToken", &create);
    let created = create.await.expect("created");
    assert_debug_clean("CreatedToken", &created);
    assert_debug_clean("Option<CreatedToken>", &Some(created.clone()));

    let refresh = client.refresh_client_token(ROOM_ID, created.refresh_token().clone());
    assert_debug_clean("RefreshClientToken", &refresh);
    let refreshed = refresh.await.expect("refreshed");
    assert_debug_clean("RefreshedToken", &refreshed);

    assert_debug_clean("RetryPolicy", &RetryPolicy::default());
    assert_debug_clean("ErrorKind", &ErrorKind::Api);
    assert_debug_clean("TokioSleeper", &telnyx_rooms::time::TokioSleeper);
}

#[tokio::test]
async fn errors_of_every_kind_format_without_secrets() {
    let server = MockServer::start().await;
    // An error body that echoes the tokens back, as a misbehaving proxy might.
    serve(
        &server,
        create_path(),
        ResponseTemplate::new(400).set_body_string(format!(
            "bad request for Bearer {API_KEY} refresh {REFRESH_TOKEN}"
        )),
    )
    .await;
    serve(
        &server,
        refresh_path(),
        ResponseTemplate::new(201).set_body_string(format!(
            r#"{{"data":{{"token":"{NEW_CLIENT_TOKEN}","token_expires_at":"soon"}}}}"#
        )),
    )
    .await;
    let (client, _) = client_for(&server).await;
    let no_key = Client::builder()
        .base_url(base_url(&server))
        .build()
        .expect("client");

    let errors = vec![
        client.create_client_token(ROOM_ID).await.expect_err("400"),
        client
            .refresh_client_token(ROOM_ID, REFRESH_TOKEN)
            .await
            .expect_err("bad date"),
        no_key
            .create_client_token(ROOM_ID)
            .await
            .expect_err("no key"),
        client
            .create_client_token("not-a-room")
            .await
            .expect_err("bad id"),
        Client::builder()
            .api_key(API_KEY)
            .base_url("http://example.com/v2")
            .build()
            .expect_err("clear text"),
        Client::builder()
            .api_key(format!("{API_KEY}\r\n"))
            .build()
            .expect_err("header-unsafe key"),
    ];
    for error in &errors {
        assert_debug_clean("Error", error);
        assert_display_clean("Error", error);
        for entry in error.api_errors() {
            assert_debug_clean("ApiErrorEntry", entry);
            assert_display_clean("ApiErrorEntry", entry);
        }
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            assert_display_clean("Error source", cause);
            assert_debug_clean("Error source", &cause);
            source = cause.source();
        }
    }
}

#[tokio::test]
async fn the_call_span_records_operation_room_attempt_status_and_request_id_but_no_secret() {
    let server = server_with_every_outcome().await;
    serve(
        &server,
        format!(
            "/v2/rooms/{}/actions/generate_join_client_token",
            "11111111-2222-3333-4444-555555555555"
        ),
        ResponseTemplate::new(503)
            .insert_header("x-request-id", "req-503")
            .set_body_json(json!({"errors": [{"code": "1", "title": "down"}]})),
    )
    .await;
    let (client, _) = client_for(&server).await;
    let captured = Captured::default();
    let subscriber = captured.subscriber(tracing::Level::TRACE, FmtSpan::CLOSE);
    let _guard = tracing::subscriber::set_default(subscriber);

    let created = client.create_client_token(ROOM_ID).await.expect("created");
    client
        .refresh_client_token(ROOM_ID, created.refresh_token().clone())
        .await
        .expect("refreshed");
    client
        .create_client_token("11111111-2222-3333-4444-555555555555")
        .retry_policy(RetryPolicy::default().max_retries(1))
        .await
        .expect_err("503");

    let logged = captured.text();
    assert_no_secret("tracing output", &logged);
    assert!(logged.contains("telnyx_rooms.call"), "{logged}");
    assert!(
        logged.contains("operation=\"CreateRoomClientToken\""),
        "{logged}"
    );
    assert!(
        logged.contains("operation=\"RefreshRoomClientToken\""),
        "{logged}"
    );
    assert!(logged.contains(&format!("room_id={ROOM_ID}")), "{logged}");
    assert!(logged.contains("status=201"), "{logged}");
    assert!(logged.contains("request_id=\"req-ok\""), "{logged}");
    assert!(logged.contains("latency_ms="), "{logged}");
    assert!(logged.contains("attempt=2"), "{logged}");
    assert!(logged.contains("status=503"), "{logged}");
    assert!(logged.contains("attempt failed; retrying"), "{logged}");
}
