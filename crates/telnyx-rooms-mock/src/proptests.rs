//! Property tests: whatever a client sends — path, headers, body, fault directives, tokens — the
//! mock answers with a Telnyx-shaped success or error body or a typed rejection, never a panic.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode};
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::{Map, Value};
use tower_service::Service as _;
use uuid::Uuid;

use crate::fault::{FAULT_HEADER, Fault};
use crate::routes::{DropConnection, base_path, router};
use crate::server::Shared;
use crate::token::{Claims, Grant, TokenError, TokenKind, TokenSigner};
use telnyx_rooms_core::resource::ROOM_RESOURCE_PREFIX;
use telnyx_rooms_core::time::ManualTimeSource;

const ROOM: Uuid = Uuid::from_u128(0x0ccc7b54_4df3_4bca_a65a_3da1ecc777f0);
const NOW: i64 = 1_700_000_000;
const API_KEY: &str = "mock-api-key-7f3a9c1e5b2d";

fn signer() -> TokenSigner {
    TokenSigner::from_passphrase("proptests")
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("within chrono's range")
}

/// A valid refresh token for [`ROOM`], good at [`NOW`].
fn real_refresh_token() -> String {
    signer()
        .mint(TokenKind::Refresh, ROOM, Uuid::nil(), at(NOW), 3600)
        .token
}

/// Every byte outside the unreserved set percent-encoded, so any bytes (invalid UTF-8 included)
/// can be a path segment.
fn percent_encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn room_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just(ROOM.to_string()),
        1 => Just(ROOM.simple().to_string()),
        1 => Just(ROOM.to_string().to_uppercase()),
        3 => prop::collection::vec(any::<u8>(), 0..48).prop_map(|bytes| percent_encode(&bytes)),
    ]
}

fn header_value() -> impl Strategy<Value = Option<HeaderValue>> {
    prop::collection::vec(any::<u8>(), 0..48).prop_map(|bytes| HeaderValue::from_bytes(&bytes).ok())
}

fn authorization() -> impl Strategy<Value = Option<HeaderValue>> {
    prop_oneof![
        2 => Just(Some(HeaderValue::from_static("Bearer mock-api-key-7f3a9c1e5b2d"))),
        1 => prop::sample::select(vec!["Bearer\t", "Bearer  ", "bearer", "Basic ", ""])
            .prop_map(|scheme| HeaderValue::from_str(&format!("{scheme}{API_KEY}")).ok()),
        1 => Just(None),
        1 => "(?i:bearer)[ \t]{0,2}[ -~]{0,24}".prop_map(|text| HeaderValue::from_str(&text).ok()),
        1 => header_value(),
    ]
}

fn content_type() -> impl Strategy<Value = Option<HeaderValue>> {
    prop_oneof![
        3 => Just(Some(HeaderValue::from_static("application/json"))),
        1 => Just(Some(HeaderValue::from_static("application/json; charset=utf-8"))),
        1 => Just(None),
        1 => header_value(),
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-100_000i64..100_000).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("\\PC{0,8}", inner), 0..4)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A refresh token as a client might send it: the real one, a mangled copy, or anything.
fn refresh_token_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => Just(Value::from(real_refresh_token())),
        2 => (any::<prop::sample::Index>(), any::<char>())
            .prop_map(|(at, c)| Value::from(mutate(&real_refresh_token(), at, c, 0))),
        1 => json_leaf(),
    ]
}

/// Request bodies: the operations' fields with values of every type and range, JSON that is not
/// an object, and bytes that are not JSON.
fn request_body() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![
        (Just("token_ttl_secs"), json_leaf()),
        (Just("refresh_token_ttl_secs"), json_leaf()),
        (Just("token_ttl_secs"), (0i64..5000).prop_map(Value::from)),
        (Just("refresh_token"), refresh_token_value()),
        (Just("extra"), json_value()),
        (Just("extra"), refresh_token_value()),
    ];
    prop_oneof![
        4 => prop::collection::vec(field, 0..4).prop_map(|fields| {
            let object: Map<String, Value> = fields
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect();
            Value::Object(object).to_string().into_bytes()
        }),
        1 => json_value().prop_map(|value| value.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => Just(Vec::new()),
    ]
}

/// `x-mock-fault` values: none, real directives with extreme values, or any text.
fn fault_header() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => Just(None),
        1 => fault_text().prop_map(Some),
    ]
}

/// Fault directive text: known names with values at the edges of their types, joined by `;`.
fn fault_text() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec![
        "status",
        "retry-after",
        "delay",
        "reset",
        "malformed-json",
        "missing-fields",
        "times",
        "key",
        "header",
        "op",
        "bogus",
    ]);
    let value = prop_oneof![
        Just(String::new()),
        prop::sample::select(vec![
            "429",
            "600",
            "0",
            "+503",
            "18446744073709551615",
            "18446744073709551616",
            "18446744073709551615s 1ns",
            "18446744073709551615s 999999999ns",
            "584942417355years",
            "1.5s",
            "250ms",
            "x-should-retry:false",
            "bad name:v",
            "token,token_expires_at",
        ])
        .prop_map(str::to_owned),
        any::<u64>().prop_map(|n| n.to_string()),
        "[ -~]{0,16}",
    ];
    let directive = (name, prop::option::of(value)).prop_map(|(name, value)| match value {
        Some(value) => format!("{name}={value}"),
        None => name.to_owned(),
    });
    let status = prop::sample::select(vec!["status=429", "status=503", "status=600"]);
    let timed = (
        prop::sample::select(vec!["retry-after", "delay"]),
        prop_oneof![
            prop::sample::select(vec![
                "18446744073709551615",
                "18446744073709551615s 1ns",
                "18446744073709551615s 999999999ns",
                "584942417355years",
                "0.5s",
            ])
            .prop_map(str::to_owned),
            (any::<u64>(), 0u32..1_000_000_000)
                .prop_map(|(secs, nanos)| format!("{secs}s {nanos}ns")),
        ],
    )
        .prop_map(|(name, value)| format!("{name}={value}"));
    prop_oneof![
        3 => prop::collection::vec(directive.clone(), 0..4).prop_map(|parts| parts.join(";")),
        // A status first, so the directives that need one are reached.
        2 => (status, prop_oneof![directive, timed]).prop_map(|(status, directive)| format!("{status};{directive}")),
        1 => "\\PC{0,40}",
    ]
}

/// Replaces (kind 0), deletes (1) or inserts (2) one character of `token`.
fn mutate(token: &str, at: prop::sample::Index, c: char, kind: u8) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let at = at.index(chars.len());
    match kind {
        0 => chars[at] = c,
        1 => {
            chars.remove(at);
        }
        _ => chars.insert(at, c),
    }
    chars.into_iter().collect()
}

struct Answer {
    /// The server's request log after the request, as `Debug` text.
    log: String,
    status: StatusCode,
    dropped: bool,
    has_request_id: bool,
    body: Vec<u8>,
}

/// Sends `request` through the mock's router in process, on a paused clock (injected delays
/// pass at once).
fn send(request: Request<Body>) -> Answer {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let clock = Arc::new(ManualTimeSource::at_unix(NOW));
        let shared = Arc::new(Shared::for_tests(signer(), clock, API_KEY));
        let response = router(shared.clone())
            .call(request)
            .await
            .expect("the router is infallible");
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("an in-memory body");
        Answer {
            log: format!("{:?}", shared.log.entries()),
            status: parts.status,
            dropped: parts.extensions.get::<DropConnection>().is_some(),
            has_request_id: parts.headers.contains_key("x-request-id"),
            body: body.to_vec(),
        }
    })
}

/// The answer is a documented success body or Telnyx's error envelope, with a request id.
fn check_well_formed(answer: &Answer) -> Result<(), TestCaseError> {
    prop_assert!(answer.has_request_id);
    let body: Value = serde_json::from_slice(&answer.body)
        .map_err(|err| TestCaseError::fail(format!("not JSON: {err}")))?;
    if answer.status == StatusCode::CREATED {
        let data = body["data"]
            .as_object()
            .ok_or_else(|| TestCaseError::fail("no data object"))?;
        for (name, value) in data {
            let text = value.as_str().unwrap_or_default();
            prop_assert!(!text.is_empty(), "{} is empty", name);
            if name.ends_with("expires_at") {
                prop_assert!(DateTime::parse_from_rfc3339(text).is_ok(), "{}", text);
            }
        }
        prop_assert!(data.contains_key("token") && data.contains_key("token_expires_at"));
    } else {
        prop_assert!(answer.status.is_client_error() || answer.status.is_server_error());
        let errors = body["errors"]
            .as_array()
            .ok_or_else(|| TestCaseError::fail("no errors array"))?;
        prop_assert!(!errors.is_empty());
        for error in errors {
            let code = error["code"].as_str().unwrap_or_default();
            prop_assert!(
                !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                code
            );
            prop_assert!(!error["title"].as_str().unwrap_or_default().is_empty());
            prop_assert!(error["detail"].is_string());
        }
    }
    Ok(())
}

/// Any operation's answer: a success with `data` (nothing at all for 204), or Telnyx's envelope.
fn check_any_answer(answer: &Answer) -> Result<(), TestCaseError> {
    if answer.status == StatusCode::NO_CONTENT {
        prop_assert!(answer.body.is_empty());
        return Ok(());
    }
    let body: Value = serde_json::from_slice(&answer.body)
        .map_err(|err| TestCaseError::fail(format!("not JSON: {err}")))?;
    if answer.status.is_success() {
        prop_assert!(body.get("data").is_some(), "no data: {}", body);
        if let Some(meta) = body.get("meta") {
            for field in ["page_number", "page_size", "total_pages", "total_results"] {
                prop_assert!(meta[field].is_i64(), "meta.{} in {}", field, body);
            }
        }
    } else {
        prop_assert!(
            body["errors"].as_array().is_some_and(|e| !e.is_empty()),
            "{}",
            body
        );
    }
    Ok(())
}

/// A query string of the spec's parameter names (and others) with values at the edges of their
/// types, brackets sent raw or percent-encoded.
fn query_string() -> impl Strategy<Value = String> {
    let mut names: Vec<String> = telnyx_rooms_gen::operations::ALL
        .iter()
        .flat_map(|op| op.query_params.iter().map(|field| field.name.to_owned()))
        .collect();
    names.sort();
    names.dedup();
    names.extend([
        "filter[".to_owned(),
        "page[size][x]".to_owned(),
        "x".to_owned(),
    ]);
    let value = prop_oneof![
        prop::sample::select(vec![
            "1",
            "0",
            "-1",
            "250",
            "251",
            "9223372036854775807",
            "99999999999999999999",
            "true",
            "false",
            "maybe",
            "2021-04-25",
            "2021-02-30",
            "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0",
            "",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,12}".prop_map(|text: String| percent_encode(text.as_bytes())),
    ];
    let pair =
        (prop::sample::select(names), value, any::<bool>()).prop_map(|(name, value, encoded)| {
            let name = if encoded {
                percent_encode(name.as_bytes())
            } else {
                name
            };
            format!("{name}={value}")
        });
    prop::collection::vec(pair, 0..5).prop_map(|pairs| pairs.join("&"))
}

/// Every string in `body` (if it is JSON) that is a token this server signed.
fn valid_tokens(body: &[u8]) -> Vec<String> {
    fn collect(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::String(text) if signer().verify_signature(text).is_ok() => {
                found.push(text.clone());
            }
            Value::Array(items) => items.iter().for_each(|item| collect(item, found)),
            Value::Object(map) => map.values().for_each(|item| collect(item, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        collect(&value, &mut found);
    }
    found
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any path segment as the room id, any `Authorization` and `Content-Type`, any body, and
    /// any fault directive: never a panic; the API key and any valid token sent are neither echoed
    /// nor logged; without an accepted fault the answer is a well-formed success or Telnyx error.
    #[test]
    fn any_request_gets_a_telnyx_answer(
        refresh in any::<bool>(),
        method in prop::sample::select(vec![Method::POST, Method::POST, Method::POST, Method::GET, Method::PUT]),
        room in room_segment(),
        authorization in authorization(),
        content_type in content_type(),
        body in request_body(),
        fault in fault_header(),
    ) {
        let action = if refresh { "refresh_client_token" } else { "generate_join_client_token" };
        let uri = format!("{}/rooms/{room}/actions/{action}", base_path());
        let mut request = Request::builder().method(method).uri(&uri);
        for (name, value) in [("authorization", authorization), ("content-type", content_type)] {
            if let Some(value) = value {
                request = request.header(name, value);
            }
        }
        let accepted_fault = fault.as_deref().is_some_and(|text| text.parse::<Fault>().is_ok());
        if let Some(value) = fault.and_then(|text| HeaderValue::from_str(&text).ok()) {
            request = request.header(FAULT_HEADER, value);
        }
        let mut secrets = valid_tokens(&body);
        secrets.push(API_KEY.to_owned());
        let answer = send(request.body(Body::from(body)).expect("a valid request"));
        let answered = String::from_utf8_lossy(&answer.body);
        for secret in &secrets {
            prop_assert!(!answer.log.contains(secret.as_str()), "logged: {}", answer.log);
            prop_assert!(!answered.contains(secret.as_str()), "echoed: {}", answered);
        }
        if !accepted_fault {
            prop_assert!(!answer.dropped);
            check_well_formed(&answer)?;
        }
    }

    /// Any operation of the spec, with any id, query and body: never a panic, and a success with
    /// `data` (and well-formed `meta` on lists) or Telnyx's error envelope.
    #[test]
    fn any_operation_with_any_query_gets_a_telnyx_answer(
        operation in prop::sample::select(telnyx_rooms_gen::operations::ALL.to_vec()),
        id in room_segment(),
        query in query_string(),
        body in request_body(),
    ) {
        let path = operation.path_params.iter().fold(operation.path.to_owned(), |path, param| {
            path.replace(&format!("{{{}}}", param.name), &id)
        });
        let uri = format!("{}{path}?{query}", base_path());
        let request = Request::builder()
            .method(operation.method)
            .uri(&uri)
            .header("authorization", format!("Bearer {API_KEY}"))
            .header("content-type", "application/json")
            .body(Body::from(body));
        // Some generated text is no URI at all; what hyper cannot parse never reaches the mock.
        prop_assume!(request.is_ok());
        let answer = send(request.expect("checked"));
        prop_assert!(!answer.dropped);
        prop_assert!(answer.has_request_id);
        check_any_answer(&answer)?;
    }

    /// Any text is refused as a refresh token with a typed error; nothing but a token this key
    /// signed verifies.
    #[test]
    fn any_text_is_a_rejected_token(
        text in prop_oneof![
            "\\PC{0,80}",
            prop::collection::vec("[A-Za-z0-9_-]{0,60}", 1..5).prop_map(|parts| parts.join(".")),
        ],
    ) {
        prop_assert!(signer().verify(&text, TokenKind::Refresh, ROOM, at(NOW)).is_err());
        prop_assert!(signer().verify_signature(&text).is_err());
    }

    /// Changing, removing or adding one character anywhere in a real token makes it invalid.
    #[test]
    fn mutated_real_tokens_are_rejected(
        at_index in any::<prop::sample::Index>(),
        c in prop_oneof![
            prop::sample::select(b"ABCXYZabcxyz0189-_.=+/ ".to_vec()).prop_map(char::from),
            any::<char>(),
        ],
        kind in 0..3u8,
    ) {
        let token = real_refresh_token();
        let mutated = mutate(&token, at_index, c, kind);
        prop_assume!(mutated != token);
        let result = signer().verify(&mutated, TokenKind::Refresh, ROOM, at(NOW));
        prop_assert!(
            matches!(result, Err(TokenError::Malformed(_) | TokenError::UnsupportedAlgorithm | TokenError::BadSignature)),
            "{:?}", result
        );
    }

    /// A token this key signed verifies exactly when its kind, validity window and room fit; the
    /// rejection names which did not, whatever the claims' values.
    #[test]
    fn signed_claims_verify_only_in_their_window_and_room(
        exp in prop_oneof![any::<i64>(), NOW - 100..NOW + 100],
        nbf in prop_oneof![any::<i64>(), NOW - 100..NOW + 100],
        iat in any::<i64>(),
        refresh in any::<bool>(),
        resources in prop::collection::vec(prop_oneof![
            Just(format!("{ROOM_RESOURCE_PREFIX}{ROOM}")),
            Just(format!("{ROOM_RESOURCE_PREFIX}{}", Uuid::nil())),
            "\\PC{0,40}",
        ], 0..3),
        now in prop_oneof![Just(NOW), -8_000_000_000_000i64..8_000_000_000_000],
    ) {
        let claims = Claims {
            aud: "telnyx_access_token".to_owned(),
            exp,
            grants: vec![Grant { actions: vec!["join".to_owned()], resources, subjects: Vec::new() }],
            grants_version: "1.0.0".to_owned(),
            iat,
            iss: "telnyx_access_token".to_owned(),
            jti: Uuid::nil().to_string(),
            nbf,
            sub: "null".to_owned(),
            typ: if refresh { TokenKind::Refresh } else { TokenKind::Client },
        };
        let token = signer().sign(&claims);
        let result = signer().verify(&token, TokenKind::Refresh, ROOM, at(now));
        match result {
            Ok(verified) => {
                prop_assert!(refresh && nbf <= now && now < exp);
                prop_assert_eq!(verified.room_id(), Some(ROOM));
                prop_assert_eq!(verified, claims);
            }
            Err(TokenError::WrongKind { .. }) => prop_assert!(!refresh),
            Err(TokenError::NotYetValid) => prop_assert!(refresh && now < nbf),
            Err(TokenError::Expired { .. }) => prop_assert!(refresh && nbf <= now && now >= exp),
            Err(TokenError::WrongRoom { requested }) => {
                prop_assert_eq!(requested, ROOM);
                prop_assert_ne!(claims.room_id(), Some(ROOM));
            }
            Err(other) => prop_assert!(false, "a signed token is refused as {:?}", other),
        }
    }

    /// Fault text parses or is refused with the input named; what parses prints back to text
    /// that parses to the same fault.
    #[test]
    fn fault_text_parses_or_is_refused(text in fault_text()) {
        match text.parse::<Fault>() {
            Ok(fault) => {
                let printed = fault.to_string();
                prop_assert_eq!(printed.parse::<Fault>(), Ok(fault), "printed as {}", printed);
            }
            Err(error) => prop_assert!(error.to_string().starts_with("invalid fault `")),
        }
    }
}
