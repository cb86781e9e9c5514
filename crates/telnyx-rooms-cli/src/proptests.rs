//! Property tests: whatever arrives on standard input, `token inspect` and the refresh-token
//! reader end in a value or a usage failure (exit 2), never a panic, and never print the token.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::cli::Format;
use crate::commands::inspection_report;
use crate::input::{Pick, extract};
use crate::inspect::inspect;

/// A JWT-shaped token, long enough that no claim or message holds it by chance.
fn marker() -> impl Strategy<Value = String> {
    prop::collection::vec("[A-Za-z0-9_-]{10,60}", 3).prop_map(|parts| parts.join("."))
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (1_500_000_000i64..2_000_000_000).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(vec![
            "access",
            "refresh",
            "Ed25519",
            "null",
            "telnyx:video:rooms:0ccc7b54-4df3-4bca-a65a-3da1ecc777f0",
            "telnyx:video:rooms:not-a-uuid",
            "telnyx:users:782b2cbe-8466-4e3f-a4d3-9781eb577e50",
        ])
        .prop_map(Value::from),
        "\\PC{0,16}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("\\PC{0,6}", inner), 0..4)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// Claims with Telnyx's keys holding values of any type, and grants of any shape.
fn claims() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "typ", "exp", "iat", "nbf", "iss", "jti", "sub", "aud", "grants",
    ]);
    let grant = prop::collection::vec(
        (
            prop::sample::select(vec!["resources", "subjects", "actions"]),
            prop_oneof![
                prop::collection::vec(leaf(), 0..3).prop_map(Value::Array),
                leaf()
            ],
        ),
        0..3,
    )
    .prop_map(|pairs| {
        Value::Object(
            pairs
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value))
                .collect(),
        )
    });
    let value = prop_oneof![
        3 => leaf(),
        1 => prop::collection::vec(grant, 0..3).prop_map(Value::Array),
        1 => json_value(),
    ];
    prop::collection::vec((key, value), 0..8).prop_map(|pairs| {
        let map: Map<String, Value> = pairs
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect();
        Value::Object(map)
    })
}

/// What a user might pipe into `token inspect`: encoded claims of any shape (the signature is
/// `marker`), base64 that is not JSON, padding, surrounding space, or any text.
fn inspect_input(marker: String) -> impl Strategy<Value = String> {
    let header = prop_oneof![Just(json!({"alg": "Ed25519", "typ": "JWT"})), json_value()];
    let encoded = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    prop_oneof![
        4 => (header, claims(), "[ \n\t]{0,2}", prop::sample::select(vec!["", "=", "=="])).prop_map(
            move |(header, claims, pad, padding)| {
                format!("{pad}{}{padding}.{}.{marker}{pad}", encoded(&header), encoded(&claims))
            }
        ),
        1 => prop::collection::vec(prop::collection::vec(any::<u8>(), 0..24), 1..5).prop_map(|segments| {
            segments.iter().map(|bytes| URL_SAFE_NO_PAD.encode(bytes)).collect::<Vec<_>>().join(".")
        }),
        1 => "\\PC{0,80}",
    ]
}

/// A timestamp claim as `inspect` reads it: an integer within chrono's range.
fn timestamp(claims: &Value, key: &str) -> Option<i64> {
    claims
        .get(key)
        .and_then(Value::as_i64)
        .filter(|secs| DateTime::from_timestamp(*secs, 0).is_some())
}

/// Standard input for the refresh-token reader: each form it documents holding `marker`, each
/// form broken, or any text.
fn stdin_input(marker: String) -> impl Strategy<Value = (String, bool)> {
    let other = prop_oneof![Just(Value::from(marker.clone())), leaf()];
    let m = marker.clone();
    let bare = "[ \n\t]{0,3}".prop_map(move |pad| (format!("{pad}{m}{pad}"), true));
    let m = marker.clone();
    let object = (
        prop::collection::vec(
            (prop::sample::select(vec!["token", "x", "data"]), other),
            0..3,
        ),
        any::<bool>(),
    )
        .prop_map(move |(pairs, with_refresh)| {
            let mut object: Map<String, Value> = pairs
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value))
                .collect();
            if with_refresh {
                object.insert("refresh_token".to_owned(), Value::from(m.clone()));
            }
            (Value::Object(object).to_string(), with_refresh)
        });
    let m = marker.clone();
    let env = (
        prop::sample::select(vec!["", "export ", "  "]),
        prop::sample::select(vec!["", "'", "\""]),
        prop::collection::vec("[A-Z_]{1,12}=[ -~]{0,12}", 0..3),
    )
        .prop_map(move |(export, quote, others)| {
            let mut lines = others;
            lines.push(format!("{export}TELNYX_REFRESH_TOKEN={quote}{m}{quote}"));
            (lines.join("\n"), true)
        });
    let m = marker;
    let cut = (any::<prop::sample::Index>()).prop_map(move |at| {
        let json = json!({ "refresh_token": m }).to_string();
        (json[..at.index(json.len())].to_owned(), false)
    });
    prop_oneof![
        2 => bare,
        2 => object,
        2 => env,
        1 => cut,
        1 => "\\PC{0,60}".prop_map(|text| (text, false)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// `token inspect` on any input: claims read exactly as the payload states them, or a usage
    /// failure; the report renders in every format (JSON output parses), and neither the report
    /// nor a failure shows the token's signature.
    #[test]
    fn inspect_reads_claims_or_fails_as_usage(
        (marker, input) in marker().prop_flat_map(|marker| (Just(marker.clone()), inspect_input(marker))),
        now in -8_000_000_000_000i64..8_000_000_000_000,
    ) {
        match inspect(&input) {
            Ok(seen) => {
                let payload = input.trim().split('.').nth(1).expect("a payload segment");
                let claims: Value = serde_json::from_slice(
                    &URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).expect("decoded before"),
                ).expect("parsed before");
                prop_assert_eq!(seen.kind.as_deref(), claims.get("typ").and_then(Value::as_str));
                prop_assert_eq!(seen.expires_at.map(|at| at.timestamp()), timestamp(&claims, "exp"));
                prop_assert_eq!(seen.issued_at.map(|at| at.timestamp()), timestamp(&claims, "iat"));
                let now = DateTime::from_timestamp(now, 0).expect("within chrono's range");
                let report = inspection_report(seen, now);
                for format in [Format::Human, Format::Json, Format::Env] {
                    // Env output refuses a value holding NUL (no shell variable can hold one).
                    let text = match report.render(format, now) {
                        Ok(text) => text,
                        Err(failure) if format == Format::Env => failure.to_string(),
                        Err(failure) => return Err(TestCaseError::fail(failure.to_string())),
                    };
                    prop_assert!(!text.contains(&marker), "{}", text);
                    if format == Format::Json {
                        prop_assert!(!text.contains(['\u{7f}', '\u{85}', '\u{202e}']), "{}", text);
                        prop_assert!(serde_json::from_str::<Value>(&text).is_ok(), "{}", text);
                    }
                }
            }
            Err(failure) => {
                prop_assert_eq!(failure.exit_code(), 2);
                let message = failure.to_string();
                prop_assert!(!message.contains(&marker), "{}", message);
            }
        }
    }

    /// The refresh token on standard input is found in each documented form (bare, JSON with
    /// `refresh_token`, a `TELNYX_REFRESH_TOKEN=` line); anything else is a usage failure that
    /// does not show the input.
    #[test]
    fn stdin_refresh_token_is_found_or_refused_as_usage(
        (marker, (input, holds_token)) in marker().prop_flat_map(|marker| (Just(marker.clone()), stdin_input(marker))),
    ) {
        match extract(&input, Pick::Refresh) {
            Ok(token) => {
                if holds_token {
                    prop_assert_eq!(&token, &marker);
                } else if !input.trim_start().starts_with('{') {
                    prop_assert!(input.contains(&token));
                }
            }
            Err(failure) => {
                prop_assert!(!holds_token, "{}", failure);
                prop_assert_eq!(failure.exit_code(), 2);
                let message = failure.to_string();
                prop_assert!(!message.contains(&marker), "{}", message);
            }
        }
    }
}
