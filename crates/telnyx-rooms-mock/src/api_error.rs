//! Telnyx's error envelope, `{"errors": [{"code", "title", "detail", "source"}]}`, and the answers made of it.
//!
//! Codes and titles are Telnyx's published API error codes (10004 missing parameter, 10009
//! authentication failed, …), so a client's error handling meets the same values offline.

use axum::http::StatusCode;
use serde_json::Value;
use telnyx_rooms_gen::types;

/// A Telnyx error code and its title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Code {
    pub(crate) code: &'static str,
    pub(crate) title: &'static str,
}

pub(crate) const MISSING_PARAMETER: Code = Code {
    code: "10004",
    title: "Missing required parameter",
};
pub(crate) const NOT_FOUND: Code = Code {
    code: "10005",
    title: "Resource not found",
};
pub(crate) const INVALID_ID: Code = Code {
    code: "10006",
    title: "Invalid ID",
};
pub(crate) const UNEXPECTED: Code = Code {
    code: "10007",
    title: "Unexpected error",
};
pub(crate) const TIMEOUT: Code = Code {
    code: "10008",
    title: "Request timeout",
};
pub(crate) const AUTHENTICATION_FAILED: Code = Code {
    code: "10009",
    title: "Authentication failed",
};
pub(crate) const AUTHORIZATION_FAILED: Code = Code {
    code: "10010",
    title: "Authorization failed",
};
pub(crate) const TOO_MANY_REQUESTS: Code = Code {
    code: "10011",
    title: "Too many requests",
};
pub(crate) const UNSUPPORTED_MEDIA_TYPE: Code = Code {
    code: "10014",
    title: "Unsupported Media Type",
};
pub(crate) const BAD_REQUEST: Code = Code {
    code: "10015",
    title: "Bad Request",
};
pub(crate) const INVALID_TYPE: Code = Code {
    code: "10020",
    title: "Invalid resource type",
};
pub(crate) const INVALID_JSON: Code = Code {
    code: "10023",
    title: "Invalid JSON",
};

/// What an error entry points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A JSON pointer into the request body (`""` is the whole body).
    Pointer(String),
    /// A path (or query) parameter by name.
    Parameter(&'static str),
}

/// One entry of `errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ErrorEntry {
    pub(crate) code: Code,
    pub(crate) detail: String,
    pub(crate) source: Option<Source>,
}

impl ErrorEntry {
    pub(crate) fn new(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            source: None,
        }
    }

    pub(crate) fn at(mut self, source: Source) -> Self {
        self.source = Some(source);
        self
    }

    fn to_generated(&self) -> types::VideoError {
        let source = self.source.as_ref().map(|source| match source {
            Source::Pointer(pointer) => types::VideoErrorSource {
                pointer: Some(pointer.clone()),
                parameter: None,
            },
            Source::Parameter(name) => types::VideoErrorSource {
                pointer: None,
                parameter: Some((*name).to_owned()),
            },
        });
        types::VideoError {
            code: self.code.code.to_owned(),
            title: self.code.title.to_owned(),
            detail: Some(self.detail.clone()),
            source,
            meta: serde_json::Map::new(),
        }
    }
}

/// A refused request: status, entries and an optional `Retry-After`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) errors: Vec<ErrorEntry>,
    pub(crate) retry_after_secs: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, errors: Vec<ErrorEntry>) -> Self {
        Self {
            status,
            errors,
            retry_after_secs: None,
        }
    }

    pub(crate) fn one(status: StatusCode, entry: ErrorEntry) -> Self {
        Self::new(status, vec![entry])
    }

    /// The answer of an injected status fault: the code Telnyx uses for that status.
    pub(crate) fn injected(status: StatusCode, retry_after_secs: Option<u64>) -> Self {
        let code = match status.as_u16() {
            401 => AUTHENTICATION_FAILED,
            403 => AUTHORIZATION_FAILED,
            404 => NOT_FOUND,
            408 => TIMEOUT,
            429 => TOO_MANY_REQUESTS,
            400..=499 => BAD_REQUEST,
            _ => UNEXPECTED,
        };
        let detail = format!(
            "Injected by telnyx-rooms-mock: {}.",
            status.canonical_reason().unwrap_or("fault")
        );
        Self {
            status,
            errors: vec![ErrorEntry::new(code, detail)],
            retry_after_secs,
        }
    }

    /// The body, built with the generated `VideoErrors` type so it matches the spec's schema.
    pub(crate) fn to_json(&self) -> Value {
        let body = types::VideoErrors {
            errors: self.errors.iter().map(ErrorEntry::to_generated).collect(),
        };
        serde_json::to_value(body).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelope_has_telnyx_shape() {
        let error = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![
                ErrorEntry::new(MISSING_PARAMETER, "refresh_token is required")
                    .at(Source::Pointer("/refresh_token".to_owned())),
                ErrorEntry::new(INVALID_ID, "room_id must be a UUID")
                    .at(Source::Parameter("room_id")),
                ErrorEntry::new(UNEXPECTED, "no source"),
            ],
        );
        assert_eq!(
            error.to_json(),
            json!({"errors": [
                {"code": "10004", "title": "Missing required parameter",
                 "detail": "refresh_token is required", "source": {"pointer": "/refresh_token"}},
                {"code": "10006", "title": "Invalid ID",
                 "detail": "room_id must be a UUID", "source": {"parameter": "room_id"}},
                {"code": "10007", "title": "Unexpected error", "detail": "no source"},
            ]})
        );
    }

    #[test]
    fn injected_statuses_use_telnyx_codes() {
        let code = |status: u16| {
            ApiError::injected(StatusCode::from_u16(status).expect("valid"), None).errors[0]
                .code
                .code
        };
        assert_eq!(code(401), "10009");
        assert_eq!(code(403), "10010");
        assert_eq!(code(429), "10011");
        assert_eq!(code(422), "10015");
        assert_eq!(code(503), "10007");
    }
}
