//! `cargo xtask spec diff` end to end: real Telnyx history, and a synthetic fixture per class of change.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};

mod regeneration;

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

/// The two client-token operations alone (the workspace's scope is the whole Video API).
const TOKEN_SCOPE: &str = "xtask/tests/fixtures/spec-diff/token-scope.toml";

/// An empty overlays directory: the synthetic fixtures test the rules, whatever corrections the
/// checkout ships in `openapi/overlays/` and whatever its scope grows to.
fn no_overlays() -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-overlays");
    std::fs::create_dir_all(&dir).expect("an empty directory");
    dir.to_str().expect("utf-8 path").to_string()
}

/// `spec diff OLD NEW ARGS…` on synthetic fixtures: the token operations, without overlays.
fn diff(old: &str, new: &str, args: &[&str]) -> Run {
    let overlays = no_overlays();
    let fixed = [
        "spec",
        "diff",
        old,
        new,
        "--scope",
        TOKEN_SCOPE,
        "--overlays",
        &overlays,
    ];
    xtask(&[&fixed[..], args].concat())
}

/// `spec diff OLD NEW` that fails the run (exit 1), and its wire-breaking changes.
fn breaking_diff(old: &str, new: &str) -> (Run, Vec<String>) {
    let run = diff(old, new, &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let breaking = section(&run.stdout, "wire", "breaking");
    (run, breaking)
}

/// `spec diff` of the real history (old and new upstream revisions, token scope) with `args`.
fn real_history_diff(args: &[&str]) -> Run {
    let (old, new) = (old_upstream(), new_upstream());
    xtask(
        &[
            &["spec", "diff", &old, &new, "--scope", TOKEN_SCOPE][..],
            args,
        ]
        .concat(),
    )
}

/// The change lines of one section of a human report (`wire` or `rust`, then the verdict's
/// heading), without the operation column's padding.
fn section(report: &str, axis: &str, heading: &str) -> Vec<String> {
    let mut lines = report
        .lines()
        .skip_while(|line| !line.starts_with(&format!("{axis}: ")));
    let lines = lines
        .by_ref()
        .skip_while(|line| !line.starts_with(&format!("  {heading} (")))
        .skip(1)
        .take_while(|line| line.starts_with("    "));
    lines
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// The facade line of a human report.
fn facade(report: &str) -> &str {
    report
        .lines()
        .find_map(|line| line.strip_prefix("facade (telnyx-rooms): "))
        .expect("a facade line")
}

/// The regeneration section of a human report: its lines, and the report without it.
fn regeneration_section(report: &str) -> (Vec<&str>, String) {
    let start = report
        .find("\nregeneration: ")
        .expect("a regeneration section")
        + 1;
    let end = report[start..]
        .find("\n\n")
        .map_or(report.len(), |at| start + at);
    let rest = format!("{}{}", &report[..start], &report[end + 2..]);
    (report[start..end].lines().collect(), rest)
}

/// The old revision predates the `video_Error` schema that overlay 01 builds on (and what overlays
/// 02 and 04 correct), so those overlays are left out of the comparison, on both sides, and said
/// to be; the new revision takes every overlay.
#[test]
fn real_history_leaves_the_wire_unchanged_and_renames_the_403_type() {
    let (old, new) = (old_upstream(), new_upstream());
    let run = real_history_diff(&[]);
    assert_eq!(run.stderr, "");
    let (regeneration, report) = regeneration_section(&run.stdout);
    assert_eq!(
        regeneration.first(),
        Some(&"regeneration: what `cargo xtask codegen` meets on the new revision")
    );
    assert!(regeneration.contains(&"  overlay 01-forbidden-errors-envelope.yaml is left out of the comparison: it does not \
        apply to the old revision (01-forbidden-errors-envelope.yaml refers to #/components/schemas/video_Error, which that \
        revision does not have)"), "{regeneration:#?}");
    assert_eq!(
        regeneration.last(),
        Some(
            &"  no obstacle found: every overlay applies, and codegen's checks before progenitor pass"
        )
    );
    let rename = "response 403 body: schema component Error → video_Error: the generated Rust type Error is renamed VideoError [schema-renamed]";
    assert_eq!(
        report,
        format!("\
Contract of 2 in-scope operations (CreateRoomClientToken, RefreshRoomClientToken): {old} (OpenAPI 3.0.0) → {new} (OpenAPI 3.1.0)
wire: unchanged; rust: 1 rename

wire: what Telnyx sends or accepts
  breaking (0):
  non-breaking (0):
  cosmetic, no change on the wire (6):
    CreateRoomClientToken   response 201: $ref #/components/responses/CreateRoomClientTokenResponse inlined [ref-inlined]
    CreateRoomClientToken   {rename}
    CreateRoomClientToken   response 403 body.source.parameter: example removed [example-changed]
    RefreshRoomClientToken  response 201: $ref #/components/responses/RefreshRoomClientTokenResponse inlined [ref-inlined]
    RefreshRoomClientToken  {rename}
    RefreshRoomClientToken  response 403 body.source.parameter: example removed [example-changed]

rust: the public API of telnyx-rooms-gen
  breaking (2):
    CreateRoomClientToken   {rename}
    RefreshRoomClientToken  {rename}
  additive (0):

facade (telnyx-rooms): must be adapted: it uses VideoError (crates/telnyx-rooms/src/error.rs); its public API re-exports no generated item, so only its insides change
"
        )
    );
    assert_eq!(
        run.code, 0,
        "the wire contract holds, so the default policy passes"
    );
    for (policy, code) in [("wire", 0), ("rust", 1), ("any", 1)] {
        let run = real_history_diff(&["--fail-on", policy]);
        assert_eq!(run.code, code, "--fail-on {policy}: {}", run.stderr);
    }
}

#[test]
fn real_history_as_json_for_tools() {
    let (old, new) = (old_upstream(), new_upstream());
    let run = real_history_diff(&["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(report["from"], json!({"file": old, "openapi": "3.0.0"}));
    assert_eq!(report["to"], json!({"file": new, "openapi": "3.1.0"}));
    assert_eq!(report["summary"], "wire: unchanged; rust: 1 rename");
    assert_eq!(report["wire"]["breaking"], json!([]));
    assert_eq!(report["wire"]["non_breaking"], json!([]));
    assert_eq!(
        report["wire"]["cosmetic"].as_array().expect("list").len(),
        6
    );
    let rename = |operation: &str| {
        json!({
            "operation": operation,
            "location": "response 403 body",
            "kind": "schema-renamed",
            "detail": "schema component Error → video_Error: the generated Rust type Error is renamed VideoError"
        })
    };
    assert_eq!(
        report["rust"],
        json!({
            "refused": [],
            "breaking": [rename("CreateRoomClientToken"), rename("RefreshRoomClientToken")],
            "additive": []
        })
    );
    assert_eq!(report["regeneration"]["fails"], false);
    assert_eq!(report["regeneration"]["problems"], json!([]));
    // The facade reads the generated error type's fields, so it follows the rename.
    assert_eq!(report["facade"]["touched"], true);
}

/// Under the workspace's scope (the whole Video API) the same history shows what changed for the
/// other operations. The older revision spells `page[number]`, `page[size]` and `filter[…]` out as
/// query parameters; the newer one consolidates them into deepObject parameters, which code
/// generation spells out again (`xtask/src/openapi/deep_object.rs`): the same names and values on
/// the wire, so no change. What did change is `filter[duration_secs]`, once three bounds.
#[test]
fn real_history_of_the_video_api_sees_through_deep_objects() {
    let (old, new) = (old_upstream(), new_upstream());
    let run = xtask(&["spec", "diff", &old, &new]);
    assert_eq!(
        run.code, 1,
        "a wire break fails the default policy: {}",
        run.stderr
    );
    assert!(
        run.stdout
            .starts_with("Contract of 25 in-scope operations (ListRoomCompositions, "),
        "{}",
        run.stdout
    );
    let breaking = section(&run.stdout, "wire", "breaking");
    let non_breaking = section(&run.stdout, "wire", "non-breaking");
    for bound in ["eq", "gte", "lte"] {
        let removed = format!(
            "ListRoomRecordings query parameter filter[duration_secs][{bound}]: removed [parameter-removed]"
        );
        assert!(breaking.contains(&removed), "{breaking:#?}");
    }
    assert!(
        non_breaking.iter().any(|line| line.starts_with(
            "ListRoomRecordings query parameter filter[duration_secs]: new optional parameter"
        )),
        "{non_breaking:#?}"
    );
    for line in breaking.iter().chain(&non_breaking) {
        assert!(
            !line.contains("parameter page") && !line.contains("parameter filter:"),
            "a deepObject consolidation is no wire change: {line}"
        );
    }
}

#[test]
fn the_vendored_subset_has_the_contract_of_the_whole_document_it_was_cut_from() {
    let run = xtask(&[
        "spec",
        "diff",
        "openapi/video-rooms.yaml",
        &new_upstream(),
        "--fail-on",
        "any",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(report["summary"], "wire: unchanged; rust: unchanged");
    assert_eq!(
        report["wire"],
        json!({"breaking": [], "non_breaking": [], "cosmetic": []})
    );
    // Every shipped overlay applies to both, as `cargo xtask codegen --check` proves for the
    // vendored side.
    let shipped =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/overlays"))
            .expect("openapi/overlays")
            .count();
    assert_eq!(
        report["regeneration"]["overlays"]
            .as_array()
            .expect("list")
            .len(),
        shipped
    );
    assert_eq!(report["regeneration"]["fails"], false);
}

#[test]
fn cosmetic_changes_leave_the_wire_unchanged_and_an_inlined_schema_renames_its_type() {
    let (base, cosmetic) = (fixture("base"), fixture("cosmetic"));
    let run = diff(&base, &cosmetic, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("\nwire: unchanged; rust: 1 rename\n"));
    let inlined = "CreateRoomClientToken request body: $ref #/components/schemas/CreateRoomClientTokenRequest inlined: the generated Rust type CreateRoomClientTokenRequest is replaced by one named after its place [ref-inlined]";
    assert_eq!(
        section(&run.stdout, "wire", "cosmetic, no change on the wire"),
        [
            "CreateRoomClientToken operation: summary added [description-changed]",
            "CreateRoomClientToken operation: description changed [description-changed]",
            inlined,
            "CreateRoomClientToken request body.token_ttl_secs: description changed [description-changed]",
            "CreateRoomClientToken request body.token_ttl_secs: example changed [example-changed]",
            "CreateRoomClientToken response 201 body.data.refresh_token: example changed [example-changed]",
            "CreateRoomClientToken response 403: $ref #/components/responses/Forbidden inlined [ref-inlined]",
            "RefreshRoomClientToken request body.refresh_token: example added [example-changed]",
        ]
    );
    assert_eq!(section(&run.stdout, "rust", "breaking"), [inlined]);
    // The facade builds that request type by name, so it has to follow the rename.
    assert_eq!(
        facade(&run.stdout),
        "must be adapted: it uses CreateRoomClientTokenRequest (crates/telnyx-rooms/src/tokens/mod.rs); \
         its public API re-exports no generated item, so only its insides change"
    );
    let strict = diff(&base, &cosmetic, &["--fail-on", "rust"]);
    assert_eq!(strict.code, 1);
}

#[test]
fn non_breaking_changes_pass_every_wire_policy_and_new_fields_break_struct_literals() {
    let (base, non_breaking) = (fixture("base"), fixture("non-breaking"));
    let run = diff(&base, &non_breaking, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        section(&run.stdout, "wire", "non-breaking"),
        [
            "CreateRoomClientToken request body.token_ttl_secs: maximum 3600 → 7200 (widened) [bound-changed]",
            "CreateRoomClientToken request body.name: new optional field: a new public field, so struct literals of the type stop compiling [field-added]",
            "RefreshRoomClientToken request body.token_ttl_secs: default 600 → 900 [default-changed]",
            "RefreshRoomClientToken response 201 body.data.room_id: new optional field: a new public field, so struct literals of the type stop compiling [field-added]",
            "RefreshRoomClientToken response 404: new response status; the generated method's result types stay the same [response-added]",
        ]
    );
    assert!(
        run.stdout
            .contains("\nwire: 5 non-breaking; rust: 2 breaking\n")
    );
    assert_eq!(section(&run.stdout, "rust", "breaking").len(), 2);
    for (policy, code) in [("wire", 0), ("rust", 1), ("any", 1)] {
        let run = diff(&base, &non_breaking, &["--fail-on", policy]);
        assert_eq!(run.code, code, "--fail-on {policy}");
    }
}

#[test]
fn breaking_changes_are_each_reported_with_their_location_and_fail_the_run() {
    let (run, breaking) = breaking_diff(&fixture("base"), &fixture("breaking"));
    assert_eq!(
        breaking,
        [
            "CreateRoomClientToken operation: POST /rooms/{room_id}/actions/generate_join_client_token → POST /rooms/{room_id}/client_tokens (the generated method keeps its name) [path-changed]",
            "CreateRoomClientToken request body.refresh_token_ttl_secs: minimum 60 → 120 (narrowed) [bound-changed]",
            "CreateRoomClientToken response 201 body.data.refresh_token_expires_at: format date-time → (none): the generated type changes DateTime<Utc> → String [format-changed]",
            "RefreshRoomClientToken security: none → bearerAuth [security-tightened]",
            "RefreshRoomClientToken request body.token_ttl_secs: now required: the generated field is no longer an Option [field-required]",
            "RefreshRoomClientToken response 201 body.data.token: may now be null (the generated field is an Option already) [nullable-changed]",
        ]
    );
    // A response that stops promising an optional field carries less: not breaking on the wire.
    assert_eq!(
        section(&run.stdout, "wire", "non-breaking"),
        [
            "CreateRoomClientToken response 201 body.data.refresh_token: removed, and its generated field [field-removed]"
        ]
    );
    assert!(
        run.stdout
            .contains("\nwire: 6 breaking, 1 non-breaking; rust: 1 rename, 3 breaking\n")
    );
}

#[test]
fn the_same_changes_read_backwards_swap_narrowing_and_widening() {
    let (run, breaking) = breaking_diff(&fixture("non-breaking"), &fixture("base"));
    assert_eq!(
        breaking,
        [
            "CreateRoomClientToken request body.name: removed, and its generated field [field-removed]",
            "CreateRoomClientToken request body.token_ttl_secs: maximum 7200 → 3600 (narrowed) [bound-changed]",
        ]
    );
    assert_eq!(
        section(&run.stdout, "wire", "non-breaking"),
        [
            "RefreshRoomClientToken request body.token_ttl_secs: default 900 → 600 [default-changed]",
            "RefreshRoomClientToken response 201 body.data.room_id: removed, and its generated field [field-removed]",
            "RefreshRoomClientToken response 404: no longer documented; the generated method's result types stay the same [response-removed]",
        ]
    );
}

#[test]
fn a_removed_operation_is_breaking() {
    let (run, breaking) = breaking_diff(&fixture("base"), &fixture("removed-operation"));
    let gone = "RefreshRoomClientToken operation: POST /rooms/{room_id}/actions/refresh_client_token is gone (removed or moved upstream), and its generated method [operation-removed]";
    assert_eq!(breaking, [gone]);
    assert_eq!(section(&run.stdout, "rust", "breaking"), [gone]);
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
        let run = diff(&fixture("base"), &fixture(name), &[]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{name}");
        assert!(run.stderr.contains(message), "{name}: {}", run.stderr);
    }
    let base = fixture("base");
    let run = xtask(&["spec", "diff", &base, &base, "--overlays", "no/such/dir"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the overlays directory no/such/dir does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn spec_update_refuses_unusable_inputs_before_writing_anything() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace");
    let watched = [
        "openapi/video-rooms.yaml",
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
        // These two hold the token operations only, so the Video tags of openapi/scope.toml are
        // missing before their own defect (a dangling $ref, an unrecorded revision) is reached;
        // `spec::update` and `spec::subset` unit tests cover those checks.
        (
            vec!["--from", &fixture("dangling-ref")],
            "tag `Rooms` is in scope (openapi/scope.toml) but no operation in the document has it",
        ),
        (
            vec!["--from", &fixture("base")],
            "tag `Rooms` is in scope (openapi/scope.toml) but no operation in the document has it",
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
