//! The redaction rule's own tests: what is scrubbed, what is kept, what is escaped.

use std::borrow::Cow;

use super::*;

const KEY: &str = "KEY0123456789_secret";
const JWT: &str = "eyJhbGciOiJFZDI1NTE5In0.eyJzdWIiOiJ4In0.c2ln-_x";

fn none() -> Sent<'static> {
    Sent::default()
}

#[test]
fn sent_secrets_are_scrubbed_wherever_they_appear() {
    let sent = Sent::new(Some(KEY), Some("refresh-value-0123"));
    assert_eq!(
        scrub(&format!("echo:{KEY}/refresh-value-0123!"), &sent),
        "echo:[REDACTED]/[REDACTED]!"
    );
    // Too short to be a credential: ordinary text stays.
    let short = Sent::new(Some("abc"), None);
    assert_eq!(scrub("abc abc", &short), "abc abc");
}

#[test]
fn values_of_secret_fields_are_scrubbed_and_names_kept() {
    let cases = [
        (
            r#"{"refresh_token": "opaque value", "token":"x"}"#,
            r#"{"refresh_token": "[REDACTED]", "token":"[REDACTED]"}"#,
        ),
        (
            "Authorization: Bearer KEYabc\nHost: x",
            "Authorization: Bearer [REDACTED]\nHost: x",
        ),
        ("authorization: opaque", "authorization: [REDACTED]"),
        ("GET /?api_key=abc&x=1", "GET /?api_key=[REDACTED]&x=1"),
        (
            r#"{"headers":{"Authorization":"Bearer K1 2"}}"#,
            r#"{"headers":{"Authorization":"Bearer [REDACTED]"}}"#,
        ),
        (
            "sent Bearer KEY_live_42 here",
            "sent Bearer [REDACTED] here",
        ),
        (r#"{"token": null}"#, r#"{"token": null}"#),
    ];
    for (input, expected) in cases {
        assert_eq!(scrub(input, &none()), expected, "{input}");
    }
}

#[test]
fn field_names_and_ordinary_words_are_kept() {
    for text in [
        "the response lacks `refresh_token_expires_at`",
        "refresh_token_expires_at must be in the future",
        "invalid token: expired",
        "token expired; refresh it",
        "Bearer authentication required",
        "abcdefghijklmnopqrstuvwxyz_ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "Invalid value for token_ttl_secs",
        "<html>Bad Gateway</html>",
        "",
        "é x",
    ] {
        assert_eq!(scrub(text, &none()), text);
    }
}

#[test]
fn jwt_shapes_are_scrubbed() {
    assert_eq!(
        scrub(&format!("token {JWT} end"), &none()),
        "token [REDACTED] end"
    );
    assert_eq!(
        scrub(&format!("x{JWT}"), &none()),
        "x[REDACTED]",
        "glued to a word"
    );
    assert_eq!(scrub("eyJ alone", &none()), "eyJ alone");
    assert_eq!(
        scrub("eyJhbGciOiJFZDI1NTE5", &none()),
        "eyJhbGciOiJFZDI1NTE5"
    );
}

#[test]
fn controls_are_escaped_visibly() {
    assert_eq!(
        escape_controls("a\u{1b}]0;title\u{7}b\nc\u{202e}d"),
        "a\\u{1b}]0;title\\u{7}b\\u{a}c\\u{202e}d"
    );
    assert!(matches!(escape_controls("plain é"), Cow::Borrowed(_)));
    assert_eq!(
        server_text(&format!("\u{1b}[2J{KEY}"), &Sent::new(Some(KEY), None)),
        "\\u{1b}[2J[REDACTED]"
    );
}

proptest::proptest! {
    /// Skipping the field and JWT passes for text without `:`, `=`, a space, a tab or `eyJ`
    /// changes no result: the passes leave such text as it is.
    #[test]
    fn the_shortcut_agrees_with_the_full_passes(
        text in "(token|Bearer |authorization|api_key|eyJ|[a-zA-Z0-9_.-]|[:= \t\n\"'])*",
    ) {
        let full = redact_jwts(&redact_fields(&text));
        if !may_hold_field_or_jwt(&text) {
            proptest::prop_assert_eq!(&full, &text);
        }
        proptest::prop_assert_eq!(scrub(&text, &none()), full);
    }

    /// Wherever a read cap cuts a body, nothing of a sent secret survives at the cut: the part
    /// left of it is replaced, however short.
    #[test]
    fn a_cut_leaves_no_fragment_of_a_sent_secret(
        secret in "[a-z0-9_]{8,40}",
        filler in "[ \t\n.,;:!-]{0,64}",
        cut in 0usize..41,
        other in proptest::option::of("[a-z0-9_]{8,40}"),
    ) {
        let cut = cut.min(secret.len());
        let text = format!("{filler}{}", &secret[..cut]);
        let sent = Sent::new(Some(&secret), other.as_deref());
        let shown = scrub_cut(&text, &sent);
        for len in 2..=secret.len() {
            for start in 0..=secret.len() - len {
                let fragment = &secret[start..start + len];
                proptest::prop_assert!(!shown.contains(fragment), "{fragment:?} in {shown:?}");
            }
        }
        proptest::prop_assert_eq!(shown.ends_with(REDACTED), cut > 0);
    }
}

#[test]
fn echoes_in_another_case_or_json_escaped_are_scrubbed() {
    let sent = Sent::new(Some(KEY), None);
    let upper = KEY.to_ascii_uppercase();
    let lower = KEY.to_ascii_lowercase();
    let escaped: String = KEY
        .chars()
        .map(|c| format!("\\u{:04x}", u32::from(c)))
        .collect();
    for echo in [upper.as_str(), lower.as_str(), escaped.as_str()] {
        let text = format!("bad key <{echo}>");
        assert_eq!(scrub(&text, &sent), "bad key <[REDACTED]>", "{echo}");
        assert!(sent.echoed_in(&format!("x{}", echo.to_ascii_uppercase())) || echo == escaped);
    }
    assert_eq!(
        scrub("caf\\u00e9 \\ud83d\\ude00 \\uzz", &none()),
        "café 😀 \\uzz"
    );
}

#[test]
fn a_credential_after_a_line_break_is_still_a_credential() {
    for (text, scrubbed) in [
        (
            "Authorization: Bearer\nKEYlive_0123",
            "Authorization: Bearer\n[REDACTED]",
        ),
        (
            "sent Bearer\r\n  KEY_live_42 here",
            "sent Bearer\r\n  [REDACTED] here",
        ),
    ] {
        assert_eq!(scrub(text, &none()), scrubbed);
    }
}

#[test]
fn a_cut_jwt_or_field_value_is_scrubbed() {
    for (text, scrubbed) in [
        ("token eyJhbGciOiJFZERT", "token [REDACTED]"),
        (
            r#"{"refresh_token": "opaque-val"#,
            r#"{"refresh_token": "[REDACTED]"#,
        ),
        ("nothing cut here", "nothing cut here"),
    ] {
        assert_eq!(scrub_cut(text, &none()), scrubbed);
    }
}
