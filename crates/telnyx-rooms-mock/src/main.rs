//! `telnyx-rooms-mock`: runs the mock Telnyx Video Rooms API as a process until interrupted.

use std::process::ExitCode;

use clap::Parser;
use telnyx_rooms_mock::ServeOptions;

/// Serve an offline stand-in for the Telnyx Video Rooms API.
///
/// Prints the base URL on the first line of standard output, then serves until Ctrl-C.
/// Point a client at it with `TELNYX_BASE_URL=<that URL>` and any API key (or the one
/// `--api-key` sets). It starts with one room, 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0; participants
/// join through `POST /_mock/rooms/{room_id}/join`. Takes the same options as
/// `telnyx-rooms mock serve`.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Examples:\n  telnyx-rooms-mock --addr 127.0.0.1:4010\n  telnyx-rooms-mock --seed demo --fault 'op=CreateRoomClientToken;status=503;times=2'\n  telnyx-rooms-mock --rate-limit 200/s,burst=50\n  telnyx-rooms-mock --api-key KEY_TEST_401"
)]
struct Args {
    #[command(flatten)]
    serve: ServeOptions,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let server = match args.serve.builder().start().await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("telnyx-rooms-mock: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", server.base_url());
    if let Err(err) = tokio::signal::ctrl_c().await {
        eprintln!("telnyx-rooms-mock: cannot wait for Ctrl-C: {err}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
