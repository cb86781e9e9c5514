#!/usr/bin/env bash
# Proves the maintainer loop end to end on a scratch copy of the workspace: a property added to the
# vendored spec the OpenAPI 3.1 way makes `cargo xtask codegen --check` fail with a diff naming it,
# `cargo xtask codegen` regenerates, the generated crate compiles, and `--check` passes again; then
# a shape progenitor cannot generate (two success body types) is a clear error, not a panic.
#
# The checkout's own xtask binary does the work, run inside the scratch copy: it finds the
# workspace it is run in, so this also proves it acts on the copy and not on the checkout. The
# scratch copy's crates build in a target directory of their own, so nothing built from the edited
# spec can be mistaken by cargo for the checkout's own build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
target="$(cd "$root" && cargo metadata --format-version 1 --no-deps --locked \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

mkdir -p "$scratch/crates"
cp -r "$root/Cargo.toml" "$root/Cargo.lock" "$root/.cargo" "$root/openapi" "$root/xtask" "$scratch/"
cp -r "$root/crates/telnyx-rooms-gen" "$scratch/crates/"
rm -rf "$scratch/crates/telnyx-rooms-gen/tests"
cd "$scratch"
# The checkout's xtask, built in the checkout's target directory, run with the scratch copy as its
# working directory.
xtask() { cargo run --quiet --locked --manifest-path "$root/Cargo.toml" -p xtask -- "$@"; }
# The lock file is pruned to this subset of the workspace, so no --locked here.
check_generated() { CARGO_TARGET_DIR="$target/spec-change-smoke" cargo check --quiet -p telnyx-rooms-gen; }

python3 - openapi/video-rooms.yaml <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
anchor = "                      refresh_token_expires_at:\n"
assert anchor in text, "the vendored spec changed shape; update scripts/spec-change-smoke.sh"
text = text.replace(anchor, "                      nickname:\n                        type: [string, \"null\"]\n" + anchor, 1)
open(path, "w").write(text)
PY

if xtask codegen --check >check.out 2>&1; then
  echo "FAIL: --check passed although the spec changed" >&2; exit 1
fi
grep -q '^+.*pub nickname: ::std::option::Option<::std::string::String>' check.out \
  || { echo "FAIL: the diff does not name the new property" >&2; cat check.out >&2; exit 1; }
grep -q 'does not match its recorded checksum' check.out \
  || { echo "FAIL: the hand edit was not reported" >&2; cat check.out >&2; exit 1; }
xtask codegen
check_generated
xtask codegen --check
# The checkout itself was not touched: its own --check still passes.
(cd "$root" && xtask codegen --check >/dev/null)

python3 - openapi/video-rooms.yaml <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
extra = "        '200':\n          content:\n            application/json:\n              schema:\n                type: string\n          description: Other.\n"
text = text.replace("        '403':\n", extra + "        '403':\n", 1)
open(path, "w").write(text)
PY
if xtask codegen >unsupported.out 2>&1; then
  echo "FAIL: an unsupported shape was generated" >&2; exit 1
fi
if grep -q 'panicked' unsupported.out || ! grep -q 'cannot generate' unsupported.out; then
  echo "FAIL: expected a clear error, got:" >&2; cat unsupported.out >&2; exit 1
fi
sed 's/^/  | /' unsupported.out
echo "spec-change smoke: ok"
