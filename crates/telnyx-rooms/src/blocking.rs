//! A blocking client, for programs without an async runtime (feature `blocking`).
//!
//! [`blocking::Client`](Client) wraps the async [`crate::Client`] and owns one small tokio
//! runtime (one worker thread, per client, not per call). Everything else is the async client's:
//! the same [`ClientBuilder`] settings and checks before any I/O, the same [`Error`], the same
//! retries, timeouts, redaction and `tracing` spans. Requests are the async request builders,
//! wrapped in a [`Request`] that ends in [`send`](Request::send), which blocks the calling thread
//! until the call is done.
//!
//! ```no_run
//! use std::time::Duration;
//! use telnyx_rooms::blocking::Client;
//!
//! let client = Client::from_env()?; // TELNYX_API_KEY, optional TELNYX_BASE_URL
//! let created = client
//!     .create_client_token("0ccc7b54-4df3-4bca-a65a-3da1ecc777f0")
//!     .token_ttl(Duration::from_secs(600))
//!     .send()?;
//! let refreshed = client
//!     .refresh_client_token(created.room_id(), created.refresh_token().clone())
//!     .send()?;
//! println!("new token until {}", refreshed.expires_at());
//! # Ok::<(), telnyx_rooms::Error>(())
//! ```
//!
//! # Panics
//!
//! Like `reqwest::blocking`, a `send` **must not be called from inside an async context** (a
//! task or `block_on` of a tokio runtime): it panics there with tokio's message "Cannot start a
//! runtime from within a runtime", rather than block a thread that drives other tasks. Use the
//! async [`crate::Client`] there, or call from `tokio::task::spawn_blocking`. Building a client
//! and dropping it are fine anywhere: the runtime is shut down in the background on drop.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::{Handle, Runtime};

use crate::error::{Error, ErrorKind};
use crate::operations::IntoRoomId;
use crate::retry::RetryPolicy;
use telnyx_rooms_core::Secret;
use telnyx_rooms_core::time::{Sleeper, TimeSource};

/// A blocking client of the Telnyx Video Rooms client-token API.
///
/// Cheap to clone: clones share the async client (and its connection pool) and the runtime.
/// `Debug` never shows the API key. See the [module docs](self) for the one rule: never call
/// [`send`](Request::send) inside an async context.
///
/// ```
/// use telnyx_rooms::blocking::Client;
///
/// let client = Client::builder().api_key("KEY_EXAMPLE").build()?;
/// assert!(client.has_api_key());
/// assert!(format!("{client:?}").contains("[REDACTED]"));
/// # Ok::<(), telnyx_rooms::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: crate::Client,
    runtime: Arc<OwnedRuntime>,
}

/// The client's runtime; shut down in the background on drop, so that dropping the last clone
/// inside an async context does not panic (tokio's `Runtime` drop would block there).
struct OwnedRuntime {
    handle: Handle,
    runtime: Option<Runtime>,
}

impl OwnedRuntime {
    fn start() -> Result<Self, Error> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("telnyx-rooms-blocking")
            .enable_all()
            .build()
            .map(|runtime| Self {
                handle: runtime.handle().clone(),
                runtime: Some(runtime),
            })
            .map_err(|source| {
                Error::new(
                    ErrorKind::Config,
                    "could not start the blocking client's runtime",
                )
                .with_source(source)
            })
    }

    /// Runs `call` to completion on this thread; the worker drives I/O and timers meanwhile.
    fn block_on<F: std::future::Future>(&self, call: F) -> F::Output {
        self.handle.block_on(call)
    }
}

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Client {
    /// A builder with every setting at its default (the async [`crate::ClientBuilder`]'s).
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            inner: crate::Client::builder(),
        }
    }

    /// A client configured from `TELNYX_API_KEY` (optional) and `TELNYX_BASE_URL` (default
    /// `https://api.telnyx.com/v2`), as [`crate::Client::from_env`].
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().with_env().build()
    }

    /// Whether the client holds an API key (needed to create tokens, not to refresh them).
    pub fn has_api_key(&self) -> bool {
        self.inner.has_api_key()
    }

    /// The base URL requests go to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        self.inner.base_url()
    }

    /// Creates a client token (and a refresh token) to join room `room_id`; see
    /// [`crate::Client::create_client_token`]. Requires an API key.
    pub fn create_client_token(
        &self,
        room_id: impl IntoRoomId,
    ) -> Request<'_, crate::request::CreateClientToken<'_>> {
        self.request(self.inner.create_client_token(room_id))
    }

    /// Exchanges `refresh_token` for a new client token to join room `room_id`; see
    /// [`crate::Client::refresh_client_token`]. Never sends the API key.
    pub fn refresh_client_token(
        &self,
        room_id: impl IntoRoomId,
        refresh_token: impl Into<Secret>,
    ) -> Request<'_, crate::request::RefreshClientToken<'_>> {
        self.request(self.inner.refresh_client_token(room_id, refresh_token))
    }

    fn request<R>(&self, request: R) -> Request<'_, R> {
        Request {
            request,
            runtime: &self.runtime,
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Client")
            .field(&self.inner)
            .finish()
    }
}

/// Settings of a blocking [`Client`], from [`Client::builder`]: the async
/// [`crate::ClientBuilder`]'s settings, defaults and checks, one for one.
#[must_use]
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    inner: crate::ClientBuilder,
}

/// Builder methods that hand their argument to the async builder's method of the same name.
macro_rules! forward_settings {
    ($($(#[$doc:meta])* $name:ident($value:ident: $ty:ty);)*) => {
        $(
            $(#[$doc])*
            pub fn $name(self, $value: $ty) -> Self {
                Self { inner: self.inner.$name($value) }
            }
        )*
    };
}

impl ClientBuilder {
    forward_settings! {
        /// See [`crate::ClientBuilder::api_key`].
        api_key(api_key: impl Into<Secret>);
        /// See [`crate::ClientBuilder::base_url`] (`http://` only to loopback hosts).
        base_url(base_url: impl AsRef<str>);
        /// See [`crate::ClientBuilder::connect_timeout`] (default 5 s, per attempt).
        connect_timeout(timeout: Duration);
        /// See [`crate::ClientBuilder::timeout`] (default 60 s, per attempt).
        timeout(timeout: Duration);
        /// See [`crate::ClientBuilder::deadline`] (default: none).
        deadline(deadline: Duration);
        /// See [`crate::ClientBuilder::retry_policy`].
        retry_policy(policy: RetryPolicy);
        /// See [`crate::ClientBuilder::user_agent_suffix`].
        user_agent_suffix(suffix: impl Into<String>);
        /// See [`crate::ClientBuilder::http_client`]: an async `reqwest::Client`, which runs on
        /// this client's runtime.
        http_client(client: reqwest::Client);
        /// See [`crate::ClientBuilder::dns_resolver`].
        dns_resolver(resolver: impl reqwest::dns::Resolve + 'static);
        /// See [`crate::ClientBuilder::sleeper`]; the sleep futures run on this client's runtime.
        sleeper(sleeper: impl Sleeper);
        /// See [`crate::ClientBuilder::time_source`].
        time_source(time_source: impl TimeSource);
    }

    fn with_env(self) -> Self {
        Self {
            inner: self.inner.with_env(|name| std::env::var(name).ok()),
        }
    }

    /// Checks the settings as [`crate::ClientBuilder::build`] does, then starts the client's
    /// runtime (one worker thread). Performs no network I/O.
    pub fn build(self) -> Result<Client, Error> {
        let inner = self.inner.build()?;
        Ok(Client {
            inner,
            runtime: Arc::new(OwnedRuntime::start()?),
        })
    }
}

impl From<crate::ClientBuilder> for ClientBuilder {
    /// A blocking builder with the async builder's settings.
    fn from(inner: crate::ClientBuilder) -> Self {
        Self { inner }
    }
}

/// A request from a blocking [`Client`]: the async client's request builder `R`, with the same
/// options, sent with [`send`](Self::send), which blocks the calling thread until the call is done.
#[must_use = "a request does nothing until it is sent"]
pub struct Request<'c, R> {
    request: R,
    runtime: &'c OwnedRuntime,
}

impl<R: std::future::IntoFuture> Request<'_, R> {
    /// Checks the request, then sends it (with retries), blocking until done.
    ///
    /// # Panics
    ///
    /// Inside an async context (see the [module docs](self)).
    pub fn send(self) -> R::Output {
        self.runtime.block_on(self.request.into_future())
    }
}

impl<R: fmt::Debug> fmt::Debug for Request<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.request.fmt(f)
    }
}

/// Options of a blocking request that hand their argument to the async request's option of the
/// same name.
macro_rules! forward_options {
    ($request:ident { $($name:ident($value:ident: $ty:ty)),* $(,)? }) => {
        impl<'c> Request<'c, crate::request::$request<'c>> {
            $(
                #[doc = concat!("See [`", stringify!($request), "::", stringify!($name), "`](crate::request::", stringify!($request), "::", stringify!($name), ").")]
                pub fn $name(self, $value: $ty) -> Self {
                    Self { request: self.request.$name($value), ..self }
                }
            )*
        }
    };
}

forward_options!(CreateClientToken {
    token_ttl(ttl: Duration),
    refresh_token_ttl(ttl: Duration),
    retry_policy(policy: RetryPolicy),
});
forward_options!(RefreshClientToken {
    token_ttl(ttl: Duration),
    retry_policy(policy: RetryPolicy),
});
