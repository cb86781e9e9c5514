//! `cargo xtask spec …`: pull a new upstream revision in (`update`) and tell what it changes (`diff`).

pub(crate) mod diff;
pub(crate) mod scope;
pub(crate) mod subset;
pub(crate) mod update;

use std::process::ExitCode;

use crate::paths::Workspace;

/// `cargo xtask spec` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum SpecCommand {
    /// Rewrite the vendored subset from a whole upstream `spec3.yml`, record its provenance and
    /// regenerate the code.
    Update(update::UpdateArgs),
    /// Compare the in-scope operations' contracts between two revisions and classify each change.
    ///
    /// Exit status: 0 when nothing fails the `--fail-on` policy, 1 when something does, 2 on error.
    Diff(diff::DiffArgs),
}

/// Runs a `spec` subcommand in `workspace`.
///
/// Errors are printed here and turned into exit status 2, so CI can tell "the contract moved"
/// (status 1 from `diff`) from "the tool could not tell".
pub(crate) fn run(workspace: &Workspace, command: SpecCommand) -> ExitCode {
    let outcome = match command {
        SpecCommand::Update(args) => update::run(workspace, &args).map(|()| ExitCode::SUCCESS),
        SpecCommand::Diff(args) => diff::run(workspace.root(), &args),
    };
    outcome.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::from(2)
    })
}
