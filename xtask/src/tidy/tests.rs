//! Each check catches what it is for in a small tree, and passes on the checkout itself.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::checks::{MAX_FILE_LINES, REDACTION_HOME};
use super::lexer::{Kind, tokens};
use super::{CHECKS, Tree, Violation};
use crate::paths::Workspace;

const GEN_LIB: &str = "#![doc = include_str!(\"../README.md\")]\npub mod redact;\npub mod time;\n";

/// A tree that passes every check: two crates (one the gen crate, holding the redaction
/// constant and the time module), the workspace's lint settings.
fn clean() -> BTreeMap<&'static str, String> {
    let mut files = BTreeMap::new();
    for (path, text) in [
        (
            "Cargo.toml",
            "[workspace]\n[workspace.lints.clippy]\ntoo_many_lines = \"warn\"\n",
        ),
        ("clippy.toml", "too-many-lines-threshold = 80\n"),
        (
            "README.md",
            "# Project\n\nIssue a token; see CONTRIBUTING.md.\n",
        ),
        ("crates/a/Cargo.toml", "[lints]\nworkspace = true\n"),
        ("crates/a/README.md", "# a\n"),
        (
            "crates/a/src/lib.rs",
            "#![doc = include_str!(\"../README.md\")]\nmod b;\n#[cfg(test)]\nmod proptests;\n",
        ),
        ("crates/a/src/b.rs", "pub fn b() {}\n"),
        (
            "crates/telnyx-rooms-gen/Cargo.toml",
            "[lints]\nworkspace = true\n",
        ),
        ("crates/telnyx-rooms-gen/README.md", "# gen\n"),
        ("crates/telnyx-rooms-gen/src/lib.rs", GEN_LIB),
        (
            REDACTION_HOME,
            "pub const REDACTED: &str = \"[REDACTED]\";\n",
        ),
    ] {
        files.insert(path, text.to_owned());
    }
    files
}

/// What the check `name` finds in the clean tree with `changes` made (added or replaced files).
fn check(name: &str, changes: &[(&'static str, &str)]) -> Vec<Violation> {
    let mut files = clean();
    for (path, text) in changes {
        files.insert(path, (*text).to_owned());
    }
    let tree = Tree::of(files.iter().map(|(path, text)| (*path, text.as_str())));
    let check = CHECKS
        .iter()
        .find(|check| check.name == name)
        .expect("a check of that name");
    (check.run)(&tree)
}

/// The `(path, line)` of each violation.
fn places(violations: &[Violation]) -> Vec<(&str, usize)> {
    violations
        .iter()
        .map(|v| (v.path.as_str(), v.line))
        .collect()
}

#[test]
fn the_clean_tree_passes_every_check() {
    for check in CHECKS {
        let found = self::check(check.name, &[]);
        assert!(found.is_empty(), "{}: {found:?}", check.name);
    }
}

#[test]
fn a_spelled_out_redaction_marker_in_crate_logic_is_reported() {
    let logic = "pub fn f() -> String {\n    format!(\"Bearer [REDACTED]\")\n}\n\
                 /// Prints `[REDACTED]` (a doc comment may say so).\n\
                 pub fn g() -> &'static str { r#\"{\"token\":\"[REDACTED]\"}\"# }\n\
                 // \"[REDACTED]\" in a comment is prose\n\
                 #[cfg(test)]\nmod tests {\n    #[test]\n    fn t() { assert_eq!(x(), \"[REDACTED]\"); }\n}\n";
    let found = check("one-redaction-constant", &[("crates/a/src/b.rs", logic)]);
    assert_eq!(
        places(&found),
        [("crates/a/src/b.rs", 2), ("crates/a/src/b.rs", 5)]
    );
    assert!(
        found[0].reason.contains("use the `REDACTED` constant"),
        "{}",
        found[0]
    );
    assert_eq!(
        found[0].to_string(),
        format!("crates/a/src/b.rs:2: {}", found[0].reason)
    );
}

#[test]
fn test_modules_and_tests_may_spell_the_marker() {
    let found = check(
        "one-redaction-constant",
        &[
            (
                "crates/a/src/proptests.rs",
                "mod more;\nfn t() { assert!(s.contains(\"[REDACTED]\")); }\n",
            ),
            (
                "crates/a/src/proptests/more.rs",
                "const X: &str = \"[REDACTED]\";\n",
            ),
            (
                "crates/a/tests/api.rs",
                "fn t() { assert_eq!(y(), \"[REDACTED]\"); }\n",
            ),
        ],
    );
    assert_eq!(found, []);
}

#[test]
fn a_second_definition_or_a_missing_one_is_reported() {
    let second = check(
        "one-redaction-constant",
        &[(
            "crates/a/src/b.rs",
            "const REDACTED: &str = \"[REDACTED]\";\n",
        )],
    );
    assert_eq!(places(&second), [("crates/a/src/b.rs", 1)]);

    let missing = check(
        "one-redaction-constant",
        &[(
            REDACTION_HOME,
            "pub fn marker() -> &'static str {\n    \"[REDACTED]\"\n}\n",
        )],
    );
    assert_eq!(places(&missing), [(REDACTION_HOME, 2), (REDACTION_HOME, 1)]);
    assert!(
        missing[1].reason.contains("no `const REDACTED`"),
        "{}",
        missing[1]
    );
}

#[test]
fn files_over_the_limit_are_reported_except_the_generated_client() {
    let lines = |n: usize| "// line\n".repeat(n);
    let (at_limit, over) = (lines(MAX_FILE_LINES), lines(MAX_FILE_LINES + 1));
    let found = check(
        "file-length",
        &[
            ("crates/a/src/b.rs", &at_limit),
            ("crates/a/tests/long.rs", &over),
            ("xtask/src/long.rs", &over),
            ("crates/telnyx-rooms-gen/src/generated.rs", &lines(5_000)),
        ],
    );
    assert_eq!(
        places(&found),
        [("crates/a/tests/long.rs", 601), ("xtask/src/long.rs", 601)]
    );
    assert!(found[0].reason.starts_with("601 lines"), "{}", found[0]);
}

#[test]
fn the_function_length_lint_must_be_on_everywhere() {
    let found = check(
        "function-length",
        &[
            (
                "Cargo.toml",
                "[workspace]\n[workspace.lints.clippy]\nall = \"warn\"\n",
            ),
            ("clippy.toml", "too-many-lines-threshold = 120\n"),
            ("crates/a/Cargo.toml", "[package]\nname = \"a\"\n"),
        ],
    );
    assert_eq!(
        places(&found),
        [
            ("Cargo.toml", 1),
            ("clippy.toml", 1),
            ("crates/a/Cargo.toml", 1)
        ]
    );
    let allowed = check(
        "function-length",
        &[(
            "Cargo.toml",
            "[workspace.lints.clippy]\ntoo_many_lines = \"allow\"\n",
        )],
    );
    assert_eq!(places(&allowed), [("Cargo.toml", 1)]);
    let as_table = check(
        "function-length",
        &[(
            "Cargo.toml",
            "[workspace.lints.clippy]\ntoo_many_lines = { level = \"deny\", priority = 1 }\n",
        )],
    );
    assert_eq!(as_table, []);
}

#[test]
fn crate_docs_must_be_the_readme_and_only_it() {
    let found = check(
        "readme-is-crate-doc",
        &[
            ("crates/a/src/lib.rs", "//! Written here instead.\nmod b;\n"),
            ("crates/c/Cargo.toml", "[lints]\nworkspace = true\n"),
            (
                "crates/c/src/main.rs",
                "#![doc = include_str!(\"../README.md\")]\n//! And more here.\nfn main() {}\n",
            ),
        ],
    );
    assert_eq!(
        places(&found),
        [
            ("crates/a/src/lib.rs", 1),
            ("crates/a/src/lib.rs", 1),
            ("crates/c/Cargo.toml", 1),
            ("crates/c/src/main.rs", 2)
        ]
    );
    assert!(found[0].reason.contains("include_str!"), "{}", found[0]);
    assert!(
        found[1].reason.contains("outside the README"),
        "{}",
        found[1]
    );
    assert!(found[2].reason.contains("no README.md"), "{}", found[2]);
}

#[test]
fn issue_numbers_and_outside_paths_in_docs_are_reported() {
    let markdown = "# Title\n\
                    Fixed in issue 12.\n\
                    ## Figures (Issue #5)\n\
                    as promised (#14)\n\
                    see PR 7 and pull request #9\n\
                    curl -o /tmp/spec3.yml URL\n\
                    read ../sh\
                    ared/GUIDE.md\n\
                    in /home/alice/src\n\
                    issue a token; issues with the key; C# and r#\"x\"#; &#123;\n\
                    target/tmp/x, https://example.com/rooms/v2, src/work/x\n\
                    #[derive(Debug)] and ## 2 headings\n";
    let rust = "/// Issue 11, case 4: controls are escaped.\n\
                fn f() -> &'static str { \"issue 12\" } // issue 3, a plain comment\n\
                //! copied from /work/x\n";
    let found = check(
        "doc-references",
        &[
            ("crates/a/README.md", markdown),
            ("crates/a/src/b.rs", rust),
        ],
    );
    assert_eq!(
        places(&found),
        [
            ("crates/a/README.md", 2),
            ("crates/a/README.md", 3),
            ("crates/a/README.md", 4),
            ("crates/a/README.md", 5),
            ("crates/a/README.md", 6),
            ("crates/a/README.md", 7),
            ("crates/a/README.md", 8),
            ("crates/a/src/b.rs", 1),
            ("crates/a/src/b.rs", 3)
        ]
    );
    assert!(found[0].reason.contains("(issue 12)"), "{}", found[0]);
    assert!(found[2].reason.contains("(#14)"), "{}", found[2]);
    assert!(found[4].reason.contains("`/tmp`"), "{}", found[4]);
}

#[test]
fn the_lexer_tells_code_from_comments_and_literals() {
    let text = "let s = r##\"a \"# b\"##; // c\n/* outer /* inner */ still */ 'a: loop {}\n\
                let c = '\\''; let d = b'\"'; let e = \"multi\nline\"; r#type";
    let kinds: Vec<(Kind, usize)> = tokens(text).into_iter().map(|t| (t.kind, t.line)).collect();
    let literals: Vec<(&str, usize)> = kinds
        .iter()
        .filter_map(|(kind, line)| match kind {
            Kind::Literal(text) => Some((text.as_str(), *line)),
            _ => None,
        })
        .collect();
    assert_eq!(
        literals,
        [
            ("r##\"a \"# b\"##", 1),
            ("'\\''", 3),
            ("b'\"'", 3),
            ("\"multi\nline\"", 3)
        ]
    );
    let comments = kinds
        .iter()
        .filter(|(kind, _)| matches!(kind, Kind::Comment { doc: false, .. }))
        .count();
    assert_eq!(comments, 2);
    assert_eq!(
        kinds.last().map(|(kind, line)| (kind.clone(), *line)),
        Some((Kind::Ident("type".to_owned()), 4))
    );
}

#[test]
fn reading_a_checkout_skips_build_output_and_npm_packages() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in [
        ("Cargo.toml", "[workspace]\n"),
        ("README.md", "# x\n"),
        ("crates/a/src/lib.rs", "fn a() {}\n"),
        ("crates/a/notes.txt", "not checked\n"),
        ("target/debug/build/out.rs", "fn generated() {}\n"),
        ("conformance/node_modules/pkg/README.md", "see issue 1\n"),
    ] {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().expect("a parent")).expect("mkdir");
        std::fs::write(file, text).expect("write");
    }
    let tree = Tree::read(&Workspace::at(dir.path())).expect("reads");
    assert_eq!(
        tree.paths(|_| true),
        ["Cargo.toml", "README.md", "crates/a/src/lib.rs"]
    );
    assert!(
        super::run(&Workspace::at(dir.path())).is_err(),
        "the gen crate's constant is missing"
    );
}

/// The checkout itself, read once for all the tests below.
fn checkout() -> &'static Tree {
    static TREE: OnceLock<Tree> = OnceLock::new();
    TREE.get_or_init(|| {
        let workspace = Workspace::of_tests();
        Tree::read(&workspace).expect("the checkout reads")
    })
}

fn assert_checkout_passes(name: &str) {
    let check = CHECKS
        .iter()
        .find(|check| check.name == name)
        .expect("a check of that name");
    let found: Vec<String> = (check.run)(checkout())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        found.is_empty(),
        "{}: {}\n{}",
        check.name,
        check.rule,
        found.join("\n")
    );
}

#[test]
fn the_checkout_has_one_redaction_constant() {
    assert_checkout_passes("one-redaction-constant");
}

#[test]
fn the_checkout_has_no_file_over_the_limit() {
    assert_checkout_passes("file-length");
}

#[test]
fn the_checkout_lints_function_length() {
    assert_checkout_passes("function-length");
}

#[test]
fn the_checkout_uses_its_readmes_as_crate_docs() {
    assert_checkout_passes("readme-is-crate-doc");
}

#[test]
fn the_checkout_docs_cite_no_issue_numbers_or_outside_paths() {
    assert_checkout_passes("doc-references");
}
