//! Object fields: which fields exist and which are required. Every field is a public field of a
//! generated struct (typify's structs are exhaustive), and a field that may be absent is an
//! `Option`.

use std::collections::BTreeSet;

use anyhow::Result;
use serde_json::{Map, Value};

use super::change::{Direction, Rust, Wire};
use super::differ::Differ;

impl Differ<'_> {
    pub(crate) fn properties(
        &mut self,
        direction: Direction,
        location: &str,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
    ) -> Result<()> {
        let empty = Map::new();
        let fields =
            |map: &Map<String, Value>| map.get("properties").and_then(Value::as_object).cloned();
        let (old_props, new_props) = (fields(old), fields(new));
        let (old_props, new_props) = (
            old_props.as_ref().unwrap_or(&empty),
            new_props.as_ref().unwrap_or(&empty),
        );
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
            let required = (
                old_required.contains(name.as_str()),
                new_required.contains(name.as_str()),
            );
            match (old_props.get(name), new_props.get(name)) {
                (Some(_), None) => self.field_removed(direction, &field, required.0),
                (None, Some(_)) => self.field_added(direction, &field, required.1),
                (Some(a), Some(b)) => {
                    self.requirement(direction, &field, required);
                    let owner = self.derived(name, b);
                    self.optional_field = !required.0 && !required.1;
                    self.within(owner, |differ| differ.schema(direction, &field, a, b))?;
                }
                (None, None) => {}
            }
        }
        Ok(())
    }

    /// A request may no longer carry the field; a response no longer promises it, which breaks a
    /// client only when it was required.
    fn field_removed(&mut self, direction: Direction, field: &str, was_required: bool) {
        let wire = match direction {
            Direction::Response if !was_required => Wire::NonBreaking,
            _ => Wire::Breaking,
        };
        let detail = "removed, and its generated field".into();
        self.push((wire, Rust::Breaking), field, "field-removed", detail);
    }

    fn field_added(&mut self, direction: Direction, field: &str, required: bool) {
        let (wire, what) = match (direction, required) {
            (Direction::Request, true) => (Wire::Breaking, "new required field"),
            (_, true) => (Wire::NonBreaking, "new field, always present"),
            _ => (Wire::NonBreaking, "new optional field"),
        };
        let detail =
            format!("{what}: a new public field, so struct literals of the type stop compiling");
        self.push((wire, Rust::Breaking), field, "field-added", detail);
    }

    /// A field that becomes required or optional; its generated type gains or loses an `Option`.
    fn requirement(&mut self, direction: Direction, field: &str, (was, now): (bool, bool)) {
        let (wire, kind, detail) = match (direction, was, now) {
            (Direction::Request, false, true) => (Wire::Breaking, "field-required", "now required"),
            (Direction::Request, true, false) => {
                (Wire::NonBreaking, "field-optional", "now optional")
            }
            (Direction::Response, true, false) => {
                (Wire::Breaking, "field-optional", "may now be absent")
            }
            (Direction::Response, false, true) => {
                (Wire::NonBreaking, "field-required", "now always present")
            }
            _ => return,
        };
        let detail = match now {
            true => format!("{detail}: the generated field is no longer an Option"),
            false => format!("{detail}: the generated field becomes an Option"),
        };
        self.push((wire, Rust::Breaking), field, kind, detail);
    }
}

fn required(map: &Map<String, Value>) -> BTreeSet<&str> {
    map.get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}
