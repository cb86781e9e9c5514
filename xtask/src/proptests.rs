//! Property tests: on any document, overlay or bytes, the generator's passes return a value or a
//! typed error that points into the input, never a panic.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::codegen::metadata;
use crate::openapi::downgrade::{ConversionError, downgrade_to_30};
use crate::openapi::overlay::Overlay;
use crate::openapi::walk::walk_schemas;
use crate::openapi::{file, precheck};

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec!["A", "B", "x", "y", "id", "a/b", "t~1"]).prop_map(str::to_owned),
        1 => "\\PC{0,8}",
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-100i64..100).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        word().prop_map(Value::from),
    ]
}

fn type_name() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        "string", "integer", "number", "boolean", "array", "object", "null", "bogus",
    ])
    .prop_map(Value::from)
}

fn reference() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            "#/components/schemas/A",
            "#/components/schemas/B",
            "#/components/schemas/missing",
            "#/paths",
            "other.yaml#/A",
            "#",
        ])
        .prop_map(Value::from),
        scalar(),
    ]
}

/// Schema-ish JSON: OpenAPI 3.0 and 3.1 keywords with right and wrong values, nested through the
/// keywords that hold subschemas, mixed with unknown keys and non-object schemas.
fn schema() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        1 => scalar(),
        4 => keywords(Just(Map::new()).boxed()),
    ];
    leaf.prop_recursive(4, 40, 4, |inner| {
        let nested = prop_oneof![
            prop::collection::vec((word(), inner.clone()), 0..3)
                .prop_map(|pairs| ("properties", Value::Object(pairs.into_iter().collect()))),
            inner.clone().prop_map(|schema| ("items", schema)),
            inner.clone().prop_map(|schema| ("not", schema)),
            inner
                .clone()
                .prop_map(|schema| ("additionalProperties", schema)),
            (
                prop::sample::select(vec!["allOf", "anyOf", "oneOf"]),
                prop::collection::vec(inner, 0..3)
            )
                .prop_map(|(key, items)| (key, Value::Array(items))),
        ];
        let base = prop::collection::vec(nested, 0..3)
            .prop_map(|pairs| {
                pairs
                    .into_iter()
                    .map(|(key, value)| (key.to_owned(), value))
                    .collect::<Map<String, Value>>()
            })
            .boxed();
        keywords(base)
    })
}

/// Adds keyword/value pairs to the map `base` yields.
fn keywords(base: BoxedStrategy<Map<String, Value>>) -> impl Strategy<Value = Value> {
    // Keywords that take any scalar, drawn as often as if each were an arm of its own.
    let scalar_keywords = vec![
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minimum",
        "maximum",
        "default",
        "format",
        "examples",
        "example",
        "description",
        "$comment",
        "nullable",
        "prefixItems",
    ];
    let keyword = prop_oneof![
        1 => type_name().prop_map(|v| ("type", v)),
        1 => prop::collection::vec(type_name(), 0..3).prop_map(|v| ("type", Value::Array(v))),
        1 => scalar().prop_map(|v| ("const", v)),
        1 => prop::collection::vec(scalar(), 0..3).prop_map(|v| ("enum", Value::Array(v))),
        1 => reference().prop_map(|v| ("$ref", v)),
        12 => (prop::sample::select(scalar_keywords), scalar()),
        1 => prop::collection::vec(scalar(), 0..3).prop_map(|v| ("examples", Value::Array(v))),
        1 => prop::collection::vec(word(), 0..3).prop_map(|v| ("required", Value::from(v))),
        1 => (word(), scalar()).prop_map(|(_, v)| ("x-extension", v)),
    ];
    (base, prop::collection::vec(keyword, 0..5)).prop_map(|(mut map, pairs)| {
        for (key, value) in pairs {
            map.insert(key.to_owned(), value);
        }
        Value::Object(map)
    })
}

fn parameter() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["path", "query", "header"]),
        word(),
        any::<bool>(),
        schema(),
    )
        .prop_map(|(location, name, required, schema)| {
            json!({"in": location, "name": name, "required": required, "schema": schema})
        })
}

fn operation() -> impl Strategy<Value = Value> {
    (
        prop::option::of(word()),
        prop::collection::vec(parameter(), 0..3),
        prop::option::of(schema()),
        prop::sample::select(vec!["201", "200", "default", "4XX", "422"]),
        prop::option::of(schema()),
        prop::sample::select(vec![
            json!(null),
            json!([]),
            json!([{}]),
            json!([{"bearer": []}]),
            json!([{"bearer": []}, {}]),
            json!([{"missing": []}]),
            json!("bearer"),
        ]),
    )
        .prop_map(|(id, parameters, body, status, response, security)| {
            let mut operation = json!({"parameters": parameters, "responses": {}});
            if let Some(id) = id {
                operation["operationId"] = Value::from(id);
            }
            if let Some(body) = body {
                operation["requestBody"] =
                    json!({"required": true, "content": {"application/json": {"schema": body}}});
            }
            let content = response
                .map(|schema| json!({"application/json": {"schema": schema}}))
                .unwrap_or_else(|| json!({}));
            operation["responses"][status] = json!({"description": "d", "content": content});
            if !security.is_null() {
                operation["security"] = security;
            }
            operation
        })
}

/// OpenAPI-shaped documents: a version, component schemas, paths with operations, and sometimes
/// keys or values where no OpenAPI document has them.
pub(crate) fn document() -> impl Strategy<Value = Value> {
    let version = prop_oneof![
        4 => Just(Value::from("3.1.0")),
        1 => prop::sample::select(vec!["3.0.3", "3.1.1", "2.0", "4.0.0"]).prop_map(Value::from),
        1 => scalar(),
    ];
    let paths = prop::collection::vec(
        (
            prop::sample::select(vec!["/rooms/{id}", "/x", "/a/{id}/b/{other}", "{"]),
            prop::sample::select(vec!["post", "get", "put", "trace", "summary"]),
            operation(),
        ),
        0..3,
    );
    let schemas = prop::collection::vec((word(), schema()), 0..3);
    let extra = prop::collection::vec(
        (
            prop::sample::select(vec!["webhooks", "jsonSchemaDialect", "info", "x-y"]),
            scalar(),
        ),
        0..2,
    );
    (version, paths, schemas, extra).prop_map(|(version, paths, schemas, extra)| {
        let mut path_items = Map::new();
        for (path, method, operation) in paths {
            let item = path_items
                .entry(path.to_owned())
                .or_insert_with(|| json!({}));
            item[method] = operation;
        }
        let mut doc = json!({
            "openapi": version,
            "paths": path_items,
            "components": {
                "schemas": schemas.into_iter().collect::<Map<String, Value>>(),
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
        });
        for (key, value) in extra {
            doc[key] = value;
        }
        doc
    })
}

/// Every `$ref` value anywhere in `value`, in document order.
fn references(value: &Value, found: &mut Vec<Value>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "$ref" {
                    found.push(value.clone());
                }
                references(value, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

/// The pointer, or failing that its parent, names a node of `doc`.
fn points_into(doc: &Value, pointer: &str) -> bool {
    let pointer = if pointer == "/" { "" } else { pointer };
    let parent = pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
    doc.pointer(pointer).is_some() || doc.pointer(parent).is_some()
}

/// A 3.1 keyword left in a schema of the converted document, if any.
fn leftover_31_keyword(doc: &mut Value) -> Option<String> {
    walk_schemas(doc, &mut |schema, pointer| {
        let Some(map) = schema.as_object() else {
            return Err(format!("{pointer}: not an object"));
        };
        let left = ["const", "examples", "$comment"]
            .into_iter()
            .find(|key| map.contains_key(*key))
            .or_else(|| map.get("type").filter(|ty| !ty.is_string()).map(|_| "type"))
            .or_else(|| {
                ["exclusiveMinimum", "exclusiveMaximum"]
                    .into_iter()
                    .find(|key| map.get(*key).is_some_and(|bound| !bound.is_boolean()))
            });
        match left {
            Some(key) => Err(format!("{pointer}/{key}")),
            None => Ok(()),
        }
    })
    .err()
}

/// A small valid document whose operation id and body field names are `id` and `fields`.
fn named_document(id: &str, fields: &[String]) -> Value {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|name| (name.clone(), json!({"type": "integer", "minimum": 1})))
        .collect();
    json!({"openapi": "3.0.3", "paths": {"/rooms/{room_id}": {"post": {
        "operationId": id,
        "parameters": [{"in": "path", "name": "room_id", "required": true, "schema": {"type": "string"}}],
        "requestBody": {"content": {"application/json": {"schema": {"properties": properties}}}},
        "responses": {"201": {"description": "d"}},
    }}}})
}

/// An overlay of one action on any target: an update (a schema or a scalar) or a removal; it
/// may not validate.
pub(crate) fn overlay() -> impl Strategy<Value = Value> {
    let update = prop::option::of(prop_oneof![schema(), scalar()]);
    (target(), update).prop_map(|(target, update)| {
        let action = match update {
            Some(update) => json!({"target": target, "description": "why", "update": update}),
            None => json!({"target": target, "description": "why", "remove": true}),
        };
        json!({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": [action]})
    })
}

/// JSONPath-ish overlay targets: real selectors over the generated documents, and junk.
fn target() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        word().prop_map(|w| format!(".{w}")),
        word().prop_map(|w| format!("['{w}']")),
        prop::sample::select(vec![
            ".components",
            ".schemas",
            ".paths",
            "[*]",
            ".*",
            "..type",
            "..*",
            "[0]",
            "[-1]",
            "[0,0]",
            "[1:3]",
            "[?@.type]",
            "[?@.type=='string']",
            "[?length(@) > 1]",
            "['a/b','t~1']",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,6}",
    ];
    prop_oneof![
        4 => prop::collection::vec(segment, 0..4).prop_map(|segments| format!("${}", segments.concat())),
        1 => "\\PC{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The 3.1 → 3.0 conversion, the pre-check and the metadata extraction, on any OpenAPI-ish
    /// document: a refusal names a JSON pointer into the input (or its parent); a converted
    /// document has no 3.1 keyword left in any schema and keeps every `$ref`; the later passes
    /// report problems as values or errors, never a panic.
    #[test]
    fn generator_passes_end_in_a_value_or_a_located_error(doc in document()) {
        let original = doc.clone();
        let mut converted = doc;
        match downgrade_to_30(&mut converted) {
            Err(ConversionError { pointer, reason }) => {
                prop_assert!(points_into(&original, &pointer), "{} ({}) is not in the input", pointer, reason);
            }
            Ok(()) => {
                prop_assert!(converted["openapi"].as_str().is_some_and(|v| v.starts_with("3.0.")));
                if original["openapi"] != converted["openapi"] {
                    let mut walked = converted.clone();
                    let left = leftover_31_keyword(&mut walked);
                    prop_assert!(left.is_none(), "left in the 3.0 document: {:?}", left);
                }
                let (mut before, mut after) = (Vec::new(), Vec::new());
                references(&original, &mut before);
                references(&converted, &mut after);
                before.sort_by_key(Value::to_string);
                after.sort_by_key(Value::to_string);
                prop_assert_eq!(before, after, "a $ref was lost");
                for problem in precheck::check(&converted) {
                    if problem.location.starts_with('/') {
                        prop_assert!(points_into(&converted, &problem.location), "{}", problem);
                    }
                }
                if let Ok(operations) = metadata::extract(&converted) {
                    for operation in &operations {
                        prop_assert!((200..300).contains(&operation.success_status));
                    }
                    let _ = crate::codegen::emit::metadata_tokens(&operations);
                }
            }
        }
    }

    /// Whatever names the metadata extraction accepts render as Rust: `tokens` never panics and
    /// its output parses as a Rust file.
    #[test]
    fn accepted_names_render_as_rust(
        id in prop_oneof![word(), "[A-Za-z][A-Za-z0-9]{0,12}", "\\PC{0,12}"],
        fields in prop::collection::vec(prop_oneof![word(), "[a-z_0-9]{0,10}"], 0..4),
    ) {
        if let Ok(operations) = metadata::extract(&named_document(&id, &fields)) {
            let rendered = crate::codegen::emit::metadata_tokens(&operations);
            let parsed = syn::parse2::<syn::File>(rendered);
            prop_assert!(parsed.is_ok(), "{:?}", parsed.err());
        }
    }

    /// An overlay with any target and action validates, then applies or fails with an error;
    /// never a panic.
    #[test]
    fn overlays_with_any_target_apply_or_fail(doc in document(), overlay in overlay()) {
        if let Ok(overlay) = Overlay::from_value(std::path::Path::new("p.yaml"), String::new(), overlay) {
            let mut doc = doc;
            let _ = overlay.apply(&mut doc);
        }
    }

    /// Removing array elements by an index union removes exactly the elements named, each once,
    /// whatever the order, repetition or sign of the indices.
    #[test]
    fn removing_by_index_union_removes_exactly_the_named_elements(
        len in 0usize..8,
        indices in prop::collection::vec(-9i64..9, 1..5),
    ) {
        let items: Vec<Value> = (0..len).map(Value::from).collect();
        let mut doc = json!({"a": items});
        let list: Vec<String> = indices.iter().map(i64::to_string).collect();
        let target = format!("$.a[{}]", list.join(","));
        let action = json!({"target": target, "description": "why", "remove": true});
        let overlay = json!({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": [action]});
        let overlay = Overlay::from_value(std::path::Path::new("p.yaml"), String::new(), overlay)
            .expect("a valid overlay");
        let len_i = i64::try_from(len).expect("small");
        let named: Vec<i64> = indices
            .iter()
            .map(|&i| if i < 0 { len_i + i } else { i })
            .filter(|i| (0..len_i).contains(i))
            .collect();
        let result = overlay.apply(&mut doc);
        if named.is_empty() {
            prop_assert!(result.is_err());
        } else {
            prop_assert!(result.is_ok(), "{:?}", result);
            let expected: Vec<Value> = (0..len_i).filter(|i| !named.contains(i)).map(Value::from).collect();
            prop_assert_eq!(&doc["a"], &Value::Array(expected), "{}", target);
        }
    }

    /// Any bytes are a JSON value or an error from the YAML reader.
    #[test]
    fn yaml_of_any_bytes_is_a_value_or_an_error(bytes in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        yaml_text().prop_map(String::into_bytes),
    ]) {
        let _ = file::parse_yaml(&bytes);
    }

    /// JSON is YAML: a document written as JSON reads back as the same value (floats aside,
    /// whose JSON spelling YAML may read differently).
    #[test]
    fn json_text_reads_back_as_the_same_value(doc in document()) {
        let doc = without_floats(doc);
        for text in [doc.to_string(), serde_json::to_string_pretty(&doc).expect("serialisable")] {
            let read = file::parse_yaml(text.as_bytes());
            prop_assert_eq!(read.as_ref().ok(), Some(&doc), "{:?}", read);
        }
    }

}

proptest! {
    // Each case parses up to a few thousand nested levels; fewer cases cover the depths.
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Nesting past the YAML reader's limit is an error, not a stack overflow.
    #[test]
    fn deeply_nested_yaml_is_an_error(depth in prop_oneof![1usize..200, 1usize..3_000], flow in any::<bool>()) {
        let text = if flow {
            format!("{}{}", "[".repeat(depth), "]".repeat(depth))
        } else {
            (0..depth.min(300)).map(|level| format!("{}k:\n", " ".repeat(level))).collect()
        };
        let levels = if flow { depth } else { depth.min(300) };
        let read = file::parse_yaml(text.as_bytes());
        // The YAML reader's recursion limit is 128 levels.
        prop_assert_eq!(read.is_ok(), levels <= 128, "{} levels: {:?}", levels, read);
    }
}

/// Replaces every float by its integer part, so the value survives a trip through YAML.
fn without_floats(value: Value) -> Value {
    match value {
        Value::Number(number) if number.is_f64() => {
            Value::from(number.as_f64().unwrap_or_default().trunc() as i64)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(without_floats).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (key, without_floats(value)))
                .collect(),
        ),
        other => other,
    }
}

/// YAML-ish text: mappings, sequences, anchors and aliases, tags, non-finite floats, odd keys.
fn yaml_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        prop::sample::select(vec![
            "a: 1",
            "- x",
            "  - y",
            "b: &anchor {c: [1, 2]}",
            "d: *anchor",
            "e: *missing",
            "f: !tag value",
            "g: .nan",
            "h: -.Inf",
            "? [complex, key]\n: v",
            "~: null key",
            "201: created",
            "true: yes",
            "1.5: float key",
            "i: 'quoted'",
            "j: \"\\u00e9\\x00\"",
            "k: |\n  block",
            "---",
            "...",
            "%YAML 1.2",
            "<<: *anchor",
            "l: 99999999999999999999999",
            "m: 0x1F",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,20}",
    ];
    prop::collection::vec(line, 0..8).prop_map(|lines| lines.join("\n"))
}
