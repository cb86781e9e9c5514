//! The checks before I/O: bounds and ids.
use std::time::Duration;

use telnyx_rooms_gen::operations::create_room_client_token;
use uuid::Uuid;

use super::*;

#[test]
fn ttl_bounds_come_from_the_spec() {
    let token_ttl = &create_room_client_token::body::TOKEN_TTL_SECS;
    let refresh_ttl = &create_room_client_token::body::REFRESH_TOKEN_TTL_SECS;
    let secs = Duration::from_secs;
    assert_eq!(seconds(token_ttl, None).expect("unset"), None);
    assert_eq!(seconds(token_ttl, Some(secs(10))).expect("min"), Some(10));
    assert_eq!(
        seconds(token_ttl, Some(secs(3600))).expect("max"),
        Some(3600)
    );
    assert_eq!(
        seconds(refresh_ttl, Some(secs(86_400))).expect("max"),
        Some(86_400)
    );
    for (field, bad) in [
        (token_ttl, secs(9)),
        (token_ttl, secs(3601)),
        (refresh_ttl, secs(59)),
        (refresh_ttl, secs(86_401)),
        (token_ttl, Duration::MAX),
    ] {
        let error = seconds(field, Some(bad)).expect_err("out of range");
        assert_eq!(error.kind(), ErrorKind::InvalidRequest);
        assert_eq!(error.field(), Some(setting_name(field)));
        assert_eq!(error.wire_field(), Some(field.name));
        assert_eq!(error.attempts(), 0);
    }
    let message = seconds(token_ttl, Some(secs(5)))
        .expect_err("below")
        .to_string();
    assert_eq!(
        message,
        "invalid request: token_ttl = 5 s is outside the range the API accepts (10..=3600 s)"
    );
    let fractional =
        seconds(token_ttl, Some(Duration::from_millis(10_500))).expect_err("fractional");
    assert!(
        fractional.to_string().contains("whole number of seconds"),
        "{fractional}"
    );
}

#[test]
fn ids_parse_or_fail_with_a_named_field() {
    let room = Uuid::parse_str("0ccc7b54-4df3-4bca-a65a-3da1ecc777f0").expect("uuid");
    assert_eq!(id(room, "room_id").expect("uuid"), room);
    let borrowed: &Uuid = &room;
    assert_eq!(id(borrowed, "room_id").expect("&uuid"), room);
    let padded = " 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 ";
    assert_eq!(id(padded, "room_id").expect("str"), room);
    assert_eq!(id(room.to_string(), "room_id").expect("String"), room);
    let error = id("session-1", "session_id").expect_err("not a uuid");
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert_eq!(
        (error.field(), error.wire_field()),
        (Some("session_id"), Some("session_id"))
    );
    assert!(
        error.to_string().contains("session id is not a UUID"),
        "{error}"
    );
    assert!(std::error::Error::source(&error).is_some());
}

#[test]
fn query_and_body_values_are_checked_against_the_spec() {
    use telnyx_rooms_gen::operations::{CREATE_ROOM, LIST_ROOMS};
    use telnyx_rooms_gen::types::CreateRoomRequest;

    assert!(page_size(&LIST_ROOMS, Some(250)).is_ok());
    let error = page_size(&LIST_ROOMS, Some(251)).expect_err("above 250");
    assert_eq!(
        (error.field(), error.wire_field()),
        (Some("page_size"), Some("page[size]"))
    );
    assert_eq!(
        error.to_string(),
        "invalid request: page_size = 251 is outside the range the API accepts (1..=250)"
    );
    let room = |max| CreateRoomRequest {
        max_participants: Some(max),
        ..CreateRoomRequest::default()
    };
    assert!(body(&CREATE_ROOM, &room(50)).is_ok());
    let error = body(&CREATE_ROOM, &room(51)).expect_err("above 50");
    assert_eq!(error.field(), Some("max_participants"));
    assert!(error.to_string().contains("(2..=50)"), "{error}");
}
