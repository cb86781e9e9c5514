//! One classified difference between two revisions' contracts.

use serde::Serialize;

/// How a change affects users of the SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Code or behaviour users rely on stops working: regenerate, adapt, release a major version.
    Breaking,
    /// The contract moved, but in a way existing users do not notice.
    NonBreaking,
    /// Documentation or layout only; not a contract change.
    Cosmetic,
}

impl Class {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::NonBreaking => "non-breaking",
            Class::Cosmetic => "cosmetic",
        }
    }
}

/// Which way data flows through a schema, which decides whether narrowing or widening hurts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent by the SDK: narrowing what the server accepts breaks callers.
    Request,
    /// Received by the SDK: widening what the server may send breaks decoding.
    Response,
}

/// One difference between two revisions, with where it is and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Its class.
    pub class: Class,
    /// The operationId it belongs to, or `(document)` for document-wide changes.
    pub operation: String,
    /// Where inside the operation, e.g. `request body.token_ttl_secs` or `response 403 body`.
    pub location: String,
    /// A stable machine name for the kind of change, e.g. `field-removed`.
    pub kind: &'static str,
    /// What changed, old → new, and why it has its class.
    pub message: String,
}
