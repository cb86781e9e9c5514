//! A bounded log of the requests the mock saw, secrets redacted, and per-route attempt counters.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The route key of requests that matched no operation (404 and 405 answers).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// What replaces a secret in the log.
const REDACTED: &str = "[REDACTED]";

/// Headers whose whole value is a credential.
const SECRET_HEADERS: &[&str] = &["proxy-authorization", "cookie", "set-cookie", "x-api-key"];

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
    /// The path, without the query string.
    pub path: String,
    /// The `operationId` of the matched route, or [`UNMATCHED_ROUTE`].
    pub route: String,
    /// Header names (lower case) and values, in arrival order. `Authorization` keeps its scheme
    /// only (`Bearer [REDACTED]`); other credentials and anything shaped like a JWT are redacted.
    pub headers: Vec<(String, String)>,
    /// The body as JSON with token fields redacted, or `None` when it was empty or not JSON.
    pub body: Option<Value>,
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
}

#[derive(Debug)]
pub(crate) struct RequestLog {
    inner: Mutex<LogInner>,
}

#[derive(Debug)]
struct LogInner {
    capacity: usize,
    next_seq: u64,
    entries: VecDeque<LoggedRequest>,
    // Keyed by route, whose set is fixed (the spec's operations plus "unmatched"): bounded.
    attempts: BTreeMap<String, u64>,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(LogInner {
                capacity,
                next_seq: 0,
                entries: VecDeque::with_capacity(capacity.min(1024)),
                attempts: BTreeMap::new(),
            }),
        }
    }

    pub(crate) fn record(&self, mut entry: LoggedRequest) {
        let mut inner = self.lock();
        entry.seq = inner.next_seq;
        inner.next_seq += 1;
        *inner.attempts.entry(entry.route.clone()).or_default() += 1;
        if inner.capacity == 0 {
            return;
        }
        if inner.entries.len() >= inner.capacity {
            inner.entries.pop_front();
        }
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
        inner.attempts.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The headers as the log keeps them.
pub(crate) fn redact_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            let shown = if name == axum::http::header::AUTHORIZATION {
                match value.split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} {REDACTED}"),
                    None => REDACTED.to_owned(),
                }
            } else if SECRET_HEADERS.contains(&name.as_str()) || looks_like_jwt(&value) {
                REDACTED.to_owned()
            } else {
                value.into_owned()
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

/// The body as the log keeps it: parsed JSON with token-like strings redacted.
pub(crate) fn redact_body(body: &[u8]) -> Option<Value> {
    let mut value: Value = serde_json::from_slice(body).ok()?;
    redact_value(&mut value, None);
    Some(value)
}

fn redact_value(value: &mut Value, key: Option<&str>) {
    match value {
        Value::String(text) => {
            let secret_name = key.is_some_and(|k| k.ends_with("token"));
            if secret_name || looks_like_jwt(text) {
                *text = REDACTED.to_owned();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| redact_value(item, key)),
        Value::Object(map) => map
            .iter_mut()
            .for_each(|(k, item)| redact_value(item, Some(k))),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Three dot-separated segments starting with the base64url of `{"` — a JWT.
fn looks_like_jwt(text: &str) -> bool {
    text.trim_start().starts_with("eyJ") && text.matches('.').count() == 2
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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
        let log = RequestLog::new(2);
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
    fn redacts_credentials_and_tokens_in_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("Bearer KEY123"));
        headers.insert("cookie", HeaderValue::from_static("session=abc"));
        headers.insert("x-token", HeaderValue::from_static("eyJa.eyJb.sig"));
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
            br#"{"refresh_token":"opaque","token_ttl_secs":60,"nested":[{"x":"eyJa.eyJb.c"}]}"#;
        assert_eq!(
            redact_body(body),
            Some(serde_json::json!({
                "refresh_token": "[REDACTED]",
                "token_ttl_secs": 60,
                "nested": [{"x": "[REDACTED]"}],
            }))
        );
        assert_eq!(redact_body(b"not json"), None);
    }
}
