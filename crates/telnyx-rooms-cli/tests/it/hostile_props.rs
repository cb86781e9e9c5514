//! Hostile servers, property tests: for any reply a server makes — built from the secrets the client
//! sent, escape sequences, field names, JWTs and arbitrary text, in any status, envelope or
//! header — no secret the client sent appears in any output (SDK `Display`, `Debug`, tracing;
//! the binary's stdout and stderr, `--verbose` included), and nothing server-controlled prints
//! a character a terminal acts on. And for a crafted token's claims: env and JSON output stay
//! exact (bash's `eval`, a JSON parser) and show nothing raw.

use proptest::prelude::*;
use serde_json::{Value, json};
use telnyx_rooms::Client;
use telnyx_rooms_testkit::capture::Captured;
use telnyx_rooms_testkit::hostile::{Hostile, Reply, Request, response};
use telnyx_rooms_testkit::secrets::ROOM;
use telnyx_rooms_testkit::sleep::NoWait;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::binary::{Run, claims, run_with, terminal_safe, unsigned_token};
use crate::resources::{Records, against};

/// The secrets of one case: an API key and a refresh token.
#[derive(Debug, Clone)]
struct Secrets {
    key: String,
    refresh: String,
}

fn secrets() -> impl Strategy<Value = Secrets> {
    (
        "KEY[A-Za-z0-9_]{5,30}",
        prop_oneof![
            "eyJ[A-Za-z0-9_-]{4,30}\\.[A-Za-z0-9_-]{4,30}\\.[A-Za-z0-9_-]{0,20}",
            "[A-Za-z0-9._~+/-]{8,40}"
        ],
    )
        .prop_map(|(key, refresh)| Secrets { key, refresh })
}

/// A piece of server text: a secret, an echo of one, a terminal escape, a field name, or noise.
fn fragment(secrets: &Secrets) -> impl Strategy<Value = String> + use<> {
    let fixed = vec![
        secrets.key.clone(),
        secrets.refresh.clone(),
        format!("Authorization: Bearer {}", secrets.key),
        format!("{{\"refresh_token\":\"{}\"}}", secrets.refresh),
        format!("x{}y", secrets.key),
        "\u{1b}]0;pwned\u{7}".to_owned(),
        "\u{1b}[2J".to_owned(),
        "\n".to_owned(),
        "\r".to_owned(),
        "\u{9b}31m".to_owned(),
        "\u{202e}".to_owned(),
        "refresh_token_expires_at".to_owned(),
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.".to_owned(),
    ];
    prop_oneof![3 => prop::sample::select(fixed), 1 => "\\PC{0,16}", 1 => any::<String>()]
}

fn text(secrets: &Secrets) -> impl Strategy<Value = String> + use<> {
    prop::collection::vec(fragment(secrets), 0..6).prop_map(|parts| parts.concat())
}

/// What the server does with a request.
#[derive(Debug, Clone)]
enum Body {
    Envelope { title: String, detail: String },
    Success { token: String },
    Raw(String),
    Echo,
}

#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    request_id: Option<String>,
    should_retry: Option<&'static str>,
    body: Body,
}

fn answer(secrets: &Secrets) -> impl Strategy<Value = Answer> + use<> {
    let body = prop_oneof![
        (text(secrets), text(secrets)).prop_map(|(title, detail)| Body::Envelope { title, detail }),
        text(secrets).prop_map(|token| Body::Success { token }),
        text(secrets).prop_map(Body::Raw),
        Just(Body::Echo),
    ];
    // Header values: visible ASCII only (anything else is not HTTP).
    let request_id = prop::option::of(prop_oneof![
        Just(secrets.key.clone()),
        Just(format!("req-{}", secrets.refresh)),
        "[!-~]{1,40}",
    ]);
    (
        prop::sample::select(vec![
            200u16, 201, 400, 403, 408, 413, 422, 429, 500, 502, 503,
        ]),
        request_id,
        prop::option::of(prop::sample::select(vec!["true", "false"])),
        body,
    )
        .prop_map(|(status, request_id, should_retry, body)| Answer {
            status,
            request_id,
            should_retry,
            body,
        })
}

fn reply(answer: &Answer, request: &Request) -> Reply {
    let body = match &answer.body {
        Body::Envelope { title, detail } => {
            json!({"errors": [{"code": "1", "title": title, "detail": detail}]}).to_string()
        }
        Body::Success { token } => json!({"data": {
            "token": token, "token_expires_at": "2030-01-01T00:00:00Z",
            "refresh_token": token, "refresh_token_expires_at": "2030-01-01T01:00:00Z"
        }})
        .to_string(),
        Body::Raw(text) => text.clone(),
        Body::Echo => request.echo(),
    };
    let mut headers = vec![("retry-after", "0")];
    if let Some(id) = &answer.request_id {
        headers.push(("x-request-id", id));
    }
    if let Some(value) = answer.should_retry {
        headers.push(("x-should-retry", value));
    }
    response(answer.status, &headers, body.as_bytes())
}

fn serve(answer: &Answer) -> Hostile {
    let answer = answer.clone();
    Hostile::start(move |request| reply(&answer, request))
}

fn assert_clean(sent: &[&str], what: &str, text: &str) -> Result<(), TestCaseError> {
    for secret in sent {
        prop_assert!(!text.contains(secret), "{what} shows a secret: {text}");
    }
    Ok(())
}

/// The secrets a call sent: create sends the key; refresh sends the refresh token (and the
/// client holds the key). The client scrubs what it knows; it cannot know a token it never saw.
fn sent_by(secrets: &Secrets, refresh: bool) -> Vec<&str> {
    let mut sent = vec![secrets.key.as_str()];
    if refresh {
        sent.push(secrets.refresh.as_str());
    }
    sent
}

/// One operation through the SDK, with every output it has: the result's `Display` and
/// `Debug`, and everything `tracing` recorded at TRACE level.
fn sdk_outputs(secrets: &Secrets, server: &Hostile, refresh: bool) -> Vec<String> {
    let captured = Captured::default();
    let subscriber = captured.subscriber(tracing::Level::TRACE, FmtSpan::FULL);
    let client = Client::builder()
        .api_key(&secrets.key)
        .base_url(server.base_url())
        .sleeper(NoWait)
        .build()
        .expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut shown = tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let outcome = if refresh {
                client
                    .refresh_client_token(ROOM, secrets.refresh.as_str())
                    .send()
                    .await
                    .map(|token| format!("{token:?} {:?}", token.request_id()))
            } else {
                client
                    .create_client_token(ROOM)
                    .send()
                    .await
                    .map(|token| format!("{token:?} {:?}", token.request_id()))
            };
            match outcome {
                Ok(debug) => vec![debug],
                Err(error) => vec![error.to_string(), format!("{error:?}")],
            }
        })
    });
    shown.push(captured.text());
    shown
}

/// The binary's runs, each with whether it sent the refresh token: the token commands, a list
/// walk and an action.
fn cli_runs(secrets: &Secrets, server: &Hostile) -> Vec<(bool, Run)> {
    let base_url = server.base_url();
    let env = [
        ("TELNYX_BASE_URL", base_url.as_str()),
        ("TELNYX_API_KEY", secrets.key.as_str()),
    ];
    vec![
        (
            false,
            run_with(
                &["token", "create", ROOM, "--retries", "1", "-v"],
                None,
                &env,
            ),
        ),
        (
            true,
            run_with(
                &["token", "refresh", ROOM, "--retries", "0", "--verbose"],
                Some(&secrets.refresh),
                &env,
            ),
        ),
        (
            false,
            run_with(
                &[
                    "token",
                    "create",
                    ROOM,
                    "--format",
                    "json",
                    "--retries",
                    "0",
                ],
                None,
                &env,
            ),
        ),
        (
            false,
            run_with(
                &["rooms", "list", "--all", "--retries", "0", "--verbose"],
                None,
                &env,
            ),
        ),
        (
            false,
            run_with(
                &[
                    "sessions",
                    "kick",
                    ROOM,
                    "--format",
                    "env",
                    "--retries",
                    "0",
                ],
                None,
                &env,
            ),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_reply_makes_the_sdk_show_a_secret_or_a_control_character(
        (secrets, answer) in secrets().prop_flat_map(|secrets| (Just(secrets.clone()), answer(&secrets))),
    ) {
        let server = serve(&answer);
        for refresh in [false, true] {
            let mut shown = sdk_outputs(&secrets, &server, refresh);
            let traced = shown.pop().expect("the tracing output");
            assert_clean(&sent_by(&secrets, refresh), "tracing", &traced)?;
            for text in &shown {
                assert_clean(&sent_by(&secrets, refresh), "Display/Debug", text)?;
                prop_assert!(!text.chars().any(char::is_control), "{text:?}");
            }
        }
    }

    #[test]
    fn no_reply_makes_the_cli_show_a_secret_or_a_control_character(
        (secrets, answer) in secrets().prop_flat_map(|secrets| (Just(secrets.clone()), answer(&secrets))),
    ) {
        let server = serve(&answer);
        for (refresh, run) in cli_runs(&secrets, &server) {
            prop_assert!([0, 3, 4].contains(&run.code), "{run:?}");
            for stream in [&run.stdout, &run.stderr] {
                assert_clean(&sent_by(&secrets, refresh), "the CLI", stream)?;
                prop_assert!(terminal_safe(stream), "{run:?}");
            }
        }
    }
}

/// Text a crafted token's claim may hold: anything but NUL (which no shell variable can hold;
/// env output refuses it), weighted towards what a terminal acts on and what a shell quotes.
fn claim_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x01-\\x1f\\x7f-\\u{9f}\\u{200b}-\\u{200f}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}'\"\\\\$`!* a-zé]{0,16}",
    ]
    .prop_filter("no NUL", |text| !text.contains('\0'))
}

/// What bash prints running `script` with `input` on its standard input.
fn bash(script: &str, input: &str) -> Vec<u8> {
    let mut shell = std::process::Command::new("bash")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("bash starts");
    let mut stdin = shell.stdin.take().expect("a stdin pipe");
    std::io::Write::write_all(&mut stdin, input.as_bytes()).expect("written");
    drop(stdin);
    let output = shell.wait_with_output().expect("bash finishes");
    assert!(output.status.success(), "bash failed on {input:?}");
    output.stdout
}

/// What bash makes of `env_output`: the value of `variable` after `eval`, as bytes.
fn eval_in_bash(env_output: &str, variable: &str) -> Vec<u8> {
    bash(
        &format!("eval \"$(cat)\" && printf %s \"${variable}\""),
        env_output,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// `token inspect` of a token whose claim holds any text: env output shows nothing a
    /// terminal acts on, and bash's `eval` of it gives back the exact bytes; JSON output too
    /// shows nothing raw, and parses back to the exact text.
    #[test]
    fn env_and_json_output_are_exact_and_terminal_safe(issuer in claim_text()) {
        let token = unsigned_token(&claims("access", 1_700_000_000, 1_700_000_600, &issuer));
        let env = run_with(&["token", "inspect", "--format", "env"], Some(&token), &[]);
        prop_assert_eq!(env.code, 0, "{:?}", env);
        prop_assert!(terminal_safe(&env.stdout), "{:?}", env.stdout);
        prop_assert_eq!(eval_in_bash(&env.stdout, "TELNYX_TOKEN_ISSUER"), issuer.as_bytes());

        let json = run_with(&["token", "inspect", "--format", "json"], Some(&token), &[]);
        prop_assert!(terminal_safe(json.stdout.trim_end()), "{:?}", json.stdout);
        prop_assert_eq!(&json.json()["issuer"], &Value::from(issuer));
    }
}

/// What bash makes of a list's env output: `variable` after `eval` of each line in turn.
fn eval_lines_in_bash(env_output: &str, variable: &str) -> Vec<Vec<u8>> {
    let script = format!(
        "while IFS= read -r line; do eval \"$line\" && printf '%s\\0' \"${variable}\"; done"
    );
    let output = bash(&script, env_output);
    let mut values: Vec<Vec<u8>> = output.split(|b| *b == 0).map(<[u8]>::to_vec).collect();
    values.pop();
    values
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A list whose server text (a room's name) holds any text: one line per item in env
    /// output, each read back exactly by `eval` in a `while read` loop; JSON lines parse back to
    /// the exact text; and no format shows a character a terminal acts on.
    #[test]
    fn any_text_in_a_list_is_one_exact_line_per_item(name in claim_text()) {
        let mut records = Records::with_rooms(2);
        records.rooms[1]["unique_name"] = name.as_str().into();
        let server = Hostile::start(move |request| records.answer(request));

        let env = against(&server, &["rooms", "list", "--format", "env"]);
        prop_assert_eq!(env.code, 0, "{:?}", env);
        prop_assert!(terminal_safe(&env.stdout), "{:?}", env.stdout);
        prop_assert_eq!(
            eval_lines_in_bash(&env.stdout, "TELNYX_ROOM_UNIQUE_NAME"),
            vec![b"room-0".to_vec(), name.as_bytes().to_vec()]
        );

        let json = against(&server, &["rooms", "list", "--format", "json"]);
        let lines: Vec<Value> = json.stdout.lines().map(|line| serde_json::from_str(line).expect("JSON")).collect();
        prop_assert_eq!(&lines[1]["unique_name"], &Value::from(name));
        prop_assert!(terminal_safe(&json.stdout), "{:?}", json.stdout);

        let human = against(&server, &["rooms", "list"]);
        prop_assert_eq!(human.stdout.lines().count(), 4, "{:?}", human);
        prop_assert!(terminal_safe(&human.stdout), "{:?}", human.stdout);
    }
}
