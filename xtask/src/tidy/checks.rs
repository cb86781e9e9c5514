//! The hygiene checks. Each takes the whole tree and returns every violation it finds.

use super::code::{Code, test_files};
use super::lexer::{Kind, Token, tokens};
use super::{Check, Tree, Violation};

/// Every check, in the order `cargo xtask tidy` prints them.
pub(crate) const CHECKS: [Check; 6] = [
    Check {
        name: "one-redaction-constant",
        rule: "`[REDACTED]` is written once in crates/*/src: the REDACTED constant's definition",
        run: redaction_constant,
    },
    Check {
        name: "file-length",
        rule: "no Rust file over 600 lines (generated.rs aside)",
        run: file_length,
    },
    Check {
        name: "function-length",
        rule: "clippy's too_many_lines (80 lines) is on for every crate of the workspace",
        run: function_length,
    },
    Check {
        name: "readme-is-crate-doc",
        rule: "each crate's README is its crate documentation, compiled by rustdoc",
        run: readme_is_crate_doc,
    },
    Check {
        name: "known-features",
        rule: "every `feature = \"…\"` gate names a feature its crate declares",
        run: super::features::known_features,
    },
    Check {
        name: "doc-references",
        rule: "docs cite no issue numbers and no path outside the checkout",
        run: doc_references,
    },
];

/// The one place the redaction marker may be spelled out, and the constant that holds it.
pub(crate) const REDACTION_HOME: &str = "crates/telnyx-rooms-core/src/redact.rs";
const REDACTION_CONSTANT: &str = "REDACTED";
const REDACTION_MARKER: &str = "[REDACTED]";

/// Written by `cargo xtask codegen`; its size follows the spec.
const GENERATED: &str = "crates/telnyx-rooms-gen/src/generated.rs";
pub(crate) const MAX_FILE_LINES: usize = 600;
const MAX_FUNCTION_LINES: i64 = 80;

/// A crate's own source: `crates/<crate>/src/**.rs` (tests, benches and examples are not).
fn is_crate_source(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts.len() >= 4 && parts[0] == "crates" && parts[2] == "src" && path.ends_with(".rs")
}

/// The code of each crate source file that is not test code, by path.
fn crate_logic(tree: &Tree) -> Vec<(&str, Code)> {
    let files = tree.paths(is_crate_source);
    let test = test_files(tree, &files);
    files
        .into_iter()
        .filter(|path| !test.contains(*path))
        .map(|path| (path, Code::of(tree.text(path))))
        .filter(|(_, code)| !code.test_only)
        .collect()
}

fn violation(path: &str, line: usize, reason: impl Into<String>) -> Violation {
    Violation {
        path: path.to_owned(),
        line,
        reason: reason.into(),
    }
}

/// One redaction marker: outside test code, a string literal holding `[REDACTED]` appears once
/// in crates/*/src, as the value of `const REDACTED` in [`REDACTION_HOME`]. Comments and doc
/// examples may show it; tests may assert it.
fn redaction_constant(tree: &Tree) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut defined = false;
    for (path, code) in crate_logic(tree) {
        for (at, token) in code.tokens.iter().enumerate() {
            if !matches!(&token.kind, Kind::Literal(text) if text.contains(REDACTION_MARKER)) {
                continue;
            }
            if path == REDACTION_HOME && !defined && defines(&code.tokens, at, REDACTION_CONSTANT) {
                defined = true;
                continue;
            }
            found.push(violation(
                path,
                token.line,
                format!(
                    "`{REDACTION_MARKER}` spelled out; use the `{REDACTION_CONSTANT}` constant \
                     of {REDACTION_HOME}"
                ),
            ));
        }
    }
    if !defined {
        found.push(violation(
            REDACTION_HOME,
            1,
            format!("no `const {REDACTION_CONSTANT}` holding `{REDACTION_MARKER}` is defined here"),
        ));
    }
    found
}

/// Whether the statement holding the token at `at` is `… const NAME …` (its definition).
fn defines(tokens: &[Token], at: usize, name: &str) -> bool {
    let start = tokens[..at]
        .iter()
        .rposition(|t| t.is_punct(';') || t.is_punct('{') || t.is_punct('}'))
        .map_or(0, |i| i + 1);
    tokens[start..at]
        .windows(2)
        .any(|pair| pair[0].is_ident("const") && pair[1].is_ident(name))
}

/// No Rust file over [`MAX_FILE_LINES`] lines, except the generated client.
fn file_length(tree: &Tree) -> Vec<Violation> {
    tree.paths(|path| path.ends_with(".rs") && path != GENERATED)
        .into_iter()
        .filter_map(|path| {
            let lines = tree.text(path).lines().count();
            (lines > MAX_FILE_LINES).then(|| {
                violation(
                    path,
                    MAX_FILE_LINES + 1,
                    format!(
                        "{lines} lines; a file holds at most {MAX_FILE_LINES}: split it by \
                         responsibility"
                    ),
                )
            })
        })
        .collect()
}

/// Functions are held to [`MAX_FUNCTION_LINES`] by clippy: `too_many_lines` is on in the
/// workspace's lints, clippy.toml sets the threshold, and every member uses the workspace's lints.
fn function_length(tree: &Tree) -> Vec<Violation> {
    let mut found = Vec::new();
    let lint = toml_value(
        tree,
        "Cargo.toml",
        &["workspace", "lints", "clippy", "too_many_lines"],
    );
    let level = lint.as_ref().and_then(|v| {
        v.as_str()
            .or_else(|| v.get("level").and_then(toml::Value::as_str))
    });
    if !matches!(level, Some("warn" | "deny" | "forbid")) {
        found.push(violation(
            "Cargo.toml",
            1,
            "[workspace.lints.clippy] does not turn on `too_many_lines`",
        ));
    }
    let threshold = toml_value(tree, "clippy.toml", &["too-many-lines-threshold"]);
    if threshold.as_ref().and_then(toml::Value::as_integer) != Some(MAX_FUNCTION_LINES) {
        found.push(violation(
            "clippy.toml",
            1,
            format!("`too-many-lines-threshold` is not {MAX_FUNCTION_LINES}"),
        ));
    }
    for manifest in tree.paths(|path| path.ends_with("/Cargo.toml")) {
        let inherits = toml_value(tree, manifest, &["lints", "workspace"]);
        if inherits.as_ref().and_then(toml::Value::as_bool) != Some(true) {
            found.push(violation(
                manifest,
                1,
                "does not use the workspace's lints (`[lints] workspace = true`)",
            ));
        }
    }
    found
}

/// The value at `keys` in the TOML file `path` of the tree, if it parses and has one.
fn toml_value(tree: &Tree, path: &str, keys: &[&str]) -> Option<toml::Value> {
    let mut value: toml::Value = toml::from_str::<toml::Table>(tree.text(path)).ok()?.into();
    for key in keys {
        value = value.get(key)?.clone();
    }
    Some(value)
}

/// Each crate under crates/ has a README.md, and its root (`src/lib.rs`, else `src/main.rs`)
/// takes it as its documentation with `#![doc = include_str!("../README.md")]` and adds no `//!`
/// text of its own: one text, whose examples `cargo test --doc` compiles.
fn readme_is_crate_doc(tree: &Tree) -> Vec<Violation> {
    let mut found = Vec::new();
    for manifest in tree.paths(|path| path.starts_with("crates/") && path.ends_with("/Cargo.toml"))
    {
        let dir = manifest.trim_end_matches("/Cargo.toml");
        let readme = format!("{dir}/README.md");
        if !tree.contains(&readme) {
            found.push(violation(manifest, 1, "the crate has no README.md"));
        }
        let lib = format!("{dir}/src/lib.rs");
        let root = if tree.contains(&lib) {
            lib
        } else {
            format!("{dir}/src/main.rs")
        };
        let all = tokens(tree.text(&root));
        let code: Vec<&Token> = all
            .iter()
            .filter(|t| !matches!(t.kind, Kind::Comment { .. }))
            .collect();
        if !includes_readme(&code) {
            found.push(violation(
                &root,
                1,
                "the crate's docs are not its README: add `#![doc = include_str!(\"../README.md\")]`",
            ));
        }
        for token in &all {
            if matches!(&token.kind, Kind::Comment { text, doc: true } if text.starts_with("//!") || text.starts_with("/*!"))
            {
                found.push(violation(
                    &root,
                    token.line,
                    "crate docs written outside the README; move the text into README.md",
                ));
            }
        }
    }
    found
}

/// Whether the tokens hold `#![doc = include_str!("../README.md")]`.
fn includes_readme(code: &[&Token]) -> bool {
    code.windows(11).any(|w| {
        w[0].is_punct('#')
            && w[1].is_punct('!')
            && w[2].is_punct('[')
            && w[3].is_ident("doc")
            && w[4].is_punct('=')
            && w[5].is_ident("include_str")
            && w[6].is_punct('!')
            && w[7].is_punct('(')
            && w[8].kind == Kind::Literal("\"../README.md\"".to_owned())
            && w[9].is_punct(')')
            && w[10].is_punct(']')
    })
}

/// Markdown files and doc comments cite no issue or pull-request numbers (they mean nothing to a
/// reader of the repository: say what the thing is) and no path outside the checkout.
fn doc_references(tree: &Tree) -> Vec<Violation> {
    let mut found = Vec::new();
    for path in tree.paths(|path| path.ends_with(".md")) {
        for (index, line) in tree.text(path).lines().enumerate() {
            if let Some(reason) = super::prose::bad_reference(line) {
                found.push(violation(path, index + 1, reason));
            }
        }
    }
    for path in tree.paths(|path| path.ends_with(".rs")) {
        for token in tokens(tree.text(path)) {
            let Kind::Comment { text, doc: true } = &token.kind else {
                continue;
            };
            for (offset, line) in text.lines().enumerate() {
                if let Some(reason) = super::prose::bad_reference(line) {
                    found.push(violation(path, token.line + offset, reason));
                }
            }
        }
    }
    found
}
