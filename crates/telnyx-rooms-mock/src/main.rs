//! `telnyx-rooms-mock`: runs the mock Telnyx client-token API as a process until interrupted.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use telnyx_rooms_mock::{Fault, MockServer, RateLimit};

/// Serve an offline stand-in for the Telnyx Video Rooms client-token API.
///
/// Prints the base URL on the first line of standard output, then serves until Ctrl-C.
/// Point a client at it with `TELNYX_BASE_URL=<that URL>` and any API key.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Examples:\n  telnyx-rooms-mock --addr 127.0.0.1:4010\n  telnyx-rooms-mock --seed demo --fault 'op=CreateRoomClientToken;status=503;times=2'"
)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:4010")]
    addr: SocketAddr,
    /// Derive the signing key from this passphrase, so other servers with the same passphrase
    /// accept its refresh tokens (default: a random key).
    #[arg(long)]
    seed: Option<String>,
    /// A server-level fault, e.g. `status=503;times=2` (repeatable; see the crate docs).
    #[arg(long = "fault")]
    faults: Vec<Fault>,
    /// Answer 429 with `Retry-After` beyond this rate, e.g. `200/s` or `200/s,burst=50`.
    #[arg(long, value_name = "RATE")]
    rate_limit: Option<RateLimit>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut builder = MockServer::builder().addr(args.addr);
    if let Some(seed) = &args.seed {
        builder = builder.signing_passphrase(seed);
    }
    if let Some(limit) = args.rate_limit {
        builder = builder.rate_limit(limit);
    }
    for fault in args.faults {
        builder = builder.fault(fault);
    }
    let server = match builder.start().await {
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
