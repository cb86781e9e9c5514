//! Table tests: one small hand-written pair of documents per rule, with both verdicts and what
//! regeneration meets; and the Rust verdicts checked against the generator itself ([`generator`]).

mod generator;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};

use super::change::{Change, Rust, Wire};
use super::contract::{Pair, Setup};
use super::judge;
use super::regeneration::Regeneration;
use super::report::summary;
use crate::openapi::overlay::Overlay;
use crate::spec::scope::Scope;

/// The two revisions with `overlays` applied, for a scope naming every operationId of both.
fn pair_with(old: &Value, new: &Value, overlays: &[Overlay]) -> Pair {
    let mut operations = operation_ids(old);
    operations.extend(operation_ids(new));
    operations.dedup();
    let scope = Scope {
        operations,
        tags: vec![],
    };
    let setup = Setup {
        scope: &scope,
        generated: &scope,
        overlays,
    };
    Pair::from_docs((old, "old"), (new, "new"), setup).expect("valid contracts")
}

fn changes(old: &Value, new: &Value) -> Vec<Change> {
    judge(&pair_with(old, new, &[])).expect("compares")
}

/// `wire/rust location: detail [kind]` for each change.
fn show(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .map(|c| {
            let wire = match c.wire {
                Wire::Breaking => "breaking",
                Wire::NonBreaking => "non-breaking",
                Wire::None => "none",
            };
            let rust = match c.rust {
                Rust::Refused => "refused",
                Rust::Breaking => "breaking",
                Rust::Additive => "additive",
                Rust::None => "none",
            };
            format!("{wire}/{rust} {}: {} [{}]", c.location, c.detail, c.kind)
        })
        .collect()
}

/// Every change from `old` to `new`, as [`show`] writes them.
fn lines(old: &Value, new: &Value) -> Vec<String> {
    show(&changes(old, new))
}

/// What the report's regeneration section lists: the problems, then the notes.
fn regeneration_lines(regeneration: &Regeneration) -> Vec<String> {
    let problems = regeneration.problems.iter().map(|p| p.detail.clone());
    problems.chain(regeneration.notes.iter().cloned()).collect()
}

/// A one-operation document with the given request and 200 response body schemas.
fn bodies(request: Value, response: Value) -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"post": {
            "operationId": "Op",
            "requestBody": {"content": {"application/json": {"schema": request}}},
            "responses": {"200": {"content": {"application/json": {"schema": response}}}}
        }}},
        "components": {"schemas": {
            "Error": {"type": "object", "properties": {"code": {"type": "string"}}},
            "video_Error": {"type": "object", "properties": {"code": {"type": "string"}}},
            "Plain": {"type": "object", "properties": {"n": {"type": "integer"}}}
        }}
    })
}

/// The rule cases, hand-written in YAML (see the file's header).
const RULES: &str = include_str!("../../../tests/fixtures/spec-diff/rules.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rules {
    base: Value,
    operations: Vec<Case<BTreeMap<String, Value>>>,
    bodies: Vec<Case<Bodies>>,
    generator: Vec<generator::Edit>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bodies {
    request: Value,
    response: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case<T> {
    rule: String,
    #[serde(default)]
    old: T,
    #[serde(default)]
    new: T,
    /// Overlay documents applied to both sides, named `00-case.yaml`, `01-case.yaml`, …
    #[serde(default)]
    overlays: Vec<Value>,
    expect: Vec<String>,
    /// The regeneration section's problems, then its notes.
    #[serde(default)]
    regeneration: Vec<String>,
}

impl<T> Case<T> {
    /// Checks the case on two documents made from it.
    fn check(&self, old: &Value, new: &Value) {
        let overlays: Vec<Overlay> = self
            .overlays
            .iter()
            .enumerate()
            .map(|(index, overlay)| {
                let path = format!("{index:02}-case.yaml");
                Overlay::from_value(Path::new(&path), String::new(), overlay.clone())
                    .expect("a valid overlay")
            })
            .collect();
        let pair = pair_with(old, new, &overlays);
        let changes = judge(&pair).expect("compares");
        assert_eq!(show(&changes), self.expect, "rule {}", self.rule);
        let regeneration = regeneration_lines(&pair.regeneration);
        assert_eq!(regeneration, self.regeneration, "rule {}", self.rule);
        // The facade line names the generated items the Rust section changes: none is untied.
        for change in changes.iter().filter(|change| change.rust != Rust::None) {
            assert!(!change.types.is_empty(), "rule {}: {change:?}", self.rule);
        }
    }
}

fn rules() -> Rules {
    serde_yaml_ng::from_str(RULES).expect("rules.yaml parses")
}

/// `base` with each patch applied: `/pointer` into the document, or a pointer relative to the
/// operation; the parent of each place exists.
fn patched(base: &Value, patches: &BTreeMap<String, Value>) -> Value {
    let mut doc = base.clone();
    for (key, value) in patches {
        let pointer = match key.strip_prefix('/') {
            Some(_) => key.clone(),
            None => format!("/paths/~1x~1{{id}}/post/{key}"),
        };
        let (parent, last) = pointer.rsplit_once('/').expect("a pointer");
        let parent = doc.pointer_mut(parent).expect("the parent exists");
        parent[last.replace("~1", "/").replace("~0", "~")] = value.clone();
    }
    doc
}

#[test]
fn operation_rules() {
    let rules = rules();
    assert!(rules.operations.len() >= 25);
    for case in &rules.operations {
        let (old, new) = (
            patched(&rules.base, &case.old),
            patched(&rules.base, &case.new),
        );
        case.check(&old, &new);
    }
}

#[test]
fn schema_and_field_rules() {
    let rules = rules();
    assert!(rules.bodies.len() >= 20);
    for case in &rules.bodies {
        let old = bodies(case.old.request.clone(), case.old.response.clone());
        let new = bodies(case.new.request.clone(), case.new.response.clone());
        case.check(&old, &new);
    }
}

#[test]
fn a_change_inside_a_nested_inline_object_names_the_types_that_hold_it() {
    let data = |format: Option<&str>| {
        let mut at = json!({"type": "string"});
        if let Some(format) = format {
            at["format"] = json!(format);
        }
        json!({"type": "object", "properties": {"data": {"type": "object", "properties": {"at": at}}}})
    };
    let changes = changes(
        &bodies(json!({}), data(None)),
        &bodies(json!({}), data(Some("date-time"))),
    );
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].types, ["OpResponse", "OpResponseData"]);
}

#[test]
fn recursive_schemas_are_compared_once_per_place() {
    let with_value = |value_type: &str| {
        json!({
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
        })
    };
    assert_eq!(
        lines(&with_value("string"), &with_value("integer")),
        ["breaking/breaking response 200 body.value: type \"string\" → \"integer\" [type-changed]"]
    );
}

#[test]
fn composition_and_unknown_keywords_are_flagged_for_review() {
    let one_of = |n: usize| json!({"oneOf": vec![json!({"type": "string"}); n]});
    let odd = json!({"type": "string", "not": {"enum": [""]}});
    assert_eq!(
        lines(
            &bodies(json!({"type": "string"}), one_of(1)),
            &bodies(odd, one_of(2))
        ),
        [
            "breaking/breaking request body: not (none) → {\"enum\":[\"\"]} (not classified by this tool; review it) [keyword-changed]",
            "breaking/breaking response 200 body: oneOf with 1 schemas [inline] → 2 [inline, inline] [composition-changed]",
        ]
    );
}

#[test]
fn operations_added_and_removed() {
    let base = rules().base;
    let mut other = base.clone();
    let paths = other["paths"].as_object_mut().expect("paths");
    let mut operation = paths.shift_remove("/x/{id}").expect("the operation");
    operation["post"]["operationId"] = json!("Other");
    paths.insert("/y/{id}".into(), operation);
    // The removed operation takes its generated method with it: that is what the facade calls.
    let found = changes(&base, &other);
    assert_eq!(found[0].types, ["op"]);
    assert_eq!(found[1].types, ["other"]);
    assert_eq!(
        show(&found),
        [
            "breaking/breaking operation: POST /x/{id} is gone (removed or moved upstream), and its generated method [operation-removed]",
            "non-breaking/additive operation: new operation POST /y/{id} (a new generated method) [operation-added]",
        ]
    );
}

#[test]
fn an_operation_renamed_out_of_scope_is_still_found_where_it_lives() {
    let base = rules().base;
    let renamed = patched(
        &base,
        &BTreeMap::from([("operationId".into(), json!("NotInScope"))]),
    );
    // Either way round: the scope names only one of the two operationIds.
    let scope = Scope {
        operations: vec!["Op".into()],
        tags: vec![],
    };
    for (old, new) in [(&base, &renamed), (&renamed, &base)] {
        let setup = Setup {
            scope: &scope,
            generated: &scope,
            overlays: &[],
        };
        let pair = Pair::from_docs((old, "old"), (new, "new"), setup).expect("contracts");
        let found = judge(&pair).expect("compares");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, "operation-renamed");
        assert_eq!((found[0].wire, found[0].rust), (Wire::None, Rust::Breaking));
        // `spec update` takes the revision in only if the scope names what it has.
        let refused: Vec<String> = (new == &renamed)
            .then(|| {
                "spec update will refuse it: operation `Op` is in scope (openapi/scope.toml) but \
                 not in the document: upstream renamed or removed it; if that is intended, change \
                 openapi/scope.toml (POST /x/{id} is now `NotInScope`)"
                    .to_string()
            })
            .into_iter()
            .collect();
        assert_eq!(regeneration_lines(&pair.regeneration), refused);
    }
    // The method and the inline body type named after the operation are renamed.
    assert_eq!(
        changes(&base, &renamed)[0].types,
        ["op", "not_in_scope", "OpBody", "NotInScopeBody"]
    );
}

#[test]
fn the_summary_counts_wire_changes_and_distinct_rust_changes() {
    let none = Regeneration::default();
    let old = bodies(json!({}), json!({"$ref": "#/components/schemas/Error"}));
    let new = bodies(
        json!({}),
        json!({"$ref": "#/components/schemas/video_Error"}),
    );
    assert_eq!(
        summary(&changes(&old, &new), &none),
        "wire: unchanged; rust: 1 rename"
    );
    let grown = bodies(
        json!({"type": "integer", "maximum": 1}),
        json!({"enum": ["a"]}),
    );
    let found = changes(
        &grown,
        &bodies(
            json!({"type": "integer", "maximum": 0}),
            json!({"enum": ["a", "b"]}),
        ),
    );
    assert_eq!(summary(&found, &none), "wire: 2 breaking; rust: 1 breaking");
    assert_eq!(summary(&[], &none), "wire: unchanged; rust: unchanged");
    let failing = Regeneration {
        problems: vec![super::regeneration::Problem {
            kind: "overlay-stale",
            overlay: Some("01-x.yaml".into()),
            operation: None,
            detail: "regeneration will fail: …".into(),
        }],
        ..Regeneration::default()
    };
    assert_eq!(
        summary(&[], &failing),
        "wire: unchanged; rust: unchanged; regeneration will fail"
    );
}

/// The operationIds of a document, for a scope that selects all of them.
fn operation_ids(doc: &Value) -> Vec<String> {
    let items = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values());
    items
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|operation| operation.get("operationId")?.as_str())
        .map(str::to_string)
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// On any two OpenAPI-ish documents, with any overlay, `spec diff` judges or refuses, never
    /// panics; a revision compared with itself has no change; both reports render.
    #[test]
    fn any_pair_of_documents_is_judged_without_panicking(
        old in crate::proptests::document(),
        new in crate::proptests::document(),
        overlay in proptest::option::of(crate::proptests::overlay()),
    ) {
        let mut ids = operation_ids(&old);
        ids.extend(operation_ids(&new));
        let scope = Scope { operations: ids, tags: vec![] };
        let overlays: Vec<Overlay> = overlay
            .and_then(|overlay| Overlay::from_value(Path::new("p.yaml"), String::new(), overlay).ok())
            .into_iter()
            .collect();
        let setup = Setup { scope: &scope, generated: &scope, overlays: &overlays };
        let both = |a: &Value, b: &Value| Pair::from_docs((a, "old"), (b, "new"), setup);
        if let Ok(same) = both(&old, &old) {
            let same = judge(&same);
            proptest::prop_assert!(same.as_ref().is_ok_and(Vec::is_empty), "{:?}", same);
        }
        let Ok(pair) = both(&old, &new) else {
            return Ok(());
        };
        if let Ok(changes) = judge(&pair) {
            let path = Path::new("x.yaml");
            let revisions = super::report::Revisions {
                old: (path, &pair.old),
                new: (path, &pair.new),
                regeneration: &pair.regeneration,
            };
            let facade = super::facade::Facade::default();
            for format in [super::report::Format::Human, super::report::Format::Json, super::report::Format::Markdown] {
                proptest::prop_assert!(super::report::render(format, &revisions, &changes, &facade).is_ok());
            }
        }
    }
}
