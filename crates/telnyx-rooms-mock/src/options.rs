//! The options of a served mock, one definition for both ways to start one: the
//! `telnyx-rooms-mock` binary and `telnyx-rooms mock serve` flatten [`ServeOptions`].

use std::net::SocketAddr;
use std::time::Duration;

use telnyx_rooms_core::Secret;
use telnyx_rooms_core::secret::credential_problem;

use crate::fault::Fault;
use crate::limits::Limits;
use crate::rate_limit::RateLimit;
use crate::server::{MockServer, MockServerBuilder};

/// The signing passphrase a served mock uses unless told otherwise, so tokens stay valid across
/// restarts and between the binary, `telnyx-rooms mock serve` and `telnyx-rooms --mock`. Mock
/// tokens grant nothing real.
pub const DEFAULT_SEED: &str = "telnyx-rooms-demo";

/// The command-line options of a served mock (a [`clap::Args`] group).
///
/// A served mock keeps no request log in memory (nothing could read it); `--log` prints one line
/// per request to standard error instead.
///
/// ```
/// use clap::Parser as _;
///
/// #[derive(clap::Parser)]
/// struct Cli {
///     #[command(flatten)]
///     serve: telnyx_rooms_mock::ServeOptions,
/// }
///
/// let cli = Cli::parse_from(["mock", "--addr", "127.0.0.1:0", "--idle-timeout", "5s"]);
/// let _builder = cli.serve.builder();
/// assert_eq!(cli.serve.seed(), telnyx_rooms_mock::DEFAULT_SEED);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, clap::Args)]
pub struct ServeOptions {
    /// Address to listen on (port 0 picks a free port). Keep it a loopback address: on any other
    /// (e.g. 0.0.0.0) anyone who reaches the mock can use it, and with the default seed, which is
    /// public, forge tokens it accepts; the mock says so on standard error when it starts.
    #[arg(long, default_value = "127.0.0.1:4010")]
    pub addr: SocketAddr,
    /// Derive the signing key from this passphrase: servers sharing it accept each other's
    /// refresh tokens [default: telnyx-rooms-demo].
    #[arg(
        long,
        value_name = "PASSPHRASE",
        env = "TELNYX_MOCK_SEED",
        hide_env_values = true
    )]
    pub seed: Option<String>,
    /// A server-level fault, e.g. `op=CreateRoomClientToken;status=503;times=2` (repeatable).
    /// Directives: status, retry-after, delay, reset, malformed-json, missing-fields, header,
    /// times, key, op, chance.
    #[arg(long = "fault", value_name = "FAULT")]
    pub faults: Vec<Fault>,
    /// Accept only this API key, and answer any other 401 as Telnyx does (default: any key), to
    /// test a client's handling of a rejected key.
    #[arg(long, value_name = "KEY", value_parser = ApiKeyParser)]
    pub api_key: Option<Secret>,
    /// Print one line per request (method, path, route, status, fault; never headers or
    /// bodies) to standard error.
    #[arg(long)]
    pub log: bool,
    /// Close an HTTP/1 connection that has not sent a whole request head this long after it
    /// opened or after its last answer.
    #[arg(long, value_name = "DURATION", default_value_t = Limits::DEFAULT.header_read_timeout.into(), value_parser = parse_option_duration)]
    pub header_timeout: humantime::Duration,
    /// Answer 408 to a request whose body has not arrived this long after its head.
    #[arg(long, value_name = "DURATION", default_value_t = Limits::DEFAULT.body_timeout.into(), value_parser = parse_option_duration)]
    pub body_timeout: humantime::Duration,
    /// Close a connection that moved no byte this long while none of its requests was being
    /// answered.
    #[arg(long, value_name = "DURATION", default_value_t = Limits::DEFAULT.idle_timeout.into(), value_parser = parse_option_duration)]
    pub idle_timeout: humantime::Duration,
    /// Keep at most this many connections open; at the cap the oldest one with no request being
    /// answered is closed to make room.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_connections, value_parser = parse_max_connections)]
    pub max_connections: usize,
    /// Answer 429 with `Retry-After` beyond this rate, e.g. `200/s` or `200/s,burst=50`
    /// (default: no limit).
    #[arg(long, value_name = "RATE")]
    pub rate_limit: Option<RateLimit>,
}

impl ServeOptions {
    /// The signing passphrase: `--seed`, else [`DEFAULT_SEED`].
    pub fn seed(&self) -> &str {
        self.seed.as_deref().unwrap_or(DEFAULT_SEED)
    }

    /// A server builder configured by these options.
    pub fn builder(&self) -> MockServerBuilder {
        let duration = |d: humantime::Duration| -> Duration { d.into() };
        let mut builder = MockServer::builder()
            .addr(self.addr)
            .signing_passphrase(self.seed())
            .log_bytes(0)
            .print_requests(self.log)
            .header_read_timeout(duration(self.header_timeout))
            .body_timeout(duration(self.body_timeout))
            .idle_timeout(duration(self.idle_timeout))
            .max_connections(self.max_connections);
        if let Some(limit) = self.rate_limit {
            builder = builder.rate_limit(limit);
        }
        if let Some(key) = &self.api_key {
            builder = builder.api_key(key.clone());
        }
        builder.warn_if_exposed = true;
        self.faults
            .iter()
            .cloned()
            .fold(builder, MockServerBuilder::fault)
    }
}

/// A duration as every command line of the workspace takes it: whole seconds (`600`) or a
/// humantime duration (`250ms`, `90s`, `10m`, `1h 30m`). Used by the mock's options and faults
/// and by the `telnyx-rooms` CLI.
///
/// ```
/// use std::time::Duration;
/// use telnyx_rooms_mock::parse_duration;
///
/// assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
/// assert_eq!(parse_duration(" 45 "), Ok(Duration::from_secs(45)));
/// assert!(parse_duration("soon").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    if let Ok(secs) = text.trim().parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(text.trim())
        .map_err(|err| format!("bad duration `{text}`: {err} (try e.g. `90s`, `10m`, `1h`)"))
}

/// [`parse_duration`], for options shown with humantime defaults.
fn parse_option_duration(text: &str) -> Result<humantime::Duration, String> {
    parse_duration(text).map(humantime::Duration::from)
}

/// `--api-key`, checked as a bearer credential; a refusal says what is wrong without quoting the
/// key (clap's own errors would).
#[derive(Debug, Clone, Copy)]
struct ApiKeyParser;

impl clap::builder::TypedValueParser for ApiKeyParser {
    type Value = Secret;

    fn parse_ref(
        &self,
        command: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Secret, clap::Error> {
        let problem = match value.to_str() {
            Some(text) => match credential_problem(text) {
                None => return Ok(Secret::from(text)),
                Some(problem) => problem,
            },
            None => "is not valid UTF-8".to_owned(),
        };
        let error = clap::Error::raw(
            clap::error::ErrorKind::ValueValidation,
            format!("the value of --api-key {problem}\n"),
        );
        Err(error.with_cmd(command))
    }
}

/// What to say when a served mock listens beyond this machine, `None` on a loopback address.
pub(crate) fn exposure_warning(
    addr: SocketAddr,
    api_key: bool,
    public_seed: bool,
) -> Option<String> {
    if addr.ip().to_canonical().is_loopback() {
        return None;
    }
    let mut warning = format!(
        "warning: the mock listens on {addr}, which is not a loopback address: anyone who can \
         reach it can use it"
    );
    if !api_key {
        warning.push_str(", with any API key (--api-key sets one)");
    }
    if public_seed {
        warning.push_str(
            ", and it signs tokens with the default seed, which is public, so anyone can forge \
             tokens it accepts (--seed sets a private passphrase)",
        );
    }
    warning.push_str(". It is a test double, not a service.");
    Some(warning)
}

fn parse_max_connections(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(err) => Err(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_loopback_address_goes_without_a_warning() {
        for (text, loopback) in [
            ("127.0.0.1:4010", true),
            ("127.9.9.9:0", true),
            ("[::1]:0", true),
            ("[::ffff:127.0.0.1]:0", true),
            ("0.0.0.0:4010", false),
            ("[::]:0", false),
            ("10.1.2.3:80", false),
            ("[::ffff:10.0.0.1]:0", false),
        ] {
            let addr: SocketAddr = text.parse().expect("an address");
            match exposure_warning(addr, false, true) {
                None => assert!(loopback, "{text} needs a warning"),
                Some(warning) => {
                    assert!(!loopback, "{text}: {warning}");
                    assert!(warning.contains(&addr.to_string()), "{warning}");
                }
            }
        }
        let addr: SocketAddr = "0.0.0.0:0".parse().expect("an address");
        let keyed = exposure_warning(addr, true, false).expect("a warning");
        assert!(
            !keyed.contains("API key") && !keyed.contains("seed"),
            "{keyed}"
        );
    }
}
