use super::*;

#[test]
fn envelope_entries_are_parsed_into_fields() {
    let body = br#"{"errors":[{"code":"10015","title":"Invalid value","detail":"token_ttl_secs must be at most 3600","source":{"pointer":"/token_ttl_secs"},"meta":{"url":"https://developers.telnyx.com"}},{"code":10005,"title":"Second"}]}"#;
    let parsed = ErrorBody::parse(body, false, &Sent::default());
    assert_eq!(parsed.entries.len(), 2);
    let first = &parsed.entries[0];
    assert_eq!(first.code(), Some("10015"));
    assert_eq!(first.title(), Some("Invalid value"));
    assert_eq!(first.detail(), Some("token_ttl_secs must be at most 3600"));
    assert_eq!(first.source_pointer(), Some("/token_ttl_secs"));
    assert_eq!(first.source_parameter(), None);
    assert_eq!(
        parsed.entries[1].code(),
        Some("10005"),
        "numeric codes become text"
    );
    assert_eq!(parsed.snippet, None);
}

#[test]
fn bare_error_object_is_one_entry() {
    let parsed = ErrorBody::parse(
        br#"{"code":"10010","title":"Forbidden","source":{"parameter":"room_id"}}"#,
        false,
        &Sent::default(),
    );
    assert_eq!(parsed.entries.len(), 1);
    assert_eq!(parsed.entries[0].code(), Some("10010"));
    assert_eq!(parsed.entries[0].source_parameter(), Some("room_id"));
}

#[test]
fn non_json_and_unknown_shapes_keep_a_snippet() {
    let html = b"<html>\n  <body>  502 Bad Gateway </body>\n</html>";
    let parsed = ErrorBody::parse(html, false, &Sent::default());
    assert!(parsed.entries.is_empty());
    assert_eq!(
        parsed.snippet.as_deref(),
        Some("<html> <body> 502 Bad Gateway </body> </html>")
    );

    let unknown = ErrorBody::parse(br#"{"message":"rate limited"}"#, false, &Sent::default());
    assert!(unknown.entries.is_empty());
    assert_eq!(
        unknown.snippet.as_deref(),
        Some(r#"{"message":"rate limited"}"#)
    );

    let empty_envelope = ErrorBody::parse(br#"{"errors":[]}"#, false, &Sent::default());
    assert!(empty_envelope.entries.is_empty());
    assert_eq!(empty_envelope.snippet.as_deref(), Some(r#"{"errors":[]}"#));

    assert_eq!(
        ErrorBody::parse(b"  \n", false, &Sent::default()).snippet,
        None
    );
}

#[test]
fn snippets_are_cut_and_invalid_utf8_is_tolerated() {
    let long = "x ".repeat(500);
    let cut = snippet(long.as_bytes(), false, &Sent::default()).expect("non-empty");
    assert_eq!(cut.chars().count(), SNIPPET_CHARS + 1);
    assert!(cut.ends_with('…'));
    assert_eq!(
        snippet(&[0xff, b'o', b'k'], false, &Sent::default()).as_deref(),
        Some("\u{fffd}ok")
    );
}

#[test]
fn display_names_status_code_title_and_request_id() {
    let error = Error::new(ErrorKind::Api, "status 403 Forbidden")
        .with_status(403)
        .with_request_id(Some("req-1".into()))
        .with_body(ErrorBody::parse(
            br#"{"errors":[{"code":"10010","title":"Authentication failed"},{"code":"1"}]}"#,
            false,
            &Sent::default(),
        ))
        .with_attempts(1);
    assert_eq!(
        error.to_string(),
        "Telnyx API error: status 403 Forbidden: [10010] Authentication failed (and 1 more) [request id req-1]"
    );
    assert!(!error.is_retryable());
    assert!(
        Error::new(ErrorKind::Api, "x")
            .with_status(503)
            .is_retryable()
    );
    assert!(Error::new(ErrorKind::Timeout, "x").is_retryable());
    assert!(!Error::new(ErrorKind::Decode, "x").is_retryable());
}

/// `is_retryable` once disagreed with the retry loop on `x-should-retry`.
#[test]
fn is_retryable_obeys_x_should_retry_like_the_retry_loop() {
    let api = |status: u16, should_retry: Option<bool>| {
        Error::new(ErrorKind::Api, "x")
            .with_status(status)
            .with_should_retry(should_retry)
    };
    assert!(!api(503, Some(false)).is_retryable());
    assert!(api(400, Some(true)).is_retryable());
    assert!(api(503, None).is_retryable());
    assert!(!api(400, None).is_retryable());
}

/// Echoed secrets are scrubbed from entries and snippets, field
/// names are not, and control characters never survive.
#[test]
fn server_text_is_scrubbed_and_escaped_at_parse_time() {
    let key = "KEY_live_0123456789";
    let refresh = "opaque-refresh-0123456789";
    let sent = Sent::new(Some(key), Some(refresh));
    let body = format!(
        r#"{{"errors":[{{"code":"1","title":"\u001b]0;pwned\u0007lacks refresh_token_expires_at","detail":"got {refresh} with Bearer {key}"}}]}}"#
    );
    let parsed = ErrorBody::parse(body.as_bytes(), false, &sent);
    let entry = &parsed.entries[0];
    assert_eq!(
        entry.title(),
        Some("\\u{1b}]0;pwned\\u{7}lacks refresh_token_expires_at")
    );
    assert_eq!(
        entry.detail(),
        Some("got [REDACTED] with Bearer [REDACTED]")
    );
    let page = format!(
        "<pre>POST /v2\r\nAuthorization: Bearer {key}\r\n\x1b[2J{{\"refresh_token\":\"{refresh}\"}}</pre>"
    );
    let shown = snippet(page.as_bytes(), false, &sent).expect("a snippet");
    assert_eq!(
        shown,
        r#"<pre>POST /v2 Authorization: Bearer [REDACTED] \u{1b}[2J{"refresh_token":"[REDACTED]"}</pre>"#
    );
}

#[test]
fn source_chain_is_kept() {
    let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
    let error = Error::new(ErrorKind::Transport, "connection reset").with_source(io);
    let source = StdError::source(&error).expect("source kept");
    assert_eq!(source.to_string(), "reset by peer");
}
