//! `--verbose`: the SDK's own tracing (each call with its attempts, retries and outcome) on
//! standard error, one escaped line per event.
//!
//! The SDK records no header but the request id and no body, and its error text is scrubbed of
//! the secrets sent, so nothing here can show a key or a token. What a server sent (a request
//! id, an error title) could still hold characters a terminal acts on: every line is escaped by
//! the workspace's one rule before it is written.

use std::io::{self, Write};

use telnyx_rooms_core::redact::escape_controls;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// The SDK's spans and events at debug level and above: one line per retry, and one when a call
/// ends (operation, room, attempts, status, request id, latency).
const FILTER: &str = "telnyx_rooms=debug";

/// Sends the SDK's tracing to standard error for the rest of the process.
pub(crate) fn enable() {
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(FILTER))
        .with_writer(|| EscapedStderr)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .with_span_events(FmtSpan::CLOSE)
        .finish();
    // Only fails when a subscriber is already set, and then that one serves.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Standard error, each formatted event written as one line with everything a terminal could
/// act on (an embedded newline included) escaped.
struct EscapedStderr;

impl Write for EscapedStderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (line, end) = text
            .strip_suffix('\n')
            .map_or((text.as_ref(), ""), |line| (line, "\n"));
        let escaped = format!("{}{end}", escape_controls(line));
        io::stderr().lock().write_all(escaped.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().lock().flush()
    }
}
