//! Which crates a release publishes, in the order crates.io must receive them, read from
//! `cargo metadata`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::paths::Workspace;

/// `cargo metadata --no-deps`, as much of it as the release needs.
#[derive(Debug, Deserialize)]
pub(crate) struct Metadata {
    pub(crate) packages: Vec<Package>,
    pub(crate) workspace_members: Vec<String>,
}

/// One package of the workspace.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Package {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) manifest_path: PathBuf,
    /// `None`: any registry; `Some([])`: `publish = false`.
    pub(crate) publish: Option<Vec<String>>,
    pub(crate) license: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) repository: Option<String>,
    pub(crate) readme: Option<PathBuf>,
    pub(crate) rust_version: Option<String>,
    pub(crate) dependencies: Vec<Dependency>,
    pub(crate) targets: Vec<Target>,
    #[serde(default)]
    pub(crate) metadata: Option<serde_json::Value>,
}

/// A dependency as the manifest declares it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Dependency {
    pub(crate) name: String,
    /// The version requirement as cargo normalised it (`^0.15.1`, `=0.15.1`, `*`).
    pub(crate) req: String,
    /// `None` for normal dependencies, else `"dev"` or `"build"`.
    pub(crate) kind: Option<String>,
    /// Set for path dependencies.
    pub(crate) path: Option<PathBuf>,
    #[serde(default)]
    pub(crate) features: Vec<String>,
}

/// A build target of a package.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Target {
    pub(crate) kind: Vec<String>,
    pub(crate) src_path: PathBuf,
}

impl Package {
    /// Whether crates.io receives it.
    pub(crate) fn is_published(&self) -> bool {
        self.publish
            .as_ref()
            .is_none_or(|registries| !registries.is_empty())
    }

    /// The directory of its manifest.
    pub(crate) fn dir(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }

    /// Whether it has a library target (and so a Rust API and docs on docs.rs).
    pub(crate) fn has_lib(&self) -> bool {
        self.targets
            .iter()
            .any(|target| target.kind.iter().any(|kind| kind == "lib"))
    }

    /// The library's root file (`src/lib.rs`), when it has a library.
    pub(crate) fn lib_root(&self) -> Option<PathBuf> {
        self.targets
            .iter()
            .find(|target| target.kind.iter().any(|kind| kind == "lib"))
            .map(|target| target.src_path.clone())
    }

    /// `<name>-<version>`: the `.crate` file's stem and the directory it unpacks to.
    pub(crate) fn stem(&self) -> String {
        format!("{}-{}", self.name, self.version)
    }

    /// The features its tests turn on through a dev-dependency on itself. Packaging strips that
    /// dependency (it has no version), so a build from the `.crate` must ask for them.
    pub(crate) fn self_dev_features(&self) -> Vec<String> {
        self.dependencies
            .iter()
            .filter(|dep| dep.kind.as_deref() == Some("dev") && dep.name == self.name)
            .flat_map(|dep| dep.features.iter().cloned())
            .collect()
    }
}

impl Metadata {
    /// `cargo metadata --no-deps` of the workspace.
    pub(crate) fn read(workspace: &Workspace) -> Result<Self> {
        cargo_metadata(workspace, &["--no-deps"])
    }

    /// The workspace's published packages, each after every workspace package it depends on (of
    /// any kind: crates.io refuses a dev-dependency it does not have yet); ties by name.
    pub(crate) fn publish_order(&self) -> Result<Vec<Package>> {
        let members: BTreeSet<&str> = self.workspace_members.iter().map(String::as_str).collect();
        let published: BTreeMap<&str, &Package> = self
            .packages
            .iter()
            .filter(|package| members.contains(package.id.as_str()) && package.is_published())
            .map(|package| (package.name.as_str(), package))
            .collect();
        let mut order: Vec<Package> = Vec::new();
        let mut placed: BTreeSet<&str> = BTreeSet::new();
        while placed.len() < published.len() {
            let ready = published.values().find(|package| {
                !placed.contains(package.name.as_str())
                    && package.dependencies.iter().all(|dep| {
                        dep.name == package.name
                            || !published.contains_key(dep.name.as_str())
                            || placed.contains(dep.name.as_str())
                    })
            });
            let Some(package) = ready else {
                bail!("the published crates depend on each other in a cycle");
            };
            placed.insert(package.name.as_str());
            order.push((*package).clone());
        }
        Ok(order)
    }
}

/// `cargo metadata --format-version 1 --locked` of the workspace with `extra` arguments, parsed.
pub(crate) fn cargo_metadata<T: serde::de::DeserializeOwned>(
    workspace: &Workspace,
    extra: &[&str],
) -> Result<T> {
    let output = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--locked"])
        .args(extra)
        .current_dir(workspace.root())
        .output()
        .context("cannot run cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout).context("cannot read cargo metadata's output")
}

/// The cargo that runs this xtask (`CARGO`), else the one on the path.
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_crates_come_after_what_they_depend_on() {
        let workspace = Workspace::of_tests();
        let order = Metadata::read(&workspace)
            .expect("metadata")
            .publish_order()
            .expect("no cycle");
        let names: Vec<&str> = order.iter().map(|package| package.name.as_str()).collect();
        assert!(!names.contains(&"xtask"), "{names:?}");
        let position = |name: &str| {
            names
                .iter()
                .position(|candidate| *candidate == name)
                .unwrap_or_else(|| panic!("{name} is published: {names:?}"))
        };
        assert_eq!(position("telnyx-rooms-core"), 0, "{names:?}");
        assert!(position("telnyx-rooms-gen") < position("telnyx-rooms"));
        // A dev-dependency must be on crates.io first too.
        assert!(position("telnyx-rooms-testkit") < position("telnyx-rooms-gen"));
        assert!(position("telnyx-rooms-mock") < position("telnyx-rooms"));
        assert!(position("telnyx-rooms") < position("telnyx-rooms-keeper"));
        assert!(position("telnyx-rooms") < position("telnyx-rooms-cli"));
    }
}
