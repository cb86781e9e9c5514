//! `style: deepObject` query parameters rewritten as the form parameters they stand for.
//!
//! Telnyx's spec consolidates `page[number]`, `page[size]` and `filter[…][…]` into one object
//! parameter each, `style: deepObject` (its descriptions say so: "Consolidated page parameter
//! (deepObject style). Originally: page[size], page[number]"). progenitor 0.15 generates only
//! `form` query parameters and refuses the rest. A deepObject parameter `page` with properties
//! `number` and `size` is, on the wire, exactly the two form parameters `page[number]` and
//! `page[size]` (OpenAPI 3.0 §4.7.12.4.2, and what Telnyx's own SDKs send), so the rewrite keeps
//! the bytes on the wire and gives each leaf a typed argument of the generated method.
//!
//! Each leaf becomes one `form` parameter named by its path of keys in brackets, with the leaf's
//! schema (bounds, enum, format and default kept, so the metadata sees them); it is required when
//! the parameter and every object on the way require it. Shapes with no such spelling — arrays,
//! free-form keys (`additionalProperties`), `oneOf`/`anyOf`/`allOf`, `explode: false` — are
//! refused with the parameter's location, never generated wrongly.

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use super::walk::{METHODS, resolve, strings};

/// Rewrites every deepObject query parameter of `doc` (an OpenAPI 3.0 document) in place, at path
/// and operation level; a shared parameter (`$ref`) is inlined where it is used. Returns how many
/// deepObject parameters were rewritten (each use counts).
pub(crate) fn flatten(doc: &mut Value) -> Result<usize> {
    let snapshot = doc.clone();
    let mut rewritten = 0;
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(0);
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (key, node) in item.iter_mut() {
            let params = match key.as_str() {
                "parameters" => Some(node),
                method if METHODS.contains(&method) => node.get_mut("parameters"),
                _ => None,
            };
            let Some(params) = params.and_then(Value::as_array_mut) else {
                continue;
            };
            rewritten += flatten_list(&snapshot, params)
                .with_context(|| format!("{} {path}", key.to_uppercase()))?;
        }
    }
    Ok(rewritten)
}

/// Replaces each deepObject parameter of `params` by its leaves, in place and in order.
fn flatten_list(doc: &Value, params: &mut Vec<Value>) -> Result<usize> {
    let mut out = Vec::with_capacity(params.len());
    let mut rewritten = 0;
    for param in params.drain(..) {
        let resolved = resolve(doc, &param).context("dangling parameter $ref")?;
        let is_deep = resolved.get("in").and_then(Value::as_str) == Some("query")
            && resolved.get("style").and_then(Value::as_str) == Some("deepObject");
        if is_deep {
            out.extend(leaves(doc, resolved)?);
            rewritten += 1;
        } else {
            out.push(param);
        }
    }
    for (index, param) in out.iter().enumerate() {
        let key = |p: &Value| {
            let p = resolve(doc, p).unwrap_or(p);
            (p.get("in").cloned(), p.get("name").cloned())
        };
        if out[..index].iter().any(|other| key(other) == key(param)) {
            let (_, name) = key(param);
            bail!(
                "two parameters are named {} once deepObject parameters are spelled out",
                name.unwrap_or_default()
            );
        }
    }
    *params = out;
    Ok(rewritten)
}

/// The form parameters one deepObject parameter stands for.
fn leaves(doc: &Value, param: &Value) -> Result<Vec<Value>> {
    let name = param
        .get("name")
        .and_then(Value::as_str)
        .context("a parameter without a name")?;
    ensure!(
        param.get("explode").and_then(Value::as_bool) != Some(false),
        "deepObject query parameter `{name}` has `explode: false`, which OpenAPI leaves undefined"
    );
    let schema = param
        .get("schema")
        .with_context(|| format!("deepObject query parameter `{name}` has no schema"))?;
    let required = param
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let description = param.get("description").cloned();
    let mut out = Vec::new();
    spell_out(doc, name, schema, required, description.as_ref(), &mut out)
        .with_context(|| format!("deepObject query parameter `{name}`"))?;
    ensure!(
        !out.is_empty(),
        "deepObject query parameter `{name}` has no properties"
    );
    Ok(out)
}

/// Pushes the leaves of the object `schema` found under the wire name `prefix`.
fn spell_out(
    doc: &Value,
    prefix: &str,
    schema: &Value,
    required: bool,
    description: Option<&Value>,
    out: &mut Vec<Value>,
) -> Result<()> {
    let schema =
        resolve(doc, schema).with_context(|| format!("dangling schema $ref at `{prefix}`"))?;
    if let Some(keyword) = ["oneOf", "anyOf", "allOf", "not"]
        .into_iter()
        .find(|keyword| schema.get(keyword).is_some())
    {
        bail!("`{prefix}` is a `{keyword}`, which has no spelling as form parameters");
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | None if schema.get("properties").is_some() => {}
        Some("string" | "integer" | "number" | "boolean") => {
            out.push(leaf(prefix, schema, required, description));
            return Ok(());
        }
        Some(other) => {
            bail!("`{prefix}` is of type `{other}`, which has no spelling as form parameters")
        }
        None => bail!("`{prefix}` has neither a type nor properties"),
    }
    if schema
        .get("additionalProperties")
        .is_some_and(|extra| extra != &Value::Bool(false))
    {
        bail!(
            "`{prefix}` takes free-form keys (`additionalProperties`), which cannot be listed as parameters"
        );
    }
    let needed = strings(schema.get("required"));
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .with_context(|| format!("`{prefix}`: `properties` is not a map"))?;
    for (key, property) in properties {
        let name = format!("{prefix}[{key}]");
        let own = resolve(doc, property)
            .and_then(|p| p.get("description"))
            .or(description);
        spell_out(
            doc,
            &name,
            property,
            required && needed.contains(&key.as_str()),
            own,
            out,
        )?;
    }
    Ok(())
}

fn leaf(name: &str, schema: &Value, required: bool, description: Option<&Value>) -> Value {
    let mut param = json!({
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
    });
    if let (Some(description), Some(map)) = (description, param.as_object_mut()) {
        map.insert("description".into(), description.clone());
    }
    param
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc_with(params: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "components": {"parameters": {"Page": {
                "name": "page", "in": "query", "style": "deepObject", "explode": true,
                "schema": {"type": "object", "properties": {
                    "number": {"type": "integer", "minimum": 1, "default": 1, "description": "The page."},
                    "size": {"type": "integer", "minimum": 1, "maximum": 250}
                }}
            }}},
            "paths": {"/rooms": {"get": {"operationId": "ListRooms", "parameters": params}}}
        })
    }

    #[test]
    fn leaves_become_bracketed_query_parameters_in_place() {
        let mut doc = doc_with(json!([
            {"name": "include_sessions", "in": "query", "schema": {"type": "boolean"}},
            {"name": "filter", "in": "query", "style": "deepObject", "explode": true, "required": true,
             "description": "Consolidated filter.",
             "schema": {"type": "object", "required": ["date"], "properties": {
                "date": {"type": "object", "required": ["gte"], "properties": {"gte": {"type": "string", "format": "date"}}},
                "unique_name": {"type": "string"}
             }}},
            {"$ref": "#/components/parameters/Page"}
        ]));
        assert_eq!(flatten(&mut doc).expect("flattens"), 2);
        let params = &doc["paths"]["/rooms"]["get"]["parameters"];
        let names: Vec<&str> = params
            .as_array()
            .expect("a list")
            .iter()
            .map(|p| p["name"].as_str().expect("a name"))
            .collect();
        assert_eq!(
            names,
            [
                "include_sessions",
                "filter[date][gte]",
                "filter[unique_name]",
                "page[number]",
                "page[size]"
            ]
        );
        // Required only where the parameter and every object on the way require it.
        let required: Vec<bool> = params
            .as_array()
            .expect("a list")
            .iter()
            .skip(1)
            .map(|p| p["required"].as_bool().expect("a flag"))
            .collect();
        assert_eq!(required, [true, false, false, false]);
        assert_eq!(
            params[3],
            json!({"name": "page[number]", "in": "query", "required": false,
                   "schema": {"type": "integer", "minimum": 1, "default": 1, "description": "The page."},
                   "description": "The page."})
        );
        // A leaf without its own description keeps the parameter's.
        assert_eq!(params[2]["description"], "Consolidated filter.");
        // The shared component is left alone; its uses are spelled out.
        assert_eq!(
            doc["components"]["parameters"]["Page"]["style"],
            "deepObject"
        );
        assert_eq!(flatten(&mut doc).expect("idempotent"), 0);
    }

    #[test]
    fn shapes_without_a_spelling_are_refused_with_their_location() {
        for (schema, explode, why) in [
            (
                json!({"type": "object", "properties": {"ids": {"type": "array", "items": {}}}}),
                true,
                "`filter[ids]` is of type `array`",
            ),
            (
                json!({"type": "object", "additionalProperties": true, "properties": {"a": {"type": "string"}}}),
                true,
                "free-form keys",
            ),
            (
                json!({"type": "object", "properties": {"a": {"oneOf": [{"type": "string"}]}}}),
                true,
                "`filter[a]` is a `oneOf`",
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "string"}}}),
                false,
                "`explode: false`",
            ),
            (
                json!({"type": "object", "properties": {}}),
                true,
                "has no properties",
            ),
        ] {
            let mut doc = doc_with(json!([
                {"name": "filter", "in": "query", "style": "deepObject", "explode": explode, "schema": schema}
            ]));
            let message = format!("{:#}", flatten(&mut doc).expect_err(why));
            assert!(message.contains(why), "{message}");
            assert!(message.contains("GET /rooms"), "{message}");
        }
        let mut doc = doc_with(json!([
            {"name": "page[size]", "in": "query", "schema": {"type": "integer"}},
            {"$ref": "#/components/parameters/Page"}
        ]));
        let message = format!("{:#}", flatten(&mut doc).expect_err("a clash"));
        assert!(
            message.contains("two parameters are named \"page[size]\""),
            "{message}"
        );
    }
}
