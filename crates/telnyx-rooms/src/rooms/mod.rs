//! The Video Rooms operations beyond tokens: rooms (create, get, list, update, delete), their
//! sessions (list, get, end; kick, mute and unmute participants) and participants (list, get).
//!
//! Each operation is its parameters type and one [`Call`] implementation on the shared machinery
//! (checks from the spec before I/O, retries, timeouts, typed errors, redaction, spans); the
//! list operations share [`crate::page`]'s lazy pagination.

mod lists;
mod values;

use std::future::Future;
use std::time::Duration;

use progenitor_client::{Error as GenError, ResponseValue};
use serde::de::DeserializeOwned;
use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_core::redact::Sent;
use telnyx_rooms_gen::operations as ops;
use telnyx_rooms_gen::types;
use uuid::Uuid;

pub use lists::{ListParticipants, ListRooms, ListSessions};
pub use values::{Dates, Page, Participant, Room, RoomSession};

use crate::call::{Request, options, sends};
use crate::check::{self, IntoId};
use crate::client::Client;
use crate::error::Error;
use crate::received::attempt;
use crate::response::Failure;
use values::{DataBody, FromApi, PageBody};

type Reply<B> = Result<ResponseValue<B>, GenError<types::VideoErrors>>;

/// One attempt whose reply is one object under `data`.
async fn one<B, T>(
    op: &Operation,
    call: impl Future<Output = Reply<B>>,
    sent: Sent<'_>,
) -> Result<T, Failure>
where
    B: DeserializeOwned + DataBody,
    T: FromApi<B::Item>,
{
    let (body, received) = attempt(op, call, sent).await?;
    values::data(body, &received)
}

/// One attempt whose reply is one page of a list.
async fn page<B, T>(
    op: &Operation,
    call: impl Future<Output = Reply<B>>,
    sent: Sent<'_>,
) -> Result<Page<T>, Failure>
where
    B: DeserializeOwned + PageBody,
    T: FromApi<B::Item>,
{
    let (body, received) = attempt(op, call, sent).await?;
    values::page(body, &received)
}

/// One attempt whose reply says only that it was done.
async fn done<B: DeserializeOwned>(
    op: &Operation,
    call: impl Future<Output = Reply<B>>,
    sent: Sent<'_>,
) -> Result<(), Failure> {
    attempt(op, call, sent).await.map(drop)
}

/// The settings of a room, on create and update alike (unset, nothing is sent).
#[derive(Debug, Clone, Default)]
pub struct RoomSettings {
    unique_name: Option<String>,
    max_participants: Option<i64>,
    enable_recording: Option<bool>,
    webhook_event_url: Option<String>,
    webhook_event_failover_url: Option<String>,
    webhook_timeout: Option<Duration>,
}

/// The parameters of [`Client::create_room`].
#[derive(Debug, Clone, Default)]
pub struct CreateRoom(RoomSettings);

/// The parameters of [`Client::update_room`].
#[derive(Debug, Clone)]
pub struct UpdateRoom(Uuid, RoomSettings);

impl RoomSettings {
    fn body(&self, op: &Operation) -> Result<types::CreateRoomRequest, Error> {
        let timeout = op
            .body_field("webhook_timeout_secs")
            .map_or(Ok(None), |field| {
                check::seconds(field, self.webhook_timeout)
            })?;
        let body = types::CreateRoomRequest {
            unique_name: self.unique_name.clone(),
            max_participants: self.max_participants,
            enable_recording: self.enable_recording,
            webhook_event_url: self.webhook_event_url.clone(),
            webhook_event_failover_url: self.webhook_event_failover_url.clone(),
            webhook_timeout_secs: timeout,
        };
        check::body(op, &body)?;
        Ok(body)
    }
}

/// The room settings' options, the same on create and update.
macro_rules! room_settings {
    ($($params:ident($settings:tt)),*) => {$(
        options!($params {
            /// A name for the room, unique in your account.
            fn unique_name(name: impl Into<String>) |p| p.$settings.unique_name = Some(name.into());
            /// How many participants may join at once (the spec's bounds: 2 to 50 today).
            fn max_participants(count: i64) |p| p.$settings.max_participants = Some(count);
            /// Whether sessions in the room are recorded.
            fn enable_recording(enable: bool) |p| p.$settings.enable_recording = Some(enable);
            /// Where the room's webhook events are sent.
            fn webhook_event_url(url: impl Into<String>) |p| p.$settings.webhook_event_url = Some(url.into());
            /// Where they are sent when the first URL fails.
            fn webhook_event_failover_url(url: impl Into<String>) |p| p.$settings.webhook_event_failover_url = Some(url.into());
            /// How long Telnyx waits for your webhook endpoint; whole seconds within the spec's
            /// bounds (0 to 30 s today).
            fn webhook_timeout(timeout: Duration) |p| p.$settings.webhook_timeout = Some(timeout);
        });
    )*};
}

room_settings!(CreateRoom(0), UpdateRoom(1));

/// The parameters of the operations on one room, session or participant by id: [`Client::get_room`],
/// [`Client::delete_room`], [`Client::get_session`], [`Client::end_session`],
/// [`Client::get_participant`].
#[derive(Debug, Clone)]
pub struct ById<const OP: u8> {
    id: Uuid,
    include: Option<bool>,
}

const GET_ROOM: u8 = 0;
const DELETE_ROOM: u8 = 1;
const GET_SESSION: u8 = 2;
const END_SESSION: u8 = 3;
const GET_PARTICIPANT: u8 = 4;

/// Get a room, from [`Client::get_room`].
pub type GetRoom = ById<GET_ROOM>;
/// Delete a room, from [`Client::delete_room`].
pub type DeleteRoom = ById<DELETE_ROOM>;
/// Get a session, from [`Client::get_session`].
pub type GetSession = ById<GET_SESSION>;
/// End a session, from [`Client::end_session`].
pub type EndSession = ById<END_SESSION>;
/// Get a participant, from [`Client::get_participant`].
pub type GetParticipant = ById<GET_PARTICIPANT>;

options!(GetRoom {
    /// Include the room's sessions (`Room::sessions`).
    fn include_sessions(include: bool) |p| p.include = Some(include);
});

options!(GetSession {
    /// Include the session's participants (`RoomSession::participants`).
    fn include_participants(include: bool) |p| p.include = Some(include);
});

/// Kick, mute or unmute participants of a session.
#[derive(Debug, Clone)]
pub struct ParticipantAction<const OP: u8> {
    session_id: Uuid,
    participants: Option<Vec<Uuid>>,
    exclude: Vec<Uuid>,
}

const KICK: u8 = 0;
const MUTE: u8 = 1;
const UNMUTE: u8 = 2;

/// Kick participants, from [`Client::kick_participants`].
pub type KickParticipants = ParticipantAction<KICK>;
/// Mute participants, from [`Client::mute_participants`].
pub type MuteParticipants = ParticipantAction<MUTE>;
/// Unmute participants, from [`Client::unmute_participants`].
pub type UnmuteParticipants = ParticipantAction<UNMUTE>;

macro_rules! participant_action_options {
    ($($params:ident),*) => {$(
        options!($params {
            /// These participants only (all of them when not set).
            fn participants(ids: impl IntoIterator<Item = Uuid>) |p| p.participants = Some(ids.into_iter().collect());
            /// Not these participants.
            fn exclude(ids: impl IntoIterator<Item = Uuid>) |p| p.exclude = ids.into_iter().collect();
        });
    )*};
}

participant_action_options!(KickParticipants, MuteParticipants, UnmuteParticipants);

impl<const OP: u8> ParticipantAction<OP> {
    fn request(&self) -> types::ActionsParticipantsRequest {
        let participants = match &self.participants {
            Some(ids) => types::ActionsParticipantsRequestParticipants::Array(ids.clone()),
            None => types::ActionsParticipantsRequestParticipantsString::All.into(),
        };
        types::ActionsParticipantsRequest {
            participants: Some(participants),
            exclude: self.exclude.clone(),
        }
    }
}

sends!(
    CreateRoom => Room,
    UpdateRoom => Room,
    GetRoom => Room,
    DeleteRoom => (),
    GetSession => RoomSession,
    EndSession => (),
    GetParticipant => Participant,
    KickParticipants => (),
    MuteParticipants => (),
    UnmuteParticipants => (),
);

/// The [`Call`] of an operation, each part a closure over its parameters: its metadata, the id in
/// its path, how its body is built and checked, and the generated method one attempt calls
/// (`|params, body, generated, sent| …`).
macro_rules! call {
    ($params:ty => $output:ty, operation: |$o:ident| $op:expr, target: |$t:ident| $target:expr,
     body: |$b:ident| $body:ty = $build:expr,
     attempt: |$p:ident, $body_ref:ident, $g:ident, $s:ident| $attempt:expr) => {
        impl $crate::call::Call for $params {
            type Output = $output;
            type Body = $body;

            fn operation(&self) -> &'static ::telnyx_rooms_core::meta::Operation {
                let $o = self;
                $op
            }

            fn target(&self) -> Option<::uuid::Uuid> {
                let $t = self;
                $target
            }

            fn body(&self) -> Result<$body, $crate::Error> {
                let $b = self;
                $build
            }

            async fn attempt<'a>(
                &'a self,
                $body_ref: &'a $body,
                $g: &'a telnyx_rooms_gen::Client,
                $s: ::telnyx_rooms_core::redact::Sent<'a>,
            ) -> Result<$output, $crate::response::Failure> {
                let $p = self;
                let _ = &$body_ref;
                $attempt.await
            }
        }
    };
}
pub(crate) use call;

call!(CreateRoom => Room, operation: |_p| &ops::CREATE_ROOM, target: |_p| None,
    body: |p| types::CreateRoomRequest = p.0.body(&ops::CREATE_ROOM),
    attempt: |_p, body, g, sent| one::<types::CreateRoomResponse, _>(&ops::CREATE_ROOM, g.create_room(body), sent));
call!(UpdateRoom => Room, operation: |_p| &ops::UPDATE_ROOM, target: |p| Some(p.0),
    body: |p| types::PatchRoomRequest = p.1.body(&ops::UPDATE_ROOM).map(patch),
    attempt: |p, body, g, sent| one::<types::UpdateRoomResponse, _>(&ops::UPDATE_ROOM, g.update_room(&p.0, body), sent));
call!(GetRoom => Room, operation: |_p| &ops::VIEW_ROOM, target: |p| Some(p.id), body: |_p| () = Ok(()),
    attempt: |p, _b, g, sent| one::<types::ViewRoomResponse, _>(&ops::VIEW_ROOM, g.view_room(&p.id, p.include), sent));
call!(DeleteRoom => (), operation: |_p| &ops::DELETE_ROOM, target: |p| Some(p.id), body: |_p| () = Ok(()),
    attempt: |p, _b, g, sent| done(&ops::DELETE_ROOM, g.delete_room(&p.id), sent));
call!(GetSession => RoomSession, operation: |_p| &ops::VIEW_ROOM_SESSION, target: |p| Some(p.id), body: |_p| () = Ok(()),
    attempt: |p, _b, g, sent| one::<types::ViewRoomSessionResponse, _>(&ops::VIEW_ROOM_SESSION, g.view_room_session(&p.id, p.include), sent));
call!(EndSession => (), operation: |_p| &ops::END_SESSION, target: |p| Some(p.id), body: |_p| () = Ok(()),
    attempt: |p, _b, g, sent| done(&ops::END_SESSION, g.end_session(&p.id), sent));
call!(GetParticipant => Participant, operation: |_p| &ops::VIEW_ROOM_PARTICIPANT, target: |p| Some(p.id), body: |_p| () = Ok(()),
    attempt: |p, _b, g, sent| one::<types::ViewRoomParticipantResponse, _>(&ops::VIEW_ROOM_PARTICIPANT, g.view_room_participant(&p.id), sent));
call!(KickParticipants => (), operation: |_p| &ops::KICK_PARTICIPANT_IN_SESSION, target: |p| Some(p.session_id),
    body: |p| types::ActionsParticipantsRequest = Ok(p.request()),
    attempt: |p, body, g, sent| done(&ops::KICK_PARTICIPANT_IN_SESSION, g.kick_participant_in_session(&p.session_id, body), sent));
call!(MuteParticipants => (), operation: |_p| &ops::MUTE_PARTICIPANT_IN_SESSION, target: |p| Some(p.session_id),
    body: |p| types::ActionsParticipantsRequest = Ok(p.request()),
    attempt: |p, body, g, sent| done(&ops::MUTE_PARTICIPANT_IN_SESSION, g.mute_participant_in_session(&p.session_id, body), sent));
call!(UnmuteParticipants => (), operation: |_p| &ops::UNMUTE_PARTICIPANT_IN_SESSION, target: |p| Some(p.session_id),
    body: |p| types::ActionsParticipantsRequest = Ok(p.request()),
    attempt: |p, body, g, sent| done(&ops::UNMUTE_PARTICIPANT_IN_SESSION, g.unmute_participant_in_session(&p.session_id, body), sent));

/// An update's body: the create body's fields, which the spec gives both.
fn patch(body: types::CreateRoomRequest) -> types::PatchRoomRequest {
    types::PatchRoomRequest {
        unique_name: body.unique_name,
        max_participants: body.max_participants,
        enable_recording: body.enable_recording,
        webhook_event_url: body.webhook_event_url,
        webhook_event_failover_url: body.webhook_event_failover_url,
        webhook_timeout_secs: body.webhook_timeout_secs,
    }
}

/// A request on one resource by id.
fn by_id<'c, const OP: u8>(
    client: &'c Client,
    id: impl IntoId,
    field: &'static str,
) -> Request<'c, ById<OP>> {
    Request::new(
        client,
        check::id(id, field).map(|id| ById { id, include: None }),
    )
}

/// A request acting on participants of a session (all of them until narrowed).
fn action<const OP: u8>(
    client: &Client,
    session_id: impl IntoId,
) -> Request<'_, ParticipantAction<OP>> {
    let params = check::id(session_id, "session_id").map(|session_id| ParticipantAction {
        session_id,
        participants: None,
        exclude: Vec::new(),
    });
    Request::new(client, params)
}

impl Client {
    /// Creates a room. Settings are checked against the spec's bounds before any I/O.
    ///
    /// ```
    /// # async fn run(client: telnyx_rooms::Client) -> Result<(), telnyx_rooms::Error> {
    /// let room = client.create_room().unique_name("standup").max_participants(10).await?;
    /// let token = client.create_client_token(room.id).await?;
    /// # let _ = token;
    /// # Ok(()) }
    /// ```
    pub fn create_room(&self) -> Request<'_, CreateRoom> {
        Request::new(self, Ok(CreateRoom::default()))
    }

    /// A room, by id.
    pub fn get_room(&self, room_id: impl IntoId) -> Request<'_, GetRoom> {
        by_id(self, room_id, "room_id")
    }

    /// Changes a room's settings (those set on the request; the rest stay).
    pub fn update_room(&self, room_id: impl IntoId) -> Request<'_, UpdateRoom> {
        let params =
            check::id(room_id, "room_id").map(|id| UpdateRoom(id, RoomSettings::default()));
        Request::new(self, params)
    }

    /// Deletes a room.
    pub fn delete_room(&self, room_id: impl IntoId) -> Request<'_, DeleteRoom> {
        by_id(self, room_id, "room_id")
    }

    /// A session, by id.
    pub fn get_session(&self, session_id: impl IntoId) -> Request<'_, GetSession> {
        by_id(self, session_id, "session_id")
    }

    /// Ends a session: every participant leaves.
    pub fn end_session(&self, session_id: impl IntoId) -> Request<'_, EndSession> {
        by_id(self, session_id, "session_id")
    }

    /// A participant, by id.
    pub fn get_participant(&self, participant_id: impl IntoId) -> Request<'_, GetParticipant> {
        by_id(self, participant_id, "participant_id")
    }

    /// Removes participants from a session: all of them, or those set with `participants`, less
    /// those set with `exclude`.
    pub fn kick_participants(&self, session_id: impl IntoId) -> Request<'_, KickParticipants> {
        action(self, session_id)
    }

    /// Mutes participants of a session (all, or those chosen as for `kick_participants`).
    pub fn mute_participants(&self, session_id: impl IntoId) -> Request<'_, MuteParticipants> {
        action(self, session_id)
    }

    /// Unmutes participants of a session (all, or those chosen as for `kick_participants`).
    pub fn unmute_participants(&self, session_id: impl IntoId) -> Request<'_, UnmuteParticipants> {
        action(self, session_id)
    }
}
