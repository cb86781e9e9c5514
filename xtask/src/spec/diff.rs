//! `cargo xtask spec diff OLD NEW`: what changed in the in-scope operations' contracts, classified.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use serde_json::{Map, Value};

use super::change::{Change, Class, Direction};
use super::contract::Contract;
use super::report::{self, Format};
use super::scope::{Scope, SelectedOperation};

/// Arguments of `cargo xtask spec diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The older revision: a whole upstream document or a vendored subset (OpenAPI 3.0 or 3.1).
    pub old: PathBuf,
    /// The newer revision.
    pub new: PathBuf,
    /// Output for people (`human`) or tools (`json`).
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Exit with status 1 on breaking changes only, or on any contract change (cosmetic ones never count).
    #[arg(long, value_enum, default_value = "breaking")]
    pub fail_on: FailOn,
    /// The scope file naming the operations to compare.
    #[arg(long, default_value = super::SCOPE_FILE)]
    pub scope: PathBuf,
}

/// Which changes make `spec diff` exit with status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Breaking changes.
    Breaking,
    /// Breaking and non-breaking changes.
    Any,
}

/// Runs `spec diff`, printing the report; the exit code follows `--fail-on`.
pub fn run(root: &Path, args: &DiffArgs) -> Result<ExitCode> {
    let scope_path = if args.scope.is_relative() && !args.scope.exists() {
        root.join(&args.scope)
    } else {
        args.scope.clone()
    };
    let scope = Scope::read(&scope_path)?;
    let old = Contract::read(&args.old, &scope)?;
    let new = Contract::read(&args.new, &scope)?;
    let changes = compare(&old, &new)?;
    let rendered = report::render(args.format, &args.old, &old, &args.new, &new, &changes)?;
    print!("{rendered}");
    let fails = changes.iter().any(|change| match args.fail_on {
        FailOn::Breaking => change.class == Class::Breaking,
        FailOn::Any => change.class != Class::Cosmetic,
    });
    Ok(if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Every difference between two contracts, classified, grouped by class and then by operation in
/// document order.
pub fn compare(old: &Contract, new: &Contract) -> Result<Vec<Change>> {
    let mut differ = Differ {
        old,
        new,
        operation: String::new(),
        changes: Vec::new(),
        in_progress: Vec::new(),
    };
    differ.document();
    for op in &old.operations {
        differ.operation = op.id.clone();
        match new
            .operations
            .iter()
            .find(|candidate| candidate.id == op.id)
        {
            Some(new_op) => differ.operation_pair(op, new_op)?,
            None => differ.push(
                Class::Breaking,
                "operation",
                "operation-removed",
                format!(
                    "{} {} is gone (removed or renamed upstream)",
                    op.method.to_uppercase(),
                    op.path
                ),
            ),
        }
    }
    for op in &new.operations {
        if !old.operations.iter().any(|candidate| candidate.id == op.id) {
            differ.operation = op.id.clone();
            differ.push(
                Class::NonBreaking,
                "operation",
                "operation-added",
                format!("new operation {} {}", op.method.to_uppercase(), op.path),
            );
        }
    }
    let order: Vec<&str> = old
        .operations
        .iter()
        .chain(&new.operations)
        .map(|op| op.id.as_str())
        .collect();
    let rank = |change: &Change| order.iter().position(|id| *id == change.operation);
    let mut changes = differ.changes;
    changes.sort_by_key(|change| (change.class, rank(change)));
    Ok(changes)
}

/// Walks two contracts side by side and records the changes it finds.
pub(super) struct Differ<'a> {
    pub(super) old: &'a Contract,
    pub(super) new: &'a Contract,
    /// The operationId being compared.
    pub(super) operation: String,
    pub(super) changes: Vec<Change>,
    /// `$ref` pairs being compared further up, so recursive schemas end.
    pub(super) in_progress: Vec<(String, String)>,
}

impl Differ<'_> {
    pub(super) fn push(
        &mut self,
        class: Class,
        location: &str,
        kind: &'static str,
        message: String,
    ) {
        self.changes.push(Change {
            class,
            operation: self.operation.clone(),
            location: location.to_string(),
            kind,
            message,
        });
    }

    /// Document-wide parts of the contract: the server the SDK talks to by default.
    fn document(&mut self) {
        self.operation = "(document)".into();
        let url = |contract: &Contract| {
            contract.doc["servers"][0]["url"]
                .as_str()
                .map(str::to_string)
        };
        let (old_url, new_url) = (url(self.old), url(self.new));
        if old_url != new_url {
            self.push(
                Class::Breaking,
                "servers",
                "server-changed",
                format!(
                    "default server {} → {}",
                    show_opt(&old_url),
                    show_opt(&new_url)
                ),
            );
        }
    }

    fn operation_pair(
        &mut self,
        old_op: &SelectedOperation,
        new_op: &SelectedOperation,
    ) -> Result<()> {
        if old_op.path != new_op.path || old_op.method != new_op.method {
            self.push(
                Class::Breaking,
                "operation",
                "path-changed",
                format!(
                    "{} {} → {} {}",
                    old_op.method.to_uppercase(),
                    old_op.path,
                    new_op.method.to_uppercase(),
                    new_op.path
                ),
            );
        }
        let (old, new) = (self.old.operation(old_op), self.new.operation(new_op));
        for key in ["summary", "description"] {
            self.annotation("operation", key, old.get(key), new.get(key));
        }
        if old.get("deprecated") != new.get("deprecated") {
            let now = new
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let message = if now {
                "now deprecated"
            } else {
                "no longer deprecated"
            };
            self.push(
                Class::NonBreaking,
                "operation",
                "deprecated-changed",
                message.into(),
            );
        }
        self.security(old, new);
        self.parameters(old_op, new_op)?;
        self.request_body(old.get("requestBody"), new.get("requestBody"))?;
        self.responses(old.get("responses"), new.get("responses"))?;
        Ok(())
    }

    /// Records a documentation-only difference.
    pub(super) fn annotation(
        &mut self,
        location: &str,
        key: &str,
        old: Option<&Value>,
        new: Option<&Value>,
    ) {
        let what = match (old, new) {
            (a, b) if a == b => return,
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            _ => "changed",
        };
        let kind = match key {
            "description" | "summary" | "title" => "description-changed",
            "example" | "examples" => "example-changed",
            _ => "annotation-changed",
        };
        self.push(Class::Cosmetic, location, kind, format!("{key} {what}"));
    }

    fn security(&mut self, old: &Value, new: &Value) {
        let (old_req, new_req) = (
            effective_security(self.old, old),
            effective_security(self.new, new),
        );
        if old_req != new_req {
            let open =
                |req: &BTreeSet<Vec<String>>| req.is_empty() || req.iter().any(Vec::is_empty);
            let (class, kind) = match (open(&old_req), open(&new_req)) {
                (true, false) => (Class::Breaking, "security-tightened"),
                (false, true) => (Class::NonBreaking, "security-relaxed"),
                _ => (Class::Breaking, "security-changed"),
            };
            let message = format!("{} → {}", show_security(&old_req), show_security(&new_req));
            self.push(class, "security", kind, message);
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
            let contract_keys = [
                "type",
                "scheme",
                "in",
                "name",
                "bearerFormat",
                "flows",
                "openIdConnectUrl",
            ];
            if contract_keys
                .iter()
                .any(|key| before.get(key) != after.get(key))
            {
                self.push(
                    Class::Breaking,
                    "security",
                    "security-scheme-changed",
                    format!(
                        "scheme `{name}` {} → {}",
                        show_scheme(&before),
                        show_scheme(&after)
                    ),
                );
            }
        }
    }

    fn parameters(&mut self, old_op: &SelectedOperation, new_op: &SelectedOperation) -> Result<()> {
        let old = parameters(self.old, old_op)?;
        let new = parameters(self.new, new_op)?;
        for (key, (old_ref, old_param)) in &old {
            let location = format!("{} parameter {}", key.0, key.1);
            let Some((new_ref, new_param)) = new.get(key) else {
                self.push(
                    Class::Breaking,
                    &location,
                    "parameter-removed",
                    "removed".into(),
                );
                continue;
            };
            self.ref_note(&location, *old_ref, *new_ref, false);
            let required = |param: &Value| {
                param
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            };
            match (required(old_param), required(new_param)) {
                (false, true) => self.push(
                    Class::Breaking,
                    &location,
                    "parameter-required",
                    "now required".into(),
                ),
                (true, false) => self.push(
                    Class::NonBreaking,
                    &location,
                    "parameter-optional",
                    "now optional".into(),
                ),
                _ => {}
            }
            for key in ["style", "explode", "allowReserved", "content"] {
                if old_param.get(key) != new_param.get(key) {
                    self.push(
                        Class::Breaking,
                        &location,
                        "parameter-encoding-changed",
                        format!(
                            "{key} {} → {}",
                            show(old_param.get(key)),
                            show(new_param.get(key))
                        ),
                    );
                }
            }
            for key in ["description", "example", "examples"] {
                self.annotation(&location, key, old_param.get(key), new_param.get(key));
            }
            if let (Some(a), Some(b)) = (old_param.get("schema"), new_param.get("schema")) {
                self.schema(Direction::Request, &location, a, b)?;
            }
        }
        for (key, (_, param)) in &new {
            if !old.contains_key(key) {
                let location = format!("{} parameter {}", key.0, key.1);
                if param
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
                {
                    self.push(
                        Class::Breaking,
                        &location,
                        "parameter-added",
                        "new required parameter".into(),
                    );
                } else {
                    self.push(
                        Class::NonBreaking,
                        &location,
                        "parameter-added",
                        "new optional parameter".into(),
                    );
                }
            }
        }
        Ok(())
    }

    fn request_body(&mut self, old: Option<&Value>, new: Option<&Value>) -> Result<()> {
        let location = "request body";
        let required = |body: &Value| {
            body.get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        let (old, new) = match (old, new) {
            (None, None) => return Ok(()),
            (Some(_), None) => {
                self.push(
                    Class::Breaking,
                    location,
                    "body-removed",
                    "the operation no longer takes a body".into(),
                );
                return Ok(());
            }
            (None, Some(new)) => {
                let (_, new) = self.new.resolve(new)?;
                if required(new) {
                    self.push(
                        Class::Breaking,
                        location,
                        "body-added",
                        "new required body".into(),
                    );
                } else {
                    self.push(
                        Class::NonBreaking,
                        location,
                        "body-added",
                        "new optional body".into(),
                    );
                }
                return Ok(());
            }
            (Some(old), Some(new)) => (old, new),
        };
        let (old_ref, old) = self.old.resolve(old)?;
        let (new_ref, new) = self.new.resolve(new)?;
        self.ref_note(location, old_ref, new_ref, false);
        match (required(old), required(new)) {
            (false, true) => self.push(
                Class::Breaking,
                location,
                "body-required",
                "now required".into(),
            ),
            (true, false) => self.push(
                Class::NonBreaking,
                location,
                "body-optional",
                "now optional".into(),
            ),
            _ => {}
        }
        self.annotation(
            location,
            "description",
            old.get("description"),
            new.get("description"),
        );
        self.content(
            Direction::Request,
            "request",
            old.get("content"),
            new.get("content"),
        )
    }

    fn responses(&mut self, old: Option<&Value>, new: Option<&Value>) -> Result<()> {
        let empty = Map::new();
        let old = old.and_then(Value::as_object).unwrap_or(&empty);
        let new = new.and_then(Value::as_object).unwrap_or(&empty);
        for (status, old_response) in old {
            let location = format!("response {status}");
            let Some(new_response) = new.get(status) else {
                self.push(
                    Class::Breaking,
                    &location,
                    "response-removed",
                    "no longer documented".into(),
                );
                continue;
            };
            let (old_ref, old_response) = self.old.resolve(old_response)?;
            let (new_ref, new_response) = self.new.resolve(new_response)?;
            self.ref_note(&location, old_ref, new_ref, false);
            self.annotation(
                &location,
                "description",
                old_response.get("description"),
                new_response.get("description"),
            );
            self.content(
                Direction::Response,
                &location,
                old_response.get("content"),
                new_response.get("content"),
            )?;
        }
        for status in new.keys().filter(|status| !old.contains_key(*status)) {
            self.push(
                Class::NonBreaking,
                &format!("response {status}"),
                "response-added",
                "new response status".into(),
            );
        }
        Ok(())
    }

    /// Compares the media types of a request body or response.
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
        let body = |media: &str| {
            if media == "application/json" {
                format!("{prefix} body")
            } else {
                format!("{prefix} body ({media})")
            }
        };
        for (media, old_media) in old {
            let location = body(media);
            let Some(new_media) = new.get(media) else {
                self.push(
                    Class::Breaking,
                    &location,
                    "media-type-removed",
                    format!("{media} no longer offered"),
                );
                continue;
            };
            for key in ["example", "examples"] {
                self.annotation(&location, key, old_media.get(key), new_media.get(key));
            }
            match (old_media.get("schema"), new_media.get("schema")) {
                (Some(a), Some(b)) => self.schema(direction, &location, a, b)?,
                (None, None) => {}
                (a, b) => self.push(
                    Class::Breaking,
                    &location,
                    "schema-changed",
                    format!("schema {} → {}", presence(a), presence(b)),
                ),
            }
        }
        for media in new.keys().filter(|media| !old.contains_key(*media)) {
            self.push(
                Class::NonBreaking,
                &body(media),
                "media-type-added",
                format!("{media} now offered"),
            );
        }
        Ok(())
    }

    /// Records how the `$ref`s at one place changed. Inlining or extracting a component is layout;
    /// pointing a schema at another named component renames the generated Rust type.
    pub(super) fn ref_note(
        &mut self,
        location: &str,
        old: Option<&str>,
        new: Option<&str>,
        is_schema: bool,
    ) {
        match (old, new) {
            (Some(a), Some(b)) if a != b => {
                if is_schema {
                    self.push(
                        Class::Breaking,
                        location,
                        "schema-renamed",
                        format!(
                            "schema component {} → {}: the generated Rust type is renamed",
                            component_name(a),
                            component_name(b)
                        ),
                    );
                } else {
                    self.push(
                        Class::Cosmetic,
                        location,
                        "ref-retargeted",
                        format!("$ref {a} → {b}"),
                    );
                }
            }
            (Some(a), None) => self.push(
                Class::Cosmetic,
                location,
                "ref-inlined",
                format!("$ref {a} inlined"),
            ),
            (None, Some(b)) => self.push(
                Class::Cosmetic,
                location,
                "ref-extracted",
                format!("moved into $ref {b}"),
            ),
            _ => {}
        }
    }
}

/// The parameters that apply to an operation, path-level ones overridden by operation-level ones,
/// keyed by `(in, name)`, each with the `$ref` it was reached through.
type Parameters<'a> = std::collections::BTreeMap<(String, String), (Option<&'a str>, &'a Value)>;

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
        .map(|names| {
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(" + ")
            }
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

/// A JSON value as shown in messages; `(none)` when absent.
pub(super) fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "(none)".to_string(), Value::to_string)
}

fn show_opt(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("(none)")
}

fn presence(value: Option<&Value>) -> &'static str {
    if value.is_some() { "present" } else { "absent" }
}

/// The last token of a component reference: `#/components/schemas/video_Error` → `video_Error`.
pub(super) fn component_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn contract(doc: Value) -> Contract {
        let scope = Scope {
            operations: vec!["Op".into()],
            tags: vec![],
        };
        Contract::from_doc(&doc, &scope).expect("valid contract")
    }

    fn base() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "servers": [{"url": "https://api.example.com/v2"}],
            "security": [{"key": []}],
            "paths": {"/x/{id}": {"post": {
                "operationId": "Op",
                "parameters": [{"in": "path", "name": "id", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"201": {"description": "ok"}}
            }}},
            "components": {"securitySchemes": {"key": {"type": "http", "scheme": "bearer"}}}
        })
    }

    fn lines(old: Value, new: Value) -> Vec<String> {
        compare(&contract(old), &contract(new))
            .expect("compares")
            .iter()
            .map(|c| {
                format!(
                    "{} {} {}: {} [{}]",
                    c.class.name(),
                    c.operation,
                    c.location,
                    c.message,
                    c.kind
                )
            })
            .collect()
    }

    #[test]
    fn operation_level_changes_are_classified() {
        let mut new = base();
        new["servers"][0]["url"] = json!("https://api.example.com/v3");
        let op = &mut new["paths"]["/x/{id}"]["post"];
        op["security"] = json!([]);
        op["parameters"] = json!([
            {"in": "path", "name": "id", "required": true, "schema": {"type": "string"}},
            {"in": "query", "name": "dry_run", "schema": {"type": "boolean"}},
            {"in": "header", "name": "X-Tenant", "required": true, "schema": {"type": "string"}}
        ]);
        op["requestBody"]["required"] = json!(false);
        op["requestBody"]["content"] = json!({"text/plain": {"schema": {"type": "string"}}});
        assert_eq!(
            lines(base(), new),
            [
                "breaking (document) servers: default server https://api.example.com/v2 → https://api.example.com/v3 [server-changed]",
                "breaking Op header parameter X-Tenant: new required parameter [parameter-added]",
                "breaking Op request body: application/json no longer offered [media-type-removed]",
                "non-breaking Op security: key → none [security-relaxed]",
                "non-breaking Op query parameter dry_run: new optional parameter [parameter-added]",
                "non-breaking Op request body: now optional [body-optional]",
                "non-breaking Op request body (text/plain): text/plain now offered [media-type-added]",
            ]
        );
    }

    #[test]
    fn a_scheme_that_changes_kind_under_the_same_name_is_breaking() {
        let mut new = base();
        new["components"]["securitySchemes"]["key"] =
            json!({"type": "apiKey", "in": "header", "name": "X-Key"});
        assert_eq!(
            lines(base(), new),
            [
                "breaking Op security: scheme `key` http bearer → apiKey in header [security-scheme-changed]"
            ]
        );
    }
}
