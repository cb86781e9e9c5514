//! A revision's contract for the in-scope operations: the subset, normalised as the generator sees it.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::openapi::deep_object;
use crate::openapi::downgrade::downgrade_to_30;
use crate::openapi::file::SpecFile;
use crate::openapi::walk::follow_refs;
use crate::spec::scope::{Scope, SelectedOperation};
use crate::spec::subset;

/// One revision, ready to compare.
#[derive(Debug, Clone)]
pub(crate) struct Contract {
    /// The `openapi` version the file declares (before normalisation).
    pub(crate) openapi: String,
    /// The in-scope subset, converted to OpenAPI 3.0 exactly as code generation converts it.
    pub(crate) doc: Value,
    /// The in-scope operations, in document order.
    pub(crate) operations: Vec<SelectedOperation>,
}

impl Contract {
    /// Reads a whole upstream document or a vendored subset.
    pub(crate) fn read(path: &Path, scope: &Scope) -> Result<Self> {
        let file = SpecFile::read(path)?;
        Self::from_doc(&file.doc, scope).with_context(|| format!("in {}", path.display()))
    }

    /// Builds the contract of an already parsed document.
    pub(crate) fn from_doc(doc: &Value, scope: &Scope) -> Result<Self> {
        subset::check_openapi(doc)?;
        let subset = subset::extract_operations(doc, scope.select_present(doc)?)?;
        let openapi = doc["openapi"].as_str().unwrap_or_default().to_string();
        let mut normalised = subset.doc;
        downgrade_to_30(&mut normalised)?;
        deep_object::flatten(&mut normalised)?;
        Ok(Self {
            openapi,
            doc: normalised,
            operations: subset.operations,
        })
    }

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
