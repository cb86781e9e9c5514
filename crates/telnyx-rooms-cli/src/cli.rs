//! The command line: global options, subcommands and their help text.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use telnyx_rooms_core::time::{SharedTimeSource, SystemTimeSource};
use telnyx_rooms_mock::parse_duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use telnyx_rooms_mock::{DEFAULT_SEED, ServeOptions};

/// The API key `--mock` uses when none is configured (the mock accepts any key).
pub(crate) const MOCK_API_KEY: &str = "KEY_MOCK_DEMO";

const AFTER_HELP: &str = "\
Credentials (never as arguments, so they stay out of shell history and process lists):
  TELNYX_API_KEY          API key for `token create` (or --api-key-file PATH)
  TELNYX_REFRESH_TOKEN    refresh token for `token refresh` (else read from standard input)
  TELNYX_BASE_URL         API base URL (default https://api.telnyx.com/v2)

Exit codes:
  0  success
  1  unexpected failure (e.g. cannot write output, cannot start the mock)
  2  usage error: bad arguments or input, invalid room id or TTL, missing API key or token
  3  API error: Telnyx answered with an error status, or with an unusable success body
  4  network error: cannot connect, connection broken, or timed out

Examples:
  # No account needed: an embedded mock answers like Telnyx.
  telnyx-rooms --mock token create 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0

  # Create, then refresh by piping the JSON output (the refresh token is taken from it).
  telnyx-rooms --mock token create 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 --format json \\
    | telnyx-rooms --mock token refresh 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0

  # Against Telnyx, variables for a script.
  export TELNYX_API_KEY=KEY...
  eval \"$(telnyx-rooms token create \"$ROOM\" --token-ttl 15m --format env)\"
  echo \"$TELNYX_CLIENT_TOKEN_EXPIRES_AT\"

  # What is in a token? (decoded, not verified)
  printf %s \"$TELNYX_CLIENT_TOKEN\" | telnyx-rooms token inspect";

/// Create, refresh and inspect Telnyx Video Rooms client tokens, or run an offline mock of the API.
#[derive(Debug, Parser)]
#[command(name = "telnyx-rooms", version, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Run an embedded mock of the Telnyx API in this process and send the command to it.
    #[arg(long, global = true, conflicts_with = "base_url")]
    pub(crate) mock: bool,

    /// Passphrase of the embedded mock's signing key: runs sharing it accept each other's
    /// refresh tokens (`mock serve --seed` overrides it).
    #[arg(long, global = true, value_name = "PASSPHRASE", default_value = DEFAULT_SEED, env = "TELNYX_MOCK_SEED", hide_env_values = true)]
    pub(crate) mock_seed: String,

    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,

    /// Read the API key from this file (first line) instead of TELNYX_API_KEY.
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) api_key_file: Option<PathBuf>,

    /// API base URL [default: TELNYX_BASE_URL, else `https://api.telnyx.com/v2`].
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) base_url: Option<String>,

    /// Time limit per HTTP attempt, e.g. `10s`.
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,

    /// Retries after a failure worth retrying (the SDK's rules: `RetryPolicy` of telnyx-rooms).
    #[arg(long, global = true, value_name = "N", default_value_t = 2)]
    pub(crate) retries: u32,

    /// The clock "time left" is measured on: the system's (not a flag; tests inject their own).
    #[arg(skip = system_time())]
    pub(crate) time: SharedTimeSource,
}

fn system_time() -> SharedTimeSource {
    Arc::new(SystemTimeSource)
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Aligned text for people.
    Human,
    /// One JSON object.
    Json,
    /// `KEY=value` lines for `eval` in a shell.
    Env,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create, refresh or inspect client tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Run the offline mock of the Telnyx client-token API.
    #[command(subcommand)]
    Mock(MockCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a client token (and a refresh token) to join a room. Needs the API key.
    #[command(
        after_help = "Example:\n  telnyx-rooms token create 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 --token-ttl 15m --refresh-token-ttl 2h"
    )]
    Create {
        /// The room's id (a UUID).
        room_id: String,
        /// How long the client token is valid (whole seconds, 10s to 1h; server default 10m).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        token_ttl: Option<Duration>,
        /// How long the refresh token is valid (whole seconds, 1m to 24h; server default 1h).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        refresh_token_ttl: Option<Duration>,
    },
    /// Exchange a refresh token for a new client token. Needs no API key.
    ///
    /// The refresh token comes from TELNYX_REFRESH_TOKEN or standard input: the bare token, the
    /// JSON output of `token create`, or its `--format env` output.
    #[command(
        after_help = "Example:\n  printf %s \"$TELNYX_REFRESH_TOKEN\" | telnyx-rooms token refresh 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 --token-ttl 10m"
    )]
    Refresh {
        /// The room's id (a UUID); must be the room the refresh token was issued for.
        room_id: String,
        /// How long the new client token is valid (whole seconds, 10s to 1h; server default 10m).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        token_ttl: Option<Duration>,
    },
    /// Decode a token from standard input and show its kind, room, times and time left.
    ///
    /// The signature is NOT verified: use this to look, never to decide whether to trust a token.
    /// Standard input may hold the bare token, the JSON output of `token create` or `refresh`, or
    /// their `--format env` output (the client token is shown; add --refresh for the refresh token).
    #[command(
        after_help = "Example:\n  printf %s \"$TELNYX_CLIENT_TOKEN\" | telnyx-rooms token inspect --format json"
    )]
    Inspect {
        /// Inspect the refresh token of create's output instead of the client token.
        #[arg(long)]
        refresh: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum MockCommand {
    /// Serve the mock until interrupted; prints its base URL first.
    #[command(
        after_help = "Example:\n  telnyx-rooms mock serve --addr 127.0.0.1:4010 &\n  export TELNYX_BASE_URL=http://127.0.0.1:4010/v2 TELNYX_API_KEY=KEY_MOCK_DEMO\n  telnyx-rooms token create 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"
    )]
    ///
    /// Takes the same options, with the same defaults, as the `telnyx-rooms-mock` binary.
    Serve(ServeOptions),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_accept_humantime_and_whole_seconds() {
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-5s").is_err());
    }
}
