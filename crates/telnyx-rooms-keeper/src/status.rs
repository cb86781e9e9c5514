//! What subscribers see: a session's `Status`, a `LateStart` estimate while its first token is
//! late, and, once it is over, its `EndReason`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use crate::Token;

/// Where a session stands. Subscribers receive a new value each time the token changes or the session
/// ends.
#[non_exhaustive]
pub enum Status<E> {
    /// Getting the first token.
    Starting,
    /// Getting the first token, which the pool expects only after the start timeout: its queue holds
    /// more calls than the rate it achieves can make in time (see
    /// [`RefreshPolicy::start_timeout`](crate::RefreshPolicy::start_timeout)). The session keeps
    /// its place and the estimate is renewed as the pool learns; keep waiting, or drop the session
    /// (shed it) and add it again later. Told as soon as the pool sees it, not after the fact.
    Late(LateStart),
    /// A token is held and will be kept fresh.
    Active(Token),
    /// A token is held, but the session cannot outlive its refresh token: the source has no API key to
    /// mint a new pair. Refreshes go on until then; the session ends when the last token expires.
    Ending {
        /// The current token.
        token: Token,
        /// When the refresh token expires, on the server's clock.
        refresh_token_expires_at: DateTime<Utc>,
        /// The local instant after which the refresh token is treated as expired.
        refresh_token_valid_until: Instant,
    },
    /// The session is over; no token of it is valid any more.
    Ended(EndReason<E>),
}

impl<E> Status<E> {
    /// The current token, if it is still valid now (never an expired one, even if the keeper is behind).
    pub fn token(&self) -> Option<&Token> {
        match self {
            Status::Active(token) | Status::Ending { token, .. } => {
                Some(token).filter(|t| !t.is_expired_at(Instant::now()))
            }
            Status::Starting | Status::Late(_) | Status::Ended(_) => None,
        }
    }

    /// Whether the session is still waiting for its first token ([`Starting`](Self::Starting) or
    /// [`Late`](Self::Late)).
    pub fn is_starting(&self) -> bool {
        matches!(self, Status::Starting | Status::Late(_))
    }

    /// Why the session ended, once it has.
    pub fn end_reason(&self) -> Option<&EndReason<E>> {
        match self {
            Status::Ended(reason) => Some(reason),
            _ => None,
        }
    }

    /// Whether the session is over.
    pub fn is_ended(&self) -> bool {
        matches!(self, Status::Ended(_))
    }
}

impl<E> Clone for Status<E> {
    fn clone(&self) -> Self {
        match self {
            Status::Starting => Status::Starting,
            Status::Late(late) => Status::Late(*late),
            Status::Active(token) => Status::Active(token.clone()),
            Status::Ending {
                token,
                refresh_token_expires_at,
                refresh_token_valid_until,
            } => Status::Ending {
                token: token.clone(),
                refresh_token_expires_at: *refresh_token_expires_at,
                refresh_token_valid_until: *refresh_token_valid_until,
            },
            Status::Ended(reason) => Status::Ended(reason.clone()),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for Status<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Starting => f.write_str("Starting"),
            Status::Late(late) => f.debug_tuple("Late").field(late).finish(),
            Status::Active(token) => f.debug_tuple("Active").field(token).finish(),
            Status::Ending {
                token,
                refresh_token_expires_at,
                ..
            } => f
                .debug_struct("Ending")
                .field("token", token)
                .field("refresh_token_expires_at", refresh_token_expires_at)
                .finish(),
            Status::Ended(reason) => f.debug_tuple("Ended").field(reason).finish(),
        }
    }
}

/// Why a session ended.
#[non_exhaustive]
#[derive(Debug)]
pub enum EndReason<E> {
    /// Stopped by its owner: the keeper, session handle or pool was stopped or dropped.
    Stopped,
    /// The source failed with an error that retrying cannot fix (403, unknown room, missing API key, ...).
    Failed(Arc<E>),
    /// No new token could be had while the refresh token lived (with an API key, and within the start
    /// timeout after it; for a new session, within the start timeout from its first call): every
    /// attempt failed with a transient error, the last of which is kept. Until then a session whose
    /// client token has expired lives on without a token to hand out.
    Expired {
        /// The last transient error, if any attempt finished.
        last_error: Option<Arc<E>>,
    },
    /// The refresh token expired and the source has no API key to mint a new pair; announced ahead of
    /// time by [`Status::Ending`].
    RefreshTokenExpired,
    /// The server returned a token that was already expired by its own clock.
    UnusableToken,
    /// Ended before its first call, because its first token was not expected before the start
    /// timeout and the policy sheds such sessions
    /// ([`RefreshPolicy::shed_late_starts`](crate::RefreshPolicy::shed_late_starts)): add it again
    /// later, when the pool's backlog allows.
    Shed(LateStart),
    /// The room given was not a room id (text that is not a UUID): no call was made.
    InvalidRoom(uuid::Error),
}

impl<E> Clone for EndReason<E> {
    fn clone(&self) -> Self {
        match self {
            EndReason::Stopped => EndReason::Stopped,
            EndReason::Failed(error) => EndReason::Failed(Arc::clone(error)),
            EndReason::Expired { last_error } => EndReason::Expired {
                last_error: last_error.clone(),
            },
            EndReason::RefreshTokenExpired => EndReason::RefreshTokenExpired,
            EndReason::UnusableToken => EndReason::UnusableToken,
            EndReason::Shed(late) => EndReason::Shed(*late),
            EndReason::InvalidRoom(error) => EndReason::InvalidRoom(error.clone()),
        }
    }
}

impl<E: fmt::Display> fmt::Display for EndReason<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndReason::Stopped => f.write_str("token session stopped"),
            EndReason::Failed(error) => write!(f, "token session failed: {error}"),
            EndReason::Expired {
                last_error: Some(error),
            } => write!(f, "token expired before it could be renewed: {error}"),
            EndReason::Expired { last_error: None } => {
                f.write_str("token expired before it could be renewed")
            }
            EndReason::RefreshTokenExpired => {
                f.write_str("refresh token expired and no API key is set to mint a new one")
            }
            EndReason::UnusableToken => f.write_str("server returned an already expired token"),
            EndReason::Shed(late) => write!(
                f,
                "token session shed: its first token was expected {} s past the start timeout, \
                 behind {} calls",
                late.late_by().as_secs(),
                late.ahead()
            ),
            EndReason::InvalidRoom(error) => {
                write!(
                    f,
                    "token session not started: the room id is not a UUID ({error})"
                )
            }
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for EndReason<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EndReason::Failed(error)
            | EndReason::Expired {
                last_error: Some(error),
            } => Some(error.as_ref()),
            _ => None,
        }
    }
}

/// When a pool expects a session's first token, once that is past its start timeout.
///
/// The estimate is the pool's own: the calls queued ahead of the session, at the rate the pool
/// has achieved lately (answers with a token per second while calls waited), after any pause the
/// server imposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LateStart {
    expected_at: Instant,
    deadline: Instant,
    ahead: usize,
}

impl LateStart {
    pub(crate) fn new(expected_at: Instant, deadline: Instant, ahead: usize) -> Self {
        Self {
            expected_at,
            deadline,
            ahead,
        }
    }

    /// When the pool expects to make the session's first call.
    pub fn expected_at(&self) -> Instant {
        self.expected_at
    }

    /// How long from now until then; zero if that is now or past.
    pub fn expected_in(&self) -> Duration {
        self.expected_at.saturating_duration_since(Instant::now())
    }

    /// The session's start deadline: when it was added, plus the start timeout.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// How far past the deadline the first call is expected.
    pub fn late_by(&self) -> Duration {
        self.expected_at.saturating_duration_since(self.deadline)
    }

    /// Calls queued ahead of the session's first mint.
    pub fn ahead(&self) -> usize {
        self.ahead
    }
}
