//! Rendering a command's result as text for people, one JSON object, or `KEY=value` lines.
//!
//! Values can come from a server or from a token's claims, so no format lets a character a
//! terminal could act on through raw: what `escape_controls` of `telnyx_rooms_core::redact`
//! escapes (controls, invisible and bidirectional formatting characters) is shown as `\u{…}` to
//! people, written as a `\u` escape in JSON, and as `\xHH` bytes inside `$'…'` for a shell. JSON
//! and env output stay exact: a parser or `eval` reads back the very value.

use std::borrow::Cow;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value as Json};
use telnyx_rooms_core::redact::escape_controls;

use crate::cli::Format;
use crate::failure::Failure;

/// One value of a result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Text(String),
    /// A point in time; people also see how far it is from now.
    Time(DateTime<Utc>),
    Integer(i64),
    Bool(bool),
    /// Not known (a token without that claim, a response without a request id).
    Absent,
}

impl From<Option<String>> for Value {
    fn from(value: Option<String>) -> Self {
        value.map_or(Self::Absent, Self::Text)
    }
}

impl From<Option<&str>> for Value {
    fn from(value: Option<&str>) -> Self {
        value.map_or(Self::Absent, |text| Self::Text(text.to_owned()))
    }
}

impl From<Option<DateTime<Utc>>> for Value {
    fn from(value: Option<DateTime<Utc>>) -> Self {
        value.map_or(Self::Absent, Self::Time)
    }
}

/// How a value is named in each format: its label for people, its JSON key and its environment
/// variable. The names other commands read back are defined once, here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Name {
    label: &'static str,
    pub(crate) json_key: &'static str,
    pub(crate) env_key: &'static str,
}

impl Name {
    pub(crate) const fn new(
        label: &'static str,
        json_key: &'static str,
        env_key: &'static str,
    ) -> Self {
        Self {
            label,
            json_key,
            env_key,
        }
    }
}

/// The client token, as `token create`/`refresh` write it and `token inspect` reads it back.
pub(crate) const CLIENT_TOKEN: Name = Name::new("token", "token", "TELNYX_CLIENT_TOKEN");

/// The refresh token, as `token create` writes it and `token refresh`/`inspect` read it back.
pub(crate) const REFRESH_TOKEN: Name =
    Name::new("refresh token", "refresh_token", "TELNYX_REFRESH_TOKEN");

/// A command's result: a title, named values, and a closing line for people.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Report {
    title: String,
    rows: Vec<(Name, Value)>,
    footer: Option<String>,
}

impl Report {
    pub(crate) fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            rows: Vec::new(),
            footer: None,
        }
    }

    /// Adds `value` under `name`.
    pub(crate) fn row(mut self, name: Name, value: impl Into<Value>) -> Self {
        self.rows.push((name, value.into()));
        self
    }

    /// A closing line shown to people only.
    pub(crate) fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(footer.into());
        self
    }

    /// The text to print, ending with a newline; `now` places times for people.
    ///
    /// Fails only for env output of a value holding NUL, which no shell variable can hold.
    pub(crate) fn render(&self, format: Format, now: DateTime<Utc>) -> Result<String, Failure> {
        match format {
            Format::Human => Ok(self.human(now)),
            Format::Json => {
                let object: Map<String, Json> = self
                    .rows
                    .iter()
                    .map(|(name, value)| (name.json_key.to_owned(), json_value(value)))
                    .collect();
                Ok(format!("{}\n", json_text(&Json::Object(object))))
            }
            Format::Env => self
                .rows
                .iter()
                .filter_map(|(name, value)| plain(value).map(|text| (name, text)))
                .map(|(name, text)| match shell_word(&text) {
                    Some(word) => Ok(format!("{}={word}\n", name.env_key)),
                    None => Err(Failure::usage(format!(
                        "{} holds a NUL character, which no shell variable can hold: use \
                         --format json to see it",
                        name.env_key
                    ))),
                })
                .collect(),
        }
    }

    fn human(&self, now: DateTime<Utc>) -> String {
        let width = self
            .rows
            .iter()
            .map(|(name, _)| name.label.len())
            .max()
            .unwrap_or(0);
        let mut text = format!("{}\n", escape_controls(&self.title));
        for (name, value) in &self.rows {
            let value = match value {
                Value::Time(at) => format!("{} ({})", rfc3339(*at), relative(*at, now)),
                Value::Absent => "(not present)".to_owned(),
                other => escape_controls(&plain(other).unwrap_or_default()).into_owned(),
            };
            text.push_str(&format!(
                "  {:<width$}  {value}\n",
                format!("{}:", name.label),
                width = width + 1
            ));
        }
        for line in self.footer.iter().flat_map(|footer| footer.lines()) {
            text.push_str(&escape_controls(line));
            text.push('\n');
        }
        text
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn plain(value: &Value) -> Option<String> {
    match value {
        Value::Text(text) => Some(text.clone()),
        Value::Time(at) => Some(rfc3339(*at)),
        Value::Integer(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Absent => None,
    }
}

fn json_value(value: &Value) -> Json {
    match value {
        Value::Text(text) => Json::from(text.as_str()),
        Value::Time(at) => Json::from(rfc3339(*at)),
        Value::Integer(n) => Json::from(*n),
        Value::Bool(b) => Json::from(*b),
        Value::Absent => Json::Null,
    }
}

/// `in 9m 59s`, `3m ago`, `now`.
fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = at.signed_duration_since(now).num_seconds();
    let span = |secs: i64| humantime::format_duration(Duration::from_secs(secs.unsigned_abs()));
    match secs {
        0 => "now".to_owned(),
        s if s > 0 => format!("in {}", span(s)),
        s => format!("{} ago", span(s)),
    }
}

/// Whether `c` is one of the characters `escape_controls` escapes: the workspace's one rule for
/// what must not reach a terminal raw.
fn acts_on_terminal(c: char) -> bool {
    let mut buffer = [0_u8; 4];
    matches!(escape_controls(c.encode_utf8(&mut buffer)), Cow::Owned(_))
}

/// `value` as JSON text with every character [`acts_on_terminal`] as a `\u` escape (serde_json
/// escapes C0 controls itself, but writes DEL, C1 and formatting characters raw). Such
/// characters occur only inside strings, so escaping them in the whole text keeps it exact JSON.
fn json_text(value: &Json) -> String {
    let text = value.to_string();
    if !text.chars().any(acts_on_terminal) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if acts_on_terminal(c) {
            let mut units = [0_u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The value as one shell word that `eval` reads back exactly: bare when it holds only safe
/// characters; single-quoted when it holds nothing a terminal could act on; else `$'…'` with
/// each such character as the `\xHH` bytes of its UTF-8 (bash, zsh, ksh and POSIX.1-2024 `sh`
/// read them back byte for byte, whatever the locale). `None` for a value holding NUL.
fn shell_word(text: &str) -> Option<String> {
    let bare = |c: char| c.is_ascii_alphanumeric() || "._-:/@+=,%".contains(c);
    if !text.is_empty() && text.chars().all(bare) {
        return Some(text.to_owned());
    }
    if !text.chars().any(acts_on_terminal) {
        return Some(format!("'{}'", text.replace('\'', r"'\''")));
    }
    if text.contains('\0') {
        return None;
    }
    let mut word = String::from("$'");
    for c in text.chars() {
        match c {
            '\\' => word.push_str(r"\\"),
            '\'' => word.push_str(r"\'"),
            c if acts_on_terminal(c) => {
                let mut buffer = [0_u8; 4];
                for byte in c.encode_utf8(&mut buffer).bytes() {
                    word.push_str(&format!("\\x{byte:02x}"));
                }
            }
            c => word.push(c),
        }
    }
    word.push('\'');
    Some(word)
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(relative(at(100), at(100)), "now");
        assert_eq!(relative(at(3_700), at(100)), "in 1h");
        assert_eq!(relative(at(100), at(280)), "3m ago");
    }
}
