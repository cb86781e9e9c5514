//! A success response being read: the generated call's reply settled into a body, and every value
//! the spec marks optional but the caller needs required, with a decode error (status, request id)
//! when it is missing — never a made-up value.

use std::future::Future;

use chrono::{DateTime, Utc};
use progenitor_client::{Error as GenError, ResponseValue};
use serde::de::DeserializeOwned;
use telnyx_rooms_core::Secret;
use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_core::redact::Sent;
use telnyx_rooms_core::secret::credential_problem;
use telnyx_rooms_gen::{capture_response_head, types};

use crate::error::{Error, ErrorKind};
use crate::response::{Failure, ResponseMeta, Success, settle};

/// Runs one generated call, settles its result, and returns the body with what is needed to
/// check it.
pub(crate) async fn attempt<'s, S>(
    operation: &Operation,
    call: impl Future<Output = Result<ResponseValue<S>, GenError<types::VideoErrors>>>,
    sent: Sent<'s>,
) -> Result<(S, Received<'s>), Failure>
where
    S: DeserializeOwned,
{
    let (result, head) = capture_response_head(call).await;
    let success = settle(operation, result, head, &sent).await?;
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

    /// Text the server returned as data (a name, a URL, a context), with any echo of a secret the
    /// call sent replaced.
    pub(crate) fn data_text(&self, text: Option<String>) -> Option<String> {
        text.map(|text| self.sent.without_secrets(text))
    }

    /// What the response said besides its body.
    pub(crate) fn into_meta(self) -> ResponseMeta {
        self.meta
    }

    pub(crate) fn require<T>(&self, value: Option<T>, path: &str) -> Result<T, Failure> {
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
    pub(crate) fn client_token(
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
    pub(crate) fn token(&self, value: Option<String>, path: &str) -> Result<Secret, Failure> {
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
