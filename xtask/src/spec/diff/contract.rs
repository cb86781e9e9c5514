//! Two revisions' contracts for the in-scope operations: the subsets, with the overlays applied
//! and normalised as the generator sees them.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use super::regeneration::{self, Regeneration};
use crate::openapi::file::SpecFile;
use crate::openapi::overlay::Overlay;
use crate::openapi::walk::follow_refs;
use crate::spec::scope::{Scope, SelectedOperation};
use crate::spec::subset;

/// One revision, ready to compare.
#[derive(Debug, Clone)]
pub(crate) struct Contract {
    /// The `openapi` version the file declares (before normalisation).
    pub(crate) openapi: String,
    /// The in-scope subset with the overlays applied, converted to OpenAPI 3.0 exactly as code
    /// generation converts it.
    pub(crate) doc: Value,
    /// The in-scope operations, in document order.
    pub(crate) operations: Vec<SelectedOperation>,
}

/// Two revisions made ready to compare, and what regenerating from the newer one meets.
#[derive(Debug, Clone)]
pub(crate) struct Pair {
    pub(crate) old: Contract,
    pub(crate) new: Contract,
    pub(crate) regeneration: Regeneration,
}

/// A revision as given: its parsed document and how errors name it.
pub(crate) type Revision<'a> = (&'a Value, &'a str);

/// What two revisions are compared with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setup<'a> {
    /// The operations to compare.
    pub(crate) scope: &'a Scope,
    /// The operations code generation covers (`openapi/scope.toml`): the subset the overlays are
    /// written for, which they are applied to, and which regeneration is checked on.
    pub(crate) generated: &'a Scope,
    /// The overlays, in the order they apply.
    pub(crate) overlays: &'a [Overlay],
}

impl Pair {
    /// Reads two files (whole upstream documents or vendored subsets), parsing both at once:
    /// Telnyx's whole document is 4 MB of YAML.
    pub(crate) fn read(old: &Path, new: &Path, setup: Setup<'_>) -> Result<Self> {
        let (old_file, new_file) = std::thread::scope(|threads| {
            let old_file = threads.spawn(|| SpecFile::read(old));
            let new_file = SpecFile::read(new);
            let old_file = old_file
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (old_file, new_file)
        });
        let (old_name, new_name) = (old.display().to_string(), new.display().to_string());
        Self::from_docs(
            (&old_file?.doc, &old_name),
            (&new_file?.doc, &new_name),
            setup,
        )
    }

    /// Builds the contracts of two parsed documents.
    ///
    /// An operation is the same in both when its operationId is, or else when its method and
    /// path are: renaming an operationId moves nothing on the wire.
    pub(crate) fn from_docs(
        (old, old_name): Revision<'_>,
        (new, new_name): Revision<'_>,
        setup: Setup<'_>,
    ) -> Result<Self> {
        let in_old = |err: anyhow::Error| err.context(format!("in {old_name}"));
        let in_new = |err: anyhow::Error| err.context(format!("in {new_name}"));
        subset::check_openapi(old).map_err(|err| in_old(err.into()))?;
        subset::check_openapi(new).map_err(|err| in_new(err.into()))?;
        let scope = setup.scope;
        let by_id = |doc: &Value| scope.select_present(doc, &[]).unwrap_or_default();
        let (old_ids, new_ids) = (by_id(old), by_id(new));
        let old_ops = scope
            .select_present(old, &new_ids)
            .map_err(|err| in_old(err.into()))?;
        let new_ops = scope
            .select_present(new, &old_ids)
            .map_err(|err| in_new(err.into()))?;
        let widened = |doc: &Value, ops: &[SelectedOperation]| {
            if setup.generated == scope {
                return ops.to_vec();
            }
            let mut all = setup.generated.select_present(doc, ops).unwrap_or_default();
            all.extend(
                ops.iter()
                    .filter(|op| !all.contains(op))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
            all
        };
        let (old_all, new_all) = (widened(old, &old_ops), widened(new, &new_ops));
        let old_subset = subset::extract_operations(old, old_all).map_err(|e| in_old(e.into()))?;
        let new_subset = subset::extract_operations(new, new_all).map_err(|e| in_new(e.into()))?;
        let (old_doc, new_doc, mut regeneration) = regeneration::prepare(
            setup.overlays,
            (old_subset.doc, new_subset.doc),
            (old_name, new_name),
        )?;
        if let Err(missing) = scope.select(new) {
            regeneration.scope_refused(&missing, &old_ops, &new_ops);
        }
        let version = |doc: &Value| doc["openapi"].as_str().unwrap_or_default().to_string();
        Ok(Self {
            old: Contract {
                openapi: version(old),
                doc: old_doc,
                operations: old_ops,
            },
            new: Contract {
                openapi: version(new),
                doc: new_doc,
                operations: new_ops,
            },
            regeneration,
        })
    }
}

impl Contract {
    /// The operation object of a selected operation.
    pub(crate) fn operation(&self, op: &SelectedOperation) -> &Value {
        &self.doc["paths"][&op.path][&op.method]
    }

    /// The path item holding a selected operation.
    pub(crate) fn path_item(&self, op: &SelectedOperation) -> &Value {
        &self.doc["paths"][&op.path]
    }

    /// Follows `$ref`s from `node` to the object they name.
    ///
    /// Returns the first reference followed (the component a reader sees named at that place), if
    /// any, and the resolved object.
    pub(crate) fn resolve<'a>(&'a self, node: &'a Value) -> Result<(Option<&'a str>, &'a Value)> {
        follow_refs(&self.doc, node).with_context(|| {
            let reference = node.get("$ref").map(Value::to_string).unwrap_or_default();
            format!("the $ref chain from {reference} is dangling, leaves the document or loops")
        })
    }
}
