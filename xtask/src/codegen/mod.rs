//! `cargo xtask codegen [--check]`: vendored spec → overlays → 3.0 → pre-check → progenitor → file.

//!
//! Stages: [`inputs`] reads the spec, overlays and provenance; [`mod@render`] runs the pipeline, with
//! [`metadata`] extracting per-operation facts, [`agree`] checking them against the generated
//! methods, [`emit`] writing the header, provenance and metadata tables, and [`mod@lighten`]
//! removing per-request work the operations never need; this module compares or writes the result.

mod agree;
pub(crate) mod emit;
#[cfg(test)]
mod fidelity;
mod inputs;
mod lighten;
pub(crate) mod metadata;
mod render;

use anyhow::{Context, Result, bail};

pub(crate) use self::inputs::Inputs;
pub(crate) use self::render::render;
use crate::paths::Workspace;

/// What `run` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Everything matches.
    UpToDate,
    /// The file was (re)written.
    Written,
}

/// `cargo xtask codegen [--check]`.
pub(crate) fn run(workspace: &Workspace, check: bool) -> Result<Outcome> {
    let inputs = Inputs::read(workspace)?;
    let target = workspace.generated();
    let rendered = render(&inputs)?;
    let committed = std::fs::read_to_string(&target).unwrap_or_default();
    let spec_sha = inputs.spec.sha256();
    let spec_recorded = inputs.provenance.vendored.sha256 == spec_sha;

    if check {
        let mut failures = Vec::new();
        if !spec_recorded {
            failures.push(format!(
                "{} does not match its recorded checksum in openapi/provenance.toml \
                 (file sha256 {spec_sha}, recorded {}): it was edited by hand. To take a new upstream \
                 revision run `cargo xtask spec update --from PATH`; to correct the spec, add an overlay in \
                 openapi/overlays/ and restore the file; to keep a hand edit anyway, run `cargo xtask codegen`, \
                 which records the new checksum.",
                inputs.spec_name, inputs.provenance.vendored.sha256
            ));
        }
        if committed != rendered {
            println!(
                "{}",
                unified_diff(&committed, &rendered, &workspace.relative(&target))
            );
            failures.push(format!(
                "{} is out of date with the spec: run `cargo xtask codegen` and commit the result.",
                workspace.relative(&target)
            ));
        }
        if failures.is_empty() {
            return Ok(Outcome::UpToDate);
        }
        bail!("{}", failures.join("\n"));
    }

    let mut outcome = Outcome::UpToDate;
    if !spec_recorded {
        let mut provenance = inputs.provenance.clone();
        provenance.vendored.sha256 = spec_sha;
        provenance.write(&workspace.provenance())?;
        eprintln!(
            "note: {} was edited since its provenance was recorded; recorded its new sha256 in \
             openapi/provenance.toml (prefer overlays for corrections).",
            inputs.spec_name
        );
        outcome = Outcome::Written;
    }
    if committed != rendered {
        std::fs::write(&target, &rendered)
            .with_context(|| format!("cannot write {}", target.display()))?;
        outcome = Outcome::Written;
    }
    Ok(outcome)
}

/// A unified diff of `old` → `new`, for people.
pub(crate) fn unified_diff(old: &str, new: &str, name: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{name} (committed)"),
            &format!("b/{name} (regenerated)"),
        )
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render::render_spec_text;
    use super::*;

    fn workspace_inputs() -> Inputs {
        Inputs::read(&Workspace::of_tests()).expect("the workspace's inputs")
    }

    fn vendored_text() -> String {
        String::from_utf8(workspace_inputs().spec.bytes).expect("utf-8 spec")
    }

    /// The vendored spec with a new property of the create response, written the 3.1 way.
    fn spec_with_nickname() -> String {
        let spec = vendored_text();
        let anchor = "                      refresh_token_expires_at:\n";
        assert!(
            spec.contains(anchor),
            "the vendored spec changed shape; update this test"
        );
        spec.replacen(
            anchor,
            "                      nickname:\n                        type: [string, \"null\"]\n                        description: A display name.\n                      refresh_token_expires_at:\n",
            1,
        )
    }

    #[test]
    fn generation_is_deterministic() {
        let inputs = workspace_inputs();
        let first = render(&inputs).expect("renders");
        let second = render(&inputs).expect("renders again");
        assert_eq!(first, second);
    }

    #[test]
    fn the_committed_file_is_what_generation_produces() {
        let committed =
            std::fs::read_to_string(Workspace::of_tests().generated()).expect("committed file");
        assert!(
            committed == render(&workspace_inputs()).expect("renders"),
            "crates/telnyx-rooms-gen/src/generated.rs is stale: run `cargo xtask codegen`"
        );
    }

    #[test]
    fn the_header_names_the_command_the_spec_and_its_checksum() {
        let inputs = workspace_inputs();
        let rendered = render(&inputs).expect("renders");
        let header: String = rendered.lines().take(6).collect::<Vec<_>>().join("\n");
        assert!(header.contains("cargo xtask codegen"), "{header}");
        assert!(header.contains("DO NOT EDIT"), "{header}");
        assert!(header.contains("openapi/video-rooms.yaml"), "{header}");
        assert!(header.contains(&inputs.spec.sha256()), "{header}");
        assert!(
            header.contains("01-forbidden-errors-envelope.yaml"),
            "{header}"
        );
    }

    #[test]
    fn a_new_nullable_property_shows_up_in_the_diff() {
        let inputs = workspace_inputs();
        let before = render(&inputs).expect("renders");
        let after =
            render_spec_text(&spec_with_nickname(), &inputs).expect("renders the changed spec");
        let diff = unified_diff(&before, &after, "generated.rs");
        let added: Vec<&str> = diff.lines().filter(|l| l.starts_with('+')).collect();
        assert!(
            added
                .iter()
                .any(|l| l.contains("pub nickname: ::std::option::Option<::std::string::String>")),
            "{diff}"
        );
    }

    #[test]
    fn check_fails_on_a_hand_edit_with_a_diff_and_codegen_records_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let real = Workspace::of_tests();
        let copy = Workspace::at(dir.path());
        for path in [real.spec(), real.provenance(), real.generated()] {
            let to = dir.path().join(real.relative(&path));
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(&path, &to).expect("copy");
        }
        let overlays = copy.overlays();
        std::fs::create_dir_all(&overlays).expect("mkdir");
        for entry in std::fs::read_dir(real.overlays()).expect("overlays") {
            let path = entry.expect("entry").path();
            std::fs::copy(&path, overlays.join(path.file_name().expect("name"))).expect("copy");
        }
        assert_eq!(
            run(&copy, true).expect("a clean copy passes"),
            Outcome::UpToDate
        );

        std::fs::write(copy.spec(), spec_with_nickname()).expect("edit spec");
        let err = run(&copy, true).expect_err("the edit is drift");
        let message = format!("{err:#}");
        assert!(
            message.contains("does not match its recorded checksum"),
            "{message}"
        );
        assert!(message.contains("out of date"), "{message}");

        assert_eq!(run(&copy, false).expect("regenerates"), Outcome::Written);
        let generated = std::fs::read_to_string(copy.generated()).expect("generated");
        assert!(generated.contains("pub nickname:"));
        assert_eq!(
            run(&copy, true).expect("recorded and regenerated"),
            Outcome::UpToDate
        );
    }

    /// What rendering the vendored spec with its first `from` replaced by `to` fails with.
    fn refusal(from: &str, to: &str) -> String {
        let spec = vendored_text().replacen(from, to, 1);
        let err = render_spec_text(&spec, &workspace_inputs()).expect_err("codegen refuses it");
        format!("{err:#}")
    }

    #[test]
    fn two_success_body_types_are_an_error_not_a_panic() {
        let message = refusal(
            "        '403':\n",
            "        '200':\n          content:\n            application/json:\n              schema:\n                type: string\n          description: Other.\n        '403':\n",
        );
        assert!(message.contains("(CreateRoomClientToken)"), "{message}");
        assert!(
            message.contains("success responses (201, 200)"),
            "{message}"
        );
    }

    #[test]
    fn an_unconvertible_type_names_its_pointer() {
        let message = refusal(
            "          type: integer\n",
            "          type: [integer, string]\n",
        );
        assert!(
            message.contains(
                "/components/parameters/video_PageConsolidated/schema/properties/number/type"
            ),
            "{message}"
        );
    }
}
