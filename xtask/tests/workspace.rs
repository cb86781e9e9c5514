//! One xtask binary acts on the checkout it is run in, never on the one it was built in.
//!
//! A shared `CARGO_TARGET_DIR`, a second clone or a worktree makes cargo reuse one xtask binary
//! for several checkouts; a root compiled into the binary would then read and write the wrong
//! tree. These tests run the binary in copies of the workspace and check what each run touched.
// The helpers below belong to the tests: an `expect` in them is an assertion.
#![allow(clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

/// What `cargo xtask codegen` reads and writes, copied from the real workspace into `dir`.
fn copy_workspace(dir: &Path) {
    let real = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace");
    for file in [
        "Cargo.toml",
        "openapi/video-rooms.yaml",
        "openapi/provenance.toml",
        "openapi/scope.toml",
        "crates/telnyx-rooms-gen/src/generated.rs",
    ] {
        let target = dir.join(file);
        std::fs::create_dir_all(target.parent().expect("has a parent")).expect("mkdir");
        std::fs::copy(real.join(file), &target).expect("copy");
    }
    let overlays = real.join("openapi/overlays");
    std::fs::create_dir_all(dir.join("openapi/overlays")).expect("mkdir");
    for entry in std::fs::read_dir(&overlays).expect("overlays") {
        let entry = entry.expect("entry");
        std::fs::copy(
            entry.path(),
            dir.join("openapi/overlays").join(entry.file_name()),
        )
        .expect("copy");
    }
}

fn xtask_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("xtask runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn one_binary_run_in_two_copies_acts_on_each() {
    let (a, b) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    copy_workspace(a.path());
    copy_workspace(b.path());
    let generated = "crates/telnyx-rooms-gen/src/generated.rs";
    // Copy B's generated file goes stale; copy A's stays as committed.
    let stale = b.path().join(generated);
    let mut text_b = std::fs::read_to_string(&stale).expect("read");
    text_b.push_str("// edited by hand\n");
    std::fs::write(&stale, &text_b).expect("write");

    let check_a = xtask_in(a.path(), &["codegen", "--check"]);
    assert!(check_a.status.success(), "{}", text(&check_a.stderr));
    let check_b = xtask_in(b.path(), &["codegen", "--check"]);
    assert!(!check_b.status.success(), "B's stale file went unnoticed");
    assert!(
        text(&check_b.stderr).contains("edited by hand")
            || text(&check_b.stdout).contains("edited by hand"),
        "the diff shows B's own file: {}{}",
        text(&check_b.stdout),
        text(&check_b.stderr)
    );

    // Regenerating from a subdirectory of B writes B, and leaves A alone.
    let before_a = std::fs::read(a.path().join(generated)).expect("read");
    let regen = xtask_in(&b.path().join("crates"), &["codegen"]);
    assert!(regen.status.success(), "{}", text(&regen.stderr));
    assert_eq!(
        std::fs::read(b.path().join(generated)).expect("read"),
        before_a,
        "B was regenerated to the committed bytes"
    );
    assert_eq!(
        std::fs::read(a.path().join(generated)).expect("read"),
        before_a
    );
    assert!(xtask_in(b.path(), &["codegen", "--check"]).status.success());
}

#[test]
fn run_outside_any_checkout_it_says_so_and_touches_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = xtask_in(dir.path(), &["codegen"]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("is not inside a telnyx-rooms checkout"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("read_dir").count(),
        0,
        "nothing written"
    );
}
