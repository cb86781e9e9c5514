//! `cargo xtask spec diff OLD NEW`: what changed in the in-scope operations' contracts, judged on
//! two axes: the wire (what Telnyx sends or accepts) and the Rust API of the generated crate.
//!
//! Layout: [`contract`] reads a revision; [`differ`] walks two of them side by side, with the rules
//! in [`operation`] (servers, security, parameters, bodies, responses), [`schema`], [`properties`]
//! and [`bounds`], and [`rust_type`] modelling the generator's type choices; [`change`] is what a
//! rule records; [`facade`] says whether the facade crate is touched; [`report`] renders it all.

mod bounds;
mod change;
mod contract;
mod differ;
mod facade;
mod operation;
mod properties;
mod report;
mod rust_type;
mod schema;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use self::change::{Change, Rust, Wire};
use self::contract::Contract;
use self::differ::Differ;
use self::report::Format;
use crate::spec::scope::Scope;

/// Arguments of `cargo xtask spec diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct DiffArgs {
    /// The older revision: a whole upstream document or a vendored subset (OpenAPI 3.0 or 3.1).
    pub(crate) old: PathBuf,
    /// The newer revision.
    pub(crate) new: PathBuf,
    /// Output for people (`human`) or tools (`json`).
    #[arg(long, value_enum, default_value = "human")]
    pub(crate) format: Format,
    /// Exit with status 1 when the wire contract breaks (`wire`), when the generated Rust API
    /// breaks (`rust`), or when either does (`any`).
    #[arg(long, value_enum, default_value = "wire")]
    pub(crate) fail_on: FailOn,
    /// The scope file naming the operations to compare.
    #[arg(long, default_value = crate::spec::scope::SCOPE_FILE)]
    pub(crate) scope: PathBuf,
}

/// Which breakage makes `spec diff` exit with status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FailOn {
    /// What Telnyx sends or accepts breaks existing clients.
    Wire,
    /// The public API of the generated crate breaks.
    Rust,
    /// Either.
    Any,
}

impl FailOn {
    fn fails(self, change: &Change) -> bool {
        let wire = change.wire == Wire::Breaking;
        let rust = change.rust == Rust::Breaking;
        match self {
            FailOn::Wire => wire,
            FailOn::Rust => rust,
            FailOn::Any => wire || rust,
        }
    }
}

/// Runs `spec diff`, printing the report; the exit code follows `--fail-on`.
pub(crate) fn run(root: &Path, args: &DiffArgs) -> Result<ExitCode> {
    let scope_path = if args.scope.is_relative() && !args.scope.exists() {
        root.join(&args.scope)
    } else {
        args.scope.clone()
    };
    let scope = Scope::read(&scope_path)?;
    let old = Contract::read(&args.old, &scope)?;
    let new = Contract::read(&args.new, &scope)?;
    let changes = compare(&old, &new)?;
    let facade = facade::impact(root, &changes)?;
    let revisions = report::Revisions {
        old: (&args.old, &old),
        new: (&args.new, &new),
    };
    print!(
        "{}",
        report::render(args.format, &revisions, &changes, &facade)?
    );
    let fails = changes.iter().any(|change| args.fail_on.fails(change));
    Ok(if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Every difference between two contracts, judged, in document order of the operations.
pub(crate) fn compare(old: &Contract, new: &Contract) -> Result<Vec<Change>> {
    let mut differ = Differ::new(old, new);
    differ.document();
    for op in &old.operations {
        differ.operation = op.id.clone();
        match new
            .operations
            .iter()
            .find(|candidate| candidate.id == op.id)
        {
            Some(new_op) => differ.operation_pair(op, new_op)?,
            None => {
                let detail = format!(
                    "{} {} is gone (removed or renamed upstream), and its generated method",
                    op.method.to_uppercase(),
                    op.path
                );
                let verdict = (Wire::Breaking, Rust::Breaking);
                differ.push_signature(verdict, "operation", "operation-removed", detail);
            }
        }
    }
    for op in &new.operations {
        if !old.operations.iter().any(|candidate| candidate.id == op.id) {
            differ.operation = op.id.clone();
            let method = op.method.to_uppercase();
            let detail = format!(
                "new operation {method} {} (a new generated method)",
                op.path
            );
            let verdict = (Wire::NonBreaking, Rust::Additive);
            differ.push(verdict, "operation", "operation-added", detail);
        }
    }
    let order: Vec<&str> = old
        .operations
        .iter()
        .chain(&new.operations)
        .map(|op| op.id.as_str())
        .collect();
    let rank = |change: &Change| order.iter().position(|id| *id == change.operation);
    let mut changes = differ.changes;
    changes.sort_by_key(|change| rank(change));
    Ok(changes)
}
