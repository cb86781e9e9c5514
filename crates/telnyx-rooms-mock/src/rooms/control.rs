//! The mock-only control endpoints, beside (not under) the API's base path, for what Telnyx's API
//! cannot do because a participant's video SDK does it: join a room and leave it. They answer
//! the participant as the API's `RoomParticipant` under `data`, and what only the mock knows of
//! it under `mock`.
//!
//! - `POST /_mock/rooms/{room_id}/join`, body `{"context": "Alice"}` or none: 201;
//! - `POST /_mock/room_participants/{room_participant_id}/leave`: 200;
//! - `GET /_mock/room_participants/{room_participant_id}`: 200.
//!
//! They check the API key only when the server has one; faults and the rate limit leave them alone.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{JoinError, PARTICIPANTS, State, shaped};
use crate::api_error::{
    ApiError, BAD_REQUEST, ErrorEntry, INVALID_ID, INVALID_JSON, NOT_FOUND, Source,
};
use crate::body;
use crate::routes::{Arrival, error_response, json_response};
use crate::server::Shared;
use crate::validate::check_bearer;

/// The route key of control requests in the request log and attempt counters.
pub(crate) const CONTROL_ROUTE: &str = "_mock";

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_mock/rooms/{room_id}/join", post(join))
        .route(
            "/_mock/room_participants/{room_participant_id}/leave",
            post(leave),
        )
        .route("/_mock/room_participants/{room_participant_id}", get(view))
}

#[derive(Debug, Default, serde::Deserialize)]
struct JoinBody {
    context: Option<String>,
}

/// The name of the participant id in the control paths, as the API names it.
const PARTICIPANT_ID: &str = "room_participant_id";

async fn join(
    Extract(shared): Extract<Arc<Shared>>,
    Path(room_id): Path<String>,
    request: Request,
) -> Response {
    let join = |state: &mut State, id, body: &[u8], now| {
        let body: JoinBody = if body.iter().all(u8::is_ascii_whitespace) {
            JoinBody::default()
        } else {
            serde_json::from_slice(body).map_err(|err| {
                ApiError::one(
                    StatusCode::BAD_REQUEST,
                    ErrorEntry::new(
                        INVALID_JSON,
                        format!("Send {{\"context\": \"…\"}} or nothing: {err}."),
                    ),
                )
            })?
        };
        Ok(state.join(id, body.context.as_deref(), now)?.id)
    };
    let at = (&room_id[..], "room_id");
    control(shared, at, StatusCode::CREATED, request, join).await
}

async fn leave(
    Extract(shared): Extract<Arc<Shared>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let leave = |state: &mut State, id, _: &[u8], now| Ok(state.leave(id, now)?.id);
    control(
        shared,
        (&id, PARTICIPANT_ID),
        StatusCode::OK,
        request,
        leave,
    )
    .await
}

async fn view(
    Extract(shared): Extract<Arc<Shared>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    // The answer is the participant as it is: `answer` refuses an unknown one.
    let view = |_: &mut State, id, _: &[u8], _| Ok(id);
    control(shared, (&id, PARTICIPANT_ID), StatusCode::OK, request, view).await
}

/// One control request: credentials, the id (`at`: its text and name), the action on the state
/// (which answers the id of the participant acted on), the answer, the log entry.
async fn control(
    shared: Arc<Shared>,
    at: (&str, &'static str),
    status: StatusCode,
    request: Request,
    action: impl FnOnce(&mut State, Uuid, &[u8], DateTime<Utc>) -> Result<Uuid, ApiError>,
) -> Response {
    let received_at = shared.time_source.now_utc();
    let (parts, body) = request.into_parts();
    let body = body::read(body, shared.limits.body_timeout).await;
    let arrival = Arrival::new(received_at, &parts, &body);
    let outcome = body
        .map_err(body::BodyError::to_api_error)
        .and_then(|body| {
            if let Some(key) = shared.accepted_api_key() {
                check_bearer(&parts.headers, Some(key))?;
            }
            let (id, name) = at;
            let id = Uuid::try_parse(id).map_err(|_| {
                ApiError::one(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorEntry::new(INVALID_ID, format!("`{name}` must be a uuid."))
                        .at(Source::Parameter(name)),
                )
            })?;
            let mut state = shared.state();
            let participant = action(&mut state, id, &body, received_at)?;
            answer(&state, participant)
        });
    let response = match outcome {
        Ok(body) => json_response(&shared, status, body.to_string()),
        Err(error) => error_response(&shared, &error),
    };
    arrival.answered(&shared, CONTROL_ROUTE, None, response)
}

/// `{"data": <RoomParticipant>, "mock": {"room_id", "muted", "present"}}`.
fn answer(state: &State, id: Uuid) -> Result<Value, ApiError> {
    let (Some(record), Some(participant)) = (state.get(PARTICIPANTS, id), state.participant(id))
    else {
        return Err(JoinError::UnknownParticipant(id).into());
    };
    Ok(json!({
        "data": shaped(PARTICIPANTS, record)?,
        "mock": {
            "room_id": participant.room_id,
            "muted": participant.muted,
            "present": participant.is_present(),
        },
    }))
}

impl From<JoinError> for ApiError {
    fn from(error: JoinError) -> Self {
        let (status, code) = match error {
            JoinError::UnknownRoom(_) | JoinError::UnknownParticipant(_) => {
                (StatusCode::NOT_FOUND, NOT_FOUND)
            }
            _ => (StatusCode::UNPROCESSABLE_ENTITY, BAD_REQUEST),
        };
        ApiError::one(
            status,
            ErrorEntry::new(code, format!("{}.", capitalised(&error.to_string()))),
        )
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
