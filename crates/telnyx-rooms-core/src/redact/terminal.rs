//! Which characters must not reach a terminal raw, and their visible escape.
//!
//! Every character of the Unicode general categories Cc (controls: C0, DEL, C1), Cf (format:
//! bidirectional overrides and isolates, zero-width characters, the soft hyphen, tag characters,
//! the byte-order mark, …), Zl and Zp (line and paragraph separators), and the invisible
//! default-ignorable characters outside them that can pass for nothing (Hangul fillers, the
//! combining grapheme joiner, variation selectors, Mongolian free variation selectors, Khmer
//! inherent vowels). A test compares the table with the Unicode Character Database over the whole
//! code space, so a Unicode update that adds such a character fails it.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Inclusive ranges of the characters escaped, sorted, non-overlapping (Unicode 16).
const UNSAFE: [(u32, u32); 35] = [
    (0x0000, 0x001f),   // Cc: C0 controls
    (0x007f, 0x009f),   // Cc: DEL and C1 controls
    (0x00ad, 0x00ad),   // Cf: soft hyphen
    (0x034f, 0x034f),   // combining grapheme joiner
    (0x0600, 0x0605),   // Cf: Arabic number signs
    (0x061c, 0x061c),   // Cf: Arabic letter mark
    (0x06dd, 0x06dd),   // Cf: Arabic end of ayah
    (0x070f, 0x070f),   // Cf: Syriac abbreviation mark
    (0x0890, 0x0891),   // Cf: Arabic pound and piastre marks above
    (0x08e2, 0x08e2),   // Cf: Arabic disputed end of ayah
    (0x115f, 0x1160),   // Hangul choseong and jungseong fillers
    (0x17b4, 0x17b5),   // Khmer inherent vowels
    (0x180b, 0x180d),   // Mongolian free variation selectors
    (0x180e, 0x180e),   // Cf: Mongolian vowel separator
    (0x180f, 0x180f),   // Mongolian free variation selector four
    (0x200b, 0x200f),   // Cf: zero-width space, joiners, LRM, RLM
    (0x2028, 0x2028),   // Zl: line separator
    (0x2029, 0x2029),   // Zp: paragraph separator
    (0x202a, 0x202e),   // Cf: bidirectional embeddings and overrides
    (0x2060, 0x2064),   // Cf: word joiner, invisible operators
    (0x2066, 0x206f),   // Cf: bidirectional isolates, deprecated format characters
    (0x3164, 0x3164),   // Hangul filler
    (0xfe00, 0xfe0f),   // variation selectors
    (0xfeff, 0xfeff),   // Cf: zero-width no-break space, byte-order mark
    (0xffa0, 0xffa0),   // halfwidth Hangul filler
    (0xfff9, 0xfffb),   // Cf: interlinear annotation
    (0x110bd, 0x110bd), // Cf: Kaithi number sign
    (0x110cd, 0x110cd), // Cf: Kaithi number sign above
    (0x13430, 0x1343f), // Cf: Egyptian hieroglyph format controls
    (0x1bca0, 0x1bca3), // Cf: shorthand format controls
    (0x1d173, 0x1d17a), // Cf: musical symbol format controls
    (0xe0001, 0xe0001), // Cf: language tag
    (0xe0020, 0xe007f), // Cf: tag characters
    (0xe0100, 0xe01ef), // variation selectors supplement
    (0xe01f0, 0xe0fff), // unassigned default-ignorable: reserved to stay invisible
];

/// Whether `c` must not reach a terminal raw.
pub(crate) fn is_unsafe_char(c: char) -> bool {
    let cp = u32::from(c);
    if cp < 0x80 {
        return cp < 0x20 || cp == 0x7f;
    }
    UNSAFE
        .binary_search_by(|&(start, end)| {
            if end < cp {
                std::cmp::Ordering::Less
            } else if start > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `text` with every character that must not reach a terminal raw — controls, invisible
/// formatting, bidirectional overrides, separators and invisible fillers (the module's list) —
/// written as a visible `\u{…}` escape (a newline becomes `\u{a}`); borrowed when there is none.
///
/// Every crate applies it to all text a server controls; use it for any other untrusted text you
/// print to a terminal.
///
/// ```
/// assert_eq!(
///     telnyx_rooms_core::redact::escape_controls("title\u{1b}]0;pwned\u{7}\nnext\u{2028}"),
///     "title\\u{1b}]0;pwned\\u{7}\\u{a}next\\u{2028}"
/// );
/// ```
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    let plain = |b: &u8| (0x20..0x7f).contains(b);
    if text.as_bytes().iter().all(plain) || !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

    use super::*;

    /// Default-ignorable characters outside Cc/Cf/Zl/Zp that render as nothing.
    fn invisible_extra(cp: u32) -> bool {
        matches!(
            cp,
            0x034f | 0x115f | 0x1160 | 0x17b4 | 0x17b5 | 0x3164 | 0xffa0
        ) || (0x180b..=0x180f).contains(&cp)
            || (0xfe00..=0xfe0f).contains(&cp)
            || (0xe0100..=0xe0fff).contains(&cp)
    }

    #[test]
    fn the_table_is_sorted_and_disjoint() {
        for pair in UNSAFE.windows(2) {
            assert!(pair[0].0 <= pair[0].1 && pair[0].1 < pair[1].0, "{pair:x?}");
        }
    }

    /// Over the whole code space: escaped exactly when the Unicode Character Database puts the
    /// character in Cc, Cf, Zl or Zp, or it is one of the invisible extras.
    #[test]
    fn every_control_format_and_separator_character_is_escaped_and_nothing_else() {
        let mut escaped = 0;
        for c in (0..=0x10_ffff_u32).filter_map(char::from_u32) {
            let category = matches!(
                c.general_category(),
                GeneralCategory::Control
                    | GeneralCategory::Format
                    | GeneralCategory::LineSeparator
                    | GeneralCategory::ParagraphSeparator
            );
            let expected = category || invisible_extra(u32::from(c));
            assert_eq!(is_unsafe_char(c), expected, "U+{:04X}", u32::from(c));
            let text = c.to_string();
            assert_eq!(
                escape_controls(&text) != text,
                expected,
                "U+{:04X}",
                u32::from(c)
            );
            escaped += usize::from(expected);
        }
        assert!(escaped > 230, "{escaped}");
    }
}
