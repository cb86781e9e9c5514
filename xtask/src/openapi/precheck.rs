//! Checks for spec shapes on which progenitor 0.15 panics instead of returning an error.
//!
//! progenitor reaches `assert!`, `todo!` or `unwrap` on these shapes; this module finds them first
//! and reports every one with the operation and the reason, so `cargo xtask codegen` never shows a
//! Rust panic for a problem of the spec. Runs on the converted (3.0) document.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use super::walk::{operations_of, resolve};

/// One shape progenitor cannot generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unsupported {
    /// `METHOD path (operationId)`, or a JSON pointer for problems outside operations.
    pub(crate) location: String,
    /// The operationId of the operation concerned, if any.
    pub(crate) operation: Option<String>,
    /// Why progenitor cannot generate it.
    pub(crate) reason: String,
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.reason)
    }
}

/// Every unsupported shape in `doc` (an OpenAPI 3.0 document), in document order.
pub(crate) fn check(doc: &Value) -> Vec<Unsupported> {
    let mut found = dangling_refs(doc);
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return found;
    };
    for (path, item) in paths {
        let shared_params = item.get("parameters");
        for (method, operation) in operations_of(item) {
            let id = operation.get("operationId").and_then(Value::as_str);
            let location = match id {
                Some(id) => format!("{} {path} ({id})", method.to_uppercase()),
                None => {
                    found.push(Unsupported {
                        location: format!("{} {path}", method.to_uppercase()),
                        operation: None,
                        reason: "has no operationId; progenitor names methods and types after it"
                            .into(),
                    });
                    continue;
                }
            };
            let mut report = |reason: String| {
                found.push(Unsupported {
                    location: location.clone(),
                    operation: id.map(str::to_string),
                    reason,
                })
            };
            check_path_params(
                doc,
                path,
                shared_params,
                operation.get("parameters"),
                &mut report,
            );
            check_query_styles(doc, shared_params, operation.get("parameters"), &mut report);
            check_request_body(doc, operation, &mut report);
            check_responses(doc, operation, &mut report);
        }
    }
    found
}

/// Every `$ref` of `doc` that does not resolve to a component of `doc`, in document order.
pub(crate) fn dangling_refs(doc: &Value) -> Vec<Unsupported> {
    let mut found = Vec::new();
    check_refs(doc, doc, &mut Vec::new(), &mut found);
    found
}

/// One step of a JSON pointer, kept unescaped until a pointer is shown: a walk over a whole
/// document builds no string for the nodes it only passes through.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn check_refs<'a>(
    doc: &Value,
    node: &'a Value,
    path: &mut Vec<Step<'a>>,
    found: &mut Vec<Unsupported>,
) {
    match node {
        Value::Object(map) => {
            // The keys of `properties` and `responses` are names (a property called `$ref` or
            // `default`, the `default` response), not keywords.
            let names = matches!(path.last(), Some(Step::Key("properties" | "responses")));
            for (key, value) in map {
                match key.as_str() {
                    "$ref" if !names => check_ref(doc, value, path, found),
                    // Data, not schema: a `$ref` key inside an example is just a value.
                    "example" | "examples" | "default" | "enum" if !names => {}
                    _ => {
                        path.push(Step::Key(key));
                        check_refs(doc, value, path, found);
                        path.pop();
                    }
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(Step::Index(index));
                check_refs(doc, item, path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

fn check_ref(doc: &Value, reference: &Value, path: &[Step<'_>], found: &mut Vec<Unsupported>) {
    let target = reference.as_str().unwrap_or_default();
    let resolves = target
        .strip_prefix('#')
        .is_some_and(|local| local.starts_with("/components/") && doc.pointer(local).is_some());
    if resolves {
        return;
    }
    let mut location = String::new();
    for step in path {
        location.push('/');
        match step {
            Step::Key(key) => location.push_str(&crate::openapi::file::escape_pointer_token(key)),
            Step::Index(index) => location.push_str(&index.to_string()),
        }
    }
    found.push(Unsupported {
        location: if location.is_empty() {
            "/".into()
        } else {
            location
        },
        operation: None,
        reason: format!(
            "$ref {target} does not resolve to a component of this document \
             (progenitor panics on dangling or external references)"
        ),
    });
}

fn check_path_params(
    doc: &Value,
    path: &str,
    shared: Option<&Value>,
    own: Option<&Value>,
    report: &mut impl FnMut(String),
) {
    let mut declared = BTreeSet::new();
    for params in [shared, own].into_iter().flatten() {
        for param in params.as_array().into_iter().flatten() {
            let Some(param) = resolve(doc, param) else {
                continue;
            };
            if param.get("in").and_then(Value::as_str) != Some("path") {
                continue;
            }
            let name = param
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if param.get("required").and_then(Value::as_bool) != Some(true) {
                report(format!("path parameter `{name}` is not `required: true`"));
            }
            if let Some(style) = param.get("style").and_then(Value::as_str)
                && style != "simple"
            {
                report(format!(
                    "path parameter `{name}` has style `{style}`; only `simple` is supported"
                ));
            }
            declared.insert(name.to_string());
        }
    }
    let in_template: BTreeSet<String> = path
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
        .collect();
    for name in in_template.difference(&declared) {
        report(format!(
            "the path names `{{{name}}}` but no path parameter `{name}` is declared"
        ));
    }
    for name in declared.difference(&in_template) {
        report(format!(
            "path parameter `{name}` does not appear in the path"
        ));
    }
}

/// progenitor generates `form` query parameters only (and returns an error for the others);
/// deepObject ones are spelled out before this check (`deep_object`), so any left is reported here
/// with its name.
fn check_query_styles(
    doc: &Value,
    shared: Option<&Value>,
    own: Option<&Value>,
    report: &mut impl FnMut(String),
) {
    let params = [shared, own]
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|param| resolve(doc, param));
    for param in params {
        let style = param.get("style").and_then(Value::as_str);
        if param.get("in").and_then(Value::as_str) == Some("query")
            && style.is_some_and(|style| style != "form")
        {
            let name = param
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            report(format!(
                "query parameter `{name}` has style `{}`; progenitor 0.15 generates `form` only",
                style.unwrap_or_default()
            ));
        }
    }
}

fn check_request_body(doc: &Value, operation: &Value, report: &mut impl FnMut(String)) {
    let Some(body) = operation.get("requestBody") else {
        return;
    };
    let Some(body) = resolve(doc, body) else {
        return;
    };
    let Some(content) = body.get("content").and_then(Value::as_object) else {
        return;
    };
    if content.len() > 1 {
        let types: Vec<&str> = content.keys().map(String::as_str).collect();
        report(format!(
            "the request body has {} media types ({}); progenitor supports one",
            content.len(),
            types.join(", ")
        ));
    }
    for (media_type, media) in content {
        if has_encoding(media) {
            report(format!(
                "request media type {media_type} has an `encoding`, which progenitor cannot generate"
            ));
        }
        if media.get("schema").is_none() {
            report(format!("request media type {media_type} has no schema"));
        }
    }
}

/// What progenitor types a response body as; two responses on one side with different kinds
/// make it panic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum BodyKind {
    /// No content: `()` on the error side, an empty `ResponseValue` on the success side.
    None,
    /// A JSON body, typed by its schema (the same reference or inline schema, the same type).
    Json(String),
    /// Any other media type: a byte stream.
    Raw,
}

/// The responses of an operation as progenitor splits them: those its generated method returns
/// as success and those it returns as errors, each `(status, body kind)` (a `default` response
/// counts on both sides, unless a `2XX` takes the success side).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ResponseSides<'a> {
    pub(crate) success: Vec<(&'a str, BodyKind)>,
    pub(crate) error: Vec<(&'a str, BodyKind)>,
}

/// Splits `responses` (an operation's `responses` object) by side; `report` hears of response
/// shapes progenitor cannot take at all.
pub(crate) fn response_sides<'a>(
    doc: &Value,
    responses: &'a serde_json::Map<String, Value>,
    report: &mut impl FnMut(String),
) -> ResponseSides<'a> {
    let mut sides = ResponseSides::default();
    let has_success_range = responses.contains_key("2XX");
    for (code, response) in responses {
        let Some(response) = resolve(doc, response) else {
            continue;
        };
        let kind = body_kind(response, code, report);
        let is_success = code.starts_with('2');
        let is_default = code == "default";
        if is_success || (is_default && !has_success_range) {
            sides.success.push((code, kind.clone()));
        }
        if !is_success {
            sides.error.push((code, kind));
        }
    }
    sides
}

fn check_responses(doc: &Value, operation: &Value, report: &mut impl FnMut(String)) {
    let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
        report("has no responses".into());
        return;
    };
    let sides = response_sides(doc, responses, report);
    for (side, statuses) in [("success", &sides.success), ("error", &sides.error)] {
        let kinds: BTreeSet<&BodyKind> = statuses.iter().map(|(_, kind)| kind).collect();
        if kinds.len() > 1 {
            let codes: Vec<&str> = statuses.iter().map(|(code, _)| *code).collect();
            report(format!(
                "its {side} responses ({}) have {} different body types; progenitor 0.15 supports one \
                 per side (a `default` response counts on both sides) — merge them in an overlay",
                codes.join(", "),
                kinds.len()
            ));
        }
    }
}

/// Whether a media type object has a (non-empty) `encoding`, which progenitor cannot generate.
fn has_encoding(media: &Value) -> bool {
    media
        .get("encoding")
        .and_then(Value::as_object)
        .is_some_and(|e| !e.is_empty())
}

/// What progenitor types the body of `response` (status `code`) as; `report` hears of shapes it
/// cannot take.
pub(crate) fn body_kind(response: &Value, code: &str, report: &mut impl FnMut(String)) -> BodyKind {
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return BodyKind::None;
    };
    let json = content.iter().find(|(media_type, _)| {
        *media_type == "application/json" || media_type.starts_with("application/json;")
    });
    match json {
        Some((media_type, media)) => {
            if has_encoding(media) {
                report(format!(
                    "response {code} {media_type} has an `encoding`, which progenitor cannot generate"
                ));
            }
            match media.get("schema") {
                // Same reference or same inline schema: the same generated type.
                Some(schema) => BodyKind::Json(schema.to_string()),
                None => {
                    report(format!("response {code} {media_type} has no schema"));
                    BodyKind::None
                }
            }
        }
        None if content.is_empty() => BodyKind::None,
        None => BodyKind::Raw,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc(operation: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": {"/rooms/{room_id}": {"post": operation}},
            "components": {"schemas": {"A": {"type": "object"}, "B": {"type": "string"}}}
        })
    }

    fn room_param() -> Value {
        json!([{"name": "room_id", "in": "path", "required": true, "schema": {"type": "string"}}])
    }

    /// A JSON body of the component schema `name`.
    fn json_body(name: &str) -> Value {
        json!({"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}})
    }

    /// A document of operation `Op` on the room path, answering each status with a JSON body of
    /// the schema named beside it.
    fn responding(responses: &[(&str, &str)]) -> Value {
        let responses: serde_json::Map<String, Value> = responses
            .iter()
            .map(|(status, schema)| ((*status).to_owned(), json_body(schema)))
            .collect();
        doc(json!({"operationId": "Op", "parameters": room_param(), "responses": responses}))
    }

    /// `check` finds in `doc` a problem whose reason says each of `expected`.
    fn assert_reported(doc: &Value, expected: &[&str]) {
        let reasons: Vec<String> = check(doc).into_iter().map(|u| u.reason).collect();
        for expected in expected {
            assert!(
                reasons.iter().any(|r| r.contains(expected)),
                "{expected}: {reasons:?}"
            );
        }
    }

    /// The one problem `check` finds in `doc`.
    fn only_problem(doc: &Value) -> Unsupported {
        let mut found = check(doc);
        assert_eq!(found.len(), 1, "{found:?}");
        found.remove(0)
    }

    #[test]
    fn a_supported_operation_passes() {
        let mut doc = responding(&[("201", "A"), ("403", "B"), ("404", "B")]);
        doc["paths"]["/rooms/{room_id}"]["post"]["requestBody"] = json_body("A");
        assert_eq!(check(&doc), vec![]);
    }

    #[test]
    fn two_success_body_types_are_reported() {
        let found = only_problem(&responding(&[("200", "A"), ("201", "B")]));
        assert_eq!(found.location, "POST /rooms/{room_id} (Op)");
        assert!(
            found.reason.contains("success responses (200, 201)"),
            "{found}"
        );
    }

    #[test]
    fn a_default_response_counts_on_both_sides() {
        let found = check(&responding(&[("201", "A"), ("default", "B")]));
        assert!(
            found
                .iter()
                .any(|u| u.reason.contains("success responses (201, default)")),
            "{found:?}"
        );
    }

    #[test]
    fn several_request_media_types_are_reported() {
        let doc = doc(json!({
            "operationId": "Op",
            "parameters": room_param(),
            "requestBody": {"content": {
                "application/json": {"schema": {"type": "object"}},
                "application/x-www-form-urlencoded": {"schema": {"type": "object"}}
            }},
            "responses": {"204": {"description": "ok"}}
        }));
        let found = only_problem(&doc);
        assert!(found.reason.contains("2 media types"), "{found}");
    }

    #[test]
    fn path_parameter_problems_and_dangling_refs_are_reported() {
        let doc = doc(json!({
            "operationId": "Op",
            "parameters": [{"name": "other", "in": "path", "schema": {"type": "string"}}],
            "responses": {"201": json_body("Missing")}
        }));
        assert_reported(
            &doc,
            &[
                "#/components/schemas/Missing",
                "`other` is not `required: true`",
                "no path parameter `room_id`",
                "`other` does not appear in the path",
            ],
        );
    }

    #[test]
    fn refs_are_found_in_default_responses_and_properties_named_like_keywords_are_schemas() {
        let doc = doc(json!({
            "operationId": "Op",
            "parameters": room_param(),
            "responses": {
                "default": json_body("Gone"),
                "201": {"content": {"application/json": {"schema": {"properties": {
                    "$ref": {"type": "string"},
                    "default": {"$ref": "#/components/schemas/A"},
                    "example": {"$ref": "#/components/schemas/AlsoGone"}
                }, "example": {"$ref": "data"}}}}}
            }
        }));
        let dangling: Vec<(String, String)> = dangling_refs(&doc)
            .into_iter()
            .map(|u| (u.location, u.reason))
            .collect();
        assert_eq!(dangling.len(), 2, "{dangling:#?}");
        assert_eq!(
            dangling[0].0,
            "/paths/~1rooms~1{room_id}/post/responses/default/content/application~1json/schema"
        );
        assert!(dangling[0].1.contains("#/components/schemas/Gone"));
        assert!(dangling[1].1.contains("#/components/schemas/AlsoGone"));
    }

    #[test]
    fn query_styles_other_than_form_are_reported() {
        let mut params = room_param();
        params.as_array_mut().expect("a list").extend([
            json!({"name": "ids", "in": "query", "style": "pipeDelimited", "schema": {"type": "array"}}),
            json!({"name": "page", "in": "query", "style": "form", "schema": {"type": "integer"}}),
        ]);
        let doc = doc(json!({"operationId": "Op", "parameters": params, "responses": {"204": {}}}));
        let found = only_problem(&doc);
        assert!(
            found.reason.contains("`ids` has style `pipeDelimited`"),
            "{found}"
        );
    }

    #[test]
    fn an_encoding_is_reported_on_request_and_response_media() {
        let mut encoded = json_body("A");
        encoded["content"]["application/json"]["encoding"] =
            json!({"a": {"contentType": "text/plain"}});
        let mut doc = responding(&[("201", "A")]);
        let operation = &mut doc["paths"]["/rooms/{room_id}"]["post"];
        operation["requestBody"] = encoded.clone();
        operation["responses"]["201"] = encoded;
        assert_reported(
            &doc,
            &[
                "request media type application/json has an `encoding`",
                "response 201 application/json has an `encoding`",
            ],
        );
    }

    #[test]
    fn a_missing_operation_id_is_reported() {
        let doc =
            doc(json!({"parameters": room_param(), "responses": {"204": {"description": "ok"}}}));
        assert!(check(&doc)[0].reason.contains("no operationId"));
    }
}
