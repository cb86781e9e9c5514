//! `openapi/provenance.toml`: where the vendored spec came from, and the checksum it must still have.

use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The provenance record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Provenance {
    /// The upstream document the vendored file was taken from.
    pub(crate) upstream: Upstream,
    /// The vendored file.
    pub(crate) vendored: Vendored,
}

/// The upstream side of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Upstream {
    /// Repository URL, e.g. `https://github.com/team-telnyx/openapi`.
    pub(crate) repository: String,
    /// File inside the repository, e.g. `openapi/spec3.yml`.
    pub(crate) path: String,
    /// The commit the file was read at.
    pub(crate) commit: String,
    /// The commit's date (ISO 8601).
    pub(crate) date: String,
    /// SHA-256 of the whole upstream file at that commit.
    pub(crate) sha256: String,
}

/// The vendored side of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Vendored {
    /// The vendored file, relative to the workspace root.
    pub(crate) file: String,
    /// SHA-256 of the vendored file's bytes.
    pub(crate) sha256: String,
}

const HEADER: &str = "\
# Provenance of the vendored OpenAPI document. Written by `cargo xtask spec update` (and by
# `cargo xtask codegen` when the vendored file was edited by hand); verified by
# `cargo xtask codegen --check`. Do not edit by hand.
";

impl Provenance {
    /// Reads the record.
    pub(crate) fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("{} is not a valid provenance record", path.display()))
    }

    /// The record as written to disk.
    pub(crate) fn render(&self) -> Result<String> {
        Ok(format!("{HEADER}\n{}", toml::to_string(self)?))
    }

    /// Writes the record.
    pub(crate) fn write(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.render()?)
            .with_context(|| format!("cannot write {}", path.display()))
    }
}
