//! Rooms as state: rooms, the sessions and participants joins make, and the recordings and
//! compositions nothing here makes, each stored as the JSON of the spec's generated type and served
//! by verbs that fit every resource (list, view, create, update, delete), chosen from an
//! operation's method and path, never from its name.

pub(crate) mod control;
mod joins;
mod list;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use telnyx_rooms_gen::{operations, types};
use uuid::Uuid;

use crate::api_error::{ApiError, BAD_REQUEST, ErrorEntry, NOT_FOUND, Source, UNEXPECTED};
use crate::validate::{ValidRequest, with_defaults};

pub use joins::{JoinError, Participant};
pub(crate) use joins::{end_session, kick, mute, unmute};

/// The room every mock knows from the start unless told otherwise: the id of the spec's examples
/// and of the README's one-command demo.
pub const DEMO_ROOM: Uuid = Uuid::from_u128(0x0ccc7b54_4df3_4bca_a65a_3da1ecc777f0);

/// At most this many rooms are kept; creating another is refused (422) until one is deleted.
pub(crate) const MAX_ROOMS: usize = 1_000;
/// At most this many sessions are kept; the oldest ended one (with its participants) makes room.
pub(crate) const MAX_SESSIONS: usize = 4_096;
/// At most this many participants are kept; the oldest who left makes room.
pub(crate) const MAX_PARTICIPANTS: usize = 16_384;

/// A stored resource: the JSON its generated type writes, plus keys of the mock's own that the
/// type drops when it is answered (a participant's `muted`, its `room_id`).
pub(crate) type Record = Map<String, Value>;

/// One kind of resource, named as its operations' paths name it.
#[derive(Debug)]
pub(crate) struct Kind {
    /// The first segment of its operations' paths (`room_sessions`).
    pub(crate) collection: &'static str,
    /// The last segment of a list of them under a parent, and the parent's field holding them
    /// (`sessions`, as in `/rooms/{room_id}/sessions` and `include_sessions`).
    pub(crate) plural: &'static str,
    /// Its `record_type`, as the examples of the spec's schemas write it.
    record_type: &'static str,
    /// The field by which other records name one of these (`session_id`).
    pub(crate) link: &'static str,
    /// At most this many are kept.
    cap: usize,
    /// Why the API cannot create one here, if it cannot.
    not_created: Option<&'static str>,
    /// The spec's component schema (`RoomSession`), which the operations' metadata names as what
    /// they answer; `shape` is its generated type.
    pub(crate) schema: &'static str,
    /// A record as the spec's generated type writes it (a round trip through that type).
    shape: fn(Value) -> serde_json::Result<Value>,
}

fn shape<T: Serialize + DeserializeOwned>(value: Value) -> serde_json::Result<Value> {
    serde_json::to_value(serde_json::from_value::<T>(value)?)
}

pub(crate) const ROOMS: usize = 0;
pub(crate) const SESSIONS: usize = 1;
pub(crate) const PARTICIPANTS: usize = 2;

/// Every kind the Video API serves, indexed by [`ROOMS`], [`SESSIONS`], [`PARTICIPANTS`].
pub(crate) static KINDS: [Kind; 5] = [
    Kind {
        collection: "rooms",
        plural: "rooms",
        record_type: "room",
        link: "room_id",
        cap: MAX_ROOMS,
        not_created: None,
        schema: "Room",
        shape: shape::<types::Room>,
    },
    Kind {
        collection: "room_sessions",
        plural: "sessions",
        record_type: "room_session",
        link: "session_id",
        cap: MAX_SESSIONS,
        not_created: None,
        schema: "RoomSession",
        shape: shape::<types::RoomSession>,
    },
    Kind {
        collection: "room_participants",
        plural: "participants",
        record_type: "room_participant",
        link: "participant_id",
        cap: MAX_PARTICIPANTS,
        not_created: None,
        schema: "RoomParticipant",
        shape: shape::<types::RoomParticipant>,
    },
    Kind {
        collection: "room_recordings",
        plural: "recordings",
        record_type: "room_recording",
        link: "recording_id",
        cap: 0,
        not_created: None,
        schema: "RoomRecording",
        shape: shape::<types::RoomRecording>,
    },
    Kind {
        collection: "room_compositions",
        plural: "compositions",
        record_type: "room_composition",
        link: "composition_id",
        cap: 0,
        not_created: Some(
            "telnyx-rooms-mock records nothing, so no session has recordings to compose.",
        ),
        schema: "RoomComposition",
        shape: shape::<types::RoomComposition>,
    },
];

/// The kind whose operations' paths start with `collection`, or whose lists are called `plural`.
pub(crate) fn kind_named(name: &str) -> Option<usize> {
    KINDS
        .iter()
        .position(|kind| kind.collection == name || kind.plural == name)
}

/// The field a name must be unique in, within its kind ("unique within the Telnyx account scope").
const UNIQUE_FIELD: &str = "unique_name";

/// Every record of one server, oldest first per kind.
#[derive(Debug)]
pub(crate) struct State {
    /// Each kind's records by id, oldest first.
    tables: [IndexMap<Uuid, Record>; 5],
    /// How many of each kind are kept (the kinds' caps; smaller in unit tests).
    caps: [usize; 5],
}

impl State {
    /// An empty state, or one holding [`DEMO_ROOM`] created at `demo_room_at`.
    pub(crate) fn new(demo_room_at: Option<DateTime<Utc>>) -> Self {
        let mut state = Self {
            tables: Default::default(),
            caps: KINDS.each_ref().map(|kind| kind.cap),
        };
        if let Some(now) = demo_room_at {
            let body = Map::from_iter([(UNIQUE_FIELD.to_owned(), Value::from("demo"))]);
            let body = with_defaults(operations::CREATE_ROOM.body_fields, body);
            let record = stamped(ROOMS, DEMO_ROOM, body, now);
            state.insert(ROOMS, DEMO_ROOM, record);
        }
        state
    }

    pub(crate) fn get(&self, kind: usize, id: Uuid) -> Option<&Record> {
        self.tables[kind].get(&id)
    }

    fn get_mut(&mut self, kind: usize, id: Uuid) -> Option<&mut Record> {
        self.tables[kind].get_mut(&id)
    }

    fn insert(&mut self, kind: usize, id: Uuid, record: Record) {
        self.tables[kind].insert(id, record);
    }

    /// The records of `kind`, with their ids, that name `id` in their field `link` (`room_id`).
    fn named_by(
        &self,
        kind: usize,
        link: &str,
        id: Uuid,
    ) -> impl Iterator<Item = (&Uuid, &Record)> {
        // Ids are stored as `Uuid` writes them: compare text, not parsed values, in this loop.
        let id = id.to_string();
        self.tables[kind].iter().filter(move |(_, record)| {
            record.get(link).and_then(Value::as_str) == Some(id.as_str())
        })
    }

    /// `POST /collection`: a record made of the valid body, the spec's defaults and the server's
    /// own fields.
    pub(crate) fn create(
        &mut self,
        kind: usize,
        body: &Record,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        let spec = &KINDS[kind];
        if let Some(reason) = spec.not_created {
            return Err(unprocessable(reason.to_owned(), None));
        }
        if self.tables[kind].len() >= self.caps[kind] {
            return Err(unprocessable(
                format!(
                    "telnyx-rooms-mock holds at most {} {}; delete one first.",
                    self.caps[kind], spec.plural
                ),
                None,
            ));
        }
        self.check_unique(kind, None, body)?;
        let id = Uuid::new_v4();
        let record = normalised(kind, stamped(kind, id, body.clone(), now))?;
        self.insert(kind, id, record);
        self.view(kind, id, None)
    }

    /// `GET /collection/{id}`.
    pub(crate) fn view(
        &self,
        kind: usize,
        id: Uuid,
        request: Option<&ValidRequest>,
    ) -> Result<Value, ApiError> {
        let record = self.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        Ok(json!({ "data": self.present(kind, id, record, request)? }))
    }

    /// `PATCH /collection/{id}`: the fields the body names replace the record's.
    pub(crate) fn update(
        &mut self,
        kind: usize,
        id: Uuid,
        body: &Record,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        if self.get(kind, id).is_none() {
            return Err(not_found(kind, id));
        }
        self.check_unique(kind, Some(id), body)?;
        let record = self.get_mut(kind, id).ok_or_else(|| not_found(kind, id))?;
        let mut updated = record.clone();
        updated.extend(body.clone());
        updated.insert("updated_at".to_owned(), timestamp(now));
        *record = normalised(kind, updated)?;
        self.view(kind, id, None)
    }

    /// `DELETE /collection/{id}`: the record and every record that names it, in every kind.
    pub(crate) fn delete(&mut self, kind: usize, id: Uuid) -> Result<Value, ApiError> {
        if self.get(kind, id).is_none() {
            return Err(not_found(kind, id));
        }
        self.remove(kind, &[id]);
        Ok(Value::Null)
    }

    /// `DELETE /collection`: every record the filters select; answers how many went.
    pub(crate) fn delete_selected(
        &mut self,
        kind: usize,
        request: &ValidRequest,
    ) -> Result<Value, ApiError> {
        let selected: Vec<Uuid> = self.tables[kind]
            .iter()
            .filter(|(_, record)| list::passes(record, request))
            .map(|(id, _)| *id)
            .collect();
        let removed = self.remove(kind, &selected);
        Ok(json!({ "data": { KINDS[kind].collection: removed } }))
    }

    /// Removes `ids` of `kind` and, kind by kind, whatever names a removed record.
    fn remove(&mut self, kind: usize, ids: &[Uuid]) -> usize {
        if ids.is_empty() {
            return 0;
        }
        let before = self.tables[kind].len();
        let set: std::collections::HashSet<Uuid> = ids.iter().copied().collect();
        self.tables[kind].retain(|id, _| !set.contains(id));
        let removed = before - self.tables[kind].len();
        // Ids are stored as `Uuid` writes them: compare text, not parsed values, in this loop.
        let texts: std::collections::HashSet<String> = ids.iter().map(Uuid::to_string).collect();
        let link = KINDS[kind].link;
        for child in (0..KINDS.len()).filter(|child| *child != kind) {
            let named: Vec<Uuid> = self.tables[child]
                .iter()
                .filter(|(_, record)| {
                    record
                        .get(link)
                        .and_then(Value::as_str)
                        .is_some_and(|id| texts.contains(id))
                })
                .map(|(id, _)| *id)
                .collect();
            self.remove(child, &named);
        }
        removed
    }

    /// A record as answered: the spec's shape, with the children an `include_…` parameter asks
    /// for (`include_sessions=true` on a room: its sessions).
    fn present(
        &self,
        kind: usize,
        id: Uuid,
        record: &Record,
        request: Option<&ValidRequest>,
    ) -> Result<Value, ApiError> {
        let mut record = record.clone();
        let included = request
            .into_iter()
            .flat_map(ValidRequest::query)
            .filter_map(|(name, value)| {
                let plural = name.strip_prefix("include_")?;
                (value == &Value::Bool(true)).then_some(plural)
            });
        for plural in included {
            let Some(child) = kind_named(plural) else {
                continue;
            };
            let link = KINDS[kind].link;
            let children = self
                .named_by(child, link, id)
                .map(|(_, record)| shaped(child, record))
                .collect::<Result<Vec<_>, _>>()?;
            record.insert(plural.to_owned(), Value::Array(children));
        }
        shaped(kind, &record)
    }

    fn check_unique(
        &self,
        kind: usize,
        except: Option<Uuid>,
        body: &Record,
    ) -> Result<(), ApiError> {
        let Some(name) = body.get(UNIQUE_FIELD).filter(|name| !name.is_null()) else {
            return Ok(());
        };
        let taken = self.tables[kind]
            .iter()
            .find(|(id, record)| Some(**id) != except && record.get(UNIQUE_FIELD) == Some(name));
        match taken {
            Some((id, _)) => Err(unprocessable(
                format!("`{UNIQUE_FIELD}` {name} is taken by {} {}.", noun(kind), id),
                Some(UNIQUE_FIELD),
            )),
            None => Ok(()),
        }
    }
}

/// `record` with the server's own fields: id, record type, creation and update times.
fn stamped(kind: usize, id: Uuid, mut record: Record, now: DateTime<Utc>) -> Record {
    record.insert("id".to_owned(), Value::from(id.to_string()));
    record.insert(
        "record_type".to_owned(),
        Value::from(KINDS[kind].record_type),
    );
    record.insert("created_at".to_owned(), timestamp(now));
    record.insert("updated_at".to_owned(), timestamp(now));
    record
}

pub(crate) fn timestamp(at: DateTime<Utc>) -> Value {
    // As chrono writes it through serde, so stored and answered times read alike.
    Value::from(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// The id `record` names in its field `link` (`room_id`), if any.
fn linked_id(record: &Record, link: &str) -> Option<Uuid> {
    record
        .get(link)
        .and_then(Value::as_str)
        .and_then(|id| Uuid::try_parse(id).ok())
}

/// `record` after a round trip through its generated type: what would be answered, stored.
fn normalised(kind: usize, record: Record) -> Result<Record, ApiError> {
    match shaped(kind, &record)? {
        Value::Object(record) => Ok(record),
        _ => Err(internal(format!("a {} is not an object", noun(kind)))),
    }
}

fn shaped(kind: usize, record: &Record) -> Result<Value, ApiError> {
    let spec = &KINDS[kind];
    (spec.shape)(Value::Object(record.clone())).map_err(|err| {
        internal(format!(
            "a stored {} does not fit the spec's {}: {err}",
            noun(kind),
            spec.schema
        ))
    })
}

/// How an error message names one record of `kind` (`room session`).
fn noun(kind: usize) -> String {
    KINDS[kind].record_type.replace('_', " ")
}

pub(crate) fn not_found(kind: usize, id: Uuid) -> ApiError {
    ApiError::one(
        StatusCode::NOT_FOUND,
        ErrorEntry::new(NOT_FOUND, format!("No {} has the id {id}.", noun(kind))),
    )
}

fn unprocessable(detail: String, field: Option<&str>) -> ApiError {
    let entry = ErrorEntry::new(BAD_REQUEST, detail);
    let entry = match field {
        Some(field) => entry.at(Source::Pointer(format!("/{field}"))),
        None => entry,
    };
    ApiError::one(StatusCode::UNPROCESSABLE_ENTITY, entry)
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests;

fn internal(detail: String) -> ApiError {
    ApiError::one(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorEntry::new(UNEXPECTED, detail),
    )
}
