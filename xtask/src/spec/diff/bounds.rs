//! Numeric and size bounds: narrowing what a request may carry breaks callers, widening what a
//! response may carry breaks strict clients; a bound that changes the generated type (an integer
//! type, a validating string newtype) also breaks Rust code.

use serde_json::{Map, Value};

use super::change::Direction;
use super::differ::Differ;
use super::rust_type::{Bound, count, lower, rust_type, upper};
use super::schema::rust_change;

/// Which end of a range a bound limits.
#[derive(Debug, Clone, Copy)]
enum Side {
    Lower,
    Upper,
}

impl Side {
    /// Whether going from `before` to `after` lets fewer values through.
    fn narrows(self, before: Bound, after: Bound) -> bool {
        match (before, after) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some((a, a_excl)), Some((b, b_excl))) => match self {
                Side::Lower => b > a || (b == a && b_excl && !a_excl),
                Side::Upper => b < a || (b == a && b_excl && !a_excl),
            },
        }
    }

    fn show(self, bound: Bound) -> String {
        match (bound, self) {
            (None, _) => "(none)".into(),
            (Some((value, false)), _) => value.to_string(),
            (Some((value, true)), Side::Lower) => format!(">{value}"),
            (Some((value, true)), Side::Upper) => format!("<{value}"),
        }
    }
}

/// Size keywords: (label, keyword, side).
const SIZES: [(&str, &str, Side); 6] = [
    ("min length", "minLength", Side::Lower),
    ("max length", "maxLength", Side::Upper),
    ("min items", "minItems", Side::Lower),
    ("max items", "maxItems", Side::Upper),
    ("min properties", "minProperties", Side::Lower),
    ("max properties", "maxProperties", Side::Upper),
];

impl Differ<'_> {
    pub(crate) fn bounds(
        &mut self,
        direction: Direction,
        location: &str,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
    ) {
        let rust = rust_change(old, new);
        // A format change reports a type change itself.
        let type_note = match (rust, old.get("format") == new.get("format")) {
            (super::change::Rust::Breaking, true) => {
                format!(
                    "; the generated type changes {} → {}",
                    rust_type(old),
                    rust_type(new)
                )
            }
            _ => String::new(),
        };
        let rust = if type_note.is_empty() {
            super::change::Rust::None
        } else {
            rust
        };
        let ranges = [
            ("minimum", lower(old), lower(new), Side::Lower),
            ("maximum", upper(old), upper(new), Side::Upper),
        ];
        let sizes = SIZES.map(|(label, key, side)| (label, count(old, key), count(new, key), side));
        for (label, before, after, side) in ranges.into_iter().chain(sizes) {
            if before == after {
                continue;
            }
            let narrowed = side.narrows(before, after);
            let how = if narrowed { "narrowed" } else { "widened" };
            let detail = format!(
                "{label} {} → {} ({how}){type_note}",
                side.show(before),
                side.show(after),
            );
            self.push(
                (direction.judge(narrowed), rust),
                location,
                "bound-changed",
                detail,
            );
        }
    }
}
