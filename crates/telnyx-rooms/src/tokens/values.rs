//! The tokens the two calls return: [`CreatedToken`] and [`RefreshedToken`].

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::response::ResponseMeta;
use telnyx_rooms_core::Secret;

/// Time from `now` until `expires_at`, zero when it has passed.
fn time_left(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    (expires_at - now).to_std().unwrap_or(Duration::ZERO)
}

/// What both token values hold: the room, the client token and its expiry, the response's metadata.
#[derive(Clone)]
struct ClientToken {
    room_id: Uuid,
    token: Secret,
    expires_at: DateTime<Utc>,
    meta: ResponseMeta,
}

impl ClientToken {
    fn new(
        room_id: Uuid,
        (token, expires_at): (Secret, DateTime<Utc>),
        meta: ResponseMeta,
    ) -> Self {
        Self {
            room_id,
            token,
            expires_at,
            meta,
        }
    }
}

/// The accessors both token values share: room, client token, its expiry, response metadata.
macro_rules! client_token_accessors {
    () => {
        /// The room the token admits to.
        pub fn room_id(&self) -> Uuid {
            self.client.room_id
        }

        /// The client token to join the room with.
        pub fn token(&self) -> &Secret {
            &self.client.token
        }

        /// When the client token stops being accepted (server clock).
        pub fn expires_at(&self) -> DateTime<Utc> {
            self.client.expires_at
        }

        /// The response's `Date` header: the server's clock, to correct for local clock skew
        /// (`expires_at - server_date` is the lifetime the server granted).
        pub fn server_date(&self) -> Option<DateTime<Utc>> {
            self.client.meta.server_date()
        }

        /// The API's request id for the response (`x-request-id`), if it sent one.
        pub fn request_id(&self) -> Option<&str> {
            self.client.meta.request_id()
        }

        /// How long the client token remains valid after `now`; zero once expired.
        pub fn time_left(&self, now: DateTime<Utc>) -> Duration {
            time_left(self.client.expires_at, now)
        }

        /// Whether the client token has expired at `now`.
        pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
            now >= self.client.expires_at
        }
    };
}

/// `Debug` for both token values: ids, expiries and response metadata, then `extra` fields; the
/// tokens show as [`Secret`] does, redacted.
macro_rules! client_token_debug {
    ($name:ident $(, $extra:ident)*) => {
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("room_id", &self.client.room_id)
                    .field("token", &self.client.token)
                    .field("expires_at", &self.client.expires_at)
                    $(.field(stringify!($extra), &self.$extra))*
                    .field("server_date", &self.client.meta.server_date())
                    .field("request_id", &self.client.meta.request_id())
                    .finish()
            }
        }
    };
}

/// A client token (to join a room) with its refresh token, from
/// [`Client::create_client_token`](crate::Client::create_client_token).
///
/// `Debug` shows the expiries and ids, never the tokens; read them with [`Secret::expose`].
///
/// ```
/// # async fn run(client: telnyx_rooms::Client) -> Result<(), telnyx_rooms::Error> {
/// use telnyx_rooms::time::{SystemTimeSource, TimeSource};
///
/// let token = client.create_client_token("0ccc7b54-4df3-4bca-a65a-3da1ecc777f0").await?;
/// let join_with = token.token().expose();
/// // Refresh a little before the client token runs out.
/// let refresh_in = token
///     .time_left(SystemTimeSource.now_utc())
///     .saturating_sub(std::time::Duration::from_secs(30));
/// # let _ = (join_with, refresh_in);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CreatedToken {
    client: ClientToken,
    refresh_token: Secret,
    refresh_token_expires_at: DateTime<Utc>,
}

impl CreatedToken {
    pub(crate) fn new(
        room_id: Uuid,
        client_token: (Secret, DateTime<Utc>),
        (refresh_token, refresh_token_expires_at): (Secret, DateTime<Utc>),
        meta: ResponseMeta,
    ) -> Self {
        Self {
            client: ClientToken::new(room_id, client_token, meta),
            refresh_token,
            refresh_token_expires_at,
        }
    }

    client_token_accessors!();

    /// The refresh token, for [`Client::refresh_client_token`](crate::Client::refresh_client_token).
    pub fn refresh_token(&self) -> &Secret {
        &self.refresh_token
    }

    /// When the refresh token stops being accepted (server clock).
    pub fn refresh_token_expires_at(&self) -> DateTime<Utc> {
        self.refresh_token_expires_at
    }

    /// How long the refresh token remains valid after `now`; zero once expired.
    pub fn refresh_time_left(&self, now: DateTime<Utc>) -> Duration {
        time_left(self.refresh_token_expires_at, now)
    }
}

client_token_debug!(CreatedToken, refresh_token, refresh_token_expires_at);

/// A new client token, from [`Client::refresh_client_token`](crate::Client::refresh_client_token).
///
/// `Debug` shows the expiry and ids, never the token; read it with [`Secret::expose`].
#[derive(Clone)]
pub struct RefreshedToken {
    client: ClientToken,
}

impl RefreshedToken {
    pub(crate) fn new(
        room_id: Uuid,
        client_token: (Secret, DateTime<Utc>),
        meta: ResponseMeta,
    ) -> Self {
        Self {
            client: ClientToken::new(room_id, client_token, meta),
        }
    }

    client_token_accessors!();
}

client_token_debug!(RefreshedToken);

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0)
            .single()
            .expect("valid timestamp")
    }

    #[test]
    fn expiry_helpers_count_down_and_clamp_at_zero() {
        let token = RefreshedToken::new(
            Uuid::nil(),
            (Secret::from("t"), at(600)),
            ResponseMeta::default(),
        );
        assert_eq!(token.time_left(at(0)), Duration::from_secs(600));
        assert_eq!(token.time_left(at(599)), Duration::from_secs(1));
        assert_eq!(token.time_left(at(600)), Duration::ZERO);
        assert_eq!(token.time_left(at(10_000)), Duration::ZERO);
        assert!(!token.is_expired_at(at(599)));
        assert!(token.is_expired_at(at(600)));

        let created = CreatedToken::new(
            Uuid::nil(),
            (Secret::from("t"), at(600)),
            (Secret::from("r"), at(3600)),
            ResponseMeta::default(),
        );
        assert_eq!(created.time_left(at(0)), Duration::from_secs(600));
        assert_eq!(created.refresh_time_left(at(0)), Duration::from_secs(3600));
        assert!(created.is_expired_at(at(601)));
    }
}
