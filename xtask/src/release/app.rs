//! A user's first minutes, outside the repository: an app that depends on the packaged crates the
//! way `cargo add` writes it, whose `main` is the README's first example copied verbatim, run
//! against a mock served by the packaged CLI.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};

use super::package::{Unpacked, run};
use super::plan::Metadata;
use crate::paths::Workspace;

/// The READMEs whose first Rust example the app runs, and the binary each becomes.
const READMES: [(&str, &str); 2] = [
    ("README.md", "workspace-readme"),
    ("crates/telnyx-rooms/README.md", "facade-readme"),
];

/// What the README tells a user to type to depend on the SDK; the app's manifest says the same.
pub(crate) const INSTALL: [&str; 2] = [
    "cargo add telnyx-rooms",
    "cargo add tokio --features macros,rt-multi-thread",
];

/// What each example prints once its refresh went through.
const DONE: &str = "refreshed until";

/// How long the served mock may take to say where it listens.
const MOCK_START: Duration = Duration::from_secs(30);

/// Builds the app from the packaged crates and runs each README example against a served mock.
pub(crate) fn run_readme_examples(
    workspace: &Workspace,
    metadata: &Metadata,
    unpacked: &Unpacked,
    cli: &Path,
) -> Result<()> {
    let dir = unpacked.root.join("../readme-app");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    for (readme, bin) in READMES {
        let text = std::fs::read_to_string(workspace.root().join(readme))?;
        for line in INSTALL {
            ensure!(
                text.contains(line),
                "{readme} no longer tells users to run `{line}`"
            );
        }
        let example =
            first_rust_example(&text).with_context(|| format!("{readme}: no Rust example"))?;
        std::fs::write(dir.join(format!("{bin}.rs")), example)?;
    }
    std::fs::write(dir.join("Cargo.toml"), app_manifest(metadata, unpacked)?)?;
    std::fs::copy(&unpacked.lock, dir.join("Cargo.lock"))?;
    run(
        unpacked
            .cargo()
            .current_dir(&dir)
            .args(["build", "--bins", "--offline"]),
        "building the README app from the packaged crates",
    )?;
    unpacked.check_lock(&dir.join("Cargo.lock"))?;
    let mock = ServedMock::start(cli)?;
    for (readme, bin) in READMES {
        let output = Command::new(unpacked.target.join("debug").join(bin))
            .env("TELNYX_BASE_URL", &mock.base_url)
            .env("TELNYX_API_KEY", &mock.api_key)
            .output()
            .with_context(|| format!("cannot run {bin}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        // Only the last line: the example prints the (mock) client token before it.
        let done = stdout.lines().find(|line| line.contains(DONE));
        println!("{readme}'s first example: {}", done.unwrap_or("(nothing)"));
        ensure!(
            output.status.success() && done.is_some(),
            "{readme}'s first example failed against the mock ({}):\n{stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// The first fenced Rust block of a Markdown text, as rustdoc compiles it: lines hidden with `# `
/// keep their code.
pub(crate) fn first_rust_example(markdown: &str) -> Option<String> {
    let mut lines = markdown.lines();
    lines.find(|line| {
        line.trim_start()
            .strip_prefix("```")
            .is_some_and(|info| info.split(',').next() == Some("rust"))
    })?;
    let mut code = String::new();
    for line in lines {
        if line.trim_start().starts_with("```") {
            return Some(code);
        }
        let line = match line.trim_start() {
            "#" => "",
            hidden if hidden.starts_with("# ") => &hidden[2..],
            _ => line,
        };
        code.push_str(line);
        code.push('\n');
    }
    None
}

/// `cargo add telnyx-rooms` and `cargo add tokio --features macros,rt-multi-thread`, written out,
/// with the published crates it compiles patched in from their unpacked `.crate` files.
fn app_manifest(metadata: &Metadata, unpacked: &Unpacked) -> Result<String> {
    let facade = unpacked
        .crates
        .iter()
        .find(|(package, _)| package.name == "telnyx-rooms")
        .context("telnyx-rooms is not among the packaged crates")?;
    let mut text = format!(
        "# Written by `cargo xtask package`: a user's app, outside the workspace.\n\
         [package]\nname = \"readme-app\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[workspace]\n\n\
         [dependencies]\ntelnyx-rooms = \"{}\"\n\
         tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n\n",
        facade.0.version
    );
    for (_, bin) in READMES {
        text.push_str(&format!(
            "[[bin]]\nname = \"{bin}\"\npath = \"{bin}.rs\"\n\n"
        ));
    }
    text.push_str("[patch.crates-io]\n");
    let used = normal_closure(metadata, "telnyx-rooms");
    for (package, dir) in unpacked
        .crates
        .iter()
        .filter(|(package, _)| used.contains(&package.name))
    {
        text.push_str(&format!(
            "{} = {{ path = {:?} }}\n",
            package.name,
            dir.display().to_string()
        ));
    }
    Ok(text)
}

/// `root` and the workspace crates it depends on through normal dependencies, by name.
fn normal_closure(metadata: &Metadata, root: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![root.to_owned()];
    while let Some(name) = stack.pop() {
        let Some(package) = metadata
            .packages
            .iter()
            .find(|package| package.name == name)
        else {
            continue;
        };
        if seen.insert(name) {
            let normal = package.dependencies.iter().filter(|dep| dep.kind.is_none());
            stack.extend(normal.map(|dep| dep.name.clone()));
        }
    }
    seen
}

/// `telnyx-rooms mock serve` on an ephemeral loopback port, stopped when dropped.
struct ServedMock {
    child: Child,
    base_url: String,
    api_key: String,
}

impl ServedMock {
    fn start(cli: &Path) -> Result<Self> {
        let mut child = Command::new(cli)
            .args(["mock", "serve", "--addr", "127.0.0.1:0", "--format", "env"])
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", cli.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let mut mock = Self {
            child,
            base_url: String::new(),
            api_key: String::new(),
        };
        while mock.base_url.is_empty() || mock.api_key.is_empty() {
            let Ok(line) = received.recv_timeout(MOCK_START) else {
                bail!("the served mock did not say where it listens within {MOCK_START:?}");
            };
            if let Some(url) = line.strip_prefix("TELNYX_BASE_URL=") {
                mock.base_url = url.to_owned();
            } else if let Some(key) = line.strip_prefix("TELNYX_API_KEY=") {
                mock.api_key = key.to_owned();
            }
        }
        Ok(mock)
    }
}

impl Drop for ServedMock {
    fn drop(&mut self) {
        // Ours alone, by its handle; it may have exited already.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_rust_block_is_taken_with_its_hidden_lines() {
        let markdown = "```sh\ncargo add x\n```\n\n```rust,no_run\n# use a::B;\nfn main() {\n    #\n}\n```\n```rust\nother\n```\n";
        assert_eq!(
            first_rust_example(markdown).as_deref(),
            Some("use a::B;\nfn main() {\n\n}\n")
        );
        assert_eq!(first_rust_example("```rust\nunterminated\n"), None);
        assert_eq!(first_rust_example("```toml\n[a]\n```\n"), None);
    }

    #[test]
    fn the_readmes_say_how_to_install_and_open_with_an_example_that_refreshes() {
        let workspace = Workspace::of_tests();
        for (readme, _) in READMES {
            let text = std::fs::read_to_string(workspace.root().join(readme)).expect("readme");
            for line in INSTALL {
                assert!(text.contains(line), "{readme}: {line}");
            }
            let example = first_rust_example(&text).expect("an example");
            assert!(
                example.contains("Client::from_env()"),
                "{readme}:\n{example}"
            );
            assert!(example.contains(DONE), "{readme}:\n{example}");
        }
    }
}
