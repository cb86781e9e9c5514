//! Any operation of the generated client through the facade's call loop: [`Client::generated`],
//! for the operations the facade does not wrap (recordings and compositions) — same API key, base
//! URL, timeouts, retries, typed errors and redaction; the result is the generated type.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_core::redact::Sent;
use telnyx_rooms_gen::types::VideoErrors;
use uuid::Uuid;

use crate::call::{Call, CallFuture, Request};
use crate::client::Client;
use crate::error::Error;
use crate::received::attempt;
use crate::response::Failure;

/// The future of one generated call, as [`Client::generated`]'s closure returns it.
pub type GeneratedFuture<'a, T> = Pin<
    Box<
        dyn Future<
                Output = Result<
                    progenitor_client::ResponseValue<T>,
                    progenitor_client::Error<VideoErrors>,
                >,
            > + Send
            + 'a,
    >,
>;

/// The parameters of [`Client::generated`]: the operation's metadata and the call to make.
pub struct Generated<F> {
    operation: &'static Operation,
    call: F,
}

impl<F> fmt::Debug for Generated<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generated")
            .field("operation", &self.operation.operation_id)
            .finish_non_exhaustive()
    }
}

impl<F, T> Call for Generated<F>
where
    F: for<'a> Fn(&'a telnyx_rooms_gen::Client) -> GeneratedFuture<'a, T> + Send + Sync,
    T: serde::de::DeserializeOwned + Send + 'static,
{
    type Output = T;
    type Body = ();

    fn operation(&self) -> &'static Operation {
        self.operation
    }

    fn target(&self) -> Option<Uuid> {
        None
    }

    fn body(&self) -> Result<(), Error> {
        Ok(())
    }

    async fn attempt<'a>(
        &'a self,
        _body: &'a (),
        generated: &'a telnyx_rooms_gen::Client,
        sent: Sent<'a>,
    ) -> Result<T, Failure> {
        attempt(self.operation, (self.call)(generated), sent)
            .await
            .map(|(body, _)| body)
    }
}

impl<'c, F, T> IntoFuture for Request<'c, Generated<F>>
where
    F: for<'a> Fn(&'a telnyx_rooms_gen::Client) -> GeneratedFuture<'a, T> + Send + Sync + 'c,
    T: serde::de::DeserializeOwned + Send + 'static,
{
    type Output = Result<T, Error>;
    type IntoFuture = CallFuture<'c, T>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

impl Client {
    /// Makes any call of the generated client (`telnyx_rooms_gen::Client`) through this client:
    /// its API key where the spec asks for one, base URL, per-attempt timeout and deadline,
    /// retries, typed [`Error`]s and the scrubbing of server text. `operation` is the call's
    /// metadata from `telnyx_rooms_gen::operations`; the closure makes one attempt, and is called
    /// again for each retry. The result is the generated response type, which follows Telnyx's
    /// spec: use this for the operations the client does not wrap (recordings, compositions).
    ///
    /// ```
    /// # async fn run(client: telnyx_rooms::Client) -> Result<(), telnyx_rooms::Error> {
    /// use telnyx_rooms_gen::operations::LIST_ROOM_RECORDINGS;
    ///
    /// let recordings = client
    ///     .generated(&LIST_ROOM_RECORDINGS, |api| {
    ///         Box::pin(api.list_room_recordings(
    ///             None, None, None, None, None, None, None, None, None, None, None, None, None, None,
    ///         ))
    ///     })
    ///     .await?;
    /// println!("{} recordings", recordings.data.len());
    /// # Ok(()) }
    /// ```
    pub fn generated<F, T>(
        &self,
        operation: &'static Operation,
        call: F,
    ) -> Request<'_, Generated<F>>
    where
        F: for<'a> Fn(&'a telnyx_rooms_gen::Client) -> GeneratedFuture<'a, T> + Send + Sync,
    {
        Request::new(self, Ok(Generated { operation, call }))
    }
}
