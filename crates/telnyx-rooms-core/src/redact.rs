//! The one redaction rule of the workspace: what replaces a secret ([`REDACTED`]), which text
//! is a secret, and how text a server (or a client) controls is made safe to keep and show.
//!
//! The facade passes every error title, detail, code, pointer, body snippet and request id it
//! keeps through [`server_text`] (or [`scrub`] where only visible ASCII can arrive), so `Display`,
//! `Debug`, the accessors and `tracing` show the same safe text to every consumer; the mock's
//! request log, the keeper's and the generated client's `Debug` output use the same constant and
//! the same field names.
//!
//! What is scrubbed — and nothing else, so field names and ordinary words stay readable:
//! - the exact secrets sent with the request ([`Sent`]: the API key, the refresh token);
//! - the values of secret fields: `"token": "…"`, `refresh_token=…`, `Authorization: Bearer …`
//!   (the names in [`SECRET_FIELDS`], matched as whole names, so `refresh_token_expires_at` is
//!   not one);
//! - credentials after `Bearer` that look like one (digits or symbols among at least 8 characters);
//! - anything shaped like a JWT (`eyJ…` with a `.`), such as a token in a malformed success body.

use std::borrow::Cow;

/// Printed in place of a secret, by every crate of the workspace.
pub const REDACTED: &str = "[REDACTED]";

/// Field names whose values are secrets, compared without regard to case (see
/// [`is_secret_field`]).
pub const SECRET_FIELDS: [&str; 12] = [
    "token",
    "refresh_token",
    "client_token",
    "access_token",
    "api_key",
    "apikey",
    "x-api-key",
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "password",
];

/// Whether a field, header or query parameter called `name` holds a secret: one of
/// [`SECRET_FIELDS`], whole, in any case.
///
/// ```
/// use telnyx_rooms_core::redact::is_secret_field;
///
/// assert!(is_secret_field("Refresh_Token"));
/// assert!(!is_secret_field("refresh_token_expires_at"));
/// ```
pub fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS
        .iter()
        .any(|field| field.eq_ignore_ascii_case(name))
}

/// Field names that are also HTTP headers: `Name: value` (unquoted, with a colon) is scrubbed
/// for these only, so prose such as `invalid token: expired` keeps its words.
const SECRET_HEADERS: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// Authorization schemes kept in front of a scrubbed credential.
const SCHEMES: [&str; 2] = ["bearer", "basic"];

/// The shortest sent secret scrubbed by value: shorter strings are not credentials, and hiding
/// every occurrence of them would hide ordinary text.
const MIN_SENT_LEN: usize = 8;

/// The shortest `eyJ…` run taken for a JWT.
const MIN_JWT_LEN: usize = 16;

/// The secrets a call sent, to be scrubbed from whatever the server says back.
#[derive(Clone, Copy, Default)]
pub struct Sent<'a> {
    secrets: [Option<&'a str>; 2],
}

impl std::fmt::Debug for Sent<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sent").finish_non_exhaustive()
    }
}

impl<'a> Sent<'a> {
    /// The API key the client holds (sent or not, it is a secret) and the call's other secret.
    pub fn new(api_key: Option<&'a str>, other: Option<&'a str>) -> Self {
        Self {
            secrets: [api_key, other],
        }
    }

    /// Whether `text` holds one of the secrets (as [`scrub`] would find it).
    pub fn echoed_in(&self, text: &str) -> bool {
        self.values().any(|secret| text.contains(secret))
    }

    fn values(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.secrets
            .iter()
            .flatten()
            .copied()
            .filter(|secret| secret.len() >= MIN_SENT_LEN)
    }
}

/// Server text made safe to keep and show: [`scrub`]bed, then [`escape_controls`].
pub fn server_text(text: &str, sent: &Sent<'_>) -> String {
    escape_controls(&scrub(text, sent)).into_owned()
}

/// `text` with the secrets of the rule above replaced by `[REDACTED]`.
pub fn scrub(text: &str, sent: &Sent<'_>) -> String {
    let mut out = text.to_owned();
    for secret in sent.values() {
        if secret.len() <= out.len() && out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
    }
    if !may_hold_field_or_jwt(&out) {
        // A request id, typically: nothing the two passes below could change.
        return out;
    }
    redact_jwts(&redact_fields(&out))
}

/// Whether [`redact_fields`] or [`redact_jwts`] could change `text`: a field's value follows `:`
/// or `=`, a scheme's credential follows a space or tab, and a JWT starts `eyJ`.
fn may_hold_field_or_jwt(text: &str) -> bool {
    text.contains([':', '=', ' ', '\t']) || text.contains("eyJ")
}

/// Whether a character must not reach a terminal raw (see [`escape_controls`]).
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// `text` with every character that must not reach a terminal raw — C0 and C1 controls, DEL,
/// and the invisible formatting and bidirectional-override characters that can disguise text —
/// written as a visible `\u{…}` escape (a newline becomes `\u{a}`); borrowed when there is none.
///
/// The crate applies it to all text a server controls; use it for any other untrusted text you
/// print to a terminal.
///
/// ```
/// assert_eq!(
///     telnyx_rooms_core::redact::escape_controls("title\u{1b}]0;pwned\u{7}\nnext"),
///     "title\\u{1b}]0;pwned\\u{7}\\u{a}next"
/// );
/// ```
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The secret field name starting at byte `at` of `text`, if one starts there as a whole name.
fn field_at(text: &str, at: usize) -> Option<&'static str> {
    if text[..at].chars().next_back().is_some_and(is_name_char) {
        return None;
    }
    let rest = &text[at..];
    SECRET_FIELDS
        .iter()
        .chain(SCHEMES.iter())
        .copied()
        .filter(|name| {
            rest.get(..name.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(name))
        })
        .filter(|name| !rest[name.len()..].chars().next().is_some_and(is_name_char))
        .max_by_key(|name| name.len())
}

/// Replaces the values of secret fields and of `Bearer`/`Basic` credentials.
fn redact_fields(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = 0;
    while at < text.len() {
        let Some(name) = field_at(text, at) else {
            at += text[at..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let quoted = text[..at].ends_with(['"', '\'']);
        let after = at + name.len();
        match value_span(text, after, name, quoted) {
            Some((start, end)) => {
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = end;
                at = end;
            }
            None => at = after,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Where the value of field `name` (ending at byte `after`) lies, if it has one to redact.
fn value_span(text: &str, after: usize, name: &str, quoted: bool) -> Option<(usize, usize)> {
    let rest = &text[after..];
    if SCHEMES.contains(&name) {
        let value = rest.trim_start_matches([' ', '\t']);
        if value.len() == rest.len() {
            return None;
        }
        let (start, end) = unquoted_value(text, text.len() - value.len())?;
        let value = &text[start..end];
        let looks_like_credential = value.len() >= 8
            && value
                .chars()
                .any(|c| c.is_ascii_digit() || "-._~+/=".contains(c));
        return looks_like_credential.then_some((start, end));
    }
    // `"name": value`, `name=value`, or `Authorization: value` for header names.
    let mut cursor = rest;
    if quoted {
        cursor = cursor.strip_prefix(['"', '\''])?;
    }
    let trimmed = cursor.trim_start();
    let separator = trimmed.chars().next()?;
    let allowed = match separator {
        ':' => quoted || SECRET_HEADERS.contains(&name),
        '=' => !quoted && cursor.len() == trimmed.len(),
        _ => false,
    };
    if !allowed {
        return None;
    }
    let after_separator = &trimmed[1..];
    let mut start = text.len() - after_separator.trim_start().len();
    let quote = text[start..]
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\''));
    if let Some(quote) = quote {
        start += 1;
        start = skip_scheme(text, start);
        let end = closing_quote(text, start, quote);
        return (end > start).then_some((start, end));
    }
    let start = skip_scheme(text, start);
    let (start, end) = unquoted_value(text, start)?;
    let value = &text[start..end];
    let literal = ["null", "true", "false"].contains(&value) || value.starts_with(['{', '[']);
    (!literal).then_some((start, end))
}

/// `start` moved past a `Bearer `/`Basic ` scheme word, when one is there.
fn skip_scheme(text: &str, start: usize) -> usize {
    let rest = &text[start..];
    for scheme in SCHEMES {
        let Some(head) = rest.get(..scheme.len()) else {
            continue;
        };
        let tail = &rest[scheme.len()..];
        if head.eq_ignore_ascii_case(scheme) && tail.starts_with([' ', '\t']) {
            return text.len() - tail.trim_start_matches([' ', '\t']).len();
        }
    }
    start
}

/// The byte offset of the quote closing a value that starts at `start` (backslash escapes
/// skipped), or the end of the text.
fn closing_quote(text: &str, start: usize, quote: char) -> usize {
    let mut escaped = false;
    for (offset, c) in text[start..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            c if c == quote => return start + offset,
            _ => {}
        }
    }
    text.len()
}

/// An unquoted value from `start`: up to whitespace or a delimiter; `None` when empty.
fn unquoted_value(text: &str, start: usize) -> Option<(usize, usize)> {
    let rest = text.get(start..)?;
    let len = rest
        .find(|c: char| c.is_whitespace() || ",;&\"'<>)}]".contains(c))
        .unwrap_or(rest.len());
    (len > 0).then_some((start, start + len))
}

fn is_jwt_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Replaces JWT-shaped runs: from an `eyJ` (base64url of `{"`) to the end of a run of
/// base64url characters and dots that holds at least one dot.
fn redact_jwts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find("eyJ") {
        let run_len = rest[found..]
            .find(|c: char| !is_jwt_char(c))
            .unwrap_or(rest.len() - found);
        let run = &rest[found..found + run_len];
        out.push_str(&rest[..found]);
        if run.len() >= MIN_JWT_LEN && run.contains('.') {
            out.push_str(REDACTED);
        } else {
            out.push_str(run);
        }
        rest = &rest[found + run_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
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
            text in "(token|Bearer |authorization|api_key|eyJ|[a-zA-Z0-9_.-]|[:= \t\"'])*",
        ) {
            let full = redact_jwts(&redact_fields(&text));
            if !may_hold_field_or_jwt(&text) {
                proptest::prop_assert_eq!(&full, &text);
            }
            proptest::prop_assert_eq!(scrub(&text, &none()), full);
        }
    }
}
