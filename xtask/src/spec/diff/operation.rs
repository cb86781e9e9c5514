//! Operation-level rules: servers, paths, security, parameters, bodies, responses, media types.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use serde_json::{Map, Value};

use super::change::{Direction, Rust, Wire};
use super::contract::Contract;
use super::differ::{Differ, show, type_name};
use crate::spec::scope::SelectedOperation;

/// Security scheme keys that decide what credential a request carries.
const SCHEME_KEYS: [&str; 7] = [
    "type",
    "scheme",
    "in",
    "name",
    "bearerFormat",
    "flows",
    "openIdConnectUrl",
];

impl Differ<'_> {
    /// Document-wide parts of the contract: the server the SDK talks to by default.
    pub(crate) fn document(&mut self) {
        self.operation = "(document)".into();
        let url = |contract: &Contract| contract.doc["servers"][0]["url"].clone();
        let (old_url, new_url) = (url(self.old), url(self.new));
        if old_url != new_url {
            let detail = format!(
                "default server {} → {} (the generated default base URL changes, not its type)",
                show_text(&old_url),
                show_text(&new_url)
            );
            let verdict = (Wire::Breaking, Rust::None);
            self.push(verdict, "servers", "server-changed", detail);
        }
    }

    pub(crate) fn operation_pair(
        &mut self,
        old_op: &SelectedOperation,
        new_op: &SelectedOperation,
    ) -> Result<()> {
        if old_op.path != new_op.path || old_op.method != new_op.method {
            let detail = format!(
                "{} {} → {} {} (the generated method keeps its name)",
                old_op.method.to_uppercase(),
                old_op.path,
                new_op.method.to_uppercase(),
                new_op.path
            );
            self.push(
                (Wire::Breaking, Rust::None),
                "operation",
                "path-changed",
                detail,
            );
        }
        let (old, new) = (self.old.operation(old_op), self.new.operation(new_op));
        for key in ["summary", "description", "deprecated"] {
            self.annotation("operation", key, old.get(key), new.get(key));
        }
        self.security(old, new);
        self.parameters(old_op, new_op)?;
        self.place = Some(format!("{}Body", type_name(&new_op.id)));
        self.request_body(old.get("requestBody"), new.get("requestBody"))?;
        self.place = Some(format!("{}Response", type_name(&new_op.id)));
        self.responses(old.get("responses"), new.get("responses"))
    }

    fn security(&mut self, old: &Value, new: &Value) {
        let (old_req, new_req) = (
            effective_security(self.old, old),
            effective_security(self.new, new),
        );
        if old_req != new_req {
            let open =
                |req: &BTreeSet<Vec<String>>| req.is_empty() || req.iter().any(Vec::is_empty);
            let (wire, kind) = match (open(&old_req), open(&new_req)) {
                (true, false) => (Wire::Breaking, "security-tightened"),
                (false, true) => (Wire::NonBreaking, "security-relaxed"),
                _ => (Wire::Breaking, "security-changed"),
            };
            let detail = format!("{} → {}", show_security(&old_req), show_security(&new_req));
            self.push((wire, Rust::None), "security", kind, detail);
        }
        // The same scheme name may now mean another kind of credential.
        for name in old_req
            .iter()
            .flatten()
            .filter(|name| new_req.iter().flatten().any(|n| n == *name))
        {
            let scheme =
                |contract: &Contract| contract.doc["components"]["securitySchemes"][name].clone();
            let (before, after) = (scheme(self.old), scheme(self.new));
            if SCHEME_KEYS
                .iter()
                .any(|key| before.get(key) != after.get(key))
            {
                let detail = format!(
                    "scheme `{name}` {} → {}",
                    show_scheme(&before),
                    show_scheme(&after)
                );
                let verdict = (Wire::Breaking, Rust::None);
                self.push(verdict, "security", "security-scheme-changed", detail);
            }
        }
    }

    /// Parameters become positional arguments of the generated method: adding or removing one,
    /// or making it (not) required, changes the method's signature.
    fn parameters(&mut self, old_op: &SelectedOperation, new_op: &SelectedOperation) -> Result<()> {
        let old = parameters(self.old, old_op)?;
        let new = parameters(self.new, new_op)?;
        let method = Some(self.method());
        self.within(method, |differ| {
            for (key, (old_ref, old_param)) in &old {
                let location = format!("{} parameter {}", key.0, key.1);
                match new.get(key) {
                    Some((new_ref, new_param)) => {
                        differ.ref_note(&location, *old_ref, *new_ref, false);
                        differ.parameter(&location, old_param, new_param)?;
                    }
                    None => {
                        let verdict = (Wire::Breaking, Rust::Breaking);
                        differ.push(verdict, &location, "parameter-removed", "removed".into());
                    }
                }
            }
            for (key, (_, param)) in new.iter().filter(|(key, _)| !old.contains_key(*key)) {
                let location = format!("{} parameter {}", key.0, key.1);
                let (wire, what) = if required(param) {
                    (Wire::Breaking, "new required parameter")
                } else {
                    (Wire::NonBreaking, "new optional parameter")
                };
                let detail = format!("{what}: the generated method takes one more argument");
                differ.push((wire, Rust::Breaking), &location, "parameter-added", detail);
            }
            Ok(())
        })
    }

    fn parameter(&mut self, location: &str, old: &Value, new: &Value) -> Result<()> {
        match (required(old), required(new)) {
            (false, true) => {
                let detail = "now required: its argument is no longer an Option".into();
                let verdict = (Wire::Breaking, Rust::Breaking);
                self.push(verdict, location, "parameter-required", detail);
            }
            (true, false) => {
                let detail = "now optional: its argument becomes an Option".into();
                let verdict = (Wire::NonBreaking, Rust::Breaking);
                self.push(verdict, location, "parameter-optional", detail);
            }
            _ => {}
        }
        for key in ["style", "explode", "allowReserved", "content"] {
            if old.get(key) != new.get(key) {
                let detail = format!("{key} {} → {}", show(old.get(key)), show(new.get(key)));
                let verdict = (Wire::Breaking, Rust::None);
                self.push(verdict, location, "parameter-encoding-changed", detail);
            }
        }
        for key in ["description", "example", "examples", "deprecated"] {
            self.annotation(location, key, old.get(key), new.get(key));
        }
        match (old.get("schema"), new.get("schema")) {
            (Some(a), Some(b)) => self.schema(Direction::Request, location, a, b),
            _ => Ok(()),
        }
    }

    fn request_body(&mut self, old: Option<&Value>, new: Option<&Value>) -> Result<()> {
        let location = "request body";
        let (old, new) = match (old, new) {
            (None, None) => return Ok(()),
            (Some(_), None) => {
                let detail =
                    "the operation no longer takes a body (nor its method a body argument)";
                let verdict = (Wire::Breaking, Rust::Breaking);
                self.push_signature(verdict, location, "body-removed", detail.into());
                return Ok(());
            }
            (None, Some(new)) => {
                let (_, new) = self.new.resolve(new)?;
                let (wire, what) = if required(new) {
                    (Wire::Breaking, "new required body")
                } else {
                    (Wire::NonBreaking, "new optional body")
                };
                let detail = format!("{what}: the generated method takes a body argument");
                self.push_signature((wire, Rust::Breaking), location, "body-added", detail);
                return Ok(());
            }
            (Some(old), Some(new)) => (old, new),
        };
        let (old_ref, old) = self.old.resolve(old)?;
        let (new_ref, new) = self.new.resolve(new)?;
        self.ref_note(location, old_ref, new_ref, false);
        match (required(old), required(new)) {
            (false, true) => {
                let verdict = (Wire::Breaking, Rust::None);
                self.push(verdict, location, "body-required", "now required".into());
            }
            (true, false) => {
                let verdict = (Wire::NonBreaking, Rust::None);
                self.push(verdict, location, "body-optional", "now optional".into());
            }
            _ => {}
        }
        let description = (old.get("description"), new.get("description"));
        self.annotation(location, "description", description.0, description.1);
        self.content(
            Direction::Request,
            "request",
            old.get("content"),
            new.get("content"),
        )
    }

    /// Responses: a status the server stops documenting is one it no longer sends (the client
    /// still copes); a new status is one an old client reports as unexpected, as it would any
    /// undocumented status. A status with a body types the generated method's result or error.
    fn responses(&mut self, old: Option<&Value>, new: Option<&Value>) -> Result<()> {
        let empty = Map::new();
        let old = old.and_then(Value::as_object).unwrap_or(&empty);
        let new = new.and_then(Value::as_object).unwrap_or(&empty);
        for (status, old_response) in old {
            let location = format!("response {status}");
            let (old_ref, old_response) = self.old.resolve(old_response)?;
            let Some(new_response) = new.get(status) else {
                let verdict = (Wire::NonBreaking, rust_if_typed(self.old, old_response));
                let detail = "no longer documented".into();
                self.push_signature(verdict, &location, "response-removed", detail);
                continue;
            };
            let (new_ref, new_response) = self.new.resolve(new_response)?;
            self.ref_note(&location, old_ref, new_ref, false);
            let description = (
                old_response.get("description"),
                new_response.get("description"),
            );
            self.annotation(&location, "description", description.0, description.1);
            self.content(
                Direction::Response,
                &location,
                old_response.get("content"),
                new_response.get("content"),
            )?;
        }
        for (status, response) in new.iter().filter(|(status, _)| !old.contains_key(*status)) {
            let (_, response) = self.new.resolve(response)?;
            let verdict = (Wire::NonBreaking, rust_if_typed(self.new, response));
            let location = format!("response {status}");
            let detail = "new response status".into();
            self.push_signature(verdict, &location, "response-added", detail);
        }
        Ok(())
    }

    /// Compares the media types of a request body or response. The generator types JSON bodies
    /// only; another media type is bytes to it.
    fn content(
        &mut self,
        direction: Direction,
        prefix: &str,
        old: Option<&Value>,
        new: Option<&Value>,
    ) -> Result<()> {
        let empty = Map::new();
        let old = old.and_then(Value::as_object).unwrap_or(&empty);
        let new = new.and_then(Value::as_object).unwrap_or(&empty);
        let body = |media: &str| match media {
            "application/json" => format!("{prefix} body"),
            _ => format!("{prefix} body ({media})"),
        };
        let rust = |media: &str| match media {
            "application/json" => Rust::Breaking,
            _ => Rust::None,
        };
        for (media, old_media) in old {
            let location = body(media);
            let Some(new_media) = new.get(media) else {
                // The server no longer accepts it (request) or no longer sends it (response).
                let verdict = (direction.judge(true), rust(media));
                let detail = format!("{media} no longer offered");
                self.push(verdict, &location, "media-type-removed", detail);
                continue;
            };
            for key in ["example", "examples"] {
                self.annotation(&location, key, old_media.get(key), new_media.get(key));
            }
            match (old_media.get("schema"), new_media.get("schema")) {
                (Some(a), Some(b)) => self.schema(direction, &location, a, b)?,
                (None, None) => {}
                (a, b) => {
                    let detail = format!("schema {} → {}", presence(a), presence(b));
                    let verdict = (Wire::Breaking, rust(media));
                    self.push(verdict, &location, "schema-changed", detail);
                }
            }
        }
        for media in new.keys().filter(|media| !old.contains_key(*media)) {
            // Clients ask for JSON (`Accept`), so a response in a new media type is not sent to them.
            let verdict = (Wire::NonBreaking, Rust::None);
            let detail = format!("{media} now offered");
            self.push(verdict, &body(media), "media-type-added", detail);
        }
        Ok(())
    }
}

/// A response with a JSON body types the generated method's result or error.
fn rust_if_typed(contract: &Contract, response: &Value) -> Rust {
    let schema = &response["content"]["application/json"]["schema"];
    match contract.resolve(schema) {
        Ok((_, schema)) if !schema.is_null() => Rust::Breaking,
        _ => Rust::None,
    }
}

fn required(value: &Value) -> bool {
    value
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The parameters that apply to an operation, path-level ones overridden by operation-level ones,
/// keyed by `(in, name)`, each with the `$ref` it was reached through.
type Parameters<'a> = BTreeMap<(String, String), (Option<&'a str>, &'a Value)>;

fn parameters<'a>(contract: &'a Contract, op: &SelectedOperation) -> Result<Parameters<'a>> {
    let mut out = Parameters::new();
    let lists = [
        contract.path_item(op).get("parameters"),
        contract.operation(op).get("parameters"),
    ];
    for param in lists
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
    {
        let (reference, param) = contract.resolve(param)?;
        let field = |key: &str| {
            param
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        out.insert((field("in"), field("name")), (reference, param));
    }
    Ok(out)
}

/// Security requirements of an operation: its own, else the document's. Each requirement is the
/// sorted list of scheme names it needs together.
fn effective_security(contract: &Contract, operation: &Value) -> BTreeSet<Vec<String>> {
    let list = operation
        .get("security")
        .or_else(|| contract.doc.get("security"));
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|requirement| {
            let mut names: Vec<String> = requirement.keys().cloned().collect();
            names.sort();
            names
        })
        .collect()
}

fn show_security(requirements: &BTreeSet<Vec<String>>) -> String {
    if requirements.is_empty() {
        return "none".into();
    }
    let alternatives: Vec<String> = requirements
        .iter()
        .map(|names| match names.is_empty() {
            true => "none".to_string(),
            false => names.join(" + "),
        })
        .collect();
    alternatives.join(" or ")
}

fn show_scheme(scheme: &Value) -> String {
    let field = |key: &str| scheme.get(key).and_then(Value::as_str);
    match (field("type"), field("scheme"), field("in")) {
        (Some(kind), Some(scheme), _) => format!("{kind} {scheme}"),
        (Some(kind), None, Some(place)) => format!("{kind} in {place}"),
        (Some(kind), _, _) => kind.to_string(),
        _ => "undefined".into(),
    }
}

fn show_text(value: &Value) -> String {
    value.as_str().unwrap_or("(none)").to_string()
}

fn presence(value: Option<&Value>) -> &'static str {
    if value.is_some() { "present" } else { "absent" }
}
