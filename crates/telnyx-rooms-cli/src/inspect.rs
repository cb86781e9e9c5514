//! Reading a token's claims without verifying it, leniently: Telnyx's claim set has changed before.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::Value;
use telnyx_rooms_core::resource::room_of_resource;
use uuid::Uuid;

use crate::failure::Failure;

/// What a token says about itself. Every field is optional: nothing was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inspected {
    pub(crate) algorithm: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) room_id: Option<Uuid>,
    pub(crate) subject: Option<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) token_id: Option<String>,
    pub(crate) issued_at: Option<DateTime<Utc>>,
    pub(crate) not_before: Option<DateTime<Utc>>,
    pub(crate) expires_at: Option<DateTime<Utc>>,
}

/// Decodes the header and payload of a compact JWT.
pub(crate) fn inspect(token: &str) -> Result<Inspected, Failure> {
    let mut segments = token.trim().split('.');
    let (Some(header), Some(payload), Some(_signature), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(Failure::usage(
            "this is not a JWT: expected three dot-separated segments",
        ));
    };
    let header = decode(header, "header")?;
    let claims = decode(payload, "payload")?;
    let text = |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let time = |key: &str| {
        claims
            .get(key)
            .and_then(Value::as_i64)
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
    };
    let grants = claims.get("grants").and_then(Value::as_array);
    let strings_of = |field: &'static str| {
        grants
            .into_iter()
            .flatten()
            .filter_map(move |grant| grant.get(field).and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
    };
    let room_id = strings_of("resources")
        .filter_map(|resource| room_of_resource(resource))
        .find_map(|id| Uuid::try_parse(id).ok());
    // Telnyx writes `sub: "null"`; the grant's subject names the account.
    let subject = strings_of("subjects")
        .next()
        .map(str::to_owned)
        .or_else(|| text(&claims, "sub").filter(|sub| sub != "null"));
    Ok(Inspected {
        algorithm: text(&header, "alg"),
        kind: text(&claims, "typ"),
        room_id,
        subject,
        issuer: text(&claims, "iss"),
        token_id: text(&claims, "jti"),
        issued_at: time("iat"),
        not_before: time("nbf"),
        expires_at: time("exp"),
    })
}

fn decode(segment: &str, what: &str) -> Result<Value, Failure> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|_| Failure::usage(format!("this is not a JWT: its {what} is not base64url")))?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|_| Failure::usage(format!("this is not a JWT: its {what} is not JSON")))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(Failure::usage(format!(
            "this is not a JWT: its {what} is not a JSON object"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example refresh token of Telnyx's spec (CreateRoomClientToken, 201 example).
    const SPEC_REFRESH_TOKEN: &str = "eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiSldUIn0.eyJhdWQiOiJ0ZWxueXhfYWNjZXNzX3Rva2VuIiwiZXhwIjoxNjE5MDkzNzA1LCJncmFudHMiOlt7ImFjdGlvbnMiOlsiam9pbiJdLCJyZXNvdXJjZXMiOlsidGVsbnl4OnZpZGVvOnJvb21zOjllMmEwY2JlLWNlNjYtNDExZS1hMWFjLTQ2OGYwYjEwM2M5YSJdLCJzdWJqZWN0cyI6WyJ0ZWxueXg6dXNlcnM6NzgyYjJjYmUtODQ2Ni00ZTNmLWE0ZDMtOTc4MWViNTc3ZTUwIl19XSwiZ3JhbnRzX3ZlcnNpb24iOiIxLjAuMCIsImlhdCI6MTYxOTA5MzY5NSwiaXNzIjoidGVsbnl4X2FjY2Vzc190b2tlbiIsImp0aSI6ImQ3OWJlMzhjLWFkNTQtNGQ5ZC1hODc4LWExNjVjNTk0MGQwNyIsIm5iZiI6MTYxOTA5MzY5NCwic3ViIjoibnVsbCIsInR5cCI6InJlZnJlc2gifQ.FHsp7KlVXn1E5tTUiKZzmQ4of39gi57AakeQeqI0oAa8hzjFMVb0RGj-mxWTvHVen4GpgsUW_epqqaxK16viCA";

    #[test]
    fn reads_telnyx_spec_example_token() {
        let seen = inspect(SPEC_REFRESH_TOKEN).expect("decodes");
        assert_eq!(seen.algorithm.as_deref(), Some("Ed25519"));
        assert_eq!(seen.kind.as_deref(), Some("refresh"));
        assert_eq!(
            seen.room_id,
            Uuid::try_parse("9e2a0cbe-ce66-411e-a1ac-468f0b103c9a").ok()
        );
        assert_eq!(
            seen.subject.as_deref(),
            Some("telnyx:users:782b2cbe-8466-4e3f-a4d3-9781eb577e50")
        );
        assert_eq!(seen.issued_at.map(|t| t.timestamp()), Some(1_619_093_695));
        assert_eq!(seen.not_before.map(|t| t.timestamp()), Some(1_619_093_694));
        assert_eq!(seen.expires_at.map(|t| t.timestamp()), Some(1_619_093_705));
        assert_eq!(seen.issuer.as_deref(), Some("telnyx_access_token"));
        assert_eq!(
            seen.token_id.as_deref(),
            Some("d79be38c-ad54-4d9d-a878-a165c5940d07")
        );
    }

    #[test]
    fn tolerates_missing_claims() {
        let token = format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS512"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"typ":"access","exp":"soon"}"#)
        );
        let seen = inspect(&token).expect("decodes");
        assert_eq!(seen.kind.as_deref(), Some("access"));
        assert_eq!(seen.expires_at, None);
        assert_eq!(seen.room_id, None);
    }

    #[test]
    fn refuses_what_is_not_a_jwt() {
        for token in ["", "abc", "a.b", "a.b.c.d", "!!.??.x", "e30.W10.x"] {
            let failure = inspect(token).expect_err(token);
            assert_eq!(failure.exit_code(), 2, "{token}");
        }
    }
}
