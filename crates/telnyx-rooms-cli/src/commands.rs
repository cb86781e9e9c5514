//! What each subcommand does: gather inputs, call the SDK (or the mock), build the report.

use std::path::Path;

use chrono::{DateTime, Utc};
use telnyx_rooms::retry::RetryPolicy;
use telnyx_rooms::{Client, ClientBuilder, Uuid};
use telnyx_rooms_core::time::{SharedTimeSource, TimeSource as _};
use telnyx_rooms_mock::MockServer;

use crate::cli::{
    Api, Cli, Command, Connection, Create, Format, Inspect, MOCK_API_KEY, MockCommand, Refresh,
    Serve, TokenCommand,
};
use crate::failure::Failure;
use crate::input::{self, Pick, Source};
use crate::inspect::{Inspected, inspect};
use crate::output::{CLIENT_TOKEN, Name, REFRESH_TOKEN, REFRESH_TOKEN_ENV, Report, Value, print};
use crate::resources;

const ROOM: Name = Name::new("room", "room_id", "TELNYX_ROOM_ID");
const TOKEN_EXPIRES_AT: Name = Name::new(
    "expires at",
    "token_expires_at",
    "TELNYX_CLIENT_TOKEN_EXPIRES_AT",
);
const REFRESH_TOKEN_EXPIRES_AT: Name = Name::new(
    "refresh expires at",
    "refresh_token_expires_at",
    "TELNYX_REFRESH_TOKEN_EXPIRES_AT",
);
const REQUEST_ID: Name = Name::new("request id", "request_id", "TELNYX_REQUEST_ID");

/// Runs the parsed command line, printing its result to standard output.
pub(crate) async fn run(cli: Cli) -> Result<(), Failure> {
    let time = &cli.time;
    match cli.command {
        Command::Token(TokenCommand::Create(args)) => create(&args, time).await,
        Command::Token(TokenCommand::Refresh(args)) => refresh(&args, time).await,
        Command::Token(TokenCommand::Inspect(args)) => inspect_token(&args, time),
        Command::Rooms(command) => resources::run(&command, time).await,
        Command::Sessions(command) => resources::run(&command, time).await,
        Command::Participants(command) => resources::run(&command, time).await,
        Command::Mock(MockCommand::Serve(args)) => serve(args, time).await,
    }
}

async fn create(command: &Api<Create>, time: &SharedTimeSource) -> Result<(), Failure> {
    let (args, connection) = (&command.args, &command.connection);
    let target = Target::connect(connection, command.api_key.api_key_file.as_deref()).await?;
    let mut request = target
        .client
        .create_client_token(args.room.room_id.as_str());
    if let Some(ttl) = args.token_ttl {
        request = request.token_ttl(ttl);
    }
    if let Some(ttl) = args.refresh_token_ttl {
        request = request.refresh_token_ttl(ttl);
    }
    let created = request.await.map_err(|err| target.failure(&err))?;
    let report = token_report(
        connection,
        "Client token",
        created.room_id(),
        created.token().expose(),
        created.expires_at(),
    )
    .row(REFRESH_TOKEN, Some(created.refresh_token().expose()))
    .row(
        REFRESH_TOKEN_EXPIRES_AT,
        Value::Time(created.refresh_token_expires_at()),
    )
    .row(REQUEST_ID, created.request_id());
    emit(&report, command.output.format, time)
}

async fn refresh(args: &Refresh, time: &SharedTimeSource) -> Result<(), Failure> {
    // Inputs first: a missing token is a usage error before anything starts.
    let refresh_token = input::refresh_token(std::env::var(REFRESH_TOKEN_ENV).ok())?;
    let target = Target::connect(&args.connection, None).await?;
    let mut request = target
        .client
        .refresh_client_token(args.room_id.as_str(), refresh_token.value);
    if let Some(ttl) = args.token_ttl {
        request = request.token_ttl(ttl);
    }
    let refreshed = request.await.map_err(|err| {
        blame(&err, "refresh_token", &refresh_token.source).unwrap_or_else(|| {
            target.failure(&err).noting_if_api(format_args!(
                "The refresh token came from {}",
                refresh_token.source
            ))
        })
    })?;
    let report = token_report(
        &args.connection,
        "Refreshed client token",
        refreshed.room_id(),
        refreshed.token().expose(),
        refreshed.expires_at(),
    )
    .row(REQUEST_ID, refreshed.request_id());
    emit(&report, args.output.format, time)
}

fn inspect_token(args: &Inspect, time: &SharedTimeSource) -> Result<(), Failure> {
    let pick = if args.refresh {
        Pick::Refresh
    } else {
        Pick::Client
    };
    let seen = inspect(&input::token_to_inspect(pick)?)?;
    emit(
        &inspection_report(seen, time.now_utc()),
        args.output.format,
        time,
    )
}

/// What `token inspect` prints about a decoded token at `now`.
pub(crate) fn inspection_report(seen: Inspected, now: DateTime<Utc>) -> Report {
    let left = seen.expires_at.map_or(Value::Absent, |at| {
        Value::Integer(at.signed_duration_since(now).num_seconds())
    });
    let expired = seen
        .expires_at
        .map_or(Value::Absent, |at| Value::Bool(at <= now));
    let values: [Value; 11] = [
        seen.kind.into(),
        seen.room_id.into(),
        seen.subject.into(),
        seen.issued_at.into(),
        seen.not_before.into(),
        seen.expires_at.into(),
        left,
        expired,
        seen.issuer.into(),
        seen.token_id.into(),
        seen.algorithm.into(),
    ];
    INSPECTED.into_iter().zip(values).fold(
        Report::new("Token (decoded, signature not verified)"),
        |report, (name, value)| report.row(name, value),
    )
}

/// The rows of `token inspect`, in the order of the values `inspection_report` gives them.
const INSPECTED: [Name; 11] = [
    Name::new("kind", "kind", "TELNYX_TOKEN_KIND"),
    Name::new("room", "room_id", "TELNYX_TOKEN_ROOM_ID"),
    Name::new("subject", "subject", "TELNYX_TOKEN_SUBJECT"),
    Name::new("issued at", "issued_at", "TELNYX_TOKEN_ISSUED_AT"),
    Name::new("not before", "not_before", "TELNYX_TOKEN_NOT_BEFORE"),
    Name::new("expires at", "expires_at", "TELNYX_TOKEN_EXPIRES_AT"),
    Name::new(
        "seconds left",
        "expires_in_secs",
        "TELNYX_TOKEN_EXPIRES_IN_SECS",
    ),
    Name::new("expired", "expired", "TELNYX_TOKEN_EXPIRED"),
    Name::new("issuer", "issuer", "TELNYX_TOKEN_ISSUER"),
    Name::new("token id", "token_id", "TELNYX_TOKEN_ID"),
    Name::new("algorithm", "algorithm", "TELNYX_TOKEN_ALGORITHM"),
];

async fn serve(args: Serve, time: &SharedTimeSource) -> Result<(), Failure> {
    let server = args
        .options
        .builder()
        .start()
        .await
        .map_err(|err| Failure::unexpected(format!("cannot start the mock: {err}")))?;
    let base_url = Name::new("base URL", "base_url", ClientBuilder::BASE_URL_ENV);
    let api_key = Name::new("API key", "api_key", ClientBuilder::API_KEY_ENV);
    // A key given with --api-key is the only one accepted; it is a secret, so it is never shown.
    let (key, accepted) = match args.options.api_key {
        Some(_) => (
            "(the key given with --api-key)",
            "Only the key given with --api-key is accepted",
        ),
        None => (MOCK_API_KEY, "Any API key is accepted"),
    };
    let report = Report::new("Mock Telnyx Video Rooms API serving (Ctrl-C stops it)")
        .row(base_url, Some(server.base_url()))
        .row(api_key, Some(key))
        .footer(format!(
            "{accepted}. Point the SDK or this CLI at it:\n  export {}={} {}={}",
            ClientBuilder::BASE_URL_ENV,
            server.base_url(),
            ClientBuilder::API_KEY_ENV,
            if args.options.api_key.is_some() {
                "<that key>"
            } else {
                MOCK_API_KEY
            },
        ));
    emit(&report, args.output.format, time)?;
    tokio::signal::ctrl_c()
        .await
        .map_err(|err| Failure::unexpected(format!("cannot wait for Ctrl-C: {err}")))
}

/// The rows `token create` and `token refresh` share: room, client token and its expiry.
///
/// The title says when the embedded mock answered: its tokens grant nothing real.
fn token_report(
    connection: &Connection,
    what: &str,
    room_id: Uuid,
    token: &str,
    expires_at: DateTime<Utc>,
) -> Report {
    Report::new(format!("{what} for room {room_id}{}", connection.note()))
        .row(ROOM, Some(room_id.to_string()))
        .row(CLIENT_TOKEN, Some(token))
        .row(TOKEN_EXPIRES_AT, Value::Time(expires_at))
}

/// The SDK client a command talks through, and the embedded mock it may point at.
pub(crate) struct Target {
    pub(crate) client: Client,
    // Held so the embedded mock serves until the command is done.
    _mock: Option<MockServer>,
}

impl Target {
    /// The client `connection` describes, with the key from `key_file` or `TELNYX_API_KEY`.
    ///
    /// `token refresh` sends no key, yet its client knows the one in the environment, so that
    /// a server echoing it is scrubbed as for any call. With `--mock` the key is the mock's own,
    /// and the embedded mock accepts no other: a real key in the environment is never read, so
    /// it cannot reach the mock.
    pub(crate) async fn connect(
        connection: &Connection,
        key_file: Option<&Path>,
    ) -> Result<Self, Failure> {
        if connection.verbose {
            crate::verbose::enable();
        }
        let builder = client_builder(connection);
        if connection.mock {
            let server = MockServer::builder()
                .signing_passphrase(&connection.seed)
                .api_key(MOCK_API_KEY)
                .start()
                .await
                .map_err(|err| {
                    Failure::unexpected(format!("cannot start the embedded mock: {err}"))
                })?;
            let client = builder
                .base_url(server.base_url())
                .api_key(MOCK_API_KEY)
                .build()
                .map_err(|err| Failure::from_sdk(&err, server.base_url()))?;
            return Ok(Self {
                client,
                _mock: Some(server),
            });
        }
        let mut builder = match connection
            .base_url
            .clone()
            .or_else(|| non_empty_env(ClientBuilder::BASE_URL_ENV))
        {
            Some(base_url) => builder.base_url(base_url),
            None => builder,
        };
        let key = input::api_key(key_file, non_empty_env(ClientBuilder::API_KEY_ENV))?;
        let key_source = key.as_ref().map(|key| key.source.clone());
        if let Some(key) = key {
            builder = builder.api_key(key.value);
        }
        let client = builder.build().map_err(|err| {
            key_source
                .and_then(|source| blame(&err, "api_key", &source))
                .unwrap_or_else(|| Failure::from_sdk(&err, "(not built)"))
        })?;
        Ok(Self {
            client,
            _mock: None,
        })
    }

    pub(crate) fn failure(&self, error: &telnyx_rooms::Error) -> Failure {
        Failure::from_sdk(error, self.client.base_url())
    }
}

/// The client settings `connection` asks for, before the base URL and the key.
fn client_builder(connection: &Connection) -> ClientBuilder {
    let builder = Client::builder()
        .retry_policy(RetryPolicy::default().max_retries(connection.retries))
        .deadline(connection.deadline)
        .user_agent_suffix(concat!("telnyx-rooms-cli/", env!("CARGO_PKG_VERSION")));
    match connection.timeout {
        Some(timeout) => builder.timeout(timeout),
        None => builder,
    }
}

/// A usage failure naming where a refused secret came from, when `error` is about `field`.
fn blame(error: &telnyx_rooms::Error, field: &str, source: &Source) -> Option<Failure> {
    (error.field() == Some(field)).then(|| Failure::usage(format!("{source}: {error}")))
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

fn emit(report: &Report, format: Format, time: &SharedTimeSource) -> Result<(), Failure> {
    print(&report.render(format, time.now_utc())?).map(drop)
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    fn connection_of(args: &[&str]) -> Connection {
        let mut argv = vec!["telnyx-rooms", "token", "refresh", "r"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv).expect("parses").command {
            Command::Token(TokenCommand::Refresh(refresh)) => refresh.connection,
            other => panic!("parsed as {other:?}"),
        }
    }

    /// A call's worst case is the deadline, not three attempts of 60 s plus two server-asked
    /// waits of up to 60 s each (300 s): the CLI always sets one, two minutes unless told.
    #[test]
    fn every_client_has_an_overall_deadline_of_two_minutes_by_default() {
        let deadline = |args: &[&str]| format!("{:?}", client_builder(&connection_of(args)));
        assert!(
            deadline(&[]).contains("deadline: Some(120s)"),
            "{}",
            deadline(&[])
        );
        assert!(deadline(&["--deadline", "5s"]).contains("deadline: Some(5s)"));
        assert!(deadline(&["--mock"]).contains("deadline: Some(120s)"));
    }
}
