//! The generated types are faithful to the spec: the JSON Schema of each (derived by schemars,
//! `telnyx-rooms-gen`'s `schemars` feature) has the shape of the spec schema it was generated from
//! (after the overlays and the 3.1 → 3.0 conversion, as progenitor saw it).
//!
//! Shape is what a type decides about the JSON it reads and writes: the JSON type, the properties
//! of an object and which are required, the items of an array, the values of a map, the values of
//! an enum, the alternatives of a `oneOf`, and the string formats the Rust type carries (`uuid`,
//! `date-time`, `date`). Left out, on purpose: descriptions and examples (documentation),
//! `default`s (removed before generation: the server owns them), numeric bounds and integer widths
//! (a Rust integer cannot state `2..=50`; the bounds reach the facade and the mock through the
//! operation metadata instead) and other string formats (`uri`: typed as a string).

use std::collections::BTreeMap;

use schemars::r#gen::SchemaSettings;
use serde_json::{Map, Value, json};
use telnyx_rooms_gen::types;

use super::inputs::Inputs;
use super::render::generate;
use crate::openapi::walk::strings;
use crate::paths::Workspace;

/// How deep `$ref`s are followed: the spec has no recursive schema, so a deeper one is a loop.
const MAX_DEPTH: usize = 16;

/// The string formats a generated type carries in its Rust type (`Uuid`, `DateTime`, `NaiveDate`).
const TYPED_FORMATS: [&str; 3] = ["uuid", "date-time", "date"];

/// The shape of `schema`, its `$ref`s (`#/components/schemas/…` of the spec, `#/definitions/…` of
/// schemars) resolved in `root`.
fn shape(root: &Value, schema: &Value, depth: usize) -> Value {
    assert!(depth < MAX_DEPTH, "a $ref loop at {schema}");
    let schema = match schema {
        Value::Bool(true) => return json!("any"),
        Value::Object(map) if map.is_empty() => return json!("any"),
        Value::Object(map) => map,
        other => panic!("not a schema: {other}"),
    };
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = root
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling {reference}"));
        return shape(root, target, depth + 1);
    }
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        // schemars writes a described `$ref` as `allOf: [$ref]`.
        return shape(root, only, depth + 1);
    }
    for keyword in ["oneOf", "anyOf"] {
        if let Some(alternatives) = schema.get(keyword).and_then(Value::as_array) {
            let shapes: Vec<Value> = alternatives
                .iter()
                .map(|a| shape(root, a, depth + 1))
                .collect();
            return json!({"oneOf": shapes});
        }
    }
    let kind = schema.get("type").and_then(Value::as_str);
    match kind {
        Some("object") => object_shape(root, schema, depth),
        None if schema.contains_key("properties") => object_shape(root, schema, depth),
        None => json!("any"),
        Some("array") => json!({"array": schema.get("items").map(|i| shape(root, i, depth + 1))}),
        Some("string") => {
            let format = schema
                .get("format")
                .and_then(Value::as_str)
                .filter(|format| TYPED_FORMATS.contains(format));
            let mut values = strings(schema.get("enum"));
            values.sort_unstable();
            json!({"string": format, "enum": values})
        }
        Some(scalar @ ("integer" | "number" | "boolean")) => json!(scalar),
        other => panic!("a schema of type {other:?}: {schema:?}"),
    }
}

fn object_shape(root: &Value, schema: &Map<String, Value>, depth: usize) -> Value {
    let required = strings(schema.get("required"));
    let properties: BTreeMap<&str, Value> = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, property)| {
            let property = shape(root, property, depth + 1);
            let required = required.contains(&name.as_str());
            (
                name.as_str(),
                json!({"required": required, "shape": property}),
            )
        })
        .collect();
    // A JSON object's other keys: any (no `additionalProperties`, or `true`), or of one shape.
    let additional = match schema.get("additionalProperties") {
        None | Some(Value::Bool(true)) => json!("any"),
        Some(other) => shape(root, other, depth + 1),
    };
    json!({"object": properties, "other_keys": additional})
}

/// The JSON Schema of a generated type, with `Option<T>` as `T` (optionality is `required`).
fn rust_schema<T: schemars::JsonSchema>() -> Value {
    let settings = SchemaSettings::draft07().with(|settings| settings.option_add_null_type = false);
    let schema = settings.into_generator().into_root_schema_for::<T>();
    serde_json::to_value(schema).expect("a schema is JSON")
}

macro_rules! generated {
    ($($name:ident),* $(,)?) => {
        vec![$((stringify!($name), rust_schema::<types::$name>())),*]
    };
}

/// Every type generated from a component schema or a success response body, by name.
fn generated_types() -> Vec<(&'static str, Value)> {
    generated![
        // Component schemas.
        ActionsParticipantsRequest,
        CreateRoomClientTokenRequest,
        CreateRoomCompositionRequest,
        CreateRoomRequest,
        PaginationMeta,
        PatchRoomRequest,
        RefreshRoomClientTokenRequest,
        Room,
        RoomComposition,
        RoomParticipant,
        RoomRecording,
        RoomSession,
        VideoRegion,
        VideoError,
        VideoErrors,
        // Success response bodies (inline in the spec, named after their operation or title).
        ListRoomCompositionsResponse,
        CreateRoomCompositionResponse,
        ViewRoomCompositionResponse,
        ListRoomParticipantsResponse,
        ViewRoomParticipantResponse,
        ListRoomRecordingsResponse,
        BulkRoomRecordingsDeleteResponse,
        ViewRoomRecordingResponse,
        ListRoomSessionsResponse,
        ViewRoomSessionResponse,
        EndSessionResponse,
        KickParticipantInSessionResponse,
        MuteParticipantInSessionResponse,
        UnmuteParticipantInSessionResponse,
        RetrieveListRoomParticipantsResponse,
        ListRoomsResponse,
        CreateRoomResponse,
        ViewRoomResponse,
        UpdateRoomResponse,
        CreateRoomClientTokenResponse,
        RefreshRoomClientTokenResponse,
        RetrieveListRoomSessionsResponse,
    ]
}

/// The spec schemas the generated types come from, by the name typify gives their type: each
/// component schema, and each operation's success body with JSON content.
fn spec_schemas(doc: &Value) -> BTreeMap<String, Value> {
    let mut schemas = BTreeMap::new();
    for (name, schema) in doc["components"]["schemas"].as_object().expect("schemas") {
        schemas.insert(
            heck::ToPascalCase::to_pascal_case(name.as_str()),
            schema.clone(),
        );
    }
    for item in doc["paths"].as_object().expect("paths").values() {
        for (_, operation) in crate::openapi::walk::operations_of(item) {
            let id = operation["operationId"].as_str().expect("an operationId");
            let responses = operation["responses"].as_object().expect("responses");
            let success = responses
                .iter()
                .find(|(code, _)| code.starts_with('2'))
                .map(|(_, response)| {
                    crate::openapi::walk::resolve(doc, response).expect("resolves")
                });
            if let Some(schema) =
                success.and_then(|r| r.pointer("/content/application~1json/schema"))
            {
                // typify names an inline schema by its `title`, else after its place.
                let name = match schema.get("title").and_then(Value::as_str) {
                    Some(title) => heck::ToPascalCase::to_pascal_case(title),
                    None => format!("{id}Response"),
                };
                schemas.insert(name, schema.clone());
            }
        }
    }
    schemas
}

#[test]
fn the_generated_types_have_the_shape_of_the_spec_schemas() {
    let inputs = Inputs::read(&Workspace::of_tests()).expect("the workspace's inputs");
    let doc = generate(&inputs).expect("generates").doc;
    let spec = spec_schemas(&doc);
    let generated = generated_types();
    let names: Vec<&str> = generated.iter().map(|(name, _)| *name).collect();
    let covered: Vec<&str> = spec.keys().map(String::as_str).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted, covered,
        "every spec schema with a generated type is compared, once"
    );
    let mut unfaithful = Vec::new();
    for (name, rust) in &generated {
        let from_spec = shape(&doc, &spec[*name], 0);
        let from_rust = shape(rust, rust, 0);
        if from_spec != from_rust {
            unfaithful.push(format!(
                "{name}:\n    spec: {from_spec}\n    type: {from_rust}"
            ));
        }
    }
    assert!(
        unfaithful.is_empty(),
        "types that differ from their schema:\n{}",
        unfaithful.join("\n")
    );
}

/// Each part of the shape counts: a spec that differs from the type in any of them is caught.
#[test]
fn a_schema_the_type_does_not_follow_is_caught() {
    let inputs = Inputs::read(&Workspace::of_tests()).expect("the workspace's inputs");
    let doc = generate(&inputs).expect("generates").doc;
    let rust = rust_schema::<types::Room>();
    let room = &doc["components"]["schemas"]["Room"];
    assert_eq!(shape(&doc, room, 0), shape(&rust, &rust, 0));
    type Edit = fn(&mut Value);
    let edits: [(&str, Edit); 7] = [
        ("a new property", |s| {
            s["properties"]["nickname"] = json!({"type": "string"})
        }),
        ("a required property", |s| s["required"] = json!(["id"])),
        ("a property's type", |s| {
            s["properties"]["max_participants"] = json!({"type": "string"})
        }),
        ("a typed format", |s| {
            s["properties"]["id"]["format"] = json!("date-time")
        }),
        ("an array's items", |s| {
            s["properties"]["sessions"]["items"] = json!({"type": "string"})
        }),
        ("free keys", |s| {
            s["additionalProperties"] = json!({"type": "integer"})
        }),
        ("an enum", |s| {
            s["properties"]["record_type"]["enum"] = json!(["room"])
        }),
    ];
    for (what, edit) in edits {
        let mut edited = doc.clone();
        edit(&mut edited["components"]["schemas"]["Room"]);
        let room = &edited["components"]["schemas"]["Room"];
        assert_ne!(shape(&edited, room, 0), shape(&rust, &rust, 0), "{what}");
    }
    // A nested type through its `$ref`: RoomSession's participants are RoomParticipants.
    let mut edited = doc.clone();
    edited["components"]["schemas"]["RoomParticipant"]["properties"]["context"] =
        json!({"type": "integer"});
    let room = &edited["components"]["schemas"]["Room"];
    assert_ne!(shape(&edited, room, 0), shape(&rust, &rust, 0));
    // What the shape leaves out on purpose does not count.
    let mut edited = doc.clone();
    let id = &mut edited["components"]["schemas"]["Room"]["properties"]["max_participants"];
    id["maximum"] = json!(7);
    id["description"] = json!("changed");
    let room = &edited["components"]["schemas"]["Room"];
    assert_eq!(shape(&edited, room, 0), shape(&rust, &rust, 0));
}
