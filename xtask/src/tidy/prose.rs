//! What a line of documentation must not cite: tracker numbers and paths outside the checkout.

/// Words that, followed by a number (optionally `#`), cite a tracker entry.
const TRACKER_WORDS: [&str; 4] = ["issue", "issues", "pr", "pull request"];

/// Paths that exist only on some machine: a sibling checkout, scratch and home directories.
/// (The sibling is spelled in two pieces so that a plain `git grep` for references to it finds
/// only real ones, never this list.)
const OUTSIDE_PATHS: [&str; 6] = [
    concat!("..", "/shared"),
    "/work",
    "/tmp",
    "/home",
    "/Users",
    "/root",
];

/// Why `line` cites something a reader of the repository cannot follow, if it does.
pub(crate) fn bad_reference(line: &str) -> Option<String> {
    if let Some(cited) = tracker_number(line) {
        return Some(format!(
            "cites a tracker number ({cited}), which means nothing in the repository; say what \
             the thing is"
        ));
    }
    outside_path(line).map(|path| {
        format!("refers to `{path}`, a path outside the checkout; use a path inside it or none")
    })
}

/// A tracker word of [`TRACKER_WORDS`] followed by a number (with or without `#`), or a bare `#`
/// and a number in prose; the citation as written.
fn tracker_number(line: &str) -> Option<String> {
    let lower = line.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let is_letter = |at: Option<&u8>| at.is_some_and(u8::is_ascii_alphabetic);
    for word in TRACKER_WORDS {
        for (start, _) in lower.match_indices(word) {
            let end = start + word.len();
            if is_letter(start.checked_sub(1).and_then(|i| bytes.get(i)))
                || is_letter(bytes.get(end))
            {
                continue;
            }
            let rest = lower[end..].trim_start();
            let rest = rest.strip_prefix('#').unwrap_or(rest).trim_start();
            let count = digits(rest);
            if count > 0 {
                let cited_end = lower.len() - rest.len() + count;
                return Some(line[start..cited_end].to_owned());
            }
        }
    }
    for (at, _) in lower.match_indices('#') {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let rest = &lower[at + 1..];
        let count = digits(rest);
        let after = rest.as_bytes().get(count);
        if count > 0
            && before.is_none_or(|b| b == b' ' || b == b'(' || b == b'[')
            && after.is_none_or(|b| !b.is_ascii_alphanumeric())
        {
            return Some(line[at..=at + count].to_owned());
        }
    }
    None
}

/// How many ASCII digits `text` starts with.
fn digits(text: &str) -> usize {
    text.bytes().take_while(u8::is_ascii_digit).count()
}

/// The first path of [`OUTSIDE_PATHS`] in `line` that starts a path (not inside a word, as in
/// `target/tmp`) and ends there or continues with `/`.
fn outside_path(line: &str) -> Option<&'static str> {
    OUTSIDE_PATHS.into_iter().find(|path| {
        line.match_indices(path).any(|(at, _)| {
            let before = line[..at].chars().next_back();
            let after = line[at + path.len()..].chars().next();
            let starts = path.starts_with('.')
                || before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
            starts && after.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '-'))
        })
    })
}
