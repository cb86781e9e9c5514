//! Where things are in the workspace.

use std::path::{Path, PathBuf};

/// The workspace root and the well-known files in it.
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// The workspace this xtask was built in.
    pub fn current() -> Self {
        // xtask/ sits directly under the workspace root.
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        Self::at(manifest_dir.parent().unwrap_or(manifest_dir))
    }

    /// A workspace rooted at `root` (tests use copies).
    pub fn at(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The vendored spec.
    pub fn spec(&self) -> PathBuf {
        self.root.join("openapi/rooms-client-tokens.yaml")
    }

    /// The provenance record.
    pub fn provenance(&self) -> PathBuf {
        self.root.join("openapi/provenance.toml")
    }

    /// The directory of overlays.
    pub fn overlays(&self) -> PathBuf {
        self.root.join("openapi/overlays")
    }

    /// The generated file.
    pub fn generated(&self) -> PathBuf {
        self.root.join("crates/telnyx-rooms-gen/src/generated.rs")
    }

    /// `path` relative to the root, with `/` separators, for messages.
    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    }
}
