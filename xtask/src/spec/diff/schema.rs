//! Schema-level rules: what a keyword change does on the wire (in each direction) and to the
//! generated Rust type.

use std::collections::BTreeSet;

use anyhow::Result;
use serde_json::{Map, Value};

use super::change::{Direction, Rust, Verdict, Wire};
use super::differ::{Differ, component_name, show, type_name};
use super::rust_type::rust_type;

/// Keywords that document a schema without constraining data.
const ANNOTATIONS: [&str; 8] = [
    "description",
    "title",
    "example",
    "examples",
    "externalDocs",
    "xml",
    "$comment",
    "deprecated",
];

/// Keywords compared by dedicated rules (bounds, properties) rather than key by key.
const GROUPED: [&str; 12] = [
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "properties",
    "required",
];

/// Formats JSON Schema and OpenAPI define; any other `format` is an annotation no validator knows.
const KNOWN_FORMATS: [&str; 26] = [
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
    "int32",
    "int64",
    "float",
    "double",
    "byte",
    "binary",
    "password",
];

impl Differ<'_> {
    /// Compares two schemas found at the same place.
    pub(crate) fn schema(
        &mut self,
        direction: Direction,
        location: &str,
        old: &Value,
        new: &Value,
    ) -> Result<()> {
        let optional = std::mem::take(&mut self.optional_field);
        let (old_ref, old_schema) = self.old.resolve(old)?;
        let (new_ref, new_schema) = self.new.resolve(new)?;
        let names_type = |reference: &&str| reference.starts_with("#/components/schemas/");
        let is_schema = old_ref.filter(names_type).or(new_ref.filter(names_type));
        self.ref_note(location, old_ref, new_ref, is_schema.is_some());
        let (old_schema, new_schema) = (effective(old_schema), effective(new_schema));
        if old_schema == new_schema {
            return Ok(());
        }
        let pair = (
            old_ref.unwrap_or_default().to_string(),
            new_ref.unwrap_or_default().to_string(),
        );
        let recursive =
            (old_ref.is_some() || new_ref.is_some()) && self.in_progress.contains(&pair);
        if recursive {
            return Ok(());
        }
        let named = new_ref.filter(names_type);
        let owner = match (named, self.owners.is_empty()) {
            (Some(reference), _) => Some(type_name(component_name(reference))),
            (None, true) => self.place.clone(),
            (None, false) => None,
        };
        self.in_progress.push(pair);
        let outcome = self.within(owner, |differ| {
            differ.schema_body(direction, location, (&old_schema, &new_schema), optional)
        });
        self.in_progress.pop();
        outcome
    }

    /// Compares two resolved schemas; `optional` when they are the schema of a field that may be
    /// absent, whose generated type is an `Option` already.
    fn schema_body(
        &mut self,
        direction: Direction,
        location: &str,
        (old, new): (&Value, &Value),
        optional: bool,
    ) -> Result<()> {
        let (Some(old_map), Some(new_map)) = (old.as_object(), new.as_object()) else {
            // `false` schemas, or malformed ones: compare as values.
            let detail = format!("schema {old} → {new}");
            let verdict = (Wire::Breaking, Rust::Breaking);
            self.push(verdict, location, "schema-changed", detail);
            return Ok(());
        };
        let keys: Vec<&String> = old_map
            .keys()
            .chain(new_map.keys().filter(|key| !old_map.contains_key(*key)))
            .collect();
        for key in keys {
            let (a, b) = (old_map.get(key), new_map.get(key));
            if a == b || GROUPED.contains(&key.as_str()) {
                continue;
            }
            if key == "nullable" {
                self.nullable(direction, location, b, optional);
            } else {
                self.keyword(direction, location, key, (old_map, new_map))?;
            }
        }
        self.bounds(direction, location, old_map, new_map);
        let has = |map: &Map<String, Value>| {
            map.contains_key("properties") || map.contains_key("required")
        };
        if has(old_map) || has(new_map) {
            self.properties(direction, location, old_map, new_map)?;
        }
        Ok(())
    }

    /// One keyword that differs between the two schemas.
    fn keyword(
        &mut self,
        direction: Direction,
        location: &str,
        key: &str,
        (old, new): (&Map<String, Value>, &Map<String, Value>),
    ) -> Result<()> {
        let (a, b) = (old.get(key), new.get(key));
        match key {
            key if ANNOTATIONS.contains(&key) || key.starts_with("x-") => {
                self.annotation(location, key, a, b);
            }
            "type" => self.type_change(direction, location, old, new),
            "format" => self.format(direction, location, old, new),
            "enum" => self.enumeration(direction, location, a, b),
            "items" => match (a, b) {
                (Some(a), Some(b)) => {
                    let owner = self.derived("Item", b);
                    let place = format!("{location}[]");
                    self.within(owner, |differ| differ.schema(direction, &place, a, b))?;
                }
                _ => {
                    let detail = format!("items {} → {}", show(a), show(b));
                    let verdict = (Wire::Breaking, Rust::Breaking);
                    self.push(verdict, location, "schema-changed", detail);
                }
            },
            "additionalProperties" => self.additional_properties(direction, location, a, b)?,
            "allOf" | "oneOf" | "anyOf" => self.composition(direction, location, key, a, b)?,
            _ => {
                let (verdict, kind, detail) = scalar_keyword(direction, key, (old, new));
                self.push(verdict, location, kind, detail);
            }
        }
        Ok(())
    }

    /// `nullable` (3.0; a 3.1 `type: [T, "null"]` arrives converted): null on the wire; in Rust, a
    /// required field's type gains or loses an `Option` (an optional field has one already).
    fn nullable(
        &mut self,
        direction: Direction,
        location: &str,
        now: Option<&Value>,
        optional: bool,
    ) {
        let now = now.and_then(Value::as_bool).unwrap_or(false);
        let detail = match (direction, now) {
            (Direction::Response, true) => "may now be null",
            (Direction::Response, false) => "no longer null",
            (Direction::Request, true) => "now accepts null",
            (Direction::Request, false) => "no longer accepts null",
        };
        let (rust, detail) = if optional {
            (
                Rust::None,
                format!("{detail} (the generated field is an Option already)"),
            )
        } else {
            (
                Rust::Breaking,
                format!("{detail}: the generated type gains or loses an Option"),
            )
        };
        self.push(
            (direction.judge(!now), rust),
            location,
            "nullable-changed",
            detail,
        );
    }

    /// `type`: adding one narrows (a response that gains `type: object` carries less); dropping
    /// one widens; `integer` ⊂ `number`.
    fn type_change(
        &mut self,
        direction: Direction,
        location: &str,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
    ) {
        let (a, b) = (old.get("type"), new.get("type"));
        let wire = match (a.and_then(Value::as_str), b.and_then(Value::as_str)) {
            (None, Some(_)) => direction.judge(true),
            (Some(_), None) => direction.judge(false),
            (Some("integer"), Some("number")) => direction.judge(false),
            (Some("number"), Some("integer")) => direction.judge(true),
            _ => Wire::Breaking,
        };
        // typify reads an object schema from its `properties` whether `type: object` is said or not.
        let implied_object = |map: &Map<String, Value>| {
            map.contains_key("properties") && map.get("type").is_none_or(|t| t == "object")
        };
        let rust = if implied_object(old) && implied_object(new) {
            Rust::None
        } else {
            Rust::Breaking
        };
        let detail = format!("type {} → {}", show(a), show(b));
        self.push((wire, rust), location, "type-changed", detail);
    }

    fn format(
        &mut self,
        direction: Direction,
        location: &str,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
    ) {
        let text = |map: &Map<String, Value>| {
            map.get("format")
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let (before, after) = (text(old), text(new));
        let known = |format: Option<&str>| {
            format
                .filter(|format| KNOWN_FORMATS.contains(format))
                .is_some()
        };
        let wire = match (known(before.as_deref()), known(after.as_deref())) {
            (false, false) => Wire::None,
            (true, true) => Wire::Breaking,
            (false, true) => direction.judge(true),
            (true, false) => direction.judge(false),
        };
        let message = format!(
            "format {} → {}",
            before.as_deref().unwrap_or("(none)"),
            after.as_deref().unwrap_or("(none)")
        );
        let (old_type, new_type) = (rust_type(old), rust_type(new));
        let verdict = (wire, rust_change(old, new));
        let detail = match verdict.1 {
            Rust::None => format!("{message} (the generated type stays {old_type})"),
            _ => format!("{message}: the generated type changes {old_type} → {new_type}"),
        };
        self.push(verdict, location, "format-changed", detail);
    }

    /// Enum values: a request breaks when a value callers send disappears, a response when an
    /// unknown one appears. The generated enum is exhaustive, so any new or lost value breaks
    /// Rust code that matches on it.
    fn enumeration(
        &mut self,
        direction: Direction,
        location: &str,
        old: Option<&Value>,
        new: Option<&Value>,
    ) {
        let (Some(old), Some(new)) = (old, new) else {
            // An enum appearing or disappearing turns a plain type into a generated enum or back.
            let detail = format!("enum {} → {}", show(old), show(new));
            let verdict = (direction.judge(new.is_some()), Rust::Breaking);
            return self.push(verdict, location, "enum-changed", detail);
        };
        let values = |value: &Value| -> BTreeSet<String> {
            value
                .as_array()
                .into_iter()
                .flatten()
                .map(Value::to_string)
                .collect()
        };
        let (old, new) = (values(old), values(new));
        let removed: Vec<&str> = old.difference(&new).map(String::as_str).collect();
        let added: Vec<&str> = new.difference(&old).map(String::as_str).collect();
        let mut parts = Vec::new();
        if !added.is_empty() {
            parts.push(format!("added {}", added.join(", ")));
        }
        if !removed.is_empty() {
            parts.push(format!("removed {}", removed.join(", ")));
        }
        let wire = match (direction, removed.is_empty(), added.is_empty()) {
            (_, true, true) => return, // the same values in another order
            (Direction::Request, false, _) | (Direction::Response, _, false) => Wire::Breaking,
            _ => Wire::NonBreaking,
        };
        let detail = format!("enum values {}", parts.join("; "));
        self.push((wire, Rust::Breaking), location, "enum-changed", detail);
    }

    /// `additionalProperties` (absent, `true` and `{}` are the same thing and never get here).
    fn additional_properties(
        &mut self,
        direction: Direction,
        location: &str,
        old: Option<&Value>,
        new: Option<&Value>,
    ) -> Result<()> {
        let closed = |value: Option<&Value>| value == Some(&Value::Bool(false));
        let verdict: Verdict = match (old, new) {
            (Some(a @ Value::Object(_)), Some(b @ Value::Object(_))) => {
                let owner = self.derived("Value", b);
                let place = format!("{location}.*");
                return self.within(owner, |differ| differ.schema(direction, &place, a, b));
            }
            // `deny_unknown_fields` is an attribute, not API.
            _ if closed(new) => (direction.judge(true), Rust::None),
            _ if closed(old) && new.is_none() => (direction.judge(false), Rust::None),
            // A map of typed values appears or goes: the generated type changes.
            _ => (direction.judge(new.is_some()), Rust::Breaking),
        };
        let detail = match (closed(old), closed(new)) {
            (false, true) => "unknown fields are now refused".to_string(),
            (true, false) => format!("unknown fields now allowed ({})", show(new)),
            _ => format!("additionalProperties {} → {}", show(old), show(new)),
        };
        self.push(verdict, location, "additional-properties-changed", detail);
        Ok(())
    }

    fn composition(
        &mut self,
        direction: Direction,
        location: &str,
        key: &str,
        old: Option<&Value>,
        new: Option<&Value>,
    ) -> Result<()> {
        match (old.and_then(Value::as_array), new.and_then(Value::as_array)) {
            (Some(a), Some(b)) if a.len() == b.len() => {
                for (index, (a, b)) in a.iter().zip(b).enumerate() {
                    self.schema(direction, &format!("{location} {key}[{index}]"), a, b)?;
                }
            }
            (a, b) => {
                let names = |list: Option<&Vec<Value>>| -> Vec<String> {
                    let name = |item: &Value| {
                        let reference = item.get("$ref").and_then(Value::as_str);
                        reference.map_or("inline", component_name).to_string()
                    };
                    list.into_iter().flatten().map(name).collect()
                };
                let (a, b) = (names(a), names(b));
                let detail = format!(
                    "{key} with {} schemas [{}] → {} [{}]",
                    a.len(),
                    a.join(", "),
                    b.len(),
                    b.join(", ")
                );
                let verdict = (Wire::Breaking, Rust::Breaking);
                self.push(verdict, location, "composition-changed", detail);
            }
        }
        Ok(())
    }
}

/// The verdicts of a keyword that holds a value rather than subschemas.
fn scalar_keyword(
    direction: Direction,
    key: &str,
    (old, new): (&Map<String, Value>, &Map<String, Value>),
) -> (Verdict, &'static str, String) {
    let (a, b) = (old.get(key), new.get(key));
    let change = format!("{key} {} → {}", show(a), show(b));
    // A constraint added narrows; removed widens; replaced, both.
    let constraint = match (a, b) {
        (Some(_), Some(_)) => Wire::Breaking,
        _ => direction.judge(b.is_some()),
    };
    match key {
        // typify validates a pattern in the string newtype it generates.
        "pattern" => (
            (constraint, rust_change(old, new)),
            "constraint-changed",
            change,
        ),
        "multipleOf" | "uniqueItems" => ((constraint, Rust::None), "constraint-changed", change),
        // The server fills a default in for a request that leaves the field out.
        "default" => ((Wire::NonBreaking, Rust::None), "default-changed", change),
        "readOnly" | "writeOnly" => (
            (Wire::NonBreaking, Rust::None),
            "annotation-changed",
            change,
        ),
        _ => {
            let detail = format!("{change} (not classified by this tool; review it)");
            ((Wire::Breaking, Rust::Breaking), "keyword-changed", detail)
        }
    }
}

/// Whether the generated type of a scalar schema differs between the two.
pub(crate) fn rust_change(old: &Map<String, Value>, new: &Map<String, Value>) -> Rust {
    if rust_type(old) == rust_type(new) {
        Rust::None
    } else {
        Rust::Breaking
    }
}

/// A schema with the keywords that say what their absence says removed: JSON Schema semantics,
/// not text (`additionalProperties: true`, `nullable: false`, `minLength: 0`, `required: []` …).
fn effective(schema: &Value) -> Value {
    let Some(map) = schema.as_object() else {
        return match schema {
            Value::Bool(true) => Value::Object(Map::new()),
            other => other.clone(),
        };
    };
    let is_default = |key: &str, value: &Value| match key {
        "additionalProperties" | "items" => {
            *value == Value::Bool(true) || *value == Value::Object(Map::new())
        }
        "nullable" | "deprecated" | "readOnly" | "writeOnly" | "uniqueItems"
        | "exclusiveMinimum" | "exclusiveMaximum" => *value == Value::Bool(false),
        "minLength" | "minItems" | "minProperties" => value.as_f64() == Some(0.0),
        "required" => value.as_array().is_some_and(Vec::is_empty),
        "properties" => value.as_object().is_some_and(Map::is_empty),
        _ => false,
    };
    let kept = map
        .iter()
        .filter(|(key, value)| !is_default(key, value))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    Value::Object(kept)
}
