//! The Video operations on the wire: deepObject query parameters spelled out as Telnyx's own SDKs
//! send them, and the API key attached to exactly the operations whose spec security asks for it.

use std::num::NonZeroU64;

use chrono::NaiveDate;
use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_gen::types::{
    ActionsParticipantsRequest, CreateRoomClientTokenRequest, CreateRoomCompositionRequest,
    CreateRoomRequest, PatchRoomRequest, RefreshRoomClientTokenRequest,
};
use telnyx_rooms_gen::{Client, Credentials, operations};

use telnyx_rooms_testkit::hostile::Request;

use crate::{ROOM, client, request_line, room, serve, with_key};

const PAGE: &str = r#"{"data":[{"id":"0ccc7b54-4df3-4bca-a65a-3da1ecc777f0","unique_name":"x","max_participants":10}],"meta":{"page_number":1,"page_size":2,"total_pages":1,"total_results":1}}"#;

fn page_response() -> &'static str {
    Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{PAGE}",
            PAGE.len()
        )
        .into_boxed_str(),
    )
}

fn size(n: u64) -> Option<NonZeroU64> {
    NonZeroU64::new(n)
}

/// The calls `conformance/node-sdk-query.mjs` makes with Telnyx's Node SDK, in the same order.
async fn list_calls(client: &Client) {
    let room = room();
    let date = NaiveDate::from_ymd_opt(2021, 4, 25).expect("a date");
    let (none_date, none_text): (Option<&NaiveDate>, Option<&str>) = (None, None);
    let first = client
        .list_rooms(
            none_date,
            None,
            None,
            None,
            None,
            None,
            Some("x"),
            None,
            None,
            size(2),
        )
        .await
        .expect("a page");
    let first = first.into_inner();
    assert_eq!(first.data[0].unique_name.as_deref(), Some("x"));
    assert_eq!(first.meta.and_then(|meta| meta.total_results), Some(1));
    let name = "my room/é&=+*~";
    let _ = client
        .list_rooms(
            None,
            Some(&date),
            None,
            None,
            None,
            None,
            Some(name),
            Some(true),
            size(3),
            size(250),
        )
        .await;
    let _ = client
        .list_room_recordings(
            none_date,
            None,
            None,
            None,
            None,
            None,
            Some(20),
            None,
            Some(&room),
            None,
            Some("completed"),
            none_text,
            None,
            None,
        )
        .await;
    let _ = client
        .retrieve_list_room_sessions(
            &room,
            Some(false),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            Some(true),
            None,
            None,
        )
        .await;
    let _ = client.end_session(&room).await;
}

/// The request lines of [`list_calls`] made by the generated client.
async fn our_list_requests() -> Vec<String> {
    let server = serve(page_response());
    let key = Credentials::bearer("KEY").expect("header value");
    list_calls(&client(&server.base_url(), key)).await;
    request_lines(&server.requests())
}

fn request_lines(seen: &[Request]) -> Vec<String> {
    seen.iter()
        .map(|seen| request_line(seen).to_owned())
        .collect()
}

/// The bytes Telnyx's Node SDK 7.24 sends for the same calls (recorded from it against a loopback
/// server; `the_node_sdk_sends_the_same_bytes` reruns that comparison).
#[tokio::test]
async fn deep_objects_go_out_as_telnyx_sdks_send_them() {
    assert_eq!(
        our_list_requests().await,
        [
            "GET /v2/rooms?filter%5Bunique_name%5D=x&page%5Bsize%5D=2 HTTP/1.1".to_owned(),
            "GET /v2/rooms?filter%5Bdate_created_at%5D%5Bgte%5D=2021-04-25&filter%5Bunique_name%5D=my%20room%2F%C3%A9%26%3D%2B%2A~&include_sessions=true&page%5Bnumber%5D=3&page%5Bsize%5D=250 HTTP/1.1".to_owned(),
            format!("GET /v2/room_recordings?filter%5Bduration_secs%5D=20&filter%5Broom_id%5D={ROOM}&filter%5Bstatus%5D=completed HTTP/1.1"),
            format!("GET /v2/rooms/{ROOM}/sessions?filter%5Bactive%5D=false&include_participants=true HTTP/1.1"),
            format!("POST /v2/room_sessions/{ROOM}/actions/end HTTP/1.1"),
        ]
    );
    // Nothing is sent for an argument left `None`: no `?` without a query, no empty values.
    let server = serve(page_response());
    let none: Option<&NaiveDate> = None;
    with_key(&server, "KEY")
        .list_rooms(none, None, None, None, None, None, None, None, None, None)
        .await
        .expect("a page");
    assert_eq!(
        request_line(&server.requests()[0]),
        "GET /v2/rooms HTTP/1.1"
    );
}

/// Telnyx's Node SDK, run against the same recording server, sends the same request lines. Needs
/// node and `npm ci --prefix conformance`; scripts/test.sh runs it with `-- --ignored`.
#[tokio::test]
#[ignore = "needs node and conformance/node_modules (scripts/test.sh installs them)"]
async fn the_node_sdk_sends_the_same_bytes() {
    let server = serve(page_response());
    let base = server.base_url();
    let env = [("TELNYX_BASE_URL", base.as_str()), ("ROOM_ID", ROOM)];
    telnyx_rooms_testkit::node::run("node-sdk-query.mjs", &env).await;
    let node = request_lines(&server.requests());
    assert_eq!(our_list_requests().await, node);
}

/// Every operation in the metadata, called once through the generated client: each request has the
/// method and path the metadata states, and carries the API key exactly when the operation's
/// spec security asks for it (all but the refresh of a client token).
#[tokio::test]
async fn the_api_key_goes_exactly_where_the_spec_requires_it() {
    let server = serve(
        "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    );
    let client = with_key(&server, "KEY_SECRET");
    call_every_operation(&client).await;
    let seen = server.requests();
    assert_eq!(seen.len(), CALLED.len());
    let mut ids: Vec<&str> = CALLED.iter().map(|op| op.operation_id).collect();
    ids.sort_unstable();
    let mut all: Vec<&str> = operations::ALL.iter().map(|op| op.operation_id).collect();
    all.sort_unstable();
    assert_eq!(ids, all, "every operation is called once");
    for (operation, seen) in CALLED.iter().zip(&seen) {
        let path = operation
            .path_params
            .iter()
            .fold(operation.path.to_owned(), |path, param| {
                path.replace(&format!("{{{}}}", param.name), ROOM)
            });
        assert_eq!(
            request_line(seen),
            format!("{} /v2{path} HTTP/1.1", operation.method),
            "{}",
            operation.operation_id
        );
        let key = operation.requires_api_key().then_some("Bearer KEY_SECRET");
        assert_eq!(
            seen.header("authorization"),
            key,
            "{}",
            operation.operation_id
        );
    }
    let open: Vec<&str> = operations::ALL
        .iter()
        .filter(|op| !op.requires_api_key())
        .map(|op| op.operation_id)
        .collect();
    assert_eq!(open, ["RefreshRoomClientToken"]);
}

/// The operations [`call_every_operation`] calls, in its order.
const CALLED: [&Operation; 25] = {
    use operations as op;
    [
        &op::LIST_ROOM_COMPOSITIONS,
        &op::CREATE_ROOM_COMPOSITION,
        &op::VIEW_ROOM_COMPOSITION,
        &op::DELETE_ROOM_COMPOSITION,
        &op::LIST_ROOM_PARTICIPANTS,
        &op::VIEW_ROOM_PARTICIPANT,
        &op::LIST_ROOM_RECORDINGS,
        &op::DELETE_ROOM_RECORDINGS,
        &op::VIEW_ROOM_RECORDING,
        &op::DELETE_ROOM_RECORDING,
        &op::LIST_ROOM_SESSIONS,
        &op::VIEW_ROOM_SESSION,
        &op::END_SESSION,
        &op::KICK_PARTICIPANT_IN_SESSION,
        &op::MUTE_PARTICIPANT_IN_SESSION,
        &op::UNMUTE_PARTICIPANT_IN_SESSION,
        &op::RETRIEVE_LIST_ROOM_PARTICIPANTS,
        &op::LIST_ROOMS,
        &op::CREATE_ROOM,
        &op::VIEW_ROOM,
        &op::DELETE_ROOM,
        &op::UPDATE_ROOM,
        &op::CREATE_ROOM_CLIENT_TOKEN,
        &op::REFRESH_ROOM_CLIENT_TOKEN,
        &op::RETRIEVE_LIST_ROOM_SESSIONS,
    ]
};

/// Calls each generated method once, with no optional argument, in the order of [`CALLED`].
async fn call_every_operation(client: &Client) {
    let id = room();
    let (d, t): (Option<&NaiveDate>, Option<&str>) = (None, None);
    let u: Option<&uuid::Uuid> = None;
    let _ = client
        .list_room_compositions(d, d, d, u, None, None, None)
        .await;
    let _ = client
        .create_room_composition(&CreateRoomCompositionRequest::default())
        .await;
    let _ = client.view_room_composition(&id).await;
    let _ = client.delete_room_composition(&id).await;
    let _ = client
        .list_room_participants(t, d, d, d, d, d, d, d, d, d, t, None, None)
        .await;
    let _ = client.view_room_participant(&id).await;
    let _ = client
        .list_room_recordings(d, d, d, d, d, d, None, u, u, u, t, t, None, None)
        .await;
    let _ = client
        .delete_room_recordings(d, d, d, d, d, d, None, u, u, u, t, t, None, None)
        .await;
    let _ = client.view_room_recording(&id).await;
    let _ = client.delete_room_recording(&id).await;
    call_sessions_and_rooms(client, &id).await;
}

async fn call_sessions_and_rooms(client: &Client, id: &uuid::Uuid) {
    let (d, t): (Option<&NaiveDate>, Option<&str>) = (None, None);
    let actions = ActionsParticipantsRequest::default();
    let refresh = RefreshRoomClientTokenRequest {
        refresh_token: "REFRESH".into(),
        token_ttl_secs: None,
    };
    let _ = client
        .list_room_sessions(None, d, d, d, d, d, d, d, d, d, t, None, None, None)
        .await;
    let _ = client.view_room_session(id, None).await;
    let _ = client.end_session(id).await;
    let _ = client.kick_participant_in_session(id, &actions).await;
    let _ = client.mute_participant_in_session(id, &actions).await;
    let _ = client.unmute_participant_in_session(id, &actions).await;
    let _ = client
        .retrieve_list_room_participants(id, t, d, d, d, d, d, d, d, d, d, None, None)
        .await;
    let _ = client
        .list_rooms(d, d, d, d, d, d, t, None, None, None)
        .await;
    let _ = client.create_room(&CreateRoomRequest::default()).await;
    let _ = client.view_room(id, None).await;
    let _ = client.delete_room(id).await;
    let _ = client.update_room(id, &PatchRoomRequest::default()).await;
    let _ = client
        .create_room_client_token(id, &CreateRoomClientTokenRequest::default())
        .await;
    let _ = client.refresh_room_client_token(id, &refresh).await;
    let _ = client
        .retrieve_list_room_sessions(id, None, d, d, d, d, d, d, d, d, d, None, None, None)
        .await;
}
