//! What the Video Rooms operations return: [`Room`], [`RoomSession`], [`Participant`], one
//! [`Page`] of a list, and the [`Dates`] a list can be filtered by.
//!
//! The spec marks every response field optional; an object without its `id` is of no use to a
//! caller, so its absence is a decode error (status, request id), never a made-up id. Every other
//! value is kept as the API sent it — text included, except an echo of a secret the call sent,
//! which is replaced: escape text before printing it to a terminal.

use chrono::{DateTime, NaiveDate, Utc};
use telnyx_rooms_gen::types;
use uuid::Uuid;

use crate::received::Received;
use crate::response::Failure;

/// A video room.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// The room's id.
    pub id: Uuid,
    /// The name you gave it, unique in your account.
    pub unique_name: Option<String>,
    /// How many participants may join it at once.
    pub max_participants: Option<i64>,
    /// Whether sessions in it are recorded.
    pub enable_recording: Option<bool>,
    /// Where the room's webhook events are sent.
    pub webhook_event_url: Option<String>,
    /// Where they are sent when `webhook_event_url` fails.
    pub webhook_event_failover_url: Option<String>,
    /// How long Telnyx waits for your webhook endpoint, in seconds.
    pub webhook_timeout_secs: Option<i64>,
    /// The session going on in the room, if any.
    pub active_session_id: Option<Uuid>,
    /// The room's sessions, when asked for (`include_sessions`).
    pub sessions: Vec<RoomSession>,
    /// When the room was created.
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A session: the time a room is in use, from the first participant's join to the end.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSession {
    /// The session's id.
    pub id: Uuid,
    /// The room it takes place in.
    pub room_id: Option<Uuid>,
    /// Whether it is still going on.
    pub active: Option<bool>,
    /// Its participants, when asked for (`include_participants`).
    pub participants: Vec<Participant>,
    /// When it started.
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    pub updated_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
}

/// A participant of a session.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// The participant's id.
    pub id: Uuid,
    /// The session they joined.
    pub session_id: Option<Uuid>,
    /// The context you gave them (in the client token's join).
    pub context: Option<String>,
    /// When they joined.
    pub joined_at: Option<DateTime<Utc>>,
    /// When they left.
    pub left_at: Option<DateTime<Utc>>,
    /// When they last changed.
    pub updated_at: Option<DateTime<Utc>>,
}

/// One page of a list, with where it lies in the whole list (as the API reports it).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// Its number, from 1.
    pub page_number: Option<i64>,
    /// The most items a page holds.
    pub page_size: Option<i64>,
    /// How many pages the list has.
    pub total_pages: Option<i64>,
    /// How many items the list has.
    pub total_results: Option<i64>,
}

impl<T> Page<T> {
    /// Whether a page follows this one: the API says there are more pages, or (when it does not
    /// say) this one was full.
    pub fn has_next(&self) -> bool {
        match (self.page_number, self.total_pages, self.page_size) {
            (Some(number), Some(total), _) => number < total,
            (_, None, Some(size)) => !self.items.is_empty() && self.items.len() as i64 >= size,
            _ => false,
        }
    }
}

/// A filter on a date: on a day, from a day on, up to a day, or between two days (both
/// included), sent as `filter[…][eq]`, `[gte]` and `[lte]`.
///
/// ```
/// use chrono::NaiveDate;
/// use telnyx_rooms::request::Dates;
///
/// let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");
/// let december = Dates::between(day, NaiveDate::from_ymd_opt(2026, 12, 31).expect("a date"));
/// # let _ = (Dates::on(day), Dates::since(day), Dates::until(day), december);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dates {
    pub(crate) on: Option<NaiveDate>,
    pub(crate) since: Option<NaiveDate>,
    pub(crate) until: Option<NaiveDate>,
}

impl Dates {
    /// That day.
    pub fn on(day: NaiveDate) -> Self {
        Self {
            on: Some(day),
            ..Self::default()
        }
    }

    /// That day and after.
    pub fn since(day: NaiveDate) -> Self {
        Self {
            since: Some(day),
            ..Self::default()
        }
    }

    /// That day and before.
    pub fn until(day: NaiveDate) -> Self {
        Self {
            until: Some(day),
            ..Self::default()
        }
    }

    /// From `first` to `last`, both included.
    pub fn between(first: NaiveDate, last: NaiveDate) -> Self {
        Self {
            on: None,
            since: Some(first),
            until: Some(last),
        }
    }
}

/// A value of the API read into the facade's type: its `id` required, the rest kept.
pub(crate) trait FromApi<Api>: Sized {
    fn from_api(api: Api, received: &Received<'_>) -> Result<Self, Failure>;
}

impl FromApi<types::Room> for Room {
    fn from_api(room: types::Room, received: &Received<'_>) -> Result<Self, Failure> {
        Ok(Self {
            id: received.require(room.id, "data.id")?,
            unique_name: received.data_text(room.unique_name),
            max_participants: room.max_participants,
            enable_recording: room.enable_recording,
            webhook_event_url: received.data_text(room.webhook_event_url),
            webhook_event_failover_url: received.data_text(room.webhook_event_failover_url),
            webhook_timeout_secs: room.webhook_timeout_secs,
            active_session_id: room.active_session_id,
            sessions: from_api_all(room.sessions, received)?,
            created_at: room.created_at,
            updated_at: room.updated_at,
        })
    }
}

impl FromApi<types::RoomSession> for RoomSession {
    fn from_api(session: types::RoomSession, received: &Received<'_>) -> Result<Self, Failure> {
        Ok(Self {
            id: received.require(session.id, "data.id")?,
            room_id: session.room_id,
            active: session.active,
            participants: from_api_all(session.participants, received)?,
            created_at: session.created_at,
            updated_at: session.updated_at,
            ended_at: session.ended_at,
        })
    }
}

impl FromApi<types::RoomParticipant> for Participant {
    fn from_api(
        participant: types::RoomParticipant,
        received: &Received<'_>,
    ) -> Result<Self, Failure> {
        Ok(Self {
            id: received.require(participant.id, "data.id")?,
            session_id: participant.session_id,
            context: received.data_text(participant.context),
            joined_at: participant.joined_at,
            left_at: participant.left_at,
            updated_at: participant.updated_at,
        })
    }
}

pub(crate) fn from_api_all<Api, T: FromApi<Api>>(
    items: Vec<Api>,
    received: &Received<'_>,
) -> Result<Vec<T>, Failure> {
    items
        .into_iter()
        .map(|item| T::from_api(item, received))
        .collect()
}

/// A response whose body is one object under `data`.
pub(crate) trait DataBody {
    type Item;
    fn into_data(self) -> Option<Self::Item>;
}

/// A response whose body is one page of a list: `data` and `meta`.
pub(crate) trait PageBody {
    type Item;
    fn into_page(self) -> (Vec<Self::Item>, Option<types::PaginationMeta>);
}

/// [`DataBody`] and [`PageBody`] for the generated response types, which differ only in name.
macro_rules! bodies {
    (data { $($data:ident => $item:ident),* } page { $($page:ident => $items:ident),* }) => {
        $(impl DataBody for types::$data {
            type Item = types::$item;
            fn into_data(self) -> Option<types::$item> {
                self.data
            }
        })*
        $(impl PageBody for types::$page {
            type Item = types::$items;
            fn into_page(self) -> (Vec<types::$items>, Option<types::PaginationMeta>) {
                (self.data, self.meta)
            }
        })*
    };
}

bodies! {
    data {
        CreateRoomResponse => Room,
        ViewRoomResponse => Room,
        UpdateRoomResponse => Room,
        ViewRoomSessionResponse => RoomSession,
        ViewRoomParticipantResponse => RoomParticipant
    }
    page {
        ListRoomsResponse => Room,
        ListRoomSessionsResponse => RoomSession,
        RetrieveListRoomSessionsResponse => RoomSession,
        ListRoomParticipantsResponse => RoomParticipant,
        RetrieveListRoomParticipantsResponse => RoomParticipant
    }
}

/// The object under `data`, as the facade's type.
pub(crate) fn data<B: DataBody, T: FromApi<B::Item>>(
    body: B,
    received: &Received<'_>,
) -> Result<T, Failure> {
    let item = received.require(body.into_data(), "data")?;
    T::from_api(item, received)
}

/// One page of a list, as the facade's type.
pub(crate) fn page<B: PageBody, T: FromApi<B::Item>>(
    body: B,
    received: &Received<'_>,
) -> Result<Page<T>, Failure> {
    let (items, meta) = body.into_page();
    let meta = meta.unwrap_or_default();
    Ok(Page {
        items: from_api_all(items, received)?,
        page_number: meta.page_number,
        page_size: meta.page_size,
        total_pages: meta.total_pages,
        total_results: meta.total_results,
    })
}
