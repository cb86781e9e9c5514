//! The `known-features` check: every `feature = "…"` in a crate's code, tests, examples and README
//! names a feature that crate declares. A gate on a feature that was renamed or removed does not
//! fail to compile: the code behind it, a doc example included, silently stops being compiled.

use std::collections::BTreeSet;

use super::{Tree, Violation};

/// Reports each `feature = "name"` under `crates/<crate>/` (its `.rs` files and README) whose name
/// is neither in the crate's `[features]` nor one of its optional dependencies.
pub(super) fn known_features(tree: &Tree) -> Vec<Violation> {
    let mut found = Vec::new();
    for manifest in tree.paths(|path| path.starts_with("crates/") && path.ends_with("/Cargo.toml"))
    {
        let dir = manifest.trim_end_matches("Cargo.toml");
        let declared = declared_features(tree.text(manifest));
        let readme = format!("{dir}README.md");
        for path in
            tree.paths(|path| path.starts_with(dir) && (path.ends_with(".rs") || path == readme))
        {
            for (index, line) in tree.text(path).lines().enumerate() {
                for name in gated_features(line) {
                    if !declared.contains(name) {
                        found.push(Violation {
                            path: path.to_owned(),
                            line: index + 1,
                            reason: format!(
                                "`feature = \"{name}\"`: {manifest} declares no such feature, so \
                                 what it gates is never compiled"
                            ),
                        });
                    }
                }
            }
        }
    }
    found
}

/// The features a manifest declares: its `[features]` keys and its optional dependencies (which
/// are features unless a `dep:` entry hides them; counted either way). An unreadable manifest
/// declares nothing.
fn declared_features(manifest: &str) -> BTreeSet<String> {
    let Ok(table) = manifest.parse::<toml::Table>() else {
        return BTreeSet::new();
    };
    let mut names: BTreeSet<String> = table
        .get("features")
        .and_then(toml::Value::as_table)
        .map(|features| features.keys().cloned().collect())
        .unwrap_or_default();
    for section in ["dependencies", "dev-dependencies"] {
        let Some(deps) = table.get(section).and_then(toml::Value::as_table) else {
            continue;
        };
        for (name, spec) in deps {
            if spec.get("optional").and_then(toml::Value::as_bool) == Some(true) {
                names.insert(name.clone());
            }
        }
    }
    names
}

/// The names in each `feature = "name"` of a line (any spacing around `=`).
fn gated_features(line: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("feature") {
        let after = rest[at + "feature".len()..].trim_start();
        rest = &rest[at + "feature".len()..];
        let preceded = line.len() - rest.len() - "feature".len();
        let word_start = line[..preceded]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let Some(value) = after.strip_prefix('=').map(str::trim_start) else {
            continue;
        };
        let Some(value) = value.strip_prefix('"') else {
            continue;
        };
        if let (true, Some(end)) = (word_start, value.find('"')) {
            names.push(&value[..end]);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_are_read_from_code_and_docs() {
        assert_eq!(
            gated_features(r#"#[cfg(feature = "blocking")]"#),
            ["blocking"]
        );
        assert_eq!(
            gated_features(r#"# #[cfg(all(doctest, feature="a", not(feature = "b")))]"#),
            ["a", "b"]
        );
        assert!(gated_features(r#"let features = "x"; // a feature"#).is_empty());
        assert!(gated_features(r#"no_feature = "x""#).is_empty());
    }

    #[test]
    fn a_gate_on_an_undeclared_feature_is_reported() {
        let manifest = "[features]\ndefault = [\"rustls\"]\nrustls = []\n\n\
                        [dependencies]\nextra = { version = \"1\", optional = true }\n";
        let tree = Tree::of([
            ("crates/k/Cargo.toml", manifest),
            (
                "crates/k/README.md",
                "```rust\n# #[cfg(feature = \"client\")]\nfn f() {}\n```\n",
            ),
            (
                "crates/k/src/lib.rs",
                "#[cfg(feature = \"rustls\")]\nmod a;\n#[cfg(feature = \"extra\")]\nmod b;\n",
            ),
            (
                "crates/k/tests/t.rs",
                "#[cfg(feature = \"gone\")]\nfn t() {}\n",
            ),
            (
                "xtask/src/x.rs",
                "#[cfg(feature = \"anything\")]\nfn x() {}\n",
            ),
        ]);
        let found = known_features(&tree);
        let places: Vec<(&str, usize)> = found
            .iter()
            .map(|violation| (violation.path.as_str(), violation.line))
            .collect();
        assert_eq!(
            places,
            [("crates/k/README.md", 2), ("crates/k/tests/t.rs", 1)]
        );
        assert!(found[0].reason.contains("\"client\""), "{}", found[0]);
    }
}
