//! A room's whole life through the binary, against a served mock (`telnyx-rooms mock serve`):
//! create rooms, list them across pages and by name, mint a token for one, see the session and
//! the participant once a simulated participant joins (the mock's control endpoint, as a video
//! client would), mute, unmute and kick them, end the session, update and delete the room — and
//! then 404 for it, 403 for a token.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;

use serde_json::Value;

use crate::binary::{Run, Served, run_with};

/// A served mock and the binary pointed at it.
pub(crate) struct Mock {
    served: Served,
}

impl Mock {
    pub(crate) fn start() -> Self {
        Self {
            served: Served::start(&[]),
        }
    }

    /// Runs `args` against the mock.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        run_with(args, None, &self.served.env())
    }

    /// The JSON output of `args`, which must succeed: one object, or one per line for a list.
    pub(crate) fn json(&self, args: &[&str]) -> Vec<Value> {
        let mut args = args.to_vec();
        args.extend(["--format", "json"]);
        let run = self.run(&args);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        run.stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON object per line"))
            .collect()
    }

    /// A participant joins `room` with `context`: the mock's control endpoint answers the
    /// participant (`data`) and what only the mock knows of it (`mock`).
    pub(crate) fn join(&self, room: &str, context: &str) -> Value {
        let body = serde_json::json!({ "context": context }).to_string();
        self.control("POST", &format!("rooms/{room}/join"), &body)
    }

    /// What the mock knows of a participant (`mock.muted`, `mock.present`).
    pub(crate) fn participant(&self, id: &str) -> Value {
        self.control("GET", &format!("room_participants/{id}"), "")
    }

    /// A request to the mock's control endpoint, `/_mock/<path>` beside the API's base path.
    fn control(&self, method: &str, path: &str, body: &str) -> Value {
        let address = self
            .served
            .base_url
            .trim_start_matches("http://")
            .trim_end_matches("/v2");
        let mut stream = TcpStream::connect(address).expect("the mock is listening");
        let request = format!(
            "{method} /_mock/{path} HTTP/1.1\r\nhost: {address}\r\ncontent-type: \
             application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("sent");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("an answer");
        let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
        assert!(head.starts_with("HTTP/1.1 20"), "{response}");
        serde_json::from_str(body).expect("a JSON body")
    }
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` in {value}"))
}

#[test]
fn a_room_from_creation_to_deletion() {
    let mock = Mock::start();
    let created = &mock.json(&["rooms", "create", "--unique-name", "standup"])[0];
    let room = text(created, "id");
    for name in ["retro", "planning"] {
        mock.run(&["rooms", "create", "--unique-name", name]);
    }
    // The demo room and three more, two to a page.
    let all = mock.json(&["rooms", "list", "--all", "--page-size", "2"]);
    let names: Vec<&str> = all.iter().map(|room| text(room, "unique_name")).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    for name in ["demo", "standup", "retro", "planning"] {
        assert!(names.contains(&name), "{names:?}");
    }
    let named = mock.json(&["rooms", "list", "--unique-name", "standup"]);
    assert_eq!(named.len(), 1);
    assert_eq!(named[0]["id"], room);
    mock.run(&["token", "create", room]).assert_ok();

    let alice = mock.join(room, "Alice");
    let alice_id = text(&alice["data"], "id");
    let sessions = mock.json(&["sessions", "list", "--room", room, "--active", "true"]);
    assert_eq!(sessions.len(), 1);
    let session = text(&sessions[0], "id");
    assert_eq!(
        mock.json(&["rooms", "get", room])[0]["active_session_id"],
        session
    );
    let participants = mock.json(&["participants", "list", "--session", session]);
    assert_eq!(participants.len(), 1);
    assert_eq!(
        (&participants[0]["id"], &participants[0]["context"]),
        (&alice["data"]["id"], &Value::from("Alice"))
    );
    let bob = mock.join(room, "Bob");
    let bob_id = text(&bob["data"], "id");
    let with_participants = mock.json(&["sessions", "get", session, "--include-participants"]);
    assert_eq!(
        with_participants[0]["participant_ids"],
        serde_json::json!([alice_id, bob_id])
    );

    mock.run(&["sessions", "mute", session, "--exclude", alice_id])
        .assert_ok();
    assert_eq!(mock.participant(bob_id)["mock"]["muted"], true);
    assert_eq!(mock.participant(alice_id)["mock"]["muted"], false);
    mock.run(&["sessions", "unmute", session]).assert_ok();
    assert_eq!(mock.participant(bob_id)["mock"]["muted"], false);
    mock.run(&["sessions", "kick", session, "--participant", bob_id])
        .assert_ok();
    let kicked = &mock.json(&["participants", "get", bob_id])[0];
    assert!(kicked["left_at"].is_string(), "{kicked}");
    assert_eq!(mock.participant(alice_id)["mock"]["present"], true);

    mock.run(&["sessions", "end", session]).assert_ok();
    let ended = &mock.json(&["sessions", "get", session])[0];
    assert_eq!(ended["active"], false);
    assert!(ended["ended_at"].is_string(), "{ended}");
    assert_eq!(mock.participant(alice_id)["mock"]["present"], false);

    let updated = &mock.json(&["rooms", "update", room, "--max-participants", "20"])[0];
    assert_eq!(
        (&updated["max_participants"], &updated["unique_name"]),
        (&Value::from(20), &Value::from("standup"))
    );
    mock.run(&["rooms", "delete", room]).assert_ok();
    let gone = mock.run(&["rooms", "get", room]);
    gone.assert_exit(3);
    assert!(gone.stderr.contains("HTTP 404"), "{gone:?}");
    let no_token = mock.run(&["token", "create", room]);
    no_token.assert_exit(3);
    assert!(no_token.stderr.contains("HTTP 403"), "{no_token:?}");
}
