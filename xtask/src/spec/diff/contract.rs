//! A revision's contract for the in-scope operations: the subset, normalised as the generator sees it.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::openapi::downgrade::downgrade_to_30;
use crate::openapi::file::SpecFile;
use crate::spec::scope::{Scope, SelectedOperation};
use crate::spec::subset;

/// How many `$ref` hops in a row are followed before a reference chain is called a loop.
const MAX_REF_HOPS: usize = 32;

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
        let mut first = None;
        let mut current = node;
        for _ in 0..MAX_REF_HOPS {
            let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
                return Ok((first, current));
            };
            first.get_or_insert(reference);
            current = reference
                .strip_prefix('#')
                .and_then(|pointer| self.doc.pointer(pointer))
                .with_context(|| format!("dangling $ref `{reference}`"))?;
        }
        bail!("$ref chain from {node} loops or is longer than {MAX_REF_HOPS} hops")
    }
}
