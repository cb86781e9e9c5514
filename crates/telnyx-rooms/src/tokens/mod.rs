//! The client-token operations: create a token to join a room, refresh it with its refresh token.

mod values;

use std::time::Duration;

use telnyx_rooms_core::Secret;
use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_core::redact::{REDACTED, Sent};
use telnyx_rooms_core::secret::credential_problem;
use telnyx_rooms_gen::operations::{
    CREATE_ROOM_CLIENT_TOKEN, REFRESH_ROOM_CLIENT_TOKEN, create_room_client_token as create,
    refresh_room_client_token as refresh,
};
use telnyx_rooms_gen::types;
use uuid::Uuid;

pub use values::{CreatedToken, RefreshedToken};

use crate::call::{Call, Request, options, sends};
use crate::check::{self, IntoId};
use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::received::{Received, attempt};
use crate::response::Failure;

/// The parameters of a create, from [`Client::create_client_token`]: the room, and the lifetimes
/// of the client token and the refresh token (unset, the API's defaults apply and nothing is
/// sent).
#[derive(Debug, Clone)]
pub struct CreateClientToken {
    room_id: Uuid,
    token_ttl: Option<Duration>,
    refresh_token_ttl: Option<Duration>,
}

/// The parameters of a refresh, from [`Client::refresh_client_token`]: the room, the refresh
/// token (never shown) and the new client token's lifetime. The API key is never sent with it.
#[derive(Clone)]
pub struct RefreshClientToken {
    room_id: Uuid,
    refresh_token: Secret,
    token_ttl: Option<Duration>,
}

options!(CreateClientToken {
    /// Lifetime of the client token; whole seconds within the spec's bounds (10 s to 1 h today).
    /// Unset, the API's default applies (10 min today) and nothing is sent.
    fn token_ttl(ttl: Duration) |p| p.token_ttl = Some(ttl);
    /// Lifetime of the refresh token; whole seconds within the spec's bounds (1 min to 24 h
    /// today). Unset, the API's default applies (1 h today) and nothing is sent.
    fn refresh_token_ttl(ttl: Duration) |p| p.refresh_token_ttl = Some(ttl);
});

options!(RefreshClientToken {
    /// Lifetime of the new client token; whole seconds within the spec's bounds (10 s to 1 h
    /// today). Unset, the API's default applies (10 min today) and nothing is sent.
    fn token_ttl(ttl: Duration) |p| p.token_ttl = Some(ttl);
});

sends!(CreateClientToken => CreatedToken, RefreshClientToken => RefreshedToken);

impl Call for CreateClientToken {
    type Output = CreatedToken;
    type Body = types::CreateRoomClientTokenRequest;

    fn operation(&self) -> &'static Operation {
        &CREATE_ROOM_CLIENT_TOKEN
    }

    fn target(&self) -> Option<Uuid> {
        Some(self.room_id)
    }

    fn body(&self) -> Result<Self::Body, Error> {
        Ok(types::CreateRoomClientTokenRequest {
            token_ttl_secs: check::seconds(&create::body::TOKEN_TTL_SECS, self.token_ttl)?,
            refresh_token_ttl_secs: check::seconds(
                &create::body::REFRESH_TOKEN_TTL_SECS,
                self.refresh_token_ttl,
            )?,
        })
    }

    async fn attempt<'a>(
        &'a self,
        body: &'a Self::Body,
        generated: &'a telnyx_rooms_gen::Client,
        sent: Sent<'a>,
    ) -> Result<CreatedToken, Failure> {
        // Pinned in place: the layers around it then move a pointer, not the generated call's
        // kilobytes of state (callgrind; BENCHMARKS.md).
        let call = std::pin::pin!(generated.create_room_client_token(&self.room_id, body));
        let (body, received) = attempt(self.operation(), call, sent).await?;
        created_token(self.room_id, body, received)
    }
}

impl Call for RefreshClientToken {
    type Output = RefreshedToken;
    type Body = types::RefreshRoomClientTokenRequest;

    fn operation(&self) -> &'static Operation {
        &REFRESH_ROOM_CLIENT_TOKEN
    }

    fn target(&self) -> Option<Uuid> {
        Some(self.room_id)
    }

    fn secret(&self) -> Option<&str> {
        Some(self.refresh_token.expose())
    }

    fn body(&self) -> Result<Self::Body, Error> {
        let field = &refresh::body::REFRESH_TOKEN;
        if let Some(problem) = credential_problem(self.refresh_token.expose()) {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!("{} {problem}", field.name),
            )
            .with_request_field(field.name, field.name));
        }
        Ok(types::RefreshRoomClientTokenRequest {
            refresh_token: self.refresh_token.expose().to_owned(),
            token_ttl_secs: check::seconds(&refresh::body::TOKEN_TTL_SECS, self.token_ttl)?,
        })
    }

    async fn attempt<'a>(
        &'a self,
        body: &'a Self::Body,
        generated: &'a telnyx_rooms_gen::Client,
        sent: Sent<'a>,
    ) -> Result<RefreshedToken, Failure> {
        let call = std::pin::pin!(generated.refresh_room_client_token(&self.room_id, body));
        let (body, received) = attempt(self.operation(), call, sent).await?;
        refreshed_token(self.room_id, body, received)
    }
}

/// A decoded create response as a token, or a decode error naming the value it lacks.
pub(crate) fn created_token(
    room_id: Uuid,
    body: types::CreateRoomClientTokenResponse,
    received: Received<'_>,
) -> Result<CreatedToken, Failure> {
    let data = received.require(body.data, "data")?;
    let client_token = received.client_token(data.token, data.token_expires_at)?;
    let refresh_token = (
        received.token(data.refresh_token, "data.refresh_token")?,
        received.require(
            data.refresh_token_expires_at,
            "data.refresh_token_expires_at",
        )?,
    );
    Ok(CreatedToken::new(
        room_id,
        client_token,
        refresh_token,
        received.into_meta(),
    ))
}

/// A decoded refresh response as a token, or a decode error naming the value it lacks.
pub(crate) fn refreshed_token(
    room_id: Uuid,
    body: types::RefreshRoomClientTokenResponse,
    received: Received<'_>,
) -> Result<RefreshedToken, Failure> {
    let data = received.require(body.data, "data")?;
    let client_token = received.client_token(data.token, data.token_expires_at)?;
    Ok(RefreshedToken::new(
        room_id,
        client_token,
        received.into_meta(),
    ))
}

impl std::fmt::Debug for RefreshClientToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshClientToken")
            .field("room_id", &self.room_id)
            .field("refresh_token", &REDACTED)
            .field("token_ttl", &self.token_ttl)
            .finish()
    }
}

impl Client {
    /// Creates a client token (and a refresh token) to join room `room_id`.
    ///
    /// Requires an API key. Optional TTLs are checked against the spec's bounds before any I/O.
    ///
    /// ```
    /// # async fn run(client: telnyx_rooms::Client) -> Result<(), telnyx_rooms::Error> {
    /// use std::time::Duration;
    ///
    /// let token = client
    ///     .create_client_token("0ccc7b54-4df3-4bca-a65a-3da1ecc777f0")
    ///     .token_ttl(Duration::from_secs(900))
    ///     .await?;
    /// println!("join with it until {}", token.expires_at());
    /// # Ok(()) }
    /// ```
    pub fn create_client_token(&self, room_id: impl IntoId) -> Request<'_, CreateClientToken> {
        let params = check::id(room_id, "room_id").map(|room_id| CreateClientToken {
            room_id,
            token_ttl: None,
            refresh_token_ttl: None,
        });
        Request::new(self, params)
    }

    /// Exchanges `refresh_token` for a new client token to join room `room_id`.
    ///
    /// Needs no API key, and never sends one (the spec's `security: []` for this operation).
    /// A refresh token that cannot be a bearer credential (see
    /// [`Secret::MAX_LEN`](crate::Secret::MAX_LEN)) is an [`ErrorKind::InvalidRequest`] error
    /// naming `refresh_token`, before any I/O; the token is scrubbed from anything the server
    /// sends back.
    ///
    /// ```
    /// # async fn run(client: telnyx_rooms::Client, created: telnyx_rooms::CreatedToken) -> Result<(), telnyx_rooms::Error> {
    /// let refreshed = client
    ///     .refresh_client_token(created.room_id(), created.refresh_token().clone())
    ///     .await?;
    /// println!("new token valid until {}", refreshed.expires_at());
    /// # Ok(()) }
    /// ```
    pub fn refresh_client_token(
        &self,
        room_id: impl IntoId,
        refresh_token: impl Into<Secret>,
    ) -> Request<'_, RefreshClientToken> {
        let refresh_token = refresh_token.into();
        let params = check::id(room_id, "room_id").map(|room_id| RefreshClientToken {
            room_id,
            refresh_token,
            token_ttl: None,
        });
        Request::new(self, params)
    }
}
