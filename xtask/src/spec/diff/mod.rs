//! `cargo xtask spec diff OLD NEW`: what changed in the in-scope operations' contracts, judged on
//! two axes: the wire (what Telnyx sends or accepts) and the Rust API of the generated crate.
//!
//! Layout: [`contract`] reads two revisions and pairs their operations; [`regeneration`] applies
//! the overlays to both and says what `cargo xtask codegen` would meet on the newer; [`differ`]
//! walks the pair side by side, with the rules in [`operation`] (servers, security, parameters,
//! bodies), [`responses`] (statuses and media types, judged by what the generated method
//! matches and returns), [`schema`], [`properties`] and [`bounds`], and [`rust_type`] modelling
//! the generator's type choices; [`change`] is what a rule records; [`facade`] says whether the
//! facade crate is touched; [`report`] renders it all.

mod bounds;
mod change;
mod contract;
mod differ;
mod facade;
mod operation;
mod properties;
mod regeneration;
mod report;
mod responses;
mod rust_type;
mod schema;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use heck::ToSnakeCase;

use self::change::{Change, Rust, Wire};
use self::contract::{Contract, Pair, Setup};
use self::differ::Differ;
use self::regeneration::Regeneration;
use self::report::Format;
use crate::openapi::overlay;
use crate::spec::scope::{Scope, SelectedOperation};

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
    /// The scope file naming the operations to compare. The overlays are applied, and
    /// regeneration is checked, on what the checkout's `openapi/scope.toml` covers besides.
    #[arg(long, default_value = crate::spec::scope::SCOPE_FILE)]
    pub(crate) scope: PathBuf,
    /// The overlays applied to both revisions before comparing them, in file-name order, as
    /// `cargo xtask codegen` applies them.
    #[arg(long, default_value = OVERLAYS_DIR)]
    pub(crate) overlays: PathBuf,
}

/// The overlays directory, relative to the workspace root.
const OVERLAYS_DIR: &str = "openapi/overlays";

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
    /// Whether the diff fails the policy; regeneration failing breaks the Rust API.
    fn fails(self, changes: &[Change], regeneration: &Regeneration) -> bool {
        let wire = changes.iter().any(|change| change.wire == Wire::Breaking);
        let rust = regeneration.fails()
            || changes
                .iter()
                .any(|change| matches!(change.rust, Rust::Breaking | Rust::Refused));
        match self {
            FailOn::Wire => wire,
            FailOn::Rust => rust,
            FailOn::Any => wire || rust,
        }
    }
}

/// `path` as given, or under the workspace root when it is relative and not found as given.
fn in_workspace(root: &Path, path: &Path) -> PathBuf {
    if path.is_relative() && !path.exists() {
        root.join(path)
    } else {
        path.to_path_buf()
    }
}

/// Runs `spec diff`, printing the report; the exit code follows `--fail-on`.
pub(crate) fn run(root: &Path, args: &DiffArgs) -> Result<ExitCode> {
    let scope = Scope::read(&in_workspace(root, &args.scope))?;
    let overlays_dir = in_workspace(root, &args.overlays);
    if !overlays_dir.is_dir() && args.overlays != Path::new(OVERLAYS_DIR) {
        anyhow::bail!(
            "the overlays directory {} does not exist",
            args.overlays.display()
        );
    }
    let overlays = overlay::read_dir(&overlays_dir)?;
    let workspace_scope = root.join(crate::spec::scope::SCOPE_FILE);
    let generated = match workspace_scope.is_file() {
        true => Scope::read(&workspace_scope)?,
        false => scope.clone(),
    };
    let setup = Setup {
        scope: &scope,
        generated: &generated,
        overlays: &overlays,
    };
    let pair = Pair::read(&args.old, &args.new, setup)?;
    let changes = judge(&pair)?;
    let facade = facade::impact(root, &changes)?;
    let revisions = report::Revisions {
        old: (&args.old, &pair.old),
        new: (&args.new, &pair.new),
        regeneration: &pair.regeneration,
    };
    print!(
        "{}",
        report::render(args.format, &revisions, &changes, &facade)?
    );
    Ok(if args.fail_on.fails(&changes, &pair.regeneration) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Every difference between the two contracts of `pair`, judged; a Rust-visible or wire change
/// of an operation codegen will refuse in the newer revision is [`Rust::Refused`].
pub(crate) fn judge(pair: &Pair) -> Result<Vec<Change>> {
    let mut changes = compare(&pair.old, &pair.new)?;
    let refused = pair.regeneration.refused_operations();
    for change in &mut changes {
        let visible = change.rust != Rust::None || change.wire != Wire::None;
        if visible && refused.contains(change.operation.as_str()) {
            change.rust = Rust::Refused;
            if change.types.is_empty() {
                change.types.push(change.operation.to_snake_case());
            }
        }
    }
    Ok(changes)
}

/// How an operation of one revision corresponds to the other's.
enum Pairing<'a> {
    /// The same operation: the same operationId, or else the same method and path.
    Both(&'a SelectedOperation, &'a SelectedOperation),
    Removed(&'a SelectedOperation),
    Added(&'a SelectedOperation),
}

/// The operations of both revisions, paired by operationId, then by method and path.
fn pairings<'a>(old: &'a Contract, new: &'a Contract) -> Vec<Pairing<'a>> {
    let mut unmatched: Vec<&SelectedOperation> = new.operations.iter().collect();
    let mut take = |found: &dyn Fn(&SelectedOperation) -> bool| {
        let at = unmatched.iter().position(|op| found(op))?;
        Some(unmatched.remove(at))
    };
    let by_id: Vec<Option<&SelectedOperation>> = old
        .operations
        .iter()
        .map(|op| take(&|new_op: &SelectedOperation| new_op.id == op.id))
        .collect();
    let mut out: Vec<Pairing<'a>> = Vec::new();
    for (op, matched) in old.operations.iter().zip(by_id) {
        let same_place =
            |new_op: &SelectedOperation| new_op.method == op.method && new_op.path == op.path;
        out.push(match matched.or_else(|| take(&same_place)) {
            Some(new_op) => Pairing::Both(op, new_op),
            None => Pairing::Removed(op),
        });
    }
    out.extend(unmatched.into_iter().map(Pairing::Added));
    out
}

/// Every difference between two contracts, judged, in document order of the operations (an
/// operation present in both is named by its newer operationId).
pub(crate) fn compare(old: &Contract, new: &Contract) -> Result<Vec<Change>> {
    let mut differ = Differ::new(old, new);
    differ.document();
    let mut order: Vec<String> = Vec::new();
    for pairing in pairings(old, new) {
        match pairing {
            Pairing::Both(old_op, new_op) => {
                differ.operation = new_op.id.clone();
                differ.operation_pair(old_op, new_op)?;
            }
            Pairing::Removed(op) => {
                differ.operation = op.id.clone();
                let detail = format!(
                    "{} {} is gone (removed or moved upstream), and its generated method",
                    op.method.to_uppercase(),
                    op.path
                );
                let verdict = (Wire::Breaking, Rust::Breaking);
                differ.push_signature(verdict, "operation", "operation-removed", detail);
            }
            Pairing::Added(op) => {
                differ.operation = op.id.clone();
                let method = op.method.to_uppercase();
                let detail = format!(
                    "new operation {method} {} (a new generated method)",
                    op.path
                );
                let verdict = (Wire::NonBreaking, Rust::Additive);
                differ.push_signature(verdict, "operation", "operation-added", detail);
            }
        }
        order.push(differ.operation.clone());
    }
    let rank = |change: &Change| order.iter().position(|id| *id == change.operation);
    let mut changes = differ.changes;
    changes.sort_by_key(|change| rank(change));
    Ok(changes)
}
