//! Which Rust code is a crate's own logic and which is test code.
//!
//! Test code is an item under a test attribute (`#[cfg(test)]`, `#[cfg(all(test, …))]`,
//! `#[test]`, `#[tokio::test]`), a file with `#![cfg(test)]`, and every file of a module declared
//! under such an attribute (`#[cfg(test)] mod proptests;`), with that module's own submodules.

use std::collections::BTreeSet;

use super::Tree;
use super::lexer::{Kind, Token, tokens};

/// A file's code tokens (comments dropped), without its test items.
pub(crate) struct Code {
    pub(crate) tokens: Vec<Token>,
    /// The modules the file declares under a test attribute (`mod name;`).
    pub(crate) test_modules: Vec<String>,
    /// The modules the file declares without a body, test or not.
    pub(crate) modules: Vec<String>,
    /// `#![cfg(test)]`: the whole file is test code.
    pub(crate) test_only: bool,
}

impl Code {
    /// Splits `text` into the code that is not test code, and the modules it declares.
    pub(crate) fn of(text: &str) -> Self {
        let all: Vec<Token> = tokens(text)
            .into_iter()
            .filter(|t| !matches!(t.kind, Kind::Comment { .. }))
            .collect();
        let mut code = Self {
            tokens: Vec::new(),
            test_modules: Vec::new(),
            modules: Vec::new(),
            test_only: false,
        };
        let mut i = 0;
        while i < all.len() {
            if let Some(name) = module_declaration(&all, i) {
                code.modules.push(name);
            }
            let Some((end, inner)) = attribute(&all, i) else {
                code.tokens.push(all[i].clone());
                i += 1;
                continue;
            };
            if !is_test_attribute(&all[i..end]) {
                code.tokens.extend_from_slice(&all[i..end]);
                i = end;
            } else if inner {
                code.test_only = true;
                i = end;
            } else {
                let item_end = item_end(&all, end);
                if let Some(name) = (end..item_end).find_map(|at| module_declaration(&all, at)) {
                    code.modules.push(name.clone());
                    code.test_modules.push(name);
                }
                i = item_end;
            }
        }
        code
    }
}

/// If an attribute (`#[…]` or `#![…]`) starts at `at`: the index after its `]`, and whether it
/// is an inner one.
fn attribute(tokens: &[Token], at: usize) -> Option<(usize, bool)> {
    if !tokens[at].is_punct('#') {
        return None;
    }
    let inner = tokens.get(at + 1).is_some_and(|t| t.is_punct('!'));
    let open = at + 1 + usize::from(inner);
    if !tokens.get(open).is_some_and(|t| t.is_punct('[')) {
        return None;
    }
    Some((matching_close(tokens, open) + 1, inner))
}

/// The index of the delimiter closing the one at `open` (or the last index if it never closes).
fn matching_close(tokens: &[Token], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token.kind {
            Kind::Punct('(' | '[' | '{') => depth += 1,
            Kind::Punct(')' | ']' | '}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    tokens.len().saturating_sub(1)
}

/// Whether the attribute tokens (`#`, `[`, …, `]`) mark test code: `test` or a path ending in
/// `::test` (`#[tokio::test]`), or a `cfg` naming `test` outside a `not(…)`.
fn is_test_attribute(attribute: &[Token]) -> bool {
    let start = attribute.iter().position(|t| t.is_punct('[')).unwrap_or(0) + 1;
    let body = &attribute[start..attribute.len().saturating_sub(1)];
    let path_end = body
        .iter()
        .position(|t| !matches!(t.kind, Kind::Ident(_) | Kind::Punct(':')))
        .unwrap_or(body.len());
    let path = &body[..path_end];
    if path.last().is_some_and(|t| t.is_ident("test")) {
        return true;
    }
    path.len() == 1
        && path[0].is_ident("cfg")
        && body.iter().any(|t| t.is_ident("test"))
        && !body.iter().any(|t| t.is_ident("not"))
}

/// The end of the item that starts at `start` (after its attributes): after its `;` or its
/// body's `}`, whichever comes first outside brackets; never past the end of the enclosing block.
fn item_end(tokens: &[Token], start: usize) -> usize {
    let mut i = start;
    while i < tokens.len() {
        match tokens[i].kind {
            Kind::Punct(';') => return i + 1,
            Kind::Punct('{') => return matching_close(tokens, i) + 1,
            Kind::Punct('(' | '[') => i = matching_close(tokens, i) + 1,
            Kind::Punct(')' | ']' | '}') => return i,
            _ => i += 1,
        }
    }
    tokens.len()
}

/// If a module declaration without a body (`mod name;`, any visibility) starts at `at`: its name.
fn module_declaration(tokens: &[Token], at: usize) -> Option<String> {
    match tokens.get(at..at + 3)? {
        [keyword, name, semicolon] if keyword.is_ident("mod") && semicolon.is_punct(';') => {
            match &name.kind {
                Kind::Ident(name) => Some(name.clone()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The files of `tree` that are test code as a whole: declared as a test module, marked
/// `#![cfg(test)]`, or a submodule of such a file.
pub(crate) fn test_files(tree: &Tree, files: &[&str]) -> BTreeSet<String> {
    let parsed: Vec<(&str, Code)> = files
        .iter()
        .map(|path| (*path, Code::of(tree.text(path))))
        .collect();
    let mut test: BTreeSet<String> = parsed
        .iter()
        .filter(|(_, code)| code.test_only)
        .map(|(path, _)| (*path).to_owned())
        .collect();
    loop {
        let before = test.len();
        for (path, code) in &parsed {
            let whole_file = test.contains(*path);
            let declared = if whole_file {
                &code.modules
            } else {
                &code.test_modules
            };
            for name in declared {
                test.extend(module_files(path, name));
            }
        }
        if test.len() == before {
            return test;
        }
    }
}

/// Where the module `name` declared in `parent` lives: `name.rs` or `name/mod.rs` beside a
/// `lib.rs`, `main.rs` or `mod.rs`, else in the directory named after `parent`.
pub(crate) fn module_files(parent: &str, name: &str) -> [String; 2] {
    let (dir, file) = parent.rsplit_once('/').unwrap_or(("", parent));
    let stem = file.strip_suffix(".rs").unwrap_or(file);
    let base = match stem {
        "lib" | "main" | "mod" => dir.to_owned(),
        _ => format!("{dir}/{stem}"),
    };
    [format!("{base}/{name}.rs"), format!("{base}/{name}/mod.rs")]
}
