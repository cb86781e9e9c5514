//! Table tests: one small hand-written pair of documents per rule, with both verdicts.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::change::{Rust, Wire};
use super::compare;
use super::contract::Contract;
use super::report::summary;
use crate::spec::scope::Scope;

fn contract(doc: &Value) -> Contract {
    let scope = Scope {
        operations: vec!["Op".into(), "Other".into()],
        tags: vec![],
    };
    Contract::from_doc(doc, &scope).expect("valid contract")
}

/// `wire/rust location: detail [kind]` for every change from `old` to `new`.
fn lines(old: &Value, new: &Value) -> Vec<String> {
    compare(&contract(old), &contract(new))
        .expect("compares")
        .iter()
        .map(|c| {
            let wire = match c.wire {
                Wire::Breaking => "breaking",
                Wire::NonBreaking => "non-breaking",
                Wire::None => "none",
            };
            let rust = match c.rust {
                Rust::Breaking => "breaking",
                Rust::Additive => "additive",
                Rust::None => "none",
            };
            format!("{wire}/{rust} {}: {} [{}]", c.location, c.detail, c.kind)
        })
        .collect()
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
    generator: Vec<Edit>,
}

/// An edit of the vendored spec for the generator cross-check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    what: String,
    /// A pointer under `/components/schemas`.
    at: String,
    /// The value set there; absent to remove the key.
    set: Option<Value>,
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
    expect: Vec<String>,
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
    assert!(rules.operations.len() >= 15);
    for case in &rules.operations {
        let (old, new) = (
            patched(&rules.base, &case.old),
            patched(&rules.base, &case.new),
        );
        assert_eq!(lines(&old, &new), case.expect, "rule {}", case.rule);
    }
}

#[test]
fn schema_and_field_rules() {
    let rules = rules();
    assert!(rules.bodies.len() >= 20);
    for case in rules.bodies {
        let old = bodies(case.old.request, case.old.response);
        let new = bodies(case.new.request, case.new.response);
        assert_eq!(lines(&old, &new), case.expect, "rule {}", case.rule);
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
    let changes = compare(
        &contract(&bodies(json!({}), data(None))),
        &contract(&bodies(json!({}), data(Some("date-time")))),
    )
    .expect("compares");
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
    let other = patched(
        &base,
        &BTreeMap::from([("operationId".into(), json!("Other"))]),
    );
    // The removed operation takes its generated method with it: that is what the facade calls.
    let changes = compare(&contract(&base), &contract(&other)).expect("compares");
    assert_eq!(changes[0].types, ["op"]);
    assert_eq!(
        lines(&base, &other),
        [
            "breaking/breaking operation: POST /x/{id} is gone (removed or renamed upstream), and its generated method [operation-removed]",
            "non-breaking/additive operation: new operation POST /x/{id} (a new generated method) [operation-added]",
        ]
    );
}

#[test]
fn the_summary_counts_wire_changes_and_distinct_rust_changes() {
    let old = bodies(json!({}), json!({"$ref": "#/components/schemas/Error"}));
    let new = bodies(
        json!({}),
        json!({"$ref": "#/components/schemas/video_Error"}),
    );
    let changes = compare(&contract(&old), &contract(&new)).expect("compares");
    assert_eq!(summary(&changes), "wire: unchanged; rust: 1 rename");
    let grown = bodies(
        json!({"type": "integer", "maximum": 1}),
        json!({"enum": ["a"]}),
    );
    let changes = compare(
        &contract(&grown),
        &contract(&bodies(
            json!({"type": "integer", "maximum": 0}),
            json!({"enum": ["a", "b"]}),
        )),
    )
    .expect("compares");
    assert_eq!(summary(&changes), "wire: 2 breaking; rust: 1 breaking");
    assert_eq!(summary(&[]), "wire: unchanged; rust: unchanged");
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

    /// On any two OpenAPI-ish documents, `spec diff` judges or refuses, never panics; a revision
    /// compared with itself has no change; both reports render.
    #[test]
    fn any_pair_of_documents_is_judged_without_panicking(
        old in crate::proptests::document(),
        new in crate::proptests::document(),
    ) {
        let mut ids = operation_ids(&old);
        ids.extend(operation_ids(&new));
        let scope = Scope { operations: ids, tags: vec![] };
        let (Ok(old), Ok(new)) = (Contract::from_doc(&old, &scope), Contract::from_doc(&new, &scope)) else {
            return Ok(());
        };
        let same = compare(&old, &old);
        proptest::prop_assert!(same.as_ref().is_ok_and(Vec::is_empty), "{:?}", same);
        if let Ok(changes) = compare(&old, &new) {
            let path = std::path::Path::new("x.yaml");
            let revisions = super::report::Revisions { old: (path, &old), new: (path, &new) };
            let facade = super::facade::Facade::default();
            for format in [super::report::Format::Human, super::report::Format::Json] {
                proptest::prop_assert!(super::report::render(format, &revisions, &changes, &facade).is_ok());
            }
        }
    }
}

/// The generated API of a version of the vendored spec: progenitor's part of the generated file
/// (types and client; the provenance and metadata constants after it hold values, not API) without
/// its comments (doc comments are not API).
fn generated_api(inputs: &crate::codegen::Inputs, doc: &Value) -> String {
    let mut inputs = inputs.clone();
    inputs.spec = crate::openapi::file::SpecFile {
        bytes: serde_json::to_vec(doc).expect("serialises"),
        doc: doc.clone(),
    };
    let rendered = crate::codegen::render(&inputs).expect("renders");
    let api = rendered
        .split("pub const PROVENANCE")
        .next()
        .unwrap_or_default();
    let lines = api
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"));
    lines.collect::<Vec<_>>().join("\n")
}

/// The Rust verdicts checked against the generator itself: on edits of the vendored spec, `spec
/// diff` reports a Rust-visible change exactly when the generated API (comments aside) changes.
#[test]
fn rust_verdicts_agree_with_what_the_generator_emits() {
    let workspace = crate::paths::Workspace::current().expect("inside the workspace");
    let inputs = crate::codegen::Inputs::read(&workspace).expect("the workspace's inputs");
    let scope = Scope::read(&workspace.root().join(crate::spec::scope::SCOPE_FILE)).expect("scope");
    let base = inputs.spec.doc.clone();
    let edits = rules().generator;
    assert!(edits.len() >= 10);
    let before = generated_api(&inputs, &base);
    let old = Contract::from_doc(&base, &scope).expect("contract");
    for Edit { what, at, set } in edits {
        let pointer = format!("/components/schemas/{at}");
        let mut doc = base.clone();
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
        let parent = doc
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .expect("parent");
        match set {
            Some(value) => parent.insert(key.to_string(), value),
            None => parent.shift_remove(key),
        };
        let changes =
            compare(&old, &Contract::from_doc(&doc, &scope).expect("contract")).expect("compares");
        assert!(
            !changes.is_empty() || what.contains("dropped"),
            "{what}: no change found"
        );
        let rust = changes.iter().any(|change| change.rust != Rust::None);
        let api_changed = generated_api(&inputs, &doc) != before;
        assert_eq!(
            rust, api_changed,
            "{what}: spec diff says Rust-visible {rust}, the generated API changed {api_changed}: {changes:?}"
        );
    }
}
