//! Per-operation metadata extracted from the spec and emitted as Rust constants beside the client.
//!
//! The facade and the mock read security, TTL bounds and defaults from these constants, so a spec
//! change in any of them flows through `cargo xtask codegen` instead of being retyped by hand.
//! Extracted from the converted document *before* defaults are stripped for progenitor.

use anyhow::{Context, Result, bail};
use heck::{ToShoutySnakeCase, ToSnakeCase};

use serde_json::Value;

use crate::openapi::walk::{follow_refs, operations_of, resolve, strings};

/// One operation's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OperationMeta {
    pub(crate) operation_id: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) requires_bearer: bool,
    pub(crate) success_status: u16,
    pub(crate) success_body: SuccessBodyMeta,
    /// The response keys the spec documents, in spec order (`201`, `404`, `4XX`, `default`).
    pub(crate) responses: Vec<String>,
    pub(crate) body_required: bool,
    pub(crate) body_media_type: Option<String>,
    pub(crate) path_params: Vec<FieldMeta>,
    /// In the order of the generated method's arguments: by wire name, as progenitor sorts them.
    pub(crate) query_params: Vec<FieldMeta>,
    /// By name.
    pub(crate) header_params: Vec<FieldMeta>,
    pub(crate) body_fields: Vec<FieldMeta>,
}

/// The shape of the success response body (`crate::meta::SuccessBody` in the generated crate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SuccessBodyMeta {
    /// No body.
    Empty,
    /// `{"data": {…}}`, with the component schema of `data` when it has one.
    Data(Option<String>),
    /// `{"data": […], "meta": {…}}`, with the component schema of the items when they have one.
    Page(Option<String>),
    /// Any other body.
    Other,
}

/// One path or query parameter, or top-level body property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldMeta {
    /// The name on the wire (`page[size]`).
    pub(crate) name: String,
    /// The name of the generated argument or struct field (`page_size`).
    pub(crate) rust_name: String,
    pub(crate) required: bool,
    pub(crate) kind: &'static str,
    pub(crate) format: Option<String>,
    pub(crate) minimum: Option<i64>,
    pub(crate) maximum: Option<i64>,
    pub(crate) default: Option<i64>,
    /// The values a string `enum` allows, in spec order (empty: no enum).
    pub(crate) enum_values: Vec<String>,
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

    let responses = operation
        .get("responses")
        .and_then(Value::as_object)
        .context("no responses")?;
    let (success_status, success) = responses
        .iter()
        .find_map(|(code, response)| {
            let code = code.parse::<u16>().ok()?;
            (200..300).contains(&code).then_some((code, response))
        })
        .context("no 2xx response with a numeric status code")?;

    let mut path_params = params(doc, item, operation, "path")?;
    path_params.sort_by_key(|param| path.find(&format!("{{{}}}", param.name)));
    let mut query_params = params(doc, item, operation, "query")?;
    query_params.sort_by(|a, b| a.name.cmp(&b.name));
    let mut header_params = params(doc, item, operation, "header")?;
    header_params.sort_by(|a, b| a.name.cmp(&b.name));
    let body = request_body(doc, operation)?;

    Ok(OperationMeta {
        operation_id,
        method: method.to_uppercase(),
        path: path.to_string(),
        requires_bearer,
        success_status,
        success_body: success_body(doc, success)?,
        responses: responses.keys().cloned().collect(),
        body_required: body.required,
        body_media_type: body.media_type,
        path_params,
        query_params,
        header_params,
        body_fields: body.fields,
    })
}

/// The operation's parameters `in` the path, the query or the headers (path-level and its own),
/// in spec order.
fn params(doc: &Value, item: &Value, operation: &Value, location: &str) -> Result<Vec<FieldMeta>> {
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
                .with_context(|| format!("{location} parameter {name} has no schema"))?;
            // Path parameters are always required (the pre-check sees to it).
            let required =
                location == "path" || param.get("required").and_then(Value::as_bool) == Some(true);
            found.push(field(doc, name, required, schema)?);
        }
    }
    Ok(found)
}

/// What the success response's JSON body holds.
fn success_body(doc: &Value, response: &Value) -> Result<SuccessBodyMeta> {
    let response = resolve(doc, response).context("dangling response $ref")?;
    let Some(schema) = response
        .get("content")
        .and_then(Value::as_object)
        .and_then(|content| {
            content
                .iter()
                .find(|(media, _)| media.starts_with("application/json"))
        })
        .and_then(|(_, media)| media.get("schema"))
    else {
        return Ok(SuccessBodyMeta::Empty);
    };
    let schema = resolve(doc, schema).context("dangling response schema $ref")?;
    let property = |name: &str| schema.get("properties").and_then(|p| p.get(name));
    let Some(data) = property("data") else {
        return Ok(SuccessBodyMeta::Other);
    };
    let component = |node: &Value| -> Result<Option<String>> {
        let (reference, _) = follow_refs(doc, node).context("dangling schema $ref of data")?;
        Ok(reference
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_owned))
    };
    let resolved = resolve(doc, data).context("dangling schema $ref of data")?;
    Ok(match resolved.get("type").and_then(Value::as_str) {
        Some("array") if property("meta").is_some() => match resolved.get("items") {
            Some(items) => SuccessBodyMeta::Page(component(items)?),
            None => SuccessBodyMeta::Other,
        },
        Some("object") | None
            if resolved.get("properties").is_some() || data.get("$ref").is_some() =>
        {
            SuccessBodyMeta::Data(component(data)?)
        }
        _ => SuccessBodyMeta::Other,
    })
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
    let required = strings(schema.get("required"));
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

/// The name progenitor gives an argument or field named `name` in the spec: its snake case, with
/// every character that cannot continue a Rust identifier read as a word break (`page[size]` →
/// `page_size`; a keyword gets a trailing `_`). `agree` checks it against the generated code.
pub(crate) fn rust_ident(name: &str) -> String {
    let spaced: String = name
        .chars()
        .filter(|c| *c != '\'')
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut ident = spaced.to_snake_case();
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    // A keyword (`type`) gets a trailing underscore, as progenitor's and typify's names do.
    if syn::parse_str::<syn::Ident>(&ident).is_err() {
        ident.push('_');
    }
    ident
}

fn kind_of(name: &str, schema: &Value) -> Result<&'static str> {
    Ok(match schema.get("type").and_then(Value::as_str) {
        Some("integer") => "Integer",
        Some("number") => "Number",
        Some("string") => "String",
        Some("boolean") => "Boolean",
        Some("array") => "Array",
        Some("object") => "Object",
        None if ["oneOf", "anyOf"].iter().any(|k| schema.get(k).is_some()) => "OneOf",
        None => "Object",
        Some(other) => bail!("field {name} has unknown type {other}"),
    })
}

/// The string values of an `enum`; an enum of anything else is refused, as the metadata could
/// not state it.
fn enum_values(name: &str, schema: &Value) -> Result<Vec<String>> {
    let Some(values) = schema.get("enum") else {
        return Ok(Vec::new());
    };
    values
        .as_array()
        .into_iter()
        .flatten()
        .map(|value| match value {
            Value::String(text) => Ok(text.clone()),
            other => bail!("field {name}: enum value {other} is not a string; the metadata states string enums only"),
        })
        .collect()
}

fn field(doc: &Value, name: &str, required: bool, schema: &Value) -> Result<FieldMeta> {
    rust_name("field", name, &name.to_shouty_snake_case())?;
    let ident = rust_ident(name);
    rust_name("field", name, &ident)?;
    let schema = resolve(doc, schema).with_context(|| format!("dangling schema $ref of {name}"))?;
    let kind = kind_of(name, schema)?;
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
        rust_name: ident,
        required,
        kind,
        format: schema
            .get("format")
            .and_then(Value::as_str)
            .map(str::to_string),
        minimum,
        maximum,
        default,
        enum_values: enum_values(name, schema)?,
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

    /// Listing, viewing, deleting and acting on rooms: query parameters, bodies, statuses.
    fn rooms_doc() -> Value {
        json!({
            "openapi": "3.0.3",
            "components": {"schemas": {
                "Room": {"type": "object", "properties": {"id": {"type": "string"}}},
                "Body": {"properties": {
                    "participants": {"oneOf": [{"type": "string", "enum": ["all"]}, {"type": "array", "items": {}}]},
                    "type": {"type": "string", "enum": ["audio", "video"]},
                    "webhook_timeout_secs": {"type": "integer", "minimum": 0, "maximum": 30, "default": null}
                }}
            }},
            "paths": {
                "/rooms": {"get": {
                    "operationId": "ListRooms",
                    "parameters": [
                        {"name": "page[size]", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 250, "default": 20}},
                        {"name": "filter[status]", "in": "query", "required": true, "schema": {"type": "string", "enum": ["completed", "enqueued"]}}
                    ],
                    "responses": {"200": {"content": {"application/json": {"schema": {"properties": {
                        "data": {"type": "array", "items": {"$ref": "#/components/schemas/Room"}},
                        "meta": {"type": "object"}
                    }}}}}, "4XX": {}}
                }},
                "/rooms/{id}": {
                    "get": {"operationId": "ViewRoom", "responses": {"200": {"content": {"application/json": {"schema": {"properties": {
                        "data": {"$ref": "#/components/schemas/Room"}}}}}}, "404": {}, "default": {}}},
                    "delete": {"operationId": "DeleteRoom", "responses": {"204": {}}},
                    "post": {
                        "operationId": "Act",
                        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Body"}}}},
                        "responses": {"200": {"content": {"application/json": {"schema": {"properties": {
                            "data": {"type": "object", "properties": {"result": {"type": "string"}}}}}}}}}
                    }
                }
            }
        })
    }

    #[test]
    fn extracts_query_parameters_statuses_and_the_success_body() {
        let ops = extract(&rooms_doc()).expect("extracts");
        let list = &ops[0];
        let names: Vec<(&str, &str)> = list
            .query_params
            .iter()
            .map(|p| (p.name.as_str(), p.rust_name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("filter[status]", "filter_status"),
                ("page[size]", "page_size")
            ]
        );
        let (status, size) = (&list.query_params[0], &list.query_params[1]);
        assert!(status.required && !size.required);
        assert_eq!(status.enum_values, ["completed", "enqueued"]);
        assert_eq!(
            (size.minimum, size.maximum, size.default),
            (Some(1), Some(250), Some(20))
        );
        assert_eq!(
            list.success_body,
            SuccessBodyMeta::Page(Some("Room".into()))
        );
        assert_eq!(list.responses, ["200", "4XX"]);
        assert_eq!(
            ops[1].success_body,
            SuccessBodyMeta::Data(Some("Room".into()))
        );
        assert_eq!(ops[1].responses, ["200", "404", "default"]);
        assert_eq!(
            (ops[2].success_status, &ops[2].success_body),
            (204, &SuccessBodyMeta::Empty)
        );
    }

    #[test]
    fn extracts_rust_names_kinds_and_enums_of_body_fields() {
        let ops = extract(&rooms_doc()).expect("extracts");
        let act = &ops[3];
        assert_eq!(act.success_body, SuccessBodyMeta::Data(None));
        let kinds: Vec<(&str, &str, &str)> = act
            .body_fields
            .iter()
            .map(|f| (f.name.as_str(), f.rust_name.as_str(), f.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("participants", "participants", "OneOf"),
                ("type", "type_", "String"),
                ("webhook_timeout_secs", "webhook_timeout_secs", "Integer"),
            ]
        );
        assert_eq!(
            act.body_fields[2].default, None,
            "`default: null` is no default"
        );
        let bad = json!({"paths": {"/x": {"get": {"operationId": "X", "parameters": [
            {"name": "n", "in": "query", "schema": {"type": "integer", "enum": [1, 2]}}
        ], "responses": {"200": {}}}}}});
        let error = extract(&bad).expect_err("an integer enum");
        assert!(
            format!("{error:#}").contains("string enums only"),
            "{error:#}"
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
