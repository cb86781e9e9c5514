//! Maintainer tasks for telnyx-rooms. Run through the cargo alias: `cargo xtask <task>`.
//!
//! One module per task, one submodule per stage: [`openapi`] is what every task shares (reading
//! documents, walking schemas, the 3.1 → 3.0 conversion, overlays, the pre-check, provenance);
//! [`codegen`] turns the vendored spec into `telnyx-rooms-gen`'s `generated.rs`; [`spec`] takes
//! new upstream revisions in (`spec update`) and compares two (`spec diff`); [`fixtures`] unpacks
//! the real revisions kept for tests; [`tidy`] checks the repository's hygiene rules. This file is
//! the command table.

// Every item is for this binary only.
#![warn(unreachable_pub)]

mod api;
mod codegen;
mod fixtures;
mod openapi;
mod paths;
#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod proptests;
mod release;
mod spec;
mod tidy;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::paths::Workspace;

/// Maintainer tasks for telnyx-rooms.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Regenerate crates/telnyx-rooms-gen/src/generated.rs from the vendored spec and overlays.
    Codegen {
        /// Regenerate in memory and compare with the committed file (and the spec with its
        /// recorded checksum); print a diff and fail on any difference. Writes nothing.
        #[arg(long)]
        check: bool,
    },
    /// Take a new upstream spec revision in (`update`), or compare two revisions (`diff`).
    Spec {
        #[command(subcommand)]
        command: spec::SpecCommand,
    },
    /// Check the repository's hygiene rules (CONTRIBUTING.md, "Hygiene checks"): one redaction
    /// constant, no wall-clock read outside the time module, file and function length, crate
    /// docs from the READMEs, no issue numbers or outside paths in docs. Lists every violation.
    Tidy,
    /// Record each published library's public API in api/ (`<crate>.txt`, one line per item, and
    /// `<crate>.external-types.toml`, the other crates' items it names), from rustdoc JSON.
    Api {
        /// Compare with the records instead; print a diff and fail on any difference.
        #[arg(long)]
        check: bool,
        /// Only say which version of telnyx-rooms-gen the spec change in this report (from
        /// `cargo xtask spec diff --format json`) needs.
        #[arg(long, value_name = "REPORT_JSON", conflicts_with = "check")]
        spec_bump: Option<std::path::PathBuf>,
    },
    /// The release candidate, nothing uploaded: checks the published crates' manifests and MSRV,
    /// packages them in publishing order, checks each `.crate` (LICENSE, README), builds all
    /// their tests from the unpacked files and runs the READMEs' first examples in an app built
    /// from them, against a mock served by the packaged CLI.
    Package {
        /// Pass `--offline` to cargo: the registry index is cached by an earlier build.
        #[arg(long)]
        offline: bool,
        /// Stop after packaging and checking the `.crate` files.
        #[arg(long)]
        no_build: bool,
        /// Only print `<crate> <version>` of each published crate, in publishing order.
        #[arg(long, conflicts_with = "notes")]
        list: bool,
        /// Only print the release notes: each published crate's CHANGELOG.md section for its
        /// version (fails when one is missing or still says "unreleased").
        #[arg(long)]
        notes: bool,
    },
    /// Decompress the real upstream revisions kept for tests (xtask/fixtures/upstream/), checking
    /// each against its recorded SHA-256; prints each file written and where it came from.
    Fixtures {
        /// Where to write them (default: `fixtures/` in the target directory).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    // `cargo xtask api` runs this binary as cargo's rustdoc.
    if let Some(status) = api::as_rustdoc_wrapper() {
        return status;
    }
    let cli = Cli::parse();
    let workspace = match Workspace::current() {
        Ok(workspace) => workspace,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.task {
        Task::Fixtures { out } => {
            let out = out.unwrap_or_else(|| workspace.target_dir().join("fixtures"));
            fixtures::unpack_all(&workspace, &out).map(|written| {
                for (path, fixture) in written {
                    println!("{}\t{}", path.display(), fixture.describe());
                }
            })
        }
        Task::Spec { command } => return spec::run(&workspace, command),
        Task::Api {
            spec_bump: Some(report),
            ..
        } => api::spec_bump(&workspace, &report),
        Task::Api { check, .. } => api::run(&workspace, check),
        Task::Package {
            offline,
            no_build,
            list,
            notes,
        } => release::run(
            &workspace,
            release::Options {
                offline,
                no_build,
                list,
                notes,
            },
        ),
        Task::Tidy => tidy::run(&workspace),
        Task::Codegen { check } => codegen::run(&workspace, check).map(|outcome| {
            let target = workspace.relative(&workspace.generated());
            match (check, outcome) {
                (true, _) => println!("{target} is up to date with the spec"),
                (false, codegen::Outcome::Written) => println!("wrote {target}"),
                (false, codegen::Outcome::UpToDate) => println!("{target} was already up to date"),
            }
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
