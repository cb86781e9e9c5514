//! Ed25519-signed JWTs shaped like Telnyx's client and refresh tokens: minting and verification.
//!
//! The claim set copies the example tokens of Telnyx's spec (`aud`, `exp`, `grants`,
//! `grants_version`, `iat`, `iss`, `jti`, `nbf`, `sub`, `typ`), and so does the header
//! (`{"alg":"Ed25519","typ":"JWT"}`), so a client that inspects tokens sees the same shape offline
//! as in production.

use std::fmt;
use telnyx_rooms_core::redact::REDACTED;
use telnyx_rooms_core::resource::{room_of_resource, room_resource};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

/// The JOSE header of every token, as Telnyx writes it.
const HEADER_JSON: &str = r#"{"alg":"Ed25519","typ":"JWT"}"#;
/// The `alg` Telnyx puts in the header (not the registered `EdDSA`).
const ALGORITHM: &str = "Ed25519";
/// `aud` and `iss` of Telnyx's room tokens.
const AUDIENCE: &str = "telnyx_access_token";
/// The `grants_version` of Telnyx's room tokens.
const GRANTS_VERSION: &str = "1.0.0";
/// Prefix of the grant subject naming the account the token was issued for.
const SUBJECT_PREFIX: &str = "telnyx:users:";
/// Seconds `nbf` lies before `iat`, as in Telnyx's tokens: a verifier a second behind still accepts it.
const NOT_BEFORE_LEEWAY_SECS: i64 = 1;

/// Whether a token lets its holder join a room (a client token) or obtain new client tokens (a
/// refresh token). Displayed as its `typ` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenKind {
    /// A client token (`typ: access`): joins the room until it expires.
    #[serde(rename = "access")]
    Client,
    /// A refresh token (`typ: refresh`): buys new client tokens for the same room until it expires.
    #[serde(rename = "refresh")]
    Refresh,
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Client => "access",
            Self::Refresh => "refresh",
        })
    }
}

/// One entry of the `grants` claim: who may do what to which resources.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Allowed actions, `["join"]` for room tokens.
    pub actions: Vec<String>,
    /// Resources, `["telnyx:video:rooms:<room_id>"]` for room tokens.
    pub resources: Vec<String>,
    /// Subjects, `["telnyx:users:<account id>"]`.
    pub subjects: Vec<String>,
}

/// The payload of a mock token. Field order follows Telnyx's tokens.
///
/// [`MockServer::verify_token`](crate::MockServer::verify_token) returns it; change a field and
/// sign it again with [`MockServer::sign_claims`](crate::MockServer::sign_claims) to forge an
/// expired or foreign-room token.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Audience, `telnyx_access_token`.
    pub aud: String,
    /// Expiry, seconds since the Unix epoch; the token is invalid from this second on.
    pub exp: i64,
    /// What the token allows.
    pub grants: Vec<Grant>,
    /// Version of the grants format, `1.0.0`.
    pub grants_version: String,
    /// Issue time, seconds since the Unix epoch.
    pub iat: i64,
    /// Issuer, `telnyx_access_token`.
    pub iss: String,
    /// Unique token id (a UUID).
    pub jti: String,
    /// Not valid before, seconds since the Unix epoch (`iat - 1`, as Telnyx does).
    pub nbf: i64,
    /// Subject; Telnyx writes the string `"null"`.
    pub sub: String,
    /// Access or refresh.
    pub typ: TokenKind,
}

impl Claims {
    /// The room the token grants joining, if its grants name exactly one room.
    pub fn room_id(&self) -> Option<Uuid> {
        let mut rooms = self
            .grants
            .iter()
            .flat_map(|grant| grant.resources.iter())
            .filter_map(|resource| room_of_resource(resource))
            .map(Uuid::try_parse);
        match (rooms.next(), rooms.next()) {
            (Some(Ok(room)), None) => Some(room),
            _ => None,
        }
    }

    /// The expiry as a timestamp.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(self.exp, 0)
    }

    /// The issue time as a timestamp.
    pub fn issued_at(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(self.iat, 0)
    }

    /// The grant subject (the account the token was issued for), without its `telnyx:users:` prefix.
    fn account(&self) -> Option<&str> {
        self.grants
            .iter()
            .flat_map(|grant| grant.subjects.iter())
            .find_map(|subject| subject.strip_prefix(SUBJECT_PREFIX))
    }
}

/// A token fresh from [`TokenSigner::mint`]: the compact JWT and the claims it carries.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SignedToken {
    /// The compact serialisation `header.payload.signature`.
    pub(crate) token: String,
    /// The claims signed into it.
    pub(crate) claims: Claims,
}

impl fmt::Debug for SignedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedToken")
            .field("token", &REDACTED)
            .field("claims", &self.claims)
            .finish()
    }
}

/// Why a token was refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not three base64url segments, or a header or payload that is not the expected JSON.
    #[error("the token is malformed: {0}")]
    Malformed(&'static str),
    /// The header names an algorithm other than Ed25519.
    #[error("the token is not signed with Ed25519")]
    UnsupportedAlgorithm,
    /// The signature does not verify against this server's key.
    #[error("the token signature is invalid")]
    BadSignature,
    /// A client token where a refresh token was expected, or the reverse.
    #[error("expected `typ` {expected}, got {found}")]
    WrongKind {
        /// The kind the operation needs.
        expected: TokenKind,
        /// The kind the token claims.
        found: TokenKind,
    },
    /// `nbf` lies in the future.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `exp` has passed.
    #[error("the token expired at {expired_at}")]
    Expired {
        /// When it expired.
        expired_at: DateTime<Utc>,
    },
    /// The token grants a different room (or none) than the one requested.
    #[error("the token does not grant access to room {requested}")]
    WrongRoom {
        /// The room of the request.
        requested: Uuid,
    },
}

/// Mints and verifies tokens with one Ed25519 key.
#[derive(Clone)]
pub(crate) struct TokenSigner {
    key: SigningKey,
}

impl fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSigner")
            .field(
                "verifying_key",
                &URL_SAFE_NO_PAD.encode(self.verifying_key().as_bytes()),
            )
            .finish_non_exhaustive()
    }
}

impl TokenSigner {
    /// A signer with the key whose secret seed is `seed`.
    pub(crate) fn from_seed(seed: [u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// A signer whose seed is the SHA-256 of `passphrase`: two servers given the same passphrase
    /// accept each other's tokens (handy across processes; never for anything secret).
    pub(crate) fn from_passphrase(passphrase: &str) -> Self {
        Self::from_seed(Sha256::digest(passphrase.as_bytes()).into())
    }

    /// A signer with a key from the operating system's random source.
    pub(crate) fn random() -> Result<Self, std::io::Error> {
        let mut seed = [0_u8; 32];
        getrandom::fill(&mut seed).map_err(|err| std::io::Error::other(err.to_string()))?;
        Ok(Self::from_seed(seed))
    }

    /// The public half of the key, for verifying tokens elsewhere.
    fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Signs a token of `kind` for `room_id`, issued at `issued_at` (truncated to the second) and
    /// valid for `ttl_secs`. `account` names the subject of the grant.
    pub(crate) fn mint(
        &self,
        kind: TokenKind,
        room_id: Uuid,
        account: Uuid,
        issued_at: DateTime<Utc>,
        ttl_secs: i64,
    ) -> SignedToken {
        let iat = issued_at.timestamp();
        let claims = Claims {
            aud: AUDIENCE.to_owned(),
            exp: iat.saturating_add(ttl_secs),
            grants: vec![Grant {
                actions: vec!["join".to_owned()],
                resources: vec![room_resource(room_id)],
                subjects: vec![format!("{SUBJECT_PREFIX}{account}")],
            }],
            grants_version: GRANTS_VERSION.to_owned(),
            iat,
            iss: AUDIENCE.to_owned(),
            jti: Uuid::new_v4().to_string(),
            nbf: iat.saturating_sub(NOT_BEFORE_LEEWAY_SECS),
            sub: "null".to_owned(),
            typ: kind,
        };
        let token = self.sign(&claims);
        SignedToken { token, claims }
    }

    /// Signs an arbitrary claim set (tests use it to forge expired or foreign-room tokens).
    pub(crate) fn sign(&self, claims: &Claims) -> String {
        // Serialising a struct of strings, integers and vectors into a Vec cannot fail.
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER_JSON),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let signature = self.key.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }

    /// Checks signature, kind, validity window at `now` and room, in that order, and returns the claims.
    pub(crate) fn verify(
        &self,
        token: &str,
        expected: TokenKind,
        room_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Claims, TokenError> {
        let claims = self.verify_signature(token)?;
        if claims.typ != expected {
            return Err(TokenError::WrongKind {
                expected,
                found: claims.typ,
            });
        }
        let now_secs = now.timestamp();
        if now_secs < claims.nbf {
            return Err(TokenError::NotYetValid);
        }
        if now_secs >= claims.exp {
            return Err(TokenError::Expired {
                expired_at: claims.expires_at().unwrap_or(DateTime::<Utc>::MIN_UTC),
            });
        }
        if claims.room_id() != Some(room_id) {
            return Err(TokenError::WrongRoom { requested: room_id });
        }
        Ok(claims)
    }

    /// Checks the header and signature only and returns the claims.
    pub(crate) fn verify_signature(&self, token: &str) -> Result<Claims, TokenError> {
        let (signing_input, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed(
            "expected three dot-separated segments",
        ))?;
        let (header, payload) = signing_input.split_once('.').ok_or(TokenError::Malformed(
            "expected three dot-separated segments",
        ))?;
        let header: Header = decode_json(header, "the header is not base64url JSON")?;
        if header.alg != ALGORITHM {
            return Err(TokenError::UnsupportedAlgorithm);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .and_then(|bytes| Signature::from_slice(&bytes).ok())
            .ok_or(TokenError::Malformed(
                "the signature is not 64 base64url bytes",
            ))?;
        self.verifying_key()
            .verify_strict(signing_input.as_bytes(), &signature)
            .map_err(|_| TokenError::BadSignature)?;
        decode_json(payload, "the payload is not the expected claims")
    }

    /// The account id a refresh token was issued for, so refreshed tokens keep their subject.
    pub(crate) fn account_of(claims: &Claims) -> Option<Uuid> {
        claims.account().and_then(|id| Uuid::try_parse(id).ok())
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

fn decode_json<T: serde::de::DeserializeOwned>(
    segment: &str,
    what: &'static str,
) -> Result<T, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| TokenError::Malformed(what))?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed(what))
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    const ROOM: Uuid = Uuid::from_u128(0x0ccc7b54_4df3_4bca_a65a_3da1ecc777f0);
    const ACCOUNT: Uuid = Uuid::from_u128(0x782b2cbe_8466_4e3f_a4d3_9781eb577e50);

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).expect("a valid timestamp")
    }

    fn payload_json(token: &str) -> serde_json::Value {
        let payload = token.split('.').nth(1).expect("a payload segment");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
    }

    #[test]
    fn minted_token_has_telnyx_header_and_claim_shape() {
        let signer = TokenSigner::from_passphrase("test");
        let minted = signer.mint(TokenKind::Client, ROOM, ACCOUNT, at(1_619_093_695), 600);
        let header = minted.token.split('.').next().expect("a header segment");
        assert_eq!(
            URL_SAFE_NO_PAD.decode(header).expect("base64url"),
            br#"{"alg":"Ed25519","typ":"JWT"}"#
        );
        let payload = payload_json(&minted.token);
        let keys: Vec<&str> = payload
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "aud",
                "exp",
                "grants",
                "grants_version",
                "iat",
                "iss",
                "jti",
                "nbf",
                "sub",
                "typ"
            ]
        );
        assert_eq!(payload["iat"], 1_619_093_695);
        assert_eq!(payload["nbf"], 1_619_093_694);
        assert_eq!(payload["exp"], 1_619_094_295);
        assert_eq!(payload["typ"], "access");
        assert_eq!(
            payload["grants"][0]["resources"][0],
            "telnyx:video:rooms:0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"
        );
        assert_eq!(payload["grants"][0]["actions"][0], "join");
        assert_eq!(
            payload["grants"][0]["subjects"][0],
            "telnyx:users:782b2cbe-8466-4e3f-a4d3-9781eb577e50"
        );
    }

    #[test]
    fn verify_accepts_a_valid_token_and_returns_its_claims() {
        let signer = TokenSigner::from_passphrase("test");
        let minted = signer.mint(TokenKind::Refresh, ROOM, ACCOUNT, at(1_000), 60);
        let claims = signer
            .verify(&minted.token, TokenKind::Refresh, ROOM, at(1_059))
            .expect("valid until 1060");
        assert_eq!(claims, minted.claims);
        assert_eq!(TokenSigner::account_of(&claims), Some(ACCOUNT));
        assert_eq!(claims.room_id(), Some(ROOM));
    }

    #[test]
    fn verify_rejects_expired_early_wrong_kind_and_wrong_room() {
        let signer = TokenSigner::from_passphrase("test");
        let refresh = signer.mint(TokenKind::Refresh, ROOM, ACCOUNT, at(1_000), 60);
        assert_eq!(
            signer.verify(&refresh.token, TokenKind::Refresh, ROOM, at(1_060)),
            Err(TokenError::Expired {
                expired_at: at(1_060)
            })
        );
        assert_eq!(
            signer.verify(&refresh.token, TokenKind::Refresh, ROOM, at(998)),
            Err(TokenError::NotYetValid)
        );
        assert_eq!(
            signer.verify(&refresh.token, TokenKind::Client, ROOM, at(1_000)),
            Err(TokenError::WrongKind {
                expected: TokenKind::Client,
                found: TokenKind::Refresh
            })
        );
        let other_room = Uuid::from_u128(7);
        assert_eq!(
            signer.verify(&refresh.token, TokenKind::Refresh, other_room, at(1_000)),
            Err(TokenError::WrongRoom {
                requested: other_room
            })
        );
    }

    #[test]
    fn verify_rejects_another_key_and_tampered_payload() {
        let signer = TokenSigner::from_passphrase("one");
        let other = TokenSigner::from_passphrase("two");
        let minted = signer.mint(TokenKind::Refresh, ROOM, ACCOUNT, at(1_000), 60);
        assert_eq!(
            other.verify_signature(&minted.token),
            Err(TokenError::BadSignature)
        );

        let mut forged = minted.claims.clone();
        forged.exp += 3_600;
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).expect("JSON"));
        let mut parts: Vec<&str> = minted.token.split('.').collect();
        parts[1] = &forged_payload;
        assert_eq!(
            signer.verify_signature(&parts.join(".")),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn verify_rejects_malformed_tokens_and_other_algorithms() {
        let signer = TokenSigner::from_passphrase("test");
        for token in ["", "abc", "a.b", "a.b.c", "!!.??.**"] {
            assert!(
                matches!(
                    signer.verify_signature(token),
                    Err(TokenError::Malformed(_))
                ),
                "{token:?}"
            );
        }
        let hs512 = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS512","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode("{}"),
            URL_SAFE_NO_PAD.encode([0_u8; 64])
        );
        assert_eq!(
            signer.verify_signature(&hs512),
            Err(TokenError::UnsupportedAlgorithm)
        );
    }

    #[test]
    fn passphrase_keys_are_deterministic_and_random_keys_differ() {
        let a = TokenSigner::from_passphrase("demo");
        let b = TokenSigner::from_passphrase("demo");
        assert_eq!(a.verifying_key(), b.verifying_key());
        let token = a
            .mint(TokenKind::Refresh, ROOM, ACCOUNT, at(1_000), 60)
            .token;
        assert!(b.verify_signature(&token).is_ok());
        let r1 = TokenSigner::random().expect("OS randomness");
        let r2 = TokenSigner::random().expect("OS randomness");
        assert_ne!(r1.verifying_key(), r2.verifying_key());
    }

    #[test]
    fn debug_of_minted_token_hides_the_token() {
        let signer = TokenSigner::from_passphrase("test");
        let minted = signer.mint(TokenKind::Client, ROOM, ACCOUNT, at(1_000), 60);
        let shown = format!("{minted:?}");
        assert!(!shown.contains(&minted.token), "{shown}");
        assert!(shown.contains("[REDACTED]"));
    }
}
