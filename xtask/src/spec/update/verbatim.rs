//! Writing the subset as upstream's own text: each kept block copied byte for byte, re-nested.
//!
//! Telnyx's `spec3.yml` is block-style YAML with consistent indentation, so every path item,
//! operation, component and tag is a run of lines that can be copied unchanged. Copying text
//! rather than re-serialising keeps upstream's quoting and line wrapping (a re-serialiser would,
//! for one, leave `2021-04-22T12:15:05Z` examples unquoted, which YAML 1.1 readers take for
//! timestamps), so the vendored file reads exactly like the upstream one. Every result is parsed
//! back and compared with the subset as data; text this module cannot slice safely is refused.

use std::ops::Range;

use serde_json::{Map, Value};

use crate::openapi::file::parse_yaml;
use crate::openapi::walk::METHODS;

/// Upstream text split into lines, each keeping its line break.
struct Lines<'a> {
    lines: Vec<&'a str>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            lines: text.split_inclusive('\n').collect(),
        }
    }

    /// Line ranges of the entries of a block mapping whose keys sit at column `indent`, within
    /// `range`, one per key of `map` and in its order; `None` unless the text has that shape.
    fn mapping(
        &self,
        range: Range<usize>,
        indent: usize,
        map: &Map<String, Value>,
    ) -> Option<Vec<Range<usize>>> {
        let starts: Vec<usize> = range
            .clone()
            .filter(|&i| {
                let line = self.lines[i];
                column(line) == Some(indent) && !line[indent..].starts_with(['-', '#'])
            })
            .collect();
        let entries = split(&starts, range.end);
        let shaped = entries.len() == map.len()
            && starts.first() == Some(&range.start)
            && entries
                .iter()
                .zip(map.keys())
                .all(|(entry, key)| self.key_line_matches(entry.start, indent, key));
        shaped.then_some(entries)
    }

    /// Line ranges of the items of a block sequence whose `- ` sits at column `indent`.
    fn sequence(
        &self,
        range: Range<usize>,
        indent: usize,
        len: usize,
    ) -> Option<Vec<Range<usize>>> {
        let starts: Vec<usize> = range
            .clone()
            .filter(|&i| {
                let line = self.lines[i];
                column(line) == Some(indent) && line[indent..].starts_with("- ")
            })
            .collect();
        let items = split(&starts, range.end);
        (items.len() == len && starts.first() == Some(&range.start)).then_some(items)
    }

    /// Whether the line starting an entry spells `key` (plain, or quoted for keys like `'201'`).
    fn key_line_matches(&self, line: usize, indent: usize, key: &str) -> bool {
        let text = &self.lines[line][indent..];
        [key.to_string(), format!("'{key}'"), format!("\"{key}\"")]
            .iter()
            .any(|spelled| {
                text.strip_prefix(spelled.as_str())
                    .is_some_and(|rest| rest.starts_with(':'))
            })
    }

    fn copy(&self, range: Range<usize>, out: &mut String) {
        for line in &self.lines[range] {
            out.push_str(line);
        }
    }
}

/// The column of a line's first character; `None` for blank lines, which never end a block
/// (block scalars may hold empty lines at column 0).
fn column(line: &str) -> Option<usize> {
    let trimmed = line.trim_start_matches(' ');
    (!trimmed.trim().is_empty()).then(|| line.len() - trimmed.len())
}

fn split(starts: &[usize], end: usize) -> Vec<Range<usize>> {
    starts
        .iter()
        .enumerate()
        .map(|(index, &start)| start..starts.get(index + 1).copied().unwrap_or(end))
        .collect()
}

/// Writes `subset` (cut from `upstream_doc`, parsed from `upstream_text`) using upstream's own
/// lines. `None` when the upstream text is not laid out as this module expects or the result would
/// not read back as `subset`; the caller then serialises the data instead.
pub(crate) fn render(upstream_text: &str, upstream_doc: &Value, subset: &Value) -> Option<String> {
    let lines = Lines::new(upstream_text);
    let root = upstream_doc.as_object()?;
    let top = lines.mapping(0..lines.lines.len(), 0, root)?;
    let entry = |key: &str| {
        root.keys()
            .position(|k| k == key)
            .map(|index| top[index].clone())
    };
    let mut out = String::new();
    for (key, value) in subset.as_object()? {
        let range = entry(key)?;
        match key.as_str() {
            "paths" | "components" | "tags" => {
                section(&lines, key, range, &root[key], value, &mut out)?;
            }
            _ => lines.copy(range, &mut out),
        }
    }
    (parse_yaml(out.as_bytes()).ok()? == *subset).then_some(out)
}

/// Writes the kept part of a section the subset may cut: path items (some of whose operations
/// may be out of scope), component entries, or tags.
fn section(
    lines: &Lines<'_>,
    key: &str,
    range: Range<usize>,
    upstream: &Value,
    kept: &Value,
    out: &mut String,
) -> Option<()> {
    out.push_str(key);
    out.push_str(":\n");
    let inner = range.start + 1..range.end;
    if key == "tags" {
        let upstream = upstream.as_array()?;
        let items = lines.sequence(inner, 0, upstream.len())?;
        for tag in kept.as_array()? {
            let index = upstream.iter().position(|candidate| candidate == tag)?;
            lines.copy(items[index].clone(), out);
        }
        return Some(());
    }
    let upstream = upstream.as_object()?;
    let items = lines.mapping(inner, 2, upstream)?;
    for (name, kept_item) in kept.as_object()? {
        let index = upstream.keys().position(|k| k == name)?;
        let upstream_item = &upstream[name];
        if key == "paths" && upstream_item == kept_item {
            lines.copy(items[index].clone(), out);
            continue;
        }
        // A path item some of whose operations are out of scope, or a component section: the key
        // line, then the kept parts (every non-operation part of a path item).
        let upstream_item = upstream_item.as_object()?;
        let parts = lines.mapping(items[index].start + 1..items[index].end, 4, upstream_item)?;
        lines.copy(items[index].start..items[index].start + 1, out);
        for (part, part_key) in parts.into_iter().zip(upstream_item.keys()) {
            let operation = METHODS.contains(&part_key.as_str());
            if kept_item.get(part_key).is_some() || (key == "paths" && !operation) {
                lines.copy(part, out);
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPSTREAM: &str = "\
components:
  schemas:
    A:
      description: 'kept: quoted'
      type: string
    B:
      type: integer
info:
  description: \"long text \\
    \\ continued\"
  title: t
openapi: 3.1.0
paths:
  /a:
    get:
      operationId: GetA
      responses:
        '200':
          content:
            text/plain:
              schema:
                $ref: '#/components/schemas/A'
    parameters:
    - in: query
      name: q
    post:
      operationId: PostA
tags:
- description: first
  name: One
- name: Two
";

    #[test]
    fn copies_kept_blocks_byte_for_byte_and_drops_the_rest() {
        let doc = parse_yaml(UPSTREAM.as_bytes()).expect("yaml");
        let scope = crate::spec::scope::Scope {
            operations: vec!["GetA".into()],
            tags: vec![],
        };
        let subset = super::super::subset::extract(&doc, &scope).expect("subset");
        let text = render(UPSTREAM, &doc, &subset.doc).expect("sliceable");
        // Upstream's own lines, less the unreferenced schema, the other operation and the tags.
        let expected = UPSTREAM
            .replace("    B:\n      type: integer\n", "")
            .replace("    post:\n      operationId: PostA\n", "");
        let expected = &expected[..expected.find("tags:\n").expect("tags")];
        assert_eq!(text, expected);
    }

    #[test]
    fn text_laid_out_otherwise_is_refused_rather_than_guessed() {
        let flow = "{openapi: 3.1.0, paths: {}}\n";
        let doc = parse_yaml(flow.as_bytes()).expect("yaml");
        assert_eq!(render(flow, &doc, &doc), None);
        // Text that does not match the data it is said to be.
        let doc = parse_yaml(UPSTREAM.as_bytes()).expect("yaml");
        let other = UPSTREAM.replace("title: t", "title: x");
        assert_eq!(render(&other, &doc, &doc), None);
    }
}
