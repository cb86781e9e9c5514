//! Whether a change to the generated API reaches the facade crate (`telnyx-rooms`), whose public
//! API wraps the generated types instead of exposing them.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use super::change::{Change, Rust};

/// The facade's sources, relative to the workspace root.
const FACADE_SRC: &str = "crates/telnyx-rooms/src";

/// What the Rust-visible changes of a diff mean for the facade.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Facade {
    /// The generated types (and methods) the changes touch, sorted.
    pub(crate) types: Vec<String>,
    /// `(type, file)` for each of those the facade's sources name.
    pub(crate) named_in: Vec<(String, String)>,
    /// Whether the facade re-exports items of the generated crate in its public API.
    pub(crate) reexports: bool,
}

impl Facade {
    /// Whether the facade has to change.
    pub(crate) fn touched(&self) -> bool {
        !self.named_in.is_empty()
    }

    /// One sentence for the report.
    pub(crate) fn describe(&self) -> String {
        if self.types.is_empty() {
            return "not touched: the generated API does not change".into();
        }
        if self.named_in.is_empty() {
            return format!(
                "not touched: {FACADE_SRC} names none of the generated items changed ({})",
                self.types.join(", ")
            );
        }
        let mut uses: Vec<String> = Vec::new();
        for ty in &self.types {
            let files: Vec<&str> = self
                .named_in
                .iter()
                .filter(|(named, _)| named == ty)
                .map(|(_, file)| file.as_str())
                .collect();
            if !files.is_empty() {
                uses.push(format!("{ty} ({})", files.join(", ")));
            }
        }
        let public = if self.reexports {
            "it re-exports generated items, so its public API may change too"
        } else {
            "its public API re-exports no generated item, so only its insides change"
        };
        format!("must be adapted: it uses {}; {public}", uses.join(", "))
    }
}

/// Looks for the generated items the Rust-visible `changes` touch in the facade's sources.
pub(crate) fn impact(root: &Path, changes: &[Change]) -> Result<Facade> {
    let mut types: Vec<String> = changes
        .iter()
        .filter(|change| change.rust != Rust::None)
        .flat_map(|change| change.types.iter().cloned())
        .collect();
    types.sort();
    types.dedup();
    let mut facade = Facade {
        types,
        ..Facade::default()
    };
    let dir = root.join(FACADE_SRC);
    if facade.types.is_empty() || !dir.is_dir() {
        return Ok(facade);
    }
    for file in rust_files(&dir)? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let shown = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        facade.reexports |= reexports_generated(&text);
        for ty in &facade.types {
            if names(&text, ty) {
                facade.named_in.push((ty.clone(), shown.clone()));
            }
        }
    }
    facade.named_in.sort();
    Ok(facade)
}

/// The generated crate's hand-written modules (the workspace's shared vocabulary): re-exporting
/// them exposes nothing the spec decides.
const HAND_WRITTEN_MODULES: [&str; 3] = ["time", "redact", "resource"];

/// Whether `text` re-exports a generated item (anything of `telnyx_rooms_gen` but its
/// hand-written modules).
fn reexports_generated(text: &str) -> bool {
    text.split("pub use telnyx_rooms_gen").skip(1).any(|rest| {
        let path = rest.strip_prefix("::").unwrap_or(rest);
        let module = path
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or_default();
        !HAND_WRITTEN_MODULES.contains(&module)
    })
}

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Whether `text` refers to the generated item `word`: as `types::word`, as a method called
/// (`.word(`), or named in a `use telnyx_rooms_gen…;` statement (the facade has its own `Error`, say, which is not meant).
fn names(text: &str, word: &str) -> bool {
    let qualified = format!("types::{word}");
    let imports = text.match_indices("use telnyx_rooms_gen").map(|(at, _)| {
        let rest = &text[at..];
        &rest[..rest.find(';').unwrap_or(rest.len())]
    });
    let called = format!(".{word}(");
    has_ident(text, &qualified)
        || text.contains(&called)
        || imports
            .into_iter()
            .any(|statement| has_ident(statement, word))
}

/// Whether `text` holds `word` with no identifier character right before or after it.
pub(crate) fn has_ident(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back().is_none_or(|c| !ident(c));
        let after = text[at + word.len()..]
            .chars()
            .next()
            .is_none_or(|c| !ident(c));
        before && after
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_references_to_the_generated_item_count() {
        assert!(names("let e = types::VideoError { };", "VideoError"));
        assert!(!names("let e = types::VideoErrors { };", "VideoError"));
        assert!(!names("pub enum Error {}\nuse crate::Error;", "Error"));
        let import =
            "use telnyx_rooms_gen::operations::{\n    create_room_client_token, other,\n};";
        assert!(names(import, "create_room_client_token"));
        assert!(!names(import, "create_room"));
        assert!(names(
            "generated.create_room_client_token(&id, body)",
            "create_room_client_token"
        ));
        assert!(!names(
            "use telnyx_rooms_gen::x; create_room_client_token()",
            "create_room_client_token"
        ));
    }

    #[test]
    fn re_exports_of_the_hand_written_modules_are_not_generated_items() {
        assert!(!reexports_generated("pub use telnyx_rooms_gen::time;"));
        assert!(!reexports_generated(
            "pub use telnyx_rooms_gen::redact::escape_controls;\npub use telnyx_rooms_gen::time::{A, B};"
        ));
        assert!(reexports_generated(
            "pub use telnyx_rooms_gen::types::Token;"
        ));
        assert!(reexports_generated(
            "pub use telnyx_rooms_gen::Credentials;"
        ));
        assert!(reexports_generated(
            "pub use telnyx_rooms_gen::time;\npub use telnyx_rooms_gen::{time, types};"
        ));
    }

    #[test]
    fn the_facade_is_touched_when_its_sources_name_a_changed_type() {
        let root = tempfile::tempdir().expect("temp dir");
        let src = root.path().join(FACADE_SRC).join("nested");
        std::fs::create_dir_all(&src).expect("dirs");
        std::fs::write(
            src.join("ops.rs"),
            "let body = types::CreateRoomClientTokenBody {};",
        )
        .expect("write");
        let change = |types: &[&str], rust| Change {
            wire: super::super::change::Wire::None,
            rust,
            operation: "Op".into(),
            location: "request body".into(),
            kind: "schema-renamed",
            detail: String::new(),
            types: types.iter().map(|ty| ty.to_string()).collect(),
        };
        let untouched = impact(
            root.path(),
            &[change(&["Error", "VideoError"], Rust::Breaking)],
        )
        .expect("reads");
        assert!(!untouched.touched());
        assert_eq!(
            untouched.describe(),
            "not touched: crates/telnyx-rooms/src names none of the generated items changed (Error, VideoError)"
        );
        let touched = impact(
            root.path(),
            &[
                change(&["CreateRoomClientTokenBody"], Rust::Breaking),
                change(&["Ignored"], Rust::None),
            ],
        )
        .expect("reads");
        assert_eq!(touched.types, ["CreateRoomClientTokenBody"]);
        assert_eq!(
            touched.describe(),
            "must be adapted: it uses CreateRoomClientTokenBody (crates/telnyx-rooms/src/nested/ops.rs); \
             its public API re-exports no generated item, so only its insides change"
        );
    }
}
