//! What `cargo xtask codegen` meets when the newer revision is taken in: the overlays of
//! `openapi/overlays/`, applied in file-name order as codegen applies them, the conversion, then
//! its checks before progenitor (the pre-check, the metadata). The same overlays and conversion
//! are applied to both revisions before they are compared, so the model judges what the
//! generator would be given.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;

use crate::codegen::metadata;
use crate::openapi::deep_object;
use crate::openapi::downgrade::downgrade_to_30;
use crate::openapi::overlay::{ActionFailed, ActionProblem, Overlay};
use crate::openapi::precheck;
use crate::spec::scope::{SelectedOperation, SpecError};

/// Why taking the newer revision in (`spec update`, then codegen) fails, or what the comparison
/// left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Regeneration {
    /// The overlays applied to both revisions before comparing them (file names).
    pub(crate) overlays: Vec<String>,
    /// What makes `cargo xtask codegen` fail on the newer revision; empty when it goes through
    /// as far as anything short of running progenitor can tell.
    pub(crate) problems: Vec<Problem>,
    /// Overlays left out of the comparison, and why.
    pub(crate) notes: Vec<String>,
}

impl Regeneration {
    /// Whether taking the newer revision in fails.
    pub(crate) fn fails(&self) -> bool {
        !self.problems.is_empty()
    }

    /// Records that `cargo xtask spec update` refuses the newer revision before generating:
    /// `missing` is what the scope file names that it lacks; an operation found under another
    /// operationId (at the same method and path) is named.
    pub(crate) fn scope_refused(
        &mut self,
        missing: &SpecError,
        old: &[SelectedOperation],
        new: &[SelectedOperation],
    ) {
        let moved = match missing {
            SpecError::MissingOperation(id) => {
                old.iter().filter(|op| &op.id == id).find_map(|op| {
                    new.iter()
                        .find(|n| n.method == op.method && n.path == op.path)
                })
            }
            _ => None,
        };
        let hint = moved.map_or_else(String::new, |op| {
            format!(
                " ({} {} is now `{}`)",
                op.method.to_uppercase(),
                op.path,
                op.id
            )
        });
        self.problems.insert(
            0,
            Problem {
                kind: "scope-stale",
                overlay: None,
                operation: None,
                detail: format!("spec update will refuse it: {missing}{hint}"),
            },
        );
    }

    /// The operationIds codegen refuses in the newer revision.
    pub(crate) fn refused_operations(&self) -> BTreeSet<&str> {
        self.problems
            .iter()
            .filter_map(|problem| problem.operation.as_deref())
            .collect()
    }
}

/// One reason regeneration fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Problem {
    /// `scope-stale` (an entry of `openapi/scope.toml` is not in the revision, so `spec update`
    /// refuses it), `overlay-stale` (the revision lacks what an overlay corrects or refers to),
    /// `overlay-unfit` (an overlay's action cannot act on what its target selects) or
    /// `codegen-refused` (codegen's checks before progenitor refuse an operation).
    pub(crate) kind: &'static str,
    /// The overlay's file name, for an overlay problem.
    pub(crate) overlay: Option<String>,
    /// The operationId concerned, for a refused operation.
    pub(crate) operation: Option<String>,
    /// One sentence, starting with "spec update will refuse it:", "regeneration will fail:" or
    /// "codegen will refuse:".
    pub(crate) detail: String,
}

/// Both revisions' subsets with the overlays applied (converted to OpenAPI 3.0), and what
/// regeneration from the newer one meets; `names` say which file a conversion error is in.
pub(crate) fn prepare(
    overlays: &[Overlay],
    (mut old, mut new): (Value, Value),
    names: (&str, &str),
) -> Result<(Value, Value, Regeneration)> {
    let mut regeneration = Regeneration::default();
    // Codegen's view of the newer revision (every overlay that applies to it, in order), once it
    // differs from the compared one: an overlay left out of the comparison may still apply to it.
    let mut generated: Option<Value> = None;
    for overlay in overlays {
        let (old_side, new_side) = (try_apply(overlay, &old), try_apply(overlay, &new));
        let alone = generated.as_ref().map(|doc| try_apply(overlay, doc));
        let codegen_meets = alone.as_ref().unwrap_or(&new_side);
        if let Err(why) = codegen_meets {
            regeneration
                .problems
                .push(stale(overlay, why, old_side.is_ok()));
        }
        match (old_side, new_side) {
            // For the comparison: the overlays that apply to both, so neither side is judged on
            // a correction the other lacks.
            (Ok(old_doc), Ok(new_doc)) => {
                (old, new) = (old_doc, new_doc);
                regeneration.overlays.push(overlay.file_name());
            }
            (old_side, new_side) => {
                let note = left_out(overlay, old_side.as_ref().err(), new_side.is_err());
                regeneration.notes.push(note);
                if generated.is_none() {
                    generated = Some(new_side.unwrap_or_else(|_| new.clone()));
                }
            }
        }
        if let Some(Ok(doc)) = alone {
            generated = Some(doc);
        }
    }
    normalise(&mut old).with_context(|| format!("in {}", names.0))?;
    normalise(&mut new).with_context(|| format!("in {}", names.1))?;
    let converted = match generated {
        None => Ok(refusals(&new)),
        Some(mut doc) => normalise(&mut doc).map(|()| refusals(&doc)),
    };
    match converted {
        Ok(refused) => regeneration.problems.extend(refused),
        Err(err) => regeneration.problems.push(Problem {
            kind: "codegen-refused",
            overlay: None,
            operation: None,
            detail: format!("codegen will refuse: {err:#}"),
        }),
    }
    Ok((old, new, regeneration))
}

/// The problem of an overlay the newer revision cannot take (`old_takes_it`: the older one can).
fn stale(overlay: &Overlay, why: &NotApplied, old_takes_it: bool) -> Problem {
    let lacks = match old_takes_it {
        true => "the new revision no longer has",
        false => "the new revision does not have",
    };
    Problem {
        kind: why.kind(),
        overlay: Some(overlay.file_name()),
        operation: None,
        detail: format!(
            "regeneration will fail: overlay {} {}",
            overlay.file_name(),
            why.clause(lacks)
        ),
    }
}

/// What codegen does to a document after the overlays: 3.1 → 3.0, then deepObject query
/// parameters spelled out as the form parameters they stand for.
fn normalise(doc: &mut Value) -> Result<()> {
    downgrade_to_30(doc)?;
    deep_object::flatten(doc)?;
    Ok(())
}

/// What codegen refuses in a converted document before it runs progenitor: the pre-check's
/// findings (shapes progenitor would panic on), else the operations whose metadata cannot be
/// extracted, in that order, as codegen meets them.
fn refusals(doc: &Value) -> Vec<Problem> {
    let refused = |operation: Option<String>, why: String| Problem {
        kind: "codegen-refused",
        overlay: None,
        operation,
        detail: format!("codegen will refuse: {why}"),
    };
    let found: Vec<Problem> = precheck::check(doc)
        .into_iter()
        .map(|unsupported| refused(unsupported.operation.clone(), unsupported.to_string()))
        .collect();
    if !found.is_empty() {
        return found;
    }
    metadata::extract_each(doc)
        .into_iter()
        .filter_map(|(operation, meta)| Some(refused(operation, format!("{:#}", meta.err()?))))
        .collect()
}

/// The note for an overlay that applies to one revision at most: `old` is why not to the older
/// one, if it does not; `new_fails` whether it does not apply to the newer one.
fn left_out(overlay: &Overlay, old: Option<&NotApplied>, new_fails: bool) -> String {
    let name = overlay.file_name();
    match (old, new_fails) {
        (Some(why), false) => format!(
            "overlay {name} is left out of the comparison: it does not apply to the old revision \
             ({name} {})",
            why.clause("that revision does not have")
        ),
        (None, _) => format!(
            "overlay {name} is left out of the comparison: it does not apply to the new revision"
        ),
        (Some(_), true) => {
            format!("overlay {name} is left out of the comparison: it applies to neither revision")
        }
    }
}

/// Why an overlay does not apply to a revision.
#[derive(Debug)]
enum NotApplied {
    /// An action failed.
    Action(ActionFailed),
    /// It applies, but refers to components the revision does not have.
    Dangling(Vec<String>),
}

impl NotApplied {
    /// `overlay-stale` when the revision lacks what the overlay corrects or refers to,
    /// `overlay-unfit` when it has it in a shape the overlay cannot act on.
    fn kind(&self) -> &'static str {
        match self {
            NotApplied::Action(ActionFailed {
                problem: ActionProblem::Unfit(_),
                ..
            }) => "overlay-unfit",
            _ => "overlay-stale",
        }
    }

    /// What the overlay does that the revision cannot take, ending with `lacks` where the
    /// revision lacks something ("the new revision no longer has").
    fn clause(&self, lacks: &str) -> String {
        match self {
            NotApplied::Action(ActionFailed {
                index,
                target,
                problem: ActionProblem::NoMatch,
                ..
            }) => format!("action {index} targets {target}, which {lacks}"),
            NotApplied::Action(ActionFailed {
                index,
                target,
                problem: ActionProblem::Unfit(why),
                ..
            }) => format!("action {index} (target {target}) cannot apply: {why}"),
            NotApplied::Dangling(references) => {
                format!("refers to {}, which {lacks}", references.join(", "))
            }
        }
    }
}

/// `doc` with `overlay` applied, unless an action fails or the result refers to a component
/// `doc` does not have (codegen's pre-check would refuse it).
fn try_apply(overlay: &Overlay, doc: &Value) -> Result<Value, NotApplied> {
    let mut trial = doc.clone();
    overlay.apply(&mut trial).map_err(NotApplied::Action)?;
    let references = |doc: &Value| -> BTreeSet<String> {
        precheck::dangling_refs(doc)
            .iter()
            .filter_map(|found| {
                let node = doc.pointer(&found.location).unwrap_or(doc);
                node.get("$ref").and_then(Value::as_str).map(str::to_string)
            })
            .collect()
    };
    let introduced = references(&trial);
    if introduced.is_empty() {
        return Ok(trial);
    }
    let before = references(doc);
    let introduced: Vec<String> = introduced.difference(&before).cloned().collect();
    if introduced.is_empty() {
        Ok(trial)
    } else {
        Err(NotApplied::Dangling(introduced))
    }
}
