//! `Token`: a client token with its expiry on the server's clock and on the local monotonic clock.

use std::fmt;
use std::time::Duration;
use telnyx_rooms::Secret;

use chrono::{DateTime, Utc};
use telnyx_rooms_core::redact::REDACTED;
use telnyx_rooms_core::time::TimeSource;
use tokio::time::Instant;

/// A client token a keeper currently holds.
///
/// Cheap to clone (the string is shared). The token string is read through [`expose`](Self::expose);
/// `Debug` prints `[REDACTED]`.
#[derive(Clone)]
pub struct Token {
    secret: Secret,
    expires_at: DateTime<Utc>,
    valid_until: Instant,
}

impl Token {
    pub(crate) fn new(secret: Secret, expires_at: DateTime<Utc>, valid_until: Instant) -> Self {
        Self {
            secret,
            expires_at,
            valid_until,
        }
    }

    /// The token string, to hand to the Telnyx video client SDK.
    pub fn expose(&self) -> &str {
        self.secret.expose()
    }

    /// The expiry the server stated, on the server's clock. Clocks elsewhere may disagree with it; prefer
    /// [`time_left`](Self::time_left) when telling a browser how long the token lasts.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// The local monotonic instant after which the keeper treats the token as expired. Measured from the
    /// server's own clock (its `Date` header) or the requested lifetime, and rounded down, so it does not
    /// depend on the local wall clock agreeing with Telnyx's.
    pub fn valid_until(&self) -> Instant {
        self.valid_until
    }

    /// How long the token stays valid after `now` (`tokio::time::Instant::now()`); zero once
    /// expired. The facade's tokens have the same method on the wall clock; the keeper's is on the
    /// monotonic one, measured from the server's own clock.
    pub fn time_left(&self, now: Instant) -> Duration {
        self.valid_until.saturating_duration_since(now)
    }

    /// Whether the token has expired at `now`, as the facade's `is_expired_at`.
    pub fn is_expired_at(&self, now: Instant) -> bool {
        now >= self.valid_until
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("token", &REDACTED)
            .field("expires_at", &self.expires_at)
            .field("valid_until", &self.valid_until)
            .finish()
    }
}

/// The moment a call was sent, on both clocks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SentAt {
    pub(crate) at: Instant,
    pub(crate) wall: DateTime<Utc>,
}

impl SentAt {
    /// Now, on the monotonic clock and on `time`'s wall clock.
    pub(crate) fn now(time: &dyn TimeSource) -> Self {
        Self {
            at: Instant::now(),
            wall: time.now_utc(),
        }
    }
}

/// The `Date` header has whole seconds, so the server's clock may be up to this much later than it says.
const DATE_RESOLUTION: Duration = Duration::from_secs(1);

/// The local instant until which something expiring at `expires_at` (server clock) is surely valid, or
/// `None` if it is already expired.
///
/// Lifetimes are measured on the server's clock and started at the local send instant, which is no later
/// than the server's answer, so the estimate errs early:
/// - with the server's `Date`: `expires_at - date - 1 s` (the header's resolution);
/// - with a requested lifetime too: the smaller of the two, in case the server granted less than asked;
/// - with only a requested lifetime: that lifetime;
/// - with neither: `expires_at` against the local wall clock, the one case that trusts it.
pub(crate) fn valid_until(
    expires_at: DateTime<Utc>,
    server_date: Option<DateTime<Utc>>,
    requested: Option<Duration>,
    sent: SentAt,
) -> Option<Instant> {
    let by_date =
        server_date.map(|date| positive(expires_at - date).saturating_sub(DATE_RESOLUTION));
    let lifetime = match (by_date, requested) {
        (Some(by_date), Some(requested)) => by_date.min(requested),
        (Some(by_date), None) => by_date,
        (None, Some(requested)) => requested,
        (None, None) => positive(expires_at - sent.wall),
    };
    if lifetime.is_zero() {
        return None;
    }
    sent.at.checked_add(lifetime)
}

fn positive(delta: chrono::TimeDelta) -> Duration {
    delta.to_std().unwrap_or(Duration::ZERO)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sent_at(wall: &str) -> SentAt {
        SentAt {
            at: Instant::now(),
            wall: wall.parse().expect("test time"),
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("test time")
    }

    #[test]
    fn server_date_wins_over_a_skewed_wall_clock() {
        // Local wall clock five years behind; the server says the token lives 600 s.
        let sent = sent_at("2021-01-01T00:00:00Z");
        let until = valid_until(
            t("2026-01-01T00:10:00Z"),
            Some(t("2026-01-01T00:00:00Z")),
            None,
            sent,
        )
        .expect("valid");
        assert_eq!(until - sent.at, Duration::from_secs(599));
    }

    #[test]
    fn requested_ttl_caps_the_server_claim_and_stands_in_without_date() {
        let sent = sent_at("2030-06-01T00:00:00Z");
        let expires = t("2026-01-01T00:10:00Z");
        let date = Some(t("2026-01-01T00:00:00Z"));
        let until =
            valid_until(expires, date, Some(Duration::from_secs(300)), sent).expect("valid");
        assert_eq!(until - sent.at, Duration::from_secs(300));
        let until = valid_until(expires, None, Some(Duration::from_secs(10)), sent).expect("valid");
        assert_eq!(until - sent.at, Duration::from_secs(10));
    }

    #[test]
    fn wall_clock_is_the_last_resort_and_expired_is_none() {
        let sent = sent_at("2026-01-01T00:00:00Z");
        let until = valid_until(t("2026-01-01T00:01:00Z"), None, None, sent).expect("valid");
        assert_eq!(until - sent.at, Duration::from_secs(60));
        assert!(valid_until(t("2025-12-31T23:59:00Z"), None, None, sent).is_none());
        // A token that outlives the Date header by under a second is already unusable.
        let date = Some(t("2026-01-01T00:00:00Z"));
        assert!(valid_until(t("2026-01-01T00:00:00.5Z"), date, None, sent).is_none());
    }

    #[test]
    fn debug_redacts_the_token() {
        let token = Token::new(
            Secret::from("secret-jwt"),
            t("2026-01-01T00:00:00Z"),
            Instant::now(),
        );
        let shown = format!("{token:?}");
        assert!(!shown.contains("secret-jwt"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
    }
}
