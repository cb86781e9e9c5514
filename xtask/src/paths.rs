//! Where things are in the workspace.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The workspace root and the well-known files in it.
#[derive(Debug, Clone)]
pub(crate) struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// The workspace the xtask is run in: the nearest directory at or above the current one whose
    /// `Cargo.toml` declares `[workspace]` and which holds this project's `openapi/` folder.
    ///
    /// Found at run time, never from a path compiled into the binary: one xtask binary (a shared
    /// `CARGO_TARGET_DIR`, a second clone or worktree) always acts on the checkout it is run in.
    pub(crate) fn current() -> Result<Self> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        Self::enclosing(&cwd)
    }

    /// The checkout the tests run in.
    #[cfg(test)]
    #[allow(clippy::expect_used)]
    pub(crate) fn of_tests() -> Self {
        Self::current().expect("tests run inside the workspace")
    }

    /// The workspace enclosing `dir` (see [`current`](Self::current)).
    pub(crate) fn enclosing(dir: &Path) -> Result<Self> {
        for candidate in dir.ancestors() {
            if is_this_workspace(candidate)? {
                return Ok(Self::at(candidate));
            }
        }
        bail!(
            "{} is not inside a telnyx-rooms checkout: no directory above it has a Cargo.toml \
             with [workspace] and an openapi/ folder. Run `cargo xtask` from the checkout.",
            dir.display()
        )
    }

    /// A workspace rooted at `root` (tests use copies).
    pub(crate) fn at(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }

    /// The root directory.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Cargo's target directory: `CARGO_TARGET_DIR` when set (relative to the root), else `target/`.
    pub(crate) fn target_dir(&self) -> PathBuf {
        match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => self.root.join(dir),
            _ => self.root.join("target"),
        }
    }

    /// The vendored spec.
    pub(crate) fn spec(&self) -> PathBuf {
        self.root.join("openapi/video-rooms.yaml")
    }

    /// The provenance record.
    pub(crate) fn provenance(&self) -> PathBuf {
        self.root.join("openapi/provenance.toml")
    }

    /// The directory of overlays.
    pub(crate) fn overlays(&self) -> PathBuf {
        self.root.join("openapi/overlays")
    }

    /// The generated file.
    pub(crate) fn generated(&self) -> PathBuf {
        self.root.join("crates/telnyx-rooms-gen/src/generated.rs")
    }

    /// `path` relative to the root, with `/` separators, for messages.
    pub(crate) fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    }
}

/// Whether `dir` is the root of this project's workspace.
fn is_this_workspace(dir: &Path) -> Result<bool> {
    let manifest = dir.join("Cargo.toml");
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        return Ok(false);
    };
    let parsed: toml::Table = match toml::from_str(&text) {
        Ok(parsed) => parsed,
        // A broken manifest above a member is not ours to judge unless it is the workspace's.
        Err(_) if !text.contains("[workspace]") => return Ok(false),
        Err(err) => bail!("{} is not valid TOML: {err}", manifest.display()),
    };
    Ok(parsed.contains_key("workspace") && dir.join("openapi").is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_is_found_from_any_directory_inside_it() {
        let root = Workspace::of_tests();
        assert!(root.root().join("xtask/Cargo.toml").is_file());
        let from_deep = Workspace::enclosing(&root.root().join("crates/telnyx-rooms-gen/src"))
            .expect("found from a subdirectory");
        assert_eq!(from_deep.root(), root.root());
    }

    #[test]
    fn outside_any_checkout_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = Workspace::enclosing(dir.path()).expect_err("no workspace");
        assert!(
            err.to_string()
                .contains("is not inside a telnyx-rooms checkout"),
            "{err}"
        );
        // A workspace manifest without the project's openapi/ folder is someone else's.
        std::fs::write(dir.path().join("Cargo.toml"), "[workspace]\n").expect("write");
        assert!(Workspace::enclosing(dir.path()).is_err());
        std::fs::create_dir(dir.path().join("openapi")).expect("mkdir");
        let found = Workspace::enclosing(dir.path()).expect("found");
        assert_eq!(found.root(), dir.path());
    }
}
