//! The operating system's trust store, loaded on the first TLS handshake instead of when a client
//! is built.
//!
//! `rustls-platform-verifier` reads and decodes the whole system store (on Linux, every PEM file of
//! `/etc/ssl/certs`) when its verifier is created: ~18 M instructions, 94 % of building a client
//! and making one call, even for a plain-http loopback client that never handshakes.
//! [`LazyPlatformVerifier`] creates that verifier the first time a certificate is checked and
//! hands every check to it, unchanged: nothing is accepted that the platform verifier would refuse.
//! A store that cannot be loaded fails that handshake (and every later one) with the platform
//! verifier's own error.

use std::fmt;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::Verifier;

/// A [`ServerCertVerifier`] that creates the platform verifier on first use and delegates to it.
pub(crate) struct LazyPlatformVerifier {
    provider: Arc<CryptoProvider>,
    loaded: OnceLock<Result<Verifier, rustls::Error>>,
}

impl LazyPlatformVerifier {
    pub(crate) fn new(provider: Arc<CryptoProvider>) -> Self {
        Self {
            provider,
            loaded: OnceLock::new(),
        }
    }

    /// The platform verifier, created (trust store read) on the first call only.
    fn verifier(&self) -> Result<&Verifier, rustls::Error> {
        self.loaded
            .get_or_init(|| Verifier::new(self.provider.clone()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Whether the trust store was read yet.
    #[cfg(test)]
    pub(crate) fn is_loaded(&self) -> bool {
        self.loaded.get().is_some()
    }
}

impl fmt::Debug for LazyPlatformVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyPlatformVerifier")
            .field("loaded", &self.loaded.get().map(Result::is_ok))
            .finish_non_exhaustive()
    }
}

impl ServerCertVerifier for LazyPlatformVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls13_signature(message, cert, dss)
    }

    /// Offered in the ClientHello, before any certificate arrives: the provider's signature
    /// schemes, which is what the platform verifier answers too (checked by a test), so the store
    /// is not read just to say hello.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        match self.loaded.get() {
            Some(Ok(verifier)) => verifier.supported_verify_schemes(),
            _ => self
                .provider
                .signature_verification_algorithms
                .supported_schemes(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    /// A self-signed certificate for `localhost` / 127.0.0.1, trusted by no system store.
    const SELF_SIGNED: &[u8] = include_bytes!("../tests/fixtures/self-signed-localhost.cert.der");

    #[test]
    fn the_store_is_read_on_the_first_check_and_a_self_signed_certificate_is_refused() {
        let provider = Arc::new(crate::tls::ring_provider());
        let lazy = LazyPlatformVerifier::new(provider.clone());
        let hello_schemes = lazy.supported_verify_schemes();
        assert!(!lazy.is_loaded(), "saying hello reads no trust store");

        let refused = lazy
            .verify_server_cert(
                &CertificateDer::from(SELF_SIGNED),
                &[],
                &ServerName::try_from("localhost").expect("name"),
                &[],
                UnixTime::now(),
            )
            .expect_err("self-signed is not trusted");
        assert!(lazy.is_loaded(), "the first check reads the store");
        assert!(
            matches!(refused, rustls::Error::InvalidCertificate(_)),
            "{refused:?}"
        );
        let eager = Verifier::new(provider).expect("platform verifier");
        assert_eq!(hello_schemes, eager.supported_verify_schemes());
        assert_eq!(lazy.supported_verify_schemes(), hello_schemes);
    }
}
