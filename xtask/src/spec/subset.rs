//! Cutting the in-scope operations and every component they reference out of a whole document.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::scope::SpecError;
use super::scope::{Scope, SelectedOperation};
use crate::openapi::file::escape_pointer_token;
use crate::openapi::walk::METHODS;

/// Top-level keys carried into the subset, when upstream has them. Everything else (`webhooks`,
/// top-level extensions) describes operations outside the scope; `jsonSchemaDialect` is left out
/// too, as code generation (OpenAPI 3.0) cannot honour another dialect.
const KEPT_TOP_LEVEL: [&str; 8] = [
    "openapi",
    "info",
    "servers",
    "security",
    "externalDocs",
    "tags",
    "paths",
    "components",
];

/// Keys whose values are example data, not OpenAPI objects: a `$ref` inside them is not a reference.
const DATA_KEYS: [&str; 2] = ["example", "default"];

/// A subset document and the operations it holds.
#[derive(Debug, Clone)]
pub(crate) struct Subset {
    /// The subset, keys in upstream order.
    pub(crate) doc: Value,
    /// The in-scope operations, in document order.
    pub(crate) operations: Vec<SelectedOperation>,
    /// How many components it keeps.
    pub(crate) components: usize,
}

/// Checks that `doc` looks like an OpenAPI 3.0 or 3.1 document.
pub(crate) fn check_openapi(doc: &Value) -> Result<(), SpecError> {
    let root = doc
        .as_object()
        .ok_or_else(|| SpecError::NotOpenApi("the top level is not a mapping".into()))?;
    let version = match root.get("openapi") {
        Some(Value::String(version)) => version,
        Some(_) => return Err(SpecError::NotOpenApi("`openapi` is not a string".into())),
        None if root.contains_key("swagger") => {
            return Err(SpecError::NotOpenApi(
                "it is Swagger 2.0, not OpenAPI 3".into(),
            ));
        }
        None => return Err(SpecError::NotOpenApi("it has no `openapi` version".into())),
    };
    if !(version.starts_with("3.0.") || version.starts_with("3.1.")) {
        return Err(SpecError::NotOpenApi(format!(
            "version {version} is neither 3.0.x nor 3.1.x"
        )));
    }
    if !root.get("paths").is_some_and(Value::is_object) {
        return Err(SpecError::NotOpenApi("it has no `paths` mapping".into()));
    }
    Ok(())
}

/// Selects the operations in `scope` and, transitively, everything they reference.
///
/// Content is copied as it is; only whole operations, path items, components and tags that the
/// scope does not reach are left out. Upstream key order is kept, so the same input always gives
/// the same output.
pub(crate) fn extract(doc: &Value, scope: &Scope) -> Result<Subset, SpecError> {
    check_openapi(doc)?;
    let operations = scope.select(doc)?;
    extract_operations(doc, operations)
}

/// Like [`extract`], for operations already selected from `doc`.
pub(crate) fn extract_operations(
    doc: &Value,
    operations: Vec<SelectedOperation>,
) -> Result<Subset, SpecError> {
    check_openapi(doc)?;
    let mut collector = Collector {
        doc,
        kept: HashSet::new(),
    };

    let mut paths = kept_paths(doc, &operations, &mut collector)?;

    collector.keep_security_schemes(doc.get("security"), "/security")?;
    for op in &operations {
        let operation = &doc["paths"][&op.path][&op.method];
        let at = format!(
            "/paths/{}/{}/security",
            escape_pointer_token(&op.path),
            op.method
        );
        collector.keep_security_schemes(operation.get("security"), &at)?;
    }

    let used_tags: HashSet<&str> = operations
        .iter()
        .flat_map(|op| super::scope::operation_tags(&doc["paths"][&op.path][&op.method]))
        .collect();

    let mut out = Map::new();
    for (key, value) in doc.as_object().into_iter().flatten() {
        if !KEPT_TOP_LEVEL.contains(&key.as_str()) {
            continue;
        }
        let value = match key.as_str() {
            "paths" => Value::Object(std::mem::take(&mut paths)),
            "components" => match collector.components(value) {
                Some(components) => components,
                None => continue,
            },
            "tags" => {
                let tags: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|tag| {
                        tag.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|name| used_tags.contains(name))
                    })
                    .cloned()
                    .collect();
                if tags.is_empty() {
                    continue;
                }
                Value::Array(tags)
            }
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    Ok(Subset {
        doc: Value::Object(out),
        operations,
        components: collector.kept.len(),
    })
}

/// The path items holding the selected operations, each with only those operations (and its
/// path-level keys); records the components they reach.
fn kept_paths(
    doc: &Value,
    operations: &[SelectedOperation],
    collector: &mut Collector<'_>,
) -> Result<Map<String, Value>, SpecError> {
    let mut paths = Map::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let methods: Vec<&str> = operations
            .iter()
            .filter(|op| &op.path == path)
            .map(|op| op.method.as_str())
            .collect();
        if methods.is_empty() {
            continue;
        }
        let item = item.as_object().ok_or_else(|| {
            SpecError::NotOpenApi(format!("the path item {path} is not a mapping"))
        })?;
        let kept: Map<String, Value> = item
            .iter()
            .filter(|(key, _)| !METHODS.contains(&key.as_str()) || methods.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let kept = Value::Object(kept);
        collector.walk(&kept, &format!("/paths/{}", escape_pointer_token(path)))?;
        paths.insert(path.clone(), kept);
    }
    Ok(paths)
}

/// Walks kept content and records the components it reaches.
struct Collector<'a> {
    doc: &'a Value,
    /// `(section, name)` of every kept component, e.g. `("schemas", "video_Error")`.
    kept: HashSet<(String, String)>,
}

impl Collector<'_> {
    /// Records every component `value` (found at JSON pointer `at` upstream) references, transitively.
    fn walk(&mut self, value: &Value, at: &str) -> Result<(), SpecError> {
        let mut pending = Vec::new();
        collect_refs(value, &mut at.to_string(), None, &mut pending);
        while let Some((reference, at)) = pending.pop() {
            let (section, name) = component_of(&reference, &at)?;
            let target = self.doc["components"][&section]
                .get(&name)
                .filter(|_| self.doc.pointer(&reference[1..]).is_some())
                .ok_or_else(|| SpecError::DanglingRef {
                    reference: reference.clone(),
                    at: at.clone(),
                })?;
            if self.kept.insert((section.clone(), name.clone())) {
                let mut pointer = format!(
                    "/components/{}/{}",
                    escape_pointer_token(&section),
                    escape_pointer_token(&name)
                );
                collect_refs(target, &mut pointer, None, &mut pending);
            }
        }
        Ok(())
    }

    /// Keeps the security schemes named by a list of security requirements.
    fn keep_security_schemes(
        &mut self,
        security: Option<&Value>,
        at: &str,
    ) -> Result<(), SpecError> {
        let requirements = security.and_then(Value::as_array).into_iter().flatten();
        for name in requirements
            .filter_map(Value::as_object)
            .flat_map(Map::keys)
        {
            let scheme = self.doc["components"]["securitySchemes"].get(name);
            let Some(scheme) = scheme else {
                return Err(SpecError::MissingSecurityScheme {
                    name: name.clone(),
                    at: at.to_string(),
                });
            };
            if self.kept.insert(("securitySchemes".into(), name.clone())) {
                let at = format!("/components/securitySchemes/{}", escape_pointer_token(name));
                self.walk(scheme, &at)?;
            }
        }
        Ok(())
    }

    /// The kept components, sections and entries in upstream order; `None` when nothing is kept.
    fn components(&self, upstream: &Value) -> Option<Value> {
        let mut out = Map::new();
        for (section, entries) in upstream.as_object().into_iter().flatten() {
            let kept: Map<String, Value> = entries
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(name, _)| self.kept.contains(&(section.clone(), (*name).clone())))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            if !kept.is_empty() {
                out.insert(section.clone(), Value::Object(kept));
            }
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }
}

/// Collects `($ref, pointer where it was found)` for every reference inside `value`, including
/// the targets of discriminator mappings.
fn collect_refs(
    value: &Value,
    pointer: &mut String,
    parent_key: Option<&str>,
    out: &mut Vec<(String, String)>,
) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer_token(key));
                // A property named `default`, or a `default` response, is no data value.
                let is_property_name = parent_key == Some("properties");
                let is_status = parent_key == Some("responses");
                match (key.as_str(), child) {
                    ("$ref", Value::String(reference)) if !is_property_name => {
                        out.push((reference.clone(), pointer.clone()));
                    }
                    ("mapping", Value::Object(mapping)) if parent_key == Some("discriminator") => {
                        for (label, target) in mapping {
                            if let Some(target) = target.as_str() {
                                // A bare name in a mapping means a schema component (OpenAPI 3.x).
                                let reference = if target.starts_with('#') {
                                    target.to_string()
                                } else {
                                    format!("#/components/schemas/{target}")
                                };
                                out.push((
                                    reference,
                                    format!("{pointer}/{}", escape_pointer_token(label)),
                                ));
                            }
                        }
                    }
                    (key, _) if DATA_KEYS.contains(&key) && !is_property_name && !is_status => {}
                    (key, child) => collect_refs(child, pointer, Some(key), out),
                }
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{index}"));
                collect_refs(item, pointer, None, out);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// The `(section, name)` of the component a local reference points into.
fn component_of(reference: &str, at: &str) -> Result<(String, String), SpecError> {
    let unsupported = || SpecError::UnsupportedRef {
        reference: reference.to_string(),
        at: at.to_string(),
    };
    let pointer = reference.strip_prefix('#').ok_or_else(unsupported)?;
    let mut tokens = pointer.split('/').skip(1).map(unescape_pointer_token);
    match (tokens.next().as_deref(), tokens.next(), tokens.next()) {
        (Some("components"), Some(section), Some(name)) if !name.is_empty() => Ok((section, name)),
        _ => Err(unsupported()),
    }
}

fn unescape_pointer_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope(ids: &[&str]) -> Scope {
        Scope {
            operations: ids.iter().map(|id| id.to_string()).collect(),
            tags: vec![],
        }
    }

    fn whole() -> Value {
        json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/a": {
                    "parameters": [{"$ref": "#/components/parameters/Id"}],
                    "get": {
                        "operationId": "GetA",
                        "tags": ["Alpha"],
                        "responses": {"200": {"$ref": "#/components/responses/A"}}
                    },
                    "post": {"operationId": "PostA", "tags": ["Beta"], "security": [{"other": []}]}
                },
                "/b": {"get": {"operationId": "GetB", "tags": ["Beta"]}}
            },
            "security": [{"bearer": []}],
            "tags": [{"name": "Beta"}, {"name": "Alpha"}],
            "webhooks": {},
            "components": {
                "callbacks": {},
                "parameters": {"Id": {"name": "id", "in": "path", "schema": {"type": "string"}}},
                "responses": {"A": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}},
                "schemas": {
                    "Unused": {"type": "string"},
                    "A": {
                        "properties": {
                            "next": {"$ref": "#/components/schemas/A"},
                            "kind": {"$ref": "#/components/schemas/Kind"},
                            "$ref": {"type": "string"}
                        },
                        "example": {"$ref": "not a reference"},
                        "discriminator": {"propertyName": "kind", "mapping": {"b": "B"}}
                    },
                    "B": {"type": "object"},
                    "Kind": {"type": "string"}
                },
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, "other": {"type": "apiKey"}}
            }
        })
    }

    #[test]
    fn keeps_the_operations_and_their_transitive_closure_and_drops_the_rest() {
        let whole = whole();
        let subset = extract(&whole, &scope(&["GetA"])).expect("extracts");
        let (a, components) = (&whole["paths"]["/a"], &whole["components"]);
        assert_eq!(
            subset.doc,
            json!({
                "openapi": whole["openapi"],
                "info": whole["info"],
                "paths": {"/a": {"parameters": a["parameters"], "get": a["get"]}},
                "security": whole["security"],
                "tags": [{"name": "Alpha"}],
                "components": {
                    "parameters": components["parameters"],
                    "responses": components["responses"],
                    "schemas": {
                        "A": components["schemas"]["A"],
                        "B": {"type": "object"},
                        "Kind": {"type": "string"}
                    },
                    "securitySchemes": {"bearer": components["securitySchemes"]["bearer"]}
                }
            })
        );
        assert_eq!(subset.components, 6);
        let keys: Vec<_> = subset.doc["components"]["schemas"]
            .as_object()
            .expect("map")
            .keys()
            .collect();
        assert_eq!(keys, ["A", "B", "Kind"], "upstream order is kept");
    }

    /// Found by the `spec diff` property test: a component referenced only by a `default`
    /// response was taken for example data and left out, so the subset had a dangling `$ref`.
    #[test]
    fn a_default_response_keeps_what_it_references() {
        let mut doc = whole();
        doc["paths"]["/b"]["get"]["responses"] =
            json!({"default": {"$ref": "#/components/responses/A"}});
        let subset = extract(&doc, &scope(&["GetB"])).expect("extracts");
        let kept = &subset.doc["components"];
        assert!(kept["responses"]["A"].is_object(), "{kept}");
        assert!(kept["schemas"]["A"].is_object(), "{kept}");
        let dangling = extract(
            &json!({"openapi": "3.0.3", "paths": {"/c": {"get": {"operationId": "C", "responses": {
                "default": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Gone"}}}}
            }}}}}),
            &scope(&["C"]),
        );
        assert!(
            matches!(dangling, Err(SpecError::DanglingRef { .. })),
            "{dangling:?}"
        );
    }

    #[test]
    fn operation_security_schemes_are_kept() {
        let subset = extract(&whole(), &scope(&["PostA"])).expect("extracts");
        let schemes = subset.doc["components"]["securitySchemes"]
            .as_object()
            .expect("map");
        assert_eq!(schemes.keys().collect::<Vec<_>>(), ["bearer", "other"]);
    }

    #[test]
    fn a_dangling_ref_is_an_error_naming_where_it_is() {
        let mut doc = whole();
        doc["components"]["schemas"]
            .as_object_mut()
            .expect("map")
            .remove("Kind");
        let err = extract(&doc, &scope(&["GetA"])).expect_err("Kind is gone");
        assert_eq!(
            err,
            SpecError::DanglingRef {
                reference: "#/components/schemas/Kind".into(),
                at: "/components/schemas/A/properties/kind/$ref".into(),
            }
        );
    }

    #[test]
    fn a_ref_to_a_missing_security_scheme_or_outside_components_is_an_error() {
        let mut doc = whole();
        doc["security"] = json!([{"nope": []}]);
        assert!(matches!(
            extract(&doc, &scope(&["GetB"])),
            Err(SpecError::MissingSecurityScheme { name, .. }) if name == "nope"
        ));
        let mut doc = whole();
        doc["paths"]["/b"]["get"]["responses"] = json!({"200": {"$ref": "other.yaml#/x"}});
        assert!(matches!(
            extract(&doc, &scope(&["GetB"])),
            Err(SpecError::UnsupportedRef { reference, .. }) if reference == "other.yaml#/x"
        ));
    }

    #[test]
    fn documents_that_are_not_openapi_3_are_refused() {
        for (doc, why) in [
            (json!(["a"]), "not a mapping"),
            (json!({"swagger": "2.0", "paths": {}}), "Swagger 2.0"),
            (
                json!({"openapi": "2.0", "paths": {}}),
                "neither 3.0.x nor 3.1.x",
            ),
            (json!({"openapi": "3.1.0"}), "no `paths`"),
            (json!({"title": "a list"}), "no `openapi`"),
        ] {
            let err = extract(&doc, &scope(&["GetA"])).expect_err("refused");
            assert!(err.to_string().contains(why), "{err} should say {why}");
        }
    }
}
