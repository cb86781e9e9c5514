//! The `spec diff` report: grouped lines for people, JSON for tools.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use serde_json::json;

use super::change::{Change, Class};
use super::contract::Contract;

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped by class, one line per change.
    Human,
    /// One JSON object with a summary and every change.
    Json,
}

const CLASSES: [Class; 3] = [Class::Breaking, Class::NonBreaking, Class::Cosmetic];

/// Renders the report of `changes` (already sorted by class, then operation).
pub fn render(
    format: Format,
    old_path: &Path,
    old: &Contract,
    new_path: &Path,
    new: &Contract,
    changes: &[Change],
) -> Result<String> {
    let count = |class: Class| {
        changes
            .iter()
            .filter(|change| change.class == class)
            .count()
    };
    let mut operations: Vec<&str> = old.operations.iter().map(|op| op.id.as_str()).collect();
    for op in &new.operations {
        if !operations.contains(&op.id.as_str()) {
            operations.push(&op.id);
        }
    }
    match format {
        Format::Json => {
            let report = json!({
                "old": {"file": old_path.display().to_string(), "openapi": old.openapi},
                "new": {"file": new_path.display().to_string(), "openapi": new.openapi},
                "operations": operations,
                "summary": {
                    "breaking": count(Class::Breaking),
                    "non-breaking": count(Class::NonBreaking),
                    "cosmetic": count(Class::Cosmetic),
                },
                "changes": changes,
            });
            Ok(format!("{}\n", serde_json::to_string_pretty(&report)?))
        }
        Format::Human => {
            let mut out = String::new();
            writeln!(
                out,
                "Contract of {} in-scope operations ({}): {} (OpenAPI {}) → {} (OpenAPI {})",
                operations.len(),
                operations.join(", "),
                old_path.display(),
                old.openapi,
                new_path.display(),
                new.openapi
            )?;
            let width = changes
                .iter()
                .map(|change| change.operation.len())
                .max()
                .unwrap_or(0);
            for class in CLASSES {
                let heading = match class {
                    Class::Cosmetic => "cosmetic, not contract changes",
                    other => other.name(),
                };
                writeln!(out, "\n{heading} ({}):", count(class))?;
                for change in changes.iter().filter(|change| change.class == class) {
                    writeln!(
                        out,
                        "  {:width$}  {}: {} [{}]",
                        change.operation, change.location, change.message, change.kind
                    )?;
                }
            }
            writeln!(
                out,
                "\n{} breaking, {} non-breaking, {} cosmetic",
                count(Class::Breaking),
                count(Class::NonBreaking),
                count(Class::Cosmetic)
            )?;
            Ok(out)
        }
    }
}
