//! Settling what one attempt of the generated client returned into a decoded body or a classified
//! [`Failure`]; the server is untrusted, so every shape of reply ends in a typed error.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use progenitor_client::{Error as GenError, ResponseValue};
use reqwest::StatusCode;
#[cfg(test)]
use reqwest::header::HeaderMap;
use reqwest::header::HeaderValue;
use serde::de::DeserializeOwned;
use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_core::redact::{Sent, server_text};
use telnyx_rooms_gen::ResponseHead;
use telnyx_rooms_gen::types::VideoErrors;

use crate::error::{Error, ErrorBody, ErrorKind, snippet};
use crate::retry::{Outcome, RequestedDelay, RetryHints};

/// The most of an error response's body read into memory: enough for Telnyx's errors and a
/// snippet of anything else.
const MAX_ERROR_BODY: usize = telnyx_rooms_gen::MAX_RESPONSE_BODY;

/// A decoded success response.
pub(crate) struct Success<S> {
    pub(crate) body: S,
    pub(crate) status: u16,
    pub(crate) meta: ResponseMeta,
}

impl<S> Success<S> {
    fn new(status: StatusCode, meta: ResponseMeta, body: S) -> Self {
        let success = Self {
            body,
            status: status.as_u16(),
            meta,
        };
        // The call span is the current one while an attempt runs.
        if tracing::level_enabled!(tracing::Level::INFO) {
            crate::telemetry::record_response(
                &tracing::Span::current(),
                Some(success.status),
                success.meta.request_id(),
            );
        }
        success
    }
}

/// A failed attempt: the error to report and what the retry decision needs to know.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    retry: RetryClass,
}

#[derive(Debug)]
enum RetryClass {
    Transient,
    Permanent,
    /// An error response; its `x-should-retry` verdict is already on the error.
    Response {
        status: u16,
        requested: Option<RequestedDelay>,
    },
}

impl Failure {
    /// A failure retrying may fix (connection failures, timeouts).
    pub(crate) fn transient(error: Error) -> Self {
        Self {
            error,
            retry: RetryClass::Transient,
        }
    }

    /// A failure retrying cannot fix.
    pub(crate) fn permanent(error: Error) -> Self {
        Self {
            error,
            retry: RetryClass::Permanent,
        }
    }

    /// An error response: the status and its retry headers (parsed here, once) decide.
    fn response(error: Error, head: &ResponseHead) -> Self {
        let hints = RetryHints::parse(
            header_text(head.retry_after_ms.as_ref()),
            header_text(head.retry_after.as_ref()),
            header_text(head.should_retry.as_ref()),
        );
        Self {
            error: error.with_should_retry(hints.should_retry),
            retry: RetryClass::Response {
                status: head.status.as_u16(),
                requested: hints.requested,
            },
        }
    }

    /// The error, with the wait the server asked for resolved against `now` (the time the
    /// attempt ended) and kept on it for callers that retry on their own, and the input to the
    /// retry decision.
    pub(crate) fn resolve(self, now: SystemTime) -> (Error, Outcome) {
        match self.retry {
            RetryClass::Transient => (self.error, Outcome::Transient),
            RetryClass::Permanent => (self.error, Outcome::Permanent),
            RetryClass::Response { status, requested } => {
                let server_delay = requested.map(|requested| requested.resolve(now));
                let should_retry = self.error.should_retry();
                let outcome = Outcome::Response {
                    status,
                    server_delay,
                    should_retry,
                };
                (self.error.with_retry_after(server_delay), outcome)
            }
        }
    }
}

fn header_text(value: Option<&HeaderValue>) -> Option<&str> {
    value?.to_str().ok()
}

/// What a success response said besides its body: its `Date`, kept as received (parsed only
/// when a caller asks), and its request id, scrubbed of secrets.
#[derive(Clone, Default)]
pub(crate) struct ResponseMeta {
    date: Option<HeaderValue>,
    request_id: Option<String>,
}

impl ResponseMeta {
    pub(crate) fn new(head: ResponseHead, sent: &Sent<'_>) -> Self {
        let request_id = request_id(&head, sent);
        Self {
            date: head.date,
            request_id,
        }
    }

    #[cfg(test)]
    pub(crate) fn from_headers(headers: &HeaderMap, sent: &Sent<'_>) -> Self {
        Self::new(ResponseHead::new(StatusCode::OK, headers), sent)
    }

    pub(crate) fn server_date(&self) -> Option<DateTime<Utc>> {
        let text = header_text(self.date.as_ref())?;
        httpdate::parse_http_date(text)
            .ok()
            .map(DateTime::<Utc>::from)
    }

    pub(crate) fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

/// The request id header as server text: scrubbed, and escaped (a header value may hold a tab).
fn request_id(head: &ResponseHead, sent: &Sent<'_>) -> Option<String> {
    head.request_id
        .as_ref()?
        .to_str()
        .ok()
        .filter(|id| !id.is_empty())
        .map(|id| server_text(id, sent))
}

fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("status {} {reason}", status.as_u16()),
        None => format!("status {}", status.as_u16()),
    }
}

/// An error response, as a failure carrying status, request id and parsed body.
pub(crate) fn api_failure(head: &ResponseHead, body: &[u8], cut: bool, sent: &Sent<'_>) -> Failure {
    api_failure_with(head, ErrorBody::parse(body, cut, sent), sent)
}

/// An error response whose body is already read into entries or a snippet.
fn api_failure_with(head: &ResponseHead, body: ErrorBody, sent: &Sent<'_>) -> Failure {
    let error = Error::new(ErrorKind::Api, status_text(head.status))
        .with_status(head.status.as_u16())
        .with_request_id(request_id(head, sent))
        .with_body(body);
    Failure::response(error, head)
}

/// A success status whose body is not the documented JSON. The serde message is not kept as
/// the source: it can quote a value from the body, and that value can be a token.
fn decode_failure(
    operation_id: &str,
    head: Option<&ResponseHead>,
    body: &[u8],
    error: &serde_json::Error,
    sent: &Sent<'_>,
) -> Failure {
    let status = head.map(|head| head.status);
    let what = match error.classify() {
        serde_json::error::Category::Eof => "it ends early",
        serde_json::error::Category::Syntax => "it is not valid JSON",
        serde_json::error::Category::Data => "a value has the wrong type",
        serde_json::error::Category::Io => "it could not be read",
    };
    let status_part = status.map(status_text).unwrap_or_else(|| "response".into());
    let message = format!(
        "the {status_part} body of {operation_id} cannot be decoded: {what} (line {}, column {})",
        error.line(),
        error.column()
    );
    let mut decoded = Error::new(ErrorKind::Decode, message)
        .with_request_id(head.and_then(|head| request_id(head, sent)))
        .with_snippet(snippet(body, false, sent));
    if let Some(status) = status {
        decoded = decoded.with_status(status.as_u16());
    }
    Failure::permanent(decoded)
}

/// A body longer than the operation's limit: reading stopped there. A success is unusable (a `Decode`
/// error, not retried: the same server would send the same); an error status keeps its status
/// and headers, without the body.
fn oversized_failure(operation: &Operation, head: &ResponseHead, sent: &Sent<'_>) -> Failure {
    let status = head.status;
    if !status.is_success() {
        return api_failure(head, &[], false, sent);
    }
    let message = format!(
        "the {} body of {} is longer than {} bytes, far more than such a reply holds; it was not \
         read further",
        status_text(status),
        operation.operation_id,
        telnyx_rooms_gen::body_limit(operation.method)
    );
    Failure::permanent(
        Error::new(ErrorKind::Decode, message)
            .with_status(status.as_u16())
            .with_request_id(request_id(head, sent)),
    )
}

/// A failure to send or to read: timeouts, refused connections and resets are all transient —
/// except a plain-http name that resolved off this machine, which no retry changes.
fn transport_failure(source: reqwest::Error, status: Option<StatusCode>) -> Failure {
    if crate::loopback::is_not_loopback(&source) {
        return Failure::permanent(
            Error::new(
                ErrorKind::Config,
                "the base URL's host resolved to an address that is not loopback; plain http:// \
                 is allowed to loopback only, so nothing was sent",
            )
            .with_field("base_url")
            .with_source(source),
        );
    }
    let (kind, message) = if source.is_connect() {
        // A connect timeout is a connection failure first: nothing reached the API.
        (ErrorKind::Connect, "could not connect to the API")
    } else if source.is_timeout() {
        (ErrorKind::Timeout, "the request timed out")
    } else if status.is_some() {
        (
            ErrorKind::Transport,
            "the connection broke while reading the response body",
        )
    } else {
        (
            ErrorKind::Transport,
            "the connection broke before a response arrived",
        )
    };
    let message = match crate::transport::cause(&source) {
        Some(cause) => format!("{message}: {cause}"),
        None => message.to_owned(),
    };
    let mut error = Error::new(kind, message).with_source(source);
    if let Some(status) = status {
        error = error.with_status(status.as_u16());
    }
    Failure::transient(error)
}

/// Reads at most `limit` bytes of a response body; a longer one is cut (at the cap, or at the
/// chunk before it), which the returned flag says.
async fn read_bounded(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if chunk.len() > room || body.len() >= limit {
                    return Ok((body, true));
                }
            }
            Ok(None) => return Ok((body, false)),
            Err(error) if telnyx_rooms_gen::is_body_too_large(&error) => return Ok((body, true)),
            Err(error) => return Err(error),
        }
    }
}

/// Turns the generated client's result (and the response head it captured) into a decoded
/// success body or a classified failure.
///
/// A 2xx other than the spec's success status is decoded like it: a server that answers 200
/// with the documented body gave the caller what it asked for.
pub(crate) async fn settle<S>(
    operation: &Operation,
    result: Result<ResponseValue<S>, GenError<VideoErrors>>,
    head: Option<ResponseHead>,
    sent: &Sent<'_>,
) -> Result<Success<S>, Failure>
where
    S: DeserializeOwned,
{
    match result {
        Ok(value) => {
            let head = head.unwrap_or_else(|| ResponseHead::new(value.status(), value.headers()));
            let meta = ResponseMeta::new(head, sent);
            Ok(Success::new(value.status(), meta, value.into_inner()))
        }
        Err(GenError::ErrorResponse(value)) => {
            let head = ResponseHead::new(value.status(), value.headers());
            let body = ErrorBody::from_generated(&value, sent);
            Err(api_failure_with(&head, body, sent))
        }
        Err(GenError::UnexpectedResponse(response)) => {
            settle_unexpected(operation, response, sent).await
        }
        Err(GenError::InvalidResponsePayload(body, error)) => Err(match head {
            Some(head) if !head.status.is_success() => {
                // A documented error status whose body is not the documented error shape
                // (for example Telnyx's envelope where the spec names a bare object).
                api_failure(&head, &body, false, sent)
            }
            head => decode_failure(operation.operation_id, head.as_ref(), &body, &error, sent),
        }),
        Err(GenError::CommunicationError(source)) => Err(transport_failure(source, None)),
        Err(GenError::ResponseBodyError(source) | GenError::InvalidUpgrade(source)) => {
            Err(match head {
                Some(head) if telnyx_rooms_gen::is_body_too_large(&source) => {
                    oversized_failure(operation, &head, sent)
                }
                head => transport_failure(source, head.map(|head| head.status)),
            })
        }
        Err(GenError::InvalidRequest(message) | GenError::Custom(message)) => Err(
            Failure::permanent(Error::new(ErrorKind::InvalidRequest, message)),
        ),
    }
}

/// A status the spec does not document: an error, or a success decoded like the documented one.
async fn settle_unexpected<S: DeserializeOwned>(
    operation: &Operation,
    response: reqwest::Response,
    sent: &Sent<'_>,
) -> Result<Success<S>, Failure> {
    let status = response.status();
    let head = ResponseHead::new(status, response.headers());
    let limit = if status.is_success() {
        telnyx_rooms_gen::body_limit(operation.method)
    } else {
        MAX_ERROR_BODY
    };
    let (body, cut) = read_bounded(response, limit)
        .await
        .map_err(|source| transport_failure(source, Some(status)))?;
    if !status.is_success() {
        return Err(api_failure(&head, &body, cut, sent));
    }
    if cut {
        return Err(oversized_failure(operation, &head, sent));
    }
    match serde_json::from_slice::<S>(&body) {
        Ok(decoded) => Ok(Success::new(status, ResponseMeta::new(head, sent), decoded)),
        Err(error) => Err(decode_failure(
            operation.operation_id,
            Some(&head),
            &body,
            &error,
            sent,
        )),
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;
    use reqwest::header::DATE;

    #[test]
    fn request_id_and_date_are_read_from_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("request-id", "fallback".parse().expect("valid"));
        assert_eq!(
            request_id(
                &ResponseHead::new(StatusCode::OK, &headers),
                &Sent::default()
            )
            .as_deref(),
            Some("fallback")
        );
        headers.insert("x-request-id", "primary".parse().expect("valid"));
        headers.insert(
            DATE,
            "Sun, 06 Nov 1994 08:49:37 GMT".parse().expect("valid"),
        );
        let meta = ResponseMeta::from_headers(&headers, &Sent::default());
        assert_eq!(meta.request_id(), Some("primary"));
        assert_eq!(
            meta.server_date().map(|date| date.to_rfc3339()),
            Some("1994-11-06T08:49:37+00:00".to_owned())
        );
        let mut bad = HeaderMap::new();
        bad.insert(DATE, "yesterday".parse().expect("valid"));
        bad.insert("x-request-id", "".parse().expect("valid"));
        let meta = ResponseMeta::from_headers(&bad, &Sent::default());
        assert_eq!(meta.server_date(), None);
        assert_eq!(meta.request_id(), None);
    }

    #[test]
    fn retry_hints_come_from_the_error_response_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().expect("valid"));
        headers.insert("x-should-retry", "false".parse().expect("valid"));
        let head = ResponseHead::new(StatusCode::TOO_MANY_REQUESTS, &headers);
        let failure = api_failure(&head, b"{}", false, &Sent::default());
        let (error, outcome) = failure.resolve(SystemTime::UNIX_EPOCH);
        assert_eq!(
            outcome,
            Outcome::Response {
                status: 429,
                server_delay: Some(std::time::Duration::from_secs(7)),
                should_retry: Some(false),
            }
        );
        assert_eq!(error.status(), Some(429));
        assert_eq!(error.retry_after(), Some(std::time::Duration::from_secs(7)));
    }

    /// A request id echoing a sent secret is scrubbed (errors and
    /// successes alike), and the `x-should-retry` verdict travels with the error.
    #[test]
    fn request_ids_are_scrubbed_and_the_retry_verdict_kept() {
        let sent = Sent::new(Some("KEYlive_0123"), None);
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "req-KEYlive_0123".parse().expect("valid"));
        headers.insert("x-should-retry", "false".parse().expect("valid"));
        let failure = api_failure(
            &ResponseHead::new(StatusCode::SERVICE_UNAVAILABLE, &headers),
            b"",
            false,
            &sent,
        );
        assert_eq!(failure.error.request_id(), Some("req-[REDACTED]"));
        assert!(!failure.error.is_retryable());
        let meta = ResponseMeta::from_headers(&headers, &sent);
        assert_eq!(meta.request_id(), Some("req-[REDACTED]"));
    }
}
