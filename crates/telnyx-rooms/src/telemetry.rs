//! The `tracing` span of each call: operation, the id in its path (`room_id`, `room_session_id`
//! or `room_participant_id`), attempt, status, latency, request id.
//!
//! Only these fields are recorded: never a header value other than the request id, never a body,
//! so no key or token can reach a log through this crate.

use std::time::Duration;

use telnyx_rooms_core::meta::Operation;
use tracing::Span;
use tracing::field::Empty;
use uuid::Uuid;

/// The `tracing` target of every span and event of this crate.
pub const TARGET: &str = "telnyx_rooms";

/// Opens the span of one call (all its attempts), with the id in the operation's path (a room,
/// session or participant) under the path parameter's name.
pub(crate) fn call_span(operation: &Operation, id: Option<Uuid>) -> Span {
    let span = tracing::info_span!(
        target: TARGET,
        "telnyx_rooms.call",
        operation = operation.operation_id,
        room_id = Empty,
        room_session_id = Empty,
        room_participant_id = Empty,
        attempt = Empty,
        status = Empty,
        request_id = Empty,
        latency_ms = Empty,
    );
    if let (Some(id), Some(param)) = (id, operation.path_params.first())
        && !span.is_disabled()
    {
        span.record(param.name, tracing::field::display(id));
    }
    span
}

/// Records the number of the attempt about to start.
pub(crate) fn record_attempt(span: &Span, attempt: u32) {
    if !span.is_disabled() {
        span.record("attempt", attempt);
    }
}

/// Records the status and request id of the response an attempt received.
pub(crate) fn record_response(span: &Span, status: Option<u16>, request_id: Option<&str>) {
    if span.is_disabled() {
        return;
    }
    if let Some(status) = status {
        span.record("status", status);
    }
    if let Some(request_id) = request_id {
        span.record("request_id", request_id);
    }
}

/// Records the call's total latency, retries and waits included.
pub(crate) fn record_latency(span: &Span, latency: Duration) {
    span.record("latency_ms", latency.as_secs_f64() * 1000.0);
}
