//! [`Secret`], the redacted holder of API keys and tokens, and the check that a string can be a
//! bearer credential.

use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::redact::REDACTED;

/// A secret string: an API key, a client token or a refresh token — the one secret type of every
/// telnyx-rooms crate.
///
/// `Debug` and `Display` print `[REDACTED]`; the value is read only through [`Secret::expose`], so
/// a secret never reaches a log line by accident. Clones share one allocation (a keeper hands the
/// same token to many subscribers), which is zeroed when the last clone is dropped.
///
/// ```
/// use telnyx_rooms_core::Secret;
///
/// let token = Secret::from("eyJhbGciOi.example.token");
/// assert_eq!(format!("{token:?} {token}"), "[REDACTED] [REDACTED]");
/// assert_eq!(token.expose(), "eyJhbGciOi.example.token");
/// ```
#[derive(Clone)]
pub struct Secret(Arc<SecretString>);

impl Secret {
    /// The longest API key or token the workspace sends or accepts, in bytes. Telnyx's keys and
    /// tokens are far shorter (a client token is a JWT of several hundred characters); anything
    /// longer is a mistake (a wrong file, a whole document piped in) and is refused before it is
    /// sent.
    pub const MAX_LEN: usize = 8 * 1024;

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
        Self(Arc::new(SecretString::from(value)))
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(Arc::new(SecretString::from(value)))
    }
}

impl From<&String> for Secret {
    fn from(value: &String) -> Self {
        Self::from(value.as_str())
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

/// Why `value` cannot be a bearer credential, described without quoting it; `None` when it can.
///
/// A credential is 1 to [`Secret::MAX_LEN`] characters of the HTTP `token68` alphabet
/// (`A-Z a-z 0-9 - . _ ~ + / =`): a key file saved with a byte-order mark, a stray space or an
/// accented letter is caught here instead of coming back from the server as a 401.
pub fn credential_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("is empty".to_owned());
    }
    if value.len() > Secret::MAX_LEN {
        return Some(format!(
            "is {} bytes long; the most accepted is {}",
            value.len(),
            Secret::MAX_LEN
        ));
    }
    // Every byte before the first outside the alphabet is ASCII, so that position starts a
    // character.
    let at = first_outside_token68(value.as_bytes())?;
    let bad = value[at..].chars().next()?;
    let what = match bad {
        '\u{feff}' => "a byte-order mark".to_owned(),
        c if c.is_whitespace() => "whitespace".to_owned(),
        c if c.is_control() => "a control character".to_owned(),
        c if !c.is_ascii() => "a non-ASCII character".to_owned(),
        // The character itself is part of the secret: its position is enough to find it.
        _ => "a disallowed character".to_owned(),
    };
    Some(format!(
        "contains {what} at byte {at}; a bearer credential holds only A-Z a-z 0-9 - . _ ~ + / ="
    ))
}

/// Bytes checked at once: one SSE2 register. Every call checks two tokens of several hundred
/// bytes; 16-byte blocks checked without branches vectorise (~0.6 instructions a byte), where
/// 32-byte blocks and a `char` walk did not (~2.5 and ~14 a byte; BENCHMARKS.md).
const BLOCK: usize = 16;

/// Where the first byte outside the `token68` alphabet is, if any: whole blocks are checked, the
/// tail as a block padded with a letter, and only a failing block is searched.
fn first_outside_token68(bytes: &[u8]) -> Option<usize> {
    let search = |start: usize| {
        let offset = bytes[start..].iter().position(|&b| !is_token68(b))?;
        Some(start + offset)
    };
    let mut start = 0;
    for block in bytes.chunks_exact(BLOCK) {
        if !<&[u8; BLOCK]>::try_from(block).is_ok_and(all_token68) {
            return search(start);
        }
        start += BLOCK;
    }
    let tail = &bytes[start..];
    let mut padded = [b'A'; BLOCK];
    padded[..tail.len()].copy_from_slice(tail);
    if all_token68(&padded) {
        None
    } else {
        search(start)
    }
}

/// Whether a whole block is in the `token68` alphabet (no early exit: it vectorises). Inlined,
/// so the constants stay in registers across blocks (a call per block cost twice as much).
#[inline(always)]
fn all_token68(block: &[u8; BLOCK]) -> bool {
    block
        .iter()
        .fold(0u8, |outside, &b| outside | u8::from(!is_token68(b)))
        == 0
}

/// Whether `b` is in the `token68` alphabet (`A-Z a-z 0-9 - . _ ~ + / =`); without branches, so
/// a block of them vectorises. `-`, `.`, `/` and the digits are one run, `0x2d..=0x39`.
const fn is_token68(b: u8) -> bool {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let dash_to_nine = b.wrapping_sub(b'-') < 13;
    letter | dash_to_nine | (b == b'+') | (b == b'=') | (b == b'_') | (b == b'~')
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
    fn credentials_are_token68_of_bounded_length() {
        for good in [
            "KEY0123_abc",
            "eyJ.a-b_c.d~e+f/g==",
            &"k".repeat(Secret::MAX_LEN),
        ] {
            assert_eq!(credential_problem(good), None, "{good}");
        }
        let cases = [
            ("", "is empty"),
            ("\u{feff}KEY", "contains a byte-order mark at byte 0"),
            ("KEY \n", "contains whitespace at byte 3"),
            ("KEY\u{1b}", "contains a control character at byte 3"),
            ("KEYé", "contains a non-ASCII character at byte 3"),
            ("KEY#1", "contains a disallowed character at byte 3"),
        ];
        for (bad, expected) in cases {
            let problem = credential_problem(bad).expect("refused");
            assert!(problem.starts_with(expected), "{bad:?}: {problem}");
        }
        for c in (0..=0x2ffu32).filter_map(char::from_u32) {
            let allowed = c.is_ascii_alphanumeric() || "-._~+/=".contains(c);
            let text = format!("ab{c}");
            assert_eq!(credential_problem(&text).is_none(), allowed, "{c:?}");
        }
        // In the first block, past it, at a block's edge, and in a tail shorter than a block.
        for at in [0, 15, 16, 31, 32, 70, 96, 99] {
            let mut long = "k".repeat(100);
            long.replace_range(at..=at, "#");
            let problem = credential_problem(&long).expect("refused");
            assert!(problem.contains(&format!("at byte {at};")), "{problem}");
        }
        let long = "k".repeat(Secret::MAX_LEN + 1);
        assert!(
            credential_problem(&long)
                .expect("too long")
                .contains("8193 bytes")
        );
    }
}
