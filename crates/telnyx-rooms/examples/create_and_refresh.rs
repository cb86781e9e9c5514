//! Create a client token for a room, then refresh it, from the command line.
//!
//! ```text
//! cargo run -p telnyx-rooms --example create_and_refresh                      # the embedded mock
//! TELNYX_API_KEY=KEY... cargo run -p telnyx-rooms --example create_and_refresh -- --telnyx <room-uuid> [ttl-secs]
//! ```
//!
//! By default it starts the project's mock in-process and uses it (no key or network needed), for
//! the demo room unless given one. Only `--telnyx` reaches Telnyx, configured from the environment
//! as `Client::from_env()` is: `TELNYX_API_KEY`, and `TELNYX_BASE_URL` when set (e.g. a served
//! mock, `http://127.0.0.1:4010/v2`). Tokens are printed only with `--show-tokens`: they are
//! credentials.

use std::process::ExitCode;
use std::time::Duration;

use telnyx_rooms::Client;

const DEMO_ROOM: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let show_tokens = args.iter().any(|arg| arg == "--show-tokens");
    let use_telnyx = args.iter().any(|arg| arg == "--telnyx");
    args.retain(|arg| arg != "--show-tokens" && arg != "--telnyx");
    if args.iter().any(|arg| arg.starts_with("--")) {
        eprintln!("usage: create_and_refresh [--telnyx] [room-uuid] [ttl-secs] [--show-tokens]");
        return ExitCode::from(2);
    }
    let room_id = args.first().map_or(DEMO_ROOM, String::as_str);
    let ttl = match args.get(1).map(|secs| secs.parse::<u64>()) {
        None => None,
        Some(Ok(secs)) => Some(Duration::from_secs(secs)),
        Some(Err(_)) => {
            eprintln!("ttl-secs must be a whole number of seconds");
            return ExitCode::from(2);
        }
    };
    // Kept alive until the end of main: dropping it stops the mock.
    let mock = if use_telnyx {
        None
    } else {
        match telnyx_rooms_mock::start().await {
            Ok(server) => Some(server),
            Err(error) => {
                eprintln!("could not start the mock: {error}");
                return ExitCode::FAILURE;
            }
        }
    };
    let client = match &mock {
        Some(server) => Client::builder()
            .api_key("KEY_MOCK_DEMO")
            .base_url(server.base_url())
            .build(),
        None => Client::from_env(),
    };
    let result = match client {
        Ok(client) => run(&client, room_id, ttl, show_tokens).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Display never contains the key or a token.
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    client: &Client,
    room_id: &str,
    ttl: Option<Duration>,
    show_tokens: bool,
) -> Result<(), telnyx_rooms::Error> {
    let mut create = client.create_client_token(room_id);
    if let Some(ttl) = ttl {
        create = create.token_ttl(ttl);
    }
    let created = create.await?;
    println!(
        "created: client token expires at {}, refresh token at {}",
        created.expires_at(),
        created.refresh_token_expires_at()
    );
    if let Some(request_id) = created.request_id() {
        println!("         request id {request_id}");
    }
    if show_tokens {
        println!("token:         {}", created.token().expose());
        println!("refresh_token: {}", created.refresh_token().expose());
    }

    let refreshed = client
        .refresh_client_token(created.room_id(), created.refresh_token().clone())
        .await?;
    println!(
        "refreshed: client token expires at {}",
        refreshed.expires_at()
    );
    if show_tokens {
        println!("token:         {}", refreshed.token().expose());
    }
    Ok(())
}
