//! Property tests: whatever a server or a caller sends, the facade's parsers end in a value or a
//! typed error, never a panic, and an error never shows a token.

use std::time::Duration;

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use progenitor_client::{Error as GenError, ResponseValue};
use proptest::prelude::*;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use telnyx_rooms_core::meta::{Field, Operation};
use telnyx_rooms_core::redact::Sent;
use telnyx_rooms_gen::operations::{
    CREATE_ROOM_CLIENT_TOKEN, REFRESH_ROOM_CLIENT_TOKEN, create_room_client_token,
    refresh_room_client_token,
};
use telnyx_rooms_gen::{ResponseHead, types};
use uuid::Uuid;

use crate::check::{id, seconds as ttl_seconds, setting_name};
use crate::error::{Error, ErrorBody, ErrorKind, SNIPPET_CHARS};
use crate::received::Received;
use crate::response::{ResponseMeta, api_failure, settle};
use crate::retry::MAX_SERVER_DELAY;
use crate::tokens::{created_token, refreshed_token};

const ROOM: Uuid = Uuid::from_u128(0x0ccc7b54_4df3_4bca_a65a_3da1ecc777f0);

/// Keys Telnyx's bodies use, mixed with arbitrary ones so unknown shapes are covered too.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "errors", "code", "title", "detail", "source", "pointer", "parameter", "meta", "data",
            "token", "refresh_token", "token_expires_at", "refresh_token_expires_at",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,10}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from), // NaN and infinities become null
        "\\PC{0,24}".prop_map(Value::from),
    ]
}

/// Arbitrary JSON trees with Telnyx's keys, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// Bytes a server might answer with: arbitrary (invalid UTF-8 included), JSON, or JSON cut short.
fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        json_value().prop_map(|value| value.to_string().into_bytes()),
        (json_value(), any::<prop::sample::Index>()).prop_map(|(value, cut)| {
            let mut text = value.to_string().into_bytes();
            text.truncate(cut.index(text.len() + 1));
            text
        }),
        "\\PC{0,400}".prop_map(String::into_bytes),
        // Text with the characters a terminal could be tricked by: controls, invisible format
        // characters, line and paragraph separators.
        "(\\PC|\\p{Cc}|\\p{Cf}|\\p{Zl}|\\p{Zp}){0,200}".prop_map(String::into_bytes),
    ]
}

/// A header value that HTTP can carry: visible ASCII, spaces, tabs and obs-text bytes.
fn header_value() -> impl Strategy<Value = HeaderValue> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..40),
        "[ -~]{0,40}".prop_map(String::into_bytes),
        // Numbers in every notation `f64` parsing knows.
        any::<f64>().prop_map(|n| n.to_string().into_bytes()),
        any::<i128>().prop_map(|n| n.to_string().into_bytes()),
        (0u64..=253_402_300_799).prop_map(|secs| {
            httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(secs)).into_bytes()
        }),
    ]
    .prop_filter_map("not a header value", |bytes| {
        HeaderValue::from_bytes(&bytes).ok()
    })
}

/// Headers of an error or success response, any of them possibly absent.
fn response_headers() -> impl Strategy<Value = HeaderMap> {
    let names = [
        "retry-after-ms",
        "retry-after",
        "x-should-retry",
        "date",
        "x-request-id",
        "request-id",
    ];
    prop::collection::vec(prop::option::of(header_value()), names.len()).prop_map(move |values| {
        let mut headers = HeaderMap::new();
        for (name, value) in names.iter().zip(values) {
            if let Some(value) = value {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
        headers
    })
}

/// A JWT-shaped token, as Telnyx's are: three base64url segments, the first starting `eyJ`
/// (base64url of `{"`).
fn marker_token() -> impl Strategy<Value = String> {
    prop::collection::vec("[A-Za-z0-9_-]{8,80}", 3)
        .prop_map(|parts| format!("eyJ{}", parts.join(".")))
}

/// A value for a field of a token response: often the right type, sometimes anything.
fn token_field_value(marker: String) -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => Just(Value::from(marker)),
        2 => prop::sample::select(vec![
            "2021-04-22T12:24:55Z",
            "2021-04-22T12:24:55.123+02:00",
            "+275760-09-13T00:00:00Z",
            "2021-13-40T99:99:99Z",
            "",
        ])
        .prop_map(Value::from),
        1 => leaf(),
    ]
}

/// What a success body might be: the documented shape with fields missing, mistyped, or carrying
/// the token; then possibly cut short, spliced with junk or wrapped in an error envelope.
fn success_body(marker: String) -> impl Strategy<Value = Vec<u8>> {
    let fields = [
        "token",
        "refresh_token",
        "token_expires_at",
        "refresh_token_expires_at",
    ];
    let data = prop::collection::vec(
        prop::option::of(token_field_value(marker.clone())),
        fields.len(),
    )
    .prop_map(move |values| {
        let data: Map<String, Value> = fields
            .iter()
            .zip(values)
            .filter_map(|(name, value)| Some(((*name).to_owned(), value?)))
            .collect();
        data
    });
    let document = (data, json_value(), 0..4u8).prop_map(|(data, extra, shape)| match shape {
        0 => json!({ "data": data }),
        1 => json!({ "data": data, "extra": extra }),
        2 => json!({ "errors": [{ "detail": data }] }),
        _ => Value::Object(data),
    });
    let junk = prop::collection::vec(any::<u8>(), 0..16);
    (document, 0..4u8, any::<prop::sample::Index>(), junk).prop_map(
        |(document, mangle, at, junk)| {
            let mut bytes = document.to_string().into_bytes();
            let at = at.index(bytes.len() + 1);
            match mangle {
                0 => {}
                1 => bytes.truncate(at),
                2 => {
                    bytes.splice(at..at, junk);
                }
                _ => {
                    bytes.splice(at..at.saturating_add(1).min(bytes.len()), junk);
                }
            }
            bytes
        },
    )
}

/// Runs `body` through the same steps as a real 201 response: the generated client's decoding,
/// then [`settle`], then the facade's checks. Settling these two variants awaits nothing.
fn decode<S: DeserializeOwned, T>(
    operation: &Operation,
    body: &[u8],
    headers: &HeaderMap,
    check: impl FnOnce(S, Received<'_>) -> Result<T, crate::response::Failure>,
) -> Result<T, Error> {
    let result = match serde_json::from_slice::<S>(body) {
        Ok(value) => Ok(ResponseValue::new(
            value,
            StatusCode::CREATED,
            headers.clone(),
        )),
        Err(error) => Err(GenError::<types::VideoErrors>::InvalidResponsePayload(
            Bytes::copy_from_slice(body),
            error,
        )),
    };
    let head = ResponseHead::new(StatusCode::CREATED, headers);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let success = runtime
        .block_on(settle(operation, result, Some(head), &Sent::default()))
        .map_err(|failure| failure.error)?;
    let (body, received) = Received::split(operation, success, Sent::default());
    check(body, received).map_err(|failure| failure.error)
}

/// Everything an error shows a reader.
fn shown(error: &Error) -> String {
    format!(
        "{error} {error:?} {:?} {:?}",
        error.body_snippet(),
        error.api_errors()
    )
}

fn assert_bounded_snippet(snippet: Option<&str>) -> Result<(), TestCaseError> {
    if let Some(snippet) = snippet {
        prop_assert!(!snippet.is_empty());
        prop_assert!(snippet.chars().count() <= SNIPPET_CHARS + 1, "{snippet}");
        assert_safe_for_a_terminal(snippet)?;
    }
    Ok(())
}

/// Nothing in `text` that the workspace's terminal rule would escape: it is already escaped.
fn assert_safe_for_a_terminal(text: &str) -> Result<(), TestCaseError> {
    let escaped = telnyx_rooms_core::redact::escape_controls(text);
    prop_assert_eq!(escaped.as_ref(), text);
    Ok(())
}

/// What an error entry keeps of a JSON value: strings as they are (escaped for a terminal),
/// numbers as text.
fn as_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(telnyx_rooms_core::redact::escape_controls(text).into_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn ttl_fields() -> [&'static Field; 3] {
    [
        &create_room_client_token::body::TOKEN_TTL_SECS,
        &create_room_client_token::body::REFRESH_TOKEN_TTL_SECS,
        &refresh_room_client_token::body::TOKEN_TTL_SECS,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any body of an error response gives Telnyx entries or a short snippet, never both, and the
    /// error built from it formats.
    #[test]
    fn error_body_of_any_bytes_is_entries_or_a_bounded_snippet(body in body_bytes()) {
        let parsed = ErrorBody::parse(&body, false, &Sent::default());
        assert_bounded_snippet(parsed.snippet.as_deref())?;
        let has_text = String::from_utf8_lossy(&body).split_whitespace().next().is_some();
        prop_assert_eq!(parsed.snippet.is_some(), parsed.entries.is_empty() && has_text);
        let error = Error::new(ErrorKind::Api, "status 500").with_status(500).with_body(parsed);
        prop_assert!(!shown(&error).is_empty());
    }

    /// Every object entry of an `errors` array with a textual or numeric code, title or detail is
    /// kept, with its values as sent; other entries are skipped.
    #[test]
    fn envelope_entries_are_kept_exactly_when_they_say_something(
        entries in prop::collection::vec(json_value(), 0..6),
        bare in any::<bool>(),
    ) {
        let body = if bare && entries.len() == 1 {
            entries[0].clone()
        } else {
            json!({ "errors": entries })
        };
        let text = body.to_string();
        let parsed = ErrorBody::parse(text.as_bytes(), false, &Sent::default());
        // The model reads the same text back: JSON text does not round-trip every float exactly.
        let body: Value = serde_json::from_str(&text).expect("serialised JSON parses");
        let candidates: Vec<&Value> = match &body {
            Value::Object(object) => match object.get("errors") {
                Some(Value::Array(items)) => items.iter().collect(),
                _ => vec![&body],
            },
            _ => Vec::new(),
        };
        let expected: Vec<[Option<String>; 3]> = candidates
            .iter()
            .map(|entry| [as_text(entry.get("code")), as_text(entry.get("title")), as_text(entry.get("detail"))])
            .filter(|texts| texts.iter().any(Option::is_some))
            .collect();
        let got: Vec<[Option<String>; 3]> = parsed
            .entries
            .iter()
            .map(|entry| [entry.code().map(str::to_owned), entry.title().map(str::to_owned), entry.detail().map(str::to_owned)])
            .collect();
        prop_assert_eq!(got, expected);
    }

    /// Nesting deeper than the JSON parser's limit is a snippet, not a stack overflow.
    #[test]
    fn deeply_nested_bodies_are_a_snippet(depth in 1usize..20_000, object in any::<bool>()) {
        let (open, close) = if object { ("{\"errors\":", "}") } else { ("[", "]") };
        let body = format!("{}1{}", open.repeat(depth), close.repeat(depth));
        let parsed = ErrorBody::parse(body.as_bytes(), false, &Sent::default());
        prop_assert!(parsed.entries.is_empty());
        prop_assert!(parsed.snippet.is_some());
        assert_bounded_snippet(parsed.snippet.as_deref())?;
    }

    /// An error response with any status, headers and body is an `Api` error with that status and
    /// a server delay no longer than the cap; the retry decision sees the same status.
    #[test]
    fn error_responses_with_any_headers_are_typed_and_capped(
        status in 100u16..=999,
        headers in response_headers(),
        body in body_bytes(),
    ) {
        let status = StatusCode::from_u16(status).expect("100..=999 is a status");
        let failure = api_failure(&ResponseHead::new(status, &headers), &body, false, &Sent::default());
        let (error, outcome) = failure.resolve(std::time::SystemTime::UNIX_EPOCH);
        let error = &error;
        prop_assert_eq!(error.kind(), ErrorKind::Api);
        prop_assert_eq!(error.status(), Some(status.as_u16()));
        prop_assert!(error.retry_after().is_none_or(|delay| delay <= MAX_SERVER_DELAY));
        match outcome {
            crate::retry::Outcome::Response { status: seen, .. } => prop_assert_eq!(seen, status.as_u16()),
            other => prop_assert!(false, "{other:?}"),
        }
        assert_bounded_snippet(error.body_snippet())?;
        assert_safe_for_a_terminal(&error.to_string())?;
        prop_assert!(!shown(error).is_empty());
    }

    /// `Date` and the request id headers are read when well-formed and ignored otherwise.
    #[test]
    fn response_meta_reads_any_headers(headers in response_headers()) {
        let meta = ResponseMeta::from_headers(&headers, &Sent::default());
        let _ = meta.server_date();
        let expected = ["x-request-id", "request-id"]
            .iter()
            .find_map(|name| headers.get(*name))
            .and_then(|value| value.to_str().ok())
            .filter(|id| !id.is_empty());
        prop_assert_eq!(meta.request_id(), expected);
    }

    /// A success body of any shape becomes a token or a `Decode` error; neither the error's
    /// `Display`, `Debug` nor snippet, nor the token's `Debug`, ever contains a token from it.
    #[test]
    fn success_bodies_become_tokens_or_errors_that_never_show_a_token(
        (marker, body) in marker_token().prop_flat_map(|marker| (Just(marker.clone()), success_body(marker))),
        headers in response_headers(),
        now in -8_000_000_000_000i64..8_000_000_000_000,
    ) {
        let now = DateTime::<Utc>::from_timestamp(now, 0).expect("within chrono's range");
        let created = decode::<types::CreateRoomClientTokenResponse, _>(
            &CREATE_ROOM_CLIENT_TOKEN, &body, &headers, |body, received| created_token(ROOM, body, received));
        match created {
            Ok(token) => {
                prop_assert!(!token.token().is_empty() && !token.refresh_token().is_empty());
                let _ = (token.time_left(now), token.refresh_time_left(now), token.is_expired_at(now));
                let debug = format!("{:?}", token);
                prop_assert!(!debug.contains(&marker), "token shown: {}", debug);
            }
            Err(error) => check_decode_error(&error, &marker)?,
        }
        let refreshed = decode::<types::RefreshRoomClientTokenResponse, _>(
            &REFRESH_ROOM_CLIENT_TOKEN, &body, &headers, |body, received| refreshed_token(ROOM, body, received));
        match refreshed {
            Ok(token) => {
                prop_assert!(!token.token().is_empty());
                let _ = token.time_left(now);
                let debug = format!("{:?}", token);
                prop_assert!(!debug.contains(&marker), "token shown: {}", debug);
            }
            Err(error) => check_decode_error(&error, &marker)?,
        }
    }

    /// Any text is a room id or an `InvalidRequest` error naming `room_id`; what parses is the
    /// same UUID whichever form (hyphenated, simple, braced, URN, any case, padded) it came in.
    #[test]
    fn room_ids_from_any_text_parse_or_name_the_field(text in room_id_text()) {
        match id(text.as_str(), "room_id") {
            Ok(id) => {
                let digits: String = text.chars().filter(char::is_ascii_hexdigit).collect();
                prop_assert!(digits.to_ascii_lowercase().ends_with(&id.simple().to_string()), "{text:?} {id}");
            }
            Err(error) => {
                prop_assert_eq!(error.kind(), ErrorKind::InvalidRequest);
                prop_assert_eq!(error.field(), Some("room_id"));
                prop_assert_eq!(error.attempts(), 0);
                prop_assert!(std::error::Error::source(&error).is_some());
            }
        }
        let owned = id(text.clone(), "room_id").ok();
        prop_assert_eq!(owned, id(&text, "room_id").ok());
    }

    /// A TTL is accepted exactly when it is whole seconds within the field's bounds from the spec;
    /// otherwise the error names the field.
    #[test]
    fn ttls_are_accepted_exactly_within_the_spec_bounds(
        field in prop::sample::select(ttl_fields().to_vec()),
        secs in prop_oneof![0u64..100_000, any::<u64>()],
        nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000],
    ) {
        let ttl = Duration::new(secs, nanos);
        let within = i64::try_from(secs).is_ok_and(|secs| {
            field.minimum.is_none_or(|min| secs >= min) && field.maximum.is_none_or(|max| secs <= max)
        });
        match ttl_seconds(field, Some(ttl)) {
            Ok(sent) => {
                prop_assert!(nanos == 0 && within);
                prop_assert_eq!(sent.and_then(|s| u64::try_from(s).ok()), Some(secs));
            }
            Err(error) => {
                prop_assert!(nanos != 0 || !within);
                prop_assert_eq!(error.kind(), ErrorKind::InvalidRequest);
                prop_assert_eq!(error.wire_field(), Some(field.name));
                let setting = setting_name(field);
                prop_assert_eq!(error.field(), Some(setting));
                let named = format!("{setting} ");
                prop_assert!(error.to_string().contains(&named));
            }
        }
    }
}

proptest! {
    // Bodies of hundreds of kilobytes: few cases, each still cheap.
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A huge envelope keeps every entry and shows only the first; a huge non-JSON body keeps
    /// only a bounded snippet.
    #[test]
    fn huge_bodies_parse_with_bounded_output(
        count in 0usize..4_000,
        title_len in 0usize..200,
        junk_len in 0usize..300_000,
    ) {
        let entry = json!({"code": "10015", "title": "t".repeat(title_len), "source": {"pointer": "/x"}});
        let body = json!({ "errors": vec![entry; count] }).to_string();
        let parsed = ErrorBody::parse(body.as_bytes(), false, &Sent::default());
        prop_assert_eq!(parsed.entries.len(), count);
        let error = Error::new(ErrorKind::Api, "status 422").with_body(parsed);
        let shown = error.to_string();
        if count > 1 {
            let more = format!("(and {} more)", count - 1);
            prop_assert!(shown.contains(&more), "{}", shown);
        }
        prop_assert!(shown.len() < 300 + title_len, "{} bytes", shown.len());
        let junk = vec![b'<'; junk_len];
        assert_bounded_snippet(ErrorBody::parse(&junk, false, &Sent::default()).snippet.as_deref())?;
    }
}

fn check_decode_error(error: &Error, marker: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(error.kind(), ErrorKind::Decode);
    prop_assert_eq!(error.status(), Some(201));
    assert_bounded_snippet(error.body_snippet())?;
    let shown = shown(error);
    prop_assert!(!shown.contains(marker), "token shown: {shown}");
    Ok(())
}

/// Room id candidates: UUIDs in every notation, padded, mangled, or any text at all.
fn room_id_text() -> impl Strategy<Value = String> {
    let uuid = any::<u128>().prop_map(Uuid::from_u128);
    prop_oneof![
        "\\PC{0,48}",
        (uuid.clone(), 0..5u8, "[ \t\n]{0,2}", any::<bool>()).prop_map(|(id, form, pad, upper)| {
            let text = match form {
                0 => id.hyphenated().to_string(),
                1 => id.simple().to_string(),
                2 => id.braced().to_string(),
                3 => id.urn().to_string(),
                _ => id.hyphenated().to_string().replacen('-', "", 1),
            };
            let text = if upper { text.to_uppercase() } else { text };
            format!("{pad}{text}{pad}")
        }),
        (uuid, any::<prop::sample::Index>(), any::<char>()).prop_map(|(id, at, c)| {
            let mut text: Vec<char> = id.hyphenated().to_string().chars().collect();
            let at = at.index(text.len());
            text[at] = c;
            text.into_iter().collect()
        }),
    ]
}
