//! Memory stays bounded: what the state keeps at its caps (made small here), and what it forgets.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{JoinError, PARTICIPANTS, ROOMS, SESSIONS, State};

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + secs, 0).expect("in range")
}

fn room(state: &mut State) -> Uuid {
    let created = state.create(ROOMS, &Map::new(), at(0)).expect("created");
    created["data"]["id"]
        .as_str()
        .and_then(|id| Uuid::try_parse(id).ok())
        .expect("an id")
}

#[test]
fn at_the_participant_cap_the_oldest_who_left_makes_room() {
    let mut state = State::new(None);
    state.caps[PARTICIPANTS] = 3;
    let room = room(&mut state);
    let [a, b, c] = [1, 2, 3].map(|n| state.join(room, None, at(n)).expect("joins").id);
    // All three present: nothing may be forgotten.
    assert_eq!(
        state.join(room, None, at(4)),
        Err(JoinError::AtCapacity("participants"))
    );
    state.leave(b, at(5)).expect("leaves");
    state.leave(a, at(6)).expect("leaves");
    let d = state.join(room, None, at(7)).expect("a place is made");
    // Of those who left, the one that joined first is forgotten (whoever left first).
    assert_eq!(state.participant(a), None);
    assert!(state.participant(b).is_some() && state.participant(c).is_some());
    assert_eq!(state.tables[PARTICIPANTS].len(), 3);
    assert!(state.participant(d.id).is_some_and(|p| p.is_present()));
}

#[test]
fn at_the_session_cap_the_oldest_ended_session_goes_with_its_participants() {
    let mut state = State::new(None);
    state.caps[SESSIONS] = 2;
    let (first, second) = (room(&mut state), room(&mut state));
    let early = state.join(first, None, at(1)).expect("joins");
    let live = state.join(second, None, at(2)).expect("joins");
    let third = room(&mut state);
    assert_eq!(
        state.join(third, None, at(3)),
        Err(JoinError::AtCapacity("sessions")),
        "both sessions are active"
    );
    state
        .leave(early.id, at(4))
        .expect("ends the first session");
    let late = state
        .join(third, None, at(5))
        .expect("the ended session makes room");
    assert!(state.get(SESSIONS, early.session_id).is_none());
    assert_eq!(
        state.participant(early.id),
        None,
        "forgotten with its session"
    );
    assert!(state.get(SESSIONS, live.session_id).is_some());
    assert!(state.get(SESSIONS, late.session_id).is_some());
    let first_room = state.get(ROOMS, first).expect("the room stays");
    assert_eq!(first_room.get("active_session_id"), None);
}

#[test]
fn at_the_room_cap_creating_is_refused_until_one_is_deleted() {
    let mut state = State::new(Some(at(0)));
    state.caps[ROOMS] = 2;
    let kept = room(&mut state);
    let refused = state
        .create(ROOMS, &Map::new(), at(1))
        .expect_err("at the cap");
    assert_eq!(refused.status, 422);
    state.delete(ROOMS, kept).expect("deleted");
    room(&mut state);
    assert_eq!(state.tables[ROOMS].len(), 2);
}

#[test]
fn stored_records_are_what_their_generated_type_writes() {
    let mut state = State::new(None);
    let mut body = Map::new();
    body.insert("unique_name".to_owned(), Value::from("shaped"));
    body.insert("not_in_the_schema".to_owned(), Value::from(1));
    let created = state.create(ROOMS, &body, at(0)).expect("created");
    assert_eq!(created["data"].get("not_in_the_schema"), None);
    let id = Uuid::try_parse(created["data"]["id"].as_str().expect("id")).expect("uuid");
    assert!(
        !state
            .get(ROOMS, id)
            .expect("held")
            .contains_key("not_in_the_schema")
    );
}
