//! What each subcommand does: gather inputs, call the SDK (or the mock), build the report.

use std::io::Write as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use telnyx_rooms::retry::RetryPolicy;
use telnyx_rooms::{Client, ClientBuilder, Uuid};
use telnyx_rooms_core::time::TimeSource as _;
use telnyx_rooms_mock::{MockServer, ServeOptions};

use crate::cli::{Cli, Command, GlobalArgs, MOCK_API_KEY, MockCommand, TokenCommand};
use crate::failure::Failure;
use crate::input::{self, Pick, REFRESH_TOKEN_ENV, Source};
use crate::inspect::{Inspected, inspect};
use crate::output::{CLIENT_TOKEN, REFRESH_TOKEN, Report, Val};

/// Runs the parsed command line, printing its result to standard output.
pub(crate) async fn run(cli: Cli) -> Result<(), Failure> {
    let global = &cli.global;
    match cli.command {
        Command::Token(TokenCommand::Create {
            room_id,
            token_ttl,
            refresh_token_ttl,
        }) => create(global, &room_id, token_ttl, refresh_token_ttl).await,
        Command::Token(TokenCommand::Refresh { room_id, token_ttl }) => {
            refresh(global, &room_id, token_ttl).await
        }
        Command::Token(TokenCommand::Inspect { refresh }) => inspect_token(global, refresh),
        Command::Mock(MockCommand::Serve(options)) => serve(global, options).await,
    }
}

async fn create(
    global: &GlobalArgs,
    room_id: &str,
    token_ttl: Option<Duration>,
    refresh_token_ttl: Option<Duration>,
) -> Result<(), Failure> {
    let target = Target::connect(global).await?;
    let mut request = target.client.create_client_token(room_id);
    if let Some(ttl) = token_ttl {
        request = request.token_ttl(ttl);
    }
    if let Some(ttl) = refresh_token_ttl {
        request = request.refresh_token_ttl(ttl);
    }
    let created = request.await.map_err(|err| target.failure(&err))?;
    let report = token_report(
        global,
        "Client token",
        created.room_id(),
        created.token().expose(),
        created.expires_at(),
    )
    .named(REFRESH_TOKEN, Some(created.refresh_token().expose()))
    .row(
        "refresh expires at",
        "refresh_token_expires_at",
        "TELNYX_REFRESH_TOKEN_EXPIRES_AT",
        Val::Time(created.refresh_token_expires_at()),
    )
    .row(
        "request id",
        "request_id",
        "TELNYX_REQUEST_ID",
        created.request_id(),
    );
    emit(&report, global)
}

async fn refresh(global: &GlobalArgs, room_id: &str, ttl: Option<Duration>) -> Result<(), Failure> {
    // Inputs first: a missing token is a usage error before anything starts.
    let refresh_token = input::refresh_token(std::env::var(REFRESH_TOKEN_ENV).ok())?;
    let target = Target::connect(global).await?;
    let mut request = target
        .client
        .refresh_client_token(room_id, refresh_token.value);
    if let Some(ttl) = ttl {
        request = request.token_ttl(ttl);
    }
    let refreshed = request.await.map_err(|err| {
        blame(&err, "refresh_token", &refresh_token.source).unwrap_or_else(|| target.failure(&err))
    })?;
    let report = token_report(
        global,
        "Refreshed client token",
        refreshed.room_id(),
        refreshed.token().expose(),
        refreshed.expires_at(),
    )
    .row(
        "request id",
        "request_id",
        "TELNYX_REQUEST_ID",
        refreshed.request_id(),
    );
    emit(&report, global)
}

fn inspect_token(global: &GlobalArgs, refresh: bool) -> Result<(), Failure> {
    let pick = if refresh { Pick::Refresh } else { Pick::Client };
    let seen = inspect(&input::token_to_inspect(pick)?)?;
    emit(&inspection_report(seen, global.time.now_utc()), global)
}

/// What `token inspect` prints about a decoded token at `now`.
pub(crate) fn inspection_report(seen: Inspected, now: DateTime<Utc>) -> Report {
    let left = seen.expires_at.map_or(Val::Absent, |at| {
        Val::Int(at.signed_duration_since(now).num_seconds())
    });
    let expired = seen
        .expires_at
        .map_or(Val::Absent, |at| Val::Bool(at <= now));
    Report::new("Token (decoded, signature not verified)")
        .row("kind", "kind", "TELNYX_TOKEN_KIND", seen.kind)
        .row(
            "room",
            "room_id",
            "TELNYX_TOKEN_ROOM_ID",
            seen.room_id.map(|id| id.to_string()),
        )
        .row("subject", "subject", "TELNYX_TOKEN_SUBJECT", seen.subject)
        .row(
            "issued at",
            "issued_at",
            "TELNYX_TOKEN_ISSUED_AT",
            seen.issued_at,
        )
        .row(
            "not before",
            "not_before",
            "TELNYX_TOKEN_NOT_BEFORE",
            seen.not_before,
        )
        .row(
            "expires at",
            "expires_at",
            "TELNYX_TOKEN_EXPIRES_AT",
            seen.expires_at,
        )
        .row(
            "seconds left",
            "expires_in_secs",
            "TELNYX_TOKEN_EXPIRES_IN_SECS",
            left,
        )
        .row("expired", "expired", "TELNYX_TOKEN_EXPIRED", expired)
        .row("issuer", "issuer", "TELNYX_TOKEN_ISSUER", seen.issuer)
        .row("token id", "token_id", "TELNYX_TOKEN_ID", seen.token_id)
        .row(
            "algorithm",
            "algorithm",
            "TELNYX_TOKEN_ALGORITHM",
            seen.algorithm,
        )
}

async fn serve(global: &GlobalArgs, mut options: ServeOptions) -> Result<(), Failure> {
    // `--seed` of `mock serve`, else the global `--mock-seed` (whose default is the binary's).
    options.seed.get_or_insert_with(|| global.mock_seed.clone());
    let server = options
        .builder()
        .start()
        .await
        .map_err(|err| Failure::unexpected(format!("cannot start the mock: {err}")))?;
    let report = Report::new("Mock Telnyx client-token API serving (Ctrl-C stops it)")
        .row("base URL", "base_url", ClientBuilder::BASE_URL_ENV, Some(server.base_url()))
        .row("API key", "api_key", ClientBuilder::API_KEY_ENV, Some(MOCK_API_KEY))
        .footer(format!(
            "Any API key is accepted. Point the SDK or this CLI at it:\n  export {}={} {}={MOCK_API_KEY}",
            ClientBuilder::BASE_URL_ENV,
            server.base_url(),
            ClientBuilder::API_KEY_ENV
        ));
    emit(&report, global)?;
    tokio::signal::ctrl_c()
        .await
        .map_err(|err| Failure::unexpected(format!("cannot wait for Ctrl-C: {err}")))
}

/// The rows `token create` and `token refresh` share: room, client token and its expiry.
///
/// The title says when the embedded mock answered: its tokens grant nothing real.
fn token_report(
    global: &GlobalArgs,
    what: &str,
    room_id: Uuid,
    token: &str,
    expires_at: DateTime<Utc>,
) -> Report {
    let source = if global.mock {
        " (from the embedded mock)"
    } else {
        ""
    };
    Report::new(format!("{what} for room {room_id}{source}"))
        .row(
            "room",
            "room_id",
            "TELNYX_ROOM_ID",
            Some(room_id.to_string()),
        )
        .named(CLIENT_TOKEN, Some(token))
        .row(
            "expires at",
            "token_expires_at",
            "TELNYX_CLIENT_TOKEN_EXPIRES_AT",
            Val::Time(expires_at),
        )
}

/// The SDK client a token command talks through, and the embedded mock it may point at.
struct Target {
    client: Client,
    // Held so the embedded mock serves until the command is done.
    _mock: Option<MockServer>,
}

impl Target {
    async fn connect(global: &GlobalArgs) -> Result<Self, Failure> {
        let api_key = input::api_key(
            global.api_key_file.as_deref(),
            non_empty_env(ClientBuilder::API_KEY_ENV),
        )?;
        let key_source = api_key.as_ref().map(|key| key.source.clone());
        let api_key = api_key.map(|key| key.value);
        let mut builder = Client::builder()
            .retry_policy(RetryPolicy::default().max_retries(global.retries))
            .user_agent_suffix(concat!("telnyx-rooms-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(timeout) = global.timeout {
            builder = builder.timeout(timeout);
        }
        let mock = if global.mock {
            let server = MockServer::builder()
                .signing_passphrase(&global.mock_seed)
                .start()
                .await
                .map_err(|err| {
                    Failure::unexpected(format!("cannot start the embedded mock: {err}"))
                })?;
            builder = builder
                .base_url(server.base_url())
                .api_key(api_key.unwrap_or_else(|| MOCK_API_KEY.to_owned()))
                // The mock answers at once; a short deadline keeps a mistake from hanging.
                .deadline(Duration::from_secs(30));
            Some(server)
        } else {
            if let Some(base_url) = global
                .base_url
                .clone()
                .or_else(|| non_empty_env(ClientBuilder::BASE_URL_ENV))
            {
                builder = builder.base_url(base_url);
            }
            if let Some(key) = api_key {
                builder = builder.api_key(key);
            }
            None
        };
        let client = builder.build().map_err(|err| {
            key_source
                .and_then(|source| blame(&err, "api_key", &source))
                .unwrap_or_else(|| Failure::from_sdk(&err, "(not built)"))
        })?;
        Ok(Self {
            client,
            _mock: mock,
        })
    }

    fn failure(&self, error: &telnyx_rooms::Error) -> Failure {
        Failure::from_sdk(error, self.client.base_url())
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

fn emit(report: &Report, global: &GlobalArgs) -> Result<(), Failure> {
    let text = report.render(global.format, global.time.now_utc());
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|err| Failure::unexpected(format!("cannot write the output: {err}")))
}
