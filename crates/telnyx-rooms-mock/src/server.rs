//! The HTTP server: configuration, the accept loop, routing from the spec, and the per-request flow.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts as _, Path, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{MethodFilter, MethodRouter};
use chrono::{DateTime, Utc};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use telnyx_rooms_gen::{Operation, operations};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_service::Service as _;
use uuid::Uuid;

use crate::api_error::{ApiError, BAD_REQUEST, ErrorEntry, NOT_FOUND, Source};
use crate::clock::{Clock, SystemClock};
use crate::fault::{FAULT_HEADER, Fault, FaultAction, FaultBook};
use crate::handlers;
use crate::log::{LoggedRequest, RequestLog, UNMATCHED_ROUTE, redact_body, redact_headers};
use crate::token::{Claims, TokenError, TokenKind, TokenSigner};

/// Requests larger than this are refused (the operations' bodies are a few hundred bytes).
const MAX_BODY_BYTES: usize = 64 * 1024;
/// Entries the request log keeps by default.
const DEFAULT_LOG_CAPACITY: usize = 1024;
/// The request id header Telnyx answers with.
const REQUEST_ID_HEADER: &str = "x-request-id";

/// Why the server did not start.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The operating system's random source failed (needed for a random signing key).
    #[error("cannot draw a random signing key: {0}")]
    Random(#[source] std::io::Error),
}

/// Configuration of a [`MockServer`]; [`MockServer::builder`] makes one.
#[derive(Debug)]
pub struct MockServerBuilder {
    addr: SocketAddr,
    signer: Option<TokenSigner>,
    clock: Arc<dyn Clock>,
    faults: Vec<Fault>,
    log_capacity: usize,
    api_key: Option<AcceptedKey>,
    account: Option<Uuid>,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            signer: None,
            clock: Arc::new(SystemClock),
            faults: Vec::new(),
            log_capacity: DEFAULT_LOG_CAPACITY,
            api_key: None,
            account: None,
        }
    }
}

impl MockServerBuilder {
    /// Listens on `addr` (default `127.0.0.1:0`, an ephemeral loopback port).
    #[must_use]
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Signs with the Ed25519 key of this 32-byte seed (default: a random key per server).
    #[must_use]
    pub fn signing_seed(mut self, seed: [u8; 32]) -> Self {
        self.signer = Some(TokenSigner::from_seed(seed));
        self
    }

    /// Signs with a key derived from `passphrase` (SHA-256), so servers given the same passphrase,
    /// in the same or other processes, accept each other's refresh tokens.
    #[must_use]
    pub fn signing_passphrase(mut self, passphrase: &str) -> Self {
        self.signer = Some(TokenSigner::from_passphrase(passphrase));
        self
    }

    /// Reads token times from `clock` (default: the system clock).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Adds a server-level fault; faults are tried in the order added (see [`Fault`]).
    #[must_use]
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Keeps at most `capacity` requests in the log (default 1024; counters are kept regardless).
    #[must_use]
    pub fn log_capacity(mut self, capacity: usize) -> Self {
        self.log_capacity = capacity;
        self
    }

    /// Accepts only this API key (default: any non-empty bearer token).
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(AcceptedKey(key.into()));
        self
    }

    /// The account id tokens name in their grant subject (default: random per server).
    #[must_use]
    pub fn account(mut self, account: Uuid) -> Self {
        self.account = Some(account);
        self
    }

    /// Binds and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<MockServer, StartError> {
        let signer = match self.signer {
            Some(signer) => signer,
            None => TokenSigner::random().map_err(StartError::Random)?,
        };
        let listener = TcpListener::bind(self.addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: self.addr,
            source,
        })?;
        let shared = Arc::new(Shared {
            signer,
            clock: self.clock,
            faults: FaultBook::new(self.faults),
            log: RequestLog::new(self.log_capacity),
            api_key: self.api_key,
            account: self.account.unwrap_or_else(Uuid::new_v4),
        });
        let (shutdown, stopped) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, router(shared.clone()), stopped));
        Ok(MockServer {
            base_url: format!("http://{addr}{}", base_path()),
            addr,
            shared,
            shutdown,
            task,
        })
    }
}

/// A running mock of the Telnyx client-token API; stops when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = telnyx_rooms_mock::start().await?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// assert!(server.base_url().ends_with("/v2"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct MockServer {
    base_url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl MockServer {
    /// A builder for a configured server.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The base URL to give a client, e.g. `http://127.0.0.1:41234/v2`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The logged requests, oldest first (at most the log capacity).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log.entries()
    }

    /// How many requests reached the route of `operation_id` (e.g. `CreateRoomClientToken`), or
    /// [`UNMATCHED_ROUTE`] for requests no route matched. Counts even what the log dropped.
    pub fn attempts(&self, operation_id: &str) -> u64 {
        self.shared.log.attempts(operation_id)
    }

    /// How many requests arrived in total.
    pub fn request_count(&self) -> u64 {
        self.shared.log.total()
    }

    /// Empties the request log and the per-route counters.
    pub fn clear_log(&self) {
        self.shared.log.clear();
    }

    /// Adds a server-level fault while running.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.push(fault);
    }

    /// Removes every server-level fault and resets the per-request fault counters.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Verifies a token as the refresh operation does (signature, kind, validity at the server's
    /// clock, room) and returns its claims.
    pub fn verify_token(
        &self,
        token: &str,
        kind: TokenKind,
        room_id: Uuid,
    ) -> Result<Claims, TokenError> {
        self.shared
            .signer
            .verify(token, kind, room_id, self.shared.clock.now())
    }

    /// Signs `claims` with the server's key: a test forges an expired or foreign-room token with it.
    pub fn sign_claims(&self, claims: &Claims) -> String {
        self.shared.signer.sign(claims)
    }

    /// The server's public key.
    pub fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        self.shared.signer.verifying_key()
    }

    /// Stops accepting and closes open connections.
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
        self.task.abort();
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// State shared by every request of one server.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) signer: TokenSigner,
    pub(crate) clock: Arc<dyn Clock>,
    faults: FaultBook,
    log: RequestLog,
    api_key: Option<AcceptedKey>,
    pub(crate) account: Uuid,
}

/// The one API key a server accepts, if configured; never shown by `Debug`.
struct AcceptedKey(String);

impl std::fmt::Debug for AcceptedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// The path of the spec's server URL (`/v2`), under which every operation path is served.
fn base_path() -> &'static str {
    let url = telnyx_rooms_gen::PROVENANCE.server_url;
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or("", |start| after_scheme[start..].trim_end_matches('/'))
}

fn router(shared: Arc<Shared>) -> Router {
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
        .fallback(unmatched)
        .method_not_allowed_fallback(unmatched)
        .with_state(shared)
}

/// Marks a response that must not be sent: the connection is dropped instead.
#[derive(Debug, Clone, Copy)]
struct DropConnection;

/// The error a connection's service returns to make hyper close it without answering.
#[derive(Debug, thiserror::Error)]
#[error("connection reset by an injected fault")]
struct InjectedReset;

async fn accept_loop(listener: TcpListener, router: Router, stopped: watch::Receiver<bool>) {
    loop {
        let mut stop = stopped.clone();
        let accepted = tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: pause instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        // Responses are small and latency matters more than packet count.
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let mut router = router.clone();
                async move {
                    let response = router
                        .call(request.map(Body::new))
                        .await
                        .unwrap_or_else(|never| match never {});
                    if response.extensions().get::<DropConnection>().is_some() {
                        Err(InjectedReset)
                    } else {
                        Ok(response)
                    }
                }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = stop.wait_for(|stopped| *stopped) => {}
            }
        });
    }
}

/// One request to an operation of the spec, from fault selection to the logged answer.
async fn handle(shared: Arc<Shared>, operation: &'static Operation, request: Request) -> Response {
    let received_at = shared.clock.now();
    let (mut parts, body) = request.into_parts();
    let params = Path::<Vec<(String, String)>>::from_request_parts(&mut parts, &())
        .await
        .map(|Path(params)| params);
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES).await;
    let arrival = Arrival::new(received_at, &parts, &body);

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
    if let Some(delay) = fault.as_ref().and_then(Fault::delay_duration) {
        tokio::time::sleep(delay).await;
    }

    let response = match fault.as_ref().and_then(Fault::action) {
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
            let params = params.unwrap_or_default();
            let raw_body = body.as_ref().map(Bytes::as_ref).unwrap_or_default();
            let outcome = match &body {
                Err(_) => Err(too_large()),
                Ok(_) => crate::validate::validate(
                    operation,
                    &parts.headers,
                    &params,
                    raw_body,
                    shared.api_key.as_ref().map(|key| key.0.as_str()),
                )
                .and_then(|valid| handlers::answer(&shared, operation, &valid)),
            };
            match outcome {
                Ok(data) => success_response(&shared, operation, data, corruption),
                Err(error) => error_response(&shared, &error),
            }
        }
    };
    let mut response = response;
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
    let received_at = shared.clock.now();
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES).await;
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

fn too_large() -> ApiError {
    ApiError::one(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorEntry::new(
            BAD_REQUEST,
            format!("The request body exceeds {MAX_BODY_BYTES} bytes."),
        ),
    )
}

fn error_response(shared: &Shared, error: &ApiError) -> Response {
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

fn json_response(shared: &Shared, status: StatusCode, body: String) -> Response {
    let date = httpdate::fmt_http_date(shared.clock.now().into());
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
struct Arrival {
    received_at: DateTime<Utc>,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<serde_json::Value>,
    body_len: usize,
}

impl Arrival {
    fn new(
        received_at: DateTime<Utc>,
        parts: &axum::http::request::Parts,
        body: &Result<Bytes, axum::Error>,
    ) -> Self {
        let raw = body.as_ref().map(Bytes::as_ref).unwrap_or_default();
        Self {
            received_at,
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            headers: redact_headers(&parts.headers),
            body: redact_body(raw),
            body_len: raw.len(),
        }
    }

    /// Logs the exchange and hands the response back.
    fn answered(
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
