//! Create a client token and refresh it with the blocking client: no `async`, no runtime to set up.
//!
//! ```text
//! cargo run -p telnyx-rooms --features blocking --example blocking                # the embedded mock
//! TELNYX_API_KEY=KEY... cargo run -p telnyx-rooms --features blocking --example blocking -- --telnyx <room-uuid>
//! ```
//!
//! By default it serves the project's mock on loopback from a background thread (standing in for
//! the API) and points the client at it. Only `--telnyx` reaches Telnyx, configured from the
//! environment as `Client::from_env()` is. Tokens are never printed: they are credentials.

use std::process::ExitCode;
use std::time::Duration;

use telnyx_rooms::blocking::Client;

const DEMO_ROOM: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let use_mock = !args.iter().any(|arg| arg == "--telnyx");
    let room_id = args
        .iter()
        .find(|arg| !arg.starts_with("--"))
        .map_or(DEMO_ROOM, String::as_str);
    // Only the stand-in API needs async machinery; the client itself is called synchronously.
    let mock = if use_mock {
        match start_mock() {
            Ok(mock) => Some(mock),
            Err(message) => {
                eprintln!("could not start the mock: {message}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let client = match &mock {
        Some((_, server)) => Client::builder()
            .api_key("KEY_MOCK_DEMO")
            .base_url(server.base_url())
            .build(),
        None => Client::from_env(),
    };
    match client.and_then(|client| run(&client, room_id)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Display never contains the key or a token.
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(client: &Client, room_id: &str) -> Result<(), telnyx_rooms::Error> {
    let created = client
        .create_client_token(room_id)
        .token_ttl(Duration::from_secs(600))
        .send()?;
    println!("created: client token expires at {}", created.expires_at());
    let refreshed = client
        .refresh_client_token(created.room_id(), created.refresh_token().clone())
        .send()?;
    println!(
        "refreshed: client token expires at {}",
        refreshed.expires_at()
    );
    Ok(())
}

/// The mock on a runtime of its own (kept alive with it), serving from that runtime's worker.
fn start_mock() -> Result<(tokio::runtime::Runtime, telnyx_rooms_mock::MockServer), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    let server = runtime
        .block_on(telnyx_rooms_mock::start())
        .map_err(|error| error.to_string())?;
    Ok((runtime, server))
}
