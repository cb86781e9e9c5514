//! Request checks derived from the spec's operation metadata: security, path parameters, body fields.
//!
//! Nothing here names an operation or a field: the rules (which operations need the API key, which
//! parameters are UUIDs, which body fields exist with which type, bounds and defaults) all come
//! from [`telnyx_rooms_gen::operations`], so a spec change regenerates the rules the mock enforces.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, StatusCode, header};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use telnyx_rooms_core::meta::{Field, FieldKind, Operation};

use crate::api_error::{
    AUTHENTICATION_FAILED, ApiError, BAD_REQUEST, ErrorEntry, INVALID_ID, INVALID_JSON,
    INVALID_TYPE, MISSING_PARAMETER, Source, UNSUPPORTED_MEDIA_TYPE,
};
use crate::integer::{self, JsonInteger};

/// A request that passed every check, with the spec's defaults filled in.
#[derive(Debug)]
pub(crate) struct ValidRequest {
    path: Vec<(&'static str, String)>,
    query: Vec<(&'static str, Value)>,
    body: Map<String, Value>,
}

impl ValidRequest {
    /// The first path parameter (the id of the record an operation is about) and its name.
    pub(crate) fn id(&self) -> Option<(&'static str, uuid::Uuid)> {
        let (name, value) = self.path.first()?;
        Some((name, uuid::Uuid::try_parse(value).ok()?))
    }

    /// The spec's query parameters the request sent (or that have a default), typed.
    pub(crate) fn query(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.query.iter().map(|(name, value)| (*name, value))
    }

    pub(crate) fn query_value(&self, name: &str) -> Option<&Value> {
        self.query().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub(crate) fn body(&self) -> &Map<String, Value> {
        &self.body
    }

    pub(crate) fn integer(&self, name: &str) -> Option<i64> {
        self.body.get(name).and_then(Value::as_i64)
    }

    pub(crate) fn string(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }
}

/// What arrived, before any check.
pub(crate) struct Arrived<'a> {
    pub(crate) headers: &'a HeaderMap,
    pub(crate) path_params: &'a [(String, String)],
    /// The raw query string, if any.
    pub(crate) query: Option<&'a str>,
    pub(crate) body: &'a [u8],
}

/// Runs every check in the order a real API does: credentials, path, query, media type, body.
pub(crate) fn validate(
    operation: &Operation,
    arrived: &Arrived<'_>,
    accepted_api_key: Option<&str>,
) -> Result<ValidRequest, ApiError> {
    check_credentials(operation, arrived.headers, accepted_api_key)?;
    let path = check_path(operation, arrived.path_params)?;
    let query = check_query(operation, arrived.query)?;
    check_media_type(operation, arrived.headers)?;
    let mut body = check_body(operation, arrived.body)?;
    // A partial update leaves what it does not name alone: the spec's defaults are for creation.
    if operation.method != "PATCH" {
        body = with_defaults(operation.body_fields, body);
    }
    Ok(ValidRequest { path, query, body })
}

fn check_credentials(
    operation: &Operation,
    headers: &HeaderMap,
    accepted_api_key: Option<&str>,
) -> Result<(), ApiError> {
    if !operation.requires_api_key() {
        return Ok(());
    }
    check_bearer(headers, accepted_api_key)
}

/// `Authorization: Bearer <key>`, with the one accepted key if the server has one.
pub(crate) fn check_bearer(
    headers: &HeaderMap,
    accepted_api_key: Option<&str>,
) -> Result<(), ApiError> {
    let refuse = |detail: &str| {
        Err(ApiError::one(
            StatusCode::UNAUTHORIZED,
            ErrorEntry::new(AUTHENTICATION_FAILED, detail),
        ))
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return refuse(
            "The request has no Authorization header; send `Authorization: Bearer <API key>`.",
        );
    };
    let key = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim())
        .filter(|key| !key.is_empty());
    match (key, accepted_api_key) {
        (None, _) => refuse("The Authorization header is not `Bearer <API key>`."),
        (Some(key), Some(accepted)) if key != accepted => refuse("The API key is not valid."),
        (Some(_), _) => Ok(()),
    }
}

fn check_path(
    operation: &Operation,
    params: &[(String, String)],
) -> Result<Vec<(&'static str, String)>, ApiError> {
    let mut valid = Vec::with_capacity(operation.path_params.len());
    let mut errors = Vec::new();
    for field in operation.path_params {
        let value = params
            .iter()
            .find(|(name, _)| name == field.name)
            .map(|(_, value)| value.as_str());
        let problem = match value {
            None | Some("") => Some(format!("The path parameter `{}` is required.", field.name)),
            Some(value) => check_text(field, value).err(),
        };
        match (problem, value) {
            (Some(detail), _) => {
                errors.push(ErrorEntry::new(INVALID_ID, detail).at(Source::Parameter(field.name)));
            }
            (None, Some(value)) => valid.push((field.name, value.to_owned())),
            (None, None) => {}
        }
    }
    if errors.is_empty() {
        Ok(valid)
    } else {
        Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, errors))
    }
}

/// The spec's query parameters, typed and checked; the spec's defaults (`page[size]` 20) filled in.
/// A parameter the spec does not define is ignored, as Telnyx does; a repeated one counts once,
/// its last value.
fn check_query(
    operation: &Operation,
    raw: Option<&str>,
) -> Result<Vec<(&'static str, Value)>, ApiError> {
    let pairs: Vec<_> = form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).collect();
    let mut valid: Vec<(&'static str, Value)> = Vec::new();
    let mut errors = Vec::new();
    for field in operation.query_params {
        let sent = pairs.iter().rev().find(|(name, _)| name == field.name);
        let value = match sent {
            Some((_, text)) => query_value(field, text),
            None if field.required => Err(ErrorEntry::new(
                MISSING_PARAMETER,
                format!("The query parameter `{}` is required.", field.name),
            )),
            None => Ok(field.default.map(Value::from)),
        };
        match value {
            Ok(Some(value)) => valid.push((field.name, value)),
            Ok(None) => {}
            Err(entry) => errors.push(entry.at(Source::Parameter(field.name))),
        }
    }
    if errors.is_empty() {
        Ok(valid)
    } else {
        Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, errors))
    }
}

/// One query parameter's text as the JSON value of the field's kind.
fn query_value(field: &Field, text: &str) -> Result<Option<Value>, ErrorEntry> {
    let kind_error = |what: &str| {
        ErrorEntry::new(
            INVALID_TYPE,
            format!("`{}` must be {what}; got `{}`.", field.name, shorten(text)),
        )
    };
    let value = match field.kind {
        FieldKind::Integer => {
            let number = text.parse::<i64>().map_err(|_| kind_error("an integer"))?;
            check_bounds(field, number).map_err(|detail| ErrorEntry::new(BAD_REQUEST, detail))?;
            Value::from(number)
        }
        FieldKind::Boolean => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(kind_error("`true` or `false`")),
        },
        _ => {
            check_format(field, text).map_err(|detail| ErrorEntry::new(BAD_REQUEST, detail))?;
            Value::from(text)
        }
    };
    Ok(Some(value))
}

/// A text value (a path parameter, or a string body field) against the field's kind and format.
fn check_text(field: &Field, value: &str) -> Result<(), String> {
    match field.kind {
        FieldKind::Integer => {
            let number = value
                .parse::<i64>()
                .map_err(|_| format!("`{}` must be an integer; got `{value}`.", field.name))?;
            check_bounds(field, number)
        }
        _ => check_format(field, value),
    }
}

/// A text value against the field's `format` and `enum`, both read from the spec.
fn check_format(field: &Field, value: &str) -> Result<(), String> {
    if !field.allows(value) {
        return Err(format!(
            "`{}` must be one of {}; got `{}`.",
            field.name,
            field.enum_values.join(", "),
            shorten(value)
        ));
    }
    let valid = match field.format {
        // The canonical hyphenated form only, as Telnyx's ids are written.
        Some("uuid") => value.len() == 36 && uuid::Uuid::try_parse(value).is_ok(),
        Some("date-time") => chrono::DateTime::parse_from_rfc3339(value).is_ok(),
        Some("date") => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
        _ => true,
    };
    if valid {
        Ok(())
    } else {
        let format = field.format.unwrap_or_default();
        Err(format!(
            "`{}` must be a {format}; got `{}`.",
            field.name,
            shorten(value)
        ))
    }
}

fn check_bounds(field: &Field, value: i64) -> Result<(), String> {
    if field.accepts(value) {
        return Ok(());
    }
    Err(format!(
        "`{}` must be {}; got {value}.",
        field.name,
        range_text(field)
    ))
}

fn range_text(field: &Field) -> String {
    match (field.minimum, field.maximum) {
        (Some(min), Some(max)) => format!("between {min} and {max}"),
        (Some(min), None) => format!("at least {min}"),
        (None, Some(max)) => format!("at most {max}"),
        (None, None) => "in range".to_owned(),
    }
}

fn check_media_type(operation: &Operation, headers: &HeaderMap) -> Result<(), ApiError> {
    let (Some(expected), Some(sent)) =
        (operation.body_media_type, headers.get(header::CONTENT_TYPE))
    else {
        return Ok(());
    };
    let essence = sent
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    if essence.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(ApiError::one(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorEntry::new(
                UNSUPPORTED_MEDIA_TYPE,
                format!("Send the body as `{expected}`; got `{}`.", shorten(essence)),
            ),
        ))
    }
}

fn check_body(operation: &Operation, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let whole_body = || Source::Pointer(String::new());
    if body.iter().all(u8::is_ascii_whitespace) {
        if operation.body_required {
            return Err(ApiError::one(
                StatusCode::BAD_REQUEST,
                ErrorEntry::new(
                    BAD_REQUEST,
                    "The request body is required; send a JSON object.",
                )
                .at(whole_body()),
            ));
        }
        return Ok(Map::new());
    }
    let invalid_json = |detail: String| {
        ApiError::one(
            StatusCode::BAD_REQUEST,
            ErrorEntry::new(
                INVALID_JSON,
                format!("The request body is not valid JSON: {detail}."),
            )
            .at(whole_body()),
        )
    };
    // Parsed to raw text per top-level member, so numbers are judged by their text (any
    // magnitude, any notation) rather than by what fits a float.
    let text = std::str::from_utf8(body).map_err(|err| invalid_json(err.to_string()))?;
    let parsed: &RawValue =
        serde_json::from_str(text).map_err(|err| invalid_json(err.to_string()))?;
    let object = match serde_json::from_str::<BTreeMap<String, &RawValue>>(parsed.get()) {
        Ok(object) if parsed.get().starts_with('{') => object,
        _ => {
            return Err(ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorEntry::new(INVALID_TYPE, "The request body must be a JSON object.")
                    .at(whole_body()),
            ));
        }
    };
    let mut valid = Map::new();
    let mut errors = Vec::new();
    for field in operation.body_fields {
        match check_field(field, object.get(field.name).copied()) {
            Ok(Some(value)) => {
                valid.insert(field.name.to_owned(), value);
            }
            Ok(None) => {}
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(valid)
    } else {
        Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, errors))
    }
}

/// One body field against the spec: its value as the handlers read it, or why it is refused.
fn check_field(field: &Field, raw: Option<&RawValue>) -> Result<Option<Value>, ErrorEntry> {
    let pointer = || Source::Pointer(format!("/{}", field.name));
    let Some(raw) = raw else {
        return match field.required {
            true => Err(ErrorEntry::new(
                MISSING_PARAMETER,
                format!("`{}` is required.", field.name),
            )
            .at(pointer())),
            false => Ok(None),
        };
    };
    let text = raw.get();
    let sent = JsonType::of(text);
    let integer = match (field.kind, sent) {
        (FieldKind::Integer, JsonType::Number) => integer::classify(text),
        _ => None,
    };
    let type_matches = match field.kind {
        FieldKind::Integer => !matches!(integer, None | Some(JsonInteger::Fractional)),
        FieldKind::Number => sent == JsonType::Number,
        FieldKind::String => sent == JsonType::String,
        FieldKind::Boolean => sent == JsonType::Boolean,
        FieldKind::Array => sent == JsonType::Array,
        FieldKind::Object => sent == JsonType::Object,
        // A kind this mock does not know yet: let it through rather than refuse valid requests.
        _ => true,
    };
    if !type_matches {
        let got = match integer {
            Some(JsonInteger::Fractional) => "a fractional number",
            _ => sent.name(),
        };
        let detail = format!(
            "`{}` must be {}; got {got}.",
            field.name,
            kind_name(field.kind)
        );
        return Err(ErrorEntry::new(INVALID_TYPE, detail).at(pointer()));
    }
    let out_of_bounds = |detail: String| ErrorEntry::new(BAD_REQUEST, detail).at(pointer());
    let value = match integer {
        Some(JsonInteger::Exact(n)) => {
            check_bounds(field, n).map_err(out_of_bounds)?;
            Value::from(n)
        }
        // An integer beyond i64 is out of every bound the metadata can state.
        Some(JsonInteger::OutOfRange) => {
            return Err(out_of_bounds(format!(
                "`{}` must be {}; got {}.",
                field.name,
                range_text(field),
                shorten(text)
            )));
        }
        _ => serde_json::from_str(text).map_err(|_| {
            out_of_bounds(format!(
                "`{}` holds a number beyond what this server reads.",
                field.name
            ))
        })?,
    };
    if let Value::String(text) = &value {
        check_format(field, text).map_err(out_of_bounds)?;
    }
    Ok(Some(value))
}

/// The JSON type of a value's text, from its first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonType {
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

impl JsonType {
    fn of(text: &str) -> Self {
        match text.trim_start().as_bytes().first() {
            Some(b'n') => Self::Null,
            Some(b't' | b'f') => Self::Boolean,
            Some(b'"') => Self::String,
            Some(b'[') => Self::Array,
            Some(b'{') => Self::Object,
            _ => Self::Number,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Boolean => "a boolean",
            Self::Number => "a number",
            Self::String => "a string",
            Self::Array => "an array",
            Self::Object => "an object",
        }
    }
}

fn kind_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Integer => "an integer",
        FieldKind::Number => "a number",
        FieldKind::String => "a string",
        FieldKind::Boolean => "a boolean",
        FieldKind::Array => "an array",
        FieldKind::Object => "an object",
        _ => "of the spec's type",
    }
}

/// The spec's defaults for the fields the request left out: the server owns them.
pub(crate) fn with_defaults(fields: &[Field], mut body: Map<String, Value>) -> Map<String, Value> {
    for field in fields {
        if let (false, Some(default)) = (body.contains_key(field.name), field.default) {
            body.insert(field.name.to_owned(), Value::from(default));
        }
    }
    body
}

/// Echoes at most 64 characters of client input into an error detail.
fn shorten(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
