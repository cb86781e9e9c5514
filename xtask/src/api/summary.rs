//! A crate's public API as lines, from [`public_api`]'s listing of its rustdoc JSON, with four
//! additions the records need: other workspace crates' items named by their public path (not the
//! private module they are defined in), what a re-export of another crate's item points to,
//! `{ .. }` on a struct with private fields (its users cannot build it with a literal) and
//! `(provided)` on a trait method with a default body (implementors need not write it).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use anyhow::{Context, Result, ensure};
use public_api::PublicItem;
use public_api::tokens::Token;
use rustdoc_types::{Crate, ItemEnum, StructKind};

/// The standard library's crates: their items are the language's, not a dependency's.
const STD_CRATES: [&str; 4] = ["core", "alloc", "std", "proc_macro"];

/// Traits the compiler implements for its own bookkeeping (auto traits such as `Freeze`, a derived
/// `PartialEq`'s marker): unstable, so no user can name them, and out of the records.
const INTERNAL_TRAITS: [&str; 3] = [
    "core::marker::Freeze",
    "core::marker::UnsafeUnpin",
    "core::marker::StructuralPartialEq",
];

/// A crate's public API, summarised.
#[derive(Debug)]
pub(crate) struct Summary {
    /// One line per item, in public-api's order (each item followed by its members and impls).
    pub(crate) lines: Vec<String>,
    /// Every other crate's item the API names (the standard library's aside), by full path.
    pub(crate) external: BTreeSet<String>,
    /// The public path of each of this crate's types and traits, by the path it is defined at:
    /// how a crate summarised later names them.
    pub(crate) public_paths: HashMap<String, String>,
}

/// Enough of the JSON to read its format before trusting the rest.
#[derive(Debug, serde::Deserialize)]
struct Format {
    format_version: u32,
}

/// Summarises the rustdoc JSON at `json`. `known` holds the public paths of the workspace crates
/// summarised before (by defining path), so their items are named as their users name them.
pub(crate) fn summarise(json: &Path, known: &HashMap<String, String>) -> Result<Summary> {
    let text = std::fs::read(json).with_context(|| format!("cannot read {}", json.display()))?;
    let format: Format = serde_json::from_slice(&text)?;
    ensure!(
        format.format_version == rustdoc_types::FORMAT_VERSION,
        "this toolchain's rustdoc writes JSON format {}, the xtask reads format {}: set \
         `rustdoc-types = \"0.{}\"` in the workspace Cargo.toml and pin the `public-api` release \
         that depends on it, then rerun `cargo xtask api` and review what moved",
        format.format_version,
        rustdoc_types::FORMAT_VERSION,
        format.format_version
    );
    let krate: Crate = serde_json::from_slice(&text)?;
    let api = public_api::Builder::from_rustdoc_json(json)
        .omit_blanket_impls(true)
        .build()?;
    let own = krate
        .index
        .get(&krate.root)
        .and_then(|root| root.name.clone());
    let naming = Naming {
        krate: &krate,
        own: own.unwrap_or_default(),
        known,
    };
    let mut summary = Summary {
        lines: Vec::new(),
        external: BTreeSet::new(),
        public_paths: HashMap::new(),
    };
    for item in api.items() {
        summary.add(&naming, item);
    }
    Ok(summary)
}

/// What naming a path needs: the crate summarised and the workspace's public paths before it.
#[derive(Debug)]
struct Naming<'a> {
    krate: &'a Crate,
    /// The crate's own name, as its paths start.
    own: String,
    known: &'a HashMap<String, String>,
}

impl Summary {
    /// Adds the line of `item` (none for the compiler's internal impls), noting the external
    /// items it names and, for a type or trait, its public path.
    fn add(&mut self, naming: &Naming<'_>, item: &PublicItem) {
        let pieces = pieces(item);
        if is_internal_impl(&pieces) {
            return;
        }
        let mut line = String::new();
        for piece in &pieces {
            match piece {
                Piece::Path(path) => line.push_str(&self.name(path, naming)),
                Piece::Text(text) => line.push_str(text),
            }
        }
        let krate = naming.krate;
        let Some(inner) = krate.index.get(&item.id()).map(|item| &item.inner) else {
            self.lines.push(line);
            return;
        };
        match inner {
            ItemEnum::Use(use_) => {
                let defined = use_.id.and_then(|id| krate.paths.get(&id));
                let target = PathText {
                    text: defined.map_or(use_.source.clone(), |s| s.path.join("::")),
                    names_type: true,
                };
                let target = self.name(&target, naming);
                line = line.replacen("pub use ", &format!("pub use {target} as "), 1);
            }
            ItemEnum::Struct(inner) => {
                if let StructKind::Plain {
                    has_stripped_fields: true,
                    ..
                } = inner.kind
                {
                    line.push_str(" { .. }");
                }
            }
            ItemEnum::Function(f) if f.has_body && in_trait(krate, item) => {
                line.push_str(" (provided)");
            }
            _ => {}
        }
        let is_type = matches!(
            inner,
            ItemEnum::Struct(_)
                | ItemEnum::Enum(_)
                | ItemEnum::Union(_)
                | ItemEnum::Trait(_)
                | ItemEnum::TypeAlias(_)
        );
        let defined = krate.paths.get(&item.id()).map(|s| s.path.join("::"));
        let public = pieces.iter().find_map(|piece| match piece {
            Piece::Path(path) => Some(path.text.clone()),
            Piece::Text(_) => None,
        });
        if let (true, Some(defined), Some(public)) = (is_type, defined, public) {
            self.remember(defined, public);
        }
        self.lines.push(line);
    }

    /// How the record writes `path`: another workspace crate's item by its public path; another
    /// crate's item is noted as external.
    fn name(&mut self, path: &PathText, naming: &Naming<'_>) -> String {
        let first = path.text.split("::").next().unwrap_or_default();
        if !path.names_type || first == naming.own || STD_CRATES.contains(&first) {
            return path.text.clone();
        }
        let public = naming.known.get(&path.text).unwrap_or(&path.text).clone();
        self.external.insert(public.clone());
        public
    }

    /// Keeps the shortest public path of a type (then the first in order).
    fn remember(&mut self, defined: String, public: String) {
        let depth = |path: &str| path.matches("::").count();
        let better = self
            .public_paths
            .get(&defined)
            .is_none_or(|known| (depth(&public), &public) < (depth(known), known));
        if better {
            self.public_paths.insert(defined, public);
        }
    }
}

/// A path as public-api writes it: `a::b::C`.
#[derive(Debug)]
struct PathText {
    text: String,
    /// Whether it ends in a type or trait (what another crate's item in a signature is).
    names_type: bool,
}

/// A line's text, with its paths picked out.
#[derive(Debug)]
enum Piece {
    Path(PathText),
    Text(String),
}

/// The tokens of `item`, runs of `segment::segment` joined into paths.
fn pieces(item: &PublicItem) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut run: Vec<&Token> = Vec::new();
    let mut tokens = item.tokens().peekable();
    while let Some(token) = tokens.next() {
        let segment = matches!(token, Token::Identifier(_) | Token::Type(_));
        let joins = matches!(token, Token::Symbol(symbol) if symbol == "::")
            && !run.is_empty()
            && matches!(tokens.peek(), Some(Token::Identifier(_) | Token::Type(_)));
        if segment || joins {
            run.push(token);
            continue;
        }
        flush(&mut run, &mut pieces);
        pieces.push(Piece::Text(token.text().to_owned()));
    }
    flush(&mut run, &mut pieces);
    pieces
}

fn flush(run: &mut Vec<&Token>, pieces: &mut Vec<Piece>) {
    if let Some(last) = run.last() {
        pieces.push(Piece::Path(PathText {
            names_type: matches!(last, Token::Type(_)),
            text: run.iter().map(|token| token.text()).collect(),
        }));
    }
    run.clear();
}

/// Whether `item` is declared in a trait (not in an impl of one).
fn in_trait(krate: &Crate, item: &PublicItem) -> bool {
    let parent = item.parent_id().and_then(|id| krate.index.get(&id));
    matches!(parent.map(|parent| &parent.inner), Some(ItemEnum::Trait(_)))
}

/// Whether the line is `impl … <internal trait> for …`.
fn is_internal_impl(pieces: &[Piece]) -> bool {
    matches!(pieces.first(), Some(Piece::Text(text)) if text == "impl")
        && pieces.iter().any(|piece| {
            matches!(piece, Piece::Path(path) if INTERNAL_TRAITS.contains(&path.text.as_str()))
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_of_another_format_is_refused_naming_the_version_to_move_to() {
        let dir = tempfile::tempdir().expect("tempdir");
        let json = dir.path().join("demo.json");
        let other = rustdoc_types::FORMAT_VERSION + 1;
        std::fs::write(
            &json,
            format!(r#"{{"format_version": {other}, "root": 0}}"#),
        )
        .expect("write");
        let err =
            super::summarise(&json, &std::collections::HashMap::new()).expect_err("another format");
        let text = err.to_string();
        assert!(
            text.contains(&format!("writes JSON format {other}")),
            "{text}"
        );
        assert!(
            text.contains(&format!("`rustdoc-types = \"0.{other}\"`")),
            "{text}"
        );
    }
}
