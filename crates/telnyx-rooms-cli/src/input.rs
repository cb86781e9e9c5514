//! Where secrets come from: the API key (environment or file) and tokens (environment or stdin).
//!
//! Never from arguments: those land in shell history and are visible to every user via `ps`.
//! Every read is bounded ([`MAX_INPUT_BYTES`]); a leading byte-order mark and surrounding
//! whitespace are stripped; what is left is checked by the SDK before anything is sent, and a
//! refusal names where the value came from ([`Source`]), never the value.

use std::fmt;
use std::io::{IsTerminal as _, Read as _};
use std::path::{Path, PathBuf};

use serde_json::Value;

use telnyx_rooms_core::redact::escape_controls;

use crate::failure::Failure;
use crate::output::{CLIENT_TOKEN, Name, REFRESH_TOKEN, REFRESH_TOKEN_ENV};

/// The most bytes read from standard input or a key file: room for a `token create` output
/// (JSON or env lines) with both tokens, far less than a mistaken file or stream.
const MAX_INPUT_BYTES: usize = 64 * 1024;

/// Where a secret came from, for messages that must not show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// An environment variable.
    Env(&'static str),
    /// `--api-key-file PATH`.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "the environment variable {name}"),
            Self::File(path) => write!(f, "the API key file {}", path.display()),
            Self::Stdin => f.write_str("standard input"),
        }
    }
}

/// A secret and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sourced {
    pub(crate) value: String,
    pub(crate) source: Source,
}

/// `text` without a leading byte-order mark and surrounding whitespace (a key file saved by a
/// Windows editor, a trailing newline).
fn strip(text: &str) -> &str {
    text.trim().trim_start_matches('\u{feff}').trim()
}

/// At most [`MAX_INPUT_BYTES`] of `reader` as text; more is refused, not read.
fn read_bounded(reader: impl std::io::Read, source: &Source) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| Failure::usage(format!("cannot read {source}: {err}")))?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(Failure::usage(format!(
            "{source} holds more than {MAX_INPUT_BYTES} bytes; expected one key or token \
             (nothing was sent)"
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        Failure::usage(format!(
            "{source} is not UTF-8 text; expected one key or token (nothing was sent)"
        ))
    })
}
/// Which token of a `token create`/`refresh` output to pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pick {
    /// The client (access) token: `token` / `TELNYX_CLIENT_TOKEN`.
    Client,
    /// The refresh token: `refresh_token` / `TELNYX_REFRESH_TOKEN`.
    Refresh,
}

impl Pick {
    fn name(self) -> Name {
        match self {
            Self::Client => CLIENT_TOKEN,
            Self::Refresh => REFRESH_TOKEN,
        }
    }
}

/// The API key from `--api-key-file` (its first line) or else `TELNYX_API_KEY`.
///
/// A key file other users can read is used, with a warning on standard error (as ssh warns
/// about a private key file).
pub(crate) fn api_key(
    file: Option<&Path>,
    env: Option<String>,
) -> Result<Option<Sourced>, Failure> {
    if let Some(path) = file {
        let source = Source::File(path.to_owned());
        let opened = std::fs::File::open(path)
            .map_err(|err| Failure::usage(format!("cannot read {source}: {err}")))?;
        if let Some(warning) = shared_file_warning(&opened, path) {
            eprintln!("telnyx-rooms: warning: {}", escape_controls(&warning));
        }
        let text = read_bounded(opened, &source)?;
        let key = strip(strip(&text).lines().next().unwrap_or_default()).to_owned();
        if key.is_empty() {
            return Err(Failure::usage(format!(
                "the API key file {} is empty",
                path.display()
            )));
        }
        return Ok(Some(Sourced { value: key, source }));
    }
    Ok(env
        .map(|key| strip(&key).to_owned())
        .filter(|key| !key.is_empty())
        .map(|value| Sourced {
            value,
            source: Source::Env(telnyx_rooms::ClientBuilder::API_KEY_ENV),
        }))
}

/// The warning for a key file whose permissions let other users (group or others) at it.
#[cfg(unix)]
fn shared_file_warning(file: &std::fs::File, path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = file.metadata().ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then(|| {
        format!(
            "the API key file {path} is accessible to other users (mode {mode:04o}); \
             keep it private: chmod 600 {path}",
            path = path.display()
        )
    })
}

#[cfg(not(unix))]
fn shared_file_warning(_file: &std::fs::File, _path: &Path) -> Option<String> {
    None
}

/// The refresh token: from standard input when something is piped in, else from
/// `TELNYX_REFRESH_TOKEN` (`env`). Piping is the explicit act; a variable may be left over from
/// an earlier `eval`, so when both hold a token, standard input wins and a note says so.
pub(crate) fn refresh_token(env: Option<String>) -> Result<Sourced, Failure> {
    let from_env = env.map(|t| strip(&t).to_owned()).filter(|t| !t.is_empty());
    let stdin = std::io::stdin();
    let piped = if stdin.is_terminal() {
        None
    } else {
        Some(read_bounded(stdin.lock(), &Source::Stdin)?).filter(|text| !strip(text).is_empty())
    };
    match (piped, from_env) {
        (Some(input), from_env) => {
            let value = extract(&input, Pick::Refresh)?;
            if from_env.is_some_and(|other| other != value) {
                eprintln!(
                    "telnyx-rooms: note: using the refresh token from standard input; \
                     {REFRESH_TOKEN_ENV} holds another and is ignored"
                );
            }
            Ok(Sourced {
                value,
                source: Source::Stdin,
            })
        }
        (None, Some(value)) => Ok(Sourced {
            value,
            source: Source::Env(REFRESH_TOKEN_ENV),
        }),
        (None, None) => Err(Failure::usage(format!(
            "no refresh token: pipe it on standard input (e.g. `printf %s \"$TOKEN\" | \
             telnyx-rooms token refresh …`) or set {REFRESH_TOKEN_ENV}; it is never taken as an \
             argument"
        ))),
    }
}

/// A token to inspect, from standard input.
pub(crate) fn token_to_inspect(pick: Pick) -> Result<String, Failure> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Failure::usage(format!(
            "pipe the token on standard input (e.g. `printf %s \"${}\" | telnyx-rooms token \
             inspect`); it is never taken as an argument",
            pick.name().env_key
        )));
    }
    extract(&read_bounded(stdin.lock(), &Source::Stdin)?, pick)
}

/// The token in `input`: the bare token, a JSON object holding it, or `KEY=value` lines.
pub(crate) fn extract(input: &str, pick: Pick) -> Result<String, Failure> {
    let trimmed = strip(input);
    if trimmed.is_empty() {
        return Err(Failure::usage("standard input is empty; expected a token"));
    }
    if trimmed.starts_with('{') {
        let value: Value = serde_json::from_str(trimmed).map_err(|err| {
            Failure::usage(format!(
                "standard input looks like JSON but is not valid: {err}"
            ))
        })?;
        return value
            .get(&*pick.name().json_key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "the JSON on standard input has no string `{}`",
                    pick.name().json_key
                ))
            });
    }
    let prefix = format!("{}=", pick.name().env_key);
    if let Some(line) = trimmed
        .lines()
        .map(|line| line.trim().trim_start_matches("export "))
        .find(|line| line.starts_with(&prefix))
    {
        let value = &line[prefix.len()..];
        return Ok(strip(value.trim_matches('\'').trim_matches('"')).to_owned());
    }
    if trimmed.contains(char::is_whitespace) {
        return Err(Failure::usage(format!(
            "standard input holds several words; expected one token, JSON with `{}`, or a `{}` line",
            pick.name().json_key,
            prefix
        )));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_bare_json_and_env_forms() {
        let json = r#"{"token":"access.t.k","refresh_token":"refresh.t.k"}"#;
        let env =
            "TELNYX_ROOM_ID=r\nTELNYX_CLIENT_TOKEN=access.t.k\nTELNYX_REFRESH_TOKEN=refresh.t.k\n";
        for (input, pick, token) in [
            ("  abc.def.ghi\n", Pick::Refresh, "abc.def.ghi"),
            (json, Pick::Refresh, "refresh.t.k"),
            (json, Pick::Client, "access.t.k"),
            (env, Pick::Refresh, "refresh.t.k"),
            (env, Pick::Client, "access.t.k"),
            (
                "export TELNYX_REFRESH_TOKEN='r.t.k'",
                Pick::Refresh,
                "r.t.k",
            ),
        ] {
            assert_eq!(
                extract(input, pick).ok().as_deref(),
                Some(token),
                "{input:?}"
            );
        }
    }

    #[test]
    fn refuses_empty_ambiguous_and_incomplete_input() {
        for (input, pick) in [
            ("", Pick::Client),
            ("   \n", Pick::Client),
            ("two words", Pick::Client),
            (r#"{"token": 5}"#, Pick::Client),
            (r#"{"token":"a.b.c"}"#, Pick::Refresh),
            ("{not json", Pick::Client),
        ] {
            let failure = extract(input, pick).expect_err(input);
            assert_eq!(failure.exit_code(), 2, "{input:?}");
        }
    }

    #[test]
    fn api_key_prefers_the_file_and_ignores_blank_values() {
        let dir = std::env::temp_dir().join(format!("telnyx-rooms-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let file = dir.join("key");
        std::fs::write(&file, "KEY_FROM_FILE\nsecond line\n").expect("written");
        let value =
            |found: Result<Option<Sourced>, Failure>| found.ok().flatten().map(|key| key.value);
        assert_eq!(
            value(api_key(Some(&file), Some("KEY_FROM_ENV".to_owned()))),
            Some("KEY_FROM_FILE".to_owned())
        );
        // A Windows editor's byte-order mark and CRLF are not part of the key.
        std::fs::write(&file, "\u{feff}KEY_FROM_FILE\r\n").expect("written");
        assert_eq!(
            value(api_key(Some(&file), None)),
            Some("KEY_FROM_FILE".to_owned())
        );
        assert_eq!(
            value(api_key(None, Some(" \u{feff}KEY ".to_owned()))),
            Some("KEY".to_owned())
        );
        assert_eq!(
            api_key(None, Some(" KEY ".to_owned()))
                .ok()
                .flatten()
                .map(|key| key.source),
            Some(Source::Env("TELNYX_API_KEY"))
        );
        assert!(matches!(api_key(None, Some("  ".to_owned())), Ok(None)));
        // A huge key file is refused after reading a bounded prefix.
        std::fs::write(&file, "K".repeat(MAX_INPUT_BYTES + 1)).expect("written");
        let huge = api_key(Some(&file), None).expect_err("too large");
        assert_eq!(huge.exit_code(), 2);
        assert!(huge.to_string().contains("more than 65536 bytes"), "{huge}");
        std::fs::write(&file, "\n").expect("written");
        assert!(api_key(Some(&file), None).is_err());
        assert!(api_key(Some(&dir.join("absent")), None).is_err());
        std::fs::remove_dir_all(&dir).expect("cleaned up");
    }
}
