//! Running the `telnyx-rooms` binary in tests: a clean environment, stdin piped, exit code and
//! both streams captured.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdout, Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use telnyx_rooms_core::redact::escape_controls;
use telnyx_rooms_testkit::secrets::ROOM;

/// Whether `text` holds nothing a terminal could act on but line ends: no character the
/// workspace's one rule (`escape_controls`) escapes.
pub(crate) fn terminal_safe(text: &str) -> bool {
    text.split('\n')
        .all(|line| matches!(escape_controls(line), std::borrow::Cow::Borrowed(_)))
}

/// A file named `name` holding `bytes`, in a temporary folder of this test process (the test
/// removes it).
pub(crate) fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("telnyx-rooms-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("written");
    path
}

/// Variables the binary reads; cleared so the developer's own settings never leak into a test.
const ENV_VARS: &[&str] = &[
    "TELNYX_API_KEY",
    "TELNYX_BASE_URL",
    "TELNYX_REFRESH_TOKEN",
    "TELNYX_MOCK_SEED",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err}): {self:?}"))
    }

    pub(crate) fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, 0, "{self:?}");
        self
    }

    pub(crate) fn assert_exit(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "{self:?}");
        assert!(
            self.stdout.is_empty(),
            "nothing on stdout on failure: {self:?}"
        );
        assert!(
            self.stderr.starts_with("telnyx-rooms: ") || code == 2,
            "{self:?}"
        );
        self
    }
}

pub(crate) fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_telnyx-rooms"));
    command.args(args);
    for name in ENV_VARS {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command
}

/// Runs the binary with `stdin` as its standard input (none: an empty, non-terminal stdin).
pub(crate) fn run_with(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
    run_with_bytes(args, stdin.map(str::as_bytes), env)
}

/// [`run_with`] for any bytes; the binary may stop reading early (a bounded read), so what it
/// leaves unread is not an error.
pub(crate) fn run_with_bytes(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Run {
    let mut child = command(args, env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().expect("a stdin pipe");
    let bytes = stdin.unwrap_or_default().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let output = child.wait_with_output().expect("the binary finishes");
    writer.join().expect("the stdin writer ends");
    Run {
        code: output.status.code().expect("an exit code, not a signal"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// `telnyx-rooms mock serve` on an ephemeral port, killed on drop.
pub(crate) struct Served {
    child: Child,
    pub(crate) base_url: String,
}

impl Served {
    /// A served mock with `extra` options; its base URL is read from its env-format report.
    pub(crate) fn start(extra: &[&str]) -> Self {
        let (child, stdout) = spawn_server("env", extra);
        let first = read_lines(stdout, 1);
        let base_url = first
            .trim()
            .strip_prefix("TELNYX_BASE_URL=")
            .unwrap_or_else(|| panic!("the base URL first, got {first:?}"))
            .to_owned();
        Self { child, base_url }
    }

    /// The first `lines` lines `mock serve --format <format> <extra>` prints; the server is then
    /// stopped.
    pub(crate) fn report(format: &str, lines: usize, extra: &[&str]) -> String {
        let (child, stdout) = spawn_server(format, extra);
        let _stopped_on_drop = Self {
            child,
            base_url: String::new(),
        };
        read_lines(stdout, lines)
    }

    /// The base URL and an API key, as a process using the served mock gets them.
    pub(crate) fn env(&self) -> [(&str, &str); 2] {
        [
            ("TELNYX_BASE_URL", self.base_url.as_str()),
            ("TELNYX_API_KEY", "KEY_FROM_ENV"),
        ]
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_server(format: &str, extra: &[&str]) -> (Child, BufReader<ChildStdout>) {
    let mut args = vec!["mock", "serve", "--addr", "127.0.0.1:0", "--format", format];
    args.extend_from_slice(extra);
    let mut child = command(&args, &[])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("a stdout pipe");
    (child, BufReader::new(stdout))
}

/// The next `lines` lines of `stdout`, or what arrived of them when a line takes more than a
/// minute (a server that stopped printing fails the test instead of hanging it).
fn read_lines(stdout: BufReader<ChildStdout>, lines: usize) -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().take(lines) {
            if sender.send(line.expect("a line of the report")).is_err() {
                break;
            }
        }
    });
    let mut text = String::new();
    for _ in 0..lines {
        match receiver.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(line) => text.push_str(&format!("{line}\n")),
            Err(_) => panic!("the server printed only {text:?}"),
        }
    }
    text
}

/// A compact JWT with these claims and a fake signature (`token inspect` does not verify).
pub(crate) fn unsigned_token(claims: &Value) -> String {
    let encode = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    format!(
        "{}.{}.c2lnbmF0dXJl",
        encode(&json!({"alg": "Ed25519", "typ": "JWT"})),
        encode(claims)
    )
}

/// Claims shaped like Telnyx's, for the test room, with these kind, times and issuer.
pub(crate) fn claims(typ: &str, iat: i64, exp: i64, issuer: &str) -> Value {
    json!({
        "aud": "telnyx_access_token",
        "exp": exp,
        "grants": [{
            "actions": ["join"],
            "resources": [format!("telnyx:video:rooms:{ROOM}")],
            "subjects": ["telnyx:users:782b2cbe-8466-4e3f-a4d3-9781eb577e50"],
        }],
        "iat": iat,
        "iss": issuer,
        "jti": "d79be38c-ad54-4d9d-a878-a165c5940d07",
        "nbf": iat - 1,
        "sub": "null",
        "typ": typ,
    })
}
