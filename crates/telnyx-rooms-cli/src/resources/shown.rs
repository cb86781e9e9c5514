//! What is shown of a room, a session, a participant, and of an action done: the fields of each
//! as the API names them, and which make the columns of a list's table.

use telnyx_rooms::{IntoId as _, Participant, Room, RoomSession, Uuid};

use super::args::Participants;
use crate::output::{Column, Name, Report, Value};

/// A room as shown.
pub(crate) fn room(include_sessions: bool) -> impl Fn(&Room) -> Report + Send + Copy {
    move |room| {
        let field = |key| Name::field("TELNYX_ROOM_", key);
        let report = Report::new(format!("Room {}", room.id))
            .column(field("id"), Some(room.id), Column::Id)
            .column(field("unique_name"), room.unique_name.clone(), Column::Text)
            .column(
                field("max_participants"),
                room.max_participants,
                Column::Count,
            )
            .row(field("enable_recording"), room.enable_recording)
            .row(field("webhook_event_url"), room.webhook_event_url.clone())
            .row(
                field("webhook_event_failover_url"),
                room.webhook_event_failover_url.clone(),
            )
            .row(field("webhook_timeout_secs"), room.webhook_timeout_secs)
            .column(
                field("active_session_id"),
                room.active_session_id,
                Column::Id,
            )
            .column(field("created_at"), room.created_at, Column::Time)
            .row(field("updated_at"), room.updated_at);
        let sessions = room.sessions.iter().map(|session| session.id);
        nested(report, include_sessions, field("session_ids"), sessions)
    }
}

/// A session as shown.
pub(crate) fn session(include_participants: bool) -> impl Fn(&RoomSession) -> Report + Send + Copy {
    move |session| {
        let field = |key| Name::field("TELNYX_SESSION_", key);
        let report = Report::new(format!("Session {}", session.id))
            .column(field("id"), Some(session.id), Column::Id)
            .column(field("room_id"), session.room_id, Column::Id)
            .column(field("active"), session.active, Column::Flag)
            .column(field("created_at"), session.created_at, Column::Time)
            .column(field("ended_at"), session.ended_at, Column::Time)
            .row(field("updated_at"), session.updated_at);
        let participants = session
            .participants
            .iter()
            .map(|participant| participant.id);
        nested(
            report,
            include_participants,
            field("participant_ids"),
            participants,
        )
    }
}

/// A participant as shown.
pub(crate) fn participant(participant: &Participant) -> Report {
    let field = |key| Name::field("TELNYX_PARTICIPANT_", key);
    Report::new(format!("Participant {}", participant.id))
        .column(field("id"), Some(participant.id), Column::Id)
        .column(field("session_id"), participant.session_id, Column::Id)
        .column(field("context"), participant.context.clone(), Column::Text)
        .column(field("joined_at"), participant.joined_at, Column::Time)
        .column(field("left_at"), participant.left_at, Column::Time)
        .row(field("updated_at"), participant.updated_at)
}

/// The report with the ids of what it holds (a room's sessions), when they were asked for.
fn nested(report: Report, asked: bool, name: Name, ids: impl Iterator<Item = Uuid>) -> Report {
    if asked {
        report.row(name, self::ids(ids))
    } else {
        report
    }
}

fn ids(ids: impl Iterator<Item = Uuid>) -> Value {
    Value::List(ids.map(|id| id.to_string()).collect())
}

/// What was done to the resource `id` (a `kind` whose variables start with `env_prefix`).
pub(crate) fn done(kind: &str, env_prefix: &str, id: &str, what: &str) -> Report {
    Report::new(format!("{kind} {} {what}", id.trim()))
        .row(Name::field(env_prefix, "id"), id.into_id().ok())
        .row(
            Name::new("done", "done", "TELNYX_DONE"),
            Value::Text(what.to_owned()),
        )
}

/// What was done to which participants of a session: `all`, or the ids given, less those excluded.
pub(crate) fn acted_on(args: &Participants, what: &str) -> Report {
    let field = |key| Name::field("TELNYX_SESSION_", key);
    let participants = match args.participants.as_slice() {
        [] => Value::Text("all".to_owned()),
        chosen => ids(chosen.iter().copied()),
    };
    done(
        "Participants of session",
        "TELNYX_SESSION_",
        &args.session.session_id,
        what,
    )
    .row(field("participants"), participants)
    .row(field("exclude"), ids(args.exclude.iter().copied()))
}
