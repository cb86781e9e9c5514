//! `TokenSource` for the `telnyx-rooms` facade client.

use std::time::Duration;

use telnyx_rooms::retry::RetryPolicy;
use telnyx_rooms::{Client, CreatedToken, Error};
use uuid::Uuid;

use crate::{IssuedToken, MintedToken, TokenSource, Ttls};

/// Mints with `create_client_token` (needs the client's API key) and refreshes with
/// `refresh_client_token` (sends no key).
///
/// Each call is made once, without the client's own retries: the keeper retries transient failures
/// itself ([`Error::is_retryable`]), with backoff bounded by the lifetime of the token it still holds,
/// and never sooner than the server asked ([`Error::retry_after`]).
impl TokenSource for Client {
    type Error = Error;

    fn can_mint(&self) -> bool {
        self.has_api_key()
    }

    async fn mint(&self, room: Uuid, ttls: Ttls) -> Result<MintedToken, Error> {
        let mut request = self
            .create_client_token(room)
            .retry_policy(RetryPolicy::none());
        if let Some(ttl) = ttls.token_ttl {
            request = request.token_ttl(ttl);
        }
        if let Some(ttl) = ttls.refresh_token_ttl {
            request = request.refresh_token_ttl(ttl);
        }
        Ok(MintedToken::from(request.send().await?))
    }

    async fn refresh(
        &self,
        room: Uuid,
        refresh_token: &str,
        token_ttl: Option<Duration>,
    ) -> Result<IssuedToken, Error> {
        let mut request = self
            .refresh_client_token(room, refresh_token)
            .retry_policy(RetryPolicy::none());
        if let Some(ttl) = token_ttl {
            request = request.token_ttl(ttl);
        }
        let refreshed = request.send().await?;
        Ok(
            IssuedToken::new(refreshed.token().clone(), refreshed.expires_at())
                .with_server_date(refreshed.server_date()),
        )
    }

    fn is_transient(&self, error: &Error) -> bool {
        error.is_retryable()
    }

    fn retry_after(&self, error: &Error) -> Option<Duration> {
        error.retry_after()
    }
}

/// For [`KeeperPool::adopt`](crate::KeeperPool::adopt): a pair created with the facade elsewhere.
impl From<CreatedToken> for MintedToken {
    fn from(created: CreatedToken) -> Self {
        let token = IssuedToken::new(created.token().clone(), created.expires_at())
            .with_server_date(created.server_date());
        MintedToken::new(
            token,
            created.refresh_token().clone(),
            created.refresh_token_expires_at(),
        )
    }
}
