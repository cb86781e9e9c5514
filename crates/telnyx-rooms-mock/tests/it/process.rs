//! The `telnyx-rooms-mock` binary: serves the API as a separate process, with its options.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use crate::support::{CREATE, REFRESH, ROOM, Started, refused};
use serde_json::json;

/// The binary on an ephemeral port; killed on drop.
struct Process {
    child: Child,
    base_url: String,
}

impl Process {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_telnyx-rooms-mock"))
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .env_remove("TELNYX_MOCK_SEED")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("a stdout pipe"))
            .read_line(&mut line)
            .expect("the base URL line");
        Self {
            child,
            base_url: line.trim().to_owned(),
        }
    }

    /// Kills the process and returns all it wrote to standard error.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let mut stderr = String::new();
        std::io::Read::read_to_string(
            &mut self.child.stderr.take().expect("a stderr pipe"),
            &mut stderr,
        )
        .expect("reads");
        stderr
    }

    /// Asks the process for a token pair with the API key `key` and `body`.
    async fn create(&self, key: &str, body: serde_json::Value) -> reqwest::Response {
        crate::support::http()
            .post(self.url(&CREATE))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .expect("answers")
    }

    fn url(&self, operation: &telnyx_rooms_core::meta::Operation) -> String {
        format!(
            "{}{}",
            self.base_url,
            operation.path.replace("{room_id}", ROOM)
        )
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_binary_serves_with_its_seed_and_faults() {
    let process = Process::start(&[
        "--seed",
        "shared",
        "--fault",
        "op=CreateRoomClientToken;status=503;times=1",
    ]);
    assert!(
        process.base_url.starts_with("http://127.0.0.1:"),
        "{}",
        process.base_url
    );
    assert!(process.base_url.ends_with("/v2"));
    let http = crate::support::http();
    let create = || process.create("KEY", json!({}));
    assert_eq!(create().await.status(), 503);
    let created: serde_json::Value = create().await.json().await.expect("JSON");

    // An in-process server with the same seed accepts the process's refresh token.
    let twin = telnyx_rooms_mock::MockServer::builder()
        .signing_passphrase("shared")
        .started()
        .await;
    let refreshed = http
        .post(crate::support::url(&twin, &REFRESH, ROOM))
        .json(&json!({"refresh_token": created["data"]["refresh_token"]}))
        .send()
        .await
        .expect("answers");
    assert_eq!(refreshed.status(), 201);
}

#[test]
fn the_binary_refuses_bad_options_with_a_usage_error_saying_why() {
    for (args, why) in [
        (["--fault", "status=teapot"], "`status` must be 200..=599"),
        (
            ["--rate-limit", "0/s"],
            "invalid rate limit `0/s`: must be at least 1",
        ),
        (
            ["--api-key", "two words"],
            "the value of --api-key contains whitespace",
        ),
    ] {
        let stderr = refused(&args);
        assert!(stderr.contains(why), "{args:?}: {stderr}");
    }
}

#[tokio::test]
async fn the_binary_defaults_to_the_shared_demo_seed() {
    // `telnyx-rooms mock serve` and `telnyx-rooms --mock` default to the same passphrase (one
    // definition, `ServeOptions`): their tokens are interchangeable with the binary's.
    let process = Process::start(&[]);
    let created: serde_json::Value = process
        .create("KEY", json!({}))
        .await
        .json()
        .await
        .expect("JSON");
    let twin = telnyx_rooms_mock::MockServer::builder()
        .signing_passphrase(telnyx_rooms_mock::DEFAULT_SEED)
        .started()
        .await;
    let refresh_token = created["data"]["refresh_token"].as_str().expect("a token");
    twin.verify_token(
        refresh_token,
        telnyx_rooms_mock::TokenKind::Refresh,
        ROOM.parse().expect("a UUID"),
    )
    .expect("the demo seed signed it");
}

#[tokio::test]
async fn with_log_each_request_is_one_line_on_stderr_without_secrets() {
    let process = Process::start(&[
        "--log",
        "--fault",
        "op=RefreshRoomClientToken;status=503;times=1",
    ]);
    let http = crate::support::http();
    let created: serde_json::Value = process
        .create("KEY_SECRET_LOG", json!({"token_ttl_secs": 60}))
        .await
        .json()
        .await
        .expect("JSON");
    let refresh_token = created["data"]["refresh_token"].as_str().expect("a token");
    for _ in 0..2 {
        http.post(process.url(&REFRESH))
            .json(&json!({"refresh_token": refresh_token}))
            .send()
            .await
            .expect("answers");
    }
    let stderr = process.stop();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(lines[0].ends_with("CreateRoomClientToken 201"), "{stderr}");
    assert!(
        lines[1].contains("RefreshRoomClientToken 503 fault=status=503"),
        "{stderr}"
    );
    assert!(lines[2].ends_with("RefreshRoomClientToken 201"), "{stderr}");
    assert!(
        !stderr.contains("KEY_SECRET_LOG") && !stderr.contains("eyJ"),
        "{stderr}"
    );
}

#[tokio::test]
async fn with_api_key_the_binary_answers_any_other_key_401() {
    let process = Process::start(&["--api-key", "KEY_SERVED_0123"]);
    let create = |key| process.create(key, json!({}));
    let refused = create("KEY_OTHER").await;
    assert_eq!(refused.status(), 401);
    let body: serde_json::Value = refused.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["code"], "10009");
    assert_eq!(create("KEY_SERVED_0123").await.status(), 201);
}

#[test]
fn the_binary_neither_echoes_a_bad_api_key_nor_hides_which_fault_directives_are_valid() {
    let stderr = refused(&["--api-key", "two words"]);
    assert!(
        !stderr.contains("two words"),
        "the key is not echoed: {stderr}"
    );

    let stderr = refused(&["--fault", "bogus"]);
    assert!(stderr.contains("unknown directive `bogus`"), "{stderr}");
    // Every directive the error lists is one the parser takes.
    let listed = stderr
        .split("the directives are ")
        .nth(1)
        .expect("a list of directives");
    let examples = [
        "status=503",
        "retry-after=2",
        "delay=1s",
        "reset",
        "malformed-json",
        "missing-fields",
        "header=x-a:b",
        "times=1",
        "key=k",
        "op=CreateRoomClientToken",
        "chance=10%",
    ];
    for example in examples {
        let name = example.split('=').next().expect("a name");
        assert!(listed.contains(name), "{name} is not listed: {stderr}");
        let fault = if name == "retry-after" {
            format!("status=429;{example}")
        } else {
            example.to_owned()
        };
        let fault = if ["times", "key", "op", "chance"].contains(&name) {
            format!("reset;{fault}")
        } else {
            fault
        };
        assert!(fault.parse::<telnyx_rooms_mock::Fault>().is_ok(), "{fault}");
    }
}

/// Binding a non-loopback address is only attempted: 192.0.2.1 (TEST-NET-1) is on no interface
/// here, so the bind fails after the warning, and no test listens beyond loopback.
#[test]
fn a_non_loopback_address_is_warned_about_and_loopback_is_not() {
    let output = Command::new(env!("CARGO_BIN_EXE_telnyx-rooms-mock"))
        .args(["--addr", "192.0.2.1:0"])
        .env_remove("TELNYX_MOCK_SEED")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warning = stderr.lines().next().unwrap_or_default();
    assert!(
        warning.starts_with(
            "warning: the mock listens on 192.0.2.1:0, which is not a loopback address"
        ),
        "{stderr}"
    );
    assert!(warning.contains("with any API key"), "{warning}");
    assert!(
        warning.contains("the default seed, which is public, so anyone can forge tokens"),
        "{warning}"
    );
    assert!(stderr.contains("cannot listen on 192.0.2.1:0"), "{stderr}");
    assert_eq!(output.status.code(), Some(1));

    let output = Command::new(env!("CARGO_BIN_EXE_telnyx-rooms-mock"))
        .args([
            "--addr",
            "192.0.2.1:0",
            "--api-key",
            "KEY",
            "--seed",
            "private",
        ])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a loopback address"), "{stderr}");
    assert!(
        !stderr.contains("any API key") && !stderr.contains("forge"),
        "{stderr}"
    );

    // On loopback (IPv6 loopback and mapped addresses: the unit tests of `exposure_warning`).
    assert_eq!(Process::start(&[]).stop(), "");
}

#[test]
fn help_says_what_a_non_loopback_address_exposes_and_names_the_api_key_option() {
    let output = Command::new(env!("CARGO_BIN_EXE_telnyx-rooms-mock"))
        .arg("--help")
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(help.contains("Keep it a loopback address"), "{help}");
    assert!(help.contains("forge tokens it accepts"), "{help}");
    assert!(help.contains("--api-key <KEY>"), "{help}");
    assert!(help.contains("Directives: status, retry-after"), "{help}");
}
