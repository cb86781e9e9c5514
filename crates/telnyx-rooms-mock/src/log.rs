//! A log of the requests the mock saw, secrets redacted, bounded in entries and in bytes, and
//! per-route attempt counters.
//!
//! An entry keeps text, never parsed trees: headers up to [`MAX_LOGGED_HEADER_BYTES`], the path up
//! to [`MAX_LOGGED_PATH_BYTES`], and the body as redacted JSON text when it is JSON of at most
//! [`MAX_LOGGED_BODY_BYTES`] (else only its length).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde_json::Value;
use telnyx_rooms_core::redact::{REDACTED, Sent, is_secret_field, scrub};

/// The route key of requests that matched no operation (404 and 405 answers).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Bodies larger than this are logged by length only.
const MAX_LOGGED_BODY_BYTES: usize = 4 * 1024;
/// Headers (names and values) beyond this many bytes are left out of a log entry.
const MAX_LOGGED_HEADER_BYTES: usize = 8 * 1024;
/// A longer path is cut to this many bytes in a log entry.
const MAX_LOGGED_PATH_BYTES: usize = 1024;
/// What an entry costs beyond its text, for the byte bound.
const ENTRY_OVERHEAD_BYTES: usize = 256;

/// How much the log keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LogBounds {
    /// At most this many entries.
    pub(crate) entries: usize,
    /// At most about this many bytes of entries.
    pub(crate) bytes: usize,
    /// Whether each request is also printed as one line to standard error.
    pub(crate) print: bool,
}

impl LogBounds {
    /// 1,024 entries, 1 MiB, nothing printed.
    pub(crate) const DEFAULT: Self = Self {
        entries: 1024,
        bytes: 1024 * 1024,
        print: false,
    };
}

/// One request as the mock saw it.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRequest {
    /// Position in arrival order, from 0, never reused (also after the log drops old entries).
    pub seq: u64,
    /// Arrival time on the server's clock.
    pub received_at: DateTime<Utc>,
    /// The HTTP method.
    pub method: String,
    /// The path, without the query string (its first 1 KiB).
    pub path: String,
    /// The `operationId` of the matched route, [`UNMATCHED_ROUTE`], or `_mock` for the mock's
    /// control endpoint.
    pub route: String,
    /// Header names (lower case) and values, in arrival order, the first 8 KiB of them.
    /// Redacted by the workspace's one rule (`telnyx_rooms_core::redact`): `Authorization` keeps
    /// its scheme only (`Bearer [REDACTED]`), other secret headers lose their whole value, and
    /// anything shaped like a JWT or a secret field is redacted within the text.
    pub headers: Vec<(String, String)>,
    /// The body as JSON text with token fields redacted, or `None` when it was empty, not JSON,
    /// or larger than 4 KiB. [`LoggedRequest::body_json`] parses it.
    pub body: Option<String>,
    /// Length of the body in bytes.
    pub body_len: usize,
    /// The status answered, or `None` when the connection was reset.
    pub status: Option<u16>,
    /// The injected fault (its text form), if one applied.
    pub fault: Option<String>,
}

impl LoggedRequest {
    /// The first value of header `name` (case-insensitive), redacted as logged.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The logged body parsed as JSON (token fields redacted), if it was kept.
    pub fn body_json(&self) -> Option<Value> {
        self.body
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
    }

    /// One line for people, with nothing a client could use to forge a request: sequence number,
    /// time, method, path, route, status (`reset` when none), fault. No header, no body.
    fn summary(&self) -> String {
        let status = self
            .status
            .map_or_else(|| "reset".to_owned(), |status| status.to_string());
        let mut line = format!(
            "{} {} {} {} {} {status}",
            self.seq,
            self.received_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            self.method.escape_debug(),
            self.path.escape_debug(),
            self.route,
        );
        if let Some(fault) = &self.fault {
            line.push_str(" fault=");
            line.extend(fault.escape_debug());
        }
        line
    }

    /// What the entry counts against the log's byte bound.
    fn size(&self) -> usize {
        let headers: usize = self.headers.iter().map(|(n, v)| n.len() + v.len()).sum();
        ENTRY_OVERHEAD_BYTES
            + self.method.len()
            + self.path.len()
            + self.route.len()
            + headers
            + self.body.as_ref().map_or(0, String::len)
            + self.fault.as_ref().map_or(0, String::len)
    }
}

#[derive(Debug)]
pub(crate) struct RequestLog {
    inner: Mutex<LogInner>,
}

#[derive(Debug)]
struct LogInner {
    bounds: LogBounds,
    next_seq: u64,
    entries: VecDeque<LoggedRequest>,
    /// The sum of the kept entries' sizes.
    bytes: usize,
    // Keyed by route, whose set is fixed (the spec's operations, "unmatched", "_mock"): bounded.
    attempts: BTreeMap<String, u64>,
}

impl RequestLog {
    pub(crate) fn new(bounds: LogBounds) -> Self {
        Self {
            inner: Mutex::new(LogInner {
                bounds,
                next_seq: 0,
                entries: VecDeque::new(),
                bytes: 0,
                attempts: BTreeMap::new(),
            }),
        }
    }

    pub(crate) fn record(&self, mut entry: LoggedRequest) {
        let mut inner = self.lock();
        entry.seq = inner.next_seq;
        if inner.bounds.print {
            // Standard error is unbuffered: one write per line, so lines do not interleave.
            let line = format!("{}\n", entry.summary());
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
        }
        inner.next_seq += 1;
        *inner.attempts.entry(entry.route.clone()).or_default() += 1;
        let size = entry.size();
        if inner.bounds.entries == 0 || size > inner.bounds.bytes {
            return;
        }
        while inner.entries.len() >= inner.bounds.entries || inner.bytes + size > inner.bounds.bytes
        {
            let Some(dropped) = inner.entries.pop_front() else {
                break;
            };
            inner.bytes -= dropped.size();
        }
        inner.bytes += size;
        inner.entries.push_back(entry);
    }

    pub(crate) fn entries(&self) -> Vec<LoggedRequest> {
        self.lock().entries.iter().cloned().collect()
    }

    pub(crate) fn attempts(&self, route: &str) -> u64 {
        self.lock().attempts.get(route).copied().unwrap_or(0)
    }

    pub(crate) fn total(&self) -> u64 {
        self.lock().next_seq
    }

    pub(crate) fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.bytes = 0;
        inner.attempts.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The path as the log keeps it.
pub(crate) fn logged_path(path: &str) -> String {
    let mut cut = path.len().min(MAX_LOGGED_PATH_BYTES);
    while !path.is_char_boundary(cut) {
        cut -= 1;
    }
    path[..cut].to_owned()
}

/// The headers as the log keeps them: redacted, the first [`MAX_LOGGED_HEADER_BYTES`] of them.
pub(crate) fn redact_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut budget = MAX_LOGGED_HEADER_BYTES;
    headers
        .iter()
        .take_while(|(name, value)| {
            let size = name.as_str().len() + value.len();
            budget.checked_sub(size).map(|left| budget = left).is_some()
        })
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            let shown = if !is_secret_field(name.as_str()) {
                scrub(&value, &Sent::default())
            } else if name.as_str().ends_with("authorization") {
                match value.split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} {REDACTED}"),
                    None => REDACTED.to_owned(),
                }
            } else {
                REDACTED.to_owned()
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

/// The body as the log keeps it: JSON text with token-like strings redacted, if it is JSON of at
/// most [`MAX_LOGGED_BODY_BYTES`]. The parsed tree lives only while it is redacted.
pub(crate) fn redact_body(body: &[u8]) -> Option<String> {
    if body.len() > MAX_LOGGED_BODY_BYTES {
        return None;
    }
    let mut value: Value = serde_json::from_slice(body).ok()?;
    redact_value(&mut value, None);
    Some(value.to_string())
}

fn redact_value(value: &mut Value, key: Option<&str>) {
    match value {
        Value::String(text) => {
            if key.is_some_and(is_secret_field) {
                *text = REDACTED.to_owned();
            } else {
                *text = scrub(text, &Sent::default());
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| redact_value(item, key)),
        Value::Object(map) => map
            .iter_mut()
            .for_each(|(k, item)| redact_value(item, Some(k))),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue};

    fn entry(route: &str) -> LoggedRequest {
        LoggedRequest {
            seq: 0,
            received_at: DateTime::<Utc>::UNIX_EPOCH,
            method: "POST".to_owned(),
            path: "/".to_owned(),
            route: route.to_owned(),
            headers: Vec::new(),
            body: None,
            body_len: 0,
            status: Some(201),
            fault: None,
        }
    }

    #[test]
    fn keeps_the_newest_entries_and_counts_every_attempt() {
        let log = RequestLog::new(LogBounds {
            entries: 2,
            ..LogBounds::DEFAULT
        });
        for route in ["a", "b", "a"] {
            log.record(entry(route));
        }
        let seqs: Vec<u64> = log.entries().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2]);
        assert_eq!(log.attempts("a"), 2);
        assert_eq!(log.attempts("b"), 1);
        assert_eq!(log.attempts("c"), 0);
        assert_eq!(log.total(), 3);
        log.clear();
        assert!(log.entries().is_empty());
        assert_eq!(log.attempts("a"), 0);
    }

    #[test]
    fn keeps_at_most_its_bytes_dropping_the_oldest() {
        let log = RequestLog::new(LogBounds {
            entries: 1000,
            bytes: 10 * 1024,
            print: false,
        });
        let mut big = entry("a");
        big.body = Some("x".repeat(3000));
        let size = big.size();
        for _ in 0..10 {
            log.record(big.clone());
        }
        let kept = log.entries();
        assert_eq!(kept.len(), 10 * 1024 / size);
        assert_eq!(kept.last().map(|e| e.seq), Some(9));
        assert!(kept.iter().map(LoggedRequest::size).sum::<usize>() <= 10 * 1024);
        assert_eq!(log.attempts("a"), 10, "counters count what the log dropped");

        let mut huge = entry("a");
        huge.body = Some("x".repeat(20 * 1024));
        log.record(huge);
        assert_eq!(
            log.entries().last().map(|e| e.seq),
            Some(9),
            "too big to keep"
        );
    }

    #[test]
    fn keeps_the_first_bytes_of_headers_and_path() {
        let mut headers = HeaderMap::new();
        for i in 0..100 {
            let name = HeaderName::try_from(format!("x-h{i}")).expect("a name");
            headers.insert(name, HeaderValue::from_static("0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"));
        }
        let shown = redact_headers(&headers);
        let bytes: usize = shown.iter().map(|(n, v)| n.len() + v.len()).sum();
        assert!(bytes <= MAX_LOGGED_HEADER_BYTES, "{bytes}");
        assert!(shown.len() >= 70, "{}", shown.len());
        assert_eq!(logged_path(&"é".repeat(1000)).len(), 1024);
        assert_eq!(logged_path("/v2/x"), "/v2/x");
    }

    #[test]
    fn redacts_credentials_and_tokens_in_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("Bearer KEY123"));
        headers.insert("cookie", HeaderValue::from_static("session=abc"));
        headers.insert(
            "x-token",
            HeaderValue::from_static("eyJhbGciOi.eyJzdWIiOi.sig"),
        );
        headers.insert("user-agent", HeaderValue::from_static("test/1"));
        let shown = redact_headers(&headers);
        let get = |name: &str| {
            shown
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("authorization"), Some("Bearer [REDACTED]"));
        assert_eq!(get("cookie"), Some("[REDACTED]"));
        assert_eq!(get("x-token"), Some("[REDACTED]"));
        assert_eq!(get("user-agent"), Some("test/1"));
        assert!(!format!("{shown:?}").contains("KEY123"));
    }

    #[test]
    fn redacts_token_fields_in_bodies() {
        let body =
            br#"{"refresh_token":"opaque","token_ttl_secs":60,"nested":[{"x":"eyJhbGciOi.eyJzdWIiOi.c"}]}"#;
        let logged = redact_body(body).expect("kept");
        assert_eq!(
            serde_json::from_str::<Value>(&logged).expect("JSON text"),
            serde_json::json!({
                "refresh_token": "[REDACTED]",
                "token_ttl_secs": 60,
                "nested": [{"x": "[REDACTED]"}],
            })
        );
        assert_eq!(redact_body(b"not json"), None);
        let large = format!("[{}0]", "0,".repeat(MAX_LOGGED_BODY_BYTES));
        assert_eq!(redact_body(large.as_bytes()), None, "logged by length only");
    }
}
