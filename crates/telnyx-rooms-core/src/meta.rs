//! Types of the per-operation metadata that `cargo xtask codegen` extracts from the vendored spec.
//!
//! The values live in the generated crate (`telnyx_rooms_gen::operations` and
//! `telnyx_rooms_gen::PROVENANCE`); these are only their shapes. The structs are built by that
//! generated code, in another crate, so they cannot be `#[non_exhaustive]`: a new field is a
//! breaking change of this crate, made together with the generator that fills it. Everything here is `'static`
//! and `Copy`, so downstream crates (the facade, the mock) read it at no cost and never retype a
//! rule the spec already states.

/// One operation of the vendored spec, as the generator saw it after overlays and normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The spec's `operationId`, e.g. `CreateRoomClientToken`.
    pub operation_id: &'static str,
    /// The name of the generated generated `Client` method, e.g. `create_room_client_token`;
    /// progenitor also passes it to the client hooks as `OperationInfo::operation_id`.
    pub client_method: &'static str,
    /// The HTTP method in upper case, e.g. `POST`.
    pub method: &'static str,
    /// The path template relative to the server URL, e.g. `/rooms/{room_id}/actions/refresh_client_token`.
    pub path: &'static str,
    /// The security the operation requires (operation-level `security`, else the document's).
    pub security: Security,
    /// The status code of the success response, e.g. `201`.
    pub success_status: u16,
    /// What the success response's body holds.
    pub success_body: SuccessBody,
    /// The statuses the spec documents a response for, as it writes them, in spec order: codes
    /// (`"404"`), ranges (`"4XX"`) and `"default"`. See [`documents_status`](Self::documents_status).
    pub responses: &'static [&'static str],
    /// Whether the request body is `required: true`.
    pub body_required: bool,
    /// The media type of the request body, e.g. `application/json`.
    pub body_media_type: Option<&'static str>,
    /// Path parameters, in the order they appear in the path template.
    pub path_params: &'static [Field],
    /// Query parameters by wire name (`filter[unique_name]`, `page[size]`): the order of the
    /// generated method's arguments and of the query it sends. A `style: deepObject` parameter of
    /// the spec appears as its leaves (`page[number]`, `page[size]`), as it is sent.
    pub query_params: &'static [Field],
    /// Header parameters, by name (the Video API defines none).
    pub header_params: &'static [Field],
    /// Top-level properties of the JSON request body, in spec order.
    pub body_fields: &'static [Field],
}

impl Operation {
    /// Whether a request for this operation must carry the API key as a bearer token.
    pub const fn requires_api_key(&self) -> bool {
        matches!(self.security, Security::BearerToken)
    }

    /// The body field called `name`, if the spec defines one.
    pub fn body_field(&self, name: &str) -> Option<&'static Field> {
        self.body_fields.iter().find(|field| field.name == name)
    }

    /// The path parameter called `name`, if the spec defines one.
    pub fn path_param(&self, name: &str) -> Option<&'static Field> {
        self.path_params.iter().find(|field| field.name == name)
    }

    /// The query parameter whose wire name is `name` (`page[size]`), if the spec defines one.
    pub fn query_param(&self, name: &str) -> Option<&'static Field> {
        self.query_params.iter().find(|field| field.name == name)
    }

    /// Whether the spec documents a response with `status` for this operation: by its code, by
    /// its range (`4XX`) or by a `default` response.
    pub fn documents_status(&self, status: u16) -> bool {
        let code = status.to_string();
        let range = format!("{}XX", status / 100);
        self.responses.iter().any(|documented| {
            *documented == code || *documented == range || *documented == "default"
        })
    }
}

/// What the body of an operation's success response holds.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuccessBody {
    /// No body (`204 No Content`).
    Empty,
    /// One object under `data`: `{"data": {…}}`. `schema` names its component schema (`Room`)
    /// when the spec gives it one.
    Data {
        /// The component schema of `data`, if it has one.
        schema: Option<&'static str>,
    },
    /// One page of a list: `{"data": […], "meta": {"page_number", "page_size", "total_pages",
    /// "total_results"}}`. `schema` names the items' component schema (`Room`) when they have one.
    Page {
        /// The component schema of the items, if they have one.
        schema: Option<&'static str>,
    },
    /// Any other body.
    Other,
}

/// What credentials an operation requires.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No credentials (`security: []`): sending the API key would only widen its exposure.
    None,
    /// An HTTP bearer token (`type: http`, `scheme: bearer`): the Telnyx API key.
    BearerToken,
}

/// A path, query or header parameter, or a top-level request body property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The name on the wire, e.g. `token_ttl_secs` or `page[size]`.
    pub name: &'static str,
    /// The name of the generated method argument or struct field, e.g. `page_size`.
    pub rust_name: &'static str,
    /// Whether the spec requires it.
    pub required: bool,
    /// The JSON type the spec gives it.
    pub kind: FieldKind,
    /// The spec's `format`, if any (e.g. `uuid`).
    pub format: Option<&'static str>,
    /// Inclusive lower bound of an integer (exclusive bounds are converted), if any.
    pub minimum: Option<i64>,
    /// Inclusive upper bound of an integer (exclusive bounds are converted), if any.
    pub maximum: Option<i64>,
    /// The spec's `default` of an integer, if any. The server applies it; clients must not send it.
    pub default: Option<i64>,
    /// The values a string `enum` allows, in spec order; empty when the spec gives no enum.
    pub enum_values: &'static [&'static str],
}

impl Field {
    /// Whether `value` lies within this field's inclusive bounds (a missing bound does not limit).
    pub const fn accepts(&self, value: i64) -> bool {
        let above_min = match self.minimum {
            Some(min) => value >= min,
            None => true,
        };
        let below_max = match self.maximum {
            Some(max) => value <= max,
            None => true,
        };
        above_min && below_max
    }

    /// Whether the text `value` is one the field's `enum` allows (any text when it has none).
    pub fn allows(&self, value: &str) -> bool {
        self.enum_values.is_empty() || self.enum_values.contains(&value)
    }
}

/// The JSON type of a [`Field`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `type: integer`.
    Integer,
    /// `type: number`.
    Number,
    /// `type: string`.
    String,
    /// `type: boolean`.
    Boolean,
    /// `type: array`.
    Array,
    /// `type: object` (or no type and no alternatives).
    Object,
    /// One of several shapes (`oneOf` or `anyOf` without a `type`), e.g. the keyword `all` or a
    /// list of ids.
    OneOf,
}

/// Where the vendored spec came from; recorded in `openapi/provenance.toml` and baked in at generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance {
    /// The upstream repository, e.g. `https://github.com/team-telnyx/openapi`.
    pub repository: &'static str,
    /// The file in that repository, e.g. `openapi/spec3.yml`.
    pub path: &'static str,
    /// The upstream commit the vendored file was taken from.
    pub commit: &'static str,
    /// The date of that commit (ISO 8601).
    pub date: &'static str,
    /// SHA-256 (hex) of the whole upstream file at that commit.
    pub upstream_sha256: &'static str,
    /// The vendored file, relative to the workspace root.
    pub vendored_file: &'static str,
    /// SHA-256 (hex) of the vendored file the code was generated from.
    pub vendored_sha256: &'static str,
    /// The spec's `info.version` (the API version, e.g. `2.0.0`).
    pub api_version: &'static str,
    /// The first server URL of the spec, e.g. `https://api.telnyx.com/v2`.
    pub server_url: &'static str,
}
