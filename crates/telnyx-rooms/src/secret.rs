//! [`Secret`], the redacted holder of API keys and tokens, and redaction of text that may hold one.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// Printed in place of a secret by every `Debug` and `Display` of this crate.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// A secret string: an API key, a client token or a refresh token.
///
/// `Debug` and `Display` print `[REDACTED]`; the value is read only through [`Secret::expose`], so
/// a secret never reaches a log line by accident. The memory is zeroed when the last copy is dropped.
///
/// ```
/// use telnyx_rooms::Secret;
///
/// let token = Secret::from("eyJhbGciOi.example.token");
/// assert_eq!(format!("{token:?} {token}"), "[REDACTED] [REDACTED]");
/// assert_eq!(token.expose(), "eyJhbGciOi.example.token");
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// The secret value. Call this only where the value must leave the process (a response to
    /// your own front end, a video SDK's `join` call).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(SecretString::from(value))
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(SecretString::from(value))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Shortest run of token characters that [`redact_token_like`] hides. Telnyx tokens are JWTs of
/// several hundred characters; error codes, titles and timestamps stay well below this.
const TOKEN_RUN_MIN: usize = 24;

/// Replaces every run of at least [`TOKEN_RUN_MIN`] base64url/JWT characters (`A-Z a-z 0-9 - _ .`)
/// with `[REDACTED]`.
///
/// Used on body snippets kept in errors: a malformed or incomplete success body may still carry a
/// client or refresh token, and an error message must never show one.
pub(crate) fn redact_token_like(text: &str) -> String {
    fn is_token_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
    }
    let mut out = String::with_capacity(text.len());
    let mut run_start: Option<usize> = None;
    let flush = |out: &mut String, run: &str| {
        if run.len() >= TOKEN_RUN_MIN {
            out.push_str(REDACTED);
        } else {
            out.push_str(run);
        }
    };
    for (index, c) in text.char_indices() {
        match (is_token_char(c), run_start) {
            (true, None) => run_start = Some(index),
            (true, Some(_)) => {}
            (false, Some(start)) => {
                flush(&mut out, &text[start..index]);
                run_start = None;
                out.push(c);
            }
            (false, None) => out.push(c),
        }
    }
    if let Some(start) = run_start {
        flush(&mut out, &text[start..]);
    }
    out
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn secret_formats_redacted_and_exposes_value() {
        let secret = Secret::from(String::from("KEY_live_123"));
        assert_eq!(format!("{secret:?}"), "[REDACTED]");
        assert_eq!(format!("{secret}"), "[REDACTED]");
        assert_eq!(
            format!("{:#?}", Some(secret.clone())),
            "Some(\n    [REDACTED],\n)"
        );
        assert_eq!(secret.expose(), "KEY_live_123");
        assert!(!secret.is_empty());
        assert!(Secret::from("").is_empty());
    }

    #[test]
    fn token_like_runs_are_redacted_and_short_words_kept() {
        let jwt = "eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiSldUIn0.eyJhdWQiOiJ0ZWxueXgifQ.sig-_x";
        let body =
            format!(r#"{{"data":{{"token":"{jwt}","token_expires_at":"2021-04-22T12:24:55Z"}}"#);
        let shown = redact_token_like(&body);
        assert!(!shown.contains("eyJhbGci"), "{shown}");
        assert!(shown.contains(r#""token":"[REDACTED]""#), "{shown}");
        assert!(shown.contains("2021-04-22T12:24:55Z"), "{shown}");
        assert_eq!(
            redact_token_like("<html>Bad Gateway</html>"),
            "<html>Bad Gateway</html>"
        );
        assert_eq!(redact_token_like(""), "");
        // A run at the very end is handled too; multi-byte text passes through.
        assert_eq!(redact_token_like("é x"), "é x");
        assert_eq!(
            redact_token_like("tail ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            "tail [REDACTED]"
        );
    }
}
