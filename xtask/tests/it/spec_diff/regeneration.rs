//! What taking a revision in would meet, and the verdicts that model what the generated client
//! does, end to end: an overlay the new revision cannot take, a shape codegen refuses, a response
//! media type narrowed, an operationId renamed in place.

use std::path::Path;

use serde_json::{Value, json};

use super::{Run, breaking_diff, diff, facade, fixture, old_upstream, section, xtask};

/// The base fixture with `from` replaced by `to` (once), written to a file named `name`.
fn edited_base(name: &str, from: &str, to: &str) -> String {
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spec-diff/base.yaml"),
    )
    .expect("the base fixture");
    assert!(base.contains(from), "{from} is not in base.yaml");
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, base.replacen(from, to, 1)).expect("written");
    path.to_str().expect("utf-8 path").to_string()
}

/// `spec diff` from the base fixture to `edited`, which passes (exit 0): the wire holds.
fn wire_holds(edited: &str) -> Run {
    let run = diff(&fixture("base"), edited, &[]);
    assert_eq!(run.code, 0, "the wire holds: {}{}", run.stdout, run.stderr);
    run
}

/// Taking in a revision from before the `video_Error` schema existed: overlay 01 refers to it, so
/// regeneration would fail; the report, its summary (a pull request's title) and `--fail-on rust`
/// say so, and the JSON and the drift workflow's pull request body name the overlay.
#[test]
fn an_overlay_the_new_revision_cannot_take_fails_regeneration_and_is_named() {
    // Whatever else the scope and the overlays hold, overlay 01 is among what fails.
    let old = "openapi/video-rooms.yaml";
    let stale = "regeneration will fail: overlay 01-forbidden-errors-envelope.yaml refers to \
                 #/components/schemas/video_Error, which the new revision no longer has";
    let run = xtask(&["spec", "diff", old, &old_upstream()]);
    assert!(run.code < 2, "a verdict: {}{}", run.stdout, run.stderr);
    let summary = run.stdout.lines().nth(1).expect("a summary line");
    assert!(summary.ends_with("; regeneration will fail"), "{summary}");
    assert!(
        run.stdout.contains(&format!("\n    {stale}\n")),
        "{}",
        run.stdout
    );
    let strict = xtask(&["spec", "diff", old, &old_upstream(), "--fail-on", "rust"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    let json = xtask(&["spec", "diff", old, &old_upstream(), "--format", "json"]);
    let report: Value = serde_json::from_str(&json.stdout).expect("one JSON document");
    assert_eq!(report["regeneration"]["fails"], true);
    let problems = report["regeneration"]["problems"]
        .as_array()
        .expect("a list");
    assert!(
        problems.contains(&json!({
            "kind": "overlay-stale",
            "overlay": "01-forbidden-errors-envelope.yaml",
            "operation": null,
            "detail": stale
        })),
        "{problems:?}"
    );
    // The drift workflow's pull request body names the overlay to fix.
    let body = xtask(&["spec", "diff", old, &old_upstream(), "--format", "markdown"]);
    assert!(body.code < 2, "{}", body.stderr);
    assert!(
        body.stdout.starts_with(&format!("**{summary}**\n")),
        "{}",
        body.stdout
    );
    let fix = body
        .stdout
        .lines()
        .find(|line| line.starts_with("- **regeneration** will fail: fix "))
        .expect("a line naming the overlays to fix");
    assert!(
        fix.contains("`01-forbidden-errors-envelope.yaml`")
            && fix.ends_with(" in `openapi/overlays/`."),
        "{fix}"
    );
    let block = body
        .stdout
        .split("**Regeneration will fail; fix this before merging:**\n\n```text\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```\n").next())
        .expect("the problems in a code block");
    assert!(block.lines().any(|line| line == stale), "{block}");
}

/// The 201's only media type narrowed from JSON: an old client asks for JSON and decodes nothing
/// else (wire breaking), the generated method returns bytes instead (Rust breaking), and the
/// facade line names that method rather than saying the generated API is untouched.
#[test]
fn a_narrowed_response_media_type_breaks_the_wire_and_the_facade_line_agrees() {
    let narrowed = edited_base(
        "narrowed-media.yaml",
        "        '201':\n          content:\n            application/json:",
        "        '201':\n          content:\n            application/vnd.api+json:",
    );
    let (run, breaking) = breaking_diff(&fixture("base"), &narrowed);
    let removed = "CreateRoomClientToken response 201 body: application/json no longer offered: a client asks \
                   for JSON and decodes nothing else; the generated method now returns this response as a byte \
                   stream instead of CreateRoomClientTokenResponse [media-type-removed]";
    assert_eq!(breaking, [removed]);
    assert_eq!(section(&run.stdout, "rust", "breaking"), [removed]);
    // Wherever the facade calls the method from, the line names it.
    let facade = facade(&run.stdout);
    assert!(
        facade.starts_with(
            "must be adapted: it uses create_room_client_token (crates/telnyx-rooms/src/"
        ),
        "{facade}"
    );
}

/// A 404 without a body beside the 403's typed one: progenitor cannot give the method two error
/// types, so the report says codegen will refuse the operation instead of a bare "breaking".
#[test]
fn a_shape_codegen_refuses_is_reported_as_such() {
    let refused = edited_base(
        "bodiless-404.yaml",
        "        '403':\n          $ref: '#/components/responses/Forbidden'\n      security: []\n",
        "        '403':\n          $ref: '#/components/responses/Forbidden'\n        '404':\n          description: Room not found.\n      security: []\n",
    );
    let run = wire_holds(&refused);
    assert!(
        run.stdout.contains(
            "\nwire: 1 non-breaking; rust: 1 operation refused by codegen; regeneration will fail\n"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        section(&run.stdout, "rust", "codegen will refuse"),
        [
            "RefreshRoomClientToken response 404: new response status; codegen will refuse: its error responses would have different body types [response-added]"
        ]
    );
    assert!(run.stdout.contains(
        "\n    codegen will refuse: POST /rooms/{room_id}/actions/refresh_client_token (RefreshRoomClientToken): \
         its error responses (403, 404) have 2 different body types;"
    ), "{}", run.stdout);
    let strict = diff(&fixture("base"), &refused, &["--fail-on", "rust"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
}

/// An operationId renamed at the same method and path is the same operation (the scope still
/// names the old operationId): nothing on the wire, a rename in Rust; and `spec update` would
/// refuse the revision until the scope file names the new operationId, which the report says.
#[test]
fn a_renamed_operation_id_is_matched_by_method_and_path() {
    let renamed = edited_base(
        "renamed-operation.yaml",
        "operationId: CreateRoomClientToken\n",
        "operationId: CreateClientToken\n",
    );
    let run = wire_holds(&renamed);
    assert!(
        run.stdout
            .contains("\nwire: unchanged; rust: 1 rename; regeneration will fail\n"),
        "{}",
        run.stdout
    );
    let renamed = "CreateClientToken operation: operationId CreateRoomClientToken → CreateClientToken: the \
                   generated method create_room_client_token is renamed create_client_token, with the types \
                   named after the operation [operation-renamed]";
    assert_eq!(section(&run.stdout, "rust", "breaking"), [renamed]);
    assert!(
        run.stdout.contains(
            "\n    spec update will refuse it: operation `CreateRoomClientToken` is in scope \
             (openapi/scope.toml) but not in the document: upstream renamed or removed it; if that is \
             intended, change openapi/scope.toml (POST /rooms/{room_id}/actions/generate_join_client_token \
             is now `CreateClientToken`)\n"
        ),
        "{}",
        run.stdout
    );
}
