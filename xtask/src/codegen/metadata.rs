//! Per-operation metadata extracted from the spec and emitted as Rust constants beside the client.
//!
//! The facade and the mock read security, TTL bounds and defaults from these constants, so a spec
//! change in any of them flows through `cargo xtask codegen` instead of being retyped by hand.
//! Extracted from the converted document *before* defaults are stripped for progenitor.

use anyhow::{Context, Result, bail};
use heck::{ToShoutySnakeCase, ToSnakeCase};

use serde_json::Value;

use crate::openapi::walk::{operations_of, resolve};

/// One operation's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OperationMeta {
    pub(crate) operation_id: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) requires_bearer: bool,
    pub(crate) success_status: u16,
    pub(crate) body_required: bool,
    pub(crate) body_media_type: Option<String>,
    pub(crate) path_params: Vec<FieldMeta>,
    pub(crate) query_params: Vec<FieldMeta>,
    pub(crate) body_fields: Vec<FieldMeta>,
}

/// One path parameter or top-level body property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldMeta {
    pub(crate) name: String,
    pub(crate) required: bool,
    pub(crate) kind: &'static str,
    pub(crate) format: Option<String>,
    pub(crate) minimum: Option<i64>,
    pub(crate) maximum: Option<i64>,
    pub(crate) default: Option<i64>,
}

/// Extracts every operation of `doc` (an OpenAPI 3.0 document that passed the pre-check).
pub(crate) fn extract(doc: &Value) -> Result<Vec<OperationMeta>> {
    let mut operations = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(operations);
    };
    for (path, item) in paths {
        for (method, operation) in operations_of(item) {
            let id = operation
                .get("operationId")
                .and_then(Value::as_str)
                .with_context(|| format!("{} {path} has no operationId", method.to_uppercase()))?;
            rust_name("operationId", id, &id.to_shouty_snake_case())?;
            rust_name("operationId", id, &id.to_snake_case())?;
            let meta = extract_operation(doc, path, method, item, operation)
                .with_context(|| format!("operation {id} ({} {path})", method.to_uppercase()))?;
            operations.push(meta);
        }
    }
    Ok(operations)
}

fn extract_operation(
    doc: &Value,
    path: &str,
    method: &str,
    item: &Value,
    operation: &Value,
) -> Result<OperationMeta> {
    let operation_id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let security = operation.get("security").or_else(|| doc.get("security"));
    let requires_bearer = requires_bearer(doc, security)?;

    let success_status = operation
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|responses| responses.keys())
        .find_map(|code| {
            code.parse::<u16>()
                .ok()
                .filter(|code| (200..300).contains(code))
        })
        .context("no 2xx response with a numeric status code")?;

    let mut path_params = params(doc, "path", item, operation)?;
    path_params.sort_by_key(|param| path.find(&format!("{{{}}}", param.name)));
    let query_params = params(doc, "query", item, operation)?;
    let body = request_body(doc, operation)?;

    Ok(OperationMeta {
        operation_id,
        method: method.to_uppercase(),
        path: path.to_string(),
        requires_bearer,
        success_status,
        body_required: body.required,
        body_media_type: body.media_type,
        path_params,
        query_params,
        body_fields: body.fields,
    })
}

/// The operation's parameters `in` this location (path-level, then its own), in spec order. Path
/// parameters are always required; a query parameter is when it says so (deepObject parameters
/// are already spelled out as `page[size]`, `filter[…]` by `openapi::deep_object`).
fn params(doc: &Value, location: &str, item: &Value, operation: &Value) -> Result<Vec<FieldMeta>> {
    let mut found = Vec::new();
    for params in [item.get("parameters"), operation.get("parameters")]
        .into_iter()
        .flatten()
    {
        for param in params.as_array().into_iter().flatten() {
            let param = resolve(doc, param).context("dangling parameter $ref")?;
            if param.get("in").and_then(Value::as_str) != Some(location) {
                continue;
            }
            let name = param
                .get("name")
                .and_then(Value::as_str)
                .context("a parameter without a name")?;
            let schema = param
                .get("schema")
                .context(format!("{location} parameter {name} has no schema"))?;
            let required =
                location == "path" || param.get("required").and_then(Value::as_bool) == Some(true);
            found.push(field(doc, name, required, schema)?);
        }
    }
    Ok(found)
}

/// What the metadata says about a request body.
#[derive(Debug, Default)]
struct Body {
    required: bool,
    media_type: Option<String>,
    fields: Vec<FieldMeta>,
}

/// The request body's requiredness, first media type and top-level properties.
fn request_body(doc: &Value, operation: &Value) -> Result<Body> {
    let mut out = Body::default();
    let Some(body) = operation.get("requestBody") else {
        return Ok(out);
    };
    let body = resolve(doc, body).context("dangling requestBody $ref")?;
    out.required = body
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let Some((media_type, media)) = body
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.iter().next())
    else {
        return Ok(out);
    };
    out.media_type = Some(media_type.clone());
    let schema = media
        .get("schema")
        .context("request body without a schema")?;
    let schema = resolve(doc, schema).context("dangling request body schema $ref")?;
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let required = required.contains(&name.as_str());
            out.fields.push(field(doc, name, required, property)?);
        }
    }
    Ok(out)
}

/// Maps the operation's security requirements to the two cases this SDK supports.
fn requires_bearer(doc: &Value, security: Option<&Value>) -> Result<bool> {
    let Some(requirements) = security else {
        return Ok(false);
    };
    let requirements = requirements
        .as_array()
        .context("`security` must be a list")?;
    if requirements.is_empty() {
        return Ok(false);
    }
    if requirements.len() > 1 {
        bail!("alternative security requirements are not supported: {security:?}");
    }
    let Some(requirement) = requirements[0].as_object() else {
        bail!("a security requirement must be an object");
    };
    if requirement.is_empty() {
        return Ok(false);
    }
    if requirement.len() > 1 {
        bail!(
            "combined security schemes are not supported: {:?}",
            requirement.keys()
        );
    }
    for scheme_name in requirement.keys() {
        let scheme = doc
            .pointer(&format!("/components/securitySchemes/{scheme_name}"))
            .with_context(|| format!("security scheme {scheme_name} is not defined"))?;
        let is_bearer = scheme.get("type").and_then(Value::as_str) == Some("http")
            && scheme
                .get("scheme")
                .and_then(Value::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case("bearer"));
        if !is_bearer {
            bail!("security scheme {scheme_name} is not HTTP bearer; only bearer is supported");
        }
    }
    Ok(true)
}

/// Refuses a spec name whose spelling in the generated code (`ident`) is not a Rust identifier:
/// `format_ident!` would panic on it, or the generated crate would not compile.
fn rust_name(what: &str, name: &str, ident: &str) -> Result<()> {
    if syn::parse_str::<syn::Ident>(ident).is_err() {
        bail!("{what} `{name}` would be named `{ident}` in Rust, which is not an identifier");
    }
    Ok(())
}

fn field(doc: &Value, name: &str, required: bool, schema: &Value) -> Result<FieldMeta> {
    rust_name("field", name, &name.to_shouty_snake_case())?;
    let schema = resolve(doc, schema).with_context(|| format!("dangling schema $ref of {name}"))?;
    let kind = match schema.get("type").and_then(Value::as_str) {
        Some("integer") => "Integer",
        Some("number") => "Number",
        Some("string") => "String",
        Some("boolean") => "Boolean",
        Some("array") => "Array",
        Some("object") => "Object",
        // No `type`: an object when it lists properties, else no single JSON type (`oneOf`, `{}`).
        None if schema.get("properties").is_some() => "Object",
        None => "Any",
        Some(other) => bail!("field {name} has unknown type {other}"),
    };
    let integer = |key: &str| -> Result<Option<i64>> {
        match schema.get(key) {
            // `default: null` (upstream writes it for a nullable field) is no default.
            None | Some(Value::Null) => Ok(None),
            Some(value) => match value.as_i64() {
                Some(value) => Ok(Some(value)),
                None => bail!(
                    "field {name}: `{key}` of an integer must be a whole number, found {value}"
                ),
            },
        }
    };
    let (mut minimum, mut maximum, mut default) = (None, None, None);
    if kind == "Integer" {
        minimum = integer("minimum")?;
        maximum = integer("maximum")?;
        default = integer("default")?;
        // Inclusive bounds are what callers check; for integers the conversion is exact.
        if schema.get("exclusiveMinimum").and_then(Value::as_bool) == Some(true) {
            minimum = minimum.and_then(|m| m.checked_add(1));
        }
        if schema.get("exclusiveMaximum").and_then(Value::as_bool) == Some(true) {
            maximum = maximum.and_then(|m| m.checked_sub(1));
        }
    }
    Ok(FieldMeta {
        name: name.to_string(),
        required,
        kind,
        format: schema
            .get("format")
            .and_then(Value::as_str)
            .map(str::to_string),
        minimum,
        maximum,
        default,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Found by `proptests::accepted_names_render_as_rust`: an `operationId` or field name with
    /// no Rust spelling (`""`, `1a`, `_`) made `tokens` panic in `format_ident!`.
    #[test]
    fn names_without_a_rust_spelling_are_refused() {
        for id in ["", "1a", "_", "self"] {
            let doc = json!({"openapi": "3.0.3", "paths": {"/x": {"post": {
                "operationId": id, "responses": {"201": {"description": "d"}}}}}});
            let error = extract(&doc).expect_err("no Rust name");
            assert!(
                format!("{error:#}").contains("not an identifier"),
                "{error:#}"
            );
        }
        let doc = json!({"openapi": "3.0.3", "paths": {"/x": {"post": {
            "operationId": "Make",
            "requestBody": {"content": {"application/json": {"schema": {"properties": {"9": {}}}}}},
            "responses": {"201": {"description": "d"}}}}}});
        let error = extract(&doc).expect_err("no Rust name");
        assert!(format!("{error:#}").contains("field `9`"), "{error:#}");
        let doc = json!({"openapi": "3.0.3", "paths": {"/x": {"post": {
            "operationId": "Mäke", "responses": {"201": {"description": "d"}}}}}});
        assert!(extract(&doc).is_ok());
    }

    #[test]
    fn extracts_security_bounds_and_defaults() {
        let doc = json!({
            "openapi": "3.0.3",
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
                "schemas": {"Body": {"required": ["b"], "properties": {
                    "a": {"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 10, "default": 5},
                    "b": {"type": "string"}
                }}}
            },
            "paths": {"/r/{id}": {
                "post": {
                    "operationId": "Locked",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Body"}}}},
                    "responses": {"403": {}, "201": {}}
                },
                "put": {"operationId": "Open", "security": [], "responses": {"204": {}}}
            }}
        });
        let ops = extract(&doc).expect("extracts");
        assert_eq!(ops.len(), 2);
        let locked = &ops[0];
        assert!(locked.requires_bearer);
        assert_eq!(locked.success_status, 201);
        assert!(locked.body_required);
        assert_eq!(locked.path_params[0].format.as_deref(), Some("uuid"));
        let a = &locked.body_fields[0];
        assert_eq!(
            (a.minimum, a.maximum, a.default, a.required),
            (Some(1), Some(10), Some(5), false)
        );
        assert!(locked.body_fields[1].required);
        assert!(!ops[1].requires_bearer);
    }

    #[test]
    fn extracts_query_parameters_and_fields_of_no_single_type() {
        let doc = json!({"openapi": "3.0.3", "paths": {"/r": {
            "parameters": [{"name": "page[size]", "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 250, "default": 20}}],
            "post": {
                "operationId": "Act",
                "parameters": [
                    {"name": "filter[day]", "in": "query", "required": true,
                     "schema": {"type": "string", "format": "date"}},
                    {"name": "x-trace", "in": "header", "schema": {"type": "string"}}
                ],
                "requestBody": {"content": {"application/json": {"schema": {"properties": {
                    "who": {"oneOf": [{"type": "string"}, {"type": "array"}]},
                    "shape": {"properties": {"a": {"type": "string"}}}
                }}}}},
                "responses": {"200": {}}
            }
        }}});
        let ops = extract(&doc).expect("extracts");
        let query = &ops[0].query_params;
        let names: Vec<&str> = query.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(
            names,
            ["page[size]", "filter[day]"],
            "path-level first; no header"
        );
        assert_eq!(
            (
                query[0].minimum,
                query[0].maximum,
                query[0].default,
                query[0].required
            ),
            (Some(1), Some(250), Some(20), false)
        );
        assert!(query[1].required);
        assert_eq!(query[1].format.as_deref(), Some("date"));
        assert!(ops[0].path_params.is_empty());
        let kinds: Vec<&str> = ops[0].body_fields.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            ["Any", "Object"],
            "`who` is a oneOf; `shape` lists properties"
        );
    }

    #[test]
    fn refuses_security_it_cannot_honour() {
        let doc = json!({"components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X"}}}});
        assert!(requires_bearer(&doc, Some(&json!([{"key": []}]))).is_err());
        assert!(requires_bearer(&doc, Some(&json!([{}, {"key": []}]))).is_err());
        assert!(!requires_bearer(&doc, Some(&json!([]))).expect("no auth"));
        assert!(!requires_bearer(&doc, None).expect("no auth"));
    }
}
