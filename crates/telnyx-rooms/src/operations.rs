//! The two operations as request builders — [`CreateClientToken`] and [`RefreshClientToken`] —
//! with their client-side checks (room id, TTL bounds from the spec) and response conversion.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use progenitor_client::{Error as GenError, ResponseValue};
use serde::de::DeserializeOwned;
use telnyx_rooms_core::meta::{Field, Operation};
use telnyx_rooms_core::redact::{REDACTED, Sent};
use telnyx_rooms_gen::operations::{
    CREATE_ROOM_CLIENT_TOKEN, REFRESH_ROOM_CLIENT_TOKEN, create_room_client_token,
    refresh_room_client_token,
};
use telnyx_rooms_gen::{capture_response_head, types};
use uuid::Uuid;

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::response::{Failure, ResponseMeta, Success, settle};
use crate::retry::RetryPolicy;
use crate::token::{CreatedToken, RefreshedToken};
use telnyx_rooms_core::Secret;
use telnyx_rooms_core::secret::credential_problem;

/// A room id: a [`Uuid`], or text that must parse as one.
///
/// Text that is not a UUID becomes an [`ErrorKind::InvalidRequest`] error when the call is made,
/// before any I/O.
pub trait IntoRoomId {
    /// The room id, or an [`ErrorKind::InvalidRequest`] error naming the field `room_id`.
    fn into_room_id(self) -> Result<Uuid, Error>;
}

impl IntoRoomId for Uuid {
    fn into_room_id(self) -> Result<Uuid, Error> {
        Ok(self)
    }
}

impl IntoRoomId for &Uuid {
    fn into_room_id(self) -> Result<Uuid, Error> {
        Ok(*self)
    }
}

impl IntoRoomId for &str {
    fn into_room_id(self) -> Result<Uuid, Error> {
        Uuid::try_parse(self.trim()).map_err(|source| {
            Error::new(
                ErrorKind::InvalidRequest,
                "the room id is not a UUID (expected e.g. 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0)",
            )
            .with_request_field("room_id", "room_id")
            .with_source(source)
        })
    }
}

impl IntoRoomId for String {
    fn into_room_id(self) -> Result<Uuid, Error> {
        self.as_str().into_room_id()
    }
}

impl IntoRoomId for &String {
    fn into_room_id(self) -> Result<Uuid, Error> {
        self.as_str().into_room_id()
    }
}

/// The future of [`CreateClientToken`] and [`RefreshClientToken`] when awaited directly.
pub type CallFuture<'c, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'c>>;

/// The name a caller knows a wire field by: the builder method that sets it. A duration is set as
/// a `Duration` and sent as whole seconds, so `token_ttl` is sent as `token_ttl_secs`.
pub(crate) fn setting_name(field: &'static Field) -> &'static str {
    field.name.strip_suffix("_secs").unwrap_or(field.name)
}

/// A TTL as whole seconds within the bounds the spec gives `field`; the error names the setting
/// as the caller set it (and the wire name apart), the value and the bounds.
pub(crate) fn ttl_seconds(
    field: &'static Field,
    ttl: Option<Duration>,
) -> Result<Option<i64>, Error> {
    let Some(ttl) = ttl else {
        return Ok(None);
    };
    let setting = setting_name(field);
    let invalid = |why: String| {
        Error::new(ErrorKind::InvalidRequest, format!("{setting} {why}"))
            .with_request_field(setting, field.name)
    };
    if ttl.subsec_nanos() != 0 {
        return Err(invalid(format!(
            "must be a whole number of seconds, got {ttl:?}"
        )));
    }
    match i64::try_from(ttl.as_secs()) {
        Ok(secs) if field.accepts(secs) => Ok(Some(secs)),
        _ => {
            let bounds = match (field.minimum, field.maximum) {
                (Some(min), Some(max)) => format!("{min}..={max} s"),
                (Some(min), None) => format!("at least {min} s"),
                (None, Some(max)) => format!("at most {max} s"),
                (None, None) => "any".to_owned(),
            };
            Err(invalid(format!(
                "= {} s is outside the range the API accepts ({bounds})",
                ttl.as_secs()
            )))
        }
    }
}

/// Runs one generated call, settles its result, and returns the body with what is needed to
/// check it.
async fn attempt<'s, S>(
    operation: &Operation,
    call: impl Future<Output = Result<ResponseValue<S>, GenError<types::VideoErrors>>>,
    sent: Sent<'s>,
) -> Result<(S, Received<'s>), Failure>
where
    S: DeserializeOwned,
{
    let (result, head) = capture_response_head(call).await;
    let success = settle(operation.operation_id, result, head, &sent).await?;
    Ok(Received::split(operation, success, sent))
}

/// A success response being checked: every value the spec marks optional but a token needs is
/// required here, and its absence is a decode error with status and request id — never a token
/// with a made-up expiry.
pub(crate) struct Received<'s> {
    operation_id: &'static str,
    status: u16,
    meta: ResponseMeta,
    sent: Sent<'s>,
}

impl<'s> Received<'s> {
    /// A settled success as its body and what checking that body needs.
    pub(crate) fn split<S>(
        operation: &Operation,
        success: Success<S>,
        sent: Sent<'s>,
    ) -> (S, Self) {
        let Success { body, status, meta } = success;
        let received = Self {
            operation_id: operation.operation_id,
            status,
            meta,
            sent,
        };
        (body, received)
    }

    fn require<T>(&self, value: Option<T>, path: &str) -> Result<T, Failure> {
        value.ok_or_else(|| {
            Failure::permanent(
                Error::new(
                    ErrorKind::Decode,
                    format!(
                        "the {} response of {} lacks `{path}`",
                        self.status, self.operation_id
                    ),
                )
                .with_status(self.status)
                .with_request_id(self.meta.request_id().map(str::to_owned)),
            )
        })
    }

    /// The client token and its expiry, both required.
    fn client_token(
        &self,
        token: Option<String>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(Secret, DateTime<Utc>), Failure> {
        Ok((
            self.token(token, "data.token")?,
            self.require(expires_at, "data.token_expires_at")?,
        ))
    }

    /// A token string: present, usable as a bearer credential (no control characters, no
    /// spaces, not absurdly long) — a hostile server's "token" never reaches a terminal or a
    /// header raw — and not an echo of a secret the call sent.
    fn token(&self, value: Option<String>, path: &str) -> Result<Secret, Failure> {
        let token = self.require(value.filter(|token| !token.is_empty()), path)?;
        let echo = self
            .sent
            .echoed_in(&token)
            .then(|| "repeats a secret this call sent".to_owned());
        match echo.or_else(|| credential_problem(&token)) {
            None => Ok(Secret::from(token)),
            Some(problem) => Err(Failure::permanent(
                Error::new(
                    ErrorKind::Decode,
                    format!(
                        "`{path}` in the {} response of {} is not a usable token: it {problem}",
                        self.status, self.operation_id
                    ),
                )
                .with_status(self.status)
                .with_request_id(self.meta.request_id().map(str::to_owned)),
            )),
        }
    }
}

/// `IntoFuture` for a request builder, so `.await` sends it.
macro_rules! await_sends {
    ($request:ident => $output:ty) => {
        impl<'c> IntoFuture for $request<'c> {
            type Output = Result<$output, Error>;
            type IntoFuture = CallFuture<'c, $output>;

            fn into_future(self) -> Self::IntoFuture {
                crate::client::pinned_in_place(|| self.send())
            }
        }
    };
}

/// Request to create a client token, from [`Client::create_client_token`]. Send it with
/// [`send`](Self::send) or `.await` it directly.
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct CreateClientToken<'c> {
    client: &'c Client,
    room_id: Result<Uuid, Error>,
    token_ttl: Option<Duration>,
    refresh_token_ttl: Option<Duration>,
    retry_policy: Option<RetryPolicy>,
}

impl<'c> CreateClientToken<'c> {
    /// Lifetime of the client token; whole seconds within the spec's bounds (10 s to 1 h today).
    /// Unset, the API's default applies (10 min today) and nothing is sent.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = Some(ttl);
        self
    }

    /// Lifetime of the refresh token; whole seconds within the spec's bounds (1 min to 24 h
    /// today). Unset, the API's default applies (1 h today) and nothing is sent.
    pub fn refresh_token_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_token_ttl = Some(ttl);
        self
    }

    /// The retry policy of this call only.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// Checks the request, then sends it (with retries).
    pub async fn send(self) -> Result<CreatedToken, Error> {
        let room_id = self.room_id?;
        let body = types::CreateRoomClientTokenRequest {
            token_ttl_secs: ttl_seconds(
                &create_room_client_token::body::TOKEN_TTL_SECS,
                self.token_ttl,
            )?,
            refresh_token_ttl_secs: ttl_seconds(
                &create_room_client_token::body::REFRESH_TOKEN_TTL_SECS,
                self.refresh_token_ttl,
            )?,
        };
        self.client
            .execute(
                CREATE_ROOM_CLIENT_TOKEN,
                (room_id, None),
                self.retry_policy.as_ref(),
                &body,
                create_attempt,
            )
            .await
    }
}

async fn create_attempt(
    generated: &telnyx_rooms_gen::Client,
    room_id: Uuid,
    body: &types::CreateRoomClientTokenRequest,
    sent: Sent<'_>,
) -> Result<CreatedToken, Failure> {
    // Pinned in place: the layers around it then move a pointer, not the generated call's
    // kilobytes of state, and `Client::execute` boxes this whole attempt once (callgrind:
    // one large allocation per call instead of two; BENCHMARKS.md).
    let call = std::pin::pin!(generated.create_room_client_token(&room_id, body));
    let (body, received) = attempt(&CREATE_ROOM_CLIENT_TOKEN, call, sent).await?;
    created_token(room_id, body, received)
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
        received.meta,
    ))
}

await_sends!(CreateClientToken => CreatedToken);

impl fmt::Debug for CreateClientToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateClientToken")
            .field("room_id", &self.room_id.as_ref().ok())
            .field("token_ttl", &self.token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("retry_policy", &self.retry_policy)
            .finish()
    }
}

/// Request to refresh a client token, from [`Client::refresh_client_token`]. Send it with
/// [`send`](Self::send) or `.await` it directly. The API key is never sent with it.
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct RefreshClientToken<'c> {
    client: &'c Client,
    room_id: Result<Uuid, Error>,
    refresh_token: Secret,
    token_ttl: Option<Duration>,
    retry_policy: Option<RetryPolicy>,
}

impl<'c> RefreshClientToken<'c> {
    /// Lifetime of the new client token; whole seconds within the spec's bounds (10 s to 1 h
    /// today). Unset, the API's default applies (10 min today) and nothing is sent.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = Some(ttl);
        self
    }

    /// The retry policy of this call only.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// Checks the request, then sends it (with retries).
    pub async fn send(self) -> Result<RefreshedToken, Error> {
        let room_id = self.room_id?;
        let refresh_field = &refresh_room_client_token::body::REFRESH_TOKEN;
        if let Some(problem) = credential_problem(self.refresh_token.expose()) {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!("{} {problem}", refresh_field.name),
            )
            .with_request_field(refresh_field.name, refresh_field.name));
        }
        let body = types::RefreshRoomClientTokenRequest {
            refresh_token: self.refresh_token.expose().to_owned(),
            token_ttl_secs: ttl_seconds(
                &refresh_room_client_token::body::TOKEN_TTL_SECS,
                self.token_ttl,
            )?,
        };
        self.client
            .execute(
                REFRESH_ROOM_CLIENT_TOKEN,
                (room_id, Some(self.refresh_token.expose())),
                self.retry_policy.as_ref(),
                &body,
                refresh_attempt,
            )
            .await
    }
}

async fn refresh_attempt(
    generated: &telnyx_rooms_gen::Client,
    room_id: Uuid,
    body: &types::RefreshRoomClientTokenRequest,
    sent: Sent<'_>,
) -> Result<RefreshedToken, Failure> {
    let call = std::pin::pin!(generated.refresh_room_client_token(&room_id, body));
    let (body, received) = attempt(&REFRESH_ROOM_CLIENT_TOKEN, call, sent).await?;
    refreshed_token(room_id, body, received)
}

/// A decoded refresh response as a token, or a decode error naming the value it lacks.
pub(crate) fn refreshed_token(
    room_id: Uuid,
    body: types::RefreshRoomClientTokenResponse,
    received: Received<'_>,
) -> Result<RefreshedToken, Failure> {
    let data = received.require(body.data, "data")?;
    let client_token = received.client_token(data.token, data.token_expires_at)?;
    Ok(RefreshedToken::new(room_id, client_token, received.meta))
}

await_sends!(RefreshClientToken => RefreshedToken);

impl fmt::Debug for RefreshClientToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshClientToken")
            .field("room_id", &self.room_id.as_ref().ok())
            .field("refresh_token", &REDACTED)
            .field("token_ttl", &self.token_ttl)
            .field("retry_policy", &self.retry_policy)
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
    pub fn create_client_token(&self, room_id: impl IntoRoomId) -> CreateClientToken<'_> {
        CreateClientToken {
            client: self,
            room_id: room_id.into_room_id(),
            token_ttl: None,
            refresh_token_ttl: None,
            retry_policy: None,
        }
    }

    /// Exchanges `refresh_token` for a new client token to join room `room_id`.
    ///
    /// Needs no API key, and never sends one (the spec's `security: []` for this operation).
    /// A refresh token that cannot be a bearer credential (see
    /// [`Secret::MAX_LEN`](crate::Secret::MAX_LEN)) is an [`ErrorKind::InvalidRequest`]
    /// error naming `refresh_token`, before any I/O; the token is scrubbed from anything the
    /// server sends back.
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
        room_id: impl IntoRoomId,
        refresh_token: impl Into<Secret>,
    ) -> RefreshClientToken<'_> {
        RefreshClientToken {
            client: self,
            room_id: room_id.into_room_id(),
            refresh_token: refresh_token.into(),
            token_ttl: None,
            retry_policy: None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ttl_bounds_come_from_the_spec() {
        let token_ttl = &create_room_client_token::body::TOKEN_TTL_SECS;
        let refresh_ttl = &create_room_client_token::body::REFRESH_TOKEN_TTL_SECS;
        let secs = Duration::from_secs;
        assert_eq!(ttl_seconds(token_ttl, None).expect("unset"), None);
        assert_eq!(
            ttl_seconds(token_ttl, Some(secs(10))).expect("min"),
            Some(10)
        );
        assert_eq!(
            ttl_seconds(token_ttl, Some(secs(3600))).expect("max"),
            Some(3600)
        );
        assert_eq!(
            ttl_seconds(refresh_ttl, Some(secs(86_400))).expect("max"),
            Some(86_400)
        );
        for (field, bad) in [
            (token_ttl, secs(9)),
            (token_ttl, secs(3601)),
            (refresh_ttl, secs(59)),
            (refresh_ttl, secs(86_401)),
            (token_ttl, Duration::MAX),
        ] {
            let error = ttl_seconds(field, Some(bad)).expect_err("out of range");
            assert_eq!(error.kind(), ErrorKind::InvalidRequest);
            assert_eq!(error.field(), Some(setting_name(field)));
            assert_eq!(error.wire_field(), Some(field.name));
            assert_eq!(error.attempts(), 0);
        }
        let message = ttl_seconds(token_ttl, Some(secs(5)))
            .expect_err("below")
            .to_string();
        assert_eq!(
            message,
            "invalid request: token_ttl = 5 s is outside the range the API accepts (10..=3600 s)"
        );
        let fractional =
            ttl_seconds(token_ttl, Some(Duration::from_millis(10_500))).expect_err("fractional");
        assert!(
            fractional.to_string().contains("whole number of seconds"),
            "{fractional}"
        );
    }

    #[test]
    fn room_ids_parse_or_fail_with_a_named_field() {
        let id = Uuid::parse_str("0ccc7b54-4df3-4bca-a65a-3da1ecc777f0").expect("uuid");
        assert_eq!(id.into_room_id().expect("uuid"), id);
        assert_eq!((&id).into_room_id().expect("&uuid"), id);
        assert_eq!(
            " 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 "
                .into_room_id()
                .expect("str"),
            id
        );
        assert_eq!(id.to_string().into_room_id().expect("String"), id);
        let error = "room-1".into_room_id().expect_err("not a uuid");
        assert_eq!(error.kind(), ErrorKind::InvalidRequest);
        assert_eq!(error.field(), Some("room_id"));
        assert!(std::error::Error::source(&error).is_some());
    }
}
