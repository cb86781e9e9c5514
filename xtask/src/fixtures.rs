//! The real upstream revisions the tests use, kept in the repository (`xtask/fixtures/upstream/`).
//!
//! Telnyx's whole `spec3.yml` is ~4 MB a revision, so the fixtures are stored xz-compressed, with
//! `fixtures.toml` beside them recording where each came from and the SHA-256 of its decompressed
//! text. Every read goes through [`read_checked`], which decompresses (with a size cap) and checks that
//! checksum before anything uses the bytes; `cargo xtask fixtures` writes them out, checked the
//! same way, for `scripts/test.sh` and the end-to-end tests that drive the binary.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::openapi::file::sha256_hex;
use crate::openapi::provenance::Upstream;
use crate::paths::Workspace;

/// The fixtures folder, relative to the workspace root.
pub(crate) const DIR: &str = "xtask/fixtures/upstream";

/// No fixture decompresses to more than this (the largest is ~4 MB); a corrupt or hostile archive
/// is refused instead of filling memory.
const MAX_DECOMPRESSED: usize = 64 * 1024 * 1024;

/// One entry of `fixtures.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Fixture {
    /// File name in the fixtures folder; `.xz` means xz-compressed.
    pub(crate) file: String,
    /// SHA-256 (hex) of the decompressed text: the upstream file's own for a whole revision, the
    /// extract's for an extract.
    pub(crate) sha256: String,
    /// What the fixture is for.
    pub(crate) about: String,
    /// The upstream file it was taken from, as the vendored spec's provenance records it.
    pub(crate) upstream: Upstream,
}

impl Fixture {
    /// The file name once decompressed.
    pub(crate) fn name(&self) -> &str {
        self.file.strip_suffix(".xz").unwrap_or(&self.file)
    }

    /// Where it came from and what it is for, one line.
    pub(crate) fn describe(&self) -> String {
        let up = &self.upstream;
        let (repository, path, commit, date) = (&up.repository, &up.path, &up.commit, &up.date);
        format!("{repository} {path} at {commit} ({date}): {}", self.about)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    fixture: Vec<Fixture>,
}

/// The entries of `fixtures.toml`, in file order.
pub(crate) fn manifest(workspace: &Workspace) -> Result<Vec<Fixture>> {
    let path = workspace.root().join(DIR).join("fixtures.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", workspace.relative(&path)))?;
    let manifest: Manifest = toml::from_str(&text)
        .with_context(|| format!("{} is not a valid manifest", workspace.relative(&path)))?;
    Ok(manifest.fixture)
}

/// The decompressed, checksum-checked text of the fixture whose decompressed name is `name`
/// (e.g. `spec3.12de4dd0.yml`).
#[cfg(test)]
pub(crate) fn load(workspace: &Workspace, name: &str) -> Result<Vec<u8>> {
    let fixtures = manifest(workspace)?;
    let Some(fixture) = fixtures.iter().find(|f| f.name() == name) else {
        bail!("no fixture named {name} in {DIR}/fixtures.toml");
    };
    read_checked(workspace, fixture)
}

/// Decompresses every fixture into `out` (created if missing), checking each; returns each path
/// written with its fixture.
pub(crate) fn unpack_all(workspace: &Workspace, out: &Path) -> Result<Vec<(PathBuf, Fixture)>> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut written = Vec::new();
    for fixture in manifest(workspace)? {
        let bytes = read_checked(workspace, &fixture)?;
        let target = out.join(fixture.name());
        // Written under a temporary name and renamed, so a reader never sees half a file.
        let partial = out.join(format!(".{}.partial", fixture.name()));
        std::fs::write(&partial, &bytes)
            .and_then(|()| std::fs::rename(&partial, &target))
            .with_context(|| format!("cannot write {}", target.display()))?;
        written.push((target, fixture));
    }
    Ok(written)
}

fn read_checked(workspace: &Workspace, fixture: &Fixture) -> Result<Vec<u8>> {
    let path = workspace.root().join(DIR).join(&fixture.file);
    let shown = workspace.relative(&path);
    let stored = std::fs::read(&path).with_context(|| format!("cannot read {shown}"))?;
    let bytes = if fixture.file.ends_with(".xz") {
        decompress_xz(&stored).with_context(|| format!("{shown} is not a valid xz file"))?
    } else {
        stored
    };
    let actual = sha256_hex(&bytes);
    if actual != fixture.sha256 {
        bail!(
            "{shown} decompresses to sha256 {actual}, but fixtures.toml records {}: the fixture \
             is corrupt or was replaced without updating the manifest",
            fixture.sha256
        );
    }
    Ok(bytes)
}

/// xz-decompresses `bytes`, refusing output over [`MAX_DECOMPRESSED`].
fn decompress_xz(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Capped {
        bytes: Vec::new(),
        cap: MAX_DECOMPRESSED,
    };
    lzma_rs::xz_decompress(&mut &bytes[..], &mut out).map_err(|err| anyhow::anyhow!("{err}"))?;
    Ok(out.bytes)
}

/// A `Vec` writer that fails once more than `cap` bytes arrive.
struct Capped {
    bytes: Vec<u8>,
    cap: usize,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len().saturating_add(buf.len()) > self.cap {
            return Err(std::io::Error::other(format!(
                "decompresses to more than {} bytes",
                self.cap
            )));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> Workspace {
        Workspace::of_tests()
    }

    #[test]
    fn every_fixture_decompresses_to_its_recorded_checksum_and_names_its_commit() {
        let fixtures = manifest(&workspace()).expect("manifest");
        assert_eq!(fixtures.len(), 3);
        for fixture in &fixtures {
            let commit = &fixture.upstream.commit;
            assert_eq!(commit.len(), 40, "{}", fixture.file);
            assert!(commit.bytes().all(|b| b.is_ascii_hexdigit()));
            let bytes = read_checked(&workspace(), fixture).expect("checks");
            assert_eq!(sha256_hex(&bytes), fixture.sha256);
            // A whole revision is the upstream file itself; an extract's upstream file is stored too.
            assert!(
                fixtures.iter().any(|f| f.sha256 == fixture.upstream.sha256),
                "{}: its upstream file is not a stored fixture",
                fixture.file
            );
        }
    }

    #[test]
    fn a_fixture_that_does_not_match_its_checksum_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let copy = Workspace::at(dir.path());
        std::fs::create_dir_all(dir.path().join(DIR)).expect("mkdir");
        let real = workspace().root().join(DIR);
        std::fs::copy(
            real.join("fixtures.toml"),
            dir.path().join(DIR).join("fixtures.toml"),
        )
        .expect("copy");
        std::fs::write(
            dir.path()
                .join(DIR)
                .join("rooms-client-tokens.12de4dd0.yaml"),
            "openapi: 3.1.0\n",
        )
        .expect("write");
        let err = load(&copy, "rooms-client-tokens.12de4dd0.yaml").expect_err("tampered");
        assert!(err.to_string().contains("fixtures.toml records"), "{err:#}");
        let err = load(&copy, "spec3.0000.yml").expect_err("unknown");
        assert!(err.to_string().contains("no fixture named"), "{err:#}");
    }

    #[test]
    fn corrupt_or_oversized_archives_are_errors_not_panics() {
        assert!(decompress_xz(b"not xz at all").is_err());
        let mut out = Capped {
            bytes: Vec::new(),
            cap: 4,
        };
        assert!(out.write(b"12345").is_err());
        assert!(out.bytes.is_empty());
    }
}
