//! The commands on rooms, sessions and participants against a loopback fake of Telnyx (the
//! testkit's hostile server answering from fixed records): the bytes each command sends, a list
//! walked a page at a time and no further than it is read, an error in the middle of a walk, and
//! bad input refused before anything is sent.

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Mutex, mpsc};

use serde_json::{Value, json};
use telnyx_rooms_testkit::hostile::{Hostile, Reply, Request, response};
use telnyx_rooms_testkit::secrets::{API_KEY, ROOM};

use crate::binary::{Run, command, run_with};

pub(crate) const SESSION: &str = "3b2a3f5e-7c1d-4f7e-9b7a-6f1e2d3c4b5a";
pub(crate) const PARTICIPANT: &str = "9e2a0cbe-ce66-411e-a1ac-468f0b103c9a";

/// The records a fake serves: rooms, sessions and participants, as Telnyx writes them.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    pub(crate) rooms: Vec<Value>,
    pub(crate) sessions: Vec<Value>,
    pub(crate) participants: Vec<Value>,
}

/// A room as Telnyx writes it; `n` tells rooms apart.
pub(crate) fn room(n: u32, unique_name: &str) -> Value {
    json!({
        "id": format!("0ccc7b54-4df3-4bca-a65a-3da1ecc777f{n}"),
        "record_type": "room",
        "unique_name": unique_name,
        "max_participants": 10,
        "enable_recording": false,
        "webhook_event_url": "https://example.com/telnyx-webhooks",
        "webhook_timeout_secs": 5,
        "active_session_id": if n == 0 { Value::from(SESSION) } else { Value::Null },
        "sessions": [{"id": SESSION, "room_id": ROOM, "active": true}],
        "created_at": format!("2026-12-0{}T10:00:00Z", n + 1),
        "updated_at": format!("2026-12-0{}T10:30:00.123456Z", n + 1),
    })
}

impl Records {
    /// `rooms` rooms, one active session in the first, and one participant in it.
    pub(crate) fn with_rooms(rooms: u32) -> Self {
        Self {
            rooms: (0..rooms).map(|n| room(n, &format!("room-{n}"))).collect(),
            sessions: vec![json!({
                "id": SESSION, "room_id": ROOM, "active": true, "record_type": "room_session",
                "participants": [{"id": PARTICIPANT, "session_id": SESSION, "context": "Alice"}],
                "created_at": "2026-12-01T10:05:00Z", "updated_at": "2026-12-01T10:05:00Z",
                "ended_at": null,
            })],
            participants: vec![json!({
                "id": PARTICIPANT, "session_id": SESSION, "context": "Alice",
                "record_type": "room_participant", "joined_at": "2026-12-01T10:05:00Z",
                "left_at": null, "updated_at": "2026-12-01T10:05:00Z",
            })],
        }
    }

    /// The answer to `request`, by its method and path, as Telnyx would give it.
    pub(crate) fn answer(&self, request: &Request) -> Reply {
        let (method, path, query) = line(request);
        let segments: Vec<&str> = path.trim_start_matches("/v2/").split('/').collect();
        match (method.as_str(), segments.as_slice()) {
            ("GET", ["rooms"]) => page(&self.rooms, &query),
            ("POST", ["rooms"]) => data(201, &self.rooms[0]),
            ("GET" | "PATCH", ["rooms", _]) => data(200, &self.rooms[0]),
            ("DELETE", ["rooms", _]) => response(204, &[], b""),
            ("GET", ["room_sessions"] | ["rooms", _, "sessions"]) => page(&self.sessions, &query),
            ("GET", ["room_sessions", _]) => data(200, &self.sessions[0]),
            ("POST", ["room_sessions", _, "actions", _]) => data(200, &json!({"result": "ok"})),
            ("GET", ["room_participants"] | ["room_sessions", _, "participants"]) => {
                page(&self.participants, &query)
            }
            ("GET", ["room_participants", _]) => data(200, &self.participants[0]),
            _ => response(
                404,
                &[],
                br#"{"errors":[{"code":"10005","title":"Not found"}]}"#,
            ),
        }
    }
}

/// A request's method, path and query.
pub(crate) fn line(request: &Request) -> (String, String, String) {
    let first = request.head.lines().next().unwrap_or_default();
    let mut parts = first.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    (method, path.to_owned(), query.to_owned())
}

/// The `page[number]` or `page[size]` of a query (`which` is `number` or `size`).
fn page_param(query: &str, which: &str) -> Option<usize> {
    let key = format!("page%5B{which}%5D=");
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&key))
        .and_then(|value| value.parse().ok())
}

fn page(records: &[Value], query: &str) -> Reply {
    let number = page_param(query, "number").unwrap_or(1);
    let size = page_param(query, "size").unwrap_or(20);
    let items: Vec<&Value> = records
        .iter()
        .skip((number - 1) * size)
        .take(size)
        .collect();
    let body = json!({
        "data": items,
        "meta": {"page_number": number, "page_size": size,
                 "total_pages": records.len().div_ceil(size), "total_results": records.len()},
    });
    json_reply(200, &body)
}

fn data(status: u16, value: &Value) -> Reply {
    json_reply(status, &json!({ "data": value }))
}

fn json_reply(status: u16, body: &Value) -> Reply {
    response(
        status,
        &[("content-type", "application/json")],
        body.to_string().as_bytes(),
    )
}

/// The environment that points the binary at `server`.
pub(crate) fn env_for(server: &Hostile) -> Vec<(&'static str, String)> {
    vec![
        ("TELNYX_BASE_URL", server.base_url()),
        ("TELNYX_API_KEY", API_KEY.to_owned()),
    ]
}

/// Runs `args` against `server`.
pub(crate) fn against(server: &Hostile, args: &[&str]) -> Run {
    let env = env_for(server);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run_with(args, None, &env)
}

fn fake(records: Records) -> Hostile {
    Hostile::start(move |request| records.answer(request))
}

/// Each command, what it sends (method, path and query), and its body: `{R}`, `{S}` and `{P}`
/// stand for the room, session and participant ids.
const WIRE: &[(&str, &str, &str)] = &[
    (
        "rooms create --unique-name standup --max-participants 10 --enable-recording true \
         --webhook-event-url https://example.com/h --webhook-event-failover-url \
         https://example.com/f --webhook-timeout 5s",
        "POST /v2/rooms",
        r#"{"unique_name": "standup", "max_participants": 10, "enable_recording": true,
            "webhook_event_url": "https://example.com/h",
            "webhook_event_failover_url": "https://example.com/f", "webhook_timeout_secs": 5}"#,
    ),
    ("rooms create", "POST /v2/rooms", "{}"),
    ("rooms get {R}", "GET /v2/rooms/{R}", ""),
    (
        "rooms get {R} --include-sessions",
        "GET /v2/rooms/{R}?include_sessions=true",
        "",
    ),
    (
        "rooms list --unique-name x --page-size 2 --created 2026-12-01..",
        "GET /v2/rooms?filter%5Bdate_created_at%5D%5Bgte%5D=2026-12-01\
         &filter%5Bunique_name%5D=x&page%5Bsize%5D=2",
        "",
    ),
    (
        "rooms list --updated 2026-12-01..2026-12-31 --page 2 --include-sessions",
        "GET /v2/rooms?filter%5Bdate_updated_at%5D%5Bgte%5D=2026-12-01\
         &filter%5Bdate_updated_at%5D%5Blte%5D=2026-12-31&include_sessions=true\
         &page%5Bnumber%5D=2",
        "",
    ),
    (
        "rooms update {R} --max-participants 5",
        "PATCH /v2/rooms/{R}",
        r#"{"max_participants": 5}"#,
    ),
    ("rooms delete {R}", "DELETE /v2/rooms/{R}", ""),
    ("sessions list", "GET /v2/room_sessions", ""),
    (
        "sessions list --room {R} --active true --ended ..2026-12-31",
        "GET /v2/rooms/{R}/sessions?filter%5Bactive%5D=true\
         &filter%5Bdate_ended_at%5D%5Blte%5D=2026-12-31",
        "",
    ),
    (
        "sessions get {S} --include-participants",
        "GET /v2/room_sessions/{S}?include_participants=true",
        "",
    ),
    (
        "sessions end {S}",
        "POST /v2/room_sessions/{S}/actions/end",
        "",
    ),
    (
        "sessions kick {S}",
        "POST /v2/room_sessions/{S}/actions/kick",
        r#"{"participants": "all"}"#,
    ),
    (
        "sessions mute {S} --participant {P}",
        "POST /v2/room_sessions/{S}/actions/mute",
        r#"{"participants": ["{P}"]}"#,
    ),
    (
        "sessions unmute {S} --exclude {P}",
        "POST /v2/room_sessions/{S}/actions/unmute",
        r#"{"participants": "all", "exclude": ["{P}"]}"#,
    ),
    ("participants list", "GET /v2/room_participants", ""),
    (
        "participants list --session {S} --context Alice --joined 2026-12-01",
        "GET /v2/room_sessions/{S}/participants?filter%5Bcontext%5D=Alice\
         &filter%5Bdate_joined_at%5D%5Beq%5D=2026-12-01",
        "",
    ),
    ("participants get {P}", "GET /v2/room_participants/{P}", ""),
];

/// Every command sends what Telnyx's API takes: its method, path, query and body, from its
/// flags; options not given are not sent.
#[test]
fn every_command_sends_its_flags_as_telnyx_takes_them() {
    let server = fake(Records::with_rooms(1));
    let ids = |text: &str| {
        text.replace("{R}", ROOM)
            .replace("{S}", SESSION)
            .replace("{P}", PARTICIPANT)
    };
    for (args, expected_line, expected_body) in WIRE {
        let args = ids(args);
        let args: Vec<&str> = args.split_whitespace().collect();
        let run = against(&server, &args);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        let sent = server.requests().pop().expect("a request");
        let (method, path, query) = line(&sent);
        let target = if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        };
        assert_eq!(format!("{method} {target}"), ids(expected_line), "{args:?}");
        let body: Value = serde_json::from_slice(&sent.body).unwrap_or(Value::Null);
        let expected: Value = serde_json::from_str(&ids(expected_body)).unwrap_or(Value::Null);
        assert_eq!(body, expected, "{args:?}");
        assert_eq!(
            sent.header("authorization"),
            Some(format!("Bearer {API_KEY}").as_str())
        );
    }
}

/// `--all` walks the whole list, a page per request, each printed as it arrives: one JSON
/// object per line in JSON, one line of assignments per item in env, a table for people.
#[test]
fn all_walks_every_page_in_order() {
    let server = fake(Records::with_rooms(5));
    let run = against(
        &server,
        &[
            "rooms",
            "list",
            "--all",
            "--page-size",
            "2",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let names: Vec<String> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a JSON object per line"))
        .map(|room| room["unique_name"].as_str().expect("a name").to_owned())
        .collect();
    assert_eq!(names, ["room-0", "room-1", "room-2", "room-3", "room-4"]);
    let pages: Vec<Option<usize>> = server
        .requests()
        .iter()
        .map(|request| page_param(&line(request).2, "number"))
        .collect();
    assert_eq!(
        pages,
        [None, Some(2), Some(3)],
        "the first page is the default one"
    );

    let from_two = against(
        &server,
        &["rooms", "list", "--all", "--page-size", "2", "--page", "2"],
    );
    assert_eq!(from_two.code, 0, "{from_two:?}");
    let rows: Vec<&str> = from_two.stdout.lines().collect();
    assert_eq!(
        rows.len(),
        1 + 3 + 1,
        "header, rooms 2 to 4, footer: {from_two:?}"
    );
    assert!(rows[0].starts_with("ID "), "{from_two:?}");
    assert!(
        rows[1].ends_with("room-2") && rows[3].ends_with("room-4"),
        "{from_two:?}"
    );
    assert_eq!(rows[4], "3 rooms.");
}

/// One page for people ends with where it lies and how to get the next.
#[test]
fn a_page_says_which_it_is_and_what_comes_next() {
    let server = fake(Records::with_rooms(5));
    let run = against(
        &server,
        &["rooms", "list", "--page-size", "2", "--page", "2"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().last(),
        Some("Page 2 of 3: 2 rooms of 5; next: --page 3, or --all.")
    );
    let last = against(
        &server,
        &["rooms", "list", "--page-size", "2", "--page", "3"],
    );
    assert_eq!(
        last.stdout.lines().last(),
        Some("Page 3 of 3: 1 room of 5.")
    );
    let past = against(
        &server,
        &["rooms", "list", "--page-size", "2", "--page", "4"],
    );
    assert_eq!(past.stdout, "Page 4 of 3: 0 rooms of 5.\n");
    let none = fake(Records::with_rooms(0));
    let empty = against(&none, &["rooms", "list"]);
    assert_eq!((empty.code, empty.stdout.as_str()), (0, "0 rooms.\n"));
}

/// A walk whose reader goes away (`| head -n 2`) stops there: the page being printed when it
/// went is the last one fetched, and the command ends quietly (exit 0, nothing on stderr).
#[test]
fn a_walk_stops_fetching_when_its_reader_is_gone() {
    let records = Records::with_rooms(5);
    let (release, released) = mpsc::channel::<()>();
    let released = Arc::new(Mutex::new(released));
    let server = Hostile::start(move |request| {
        if page_param(&line(request).2, "number") == Some(2) {
            // Page 2 is answered only once the reader is gone.
            let _ = released
                .lock()
                .expect("not poisoned")
                .recv_timeout(std::time::Duration::from_secs(30));
        }
        records.answer(request)
    });
    let env = env_for(&server);
    let mut child = command(
        &[
            "rooms",
            "list",
            "--all",
            "--page-size",
            "2",
            "--format",
            "json",
        ],
        &[],
    )
    .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("the binary starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("a stdout pipe"));
    let mut first_page = String::new();
    for _ in 0..2 {
        stdout.read_line(&mut first_page).expect("a line");
    }
    assert!(
        first_page.contains("room-0") && first_page.contains("room-1"),
        "{first_page}"
    );
    drop(stdout);
    release.send(()).expect("the server waits");
    let output = child.wait_with_output().expect("the binary ends");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert_eq!(server.request_count(), 2, "page 3 is never fetched");
}

/// An error after some pages ends the walk with the API's exit code; what was printed stays.
#[test]
fn an_error_in_the_middle_of_a_walk_keeps_what_was_printed() {
    let records = Records::with_rooms(5);
    let server = Hostile::start(move |request| {
        if page_param(&line(request).2, "number") == Some(2) {
            return response(
                503,
                &[],
                br#"{"errors":[{"code":"10007","title":"Unexpected error"}]}"#,
            );
        }
        records.answer(request)
    });
    let run = against(
        &server,
        &[
            "rooms",
            "list",
            "--all",
            "--page-size",
            "2",
            "--retries",
            "0",
            "--format",
            "env",
        ],
    );
    assert_eq!(run.code, 3, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "page 1's rooms: {run:?}");
    assert!(
        lines[0].starts_with(&format!(
            "TELNYX_ROOM_ID={ROOM} TELNYX_ROOM_UNIQUE_NAME=room-0 "
        )),
        "{run:?}"
    );
    assert!(
        run.stderr
            .starts_with("telnyx-rooms: Telnyx refused the request: HTTP 503, code 10007"),
        "{run:?}"
    );
    assert_eq!(server.request_count(), 2);
}

/// Ids, bounds, page numbers and days are checked before anything is sent (exit 2), and the
/// message names the flag the user typed.
#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let server = fake(Records::with_rooms(1));
    let cases: [(&[&str], &str); 9] = [
        (&["rooms", "get", "not-a-room"], "room id is not a UUID"),
        (
            &["rooms", "create", "--max-participants", "51"],
            "--max-participants = 51 is outside the range the API accepts (2..=50)",
        ),
        (
            &["rooms", "update", ROOM, "--webhook-timeout", "31s"],
            "--webhook-timeout = 31 s is outside",
        ),
        (
            &["rooms", "list", "--page-size", "251"],
            "--page-size = 251 is outside the range the API accepts (1..=250)",
        ),
        (&["rooms", "list", "--page", "0"], "--page = 0 is outside"),
        (
            &["rooms", "list", "--created", "2026-12-32"],
            "`2026-12-32` is not a day as YYYY-MM-DD",
        ),
        (
            &["sessions", "list", "--ended", "2026-12-31..2026-12-01"],
            "2026-12-31 is after 2026-12-01",
        ),
        (
            &["sessions", "kick", SESSION, "--participant", "alice"],
            "invalid value 'alice' for '--participant <PARTICIPANT_ID>'",
        ),
        (
            &["participants", "list", "--session", "s1"],
            "session id is not a UUID",
        ),
    ];
    for (args, message) in cases {
        let run = against(&server, args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains(message), "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
    }
    assert_eq!(server.request_count(), 0);
    let no_key = run_with(
        &["rooms", "list", "--base-url", &server.base_url()],
        None,
        &[],
    );
    assert_eq!(no_key.code, 2, "{no_key:?}");
    assert!(
        no_key.stderr.contains("this command needs an API key"),
        "{no_key:?}"
    );
}
