//! Golden files: what users see, compared with the files under `tests/golden/` — the `--help` of
//! every command (found by walking the help itself, so a new command without a file fails) and
//! every output format of every command, with the messages of its main failures.
//!
//! What changes from run to run (tokens, times, request ids, ports, timings) is redacted to a
//! named placeholder (`[JWT]`, `[TIMESTAMP]`, …) by the regexes below; help has nothing to
//! redact. After an intended change:
//! `SNAPSHOTS=overwrite cargo test -p telnyx-rooms-cli golden`, then review the diff
//! (CONTRIBUTING.md, "Golden files of the CLI").

use std::path::{Path, PathBuf};

use regex::Regex;
use snapbox::{Assert, Data, Redactions};
use telnyx_rooms_testkit::hostile::{Hostile, Reply, head};
use telnyx_rooms_testkit::secrets::ROOM;

use crate::binary::{Run, Served, claims, run_with, terminal_safe, unsigned_token};

mod resources;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

const UUID: &str = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/// What a golden file is about, for what varies from run to run in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Varies {
    /// Nothing (help text).
    Nothing,
    /// Request ids, ports, timings, time left; times of tokens made by the test are fixed.
    Run,
    /// Besides those, tokens minted during the run: their times, ids and the mock's account.
    Minted,
}

/// Redactions of what varies, each to a named placeholder; `known` values (ids the test
/// created) to their own.
fn redactions(varies: Varies, known: &[(&'static str, &str)]) -> Redactions {
    let mut redactions = Redactions::new();
    for (placeholder, value) in known {
        redactions
            .insert(
                placeholder,
                Regex::new(&regex::escape(value)).expect("a literal"),
            )
            .expect("a valid placeholder");
    }
    if varies == Varies::Nothing {
        return redactions;
    }
    let mut patterns = vec![
        ("[JWT]", r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*".to_owned()),
        ("[RELATIVE]", r"\((?<redacted>in [0-9a-z ]+|[0-9a-z ]+ ago|now)\)".to_owned()),
        (
            "[SECONDS]",
            r#"(?:seconds left:\s+|"expires_in_secs":|TELNYX_TOKEN_EXPIRES_IN_SECS=)(?<redacted>-?\d+)"#
                .to_owned(),
        ),
        (
            "[REQUEST_ID]",
            format!(
                r#"(?:request id:?\s+|"request_id":"|TELNYX_REQUEST_ID=|request_id="?)(?<redacted>{UUID})"#
            ),
        ),
        ("[PORT]", r"127\.0\.0\.1:(?<redacted>\d+)".to_owned()),
        (
            "[DURATION]",
            r"(?:delay_ms=|latency_ms=|time\.busy=|time\.idle=|attempt allowed )(?<redacted>[0-9.]+[a-zµ]*)".to_owned(),
        ),
    ];
    if varies == Varies::Minted {
        patterns.extend([
            (
                "[TIMESTAMP]",
                r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z".to_owned(),
            ),
            (
                "[TOKEN_ID]",
                format!(r#"(?:token id:\s+|"token_id":"|TELNYX_TOKEN_ID=)(?<redacted>{UUID})"#),
            ),
            ("[ACCOUNT]", format!("telnyx:users:(?<redacted>{UUID})")),
        ]);
    }
    for (placeholder, pattern) in patterns {
        let regex = Regex::new(&pattern).expect("a valid pattern");
        redactions
            .insert(placeholder, regex)
            .expect("a valid placeholder");
    }
    redactions
}

/// `actual` matches the golden file `name` (redacted); an empty stream has no file.
fn assert_golden(name: &str, actual: &str, varies: Varies) {
    assert_golden_knowing(name, actual, varies, &[]);
}

/// [`assert_golden`], with `known` values redacted to their placeholders.
fn assert_golden_knowing(name: &str, actual: &str, varies: Varies, known: &[(&'static str, &str)]) {
    let path = golden_dir().join(name);
    if actual.is_empty() {
        assert!(
            !path.exists(),
            "{name}: the output is empty now; delete the file"
        );
        return;
    }
    Assert::new()
        .action_env(snapbox::assert::DEFAULT_ACTION_ENV)
        // A backslash is output, not a Windows path separator.
        .normalize_paths(false)
        .redact_with(redactions(varies, known))
        .eq(actual, Data::read_from(&path, None));
}

fn assert_run(name: &str, run: &Run, code: i32, varies: Varies) {
    assert_run_knowing(name, run, code, varies, &[]);
}

/// [`assert_run`], with `known` values redacted to their placeholders.
fn assert_run_knowing(
    name: &str,
    run: &Run,
    code: i32,
    varies: Varies,
    known: &[(&'static str, &str)],
) {
    assert_eq!(run.code, code, "{name}: {run:?}");
    assert_golden_knowing(&format!("{name}.stdout"), &run.stdout, varies, known);
    assert_golden_knowing(&format!("{name}.stderr"), &run.stderr, varies, known);
}

const FORMATS: [&str; 3] = ["human", "json", "env"];

fn with_format<'a>(args: &[&'a str], format: &'a str) -> Vec<&'a str> {
    let mut args = args.to_vec();
    args.extend(["--format", format]);
    args
}

/// The subcommands `--help` lists under "Commands:", but `help`.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn golden_help_of_every_command() {
    let mut pending = vec![Vec::<String>::new()];
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = run_with(&args, None, &[]);
        assert_eq!(run.code, 0, "{run:?}");
        let name = ["telnyx-rooms"]
            .into_iter()
            .chain(path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("-");
        assert_golden(&format!("help/{name}.txt"), &run.stdout, Varies::Nothing);
        for sub in subcommands(&run.stdout) {
            let mut deeper = path.clone();
            deeper.push(sub);
            pending.push(deeper);
        }
        seen += 1;
    }
    let files = std::fs::read_dir(golden_dir().join("help"))
        .map(Iterator::count)
        .unwrap_or(0);
    assert_eq!(seen, files, "a help file for a command that is gone");
    assert!(seen >= 7, "the walk found {seen} commands");
}

#[test]
fn golden_token_create_and_refresh_in_every_format() {
    for format in FORMATS {
        let args = with_format(&["token", "create", ROOM, "--mock"], format);
        assert_run(
            &format!("token-create.{format}"),
            &run_with(&args, None, &[]),
            0,
            Varies::Minted,
        );
    }
    let created = run_with(
        &["token", "create", ROOM, "--mock", "--format", "json"],
        None,
        &[],
    );
    for format in FORMATS {
        let args = with_format(&["token", "refresh", ROOM, "--mock"], format);
        assert_run(
            &format!("token-refresh.{format}"),
            &run_with(&args, Some(&created.stdout), &[]),
            0,
            Varies::Minted,
        );
    }
}

/// What a terminal acts on (escape sequences, C1 controls, DEL, a bidirectional override) with
/// what a shell quotes: the hostile text of the goldens.
const HOSTILE_TEXT: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{7f}'$x\u{202e}";

/// `token inspect` of a token valid until 2100, of an expired one (exit 0 all the same: the
/// `expired` field says it), and of one whose claims hold what a terminal acts on (escape
/// sequences, C1 controls, DEL, a bidirectional override): escaped in every format, and exact
/// for JSON parsers and `eval`.
#[test]
fn golden_token_inspect_in_every_format() {
    let hostile_issuer = format!("telnyx{HOSTILE_TEXT}");
    let cases = [
        (
            "token-inspect",
            claims(
                "access",
                4_102_441_200,
                4_102_444_800,
                "telnyx_access_token",
            ),
        ),
        (
            "token-inspect-expired",
            claims(
                "refresh",
                1_619_093_695,
                1_619_093_705,
                "telnyx_access_token",
            ),
        ),
        (
            "token-inspect-hostile",
            claims("access", 4_102_441_200, 4_102_444_800, &hostile_issuer),
        ),
    ];
    for (name, claims) in cases {
        for format in FORMATS {
            let args = with_format(&["token", "inspect"], format);
            let run = run_with(&args, Some(&unsigned_token(&claims)), &[]);
            assert_run(&format!("{name}.{format}"), &run, 0, Varies::Run);
        }
    }
}

#[test]
fn golden_mock_serve_in_every_format() {
    for (format, lines) in [("human", 5), ("json", 1), ("env", 2)] {
        let report = Served::report(format, lines, &[]);
        assert_golden(&format!("mock-serve.{format}.stdout"), &report, Varies::Run);
    }
    // With --api-key the report says only that key is accepted, and never shows it.
    let report = Served::report("human", 5, &["--api-key", "KEY_SERVED_ONLY"]);
    assert!(!report.contains("KEY_SERVED_ONLY"), "{report}");
    assert_golden("mock-serve-api-key.human.stdout", &report, Varies::Run);
}

/// The messages of the main failures, each with its exit code; and `--verbose`.
#[test]
fn golden_failures_and_verbose_output() {
    let created = run_with(
        &["token", "create", ROOM, "--mock", "--format", "json"],
        None,
        &[],
    );
    let access_token = created.json()["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let stale_env = [("TELNYX_REFRESH_TOKEN", access_token.as_str())];
    let no_key = [
        "token",
        "create",
        ROOM,
        "--base-url",
        "http://127.0.0.1:9/v2",
    ];
    let bad_ttl = ["token", "create", ROOM, "--mock", "--token-ttl", "5s"];
    let refresh = ["token", "refresh", ROOM, "--mock"];
    let cases = [
        ("token-create.no-api-key", run_with(&no_key, None, &[]), 2),
        ("token-create.bad-ttl", run_with(&bad_ttl, None, &[]), 2),
        (
            "token-refresh.wrong-kind",
            run_with(&refresh, None, &stale_env),
            3,
        ),
        (
            "token-refresh.stdin-beats-env",
            run_with(&refresh, Some(&created.stdout), &stale_env),
            0,
        ),
        (
            "token-inspect.not-a-token",
            run_with(&["token", "inspect"], Some("not.a-token"), &[]),
            2,
        ),
    ];
    for (name, run, code) in &cases {
        assert_run(name, run, *code, Varies::Minted);
    }

    let served = Served::start(&["--fault", "op=CreateRoomClientToken;status=503;times=1"]);
    let verbose = run_with(
        &["token", "create", ROOM, "--retries", "1", "-v"],
        None,
        &served.env(),
    );
    assert_run("token-create.verbose", &verbose, 0, Varies::Minted);
}

/// `--deadline` bounds a whole call: a server that never finishes its answer ends the call at
/// the deadline (1 s here), with a network failure (exit 4) that says so.
#[test]
fn golden_a_call_ends_at_its_deadline() {
    let server = Hostile::start(|_| Reply::Stream {
        head: head(201, &[("content-type", "application/json")], None),
        chunk: b" ".to_vec(),
        times: 600,
        pause: std::time::Duration::from_millis(100),
    });
    let base_url = server.base_url();
    let run = run_with(
        &["token", "create", ROOM, "--deadline", "1s"],
        None,
        &[
            ("TELNYX_BASE_URL", &base_url),
            ("TELNYX_API_KEY", "KEY_DEADLINE"),
        ],
    );
    assert_run("token-create.deadline", &run, 4, Varies::Run);
    assert_eq!(server.request_count(), 1, "no retry after the deadline");
}
