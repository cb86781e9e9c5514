//! The request every operation's builder is: [`Request`] — an operation's parameters, the options
//! every call shares (retry policy, per-attempt timeout), and `.await` (or `send()`) to make the
//! call through the client's one call loop. An operation is its parameters type implementing
//! [`Call`]: how to check them before any I/O, and how one attempt calls the generated client.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_core::redact::Sent;
use uuid::Uuid;

use crate::client::Client;
use crate::error::Error;
use crate::response::Failure;
use crate::retry::RetryPolicy;

/// The future of a [`Request`] awaited directly.
pub type CallFuture<'c, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'c>>;

/// One operation of the API, as the parameters of its request: how they are checked before any
/// I/O and how one attempt calls the generated client. Each operation's builder is
/// `Request<'_, ItsParameters>`; [`sends!`] gives it `send()` and `.await` for its output.
pub(crate) trait Call: Send + Sync {
    /// What a successful call returns.
    type Output: Send;
    /// What every attempt sends besides the parameters (a request body), built once.
    type Body: Send + Sync;

    /// The operation's metadata, from the spec.
    fn operation(&self) -> &'static Operation;

    /// The id in the operation's path (a room, session or participant), for the call's span.
    fn target(&self) -> Option<Uuid>;

    /// The call's own secret besides the API key (a refresh token), scrubbed from replies.
    fn secret(&self) -> Option<&str> {
        None
    }

    /// Checks the parameters before any I/O (bounds and enums from the spec) and builds what
    /// every attempt sends.
    fn body(&self) -> Result<Self::Body, Error>;

    /// One attempt: the generated client's call, its reply settled and converted.
    fn attempt<'a>(
        &'a self,
        body: &'a Self::Body,
        generated: &'a telnyx_rooms_gen::Client,
        sent: Sent<'a>,
    ) -> impl Future<Output = Result<Self::Output, Failure>> + Send + 'a;
}

/// A request to the API from a [`Client`]: set its options, then `.await` it (or call `send()`).
///
/// The options every request has are here ([`retry_policy`](Self::retry_policy),
/// [`timeout`](Self::timeout)); each operation adds its own, named as on the builder that
/// documents them (`Request<'_, CreateClientToken>::token_ttl`).
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct Request<'c, P> {
    client: &'c Client,
    /// The parameters, or the error of an argument refused when the request was made (a room id
    /// that is not a UUID), reported when it is sent, before any I/O.
    params: Result<P, Error>,
    retry_policy: Option<RetryPolicy>,
    timeout: Option<Duration>,
}

impl<'c, P> Request<'c, P> {
    pub(crate) fn new(client: &'c Client, params: Result<P, Error>) -> Self {
        Self {
            client,
            params,
            retry_policy: None,
            timeout: None,
        }
    }

    /// The retry policy of this call only (the client's otherwise).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// The time each attempt of this call may take (the client's
    /// [`timeout`](crate::ClientBuilder::timeout) otherwise); the client's deadline still bounds
    /// the whole call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The request with `set` applied to its parameters (none when they were refused already).
    pub(crate) fn with(mut self, set: impl FnOnce(&mut P)) -> Self {
        if let Ok(params) = &mut self.params {
            set(params);
        }
        self
    }

    pub(crate) fn params(&self) -> Result<&P, &Error> {
        self.params.as_ref()
    }

    /// The same request (client and options) with other parameters.
    pub(crate) fn with_params(&self, params: P) -> Self {
        Self {
            client: self.client,
            params: Ok(params),
            retry_policy: self.retry_policy.clone(),
            timeout: self.timeout,
        }
    }
}

impl<P> Request<'_, P> {
    /// Checks the request, then sends it (with retries): what `send()` and `.await` run.
    pub(crate) async fn run(self) -> Result<P::Output, Error>
    where
        P: Call,
    {
        let params = self.params?;
        let body = params.body()?;
        let options = Options {
            retry_policy: self.retry_policy.as_ref(),
            timeout: self.timeout,
        };
        self.client.execute(&params, &body, options).await
    }
}

/// `send()` and `.await` for an operation's request, with its output type named: `$params =>
/// $output`.
macro_rules! sends {
    ($($params:ident => $output:ty),* $(,)?) => {$(
        impl<'c> $crate::call::Request<'c, $params> {
            /// Checks the request, then sends it (with retries).
            pub async fn send(self) -> Result<$output, $crate::Error> {
                self.run().await
            }
        }

        impl<'c> ::std::future::IntoFuture for $crate::call::Request<'c, $params> {
            type Output = Result<$output, $crate::Error>;
            type IntoFuture = $crate::call::CallFuture<'c, $output>;

            fn into_future(self) -> Self::IntoFuture {
                $crate::client::pinned_in_place(|| self.run())
            }
        }

        #[cfg(feature = "blocking")]
        impl<'c> $crate::blocking::Request<'c, $params> {
            /// Checks the request, then sends it (with retries), blocking until done.
            ///
            /// # Panics
            ///
            /// Inside an async context (see [`blocking`]($crate::blocking)).
            pub fn send(self) -> Result<$output, $crate::Error> {
                self.block_on($crate::call::Request::run)
            }
        }
    )*};
}
pub(crate) use sends;

impl<P: fmt::Debug> fmt::Debug for Request<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("params", &self.params.as_ref().ok())
            .field("retry_policy", &self.retry_policy)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What a call may override of the client's settings.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options<'a> {
    pub(crate) retry_policy: Option<&'a RetryPolicy>,
    pub(crate) timeout: Option<Duration>,
}

/// An operation's own options, defined once for its async [`Request`] and, with the `blocking`
/// feature, for its blocking one: each sets its parameters through `|$params| …`.
macro_rules! options {
    ($params:ident { $(
        $(#[$doc:meta])*
        fn $name:ident($($arg:ident: $ty:ty),*) |$p:ident| $set:expr;
    )* }) => {
        impl<'c> $crate::call::Request<'c, $params> {
            $(
                $(#[$doc])*
                pub fn $name(self, $($arg: $ty),*) -> Self {
                    self.with(|$p: &mut $params| $set)
                }
            )*
        }

        #[cfg(feature = "blocking")]
        impl<'c> $crate::blocking::Request<'c, $params> {
            $(
                $(#[$doc])*
                pub fn $name(self, $($arg: $ty),*) -> Self {
                    self.map(|request| request.$name($($arg),*))
                }
            )*
        }
    };
}
pub(crate) use options;
