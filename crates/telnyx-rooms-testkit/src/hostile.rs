//! A loopback HTTP/1.1 server that misbehaves on purpose: it answers each request with whatever
//! its reply function builds from that request (echoes, escape sequences, lies about lengths),
//! can stream huge or slow bodies, and records what it received. Loopback only (127.0.0.1).

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The most of a request body the server keeps (the rest is left unread).
const MAX_KEPT_BODY: usize = 1024 * 1024;

/// One request as received: the request line and headers as text, and the body.
#[derive(Debug, Clone)]
pub struct Request {
    /// The request line and headers, as text.
    pub head: String,
    /// The body (at most 1 MiB of it).
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value (the first with that name, any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }

    /// The request line, headers and body as sent, for an echo.
    pub fn echo(&self) -> String {
        format!(
            "{}\r\n\r\n{}",
            self.head,
            String::from_utf8_lossy(&self.body)
        )
    }
}

/// What to send back.
#[derive(Debug)]
pub enum Reply {
    /// These bytes, then close.
    Raw(Vec<u8>),
    /// `head`, then `chunk` written `times` times with `pause` after each, then close; stops
    /// early when the client hangs up.
    Stream {
        /// Status line and headers.
        head: Vec<u8>,
        /// One piece of the body.
        chunk: Vec<u8>,
        /// How many times `chunk` is written.
        times: usize,
        /// The pause after each chunk.
        pause: Duration,
    },
}

/// A complete response with a correct `Content-Length`.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut bytes = head(status, headers, Some(body.len()));
    bytes.extend_from_slice(body);
    Reply::Raw(bytes)
}

/// A status line and headers, with `Content-Length: length` when given (else the body runs
/// until the connection closes).
pub fn head(status: u16, headers: &[(&str, &str)], length: Option<usize>) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {status} Hostile\r\nconnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(length) = length {
        text.push_str(&format!("content-length: {length}\r\n"));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

type ReplyFn = dyn Fn(&Request) -> Reply + Send + Sync;

/// The running server; stops accepting when dropped.
#[derive(Debug)]
pub struct Hostile {
    address: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl Hostile {
    /// Starts a server on an ephemeral loopback port that answers each request with `reply`.
    pub fn start(reply: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().expect("address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let reply: Arc<ReplyFn> = Arc::new(reply);
        let (seen, stopped) = (requests.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (seen, reply) = (seen.clone(), reply.clone());
                std::thread::spawn(move || serve(stream, &seen, reply.as_ref()));
            }
        });
        Self {
            address,
            requests,
            stop,
        }
    }

    /// `http://127.0.0.1:<port>/v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v2", self.address)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("not poisoned").clone()
    }

    /// How many requests were received so far.
    pub fn request_count(&self) -> usize {
        self.requests.lock().expect("not poisoned").len()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.address);
    }
}

fn serve(mut stream: TcpStream, seen: &Mutex<Vec<Request>>, reply: &ReplyFn) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    let answer = reply(&request);
    seen.lock().expect("not poisoned").push(request);
    match answer {
        Reply::Raw(bytes) => {
            let _ = stream.write_all(&bytes);
        }
        Reply::Stream {
            head,
            chunk,
            times,
            pause,
        } => {
            if stream.write_all(&head).is_err() {
                return;
            }
            for _ in 0..times {
                if stream.write_all(&chunk).is_err() {
                    return;
                }
                if !pause.is_zero() {
                    let _ = stream.flush();
                    std::thread::sleep(pause);
                }
            }
        }
    }
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Write);
    // Let the client read to the end before the socket closes.
    let mut rest = [0u8; 1024];
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let _ = stream.read(&mut rest);
}

/// Reads a request head and up to [`MAX_KEPT_BODY`] bytes of its body.
fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    let end = loop {
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 {
            return None;
        }
        bytes.extend_from_slice(&buffer[..read]);
        if let Some(end) = bytes.windows(4).position(|window| window == b"\r\n\r\n") {
            break end;
        }
        if bytes.len() > 1024 * 1024 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let mut body = bytes[end + 4..].to_vec();
    let length = head
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0)
        .min(MAX_KEPT_BODY);
    while body.len() < length {
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&buffer[..read]);
    }
    Some(Request { head, body })
}
