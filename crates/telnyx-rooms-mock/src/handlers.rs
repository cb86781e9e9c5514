//! What each operation does with a valid request, chosen from its method and path: the verbs every
//! resource shares (`rooms::State`), and the actions (`…/actions/{name}`), the only code written
//! per operation: minting and refreshing tokens, ending a session, kicking, muting, unmuting.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::Value;
use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_gen::operations::{create_room_client_token, refresh_room_client_token};
use telnyx_rooms_gen::types;
use uuid::Uuid;

use crate::api_error::{AUTHORIZATION_FAILED, ApiError, ErrorEntry, Source, UNEXPECTED};
use crate::rooms::{self, ROOMS, kind_named};
use crate::server::Shared;
use crate::token::{SignedToken, TokenKind, TokenSigner};
use crate::validate::ValidRequest;

type Action = fn(&Shared, &ValidRequest) -> Result<Value, ApiError>;

/// The actions, by the last segment of their path (`/rooms/{room_id}/actions/{name}`).
const ACTIONS: [(&str, Action); 6] = [
    ("generate_join_client_token", create),
    ("refresh_client_token", refresh),
    ("end", rooms::end_session),
    ("kick", rooms::kick),
    ("mute", rooms::mute),
    ("unmute", rooms::unmute),
];

/// The success body of `operation` for a request that passed validation (`Null` for no body).
pub(crate) fn answer(
    shared: &Shared,
    operation: &Operation,
    request: &ValidRequest,
) -> Result<Value, ApiError> {
    let segments: Vec<&str> = operation.path.trim_start_matches('/').split('/').collect();
    let kind = segments.first().and_then(|name| kind_named(name));
    let id = request.id().map(|(_, id)| id);
    let now = shared.time_source.now_utc();
    match (operation.method, segments.as_slice(), kind, id) {
        ("POST", [_, _, "actions", name], _, _) => match ACTIONS.iter().find(|(n, _)| n == name) {
            Some((_, action)) => action(shared, request),
            None => Err(not_implemented(operation)),
        },
        ("GET", [_], Some(kind), _) => shared.state().list(kind, None, request),
        ("POST", [_], Some(kind), _) => shared.state().create(kind, request.body(), now),
        ("DELETE", [_], Some(kind), _) => shared.state().delete_selected(kind, request),
        ("GET", [_, _], Some(kind), Some(id)) => shared.state().view(kind, id, Some(request)),
        ("PATCH", [_, _], Some(kind), Some(id)) => {
            shared.state().update(kind, id, request.body(), now)
        }
        ("DELETE", [_, _], Some(kind), Some(id)) => shared.state().delete(kind, id),
        ("GET", [_, _, children], Some(parent), Some(id)) => match kind_named(children) {
            Some(kind) => shared.state().list(kind, Some((parent, id)), request),
            None => Err(not_implemented(operation)),
        },
        _ => Err(not_implemented(operation)),
    }
}

fn not_implemented(operation: &Operation) -> ApiError {
    ApiError::one(
        StatusCode::NOT_IMPLEMENTED,
        ErrorEntry::new(
            UNEXPECTED,
            format!(
                "telnyx-rooms-mock does not implement {} yet.",
                operation.operation_id
            ),
        ),
    )
}

fn create(shared: &Shared, request: &ValidRequest) -> Result<Value, ApiError> {
    let room = room_id(
        shared,
        request,
        create_room_client_token::path::ROOM_ID.name,
    )?;
    let token_ttl = ttl(request, create_room_client_token::body::TOKEN_TTL_SECS.name)?;
    let refresh_ttl = ttl(
        request,
        create_room_client_token::body::REFRESH_TOKEN_TTL_SECS.name,
    )?;
    let now = shared.time_source.now_utc();
    let access = shared
        .signer
        .mint(TokenKind::Client, room, shared.account, now, token_ttl);
    let refresh = shared
        .signer
        .mint(TokenKind::Refresh, room, shared.account, now, refresh_ttl);
    let body = types::CreateRoomClientTokenResponse {
        data: Some(types::CreateRoomClientTokenResponseData {
            token_expires_at: Some(expiry(&access)?),
            refresh_token_expires_at: Some(expiry(&refresh)?),
            token: Some(access.token),
            refresh_token: Some(refresh.token),
        }),
    };
    to_json(&body)
}

fn refresh(shared: &Shared, request: &ValidRequest) -> Result<Value, ApiError> {
    let room = room_id(
        shared,
        request,
        refresh_room_client_token::path::ROOM_ID.name,
    )?;
    let token_ttl = ttl(
        request,
        refresh_room_client_token::body::TOKEN_TTL_SECS.name,
    )?;
    let field = refresh_room_client_token::body::REFRESH_TOKEN.name;
    let presented = request.string(field).unwrap_or_default();
    let now = shared.time_source.now_utc();
    let claims = shared
        .signer
        .verify(presented, TokenKind::Refresh, room, now)
        .map_err(|err| {
            ApiError::one(
                StatusCode::FORBIDDEN,
                ErrorEntry::new(AUTHORIZATION_FAILED, format!("Refresh refused: {err}."))
                    .at(Source::Pointer(format!("/{field}"))),
            )
        })?;
    let account = TokenSigner::account_of(&claims).unwrap_or(shared.account);
    let access = shared
        .signer
        .mint(TokenKind::Client, room, account, now, token_ttl);
    let body = types::RefreshRoomClientTokenResponse {
        data: Some(types::RefreshRoomClientTokenResponseData {
            token_expires_at: Some(expiry(&access)?),
            token: Some(access.token),
        }),
    };
    to_json(&body)
}

/// The room a token operation names. A room the mock does not hold is refused with 403, the one
/// error status Telnyx documents for these operations (see the README), unless the server was
/// told to mint tokens for any room.
fn room_id(shared: &Shared, request: &ValidRequest, name: &'static str) -> Result<Uuid, ApiError> {
    let room = request
        .path_param(name)
        .and_then(|id| Uuid::try_parse(id).ok())
        .ok_or_else(|| internal(format!("validated path parameter `{name}` is missing")))?;
    if shared.tokens_for_unknown_rooms || shared.state().get(ROOMS, room).is_some() {
        return Ok(room);
    }
    Err(ApiError::one(
        StatusCode::FORBIDDEN,
        ErrorEntry::new(
            AUTHORIZATION_FAILED,
            format!("No room has the id {room}: a token grants joining an existing room."),
        )
        .at(Source::Parameter(name)),
    ))
}

/// A TTL after validation: the request's value or the spec's default.
fn ttl(request: &ValidRequest, name: &str) -> Result<i64, ApiError> {
    request.integer(name).ok_or_else(|| {
        internal(format!(
            "`{name}` is absent and the spec gives it no default"
        ))
    })
}

/// The response's expiry is the token's `exp` claim, so the two can never disagree.
fn expiry(minted: &SignedToken) -> Result<DateTime<Utc>, ApiError> {
    minted
        .claims
        .expires_at()
        .ok_or_else(|| internal("token expiry out of range".to_owned()))
}

fn to_json(body: &impl serde::Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(body).map_err(|err| internal(format!("cannot encode the response: {err}")))
}

fn internal(detail: String) -> ApiError {
    ApiError::one(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorEntry::new(UNEXPECTED, detail),
    )
}
