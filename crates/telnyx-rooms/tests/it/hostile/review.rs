//! The outside security review's cases, each against a hostile loopback server: a secret cut in
//! half by the read cap, invisible characters, a tab in a request id, a credential after a line
//! break, echoes in another case or JSON-escaped.

use telnyx_rooms::ErrorKind;
use telnyx_rooms_testkit::hostile::{Hostile, response};
use telnyx_rooms_testkit::secrets::{API_KEY, REFRESH, ROOM};
use telnyx_rooms_testkit::sleep::RecordingSleeper;

use super::{client_of, create, created_body, one_attempt_client, refresh, runtime, shown};

/// The read cap (64 KiB) cuts the sent key anywhere inside it: no fragment of it is shown, in
/// `Display`, `Debug`, the snippet, or the debug-level retry trace.
#[test]
fn a_secret_the_read_cap_cuts_in_half_shows_no_fragment() {
    let cap = 64 * 1024;
    for left in 1..API_KEY.len() {
        let body = format!("{}{API_KEY}{}", " ".repeat(cap - left), " tail".repeat(20));
        let server = Hostile::start(move |_| response(502, &[], body.as_bytes()));
        let waits = RecordingSleeper::default();
        let client = one_attempt_client(&server, &waits);
        let error = create(&client).expect_err("502");
        let text = format!("{} {:?}", shown(&error), error.body_snippet());
        for len in 3..=API_KEY.len() {
            for start in 0..=API_KEY.len() - len {
                let fragment = &API_KEY[start..start + len];
                assert!(!text.contains(fragment), "{left}: {fragment:?} in {text}");
            }
        }
        // Whatever of the key the cut left is replaced; the cap may also stop at the chunk
        // before, leaving nothing of it.
        let snippet = error.body_snippet();
        assert!(
            snippet.is_none_or(|s| s == "[REDACTED]"),
            "{left}: {snippet:?}"
        );
    }
}

/// Every invisible or bidirectional character the review found (a sample of each kind) comes out
/// escaped, in the error's fields and in `Display`.
#[test]
fn invisible_and_bidi_characters_from_the_server_are_escaped() {
    let sneaky = "a\u{61c}b\u{2028}c\u{2029}d\u{e0041}e\u{ad}f\u{200b}g\u{2063}h\u{feff}i\u{3164}j";
    let body = format!(r#"{{"errors":[{{"code":"1","title":"{sneaky}"}}]}}"#);
    let server = Hostile::start(move |_| response(400, &[], body.as_bytes()));
    let waits = RecordingSleeper::default();
    let client = client_of(&server, &waits);
    let error = create(&client).expect_err("400");
    let title = error.api_errors()[0].title().expect("a title");
    assert_eq!(
        title,
        "a\\u{61c}b\\u{2028}c\\u{2029}d\\u{e0041}e\\u{ad}f\\u{200b}g\\u{2063}h\\u{feff}i\\u{3164}j"
    );
    assert!(error.to_string().contains(title), "{error}");
}

/// A tab is legal in a header value: a request id holding one is escaped, on errors and tokens.
#[test]
fn a_tab_in_the_request_id_is_escaped() {
    let server = Hostile::start(|_| response(503, &[("x-request-id", "req\tone")], b""));
    let waits = RecordingSleeper::default();
    let client = one_attempt_client(&server, &waits);
    let error = create(&client).expect_err("503");
    assert_eq!(error.request_id(), Some("req\\u{9}one"));
    assert!(!error.to_string().contains('\t'), "{error}");

    let body = created_body(super::TOKEN);
    let ok = Hostile::start(move |_| response(201, &[("x-request-id", "ok\tid")], body.as_bytes()));
    let client = client_of(&ok, &waits);
    let token = create(&client).expect("created");
    assert_eq!(token.request_id(), Some("ok\\u{9}id"));
}

/// `Authorization: Bearer` followed by a line break and a credential: the credential is hidden,
/// not the word `Bearer`; an echo in upper or lower case, or JSON-escaped, is hidden too.
#[test]
fn credentials_after_a_line_break_and_transformed_echoes_are_scrubbed() {
    let escaped: String = API_KEY
        .chars()
        .map(|c| format!("\\u{:04x}", u32::from(c)))
        .collect();
    let body = format!(
        "Authorization: Bearer\nOTHERcred_9876 | {} | {} | {escaped}",
        API_KEY.to_ascii_uppercase(),
        API_KEY.to_ascii_lowercase()
    );
    let server = Hostile::start(move |_| response(502, &[], body.as_bytes()));
    let waits = RecordingSleeper::default();
    let client = one_attempt_client(&server, &waits);
    let error = create(&client).expect_err("502");
    assert_eq!(
        error.body_snippet(),
        Some("Authorization: Bearer [REDACTED] | [REDACTED] | [REDACTED] | [REDACTED]")
    );

    let echo = REFRESH.to_ascii_uppercase();
    let server = Hostile::start(move |_| response(201, &[], created_body(&echo).as_bytes()));
    let client = client_of(&server, &waits);
    let error = refresh(&client).expect_err("an echo is no token");
    assert_eq!(error.kind(), ErrorKind::Decode, "{error}");
    assert!(!shown(&error).contains(&REFRESH.to_ascii_uppercase()));
    let _ = (runtime, ROOM);
}
