//! What each operation does with a valid request: mint tokens, or verify a refresh token and mint.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::Value;
use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_gen::operations::{self, create_room_client_token, refresh_room_client_token};
use telnyx_rooms_gen::types;
use uuid::Uuid;

use crate::api_error::{AUTHORIZATION_FAILED, ApiError, ErrorEntry, Source, UNEXPECTED};
use crate::server::Shared;
use crate::token::{SignedToken, TokenKind, TokenSigner};
use crate::validate::ValidRequest;

/// The success body of `operation` for a request that passed validation.
pub(crate) fn answer(
    shared: &Shared,
    operation: &Operation,
    request: &ValidRequest,
) -> Result<Value, ApiError> {
    let id = operation.operation_id;
    if id == operations::CREATE_ROOM_CLIENT_TOKEN.operation_id {
        create(shared, request)
    } else if id == operations::REFRESH_ROOM_CLIENT_TOKEN.operation_id {
        refresh(shared, request)
    } else {
        Err(ApiError::one(
            StatusCode::NOT_IMPLEMENTED,
            ErrorEntry::new(
                UNEXPECTED,
                format!("telnyx-rooms-mock does not implement {id} yet."),
            ),
        ))
    }
}

fn create(shared: &Shared, request: &ValidRequest) -> Result<Value, ApiError> {
    let room = room_id(request, create_room_client_token::path::ROOM_ID.name)?;
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
    let room = room_id(request, refresh_room_client_token::path::ROOM_ID.name)?;
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

fn room_id(request: &ValidRequest, name: &str) -> Result<Uuid, ApiError> {
    request
        .path_param(name)
        .and_then(|id| Uuid::try_parse(id).ok())
        .ok_or_else(|| internal(format!("validated path parameter `{name}` is missing")))
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
