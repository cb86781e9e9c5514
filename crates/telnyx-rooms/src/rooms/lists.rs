//! The list operations: rooms, sessions (all, or one room's) and participants (all, or one
//! session's), with their filters and pages. Awaiting a list gives one [`Page`]; `pages()` and
//! `items()` walk the whole list lazily ([`crate::page`]).

use std::num::NonZeroU64;

use chrono::NaiveDate;
use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_gen::operations as ops;
use telnyx_rooms_gen::types;
use uuid::Uuid;

use super::{Dates, Page, Participant, Room, RoomSession, call, page};
use crate::call::{Request, options, sends};
use crate::check::{self, IntoId};
use crate::client::Client;
use crate::error::Error;
use crate::page::{Paged, pages};
use crate::response::Failure;

/// What every list takes: which page, how large, and date filters.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListOptions {
    page_number: Option<u32>,
    page_size: Option<u32>,
    created: Dates,
    updated: Dates,
    ended: Dates,
    joined: Dates,
    left: Dates,
}

/// The checked page number and size of a list request.
type PageQuery = (Option<NonZeroU64>, Option<NonZeroU64>);

impl ListOptions {
    fn page_query(&self, op: &Operation) -> Result<PageQuery, Error> {
        let number = match (self.page_number, op.query_param("page[number]")) {
            (Some(number), Some(field)) => Some(check::integer(field, i64::from(number))?),
            (number, _) => number.map(i64::from),
        };
        let number = number.and_then(|number| NonZeroU64::new(number.unsigned_abs()));
        Ok((number, check::page_size(op, self.page_size)?))
    }
}

/// A list of rooms, from [`Client::list_rooms`].
#[derive(Debug, Clone, Default)]
pub struct ListRooms {
    list: ListOptions,
    unique_name: Option<String>,
    include_sessions: Option<bool>,
}

/// A list of sessions, from [`Client::list_sessions`] (all) or [`Client::list_room_sessions`]
/// (one room's).
#[derive(Debug, Clone, Default)]
pub struct ListSessions {
    room_id: Option<Uuid>,
    list: ListOptions,
    active: Option<bool>,
    include_participants: Option<bool>,
}

/// A list of participants, from [`Client::list_participants`] (all) or
/// [`Client::list_session_participants`] (one session's).
#[derive(Debug, Clone, Default)]
pub struct ListParticipants {
    session_id: Option<Uuid>,
    list: ListOptions,
    context: Option<String>,
}

/// The options every list has: its page and size, and its date filters.
macro_rules! list_options {
    ($($params:ident { $($dates:ident: $doc:literal),* }),*) => {$(
        options!($params {
            /// The page to get, from 1 (the first by default); `pages()` and `items()` start there.
            fn page(number: u32) |p| p.list.page_number = Some(number);
            /// How many items a page holds, within the spec's bounds (1 to 250 today).
            fn page_size(size: u32) |p| p.list.page_size = Some(size);
            $(
                #[doc = $doc]
                fn $dates(dates: Dates) |p| p.list.$dates = dates;
            )*
        });
        impl Paged for $params {
            fn set_page(&mut self, number: u32) {
                self.list.page_number = Some(number);
            }

            fn first_page(&self) -> u32 {
                self.list.page_number.unwrap_or(1)
            }
        }
    )*};
}

list_options!(
    ListRooms {
        created: "Rooms created on these dates.",
        updated: "Rooms updated on these dates."
    },
    ListSessions {
        created: "Sessions started on these dates.",
        updated: "Sessions updated on these dates.",
        ended: "Sessions ended on these dates."
    },
    ListParticipants {
        joined: "Participants who joined on these dates.",
        left: "Participants who left on these dates.",
        updated: "Participants updated on these dates."
    }
);

options!(ListRooms {
    /// The room with this unique name.
    fn unique_name(name: impl Into<String>) |p| p.unique_name = Some(name.into());
    /// Include each room's sessions (`Room::sessions`).
    fn include_sessions(include: bool) |p| p.include_sessions = Some(include);
});

options!(ListSessions {
    /// Sessions going on (`true`) or ended (`false`).
    fn active(active: bool) |p| p.active = Some(active);
    /// Include each session's participants (`RoomSession::participants`).
    fn include_participants(include: bool) |p| p.include_participants = Some(include);
});

options!(ListParticipants {
    /// Participants with this context.
    fn context(context: impl Into<String>) |p| p.context = Some(context.into());
});

sends!(
    ListRooms => Page<Room>,
    ListSessions => Page<RoomSession>,
    ListParticipants => Page<Participant>,
);
pages!(ListRooms => Room, ListSessions => RoomSession, ListParticipants => Participant);

/// A date filter's three query values.
fn dates(dates: &Dates) -> [Option<&NaiveDate>; 3] {
    [
        dates.on.as_ref(),
        dates.since.as_ref(),
        dates.until.as_ref(),
    ]
}

call!(ListRooms => Page<Room>, operation: |_p| &ops::LIST_ROOMS, target: |_p| None,
body: |p| PageQuery = p.list.page_query(&ops::LIST_ROOMS),
attempt: |p, q, g, sent| {
    let ([c0, c1, c2], [u0, u1, u2]) = (dates(&p.list.created), dates(&p.list.updated));
    let call = g.list_rooms(c0, c1, c2, u0, u1, u2, p.unique_name.as_deref(), p.include_sessions, q.0, q.1);
    page::<types::ListRoomsResponse, _>(&ops::LIST_ROOMS, call, sent)
});

call!(ListSessions => Page<RoomSession>, operation: |p| sessions_operation(p.room_id),
    target: |p| p.room_id,
    body: |p| PageQuery = p.list.page_query(sessions_operation(p.room_id)),
    attempt: |p, q, g, sent| sessions(p, *q, g, sent));

call!(ListParticipants => Page<Participant>,
    operation: |p| participants_operation(p.session_id), target: |p| p.session_id,
    body: |p| PageQuery = p.list.page_query(participants_operation(p.session_id)),
    attempt: |p, q, g, sent| participants(p, *q, g, sent));

fn sessions_operation(room_id: Option<Uuid>) -> &'static Operation {
    match room_id {
        Some(_) => &ops::RETRIEVE_LIST_ROOM_SESSIONS,
        None => &ops::LIST_ROOM_SESSIONS,
    }
}

fn participants_operation(session_id: Option<Uuid>) -> &'static Operation {
    match session_id {
        Some(_) => &ops::RETRIEVE_LIST_ROOM_PARTICIPANTS,
        None => &ops::LIST_ROOM_PARTICIPANTS,
    }
}

async fn sessions(
    p: &ListSessions,
    (number, size): PageQuery,
    g: &telnyx_rooms_gen::Client,
    sent: telnyx_rooms_core::redact::Sent<'_>,
) -> Result<Page<RoomSession>, Failure> {
    let [c0, c1, c2] = dates(&p.list.created);
    let [e0, e1, e2] = dates(&p.list.ended);
    let [u0, u1, u2] = dates(&p.list.updated);
    let (active, include) = (p.active, p.include_participants);
    let op = sessions_operation(p.room_id);
    match &p.room_id {
        Some(room_id) => {
            let call = g.retrieve_list_room_sessions(
                room_id, active, c0, c1, c2, e0, e1, e2, u0, u1, u2, include, number, size,
            );
            page::<types::RetrieveListRoomSessionsResponse, _>(op, call, sent).await
        }
        None => {
            let call = g.list_room_sessions(
                active, c0, c1, c2, e0, e1, e2, u0, u1, u2, None, include, number, size,
            );
            page::<types::ListRoomSessionsResponse, _>(op, call, sent).await
        }
    }
}

async fn participants(
    p: &ListParticipants,
    (number, size): PageQuery,
    g: &telnyx_rooms_gen::Client,
    sent: telnyx_rooms_core::redact::Sent<'_>,
) -> Result<Page<Participant>, Failure> {
    let [j0, j1, j2] = dates(&p.list.joined);
    let [l0, l1, l2] = dates(&p.list.left);
    let [u0, u1, u2] = dates(&p.list.updated);
    let context = p.context.as_deref();
    let op = participants_operation(p.session_id);
    match &p.session_id {
        Some(session_id) => {
            let call = g.retrieve_list_room_participants(
                session_id, context, j0, j1, j2, l0, l1, l2, u0, u1, u2, number, size,
            );
            page::<types::RetrieveListRoomParticipantsResponse, _>(op, call, sent).await
        }
        None => {
            let call = g.list_room_participants(
                context, j0, j1, j2, l0, l1, l2, u0, u1, u2, None, number, size,
            );
            page::<types::ListRoomParticipantsResponse, _>(op, call, sent).await
        }
    }
}

impl Client {
    /// Rooms, one page at a time: `.await` gives one [`Page`], `items()` every room lazily.
    ///
    /// ```
    /// # async fn run(client: telnyx_rooms::Client) -> Result<(), telnyx_rooms::Error> {
    /// use futures_util::TryStreamExt as _;
    ///
    /// let first = client.list_rooms().page_size(50).await?;
    /// let named: Vec<_> = client.list_rooms().unique_name("standup").items().try_collect().await?;
    /// # let _ = (first, named);
    /// # Ok(()) }
    /// ```
    pub fn list_rooms(&self) -> Request<'_, ListRooms> {
        Request::new(self, Ok(ListRooms::default()))
    }

    /// Sessions of every room.
    pub fn list_sessions(&self) -> Request<'_, ListSessions> {
        Request::new(self, Ok(ListSessions::default()))
    }

    /// Sessions of room `room_id`.
    pub fn list_room_sessions(&self, room_id: impl IntoId) -> Request<'_, ListSessions> {
        let params = check::id(room_id, "room_id").map(|room_id| ListSessions {
            room_id: Some(room_id),
            ..ListSessions::default()
        });
        Request::new(self, params)
    }

    /// Participants of every session.
    pub fn list_participants(&self) -> Request<'_, ListParticipants> {
        Request::new(self, Ok(ListParticipants::default()))
    }

    /// Participants of session `session_id`.
    pub fn list_session_participants(
        &self,
        session_id: impl IntoId,
    ) -> Request<'_, ListParticipants> {
        let params = check::id(session_id, "session_id").map(|session_id| ListParticipants {
            session_id: Some(session_id),
            ..ListParticipants::default()
        });
        Request::new(self, params)
    }
}
