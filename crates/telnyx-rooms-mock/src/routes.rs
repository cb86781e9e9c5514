//! Routing from the spec's operations and the flow of one request: fault, validation, answer, log.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts as _, Path, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{MethodFilter, MethodRouter};
use chrono::{DateTime, Utc};
use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_gen::operations;
use uuid::Uuid;

use crate::api_error::{ApiError, BAD_REQUEST, ErrorEntry, INVALID_ID, NOT_FOUND, Source};
use crate::body::{self, BodyError};
use crate::fault::{FAULT_HEADER, Fault, FaultAction};
use crate::handlers;
use crate::log::{LoggedRequest, UNMATCHED_ROUTE, logged_path, redact_body, redact_headers};
use crate::server::Shared;
use crate::validate::Arrived;
/// The request id header Telnyx answers with.
const REQUEST_ID_HEADER: &str = "x-request-id";

/// The path of the spec's server URL (`/v2`), under which every operation path is served.
pub(crate) fn base_path() -> &'static str {
    let url = telnyx_rooms_gen::PROVENANCE.server_url;
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or("", |start| after_scheme[start..].trim_end_matches('/'))
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let mut by_path: BTreeMap<String, MethodRouter<Arc<Shared>>> = BTreeMap::new();
    for operation in operations::ALL {
        let operation: &'static Operation = operation;
        let Some(filter) = Method::from_bytes(operation.method.as_bytes())
            .ok()
            .and_then(|method| MethodFilter::try_from(method).ok())
        else {
            continue;
        };
        let handler = move |State(shared): State<Arc<Shared>>, request: Request| {
            handle(shared, operation, request)
        };
        let path = format!("{}{}", base_path(), operation.path);
        let routes = by_path.remove(&path).unwrap_or_default();
        by_path.insert(path, routes.on(filter, handler));
    }
    by_path
        .into_iter()
        .fold(Router::new(), |router, (path, routes)| {
            router.route(&path, routes)
        })
        .merge(crate::rooms::control::routes())
        .fallback(unmatched)
        .method_not_allowed_fallback(unmatched)
        .with_state(shared)
}

/// Marks a response that must not be sent: the connection is dropped instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// One request to an operation of the spec, from fault selection to the logged answer.
async fn handle(shared: Arc<Shared>, operation: &'static Operation, request: Request) -> Response {
    let received_at = shared.time_source.now_utc();
    let (mut parts, body) = request.into_parts();
    let params = Path::<Vec<(String, String)>>::from_request_parts(&mut parts, &())
        .await
        .map(|Path(params)| params);
    let body = body::read(body, shared.limits.body_timeout).await;
    let arrival = Arrival::new(received_at, &parts, &body);
    if let Some(error) = shared.rate_limiter.as_ref().and_then(|l| l.refuse()) {
        let response = error_response(&shared, &error);
        return arrival.answered(&shared, operation.operation_id, None, response);
    }

    let requested = parts
        .headers
        .get(FAULT_HEADER)
        .map(|value| value.to_str().unwrap_or_default().parse::<Fault>());
    let fault = match requested {
        Some(Err(err)) => {
            let error = ApiError::one(
                StatusCode::BAD_REQUEST,
                ErrorEntry::new(BAD_REQUEST, err.to_string()).at(Source::Parameter(FAULT_HEADER)),
            );
            let response = error_response(&shared, &error);
            return arrival.answered(&shared, operation.operation_id, None, response);
        }
        Some(Ok(fault)) => shared.faults.select(operation.operation_id, Some(fault)),
        None => shared.faults.select(operation.operation_id, None),
    };
    if let Some(delay) = fault.as_ref().and_then(Fault::delay) {
        tokio::time::sleep(delay).await;
    }

    let mut response = match fault.as_ref().and_then(Fault::action) {
        Some(FaultAction::Status {
            status,
            retry_after_secs,
        }) => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let retry_after =
                retry_after_secs.or((status == StatusCode::TOO_MANY_REQUESTS).then_some(1));
            error_response(&shared, &ApiError::injected(status, retry_after))
        }
        Some(FaultAction::Reset) => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(DropConnection);
            response
        }
        corruption => {
            let outcome = match (&body, params) {
                (Ok(raw_body), Ok(params)) => {
                    let arrived = Arrived {
                        headers: &parts.headers,
                        path_params: &params,
                        query: parts.uri.query(),
                        body: raw_body,
                    };
                    crate::validate::validate(operation, &arrived, shared.accepted_api_key())
                        .and_then(|valid| handlers::answer(&shared, operation, &valid))
                }
                (Err(error), _) => Err(error.to_api_error()),
                // Percent-decoding gave no valid UTF-8: no parameter can match its format.
                (Ok(_), Err(_)) => Err(unreadable_path(operation)),
            };
            match outcome {
                Ok(data) => success_response(&shared, operation, data, corruption),
                Err(error) => error_response(&shared, &error),
            }
        }
    };
    for (name, value) in fault.iter().flat_map(Fault::headers) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    let fault_text = fault.map(|fault| fault.to_string());
    arrival.answered(&shared, operation.operation_id, fault_text, response)
}

/// Requests that match no operation: 404 for unknown paths, 405 for a known path with another method.
async fn unmatched(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let received_at = shared.time_source.now_utc();
    let (parts, body) = request.into_parts();
    let body = body::read(body, shared.limits.body_timeout).await;
    let arrival = Arrival::new(received_at, &parts, &body);
    let mut allowed: Vec<&str> = operations::ALL
        .iter()
        .filter(|op| path_matches(&format!("{}{}", base_path(), op.path), parts.uri.path()))
        .map(|op| op.method)
        .collect();
    allowed.dedup();
    let error = if !allowed.is_empty() {
        ApiError::one(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorEntry::new(
                BAD_REQUEST,
                format!(
                    "{} is not allowed here; use {}.",
                    parts.method,
                    allowed.join(" or ")
                ),
            ),
        )
    } else {
        ApiError::one(
            StatusCode::NOT_FOUND,
            ErrorEntry::new(
                NOT_FOUND,
                "The requested resource or URL could not be found.",
            ),
        )
    };
    let response = error_response(&shared, &error);
    arrival.answered(&shared, UNMATCHED_ROUTE, None, response)
}

/// Whether `path` fits the template `pattern` (`{name}` matches one non-empty segment).
fn path_matches(pattern: &str, path: &str) -> bool {
    let mut expected = pattern.split('/');
    let mut actual = path.split('/');
    loop {
        match (expected.next(), actual.next()) {
            (None, None) => return true,
            (Some(e), Some(a)) if e.starts_with('{') && e.ends_with('}') && !a.is_empty() => {}
            (Some(e), Some(a)) if e == a => {}
            _ => return false,
        }
    }
}

fn unreadable_path(operation: &Operation) -> ApiError {
    let errors = operation
        .path_params
        .iter()
        .map(|field| {
            ErrorEntry::new(
                INVALID_ID,
                format!("The path parameter `{}` is not valid UTF-8.", field.name),
            )
            .at(Source::Parameter(field.name))
        })
        .collect();
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, errors)
}

pub(crate) fn error_response(shared: &Shared, error: &ApiError) -> Response {
    let mut response = json_response(shared, error.status, error.to_json().to_string());
    if let Some(secs) = error.retry_after_secs {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// The operation's success answer, corrupted as a fault asks.
fn success_response(
    shared: &Shared,
    operation: &Operation,
    mut body: serde_json::Value,
    corruption: Option<&FaultAction>,
) -> Response {
    let status = StatusCode::from_u16(operation.success_status).unwrap_or(StatusCode::OK);
    if status == StatusCode::NO_CONTENT {
        let mut response = json_response(shared, status, String::new());
        response.headers_mut().remove(header::CONTENT_TYPE);
        return response;
    }
    let text = match corruption {
        Some(FaultAction::MalformedJson) => {
            // A body cut off mid-string, as a dropped proxy connection leaves it.
            let full = body.to_string();
            let cut = full.len() / 2;
            full.get(..cut).unwrap_or("{").to_owned()
        }
        Some(FaultAction::MissingFields(fields)) => {
            if let Some(data) = body
                .get_mut("data")
                .and_then(serde_json::Value::as_object_mut)
            {
                if fields.is_empty() {
                    data.clear();
                } else {
                    data.retain(|name, _| !fields.iter().any(|f| f == name));
                }
            }
            body.to_string()
        }
        _ => body.to_string(),
    };
    json_response(shared, status, text)
}

pub(crate) fn json_response(shared: &Shared, status: StatusCode, body: String) -> Response {
    let date = httpdate::fmt_http_date(shared.time_source.now_utc().into());
    let request_id = Uuid::new_v4().to_string();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(date) = HeaderValue::from_str(&date) {
        headers.insert(header::DATE, date);
    }
    if let Ok(id) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID_HEADER, id);
    }
    response
}

/// The request side of a log entry, taken before the body is consumed by the handler.
pub(crate) struct Arrival {
    received_at: DateTime<Utc>,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    body_len: usize,
}

impl Arrival {
    pub(crate) fn new(
        received_at: DateTime<Utc>,
        parts: &axum::http::request::Parts,
        body: &Result<Bytes, BodyError>,
    ) -> Self {
        let raw = body.as_ref().map(Bytes::as_ref).unwrap_or_default();
        Self {
            received_at,
            method: parts.method.to_string(),
            path: logged_path(parts.uri.path()),
            headers: redact_headers(&parts.headers),
            body: redact_body(raw),
            body_len: raw.len(),
        }
    }

    /// Logs the exchange and hands the response back.
    pub(crate) fn answered(
        self,
        shared: &Shared,
        route: &str,
        fault: Option<String>,
        response: Response,
    ) -> Response {
        let status = response
            .extensions()
            .get::<DropConnection>()
            .is_none()
            .then(|| response.status().as_u16());
        shared.log.record(LoggedRequest {
            seq: 0,
            received_at: self.received_at,
            method: self.method,
            path: self.path,
            route: route.to_owned(),
            headers: self.headers,
            body: self.body,
            body_len: self.body_len,
            status,
            fault,
        });
        response
    }
}
