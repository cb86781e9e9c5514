//! The `spec diff` report: grouped by axis for people, one JSON document for tools.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use serde_json::json;

use super::change::{Change, Rust, Wire};
use super::contract::Contract;
use super::facade::Facade;
use super::regeneration::Regeneration;

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Grouped by axis and verdict, one line per change.
    Human,
    /// `{"from", "to", "operations", "summary", "wire": {…}, "rust": {…}, "regeneration": {…},
    /// "facade": {…}}`.
    Json,
    /// The body of the spec-drift workflow's pull request: the verdicts, what stops
    /// regeneration (naming the overlay to fix), and the human report.
    Markdown,
}

/// The two revisions compared: each as the path given and its contract, and what regenerating
/// from the newer one meets.
#[derive(Debug)]
pub(crate) struct Revisions<'a> {
    pub(crate) old: (&'a Path, &'a Contract),
    pub(crate) new: (&'a Path, &'a Contract),
    pub(crate) regeneration: &'a Regeneration,
}

/// The wire buckets: verdict, JSON key, heading.
const WIRE: [(Wire, &str, &str); 3] = [
    (Wire::Breaking, "breaking", "breaking"),
    (Wire::NonBreaking, "non_breaking", "non-breaking"),
    (Wire::None, "cosmetic", "cosmetic, no change on the wire"),
];

/// The Rust buckets: verdict, JSON key, heading; the first is shown only when it holds changes.
const RUST: [(Rust, &str, &str); 3] = [
    (Rust::Refused, "refused", "codegen will refuse"),
    (Rust::Breaking, "breaking", "breaking"),
    (Rust::Additive, "additive", "additive"),
];

/// Kinds whose Rust-visible effect is a generated type taking another name.
const RENAMES: [&str; 4] = [
    "schema-renamed",
    "ref-inlined",
    "ref-extracted",
    "operation-renamed",
];

/// Renders the report of `changes`.
pub(crate) fn render(
    format: Format,
    revisions: &Revisions<'_>,
    changes: &[Change],
    facade: &Facade,
) -> Result<String> {
    match format {
        Format::Json => {
            let side = |(path, contract): (&Path, &Contract)| json!({"file": path.display().to_string(), "openapi": contract.openapi});
            let entries = |keep: &dyn Fn(&Change) -> bool| {
                let picked: Vec<&Change> = changes.iter().filter(|change| keep(change)).collect();
                serde_json::to_value(picked)
            };
            let mut wire = serde_json::Map::new();
            for (verdict, key, _) in WIRE {
                wire.insert(key.into(), entries(&|change| change.wire == verdict)?);
            }
            let mut rust = serde_json::Map::new();
            for (verdict, key, _) in RUST {
                rust.insert(key.into(), entries(&|change| change.rust == verdict)?);
            }
            let mut regeneration = serde_json::to_value(revisions.regeneration)?;
            regeneration["fails"] = revisions.regeneration.fails().into();
            let report = json!({
                "from": side(revisions.old),
                "to": side(revisions.new),
                "operations": operations(revisions),
                "summary": summary(changes, revisions.regeneration),
                "wire": wire,
                "rust": rust,
                "regeneration": regeneration,
                "facade": {"touched": facade.touched(), "detail": facade.describe()},
            });
            Ok(format!("{}\n", serde_json::to_string_pretty(&report)?))
        }
        Format::Human => human(revisions, changes, facade),
        Format::Markdown => markdown(revisions, changes, facade),
    }
}

/// The pull request body: text from the documents stays inside code blocks (fenced longer than
/// any run of backticks in it), so it cannot format, link or close anything.
fn markdown(revisions: &Revisions<'_>, changes: &[Change], facade: &Facade) -> Result<String> {
    let regeneration = revisions.regeneration;
    let mut out = String::new();
    writeln!(out, "**{}**\n", summary(changes, regeneration))?;
    writeln!(
        out,
        "- **wire** (what Telnyx sends or accepts): a breaking change needs a major version of the SDK."
    )?;
    writeln!(
        out,
        "- **rust** (the public API of `telnyx-rooms-gen`): a breaking change needs a major version of that crate."
    )?;
    writeln!(out, "- **facade** (`telnyx-rooms`): {}", facade.describe())?;
    if regeneration.fails() {
        let mut overlays: Vec<&str> = (regeneration.problems.iter())
            .filter_map(|problem| problem.overlay.as_deref())
            .collect();
        overlays.dedup();
        let fix = match overlays.as_slice() {
            [] => "see below".to_string(),
            names => format!("fix `{}` in `openapi/overlays/`", names.join("`, `")),
        };
        writeln!(out, "- **regeneration** will fail: {fix}.")?;
        writeln!(
            out,
            "\n**Regeneration will fail; fix this before merging:**\n"
        )?;
        let problems: Vec<String> = (regeneration.problems.iter())
            .map(|problem| printable(&problem.detail))
            .collect();
        out.push_str(&code_block(&problems.join("\n")));
    }
    writeln!(
        out,
        "\n`cargo xtask spec diff` against the vendored revision says:\n"
    )?;
    out.push_str(&code_block(&human(revisions, changes, facade)?));
    Ok(out)
}

/// `text` in a fenced code block whose fence is longer than any backtick run inside it.
fn code_block(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{}\n{fence}\n", text.trim_end_matches('\n'))
}

fn human(revisions: &Revisions<'_>, changes: &[Change], facade: &Facade) -> Result<String> {
    let mut out = String::new();
    let operations = operations(revisions);
    let ((old_path, old), (new_path, new)) = (revisions.old, revisions.new);
    let title = format!(
        "Contract of {} in-scope operations ({}): {} (OpenAPI {}) → {} (OpenAPI {})",
        operations.len(),
        operations.join(", "),
        old_path.display(),
        old.openapi,
        new_path.display(),
        new.openapi
    );
    writeln!(out, "{}", printable(&title))?;
    writeln!(out, "{}", summary(changes, revisions.regeneration))?;
    let width = changes
        .iter()
        .map(|change| change.operation.len())
        .max()
        .unwrap_or(0);
    let section = |out: &mut String, heading: &str, keep: &dyn Fn(&Change) -> bool| {
        let picked: Vec<&Change> = changes.iter().filter(|change| keep(change)).collect();
        writeln!(out, "  {heading} ({}):", picked.len())?;
        for change in picked {
            let (operation, location) = (&change.operation, &change.location);
            let line = format!(
                "{operation:width$}  {location}: {} [{}]",
                change.detail, change.kind
            );
            writeln!(out, "    {}", printable(&line))?;
        }
        anyhow::Ok(())
    };
    writeln!(out, "\nwire: what Telnyx sends or accepts")?;
    for (verdict, _, heading) in WIRE {
        section(&mut out, heading, &|change| change.wire == verdict)?;
    }
    writeln!(out, "\nrust: the public API of telnyx-rooms-gen")?;
    for (index, (verdict, _, heading)) in RUST.into_iter().enumerate() {
        if index > 0 || changes.iter().any(|change| change.rust == verdict) {
            section(&mut out, heading, &|change| change.rust == verdict)?;
        }
    }
    regeneration(&mut out, revisions.regeneration)?;
    writeln!(
        out,
        "\nfacade (telnyx-rooms): {}",
        printable(&facade.describe())
    )?;
    Ok(out)
}

/// The regeneration section: the overlays applied, those left out, and what makes codegen fail.
fn regeneration(out: &mut String, regeneration: &Regeneration) -> Result<()> {
    writeln!(
        out,
        "\nregeneration: what `cargo xtask codegen` meets on the new revision"
    )?;
    let applied = match regeneration.overlays.is_empty() {
        true => "none".to_string(),
        false => regeneration.overlays.join(", "),
    };
    writeln!(
        out,
        "  overlays applied to both revisions: {}",
        printable(&applied)
    )?;
    for note in &regeneration.notes {
        writeln!(out, "  {}", printable(note))?;
    }
    if !regeneration.fails() {
        writeln!(
            out,
            "  no obstacle found: every overlay applies, and codegen's checks before progenitor pass"
        )?;
        return Ok(());
    }
    writeln!(out, "  will fail ({}):", regeneration.problems.len())?;
    for problem in &regeneration.problems {
        writeln!(out, "    {}", printable(&problem.detail))?;
    }
    Ok(())
}

/// `text` with control characters escaped: names and values come from the documents compared,
/// and a terminal must not act on them (nor a line break in a name start a fake report line).
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

/// The in-scope operations of both revisions, old ones first.
fn operations<'a>(revisions: &Revisions<'a>) -> Vec<&'a str> {
    let mut operations: Vec<&str> = revisions
        .old
        .1
        .operations
        .iter()
        .map(|op| op.id.as_str())
        .collect();
    for op in &revisions.new.1.operations {
        if !operations.contains(&op.id.as_str()) {
            operations.push(&op.id);
        }
    }
    operations
}

/// Both verdicts in a line, e.g. `wire: unchanged; rust: 1 rename` (a pull request's title), and
/// `; regeneration will fail` when it will.
///
/// The wire counts changes; the Rust side counts distinct API changes: a type renamed is one
/// rename however many places show it (a shared component), and an operation codegen refuses is
/// counted once.
pub(crate) fn summary(changes: &[Change], regeneration: &Regeneration) -> String {
    let count = |verdict: Wire| {
        changes
            .iter()
            .filter(|change| change.wire == verdict)
            .count()
    };
    let wire = parts(&[
        (count(Wire::Breaking), "breaking", "breaking"),
        (count(Wire::NonBreaking), "non-breaking", "non-breaking"),
    ]);
    let distinct = |keep: &dyn Fn(&Change) -> bool| {
        let set: BTreeSet<(&str, &str, &str)> = changes
            .iter()
            .filter(|change| keep(change))
            .map(|change| {
                (
                    change.kind,
                    change.location.as_str(),
                    change.detail.as_str(),
                )
            })
            .collect();
        set.len()
    };
    let breaking = |change: &Change| change.rust == Rust::Breaking;
    // A rename is counted once however many places show it: by the generated items it renames.
    let renames: BTreeSet<&[String]> = changes
        .iter()
        .filter(|c| breaking(c) && RENAMES.contains(&c.kind))
        .map(|change| change.types.as_slice())
        .collect();
    let refused: BTreeSet<&str> = changes
        .iter()
        .filter(|change| change.rust == Rust::Refused)
        .map(|change| change.operation.as_str())
        .collect();
    let rust = parts(&[
        (
            refused.len(),
            "operation refused by codegen",
            "operations refused by codegen",
        ),
        (renames.len(), "rename", "renames"),
        (
            distinct(&|c| breaking(c) && !RENAMES.contains(&c.kind)),
            "breaking",
            "breaking",
        ),
        (
            distinct(&|c| c.rust == Rust::Additive),
            "additive",
            "additive",
        ),
    ]);
    let regenerates = match regeneration.fails() {
        true => "; regeneration will fail",
        false => "",
    };
    format!("wire: {wire}; rust: {rust}{regenerates}")
}

/// `n thing` parts without the zero ones, or `unchanged`.
fn parts(counts: &[(usize, &str, &str)]) -> String {
    let said: Vec<String> = counts
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
    if said.is_empty() {
        "unchanged".into()
    } else {
        said.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::{code_block, printable};

    #[test]
    fn a_code_block_is_fenced_longer_than_any_backtick_run_in_it() {
        assert_eq!(code_block("a\n"), "```text\na\n```\n");
        assert_eq!(code_block("x ```` y"), "`````text\nx ```` y\n`````\n");
    }

    #[test]
    fn control_characters_from_a_document_are_escaped_for_the_terminal() {
        assert_eq!(
            printable("body.\u{1b}[31mred\nfake line\t"),
            "body.\\u{1b}[31mred\\nfake line\\t"
        );
        assert_eq!(printable("réponse 201 → ok"), "réponse 201 → ok");
    }
}
