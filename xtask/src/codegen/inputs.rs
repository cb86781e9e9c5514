//! What code generation reads from the workspace.

use anyhow::Result;

use crate::openapi::file::SpecFile;
use crate::openapi::overlay::{self, Overlay};
use crate::openapi::provenance::Provenance;
use crate::paths::Workspace;

/// Everything generation reads.
#[derive(Debug, Clone)]
pub(crate) struct Inputs {
    /// The vendored spec.
    pub(crate) spec: SpecFile,
    /// The vendored spec's path relative to the workspace root, as named in the header.
    pub(crate) spec_name: String,
    /// Overlays, in the order they apply.
    pub(crate) overlays: Vec<Overlay>,
    /// The provenance record.
    pub(crate) provenance: Provenance,
}

impl Inputs {
    /// Reads the inputs from the workspace.
    pub(crate) fn read(workspace: &Workspace) -> Result<Self> {
        Ok(Self {
            spec: SpecFile::read(&workspace.spec())?,
            spec_name: workspace.relative(&workspace.spec()),
            overlays: overlay::read_dir(&workspace.overlays())?,
            provenance: Provenance::read(&workspace.provenance())?,
        })
    }
}
