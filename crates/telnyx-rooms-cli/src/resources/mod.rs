//! The commands on rooms, sessions and participants: one line each from their arguments to the
//! SDK's request and what is shown of its answer (an [`Ask`], printed by one output path whatever
//! the resource).

mod args;
mod shown;

use telnyx_rooms::Client;
use telnyx_rooms_core::time::SharedTimeSource;

pub(crate) use args::{ParticipantsCommand, RoomId, RoomsCommand, SessionsCommand};

use crate::ask::{Ask, Noun, Printer};
use crate::cli::{Api, ApiKey, Connection, Output};
use crate::commands::Target;
use crate::failure::Failure;
use shown::{acted_on, done, participant, room, session};

/// Options set on a request only when given: an option's value, or a flag (unset options are
/// not sent).
trait Maybe: Sized {
    fn maybe<V>(self, value: Option<V>, set: impl FnOnce(Self, V) -> Self) -> Self {
        match value {
            Some(value) => set(self, value),
            None => self,
        }
    }

    fn when(self, flag: bool, set: impl FnOnce(Self) -> Self) -> Self {
        if flag { set(self) } else { self }
    }
}

impl<R> Maybe for R {}

/// `rooms create` and `rooms update` set the same settings, on two request types.
macro_rules! settings {
    ($request:expr, $settings:expr) => {{
        let s = &$settings;
        $request
            .maybe(s.unique_name.clone(), |r, v| r.unique_name(v))
            .maybe(s.max_participants, |r, v| r.max_participants(v))
            .maybe(s.enable_recording, |r, v| r.enable_recording(v))
            .maybe(s.webhook_event_url.clone(), |r, v| r.webhook_event_url(v))
            .maybe(s.webhook_event_failover_url.clone(), |r, v| {
                r.webhook_event_failover_url(v)
            })
            .maybe(s.webhook_timeout, |r, v| r.webhook_timeout(v))
    }};
}

/// The participants `sessions kick`, `mute` and `unmute` act on, on three request types.
macro_rules! chosen {
    ($request:expr, $args:expr) => {
        $request
            .maybe(
                (!$args.participants.is_empty()).then(|| $args.participants.clone()),
                |r, v| r.participants(v),
            )
            .exclude($args.exclude.clone())
    };
}

/// Every list's page and page size, on three request types.
macro_rules! paged {
    ($request:expr, $paging:expr) => {
        $request
            .maybe($paging.page, |r, v| r.page(v))
            .maybe($paging.page_size, |r, v| r.page_size(v))
    };
}

const ROOMS: Noun = Noun("room", "rooms");
const SESSIONS: Noun = Noun("session", "sessions");
const PARTICIPANTS: Noun = Noun("participant", "participants");

/// A resource command: where its shared options are, and what it asks of the API.
pub(crate) trait Command {
    fn api(&self) -> (&Output, &Connection, &ApiKey);
    fn ask<'c>(&'c self, client: &'c Client) -> Ask<'c>;
}

impl Command for RoomsCommand {
    fn api(&self) -> (&Output, &Connection, &ApiKey) {
        match self {
            Self::Create(c) => c.shared(),
            Self::Get(c) => c.shared(),
            Self::List(c) => c.shared(),
            Self::Update(c) => c.shared(),
            Self::Delete(c) => c.shared(),
        }
    }

    fn ask<'c>(&'c self, client: &'c Client) -> Ask<'c> {
        match self {
            Self::Create(Api { args, .. }) => {
                Ask::value(settings!(client.create_room(), args), room(false))
            }
            Self::Get(Api { args: a, .. }) => Ask::value(
                client
                    .get_room(&a.room.room_id)
                    .when(a.include_sessions, |r| r.include_sessions(true)),
                room(a.include_sessions),
            ),
            Self::List(Api { args: a, .. }) => Ask::list(
                ROOMS,
                a.paging.all,
                paged!(client.list_rooms(), a.paging)
                    .maybe(a.unique_name.clone(), |r, v| r.unique_name(v))
                    .when(a.include_sessions, |r| r.include_sessions(true))
                    .maybe(a.created, |r, v| r.created(v))
                    .maybe(a.updated, |r, v| r.updated(v)),
                |r| r.pages(),
                room(a.include_sessions),
            ),
            Self::Update(Api { args: a, .. }) => Ask::value(
                settings!(client.update_room(&a.room.room_id), a.settings),
                room(false),
            ),
            Self::Delete(Api { args: a, .. }) => Ask::done(
                client.delete_room(&a.room_id),
                done("Room", "TELNYX_ROOM_", &a.room_id, "deleted"),
            ),
        }
    }
}

impl Command for SessionsCommand {
    fn api(&self) -> (&Output, &Connection, &ApiKey) {
        match self {
            Self::List(c) => c.shared(),
            Self::Get(c) => c.shared(),
            Self::End(c) => c.shared(),
            Self::Kick(c) | Self::Mute(c) | Self::Unmute(c) => c.shared(),
        }
    }

    fn ask<'c>(&'c self, client: &'c Client) -> Ask<'c> {
        match self {
            Self::List(Api { args: a, .. }) => {
                let request = match &a.room {
                    Some(room) => client.list_room_sessions(room),
                    None => client.list_sessions(),
                };
                Ask::list(
                    SESSIONS,
                    a.paging.all,
                    paged!(request, a.paging)
                        .maybe(a.active, |r, v| r.active(v))
                        .when(a.include_participants, |r| r.include_participants(true))
                        .maybe(a.created, |r, v| r.created(v))
                        .maybe(a.updated, |r, v| r.updated(v))
                        .maybe(a.ended, |r, v| r.ended(v)),
                    |r| r.pages(),
                    session(a.include_participants),
                )
            }
            Self::Get(Api { args: a, .. }) => Ask::value(
                client
                    .get_session(&a.session.session_id)
                    .when(a.include_participants, |r| r.include_participants(true)),
                session(a.include_participants),
            ),
            Self::End(Api { args: a, .. }) => Ask::done(
                client.end_session(&a.session_id),
                done("Session", "TELNYX_SESSION_", &a.session_id, "ended"),
            ),
            Self::Kick(Api { args: a, .. }) => Ask::done(
                chosen!(client.kick_participants(&a.session.session_id), a),
                acted_on(a, "kicked"),
            ),
            Self::Mute(Api { args: a, .. }) => Ask::done(
                chosen!(client.mute_participants(&a.session.session_id), a),
                acted_on(a, "muted"),
            ),
            Self::Unmute(Api { args: a, .. }) => Ask::done(
                chosen!(client.unmute_participants(&a.session.session_id), a),
                acted_on(a, "unmuted"),
            ),
        }
    }
}

impl Command for ParticipantsCommand {
    fn api(&self) -> (&Output, &Connection, &ApiKey) {
        match self {
            Self::List(c) => c.shared(),
            Self::Get(c) => c.shared(),
        }
    }

    fn ask<'c>(&'c self, client: &'c Client) -> Ask<'c> {
        match self {
            Self::List(Api { args: a, .. }) => {
                let request = match &a.session {
                    Some(session) => client.list_session_participants(session),
                    None => client.list_participants(),
                };
                Ask::list(
                    PARTICIPANTS,
                    a.paging.all,
                    paged!(request, a.paging)
                        .maybe(a.context.clone(), |r, v| r.context(v))
                        .maybe(a.joined, |r, v| r.joined(v))
                        .maybe(a.left, |r, v| r.left(v))
                        .maybe(a.updated, |r, v| r.updated(v)),
                    |r| r.pages(),
                    participant,
                )
            }
            Self::Get(Api { args: a, .. }) => {
                Ask::value(client.get_participant(&a.participant_id), participant)
            }
        }
    }
}

/// Runs a resource command, printing its answer to standard output.
pub(crate) async fn run(command: &impl Command, time: &SharedTimeSource) -> Result<(), Failure> {
    let (output, connection, api_key) = command.api();
    let target = Target::connect(connection, api_key.api_key_file.as_deref()).await?;
    let printer = Printer {
        format: output.format,
        note: connection.note(),
        now: time.now_utc(),
        failure: &|error: &telnyx_rooms::Error| target.failure(error),
    };
    printer.answer(command.ask(&target.client)).await
}
