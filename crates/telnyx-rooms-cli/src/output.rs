//! Rendering a command's result as text for people, one JSON object, or `KEY=value` lines.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use crate::cli::Format;

/// One value of a result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Text(String),
    /// A point in time; people also see how far it is from now.
    Time(DateTime<Utc>),
    Int(i64),
    Bool(bool),
    /// Not known (a token without that claim, a response without a request id).
    Absent,
}

impl From<Option<String>> for Val {
    fn from(value: Option<String>) -> Self {
        value.map_or(Self::Absent, Self::Text)
    }
}

impl From<Option<&str>> for Val {
    fn from(value: Option<&str>) -> Self {
        value.map_or(Self::Absent, |text| Self::Text(text.to_owned()))
    }
}

impl From<Option<DateTime<Utc>>> for Val {
    fn from(value: Option<DateTime<Utc>>) -> Self {
        value.map_or(Self::Absent, Self::Time)
    }
}

/// One named value: its label for people, its JSON key and its environment variable.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    label: &'static str,
    json_key: &'static str,
    env_key: &'static str,
    value: Val,
}

/// How a value is named in each format: its label for people, its JSON key and its environment
/// variable. The names other commands read back are defined once, here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Name {
    pub(crate) label: &'static str,
    pub(crate) json_key: &'static str,
    pub(crate) env_key: &'static str,
}

/// The client token, as `token create`/`refresh` write it and `token inspect` reads it back.
pub(crate) const CLIENT_TOKEN: Name = Name {
    label: "token",
    json_key: "token",
    env_key: "TELNYX_CLIENT_TOKEN",
};

/// The refresh token, as `token create` writes it and `token refresh`/`inspect` read it back.
pub(crate) const REFRESH_TOKEN: Name = Name {
    label: "refresh token",
    json_key: "refresh_token",
    env_key: "TELNYX_REFRESH_TOKEN",
};

/// A command's result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Report {
    title: String,
    rows: Vec<Row>,
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

    pub(crate) fn row(
        mut self,
        label: &'static str,
        json_key: &'static str,
        env_key: &'static str,
        value: impl Into<Val>,
    ) -> Self {
        self.rows.push(Row {
            label,
            json_key,
            env_key,
            value: value.into(),
        });
        self
    }

    /// A value under one of the shared [`Name`]s.
    pub(crate) fn named(self, name: Name, value: impl Into<Val>) -> Self {
        self.row(name.label, name.json_key, name.env_key, value)
    }

    /// A closing line shown to people only.
    pub(crate) fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(footer.into());
        self
    }

    /// The text to print, ending with a newline.
    pub(crate) fn render(&self, format: Format, now: DateTime<Utc>) -> String {
        match format {
            Format::Human => self.human(now),
            Format::Json => {
                let object: Map<String, Value> = self
                    .rows
                    .iter()
                    .map(|row| (row.json_key.to_owned(), json_value(&row.value)))
                    .collect();
                format!("{}\n", Value::Object(object))
            }
            Format::Env => self
                .rows
                .iter()
                .filter_map(|row| {
                    plain(&row.value)
                        .map(|text| format!("{}={}\n", row.env_key, shell_quote(&text)))
                })
                .collect(),
        }
    }

    fn human(&self, now: DateTime<Utc>) -> String {
        let width = self
            .rows
            .iter()
            .map(|row| row.label.len())
            .max()
            .unwrap_or(0);
        let mut text = format!("{}\n", self.title);
        for row in &self.rows {
            let value = match &row.value {
                Val::Time(at) => format!("{} ({})", rfc3339(*at), relative(*at, now)),
                Val::Absent => "(not present)".to_owned(),
                // Values can come from a server or a token's claims: no raw control characters.
                other => {
                    telnyx_rooms_core::redact::escape_controls(&plain(other).unwrap_or_default())
                        .into_owned()
                }
            };
            text.push_str(&format!(
                "  {:<width$}  {value}\n",
                format!("{}:", row.label),
                width = width + 1
            ));
        }
        if let Some(footer) = &self.footer {
            text.push_str(footer);
            text.push('\n');
        }
        text
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn plain(value: &Val) -> Option<String> {
    match value {
        Val::Text(text) => Some(text.clone()),
        Val::Time(at) => Some(rfc3339(*at)),
        Val::Int(n) => Some(n.to_string()),
        Val::Bool(b) => Some(b.to_string()),
        Val::Absent => None,
    }
}

fn json_value(value: &Val) -> Value {
    match value {
        Val::Text(text) => Value::from(text.as_str()),
        Val::Time(at) => Value::from(rfc3339(*at)),
        Val::Int(n) => Value::from(*n),
        Val::Bool(b) => Value::from(*b),
        Val::Absent => Value::Null,
    }
}

/// `in 9m 59s`, `3m ago`, `now`.
pub(crate) fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = at.signed_duration_since(now).num_seconds();
    let span = |secs: i64| humantime::format_duration(Duration::from_secs(secs.unsigned_abs()));
    match secs {
        0 => "now".to_owned(),
        s if s > 0 => format!("in {}", span(s)),
        s => format!("{} ago", span(s)),
    }
}

/// The value as one shell word: as is when it holds only safe characters, else single-quoted.
fn shell_quote(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-:/@+=,%".contains(c));
    if safe {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).expect("a valid timestamp")
    }

    fn sample() -> Report {
        Report::new("Client token for room r")
            .row("token", "token", "TELNYX_CLIENT_TOKEN", Some("a.b.c"))
            .row(
                "expires at",
                "token_expires_at",
                "TELNYX_CLIENT_TOKEN_EXPIRES_AT",
                Val::Time(at(1_600)),
            )
            .row(
                "request id",
                "request_id",
                "TELNYX_REQUEST_ID",
                None::<String>,
            )
            .row(
                "left",
                "expires_in_secs",
                "TELNYX_EXPIRES_IN_SECS",
                Val::Int(600),
            )
            .footer("done")
    }

    #[test]
    fn human_output_aligns_labels_and_shows_time_left() {
        assert_eq!(
            sample().render(Format::Human, at(1_000)),
            "Client token for room r\n  token:       a.b.c\n  expires at:  1970-01-01T00:26:40Z (in 10m)\n  request id:  (not present)\n  left:        600\ndone\n"
        );
    }

    #[test]
    fn json_output_is_one_object_with_nulls_for_absent_values() {
        let text = sample().render(Format::Json, at(1_000));
        let value: Value = serde_json::from_str(&text).expect("JSON");
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
            sample().render(Format::Env, at(1_000)),
            "TELNYX_CLIENT_TOKEN=a.b.c\nTELNYX_CLIENT_TOKEN_EXPIRES_AT=1970-01-01T00:26:40Z\nTELNYX_EXPIRES_IN_SECS=600\n"
        );
        assert_eq!(shell_quote("it's $HOME"), r"'it'\''s $HOME'");
        assert_eq!(shell_quote(""), "''");
    }

    /// Control characters in a value never reach a terminal raw in human
    /// output; JSON keeps the exact value (escaped the JSON way).
    #[test]
    fn human_output_escapes_control_characters_and_json_stays_exact() {
        let hostile = "x\u{1b}]0;pwned\u{7}\u{1b}[2J\ny";
        let report = Report::new("t").row("subject", "subject", "S", Some(hostile));
        let human = report.render(Format::Human, at(0));
        assert_eq!(
            human,
            "t\n  subject:  x\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{a}y\n"
        );
        let json: Value = serde_json::from_str(&report.render(Format::Json, at(0))).expect("JSON");
        assert_eq!(json["subject"], hostile);
    }

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(relative(at(100), at(100)), "now");
        assert_eq!(relative(at(3_700), at(100)), "in 1h");
        assert_eq!(relative(at(100), at(280)), "3m ago");
    }
}
