//! Sessions and participants from simulated joins (the library's `join`/`leave` and the mock-only
//! control endpoint): listed and viewed through the API, changed by its end, kick, mute and unmute.

use std::time::Duration;

use crate::support::{Answer, Call, Started, create_room, id_of};
use serde_json::{Value, json};
use telnyx_rooms_mock::{JoinError, MockServer};
use uuid::Uuid;

async fn get(server: &MockServer, path: &str) -> Value {
    let answer = Call::at(server, "GET", path).send().await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    answer.json()
}

async fn action(
    server: &MockServer,
    session: Uuid,
    name: &str,
    body: Value,
) -> crate::support::Answer {
    Call::at(
        server,
        "POST",
        &format!("/room_sessions/{session}/actions/{name}"),
    )
    .json(body)
    .await
}

/// Creates a room with `body` and returns its id.
async fn room_of(server: &MockServer, body: Value) -> Uuid {
    id_of(&create_room(server, body).await)
        .parse()
        .expect("a UUID")
}

fn ids(list: &Value) -> Vec<String> {
    crate::support::each(list, "id")
}

#[tokio::test]
async fn a_join_opens_a_session_that_lists_and_views_as_the_spec_shapes_it() {
    let (clock, server) = crate::support::server_at(1_700_000_000).await;
    let room = room_of(&server, json!({"unique_name": "daily"})).await;
    let alice = server.join(room, Some("Alice")).expect("joins");
    assert!(alice.is_present() && !alice.muted);
    assert_eq!(alice.room_id, room);
    clock.advance(Duration::from_secs(5));
    let bob = server.join(room, Some("Bob")).expect("joins");
    assert_eq!(
        bob.session_id, alice.session_id,
        "one active session per room"
    );
    let session = alice.session_id;

    let viewed = get(&server, &format!("/rooms/{room}")).await;
    assert_eq!(viewed["data"]["active_session_id"], session.to_string());
    let with_sessions = get(&server, &format!("/rooms/{room}?include_sessions=true")).await;
    assert_eq!(
        ids(&json!({"data": with_sessions["data"]["sessions"]})),
        [session.to_string()]
    );

    let listed = get(&server, "/room_sessions?filter[active]=true").await;
    assert_eq!(ids(&listed), [session.to_string()]);
    assert_eq!(
        ids(&get(&server, &format!("/rooms/{room}/sessions")).await),
        [session.to_string()]
    );
    let one = get(
        &server,
        &format!("/room_sessions/{session}?include_participants=true"),
    )
    .await["data"]
        .clone();
    assert_eq!(one["active"], true);
    assert_eq!(one["room_id"], room.to_string());
    assert_eq!(one["record_type"], "room_session");
    assert_eq!(one["created_at"], "2023-11-14T22:13:20Z");
    let contexts: Vec<&Value> = one["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(|p| &p["context"])
        .collect();
    assert_eq!(contexts, [&json!("Alice"), &json!("Bob")]);
    // Without include_participants the session comes alone.
    assert!(
        get(&server, &format!("/room_sessions/{session}")).await["data"]
            .get("participants")
            .is_none()
    );

    let in_session = get(
        &server,
        &format!("/room_sessions/{session}/participants?filter[context]=Bob"),
    )
    .await;
    assert_eq!(ids(&in_session), [bob.id.to_string()]);
    let everywhere = get(
        &server,
        &format!("/room_participants?filter[session_id]={session}"),
    )
    .await;
    assert_eq!(everywhere["meta"]["total_results"], 2);
    let participant =
        get(&server, &format!("/room_participants/{}", alice.id)).await["data"].clone();
    assert_eq!(
        participant,
        json!({"context": "Alice", "id": alice.id, "joined_at": "2023-11-14T22:13:20Z",
               "record_type": "room_participant", "session_id": session,
               "updated_at": "2023-11-14T22:13:20Z"}),
        "the spec's RoomParticipant: nothing of the mock's own"
    );
}

#[tokio::test]
async fn kick_mute_unmute_and_end_change_the_session() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let room = room_of(&server, json!({})).await;
    let [a, b, c] = ["a", "b", "c"].map(|who| server.join(room, Some(who)).expect("joins"));
    let session = a.session_id;

    let muted = action(
        &server,
        session,
        "mute",
        json!({"participants": "all", "exclude": [c.id]}),
    )
    .await;
    assert_eq!(muted.status, 200, "{}", muted.text);
    assert_eq!(muted.json(), json!({"data": {"result": "ok"}}));
    let is_muted =
        |p: &telnyx_rooms_mock::Participant| server.participant(p.id).expect("held").muted;
    assert_eq!([&a, &b, &c].map(is_muted), [true, true, false]);
    action(&server, session, "unmute", json!({"participants": [a.id]})).await;
    assert_eq!([&a, &b, &c].map(is_muted), [false, true, false]);

    let kicked = action(
        &server,
        session,
        "kick",
        json!({"participants": [b.id, Uuid::new_v4()]}),
    )
    .await;
    assert_eq!(kicked.status, 200);
    assert!(!server.participant(b.id).expect("held").is_present());
    let present = get(&server, &format!("/room_sessions/{session}/participants")).await;
    let left: Vec<bool> = present["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| p.get("left_at").is_some())
        .collect();
    assert_eq!(left, [false, true, false]);

    let ended = action(&server, session, "end", json!({})).await;
    assert_eq!(ended.status, 200, "{}", ended.text);
    let viewed = get(&server, &format!("/room_sessions/{session}")).await["data"].clone();
    assert_eq!(viewed["active"], false);
    assert!(viewed.get("ended_at").is_some());
    assert!(!server.participant(a.id).expect("held").is_present());
    assert!(
        get(&server, &format!("/rooms/{room}")).await["data"]
            .get("active_session_id")
            .is_none()
    );
    // The next join opens a new session.
    let again = server.join(room, None).expect("joins");
    assert_ne!(again.session_id, session);
    assert_eq!(
        get(
            &server,
            &format!("/rooms/{room}/sessions?filter[active]=false")
        )
        .await["meta"]["total_results"],
        1
    );

    for name in ["end", "kick", "mute", "unmute"] {
        let answer = action(
            &server,
            Uuid::new_v4(),
            name,
            json!({"participants": "all"}),
        )
        .await;
        assert_eq!(answer.status, 404, "{name}: {}", answer.text);
    }
    let bad = action(
        &server,
        again.session_id,
        "kick",
        json!({"participants": "some"}),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert_eq!(bad.source(), json!({"pointer": "/participants"}));
    assert!(server.participant(again.id).expect("held").is_present());
}

#[tokio::test]
async fn the_last_to_leave_ends_the_session_and_a_full_room_refuses_a_join() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let room = room_of(&server, json!({"max_participants": 2})).await;
    let a = server.join(room, None).expect("joins");
    let b = server.join(room, None).expect("joins");
    assert_eq!(
        server.join(room, None),
        Err(JoinError::RoomFull {
            room_id: room,
            max_participants: 2
        })
    );
    server.leave(a.id).expect("leaves");
    let c = server.join(room, None).expect("a place is free");
    assert_eq!(c.session_id, a.session_id);
    server.leave(b.id).expect("leaves");
    server.leave(c.id).expect("leaves");
    assert_eq!(
        server.leave(c.id).map(|p| p.left_at),
        server
            .participant(c.id)
            .map(|p| p.left_at)
            .ok_or(JoinError::UnknownParticipant(c.id)),
        "leaving twice changes nothing"
    );
    let session = get(&server, &format!("/room_sessions/{}", a.session_id)).await["data"].clone();
    assert_eq!(session["active"], false);

    let unknown = Uuid::new_v4();
    assert_eq!(
        server.join(unknown, None),
        Err(JoinError::UnknownRoom(unknown))
    );
    assert_eq!(
        server.leave(unknown),
        Err(JoinError::UnknownParticipant(unknown))
    );
    let long = "x".repeat(1025);
    assert_eq!(
        server.join(room, Some(&long)),
        Err(JoinError::ContextTooLong(1025))
    );
}

#[tokio::test]
async fn deleting_a_room_forgets_its_sessions_and_participants() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let room = room_of(&server, json!({})).await;
    let joined = server.join(room, Some("Alice")).expect("joins");
    Call::at(&server, "DELETE", &format!("/rooms/{room}"))
        .send()
        .await;
    assert_eq!(server.participant(joined.id), None);
    for path in [
        format!("/room_sessions/{}", joined.session_id),
        format!("/room_participants/{}", joined.id),
        format!("/rooms/{room}/sessions"),
        format!("/room_sessions/{}/participants", joined.session_id),
    ] {
        let answer = Call::at(&server, "GET", &path).send().await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.text);
    }
    assert_eq!(
        get(&server, "/room_sessions").await["meta"]["total_results"],
        0
    );
}

const CONTROL_KEY: &str = "KEY_CONTROL";

/// A control request with the server's API key.
/// Makes participant `id` leave through the control endpoint.
async fn leave(server: &MockServer, id: impl std::fmt::Display) -> Answer {
    control(
        server,
        "POST",
        &format!("/_mock/room_participants/{id}/leave"),
    )
    .send()
    .await
}

fn control(server: &MockServer, method: &str, path: &str) -> Call {
    Call::control(server, method, path).header("authorization", &format!("Bearer {CONTROL_KEY}"))
}

async fn keyed_mock() -> MockServer {
    MockServer::builder().api_key(CONTROL_KEY).started().await
}

#[tokio::test]
async fn the_control_endpoint_joins_and_leaves_outside_the_api() {
    let server = keyed_mock().await;
    let room = telnyx_rooms_mock::DEMO_ROOM;
    let join_path = format!("/_mock/rooms/{room}/join");
    let without_key = Call::control(&server, "POST", &join_path).send().await;
    assert_eq!(without_key.status, 401, "the server's key is needed");
    let wrong_key = Call::control(&server, "POST", &join_path)
        .header("authorization", "Bearer WRONG")
        .send()
        .await;
    assert_eq!(wrong_key.status, 401);
    let joined = control(&server, "POST", &join_path)
        .json(json!({"context": "Carol"}))
        .await;
    assert_eq!(joined.status, 201, "{}", joined.text);
    let body = joined.json();
    assert_eq!(body["data"]["context"], "Carol");
    assert_eq!(body["data"]["record_type"], "room_participant");
    assert_eq!(
        body["mock"],
        json!({"room_id": room, "muted": false, "present": true})
    );
    let id = id_of(&body["data"]);
    assert_eq!(
        server
            .participant(id.parse().expect("a UUID"))
            .map(|p| p.context),
        Some(Some("Carol".to_owned()))
    );
    let bare = control(&server, "POST", &join_path).send().await;
    assert_eq!(bare.status, 201, "a body is optional");

    let viewed = control(&server, "GET", &format!("/_mock/room_participants/{id}"))
        .send()
        .await;
    assert_eq!(viewed.json()["data"], body["data"]);
    let left = leave(&server, id).await;
    assert_eq!(left.status, 200);
    assert_eq!(left.json()["mock"]["present"], false);
    assert!(left.json()["data"].get("left_at").is_some());
    // Counted under their own route, and beside the API's base path, not under it.
    assert_eq!(server.attempts("_mock"), 6);
    let under_base = Call::at(&server, "POST", &join_path).send().await;
    assert_eq!(under_base.status, 404);
}

#[tokio::test]
async fn the_control_endpoint_refuses_what_it_cannot_do_with_telnyx_errors() {
    let server = keyed_mock().await;
    let unknown = Uuid::new_v4();
    let answer = control(&server, "POST", &format!("/_mock/rooms/{unknown}/join"))
        .send()
        .await;
    assert_eq!(
        (answer.status.as_u16(), answer.error(0, "code")),
        (404, json!("10005"))
    );
    let answer = leave(&server, unknown).await;
    assert_eq!(answer.status, 404);
    let answer = control(&server, "POST", "/_mock/rooms/not-a-room/join")
        .send()
        .await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.source(), json!({"parameter": "room_id"}));
    let demo = format!("/_mock/rooms/{}/join", telnyx_rooms_mock::DEMO_ROOM);
    let answer = control(&server, "POST", &demo)
        .json(json!({"context": "x".repeat(2000)}))
        .await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    let answer = control(&server, "POST", &demo)
        .raw("{", "application/json")
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(0, "code"), "10023");
}
