//! `cargo xtask package`: the release candidate, checked as crates.io and a user would receive
//! it, without uploading anything. In order: the published crates' manifests ([`manifest`]) and
//! MSRV ([`msrv`]); `cargo package` of every published crate in publishing order ([`plan`]); each
//! `.crate` unpacked and checked for its LICENSE and README, and all their tests, examples and
//! benches built from the unpacked files ([`package`]); then an app outside the workspace that
//! depends on them runs the READMEs' first examples against a mock the packaged CLI serves
//! ([`app`]). CONTRIBUTING.md ("Releases") says where each fits in a release.

mod app;
mod manifest;
mod msrv;
mod notes;
pub(crate) mod package;
pub(crate) mod plan;

use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::paths::Workspace;

/// What `cargo xtask package` runs: everything, or up to the packaging (`--no-build`), or it
/// only prints what a release needs (`--list`, `--notes`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// Pass `--offline` to cargo (the registry index is already cached by an earlier build).
    pub(crate) offline: bool,
    /// Stop after packaging and checking the `.crate` files: build nothing from them.
    pub(crate) no_build: bool,
    /// Only print `<name> <version>` of each published crate, in publishing order.
    pub(crate) list: bool,
    /// Only print the release notes: each crate's changelog section for its version.
    pub(crate) notes: bool,
}

/// Runs `cargo xtask package`, reporting each stage and how long it took.
pub(crate) fn run(workspace: &Workspace, options: Options) -> Result<()> {
    let metadata = plan::Metadata::read(workspace)?;
    let published = metadata.publish_order()?;
    if options.list {
        for package in &published {
            println!("{} {}", package.name, package.version);
        }
        return Ok(());
    }
    if options.notes {
        print!("{}", notes::render(&published)?);
        return Ok(());
    }
    let names: Vec<&str> = published
        .iter()
        .map(|package| package.name.as_str())
        .collect();
    println!("publishing order: {}", names.join(", "));

    let mut problems = manifest::problems(&metadata, &published);
    problems.extend(notes::problems(&published));
    if !problems.is_empty() {
        bail!("the published manifests:\n  {}", problems.join("\n  "));
    }
    let report = msrv::check(workspace)?;
    println!(
        "MSRV {}: none of the {} crates in users' builds declares a newer Rust ({} declare none)",
        report.msrv, report.checked, report.undeclared
    );

    stage("cargo package", || {
        package::pack(workspace, &published, options.offline)
    })?;
    let unpacked = stage("unpack and check LICENSE and README", || {
        package::unpack(workspace, &published, &report.all_names)
    })?;
    if options.no_build {
        return Ok(());
    }
    let executables = stage(
        "build every test, example and bench from the .crate files",
        || unpacked.build_tests(),
    )?;
    let cli = executables
        .get("telnyx-rooms")
        .context("the unpacked build made no `telnyx-rooms` executable (the CLI)")?;
    stage(
        "the READMEs' first examples, in an app built from the .crate files",
        || app::run_readme_examples(workspace, &metadata, &unpacked, cli),
    )
}

/// Runs one stage, printing its name before and its duration after.
fn stage<T>(name: &str, run: impl FnOnce() -> Result<T>) -> Result<T> {
    println!("--- {name}");
    let started = Instant::now();
    let value = run()?;
    println!("--- {name}: {:.1} s", started.elapsed().as_secs_f64());
    Ok(value)
}
