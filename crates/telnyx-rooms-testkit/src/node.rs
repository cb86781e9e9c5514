//! The conformance scripts (`conformance/*.mjs`, driving Telnyx's official Node SDK) run from a
//! test: needs node and `npm ci --prefix conformance`, so the tests that use it are `#[ignore]`d
//! and run by `scripts/test.sh`.

use std::path::Path;
use std::process::Command;

/// Runs `node conformance/<script>` with `env` set, off the async runtime (the server it talks to
/// may run on it); what it printed on standard output. A failure panics with its standard error.
pub async fn run(script: &str, env: &[(&str, &str)]) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../conformance")
        .join(script);
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(path)
            .envs(env)
            .output()
            .expect("node runs")
    })
    .await
    .expect("joins");
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}
