//! What one client may hold of the server: time per request head, per body, per idle connection,
//! bytes per request head, and connections in all.
//!
//! A connection that moves no byte for the idle timeout while no request of it is being answered
//! is closed; so is one that has not sent a whole request head within the header read timeout
//! (HTTP/1, which also covers a kept-alive connection waiting for its next request). At the
//! connection cap the server closes its oldest connection that is not being answered before it
//! accepts another, so clients that hold connections open without using them cannot lock out a
//! new one that uses its own. (Oldest, not least recently active: a connection just accepted has
//! not been read yet, while an attacker's may be trickling bytes.)

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Bounds on what clients may hold; [`MockServerBuilder`](crate::MockServerBuilder) sets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) body_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_connections: usize,
}

impl Limits {
    /// Defaults: 10 s for a request head, 10 s for a body, 30 s idle, 512 connections.
    pub(crate) const DEFAULT: Self = Self {
        header_read_timeout: Duration::from_secs(10),
        body_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(30),
        max_connections: 512,
    };
}

/// The largest request head (request line and headers) read, HTTP/1 and HTTP/2 alike; a larger
/// one is answered 431. With the connection cap this bounds what unfinished heads can hold.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The open connections of one server.
#[derive(Debug)]
pub(crate) struct Connections {
    open: Mutex<HashMap<u64, Arc<ConnectionState>>>,
    next_id: AtomicU64,
    closed: Notify,
    epoch: Instant,
}

/// What the server knows of one connection: when a byte last moved, whether a request is being
/// answered, and how to close it.
#[derive(Debug)]
pub(crate) struct ConnectionState {
    /// Milliseconds after [`Connections::epoch`] at which a byte last moved.
    last_active_ms: AtomicU64,
    in_flight: AtomicUsize,
    shed: Notify,
    epoch: Instant,
}

impl Connections {
    pub(crate) fn new() -> Self {
        Self {
            open: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            closed: Notify::new(),
            epoch: Instant::now(),
        }
    }

    /// How many connections are open.
    pub(crate) fn count(&self) -> usize {
        self.lock().len()
    }

    /// Registers a new connection; it is forgotten when the guard drops.
    pub(crate) fn register(self: &Arc<Self>) -> ConnectionGuard {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(ConnectionState {
            last_active_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            shed: Notify::new(),
            epoch: self.epoch,
        });
        state.touch();
        self.lock().insert(id, state.clone());
        ConnectionGuard {
            id,
            connections: self.clone(),
            state,
        }
    }

    /// Waits until fewer than `max` connections are open, closing the oldest one with no request
    /// being answered while there are `max` or more.
    pub(crate) async fn make_room(&self, max: usize) {
        loop {
            let closed = self.closed.notified();
            tokio::pin!(closed);
            closed.as_mut().enable();
            let victim = {
                let open = self.lock();
                if open.len() < max {
                    return;
                }
                open.iter()
                    .filter(|(_, state)| state.in_flight.load(Ordering::Acquire) == 0)
                    .min_by_key(|(id, _)| **id)
                    .map(|(_, state)| state.clone())
            };
            if let Some(victim) = victim {
                victim.shed.notify_one();
            }
            closed.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<ConnectionState>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Keeps a connection registered while its task runs.
#[derive(Debug)]
pub(crate) struct ConnectionGuard {
    id: u64,
    connections: Arc<Connections>,
    state: Arc<ConnectionState>,
}

impl ConnectionGuard {
    pub(crate) fn state(&self) -> &Arc<ConnectionState> {
        &self.state
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.connections.lock().remove(&self.id);
        self.connections.closed.notify_waiters();
    }
}

impl ConnectionState {
    fn touch(&self) {
        let ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_active_ms.fetch_max(ms, Ordering::Relaxed);
    }

    fn last_active(&self) -> Instant {
        self.epoch + Duration::from_millis(self.last_active_ms.load(Ordering::Relaxed))
    }

    /// Marks a request of this connection as being answered until the returned guard drops.
    pub(crate) fn request_started(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(self.clone())
    }

    /// Resolves when the connection must close: idle for `idle` with no request being answered,
    /// or shed to make room for another.
    pub(crate) async fn closing(&self, idle: Duration) {
        let idle_for = async {
            loop {
                tokio::time::sleep_until(self.last_active() + idle).await;
                if self.in_flight.load(Ordering::Acquire) > 0 {
                    // Answering is activity: a slow handler (an injected delay) is not idleness.
                    self.touch();
                } else if self.last_active() + idle <= Instant::now() {
                    return;
                }
            }
        };
        tokio::select! {
            () = idle_for => {}
            () = self.shed.notified() => {}
        }
    }
}

/// A request being answered; see [`ConnectionState::request_started`].
#[derive(Debug)]
pub(crate) struct InFlight(Arc<ConnectionState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A TCP stream that records in its connection's state when a byte last moved.
#[derive(Debug)]
pub(crate) struct TrackedStream {
    stream: TcpStream,
    state: Arc<ConnectionState>,
}

impl TrackedStream {
    pub(crate) fn new(stream: TcpStream, state: Arc<ConnectionState>) -> Self {
        Self { stream, state }
    }
}

impl AsyncRead for TrackedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.state.touch();
        }
        polled
    }
}

impl AsyncWrite for TrackedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.state.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.state.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_closes_after_the_idle_timeout_and_not_while_answering() {
        let connections = Arc::new(Connections::new());
        let guard = connections.register();
        let state = guard.state().clone();
        let started = Instant::now();
        state.closing(Duration::from_secs(5)).await;
        assert_eq!(started.elapsed(), Duration::from_secs(5));

        let answering = state.request_started();
        let closing = state.closing(Duration::from_secs(5));
        tokio::pin!(closing);
        let waited = tokio::time::timeout(Duration::from_secs(60), closing.as_mut()).await;
        assert!(waited.is_err(), "closed while a request was being answered");
        drop(answering);
        let started = Instant::now();
        closing.await;
        assert!(started.elapsed() <= Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn at_the_cap_the_oldest_connection_not_answering_is_shed() {
        let connections = Arc::new(Connections::new());
        let oldest = connections.register();
        tokio::time::advance(Duration::from_secs(1)).await;
        let busy = connections.register();
        let _answering = busy.state().request_started();
        tokio::time::advance(Duration::from_secs(1)).await;
        let newest = connections.register();
        assert_eq!(connections.count(), 3);

        let shed = oldest.state().clone();
        let room = tokio::spawn({
            let connections = connections.clone();
            async move { connections.make_room(3).await }
        });
        // Activity does not save the oldest: a new connection has not been read yet.
        oldest.state().touch();
        // The oldest idle connection is told to close; its task drops the guard.
        shed.closing(Duration::from_secs(3600)).await;
        drop(oldest);
        room.await.expect("make_room returns once there is room");
        assert_eq!(connections.count(), 2);
        drop((busy, newest));
        assert_eq!(connections.count(), 0);
    }
}
