//! The server: configuration, start and stop, the accept loop, and what tests can ask it.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_service::Service as _;
use uuid::Uuid;

use crate::fault::{Fault, FaultBook};
use crate::limits::{ConnectionGuard, Connections, Limits, MAX_HEAD_BYTES, TrackedStream};
use crate::log::{LogBounds, LoggedRequest, RequestLog};
use crate::rate_limit::{RateLimit, RateLimiter};
use crate::rooms::State;
use crate::routes::{DropConnection, base_path, router};
use crate::token::{Claims, TokenError, TokenKind, TokenSigner};
use telnyx_rooms_core::Secret;
use telnyx_rooms_core::time::{SharedTimeSource, SystemTimeSource, TimeSource};

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
    time_source: SharedTimeSource,
    faults: Vec<Fault>,
    log: LogBounds,
    limits: Limits,
    rate_limit: Option<RateLimit>,
    api_key: Option<Secret>,
    account: Option<Uuid>,
    fault_seed: Option<u64>,
    demo_room: bool,
    tokens_for_unknown_rooms: bool,
    /// Whether the signing key comes from [`DEFAULT_SEED`](crate::DEFAULT_SEED), which anyone can read.
    public_seed: bool,
    /// Set by [`ServeOptions`](crate::ServeOptions): say on standard error when the address is
    /// not a loopback one.
    pub(crate) warn_if_exposed: bool,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            signer: None,
            time_source: Arc::new(SystemTimeSource),
            faults: Vec::new(),
            log: LogBounds::DEFAULT,
            limits: Limits::DEFAULT,
            rate_limit: None,
            api_key: None,
            account: None,
            fault_seed: None,
            demo_room: true,
            tokens_for_unknown_rooms: false,
            public_seed: false,
            warn_if_exposed: false,
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
        self.public_seed = false;
        self
    }

    /// Signs with a key derived from `passphrase` (SHA-256), so servers given the same passphrase,
    /// in the same or other processes, accept each other's refresh tokens.
    #[must_use]
    pub fn signing_passphrase(mut self, passphrase: &str) -> Self {
        self.signer = Some(TokenSigner::from_passphrase(passphrase));
        self.public_seed = passphrase == crate::DEFAULT_SEED;
        self
    }

    /// Reads token times and the `Date` header from `time_source` (default: the system clock).
    /// Injected delays are real (tokio) time, so tests pausing tokio time control those
    /// separately.
    #[must_use]
    pub fn time_source(mut self, time_source: impl TimeSource) -> Self {
        self.time_source = Arc::new(time_source);
        self
    }

    /// Adds a server-level fault; faults are tried in the order added (see [`Fault`]).
    #[must_use]
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Answers 429 with `Retry-After` beyond this many requests per second (default: no limit).
    #[must_use]
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Keeps at most `capacity` requests in the log (default 1024; counters are kept regardless).
    #[must_use]
    pub fn log_capacity(mut self, capacity: usize) -> Self {
        self.log.entries = capacity;
        self
    }

    /// Keeps at most about `bytes` of requests in the log, oldest dropped first (default 1 MiB;
    /// 0 keeps none). Each entry counts its text: method, path, headers (at most 8 KiB of them)
    /// and body (kept when at most 4 KiB of JSON, else only its length).
    #[must_use]
    pub fn log_bytes(mut self, bytes: usize) -> Self {
        self.log.bytes = bytes;
        self
    }

    /// Also writes one line per request to standard error: sequence number, time, method, path,
    /// route, status and fault; never a header or a body (default: off).
    #[must_use]
    pub fn print_requests(mut self, print: bool) -> Self {
        self.log.print = print;
        self
    }

    /// Closes an HTTP/1 connection that has not sent a whole request head this long after it
    /// opened or after its last answer (default 10 s).
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// Answers 408 to a request whose body has not fully arrived this long after its head
    /// (default 10 s).
    #[must_use]
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_timeout = timeout;
        self
    }

    /// Closes a connection that moved no byte this long while no request of it was being
    /// answered (default 30 s).
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle_timeout = timeout;
        self
    }

    /// Keeps at most `max` connections open (default 512, at least 1): at the cap the oldest
    /// connection with no request being answered is closed before another is accepted.
    #[must_use]
    pub fn max_connections(mut self, max: usize) -> Self {
        self.limits.max_connections = max.max(1);
        self
    }

    /// Accepts only this API key (default: any non-empty bearer token), so a client's handling
    /// of 401 can be tested.
    #[must_use]
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Draws the faults' `chance` from this seed (default: a random one, which
    /// [`MockServer::fault_seed`] tells), so a load test that fails can be replayed.
    #[must_use]
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.fault_seed = Some(seed);
        self
    }

    /// Whether the server starts with [`DEMO_ROOM`](crate::DEMO_ROOM) (default: true), the room
    /// of the README's demos; without it, it starts with no room.
    #[must_use]
    pub fn demo_room(mut self, demo_room: bool) -> Self {
        self.demo_room = demo_room;
        self
    }

    /// Mints and refreshes tokens for any room id, also one no room has (default: false, such a
    /// request is answered 403 as Telnyx does). For tests of many sessions that never look at
    /// rooms.
    #[must_use]
    pub fn tokens_for_unknown_rooms(mut self, any_room: bool) -> Self {
        self.tokens_for_unknown_rooms = any_room;
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
        if self.warn_if_exposed
            && let Some(warning) = crate::options::exposure_warning(
                self.addr,
                self.api_key.is_some(),
                self.public_seed,
            )
        {
            eprintln!("{warning}");
        }
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
        let now = self.time_source.now_utc();
        let shared = Arc::new(Shared {
            signer,
            time_source: self.time_source,
            faults: FaultBook::new(self.faults, self.fault_seed),
            rate_limiter: self.rate_limit.map(RateLimiter::new),
            log: RequestLog::new(self.log),
            api_key: self.api_key,
            account: self.account.unwrap_or_else(Uuid::new_v4),
            limits: self.limits,
            connections: Arc::new(Connections::new()),
            state: Mutex::new(State::new(self.demo_room.then_some(now))),
            tokens_for_unknown_rooms: self.tokens_for_unknown_rooms,
        });
        let (shutdown, stopped) = watch::channel(false);
        let task = tokio::spawn(accept_loop(
            listener,
            router(shared.clone()),
            shared.clone(),
            stopped,
        ));
        Ok(MockServer {
            base_url: format!("http://{addr}{}", base_path()),
            addr,
            shared,
            shutdown,
            task,
        })
    }
}

/// A running mock of the Telnyx Video Rooms API; stops when dropped.
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
    pub(crate) shared: Arc<Shared>,
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
    /// [`UNMATCHED_ROUTE`](crate::UNMATCHED_ROUTE) for requests no route matched. Counts even what the log dropped.
    pub fn attempts(&self, operation_id: &str) -> u64 {
        self.shared.log.attempts(operation_id)
    }

    /// How many connections are open.
    pub fn open_connections(&self) -> usize {
        self.shared.connections.count()
    }

    /// How many requests arrived in total.
    pub fn request_count(&self) -> u64 {
        self.shared.log.total()
    }

    /// How many requests the [rate limit](MockServerBuilder::rate_limit) answered 429.
    pub fn rate_limited(&self) -> u64 {
        self.shared
            .rate_limiter
            .as_ref()
            .map_or(0, RateLimiter::refused)
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

    /// The seed the faults' `chance` is drawn from: print it when a load test fails, and replay
    /// the run with [`MockServerBuilder::fault_seed`].
    pub fn fault_seed(&self) -> u64 {
        self.shared.faults.seed()
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
            .verify(token, kind, room_id, self.shared.time_source.now_utc())
    }

    /// Signs `claims` with the server's key: a test forges an expired or foreign-room token with it.
    pub fn sign_claims(&self, claims: &Claims) -> String {
        self.shared.signer.sign(claims)
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
    pub(crate) time_source: SharedTimeSource,
    pub(crate) faults: FaultBook,
    pub(crate) rate_limiter: Option<RateLimiter>,
    pub(crate) log: RequestLog,
    api_key: Option<Secret>,
    pub(crate) account: Uuid,
    pub(crate) limits: Limits,
    connections: Arc<Connections>,
    /// Rooms, sessions, participants: held briefly per request, never across an await.
    state: Mutex<State>,
    pub(crate) tokens_for_unknown_rooms: bool,
}

impl Shared {
    /// The one API key requests must carry, if the builder set one.
    pub(crate) fn accepted_api_key(&self) -> Option<&str> {
        self.api_key.as_ref().map(Secret::expose)
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
impl Shared {
    /// A server's state without a listener, for tests that call the router in process.
    pub(crate) fn for_tests(
        signer: TokenSigner,
        time_source: SharedTimeSource,
        api_key: &str,
    ) -> Self {
        let now = time_source.now_utc();
        Self {
            signer,
            time_source,
            faults: FaultBook::new(Vec::new(), None),
            rate_limiter: None,
            log: RequestLog::new(LogBounds {
                entries: 16,
                ..LogBounds::DEFAULT
            }),
            api_key: Some(Secret::from(api_key)),
            account: Uuid::nil(),
            limits: Limits::DEFAULT,
            connections: Arc::new(Connections::new()),
            state: Mutex::new(State::new(Some(now))),
            tokens_for_unknown_rooms: false,
        }
    }
}

/// The error a connection's service returns to make hyper close it without answering.
#[derive(Debug, thiserror::Error)]
#[error("connection reset by an injected fault")]
struct InjectedReset;

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    shared: Arc<Shared>,
    stopped: watch::Receiver<bool>,
) {
    let limits = shared.limits;
    loop {
        let mut stop = stopped.clone();
        let accepted = tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            accepted = async {
                shared.connections.make_room(limits.max_connections).await;
                listener.accept().await
            } => accepted,
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
        let guard = shared.connections.register();
        tokio::spawn(serve_connection(
            stream,
            guard,
            router.clone(),
            limits,
            stop,
        ));
    }
}

/// One connection, from its first byte until it ends, idles out, is shed, or the server stops.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    guard: ConnectionGuard,
    router: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let state = guard.state().clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut router = router.clone();
        let answering = state.request_started();
        async move {
            let response = router
                .call(request.map(Body::new))
                .await
                .unwrap_or_else(|never| match never {});
            drop(answering);
            if response.extensions().get::<DropConnection>().is_some() {
                Err(InjectedReset)
            } else {
                Ok(response)
            }
        }
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        // A client that shuts its sending side after the request still gets the answer.
        .half_close(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(MAX_HEAD_BYTES).unwrap_or(u32::MAX));
    let io = TokioIo::new(TrackedStream::new(stream, guard.state().clone()));
    let connection = builder.serve_connection(io, service);
    tokio::select! {
        _ = connection => {}
        () = guard.state().closing(limits.idle_timeout) => {}
        _ = stop.wait_for(|stopped| *stopped) => {}
    }
    drop(guard);
}
