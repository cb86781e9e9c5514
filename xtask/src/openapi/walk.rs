//! Visits every schema of an OpenAPI document, and nothing else.
//!
//! Schemas sit at known positions (`components.schemas`, any `schema` key of parameters, headers
//! and media types) and nest through known keywords (`properties`, `items`, `allOf`, …). Walking
//! only those positions keeps data such as `example`, `default` or `enum` values, and extensions,
//! from ever being mistaken for a schema.

use serde_json::Value;

use crate::openapi::file::escape_pointer_token;

/// Calls `visit` on every schema of `doc`, parents before children, with its JSON pointer. Each
/// schema's subschemas are found after `visit` returns, so a visitor may rewrite them.
pub(crate) fn walk_schemas<E>(
    doc: &mut Value,
    visit: &mut impl FnMut(&mut Value, &str) -> Result<(), E>,
) -> Result<(), E> {
    let mut pointer = String::new();
    let Some(root) = doc.as_object_mut() else {
        return Ok(());
    };
    for (key, value) in root.iter_mut() {
        match key.as_str() {
            "components" => with_token(&mut pointer, key, |pointer| {
                walk_components(value, pointer, visit)
            })?,
            "paths" => with_token(&mut pointer, key, |pointer| {
                walk_objects(value, pointer, visit)
            })?,
            _ => {}
        }
    }
    Ok(())
}

/// Runs `f` with `token` appended to `pointer`, then restores it.
pub(crate) fn with_token<T>(
    pointer: &mut String,
    token: &str,
    f: impl FnOnce(&mut String) -> T,
) -> T {
    let len = pointer.len();
    pointer.push('/');
    pointer.push_str(&escape_pointer_token(token));
    let out = f(pointer);
    pointer.truncate(len);
    out
}

fn walk_components<E>(
    components: &mut Value,
    pointer: &mut String,
    visit: &mut impl FnMut(&mut Value, &str) -> Result<(), E>,
) -> Result<(), E> {
    let Some(sections) = components.as_object_mut() else {
        return Ok(());
    };
    for (section, entries) in sections.iter_mut() {
        with_token(pointer, section, |pointer| {
            if section == "schemas" {
                walk_schema_map(entries, pointer, visit)
            } else {
                walk_objects(entries, pointer, visit)
            }
        })?;
    }
    Ok(())
}

/// Non-schema OpenAPI objects: each `schema` key holds a schema; examples and extensions are data.
fn walk_objects<E>(
    node: &mut Value,
    pointer: &mut String,
    visit: &mut impl FnMut(&mut Value, &str) -> Result<(), E>,
) -> Result<(), E> {
    match node {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "example" || key == "examples" || key.starts_with("x-") {
                    continue;
                }
                with_token(pointer, key, |pointer| {
                    if key == "schema" {
                        walk_schema(value, pointer, visit)
                    } else {
                        walk_objects(value, pointer, visit)
                    }
                })?;
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                with_token(pointer, &index.to_string(), |pointer| {
                    walk_objects(item, pointer, visit)
                })?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn walk_schema<E>(
    schema: &mut Value,
    pointer: &mut String,
    visit: &mut impl FnMut(&mut Value, &str) -> Result<(), E>,
) -> Result<(), E> {
    visit(schema, pointer)?;
    let Some(map) = schema.as_object_mut() else {
        return Ok(());
    };
    for (key, value) in map.iter_mut() {
        let key = key.as_str();
        with_token(pointer, key, |pointer| match key {
            "properties" => walk_schema_map(value, pointer, visit),
            "items" | "not" => walk_schema(value, pointer, visit),
            "additionalProperties" if value.is_object() => walk_schema(value, pointer, visit),
            "allOf" | "anyOf" | "oneOf" => walk_schema_list(value, pointer, visit),
            _ => Ok(()),
        })?;
    }
    Ok(())
}

fn walk_schema_map<E>(
    node: &mut Value,
    pointer: &mut String,
    visit: &mut impl FnMut(&mut Value, &str) -> Result<(), E>,
) -> Result<(), E> {
    if let Some(map) = node.as_object_mut() {
        for (name, schema) in map.iter_mut() {
            with_token(pointer, name, |pointer| walk_schema(schema, pointer, visit))?;
        }
    }
    Ok(())
}

fn walk_schema_list<E>(
    node: &mut Value,
    pointer: &mut String,
    visit: &mut impl FnMut(&mut Value, &str) -> Result<(), E>,
) -> Result<(), E> {
    if let Some(items) = node.as_array_mut() {
        for (index, schema) in items.iter_mut().enumerate() {
            with_token(pointer, &index.to_string(), |pointer| {
                walk_schema(schema, pointer, visit)
            })?;
        }
    }
    Ok(())
}

/// HTTP methods that can hold an operation in an OpenAPI path item, in the order OpenAPI lists them.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The operations of a path item, in document order, with their lower-case method.
pub(crate) fn operations_of(item: &Value) -> impl Iterator<Item = (&str, &Value)> {
    item.as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| METHODS.contains(&key.as_str()))
        .map(|(key, operation)| (key.as_str(), operation))
}

/// The strings of a JSON array such as a schema's `required` or `enum` (none when it is absent or
/// not an array; entries that are not strings are skipped).
pub(crate) fn strings(list: Option<&Value>) -> Vec<&str> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// How many `$ref` hops in a row are followed before a reference chain is called a loop.
const MAX_REF_HOPS: usize = 32;

/// Follows local `$ref`s (`#/components/...`) from `node` to the object they name: the first
/// reference followed (the name a reader sees at that place), if any, and that object. `None` when
/// a reference is dangling or not local, or the chain loops.
pub(crate) fn follow_refs<'a>(
    doc: &'a Value,
    node: &'a Value,
) -> Option<(Option<&'a str>, &'a Value)> {
    let mut first = None;
    let mut node = node;
    for _ in 0..MAX_REF_HOPS {
        match node.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                first.get_or_insert(reference);
                node = doc.pointer(reference.strip_prefix('#')?)?;
            }
            None => return Some((first, node)),
        }
    }
    None
}

/// The object `node` names through local `$ref`s (itself when it is none); `None` as for
/// [`follow_refs`].
pub(crate) fn resolve<'a>(doc: &'a Value, node: &'a Value) -> Option<&'a Value> {
    follow_refs(doc, node).map(|(_, node)| node)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn visits_schemas_only() {
        let mut doc = json!({
            "info": {"schema": {"not": "visited"}},
            "components": {
                "schemas": {"A": {"properties": {"p": {"items": {}}}, "allOf": [{}], "example": {"properties": {}}}},
                "responses": {"R": {"content": {"application/json": {"schema": {}, "examples": {"e": {"value": {"schema": {}}}}}}}}
            },
            "paths": {"/x": {"get": {"parameters": [{"schema": {"additionalProperties": {}}}], "x-ext": {"schema": {}}}}}
        });
        let mut seen = Vec::new();
        walk_schemas(&mut doc, &mut |_, pointer: &str| {
            seen.push(pointer.to_string());
            Ok::<(), ()>(())
        })
        .expect("no error");
        assert_eq!(
            seen,
            [
                "/components/schemas/A",
                "/components/schemas/A/properties/p",
                "/components/schemas/A/properties/p/items",
                "/components/schemas/A/allOf/0",
                "/components/responses/R/content/application~1json/schema",
                "/paths/~1x/get/parameters/0/schema",
                "/paths/~1x/get/parameters/0/schema/additionalProperties",
            ]
        );
    }
}
