//! Checks before any I/O, with the rules read from the spec's metadata, never retyped: ids that
//! must be UUIDs, durations sent as whole seconds within bounds, integers within bounds, strings
//! within an enum. Each error names the setting as the caller set it and the field as the API
//! names it.

use std::time::Duration;

use serde_json::Value;
use telnyx_rooms_core::meta::{Field, FieldKind, Operation};
use uuid::Uuid;

use crate::error::{Error, ErrorKind};

/// A room, session or participant id: a [`Uuid`], or text that must parse as one (surrounding
/// whitespace is ignored).
///
/// Text that is not a UUID becomes an [`ErrorKind::InvalidRequest`] error naming the argument
/// when the call is made, before any I/O.
pub trait IntoId {
    /// The id, or why the text is not one.
    fn into_id(self) -> Result<Uuid, uuid::Error>;
}

impl IntoId for Uuid {
    fn into_id(self) -> Result<Uuid, uuid::Error> {
        Ok(self)
    }
}

impl IntoId for &Uuid {
    fn into_id(self) -> Result<Uuid, uuid::Error> {
        Ok(*self)
    }
}

impl IntoId for &str {
    fn into_id(self) -> Result<Uuid, uuid::Error> {
        Uuid::try_parse(self.trim())
    }
}

impl IntoId for String {
    fn into_id(self) -> Result<Uuid, uuid::Error> {
        self.as_str().into_id()
    }
}

impl IntoId for &String {
    fn into_id(self) -> Result<Uuid, uuid::Error> {
        self.as_str().into_id()
    }
}

/// `value` as the id argument `field` (`room_id`, `session_id`, `participant_id`).
pub(crate) fn id(value: impl IntoId, field: &'static str) -> Result<Uuid, Error> {
    value.into_id().map_err(|source| {
        Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "{} is not a UUID (expected e.g. 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0)",
                field.replace('_', " ")
            ),
        )
        .with_request_field(field, field)
        .with_source(source)
    })
}

/// The name a caller knows a wire field by: the builder method that sets it. A duration is set as
/// a `Duration` and sent as whole seconds, so `token_ttl` is sent as `token_ttl_secs`; a query
/// parameter is set by its generated argument's name less `filter_` (`page_size`, `unique_name`).
pub(crate) fn setting_name(field: &'static Field) -> &'static str {
    let name = if field.name.contains('[') {
        field.rust_name
    } else {
        field.name
    };
    let name = name.strip_prefix("filter_").unwrap_or(name);
    name.strip_suffix("_secs").unwrap_or(name)
}

fn invalid(field: &'static Field, why: String) -> Error {
    let setting = setting_name(field);
    Error::new(ErrorKind::InvalidRequest, format!("{setting} {why}"))
        .with_request_field(setting, field.name)
}

/// `value` checked against the bounds the spec gives the integer `field`.
pub(crate) fn integer(field: &'static Field, value: i64) -> Result<i64, Error> {
    if field.accepts(value) {
        return Ok(value);
    }
    let unit = if field.name.ends_with("_secs") {
        " s"
    } else {
        ""
    };
    let bounds = match (field.minimum, field.maximum) {
        (Some(min), Some(max)) => format!("{min}..={max}{unit}"),
        (Some(min), None) => format!("at least {min}{unit}"),
        (None, Some(max)) => format!("at most {max}{unit}"),
        (None, None) => "any".to_owned(),
    };
    Err(invalid(
        field,
        format!("= {value}{unit} is outside the range the API accepts ({bounds})"),
    ))
}

/// A duration as whole seconds within the bounds the spec gives `field`.
pub(crate) fn seconds(
    field: &'static Field,
    duration: Option<Duration>,
) -> Result<Option<i64>, Error> {
    let Some(duration) = duration else {
        return Ok(None);
    };
    if duration.subsec_nanos() != 0 {
        return Err(invalid(
            field,
            format!("must be a whole number of seconds, got {duration:?}"),
        ));
    }
    let secs = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
    integer(field, secs).map(Some)
}

/// A page size within the bounds the spec gives the operation's `page[size]`.
pub(crate) fn page_size(
    operation: &Operation,
    size: Option<u32>,
) -> Result<Option<std::num::NonZeroU64>, Error> {
    let (Some(size), Some(field)) = (size, operation.query_param("page[size]")) else {
        return Ok(size.and_then(|size| std::num::NonZeroU64::new(u64::from(size))));
    };
    integer(field, i64::from(size))?;
    Ok(std::num::NonZeroU64::new(u64::from(size)))
}

/// Every top-level value of a request body checked against its field in the spec: integers
/// within bounds, strings within an enum. Done on the body as it will be sent, so no setting can
/// slip past it.
pub(crate) fn body(operation: &Operation, body: &impl serde::Serialize) -> Result<(), Error> {
    let Ok(Value::Object(values)) = serde_json::to_value(body) else {
        return Ok(());
    };
    for (name, value) in &values {
        let Some(field) = operation.body_field(name) else {
            continue;
        };
        match (field.kind, value) {
            (FieldKind::Integer, Value::Number(number)) => {
                integer(field, number.as_i64().unwrap_or(i64::MAX))?;
            }
            (FieldKind::String, Value::String(text)) if !field.allows(text) => {
                return Err(invalid(
                    field,
                    format!("must be one of {}", field.enum_values.join(", ")),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests;
