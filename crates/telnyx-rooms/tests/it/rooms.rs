//! The Video Rooms operations on the wire: the bytes each sends (query as Telnyx's SDKs write
//! it, bodies, the key), checks from the spec before any I/O, what a reply turns into, and lazy
//! pagination (a page fetched only when asked for).

use std::time::Duration;

use chrono::NaiveDate;
use futures_util::{StreamExt as _, TryStreamExt as _};
use serde_json::{Value, json};
use telnyx_rooms::request::Dates;
use telnyx_rooms::retry::RetryPolicy;
use telnyx_rooms::{ErrorKind, Uuid};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{API_KEY, client_for, only_request};

const ROOM: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
const SESSION: &str = "3b2a3f5e-7c1d-4f7e-9b7a-6f1e2d3c4b5a";
const PARTICIPANT: &str = "9e2a0cbe-ce66-411e-a1ac-468f0b103c9a";

fn room(id: &str, name: &str) -> Value {
    json!({"id": id, "unique_name": name, "max_participants": 10, "record_type": "room",
           "created_at": "2026-12-01T10:00:00Z", "sessions": []})
}

async fn answer(server: &MockServer, verb: &str, at: &str, status: u16, body: Value) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

/// Answers every `GET` to `at` that no other mock matches with a 200 and `body`.
async fn answer_the_rest(server: &MockServer, at: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .with_priority(10)
        .mount(server)
        .await;
}

#[tokio::test]
async fn list_rooms_sends_the_query_as_telnyx_sdks_write_it() {
    let server = MockServer::start().await;
    let page = json!({"data": [room(ROOM, "x")],
        "meta": {"page_number": 1, "page_size": 2, "total_pages": 1, "total_results": 1}});
    answer(&server, "GET", "/v2/rooms", 200, page).await;
    let (client, _) = client_for(&server).await;
    let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");

    let page = client
        .list_rooms()
        .unique_name("x")
        .page_size(2)
        .created(Dates::since(day))
        .await
        .expect("a page");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, Uuid::parse_str(ROOM).expect("uuid"));
    assert_eq!(page.items[0].unique_name.as_deref(), Some("x"));
    assert_eq!((page.total_results, page.has_next()), (Some(1), false));

    let request = only_request(&server, "GET", "/v2/rooms").await;
    assert_eq!(
        request.url.query(),
        Some(
            "filter%5Bdate_created_at%5D%5Bgte%5D=2026-12-01&filter%5Bunique_name%5D=x&page%5Bsize%5D=2"
        )
    );
    let auth = request.headers.get("authorization").expect("the key");
    assert_eq!(auth.as_bytes(), format!("Bearer {API_KEY}").as_bytes());
}

#[tokio::test]
async fn create_and_update_send_only_what_was_set_and_check_the_spec_bounds_first() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/v2/rooms",
        201,
        json!({"data": room(ROOM, "standup")}),
    )
    .await;
    let (client, _) = client_for(&server).await;

    // A request past a bound the spec sets, what it names, and the name on the wire.
    let refusals = [
        (
            client.create_room().max_participants(51),
            "max_participants",
            "max_participants",
        ),
        (
            client
                .create_room()
                .webhook_timeout(Duration::from_secs(31)),
            "webhook_timeout",
            "webhook_timeout_secs",
        ),
    ];
    for (request, field, wire) in refusals {
        let refused = request.await.expect_err(field);
        assert_eq!(
            (refused.kind(), refused.attempts()),
            (ErrorKind::InvalidRequest, 0)
        );
        assert_eq!(
            (refused.field(), refused.wire_field()),
            (Some(field), Some(wire))
        );
    }
    assert!(
        server
            .received_requests()
            .await
            .expect("recorded")
            .is_empty()
    );

    let created = client
        .create_room()
        .unique_name("standup")
        .max_participants(10)
        .webhook_timeout(Duration::from_secs(5))
        .await
        .expect("created");
    assert_eq!(created.unique_name.as_deref(), Some("standup"));
    let request = only_request(&server, "POST", "/v2/rooms").await;
    let body: Value = serde_json::from_slice(&request.body).expect("JSON");
    assert_eq!(
        body,
        json!({"unique_name": "standup", "max_participants": 10, "webhook_timeout_secs": 5})
    );

    let patched = MockServer::start().await;
    answer(
        &patched,
        "PATCH",
        &format!("/v2/rooms/{ROOM}"),
        200,
        json!({"data": room(ROOM, "renamed")}),
    )
    .await;
    let (client, _) = client_for(&patched).await;
    let room = client
        .update_room(ROOM)
        .unique_name("renamed")
        .await
        .expect("updated");
    assert_eq!(room.unique_name.as_deref(), Some("renamed"));
    let request = only_request(&patched, "PATCH", &format!("/v2/rooms/{ROOM}")).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&request.body).expect("JSON"),
        json!({"unique_name": "renamed"})
    );
}

#[tokio::test]
async fn sessions_and_participants_by_id_and_their_actions() {
    let server = MockServer::start().await;
    let session = json!({"data": {"id": SESSION, "room_id": ROOM, "active": true,
        "participants": [{"id": PARTICIPANT, "session_id": SESSION, "context": "alice"}]}});
    answer(
        &server,
        "GET",
        &format!("/v2/room_sessions/{SESSION}"),
        200,
        session,
    )
    .await;
    let done = json!({"data": {"result": "ok"}});
    for action in ["actions/end", "actions/kick", "actions/mute"] {
        answer(
            &server,
            "POST",
            &format!("/v2/room_sessions/{SESSION}/{action}"),
            200,
            done.clone(),
        )
        .await;
    }
    answer(
        &server,
        "DELETE",
        &format!("/v2/rooms/{ROOM}"),
        204,
        Value::Null,
    )
    .await;
    let (client, _) = client_for(&server).await;

    let got = client
        .get_session(SESSION)
        .include_participants(true)
        .await
        .expect("session");
    assert_eq!((got.active, got.participants.len()), (Some(true), 1));
    assert_eq!(got.participants[0].context.as_deref(), Some("alice"));
    let participant = Uuid::parse_str(PARTICIPANT).expect("uuid");
    client
        .kick_participants(SESSION)
        .participants([participant])
        .await
        .expect("kicked");
    client
        .mute_participants(SESSION)
        .exclude([participant])
        .await
        .expect("muted");
    client.end_session(SESSION).await.expect("ended");
    client.delete_room(ROOM).await.expect("deleted");

    let requests = server.received_requests().await.expect("recorded");
    let bodies: Vec<(String, String)> = requests
        .iter()
        .map(|r| {
            (
                format!("{} {}", r.method, r.url.path()),
                String::from_utf8_lossy(&r.body).into_owned(),
            )
        })
        .collect();
    assert_eq!(
        bodies[1].1,
        format!(r#"{{"participants":["{PARTICIPANT}"]}}"#)
    );
    assert_eq!(
        bodies[2].1,
        format!(r#"{{"exclude":["{PARTICIPANT}"],"participants":"all"}}"#)
    );
    assert_eq!(bodies[4].0, format!("DELETE /v2/rooms/{ROOM}"));

    let error = client
        .get_session("not-a-session")
        .await
        .expect_err("not a UUID");
    assert_eq!((error.field(), error.attempts()), (Some("session_id"), 0));
}

#[tokio::test]
async fn a_reply_without_an_id_is_a_decode_error_and_404_keeps_telnyx_entries() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        &format!("/v2/rooms/{ROOM}"),
        200,
        json!({"data": {"unique_name": "x"}}),
    )
    .await;
    let gone = json!({"errors": [{"code": "10005", "title": "Resource not found"}]});
    answer(
        &server,
        "GET",
        &format!("/v2/room_participants/{PARTICIPANT}"),
        404,
        gone,
    )
    .await;
    let (client, _) = client_for(&server).await;

    let error = client.get_room(ROOM).await.expect_err("no id");
    assert_eq!(
        (error.kind(), error.status()),
        (ErrorKind::Decode, Some(200))
    );
    assert!(error.to_string().contains("lacks `data.id`"), "{error}");
    let error = client.get_participant(PARTICIPANT).await.expect_err("404");
    assert_eq!(
        (error.kind(), error.status(), error.is_retryable()),
        (ErrorKind::Api, Some(404), false)
    );
    assert_eq!(error.api_errors()[0].code(), Some("10005"));
}

/// Three pages of two rooms: `items()` fetches a page only when the consumer reaches it.
#[tokio::test]
async fn items_fetch_the_next_page_only_when_it_is_needed() {
    let server = MockServer::start().await;
    for number in 1..=3 {
        let rooms: Vec<Value> = (0..2)
            .map(|i| room(&Uuid::from_u128(number * 10 + i).to_string(), "r"))
            .collect();
        let body = json!({"data": rooms,
            "meta": {"page_number": number, "page_size": 2, "total_pages": 3, "total_results": 6}});
        Mock::given(method("GET"))
            .and(path("/v2/rooms"))
            .and(query_param("page[number]", number.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    let first = json!({"data": [room(&Uuid::from_u128(10).to_string(), "r"), room(&Uuid::from_u128(11).to_string(), "r")],
        "meta": {"page_number": 1, "page_size": 2, "total_pages": 3, "total_results": 6}});
    answer_the_rest(&server, "/v2/rooms", first).await;
    let (client, _) = client_for(&server).await;

    let mut items = Box::pin(client.list_rooms().page_size(2).items());
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(items.next().await.expect("an item").expect("a room").id);
    }
    let fetched = server.received_requests().await.expect("recorded").len();
    assert_eq!(fetched, 2, "two pages for three items");
    let rest: Vec<_> = items.try_collect().await.expect("the rest");
    seen.extend(rest.into_iter().map(|room| room.id));
    let expected: Vec<Uuid> = [10, 11, 20, 21, 30, 31].map(Uuid::from_u128).to_vec();
    assert_eq!(seen, expected);
    assert_eq!(server.received_requests().await.expect("recorded").len(), 3);
}

/// A page that fails ends the walk with its error, after the items before it.
#[tokio::test]
async fn an_error_on_a_later_page_is_the_last_item() {
    let server = MockServer::start().await;
    let first = json!({"data": [room(ROOM, "r")],
        "meta": {"page_number": 1, "page_size": 1, "total_pages": 5, "total_results": 5}});
    Mock::given(method("GET"))
        .and(path("/v2/room_sessions"))
        .and(query_param("page[number]", "2"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let sessions = json!({"data": [{"id": SESSION}],
        "meta": {"page_number": 1, "page_size": 1, "total_pages": 5, "total_results": 5}});
    answer_the_rest(&server, "/v2/room_sessions", sessions).await;
    let (client, _) = client_for(&server).await;
    let _ = first;
    let results: Vec<_> = client
        .list_sessions()
        .retry_policy(RetryPolicy::none())
        .pages()
        .collect()
        .await;
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    let error = results[1].as_ref().expect_err("page 2 fails");
    assert_eq!(error.status(), Some(500));
}

/// A full page of 250 rooms (a few hundred KiB) is read; a read over 4 MiB is not, and says so.
#[tokio::test]
async fn a_full_page_is_read_and_an_endless_one_is_cut() {
    let server = MockServer::start().await;
    let long_url = format!("https://hooks.example.com/{}", "x".repeat(300));
    let rooms: Vec<Value> = (0..250)
        .map(|i| {
            let mut room = room(&Uuid::from_u128(i + 1).to_string(), "r");
            room["webhook_event_url"] = json!(long_url);
            room
        })
        .collect();
    let body =
        json!({"data": rooms, "meta": {"page_number": 1, "page_size": 250, "total_pages": 1}});
    assert!(
        body.to_string().len() > 64 * 1024,
        "more than the token operations' cap"
    );
    answer(&server, "GET", "/v2/rooms", 200, body).await;
    let huge = json!({"data": [{"id": ROOM, "unique_name": "y".repeat(5 * 1024 * 1024)}]});
    answer(&server, "GET", "/v2/room_sessions", 200, huge).await;
    let (client, _) = client_for(&server).await;

    let page = client
        .list_rooms()
        .page_size(250)
        .await
        .expect("a full page");
    assert_eq!(page.items.len(), 250);
    let error = client.list_sessions().await.expect_err("over 4 MiB");
    assert_eq!((error.kind(), error.attempts()), (ErrorKind::Decode, 1));
    assert!(
        error.to_string().contains("longer than 4194304 bytes"),
        "{error}"
    );
}

/// A server that echoes the API key into a room's text fields does not get it shown.
#[tokio::test]
async fn an_echoed_key_in_returned_data_is_replaced() {
    let server = MockServer::start().await;
    let echo = json!({"data": {"id": ROOM, "unique_name": format!("room {API_KEY}"),
        "webhook_event_url": format!("https://x.test/?k={}", API_KEY.to_ascii_lowercase())}});
    answer(&server, "GET", &format!("/v2/rooms/{ROOM}"), 200, echo).await;
    let (client, _) = client_for(&server).await;
    let room = client.get_room(ROOM).await.expect("a room");
    assert_eq!(room.unique_name.as_deref(), Some("room [REDACTED]"));
    assert_eq!(
        room.webhook_event_url.as_deref(),
        Some("https://x.test/?k=[REDACTED]")
    );
}
