//! `cargo xtask spec diff` end to end: real Telnyx history, and a synthetic fixture per class of change.
// The helpers below belong to the tests: an `expect` in them is an assertion.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};

const FIXTURES: &str = "xtask/tests/fixtures/spec-diff";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the xtask binary from the workspace root, so paths in reports are the relative ones given.
fn xtask(args: &[&str]) -> Run {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(root)
        .output()
        .expect("xtask runs");
    Run {
        code: output.status.code().expect("exited"),
        stdout: String::from_utf8(output.stdout).expect("utf-8"),
        stderr: String::from_utf8(output.stderr).expect("utf-8"),
    }
}

/// A real revision of Telnyx's `spec3.yml` from the repository's fixtures, decompressed and
/// checksum-checked by `xtask fixtures` (once per test run).
fn upstream(name: &str) -> String {
    static UNPACKED: OnceLock<PathBuf> = OnceLock::new();
    let dir = UNPACKED.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("upstream-fixtures");
        let run = xtask(&["fixtures", "--out", dir.to_str().expect("utf-8 path")]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        dir
    });
    dir.join(name).to_str().expect("utf-8 path").to_string()
}

fn old_upstream() -> String {
    upstream("spec3.bebb7246.yml")
}

fn new_upstream() -> String {
    upstream("spec3.12de4dd0.yml")
}

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}.yaml")
}

/// The change lines of a human report, without headings.
fn change_lines(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter(|line| line.starts_with("  "))
        .collect()
}

#[test]
fn real_history_reports_the_forbidden_schema_switch_and_nothing_cosmetic_as_a_contract_change() {
    let (old, new) = (old_upstream(), new_upstream());
    let run = xtask(&["spec", "diff", &old, &new]);
    assert_eq!(run.stderr, "");
    assert_eq!(
        run.stdout,
        format!("\
Contract of 2 in-scope operations (CreateRoomClientToken, RefreshRoomClientToken): {old} (OpenAPI 3.0.0) → {new} (OpenAPI 3.1.0)

breaking (2):
  CreateRoomClientToken   response 403 body: schema component Error → video_Error: the generated Rust type is renamed [schema-renamed]
  RefreshRoomClientToken  response 403 body: schema component Error → video_Error: the generated Rust type is renamed [schema-renamed]

non-breaking (0):

cosmetic, not contract changes (4):
  CreateRoomClientToken   response 201: $ref #/components/responses/CreateRoomClientTokenResponse inlined [ref-inlined]
  CreateRoomClientToken   response 403 body.source.parameter: example removed [example-changed]
  RefreshRoomClientToken  response 201: $ref #/components/responses/RefreshRoomClientTokenResponse inlined [ref-inlined]
  RefreshRoomClientToken  response 403 body.source.parameter: example removed [example-changed]

2 breaking, 0 non-breaking, 4 cosmetic
"
        )
    );
    assert_eq!(run.code, 1, "breaking changes fail the run");
}

#[test]
fn real_history_as_json_for_tools() {
    let (old, new) = (old_upstream(), new_upstream());
    let run = xtask(&["spec", "diff", &old, &new, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(report["old"], json!({"file": old, "openapi": "3.0.0"}));
    assert_eq!(report["new"], json!({"file": new, "openapi": "3.1.0"}));
    assert_eq!(
        report["summary"],
        json!({"breaking": 2, "non-breaking": 0, "cosmetic": 4})
    );
    assert_eq!(
        report["changes"][0],
        json!({
            "class": "breaking",
            "operation": "CreateRoomClientToken",
            "location": "response 403 body",
            "kind": "schema-renamed",
            "message": "schema component Error → video_Error: the generated Rust type is renamed"
        })
    );
    let classes: Vec<&str> = report["changes"]
        .as_array()
        .expect("list")
        .iter()
        .map(|change| change["class"].as_str().expect("class"))
        .collect();
    assert_eq!(
        classes,
        [
            "breaking", "breaking", "cosmetic", "cosmetic", "cosmetic", "cosmetic"
        ]
    );
}

#[test]
fn the_vendored_subset_has_the_contract_of_the_whole_document_it_was_cut_from() {
    let run = xtask(&[
        "spec",
        "diff",
        "openapi/rooms-client-tokens.yaml",
        &new_upstream(),
        "--fail-on",
        "any",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .ends_with("\n0 breaking, 0 non-breaking, 0 cosmetic\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn cosmetic_changes_are_not_contract_changes_even_with_fail_on_any() {
    let run = xtask(&[
        "spec",
        "diff",
        &fixture("base"),
        &fixture("cosmetic"),
        "--fail-on",
        "any",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        change_lines(&run.stdout),
        [
            "  CreateRoomClientToken   operation: summary added [description-changed]",
            "  CreateRoomClientToken   operation: description changed [description-changed]",
            "  CreateRoomClientToken   request body: $ref #/components/schemas/CreateRoomClientTokenRequest inlined [ref-inlined]",
            "  CreateRoomClientToken   request body.token_ttl_secs: description changed [description-changed]",
            "  CreateRoomClientToken   request body.token_ttl_secs: example changed [example-changed]",
            "  CreateRoomClientToken   response 201 body.data.refresh_token: example changed [example-changed]",
            "  CreateRoomClientToken   response 403: $ref #/components/responses/Forbidden inlined [ref-inlined]",
            "  RefreshRoomClientToken  request body.refresh_token: example added [example-changed]",
        ]
    );
    assert!(
        run.stdout
            .contains("\nbreaking (0):\n\nnon-breaking (0):\n")
    );
}

#[test]
fn non_breaking_changes_pass_by_default_and_fail_with_fail_on_any() {
    let args = ["spec", "diff", &fixture("base"), &fixture("non-breaking")];
    let run = xtask(&args);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        change_lines(&run.stdout),
        [
            "  CreateRoomClientToken   request body.token_ttl_secs: maximum 3600 → 7200 (widened) [bound-changed]",
            "  CreateRoomClientToken   request body.name: new optional field [field-added]",
            "  RefreshRoomClientToken  request body.token_ttl_secs: default 600 → 900 [default-changed]",
            "  RefreshRoomClientToken  response 201 body.data.room_id: new optional field [field-added]",
            "  RefreshRoomClientToken  response 404: new response status [response-added]",
        ]
    );
    assert!(run.stdout.contains("\nnon-breaking (5):\n"));
    let strict = xtask(&[&args[..], &["--fail-on", "any"]].concat());
    assert_eq!(strict.code, 1);
    assert_eq!(strict.stdout, run.stdout);
}

#[test]
fn breaking_changes_are_each_reported_with_their_location_and_fail_the_run() {
    let run = xtask(&["spec", "diff", &fixture("base"), &fixture("breaking")]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        change_lines(&run.stdout),
        [
            "  CreateRoomClientToken   operation: POST /rooms/{room_id}/actions/generate_join_client_token → POST /rooms/{room_id}/client_tokens [path-changed]",
            "  CreateRoomClientToken   request body.refresh_token_ttl_secs: minimum 60 → 120 (narrowed) [bound-changed]",
            "  CreateRoomClientToken   response 201 body.data.refresh_token: removed [field-removed]",
            "  CreateRoomClientToken   response 201 body.data.refresh_token_expires_at: format date-time → (none): the generated type changes DateTime<Utc> → String [format-changed]",
            "  CreateRoomClientToken   response 403 body: schema component video_Error → Error: the generated Rust type is renamed [schema-renamed]",
            "  RefreshRoomClientToken  security: none → bearerAuth [security-tightened]",
            "  RefreshRoomClientToken  request body.token_ttl_secs: now required [field-required]",
            "  RefreshRoomClientToken  response 201 body.data.token: may now be null [nullable-changed]",
            "  RefreshRoomClientToken  response 403 body: schema component video_Error → Error: the generated Rust type is renamed [schema-renamed]",
        ]
    );
}

#[test]
fn the_same_changes_read_backwards_swap_narrowing_and_widening() {
    let run = xtask(&["spec", "diff", &fixture("non-breaking"), &fixture("base")]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        change_lines(&run.stdout),
        [
            "  CreateRoomClientToken   request body.name: removed [field-removed]",
            "  CreateRoomClientToken   request body.token_ttl_secs: maximum 7200 → 3600 (narrowed) [bound-changed]",
            "  RefreshRoomClientToken  response 201 body.data.room_id: removed [field-removed]",
            "  RefreshRoomClientToken  response 404: no longer documented [response-removed]",
            "  RefreshRoomClientToken  request body.token_ttl_secs: default 900 → 600 [default-changed]",
        ]
    );
}

#[test]
fn a_removed_operation_is_breaking() {
    let run = xtask(&[
        "spec",
        "diff",
        &fixture("base"),
        &fixture("removed-operation"),
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        change_lines(&run.stdout),
        [
            "  RefreshRoomClientToken  operation: POST /rooms/{room_id}/actions/refresh_client_token is gone (removed or renamed upstream) [operation-removed]"
        ]
    );
}

#[test]
fn unusable_inputs_exit_2_with_a_message_saying_why() {
    for (name, message) in [
        (
            "not-openapi",
            "not an OpenAPI 3.0 or 3.1 document: it has no `openapi` version",
        ),
        (
            "dangling-ref",
            "dangling $ref `#/components/schemas/RefreshRequest` at /paths/~1rooms~1{room_id}~1actions~1refresh_client_token/post/requestBody/content/application~1json/schema/$ref",
        ),
        ("not-yaml", "is not valid YAML"),
        ("missing", "cannot read"),
    ] {
        let run = xtask(&["spec", "diff", &fixture("base"), &fixture(name)]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{name}");
        assert!(run.stderr.contains(message), "{name}: {}", run.stderr);
    }
}

#[test]
fn spec_update_refuses_unusable_inputs_before_writing_anything() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace");
    let watched = [
        "openapi/rooms-client-tokens.yaml",
        "openapi/provenance.toml",
        "crates/telnyx-rooms-gen/src/generated.rs",
    ];
    let snapshot = || -> Vec<Vec<u8>> {
        watched
            .iter()
            .map(|path| std::fs::read(root.join(path)).expect("tracked file"))
            .collect()
    };
    let before = snapshot();
    for (args, message) in [
        (
            vec!["--from", &fixture("not-openapi")],
            "not an OpenAPI 3.0 or 3.1 document",
        ),
        (
            vec!["--from", &fixture("removed-operation")],
            "operation `RefreshRoomClientToken` is in scope (openapi/scope.toml) but not in the document",
        ),
        (
            vec!["--from", &fixture("dangling-ref")],
            "dangling $ref `#/components/schemas/RefreshRequest`",
        ),
        (
            vec!["--from", &fixture("base")],
            "this is not the recorded upstream revision",
        ),
        (
            vec!["--from", &fixture("base"), "--commit", "12de4dd0"],
            "--date <DATE>",
        ),
    ] {
        let run = xtask(&[&["spec", "update"][..], &args].concat());
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
    assert!(snapshot() == before, "a refused update wrote files");
}
