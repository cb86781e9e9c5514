//! Telnyx's official Node SDK (npm `telnyx`, pinned in conformance/package-lock.json) as a client
//! of the mock: the vendor's own client must be satisfied, not only ours.
//!
//! Needs node and `npm ci --prefix conformance`; scripts/test.sh installs and runs it with
//! `cargo test -p telnyx-rooms-mock --test it node_sdk:: -- --ignored`.

use crate::support::ROOM;
use serde_json::Value;
use telnyx_rooms_mock::{MockServer, TokenKind};

const API_KEY: &str = "KEY_NODE_SDK";

#[tokio::test]
#[ignore = "needs node and conformance/node_modules (scripts/test.sh installs them)"]
async fn the_official_node_sdk_creates_refreshes_and_maps_errors() {
    let server = MockServer::builder()
        .api_key(API_KEY)
        .start()
        .await
        .expect("starts");
    let seen = run_node_sdk(server.base_url()).await;

    let refresh_token = assert_tokens_verify(&server, &seen);

    // Errors reach the vendor's typed errors with Telnyx's codes.
    assert_eq!(
        seen["unauthorized"],
        serde_json::json!({"class": "AuthenticationError", "status": 401, "code": "10009", "pointer": null})
    );
    assert_eq!(
        seen["out_of_bounds"],
        serde_json::json!({"class": "UnprocessableEntityError", "status": 422, "code": "10015", "pointer": "/token_ttl_secs"})
    );

    assert_mock_saw_four_requests(&server, &refresh_token);
}

/// Runs `conformance/node-sdk.mjs` against the mock at `base_url`; what it printed, as JSON.
async fn run_node_sdk(base_url: &str) -> Value {
    let env = [
        ("TELNYX_BASE_URL", base_url),
        ("TELNYX_API_KEY", API_KEY),
        ("ROOM_ID", ROOM),
    ];
    let printed = telnyx_rooms_testkit::node::run("node-sdk.mjs", &env).await;
    serde_json::from_slice(&printed).expect("one JSON object")
}

/// Create, then refresh without a key: both tokens verify, and the SDK read the expiries.
/// Returns the created refresh token.
fn assert_tokens_verify(server: &MockServer, seen: &Value) -> String {
    let room = ROOM.parse().expect("a UUID");
    let created = &seen["created"];
    let refresh_token = created["refresh_token"].as_str().expect("a refresh token");
    server
        .verify_token(refresh_token, TokenKind::Refresh, room)
        .expect("the created refresh token verifies");
    let client = server
        .verify_token(
            created["token"].as_str().expect("a token"),
            TokenKind::Client,
            room,
        )
        .expect("the created token verifies");
    assert_eq!(client.exp - client.iat, 600);
    let refreshed = server
        .verify_token(
            seen["refreshed"]["token"]
                .as_str()
                .expect("a refreshed token"),
            TokenKind::Client,
            room,
        )
        .expect("the refreshed token verifies");
    assert_eq!(refreshed.exp - refreshed.iat, 120);
    let expires_at = seen["refreshed"]["token_expires_at"]
        .as_str()
        .expect("an expiry");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(expires_at)
            .expect("RFC 3339")
            .timestamp(),
        refreshed.exp
    );
    refresh_token.to_owned()
}

/// What the mock saw: four requests, the refresh and the refused create without a key, and no
/// secret in its log.
fn assert_mock_saw_four_requests(server: &MockServer, refresh_token: &str) {
    let log = server.requests();
    let seen_by_mock: Vec<(&str, Option<u16>, bool)> = log
        .iter()
        .map(|r| {
            (
                r.route.as_str(),
                r.status,
                r.header("authorization").is_some(),
            )
        })
        .collect();
    assert_eq!(
        seen_by_mock,
        [
            ("CreateRoomClientToken", Some(201), true),
            ("RefreshRoomClientToken", Some(201), false),
            ("CreateRoomClientToken", Some(401), false),
            ("CreateRoomClientToken", Some(422), true),
        ]
    );
    assert!(
        log.iter()
            .all(|r| !format!("{r:?}").contains(API_KEY)
                && !format!("{r:?}").contains(refresh_token)),
        "no secret in the log"
    );
}
