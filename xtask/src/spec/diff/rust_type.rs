//! A model of the Rust type the generator (progenitor's typify) picks for a scalar schema, so a
//! keyword change can be judged by whether it changes the generated type.

use serde_json::{Map, Value};

/// String formats for which the generator emits a dedicated Rust type instead of `String`.
pub(crate) const TYPED_STRING_FORMATS: [(&str, &str); 6] = [
    ("uuid", "Uuid"),
    ("date", "NaiveDate"),
    ("date-time", "DateTime<Utc>"),
    ("ip", "IpAddr"),
    ("ipv4", "Ipv4Addr"),
    ("ipv6", "Ipv6Addr"),
];

/// A bound: its value and whether it is exclusive; `None` when unbounded.
pub(crate) type Bound = Option<(f64, bool)>;

/// The lower bound in OpenAPI 3.0 form (`exclusiveMinimum` is a boolean beside `minimum`).
pub(crate) fn lower(map: &Map<String, Value>) -> Bound {
    let exclusive = flag(map, "exclusiveMinimum");
    number(map, "minimum").map(|value| (value, exclusive))
}

/// The upper bound in OpenAPI 3.0 form.
pub(crate) fn upper(map: &Map<String, Value>) -> Bound {
    let exclusive = flag(map, "exclusiveMaximum");
    number(map, "maximum").map(|value| (value, exclusive))
}

/// An inclusive size bound such as `minLength`.
pub(crate) fn count(map: &Map<String, Value>, key: &str) -> Bound {
    number(map, key).map(|value| (value, false))
}

fn number(map: &Map<String, Value>, key: &str) -> Option<f64> {
    map.get(key).and_then(Value::as_f64)
}

fn flag(map: &Map<String, Value>, key: &str) -> bool {
    map.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// The Rust type the generator picks for a schema, as far as type, format and constraints decide
/// it; object and array schemas are described by their JSON type.
pub(crate) fn rust_type(map: &Map<String, Value>) -> String {
    let format = map.get("format").and_then(Value::as_str);
    match map.get("type").and_then(Value::as_str) {
        Some("string") => string_type(map, format),
        Some("integer") => integer_type(format, lower(map), upper(map)).into(),
        Some("number") if format == Some("float") => "f32".into(),
        Some("number") => "f64".into(),
        Some(other) => other.to_string(),
        None => "untyped".into(),
    }
}

/// typify wraps a string with a length bound or a pattern (and no typed format) in a newtype that
/// validates on construction and deserialisation.
fn string_type(map: &Map<String, Value>, format: Option<&str>) -> String {
    if let Some((_, ty)) = TYPED_STRING_FORMATS
        .iter()
        .find(|(known, _)| Some(*known) == format)
    {
        return (*ty).into();
    }
    let constrained = ["minLength", "maxLength", "pattern"]
        .iter()
        .any(|key| map.contains_key(*key));
    if constrained {
        "a validating newtype over String".into()
    } else {
        "String".into()
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
    let exact = |found: Option<f64>, limit: f64| {
        found.is_none_or(|found| (found - limit).abs() <= f64::EPSILON)
    };
    match (min, max) {
        (None, None) => "i64",
        (Some(1.0), _) => "NonZeroU64",
        _ => TYPES[..8]
            .iter()
            .rev()
            .find(|entry| exact(min, entry.3) && exact(max, entry.4))
            .map_or("i64", |entry| entry.1),
    }
}
