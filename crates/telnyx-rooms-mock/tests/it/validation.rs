//! The mock's request validation, derived from the spec: JSON syntax and media type, field types,
//! integers as JSON Schema reads them, required fields and bounds.

use crate::support::{ANSWERED, Answer, CREATE, Call, REFRESH, ROOM, create};
use serde_json::{Value, json};
use telnyx_rooms_core::meta::{FieldKind, Operation};
use telnyx_rooms_mock::MockServer;

#[tokio::test]
async fn malformed_json_is_400_and_a_non_object_body_422() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    for operation in &ANSWERED {
        let answer = Call::new(&server, operation, ROOM)
            .raw("{\"token_ttl_secs\": ", "application/json")
            .await;
        assert_eq!(answer.status, 400);
        assert_eq!(answer.error(0, "code"), "10023");
        assert_eq!(answer.source(), json!({"pointer": ""}));

        let answer = Call::new(&server, operation, ROOM)
            .json(json!([1, 2]))
            .await;
        assert_eq!(answer.status, 422);
        assert_eq!(answer.error(0, "code"), "10020");

        let answer = Call::new(&server, operation, ROOM)
            .raw("", "application/json")
            .await;
        assert_eq!(
            answer.status, 400,
            "an empty body where the spec requires one"
        );
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_by_media_type_is_415() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let answer = Call::new(&server, &CREATE, ROOM)
        .raw("token_ttl_secs=60", "application/x-www-form-urlencoded")
        .await;
    assert_eq!(answer.status, 415);
    assert_eq!(answer.error(0, "code"), "10014");
    let answer = Call::new(&server, &CREATE, ROOM)
        .raw("{}", "application/json; charset=utf-8")
        .await;
    assert_eq!(answer.status, 201);
}

/// A JSON value of a different type than `kind`.
fn wrong_type_for(kind: FieldKind) -> Value {
    match kind {
        FieldKind::String => json!(42),
        _ => json!("600"),
    }
}

/// A body every field of which is valid (refresh needs a live refresh token).
async fn valid_body(server: &MockServer, operation: &Operation) -> serde_json::Map<String, Value> {
    let mut body = serde_json::Map::new();
    for field in operation.body_fields.iter().filter(|f| f.required) {
        let value = if field.kind == FieldKind::String {
            json!(create(server, ROOM, json!({})).await.data("refresh_token"))
        } else {
            json!(field.minimum.unwrap_or(1))
        };
        body.insert(field.name.to_owned(), value);
    }
    body
}

#[tokio::test]
async fn every_field_of_the_wrong_type_is_reported_with_its_pointer() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    for operation in &ANSWERED {
        let mut body = valid_body(&server, operation).await;
        for field in operation.body_fields {
            body.insert(field.name.to_owned(), wrong_type_for(field.kind));
        }
        let answer = Call::new(&server, operation, ROOM)
            .json(Value::Object(body))
            .await;
        assert_eq!(answer.status, 422, "{}", answer.text);
        let errors = answer.json()["errors"].as_array().expect("errors").clone();
        let pointers: Vec<&str> = errors
            .iter()
            .map(|e| e["source"]["pointer"].as_str().expect("a pointer"))
            .collect();
        let expected: Vec<String> = operation
            .body_fields
            .iter()
            .map(|f| format!("/{}", f.name))
            .collect();
        assert_eq!(pointers, expected, "{}", operation.operation_id);
        assert!(errors.iter().all(|e| e["code"] == "10020"));
    }
}

#[tokio::test]
async fn fractional_numbers_and_null_are_not_integers() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    for value in [json!(600.5), Value::Null, json!(true), json!("600")] {
        let answer = Call::new(&server, &CREATE, ROOM)
            .json(json!({"token_ttl_secs": value}))
            .await;
        assert_eq!(answer.status, 422, "{value}");
        assert_eq!(answer.error(0, "code"), "10020", "{value}: a type error");
        assert_eq!(answer.source(), json!({"pointer": "/token_ttl_secs"}));
    }
}

/// Creates a token with `token_ttl_secs` written as `text` in the JSON body.
async fn create_with_ttl_text(server: &telnyx_rooms_mock::MockServer, text: &str) -> Answer {
    Call::new(server, &CREATE, ROOM)
        .raw(
            &format!(r#"{{"token_ttl_secs": {text}}}"#),
            "application/json",
        )
        .await
}

/// JSON Schema 2020-12, the spec's dialect: an integer is a number with a zero fractional part,
/// in any notation, of any magnitude.
#[tokio::test]
async fn integers_are_judged_as_json_schema_does() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    for text in ["600", "600.0", "6e2", "6.0E+2", "60000e-2"] {
        let answer = create_with_ttl_text(&server, text).await;
        assert_eq!(answer.status, 201, "{text}: {}", answer.text);
        let token = answer.data("token");
        let claims = server
            .verify_token(
                &token,
                telnyx_rooms_mock::TokenKind::Client,
                ROOM.parse().expect("uuid"),
            )
            .expect("a valid token");
        assert_eq!(claims.exp - claims.iat, 600, "{text}");
    }
    // Integers beyond every bound: 422 with the bounds, as 3601 would be; never "fractional"
    // and never a 400 parse error.
    for text in ["99999999999999999999", "1e400", "-1e400", "3601"] {
        let answer = create_with_ttl_text(&server, text).await;
        assert_eq!(answer.status, 422, "{text}: {}", answer.text);
        assert_eq!(answer.error(0, "code"), "10015", "{text}: a bounds error");
        let detail = answer.error(0, "detail");
        assert!(
            detail
                .as_str()
                .is_some_and(|d| d.contains("between 10 and 3600")),
            "{text}: {detail}"
        );
    }
    // Numbers out of float range elsewhere in the body are still JSON: no 400.
    let answer = Call::new(&server, &CREATE, ROOM)
        .raw(
            r#"{"token_ttl_secs": 60, "unrelated": 1e400}"#,
            "application/json",
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
}

#[tokio::test]
async fn a_missing_required_field_is_422_with_its_pointer() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    for operation in &ANSWERED {
        for field in operation.body_fields.iter().filter(|f| f.required) {
            let mut body = valid_body(&server, operation).await;
            body.remove(field.name);
            let answer = Call::new(&server, operation, ROOM)
                .json(Value::Object(body))
                .await;
            assert_eq!(answer.status, 422, "{}", answer.text);
            assert_eq!(answer.error(0, "code"), "10004");
            assert_eq!(answer.source()["pointer"], format!("/{}", field.name));
        }
    }
    // The spec marks refresh_token required: the metadata must say so for the loop above to test it.
    assert!(
        REFRESH
            .body_field("refresh_token")
            .is_some_and(|f| f.required)
    );
}

#[tokio::test]
async fn integer_bounds_come_from_the_spec_and_are_inclusive() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let mut checked = 0;
    for operation in &ANSWERED {
        for field in operation
            .body_fields
            .iter()
            .filter(|f| f.kind == FieldKind::Integer)
        {
            let cases = [
                (field.minimum.map(|m| m - 1), 422),
                (field.minimum, 201),
                (field.maximum, 201),
                (field.maximum.map(|m| m + 1), 422),
            ];
            for (value, status) in cases {
                let Some(value) = value else { continue };
                let mut body = valid_body(&server, operation).await;
                body.insert(field.name.to_owned(), json!(value));
                let answer = Call::new(&server, operation, ROOM)
                    .json(Value::Object(body))
                    .await;
                assert_eq!(
                    answer.status, status,
                    "{} = {value}: {}",
                    field.name, answer.text
                );
                if status == 422 {
                    assert_eq!(answer.source()["pointer"], format!("/{}", field.name));
                    assert_eq!(answer.error(0, "code"), "10015");
                }
                checked += 1;
            }
        }
    }
    // token_ttl_secs twice and refresh_token_ttl_secs once, four cases each.
    assert_eq!(checked, 12);
}
