//! End to end against the project's own mock (`telnyx-rooms-mock`): real signed tokens, the
//! spec's validation, and faults, as a user's integration tests would run them.

use std::time::Duration;

use crate::support::{NoWait, assert_minted_by_the_mock};
use telnyx_rooms::retry::RetryPolicy;
use telnyx_rooms::{Client, ErrorKind};
use telnyx_rooms_mock::{Fault, MockServer};

const ROOM_ID: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key("KEY_mock_e2e")
        .base_url(server.base_url())
        .sleeper(NoWait)
        .build()
        .expect("client")
}

#[tokio::test]
async fn create_then_refresh_with_real_tokens() {
    let server = telnyx_rooms_mock::start().await.expect("mock");
    let client = client(&server);

    let created = client
        .create_client_token(ROOM_ID)
        .token_ttl(Duration::from_secs(120))
        .refresh_token_ttl(Duration::from_secs(900))
        .await
        .expect("created");
    assert!(created.request_id().is_some());
    let refreshed = client
        .refresh_client_token(created.room_id(), created.refresh_token().clone())
        .await
        .expect("refreshed");
    assert_minted_by_the_mock(&server, &created, &refreshed, 120);
}

#[tokio::test]
async fn a_refresh_token_the_mock_rejects_is_a_typed_api_error() {
    let server = telnyx_rooms_mock::start().await.expect("mock");
    let error = client(&server)
        .refresh_client_token(ROOM_ID, "eyJhbGciOiJFZERTQSJ9.e30.not-a-signature")
        .await
        .expect_err("rejected");
    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.status(), Some(403));
    assert!(!error.api_errors().is_empty(), "{error:?}");
    assert!(error.request_id().is_some());
    assert_eq!(error.attempts(), 1);
}

#[tokio::test]
async fn injected_faults_are_retried_or_reported() {
    let server = MockServer::builder()
        .fault(
            Fault::status(503)
                .times(2)
                .for_operation("CreateRoomClientToken"),
        )
        .start()
        .await
        .expect("mock");
    let client = client(&server);
    client
        .create_client_token(ROOM_ID)
        .await
        .expect("third attempt succeeds");
    assert_eq!(server.attempts("CreateRoomClientToken"), 3);

    server.inject(Fault::missing_fields(["token_expires_at"]).times(1));
    let error = client
        .create_client_token(ROOM_ID)
        .await
        .expect_err("incomplete 201");
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(error.status(), Some(201));

    server.inject(Fault::malformed_json().times(1));
    let error = client
        .create_client_token(ROOM_ID)
        .retry_policy(RetryPolicy::none())
        .await
        .expect_err("malformed 201");
    assert_eq!(error.kind(), ErrorKind::Decode);
}
