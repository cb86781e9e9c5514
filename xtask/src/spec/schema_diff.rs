//! Schema-level rules: which keyword changes break generated types or callers, in each direction.

use std::collections::BTreeSet;

use anyhow::Result;
use serde_json::{Map, Value};

use super::change::{Class, Direction};
use super::diff::{Differ, component_name, show};

/// Keywords that document a schema without constraining data.
const ANNOTATIONS: [&str; 7] = [
    "description",
    "title",
    "example",
    "examples",
    "externalDocs",
    "xml",
    "$comment",
];

/// Keywords compared by dedicated rules below rather than key by key.
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

/// String formats for which the generator emits a dedicated Rust type instead of `String`.
const TYPED_STRING_FORMATS: [(&str, &str); 6] = [
    ("uuid", "Uuid"),
    ("date", "NaiveDate"),
    ("date-time", "DateTime<Utc>"),
    ("ip", "IpAddr"),
    ("ipv4", "Ipv4Addr"),
    ("ipv6", "Ipv6Addr"),
];

impl Differ<'_> {
    /// Compares two schemas found at the same place.
    pub(super) fn schema(
        &mut self,
        direction: Direction,
        location: &str,
        old: &Value,
        new: &Value,
    ) -> Result<()> {
        let (old_ref, old_schema) = self.old.resolve(old)?;
        let (new_ref, new_schema) = self.new.resolve(new)?;
        let names_type = |reference: Option<&str>| {
            reference.is_some_and(|r| r.starts_with("#/components/schemas/"))
        };
        let both_named = names_type(old_ref) && names_type(new_ref);
        self.ref_note(location, old_ref, new_ref, both_named);
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
        self.in_progress.push(pair);
        let outcome = self.schema_body(direction, location, old_schema, new_schema);
        self.in_progress.pop();
        outcome
    }

    fn schema_body(
        &mut self,
        direction: Direction,
        location: &str,
        old: &Value,
        new: &Value,
    ) -> Result<()> {
        let (Some(old_map), Some(new_map)) = (old.as_object(), new.as_object()) else {
            // `true`/`false` schemas, or malformed ones: compare as values.
            self.push(
                Class::Breaking,
                location,
                "schema-changed",
                format!("schema {old} → {new}"),
            );
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
            match key.as_str() {
                key if ANNOTATIONS.contains(&key) || key.starts_with("x-") => {
                    self.annotation(location, key, a, b);
                }
                "type" => self.push(
                    Class::Breaking,
                    location,
                    "type-changed",
                    format!("type {} → {}", show(a), show(b)),
                ),
                "format" => self.format(location, old_map, new_map),
                "nullable" => self.nullable(direction, location, a, b),
                "enum" => self.enumeration(direction, location, a, b),
                "pattern" | "multipleOf" | "uniqueItems" => {
                    // Only requests are validated against these; a response never fails on them.
                    let class = match (direction, b) {
                        (Direction::Request, Some(_)) => Class::Breaking,
                        _ => Class::NonBreaking,
                    };
                    self.push(
                        class,
                        location,
                        "constraint-changed",
                        format!("{key} {} → {}", show(a), show(b)),
                    );
                }
                "default" => self.push(
                    Class::NonBreaking,
                    location,
                    "default-changed",
                    format!("default {} → {}", show(a), show(b)),
                ),
                "readOnly" | "writeOnly" | "deprecated" => self.push(
                    Class::NonBreaking,
                    location,
                    "annotation-changed",
                    format!("{key} {} → {}", show(a), show(b)),
                ),
                "items" => match (a, b) {
                    (Some(a), Some(b)) => self.schema(direction, &format!("{location}[]"), a, b)?,
                    _ => self.push(
                        Class::Breaking,
                        location,
                        "schema-changed",
                        format!("items {} → {}", show(a), show(b)),
                    ),
                },
                "additionalProperties" => self.additional_properties(direction, location, a, b)?,
                "allOf" | "oneOf" | "anyOf" => self.composition(direction, location, key, a, b)?,
                _ => self.push(
                    Class::Breaking,
                    location,
                    "keyword-changed",
                    format!(
                        "{key} {} → {} (not classified by this tool; review it)",
                        show(a),
                        show(b)
                    ),
                ),
            }
        }
        self.bounds(direction, location, old_map, new_map);
        let properties =
            |map: &'_ Map<String, Value>| map.get("properties").and_then(Value::as_object).cloned();
        let (old_props, new_props) = (properties(old_map), properties(new_map));
        if old_props.is_some()
            || new_props.is_some()
            || old_map.get("required") != new_map.get("required")
        {
            let (old_props, new_props) =
                (old_props.unwrap_or_default(), new_props.unwrap_or_default());
            self.properties(
                direction,
                location,
                (&old_props, old_map),
                (&new_props, new_map),
            )?;
        }
        Ok(())
    }

    fn properties(
        &mut self,
        direction: Direction,
        location: &str,
        (old_props, old): (&Map<String, Value>, &Map<String, Value>),
        (new_props, new): (&Map<String, Value>, &Map<String, Value>),
    ) -> Result<()> {
        let (old_required, new_required) = (required(old), required(new));
        let names: Vec<&String> = old_props
            .keys()
            .chain(
                new_props
                    .keys()
                    .filter(|name| !old_props.contains_key(*name)),
            )
            .collect();
        for name in names {
            let field = format!("{location}.{name}");
            let (was, now) = (
                old_required.contains(name.as_str()),
                new_required.contains(name.as_str()),
            );
            match (old_props.get(name), new_props.get(name)) {
                (Some(_), None) => {
                    self.push(Class::Breaking, &field, "field-removed", "removed".into())
                }
                (None, Some(_)) => {
                    let (class, what) = match (direction, now) {
                        (Direction::Request, true) => (Class::Breaking, "new required field"),
                        (_, true) => (Class::NonBreaking, "new field, always present"),
                        _ => (Class::NonBreaking, "new optional field"),
                    };
                    self.push(class, &field, "field-added", what.into());
                }
                (Some(a), Some(b)) => {
                    match (direction, was, now) {
                        (Direction::Request, false, true) => {
                            self.push(
                                Class::Breaking,
                                &field,
                                "field-required",
                                "now required".into(),
                            );
                        }
                        (Direction::Request, true, false) => {
                            self.push(
                                Class::NonBreaking,
                                &field,
                                "field-optional",
                                "now optional".into(),
                            );
                        }
                        (Direction::Response, true, false) => self.push(
                            Class::Breaking,
                            &field,
                            "field-optional",
                            "may now be absent; the generated field becomes an Option".into(),
                        ),
                        (Direction::Response, false, true) => {
                            self.push(
                                Class::NonBreaking,
                                &field,
                                "field-required",
                                "now always present".into(),
                            );
                        }
                        _ => {}
                    }
                    self.schema(direction, &field, a, b)?;
                }
                (None, None) => {}
            }
        }
        Ok(())
    }

    fn format(&mut self, location: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        let text = |map: &Map<String, Value>, key: &str| {
            map.get(key).and_then(Value::as_str).map(str::to_string)
        };
        let (old_format, new_format) = (text(old, "format"), text(new, "format"));
        let message = format!(
            "format {} → {}",
            old_format.as_deref().unwrap_or("(none)"),
            new_format.as_deref().unwrap_or("(none)")
        );
        let (old_type, new_type) = (rust_type(old), rust_type(new));
        if old_type == new_type {
            self.push(
                Class::NonBreaking,
                location,
                "format-changed",
                format!("{message} (the generated type stays {old_type})"),
            );
        } else {
            self.push(
                Class::Breaking,
                location,
                "format-changed",
                format!("{message}: the generated type changes {old_type} → {new_type}"),
            );
        }
    }

    fn nullable(
        &mut self,
        direction: Direction,
        location: &str,
        old: Option<&Value>,
        new: Option<&Value>,
    ) {
        let now = new.and_then(Value::as_bool).unwrap_or(false);
        let was = old.and_then(Value::as_bool).unwrap_or(false);
        if was == now {
            return;
        }
        let (class, message) = match (direction, now) {
            (Direction::Response, true) => (Class::Breaking, "may now be null"),
            (Direction::Response, false) => (Class::NonBreaking, "no longer null"),
            (Direction::Request, true) => (Class::NonBreaking, "now accepts null"),
            (Direction::Request, false) => (Class::Breaking, "no longer accepts null"),
        };
        self.push(class, location, "nullable-changed", message.into());
    }

    fn enumeration(
        &mut self,
        direction: Direction,
        location: &str,
        old: Option<&Value>,
        new: Option<&Value>,
    ) {
        let values = |value: &Value| -> BTreeSet<String> {
            value
                .as_array()
                .into_iter()
                .flatten()
                .map(Value::to_string)
                .collect()
        };
        let (Some(old), Some(new)) = (old, new) else {
            // An enum appearing or disappearing turns a plain type into a generated enum or back.
            self.push(
                Class::Breaking,
                location,
                "enum-changed",
                format!("enum {} → {}", show(old), show(new)),
            );
            return;
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
        // Requests break when a value callers send disappears; responses when an unknown one appears.
        let breaks = match direction {
            Direction::Request => !removed.is_empty(),
            Direction::Response => !added.is_empty(),
        };
        let class = if breaks {
            Class::Breaking
        } else {
            Class::NonBreaking
        };
        self.push(
            class,
            location,
            "enum-changed",
            format!("enum values {}", parts.join("; ")),
        );
    }

    fn additional_properties(
        &mut self,
        direction: Direction,
        location: &str,
        old: Option<&Value>,
        new: Option<&Value>,
    ) -> Result<()> {
        let closed = |value: Option<&Value>| value == Some(&Value::Bool(false));
        match (old, new) {
            (Some(a @ Value::Object(_)), Some(b @ Value::Object(_))) => {
                self.schema(direction, &format!("{location}.*"), a, b)?;
            }
            _ if !closed(old) && closed(new) => self.push(
                Class::Breaking,
                location,
                "additional-properties-changed",
                "unknown fields are now refused".into(),
            ),
            _ if closed(old) && !closed(new) => self.push(
                Class::NonBreaking,
                location,
                "additional-properties-changed",
                format!("unknown fields now allowed ({})", show(new)),
            ),
            _ => self.push(
                Class::Breaking,
                location,
                "additional-properties-changed",
                format!("additionalProperties {} → {}", show(old), show(new)),
            ),
        }
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
                let count = |list: Option<&Vec<Value>>| list.map_or(0, Vec::len);
                let names = |list: Option<&Vec<Value>>| -> Vec<String> {
                    list.into_iter()
                        .flatten()
                        .map(|item| {
                            item.get("$ref")
                                .and_then(Value::as_str)
                                .map_or("inline", component_name)
                                .to_string()
                        })
                        .collect()
                };
                self.push(
                    Class::Breaking,
                    location,
                    "composition-changed",
                    format!(
                        "{key} with {} schemas [{}] → {} [{}]",
                        count(a),
                        names(a).join(", "),
                        count(b),
                        names(b).join(", ")
                    ),
                );
            }
        }
        Ok(())
    }

    /// Numeric and size bounds: narrowing what a request may carry breaks callers; bounds never
    /// break response decoding, unless they change the generated integer type.
    fn bounds(
        &mut self,
        direction: Direction,
        location: &str,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
    ) {
        let (old_type, new_type) = (rust_type(old), rust_type(new));
        let type_note = if old_type != new_type && old.get("format") == new.get("format") {
            Some(format!(
                "; the generated type changes {old_type} → {new_type}"
            ))
        } else {
            None
        };
        let checks: [(&str, Bound, Bound, Side); 5] = [
            ("minimum", lower(old), lower(new), Side::Lower),
            ("maximum", upper(old), upper(new), Side::Upper),
            (
                "length",
                count(old, "minLength"),
                count(new, "minLength"),
                Side::Lower,
            ),
            (
                "length",
                count(old, "maxLength"),
                count(new, "maxLength"),
                Side::Upper,
            ),
            (
                "items",
                count(old, "minItems"),
                count(new, "minItems"),
                Side::Lower,
            ),
        ];
        let more: [(&str, Bound, Bound, Side); 3] = [
            (
                "items",
                count(old, "maxItems"),
                count(new, "maxItems"),
                Side::Upper,
            ),
            (
                "properties",
                count(old, "minProperties"),
                count(new, "minProperties"),
                Side::Lower,
            ),
            (
                "properties",
                count(old, "maxProperties"),
                count(new, "maxProperties"),
                Side::Upper,
            ),
        ];
        for (name, before, after, side) in checks.into_iter().chain(more) {
            if before == after {
                continue;
            }
            let narrowed = side.narrows(before, after);
            let class = match (&type_note, direction, narrowed) {
                (Some(_), _, _) | (None, Direction::Request, true) => Class::Breaking,
                _ => Class::NonBreaking,
            };
            let label = match (side, name) {
                (_, "minimum" | "maximum") => name.to_string(),
                (Side::Lower, _) => format!("min {name}"),
                (Side::Upper, _) => format!("max {name}"),
            };
            let how = if narrowed { "narrowed" } else { "widened" };
            let message = format!(
                "{label} {} → {} ({how}){}",
                show_bound(before, side),
                show_bound(after, side),
                type_note.as_deref().unwrap_or_default()
            );
            self.push(class, location, "bound-changed", message);
        }
    }
}

/// A bound: its value and whether it is exclusive; `None` when unbounded.
type Bound = Option<(f64, bool)>;

#[derive(Debug, Clone, Copy)]
enum Side {
    Lower,
    Upper,
}

impl Side {
    /// Whether going from `before` to `after` lets fewer values through.
    fn narrows(self, before: Bound, after: Bound) -> bool {
        match (before, after) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some((a, a_excl)), Some((b, b_excl))) => match self {
                Side::Lower => b > a || (b == a && b_excl && !a_excl),
                Side::Upper => b < a || (b == a && b_excl && !a_excl),
            },
        }
    }
}

fn show_bound(bound: Bound, side: Side) -> String {
    match (bound, side) {
        (None, _) => "(none)".into(),
        (Some((value, false)), _) => value.to_string(),
        (Some((value, true)), Side::Lower) => format!(">{value}"),
        (Some((value, true)), Side::Upper) => format!("<{value}"),
    }
}

fn number(map: &Map<String, Value>, key: &str) -> Option<f64> {
    map.get(key).and_then(Value::as_f64)
}

/// The lower bound in OpenAPI 3.0 form (`exclusiveMinimum` is a boolean beside `minimum`).
fn lower(map: &Map<String, Value>) -> Bound {
    let exclusive = map
        .get("exclusiveMinimum")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    number(map, "minimum").map(|value| (value, exclusive))
}

fn upper(map: &Map<String, Value>) -> Bound {
    let exclusive = map
        .get("exclusiveMaximum")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    number(map, "maximum").map(|value| (value, exclusive))
}

fn count(map: &Map<String, Value>, key: &str) -> Bound {
    number(map, key).map(|value| (value, false))
}

fn required(map: &Map<String, Value>) -> BTreeSet<&str> {
    map.get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// The Rust type the generator (progenitor's typify) picks for a scalar schema, as far as type
/// and format decide it; `None`-typed schemas are described by their JSON type.
fn rust_type(map: &Map<String, Value>) -> String {
    let format = map.get("format").and_then(Value::as_str);
    match map.get("type").and_then(Value::as_str) {
        Some("string") => TYPED_STRING_FORMATS
            .iter()
            .find(|(known, _)| Some(*known) == format)
            .map_or("String", |(_, ty)| ty)
            .into(),
        Some("integer") => integer_type(format, lower(map), upper(map)).into(),
        Some("number") if format == Some("float") => "f32".into(),
        Some("number") => "f64".into(),
        Some(other) => other.to_string(),
        None => "untyped".into(),
    }
}

/// Mirrors typify's choice of integer type: a known `format` whose range holds the bounds wins;
/// otherwise bounds that match a Rust type's range exactly pick it; a minimum of 1 picks a
/// `NonZero` type; anything else is `i64`.
fn integer_type(format: Option<&str>, lower: Bound, upper: Bound) -> &'static str {
    // (format, type, NonZero type, min, max), most to least restrictive, as typify lists them.
    const TYPES: [(&str, &str, &str, f64, f64); 10] = [
        ("int8", "i8", "NonZeroU8", i8::MIN as f64, i8::MAX as f64),
        ("uint8", "u8", "NonZeroU8", 0.0, u8::MAX as f64),
        (
            "int16",
            "i16",
            "NonZeroU16",
            i16::MIN as f64,
            i16::MAX as f64,
        ),
        ("uint16", "u16", "NonZeroU16", 0.0, u16::MAX as f64),
        (
            "int32",
            "i32",
            "NonZeroU32",
            i32::MIN as f64,
            i32::MAX as f64,
        ),
        ("uint32", "u32", "NonZeroU32", 0.0, u32::MAX as f64),
        (
            "int64",
            "i64",
            "NonZeroU64",
            i64::MIN as f64,
            i64::MAX as f64,
        ),
        ("uint64", "u64", "NonZeroU64", 0.0, u64::MAX as f64),
        ("int", "i32", "NonZeroU32", i32::MIN as f64, i32::MAX as f64),
        ("uint", "u32", "NonZeroU32", 0.0, u32::MAX as f64),
    ];
    let min = lower.map(|(value, exclusive)| if exclusive { value + 1.0 } else { value });
    let max = upper.map(|(value, exclusive)| if exclusive { value - 1.0 } else { value });
    if let Some((_, ty, nonzero, imin, imax)) = TYPES.iter().find(|entry| Some(entry.0) == format) {
        let fits = min.is_none_or(|min| min >= *imin) && max.is_none_or(|max| max <= *imax);
        if fits {
            return if min == Some(1.0) { nonzero } else { ty };
        }
    }
    let ranked = TYPES[..8].iter().rev();
    let exact = |found: f64, limit: f64| (found - limit).abs() <= f64::EPSILON;
    let picked = match (min, max) {
        (None, None) => None,
        (Some(1.0), _) => Some("NonZeroU64"),
        (None, Some(max)) => ranked
            .clone()
            .find(|entry| exact(max, entry.4))
            .map(|entry| entry.1),
        (Some(min), None) => ranked
            .clone()
            .find(|entry| exact(min, entry.3))
            .map(|entry| entry.1),
        (Some(min), Some(max)) => ranked
            .clone()
            .find(|entry| exact(min, entry.3) && exact(max, entry.4))
            .map(|entry| entry.1),
    };
    picked.unwrap_or("i64")
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::change::Class;
    use super::super::contract::Contract;
    use super::super::diff::compare;
    use super::super::scope::Scope;

    /// A one-operation document whose request body is `request` and 200 body is `response`.
    fn doc(request: Value, response: Value) -> Contract {
        let doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/x": {"post": {
                "operationId": "Op",
                "requestBody": {"content": {"application/json": {"schema": request}}},
                "responses": {"200": {"content": {"application/json": {"schema": response}}}}
            }}}
        });
        let scope = Scope {
            operations: vec!["Op".into()],
            tags: vec![],
        };
        Contract::from_doc(&doc, &scope).expect("valid contract")
    }

    /// `(class, location, message)` of every change from `old` to `new`.
    fn changes(old: &Contract, new: &Contract) -> Vec<(Class, String, String)> {
        compare(old, new)
            .expect("compares")
            .into_iter()
            .map(|change| (change.class, change.location, change.message))
            .collect()
    }

    fn one(class: Class, location: &str, message: &str) -> Vec<(Class, String, String)> {
        vec![(class, location.into(), message.into())]
    }

    #[test]
    fn enum_values_break_requests_when_removed_and_responses_when_added() {
        let small = json!({"type": "string", "enum": ["a"]});
        let large = json!({"type": "string", "enum": ["a", "b"]});
        let (before, after) = (doc(large.clone(), small.clone()), doc(small, large));
        assert_eq!(
            changes(&before, &after),
            [
                (
                    Class::Breaking,
                    "request body".into(),
                    "enum values removed \"b\"".into()
                ),
                (
                    Class::Breaking,
                    "response 200 body".into(),
                    "enum values added \"b\"".into()
                ),
            ]
        );
        assert_eq!(
            changes(&after, &before),
            [
                (
                    Class::NonBreaking,
                    "request body".into(),
                    "enum values added \"b\"".into()
                ),
                (
                    Class::NonBreaking,
                    "response 200 body".into(),
                    "enum values removed \"b\"".into()
                ),
            ]
        );
    }

    #[test]
    fn a_bound_that_changes_the_generated_integer_type_is_breaking_even_when_it_widens() {
        let zero = json!({"type": "integer", "minimum": 0});
        let one_up = json!({"type": "integer", "minimum": 1});
        let ten = json!({"type": "integer", "minimum": 10});
        assert_eq!(
            changes(
                &doc(json!({}), one_up.clone()),
                &doc(json!({}), zero.clone())
            ),
            one(
                Class::Breaking,
                "response 200 body",
                "minimum 1 → 0 (widened); the generated type changes NonZeroU64 → u64"
            )
        );
        // 10 → 1 would widen a request, but turns i64 into NonZeroU64.
        assert_eq!(
            changes(&doc(ten.clone(), json!({})), &doc(one_up, json!({})))[0].0,
            Class::Breaking
        );
        // A bound that keeps the type: widening a request is fine, responses never mind.
        let eleven = json!({"type": "integer", "minimum": 11});
        assert_eq!(
            changes(&doc(eleven.clone(), eleven.clone()), &doc(ten.clone(), ten)),
            [
                (
                    Class::NonBreaking,
                    "request body".into(),
                    "minimum 11 → 10 (widened)".into()
                ),
                (
                    Class::NonBreaking,
                    "response 200 body".into(),
                    "minimum 11 → 10 (widened)".into()
                ),
            ]
        );
    }

    #[test]
    fn a_format_the_generator_ignores_is_not_breaking() {
        let jwt = json!({"type": "string", "format": "jwt"});
        let plain = json!({"type": "string"});
        let date = json!({"type": "string", "format": "date-time"});
        assert_eq!(
            changes(&doc(json!({}), jwt.clone()), &doc(json!({}), plain.clone())),
            one(
                Class::NonBreaking,
                "response 200 body",
                "format jwt → (none) (the generated type stays String)"
            )
        );
        assert_eq!(
            changes(&doc(json!({}), plain), &doc(json!({}), date)),
            one(
                Class::Breaking,
                "response 200 body",
                "format (none) → date-time: the generated type changes String → DateTime<Utc>"
            )
        );
    }

    #[test]
    fn nullability_and_closed_objects_follow_the_direction_of_data() {
        let text = json!({"type": "string"});
        let nullable = json!({"type": ["string", "null"]});
        assert_eq!(
            changes(
                &doc(text.clone(), text.clone()),
                &doc(nullable.clone(), nullable)
            ),
            [
                (
                    Class::Breaking,
                    "response 200 body".into(),
                    "may now be null".into()
                ),
                (
                    Class::NonBreaking,
                    "request body".into(),
                    "now accepts null".into()
                ),
            ]
        );
        let open = json!({"type": "object"});
        let closed = json!({"type": "object", "additionalProperties": false});
        assert_eq!(
            changes(
                &doc(json!({}), open.clone()),
                &doc(json!({}), closed.clone())
            ),
            one(
                Class::Breaking,
                "response 200 body",
                "unknown fields are now refused"
            )
        );
        assert_eq!(
            changes(&doc(closed, json!({})), &doc(open, json!({})))[0].0,
            Class::NonBreaking
        );
    }

    #[test]
    fn recursive_schemas_are_compared_once_per_place() {
        let with = |value_type: &str| {
            let doc = json!({
                "openapi": "3.0.3",
                "info": {"title": "t", "version": "1"},
                "paths": {"/x": {"get": {
                    "operationId": "Op",
                    "responses": {"200": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Node"}
                    }}}}
                }}},
                "components": {"schemas": {"Node": {"properties": {
                    "next": {"$ref": "#/components/schemas/Node"},
                    "value": {"type": value_type}
                }}}}
            });
            let scope = Scope {
                operations: vec!["Op".into()],
                tags: vec![],
            };
            Contract::from_doc(&doc, &scope).expect("valid contract")
        };
        assert_eq!(
            changes(&with("string"), &with("integer")),
            one(
                Class::Breaking,
                "response 200 body.value",
                "type \"string\" → \"integer\""
            )
        );
    }

    #[test]
    fn composition_and_unknown_keywords_are_flagged_for_review() {
        let one_of = |n: usize| json!({"oneOf": vec![json!({"type": "string"}); n]});
        assert_eq!(
            changes(&doc(json!({}), one_of(1)), &doc(json!({}), one_of(2))),
            one(
                Class::Breaking,
                "response 200 body",
                "oneOf with 1 schemas [inline] → 2 [inline, inline]"
            )
        );
        let plain = json!({"type": "string"});
        let odd = json!({"type": "string", "not": {"enum": [""]}});
        assert_eq!(
            changes(&doc(plain.clone(), json!({})), &doc(odd, json!({})))[0],
            (
                Class::Breaking,
                "request body".into(),
                "not (none) → {\"enum\":[\"\"]} (not classified by this tool; review it)".into()
            )
        );
    }
}
