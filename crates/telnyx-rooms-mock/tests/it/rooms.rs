//! Rooms as state: create, view, list (pages, filters), update and delete as the spec defines
//! them, bounds read from the generated metadata, 404 for a room that is not there, and what a
//! token request for such a room gets.

use std::time::Duration;

use crate::support::{CREATE, Call, ROOM, Started, create, create_room, id_of, refresh_from};
use serde_json::{Value, json};
use telnyx_rooms_core::time::ManualTimeSource;
use telnyx_rooms_gen::operations::{
    self, create_room, list_room_compositions, list_rooms, update_room,
};
use telnyx_rooms_mock::{DEMO_ROOM, MockServer};

async fn empty_mock() -> MockServer {
    MockServer::builder().demo_room(false).started().await
}

async fn get(server: &MockServer, path: &str) -> crate::support::Answer {
    Call::at(server, "GET", path).send().await
}

fn names(list: &Value) -> Vec<String> {
    crate::support::each(list, "unique_name")
}

#[tokio::test]
async fn a_room_is_created_viewed_updated_and_deleted_as_the_spec_shapes_it() {
    let (clock, server) = crate::support::server_at(1_700_000_000).await;
    let created = create_room(
        &server,
        json!({"unique_name": "standup", "enable_recording": true}),
    )
    .await;
    let id = id_of(&created);
    // The spec's default for what the body left out; the server's own fields.
    let default = create_room::body::MAX_PARTICIPANTS
        .default
        .expect("a default");
    assert_eq!(created["max_participants"], default);
    assert_eq!(created["record_type"], "room");
    assert_eq!(created["created_at"], "2023-11-14T22:13:20Z");
    assert_eq!(created["updated_at"], created["created_at"]);
    assert_eq!(created["enable_recording"], true);
    assert!(created.get("active_session_id").is_none(), "{created}");

    let viewed = get(&server, &format!("/rooms/{id}")).await;
    assert_eq!(viewed.status, 200);
    assert_eq!(viewed.json()["data"], created);

    clock.advance(Duration::from_secs(60));
    let updated = Call::at(&server, "PATCH", &format!("/rooms/{id}"))
        .json(json!({"max_participants": 20}))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let updated = updated.json()["data"].clone();
    assert_eq!(updated["max_participants"], 20);
    // A partial update leaves the rest alone; the spec's defaults are not applied again.
    assert_eq!(updated["unique_name"], "standup");
    assert_eq!(updated["enable_recording"], true);
    assert_eq!(updated["updated_at"], "2023-11-14T22:14:20Z");
    assert_eq!(updated["created_at"], created["created_at"]);

    let deleted = Call::at(&server, "DELETE", &format!("/rooms/{id}"))
        .send()
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.text, "");
    assert!(!deleted.headers.contains_key("content-type"));
    for (method, body) in [("GET", None), ("PATCH", Some(json!({}))), ("DELETE", None)] {
        let call = Call::at(&server, method, &format!("/rooms/{id}"));
        let answer = match body {
            Some(body) => call.json(body).await,
            None => call.send().await,
        };
        assert_eq!(answer.status, 404, "{method}: {}", answer.text);
        assert_eq!(answer.error(0, "code"), "10005");
        assert_eq!(answer.error(0, "title"), "Resource not found");
    }
    let unknown = get(&server, "/rooms/7b61621f-62e0-4aad-ab11-9fd19e272e73").await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn lists_page_through_every_room_with_telnyx_meta() {
    let server = empty_mock().await;
    for n in 0..5 {
        create_room(&server, json!({"unique_name": format!("room-{n}")})).await;
    }
    let mut seen = Vec::new();
    for page in 1..=3 {
        let answer = get(&server, &format!("/rooms?page[number]={page}&page[size]=2")).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let body = answer.json();
        assert_eq!(
            body["meta"],
            json!({"page_number": page, "page_size": 2, "total_pages": 3, "total_results": 5})
        );
        seen.extend(names(&body));
    }
    assert_eq!(seen, ["room-0", "room-1", "room-2", "room-3", "room-4"]);
    // Past the end: no data, the same totals; `data` is there, empty.
    let past = get(&server, "/rooms?page[number]=4&page[size]=2")
        .await
        .json();
    assert_eq!(past["data"], json!([]));
    assert_eq!(past["meta"]["total_results"], 5);
    // Without page parameters the spec's defaults apply.
    let default = list_rooms::query::PAGE_SIZE.default.expect("a default");
    assert_eq!(
        get(&server, "/rooms").await.json()["meta"]["page_size"],
        default
    );
}

/// The bytes Telnyx's SDKs send for deepObject parameters: brackets percent-encoded.
#[tokio::test]
async fn deep_object_filters_select_rooms_as_telnyx_sdks_send_them() {
    let server = empty_mock().await;
    for name in ["x", "y", "x-but-not-quite"] {
        create_room(&server, json!({"unique_name": name})).await;
    }
    let answer = get(&server, "/rooms?filter%5Bunique_name%5D=x&page%5Bsize%5D=2").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(names(&answer.json()), ["x"]);
    assert_eq!(answer.json()["meta"]["total_results"], 1);
    let none = get(&server, "/rooms?filter[unique_name]=z").await.json();
    assert_eq!(
        (none["data"].clone(), none["meta"]["total_pages"].clone()),
        (json!([]), json!(0))
    );
    // A parameter the spec does not define is ignored, as Telnyx does.
    assert_eq!(
        names(&get(&server, "/rooms?filter[colour]=red").await.json()).len(),
        3
    );
}

#[tokio::test]
async fn date_filters_compare_the_day_of_a_timestamp() {
    let clock = ManualTimeSource::at_unix(1_619_000_000); // 2021-04-21
    let server = MockServer::builder()
        .time_source(clock.clone())
        .demo_room(false)
        .started()
        .await;
    create_room(&server, json!({"unique_name": "early"})).await;
    clock.advance(Duration::from_secs(4 * 86_400)); // 2021-04-25
    let late = id_of(&create_room(&server, json!({"unique_name": "late"})).await);
    let filtered = |query: &'static str| {
        let server = &server;
        async move { names(&get(server, &format!("/rooms?{query}")).await.json()) }
    };
    assert_eq!(
        filtered("filter[date_created_at][eq]=2021-04-25").await,
        ["late"]
    );
    assert_eq!(
        filtered("filter[date_created_at][lte]=2021-04-24").await,
        ["early"]
    );
    assert_eq!(
        filtered("filter[date_created_at][gte]=2021-04-21").await,
        ["early", "late"]
    );
    clock.advance(Duration::from_secs(86_400));
    Call::at(&server, "PATCH", &format!("/rooms/{late}"))
        .json(json!({"enable_recording": true}))
        .await;
    assert_eq!(
        filtered("filter[date_updated_at][eq]=2021-04-26").await,
        ["late"]
    );
    let bad = get(&server, "/rooms?filter[date_created_at][eq]=25/04/2021").await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert_eq!(
        bad.source(),
        json!({"parameter": "filter[date_created_at][eq]"})
    );
}

#[tokio::test]
async fn page_and_body_bounds_come_from_the_spec() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let size = list_rooms::query::PAGE_SIZE;
    let (min, max) = (
        size.minimum.expect("a minimum"),
        size.maximum.expect("a maximum"),
    );
    assert_eq!(
        (min, max),
        (1, 250),
        "the spec's bounds, as the issue quotes them"
    );
    for (value, status) in [(min - 1, 422), (min, 200), (max, 200), (max + 1, 422)] {
        let answer = get(&server, &format!("/rooms?page%5Bsize%5D={value}")).await;
        assert_eq!(answer.status, status, "page[size]={value}: {}", answer.text);
        if status == 422 {
            assert_eq!(answer.source(), json!({"parameter": "page[size]"}));
            assert_eq!(answer.error(0, "code"), "10015");
        }
    }
    for text in ["ten", "1.5", ""] {
        let answer = get(&server, &format!("/rooms?page[number]={text}")).await;
        assert_eq!(answer.status, 422, "page[number]={text}");
    }
    let answer = get(&server, "/rooms?include_sessions=maybe").await;
    assert_eq!(answer.status, 422);

    let id = id_of(&create_room(&server, json!({})).await);
    for field in [
        create_room::body::MAX_PARTICIPANTS,
        update_room::body::MAX_PARTICIPANTS,
    ] {
        let (min, max) = (field.minimum.expect("min"), field.maximum.expect("max"));
        assert_eq!((min, max), (2, 50));
        for (value, ok) in [(min - 1, false), (min, true), (max, true), (max + 1, false)] {
            let body = json!({ field.name: value });
            let created = Call::at(&server, "POST", "/rooms").json(body.clone()).await;
            let updated = Call::at(&server, "PATCH", &format!("/rooms/{id}"))
                .json(body)
                .await;
            for answer in [created, updated] {
                assert_eq!(answer.status.is_success(), ok, "{value}: {}", answer.text);
                if !ok {
                    assert_eq!(answer.status, 422);
                    assert_eq!(answer.source(), json!({"pointer": "/max_participants"}));
                }
            }
        }
    }
}

#[tokio::test]
async fn a_unique_name_is_unique() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let first = id_of(&create_room(&server, json!({"unique_name": "one"})).await);
    let taken = Call::at(&server, "POST", "/rooms")
        .json(json!({"unique_name": "one"}))
        .await;
    assert_eq!(taken.status, 422, "{}", taken.text);
    assert_eq!(taken.source(), json!({"pointer": "/unique_name"}));
    assert!(taken.text.contains(&first), "{}", taken.text);
    let other = id_of(&create_room(&server, json!({"unique_name": "two"})).await);
    let renamed = Call::at(&server, "PATCH", &format!("/rooms/{other}"))
        .json(json!({"unique_name": "one"}))
        .await;
    assert_eq!(renamed.status, 422);
    // A room that is not there is 404 before its name is looked at.
    let gone = Call::at(
        &server,
        "PATCH",
        "/rooms/7b61621f-62e0-4aad-ab11-9fd19e272e73",
    )
    .json(json!({"unique_name": "one"}))
    .await;
    assert_eq!(gone.status, 404, "{}", gone.text);
    // Renaming a room to its own name is no conflict.
    let same = Call::at(&server, "PATCH", &format!("/rooms/{first}"))
        .json(json!({"unique_name": "one"}))
        .await;
    assert_eq!(same.status, 200, "{}", same.text);
}

/// The decision the README records: a token for a room the mock does not hold is 403, the one
/// error status Telnyx documents for the token operations.
#[tokio::test]
async fn a_token_for_a_room_that_is_not_there_is_403() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    assert_eq!(ROOM, DEMO_ROOM.to_string());
    let demo = create(&server, ROOM, json!({})).await;
    let room = id_of(&create_room(&server, json!({})).await);
    let minted = create(&server, &room, json!({})).await;
    Call::at(&server, "DELETE", &format!("/rooms/{room}"))
        .send()
        .await;
    let unknown = "7b61621f-62e0-4aad-ab11-9fd19e272e73";
    for room in [unknown, room.as_str()] {
        let answer = Call::new(&server, &CREATE, room).json(json!({})).await;
        assert_eq!(answer.status, 403, "{}", answer.text);
        assert_eq!(answer.error(0, "code"), "10010");
        assert_eq!(answer.source(), json!({"parameter": "room_id"}));
        assert!(answer.text.contains(room), "{}", answer.text);
    }
    // A deleted room's refresh token buys nothing more; the demo room's still does.
    let refused = refresh_from(&server, &room, &minted).await;
    assert_eq!(refused.status, 403);
    let refreshed = refresh_from(&server, ROOM, &demo).await;
    assert_eq!(refreshed.status, 201);

    let without_demo = MockServer::builder().demo_room(false).started().await;
    let answer = Call::new(&without_demo, &CREATE, ROOM)
        .json(json!({}))
        .await;
    assert_eq!(answer.status, 403);
    let any_room = MockServer::builder()
        .demo_room(false)
        .tokens_for_unknown_rooms(true)
        .started()
        .await;
    create(&any_room, unknown, json!({})).await;
}

#[tokio::test]
async fn the_mock_keeps_at_most_1000_rooms() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let mut last = String::new();
    for _ in 1..1000 {
        last = id_of(&create_room(&server, json!({})).await);
    }
    let refused = Call::at(&server, "POST", "/rooms").json(json!({})).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(
        refused.text.contains("at most 1000 rooms"),
        "{}",
        refused.text
    );
    assert_eq!(
        get(&server, "/rooms").await.json()["meta"]["total_results"],
        1000
    );
    Call::at(&server, "DELETE", &format!("/rooms/{last}"))
        .send()
        .await;
    create_room(&server, json!({})).await;
}

#[tokio::test]
async fn recordings_and_compositions_are_empty_with_their_shapes_and_404s() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let unknown = "7b61621f-62e0-4aad-ab11-9fd19e272e73";
    for collection in ["room_recordings", "room_compositions"] {
        let list = get(&server, &format!("/{collection}?page[size]=5")).await;
        assert_eq!(list.status, 200, "{}", list.text);
        assert_eq!(
            list.json(),
            json!({"data": [], "meta": {"page_number": 1, "page_size": 5, "total_pages": 0, "total_results": 0}})
        );
        for method in ["GET", "DELETE"] {
            let answer = Call::at(&server, method, &format!("/{collection}/{unknown}"))
                .send()
                .await;
            assert_eq!(answer.status, 404, "{method} {collection}");
        }
    }
    let bulk = Call::at(
        &server,
        "DELETE",
        "/room_recordings?filter[room_id]=0ccc7b54-4df3-4bca-a65a-3da1ecc777f0",
    )
    .send()
    .await;
    assert_eq!(
        bulk.status,
        operations::DELETE_ROOM_RECORDINGS.success_status
    );
    assert_eq!(bulk.json(), json!({"data": {"room_recordings": 0}}));
    // The spec's enum of a filter: one of its values is a filter, another word is refused.
    let field = list_room_compositions::query::FILTER_STATUS;
    assert!(field.enum_values.contains(&"completed"), "{field:?}");
    assert_eq!(
        get(&server, "/room_compositions?filter[status]=completed")
            .await
            .status,
        200
    );
    let refused = get(&server, "/room_compositions?filter[status]=stuck").await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.source(), json!({"parameter": "filter[status]"}));
    let composed = Call::at(&server, "POST", "/room_compositions")
        .json(json!({"session_id": unknown}))
        .await;
    assert_eq!(composed.status, 422, "{}", composed.text);
    assert!(
        composed.text.contains("records nothing"),
        "{}",
        composed.text
    );
}
