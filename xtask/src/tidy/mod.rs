//! `cargo xtask tidy`: the repository's hygiene rules, checked on every file of the checkout.
//!
//! Each check reads a [`Tree`] (the checkout's Rust and Markdown files and Cargo manifests, or a
//! small tree built in a test) and reports every violation with its file, line and a one-line
//! reason. The rules and why they exist are in CONTRIBUTING.md ("Hygiene checks");
//! `scripts/test.sh` runs `cargo xtask tidy`, and `cargo test -p xtask tidy` runs each check on
//! the checkout too, beside a test per check that feeds it a violation.

mod checks;
mod code;
mod features;
mod lexer;
mod prose;
#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::paths::Workspace;

pub(crate) use checks::CHECKS;

/// One broken rule, at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    /// The file, relative to the checkout, with `/` separators.
    pub(crate) path: String,
    /// The 1-based line.
    pub(crate) line: usize,
    /// Why it is a violation, in one line.
    pub(crate) reason: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.reason)
    }
}

/// A named hygiene check.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Check {
    /// A short name, printed above its violations.
    pub(crate) name: &'static str,
    /// What it checks, in one line.
    pub(crate) rule: &'static str,
    /// Every violation in the tree, in file order.
    pub(crate) run: fn(&Tree) -> Vec<Violation>,
}

/// The checked files of a checkout: every `.rs` and `.md` file, `Cargo.toml` and `clippy.toml`,
/// by relative path.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tree {
    files: BTreeMap<String, String>,
}

/// The files checked: by ending, and by name.
const CHECKED_ENDINGS: [&str; 2] = [".rs", ".md"];
const CHECKED_NAMES: [&str; 2] = ["Cargo.toml", "clippy.toml"];

/// Directories never checked: build output, installed npm packages, git's own.
const SKIPPED_DIRS: [&str; 3] = ["target", "node_modules", ".git"];

impl Tree {
    /// A tree of the given files (tests).
    #[cfg(test)]
    pub(crate) fn of<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            files: files
                .into_iter()
                .map(|(path, text)| (path.to_owned(), text.to_owned()))
                .collect(),
        }
    }

    /// The checked files of the checkout (none under `target/`, `node_modules/` or Cargo's target
    /// directory).
    pub(crate) fn read(workspace: &Workspace) -> Result<Self> {
        let mut tree = Self::default();
        let target = workspace.target_dir();
        tree.read_dir(workspace, workspace.root(), &target)?;
        Ok(tree)
    }

    fn read_dir(&mut self, workspace: &Workspace, dir: &Path, target: &Path) -> Result<()> {
        let entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            let path = entry.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            // The entry's own type: a symbolic link is neither followed nor read.
            let kind = entry
                .file_type()
                .with_context(|| format!("cannot read the type of {}", path.display()))?;
            if kind.is_dir() {
                if !SKIPPED_DIRS.contains(&name) && path != target {
                    self.read_dir(workspace, &path, target)?;
                }
            } else if kind.is_file()
                && (CHECKED_NAMES.contains(&name)
                    || CHECKED_ENDINGS.iter().any(|e| name.ends_with(e)))
            {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {} as UTF-8", path.display()))?;
                self.files.insert(workspace.relative(&path), text);
            }
        }
        Ok(())
    }

    /// The paths of the files for which `keep` holds, in order.
    pub(crate) fn paths(&self, keep: impl Fn(&str) -> bool) -> Vec<&str> {
        self.files
            .keys()
            .map(String::as_str)
            .filter(|path| keep(path))
            .collect()
    }

    /// The text of `path` (empty if the tree has no such file).
    pub(crate) fn text(&self, path: &str) -> &str {
        self.files.get(path).map_or("", String::as_str)
    }

    /// Whether the tree has the file `path`.
    pub(crate) fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }
}

/// Runs every check on the checkout and prints what each found; fails if any found something.
pub(crate) fn run(workspace: &Workspace) -> Result<()> {
    let tree = Tree::read(workspace)?;
    let mut failed = Vec::new();
    for check in CHECKS {
        let violations = (check.run)(&tree);
        if violations.is_empty() {
            println!("ok    {}: {}", check.name, check.rule);
        } else {
            println!("FAIL  {}: {}", check.name, check.rule);
            for violation in &violations {
                println!("      {violation}");
            }
            failed.push(format!("{} ({})", check.name, violations.len()));
        }
    }
    if !failed.is_empty() {
        bail!(
            "tidy: {} check(s) failed: {}",
            failed.len(),
            failed.join(", ")
        );
    }
    Ok(())
}
