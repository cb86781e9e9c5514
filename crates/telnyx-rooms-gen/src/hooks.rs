//! Request hooks of the generated [`Client`](crate::Client): per-operation credentials and response heads.
//!
//! progenitor calls [`ClientHooks::pre`] on every request after building it. There the API key is
//! attached only to operations whose spec security asks for a bearer token — a rule read from the
//! generated metadata, not from operation names — so a key never travels to an operation that does
//! not need it (`security: []`). (progenitor also adds an `api-version` header to every request;
//! `cargo xtask codegen` removes that statement from the generated methods, because the Telnyx API
//! defines no such header.)
//!
//! [`ClientHooks::exec`] caps every response body at [`body_limit`] bytes (64 KiB, 4 MiB for a
//! read): reading past it
//! fails with an error [`is_body_too_large`] recognises, so a hostile or broken server cannot make
//! the client buffer a body of any size. (A body whose `Content-Length` is within the cap needs no
//! wrapping: hyper reads no more than that length.)
//!
//! The generated methods build each request's URL with [`operation_url`] on the base URL the
//! [`Client`] parsed once ([`ParsedBase`]), parsing only the path per request; `pre` writes the
//! query the way Telnyx's own SDKs do ([`percent_encode_query`]).
//!
//! A response whose body could not be read or decoded leaves its status, and the few headers a
//! caller acts on, for a caller that asked with [`capture_response_head`]: progenitor's
//! `Error::InvalidResponsePayload` and `Error::ResponseBodyError` keep neither, yet a caller needs
//! the status and request id of such a response. Only those headers are kept (a
//! [`ResponseHead`]), not a copy of the whole header map, and only for those failures: every other
//! outcome carries its response (status and headers) itself, and recording each head cost an
//! allocation and a task-local access per call.

use std::cell::RefCell;
use std::future::Future;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo, ResponseValue};
use reqwest::ResponseBuilderExt as _;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, DATE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};

use crate::Client;
use crate::operations;

/// Credentials a [`Client`] attaches to operations that require them.
///
/// Holds the `Authorization` header value ready-made and marked sensitive, so it is neither
/// rebuilt per request nor shown by `reqwest`'s or this type's `Debug`.
#[derive(Clone, Default)]
pub struct Credentials {
    bearer: Option<HeaderValue>,
}

impl Credentials {
    /// No credentials: operations that require an API key fail before any I/O.
    pub const fn none() -> Self {
        Self { bearer: None }
    }

    /// Credentials from an API key; `None` if the key cannot be an HTTP header value
    /// (it contains control characters or non-visible bytes).
    pub fn bearer(api_key: &str) -> Option<Self> {
        let mut value = HeaderValue::from_str(&format!("Bearer {api_key}")).ok()?;
        value.set_sensitive(true);
        Some(Self {
            bearer: Some(value),
        })
    }

    /// Whether an API key is present.
    pub const fn has_api_key(&self) -> bool {
        self.bearer.is_some()
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = match self.bearer {
            Some(_) => format_args!("Bearer {}", telnyx_rooms_core::redact::REDACTED),
            None => format_args!("none"),
        };
        f.debug_struct("Credentials")
            .field("api_key", &shown)
            .finish()
    }
}

impl ClientHooks<Credentials> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let headers = request.headers_mut();
        let requires_key = operations::by_client_method(info.operation_id)
            .map(|operation| operation.requires_api_key())
            // An operation the metadata does not know cannot be generated; fail closed anyway.
            .unwrap_or(true);
        if requires_key {
            match &self.inner().bearer {
                Some(value) => {
                    headers.insert(AUTHORIZATION, value.clone());
                }
                None => {
                    return Err(Error::InvalidRequest(format!(
                        "operation {} requires an API key and none was configured",
                        info.operation_id
                    )));
                }
            }
        }
        percent_encode_query(request.url_mut());
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let limit = body_limit(request.method().as_str());
        let response = self.client().execute(request).await?;
        Ok(bounded(response, limit))
    }
}

/// Rewrites the query progenitor's form serialiser wrote (`application/x-www-form-urlencoded`,
/// as `reqwest` does) into the RFC 3986 percent-encoding Telnyx's own SDKs send (the `qs` library
/// of the Node SDK): the same names and values, byte for byte what Telnyx already receives. The two
/// encodings differ in three places only: a space is `+` in the form encoding and `%20` here, `*`
/// is bare there and `%2A` here, `~` is `%7E` there and bare here. (A `+` in the form encoding is
/// always a space: a literal plus is `%2B` in both.) A request without a query, as most are, is
/// left untouched.
fn percent_encode_query(url: &mut reqwest::Url) {
    let Some(query) = url.query() else {
        return;
    };
    if !query.contains(['+', '*']) && !query.contains("%7E") {
        return;
    }
    let rewritten = query
        .replace('+', "%20")
        .replace('*', "%2A")
        .replace("%7E", "~");
    url.set_query(Some(&rewritten));
}

/// progenitor's `ResponseValue::from_response` with the headers moved out of the response instead
/// of copied (a copy per call was measurable); the generated methods call this one (`cargo xtask
/// codegen` rewrites the calls). Same status, headers, body handling and errors; a failure
/// records the response's head for [`capture_response_head`], as its error cannot carry it.
pub(crate) async fn response_value<T, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>>
where
    T: serde::de::DeserializeOwned,
{
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let full = match response.bytes().await {
        Ok(full) => full,
        Err(error) => {
            record_head(status, &headers);
            return Err(Error::ResponseBodyError(error));
        }
    };
    match serde_json::from_slice(&full) {
        Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
        Err(error) => {
            record_head(status, &headers);
            Err(Error::InvalidResponsePayload(full, error))
        }
    }
}

/// Leaves the head of a response whose body failed for [`capture_response_head`].
fn record_head(status: StatusCode, headers: &HeaderMap) {
    // Outside `capture_response_head` there is nobody to tell; that is not an error.
    let _ = RESPONSE_HEAD.try_with(|slot| {
        *slot.borrow_mut() = Some(Box::new(ResponseHead::new(status, headers)));
    });
}

/// The base URL as the generated client parsed it once, so that each request's URL needs only its
/// path parsed (`cargo xtask codegen` adds it to [`Client`] and has the methods call
/// [`operation_url`]): parsing the whole URL text again, scheme and host included, cost ~9 k
/// instructions per call.
#[derive(Clone, Debug)]
pub(crate) struct ParsedBase {
    url: reqwest::Url,
    /// The path part of the base URL text as given (empty for `http://host:port`).
    path: String,
}

impl ParsedBase {
    /// The parsed base, or `None` when only parsing the whole text per request gives the same
    /// URL for certain: another scheme than http(s), a query or fragment, a backslash, a space or
    /// a control character (which the URL parser rewrites or strips).
    pub(crate) fn new(baseurl: &str) -> Option<Self> {
        let plain = !baseurl
            .bytes()
            .any(|b| b <= b' ' || matches!(b, b'?' | b'#' | b'\\' | 0x7f));
        let authority = baseurl
            .strip_prefix("http://")
            .or_else(|| baseurl.strip_prefix("https://"))?;
        if !plain {
            return None;
        }
        let path = authority.find('/').map_or("", |at| &authority[at..]);
        let url = reqwest::Url::parse(baseurl).ok()?;
        Some(Self {
            url,
            path: path.to_owned(),
        })
    }
}

/// The URL of an operation: `baseurl` followed by `path` (the generated methods' format), the same
/// URL as parsing that whole text, with only the path parsed when the base was parsed once. The
/// error says why the text is no URL (the generated methods return it as `Error::InvalidRequest`).
pub(crate) fn operation_url(
    baseurl: &str,
    base: Option<&ParsedBase>,
    path: std::fmt::Arguments<'_>,
) -> Result<reqwest::Url, String> {
    use std::fmt::Write as _;

    let mut text = String::with_capacity(128);
    match base {
        Some(base) => {
            let mut url = base.url.clone();
            text.push_str(&base.path);
            let _ = text.write_fmt(path);
            url.set_path(&text);
            Ok(url)
        }
        None => {
            text.push_str(baseurl);
            let _ = text.write_fmt(path);
            reqwest::Url::parse(&text)
                .map_err(|error| format!("the base URL does not form a valid URL: {error}"))
        }
    }
}

/// The most bytes of a response body the client reads for an operation that changes something (a
/// token, a new room, an action): its reply is a few KiB; an error page is kept as a short
/// snippet only.
pub const MAX_RESPONSE_BODY: usize = 64 * 1024;

/// The most bytes of a response body the client reads for an operation that reads (`GET`): a page
/// of up to 250 rooms, or a room with its sessions and their participants, runs to hundreds of
/// KiB.
pub const MAX_READ_BODY: usize = 4 * 1024 * 1024;

/// The most bytes of a response body read for a request with HTTP `method`.
pub fn body_limit(method: &str) -> usize {
    if method == "GET" {
        MAX_READ_BODY
    } else {
        MAX_RESPONSE_BODY
    }
}

/// `response` with a body that cannot yield more than `limit` bytes. A body of exactly known
/// length (its `Content-Length`, which hyper enforces: it never reads past it) within the limit
/// already cannot, and is returned as it is; any other is re-wrapped by [`limit_body`] — a
/// re-wrap on every call cost ~3 k instructions and ~10 allocations (BENCHMARKS.md).
fn bounded(response: reqwest::Response, limit: usize) -> reqwest::Response {
    let within = response
        .content_length()
        .and_then(|length| usize::try_from(length).ok())
        .is_some_and(|length| length <= limit);
    if within {
        response
    } else {
        limit_body(response, limit)
    }
}

/// `response` with its body cut off after `limit` bytes: reading further fails with an error
/// that [`is_body_too_large`] recognises. Status, headers, URL and extensions are kept.
fn limit_body(response: reqwest::Response, limit: usize) -> reqwest::Response {
    let url = response.url().clone();
    let (parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let mut builder = http::Response::builder()
        .status(parts.status)
        .version(parts.version)
        .url(url);
    if let Some(headers) = builder.headers_mut() {
        *headers = parts.headers;
    }
    if let Some(extensions) = builder.extensions_mut() {
        extensions.extend(parts.extensions);
    }
    let limited = reqwest::Body::wrap(http_body_util::Limited::new(body, limit));
    match builder.body(limited) {
        Ok(response) => reqwest::Response::from(response),
        // Unreachable: every part came from a valid response.
        Err(_) => reqwest::Response::from(http::Response::new(reqwest::Body::from(Vec::new()))),
    }
}

/// Whether reading a body failed because it is longer than its [`body_limit`].
pub fn is_body_too_large(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(current) = source {
        if current.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}

/// Headers that carry the API's id for a request, most specific first.
pub const REQUEST_ID_HEADERS: [HeaderName; 2] = [
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("request-id"),
];

/// The status of a response and the headers a client acts on, as received (values unparsed).
///
/// ```
/// use reqwest::StatusCode;
/// use reqwest::header::HeaderMap;
/// use telnyx_rooms_gen::ResponseHead;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("request-id", "req-1".parse().expect("a header value"));
/// headers.insert("retry-after", "2".parse().expect("a header value"));
/// let head = ResponseHead::new(StatusCode::TOO_MANY_REQUESTS, &headers);
/// assert_eq!(head.request_id.as_ref().map(|id| id.as_bytes()), Some(&b"req-1"[..]));
/// assert_eq!(head.retry_after.as_ref().map(|v| v.as_bytes()), Some(&b"2"[..]));
/// // A success keeps no retry hints: they only ever matter for an error status.
/// assert!(ResponseHead::new(StatusCode::CREATED, &headers).retry_after.is_none());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ResponseHead {
    /// The HTTP status.
    pub status: StatusCode,
    /// The first of [`REQUEST_ID_HEADERS`] present.
    pub request_id: Option<HeaderValue>,
    /// `Date`.
    pub date: Option<HeaderValue>,
    /// `retry-after-ms` (error statuses only).
    pub retry_after_ms: Option<HeaderValue>,
    /// `Retry-After` (error statuses only).
    pub retry_after: Option<HeaderValue>,
    /// `x-should-retry` (error statuses only).
    pub should_retry: Option<HeaderValue>,
}

impl ResponseHead {
    /// The facts of a response with `status` and `headers`. Retry hints are read for error
    /// statuses only; a success is never retried. Of a header sent twice, the first value counts
    /// (as with [`HeaderMap::get`]).
    pub fn new(status: StatusCode, headers: &HeaderMap) -> Self {
        let mut head = Self {
            status,
            request_id: None,
            date: None,
            retry_after_ms: None,
            retry_after: None,
            should_retry: None,
        };
        let hints = !status.is_success();
        let mut fallback_id = None;
        // One pass comparing names: a lookup per header hashed each name (measurable per call).
        for (name, value) in headers {
            let slot = if name == DATE {
                &mut head.date
            } else if name == REQUEST_ID_HEADERS[0] {
                &mut head.request_id
            } else if name == REQUEST_ID_HEADERS[1] {
                &mut fallback_id
            } else if !hints {
                continue;
            } else if name == "retry-after-ms" {
                &mut head.retry_after_ms
            } else if name == RETRY_AFTER {
                &mut head.retry_after
            } else if name == "x-should-retry" {
                &mut head.should_retry
            } else {
                continue;
            };
            if slot.is_none() {
                *slot = Some(value.clone());
            }
        }
        if head.request_id.is_none() {
            head.request_id = fallback_id;
        }
        head
    }
}

tokio::task_local! {
    // Boxed: the task-local future moves its value in and out on every poll, so the slot is kept
    // pointer-sized.
    static RESPONSE_HEAD: RefCell<Option<Box<ResponseHead>>>;
}

/// Runs `call` (one generated-client call) and returns its output together with the head of the
/// response whose body could not be read or decoded, if that is how it failed. Every other output
/// carries its response's status and headers itself (a `ResponseValue`, or an
/// `Error::ErrorResponse` or `Error::UnexpectedResponse`); a failure to connect or send has none.
pub async fn capture_response_head<F: Future>(call: F) -> (F::Output, Option<ResponseHead>) {
    RESPONSE_HEAD
        .scope(RefCell::new(None), async move {
            let output = call.await;
            let head = RESPONSE_HEAD.with(|slot| slot.borrow_mut().take());
            (output, head.map(|head| *head))
        })
        .await
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// An operation URL built on the base parsed once is the URL of the whole text, whatever
    /// shape the base has; bases the shortcut cannot vouch for take the whole-text path.
    #[test]
    fn operation_urls_match_parsing_the_whole_text() {
        let room = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
        let path = |room: &str| format!("/rooms/{room}/actions/refresh_client_token");
        let shortcut = [
            "http://127.0.0.1:4010/v2",
            "http://127.0.0.1:4010",
            "https://api.telnyx.com/v2/",
            "https://API.Telnyx.com:443/v2",
            "http://[::1]:8080/a/./b/../v2",
            "http://user:p%40ss@localhost/v%202/x%2Fy",
            "http://h/v2/..",
            "http://h/%7Ev2/caf\u{e9}",
        ];
        let whole_text = [
            "http://h/v2?x=1",
            "http://h/v2#frag",
            "http://h\\v2",
            "http://h/v 2",
            "HTTP://h/v2",
            "ftp://h/v2",
            "not a url",
        ];
        for base in shortcut.iter().chain(&whole_text) {
            let parsed = ParsedBase::new(base);
            assert_eq!(parsed.is_some(), shortcut.contains(base), "{base}");
            let built = operation_url(base, parsed.as_ref(), format_args!("{}", path(room)));
            let expected = reqwest::Url::parse(&format!("{base}{}", path(room)));
            match (built, expected) {
                (Ok(built), Ok(expected)) => {
                    assert_eq!(built.as_str(), expected.as_str(), "{base}")
                }
                (Err(_), Err(_)) => {}
                (built, expected) => panic!("{base}: {built:?} against {expected:?}"),
            }
        }
    }

    /// The rewritten query carries the same pairs as the form-encoded one, and only what RFC 3986
    /// leaves bare (letters, digits, `-._~`) or percent-escapes, as Telnyx's Node SDK writes it.
    #[test]
    fn queries_are_percent_encoded_as_telnyx_sdks_do() {
        let check = |pairs: &[(&str, &str)]| {
            let mut url = reqwest::Url::parse("http://127.0.0.1/v2/rooms").expect("a URL");
            url.query_pairs_mut().extend_pairs(pairs);
            let before: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            percent_encode_query(&mut url);
            let after: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            assert_eq!(after, before);
            let query = url.query().unwrap_or_default();
            let bare = |b: u8| b.is_ascii_alphanumeric() || b"-._~%=&".contains(&b);
            assert!(query.bytes().all(bare), "{query}");
            query.to_owned()
        };
        assert_eq!(
            check(&[
                ("filter[unique_name]", "my room/é&=+*~"),
                ("page[size]", "2")
            ]),
            "filter%5Bunique_name%5D=my%20room%2F%C3%A9%26%3D%2B%2A~&page%5Bsize%5D=2"
        );
        proptest::proptest!(|(pairs in proptest::collection::vec((".*", ".*"), 0..4))| {
            let pairs: Vec<(&str, &str)> =
                pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            check(&pairs);
        });
        let mut plain = reqwest::Url::parse("http://127.0.0.1/v2/rooms").expect("a URL");
        percent_encode_query(&mut plain);
        assert_eq!(plain.as_str(), "http://127.0.0.1/v2/rooms");
    }

    /// `ResponseHead::new` reads each fact as `HeaderMap::get` would: the first value, the
    /// `x-request-id` before `request-id`, hints for error statuses only.
    #[test]
    fn the_one_pass_head_matches_header_lookups() {
        let value = |text: &str| HeaderValue::from_str(text).expect("a header value");
        let mut headers = HeaderMap::new();
        headers.append("request-id", value("fallback"));
        headers.append("retry-after", value("7"));
        headers.append("retry-after", value("9"));
        headers.append("x-should-retry", value("false"));
        headers.append("content-type", value("application/json"));
        headers.append("retry-after-ms", value("1500"));
        headers.append(DATE, value("Sun, 06 Nov 1994 08:49:37 GMT"));
        headers.append(DATE, value("later"));
        for status in [StatusCode::CREATED, StatusCode::SERVICE_UNAVAILABLE] {
            let head = ResponseHead::new(status, &headers);
            let hint = |name: &str| (!status.is_success()).then(|| headers.get(name)).flatten();
            assert_eq!(head.request_id.as_ref(), headers.get("request-id"));
            assert_eq!(head.date.as_ref(), headers.get(DATE));
            assert_eq!(head.retry_after.as_ref(), hint("retry-after"));
            assert_eq!(head.retry_after_ms.as_ref(), hint("retry-after-ms"));
            assert_eq!(head.should_retry.as_ref(), hint("x-should-retry"));
        }
        headers.append("x-request-id", value("primary"));
        headers.append("x-request-id", value("second"));
        let head = ResponseHead::new(StatusCode::CREATED, &headers);
        assert_eq!(head.request_id, Some(value("primary")));
        assert_eq!(head.date, Some(value("Sun, 06 Nov 1994 08:49:37 GMT")));
        assert!(
            ResponseHead::new(StatusCode::OK, &HeaderMap::new())
                .request_id
                .is_none()
        );
    }
}
