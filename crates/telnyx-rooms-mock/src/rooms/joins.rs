//! Sessions and participants, which only joins make: a participant joining a room (simulated by
//! [`MockServer::join`] or the control endpoint), leaving it, and the session actions of the API —
//! end, kick, mute and unmute — that change them.
//!
//! A join opens the room's session when none is active; the session ends when its last
//! participant leaves or is kicked, or when it is ended. A room holds at most its
//! `max_participants` present at once.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use telnyx_rooms_gen::types::{ActionsParticipantsRequest, ActionsParticipantsRequestParticipants};
use uuid::Uuid;

use super::{KINDS, PARTICIPANTS, ROOMS, Record, SESSIONS, State, not_found, stamped, timestamp};
use crate::api_error::{ApiError, ErrorEntry, INVALID_TYPE, Source};
use crate::server::{MockServer, Shared};
use crate::validate::ValidRequest;

/// The longest `context` a simulated participant may carry, in bytes.
pub(crate) const MAX_CONTEXT_BYTES: usize = 1024;
/// What a participant holds only in the mock (Telnyx's `RoomParticipant` has no such field).
const MUTED: &str = "muted";
/// What a session holds only in the mock: how many of its participants are present, so a join
/// need not count them (Telnyx's `RoomSession` has no such field).
const PRESENT: &str = "present";

/// A participant as the mock holds it: the spec's `RoomParticipant` fields, its room, and whether
/// it is muted (which Telnyx's API does not report).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// Its id (`room_participant_id` of the API).
    pub id: Uuid,
    /// The session it joined.
    pub session_id: Uuid,
    /// The room of that session.
    pub room_id: Uuid,
    /// What the client gave it to tell it apart (e.g. a user name).
    pub context: Option<String>,
    /// When it joined, on the server's clock.
    pub joined_at: DateTime<Utc>,
    /// When it left or was kicked; `None` while present.
    pub left_at: Option<DateTime<Utc>>,
    /// Whether a mute action silenced it (and no unmute since).
    pub muted: bool,
}

impl Participant {
    /// Whether it is still in the session.
    pub fn is_present(&self) -> bool {
        self.left_at.is_none()
    }

    fn from_record(id: Uuid, record: &Record) -> Option<Self> {
        let id_of = |field| super::linked_id(record, field);
        let time = |field: &str| {
            record
                .get(field)
                .and_then(Value::as_str)
                .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                .map(|at| at.with_timezone(&Utc))
        };
        Some(Self {
            id,
            session_id: id_of(KINDS[SESSIONS].link)?,
            room_id: id_of(KINDS[ROOMS].link)?,
            context: record
                .get("context")
                .and_then(Value::as_str)
                .map(str::to_owned),
            joined_at: time("joined_at")?,
            left_at: time("left_at"),
            muted: record.get(MUTED) == Some(&Value::Bool(true)),
        })
    }
}

/// Why a simulated join or leave did not happen.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    /// The mock holds no room with this id.
    #[error("no room has the id {0}")]
    UnknownRoom(Uuid),
    /// The mock holds no participant with this id.
    #[error("no room participant has the id {0}")]
    UnknownParticipant(Uuid),
    /// The room already holds its `max_participants`; Telnyx rejects who joins beyond it.
    #[error("room {room_id} is full: {max_participants} participants are present")]
    RoomFull {
        /// The room.
        room_id: Uuid,
        /// Its `max_participants`.
        max_participants: i64,
    },
    /// The `context` is longer than the mock keeps.
    #[error("the context is {0} bytes long; at most {max} are kept", max = MAX_CONTEXT_BYTES)]
    ContextTooLong(usize),
    /// The mock holds as many sessions or participants as it keeps, and none has ended or left
    /// to make room.
    #[error("telnyx-rooms-mock holds as many {0} as it keeps, all of them live")]
    AtCapacity(&'static str),
}

impl MockServer {
    /// Simulates a participant joining `room_id` (as Telnyx's video SDK does with a client
    /// token), with an optional `context`: opens the room's session if none is active. The
    /// session and the participant are then served by the API's session and participant
    /// operations, and changed by its end, kick, mute and unmute actions.
    pub fn join(&self, room_id: Uuid, context: Option<&str>) -> Result<Participant, JoinError> {
        let now = self.shared.time_source.now_utc();
        self.shared.state().join(room_id, context, now)
    }

    /// Simulates participant `participant_id` leaving; the session ends if it was the last one
    /// present. Leaving twice changes nothing.
    pub fn leave(&self, participant_id: Uuid) -> Result<Participant, JoinError> {
        let now = self.shared.time_source.now_utc();
        self.shared.state().leave(participant_id, now)
    }

    /// The participant `participant_id`, present or gone, if the mock still holds it.
    pub fn participant(&self, participant_id: Uuid) -> Option<Participant> {
        self.shared.state().participant(participant_id)
    }
}

impl State {
    pub(crate) fn join(
        &mut self,
        room_id: Uuid,
        context: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Participant, JoinError> {
        if let Some(len) = context.map(str::len).filter(|len| *len > MAX_CONTEXT_BYTES) {
            return Err(JoinError::ContextTooLong(len));
        }
        let room = self
            .get(ROOMS, room_id)
            .ok_or(JoinError::UnknownRoom(room_id))?;
        let max = room.get("max_participants").and_then(Value::as_i64);
        let active = super::linked_id(room, "active_session_id");
        let session_id = match active {
            Some(session_id) => session_id,
            None => self.open_session(room_id, now)?,
        };
        let present = self.present_count(session_id);
        if let Some(max) = max.filter(|max| present >= *max) {
            return Err(JoinError::RoomFull {
                room_id,
                max_participants: max,
            });
        }
        self.make_room(PARTICIPANTS, "left_at")?;
        let id = Uuid::new_v4();
        let mut record = Record::new();
        record.insert("session_id".to_owned(), Value::from(session_id.to_string()));
        record.insert("room_id".to_owned(), Value::from(room_id.to_string()));
        if let Some(context) = context {
            record.insert("context".to_owned(), Value::from(context));
        }
        record.insert("joined_at".to_owned(), timestamp(now));
        record.insert(MUTED.to_owned(), Value::Bool(false));
        let record = stamped(PARTICIPANTS, id, record, now);
        self.insert(PARTICIPANTS, id, record);
        if let Some(session) = self.get_mut(SESSIONS, session_id) {
            session.insert(PRESENT.to_owned(), Value::from(present.saturating_add(1)));
            session.insert("updated_at".to_owned(), timestamp(now));
        }
        self.participant(id)
            .ok_or(JoinError::UnknownParticipant(id))
    }

    pub(crate) fn leave(
        &mut self,
        participant_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Participant, JoinError> {
        let participant = self
            .participant(participant_id)
            .ok_or(JoinError::UnknownParticipant(participant_id))?;
        if participant.is_present() {
            self.depart(&[participant_id], now);
        }
        self.participant(participant_id)
            .ok_or(JoinError::UnknownParticipant(participant_id))
    }

    pub(crate) fn participant(&self, id: Uuid) -> Option<Participant> {
        Participant::from_record(id, self.get(PARTICIPANTS, id)?)
    }

    /// A new active session of `room_id`, named by the room as its `active_session_id`.
    fn open_session(&mut self, room_id: Uuid, now: DateTime<Utc>) -> Result<Uuid, JoinError> {
        self.make_room(SESSIONS, "ended_at")?;
        let id = Uuid::new_v4();
        let mut record = Record::new();
        record.insert("room_id".to_owned(), Value::from(room_id.to_string()));
        record.insert("active".to_owned(), Value::Bool(true));
        record.insert(PRESENT.to_owned(), Value::from(0));
        self.insert(SESSIONS, id, stamped(SESSIONS, id, record, now));
        if let Some(room) = self.get_mut(ROOMS, room_id) {
            room.insert("active_session_id".to_owned(), Value::from(id.to_string()));
            room.insert("updated_at".to_owned(), timestamp(now));
        }
        Ok(id)
    }

    /// At the cap of `kind`, forgets its oldest record that has `done` (ended, left).
    fn make_room(&mut self, kind: usize, done: &str) -> Result<(), JoinError> {
        if self.tables[kind].len() < self.caps[kind] {
            return Ok(());
        }
        let oldest_done = self.tables[kind]
            .iter()
            .find(|(_, record)| record.contains_key(done))
            .map(|(id, _)| *id)
            .ok_or(JoinError::AtCapacity(KINDS[kind].plural))?;
        self.remove(kind, &[oldest_done]);
        Ok(())
    }

    /// The participants of `session_id` still present.
    fn present_in(&self, session_id: Uuid) -> Vec<Uuid> {
        self.named_by(PARTICIPANTS, KINDS[SESSIONS].link, session_id)
            .filter(|(_, record)| !record.contains_key("left_at"))
            .map(|(id, _)| *id)
            .collect()
    }

    /// How many participants of `session_id` are present.
    fn present_count(&self, session_id: Uuid) -> i64 {
        self.get(SESSIONS, session_id)
            .and_then(|session| session.get(PRESENT))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    }

    /// `participants` (present ones) leave; a session left empty ends.
    fn depart(&mut self, participants: &[Uuid], now: DateTime<Utc>) {
        for id in participants {
            let Some(record) = self.get_mut(PARTICIPANTS, *id) else {
                continue;
            };
            if record.contains_key("left_at") {
                continue;
            }
            record.insert("left_at".to_owned(), timestamp(now));
            record.insert("updated_at".to_owned(), timestamp(now));
            let Some(session_id) = super::linked_id(record, KINDS[SESSIONS].link) else {
                continue;
            };
            let present = self.present_count(session_id).saturating_sub(1).max(0);
            if let Some(session) = self.get_mut(SESSIONS, session_id) {
                session.insert(PRESENT.to_owned(), Value::from(present));
            }
            if present == 0 {
                self.close_session(session_id, now);
            }
        }
    }

    /// Ends an active session: it is no longer its room's active session.
    fn close_session(&mut self, id: Uuid, now: DateTime<Utc>) {
        let Some(session) = self.get_mut(SESSIONS, id) else {
            return;
        };
        if session.get("active") != Some(&Value::Bool(true)) {
            return;
        }
        session.insert("active".to_owned(), Value::Bool(false));
        session.insert("ended_at".to_owned(), timestamp(now));
        session.insert("updated_at".to_owned(), timestamp(now));
        let room_id = super::linked_id(session, KINDS[ROOMS].link);
        if let Some(room) = room_id.and_then(|room| self.get_mut(ROOMS, room)) {
            room.remove("active_session_id");
            room.insert("updated_at".to_owned(), timestamp(now));
        }
    }
}

/// What a session action does to each participant it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Kick,
    Mute,
    Unmute,
}

/// `POST /room_sessions/{id}/actions/end`: every participant leaves and the session ends.
pub(crate) fn end_session(shared: &Shared, request: &ValidRequest) -> Result<Value, ApiError> {
    let now = shared.time_source.now_utc();
    let mut state = shared.state();
    let id = session_of(&state, request)?;
    let present = state.present_in(id);
    state.depart(&present, now);
    state.close_session(id, now);
    Ok(done())
}

/// `POST /room_sessions/{id}/actions/kick`.
pub(crate) fn kick(shared: &Shared, request: &ValidRequest) -> Result<Value, ApiError> {
    act(shared, request, Act::Kick)
}

/// `POST /room_sessions/{id}/actions/mute`.
pub(crate) fn mute(shared: &Shared, request: &ValidRequest) -> Result<Value, ApiError> {
    act(shared, request, Act::Mute)
}

/// `POST /room_sessions/{id}/actions/unmute`.
pub(crate) fn unmute(shared: &Shared, request: &ValidRequest) -> Result<Value, ApiError> {
    act(shared, request, Act::Unmute)
}

/// A session action on the participants the body names (`"all"` or a list of ids) but those it
/// excludes; ids that are not present in the session are passed over.
fn act(shared: &Shared, request: &ValidRequest, act: Act) -> Result<Value, ApiError> {
    let body: ActionsParticipantsRequest =
        serde_json::from_value(Value::Object(request.body().clone())).map_err(|err| {
            ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorEntry::new(
                    INVALID_TYPE,
                    format!("`participants` must be \"all\" or a list of participant ids: {err}."),
                )
                .at(Source::Pointer("/participants".to_owned())),
            )
        })?;
    let now = shared.time_source.now_utc();
    let mut state = shared.state();
    let session = session_of(&state, request)?;
    let present = state.present_in(session);
    let named: Vec<Uuid> = match &body.participants {
        Some(ActionsParticipantsRequestParticipants::String(_)) => present,
        Some(ActionsParticipantsRequestParticipants::Array(ids)) => {
            present.into_iter().filter(|id| ids.contains(id)).collect()
        }
        None => Vec::new(),
    };
    let targets: Vec<Uuid> = named
        .into_iter()
        .filter(|id| !body.exclude.contains(id))
        .collect();
    match act {
        Act::Kick => state.depart(&targets, now),
        Act::Mute | Act::Unmute => {
            for id in &targets {
                if let Some(record) = state.get_mut(PARTICIPANTS, *id) {
                    record.insert(MUTED.to_owned(), Value::Bool(act == Act::Mute));
                    record.insert("updated_at".to_owned(), timestamp(now));
                }
            }
        }
    }
    Ok(done())
}

/// The session the request's path names, which must exist.
fn session_of(state: &State, request: &ValidRequest) -> Result<Uuid, ApiError> {
    let (_, id) = request
        .id()
        .ok_or_else(|| super::internal("a session action without a session id".to_owned()))?;
    state
        .get(SESSIONS, id)
        .map(|_| id)
        .ok_or_else(|| not_found(SESSIONS, id))
}

/// The body of a session action that was carried out.
fn done() -> Value {
    json!({ "data": { "result": "ok" } })
}
