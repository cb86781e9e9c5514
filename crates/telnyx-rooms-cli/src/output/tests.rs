use super::*;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("a valid timestamp")
}

const LEFT: Name = Name::new("left", "expires_in_secs", "TELNYX_EXPIRES_IN_SECS");
const EXPIRES: Name = Name::new(
    "expires at",
    "token_expires_at",
    "TELNYX_CLIENT_TOKEN_EXPIRES_AT",
);
const REQUEST_ID: Name = Name::new("request id", "request_id", "TELNYX_REQUEST_ID");
const SUBJECT: Name = Name::new("subject", "subject", "S");

fn sample() -> Report {
    Report::new("Client token for room r")
        .row(CLIENT_TOKEN, Some("a.b.c"))
        .row(EXPIRES, Value::Time(at(1_600)))
        .row(REQUEST_ID, None::<String>)
        .row(LEFT, Value::Integer(600))
        .footer("done")
}

fn render(report: &Report, format: Format) -> String {
    report.render(format, at(1_000)).expect("renders")
}

#[test]
fn human_output_aligns_labels_and_shows_time_left() {
    assert_eq!(
        render(&sample(), Format::Human),
        "Client token for room r\n  token:       a.b.c\n  expires at:  1970-01-01T00:26:40Z (in 10m)\n  request id:  (not present)\n  left:        600\ndone\n"
    );
}

#[test]
fn json_output_is_one_object_with_nulls_for_absent_values() {
    let value: Json = serde_json::from_str(&render(&sample(), Format::Json)).expect("JSON");
    assert_eq!(
        value,
        serde_json::json!({
            "token": "a.b.c",
            "token_expires_at": "1970-01-01T00:26:40Z",
            "request_id": null,
            "expires_in_secs": 600,
        })
    );
}

#[test]
fn env_output_skips_absent_values_and_quotes_unsafe_ones() {
    assert_eq!(
        render(&sample(), Format::Env),
        "TELNYX_CLIENT_TOKEN=a.b.c\nTELNYX_CLIENT_TOKEN_EXPIRES_AT=1970-01-01T00:26:40Z\nTELNYX_EXPIRES_IN_SECS=600\n"
    );
    assert_eq!(
        shell_word("it's $HOME").as_deref(),
        Some(r"'it'\''s $HOME'")
    );
    assert_eq!(shell_word("").as_deref(), Some("''"));
    assert_eq!(shell_word("é ü").as_deref(), Some("'é ü'"));
}

/// Control characters in a value never reach a terminal raw in human output; JSON keeps
/// the exact value, escaped the JSON way.
#[test]
fn human_output_escapes_control_characters_and_json_stays_exact() {
    let hostile = "x\u{1b}]0;pwned\u{7}\u{1b}[2J\ny\u{9b}\u{7f}\u{202e}";
    let report = Report::new("t").row(SUBJECT, Some(hostile));
    assert_eq!(
        render(&report, Format::Human),
        "t\n  subject:  x\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{a}y\\u{9b}\\u{7f}\\u{202e}\n"
    );
    let json = render(&report, Format::Json);
    assert_eq!(
        json,
        "{\"subject\":\"x\\u001b]0;pwned\\u0007\\u001b[2J\\ny\\u009b\\u007f\\u202e\"}\n"
    );
    let parsed: Json = serde_json::from_str(&json).expect("JSON");
    assert_eq!(parsed["subject"], hostile);
}

#[test]
fn env_output_escapes_what_a_terminal_acts_on_as_bytes_eval_reads_back() {
    let report = Report::new("t").row(SUBJECT, Some("a\u{1b}[2J'\\\u{85}é\u{202e}"));
    assert_eq!(
        render(&report, Format::Env),
        "S=$'a\\x1b[2J\\'\\\\\\xc2\\x85é\\xe2\\x80\\xae'\n"
    );
    let nul = Report::new("t").row(SUBJECT, Some("a\0b"));
    let failure = nul.render(Format::Env, at(0)).expect_err("NUL");
    assert_eq!(failure.exit_code(), 2);
    assert!(failure.to_string().contains("S holds a NUL"), "{failure}");
    assert!(nul.render(Format::Json, at(0)).is_ok());
}

/// A list's item: a row of a table whose columns keep their width whatever the values (so
/// rows line up though printed as they arrive), free text last; a JSON line; or one line of
/// assignments setting every variable, an absent value to `''`.
#[test]
fn a_list_item_is_a_table_row_a_json_line_or_one_line_of_assignments() {
    let field = |key| Name::field("TELNYX_ROOM_", key);
    let room = |id: &str, name: Option<&str>, at: Value| {
        Report::new("Room")
            .column(field("id"), Some(id), Column::Id)
            .column(field("unique_name"), name, Column::Text)
            .column(field("max_participants"), Value::Integer(10), Column::Count)
            .row(field("webhook_event_url"), None::<String>)
            .column(field("created_at"), at, Column::Time)
            .row(
                field("session_ids"),
                Value::List(vec!["s1".into(), "s2".into()]),
            )
    };
    let id = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
    let first = room(
        id,
        Some("a b\u{1b}"),
        Value::Time(at(1_600) + chrono::Duration::milliseconds(5)),
    );
    let second = room("r2", None, Value::Absent);
    assert_eq!(
        first.table_header(),
        "ID                                    MAX PARTICIPANTS  CREATED AT            UNIQUE NAME\n"
    );
    assert_eq!(
        first.render_item(Format::Human).expect("a row"),
        format!("{id}  10                1970-01-01T00:26:40Z  a b\\u{{1b}}\n")
    );
    assert_eq!(
        second.render_item(Format::Human).expect("a row"),
        "r2                                    10                -                     -\n"
    );
    assert_eq!(
        second.render_item(Format::Env).expect("a line"),
        "TELNYX_ROOM_ID=r2 TELNYX_ROOM_UNIQUE_NAME='' TELNYX_ROOM_MAX_PARTICIPANTS=10 \
         TELNYX_ROOM_WEBHOOK_EVENT_URL='' TELNYX_ROOM_CREATED_AT='' TELNYX_ROOM_SESSION_IDS='s1 s2'\n"
    );
    let json: Json = serde_json::from_str(&first.render_item(Format::Json).expect("JSON"))
        .expect("one JSON object");
    assert_eq!(
        json,
        serde_json::json!({
            "id": id, "unique_name": "a b\u{1b}", "max_participants": 10,
            "webhook_event_url": null, "created_at": "1970-01-01T00:26:40.005Z",
            "session_ids": ["s1", "s2"],
        })
    );
    // A value shows the list's items, or says there are none.
    let human = render(&first, Format::Human);
    assert!(human.contains("  session ids:        s1, s2\n"), "{human}");
}

#[test]
fn relative_times_read_naturally() {
    assert_eq!(relative(at(100), at(100)), "now");
    assert_eq!(relative(at(3_700), at(100)), "in 1h");
    assert_eq!(relative(at(100), at(280)), "3m ago");
}
