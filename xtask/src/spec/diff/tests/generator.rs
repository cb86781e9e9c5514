//! The model checked against the generator: each `generator` case of the rule table edits the
//! vendored spec, both versions are regenerated with the real pipeline (the workspace's overlays,
//! conversion, pre-check, progenitor), and `spec diff`'s verdicts must match what came out.

use serde::Deserialize;
use serde_json::Value;
use syn::visit_mut::VisitMut;

use super::super::change::Rust;
use super::super::contract::{Pair, Setup};
use super::super::facade::has_ident;
use super::super::judge;
use super::super::report::summary;
use super::rules;
use crate::spec::scope::Scope;

/// An edit of the vendored spec.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Edit {
    what: String,
    /// A JSON pointer; one not starting with `/` is under `/components/schemas`.
    at: String,
    /// The value set there.
    #[serde(default)]
    set: Option<Value>,
    /// A pointer whose value is copied there.
    #[serde(default)]
    copy: Option<String>,
    /// The new name of the key there; every `$ref` to it follows.
    #[serde(default)]
    rename: Option<String>,
    /// Every `$ref` to the component there is replaced by its content, and the component goes.
    #[serde(default)]
    inline: bool,
    /// The report's summary line for the edit (both verdicts, and whether regeneration fails).
    #[serde(default)]
    summary: Option<String>,
}

impl Edit {
    fn pointer(&self) -> String {
        match self.at.starts_with('/') {
            true => self.at.clone(),
            false => format!("/components/schemas/{}", self.at),
        }
    }

    /// `doc` with the edit made.
    fn apply(&self, doc: &Value) -> Value {
        let mut doc = doc.clone();
        let pointer = self.pointer();
        let (parent_at, key) = pointer.rsplit_once('/').expect("a pointer");
        let key = key.replace("~1", "/").replace("~0", "~");
        let copied = self
            .copy
            .as_ref()
            .map(|from| doc.pointer(from).expect("copied").clone());
        let parent = doc
            .pointer_mut(parent_at)
            .and_then(Value::as_object_mut)
            .expect("the parent is an object");
        if let Some(value) = self.set.clone().or(copied) {
            parent.insert(key, value);
            return doc;
        }
        let taken = parent.shift_remove(&key);
        if let Some(name) = &self.rename {
            parent.insert(name.clone(), taken.expect("renamed"));
            let to = Value::from(format!("#{parent_at}/{name}"));
            retarget(&mut doc, &format!("#{pointer}"), &to);
        } else if self.inline {
            retarget(&mut doc, &format!("#{pointer}"), &taken.expect("inlined"));
        }
        doc
    }
}

/// Replaces every `$ref` to `reference` in `node`: with `with` when it is a string (another
/// reference), else the object holding the `$ref` with `with` (the content inlined).
fn retarget(node: &mut Value, reference: &str, with: &Value) {
    match node {
        Value::Object(map) => {
            if map.get("$ref").and_then(Value::as_str) == Some(reference) {
                match with {
                    Value::String(_) => node["$ref"] = with.clone(),
                    _ => *node = with.clone(),
                }
                return;
            }
            map.values_mut()
                .for_each(|value| retarget(value, reference, with));
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| retarget(item, reference, with)),
        _ => {}
    }
}

/// The public API of a generated file: progenitor's items (the provenance and metadata
/// constants after them hold values, not API), without function bodies, doc comments or serde
/// attributes (how a value is read and written is not API), or `None` when generation fails.
fn public_api(inputs: &crate::codegen::Inputs, doc: &Value) -> Option<String> {
    struct Strip;
    impl VisitMut for Strip {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            block.stmts.clear();
        }
        fn visit_attribute_mut(&mut self, attribute: &mut syn::Attribute) {
            if attribute.path().is_ident("doc") || attribute.path().is_ident("serde") {
                attribute.meta = syn::parse_quote!(doc = "");
            }
        }
    }
    let mut inputs = inputs.clone();
    inputs.spec = crate::openapi::file::SpecFile {
        bytes: serde_json::to_vec(doc).expect("serialises"),
        doc: doc.clone(),
    };
    let rendered = crate::codegen::render(&inputs).ok()?;
    let mut file = syn::parse_file(&rendered).expect("the generated file parses");
    let values = |item: &syn::Item| matches!(item, syn::Item::Const(c) if c.ident == "PROVENANCE");
    let end = file
        .items
        .iter()
        .position(values)
        .unwrap_or(file.items.len());
    file.items.truncate(end);
    Strip.visit_file_mut(&mut file);
    Some(prettyplease::unparse(&file))
}

/// On every edit, `spec diff` (with the workspace's overlays applied to both sides) says that
/// regeneration fails exactly when the generator fails; otherwise it reports a Rust-visible
/// change exactly when the generated public API differs, and each generated item it names is
/// one the API has.
#[test]
fn rust_verdicts_agree_with_what_the_generator_emits() {
    let workspace = crate::paths::Workspace::of_tests();
    let inputs = crate::codegen::Inputs::read(&workspace).expect("the workspace's inputs");
    let scope = Scope::read(&workspace.root().join(crate::spec::scope::SCOPE_FILE)).expect("scope");
    let base = inputs.spec.doc.clone();
    let edits = rules().generator;
    assert!(edits.len() >= 30);
    let before = public_api(&inputs, &base).expect("the vendored spec generates");
    for edit in edits {
        let what = &edit.what;
        let doc = edit.apply(&base);
        let setup = Setup {
            scope: &scope,
            generated: &scope,
            overlays: &inputs.overlays,
        };
        let pair = Pair::from_docs((&base, "old"), (&doc, "new"), setup).expect("contracts");
        let changes = judge(&pair).expect("compares");
        assert!(
            !changes.is_empty() || what.contains("dropped") || pair.regeneration.fails(),
            "{what}: no change found"
        );
        if let Some(expected) = &edit.summary {
            assert_eq!(&summary(&changes, &pair.regeneration), expected, "{what}");
        }
        let after = public_api(&inputs, &doc);
        // `spec update` checks the scope file, codegen does not.
        let codegen_fails =
            (pair.regeneration.problems.iter()).any(|problem| problem.kind != "scope-stale");
        assert_eq!(
            codegen_fails,
            after.is_none(),
            "{what}: spec diff says regeneration fails: {:?}",
            pair.regeneration
        );
        let Some(after) = after else { continue };
        let rust = changes.iter().any(|change| change.rust != Rust::None);
        let api_changed = after != before;
        assert_eq!(
            rust, api_changed,
            "{what}: spec diff says Rust-visible {rust}, the generated API changed {api_changed}: {changes:?}"
        );
        for change in changes.iter().filter(|change| change.rust != Rust::None) {
            for name in &change.types {
                assert!(
                    has_ident(&before, name) || has_ident(&after, name),
                    "{what}: {name} is in neither generated API: {change:?}"
                );
            }
        }
    }
}
