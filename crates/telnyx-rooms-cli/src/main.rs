#![doc = include_str!("../README.md")]

mod ask;
mod cli;
mod commands;
mod failure;
mod input;
mod inspect;
mod output;
#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod proptests;
mod resources;
mod verbose;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    // clap prints usage errors and exits 2 itself; --help and --version exit 0.
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("telnyx-rooms: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("telnyx-rooms: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}
