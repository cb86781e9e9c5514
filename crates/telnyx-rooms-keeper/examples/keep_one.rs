//! One participant's token kept fresh and pushed to a subscriber (think: a websocket to the browser).
//!
//! ```text
//! cargo run -p telnyx-rooms-keeper --example keep_one                  # against the embedded mock
//! TELNYX_API_KEY=KEY... cargo run -p telnyx-rooms-keeper --example keep_one -- --telnyx <room-uuid> [seconds]
//! ```
//!
//! By default it starts the project's mock on loopback and keeps a token for a room (random
//! unless given), with the shortest lifetimes the spec allows (10 s tokens, 60 s refresh tokens),
//! for 75 s by default: long enough to see refreshes every ~6 s and a new pair minted before the
//! refresh token expires. Only `--telnyx` reaches Telnyx, configured from the environment as
//! `Client::from_env()` is (`TELNYX_API_KEY`, and `TELNYX_BASE_URL` when set): a key in the
//! environment alone never does. Tokens are credentials, so only a short fingerprint of each is
//! printed.

use std::process::ExitCode;
use std::time::Duration;

use futures_util::StreamExt;
use telnyx_rooms::Client;
use telnyx_rooms_keeper::TokenKeeper;
use uuid::Uuid;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let use_telnyx = args.iter().any(|arg| arg == "--telnyx");
    args.retain(|arg| arg != "--telnyx");
    let room: Uuid = match args.first() {
        Some(room) => room.parse()?,
        None => Uuid::new_v4(),
    };
    let seconds: u64 = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(75);

    // Against the embedded mock unless Telnyx is asked for.
    let (client, _mock) = if use_telnyx {
        (Client::from_env()?, None)
    } else {
        let mock = telnyx_rooms_mock::MockServer::builder()
            .tokens_for_unknown_rooms(true)
            .start()
            .await?;
        println!(
            "using the embedded mock at {} (--telnyx: Telnyx)",
            mock.base_url()
        );
        let client = Client::builder()
            .api_key("mock-key")
            .base_url(mock.base_url())
            .build()?;
        (client, Some(mock))
    };

    let keeper = TokenKeeper::builder(client, room)
        .token_ttl(Duration::from_secs(10))
        .refresh_token_ttl(Duration::from_secs(60))
        .start();

    // The subscriber: every new token, as it arrives.
    let mut tokens = keeper.tokens();
    let push = tokio::spawn(async move {
        while let Some(token) = tokens.next().await {
            let tail = &token.expose()[token.expose().len().saturating_sub(8)..];
            println!(
                "push token …{tail} (valid {:.1?} more, until {})",
                token.time_left(tokio::time::Instant::now()),
                token.expires_at()
            );
        }
    });

    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let status = keeper.status();
    keeper.stop().await;
    push.await?;
    println!("stopped after {seconds} s; status before stopping: {status:?}");
    Ok(())
}
