//! Integers as JSON Schema 2020-12 (the spec's dialect) defines them: a JSON number with a zero
//! fractional part, whatever its notation. `600`, `600.0` and `6e2` are the integer 600;
//! `99999999999999999999` and `1e400` are integers too, beyond every bound the spec states;
//! `600.5` and `1e-400` are not integers.
//!
//! The classification reads the number's text exactly, never through a float, so no notation or
//! magnitude changes the answer.

/// What a JSON number is, read as JSON Schema reads `type: integer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonInteger {
    /// An integer that fits in `i64`.
    Exact(i64),
    /// An integer beyond `i64`: out of every range a field of the spec can state.
    OutOfRange,
    /// A number with a non-zero fractional part.
    Fractional,
}

/// Classifies the text of one JSON number; `None` when `text` is not one.
pub(crate) fn classify(text: &str) -> Option<JsonInteger> {
    let (negative, unsigned) = match text.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.trim()),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_only = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || !digits_only(whole)
        || !digits_only(fraction)
        || (mantissa.contains('.') && fraction.is_empty())
    {
        return None;
    }
    let exponent = match exponent {
        Some(text) => parse_exponent(text)?,
        None => 0,
    };
    let significant = format!("{whole}{fraction}");
    let significant = significant.trim_start_matches('0');
    let trimmed = significant.trim_end_matches('0');
    if trimmed.is_empty() {
        return Some(JsonInteger::Exact(0));
    }
    // value = trimmed × 10^scale
    let dropped_zeros = to_i64(significant.len() - trimmed.len());
    let scale = exponent
        .saturating_sub(to_i64(fraction.len()))
        .saturating_add(dropped_zeros);
    if scale < 0 {
        return Some(JsonInteger::Fractional);
    }
    // i64::MAX has 19 digits.
    if to_i64(trimmed.len()).saturating_add(scale) > 19 {
        return Some(JsonInteger::OutOfRange);
    }
    let mut value: i128 = trimmed.parse().ok()?;
    for _ in 0..scale {
        value *= 10;
    }
    if negative {
        value = -value;
    }
    Some(i64::try_from(value).map_or(JsonInteger::OutOfRange, JsonInteger::Exact))
}

/// An exponent's value, saturated far beyond any that matters (a number's text is at most 64 KiB).
fn parse_exponent(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits
        .parse::<i64>()
        .unwrap_or(i64::MAX / 2)
        .min(i64::MAX / 2);
    Some(if negative { -magnitude } else { magnitude })
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX / 2)
}

#[cfg(test)]
mod tests {
    use super::JsonInteger::{Exact, Fractional, OutOfRange};
    use super::*;

    #[test]
    fn every_notation_of_an_integer_is_that_integer() {
        for text in [
            "600", "600.0", "6e2", "6E+2", "6.00e2", "60000e-2", "0.6e3", "600.000",
        ] {
            assert_eq!(classify(text), Some(Exact(600)), "{text}");
        }
        for text in ["0", "-0", "0.0", "0e99999999999999999999", "-0.0e-5"] {
            assert_eq!(classify(text), Some(Exact(0)), "{text}");
        }
        assert_eq!(classify("-60"), Some(Exact(-60)));
        assert_eq!(classify("9223372036854775807"), Some(Exact(i64::MAX)));
        assert_eq!(classify("-9223372036854775808"), Some(Exact(i64::MIN)));
    }

    /// Integers beyond i64 are out of range, not fractional; non-zero fractions are fractional
    /// however small; text that is not a JSON number is none of them.
    #[test]
    fn what_is_not_an_exact_i64_is_told_apart() {
        let cases: [(Option<JsonInteger>, &[&str]); 3] = [
            (
                Some(OutOfRange),
                &[
                    "9223372036854775808",
                    "99999999999999999999",
                    "1e400",
                    "-1e400",
                    "1e99999999999999999999999",
                    "12345678901234567890.0",
                ],
            ),
            (
                Some(Fractional),
                &[
                    "600.5",
                    "0.1",
                    "1e-400",
                    "6001e-1",
                    "600.0000000000000000001",
                    "-1.5",
                ],
            ),
            (
                None,
                &[
                    "", "-", "1.", ".5", "1e", "1e+", "abc", "\"600\"", "0x10", "1.2.3",
                ],
            ),
        ];
        for (expected, texts) in cases {
            for text in texts {
                assert_eq!(classify(text), expected, "{text:?}");
            }
        }
    }
}
