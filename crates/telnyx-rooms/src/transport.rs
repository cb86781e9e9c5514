//! What went wrong underneath a failure to connect, send or read, named for the error message: a
//! refused or reset connection, a host name that did not resolve, a TLS failure (TLS spoken to a
//! plain-http server, say). The text comes from this machine's stack, not the server, and holds
//! no secret; it is escaped all the same.

use std::error::Error as StdError;
use std::io;

/// The cause of `error`, as a short phrase; `None` when the chain says nothing more.
pub(crate) fn cause(error: &reqwest::Error) -> Option<String> {
    let mut innermost: Option<&(dyn StdError + 'static)> = None;
    let mut current = StdError::source(error);
    while let Some(link) = current {
        if let Some(found) = named(link) {
            return Some(found);
        }
        innermost = Some(link);
        current = link.source();
    }
    let text = innermost?.to_string();
    Some(telnyx_rooms_core::redact::escape_controls(&text).into_owned())
}

/// A cause recognised in one link of the chain.
fn named(link: &(dyn StdError + 'static)) -> Option<String> {
    if link.to_string() == "dns error" {
        let detail = link.source().map(innermost_text);
        return Some(match detail {
            Some(detail) => format!("the host name did not resolve ({detail})"),
            None => "the host name did not resolve".to_owned(),
        });
    }
    let io = link.downcast_ref::<io::Error>()?;
    if let Some(tls) = tls_error(io) {
        return Some(format!("TLS failed: {tls}"));
    }
    let phrase = match io.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused",
        io::ErrorKind::ConnectionReset => "connection reset",
        io::ErrorKind::ConnectionAborted => "connection aborted",
        io::ErrorKind::TimedOut => "timed out",
        io::ErrorKind::UnexpectedEof => "the connection closed early",
        _ => return None,
    };
    Some(phrase.to_owned())
}

/// The rustls error an I/O error carries, however deeply wrapped.
fn tls_error(io: &io::Error) -> Option<String> {
    let mut inner = io.get_ref()?;
    loop {
        #[cfg(feature = "rustls")]
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return Some(tls.to_string());
        }
        match inner
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
        {
            Some(next) => inner = next,
            None => return None,
        }
    }
}

fn innermost_text(error: &(dyn StdError + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    telnyx_rooms_core::redact::escape_controls(&current.to_string()).into_owned()
}
