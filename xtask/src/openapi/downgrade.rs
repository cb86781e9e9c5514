//! OpenAPI 3.1 → 3.0 conversion, in memory, as a pure function over the document's JSON value.
//!
//! progenitor 0.15 parses only OpenAPI 3.0.x, and Telnyx publishes 3.1.0. The conversion rewrites
//! the 3.1 constructs that have an exact 3.0 equivalent and refuses, naming the JSON pointer, every
//! construct it cannot convert without changing the contract. It walks schema positions only, so
//! data (`example`, `default`, `enum` values, extensions) is never mistaken for a schema.

use serde_json::{Map, Value};

use crate::openapi::file::{display_pointer, escape_pointer_token};
use crate::openapi::walk::walk_schemas;

/// The `openapi` version written into converted documents.
pub(crate) const TARGET_VERSION: &str = "3.0.3";

/// A construct the conversion cannot express in OpenAPI 3.0 without changing its meaning.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot convert OpenAPI 3.1 to 3.0 at {pointer}: {reason}")]
pub(crate) struct ConversionError {
    /// JSON pointer (RFC 6901) of the offending node.
    pub(crate) pointer: String,
    /// What is wrong there.
    pub(crate) reason: String,
}

/// Converts `doc` to OpenAPI 3.0 in place. A 3.0 document is left as it is.
///
/// Rewrites, in every schema:
/// - `type: [T, "null"]` → `type: T` + `nullable: true`; `type: [T]` → `type: T`;
/// - `const: v` → `enum: [v]`;
/// - numeric `exclusiveMinimum: n` / `exclusiveMaximum: n` → `minimum: n` + `exclusiveMinimum: true`
///   (and likewise for the maximum), keeping whichever bound is stricter when both are given;
/// - `examples: [a, …]` → `example: a`; `$comment` is dropped;
/// - `$ref` with sibling keywords → `allOf: [{$ref}]` beside them (3.0 ignores `$ref` siblings),
///   except `description`/`summary`, which are documentation and are dropped.
///
/// and sets `openapi` to [`TARGET_VERSION`].
pub(crate) fn downgrade_to_30(doc: &mut Value) -> Result<(), ConversionError> {
    let version = doc.get("openapi").and_then(Value::as_str).ok_or_else(|| {
        error(
            "/openapi",
            "missing or not a string: not an OpenAPI document",
        )
    })?;
    if version.starts_with("3.0.") {
        return Ok(());
    }
    if !version.starts_with("3.1.") {
        return Err(error(
            "/openapi",
            format!("version {version} is neither 3.0.x nor 3.1.x"),
        ));
    }
    let root = doc
        .as_object_mut()
        .ok_or_else(|| error("/", "the document is not an object"))?;
    for key in ["jsonSchemaDialect", "webhooks"] {
        if root.contains_key(key) {
            return Err(error(
                &format!("/{key}"),
                "has no OpenAPI 3.0 equivalent; the vendored subset must not contain it",
            ));
        }
    }
    root.insert("openapi".into(), Value::String(TARGET_VERSION.into()));
    walk_schemas(doc, &mut |schema, pointer| convert_schema(schema, pointer))
}

fn error(pointer: &str, reason: impl Into<String>) -> ConversionError {
    ConversionError {
        pointer: display_pointer(pointer).to_string(),
        reason: reason.into(),
    }
}

fn keyword_error(pointer: &str, keyword: &str, reason: impl Into<String>) -> ConversionError {
    error(
        &format!("{pointer}/{}", escape_pointer_token(keyword)),
        reason,
    )
}

/// 3.1 (JSON Schema 2020-12) keywords that OpenAPI 3.0 has no way to express.
const UNSUPPORTED_KEYWORDS: &[&str] = &[
    "$defs",
    "$id",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$schema",
    "$vocabulary",
    "prefixItems",
    "contains",
    "minContains",
    "maxContains",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "patternProperties",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
];

/// Converts the keywords of one schema; [`walk_schemas`] then descends into its subschemas.
fn convert_schema(node: &mut Value, pointer: &str) -> Result<(), ConversionError> {
    let schema = match node {
        Value::Object(map) => map,
        // JSON Schema's boolean schemas: `true` allows anything, `false` nothing.
        Value::Bool(true) => {
            *node = Value::Object(Map::new());
            return Ok(());
        }
        Value::Bool(false) => {
            return Err(error(
                pointer,
                "the boolean schema `false` has no OpenAPI 3.0 equivalent",
            ));
        }
        _ => return Err(error(pointer, "a schema must be an object")),
    };
    if let Some(keyword) = UNSUPPORTED_KEYWORDS
        .iter()
        .find(|k| schema.contains_key(**k))
    {
        return Err(keyword_error(
            pointer,
            keyword,
            format!("`{keyword}` has no OpenAPI 3.0 equivalent"),
        ));
    }
    schema.remove("$comment");
    if schema.contains_key("$ref") {
        convert_ref_siblings(schema, pointer)?;
    }
    convert_type(schema, pointer)?;
    convert_const(schema, pointer)?;
    convert_exclusive_bound(
        schema,
        pointer,
        "exclusiveMinimum",
        "minimum",
        |bound, limit| bound >= limit,
    )?;
    convert_exclusive_bound(
        schema,
        pointer,
        "exclusiveMaximum",
        "maximum",
        |bound, limit| bound <= limit,
    )?;
    convert_examples(schema, pointer)
}

/// In 3.1 `$ref` may have sibling keywords, which apply together with the reference; 3.0 ignores
/// them. Documentation siblings are dropped, constraining ones kept through `allOf`.
fn convert_ref_siblings(
    schema: &mut Map<String, Value>,
    pointer: &str,
) -> Result<(), ConversionError> {
    schema.remove("description");
    schema.remove("summary");
    if schema.len() == 1 {
        return Ok(());
    }
    if schema.get("allOf").is_some_and(|all_of| !all_of.is_array()) {
        return Err(keyword_error(pointer, "allOf", "must be a list of schemas"));
    }
    let Some(reference) = schema.remove("$ref") else {
        return Ok(());
    };
    let wrapped = Value::Object(Map::from_iter([("$ref".to_owned(), reference)]));
    match schema.get_mut("allOf") {
        // Appended: the members already there keep their indices, so pointers stay true.
        Some(Value::Array(members)) => members.push(wrapped),
        _ => {
            schema.insert("allOf".into(), Value::Array(vec![wrapped]));
        }
    }
    Ok(())
}

fn convert_type(schema: &mut Map<String, Value>, pointer: &str) -> Result<(), ConversionError> {
    let Some(ty) = schema.get("type") else {
        return Ok(());
    };
    let (ty, nullable) = match ty {
        Value::String(name) if name == "null" => {
            return Err(keyword_error(
                pointer,
                "type",
                "`type: null` has no OpenAPI 3.0 equivalent",
            ));
        }
        Value::String(_) => return Ok(()),
        Value::Array(names) => {
            let mut nullable = false;
            let mut others = Vec::new();
            for name in names {
                match name.as_str() {
                    Some("null") => nullable = true,
                    Some(other) => others.push(other.to_string()),
                    None => {
                        return Err(keyword_error(
                            pointer,
                            "type",
                            "a type list must hold strings",
                        ));
                    }
                }
            }
            match others.as_slice() {
                [single] => (single.clone(), nullable),
                [] => {
                    return Err(keyword_error(
                        pointer,
                        "type",
                        "a type list with only `null` has no OpenAPI 3.0 equivalent",
                    ));
                }
                several => {
                    let listed = several.join(", ");
                    return Err(keyword_error(
                        pointer,
                        "type",
                        format!(
                            "a value of several types ({listed}) has no faithful OpenAPI 3.0 form; \
                                 rewrite it as oneOf in an overlay"
                        ),
                    ));
                }
            }
        }
        _ => {
            return Err(keyword_error(
                pointer,
                "type",
                "`type` must be a string or a list of strings",
            ));
        }
    };
    schema.insert("type".into(), Value::String(ty));
    if nullable {
        schema.insert("nullable".into(), Value::Bool(true));
    }
    Ok(())
}

fn convert_const(schema: &mut Map<String, Value>, pointer: &str) -> Result<(), ConversionError> {
    let Some(value) = schema.remove("const") else {
        return Ok(());
    };
    if let Some(existing) = schema.get("enum") {
        let allowed = existing
            .as_array()
            .is_some_and(|values| values.contains(&value));
        if !allowed {
            return Err(keyword_error(
                pointer,
                "const",
                "`const` is not one of the schema's `enum` values",
            ));
        }
    }
    schema.insert("enum".into(), Value::Array(vec![value]));
    Ok(())
}

/// Numeric `exclusiveMinimum: n` (3.1) becomes `minimum: n, exclusiveMinimum: true` (3.0). When an
/// inclusive bound is also present, both apply in 3.1, so the stricter one is kept.
fn convert_exclusive_bound(
    schema: &mut Map<String, Value>,
    pointer: &str,
    exclusive_key: &str,
    inclusive_key: &str,
    exclusive_is_stricter: fn(f64, f64) -> bool,
) -> Result<(), ConversionError> {
    let Some(exclusive) = schema.get(exclusive_key) else {
        return Ok(());
    };
    if exclusive.is_boolean() {
        // Already the 3.0 form.
        return Ok(());
    }
    let Some(bound) = exclusive.as_f64() else {
        return Err(keyword_error(pointer, exclusive_key, "must be a number"));
    };
    let exclusive = exclusive.clone();
    let inclusive = schema.get(inclusive_key).map(|value| value.as_f64());
    let keep_exclusive = match inclusive {
        None => true,
        Some(Some(limit)) => exclusive_is_stricter(bound, limit),
        Some(None) => {
            return Err(keyword_error(pointer, inclusive_key, "must be a number"));
        }
    };
    if keep_exclusive {
        schema.insert(inclusive_key.into(), exclusive);
        schema.insert(exclusive_key.into(), Value::Bool(true));
    } else {
        schema.remove(exclusive_key);
    }
    Ok(())
}

fn convert_examples(schema: &mut Map<String, Value>, pointer: &str) -> Result<(), ConversionError> {
    let Some(examples) = schema.remove("examples") else {
        return Ok(());
    };
    let Value::Array(examples) = examples else {
        return Err(keyword_error(
            pointer,
            "examples",
            "schema `examples` must be a list",
        ));
    };
    if !schema.contains_key("example")
        && let Some(first) = examples.into_iter().next()
    {
        schema.insert("example".into(), first);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc_with_schema(schema: Value) -> Value {
        json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {"S": schema}}
        })
    }

    fn converted(schema: Value) -> Value {
        let mut doc = doc_with_schema(schema);
        downgrade_to_30(&mut doc).expect("convertible");
        assert_eq!(doc["openapi"], TARGET_VERSION);
        doc["components"]["schemas"]["S"].clone()
    }

    fn refused(schema: Value) -> ConversionError {
        let mut doc = doc_with_schema(schema);
        downgrade_to_30(&mut doc).expect_err("not convertible")
    }

    #[test]
    fn nullable_type_list() {
        assert_eq!(
            converted(json!({"type": ["string", "null"], "format": "date-time"})),
            json!({"type": "string", "format": "date-time", "nullable": true})
        );
        assert_eq!(
            converted(json!({"type": ["integer"]})),
            json!({"type": "integer"})
        );
    }

    #[test]
    fn const_becomes_single_value_enum() {
        assert_eq!(
            converted(json!({"type": "string", "const": "room"})),
            json!({"type": "string", "enum": ["room"]})
        );
        let err = refused(json!({"enum": ["a"], "const": "b"}));
        assert_eq!(err.pointer, "/components/schemas/S/const");
    }

    #[test]
    fn numeric_exclusive_bounds_become_boolean_form() {
        assert_eq!(
            converted(json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 100})),
            json!({"type": "integer", "exclusiveMinimum": true, "exclusiveMaximum": true, "minimum": 0, "maximum": 100})
        );
        // Both bounds apply in 3.1; the stricter one survives.
        assert_eq!(
            converted(json!({"type": "integer", "minimum": 5, "exclusiveMinimum": 0})),
            json!({"type": "integer", "minimum": 5})
        );
        assert_eq!(
            converted(json!({"type": "integer", "minimum": 0, "exclusiveMinimum": 5})),
            json!({"type": "integer", "minimum": 5, "exclusiveMinimum": true})
        );
        // The 3.0 boolean form is left alone.
        assert_eq!(
            converted(json!({"minimum": 1, "exclusiveMinimum": true})),
            json!({"minimum": 1, "exclusiveMinimum": true})
        );
    }

    #[test]
    fn schema_examples_become_example() {
        assert_eq!(
            converted(json!({"type": "string", "examples": ["a", "b"]})),
            json!({"type": "string", "example": "a"})
        );
    }

    #[test]
    fn nested_schemas_are_converted() {
        let schema = converted(json!({
            "type": "object",
            "properties": {
                "a": {"type": ["string", "null"]},
                "b": {"type": "array", "items": {"const": 1}},
                "c": {"allOf": [{"type": ["number", "null"]}]},
                "d": {"additionalProperties": {"type": ["boolean", "null"]}}
            }
        }));
        assert_eq!(schema["properties"]["a"]["nullable"], true);
        assert_eq!(schema["properties"]["b"]["items"]["enum"], json!([1]));
        assert_eq!(schema["properties"]["c"]["allOf"][0]["type"], "number");
        assert_eq!(
            schema["properties"]["d"]["additionalProperties"]["nullable"],
            true
        );
    }

    #[test]
    fn data_is_not_mistaken_for_schemas() {
        let schema = json!({"type": "object", "example": {"type": ["a", "b"], "const": 1}, "default": {"const": 2}});
        assert_eq!(converted(schema.clone()), schema);
    }

    #[test]
    fn schemas_under_paths_are_converted() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "paths": {"/x": {"post": {
                "parameters": [{"name": "p", "in": "query", "schema": {"type": ["string", "null"]}}],
                "responses": {"200": {"content": {"application/json": {
                    "schema": {"properties": {"n": {"const": 3}}},
                    "example": {"type": ["x", "y"]}
                }}}}
            }}}
        });
        downgrade_to_30(&mut doc).expect("convertible");
        let op = &doc["paths"]["/x"]["post"];
        assert_eq!(
            op["parameters"][0]["schema"],
            json!({"type": "string", "nullable": true})
        );
        let media = &op["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["schema"]["properties"]["n"]["enum"], json!([3]));
        assert_eq!(media["example"], json!({"type": ["x", "y"]}));
    }

    #[test]
    fn ref_siblings() {
        assert_eq!(
            converted(json!({"$ref": "#/components/schemas/T", "description": "d"})),
            json!({"$ref": "#/components/schemas/T"})
        );
        assert_eq!(
            converted(json!({"$ref": "#/components/schemas/T", "type": ["object", "null"]})),
            json!({"type": "object", "nullable": true, "allOf": [{"$ref": "#/components/schemas/T"}]})
        );
    }

    /// Found by `proptests::generator_passes_end_in_a_value_or_a_located_error`: a `$ref` beside
    /// an `allOf` replaced the `allOf`, dropping its members (and the `$ref` inside them).
    #[test]
    fn ref_beside_all_of_joins_it() {
        let a = "#/components/schemas/A";
        assert_eq!(
            converted(json!({"allOf": [{"items": {"$ref": a}}], "$ref": a})),
            json!({"allOf": [{"items": {"$ref": a}}, {"$ref": a}]})
        );
        let error = refused(json!({"allOf": {"type": "string"}, "$ref": a}));
        assert_eq!(error.pointer, "/components/schemas/S/allOf");
    }

    #[test]
    fn refuses_two_non_null_types_naming_the_pointer() {
        let mut doc =
            doc_with_schema(json!({"properties": {"v": {"type": ["string", "integer"]}}}));
        let err = downgrade_to_30(&mut doc).expect_err("ambiguous");
        assert_eq!(err.pointer, "/components/schemas/S/properties/v/type");
        assert!(err.reason.contains("string, integer"), "{err}");
    }

    #[test]
    fn refuses_constructs_without_a_30_form() {
        assert_eq!(
            refused(json!({"type": "null"})).pointer,
            "/components/schemas/S/type"
        );
        assert_eq!(
            refused(json!({"type": ["null"]})).pointer,
            "/components/schemas/S/type"
        );
        assert_eq!(
            refused(json!({"prefixItems": [{"type": "string"}]})).pointer,
            "/components/schemas/S/prefixItems"
        );
        assert_eq!(refused(json!(false)).pointer, "/components/schemas/S");
        assert_eq!(
            refused(json!({"exclusiveMinimum": "x"})).pointer,
            "/components/schemas/S/exclusiveMinimum"
        );
        let mut doc = json!({"openapi": "3.1.0", "webhooks": {}});
        assert_eq!(
            downgrade_to_30(&mut doc).expect_err("refused").pointer,
            "/webhooks"
        );
        let mut doc = json!({"openapi": "2.0"});
        assert_eq!(
            downgrade_to_30(&mut doc).expect_err("refused").pointer,
            "/openapi"
        );
        let mut doc = json!({"swagger": "2.0"});
        assert_eq!(
            downgrade_to_30(&mut doc).expect_err("refused").pointer,
            "/openapi"
        );
    }

    #[test]
    fn a_30_document_is_unchanged() {
        let doc = json!({"openapi": "3.0.0", "components": {"schemas": {"S": {"type": "string", "nullable": true}}}});
        let mut converted = doc.clone();
        downgrade_to_30(&mut converted).expect("3.0 passes");
        assert_eq!(converted, doc);
    }
}
