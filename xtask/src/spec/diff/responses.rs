//! Response statuses and body media types, judged by what the generated method matches and
//! returns: progenitor 0.15 gives a method one success type and one error type, matches the
//! documented statuses only (any other is an `UnexpectedResponse` error), asks for JSON
//! (`Accept: application/json`) and decodes JSON bodies only.

use anyhow::Result;
use serde_json::{Map, Value};

use super::change::{Direction, Rust, Wire};
use super::contract::Contract;
use super::differ::{Differ, component_name, type_name};
use crate::openapi::precheck::{self, BodyKind};

/// What the generated method returns on one side of its result.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Returned {
    One(BodyKind),
    /// Two or more body types: progenitor cannot generate it.
    Several,
}

/// Whether progenitor decodes a media type as JSON.
fn is_json(media: &str) -> bool {
    media == "application/json" || media.starts_with("application/json;")
}

impl Differ<'_> {
    /// Responses: a status the server stops documenting is one it no longer sends (the client
    /// still copes); a new error status reaches an old client as an unexpected one, which is an
    /// error too; a new success status is one an old client reports as an error.
    pub(crate) fn responses(&mut self, old: Option<&Value>, new: Option<&Value>) -> Result<()> {
        let empty = Map::new();
        let old = old.and_then(Value::as_object).unwrap_or(&empty);
        let new = new.and_then(Value::as_object).unwrap_or(&empty);
        for (status, old_response) in old {
            let location = format!("response {status}");
            let (old_ref, old_response) = self.old.resolve(old_response)?;
            let Some(new_response) = new.get(status) else {
                let (rust, effect) = effect((self.old, self.place.as_deref()), old, status, false);
                let detail = format!("no longer documented; {effect}");
                let verdict = (Wire::NonBreaking, rust);
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
            let kinds = (
                precheck::body_kind(old_response, status, &mut |_| {}),
                precheck::body_kind(new_response, status, &mut |_| {}),
            );
            self.response_content(&location, old_response, new_response, &kinds)?;
        }
        for status in new.keys().filter(|status| !old.contains_key(*status)) {
            self.response_added(status, old, new);
        }
        Ok(())
    }

    fn response_added(&mut self, status: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        let (rust, effect) = effect((self.new, self.place.as_deref()), new, status, true);
        let old_sides = precheck::response_sides(&self.old.doc, old, &mut |_| {});
        let success = status.starts_with('2');
        let matched_before = old_sides.success.is_empty()
            || old_sides
                .success
                .iter()
                .any(|(code, _)| *code == status || *code == "2XX" || *code == "default");
        let (wire, detail) = if success && !matched_before {
            let documented: Vec<&str> = old_sides.success.iter().map(|(code, _)| *code).collect();
            let detail = format!(
                "new success status: a client generated from the old revision matches {} only and \
                 reports a {status} as an error (progenitor's UnexpectedResponse); telnyx-rooms decodes \
                 any 2xx like the documented success body, so its calls keep working while the body is \
                 the same; {effect}",
                documented.join(", ")
            );
            (Wire::Breaking, detail)
        } else {
            (Wire::NonBreaking, format!("new response status; {effect}"))
        };
        let location = format!("response {status}");
        self.push_signature((wire, rust), &location, "response-added", detail);
    }

    /// The media types of a response present in both revisions. Only a change of what the
    /// generated method does with the body (decode JSON, hand over bytes, expect nothing)
    /// changes its result type.
    fn response_content(
        &mut self,
        location: &str,
        old: &Value,
        new: &Value,
        (old_kind, new_kind): &(BodyKind, BodyKind),
    ) -> Result<()> {
        let class = |kind: &BodyKind| std::mem::discriminant(kind);
        let handled_differently = class(old_kind) != class(new_kind);
        let has_json = |response: &Value| {
            let content = response.get("content").and_then(Value::as_object);
            content.is_some_and(|content| content.keys().any(|media| is_json(media)))
        };
        let no_json = !has_json(old) && !has_json(new);
        let rust = |media: &str| match handled_differently && (is_json(media) || no_json) {
            true => Rust::Breaking,
            false => Rust::None,
        };
        let effect = match handled_differently {
            true => format!(
                "; the generated method now returns this response as {} instead of {}",
                show_kind(new_kind, self.place.as_deref()),
                show_kind(old_kind, self.place.as_deref())
            ),
            false => String::new(),
        };
        let media = |response: &Value| response.get("content").cloned();
        let (old_content, new_content) = (media(old), media(new));
        let verdict = |media: &str| match rust(media) {
            Rust::None => (Rust::None, String::new()),
            rust => (rust, effect.clone()),
        };
        self.content(
            Direction::Response,
            location,
            (old_content.as_ref(), new_content.as_ref()),
            &verdict,
        )
    }

    /// Compares the media types of a request body or response; `rust` gives the Rust verdict
    /// of a media type appearing or going, and what it does to the generated method.
    pub(crate) fn content(
        &mut self,
        direction: Direction,
        prefix: &str,
        (old, new): (Option<&Value>, Option<&Value>),
        rust: &dyn Fn(&str) -> (Rust, String),
    ) -> Result<()> {
        let empty = Map::new();
        let old = old.and_then(Value::as_object).unwrap_or(&empty);
        let new = new.and_then(Value::as_object).unwrap_or(&empty);
        let body = |media: &str| match media {
            "application/json" => format!("{prefix} body"),
            _ => format!("{prefix} body ({media})"),
        };
        for (media, old_media) in old {
            let location = body(media);
            let Some(new_media) = new.get(media) else {
                self.media_removed(direction, &location, media, rust(media));
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
                    let verdict = (Wire::Breaking, rust(media).0);
                    self.push_signature(verdict, &location, "schema-changed", detail);
                }
            }
        }
        for media in new.keys().filter(|media| !old.contains_key(*media)) {
            // Clients ask for JSON (`Accept`), so a response in a new media type is not sent to them.
            let (rust, effect) = rust(media);
            let detail = format!("{media} now offered{effect}");
            let verdict = (Wire::NonBreaking, rust);
            self.push_signature(verdict, &body(media), "media-type-added", detail);
        }
        Ok(())
    }

    /// A media type the server no longer accepts (request) or sends (response). An old client
    /// asks for JSON and decodes JSON only, so a response without it breaks that client.
    fn media_removed(
        &mut self,
        direction: Direction,
        location: &str,
        media: &str,
        (rust, effect): (Rust, String),
    ) {
        let (wire, why) = match direction {
            Direction::Request => (Wire::Breaking, ""),
            Direction::Response if is_json(media) => (
                Wire::Breaking,
                ": a client asks for JSON and decodes nothing else",
            ),
            Direction::Response => (Wire::NonBreaking, " (clients do not ask for it)"),
        };
        let detail = format!("{media} no longer offered{why}{effect}");
        self.push_signature((wire, rust), location, "media-type-removed", detail);
    }
}

/// What a status appearing in (`added`) or going from `responses` does to the generated
/// method's result types, judged within `contract`: the types with and without it.
fn effect(
    (contract, place): (&Contract, Option<&str>),
    responses: &Map<String, Value>,
    status: &str,
    added: bool,
) -> (Rust, String) {
    let mut without = responses.clone();
    without.shift_remove(status);
    let (with, without) = (returned(contract, responses), returned(contract, &without));
    let (before, after) = match added {
        true => (&without, &with),
        false => (&with, &without),
    };
    let mut changed = Vec::new();
    for (side, before, after) in [
        ("success", &before[0], &after[0]),
        ("error", &before[1], &after[1]),
    ] {
        match (before, after) {
            (_, Returned::Several) => {
                let detail = format!(
                    "codegen will refuse: its {side} responses would have different body types"
                );
                return (Rust::Refused, detail);
            }
            (Returned::One(a), Returned::One(b)) if a != b => changed.push(format!(
                "{side} type changes {} → {}",
                show_kind(a, place),
                show_kind(b, place)
            )),
            _ => {}
        }
    }
    match changed.is_empty() {
        true => (
            Rust::None,
            "the generated method's result types stay the same".into(),
        ),
        false => (
            Rust::Breaking,
            format!("the generated method's {}", changed.join(", its ")),
        ),
    }
}

/// The generated method's success and error types for `responses`.
fn returned(contract: &Contract, responses: &Map<String, Value>) -> [Returned; 2] {
    let sides = precheck::response_sides(&contract.doc, responses, &mut |_| {});
    // Without a success status, progenitor makes up a 2xx returning the body as bytes; without
    // an error status, the error type is `()`.
    let side = |statuses: &[(&str, BodyKind)], none: BodyKind| {
        let mut kinds: Vec<&BodyKind> = statuses.iter().map(|(_, kind)| kind).collect();
        kinds.sort();
        kinds.dedup();
        match kinds.as_slice() {
            [] => Returned::One(none),
            [kind] => Returned::One((*kind).clone()),
            _ => Returned::Several,
        }
    };
    [
        side(&sides.success, BodyKind::Raw),
        side(&sides.error, BodyKind::None),
    ]
}

/// A body kind as the Rust type the generated method uses for it; an inline JSON schema is
/// named after its `place`.
fn show_kind(kind: &BodyKind, place: Option<&str>) -> String {
    match kind {
        BodyKind::None => "nothing (`()`)".into(),
        BodyKind::Raw => "a byte stream".into(),
        BodyKind::Json(schema) => {
            let schema: Value = serde_json::from_str(schema).unwrap_or_default();
            match (schema.get("$ref").and_then(Value::as_str), place) {
                (Some(reference), _) => type_name(component_name(reference)),
                (None, Some(place)) => place.to_string(),
                (None, None) => "an inline type".into(),
            }
        }
    }
}

fn presence(value: Option<&Value>) -> &'static str {
    if value.is_some() { "present" } else { "absent" }
}
