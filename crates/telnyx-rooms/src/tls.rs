//! The HTTP client the SDK builds for itself (no redirects) and its TLS stack (rustls + ring by default).
//!
//! Why ring and the platform verifier: reqwest's `rustls` feature brings aws-lc-rs, whose C and
//! assembly build (cmake, sometimes bindgen) dominates a clean build; ring builds in seconds and is
//! just as sound for a client making a few HTTPS calls. Certificates are checked by
//! `rustls-platform-verifier`, which reqwest's `rustls-no-provider` feature compiles in any case:
//! it trusts the operating system's store (and so a company's own roots) instead of a root list
//! frozen into the binary that goes stale; it reads that store on the first handshake, not when a
//! client is built (see `trust.rs`). The config is handed to reqwest ready-made, so no
//! process-wide crypto provider is installed behind the caller's back.

use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::error::{Error, ErrorKind};

/// Builds the SDK's own `reqwest::Client`: `User-Agent`, connect timeout, TLS, no redirects,
/// `resolver` for host names when one is given (see `crate::loopback`), and `proxy` only when one
/// is given (see `crate::proxy`).
pub(crate) fn http_client(
    user_agent: &HeaderValue,
    connect_timeout: Duration,
    resolver: Option<std::sync::Arc<dyn reqwest::dns::Resolve>>,
    proxy: Option<reqwest::Proxy>,
) -> Result<reqwest::Client, Error> {
    let mut builder = preconfigured(user_agent, connect_timeout)?;
    if let Some(resolver) = resolver {
        builder = builder.dns_resolver(resolver);
    }
    if let Some(proxy) = proxy {
        builder = builder.proxy(proxy);
    }
    builder.build().map_err(|source| {
        Error::new(ErrorKind::Config, "could not build the HTTP client").with_source(source)
    })
}

fn preconfigured(
    user_agent: &HeaderValue,
    connect_timeout: Duration,
) -> Result<reqwest::ClientBuilder, Error> {
    let builder = reqwest::Client::builder()
        .user_agent(user_agent.clone())
        .connect_timeout(connect_timeout)
        // An API answers POSTs itself; following a redirect would re-send the body (and the
        // key's request) somewhere the caller did not configure.
        .redirect(reqwest::redirect::Policy::none())
        // No proxy unless one is added on purpose: reqwest would otherwise read HTTP_PROXY and
        // ALL_PROXY and send plain-http requests, the API key with them, to that proxy.
        .no_proxy();
    with_tls(builder)
}

/// A `reqwest::ClientBuilder` set up as the SDK's own client is — `User-Agent`
/// `telnyx-rooms-rust/<version>` (plus `user_agent_suffix`), 5 s connect timeout, no redirects,
/// no proxy, and the crate's TLS (rustls with ring and the OS trust store by default) — for you
/// to add a proxy (`.proxy(reqwest::Proxy::https(..)?)`: environment variables are not read),
/// roots or pool settings before passing the result to
/// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client). It is the one way to get
/// the SDK's `User-Agent` onto your own client.
///
/// Unlike `reqwest::Client::new()`, it needs no process-wide rustls crypto provider.
///
/// ```
/// let http = telnyx_rooms::http_client_builder(Some("my-app/1.2"))?
///     .pool_max_idle_per_host(4)
///     .build()
///     .expect("valid settings");
/// let client = telnyx_rooms::Client::builder().http_client(http).build()?;
/// # let _ = client;
/// # Ok::<(), telnyx_rooms::Error>(())
/// ```
pub fn http_client_builder(
    user_agent_suffix: Option<&str>,
) -> Result<reqwest::ClientBuilder, Error> {
    let user_agent = crate::config::user_agent_header(user_agent_suffix)?;
    preconfigured(&user_agent, crate::ClientBuilder::DEFAULT_CONNECT_TIMEOUT)
}

#[cfg(feature = "rustls")]
fn with_tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(builder.tls_backend_preconfigured(rustls_config()?))
}

/// With only `native-tls` enabled reqwest uses it by default; with no TLS feature the client
/// speaks plain http only (enough for a loopback mock).
#[cfg(not(feature = "rustls"))]
fn with_tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(builder)
}

/// A rustls config with the ring provider, the platform verifier and ALPN for HTTP/2 and 1.1.
///
/// Built once per process and cloned (a clone shares the verifier). The OS trust store is read
/// on the first handshake of any client, not here: see [`crate::trust`].
#[cfg(feature = "rustls")]
fn rustls_config() -> Result<rustls::ClientConfig, Error> {
    use std::sync::{Arc, OnceLock};

    static CONFIG: OnceLock<rustls::ClientConfig> = OnceLock::new();
    if let Some(config) = CONFIG.get() {
        return Ok(config.clone());
    }
    let tls_error = |source: rustls::Error| {
        Error::new(ErrorKind::Config, "could not set up TLS (rustls with ring)").with_source(source)
    };
    let provider = Arc::new(ring_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .dangerous()
        // Not a weaker check: every certificate goes to rustls-platform-verifier, only its
        // creation (reading the OS trust store) waits for the first handshake.
        .with_custom_certificate_verifier(Arc::new(crate::trust::LazyPlatformVerifier::new(
            provider,
        )))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(CONFIG.get_or_init(|| config).clone())
}

/// rustls's *ring* provider. rustls 0.23.48 deprecates it because *ring* offers no post-quantum
/// key exchange; it is kept because aws-lc-rs, the provider that does, dominates a clean build
/// with its C and assembly (cmake, sometimes bindgen). The `native-tls` feature, or your own
/// client (`ClientBuilder::http_client`) with another provider, is the way to post-quantum TLS.
#[cfg(feature = "rustls")]
#[allow(deprecated)]
pub(crate) fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

#[cfg(all(test, feature = "rustls"))]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn rustls_config_uses_ring_and_offers_h2() {
        let config = rustls_config().expect("TLS config");
        assert_eq!(
            config.alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        let ring_suites = ring_provider().cipher_suites;
        assert_eq!(
            config.crypto_provider().cipher_suites,
            ring_suites,
            "the ring provider's suites"
        );
        http_client(
            &HeaderValue::from_static("t/1"),
            Duration::from_secs(1),
            None,
            None,
        )
        .expect("client builds without a process-wide crypto provider");
    }
}
