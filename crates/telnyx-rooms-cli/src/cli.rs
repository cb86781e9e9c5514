//! The command line: subcommands, the options each one takes, and their help text.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use telnyx_rooms_core::time::{SharedTimeSource, SystemTimeSource};
use telnyx_rooms_mock::{DEFAULT_SEED, ServeOptions, parse_duration};

use crate::resources::{ParticipantsCommand, RoomId, RoomsCommand, SessionsCommand};

/// The API key `--mock` sends, and the only one its embedded mock accepts.
pub(crate) const MOCK_API_KEY: &str = "KEY_MOCK_DEMO";

const AFTER_HELP: &str = "\
Credentials (never as arguments, so they stay out of shell history and process lists):
  TELNYX_API_KEY          API key for every command that calls the API but `token refresh` (or
                          --api-key-file PATH); not read with --mock
  TELNYX_REFRESH_TOKEN    refresh token for `token refresh` when none is piped on standard input
  TELNYX_BASE_URL         API base URL (default https://api.telnyx.com/v2)

Exit codes:
  0  success (`token inspect` too for an expired token: see its `expired` field)
  1  unexpected failure (e.g. cannot write output, cannot start the mock)
  2  usage error: bad arguments or input, an invalid id, TTL or bound, missing API key or token
  3  API error: Telnyx answered with an error status (404 for an unknown room), or with an
     unusable success body
  4  network error: cannot connect, connection broken, or timed out (--timeout, --deadline)

Examples:
  # No account needed: an embedded mock answers like Telnyx.
  telnyx-rooms token create 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 --mock

  # Create, then refresh by piping the JSON output (the refresh token is taken from it).
  telnyx-rooms token create 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 --mock --format json \\
    | telnyx-rooms token refresh 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 --mock

  # Against Telnyx, variables for a script: a room, then a token for it.
  export TELNYX_API_KEY=KEY...
  eval \"$(telnyx-rooms rooms create --unique-name standup --format env)\"
  eval \"$(telnyx-rooms token create \"$TELNYX_ROOM_ID\" --token-ttl 15m --format env)\"
  echo \"$TELNYX_CLIENT_TOKEN_EXPIRES_AT\"

  # Every room, one JSON object per line, fetched a page at a time.
  telnyx-rooms rooms list --all --format json

  # What is in a token? (decoded, not verified)
  printf %s \"$TELNYX_CLIENT_TOKEN\" | telnyx-rooms token inspect";

/// Create, refresh and inspect Telnyx Video Rooms client tokens, or run an offline mock of the API.
#[derive(Debug, Parser)]
#[command(name = "telnyx-rooms", version, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

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
    /// Aligned text for people (a list: a table).
    Human,
    /// One JSON object (a list: one per line).
    Json,
    /// `KEY=value` lines for `eval` in a shell (a list: one line of them per item).
    Env,
}

/// `--format`, taken by every command that prints a result.
#[derive(Debug, Args)]
pub(crate) struct Output {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

/// How a command that calls the API reaches it: Telnyx, another base URL, or the embedded mock.
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection")]
pub(crate) struct Connection {
    /// Run an embedded mock of the Telnyx API in this process and send the command to it. It
    /// accepts only its own API key, which is sent instead of TELNYX_API_KEY. What it holds
    /// (rooms, sessions) lasts for this command only: `mock serve` keeps it.
    #[arg(long, conflicts_with = "base_url")]
    pub(crate) mock: bool,

    /// With --mock: passphrase of the embedded mock's signing key. Runs (and `mock serve`)
    /// sharing it accept each other's refresh tokens.
    #[arg(long, value_name = "PASSPHRASE", default_value = DEFAULT_SEED, env = "TELNYX_MOCK_SEED", hide_env_values = true)]
    pub(crate) seed: String,

    /// API base URL [default: TELNYX_BASE_URL, else `https://api.telnyx.com/v2`].
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: Option<String>,

    /// Time limit per HTTP attempt [default: 60s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,

    /// Time limit for the whole call: every attempt and every wait between them.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = parse_duration)]
    pub(crate) deadline: Duration,

    /// Retries after a failure worth retrying (the SDK's rules: `RetryPolicy` of telnyx-rooms).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub(crate) retries: u32,

    /// Show each call's attempts, retries and outcome on standard error (secrets never shown).
    #[arg(short, long)]
    pub(crate) verbose: bool,
}

impl Connection {
    /// What titles for people say of where an answer came from: the embedded mock's answers
    /// grant nothing real, and its state ends with the command.
    pub(crate) fn note(&self) -> &'static str {
        if self.mock {
            " (from the embedded mock)"
        } else {
            ""
        }
    }
}

/// Where the API key comes from, for the commands that send it.
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection")]
pub(crate) struct ApiKey {
    /// Read the API key from this file (first line) instead of TELNYX_API_KEY. A file other
    /// users can read is used, with a warning.
    #[arg(long, value_name = "PATH", conflicts_with = "mock")]
    pub(crate) api_key_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create, refresh or inspect client tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Create, show, list, update or delete rooms.
    #[command(subcommand)]
    Rooms(RoomsCommand),
    /// List, show or end sessions of rooms; kick, mute or unmute their participants.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// List or show participants of sessions.
    #[command(subcommand)]
    Participants(ParticipantsCommand),
    /// Run the offline mock of the Telnyx Video Rooms API.
    #[command(subcommand)]
    Mock(MockCommand),
}

/// A command that calls the API with the key: its own arguments, then the output format and the
/// connection.
#[derive(Debug, Args)]
pub(crate) struct Api<T: Args> {
    #[command(flatten)]
    pub(crate) args: T,
    #[command(flatten)]
    pub(crate) output: Output,
    #[command(flatten)]
    pub(crate) connection: Connection,
    #[command(flatten)]
    pub(crate) api_key: ApiKey,
}

/// `token create`.
#[derive(Debug, Args)]
pub(crate) struct Create {
    #[command(flatten)]
    pub(crate) room: RoomId,
    /// How long the client token is valid (whole seconds, 10s to 1h; server default 10m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) token_ttl: Option<Duration>,
    /// How long the refresh token is valid (whole seconds, 1m to 24h; server default 1h).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) refresh_token_ttl: Option<Duration>,
}

/// `token refresh`.
#[derive(Debug, Args)]
pub(crate) struct Refresh {
    /// The room's id (a UUID); must be the room the refresh token was issued for.
    pub(crate) room_id: String,
    /// How long the new client token is valid (whole seconds, 10s to 1h; server default 10m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) token_ttl: Option<Duration>,
    #[command(flatten)]
    pub(crate) output: Output,
    #[command(flatten)]
    pub(crate) connection: Connection,
}

/// `token inspect`.
#[derive(Debug, Args)]
pub(crate) struct Inspect {
    /// Inspect the refresh token of create's output instead of the client token.
    #[arg(long)]
    pub(crate) refresh: bool,
    #[command(flatten)]
    pub(crate) output: Output,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a client token (and a refresh token) to join a room. Needs the API key.
    #[command(
        after_help = "Example:\n  telnyx-rooms token create 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 --token-ttl 15m --refresh-token-ttl 2h"
    )]
    Create(Api<Create>),
    /// Exchange a refresh token for a new client token. Needs no API key.
    ///
    /// The refresh token is read from standard input when something is piped in (the bare token,
    /// the JSON output of `token create`, or its `--format env` output), else from
    /// TELNYX_REFRESH_TOKEN. When both hold a token, standard input wins and a note on standard
    /// error says so.
    #[command(
        after_help = "Example:\n  printf %s \"$TELNYX_REFRESH_TOKEN\" | telnyx-rooms token refresh 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 --token-ttl 10m"
    )]
    Refresh(Refresh),
    /// Decode a token from standard input and show its kind, room, times and time left.
    ///
    /// The signature is NOT verified: use this to look, never to decide whether to trust a token.
    /// Standard input may hold the bare token, the JSON output of `token create` or `refresh`, or
    /// their `--format env` output (the client token is shown; add --refresh for the refresh
    /// token). An expired token is shown like any other (exit 0, `expired: true`).
    #[command(
        after_help = "Example:\n  printf %s \"$TELNYX_CLIENT_TOKEN\" | telnyx-rooms token inspect --format json"
    )]
    Inspect(Inspect),
}

/// `mock serve`.
#[derive(Debug, Args)]
pub(crate) struct Serve {
    #[command(flatten)]
    pub(crate) options: ServeOptions,
    #[command(flatten)]
    pub(crate) output: Output,
}

#[derive(Debug, Subcommand)]
pub(crate) enum MockCommand {
    /// Serve the mock until interrupted; prints its base URL first.
    ///
    /// Takes the same options, with the same defaults, as the `telnyx-rooms-mock` binary.
    #[command(
        after_help = "Example:\n  telnyx-rooms mock serve --addr 127.0.0.1:4010 &\n  export TELNYX_BASE_URL=http://127.0.0.1:4010/v2 TELNYX_API_KEY=KEY_MOCK_DEMO\n  telnyx-rooms token create 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"
    )]
    Serve(Serve),
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
