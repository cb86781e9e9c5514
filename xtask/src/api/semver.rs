//! What an API change means for the version: a removed or changed line breaks users, an added
//! one does not. Before a version is released anything goes (the record just moves); once a
//! release tag holds it, the change needs the bump semver asks for.

use std::collections::BTreeSet;
use std::fmt;
use std::process::Command;

use ::semver::Version;
use anyhow::Result;

use crate::paths::Workspace;

/// How an API moved between two records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Change {
    /// The same lines.
    None,
    /// Only new lines: compatible for users.
    Additive,
    /// A line removed or changed: code written against the old API may not compile.
    Breaking,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "unchanged",
            Self::Additive => "additive",
            Self::Breaking => "breaking",
        })
    }
}

/// The change from `old` lines to `new` lines, with how many lines went and came.
pub(crate) fn classify(old: &[String], new: &[String]) -> (Change, usize, usize) {
    let old: BTreeSet<&String> = old.iter().collect();
    let new: BTreeSet<&String> = new.iter().collect();
    let removed = old.difference(&new).count();
    let added = new.difference(&old).count();
    let change = match (removed, added) {
        (0, 0) => Change::None,
        (0, _) => Change::Additive,
        _ => Change::Breaking,
    };
    (change, removed, added)
}

/// The lowest version after `from` that semver (cargo's reading: `0.y` is the breaking digit
/// before 1.0) allows for `change`.
pub(crate) fn required(from: &str, change: Change) -> Result<String> {
    let from_version = Version::parse(from)
        .map_err(|_| anyhow::anyhow!("`{from}` is not a plain major.minor.patch version"))?;
    let (major, minor, patch) = (from_version.major, from_version.minor, from_version.patch);
    Ok(match (change, major) {
        (Change::None, _) => from.to_owned(),
        (Change::Breaking, 0) => format!("0.{}.0", minor + 1),
        (Change::Breaking, _) => format!("{}.0.0", major + 1),
        (Change::Additive, 0) => format!("0.{minor}.{}", patch + 1),
        (Change::Additive, _) => format!("{major}.{}.0", minor + 1),
    })
}

/// Whether `version` satisfies what `required` (from [`required`]) asks: at least as far along,
/// as semver orders versions. Neither parses: no.
pub(crate) fn satisfies(version: &str, required: &str) -> bool {
    match (Version::parse(version), Version::parse(required)) {
        (Ok(version), Ok(required)) => version >= required,
        _ => false,
    }
}

/// The version `telnyx-rooms-gen` needs after a spec change, from the rust verdict of a
/// `cargo xtask spec diff --format json` report: one Markdown line for the drift pull request.
/// A version not released yet takes the change as it is.
pub(crate) fn spec_bump(
    report: &serde_json::Value,
    gen_version: &str,
    released: bool,
) -> Result<String> {
    let count = |key: &str| report["rust"][key].as_array().map_or(0, Vec::len);
    let change = if count("refused") > 0 || count("breaking") > 0 {
        Change::Breaking
    } else if count("additive") > 0 {
        Change::Additive
    } else {
        Change::None
    };
    let next = required(gen_version, change)?;
    if !released && change != Change::None {
        return Ok(format!(
            "telnyx-rooms-gen: {change} Rust API change; {gen_version} is not released yet, so it \
             takes the change as it is"
        ));
    }
    Ok(match change {
        Change::None => format!(
            "telnyx-rooms-gen: no Rust API change, stays {gen_version} (a patch release only if \
             the behaviour on the wire changed)"
        ),
        Change::Additive => format!(
            "telnyx-rooms-gen: additive Rust API change, {gen_version} → {next} at the next release"
        ),
        Change::Breaking => format!(
            "telnyx-rooms-gen: breaking Rust API change, {gen_version} → {next} at the next \
             release, and a breaking release of telnyx-rooms (its API names generated types)"
        ),
    })
}

/// The release tags in the repository (`v*`), whose commits hold released versions.
pub(crate) fn release_tags(workspace: &Workspace) -> Vec<String> {
    let output = Command::new("git")
        .args(["tag", "--list", "v*"])
        .current_dir(workspace.root())
        .output();
    match output {
        Ok(output) if output.status.success() => String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether the API record `api/<file>` at a release tag is for `version`: the version was
/// released, with that record.
pub(crate) fn released_at(
    workspace: &Workspace,
    tags: &[String],
    file: &str,
    version: &str,
) -> Option<String> {
    tags.iter().find_map(|tag| {
        let output = Command::new("git")
            .args(["show", &format!("{tag}:api/{file}")])
            .current_dir(workspace.root())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&output.stdout);
        let recorded = super::record_version(&text)?;
        (output.status.success() && recorded == version).then(|| tag.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|line| (*line).to_owned()).collect()
    }

    #[test]
    fn a_removed_or_changed_line_breaks_and_a_new_one_adds() {
        let old = lines(&["pub fn a()", "pub fn b()"]);
        assert_eq!(classify(&old, &old), (Change::None, 0, 0));
        let added = lines(&["pub fn a()", "pub fn b()", "pub fn c()"]);
        assert_eq!(classify(&old, &added), (Change::Additive, 0, 1));
        let changed = lines(&["pub fn a()", "pub fn b(x: u8)"]);
        assert_eq!(classify(&old, &changed), (Change::Breaking, 1, 1));
    }

    #[test]
    fn the_drift_pull_request_names_the_bump_the_rust_verdict_asks() {
        let report = |refused: usize, breaking: usize, additive: usize| {
            serde_json::json!({"rust": {
                "refused": vec!["x"; refused],
                "breaking": vec!["x"; breaking],
                "additive": vec!["x"; additive],
            }})
        };
        let line = |r| spec_bump(&r, "0.1.3", true).expect("a version");
        assert!(line(report(0, 1, 2)).contains("breaking Rust API change, 0.1.3 → 0.2.0"));
        assert!(line(report(1, 0, 0)).contains("breaking Rust API change, 0.1.3 → 0.2.0"));
        assert!(line(report(0, 0, 2)).contains("additive Rust API change, 0.1.3 → 0.1.4"));
        assert!(line(report(0, 0, 0)).contains("no Rust API change, stays 0.1.3"));
        let unreleased = spec_bump(&report(0, 1, 0), "0.2.0", false).expect("a version");
        assert!(unreleased.contains("breaking Rust API change; 0.2.0 is not released yet"));
    }

    #[test]
    fn the_bump_follows_cargo_s_reading_of_semver() {
        assert_eq!(required("0.1.0", Change::Breaking).expect("ok"), "0.2.0");
        assert_eq!(required("0.1.3", Change::Additive).expect("ok"), "0.1.4");
        assert_eq!(required("1.4.2", Change::Breaking).expect("ok"), "2.0.0");
        assert_eq!(required("1.4.2", Change::Additive).expect("ok"), "1.5.0");
        assert_eq!(required("0.1.0", Change::None).expect("ok"), "0.1.0");
        assert!(required("0.1", Change::Breaking).is_err());
        assert!(satisfies("0.2.0", "0.2.0") && satisfies("0.3.1", "0.2.0"));
        assert!(!satisfies("0.1.9", "0.2.0") && !satisfies("0.1.0", "0.1.1"));
    }
}
