//! `cargo xtask api` on a small workspace whose crate has one public item of each kind, beside
//! a crate it depends on (`tests/fixtures/api/`): the summary it records, line for line; `--check` failing on a change
//! with a diff and the change's semver verdict; and a change to a released version refused
//! until the version allows it.
//!
//! After an intended change to the summary's format: `SNAPSHOTS=overwrite cargo test -p xtask api`,
//! then review `git diff xtask/tests/fixtures/api/expected/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api")
}

/// A workspace of the fixture crates in a fresh directory, with the `openapi/` folder that marks
/// a telnyx-rooms checkout. Their manifests are kept as `Cargo.toml.fixture`, so that nothing
/// in the repository takes them for its own crates.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for file in [
        "demo/Cargo.toml.fixture",
        "demo/README.md",
        "demo/src/lib.rs",
        "demo/src/hidden.rs",
        "dep/Cargo.toml.fixture",
        "dep/src/lib.rs",
        "dep/src/inner.rs",
    ] {
        let target = dir.path().join(file.trim_end_matches(".fixture"));
        std::fs::create_dir_all(target.parent().expect("has a parent")).expect("mkdir");
        std::fs::copy(fixtures().join(file), &target).expect("copy");
    }
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"demo\", \"dep\"]\n",
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("openapi")).expect("mkdir");
    lock(dir.path());
    dir
}

/// Writes the workspace's `Cargo.lock` (the xtask builds with `--locked`).
fn lock(dir: &Path) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(["generate-lockfile", "--offline"])
        .current_dir(dir)
        .status()
        .expect("cargo runs");
    assert!(status.success());
}

fn xtask(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("xtask runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "{}{}",
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The recorded file equals the expected one (or, with `SNAPSHOTS=overwrite`, becomes it).
fn assert_recorded(dir: &Path, file: &str) {
    let recorded = std::fs::read_to_string(dir.join("api").join(file)).expect("recorded");
    let expected_path = fixtures().join("expected").join(file);
    if std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite") {
        std::fs::write(&expected_path, &recorded).expect("write");
    }
    let expected = std::fs::read_to_string(&expected_path).expect("expected file");
    assert_eq!(
        recorded,
        expected,
        "api/{file} differs from {}",
        expected_path.display()
    );
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replace(from, to)).expect("write");
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn every_kind_of_item_is_recorded_with_its_signature() {
    let dir = workspace();
    assert_ok(&xtask(dir.path(), &["api"]));
    assert_recorded(dir.path(), "demo.txt");
    assert_recorded(dir.path(), "demo.external-types.toml");
    // A workspace crate's item is named by its public path (`dep::Thing`), not the private
    // module it is defined in, so moving it there changes no other record.
    assert_recorded(dir.path(), "dep.txt");
    // Recording again changes nothing.
    assert_ok(&xtask(dir.path(), &["api", "--check"]));
}

#[test]
fn an_unrecorded_change_fails_the_check_with_a_diff_and_its_verdict() {
    let dir = workspace();
    assert_ok(&xtask(dir.path(), &["api"]));
    let lib = dir.path().join("demo/src/lib.rs");
    edit(
        &lib,
        "pub const LIMIT: usize = 64;",
        "pub const LIMIT: u32 = 64;",
    );
    let output = xtask(dir.path(), &["api", "--check"]);
    assert!(!output.status.success());
    let text = stdout(&output);
    assert!(text.contains("\n-pub const demo::LIMIT: usize\n"), "{text}");
    assert!(text.contains("\n+pub const demo::LIMIT: u32\n"), "{text}");
    assert!(
        text.contains("demo: breaking (1 lines removed or changed, 1 added)"),
        "{text}"
    );
    assert!(
        text.contains("once 0.1.0 is released this needs 0.2.0"),
        "{text}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("run `cargo xtask api`"), "{stderr}");
}

#[test]
fn a_released_version_s_api_changes_only_with_the_bump_semver_asks() {
    let dir = workspace();
    assert_ok(&xtask(dir.path(), &["api"]));
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "0.1.0"]);
    git(dir.path(), &["tag", "v0.1.0"]);

    // Additive: 0.1.0 → 0.1.1 at least.
    let lib = dir.path().join("demo/src/lib.rs");
    edit(
        &lib,
        "/// A constant.\npub const LIMIT",
        "/// New.\npub fn added() {}\n\n/// A constant.\npub const LIMIT",
    );
    let refused = xtask(dir.path(), &["api"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("demo: additive (0 lines removed or changed, 1 added) since the record of 0.1.0, released at v0.1.0: the version must be at least 0.1.1, not 0.1.0"),
        "{stderr}"
    );
    let manifest = dir.path().join("demo/Cargo.toml");
    edit(&manifest, "\nversion = \"0.1.0\"", "\nversion = \"0.1.1\"");
    lock(dir.path());
    let accepted = xtask(dir.path(), &["api"]);
    assert_ok(&accepted);
    assert!(stdout(&accepted).contains("released at v0.1.0); version 0.1.1 allows it"));
    let recorded = std::fs::read_to_string(dir.path().join("api/demo.txt")).expect("record");
    assert!(recorded.starts_with("# demo 0.1.1: "), "{recorded}");
    assert!(recorded.contains("\npub fn demo::added()\n"), "{recorded}");
}
