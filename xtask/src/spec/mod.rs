//! `cargo xtask spec …`: pull a new upstream revision in (`update`) and tell what it changes (`diff`).

pub(crate) mod diff;
pub(crate) mod scope;
pub mod subset;
pub mod update;
mod verbatim;

use std::process::ExitCode;

use crate::paths::Workspace;

/// The scope file, relative to the workspace root.
pub const SCOPE_FILE: &str = "openapi/scope.toml";

/// `cargo xtask spec` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SpecCommand {
    /// Rewrite the vendored subset from a whole upstream `spec3.yml`, record its provenance and
    /// regenerate the code.
    Update(update::UpdateArgs),
    /// Compare the in-scope operations' contracts between two revisions and classify each change.
    ///
    /// Exit status: 0 when nothing fails the `--fail-on` policy, 1 when something does, 2 on error.
    Diff(diff::DiffArgs),
}

/// Runs a `spec` subcommand in `workspace`.
///
/// Errors are printed here and turned into exit status 2, so CI can tell "the contract moved"
/// (status 1 from `diff`) from "the tool could not tell".
pub fn run(workspace: &Workspace, command: SpecCommand) -> ExitCode {
    let outcome = match command {
        SpecCommand::Update(args) => update::run(workspace, &args).map(|()| ExitCode::SUCCESS),
        SpecCommand::Diff(args) => diff::run(workspace.root(), &args),
    };
    outcome.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::from(2)
    })
}

/// A spec that cannot be used, said in terms a maintainer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// The file parses as YAML but is not an OpenAPI 3.0/3.1 document.
    #[error("not an OpenAPI 3.0 or 3.1 document: {0}")]
    NotOpenApi(String),
    /// An operationId listed in the scope file is not in the document.
    #[error(
        "operation `{0}` is in scope ({SCOPE_FILE}) but not in the document: upstream renamed or \
         removed it; if that is intended, change {SCOPE_FILE}"
    )]
    MissingOperation(String),
    /// A tag listed in the scope file is carried by no operation of the document.
    #[error("tag `{0}` is in scope ({SCOPE_FILE}) but no operation in the document has it")]
    MissingTag(String),
    /// A `$ref` points at nothing.
    #[error("dangling $ref `{reference}` at {at}: the document has nothing there")]
    DanglingRef {
        /// The reference as written.
        reference: String,
        /// JSON pointer of the `$ref` in the document.
        at: String,
    },
    /// A `$ref` this tool cannot follow (another file, or outside `#/components/…`).
    #[error(
        "unsupported $ref `{reference}` at {at}: only references into #/components/<section>/<name> \
         of the same document are supported"
    )]
    UnsupportedRef {
        /// The reference as written.
        reference: String,
        /// JSON pointer of the `$ref` in the document.
        at: String,
    },
    /// A security requirement names a scheme that `components.securitySchemes` lacks.
    #[error(
        "security scheme `{name}` required at {at} is not defined in components.securitySchemes"
    )]
    MissingSecurityScheme {
        /// The scheme name.
        name: String,
        /// JSON pointer of the security requirement list.
        at: String,
    },
}
