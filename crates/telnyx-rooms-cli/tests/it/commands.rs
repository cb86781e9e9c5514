//! The `telnyx-rooms` binary end to end: spawned as a process against the embedded or a served mock.

use serde_json::Value;
use telnyx_rooms_testkit::secrets::ROOM;

use crate::binary::{Run, Served, run_with, temp_file};
const OTHER_ROOM: &str = "9e2a0cbe-ce66-411e-a1ac-468f0b103c9a";

fn run(args: &[&str]) -> Run {
    run_with(args, None, &[])
}

fn create_json(extra: &[&str]) -> Value {
    let mut args = vec!["token", "create", ROOM, "--format", "json", "--mock"];
    args.extend_from_slice(extra);
    run(&args).assert_ok().json()
}

fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` in {value}"))
}

fn inspect_json(token: &str) -> Value {
    run_with(&["token", "inspect", "--format", "json"], Some(token), &[])
        .assert_ok()
        .json()
}

#[test]
fn create_with_the_embedded_mock_prints_the_token_and_its_expiry() {
    let human = run(&["token", "create", ROOM, "--mock"]);
    human.assert_ok();
    assert!(
        human.stdout.starts_with(&format!(
            "Client token for room {ROOM} (from the embedded mock)\n"
        )),
        "{human:?}"
    );
    for label in [
        "token:",
        "expires at:",
        "refresh token:",
        "refresh expires at:",
        "request id:",
    ] {
        assert!(human.stdout.contains(label), "{label} in {human:?}");
    }
    assert!(
        human.stdout.contains("(in 9m") || human.stdout.contains("(in 10m)"),
        "10 minutes by default: {human:?}"
    );

    let created = create_json(&["--token-ttl", "2m", "--refresh-token-ttl", "90m"]);
    assert_eq!(created["room_id"], ROOM);
    assert_eq!(str_field(&created, "token").split('.').count(), 3);
    let expires = chrono::DateTime::parse_from_rfc3339(str_field(&created, "token_expires_at"))
        .expect("RFC 3339");
    let claims = inspect_json(str_field(&created, "token"));
    assert_eq!(claims["expires_at"], created["token_expires_at"]);
    assert_eq!(
        expires.timestamp()
            - chrono::DateTime::parse_from_rfc3339(str_field(&claims, "issued_at"))
                .expect("RFC 3339")
                .timestamp(),
        120
    );
    let refresh_claims = inspect_json(str_field(&created, "refresh_token"));
    assert_eq!(refresh_claims["kind"], "refresh");
    assert_eq!(
        refresh_claims["expires_at"],
        created["refresh_token_expires_at"]
    );
}

#[test]
fn refresh_takes_the_json_output_of_create_on_stdin() {
    let created = run(&["token", "create", ROOM, "--format", "json", "--mock"]);
    created.assert_ok();
    let refreshed = run_with(
        &[
            "token",
            "refresh",
            ROOM,
            "--token-ttl",
            "30s",
            "--format",
            "json",
            "--mock",
        ],
        Some(&created.stdout),
        &[],
    );
    refreshed.assert_ok();
    let value = refreshed.json();
    assert_eq!(value["room_id"], ROOM);
    assert!(value.get("refresh_token").is_none(), "{value}");
    let claims = inspect_json(str_field(&value, "token"));
    assert_eq!(claims["kind"], "access");
    assert_eq!(claims["room_id"], ROOM);
    assert_eq!(claims["expires_at"], value["token_expires_at"]);
}

#[test]
fn refresh_takes_the_env_output_of_create_or_the_variable() {
    let created = run(&["token", "create", ROOM, "--format", "env", "--mock"]);
    created.assert_ok();
    assert!(
        created
            .stdout
            .lines()
            .all(|line| line.starts_with("TELNYX_") && line.contains('='))
    );
    let refreshed = run_with(
        &["token", "refresh", ROOM, "--format", "env", "--mock"],
        Some(&created.stdout),
        &[],
    );
    refreshed.assert_ok();
    assert!(
        refreshed.stdout.contains("TELNYX_CLIENT_TOKEN=eyJ"),
        "{refreshed:?}"
    );
    assert!(!refreshed.stdout.contains("TELNYX_REFRESH_TOKEN="));

    let refresh_token = created
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("TELNYX_REFRESH_TOKEN="))
        .expect("a refresh token line");
    let from_env = run_with(
        &["token", "refresh", ROOM, "--mock"],
        None,
        &[("TELNYX_REFRESH_TOKEN", refresh_token)],
    );
    from_env.assert_ok();
    assert!(
        from_env
            .stdout
            .starts_with("Refreshed client token for room"),
        "{from_env:?}"
    );
}

#[test]
fn inspect_shows_kind_room_times_and_time_left() {
    let created = create_json(&["--token-ttl", "10m"]);
    let human = run_with(
        &["token", "inspect"],
        Some(str_field(&created, "token")),
        &[],
    );
    human.assert_ok();
    assert!(human.stdout.contains("signature not verified"), "{human:?}");
    assert!(human.stdout.contains("kind:") && human.stdout.contains("access"));
    assert!(human.stdout.contains(ROOM));

    let value = inspect_json(str_field(&created, "token"));
    assert_eq!(value["kind"], "access");
    assert_eq!(value["room_id"], ROOM);
    assert_eq!(value["algorithm"], "Ed25519");
    assert_eq!(value["expired"], false);
    let left = value["expires_in_secs"].as_i64().expect("seconds left");
    assert!((1..=600).contains(&left), "{left}");

    // The whole create output works too; --refresh picks the refresh token.
    let refresh = run_with(
        &["token", "inspect", "--refresh", "--format", "env"],
        Some(&created.to_string()),
        &[],
    );
    refresh.assert_ok();
    assert!(
        refresh.stdout.contains("TELNYX_TOKEN_KIND=refresh\n"),
        "{refresh:?}"
    );
}

#[test]
fn a_served_mock_carries_a_flow_across_processes() {
    let served = Served::start(&[]);
    let env = served.env();
    let created = run_with(&["token", "create", ROOM, "--format", "json"], None, &env);
    created.assert_ok();
    // The refresh needs no API key: give it only the base URL.
    let refreshed = run_with(
        &["token", "refresh", ROOM, "--format", "json"],
        Some(&created.stdout),
        &env[..1],
    );
    refreshed.assert_ok();
    assert_eq!(refreshed.json()["room_id"], ROOM);
}

#[test]
fn the_api_key_file_is_read() {
    let served = Served::start(&[]);
    let key_file = temp_file("e2e-api-key", b"KEY_FROM_FILE\n");
    let key_path = key_file.to_str().expect("a UTF-8 path");
    let created = run_with(
        &["token", "create", ROOM, "--api-key-file", key_path],
        None,
        &[("TELNYX_BASE_URL", served.base_url.as_str())],
    );
    created.assert_ok();
    let missing = run_with(
        &[
            "token",
            "create",
            ROOM,
            "--api-key-file",
            "/nonexistent/key",
        ],
        None,
        &[("TELNYX_BASE_URL", served.base_url.as_str())],
    );
    missing.assert_exit(2);
    assert!(
        missing.stderr.contains("cannot read the API key file"),
        "{missing:?}"
    );
    std::fs::remove_file(&key_file).expect("cleaned up");
}

#[test]
fn usage_errors_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&[], "Usage"),
        (&["token", "create"], "ROOM_ID"),
        (&["token", "create", "not-a-uuid", "--mock"], "not a UUID"),
        (
            &["token", "create", ROOM, "--token-ttl", "5s", "--mock"],
            "--token-ttl = 5 s is outside the range the API accepts (10..=3600 s)",
        ),
        (
            &[
                "token",
                "create",
                ROOM,
                "--refresh-token-ttl",
                "2d",
                "--mock",
            ],
            "--refresh-token-ttl = 172800 s",
        ),
        (
            &["token", "create", ROOM, "--token-ttl", "soon", "--mock"],
            "--token-ttl",
        ),
        (
            &[
                "token",
                "create",
                ROOM,
                "--mock",
                "--base-url",
                "http://127.0.0.1:1/v2",
            ],
            "cannot be used with",
        ),
        (&["token", "refresh", ROOM, "--mock"], "no refresh token"),
        (
            &["token", "inspect", "--base-url", "http://127.0.0.1:1/v2"],
            "unexpected argument '--base-url'",
        ),
        (
            &["token", "refresh", ROOM, "--api-key-file", "key"],
            "unexpected argument '--api-key-file'",
        ),
        (
            &["token", "create", ROOM, "--mock", "--api-key-file", "key"],
            "cannot be used with",
        ),
        (&["token", "inspect"], "standard input is empty"),
        (
            &["token", "create", ROOM, "--api-key", "KEY"],
            "unexpected argument",
        ),
    ];
    for (args, expected) in cases {
        let run = run(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains(expected),
            "{args:?} should mention {expected:?}: {run:?}"
        );
    }
}

#[test]
fn a_missing_api_key_is_a_usage_error_before_any_request() {
    let served = Served::start(&[]);
    let run = run_with(
        &["token", "create", ROOM],
        None,
        &[("TELNYX_BASE_URL", served.base_url.as_str())],
    );
    run.assert_exit(2);
    assert!(run.stderr.contains("TELNYX_API_KEY"), "{run:?}");
}

#[test]
fn a_mock_served_with_an_api_key_refuses_every_other_key() {
    let served = Served::start(&["--api-key", "KEY_SERVED_ONLY"]);
    let [base_url, wrong_key] = served.env();
    let refused = run_with(&["token", "create", ROOM], None, &[base_url, wrong_key]);
    refused.assert_exit(3);
    assert!(refused.stderr.contains("HTTP 401"), "{refused:?}");
    let right_key = ("TELNYX_API_KEY", "KEY_SERVED_ONLY");
    run_with(&["token", "create", ROOM], None, &[base_url, right_key]).assert_ok();
}

#[test]
fn inspect_refuses_what_is_not_a_token() {
    for input in ["garbage", "a.b.c", "{\"token\": 1}"] {
        let run = run_with(&["token", "inspect"], Some(input), &[]);
        run.assert_exit(2);
    }
}

#[test]
fn api_errors_exit_3_with_status_code_title_detail_and_request_id() {
    let created = create_json(&[]);
    // An access token where a refresh token belongs.
    let run = run_with(
        &["token", "refresh", ROOM, "--mock"],
        None,
        &[("TELNYX_REFRESH_TOKEN", str_field(&created, "token"))],
    );
    run.assert_exit(3);
    for expected in [
        "HTTP 403",
        "code 10010",
        "Authorization failed",
        "expected `typ` refresh, got access",
        "request id ",
    ] {
        assert!(run.stderr.contains(expected), "{expected:?} in {run:?}");
    }
    assert_eq!(run.stderr.lines().count(), 1, "one paragraph: {run:?}");
    assert!(
        !run.stderr.contains(str_field(&created, "token")),
        "no token in errors"
    );

    // The refresh token of one room does not refresh another.
    let other = run_with(
        &["token", "refresh", OTHER_ROOM, "--mock"],
        Some(str_field(&created, "refresh_token")),
        &[],
    );
    other.assert_exit(3);
    assert!(other.stderr.contains(OTHER_ROOM), "{other:?}");

    // A mock with another signing key refuses the signature.
    let foreign = run_with(
        &["token", "refresh", ROOM, "--mock", "--seed", "someone-else"],
        Some(str_field(&created, "refresh_token")),
        &[],
    );
    foreign.assert_exit(3);
    assert!(foreign.stderr.contains("signature"), "{foreign:?}");
}

/// `token create` against `served`, without retries.
fn create_without_retries(served: &Served) -> Run {
    run_with(
        &["token", "create", ROOM, "--retries", "0"],
        None,
        &served.env(),
    )
}

#[test]
fn server_errors_and_unusable_answers_exit_3() {
    let run = create_without_retries(&Served::start(&["--fault", "status=503"]));
    run.assert_exit(3);
    assert!(
        run.stderr.contains("HTTP 503") && run.stderr.contains("request id"),
        "{run:?}"
    );

    let malformed = Served::start(&["--fault", "malformed-json"]);
    let run = run_with(&["token", "create", ROOM], None, &malformed.env());
    run.assert_exit(3);
}

#[test]
fn network_errors_exit_4() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("an address").port()
    };
    let closed = format!("http://127.0.0.1:{port}/v2");
    let run = run_with(
        &["token", "create", ROOM, "--retries", "0"],
        None,
        &[
            ("TELNYX_BASE_URL", closed.as_str()),
            ("TELNYX_API_KEY", "KEY"),
        ],
    );
    run.assert_exit(4);
    assert!(run.stderr.contains(&closed), "{run:?}");

    create_without_retries(&Served::start(&["--fault", "reset"])).assert_exit(4);
}

/// `--mock` sends the mock's own key, never `TELNYX_API_KEY`: the embedded mock accepts only
/// its own key, so the call would be refused (401, exit 3) had the environment's been sent.
#[test]
fn the_embedded_mock_never_receives_the_environment_api_key() {
    let run = run_with(
        &["token", "create", ROOM, "--mock"],
        None,
        &[("TELNYX_API_KEY", "KEYlive_real_account_key")],
    );
    run.assert_ok();
    assert!(!run.stdout.contains("KEYlive") && !run.stderr.contains("KEYlive"));
}

/// Like ssh with a private key file: an API key file other users can read is used, with a
/// warning on stderr; a private one gets none.
#[cfg(unix)]
#[test]
fn an_api_key_file_other_users_can_read_gets_a_warning() {
    use std::os::unix::fs::PermissionsExt as _;

    let served = Served::start(&[]);
    let key_file = temp_file("mode-api-key", b"KEY_FROM_FILE\n");
    let path = key_file.to_str().expect("a UTF-8 path");
    let create = |mode: u32| {
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(mode)).expect("chmod");
        run_with(
            &["token", "create", ROOM, "--api-key-file", path],
            None,
            &[("TELNYX_BASE_URL", served.base_url.as_str())],
        )
    };
    let shared = create(0o644);
    shared.assert_ok();
    assert_eq!(
        shared.stderr,
        format!(
            "telnyx-rooms: warning: the API key file {path} is accessible to other users \
             (mode 0644); keep it private: chmod 600 {path}\n"
        )
    );
    assert!(create(0o640).stderr.contains("(mode 0640)"));
    let private = create(0o600);
    private.assert_ok();
    assert_eq!(private.stderr, "", "{private:?}");
    std::fs::remove_file(&key_file).expect("cleaned up");
}
