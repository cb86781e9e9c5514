//! Which upstream operations the SDK covers: `openapi/scope.toml`, and finding them in a document.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::Value;

use crate::openapi::walk::METHODS;

/// The scope file, relative to the workspace root.
pub(crate) const SCOPE_FILE: &str = "openapi/scope.toml";

/// A spec that cannot be used, said in terms a maintainer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SpecError {
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

/// The operations in scope, as written in `openapi/scope.toml`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Scope {
    /// Operations selected by `operationId`.
    #[serde(default)]
    pub(crate) operations: Vec<String>,
    /// Operations selected by any of their tags.
    #[serde(default)]
    pub(crate) tags: Vec<String>,
}

/// One operation of a document that the scope selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SelectedOperation {
    /// Its `operationId`.
    pub(crate) id: String,
    /// Lower-case HTTP method, the key in the path item.
    pub(crate) method: String,
    /// The path template, the key in `paths`.
    pub(crate) path: String,
}

impl Scope {
    /// Reads a scope file.
    pub(crate) fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the scope file {}", path.display()))?;
        let scope = Self::parse(&text)
            .with_context(|| format!("{} is not a valid scope file", path.display()))?;
        Ok(scope)
    }

    /// Parses the TOML text of a scope file; an empty scope is an error.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let scope: Self = toml::from_str(text)?;
        anyhow::ensure!(
            !scope.operations.is_empty() || !scope.tags.is_empty(),
            "it selects nothing: list `operations` (operationIds) or `tags`"
        );
        Ok(scope)
    }

    /// The operations of `doc` in scope, in document order.
    ///
    /// Every listed operationId and tag must match at least one operation: a scope entry that
    /// matches nothing means upstream renamed or removed something the SDK relies on.
    pub(crate) fn select(&self, doc: &Value) -> Result<Vec<SelectedOperation>, SpecError> {
        let (selected, tags_seen) = self.matching(doc, &[])?;
        for want in &self.operations {
            if !selected.iter().any(|op| &op.id == want) {
                return Err(SpecError::MissingOperation(want.clone()));
            }
        }
        if let Some(index) = tags_seen.iter().position(|seen| !seen) {
            return Err(SpecError::MissingTag(self.tags[index].clone()));
        }
        Ok(selected)
    }

    /// The operations of `doc` in scope that it has, and those at the method and path of an
    /// operation in `at` (another revision's selection), in document order.
    ///
    /// Comparing revisions needs the operations that disappeared to be reported, not refused,
    /// and an operation whose operationId changed to be found where it lives. At least one must
    /// be there, or `doc` is not the document the scope is about.
    pub(crate) fn select_present(
        &self,
        doc: &Value,
        at: &[SelectedOperation],
    ) -> Result<Vec<SelectedOperation>, SpecError> {
        let (selected, _) = self.matching(doc, at)?;
        match self.operations.first().or(self.tags.first()) {
            Some(first) if selected.is_empty() => Err(SpecError::MissingOperation(first.clone())),
            _ => Ok(selected),
        }
    }

    fn matching(
        &self,
        doc: &Value,
        at: &[SelectedOperation],
    ) -> Result<(Vec<SelectedOperation>, Vec<bool>), SpecError> {
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| SpecError::NotOpenApi("it has no `paths` object".into()))?;
        let mut selected = Vec::new();
        let mut tags_seen = vec![false; self.tags.len()];
        for (path, item) in paths {
            let here: Vec<&str> = (at.iter())
                .filter(|op| op.path == *path)
                .map(|op| op.method.as_str())
                .collect();
            for method in METHODS {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                let id = operation.get("operationId").and_then(Value::as_str);
                let by_id = id.is_some_and(|id| self.operations.iter().any(|want| want == id));
                let mut by_tag = false;
                for tag in operation_tags(operation) {
                    if let Some(index) = self.tags.iter().position(|want| want == tag) {
                        tags_seen[index] = true;
                        by_tag = true;
                    }
                }
                let by_place = here.contains(&method);
                if by_id || by_tag || by_place {
                    selected.push(SelectedOperation {
                        id: id.unwrap_or_default().to_string(),
                        method: method.to_string(),
                        path: path.clone(),
                    });
                }
            }
        }
        Ok((selected, tags_seen))
    }
}

/// The tag names of an operation object.
pub(crate) fn operation_tags(operation: &Value) -> impl Iterator<Item = &str> {
    operation
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "openapi": "3.1.0",
            "paths": {
                "/a": {
                    "get": {"operationId": "GetA", "tags": ["Alpha"]},
                    "post": {"operationId": "PostA", "tags": ["Beta"]}
                },
                "/b": {"delete": {"operationId": "DeleteB", "tags": ["Alpha"]}}
            }
        })
    }

    #[test]
    fn selects_by_operation_id_and_by_tag_in_document_order() {
        let scope = Scope {
            operations: vec!["PostA".into()],
            tags: vec!["Alpha".into()],
        };
        let ids: Vec<_> = scope
            .select(&doc())
            .expect("all present")
            .into_iter()
            .map(|op| format!("{} {} {}", op.id, op.method, op.path))
            .collect();
        assert_eq!(ids, ["GetA get /a", "PostA post /a", "DeleteB delete /b"]);
    }

    #[test]
    fn an_operation_missing_upstream_is_an_error_naming_it() {
        let scope = Scope {
            operations: vec!["GetA".into(), "Gone".into()],
            tags: vec![],
        };
        let err = scope.select(&doc()).expect_err("Gone is missing");
        assert_eq!(err, SpecError::MissingOperation("Gone".into()));
        assert!(err.to_string().contains("`Gone`"), "{err}");
    }

    #[test]
    fn another_revisions_operations_are_also_found_by_method_and_path() {
        let scope = Scope {
            operations: vec!["Renamed".into()],
            tags: vec![],
        };
        assert_eq!(
            scope.select_present(&doc(), &[]),
            Err(SpecError::MissingOperation("Renamed".into()))
        );
        let elsewhere = SelectedOperation {
            id: "Renamed".into(),
            method: "delete".into(),
            path: "/b".into(),
        };
        let found = scope.select_present(&doc(), &[elsewhere]).expect("found");
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].id.as_str(), found[0].path.as_str()),
            ("DeleteB", "/b")
        );
    }

    #[test]
    fn a_tag_matching_nothing_is_an_error() {
        let scope = Scope {
            operations: vec![],
            tags: vec!["Gamma".into()],
        };
        assert_eq!(
            scope.select(&doc()).expect_err("no Gamma"),
            SpecError::MissingTag("Gamma".into())
        );
    }

    #[test]
    fn the_repository_scope_file_parses_and_an_empty_one_is_refused() {
        let text = include_str!("../../../openapi/scope.toml");
        let scope = Scope::parse(text).expect("valid scope");
        assert_eq!(
            scope.operations,
            ["CreateRoomClientToken", "RefreshRoomClientToken"]
        );
        assert!(Scope::parse("operations = []\n").is_err());
        assert!(
            Scope::parse("operation = [\"x\"]\n").is_err(),
            "typos are refused"
        );
    }
}
