//! Failures of a command: their exit codes and the one paragraph printed for each.

use std::fmt;

use telnyx_rooms::{Error, ErrorKind};

/// What class of failure ended the command; each has its own exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Anything else: output could not be written, the mock could not start.
    Unexpected,
    /// Bad arguments or input, caught before any request (clap's own errors exit 2 as well).
    Usage,
    /// The API answered with an error, or a success the SDK could not use.
    Api,
    /// No usable connection: refused, broken, timed out.
    Network,
}

/// A failed command: its class and the paragraph explaining it.
#[derive(Debug)]
pub(crate) struct Failure {
    class: Class,
    message: String,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            class: Class::Usage,
            message: message.into(),
        }
    }

    pub(crate) fn unexpected(message: impl Into<String>) -> Self {
        Self {
            class: Class::Unexpected,
            message: message.into(),
        }
    }

    /// The same failure with the sentence `note` closing its paragraph, when it is an API
    /// failure (the server's answer may be about an input whose origin the user should know).
    pub(crate) fn noting_if_api(mut self, note: impl fmt::Display) -> Self {
        if self.class == Class::Api {
            self.message = format!("{}. {note}.", self.message.trim_end_matches('.'));
        }
        self
    }

    pub(crate) fn exit_code(&self) -> u8 {
        match self.class {
            Class::Unexpected => 1,
            Class::Usage => 2,
            Class::Api => 3,
            Class::Network => 4,
        }
    }
}

/// The paragraph, with any control character escaped: it goes to a terminal, and parts of it
/// (error titles and details, file names) came from elsewhere.
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&telnyx_rooms_core::redact::escape_controls(&self.message))
    }
}

impl Failure {
    /// The failure for an SDK error from a call to `base_url`.
    pub(crate) fn from_sdk(error: &Error, base_url: &str) -> Self {
        let class = match error.kind() {
            ErrorKind::Config | ErrorKind::InvalidRequest | ErrorKind::MissingApiKey => {
                Class::Usage
            }
            ErrorKind::Api | ErrorKind::Decode => Class::Api,
            ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Transport => Class::Network,
            _ => Class::Unexpected,
        };
        let message = match class {
            Class::Api if error.kind() == ErrorKind::Api => api_paragraph(error),
            Class::Network => format!("{error} (base URL {base_url})"),
            _ if error.kind() == ErrorKind::MissingApiKey => "this command needs an API key: set \
                 TELNYX_API_KEY or pass --api-key-file PATH (or add --mock to try the offline mock)"
                .to_owned(),
            Class::Usage => named_as_flag(error),
            _ => error.to_string(),
        };
        Self { class, message }
    }
}

/// The error's text with the setting at fault named as the flag that sets it (`token_ttl` is
/// `--token-ttl` here, `page_number` `--page`): the user typed the flag, not the SDK's name. An
/// id is an argument, named in words already (`room id is not a UUID`).
fn named_as_flag(error: &Error) -> String {
    let text = error.to_string();
    match error.field() {
        Some(field) if !field.ends_with("_id") => {
            let flag = match field {
                "page_number" => "page".to_owned(),
                field => field.replace('_', "-"),
            };
            text.replacen(field, &format!("--{flag}"), 1)
        }
        _ => text,
    }
}

/// `Telnyx refused the request: HTTP 403, code 10010 (Authorization failed): <detail> (at
/// /refresh_token); request id <id>.` — every entry, then the request id to quote to support.
fn api_paragraph(error: &Error) -> String {
    let mut text = String::from("Telnyx refused the request");
    if let Some(status) = error.status() {
        text.push_str(&format!(": HTTP {status}"));
    }
    for entry in error.api_errors() {
        text.push_str(&match (entry.code(), entry.title()) {
            (Some(code), Some(title)) => format!(", code {code} ({title})"),
            (Some(code), None) => format!(", code {code}"),
            (None, Some(title)) => format!(", {title}"),
            (None, None) => String::new(),
        });
        if let Some(detail) = entry.detail() {
            text.push_str(&format!(": {}", detail.trim_end_matches('.')));
        }
        match (entry.source_pointer(), entry.source_parameter()) {
            (Some(pointer), _) if !pointer.is_empty() => text.push_str(&format!(" (at {pointer})")),
            (_, Some(parameter)) => text.push_str(&format!(" (parameter {parameter})")),
            _ => {}
        }
    }
    if error.api_errors().is_empty()
        && let Some(snippet) = error.body_snippet()
    {
        text.push_str(&format!("; body: {snippet}"));
    }
    match error.request_id() {
        Some(id) => text.push_str(&format!("; request id {id}.")),
        None => text.push('.'),
    }
    text
}
