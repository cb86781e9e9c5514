//! Golden files of the commands on rooms, sessions and participants: each in every format
//! against a served mock, the ids it makes redacted to `[ROOM_ID]`, `[SESSION_ID]`,
//! `[ALICE_ID]` and `[BOB_ID]`; and server text a terminal would act on, from a loopback fake.

use super::{
    FORMATS, HOSTILE_TEXT, Varies, assert_run, assert_run_knowing, terminal_safe, with_format,
};
use serde_json::Value;

use crate::binary::Run;
use crate::lifecycle::Mock;
use crate::resources::{Records, against};
use telnyx_rooms_testkit::hostile::Hostile;
use telnyx_rooms_testkit::secrets::ROOM;

/// The commands of the goldens, in order, on the room `{R}`, its session `{S}` and its
/// participants Alice `{A}` and Bob `{B}`.
const COMMANDS: [(&str, &str); 13] = [
    ("rooms-get", "rooms get {R} --include-sessions"),
    ("rooms-list", "rooms list --page-size 1"),
    ("rooms-list-all", "rooms list --all --page-size 1"),
    ("sessions-list", "sessions list --room {R}"),
    ("sessions-get", "sessions get {S} --include-participants"),
    ("participants-list", "participants list --session {S}"),
    ("participants-get", "participants get {A}"),
    ("sessions-mute", "sessions mute {S} --participant {B}"),
    ("sessions-unmute", "sessions unmute {S} --exclude {A}"),
    ("sessions-kick", "sessions kick {S} --participant {B}"),
    ("sessions-end", "sessions end {S}"),
    (
        "rooms-update",
        "rooms update {R} --max-participants 20 --webhook-timeout 5s",
    ),
    ("rooms-delete", "rooms delete {R}"),
];

/// Every command, in every format, on a room with a session of two participants (Alice and
/// Bob) — a served mock per format, so that each sees the same state — and the room's 404 once
/// it is deleted.
#[test]
fn golden_resource_commands_in_every_format() {
    for format in FORMATS {
        let mock = Mock::start();
        let create = "rooms create --unique-name standup --max-participants 10";
        let created = mock.run(&with_format(&words(create), format));
        let room = mock.json(&["rooms", "list", "--unique-name", "standup"])[0]["id"]
            .as_str()
            .expect("the room's id")
            .to_owned();
        let (alice, bob) = (mock.join(&room, "Alice"), mock.join(&room, "Bob"));
        let id = |value: &Value, key: &str| value["data"][key].as_str().expect("an id").to_owned();
        let (session, a, b) = (id(&alice, "session_id"), id(&alice, "id"), id(&bob, "id"));
        let known = [
            ("[ROOM_ID]", room.as_str()),
            ("[SESSION_ID]", session.as_str()),
            ("[ALICE_ID]", a.as_str()),
            ("[BOB_ID]", b.as_str()),
        ];
        let golden = |name: &str, run: &Run, code| {
            assert_run_knowing(name, run, code, Varies::Minted, &known);
        };
        golden(&format!("rooms-create.{format}"), &created, 0);
        for (name, command) in COMMANDS {
            let command = command
                .replace("{R}", &room)
                .replace("{S}", &session)
                .replace("{A}", &a)
                .replace("{B}", &b);
            let run = mock.run(&with_format(&words(&command), format));
            golden(&format!("{name}.{format}"), &run, 0);
        }
        // An error is the same paragraph whatever the format.
        golden(
            "rooms-get.not-found",
            &mock.run(&["rooms", "get", &room]),
            3,
        );
    }
}

fn words(command: &str) -> Vec<&str> {
    command.split_whitespace().collect()
}

/// A room's name, its webhook URL and a participant's context holding [`HOSTILE_TEXT`] (with a
/// newline): escaped in every format, one line per item of a list, exact for JSON parsers and
/// `eval`.
#[test]
fn golden_hostile_server_text_in_every_format() {
    let hostile = format!("{HOSTILE_TEXT}\nnext");
    let mut records = Records::with_rooms(2);
    records.rooms[0]["unique_name"] = hostile.as_str().into();
    records.rooms[0]["webhook_event_url"] = format!("https://example.com/{hostile}").into();
    records.participants[0]["context"] = hostile.as_str().into();
    let server = Hostile::start(move |request| records.answer(request));
    let cases: [(&str, &[&str]); 3] = [
        ("rooms-get-hostile", &["rooms", "get", ROOM]),
        ("rooms-list-hostile", &["rooms", "list"]),
        ("participants-list-hostile", &["participants", "list"]),
    ];
    for (name, args) in cases {
        for format in FORMATS {
            let run = against(&server, &with_format(args, format));
            assert!(terminal_safe(&run.stdout), "{run:?}");
            assert_run(&format!("{name}.{format}"), &run, 0, Varies::Run);
        }
    }
}
