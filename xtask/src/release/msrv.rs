//! The MSRV the manifests declare, held against what can be checked without that toolchain: every
//! crate a user's build compiles with ours (normal and build dependencies, every platform, as
//! `Cargo.lock` resolves them) declares a `rust-version` no newer than ours, or none.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::plan::cargo_metadata;
use crate::paths::Workspace;

#[derive(Debug, Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_members: Vec<String>,
    resolve: Resolve,
}

#[derive(Debug, Deserialize)]
struct Package {
    id: String,
    name: String,
    version: String,
    publish: Option<Vec<String>>,
    rust_version: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Resolve {
    nodes: Vec<Node>,
}

#[derive(Debug, Deserialize)]
struct Node {
    id: String,
    deps: Vec<NodeDep>,
}

#[derive(Debug, Deserialize)]
struct NodeDep {
    pkg: String,
    dep_kinds: Vec<DepKind>,
}

#[derive(Debug, Deserialize)]
struct DepKind {
    kind: Option<String>,
}

/// What the check found.
#[derive(Debug)]
pub(crate) struct Report {
    /// The MSRV the published crates declare.
    pub(crate) msrv: String,
    /// Crates in the users' dependency graph (ours included).
    pub(crate) checked: usize,
    /// Those that declare no `rust-version` (nothing to hold against ours).
    pub(crate) undeclared: usize,
    /// Every crate the published crates' builds and tests compile, by name.
    pub(crate) all_names: BTreeSet<String>,
}

/// Checks the workspace; an error lists every crate that declares a newer Rust than ours.
pub(crate) fn check(workspace: &Workspace) -> Result<Report> {
    let metadata: Metadata = cargo_metadata(workspace, &[])?;
    judge(&metadata)
}

fn judge(metadata: &Metadata) -> Result<Report> {
    let packages: BTreeMap<&str, &Package> = metadata
        .packages
        .iter()
        .map(|package| (package.id.as_str(), package))
        .collect();
    let published: Vec<&Package> = metadata
        .workspace_members
        .iter()
        .filter_map(|id| packages.get(id.as_str()).copied())
        .filter(|package| package.publish.as_ref().is_none_or(|to| !to.is_empty()))
        .collect();
    let declared: BTreeSet<&str> = published
        .iter()
        .filter_map(|package| package.rust_version.as_deref())
        .collect();
    let msrv = match declared.into_iter().collect::<Vec<_>>().as_slice() {
        [one] => (*one).to_owned(),
        other => bail!("the published crates must declare one rust-version, not {other:?}"),
    };
    let graph: BTreeMap<&str, &Node> = metadata
        .resolve
        .nodes
        .iter()
        .map(|node| (node.id.as_str(), node))
        .collect();
    let roots: Vec<&str> = published
        .iter()
        .map(|package| package.id.as_str())
        .collect();
    let seen = reachable(&graph, &roots, false);
    let all_names = reachable(&graph, &roots, true)
        .into_iter()
        .filter_map(|id| packages.get(id).map(|package| package.name.clone()))
        .collect();
    let ours = parse(&msrv).with_context(|| format!("rust-version {msrv}"))?;
    let mut newer = Vec::new();
    let mut undeclared = 0;
    for id in &seen {
        let Some(package) = packages.get(id) else {
            continue;
        };
        match package.rust_version.as_deref() {
            None => undeclared += 1,
            Some(theirs) if parse(theirs).is_some_and(|theirs| theirs > ours) => newer.push(
                format!("{} {} needs Rust {theirs}", package.name, package.version),
            ),
            Some(_) => {}
        }
    }
    if !newer.is_empty() {
        bail!(
            "the declared MSRV is {msrv}, but Cargo.lock puts crates that need a newer Rust in \
             users' builds:\n  {}\nPick versions that support {msrv} (resolver 3 does: \
             `cargo update -p <crate> --precise <version>`) or raise rust-version.",
            newer.join("\n  ")
        );
    }
    Ok(Report {
        msrv,
        checked: seen.len(),
        undeclared,
        all_names,
    })
}

/// The packages `roots` depend on, themselves included: through normal and build dependencies,
/// and through dev-dependencies too when `dev`.
fn reachable<'a>(
    graph: &BTreeMap<&str, &'a Node>,
    roots: &[&'a str],
    dev: bool,
) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut stack = roots.to_vec();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let deps = graph
            .get(id)
            .map(|node| node.deps.as_slice())
            .unwrap_or_default();
        for dep in deps {
            let counts = dev
                || dep
                    .dep_kinds
                    .iter()
                    .any(|kind| kind.kind.as_deref() != Some("dev"));
            if counts {
                stack.push(dep.pkg.as_str());
            }
        }
    }
    seen
}

/// `1.88` or `1.88.0` as (major, minor, patch).
fn parse(version: &str) -> Option<(u64, u64, u64)> {
    let mut parts = version.split('.').map(str::parse::<u64>);
    let major = parts.next()?.ok()?;
    let minor = parts.next().unwrap_or(Ok(0)).ok()?;
    let patch = parts.next().unwrap_or(Ok(0)).ok()?;
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(id: &str, rust_version: Option<&str>, publish: Option<Vec<String>>) -> Package {
        Package {
            id: id.to_owned(),
            name: id.to_owned(),
            version: "1.0.0".to_owned(),
            publish,
            rust_version: rust_version.map(str::to_owned),
        }
    }

    fn edge(pkg: &str, kind: Option<&str>) -> NodeDep {
        NodeDep {
            pkg: pkg.to_owned(),
            dep_kinds: vec![DepKind {
                kind: kind.map(str::to_owned),
            }],
        }
    }

    /// ours → lib (normal) → deep (build); ours → tool (dev only); tool needs a newer Rust.
    fn graph(deep: Option<&str>) -> Metadata {
        Metadata {
            packages: vec![
                package("ours", Some("1.88"), None),
                package("xtask", Some("1.95"), Some(Vec::new())),
                package("lib", Some("1.70.0"), None),
                package("deep", deep, None),
                package("tool", Some("1.99"), None),
            ],
            workspace_members: vec!["ours".to_owned(), "xtask".to_owned()],
            resolve: Resolve {
                nodes: vec![
                    Node {
                        id: "ours".to_owned(),
                        deps: vec![edge("lib", None), edge("tool", Some("dev"))],
                    },
                    Node {
                        id: "lib".to_owned(),
                        deps: vec![edge("deep", Some("build"))],
                    },
                ],
            },
        }
    }

    #[test]
    fn dev_dependencies_and_unpublished_members_do_not_count() {
        let report = judge(&graph(Some("1.88.0"))).expect("within the MSRV");
        assert_eq!((report.msrv.as_str(), report.checked), ("1.88", 3));
        assert_eq!(report.undeclared, 0);
        assert!(report.all_names.contains("tool") && !report.all_names.contains("xtask"));
        let report = judge(&graph(None)).expect("undeclared is not newer");
        assert_eq!(report.undeclared, 1);
    }

    #[test]
    fn a_build_dependency_needing_a_newer_rust_fails_by_name() {
        let err = judge(&graph(Some("1.89"))).expect_err("newer than 1.88");
        assert!(
            err.to_string().contains("deep 1.0.0 needs Rust 1.89"),
            "{err}"
        );
    }

    #[test]
    fn the_checkout_keeps_its_declared_msrv() {
        let workspace = Workspace::of_tests();
        let report = check(&workspace).expect("Cargo.lock within the MSRV");
        assert!(report.checked > 100, "{report:?}");
    }
}
