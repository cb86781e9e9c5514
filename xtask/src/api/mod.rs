//! `cargo xtask api [--check]`: each published library's public API, recorded in `api/`.
//!
//! rustdoc's JSON output (unstable, so rustdoc alone runs with `RUSTC_BOOTSTRAP=1`, through this
//! binary as a wrapper: set for the whole build it would make proc-macro2's build script rerun
//! and everything above it rebuild) is listed by the `public-api` crate and summarised into
//! `api/<crate>.txt`, one line per public item ([`summary`]), and
//! `api/<crate>.external-types.toml`, every other crate's item that API names. `--check` fails
//! on any difference; recording classifies the change ([`semver`]) and refuses a change to a
//! released version that its version does not allow.

mod semver;
mod summary;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail, ensure};

use crate::paths::Workspace;
use crate::release::plan::{Metadata, Package, cargo};

/// Set (to the real rustdoc) when cargo runs this binary as its rustdoc.
const WRAPPER_ENV: &str = "TELNYX_ROOMS_XTASK_RUSTDOC";

/// When this process was started by cargo as rustdoc: runs the real one with unstable options
/// allowed and returns its status.
pub(crate) fn as_rustdoc_wrapper() -> Option<ExitCode> {
    let real = std::env::var_os(WRAPPER_ENV)?;
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let status = Command::new(real)
        .args(args)
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove(WRAPPER_ENV)
        .status();
    Some(match status {
        Ok(status) => ExitCode::from(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1)),
        Err(err) => {
            eprintln!("error: cannot run rustdoc: {err}");
            ExitCode::from(1)
        }
    })
}

/// Prints the version bump of `telnyx-rooms-gen` a `spec diff --format json` report asks for.
pub(crate) fn spec_bump(workspace: &Workspace, report: &std::path::Path) -> Result<()> {
    let text = std::fs::read_to_string(report)
        .with_context(|| format!("cannot read {}", report.display()))?;
    let report: serde_json::Value = serde_json::from_str(&text)?;
    let metadata = Metadata::read(workspace)?;
    let generated = metadata
        .packages
        .iter()
        .find(|package| package.name == "telnyx-rooms-gen")
        .context("no telnyx-rooms-gen in the workspace")?;
    let tags = semver::release_tags(workspace);
    let record = format!("{}.txt", generated.name);
    let released = semver::released_at(workspace, &tags, &record, &generated.version).is_some();
    println!(
        "{}",
        semver::spec_bump(&report, &generated.version, released)?
    );
    Ok(())
}

/// Records (or with `check`, compares) the public API of every published library.
pub(crate) fn run(workspace: &Workspace, check: bool) -> Result<()> {
    let metadata = Metadata::read(workspace)?;
    let libraries: Vec<Package> = metadata
        .publish_order()?
        .into_iter()
        .filter(Package::has_lib)
        .collect();
    let docs = build_json(workspace)?;
    let tags = semver::release_tags(workspace);
    let mut stale = Vec::new();
    // Filled crate by crate in publishing order, so each sees its dependencies' public paths.
    let mut known = std::collections::HashMap::new();
    for package in &libraries {
        let name = package.name.replace('-', "_");
        let summary = summary::summarise(&docs.join(format!("{name}.json")), &known)
            .with_context(|| format!("cannot summarise the public API of {}", package.name))?;
        known.extend(summary.public_paths.clone());
        let files = [
            (
                format!("{}.txt", package.name),
                api_text(package, &summary.lines),
            ),
            (
                format!("{}.external-types.toml", package.name),
                external_text(package, &summary.external),
            ),
        ];
        let old = std::fs::read_to_string(workspace.root().join("api").join(&files[0].0))
            .unwrap_or_default();
        judge(
            workspace,
            &tags,
            package,
            &files[0].0,
            &old,
            &summary.lines,
            check,
        )?;
        for (file, text) in files {
            let path = workspace.root().join("api").join(&file);
            let recorded = std::fs::read_to_string(&path).unwrap_or_default();
            if recorded == text {
                continue;
            }
            if check {
                print_diff(&format!("api/{file}"), &recorded, &text);
                stale.push(file);
            } else {
                std::fs::create_dir_all(path.parent().unwrap_or(workspace.root()))?;
                std::fs::write(&path, text)?;
                println!("wrote api/{file}");
            }
        }
    }
    if !stale.is_empty() {
        bail!(
            "the public API differs from its record in {}: if the change is intended, run \
             `cargo xtask api` and commit api/ with it",
            stale.join(", ")
        );
    }
    Ok(())
}

/// `cargo doc --workspace --no-deps --all-features` as rustdoc JSON (with docs.rs's
/// `--cfg docsrs`), into `target/api/doc/`. Its dependencies are built exactly as the test
/// command's own `cargo doc` step builds them, into the same place, so they are built once.
fn build_json(workspace: &Workspace) -> Result<PathBuf> {
    let out = workspace.target_dir().join("api");
    let real_rustdoc = std::env::var_os("RUSTDOC").unwrap_or_else(|| "rustdoc".into());
    let status = Command::new(cargo())
        .args([
            "doc",
            "--workspace",
            "--no-deps",
            "--all-features",
            "--locked",
        ])
        .current_dir(workspace.root())
        .env("CARGO_TARGET_DIR", &out)
        .env("CARGO_BUILD_BUILD_DIR", workspace.target_dir())
        .env(
            "RUSTDOCFLAGS",
            "--cfg docsrs -Z unstable-options --output-format json",
        )
        .env("RUSTDOC", std::env::current_exe()?)
        .env(WRAPPER_ENV, real_rustdoc)
        .status()
        .context("cannot run cargo doc")?;
    ensure!(
        status.success(),
        "cargo doc (rustdoc JSON) failed ({status})"
    );
    Ok(out.join("doc"))
}

/// The first line of a record: `# <crate> <version>: …`.
fn header(package: &Package, what: &str) -> String {
    format!("# {} {}: {what}", package.name, package.version)
}

/// The version a record was made at, from its first line.
pub(crate) fn record_version(text: &str) -> Option<&str> {
    text.lines()
        .next()?
        .strip_prefix("# ")?
        .split(':')
        .next()?
        .split(' ')
        .nth(1)
}

fn api_text(package: &Package, lines: &[String]) -> String {
    let mut text = header(
        package,
        "the public API, every feature on, one line per item.\n",
    );
    text.push_str(
        "# Written by `cargo xtask api` (rustdoc JSON); `scripts/test.sh` fails when the code\n\
         # differs. A removed or changed line breaks users: CONTRIBUTING.md, \"Versions\".\n",
    );
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn external_text(package: &Package, external: &std::collections::BTreeSet<String>) -> String {
    let mut text = header(
        package,
        "the other crates' items its public API names (the standard library's aside).\n",
    );
    text.push_str(
        "# Written by `cargo xtask api`, checked by `scripts/test.sh`: exposing another crate's\n\
         # item ties this crate's semver to that crate's, so each new entry is a reviewed choice.\n\
         external_types = [\n",
    );
    for path in external {
        text.push_str(&format!("    \"{path}\",\n"));
    }
    text.push_str("]\n");
    text
}

/// Classifies the change from the recorded API and, when the recorded version was released,
/// refuses one that the crate's version does not allow.
fn judge(
    workspace: &Workspace,
    tags: &[String],
    package: &Package,
    file: &str,
    old: &str,
    new: &[String],
    check: bool,
) -> Result<()> {
    // The header's lines start with `# `; an item's attributes with `#[`.
    let old_lines: Vec<String> = old
        .lines()
        .filter(|line| !line.starts_with("# "))
        .map(str::to_owned)
        .collect();
    let Some(recorded) = record_version(old) else {
        return Ok(());
    };
    let (change, removed, added) = semver::classify(&old_lines, new);
    if change == semver::Change::None {
        return Ok(());
    }
    let needs = semver::required(recorded, change)?;
    let name = &package.name;
    let verdict = format!(
        "{name}: {change} ({removed} lines removed or changed, {added} added) since the record of {recorded}"
    );
    match semver::released_at(workspace, tags, file, recorded) {
        Some(tag) if !semver::satisfies(&package.version, &needs) => bail!(
            "{verdict}, released at {tag}: the version must be at least {needs}, not {}",
            package.version
        ),
        Some(tag) => println!(
            "{verdict} (released at {tag}); version {} allows it",
            package.version
        ),
        None if !check => {
            println!("{verdict}; {recorded} is not released, so no bump is needed yet")
        }
        None => println!("{verdict}; once {recorded} is released this needs {needs}"),
    }
    Ok(())
}

/// A unified diff of a record, for the reviewer.
fn print_diff(name: &str, old: &str, new: &str) {
    let diff = similar::TextDiff::from_lines(old, new);
    print!(
        "{}",
        diff.unified_diff()
            .context_radius(1)
            .header(name, &format!("{name} (from the code)"))
    );
}
