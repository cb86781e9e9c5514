//! The crate's one error type, [`Error`], and the parsing of Telnyx error bodies into [`ApiErrorEntry`]s.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;
use telnyx_rooms_gen::types::{VideoError, VideoErrors};

use serde_json::Value;

use telnyx_rooms_core::redact::{Sent, escape_controls, scrub, scrub_cut};

/// What went wrong, in categories a caller can act on. New kinds may be added.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The client could not be built: bad base URL, plain `http://` to a remote host, a key that
    /// cannot be a bearer credential, TLS set-up. Also a call whose plain-`http://` host name
    /// resolved to an address that is not loopback. Nothing was sent.
    Config,
    /// The request was refused before any I/O: a room id that is not a UUID, a TTL outside the
    /// spec's bounds or not a whole number of seconds, an empty refresh token.
    InvalidRequest,
    /// The operation requires an API key and the client has none. Nothing was sent.
    MissingApiKey,
    /// An attempt exceeded the per-attempt timeout, or the call exceeded its overall deadline.
    Timeout,
    /// The connection could not be established (refused, DNS, TLS handshake, connect timeout).
    Connect,
    /// The connection failed after it was established (reset, closed mid-response).
    Transport,
    /// The API answered with an error status; see [`Error::status`] and [`Error::api_errors`].
    Api,
    /// The API answered with a success status but the body is not the documented token response:
    /// malformed JSON, or a required value (token, expiry) is missing.
    Decode,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Config => "invalid client configuration",
            Self::InvalidRequest => "invalid request",
            Self::MissingApiKey => "missing API key",
            Self::Timeout => "timed out",
            Self::Connect => "connection failed",
            Self::Transport => "connection broken",
            Self::Api => "Telnyx API error",
            Self::Decode => "unusable response",
        }
    }
}

/// One entry of Telnyx's error envelope `{"errors": [{"code", "title", "detail", "source", "meta"}]}`.
///
/// Every field is optional: the server is not trusted to send what the spec promises.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiErrorEntry {
    code: Option<String>,
    title: Option<String>,
    detail: Option<String>,
    source_pointer: Option<String>,
    source_parameter: Option<String>,
}

impl ApiErrorEntry {
    /// Telnyx's error code, e.g. `10015` (numbers are given as text).
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// A short, human-readable summary, e.g. `Invalid value for token_ttl_secs`.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// A longer explanation.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// JSON pointer (RFC 6901) to the offending part of the request body, e.g. `/token_ttl_secs`.
    pub fn source_pointer(&self) -> Option<&str> {
        self.source_pointer.as_deref()
    }

    /// The query parameter that caused the error.
    pub fn source_parameter(&self) -> Option<&str> {
        self.source_parameter.as_deref()
    }

    /// An entry from the generated client's decoded error; every text is server text, as in
    /// [`from_json`](Self::from_json).
    fn from_generated(error: &VideoError, sent: &Sent<'_>) -> Self {
        let text = |value: &str| telnyx_rooms_core::redact::server_text(value, sent);
        let source = error.source.as_ref();
        Self {
            code: Some(text(&error.code)),
            title: Some(text(&error.title)),
            detail: error.detail.as_deref().map(text),
            source_pointer: source
                .and_then(|source| source.pointer.as_deref())
                .map(text),
            source_parameter: source
                .and_then(|source| source.parameter.as_deref())
                .map(text),
        }
    }

    /// An entry from one JSON error object; every text is [server text](telnyx_rooms_core::redact::server_text).
    fn from_json(value: &Value, sent: &Sent<'_>) -> Option<Self> {
        let object = value.as_object()?;
        let text = |value: Option<&Value>| -> Option<String> {
            match value? {
                Value::String(text) => Some(telnyx_rooms_core::redact::server_text(text, sent)),
                Value::Number(number) => Some(number.to_string()),
                _ => None,
            }
        };
        let source = object.get("source").and_then(Value::as_object);
        let entry = Self {
            code: text(object.get("code")),
            title: text(object.get("title")),
            detail: text(object.get("detail")),
            source_pointer: text(source.and_then(|source| source.get("pointer"))),
            source_parameter: text(source.and_then(|source| source.get("parameter"))),
        };
        (entry.code.is_some() || entry.title.is_some() || entry.detail.is_some()).then_some(entry)
    }
}

impl fmt::Display for ApiErrorEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::with_capacity(3);
        if let Some(code) = &self.code {
            parts.push(format!("[{code}]"));
        }
        if let Some(title) = &self.title {
            parts.push(title.clone());
        }
        if let Some(pointer) = &self.source_pointer {
            parts.push(format!("(at {pointer})"));
        }
        f.write_str(&parts.join(" "))
    }
}

/// Characters of a body kept in an error: enough to recognise an HTML error page or a proxy's
/// message, short enough for a log line.
pub(crate) const SNIPPET_CHARS: usize = 200;

/// What an error body said: Telnyx error entries when it is JSON of a known shape, otherwise a
/// short, whitespace-collapsed snippet of its text; secrets scrubbed, control characters escaped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ErrorBody {
    pub(crate) entries: Vec<ApiErrorEntry>,
    pub(crate) snippet: Option<String>,
}

impl ErrorBody {
    /// The entries of an error body the generated client already decoded (the spec's shape).
    pub(crate) fn from_generated(errors: &VideoErrors, sent: &Sent<'_>) -> Self {
        Self {
            entries: errors
                .errors
                .iter()
                .map(|error| ApiErrorEntry::from_generated(error, sent))
                .collect(),
            snippet: None,
        }
    }

    /// Parses the `{"errors": [...]}` envelope, a bare error object, or falls back to a snippet.
    /// `cut`: the read cap stopped reading the body (see [`snippet`]).
    pub(crate) fn parse(body: &[u8], cut: bool, sent: &Sent<'_>) -> Self {
        let parsed = serde_json::from_slice::<Value>(body).ok();
        let entries: Vec<ApiErrorEntry> = match &parsed {
            Some(Value::Object(object)) => match object.get("errors") {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|item| ApiErrorEntry::from_json(item, sent))
                    .collect(),
                _ => ApiErrorEntry::from_json(&Value::Object(object.clone()), sent)
                    .into_iter()
                    .collect(),
            },
            _ => Vec::new(),
        };
        let snippet = entries
            .is_empty()
            .then(|| snippet(body, cut, sent))
            .flatten();
        Self { entries, snippet }
    }
}

/// The start of `body` as text, for an error message: lossy UTF-8, secrets scrubbed (before the
/// snippet's own cut, so no token is cut in half and left showing; a body the read cap cut is
/// scrubbed as cut, so what the cap left of a secret at its end goes too), whitespace collapsed,
/// control characters escaped, cut at [`SNIPPET_CHARS`] characters. `None` for an empty body.
pub(crate) fn snippet(body: &[u8], cut: bool, sent: &Sent<'_>) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = if cut {
        scrub_cut(&text, sent)
    } else {
        scrub(&text, sent)
    };
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let collapsed = escape_controls(&words);
    if collapsed.is_empty() {
        return None;
    }
    let mut cut: String = collapsed.chars().take(SNIPPET_CHARS).collect();
    if collapsed.chars().nth(SNIPPET_CHARS).is_some() {
        cut.push('…');
    }
    Some(cut)
}

type Source = Box<dyn StdError + Send + Sync + 'static>;

/// The error of every fallible call in this crate.
///
/// Carries its [`kind`](Error::kind), and where they apply the HTTP [`status`](Error::status), the
/// [`request id`](Error::request_id) the API gave the response, Telnyx's parsed
/// [`error entries`](Error::api_errors), a short [`body snippet`](Error::body_snippet) for bodies
/// that are not Telnyx errors, the request [`field`](Error::field) at fault, the number of
/// [`attempts`](Error::attempts) made and the [`delay`](Error::retry_after) the server asked for
/// before another. Its `Display` says what happened and never shows a secret.
///
/// ```
/// # async fn run(client: telnyx_rooms::Client) {
/// use telnyx_rooms::ErrorKind;
///
/// match client.create_client_token("0ccc7b54-4df3-4bca-a65a-3da1ecc777f0").await {
///     Ok(token) => println!("expires at {}", token.expires_at()),
///     Err(error) if error.kind() == ErrorKind::Api && error.status() == Some(403) => {
///         eprintln!("check the API key: {error}");
///     }
///     Err(error) => eprintln!("{error} (request id {:?})", error.request_id()),
/// }
/// # }
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    request_id: Option<String>,
    api_errors: Vec<ApiErrorEntry>,
    body_snippet: Option<String>,
    field: Option<&'static str>,
    wire_field: Option<&'static str>,
    attempts: u32,
    retry_after: Option<Duration>,
    should_retry: Option<bool>,
    source: Option<Source>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                status: None,
                request_id: None,
                api_errors: Vec::new(),
                body_snippet: None,
                field: None,
                wire_field: None,
                attempts: 0,
                retry_after: None,
                should_retry: None,
                source: None,
            }),
        }
    }

    pub(crate) fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.inner.request_id = request_id;
        self
    }

    pub(crate) fn with_body(mut self, body: ErrorBody) -> Self {
        self.inner.api_errors = body.entries;
        self.inner.body_snippet = body.snippet;
        self
    }

    pub(crate) fn with_snippet(mut self, snippet: Option<String>) -> Self {
        self.inner.body_snippet = snippet;
        self
    }

    /// The setting at fault, named as the caller set it (a builder method, an argument).
    pub(crate) fn with_field(mut self, field: &'static str) -> Self {
        self.inner.field = Some(field);
        self
    }

    /// The request value at fault: `field` as the caller set it, `wire` as the API names it.
    pub(crate) fn with_request_field(mut self, field: &'static str, wire: &'static str) -> Self {
        self.inner.field = Some(field);
        self.inner.wire_field = Some(wire);
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    pub(crate) fn with_retry_after(mut self, delay: Option<Duration>) -> Self {
        self.inner.retry_after = delay;
        self
    }

    /// Whether no usable response arrived: a failure to connect, send or read, or a timeout.
    pub(crate) fn is_transport(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::Connect | ErrorKind::Transport | ErrorKind::Timeout
        )
    }

    /// The error of an attempt that went through `proxy` (as [`crate::proxy`] shows it): the
    /// proxy may be what failed, so the message names it.
    pub(crate) fn through_proxy(mut self, proxy: &str) -> Self {
        self.inner.message = format!("{} (through the proxy {proxy})", self.inner.message);
        self
    }

    /// The response's `x-should-retry` verdict, which overrides the status rule.
    pub(crate) fn should_retry(&self) -> Option<bool> {
        self.inner.should_retry
    }

    pub(crate) fn with_should_retry(mut self, should_retry: Option<bool>) -> Self {
        self.inner.should_retry = should_retry;
        self
    }

    /// The category of the failure.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status of the response that caused the error, if one was received.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The request id the API attached to the response (`x-request-id`), if any: quote it to
    /// Telnyx support.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// Telnyx's error entries, parsed from an `{"errors": [...]}` envelope or a bare error object;
    /// empty when the body was neither.
    pub fn api_errors(&self) -> &[ApiErrorEntry] {
        &self.inner.api_errors
    }

    /// The start of a response body that was not a Telnyx error or not valid JSON (an HTML page
    /// from a proxy, a truncated body), whitespace collapsed, at most 200 characters, with
    /// secrets scrubbed and control characters escaped (see the crate's security notes).
    pub fn body_snippet(&self) -> Option<&str> {
        self.inner.body_snippet.as_deref()
    }

    /// The setting or argument at fault for [`ErrorKind::InvalidRequest`] and
    /// [`ErrorKind::Config`], named as you set it: the builder method or argument (`token_ttl`,
    /// `room_id`, `api_key`, `base_url`).
    pub fn field(&self) -> Option<&str> {
        self.inner.field
    }

    /// The same field as the API names it on the wire (`token_ttl_secs` for `token_ttl`), when it
    /// is part of the request; `None` for client settings such as `base_url`.
    pub fn wire_field(&self) -> Option<&str> {
        self.inner.wire_field
    }

    /// How many HTTP attempts were made before this error (0 when it was caught before any I/O).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The wait the server asked for on the response that caused this error: `retry-after-ms`,
    /// else `Retry-After` in seconds or as an HTTP date (measured from when the response arrived),
    /// capped at [`MAX_SERVER_DELAY`](crate::retry::MAX_SERVER_DELAY).
    ///
    /// `None` when the response named no delay (or none that parses), and when no response
    /// arrived at all (timeouts, connection failures, errors caught before I/O). It reports what
    /// the server said whatever the status; whether to try again at all is
    /// [`is_retryable`](Self::is_retryable). The client's own retries already wait this long; the
    /// accessor is for callers that retry on their own, with [`RetryPolicy::none`](crate::retry::RetryPolicy::none).
    ///
    /// ```
    /// # async fn run(client: telnyx_rooms::Client) -> Result<(), telnyx_rooms::Error> {
    /// use std::time::Duration;
    /// use telnyx_rooms::retry::RetryPolicy;
    ///
    /// let room = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
    /// let once = || client.create_client_token(room).retry_policy(RetryPolicy::none());
    /// let token = match once().await {
    ///     Err(error) if error.is_retryable() => {
    ///         // Our own backoff, but never sooner than the server asked.
    ///         let wait = Duration::from_secs(1).max(error.retry_after().unwrap_or_default());
    ///         tokio::time::sleep(wait).await;
    ///         once().await?
    ///     }
    ///     other => other?,
    /// };
    /// println!("valid until {}", token.expires_at());
    /// # Ok(()) }
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// Whether the same call may succeed if made again, by the rules of
    /// [`RetryPolicy`](crate::retry::RetryPolicy).
    ///
    /// This is the very decision the client's own retries take (minus the count of retries
    /// left), so a caller retrying on its own with [`RetryPolicy::none`](crate::retry::RetryPolicy::none)
    /// retries exactly what the client would have.
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Transport => true,
            ErrorKind::Api => self.inner.status.is_some_and(|status| {
                crate::retry::response_is_retryable(status, self.inner.should_retry)
            }),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        write!(f, "{}: {}", inner.kind.describe(), inner.message)?;
        if let Some(entry) = inner.api_errors.first() {
            write!(f, ": {entry}")?;
            if inner.api_errors.len() > 1 {
                write!(f, " (and {} more)", inner.api_errors.len() - 1)?;
            }
        } else if let Some(snippet) = &inner.body_snippet {
            write!(f, "; body: {snippet}")?;
        }
        if let Some(request_id) = &inner.request_id {
            write!(f, " [request id {request_id}]")?;
        }
        if inner.attempts > 1 {
            write!(f, " after {} attempts", inner.attempts)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let mut debug = f.debug_struct("Error");
        debug
            .field("kind", &inner.kind)
            .field("message", &inner.message);
        if let Some(status) = inner.status {
            debug.field("status", &status);
        }
        if let Some(request_id) = &inner.request_id {
            debug.field("request_id", request_id);
        }
        if !inner.api_errors.is_empty() {
            debug.field("api_errors", &inner.api_errors);
        }
        if let Some(snippet) = &inner.body_snippet {
            debug.field("body_snippet", snippet);
        }
        if let Some(field) = inner.field {
            debug.field("field", &field);
        }
        if let Some(wire) = inner.wire_field {
            debug.field("wire_field", &wire);
        }
        if inner.attempts > 0 {
            debug.field("attempts", &inner.attempts);
        }
        if let Some(delay) = inner.retry_after {
            debug.field("retry_after", &delay);
        }
        if let Some(source) = &inner.source {
            debug.field("source", source);
        }
        debug.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests;
