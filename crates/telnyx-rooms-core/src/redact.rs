//! The one redaction rule of the workspace: what replaces a secret ([`REDACTED`]), which text
//! is a secret, and how text a server (or a client) controls is made safe to keep and show.
//!
//! The facade passes every error title, detail, code, pointer, body snippet and request id it
//! keeps through [`server_text`] (and a body the read cap cut through [`scrub_cut`]), so `Display`,
//! `Debug`, the accessors and `tracing` show the same safe text to every consumer; the mock's
//! request log, the keeper's and the generated client's `Debug` output use the same constant and
//! the same field names.
//!
//! What is scrubbed — and nothing else, so field names and ordinary words stay readable:
//! - the secrets sent with the request ([`Sent`]: the API key, the refresh token; 8 characters or
//!   more), in any ASCII case and also when JSON-escaped (`\u004b…`);
//! - the values of secret fields: `"token": "…"`, `refresh_token=…`, `Authorization: Bearer …`
//!   (the names in [`SECRET_FIELDS`], matched as whole names, so `refresh_token_expires_at` is
//!   not one);
//! - credentials after `Bearer` that look like one (digits or symbols among at least 8 characters),
//!   also across a line break;
//! - anything shaped like a JWT (`eyJ…` with a `.`), such as a token in a malformed success body;
//! - in text a read cap cut short ([`scrub_cut`]), whatever the cut left of a secret at the end.
//!
//! What it cannot recognise: a secret it was never given and that has no secret's shape, and
//! transformed echoes other than case and JSON escapes (percent- or base64-encoded, split in
//! pieces). Every character that could disguise text on a terminal is escaped
//! ([`escape_controls`]).

mod terminal;

pub use terminal::escape_controls;

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

    /// `text` with each of the secrets (in any ASCII case) replaced by `[REDACTED]`, and nothing
    /// else changed: for data the server returns (a room's name), where the field and JWT rules of
    /// [`scrub`] would alter what the user stored, but an echo of a sent secret must still go.
    pub fn without_secrets(&self, text: String) -> String {
        self.values().fold(text, |text, secret| {
            replace_ignore_case(&text, secret).unwrap_or(text)
        })
    }

    /// Whether `text` holds one of the secrets, in any ASCII case (as [`scrub`] would find it).
    pub fn echoed_in(&self, text: &str) -> bool {
        self.values()
            .any(|secret| find_ignore_case(text, secret, 0).is_some())
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

/// `text` with the secrets of the rule above replaced by `[REDACTED]`. JSON `\uXXXX` escapes are
/// decoded first (an escaped echo is still an echo), and sent secrets are found in any ASCII case.
pub fn scrub(text: &str, sent: &Sent<'_>) -> String {
    let mut out = if text.contains("\\u") {
        unescape_json_u(text)
    } else {
        text.to_owned()
    };
    for secret in sent.values() {
        if let Some(replaced) = replace_ignore_case(&out, secret) {
            out = replaced;
        }
    }
    if !may_hold_field_or_jwt(&out) {
        // A request id, typically: nothing the two passes below could change.
        return out;
    }
    redact_jwts(&redact_fields(&out))
}

/// [`scrub`] for text a read cap cut short: what the cut left of a secret at the end — the start
/// of a sent secret, or an `eyJ…` run whose dot was cut off — is no longer whole enough for the
/// rule above, so it is replaced too.
pub fn scrub_cut(text: &str, sent: &Sent<'_>) -> String {
    let mut out = scrub(text, sent);
    let secret_start = sent
        .values()
        .filter_map(|secret| {
            (1..secret.len().min(out.len() + 1)).rev().find(|&len| {
                out.is_char_boundary(out.len() - len)
                    && secret.as_bytes()[..len]
                        .eq_ignore_ascii_case(&out.as_bytes()[out.len() - len..])
            })
        })
        .max();
    let jwt_start = out
        .rfind("eyJ")
        .filter(|&at| out[at..].chars().all(is_jwt_char))
        .map(|at| out.len() - at);
    if let Some(len) = secret_start.max(jwt_start) {
        out.truncate(out.len() - len);
        out.push_str(REDACTED);
    }
    out
}

/// The byte offset of the first match of the ASCII `needle` in `text` at or after `from`, in any
/// ASCII case.
fn find_ignore_case(text: &str, needle: &str, from: usize) -> Option<usize> {
    let (hay, needle) = (text.as_bytes(), needle.as_bytes());
    let first = *needle.first()?;
    let last_start = hay.len().checked_sub(needle.len())?;
    let window = hay.get(from..=last_start)?;
    // Candidates are found a vector register at a time (the tokens checked on every call are
    // hundreds of bytes); only they are compared whole.
    memchr::memchr2_iter(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        window,
    )
    .map(|offset| from + offset)
    .find(|&at| hay[at..at + needle.len()].eq_ignore_ascii_case(needle))
}

/// `text` with every match of `secret` (any ASCII case) replaced, or `None` when there is none.
fn replace_ignore_case(text: &str, secret: &str) -> Option<String> {
    let mut at = find_ignore_case(text, secret, 0)?;
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    loop {
        out.push_str(&text[copied..at]);
        out.push_str(REDACTED);
        copied = at + secret.len();
        match find_ignore_case(text, secret, copied) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// `text` with JSON's `\uXXXX` escapes decoded (a surrogate pair as one character, a lone
/// surrogate as U+FFFD); other text, and other escapes, stay as they are.
fn unescape_json_u(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\\u") {
        out.push_str(&rest[..at]);
        let Some(unit) = hex_unit(&rest[at + 2..]) else {
            out.push_str("\\u");
            rest = &rest[at + 2..];
            continue;
        };
        rest = &rest[at + 6..];
        let low = rest.strip_prefix("\\u").and_then(hex_unit);
        let decoded = match (unit, low) {
            (0xd800..=0xdbff, Some(low @ 0xdc00..=0xdfff)) => {
                rest = &rest[6..];
                0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
            }
            _ => unit,
        };
        out.push(char::from_u32(decoded).unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    out.push_str(rest);
    out
}

/// The value of four hex digits at the start of `text`.
fn hex_unit(text: &str) -> Option<u32> {
    let digits = text.get(..4)?;
    digits
        .bytes()
        .all(|b| b.is_ascii_hexdigit())
        .then(|| u32::from_str_radix(digits, 16).ok())
        .flatten()
}

/// Whether [`redact_fields`] or [`redact_jwts`] could change `text`: a field's value follows `:`
/// or `=`, a scheme's credential follows whitespace, and a JWT starts `eyJ`.
fn may_hold_field_or_jwt(text: &str) -> bool {
    text.contains(|c: char| c == ':' || c == '=' || c.is_whitespace()) || text.contains("eyJ")
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
        let value = rest.trim_start();
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

/// `start` moved past a `Bearer`/`Basic` scheme word and the whitespace after it (a line break
/// included: `Bearer\nKEY` is still a credential), when one is there.
fn skip_scheme(text: &str, start: usize) -> usize {
    let rest = &text[start..];
    for scheme in SCHEMES {
        let Some(head) = rest.get(..scheme.len()) else {
            continue;
        };
        let tail = &rest[scheme.len()..];
        if head.eq_ignore_ascii_case(scheme) && tail.starts_with(char::is_whitespace) {
            return text.len() - tail.trim_start().len();
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
mod tests;
