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
    let Some(root) = doc.as_object_mut() else {
        return Ok(());
    };
    let mut walk = Walk {
        pointer: String::new(),
        visit,
    };
    for (key, value) in root.iter_mut() {
        match key.as_str() {
            "components" => walk.at(key, |walk| walk.components(value))?,
            "paths" => walk.at(key, |walk| walk.objects(value))?,
            _ => {}
        }
    }
    Ok(())
}

/// A walk in progress: the JSON pointer of where it is, and what it calls on each schema.
struct Walk<'v, V> {
    pointer: String,
    visit: &'v mut V,
}

impl<E, V: FnMut(&mut Value, &str) -> Result<(), E>> Walk<'_, V> {
    /// Runs `f` with `token` appended to the pointer, then restores it.
    fn at(&mut self, token: &str, f: impl FnOnce(&mut Self) -> Result<(), E>) -> Result<(), E> {
        let len = self.pointer.len();
        self.pointer.push('/');
        self.pointer.push_str(&escape_pointer_token(token));
        let out = f(self);
        self.pointer.truncate(len);
        out
    }

    fn components(&mut self, components: &mut Value) -> Result<(), E> {
        let Some(sections) = components.as_object_mut() else {
            return Ok(());
        };
        for (section, entries) in sections.iter_mut() {
            self.at(section, |walk| {
                if section == "schemas" {
                    walk.schema_map(entries)
                } else {
                    walk.objects(entries)
                }
            })?;
        }
        Ok(())
    }

    /// Non-schema OpenAPI objects: each `schema` key holds a schema; examples and extensions are
    /// data.
    fn objects(&mut self, node: &mut Value) -> Result<(), E> {
        match node {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if key == "example" || key == "examples" || key.starts_with("x-") {
                        continue;
                    }
                    self.at(key, |walk| {
                        if key == "schema" {
                            walk.schema(value)
                        } else {
                            walk.objects(value)
                        }
                    })?;
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    self.at(&index.to_string(), |walk| walk.objects(item))?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn schema(&mut self, schema: &mut Value) -> Result<(), E> {
        (self.visit)(schema, &self.pointer)?;
        let Some(map) = schema.as_object_mut() else {
            return Ok(());
        };
        for (key, value) in map.iter_mut() {
            let key = key.as_str();
            self.at(key, |walk| match key {
                "properties" => walk.schema_map(value),
                "items" | "not" => walk.schema(value),
                "additionalProperties" if value.is_object() => walk.schema(value),
                "allOf" | "anyOf" | "oneOf" => walk.schema_list(value),
                _ => Ok(()),
            })?;
        }
        Ok(())
    }

    fn schema_map(&mut self, node: &mut Value) -> Result<(), E> {
        if let Some(map) = node.as_object_mut() {
            for (name, schema) in map.iter_mut() {
                self.at(name, |walk| walk.schema(schema))?;
            }
        }
        Ok(())
    }

    fn schema_list(&mut self, node: &mut Value) -> Result<(), E> {
        if let Some(items) = node.as_array_mut() {
            for (index, schema) in items.iter_mut().enumerate() {
                self.at(&index.to_string(), |walk| walk.schema(schema))?;
            }
        }
        Ok(())
    }
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
