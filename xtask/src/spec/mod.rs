//! `cargo xtask spec …`: pull a new upstream revision in (`update`), tell what it changes (`diff`),
//! and show the vendored spec as corrected (`overlaid`).

pub(crate) mod diff;
pub(crate) mod scope;
pub(crate) mod subset;
pub(crate) mod update;

use std::process::ExitCode;

use crate::paths::Workspace;

/// `cargo xtask spec` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum SpecCommand {
    /// Rewrite the vendored subset from a whole upstream `spec3.yml`, record its provenance and
    /// regenerate the code.
    Update(update::UpdateArgs),
    /// Compare the in-scope operations' contracts between two revisions and classify each change.
    ///
    /// Exit status: 0 when nothing fails the `--fail-on` policy, 1 when something does, 2 on error.
    Diff(diff::DiffArgs),
    /// Print the vendored spec with the overlays applied (OpenAPI 3.1 as vendored, as JSON): what
    /// third-party tools (Prism) should check the API against. Nothing else is converted.
    Overlaid,
}

/// Runs a `spec` subcommand in `workspace`.
///
/// Errors are printed here and turned into exit status 2, so CI can tell "the contract moved"
/// (status 1 from `diff`) from "the tool could not tell".
pub(crate) fn run(workspace: &Workspace, command: SpecCommand) -> ExitCode {
    let outcome = match command {
        SpecCommand::Update(args) => update::run(workspace, &args).map(|()| ExitCode::SUCCESS),
        SpecCommand::Diff(args) => diff::run(workspace.root(), &args),
        SpecCommand::Overlaid => overlaid(workspace).map(|text| {
            println!("{text}");
            ExitCode::SUCCESS
        }),
    };
    outcome.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::from(2)
    })
}

/// The vendored spec with every overlay applied, as JSON text: the one implementation of the
/// overlays, shared by code generation and the conformance checks.
fn overlaid(workspace: &Workspace) -> anyhow::Result<String> {
    let inputs = crate::codegen::Inputs::read(workspace)?;
    let mut doc = inputs.spec.doc;
    for overlay in &inputs.overlays {
        overlay.apply(&mut doc)?;
    }
    Ok(serde_json::to_string(&doc)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Prism checks the mock against has the overlays' corrections in it.
    #[test]
    fn the_overlaid_spec_has_the_corrections() {
        let text = overlaid(&Workspace::of_tests()).expect("overlays apply");
        let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(doc["openapi"], "3.1.0", "nothing converted");
        let forbidden = &doc["components"]["responses"]["Forbidden"]["content"]["application/json"];
        assert_eq!(
            forbidden["schema"]["$ref"],
            "#/components/schemas/video_Errors"
        );
        let end = &doc["paths"]["/room_sessions/{room_session_id}/actions/end"]["post"];
        assert!(end.get("security").is_none(), "{end}");
        let create = &doc["paths"]["/rooms"]["post"]["responses"];
        for status in ["400", "401", "422"] {
            assert!(create.get(status).is_some(), "{status}: {create}");
        }
        // Still the consolidated parameter as upstream writes it: Prism reads deepObject itself.
        assert!(text.contains("\"style\":\"deepObject\""));
    }
}
