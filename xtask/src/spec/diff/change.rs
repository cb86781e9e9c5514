//! One difference between two revisions' contracts, judged on two axes: the wire and the Rust API.

use serde::Serialize;

/// What a change does to the bytes Telnyx sends or accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Wire {
    /// A request that was accepted is refused, or a response an old client decodes no longer is.
    Breaking,
    /// The contract moved in a way existing clients do not notice (it accepts more, or sends less).
    NonBreaking,
    /// Nothing on the wire changes: wording, examples, layout, `$ref` versus inline, defaults
    /// that equal absence.
    None,
}

/// What a change does to the public API of the generated crate (`telnyx-rooms-gen`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Rust {
    /// `cargo xtask codegen` will refuse the operation in the newer revision (progenitor's
    /// pre-check): until an overlay corrects it, there is no generated API to compare.
    Refused,
    /// Code that compiled against the generated crate may stop compiling: a type or field renamed,
    /// a field's type changed, a variant or a public field added to an exhaustive type.
    Breaking,
    /// New items only: a new operation method.
    Additive,
    /// The generated API is the same (its behaviour or documentation may differ).
    None,
}

/// Both verdicts of one change.
pub(crate) type Verdict = (Wire, Rust);

/// Which way data flows through a schema, which decides whether narrowing or widening hurts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Sent by the SDK: narrowing what the server accepts breaks callers.
    Request,
    /// Received by the SDK: widening what the server may send breaks decoding.
    Response,
}

impl Direction {
    /// The wire verdict of a change that lets fewer values through (`narrows`) or more.
    pub(crate) fn judge(self, narrows: bool) -> Wire {
        match (self, narrows) {
            (Direction::Request, true) | (Direction::Response, false) => Wire::Breaking,
            _ => Wire::NonBreaking,
        }
    }
}

/// One difference between two revisions, with where it is and what it means on each axis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Change {
    /// The wire verdict.
    #[serde(skip)]
    pub(crate) wire: Wire,
    /// The Rust API verdict.
    #[serde(skip)]
    pub(crate) rust: Rust,
    /// The operationId it belongs to, or `(document)` for document-wide changes.
    pub(crate) operation: String,
    /// Where inside the operation, e.g. `request body.token_ttl_secs` or `response 403 body`.
    pub(crate) location: String,
    /// A stable machine name for the kind of change, e.g. `field-removed`.
    pub(crate) kind: &'static str,
    /// What changed, old → new, and why it has its verdicts.
    pub(crate) detail: String,
    /// The generated Rust types a Rust-visible change touches (old and new names of a rename).
    #[serde(skip)]
    pub(crate) types: Vec<String>,
}
