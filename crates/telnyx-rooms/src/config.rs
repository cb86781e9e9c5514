//! [`ClientBuilder`]: the client's settings, their defaults, and their checks before any I/O.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::Resolve;
use reqwest::header::HeaderValue;
use telnyx_rooms_core::redact::REDACTED;
use telnyx_rooms_gen::Credentials;

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::loopback::{LoopbackOnly, SystemResolver};
use telnyx_rooms_core::time::{
    SharedTimeSource, Sleeper, SystemTimeSource, TimeSource, TokioSleeper,
};

use crate::retry::RetryPolicy;
use telnyx_rooms_core::Secret;
use telnyx_rooms_core::secret::credential_problem;

/// The `User-Agent` sent with every request (before any suffix): `telnyx-rooms-rust/<version>`.
const USER_AGENT: &str = concat!("telnyx-rooms-rust/", env!("CARGO_PKG_VERSION"));

/// Settings of a [`Client`], from [`Client::builder`].
///
/// Every setting has a default; [`build`](ClientBuilder::build) checks them all and returns an
/// [`ErrorKind::Config`] error rather than panicking.
///
/// Timeouts: [`connect_timeout`](Self::connect_timeout) (default 5 s) and
/// [`timeout`](Self::timeout) (default 60 s) apply to **each attempt**; with the default two
/// retries, and waits of up to 60 s a server may ask for between them, a call can take about
/// five minutes at worst (3 × 60 s + 2 × 60 s). Set [`deadline`](Self::deadline) to bound a whole
/// call, retries and waits included.
///
/// ```
/// use std::time::Duration;
/// use telnyx_rooms::Client;
/// use telnyx_rooms::retry::RetryPolicy;
///
/// let client = Client::builder()
///     .api_key("KEY_EXAMPLE")
///     .base_url("http://127.0.0.1:4010/v2") // plain http is allowed to loopback only
///     .timeout(Duration::from_secs(10))
///     .deadline(Duration::from_secs(30))
///     .retry_policy(RetryPolicy::default().max_retries(3))
///     .user_agent_suffix("my-app/1.2")
///     .build()?;
/// assert!(client.has_api_key());
/// # Ok::<(), telnyx_rooms::Error>(())
/// ```
#[must_use]
#[derive(Clone)]
pub struct ClientBuilder {
    pub(crate) api_key: Option<Secret>,
    pub(crate) base_url: String,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) deadline: Option<Duration>,
    pub(crate) retry_policy: RetryPolicy,
    pub(crate) user_agent_suffix: Option<String>,
    pub(crate) http_client: Option<reqwest::Client>,
    pub(crate) dns_resolver: Option<Arc<dyn Resolve>>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    pub(crate) time_source: SharedTimeSource,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: Self::DEFAULT_BASE_URL.to_owned(),
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            timeout: Self::DEFAULT_TIMEOUT,
            deadline: None,
            retry_policy: RetryPolicy::default(),
            user_agent_suffix: None,
            http_client: None,
            dns_resolver: None,
            sleeper: Arc::new(TokioSleeper),
            time_source: Arc::new(SystemTimeSource),
        }
    }
}

impl ClientBuilder {
    /// Environment variable [`Client::from_env`] reads the API key from (the name Telnyx's other
    /// SDKs read).
    pub const API_KEY_ENV: &'static str = "TELNYX_API_KEY";
    /// Environment variable [`Client::from_env`] reads the base URL from (the name Telnyx's other
    /// SDKs read).
    pub const BASE_URL_ENV: &'static str = "TELNYX_BASE_URL";
    /// The API's base URL from the spec's `servers`: `https://api.telnyx.com/v2`.
    pub const DEFAULT_BASE_URL: &'static str = telnyx_rooms_gen::PROVENANCE.server_url;
    /// Default time to establish a connection (TCP and TLS), per attempt: 5 s.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    /// Default time one attempt may take, from sending the request to reading the whole
    /// response: 60 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

    /// The Telnyx API key (sent as `Authorization: Bearer …` on operations that require it only).
    /// Without one, the client can still refresh tokens.
    ///
    /// [`build`](Self::build) refuses a key that cannot be a bearer credential — empty, longer
    /// than [`Secret::MAX_LEN`], or holding a byte-order mark,
    /// whitespace, a non-ASCII or control character — with an [`ErrorKind::Config`] error that
    /// names the position, never the key. The key is also scrubbed from anything a server sends
    /// back.
    pub fn api_key(mut self, api_key: impl Into<Secret>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// The base URL, including the `/v2` prefix; default `https://api.telnyx.com/v2`.
    /// `http://` is accepted only for loopback hosts (a local mock), so secrets never travel in
    /// clear text over a network: a loopback IP literal, or `localhost` / `*.localhost`, whose
    /// addresses are checked when they are resolved — every one must be loopback, or the
    /// attempt fails with [`ErrorKind::Connect`] before anything is sent.
    pub fn base_url(mut self, base_url: impl AsRef<str>) -> Self {
        self.base_url = base_url.as_ref().to_owned();
        self
    }

    /// Time to establish a connection, per attempt (default 5 s). Not applied to a client given
    /// with [`http_client`](Self::http_client): configure that one yourself.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time one attempt may take, from sending the request to reading the whole response
    /// (default 60 s). A timed-out attempt is retried like a connection failure.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time a whole call may take, attempts and waits between them included (default: none).
    /// A retry that could not finish before the deadline is not started.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The retry policy of every call (default: [`RetryPolicy::default`]); a call can override it.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Text appended to the `User-Agent` after a space, e.g. `my-app/1.2`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends requests through your own `reqwest::Client` (proxies, custom roots, pool settings).
    ///
    /// That client's own connect timeout, TLS settings, redirect policy, resolver and
    /// `User-Agent` apply: start from [`http_client_builder`](crate::http_client_builder) to keep
    /// the SDK's. The per-attempt [`timeout`](Self::timeout), the deadline, retries, the body
    /// cap and the scrubbing of server text still apply.
    ///
    /// The SDK cannot check where your client's resolver sends a name, so with your own client
    /// a plain `http://` base URL must be a loopback IP literal (`http://127.0.0.1:4010/v2`), not
    /// `localhost`.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Resolves host names with `resolver` instead of the system resolver (for example a
    /// caching or DNS-over-HTTPS resolver, or fixed answers in tests). With a plain `http://`
    /// base URL its answers are still checked: every address must be loopback.
    ///
    /// Applies to the SDK's own HTTP client; with [`http_client`](Self::http_client), set the
    /// resolver on that client instead.
    pub fn dns_resolver(mut self, resolver: impl Resolve + 'static) -> Self {
        self.dns_resolver = Some(Arc::new(resolver));
        self
    }

    /// Replaces the timer used to wait between retries (default: tokio's). Tests use this to
    /// record waits without sleeping.
    pub fn sleeper(mut self, sleeper: impl Sleeper) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// Replaces the clock the client reads wall time from (default: the system's): it resolves
    /// an HTTP-date `Retry-After` into a wait. Tests use a
    /// `ManualTimeSource` (`time::ManualTimeSource`, feature `test-util`) to move time by hand.
    pub fn time_source(mut self, time_source: impl TimeSource) -> Self {
        self.time_source = Arc::new(time_source);
        self
    }

    /// Reads `TELNYX_API_KEY` and `TELNYX_BASE_URL` through `lookup` (empty values count as unset).
    pub(crate) fn with_env(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        if let Some(key) = set(Self::API_KEY_ENV) {
            self = self.api_key(key.trim());
        }
        if let Some(base_url) = set(Self::BASE_URL_ENV) {
            self = self.base_url(base_url.trim());
        }
        self
    }

    /// Checks the settings and builds the client. Performs no I/O.
    ///
    /// The SDK's own HTTP client never sends plain `http://` (loopback) traffic through a proxy;
    /// for `https://` it honours `HTTPS_PROXY` / `ALL_PROXY` (and `NO_PROXY`) from the environment,
    /// read here, as a `CONNECT` tunnel the proxy cannot read. `HTTP_PROXY` is never used.
    pub fn build(self) -> Result<Client, Error> {
        self.build_with_env(&|name| std::env::var(name).ok())
    }

    /// [`build`](Self::build) with the environment (for the proxy) read through `env`.
    pub(crate) fn build_with_env(
        self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Client, Error> {
        let (base_url, plain_http_name) = validate_base_url(&self.base_url)?;
        let credentials = self.credentials()?;
        let user_agent = user_agent_header(self.user_agent_suffix.as_deref())?;
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::new(
                ErrorKind::Config,
                "the per-attempt and connect timeouts must be longer than zero",
            ));
        }
        if self.deadline.is_some_and(|deadline| deadline.is_zero()) {
            return Err(Error::new(ErrorKind::Config, "the deadline is zero"));
        }
        let (http, proxy) = match self.http_client.clone() {
            Some(_) if plain_http_name => {
                return Err(Error::new(
                    ErrorKind::Config,
                    "invalid base URL: with your own HTTP client, plain http:// must name a \
                     loopback IP address (127.0.0.1, [::1]): the SDK cannot check where that \
                     client resolves a name",
                )
                .with_field("base_url"));
            }
            Some(client) => (client, None),
            None => {
                let proxy = crate::proxy::from_env(base_url.starts_with("https://"), env)?;
                let client = crate::tls::http_client(
                    &user_agent,
                    self.connect_timeout,
                    self.resolver(plain_http_name),
                    proxy.as_ref().map(|proxy| proxy.proxy.clone()),
                )?;
                (client, proxy.map(|proxy| proxy.shown))
            }
        };
        Ok(Client::from_parts(
            self,
            base_url,
            (http, proxy),
            credentials,
        ))
    }

    /// The API key as the generated client's credentials: the one place the key is checked.
    fn credentials(&self) -> Result<Credentials, Error> {
        let Some(key) = &self.api_key else {
            return Ok(Credentials::none());
        };
        let problem = credential_problem(key.expose());
        // A `token68` key is always a valid header value; `bearer` still refuses any other.
        let credentials = problem
            .is_none()
            .then(|| Credentials::bearer(key.expose()))
            .flatten();
        credentials.ok_or_else(|| {
            let problem = problem.unwrap_or_else(|| "cannot be an HTTP header value".to_owned());
            Error::new(ErrorKind::Config, format!("the API key {problem}")).with_field("api_key")
        })
    }

    /// The resolver for the SDK's own client: the caller's (or the system's) behind the
    /// loopback check for a plain-http name; the caller's alone otherwise; else reqwest's own.
    fn resolver(&self, plain_http_name: bool) -> Option<Arc<dyn Resolve>> {
        if plain_http_name {
            let inner = self
                .dns_resolver
                .clone()
                .unwrap_or_else(|| Arc::new(SystemResolver));
            Some(Arc::new(LoopbackOnly { inner }))
        } else {
            self.dns_resolver.clone()
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| REDACTED))
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("retry_policy", &self.retry_policy)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("custom_http_client", &self.http_client.is_some())
            .field("custom_dns_resolver", &self.dns_resolver.is_some())
            .field("sleeper", &self.sleeper)
            .field("time_source", &self.time_source)
            .finish()
    }
}

/// The `User-Agent` header value: `telnyx-rooms-rust/<version>`, then `suffix` after a space.
pub(crate) fn user_agent_header(suffix: Option<&str>) -> Result<HeaderValue, Error> {
    let text = match suffix.map(str::trim).filter(|suffix| !suffix.is_empty()) {
        Some(suffix) => format!("{USER_AGENT} {suffix}"),
        None => USER_AGENT.to_owned(),
    };
    if !text.bytes().all(|byte| (0x20..0x7f).contains(&byte)) {
        return Err(Error::new(
            ErrorKind::Config,
            "the User-Agent suffix must be printable ASCII",
        )
        .with_field("user_agent_suffix"));
    }
    HeaderValue::from_str(&text).map_err(|source| {
        Error::new(
            ErrorKind::Config,
            "the User-Agent suffix is not a valid header value",
        )
        .with_field("user_agent_suffix")
        .with_source(source)
    })
}

/// Parses and checks a base URL; returns it without a trailing `/`, ready for the generated
/// client to append `/rooms/…`, and whether it is plain http to a name (whose resolved
/// addresses must then be checked).
fn validate_base_url(raw: &str) -> Result<(String, bool), Error> {
    let invalid = |why: &str| {
        Error::new(ErrorKind::Config, format!("invalid base URL: {why}")).with_field("base_url")
    };
    let url = Url::parse(raw.trim())
        .map_err(|source| invalid("not an absolute URL").with_source(source))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Credentials in a URL end up in logs and error messages.
        return Err(invalid("it must not contain a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    match url.scheme() {
        "https" => {}
        "http" => {
            if !is_loopback(&url) {
                return Err(invalid(
                    "plain http:// is allowed only to a loopback host (127.0.0.0/8, ::1, localhost); \
                     the API key and refresh tokens would otherwise travel in clear text",
                ));
            }
        }
        other => return Err(invalid(&format!("unsupported scheme {other:?}"))),
    }
    let Some(host) = url.host_str() else {
        return Err(invalid("it has no host"));
    };
    let is_ip_literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok();
    let plain_http_name = url.scheme() == "http" && !is_ip_literal;
    Ok((
        url.as_str().trim_end_matches('/').to_owned(),
        plain_http_name,
    ))
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // IPv6 hosts come bracketed, e.g. `[::1]`.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let name = bare.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised_and_checked() {
        let ok = [
            ("https://api.telnyx.com/v2", "https://api.telnyx.com/v2"),
            ("https://api.telnyx.com/v2/", "https://api.telnyx.com/v2"),
            (" http://127.0.0.1:4010/v2 ", "http://127.0.0.1:4010/v2"),
            ("http://127.8.9.10/v2", "http://127.8.9.10/v2"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("http://localhost:1/v2", "http://localhost:1/v2"),
            ("http://mock.localhost/v2", "http://mock.localhost/v2"),
        ];
        for (raw, expected) in ok {
            assert_eq!(validate_base_url(raw).expect(raw).0, expected);
        }
        let refused = [
            "http://api.telnyx.com/v2",
            "http://10.0.0.1/v2",
            "http://[::2]/v2",
            "http://localhost.example.com/v2",
            "ftp://127.0.0.1/v2",
            "https://user:pass@api.telnyx.com/v2",
            "https://api.telnyx.com/v2?x=1",
            "api.telnyx.com/v2",
            "",
        ];
        for raw in refused {
            let error = validate_base_url(raw).expect_err(raw);
            assert_eq!(error.kind(), ErrorKind::Config, "{raw}");
            assert_eq!(error.field(), Some("base_url"), "{raw}");
        }
        let clear_text = validate_base_url("http://api.telnyx.com/v2").expect_err("refused");
        assert!(
            clear_text.to_string().contains("clear text"),
            "{clear_text}"
        );
    }

    fn user_agent(suffix: Option<&str>) -> Result<String, Error> {
        user_agent_header(suffix).map(|value| value.to_str().expect("ASCII").to_owned())
    }

    #[test]
    fn user_agent_is_versioned_with_optional_suffix() {
        assert_eq!(
            user_agent(None).expect("valid"),
            format!("telnyx-rooms-rust/{}", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(
            user_agent(Some("  my-app/1.2 ")).expect("valid"),
            format!("telnyx-rooms-rust/{} my-app/1.2", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(user_agent(Some("")).expect("valid"), USER_AGENT);
        let error = user_agent(Some("bad\nline")).expect_err("refused");
        assert_eq!(error.field(), Some("user_agent_suffix"));
        assert!(user_agent(Some("naïve")).is_err());
    }

    #[test]
    fn env_lookup_sets_key_and_base_url_and_ignores_empty_values() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            }
        };
        let builder = ClientBuilder::default().with_env(env(&[
            ("TELNYX_API_KEY", " KEY_abc "),
            ("TELNYX_BASE_URL", "http://127.0.0.1:9/v2"),
        ]));
        assert_eq!(
            builder.api_key.as_ref().map(Secret::expose),
            Some("KEY_abc")
        );
        assert_eq!(builder.base_url, "http://127.0.0.1:9/v2");

        let unset = ClientBuilder::default()
            .with_env(env(&[("TELNYX_API_KEY", ""), ("TELNYX_BASE_URL", " ")]));
        assert!(unset.api_key.is_none());
        assert_eq!(unset.base_url, "https://api.telnyx.com/v2");
    }

    #[test]
    fn invalid_settings_are_config_errors() {
        let default = ClientBuilder::default;
        let invalid = [
            (default().timeout(Duration::ZERO), "zero timeout"),
            (
                default().connect_timeout(Duration::ZERO),
                "zero connect timeout",
            ),
            (default().deadline(Duration::ZERO), "zero deadline"),
            (default().api_key(""), "empty key"),
            (default().api_key("KEY\nINJECTED"), "newline in key"),
        ];
        for (builder, why) in invalid {
            let error = builder.build().expect_err(why);
            assert_eq!(error.kind(), ErrorKind::Config, "{why}");
            assert!(!format!("{error} {error:?}").contains("INJECTED"));
        }
        let empty_key = default().api_key("").build().expect_err("empty key");
        assert_eq!(empty_key.field(), Some("api_key"));
    }
}
