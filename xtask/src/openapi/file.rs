//! Reading OpenAPI documents: YAML bytes to a JSON value (key order kept), and their checksums.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};

/// A document as read from disk: its exact bytes (for checksums) and its data.
#[derive(Debug, Clone)]
pub(crate) struct SpecFile {
    /// The raw bytes, as on disk.
    pub(crate) bytes: Vec<u8>,
    /// The parsed document, keys in document order.
    pub(crate) doc: Value,
}

impl SpecFile {
    /// Reads and parses a YAML (or JSON, which is YAML) file.
    pub(crate) fn read(path: &Path) -> Result<Self> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(bytes, &path.display().to_string())
    }

    /// Parses bytes already in memory; `origin` names them in errors.
    pub(crate) fn parse(bytes: Vec<u8>, origin: &str) -> Result<Self> {
        let doc = parse_yaml(&bytes).with_context(|| format!("{origin} is not valid YAML"))?;
        Ok(Self { bytes, doc })
    }

    /// SHA-256 of the bytes, lower-case hex.
    pub(crate) fn sha256(&self) -> String {
        sha256_hex(&self.bytes)
    }
}

/// SHA-256 of `bytes`, lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Parses YAML into a JSON value, keeping key order.
///
/// YAML is a superset of what OpenAPI documents need; anything JSON cannot hold (non-scalar or
/// null map keys, tags, non-finite floats) is an error rather than a guess.
pub(crate) fn parse_yaml(bytes: &[u8]) -> Result<Value> {
    // A document written as JSON is read as JSON: YAML would fold a raw U+2028 or U+2029 in a
    // string (line breaks to YAML 1.1, plain characters to JSON). Anything else is YAML.
    if bytes.trim_ascii_start().starts_with(b"{")
        && let Ok(doc) = serde_json::from_slice::<Value>(bytes)
    {
        return Ok(doc);
    }
    // Straight into a JSON value is twice as fast as through a YAML value (which matters for
    // Telnyx's 4 MB document), but it would read `.nan`/`.inf` as null; such input, and anything
    // the direct path refuses, takes the strict path, which also says where the problem is.
    if !mentions_non_finite_float(bytes)
        && let Ok(doc) = serde_yaml_ng::from_slice::<Value>(bytes)
    {
        return Ok(doc);
    }
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_slice(bytes)?;
    yaml_to_json(yaml, &mut String::new())
}

/// Whether `bytes` contain YAML's spelling of NaN or infinity (`.nan`, `.inf`, any case).
///
/// A plain loop over the bytes: this runs over Telnyx's 4 MB document in the unoptimised builds
/// `cargo xtask` uses, where the iterator adapters of `windows(4).any(…)` cost several times more.
fn mentions_non_finite_float(bytes: &[u8]) -> bool {
    let mut at = 0;
    while at + 4 <= bytes.len() {
        if bytes[at] == b'.' {
            let word = &bytes[at + 1..at + 4];
            if word.eq_ignore_ascii_case(b"nan") || word.eq_ignore_ascii_case(b"inf") {
                return true;
            }
        }
        at += 1;
    }
    false
}

fn yaml_to_json(yaml: serde_yaml_ng::Value, pointer: &mut String) -> Result<Value> {
    use serde_yaml_ng::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                match Number::from_f64(f) {
                    Some(number) => Value::Number(number),
                    None => bail!("at {}: {f} is not a JSON number", display_pointer(pointer)),
                }
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.into_iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{index}"));
                out.push(yaml_to_json(item, pointer)?);
                pointer.truncate(len);
            }
            Value::Array(out)
        }
        Y::Mapping(mapping) => {
            let mut out = Map::with_capacity(mapping.len());
            for (key, value) in mapping {
                let key = match key {
                    Y::String(s) => s,
                    // Unquoted response codes (`201:`) are numbers in YAML and strings in OpenAPI.
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => bail!(
                        "at {}: a map key must be a string, found {other:?}",
                        display_pointer(pointer)
                    ),
                };
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer_token(&key));
                let value = yaml_to_json(value, pointer)?;
                pointer.truncate(len);
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => bail!(
            "at {}: YAML tag {} is not supported in OpenAPI documents",
            display_pointer(pointer),
            tagged.tag
        ),
    })
}

/// Escapes one reference token of a JSON pointer (RFC 6901); borrowed when there is nothing to
/// escape (most keys: walks over whole documents call this once per key).
pub(crate) fn escape_pointer_token(token: &str) -> std::borrow::Cow<'_, str> {
    if token.as_bytes().contains(&b'~') || token.as_bytes().contains(&b'/') {
        token.replace('~', "~0").replace('/', "~1").into()
    } else {
        token.into()
    }
}

/// Shows the root pointer as `/` rather than an empty string.
pub(crate) fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `json_text_reads_back_as_the_same_value`: read as YAML, a JSON key holding a raw
    /// U+2028 came back changed.
    #[test]
    fn json_text_is_read_as_json() {
        let doc = serde_json::json!({"\u{2028}": ["a\u{2029}b"], "k": {"\u{85}": 1}});
        for text in [
            doc.to_string(),
            serde_json::to_string_pretty(&doc).expect("json"),
        ] {
            assert_eq!(
                parse_yaml(text.as_bytes()).expect("parses"),
                doc,
                "{text:?}"
            );
        }
    }

    #[test]
    fn keeps_key_order_and_stringifies_numeric_keys() {
        let doc = parse_yaml(b"b: 1\na:\n  201: {x: 2}\n").expect("valid yaml");
        let keys: Vec<_> = doc.as_object().expect("map").keys().cloned().collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(doc["a"]["201"]["x"], 2);
    }

    #[test]
    fn non_finite_floats_are_refused_not_read_as_null() {
        let err = parse_yaml(b"a:\n  b: .NaN\n").expect_err("NaN is not JSON");
        assert!(err.to_string().contains("/a/b"), "{err}");
        let err = parse_yaml(b"a: [-.inf]\n").expect_err("infinity is not JSON");
        assert!(err.to_string().contains("/a/0"), "{err}");
        // A word that merely contains the letters is fine.
        assert_eq!(
            parse_yaml(b"a: .information\n").expect("text")["a"],
            ".information"
        );
    }

    #[test]
    fn the_non_finite_spellings_are_found_anywhere_and_only_whole() {
        for text in [".nan", "a: .NaN", "x.Inf", "[.INF]"] {
            assert!(mentions_non_finite_float(text.as_bytes()), "{text}");
        }
        for text in ["", ".na", "nan", ". nan", "a: 1.5"] {
            assert!(!mentions_non_finite_float(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn pointer_tokens_are_escaped_and_borrowed_when_plain() {
        assert_eq!(escape_pointer_token("a/b~c"), "a~1b~0c");
        assert!(matches!(
            escape_pointer_token("plain"),
            std::borrow::Cow::Borrowed("plain")
        ));
    }

    #[test]
    fn refuses_tags_with_the_pointer() {
        let err = parse_yaml(b"a:\n  b: !custom 1\n").expect_err("tags are refused");
        assert!(err.to_string().contains("/a/b"), "{err}");
    }
}
