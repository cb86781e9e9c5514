//! The Video Rooms lifecycle from Rust against the project's mock, end to end: create a room,
//! list rooms across pages, mint a token for it, see the session and the participant once a
//! simulated participant joins, mute and kick them, end the session, delete the room.

use futures_util::TryStreamExt as _;
use telnyx_rooms::{Client, ErrorKind, Participant, Room, RoomSession};
use telnyx_rooms_mock::MockServer;

use crate::support::NoWait;

/// Five rooms, one of them `standup` (returned), listed two to a page and by name.
async fn create_and_list(client: &Client) -> Room {
    let room = client
        .create_room()
        .unique_name("standup")
        .max_participants(5)
        .await
        .expect("created");
    assert_eq!(
        (room.unique_name.as_deref(), room.max_participants),
        (Some("standup"), Some(5))
    );
    for n in 0..4 {
        client
            .create_room()
            .unique_name(format!("other-{n}"))
            .await
            .expect("created");
    }
    let pages: Vec<_> = client
        .list_rooms()
        .page_size(2)
        .pages()
        .try_collect()
        .await
        .expect("pages");
    let listed: usize = pages.iter().map(|page| page.items.len()).sum();
    assert!(pages.len() >= 3 && Some(listed as i64) == pages[0].total_results);
    let named = client
        .list_rooms()
        .unique_name("standup")
        .await
        .expect("filtered");
    assert_eq!(
        named.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![room.id]
    );
    room
}

/// The room's session once alice joined, and alice as a participant.
async fn session_with_alice(client: &Client, room: &Room) -> (RoomSession, Participant) {
    let sessions = client
        .list_room_sessions(room.id)
        .include_participants(true)
        .await
        .expect("sessions");
    let session = sessions.items[0].clone();
    assert_eq!(session.active, Some(true));
    assert_eq!(session.participants[0].context.as_deref(), Some("alice"));
    let participants = client
        .list_session_participants(session.id)
        .await
        .expect("participants");
    assert_eq!(participants.items.len(), 1);
    let participant = client
        .get_participant(participants.items[0].id)
        .await
        .expect("participant");
    assert_eq!(participant.session_id, Some(session.id));
    (session, participant)
}

#[tokio::test]
async fn a_room_from_creation_to_deletion() {
    let mock = MockServer::builder()
        .start()
        .await
        .expect("the mock starts");
    let client = Client::builder()
        .api_key("KEY_LIFECYCLE_TEST")
        .base_url(mock.base_url())
        .sleeper(NoWait)
        .build()
        .expect("client");
    let room = create_and_list(&client).await;
    let token = client.create_client_token(room.id).await.expect("a token");
    assert!(!token.token().expose().is_empty());

    mock.join(room.id, Some("alice")).expect("alice joins");
    let (session, alice) = session_with_alice(&client, &room).await;
    client.mute_participants(session.id).await.expect("muted");
    client
        .kick_participants(session.id)
        .participants([alice.id])
        .await
        .expect("kicked");
    let after = client
        .get_participant(alice.id)
        .await
        .expect("still listed");
    assert!(after.left_at.is_some(), "a kicked participant has left");
    client.end_session(session.id).await.expect("ended");
    let ended = client.get_session(session.id).await.expect("the session");
    assert_eq!(ended.active, Some(false));

    client.delete_room(room.id).await.expect("deleted");
    let gone = client.get_room(room.id).await.expect_err("deleted");
    assert_eq!((gone.kind(), gone.status()), (ErrorKind::Api, Some(404)));
}
