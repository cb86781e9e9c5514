//! The `.crate` files as crates.io would receive them: packaged in publishing order, checked for
//! what must travel in them, unpacked side by side as a workspace of their own (each sibling
//! patched in from its unpacked copy, as crates.io would serve it) and every test, example and
//! bench built from them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};

use super::plan::{Package, cargo};
use crate::paths::Workspace;

/// The unpacked `.crate` files: `target/package/unpacked/<name>-<version>/`, one workspace.
#[derive(Debug)]
pub(crate) struct Unpacked {
    /// The workspace root holding them.
    pub(crate) root: PathBuf,
    /// Where their builds put what a user runs (binaries, examples): `target/package/target`.
    pub(crate) target: PathBuf,
    /// Where their builds keep intermediate artifacts: the workspace's own target directory, so
    /// that whatever is built alike (same crate, version and features) is built once.
    pub(crate) build_dir: PathBuf,
    /// Each published crate and where it was unpacked.
    pub(crate) crates: Vec<(Package, PathBuf)>,
    /// The workspace's `Cargo.lock`: the versions every build here must keep to.
    pub(crate) lock: PathBuf,
}

/// `cargo package` for every published crate at once (cargo orders them and resolves unpublished
/// siblings from the ones it just packaged). Nothing is uploaded.
pub(crate) fn pack(workspace: &Workspace, published: &[Package], offline: bool) -> Result<()> {
    let mut command = Command::new(cargo());
    command
        .args(["package", "--no-verify", "--locked", "--allow-dirty"])
        .current_dir(workspace.root());
    if offline {
        command.arg("--offline");
    }
    for package in published {
        command.args(["-p", &package.name]);
    }
    run(&mut command, "cargo package")
}

/// Unpacks every `.crate` into a fresh workspace and checks what each must carry.
///
/// `compiled` names every crate their builds compile, to keep only the profile overrides that
/// apply to them.
pub(crate) fn unpack(
    workspace: &Workspace,
    published: &[Package],
    compiled: &BTreeSet<String>,
) -> Result<Unpacked> {
    let packaged = workspace.target_dir().join("package");
    let root = packaged.join("unpacked");
    if root.exists() {
        std::fs::remove_dir_all(&root)
            .with_context(|| format!("cannot clear {}", root.display()))?;
    }
    std::fs::create_dir_all(&root)?;
    let license = std::fs::read(workspace.root().join("LICENSE")).context("the root LICENSE")?;
    let mut crates = Vec::new();
    for package in published {
        let file = packaged.join(format!("{}.crate", package.stem()));
        run(
            Command::new("tar")
                .arg("-xzf")
                .arg(&file)
                .arg("-C")
                .arg(&root),
            "tar",
        )?;
        let dir = root.join(package.stem());
        check_contents(package, &dir, &license)?;
        crates.push((package.clone(), dir));
    }
    let manifest = workspace_manifest(workspace, &crates, compiled)?;
    std::fs::write(root.join("Cargo.toml"), manifest)?;
    // The workspace's lock, so the unpacked crates build with the versions CI tests; cargo drops
    // the entries only the xtask needs.
    std::fs::copy(workspace.root().join("Cargo.lock"), root.join("Cargo.lock"))?;
    Ok(Unpacked {
        target: packaged.join("target"),
        build_dir: workspace.target_dir(),
        root,
        crates,
        lock: workspace.root().join("Cargo.lock"),
    })
}

/// The license travels with every copy (MIT asks for it), and the README crates.io and docs.rs
/// show is the crate's own, whole, with no link that only resolves inside the repository.
fn check_contents(package: &Package, dir: &Path, license: &[u8]) -> Result<()> {
    let name = &package.name;
    let packaged_license = std::fs::read(dir.join("LICENSE"))
        .with_context(|| format!("{name}: the .crate has no LICENSE"))?;
    ensure!(
        packaged_license == license,
        "{name}: the packaged LICENSE differs from the root's"
    );
    let readme = package
        .readme
        .as_ref()
        .with_context(|| format!("{name}: no readme in its manifest"))?;
    let packaged = std::fs::read_to_string(dir.join("README.md"))
        .with_context(|| format!("{name}: the .crate has no README.md"))?;
    let source = std::fs::read_to_string(package.dir().join(readme))?;
    ensure!(
        packaged == source,
        "{name}: the packaged README differs from {}",
        readme.display()
    );
    let broken = relative_links(&packaged);
    ensure!(
        broken.is_empty(),
        "{name}: README.md links to {broken:?}, which resolve in the repository but not on \
         crates.io or docs.rs: link to a full URL"
    );
    Ok(())
}

/// The targets of inline Markdown links and images that are neither URLs nor in-page anchors.
pub(crate) fn relative_links(markdown: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_code = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        for (at, _) in line.match_indices("](") {
            let rest = &line[at + 2..];
            let target = rest.split([')', ' ']).next().unwrap_or_default();
            let absolute = ["https://", "http://", "mailto:", "#"]
                .iter()
                .any(|prefix| target.starts_with(prefix));
            if !absolute {
                found.push(target.to_owned());
            }
        }
    }
    found
}

/// A workspace of the unpacked crates: every sibling patched in from its unpacked copy, and the
/// root's profiles (less overrides for crates only the xtask compiles), so the builds are the
/// ones the test suite makes.
fn workspace_manifest(
    workspace: &Workspace,
    crates: &[(Package, PathBuf)],
    compiled: &BTreeSet<String>,
) -> Result<String> {
    let root_manifest: toml::Table = toml::from_str(&std::fs::read_to_string(
        workspace.root().join("Cargo.toml"),
    )?)?;
    let stems: Vec<String> = crates.iter().map(|(package, _)| package.stem()).collect();
    let mut patch = toml::Table::new();
    for (package, _) in crates {
        let mut entry = toml::Table::new();
        entry.insert("path".to_owned(), package.stem().into());
        patch.insert(package.name.clone(), entry.into());
    }
    let mut manifest = toml::Table::new();
    let mut table = toml::Table::new();
    table.insert("resolver".to_owned(), "3".into());
    table.insert("members".to_owned(), stems.into());
    manifest.insert("workspace".to_owned(), table.into());
    let mut patches = toml::Table::new();
    patches.insert("crates-io".to_owned(), patch.into());
    manifest.insert("patch".to_owned(), patches.into());
    if let Some(toml::Value::Table(profiles)) = root_manifest.get("profile") {
        let mut profiles = profiles.clone();
        for (_, profile) in profiles.iter_mut() {
            if let Some(toml::Value::Table(overrides)) = profile.get_mut("package") {
                overrides.retain(|name, _| compiled.contains(name));
            }
        }
        manifest.insert("profile".to_owned(), profiles.into());
    }
    Ok(format!(
        "# Written by `cargo xtask package`: the packaged crates, unpacked, as one workspace.\n{}",
        toml::to_string(&manifest)?
    ))
}

impl Unpacked {
    /// `cargo test --no-run` over every unpacked crate and target (tests, examples, benches),
    /// with the features their own tests asked for through a dev-dependency on themselves.
    /// Returns the executables it built, by target name.
    pub(crate) fn build_tests(&self) -> Result<BTreeMap<String, PathBuf>> {
        let features: Vec<String> = self
            .crates
            .iter()
            .flat_map(|(package, _)| {
                package
                    .self_dev_features()
                    .into_iter()
                    .map(move |feature| format!("{}/{feature}", package.name))
            })
            .collect();
        let mut command = self.cargo();
        command
            .args([
                "test",
                "--workspace",
                "--all-targets",
                "--no-run",
                "--offline",
            ])
            .args(["--message-format", "json-render-diagnostics"])
            .stderr(Stdio::inherit());
        if !features.is_empty() {
            command.args(["--features", &features.join(",")]);
        }
        let output = command.output().context("cannot run cargo test")?;
        ensure!(
            output.status.success(),
            "cargo test --no-run over the unpacked crates failed ({})",
            output.status
        );
        self.check_lock(&self.root.join("Cargo.lock"))?;
        Ok(executables(&output.stdout))
    }

    /// A cargo command run in the unpacked workspace, building into its target directory.
    pub(crate) fn cargo(&self) -> Command {
        let mut command = Command::new(cargo());
        command
            .current_dir(&self.root)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("CARGO_BUILD_BUILD_DIR", &self.build_dir);
        command
    }

    /// Every crate the unpacked build used is, at the same version, in the workspace's lock.
    pub(crate) fn check_lock(&self, lock: &Path) -> Result<()> {
        let ours = locked_packages(&self.lock)?;
        let theirs = locked_packages(lock)?;
        let strays: Vec<&String> = theirs
            .iter()
            .filter(|entry| !ours.contains(entry))
            .collect();
        ensure!(
            strays.is_empty(),
            "{} resolved versions the workspace's Cargo.lock does not have: {strays:?}",
            lock.display()
        );
        Ok(())
    }
}

/// The plain executables (bins, not test harnesses) in cargo's JSON messages, by target name.
fn executables(messages: &[u8]) -> BTreeMap<String, PathBuf> {
    String::from_utf8_lossy(messages)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["profile"]["test"] == false)
        .filter_map(|message| {
            let name = message["target"]["name"].as_str()?.to_owned();
            let path = message["executable"].as_str()?;
            Some((name, PathBuf::from(path)))
        })
        .collect()
}

/// `name version` of every registry package in a `Cargo.lock` (local packages have no source).
fn locked_packages(lock: &Path) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(lock).with_context(|| format!("cannot read {}", lock.display()))?;
    let parsed: toml::Table = toml::from_str(&text)?;
    let packages = parsed
        .get("package")
        .and_then(toml::Value::as_array)
        .context("a Cargo.lock without packages")?;
    Ok(packages
        .iter()
        .filter(|package| package.get("source").is_some())
        .filter_map(|package| {
            let name = package.get("name")?.as_str()?;
            let version = package.get("version")?.as_str()?;
            Some(format!("{name} {version}"))
        })
        .collect())
}

/// Runs `command`, failing with `what` and its status when it does not succeed.
pub(crate) fn run(command: &mut Command, what: &str) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("cannot run {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_that_only_resolve_in_the_repository_are_found() {
        let readme = "See [the guide](CONTRIBUTING.md), [docs](https://docs.rs/x) and \
                      [below](#usage), ![logo](img/logo.png).\n\
                      ```rust\nlet a = [1](2);\n```\n[mail](mailto:a@b.c)";
        assert_eq!(relative_links(readme), ["CONTRIBUTING.md", "img/logo.png"]);
    }

    #[test]
    fn the_checkout_s_crate_readmes_link_only_to_urls() {
        let workspace = Workspace::of_tests();
        let metadata = super::super::plan::Metadata::read(&workspace).expect("metadata");
        for package in metadata.publish_order().expect("order") {
            let readme = package.readme.as_ref().expect("a readme");
            let text = std::fs::read_to_string(package.dir().join(readme)).expect("readme");
            assert_eq!(
                relative_links(&text),
                Vec::<String>::new(),
                "{}",
                package.name
            );
        }
    }
}
