//! The dependency tree is the one the features promise: by default rustls with ring, and neither
//! aws-lc-rs (slow to build) nor OpenSSL/native-tls; schemars only with its feature.
//!
//! Runs `cargo tree` on this package's normal (non-dev) dependencies, as a user's build sees them.

use std::path::Path;
use std::process::Command;

/// Package names of the dependency tree of `telnyx-rooms` with the given feature arguments.
fn tree(feature_args: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let output = Command::new(cargo)
        .args(["tree", "--manifest-path"])
        .arg(&manifest)
        .args([
            "-p",
            "telnyx-rooms",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .args(feature_args)
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

const UNWANTED_WITH_RUSTLS: [&str; 6] = [
    "aws-lc-rs",
    "aws-lc-sys",
    "openssl",
    "openssl-sys",
    "native-tls",
    "hyper-tls",
];

#[test]
fn default_features_use_rustls_with_ring_and_no_other_tls_stack() {
    let packages = tree(&[]);
    for unwanted in UNWANTED_WITH_RUSTLS {
        assert!(
            !packages.iter().any(|name| name == unwanted),
            "{unwanted} is in the default dependency tree"
        );
    }
    for wanted in ["rustls", "ring", "rustls-platform-verifier", "reqwest"] {
        assert!(
            packages.iter().any(|name| name == wanted),
            "{wanted} is missing from the default dependency tree"
        );
    }
}

#[test]
fn native_tls_feature_brings_no_aws_lc() {
    let packages = tree(&["--no-default-features", "--features", "native-tls"]);
    assert!(packages.iter().any(|name| name == "native-tls"));
    for unwanted in [
        "aws-lc-rs",
        "aws-lc-sys",
        "ring",
        "rustls-platform-verifier",
    ] {
        assert!(
            !packages.iter().any(|name| name == unwanted),
            "{unwanted} is in the native-tls dependency tree"
        );
    }
}

/// The generated types' JSON Schema is opt-in: schemars and its derive macro are built only for
/// users who turn the `schemars` feature on.
#[test]
fn schemars_comes_only_with_its_feature() {
    for crate_name in ["schemars", "schemars_derive"] {
        assert!(
            !tree(&[]).iter().any(|name| name == crate_name),
            "{crate_name} is in the default dependency tree"
        );
        assert!(
            tree(&["--features", "schemars"])
                .iter()
                .any(|name| name == crate_name),
            "{crate_name} is missing with the schemars feature"
        );
    }
}
