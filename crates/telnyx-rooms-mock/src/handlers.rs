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

/// What answers an operation, read from its method and path.
#[derive(Debug, Clone, Copy)]
enum Route {
    /// `GET /collection`, or `GET /parent/{id}/collection` (`within` the parent's kind).
    List { kind: usize, within: Option<usize> },
    /// `POST /collection`.
    Create(usize),
    /// `DELETE /collection`.
    DeleteSelected(usize),
    /// `GET /collection/{id}`.
    View(usize),
    /// `PATCH /collection/{id}`.
    Update(usize),
    /// `DELETE /collection/{id}`.
    Delete(usize),
    /// `POST /collection/{id}/actions/{name}`.
    Action(Action),
}

fn route(operation: &Operation) -> Option<Route> {
    let segments: Vec<&str> = operation.path.trim_start_matches('/').split('/').collect();
    let kind = segments.first().and_then(|name| kind_named(name));
    let route = match (operation.method, segments.as_slice()) {
        ("POST", [_, _, "actions", name]) => {
            let (_, action) = ACTIONS.iter().find(|(n, _)| n == name)?;
            Route::Action(*action)
        }
        ("GET", [_, _, children]) => Route::List {
            kind: kind_named(children)?,
            within: Some(kind?),
        },
        ("GET", [_]) => Route::List {
            kind: kind?,
            within: None,
        },
        ("POST", [_]) => Route::Create(kind?),
        ("DELETE", [_]) => Route::DeleteSelected(kind?),
        ("GET", [_, _]) => Route::View(kind?),
        ("PATCH", [_, _]) => Route::Update(kind?),
        ("DELETE", [_, _]) => Route::Delete(kind?),
        _ => return None,
    };
    Some(route)
}

/// The success body of `operation` for a request that passed validation (`Null` for no body).
pub(crate) fn answer(
    shared: &Shared,
    operation: &Operation,
    request: &ValidRequest,
) -> Result<Value, ApiError> {
    let route = route(operation).ok_or_else(|| not_implemented(operation))?;
    if let Route::Action(action) = route {
        return action(shared, request);
    }
    let now = shared.time_source.now_utc();
    // Validated: every operation with an id in its path names it first, as a UUID.
    let id = request.id().map(|(_, id)| id).unwrap_or_default();
    let mut state = shared.state();
    match route {
        Route::List { kind, within } => {
            state.list(kind, within.map(|parent| (parent, id)), request)
        }
        Route::Create(kind) => state.create(kind, request.body(), now),
        Route::DeleteSelected(kind) => state.delete_selected(kind, request),
        Route::View(kind) => state.view(kind, id, Some(request)),
        Route::Update(kind) => state.update(kind, id, request.body(), now),
        Route::Delete(kind) => state.delete(kind, id),
        Route::Action(action) => action(shared, request),
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
    let room = room_id(shared, request)?;
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
    let room = room_id(shared, request)?;
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

/// The room a token operation names: the id its validated path holds (`room_id`, its only path
/// parameter). A room the mock does not hold is refused with 403, the one error status Telnyx
/// documents for these operations (see the README), unless the server was told to mint tokens for
/// any room.
fn room_id(shared: &Shared, request: &ValidRequest) -> Result<Uuid, ApiError> {
    let (name, room) = request
        .id()
        .ok_or_else(|| internal("the validated path holds no room id".to_owned()))?;
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

#[cfg(test)]
mod tests {
    use telnyx_rooms_core::meta::SuccessBody;
    use telnyx_rooms_gen::operations;

    use super::{Route, route};
    use crate::rooms::KINDS;

    /// Every operation of the spec is answered, and what the path says it answers is what its
    /// metadata says: the kind a verb serves has the schema of the operation's success body.
    #[test]
    fn every_operation_has_a_route_that_agrees_with_its_success_body() {
        for operation in operations::ALL {
            let id = operation.operation_id;
            let route = route(operation).unwrap_or_else(|| panic!("{id} has no route"));
            let served = match route {
                Route::List { kind, .. }
                | Route::Create(kind)
                | Route::View(kind)
                | Route::Update(kind) => Some(KINDS[kind].schema),
                Route::Delete(_) | Route::DeleteSelected(_) | Route::Action(_) => None,
            };
            match operation.success_body {
                SuccessBody::Page { schema } | SuccessBody::Data { schema } => {
                    if served.is_some() {
                        assert_eq!(served, schema, "{id}");
                    } else {
                        assert_eq!(schema, None, "{id}: an action or bulk delete has no record");
                    }
                }
                SuccessBody::Empty => assert!(matches!(route, Route::Delete(_)), "{id}"),
                _ => panic!("{id}: a success body the mock does not know"),
            }
            let lists = matches!(route, Route::List { .. });
            assert_eq!(
                lists,
                matches!(operation.success_body, SuccessBody::Page { .. }),
                "{id}"
            );
        }
    }
}
