//! Telnyx's official Node SDK (npm `telnyx`, pinned in conformance/package-lock.json) as a client
//! of the mock: the vendor's own client must be satisfied, not only ours — the token operations
//! and the rooms lifecycle, with sessions and participants from a simulated join.
//!
//! Needs node and `npm ci --prefix conformance`; scripts/test.sh installs and runs it with
//! `cargo test -p telnyx-rooms-mock --test it node_sdk:: -- --ignored`.

use crate::support::{ROOM, Started};
use serde_json::Value;
use telnyx_rooms_mock::{MockServer, TokenKind};

const API_KEY: &str = "KEY_NODE_SDK";

#[tokio::test]
#[ignore = "needs node and conformance/node_modules (scripts/test.sh installs them)"]
async fn the_official_node_sdk_drives_tokens_and_the_rooms_lifecycle() {
    let server = MockServer::builder().api_key(API_KEY).started().await;
    let seen = run_node_sdk(&server).await;

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

    assert_mock_saw_the_token_requests(&server, &refresh_token);
    assert_rooms_paged_and_filtered(&seen["rooms"]);
    assert_room_lifecycle(&server, &seen["lifecycle"]);
    assert_archives_are_empty(&seen["archives"]);
}

/// Runs `conformance/node-sdk.mjs` against `server`; what it printed, as JSON.
async fn run_node_sdk(server: &MockServer) -> Value {
    let mock_url = format!("http://{}", server.addr());
    let env = [
        ("TELNYX_BASE_URL", server.base_url()),
        ("MOCK_URL", &mock_url),
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

/// What the mock saw first: four token requests, the refresh and the refused create without a
/// key; and no secret anywhere in its log.
fn assert_mock_saw_the_token_requests(server: &MockServer, refresh_token: &str) {
    let log = server.requests();
    let seen_by_mock: Vec<(&str, Option<u16>, bool)> = log
        .iter()
        .take(4)
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

/// Six rooms (the demo room and five the SDK created), two to a page: the SDK followed `meta` to
/// the last page, page by page and item by item, and the filter selected one.
fn assert_rooms_paged_and_filtered(rooms: &Value) {
    let all = ["demo", "sdk-a", "sdk-b", "sdk-c", "sdk-d", "sdk-e"];
    let pages = rooms["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 3, "{rooms}");
    for (index, page) in pages.iter().enumerate() {
        assert_eq!(
            page["meta"],
            serde_json::json!({"page_number": index + 1, "page_size": 2, "total_pages": 3, "total_results": 6})
        );
        assert_eq!(
            page["names"],
            serde_json::json!(all[index * 2..index * 2 + 2])
        );
    }
    assert_eq!(rooms["every_room"], serde_json::json!(all));
    assert_eq!(rooms["filtered"]["names"], serde_json::json!(["sdk-c"]));
    assert_eq!(rooms["filtered"]["meta"]["total_results"], 1);
    assert_eq!(
        rooms["oversized"],
        serde_json::json!({"class": "APIError", "status": 413, "code": "10015", "pointer": null})
    );
    assert!(
        rooms["created"]
            .as_array()
            .expect("created")
            .iter()
            .all(|room| room["max_participants"] == 4)
    );
}

/// The room's life as the SDK saw it, checked against what the mock holds.
fn assert_room_lifecycle(server: &MockServer, life: &Value) {
    assert_eq!(life["updated"]["max_participants"], 3);
    let room: uuid::Uuid = life["updated"]["id"]
        .as_str()
        .expect("an id")
        .parse()
        .expect("a UUID");
    server
        .verify_token(
            life["token"]["token"].as_str().expect("a token"),
            TokenKind::Client,
            room,
        )
        .expect("the room's token verifies");
    let (alice, bob) = (&life["joined"][0]["data"], &life["joined"][1]["data"]);
    let session = alice["session_id"].clone();
    assert_eq!(bob["session_id"], session, "one session for both joins");
    assert_eq!(life["viewed_room"]["active_session_id"], session);
    assert_eq!(life["viewed_room"]["sessions"][0]["id"], session);
    assert_eq!(life["all_sessions"], serde_json::json!([session]));
    assert_eq!(life["room_sessions"], serde_json::json!([session]));
    let contexts: Vec<&Value> = life["viewed_session"]["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(|p| &p["context"])
        .collect();
    assert_eq!(
        contexts,
        [&serde_json::json!("Alice"), &serde_json::json!("Bob")]
    );
    assert_eq!(life["in_session"], serde_json::json!([bob["id"]]));
    assert_eq!(life["everywhere"]["total"], 2);
    assert_eq!(
        &life["participant"], alice,
        "the API's participant is the control endpoint's"
    );

    let actions = &life["actions"];
    for action in ["mute", "unmute", "kick", "end"] {
        assert_eq!(
            actions[action],
            serde_json::json!({"result": "ok"}),
            "{action}"
        );
    }
    assert_eq!(actions["muted"]["muted"], true);
    assert_eq!(actions["unmuted"]["muted"], false);
    assert!(actions["kicked"]["left_at"].is_string(), "{actions}");
    assert_eq!(actions["ended"]["active"], false);
    assert!(actions["ended"]["ended_at"].is_string());

    let gone = &life["after_delete"];
    assert_eq!(
        gone["view"],
        serde_json::json!({"class": "NotFoundError", "status": 404, "code": "10005", "pointer": null})
    );
    assert_eq!(gone["token"]["class"], "PermissionDeniedError");
    assert_eq!(
        (
            gone["token"]["status"].clone(),
            gone["token"]["code"].clone()
        ),
        (serde_json::json!(403), serde_json::json!("10010"))
    );
    assert_eq!(
        gone["session"]["status"], 404,
        "the room's session went with it"
    );
    let alice_id: uuid::Uuid = alice["id"]
        .as_str()
        .expect("an id")
        .parse()
        .expect("a UUID");
    assert_eq!(server.participant(alice_id), None);
    for (route, calls) in [
        ("CreateRoom", 6),
        ("ListRooms", 7),
        ("DeleteRoom", 1),
        ("_mock", 4),
    ] {
        assert_eq!(server.attempts(route), calls, "{route}");
    }
}

/// Recordings and compositions as the SDK read them: empty pages with `meta`, 404s, and a 422 for
/// a composition of nothing.
fn assert_archives_are_empty(archives: &Value) {
    for list in ["recordings", "compositions"] {
        assert_eq!(archives[list]["data"], serde_json::json!([]), "{list}");
        assert_eq!(archives[list]["meta"]["total_results"], 0, "{list}");
    }
    assert_eq!(archives["recordings"]["meta"]["page_size"], 5);
    for missing in [
        "recording",
        "recording_deleted",
        "composition",
        "composition_deleted",
    ] {
        assert_eq!(archives[missing]["status"], 404, "{missing}");
    }
    assert_eq!(archives["compose"]["class"], "UnprocessableEntityError");
    assert_eq!(
        archives["bulk_delete"],
        serde_json::json!({"room_recordings": 0})
    );
}
