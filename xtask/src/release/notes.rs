//! Release notes from the changelogs: each published crate's `CHANGELOG.md` (Keep a Changelog)
//! has a section `## [<version>] - <date>` for the version it is at; the notes of a release are
//! those sections, in publishing order.

use anyhow::{Context, Result, bail};

use super::plan::Package;

/// The body of the `## [<version>]` section of a changelog, and the rest of its heading
/// (` - 2026-12-01`, ` - unreleased`).
pub(crate) fn section<'a>(changelog: &'a str, version: &str) -> Option<(&'a str, &'a str)> {
    let heading = format!("## [{version}]");
    let start = changelog
        .match_indices(&heading)
        .map(|(at, _)| at)
        .find(|at| *at == 0 || changelog[..*at].ends_with('\n'))?;
    let after = &changelog[start + heading.len()..];
    let (rest_of_heading, body) = after.split_once('\n').unwrap_or((after, ""));
    let end = body.find("\n## ").map_or(body.len(), |at| at + 1);
    let body = body[..end].split("\n[").next().unwrap_or_default();
    Some((body.trim(), rest_of_heading.trim()))
}

/// Problems with the changelogs of `published`: a missing file or a missing section.
pub(crate) fn problems(published: &[Package]) -> Vec<String> {
    let mut problems = Vec::new();
    for package in published {
        let path = package.dir().join("CHANGELOG.md");
        match std::fs::read_to_string(&path) {
            Err(_) => problems.push(format!("{}: no CHANGELOG.md", package.name)),
            Ok(text) if section(&text, &package.version).is_none() => problems.push(format!(
                "{}: CHANGELOG.md has no `## [{}]` section",
                package.name, package.version
            )),
            Ok(_) => {}
        }
    }
    problems
}

/// The release notes: each crate's section for its version, under its name. Fails when a
/// section is missing, empty or still dated "unreleased" (the release gives it its date).
pub(crate) fn render(published: &[Package]) -> Result<String> {
    let mut notes = String::new();
    for package in published {
        let path = package.dir().join("CHANGELOG.md");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let (name, version) = (&package.name, &package.version);
        let Some((body, dated)) = section(&text, version) else {
            bail!("{name}: CHANGELOG.md has no `## [{version}]` section");
        };
        if body.is_empty() || dated.to_lowercase().contains("unreleased") {
            bail!(
                "{name}: the `## [{version}]` section of CHANGELOG.md is empty or not dated: \
                 write `## [{version}] - YYYY-MM-DD` when releasing"
            );
        }
        notes.push_str(&format!("## {name} {version}\n\n{body}\n\n"));
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANGELOG: &str = "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2027-01-02\n\n### Added\n\n- B.\n\n## [0.1.0] - 2026-12-01\n\n### Added\n\n- A.\n\n[0.2.0]: https://example.invalid/0.2.0\n";

    #[test]
    fn a_version_s_section_is_found_up_to_the_next_heading_or_the_links() {
        assert_eq!(
            section(CHANGELOG, "0.2.0"),
            Some(("### Added\n\n- B.", "- 2027-01-02"))
        );
        assert_eq!(
            section(CHANGELOG, "0.1.0"),
            Some(("### Added\n\n- A.", "- 2026-12-01"))
        );
        assert_eq!(section(CHANGELOG, "0.3.0"), None);
        assert_eq!(section(CHANGELOG, "0.1"), None);
    }

    #[test]
    fn every_published_crate_has_a_section_for_its_version() {
        let workspace = crate::paths::Workspace::of_tests();
        let metadata = super::super::plan::Metadata::read(&workspace).expect("metadata");
        let published = metadata.publish_order().expect("order");
        assert_eq!(problems(&published), Vec::<String>::new());
    }
}
