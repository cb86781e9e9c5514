//! Hostile servers and input, the CLI side: the `telnyx-rooms` binary against a loopback server that lies, echoes
//! and stalls, and against hostile input. Exit codes stay as documented: 2 bad input, 3 API,
//! 4 network.

use std::path::Path;

use telnyx_rooms_testkit::hostile::{Hostile, Reply, Request, head, response};
use telnyx_rooms_testkit::secrets::{API_KEY, REFRESH, ROOM, TOKEN};

use crate::binary::{Run, run_with, run_with_bytes, temp_file, terminal_safe};

fn env(server: &Hostile) -> Vec<(&'static str, String)> {
    vec![
        ("TELNYX_BASE_URL", server.base_url()),
        ("TELNYX_API_KEY", API_KEY.to_owned()),
    ]
}

fn pairs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

/// Runs `args` against `server` with the key in the environment and `stdin`.
fn against(server: &Hostile, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let env = env(server);
    run_with_bytes(args, stdin, &pairs(&env))
}

/// `token create` with the API key read from `key_file`.
fn create_with_key_file(server: &Hostile, key_file: &Path) -> Run {
    let path = key_file.to_str().expect("UTF-8 path");
    against(
        server,
        &["token", "create", ROOM, "--api-key-file", path],
        None,
    )
}

/// `token refresh` without retries; the refresh token comes on stdin.
const REFRESH_ARGS: [&str; 5] = ["token", "refresh", ROOM, "--retries", "0"];

fn created_body(token: &str) -> String {
    format!(
        r#"{{"data":{{"token":"{token}","token_expires_at":"2030-01-01T00:00:00Z","refresh_token":"{REFRESH}","refresh_token_expires_at":"2030-01-01T01:00:00Z"}}}}"#
    )
}

/// No secret anywhere, and nothing a terminal acts on but the line ends.
fn assert_safe(run: &Run) {
    for stream in [&run.stdout, &run.stderr] {
        for secret in [API_KEY, REFRESH] {
            assert!(!stream.contains(secret), "a secret is shown: {run:?}");
        }
        assert!(
            terminal_safe(stream),
            "a character a terminal acts on is shown raw: {run:?}"
        );
    }
}

/// Case 2: a gateway page echoing the request never shows the key or the refresh token.
#[test]
fn echoed_requests_do_not_reach_stderr() {
    let server = Hostile::start(|request: &Request| {
        let page = format!("<html><pre>{}</pre></html>", request.echo());
        response(502, &[("content-type", "text/html")], page.as_bytes())
    });
    let create = against(&server, &["token", "create", ROOM, "--retries", "0"], None);
    create.assert_exit(3);
    assert!(create.stderr.contains("Bearer [REDACTED]"), "{create:?}");
    assert_safe(&create);
    let refresh = against(&server, &REFRESH_ARGS, Some(REFRESH.as_bytes()));
    refresh.assert_exit(3);
    assert_safe(&refresh);
    let echoed: Vec<String> = server.requests().iter().map(Request::echo).collect();
    assert!(echoed[0].contains(API_KEY) && echoed[1].contains(REFRESH));
}

/// Case 4: escape sequences and newlines in error text stay one escaped paragraph.
#[test]
fn escape_sequences_in_errors_are_escaped_on_one_line() {
    let server = Hostile::start(|_| {
        response(
            403,
            &[],
            br#"{"errors":[{"code":"10010","title":"\u001b]0;pwned\u0007\u001b[2JDenied","detail":"first\nsecond\r\u009b31m"}]}"#,
        )
    });
    let run = against(&server, &["token", "create", ROOM], None);
    run.assert_exit(3);
    assert_safe(&run);
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(
        run.stderr.contains("\\u{1b}]0;pwned\\u{7}\\u{1b}[2JDenied"),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("first\\u{a}second\\u{d}\\u{9b}31m"),
        "{run:?}"
    );
}

/// Case 4: a "token" with control characters is refused (exit 3), in every output format.
#[test]
fn tokens_with_control_characters_are_not_printed() {
    let server = Hostile::start(|_| {
        response(
            201,
            &[],
            created_body("eyJa\\u001b]0;x\\u0007.b.c").as_bytes(),
        )
    });
    for format in ["human", "json", "env"] {
        let run = against(
            &server,
            &["token", "create", ROOM, "--format", format],
            None,
        );
        run.assert_exit(3);
        assert_safe(&run);
    }
}

/// Case 5: a huge refresh token on stdin or key file is bad input (exit 2); nothing is sent.
#[test]
fn huge_credentials_are_refused_before_anything_is_sent() {
    let server = Hostile::start(|_| response(201, &[], created_body(TOKEN).as_bytes()));
    for (stdin_len, why) in [
        (
            100 * 1024 * 1024,
            "standard input holds more than 65536 bytes",
        ),
        (
            16 * 1024,
            "standard input: invalid request: refresh_token is 16384 bytes long",
        ),
    ] {
        let run = against(&server, &REFRESH_ARGS, Some(&vec![b'a'; stdin_len]));
        run.assert_exit(2);
        assert!(run.stderr.contains(why), "{run:?}");
    }

    let key_file = temp_file("huge-key", b"");
    std::fs::File::options()
        .write(true)
        .open(&key_file)
        .and_then(|file| file.set_len(100 * 1024 * 1024))
        .expect("a sparse 100 MB file");
    let run = create_with_key_file(&server, &key_file);
    run.assert_exit(2);
    assert!(run.stderr.contains("more than 65536 bytes"), "{run:?}");
    std::fs::remove_file(&key_file).expect("removed");
    assert_eq!(server.request_count(), 0);
}

/// Case 5: a 50 MB success body is an unusable answer (exit 3), read with a cap, not retried.
#[test]
fn a_huge_success_body_is_an_api_error() {
    let server = Hostile::start(|_| Reply::Stream {
        head: head(201, &[("content-type", "application/json")], None),
        chunk: vec![b' '; 64 * 1024],
        times: 800,
        pause: std::time::Duration::ZERO,
    });
    let run = against(&server, &["token", "create", ROOM], None);
    run.assert_exit(3);
    assert!(run.stderr.contains("longer than 65536 bytes"), "{run:?}");
    assert_eq!(server.request_count(), 1);
}

/// Case 6: a key file saved with a byte-order mark and CRLF works; non-token characters are
/// refused naming the source, never the value.
#[test]
fn credentials_are_cleaned_or_refused_naming_their_source() {
    let server = Hostile::start(|_| response(201, &[], created_body(TOKEN).as_bytes()));
    let bom = temp_file("bom-key", format!("\u{feff}{API_KEY}\r\n").as_bytes());
    create_with_key_file(&server, &bom).assert_ok();
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer KEYlive_0123")
    );

    let accented = temp_file("accented-key", "KEYlivé_secret\n".as_bytes());
    let run = create_with_key_file(&server, &accented);
    let path = accented.display();
    run.assert_exit(2);
    assert!(
        run.stderr.contains(&format!("the API key file {path}: ")),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("non-ASCII character at byte 6"),
        "{run:?}"
    );

    let run = run_with(
        &["token", "create", ROOM],
        None,
        &[
            ("TELNYX_BASE_URL", &server.base_url()),
            ("TELNYX_API_KEY", "KEYlivé_secret"),
        ],
    );
    run.assert_exit(2);
    assert!(
        run.stderr
            .contains("the environment variable TELNYX_API_KEY"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("_secret"), "{run:?}");

    let run = against(&server, &REFRESH_ARGS, Some("eyJé_secret.a.b".as_bytes()));
    run.assert_exit(2);
    assert!(run.stderr.contains("standard input: "), "{run:?}");
    assert!(!run.stderr.contains("_secret"), "{run:?}");
    assert_eq!(server.request_count(), 1, "only the clean key was sent");
    for file in [bom, accented] {
        std::fs::remove_file(file).expect("removed");
    }
}
