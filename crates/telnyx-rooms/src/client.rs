//! [`Client`] and the call loop every operation runs through: key check, per-attempt timeout,
//! overall deadline, retries, tracing.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_core::redact::{REDACTED, Sent};
use telnyx_rooms_core::time::{SharedTimeSource, Sleeper};
use telnyx_rooms_gen::Credentials;
use tracing::Instrument;
use uuid::Uuid;

use crate::config::ClientBuilder;
use crate::error::{Error, ErrorKind};
use crate::response::Failure;
use crate::retry::{Decision, RetryPolicy, decide};
use crate::telemetry;
use telnyx_rooms_core::Secret;

/// The Telnyx Video Rooms client-token API.
///
/// Cheap to clone (one `Arc`); share one per process so connections are reused. `Debug` never
/// shows the API key.
///
/// ```
/// use telnyx_rooms::Client;
///
/// // TELNYX_API_KEY (optional: without it only refresh works) and TELNYX_BASE_URL.
/// let from_env = Client::from_env()?;
/// let explicit = Client::builder().api_key("KEY_EXAMPLE").build()?;
/// assert!(format!("{explicit:?}").contains("[REDACTED]"));
/// # let _ = from_env;
/// # Ok::<(), telnyx_rooms::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    generated: telnyx_rooms_gen::Client,
    base_url: String,
    has_api_key: bool,
    /// Kept only to scrub it from what servers send back.
    api_key: Option<Secret>,
    timeout: Duration,
    deadline: Option<Duration>,
    retry_policy: RetryPolicy,
    custom_http_client: bool,
    /// The environment's proxy for https, as errors name it.
    proxy: Option<String>,
    sleeper: Arc<dyn Sleeper>,
    time_source: SharedTimeSource,
}

impl Client {
    /// A builder with every setting at its default.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `TELNYX_API_KEY` (optional) and `TELNYX_BASE_URL` (default
    /// `https://api.telnyx.com/v2`); empty values count as unset. Other settings are defaults.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder()
            .with_env(|name| std::env::var(name).ok())
            .build()
    }

    /// The client from settings [`ClientBuilder::build`] has checked.
    pub(crate) fn from_parts(
        builder: ClientBuilder,
        base_url: String,
        (http, proxy): (reqwest::Client, Option<String>),
        credentials: Credentials,
    ) -> Self {
        let has_api_key = credentials.has_api_key();
        Self {
            inner: Arc::new(Inner {
                generated: telnyx_rooms_gen::Client::new_with_client(&base_url, http, credentials),
                base_url,
                has_api_key,
                api_key: builder.api_key,
                timeout: builder.timeout,
                deadline: builder.deadline,
                retry_policy: builder.retry_policy,
                custom_http_client: builder.http_client.is_some(),
                proxy,
                sleeper: builder.sleeper,
                time_source: builder.time_source,
            }),
        }
    }

    /// Whether the client holds an API key (needed to create tokens, not to refresh them).
    pub fn has_api_key(&self) -> bool {
        self.inner.has_api_key
    }

    /// The base URL requests go to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Runs one call: checks the key before any I/O, then makes attempts until one succeeds,
    /// the retry policy says stop, or the deadline would be passed.
    ///
    /// `secret` is the call's own secret besides the API key (the refresh token): it and the key
    /// are scrubbed from everything the server sends back.
    pub(crate) async fn execute<'a, T, B, F, Fut>(
        &'a self,
        operation: Operation,
        (room_id, secret): (Uuid, Option<&'a str>),
        policy: Option<&'a RetryPolicy>,
        body: &'a B,
        attempt: F,
    ) -> Result<T, Error>
    where
        B: ?Sized,
        F: Fn(&'a telnyx_rooms_gen::Client, Uuid, &'a B, Sent<'a>) -> Fut,
        Fut: Future<Output = Result<T, Failure>> + 'a,
    {
        if operation.requires_api_key() && !self.inner.has_api_key {
            return Err(Error::new(
                ErrorKind::MissingApiKey,
                format!(
                    "{} requires an API key: set TELNYX_API_KEY or call ClientBuilder::api_key",
                    operation.operation_id
                ),
            ));
        }
        let sent = Sent::new(self.inner.api_key.as_ref().map(Secret::expose), secret);
        let span = telemetry::call_span(operation.operation_id, room_id);
        let policy = policy.unwrap_or(&self.inner.retry_policy);
        let started = tokio::time::Instant::now();
        let call = async {
            let mut retries_done = 0u32;
            loop {
                let attempt_number = retries_done + 1;
                telemetry::record_attempt(&span, attempt_number);
                let (budget, deadline_bound) = self.attempt_budget(started.elapsed());
                let failure = if budget.is_zero() {
                    timeout_failure(budget, true)
                } else {
                    // Boxed: over a kilobyte of state (the generated call's included), kept
                    // out of the call's own future so `.await` on a request builder (which
                    // boxes that future) copies and allocates little (callgrind; BENCHMARKS.md).
                    let attempt =
                        pinned_in_place(|| attempt(&self.inner.generated, room_id, body, sent));
                    match tokio::time::timeout(budget, attempt).await {
                        Ok(Ok(value)) => return Ok(value),
                        Ok(Err(failure)) => failure,
                        Err(_elapsed) => timeout_failure(budget, deadline_bound),
                    }
                };
                let (error, outcome) = failure.resolve(self.inner.time_source.now());
                let error = match &self.inner.proxy {
                    Some(proxy) if error.is_transport() => error.through_proxy(proxy),
                    _ => error,
                };
                telemetry::record_response(&span, error.status(), error.request_id());
                let decision = decide(policy, retries_done, outcome, fastrand::f64());
                let delay = match decision {
                    Decision::RetryAfter(delay) if self.fits_deadline(started, delay) => delay,
                    _ => return Err(error.with_attempts(attempt_number)),
                };
                tracing::debug!(
                    target: telemetry::TARGET,
                    attempt = attempt_number,
                    delay_ms = delay.as_millis() as u64,
                    error = %error,
                    "attempt failed; retrying"
                );
                self.inner.sleeper.sleep(delay).await;
                retries_done += 1;
            }
        };
        if span.is_disabled() {
            // Nobody listens: skip the span bookkeeping (measurable per call).
            return call.await;
        }
        let result = call.instrument(span.clone()).await;
        telemetry::record_latency(&span, started.elapsed());
        result
    }

    /// How long the next attempt may take, and whether the overall deadline (rather than the
    /// per-attempt timeout) is what limits it.
    fn attempt_budget(&self, elapsed: Duration) -> (Duration, bool) {
        match self.inner.deadline {
            Some(deadline) => {
                let left = deadline.saturating_sub(elapsed);
                if left < self.inner.timeout {
                    (left, true)
                } else {
                    (self.inner.timeout, false)
                }
            }
            None => (self.inner.timeout, false),
        }
    }

    /// Whether waiting `delay` still leaves time before the deadline for another attempt.
    fn fits_deadline(&self, started: tokio::time::Instant, delay: Duration) -> bool {
        self.inner
            .deadline
            .is_none_or(|deadline| started.elapsed().saturating_add(delay) < deadline)
    }
}

/// The future `make` builds, boxed and pinned, the box allocated first so that the future can be
/// built straight into it: `Box::pin(future)` builds it on the stack and copies it over (its
/// argument is evaluated first). For an attempt (kilobytes, the generated call included) that copy
/// is gone (callgrind; BENCHMARKS.md); for the `IntoFuture` box the compiler still copies.
pub(crate) fn pinned_in_place<F: Future>(make: impl FnOnce() -> F) -> Pin<Box<F>> {
    let slot = Box::new_uninit();
    Box::into_pin(Box::write(slot, make()))
}

fn timeout_failure(budget: Duration, deadline_bound: bool) -> Failure {
    let message = if deadline_bound {
        format!("the call's overall deadline was reached (attempt allowed {budget:?})")
    } else {
        format!("the attempt took longer than the per-attempt timeout of {budget:?}")
    };
    Failure::transient(Error::new(ErrorKind::Timeout, message))
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("base_url", &inner.base_url)
            .field("api_key", &inner.has_api_key.then_some(REDACTED))
            .field("timeout", &inner.timeout)
            .field("deadline", &inner.deadline)
            .field("retry_policy", &inner.retry_policy)
            .field("custom_http_client", &inner.custom_http_client)
            .field("proxy", &inner.proxy)
            .finish()
    }
}
