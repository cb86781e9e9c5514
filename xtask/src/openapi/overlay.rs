//! OpenAPI Overlay 1.0 documents: reviewable corrections to the vendored spec, applied in order.
//!
//! Known upstream defects are fixed in files under `openapi/overlays/`, never by code, so each
//! correction states why it exists and a reviewer sees exactly what changes. Files apply in
//! file-name order; an action whose target matches nothing is an error, so an overlay that a spec
//! update made stale is noticed instead of silently doing nothing.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;
use serde_json_path::JsonPath;

use crate::openapi::file::SpecFile;

/// One overlay file, parsed.
#[derive(Debug, Clone)]
pub(crate) struct Overlay {
    /// Where it was read from.
    pub(crate) path: PathBuf,
    /// SHA-256 of its bytes (recorded in the generated file's header).
    pub(crate) sha256: String,
    document: OverlayDocument,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverlayDocument {
    overlay: String,
    info: OverlayInfo,
    /// The document the overlay was written for; informative, ours all apply to the vendored file.
    #[serde(default)]
    #[allow(dead_code)]
    extends: Option<String>,
    actions: Vec<Action>,
}

#[derive(Debug, Clone, Deserialize)]
struct OverlayInfo {
    title: String,
    #[allow(dead_code)]
    version: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Action {
    target: String,
    description: Option<String>,
    #[serde(default)]
    update: Option<Value>,
    #[serde(default)]
    remove: bool,
}

impl Overlay {
    /// Reads and validates an overlay file.
    pub(crate) fn read(path: &Path) -> Result<Self> {
        let file = SpecFile::read(path)?;
        Self::from_value(path, file.sha256(), file.doc)
    }

    pub(crate) fn from_value(path: &Path, sha256: String, value: Value) -> Result<Self> {
        let document: OverlayDocument = serde_json::from_value(value).with_context(|| {
            format!("{} is not an OpenAPI Overlay 1.0 document", path.display())
        })?;
        if !document.overlay.starts_with("1.0.") {
            bail!(
                "{}: overlay version {} is not supported (expected 1.0.x)",
                path.display(),
                document.overlay
            );
        }
        for (index, action) in document.actions.iter().enumerate() {
            let what = format!("{} action {index} ({})", path.display(), action.target);
            if action.description.as_deref().is_none_or(str::is_empty) {
                bail!("{what}: every correction must say why it exists (`description`)");
            }
            match (&action.update, action.remove) {
                (Some(_), true) => bail!("{what}: an action either updates or removes, not both"),
                (None, false) => bail!("{what}: an action needs `update` or `remove: true`"),
                _ => {}
            }
            JsonPath::parse(&action.target)
                .with_context(|| format!("{what}: the target is not a valid JSONPath"))?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            sha256,
            document,
        })
    }

    /// The overlay's `info.title`.
    pub(crate) fn title(&self) -> &str {
        &self.document.info.title
    }

    /// The overlay's file name (`01-forbidden-errors-envelope.yaml`), as reports name it.
    pub(crate) fn file_name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        )
    }

    /// Applies every action to `doc`, in order; stops at the first that cannot apply (`doc` may
    /// then hold the actions before it).
    pub(crate) fn apply(&self, doc: &mut Value) -> Result<(), ActionFailed> {
        for (index, action) in self.document.actions.iter().enumerate() {
            apply_action(doc, action).map_err(|problem| ActionFailed {
                path: self.path.display().to_string(),
                index,
                target: action.target.clone(),
                problem,
            })?;
        }
        Ok(())
    }
}

/// An overlay action that could not be applied to a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path} action {index} (target {target}): {problem}")]
pub(crate) struct ActionFailed {
    /// The overlay file.
    pub(crate) path: String,
    /// The action's position in the file, from 0.
    pub(crate) index: usize,
    /// The action's JSONPath target.
    pub(crate) target: String,
    /// What went wrong.
    pub(crate) problem: ActionProblem,
}

/// Why an overlay action could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ActionProblem {
    /// The target selects nothing: the document no longer has what the overlay corrects.
    #[error("the target matches nothing in the document; the overlay is stale — review it")]
    NoMatch,
    /// The target selects something the action cannot act on.
    #[error("{0}")]
    Unfit(String),
}

/// Reads every `*.yaml` overlay in `dir`, sorted by file name. A missing directory means none.
pub(crate) fn read_dir(dir: &Path) -> Result<Vec<Overlay>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            paths.push(path);
        }
    }
    paths.sort();
    paths.iter().map(|path| Overlay::read(path)).collect()
}

fn apply_action(doc: &mut Value, action: &Action) -> Result<(), ActionProblem> {
    let unfit = |message: String| ActionProblem::Unfit(message);
    let path = JsonPath::parse(&action.target).map_err(|err| unfit(err.to_string()))?;
    let mut pointers: Vec<String> = Vec::new();
    // A union or a descendant query may select a node twice; an action applies to it once.
    for location in path.query_located(doc).locations() {
        let pointer = location.to_json_pointer();
        if !pointers.contains(&pointer) {
            pointers.push(pointer);
        }
    }
    if pointers.is_empty() {
        return Err(ActionProblem::NoMatch);
    }
    if action.remove {
        for pointer in removal_order(pointers) {
            remove_at(doc, &pointer).map_err(|err| unfit(format!("{err:#}")))?;
        }
        return Ok(());
    }
    let Some(update) = &action.update else {
        return Err(unfit("an action needs `update` or `remove: true`".into()));
    };
    for pointer in &pointers {
        let Some(target) = doc.pointer_mut(pointer) else {
            return Err(unfit(format!(
                "{pointer} vanished while applying the action"
            )));
        };
        match target {
            Value::Array(items) => items.push(update.clone()),
            Value::Object(_) if update.is_object() => merge(target, update),
            Value::Object(_) => {
                return Err(unfit(format!(
                    "{pointer} is an object, so `update` must be an object"
                )));
            }
            _ => {
                return Err(unfit(format!(
                    "{pointer} is neither an object nor an array; update its parent instead"
                )));
            }
        }
    }
    Ok(())
}

/// `pointers` ordered so that no removal shifts a node still to be removed: descendants before
/// their ancestors, higher array indices before lower ones (whatever order the query gave).
fn removal_order(mut pointers: Vec<String>) -> Vec<String> {
    pointers.sort_by_cached_key(|pointer| {
        pointer
            .split('/')
            .map(|token| (token.parse::<usize>().ok(), token.to_owned()))
            .collect::<Vec<_>>()
    });
    pointers.reverse();
    pointers
}

/// Overlay 1.0 merge: object members merge recursively; any other value replaces the target's.
fn merge(target: &mut Value, update: &Value) {
    match (target, update) {
        (Value::Object(target), Value::Object(update)) => {
            for (key, value) in update {
                match target.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge(existing, value)
                    }
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (target, update) => *target = update.clone(),
    }
}

fn remove_at(doc: &mut Value, pointer: &str) -> Result<()> {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        bail!("the document root cannot be removed");
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&key);
        }
        Some(Value::Array(items)) => {
            let index: usize = key
                .parse()
                .with_context(|| format!("{pointer}: bad array index"))?;
            if index < items.len() {
                items.remove(index);
            }
        }
        _ => bail!("{pointer}: parent is not a container"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn overlay(actions: Value) -> Result<Overlay> {
        let value =
            json!({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": actions});
        Overlay::from_value(Path::new("test.yaml"), String::new(), value)
    }

    #[test]
    fn update_merges_objects_recursively() {
        let mut doc = json!({"components": {"schemas": {"A": {"type": "object", "properties": {"x": {"type": "string"}}}}}});
        overlay(json!([{
            "target": "$.components.schemas.A",
            "description": "why",
            "update": {"properties": {"y": {"type": "integer"}}, "required": ["y"]}
        }]))
        .expect("valid")
        .apply(&mut doc)
        .expect("applies");
        assert_eq!(
            doc["components"]["schemas"]["A"],
            json!({"type": "object", "properties": {"x": {"type": "string"}, "y": {"type": "integer"}}, "required": ["y"]})
        );
    }

    #[test]
    fn update_replaces_scalars_and_appends_to_arrays() {
        let mut doc = json!({"s": {"$ref": "#/a"}, "list": [1]});
        overlay(json!([
            {"target": "$.s", "description": "why", "update": {"$ref": "#/b"}},
            {"target": "$.list", "description": "why", "update": 2}
        ]))
        .expect("valid")
        .apply(&mut doc)
        .expect("applies");
        assert_eq!(doc, json!({"s": {"$ref": "#/b"}, "list": [1, 2]}));
    }

    #[test]
    fn remove_deletes_every_match() {
        let mut doc = json!({"p": {"a": {"x-internal": 1}, "b": {"x-internal": 2, "keep": 3}}});
        overlay(json!([{"target": "$.p.*['x-internal']", "description": "why", "remove": true}]))
            .expect("valid")
            .apply(&mut doc)
            .expect("applies");
        assert_eq!(doc, json!({"p": {"a": {}, "b": {"keep": 3}}}));
    }

    /// Found by `proptests::removing_by_index_union_removes_exactly_the_named_elements`: a union
    /// naming one element twice (`[1,-4]` of five) removed two, and one out of order removed the
    /// wrong one; updates of a twice-named array appended twice.
    #[test]
    fn unions_act_once_on_each_named_node() {
        let apply = |doc: &mut Value, action: Value| {
            overlay(json!([action]))
                .expect("valid")
                .apply(doc)
                .expect("applies");
        };
        let mut doc = json!({"a": [0, 1, 2, 3, 4]});
        apply(
            &mut doc,
            json!({"target": "$.a[1,-4]", "description": "why", "remove": true}),
        );
        assert_eq!(doc, json!({"a": [0, 2, 3, 4]}));
        apply(
            &mut doc,
            json!({"target": "$.a[0,2]", "description": "why", "remove": true}),
        );
        assert_eq!(doc, json!({"a": [2, 4]}));
        let mut doc = json!({"a": [[]]});
        apply(
            &mut doc,
            json!({"target": "$.a[0,0]", "description": "why", "update": 7}),
        );
        assert_eq!(doc, json!({"a": [[7]]}));
    }

    #[test]
    fn a_target_that_matches_nothing_is_an_error_naming_the_action() {
        let mut doc = json!({"a": {}});
        let err = overlay(json!([
            {"target": "$.a", "description": "why", "update": {"b": 1}},
            {"target": "$.missing", "description": "why", "update": {}}
        ]))
        .expect("valid")
        .apply(&mut doc)
        .expect_err("stale");
        assert_eq!((err.index, err.target.as_str()), (1, "$.missing"));
        assert_eq!(err.problem, ActionProblem::NoMatch);
        assert_eq!(
            err.to_string(),
            "test.yaml action 1 (target $.missing): the target matches nothing in the document; \
             the overlay is stale — review it"
        );
        let err = overlay(json!([{"target": "$.a.b", "description": "why", "update": {}}]))
            .expect("valid")
            .apply(&mut doc)
            .expect_err("a number cannot be updated");
        assert!(matches!(err.problem, ActionProblem::Unfit(_)), "{err}");
    }

    #[test]
    fn every_action_must_say_why_and_do_one_thing() {
        assert!(overlay(json!([{"target": "$.a", "update": {}}])).is_err());
        assert!(overlay(json!([{"target": "$.a", "description": "why"}])).is_err());
        assert!(
            overlay(json!([{"target": "$.a", "description": "why", "update": {}, "remove": true}]))
                .is_err()
        );
        assert!(
            overlay(json!([{"target": "not a path", "description": "why", "update": {}}])).is_err()
        );
    }
}
