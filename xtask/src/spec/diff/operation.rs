//! Operation-level rules: servers, paths, security, parameters, bodies, responses, media types.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use heck::ToSnakeCase;
use serde_json::Value;

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
        if old_op.id != new_op.id {
            self.operation_renamed(old_op, new_op);
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

    /// The same method and path under another operationId: nothing changes on the wire; the
    /// generated method, and every type the generator names after the operation, is renamed.
    fn operation_renamed(&mut self, old_op: &SelectedOperation, new_op: &SelectedOperation) {
        let (from, to) = (old_op.id.to_snake_case(), new_op.id.to_snake_case());
        let mut types = vec![from.clone(), to.clone()];
        for (op, contract) in [(old_op, self.old), (new_op, self.new)] {
            types.extend(named_after(contract, op));
        }
        let detail = format!(
            "operationId {} → {}: the generated method {from} is renamed {to}, with the types \
             named after the operation",
            old_op.id, new_op.id
        );
        let verdict = (Wire::None, Rust::Breaking);
        self.push_typed(verdict, "operation", "operation-renamed", detail, types);
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
        // The generator types JSON request bodies only; another media type is bytes to it.
        let rust = |media: &str| match media {
            "application/json" => (Rust::Breaking, String::new()),
            _ => (Rust::None, String::new()),
        };
        let content = (old.get("content"), new.get("content"));
        self.content(Direction::Request, "request", content, &rust)
    }
}

/// The generated types named after an operation: its inline JSON request body (`{Id}Body`) and
/// inline JSON response bodies (`{Id}Response`).
fn named_after(contract: &Contract, op: &SelectedOperation) -> Vec<String> {
    let operation = contract.operation(op);
    let inline = |holder: &Value| {
        let holder = contract
            .resolve(holder)
            .map_or(holder, |(_, holder)| holder);
        let schema = &holder["content"]["application/json"]["schema"];
        schema.is_object() && schema.get("$ref").is_none()
    };
    let mut names = Vec::new();
    if operation.get("requestBody").is_some_and(inline) {
        names.push(format!("{}Body", type_name(&op.id)));
    }
    let responses = operation.get("responses").and_then(Value::as_object);
    if responses.is_some_and(|responses| responses.values().any(inline)) {
        names.push(format!("{}Response", type_name(&op.id)));
    }
    names
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
