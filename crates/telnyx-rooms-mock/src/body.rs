//! Reading a request body: at most [`MAX_BODY_BYTES`], within the body timeout, and telling a body
//! that is too large (413) from one that never arrived whole (400) or too slowly (408).

use std::pin::Pin;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody as _};
use axum::http::StatusCode;

use crate::api_error::{ApiError, BAD_REQUEST, ErrorEntry, TIMEOUT};

/// Requests larger than this are refused (the operations' bodies are a few hundred bytes).
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

/// Why a body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// More than [`MAX_BODY_BYTES`] were declared or sent.
    TooLarge,
    /// The body ended early or was framed wrongly (a short `Content-Length`, bad chunked
    /// encoding, a reset stream).
    Unreadable,
    /// The body did not arrive within the body timeout.
    TimedOut,
}

impl BodyError {
    /// The answer to a request whose body could not be read.
    pub(crate) fn to_api_error(self) -> ApiError {
        match self {
            Self::TooLarge => ApiError::one(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorEntry::new(
                    BAD_REQUEST,
                    format!("The request body exceeds {MAX_BODY_BYTES} bytes."),
                ),
            ),
            Self::Unreadable => ApiError::one(
                StatusCode::BAD_REQUEST,
                ErrorEntry::new(
                    BAD_REQUEST,
                    "The request body is incomplete or its framing is invalid.",
                ),
            ),
            Self::TimedOut => ApiError::one(
                StatusCode::REQUEST_TIMEOUT,
                ErrorEntry::new(TIMEOUT, "The request body did not arrive in time."),
            ),
        }
    }
}

/// Reads the whole body, refusing it as soon as it is known to exceed [`MAX_BODY_BYTES`].
pub(crate) async fn read(body: Body, timeout: Duration) -> Result<Bytes, BodyError> {
    tokio::time::timeout(timeout, read_limited(body, MAX_BODY_BYTES))
        .await
        .unwrap_or(Err(BodyError::TimedOut))
}

async fn read_limited(mut body: Body, max: usize) -> Result<Bytes, BodyError> {
    let declared = body.size_hint().lower();
    if !usize::try_from(declared).is_ok_and(|declared| declared <= max) {
        return Err(BodyError::TooLarge);
    }
    let mut collected = Vec::new();
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        let Some(frame) = frame else {
            return Ok(Bytes::from(collected));
        };
        let frame = frame.map_err(|_| BodyError::Unreadable)?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > max {
                return Err(BodyError::TooLarge);
            }
            collected.extend_from_slice(&data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bodies_up_to_the_limit_are_read_and_larger_ones_refused() {
        let exact = Body::from(vec![b'x'; MAX_BODY_BYTES]);
        let read_back = read(exact, Duration::from_secs(5)).await;
        assert_eq!(read_back.map(|b| b.len()), Ok(MAX_BODY_BYTES));
        let over = Body::from(vec![b'x'; MAX_BODY_BYTES + 1]);
        assert_eq!(
            read(over, Duration::from_secs(5)).await,
            Err(BodyError::TooLarge)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_never_ends_times_out() {
        let (_sender, body) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        let stream = futures_util::stream::unfold(body, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let body = Body::from_stream(stream);
        assert_eq!(
            read(body, Duration::from_secs(3)).await,
            Err(BodyError::TimedOut)
        );
    }

    #[tokio::test]
    async fn a_body_that_breaks_off_is_unreadable_not_too_large() {
        let stream = futures_util::stream::iter([
            Ok(Bytes::from_static(b"{\"token_ttl")),
            Err(std::io::Error::other(
                "connection closed before the body ended",
            )),
        ]);
        assert_eq!(
            read(Body::from_stream(stream), Duration::from_secs(5)).await,
            Err(BodyError::Unreadable)
        );
    }
}
