//! The walker that compares two contracts side by side, and what every rule shares.

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::Value;

use super::change::{Change, Rust, Verdict, Wire};
use super::contract::Contract;

/// Walks two contracts side by side and records the changes it finds.
pub(crate) struct Differ<'a> {
    pub(crate) old: &'a Contract,
    pub(crate) new: &'a Contract,
    /// The operationId being compared.
    pub(crate) operation: String,
    /// The generated Rust items enclosing the place being compared, outermost first: a change
    /// to a nested type is reached through its owners' fields.
    pub(crate) owners: Vec<String>,
    /// The name the generator gives an inline body schema at the place being compared.
    pub(crate) place: Option<String>,
    pub(crate) changes: Vec<Change>,
    /// Whether the next schema compared is that of a field that may be absent (taken, so it
    /// applies to that schema only, not to the ones nested in it).
    pub(crate) optional_field: bool,
    /// `$ref` pairs being compared further up, so recursive schemas end.
    pub(crate) in_progress: Vec<(String, String)>,
}

impl<'a> Differ<'a> {
    pub(crate) fn new(old: &'a Contract, new: &'a Contract) -> Self {
        Self {
            old,
            new,
            operation: String::new(),
            owners: Vec::new(),
            place: None,
            changes: Vec::new(),
            optional_field: false,
            in_progress: Vec::new(),
        }
    }

    /// Records a change; a Rust-visible one is tied to the generated type holding the place, or
    /// to the operation's generated method when no type holds it.
    pub(crate) fn push(
        &mut self,
        (wire, rust): Verdict,
        location: &str,
        kind: &'static str,
        detail: String,
    ) {
        let types = match rust {
            Rust::None => Vec::new(),
            _ if self.owners.is_empty() => vec![self.method()],
            _ => self.owners.clone(),
        };
        self.push_typed((wire, rust), location, kind, detail, types);
    }

    /// Records a change that touches the named generated types.
    pub(crate) fn push_typed(
        &mut self,
        (wire, rust): Verdict,
        location: &str,
        kind: &'static str,
        detail: String,
        types: Vec<String>,
    ) {
        self.changes.push(Change {
            wire,
            rust,
            operation: self.operation.clone(),
            location: location.to_string(),
            kind,
            detail,
            types,
        });
    }

    /// Records a change to the generated method of the operation being compared (its arguments,
    /// result or error type, or its existence).
    pub(crate) fn push_signature(
        &mut self,
        verdict: Verdict,
        location: &str,
        kind: &'static str,
        detail: String,
    ) {
        let types = match verdict.1 {
            Rust::None => Vec::new(),
            _ => vec![self.method()],
        };
        self.push_typed(verdict, location, kind, detail, types);
    }

    /// The generated client method of the operation being compared (progenitor names it after the
    /// operationId in snake case).
    pub(crate) fn method(&self) -> String {
        self.operation.to_snake_case()
    }

    /// Records a documentation-only difference: nothing changes on the wire or in the Rust API
    /// (doc comments are not API).
    pub(crate) fn annotation(
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
        let detail = format!("{key} {what}");
        self.push((Wire::None, Rust::None), location, kind, detail);
    }

    /// Records how the `$ref`s at one place changed. Inlining, extracting or renaming a component
    /// is layout on the wire; for a schema, it renames the generated Rust type.
    pub(crate) fn ref_note(
        &mut self,
        location: &str,
        old: Option<&str>,
        new: Option<&str>,
        is_schema: bool,
    ) {
        let (kind, detail) = match (old, new) {
            (Some(a), Some(b)) if a != b && is_schema => {
                let (a, b) = (component_name(a), component_name(b));
                let (from, to) = (type_name(a), type_name(b));
                let detail = format!(
                    "schema component {a} → {b}: the generated Rust type {from} is renamed {to}"
                );
                let verdict = (Wire::None, Rust::Breaking);
                return self.push_typed(
                    verdict,
                    location,
                    "schema-renamed",
                    detail,
                    vec![from, to],
                );
            }
            (Some(a), Some(b)) if a != b => ("ref-retargeted", format!("$ref {a} → {b}")),
            (Some(a), None) => ("ref-inlined", format!("$ref {a} inlined")),
            (None, Some(b)) => ("ref-extracted", format!("moved into $ref {b}")),
            _ => return,
        };
        match (is_schema, old.or(new)) {
            (true, Some(reference)) => {
                let named = type_name(component_name(reference));
                let detail = format!(
                    "{detail}: the generated Rust type {named} is replaced by one named after its place"
                );
                self.push_typed(
                    (Wire::None, Rust::Breaking),
                    location,
                    kind,
                    detail,
                    vec![named],
                );
            }
            _ => self.push((Wire::None, Rust::None), location, kind, detail),
        }
    }

    /// Runs `compare` inside the generated item `owner` (when it names one), then leaves it.
    pub(crate) fn within<T>(
        &mut self,
        owner: Option<String>,
        compare: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let entered = owner.is_some();
        self.owners.extend(owner);
        let outcome = compare(self);
        if entered {
            self.owners.pop();
        }
        outcome
    }

    /// The type the generator derives for an inline object schema nested in the current owner
    /// (`VideoError` + `Source`); `None` for a `$ref` or a schema that is no object.
    pub(crate) fn derived(&self, suffix: &str, schema: &Value) -> Option<String> {
        let inline_object = schema.get("properties").is_some() && schema.get("$ref").is_none();
        let owner = self.owners.last().filter(|_| inline_object)?;
        Some(format!("{owner}{}", suffix.to_upper_camel_case()))
    }
}

/// The name the generator gives the Rust type of a schema component (`video_Error` → `VideoError`).
pub(crate) fn type_name(component: &str) -> String {
    component.to_upper_camel_case()
}

/// A JSON value as shown in messages; `(none)` when absent.
pub(crate) fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "(none)".to_string(), Value::to_string)
}

/// The last token of a component reference: `#/components/schemas/video_Error` → `video_Error`.
pub(crate) fn component_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}
