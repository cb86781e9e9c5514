//! Rendering a command's result as text for people, one JSON object, or `KEY=value` lines.
//!
//! Values can come from a server or from a token's claims, so no format lets a character a
//! terminal could act on through raw: what `escape_controls` of `telnyx_rooms_core::redact`
//! escapes (controls, invisible and bidirectional formatting characters) is shown as `\u{…}` to
//! people, written as a `\u` escape in JSON, and as `\xHH` bytes inside `$'…'` for a shell. JSON
//! and env output stay exact: a parser or `eval` reads back the very value.
//!
//! A [`Report`] is one value of a result (a token, a room); a list is a stream of them, shown
//! to people as a table ([`Report::table_header`], [`Report::table_row`]), and to programs as
//! one JSON object or one line of assignments per item.

use std::borrow::Cow;
use std::io::Write as _;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value as Json};
use telnyx_rooms_core::redact::escape_controls;
use uuid::Uuid;

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
    /// Several texts (the ids of a room's sessions).
    List(Vec<String>),
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

impl From<Option<Uuid>> for Value {
    fn from(value: Option<Uuid>) -> Self {
        value.map_or(Self::Absent, |id| Self::Text(id.to_string()))
    }
}

impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Self {
        value.map_or(Self::Absent, Self::Integer)
    }
}

impl From<Option<bool>> for Value {
    fn from(value: Option<bool>) -> Self {
        value.map_or(Self::Absent, Self::Bool)
    }
}

/// How a value is named in each format: its label for people, its JSON key and its environment
/// variable. The names other commands read back are defined once, here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    label: Cow<'static, str>,
    pub(crate) json_key: Cow<'static, str>,
    pub(crate) env_key: Cow<'static, str>,
}

impl Name {
    pub(crate) const fn new(
        label: &'static str,
        json_key: &'static str,
        env_key: &'static str,
    ) -> Self {
        Self {
            label: Cow::Borrowed(label),
            json_key: Cow::Borrowed(json_key),
            env_key: Cow::Borrowed(env_key),
        }
    }

    /// A field of an API resource, named as the API names it: `unique_name` of `TELNYX_ROOM_`
    /// is labelled `unique name` and exported as `TELNYX_ROOM_UNIQUE_NAME`.
    pub(crate) fn field(env_prefix: &str, json_key: &'static str) -> Self {
        Self {
            label: Cow::Owned(json_key.replace('_', " ")),
            json_key: Cow::Borrowed(json_key),
            env_key: Cow::Owned(format!("{env_prefix}{}", json_key.to_ascii_uppercase())),
        }
    }
}

/// How a value is shown as a column of a list's table for people, which is printed row by row
/// as the list arrives: so each column's width is fixed by what it holds, not by its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    /// A UUID.
    Id,
    /// A time, to the second.
    Time,
    /// `true` or `false`.
    Flag,
    /// A small number.
    Count,
    /// Free text (a name): after every other column, unpadded.
    Text,
}

impl Column {
    /// The width of the column headed `label`; `None` for free text.
    fn width(self, label: &str) -> Option<usize> {
        let values = match self {
            Self::Id => 36,
            Self::Time => "2026-01-01T00:00:00Z".len(),
            Self::Flag => "false".len(),
            Self::Count => 0,
            Self::Text => return None,
        };
        Some(values.max(label.len()))
    }
}

/// The text env output writes for `REFRESH_TOKEN` (and `token refresh` reads back).
pub(crate) const REFRESH_TOKEN_ENV: &str = "TELNYX_REFRESH_TOKEN";

/// The client token, as `token create`/`refresh` write it and `token inspect` reads it back.
pub(crate) const CLIENT_TOKEN: Name = Name::new("token", "token", "TELNYX_CLIENT_TOKEN");

/// The refresh token, as `token create` writes it and `token refresh`/`inspect` read it back.
pub(crate) const REFRESH_TOKEN: Name =
    Name::new("refresh token", "refresh_token", REFRESH_TOKEN_ENV);

/// A command's result: a title, named values, and a closing line for people.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Report {
    title: String,
    rows: Vec<Row>,
    footer: Option<String>,
}

/// A named value, and its column in a list's table (if it has one).
#[derive(Debug, Clone, PartialEq)]
struct Row {
    name: Name,
    value: Value,
    column: Option<Column>,
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
        self.rows.push(Row {
            name,
            value: value.into(),
            column: None,
        });
        self
    }

    /// Adds `value` under `name`, shown as a `column` of a list's table too.
    pub(crate) fn column(mut self, name: Name, value: impl Into<Value>, column: Column) -> Self {
        self.rows.push(Row {
            name,
            value: value.into(),
            column: Some(column),
        });
        self
    }

    /// The report with `note` added to its title (`(from the embedded mock)`).
    pub(crate) fn noting(mut self, note: &str) -> Self {
        self.title.push_str(note);
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
            Format::Json => Ok(self.json_line()),
            Format::Env => self
                .rows
                .iter()
                .filter_map(|row| plain(&row.value).map(|text| assignment(&row.name, &text)))
                .map(|line| line.map(|line| format!("{line}\n")))
                .collect(),
        }
    }

    /// The report as one item of a list, ending with a newline: a row of the table for people
    /// (under [`Report::table_header`]), one JSON object on a line, or one line of assignments
    /// that sets every variable (an absent value to `''`), so that in a `while read -r line; do
    /// eval "$line"` loop no item's value carries over to the next.
    pub(crate) fn render_item(&self, format: Format) -> Result<String, Failure> {
        match format {
            Format::Human => Ok(self.table_line(|row| cell(&row.value))),
            Format::Json => Ok(self.json_line()),
            Format::Env => {
                let words = self
                    .rows
                    .iter()
                    .map(|row| assignment(&row.name, &plain(&row.value).unwrap_or_default()))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(format!("{}\n", words.join(" ")))
            }
        }
    }

    /// The head of a list's table for people: the labels of this report's columns.
    pub(crate) fn table_header(&self) -> String {
        self.table_line(|row| row.name.label.to_uppercase())
    }

    /// One line of the table: a cell per column, fixed-width ones in order, then free text.
    fn table_line(&self, cell: impl Fn(&Row) -> String) -> String {
        let columns = self
            .rows
            .iter()
            .filter_map(|row| row.column.map(|column| (row, column)));
        let (fixed, free): (Vec<_>, Vec<_>) =
            columns.partition(|(_, column)| *column != Column::Text);
        let cells: Vec<String> = fixed
            .into_iter()
            .chain(free)
            .map(|(row, column)| match column.width(&row.name.label) {
                Some(width) => format!("{:<width$}", cell(row)),
                None => cell(row),
            })
            .collect();
        format!("{}\n", cells.join("  ").trim_end())
    }

    fn json_line(&self) -> String {
        let object: Map<String, Json> = self
            .rows
            .iter()
            .map(|row| {
                (
                    row.name.json_key.clone().into_owned(),
                    json_value(&row.value),
                )
            })
            .collect();
        format!("{}\n", json_text(&Json::Object(object)))
    }

    fn human(&self, now: DateTime<Utc>) -> String {
        let width = self
            .rows
            .iter()
            .map(|row| row.name.label.len())
            .max()
            .unwrap_or(0);
        let mut text = format!("{}\n", escape_controls(&self.title));
        for row in &self.rows {
            let value = match &row.value {
                Value::Time(at) => format!("{} ({})", rfc3339(*at), relative(*at, now)),
                Value::Absent => "(not present)".to_owned(),
                Value::List(items) if items.is_empty() => "(none)".to_owned(),
                Value::List(items) => escape_controls(&items.join(", ")).into_owned(),
                other => escape_controls(&plain(other).unwrap_or_default()).into_owned(),
            };
            text.push_str(&format!(
                "  {:<width$}  {value}\n",
                format!("{}:", row.name.label),
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

/// Writes `text` to standard output. `Ok(false)` when the reader is gone (`| head` closed the
/// pipe): nothing more need be printed, or fetched, and the command ends quietly.
pub(crate) fn print(text: &str) -> Result<bool, Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(err) => Err(Failure::unexpected(format!(
            "cannot write the output: {err}"
        ))),
    }
}

/// `NAME=word` for a shell; refused for a value holding NUL.
fn assignment(name: &Name, text: &str) -> Result<String, Failure> {
    match shell_word(text) {
        Some(word) => Ok(format!("{}={word}", name.env_key)),
        None => Err(Failure::usage(format!(
            "{} holds a NUL character, which no shell variable can hold: use --format json to \
             see it",
            name.env_key
        ))),
    }
}

/// A value in a table's cell: times to the second, `-` for an absent value, escaped.
fn cell(value: &Value) -> String {
    match value {
        Value::Time(at) => at.to_rfc3339_opts(SecondsFormat::Secs, true),
        Value::Absent => "-".to_owned(),
        other => escape_controls(&plain(other).unwrap_or_default()).into_owned(),
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
        Value::List(items) => Some(items.join(" ")),
        Value::Absent => None,
    }
}

fn json_value(value: &Value) -> Json {
    match value {
        Value::Text(text) => Json::from(text.as_str()),
        Value::Time(at) => Json::from(rfc3339(*at)),
        Value::Integer(n) => Json::from(*n),
        Value::Bool(b) => Json::from(*b),
        Value::List(items) => Json::from(items.clone()),
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
mod tests;
