//! A process-wide rustls crypto provider for tests that build plain `reqwest` clients.
//!
//! When the facade is in the same build, cargo unifies its `reqwest/rustls-no-provider` feature
//! into every `reqwest`, and a plain `reqwest::Client` then needs a provider installed, even for
//! plain http on loopback.

/// Installs rustls's *ring* provider for the process, once; later calls do nothing.
#[allow(deprecated)] // ring lacks post-quantum key exchange; irrelevant to loopback tests.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// rustls's *ring* provider, for tests that build their own TLS configs.
#[allow(deprecated)] // As above.
pub fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}
