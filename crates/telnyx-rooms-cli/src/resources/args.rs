//! The arguments of the commands on rooms, sessions and participants.

use std::time::Duration;

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use telnyx_rooms::Uuid;
use telnyx_rooms::request::Dates;
use telnyx_rooms_mock::parse_duration;

use crate::cli::{Api, ApiKey, Connection, Output};

/// `--page`, `--page-size` and `--all`: what every list takes.
#[derive(Debug, Args)]
pub(crate) struct Paging {
    /// The page to show, from 1 (with --all: the first page shown).
    #[arg(long, value_name = "N")]
    pub(crate) page: Option<u32>,
    /// How many items a page holds (the spec's bounds: 1 to 250 today; server default 20).
    #[arg(long, value_name = "N")]
    pub(crate) page_size: Option<u32>,
    /// Show every page, each fetched as the one before is printed.
    #[arg(long)]
    pub(crate) all: bool,
}

/// What `rooms create` and `rooms update` set (unset: not sent).
#[derive(Debug, Args)]
pub(crate) struct Settings {
    /// A name for the room, unique in your account.
    #[arg(long, value_name = "NAME")]
    pub(crate) unique_name: Option<String>,
    /// How many participants may join at once (the spec's bounds: 2 to 50 today).
    #[arg(long, value_name = "N")]
    pub(crate) max_participants: Option<i64>,
    /// Whether the room's sessions are recorded.
    #[arg(long, value_name = "BOOL")]
    pub(crate) enable_recording: Option<bool>,
    /// Where the room's webhook events are sent.
    #[arg(long, value_name = "URL")]
    pub(crate) webhook_event_url: Option<String>,
    /// Where they are sent when the first URL fails.
    #[arg(long, value_name = "URL")]
    pub(crate) webhook_event_failover_url: Option<String>,
    /// How long Telnyx waits for your webhook endpoint (whole seconds, 0s to 30s today).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) webhook_timeout: Option<Duration>,
}

/// The room a command acts on.
#[derive(Debug, Args)]
pub(crate) struct RoomId {
    /// The room's id (a UUID).
    pub(crate) room_id: String,
}

#[derive(Debug, Args)]
pub(crate) struct GetRoom {
    #[command(flatten)]
    pub(crate) room: RoomId,
    /// Show the ids of the room's sessions too.
    #[arg(long)]
    pub(crate) include_sessions: bool,
}

#[derive(Debug, Args)]
pub(crate) struct UpdateRoom {
    #[command(flatten)]
    pub(crate) room: RoomId,
    #[command(flatten)]
    pub(crate) settings: Settings,
}

#[derive(Debug, Args)]
pub(crate) struct ListRooms {
    /// The room with this unique name.
    #[arg(long, value_name = "NAME")]
    pub(crate) unique_name: Option<String>,
    /// Show the ids of each room's sessions too.
    #[arg(long)]
    pub(crate) include_sessions: bool,
    /// Rooms created on these days (UTC): `2026-12-01`, `2026-12-01..` (since),
    /// `..2026-12-31` (until) or `2026-12-01..2026-12-31`.
    #[arg(long, value_name = "DAYS", value_parser = parse_days)]
    pub(crate) created: Option<Dates>,
    /// Rooms updated on these days (as for --created).
    #[arg(long, value_name = "DAYS", value_parser = parse_days)]
    pub(crate) updated: Option<Dates>,
    #[command(flatten)]
    pub(crate) paging: Paging,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RoomsCommand {
    /// Create a room.
    #[command(
        after_help = "Example:\n  telnyx-rooms rooms create --unique-name standup --max-participants 10 --format env"
    )]
    Create(Api<Settings>),
    /// Show a room.
    Get(Api<GetRoom>),
    /// List rooms: a page of them, or all of them (--all).
    #[command(after_help = "Example:\n  telnyx-rooms rooms list --created 2026-12-01.. --all")]
    List(Api<ListRooms>),
    /// Change a room's settings: those given; the others stay as they are.
    Update(Api<UpdateRoom>),
    /// Delete a room.
    Delete(Api<RoomId>),
}

/// The session a command acts on.
#[derive(Debug, Args)]
pub(crate) struct SessionId {
    /// The session's id (a UUID).
    pub(crate) session_id: String,
}

#[derive(Debug, Args)]
pub(crate) struct GetSession {
    #[command(flatten)]
    pub(crate) session: SessionId,
    /// Show the ids of the session's participants too.
    #[arg(long)]
    pub(crate) include_participants: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ListSessions {
    /// The sessions of this room only.
    #[arg(long, value_name = "ROOM_ID")]
    pub(crate) room: Option<String>,
    /// Sessions going on (true) or ended (false).
    #[arg(long, value_name = "BOOL")]
    pub(crate) active: Option<bool>,
    /// Show the ids of each session's participants too.
    #[arg(long)]
    pub(crate) include_participants: bool,
    /// Sessions started on these days (UTC): `2026-12-01`, `2026-12-01..` (since),
    /// `..2026-12-31` (until) or `2026-12-01..2026-12-31`.
    #[arg(long, value_name = "DAYS", value_parser = parse_days)]
    pub(crate) created: Option<Dates>,
    /// Sessions updated on these days (as for --created).
    #[arg(long, value_name = "DAYS", value_parser = parse_days)]
    pub(crate) updated: Option<Dates>,
    /// Sessions ended on these days (as for --created).
    #[arg(long, value_name = "DAYS", value_parser = parse_days)]
    pub(crate) ended: Option<Dates>,
    #[command(flatten)]
    pub(crate) paging: Paging,
}

/// Which participants `sessions kick`, `mute` and `unmute` act on.
#[derive(Debug, Args)]
pub(crate) struct Participants {
    #[command(flatten)]
    pub(crate) session: SessionId,
    /// Only this participant (repeat for more); all of them when not given.
    #[arg(long = "participant", value_name = "PARTICIPANT_ID")]
    pub(crate) participants: Vec<Uuid>,
    /// Not this participant (repeat for more).
    #[arg(long, value_name = "PARTICIPANT_ID")]
    pub(crate) exclude: Vec<Uuid>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SessionsCommand {
    /// List sessions: of every room, or of one (--room).
    #[command(
        after_help = "Example:\n  telnyx-rooms sessions list --room 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 --active true"
    )]
    List(Api<ListSessions>),
    /// Show a session.
    Get(Api<GetSession>),
    /// End a session: every participant leaves.
    End(Api<SessionId>),
    /// Remove participants from a session: all of them, or those given, less those excluded.
    Kick(Api<Participants>),
    /// Mute participants of a session: all of them, or those given, less those excluded.
    Mute(Api<Participants>),
    /// Unmute participants of a session: all of them, or those given, less those excluded.
    Unmute(Api<Participants>),
}

#[derive(Debug, Args)]
pub(crate) struct ParticipantId {
    /// The participant's id (a UUID).
    pub(crate) participant_id: String,
}

#[derive(Debug, Args)]
pub(crate) struct ListParticipants {
    /// The participants of this session only.
    #[arg(long, value_name = "SESSION_ID")]
    pub(crate) session: Option<String>,
    /// Participants with this context.
    #[arg(long, value_name = "TEXT")]
    pub(crate) context: Option<String>,
    /// Participants who joined on these days (UTC): `2026-12-01`, `2026-12-01..` (since),
    /// `..2026-12-31` (until) or `2026-12-01..2026-12-31`.
    #[arg(long, value_name = "DAYS", value_parser = parse_days)]
    pub(crate) joined: Option<Dates>,
    /// Participants who left on these days (as for --joined).
    #[arg(long, value_name = "DAYS", value_parser = parse_days)]
    pub(crate) left: Option<Dates>,
    /// Participants updated on these days (as for --joined).
    #[arg(long, value_name = "DAYS", value_parser = parse_days)]
    pub(crate) updated: Option<Dates>,
    #[command(flatten)]
    pub(crate) paging: Paging,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ParticipantsCommand {
    /// List participants: of every session, or of one (--session).
    #[command(
        after_help = "Example:\n  telnyx-rooms participants list --session \"$TELNYX_SESSION_ID\" --format json"
    )]
    List(Api<ListParticipants>),
    /// Show a participant.
    Get(Api<ParticipantId>),
}

impl<T: Args> Api<T> {
    /// The options every resource command shares.
    pub(crate) fn shared(&self) -> (&Output, &Connection, &ApiKey) {
        (&self.output, &self.connection, &self.api_key)
    }
}

/// `DAY`, `DAY..`, `..DAY` or `DAY..DAY` (`YYYY-MM-DD`) as a date filter.
pub(crate) fn parse_days(text: &str) -> Result<Dates, String> {
    let day = |day: &str| {
        NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
            .map_err(|err| format!("`{day}` is not a day as YYYY-MM-DD ({err})"))
    };
    match text.split_once("..") {
        None => day(text).map(Dates::on),
        Some((first, "")) => day(first).map(Dates::since),
        Some(("", last)) => day(last).map(Dates::until),
        Some((first, last)) => match (day(first)?, day(last)?) {
            (first, last) if first <= last => Ok(Dates::between(first, last)),
            _ => Err(format!("{first} is after {last}")),
        },
    }
}
