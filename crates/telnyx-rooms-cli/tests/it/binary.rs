//! Running the `telnyx-rooms` binary in tests: a clean environment, stdin piped, exit code and
//! both streams captured.

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;

/// Variables the binary reads; cleared so the developer's own settings never leak into a test.
const ENV_VARS: &[&str] = &[
    "TELNYX_API_KEY",
    "TELNYX_BASE_URL",
    "TELNYX_REFRESH_TOKEN",
    "TELNYX_MOCK_SEED",
];

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err}): {self:?}"))
    }

    pub fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, 0, "{self:?}");
        self
    }

    pub fn assert_exit(&self, code: i32) -> &Self {
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

pub fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_telnyx-rooms"));
    command.args(args);
    for name in ENV_VARS {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command
}

/// Runs the binary with `stdin` as its standard input (none: an empty, non-terminal stdin).
pub fn run_with(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
    run_with_bytes(args, stdin.map(str::as_bytes), env)
}

/// [`run_with`] for any bytes; the binary may stop reading early (a bounded read), so what it
/// leaves unread is not an error.
pub fn run_with_bytes(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Run {
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
