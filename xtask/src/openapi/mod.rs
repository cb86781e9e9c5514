//! What every task shares about OpenAPI documents: reading YAML/JSON ([`mod@file`]), walking schemas
//! ([`walk`]), the 3.1 → 3.0 conversion ([`downgrade`]), deepObject
//! query parameters spelled out as form parameters ([`deep_object`]), overlays ([`overlay`]), the pre-check for
//! shapes the generator cannot take ([`precheck`]) and the provenance record ([`provenance`]).

pub(crate) mod deep_object;
pub(crate) mod downgrade;
pub(crate) mod file;
pub(crate) mod overlay;
pub(crate) mod precheck;
pub(crate) mod provenance;
pub(crate) mod walk;
