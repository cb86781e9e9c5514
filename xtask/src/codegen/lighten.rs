//! Per-request work progenitor generates that this API's operations never need, removed from the
//! generated methods (once, at generation, instead of on every call):
//!
//! - a path parameter typed `Uuid` is formatted as `encode_path(&room_id.to_string())`: a `String`
//!   allocated, then percent-encoded. A UUID's text is hex digits and hyphens, which a path segment
//!   carries unencoded, so the `Uuid` is formatted straight into the URL — the same bytes;
//! - a `HeaderMap` built for header parameters and merged into every request. With no header
//!   parameter (and progenitor's `api-version` header removed, see `render.rs`) it stays empty,
//!   so both the map and the merge go;
//! - `ResponseValue::from_response` copies the whole response `HeaderMap` before reading the body;
//!   the calls go to `crate::hooks::response_value` instead, which moves it (same result);
//! - each method formats `self.baseurl` and its path into a string that `reqwest` then parses
//!   whole, scheme and host included. The `Client` keeps its base URL parsed
//!   (`crate::hooks::ParsedBase`, built in `new_with_client`) and the methods call
//!   `crate::hooks::operation_url`, which parses only the path — the same URL.
//!
//! Each rewrite is applied only where the generated code has exactly the expected shape;
//! anything else is left as progenitor wrote it. How many times each must apply follows from the
//! document ([`Lightened::expected`]); generation fails, naming the rewrite, when the counts differ
//! ([`Lightened::check`]), so a progenitor upgrade that changes the shapes cannot silently leave
//! the per-call work in.

use anyhow::{Result, bail};
use quote::quote;
use serde_json::Value;
use syn::punctuated::Punctuated;
use syn::visit_mut::VisitMut;
use syn::{Expr, FnArg, Pat, Stmt, Token};

use crate::openapi::walk::{operations_of, resolve};

/// How many rewrites [`lighten`] made.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Lightened {
    /// `encode_path(&<uuid>.to_string())` arguments replaced by the `Uuid` itself.
    pub(crate) uuid_segments: usize,
    /// Empty header maps removed (declaration and merge).
    pub(crate) empty_header_maps: usize,
    /// `ResponseValue::from_response(..)` calls sent to `crate::hooks::response_value(..)`.
    pub(crate) moved_headers: usize,
    /// The `Client` struct and its constructor given the parsed base URL (0, 1 or 2 of them).
    pub(crate) parsed_base: usize,
    /// `format!("{}…", self.baseurl, …)` URLs built by `crate::hooks::operation_url` instead.
    pub(crate) operation_urls: usize,
}

/// Applies the rewrites to every method of `file`.
pub(crate) fn lighten(file: &mut syn::File) -> Lightened {
    let mut pass = Pass(Lightened::default());
    pass.visit_file_mut(file);
    pass.0
}

impl Lightened {
    /// How many times each rewrite applies to the client progenitor generates from `doc` (the
    /// converted document it was given): one URL per operation, one empty header map per
    /// operation without header parameters, one `Uuid` segment per UUID path parameter, one moved
    /// header map per response with a JSON body (progenitor decodes each in its own match arm),
    /// and the `Client` struct and its constructor.
    pub(crate) fn expected(doc: &Value) -> Self {
        let mut expected = Self {
            parsed_base: 2,
            ..Self::default()
        };
        let paths = doc.get("paths").and_then(Value::as_object);
        for item in paths.into_iter().flat_map(|paths| paths.values()) {
            for (_, operation) in operations_of(item) {
                let params: Vec<&Value> = [item.get("parameters"), operation.get("parameters")]
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_array)
                    .flatten()
                    .filter_map(|param| resolve(doc, param))
                    .collect();
                fn place(param: &Value) -> Option<&str> {
                    param.get("in").and_then(Value::as_str)
                }
                expected.operation_urls += 1;
                expected.empty_header_maps +=
                    usize::from(!params.iter().any(|p| place(p) == Some("header")));
                expected.uuid_segments += params
                    .iter()
                    .filter(|p| place(p) == Some("path") && is_uuid(doc, p))
                    .count();
                let responses = operation.get("responses").and_then(Value::as_object);
                expected.moved_headers += responses
                    .into_iter()
                    .flat_map(|responses| responses.values())
                    .filter(|response| has_json_body(doc, response))
                    .count();
            }
        }
        expected
    }

    /// Fails, naming each rewrite that did not apply as often as `expected` says.
    pub(crate) fn check(&self, expected: &Self) -> Result<()> {
        let rewrites = [
            (
                "uuid-segments",
                "encode_path(&<uuid>.to_string()) → <uuid>",
                self.uuid_segments,
                expected.uuid_segments,
            ),
            (
                "empty-header-maps",
                "an empty HeaderMap and its merge removed",
                self.empty_header_maps,
                expected.empty_header_maps,
            ),
            (
                "moved-headers",
                "ResponseValue::from_response → crate::hooks::response_value",
                self.moved_headers,
                expected.moved_headers,
            ),
            (
                "parsed-base",
                "Client keeps its base URL parsed",
                self.parsed_base,
                expected.parsed_base,
            ),
            (
                "operation-urls",
                "format!(\"{}…\", self.baseurl, …) → crate::hooks::operation_url",
                self.operation_urls,
                expected.operation_urls,
            ),
        ];
        let wrong: Vec<String> = rewrites
            .iter()
            .filter(|(_, _, done, want)| done != want)
            .map(|(name, what, done, want)| {
                format!("rewrite `{name}` ({what}) applied {done} times, expected {want}")
            })
            .collect();
        if !wrong.is_empty() {
            bail!(
                "progenitor's output no longer has the shape xtask/src/codegen/lighten.rs rewrites:\n  - {}\n\
                 Update the rewrite to the new shape (or remove it and record its cost in BENCHMARKS.md).",
                wrong.join("\n  - ")
            );
        }
        Ok(())
    }
}

/// A path parameter progenitor types `Uuid`: a string of format `uuid`.
fn is_uuid(doc: &Value, param: &Value) -> bool {
    let schema = param.get("schema").and_then(|schema| resolve(doc, schema));
    schema.is_some_and(|schema| {
        schema.get("type").and_then(Value::as_str) == Some("string")
            && schema.get("format").and_then(Value::as_str) == Some("uuid")
    })
}

/// A response progenitor decodes as JSON (a media type `application/json`, parameters allowed).
fn has_json_body(doc: &Value, response: &Value) -> bool {
    resolve(doc, response)
        .and_then(|response| response.get("content"))
        .and_then(Value::as_object)
        .is_some_and(|content| {
            content
                .keys()
                .any(|media| media == "application/json" || media.starts_with("application/json;"))
        })
}

struct Pass(Lightened);

impl VisitMut for Pass {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        if item.ident == "Client"
            && let syn::Fields::Named(fields) = &mut item.fields
            && fields
                .named
                .iter()
                .any(|field| is_named(field.ident.as_ref(), "baseurl"))
        {
            fields
                .named
                .push(syn::parse_quote!(pub(crate) base: Option<crate::hooks::ParsedBase>));
            self.0.parsed_base += 1;
        }
        syn::visit_mut::visit_item_struct_mut(self, item);
    }

    fn visit_expr_struct_mut(&mut self, literal: &mut syn::ExprStruct) {
        let is_self = literal.path.is_ident("Self");
        let has_baseurl = literal.fields.iter().any(|field| match &field.member {
            syn::Member::Named(name) => name == "baseurl",
            syn::Member::Unnamed(_) => false,
        });
        if is_self && has_baseurl {
            literal
                .fields
                .push(syn::parse_quote!(base: crate::hooks::ParsedBase::new(baseurl)));
            self.0.parsed_base += 1;
        }
        syn::visit_mut::visit_expr_struct_mut(self, literal);
    }

    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        let is_url = matches!(&local.pat, Pat::Ident(pat) if pat.ident == "url");
        if is_url
            && let Some(init) = &mut local.init
            && let Some(built) = operation_url(&init.expr)
        {
            *init.expr = built;
            self.0.operation_urls += 1;
        }
        syn::visit_mut::visit_local_mut(self, local);
    }

    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        if let Expr::Path(func) = &*call.func {
            let text = quote!(#func).to_string().replace(' ', "");
            if text == "ResponseValue::from_response" {
                *call.func = syn::parse_quote!(crate::hooks::response_value);
                self.0.moved_headers += 1;
            }
        }
        syn::visit_mut::visit_expr_call_mut(self, call);
    }

    fn visit_impl_item_fn_mut(&mut self, method: &mut syn::ImplItemFn) {
        let uuids: Vec<syn::Ident> = method
            .sig
            .inputs
            .iter()
            .filter_map(|input| match input {
                FnArg::Typed(typed) if is_uuid_ref(&typed.ty) => match &*typed.pat {
                    Pat::Ident(pat) => Some(pat.ident.clone()),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        if !uuids.is_empty() {
            let mut segments = UuidSegments { uuids, replaced: 0 };
            segments.visit_block_mut(&mut method.block);
            self.0.uuid_segments += segments.replaced;
        }
        if drop_empty_header_map(&mut method.block) {
            self.0.empty_header_maps += 1;
        }
        syn::visit_mut::visit_impl_item_fn_mut(self, method);
    }
}

fn is_named(ident: Option<&syn::Ident>, name: &str) -> bool {
    ident.is_some_and(|ident| ident == name)
}

/// `format!("{}<path>", self.baseurl, <args>)` as
/// `crate::hooks::operation_url(&self.baseurl, self.base.as_ref(), format_args!("<path>", <args>))`
/// `.map_err(Error::InvalidRequest)?`.
fn operation_url(expr: &Expr) -> Option<Expr> {
    let Expr::Macro(mac) = expr else { return None };
    if !mac.mac.path.is_ident("format") {
        return None;
    }
    let args = mac
        .mac
        .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .ok()?;
    let mut args = args.into_iter();
    let Some(Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(template),
        ..
    })) = args.next()
    else {
        return None;
    };
    let path = template.value().strip_prefix("{}")?.to_owned();
    let base = args.next()?;
    if quote!(#base).to_string().replace(' ', "") != "self.baseurl" {
        return None;
    }
    let rest: Vec<Expr> = args.collect();
    Some(syn::parse_quote! {
        crate::hooks::operation_url(
            &self.baseurl,
            self.base.as_ref(),
            format_args!(#path #(, #rest)*),
        )
        .map_err(Error::InvalidRequest)?
    })
}

/// `&'a ::uuid::Uuid` (any lifetime).
fn is_uuid_ref(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(reference) => {
            let inner = &reference.elem;
            let text = quote!(#inner).to_string().replace(' ', "");
            text == "::uuid::Uuid" || text == "uuid::Uuid"
        }
        _ => false,
    }
}

/// Rewrites `encode_path(&<uuid>.to_string())` inside `format!` to `<uuid>`.
struct UuidSegments {
    uuids: Vec<syn::Ident>,
    replaced: usize,
}

impl VisitMut for UuidSegments {
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if !mac.path.is_ident("format") {
            return;
        }
        let Ok(mut args) = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        else {
            return;
        };
        let mut changed = false;
        for arg in args.iter_mut() {
            if let Some(uuid) = self.encoded_uuid(arg) {
                *arg = syn::parse_quote!(#uuid);
                changed = true;
                self.replaced += 1;
            }
        }
        if changed {
            mac.tokens = quote!(#args);
        }
    }
}

impl UuidSegments {
    /// The parameter in `encode_path(&<param>.to_string())`, when it is one of the `Uuid`s.
    fn encoded_uuid(&self, expr: &Expr) -> Option<syn::Ident> {
        let Expr::Call(call) = expr else { return None };
        let Expr::Path(func) = &*call.func else {
            return None;
        };
        if !func.path.is_ident("encode_path") || call.args.len() != 1 {
            return None;
        }
        let Some(Expr::Reference(reference)) = call.args.first() else {
            return None;
        };
        let Expr::MethodCall(to_string) = &*reference.expr else {
            return None;
        };
        if to_string.method != "to_string" || !to_string.args.is_empty() {
            return None;
        }
        let Expr::Path(receiver) = &*to_string.receiver else {
            return None;
        };
        let ident = receiver.path.get_ident()?;
        self.uuids.contains(ident).then(|| ident.clone())
    }
}

/// Removes `let mut header_map = …HeaderMap::with_capacity(…);` and `.headers(header_map)` when
/// nothing else in `block` touches `header_map` (nothing is ever inserted). Whether it did.
fn drop_empty_header_map(block: &mut syn::Block) -> bool {
    let Some(index) = block.stmts.iter().position(declares_header_map) else {
        return false;
    };
    // The declaration and the merge: any other mention is an insertion.
    if mentions(&quote!(#block), "header_map") != 2 {
        return false;
    }
    let mut merge = DropMerge(false);
    for stmt in &mut block.stmts {
        merge.visit_stmt_mut(stmt);
    }
    if !merge.0 {
        return false;
    }
    block.stmts.remove(index);
    true
}

fn declares_header_map(stmt: &Stmt) -> bool {
    let Stmt::Local(local) = stmt else {
        return false;
    };
    let Pat::Ident(pat) = &local.pat else {
        return false;
    };
    let init = local.init.as_ref().map(|init| &init.expr);
    pat.ident == "header_map"
        && init.is_some_and(|expr| {
            quote!(#expr)
                .to_string()
                .replace(' ', "")
                .contains("HeaderMap::with_capacity(")
        })
}

fn mentions(tokens: &proc_macro2::TokenStream, name: &str) -> usize {
    tokens
        .clone()
        .into_iter()
        .map(|tree| match tree {
            proc_macro2::TokenTree::Ident(ident) => usize::from(ident == name),
            proc_macro2::TokenTree::Group(group) => mentions(&group.stream(), name),
            _ => 0,
        })
        .sum()
}

/// Replaces `<receiver>.headers(header_map)` by `<receiver>`.
struct DropMerge(bool);

impl VisitMut for DropMerge {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::MethodCall(call) = expr {
            let merges_map = call.method == "headers"
                && call.args.len() == 1
                && matches!(call.args.first(), Some(Expr::Path(arg)) if arg.path.is_ident("header_map"));
            if merges_map {
                *expr = (*call.receiver).clone();
                self.0 = true;
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// The rewrites on the real generated client: progenitor run on the vendored spec, as `cargo xtask
/// codegen` runs it, never a hand-made imitation of its output.
#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::*;
    use crate::codegen::inputs::Inputs;
    use crate::codegen::render::{Generated, generate, render_spec_text};
    use crate::paths::Workspace;

    fn inputs() -> Inputs {
        Inputs::read(&Workspace::of_tests()).expect("the workspace's inputs")
    }

    #[test]
    fn every_rewrite_applies_to_the_real_generated_client_as_often_as_expected() {
        let Generated {
            mut file,
            doc,
            operations,
        } = generate(&inputs()).expect("generates");
        let expected = Lightened::expected(&doc);
        assert_eq!(expected.operation_urls, operations.len());
        assert_eq!(
            expected.empty_header_maps,
            operations.len(),
            "no header parameters"
        );
        let uuids: usize = operations.iter().map(|op| op.path_params.len()).sum();
        assert_eq!(
            expected.uuid_segments, uuids,
            "every path parameter is a UUID"
        );
        assert!(expected.moved_headers > operations.len(), "{expected:?}");

        let done = lighten(&mut file);
        assert_eq!(done, expected);
        done.check(&expected).expect("the counts agree");
        let text = prettyplease::unparse(&file);
        for gone in ["from_response", "header_map", "encode_path(", "format!("] {
            assert!(!text.contains(gone), "`{gone}` is left");
        }
        assert_eq!(
            text.matches("crate::hooks::operation_url(").count(),
            operations.len()
        );
        assert_eq!(
            text.matches("crate::hooks::response_value(response)")
                .count(),
            expected.moved_headers
        );
        assert!(text.contains("pub(crate) base: Option<crate::hooks::ParsedBase>,"));
        assert!(text.contains("base: crate::hooks::ParsedBase::new(baseurl),"));
        // A UUID goes into the path as itself; the builder's other arguments are untouched.
        assert!(
            text.contains(
                "format_args!(\"/rooms/{}/actions/generate_join_client_token\", room_id)"
            ),
            "{text}"
        );
    }

    /// What a progenitor upgrade that changed a shape would do: the rewrite stops applying, and
    /// generation fails naming it rather than keeping the per-call work silently.
    #[test]
    fn a_rewrite_that_no_longer_applies_fails_naming_it() {
        let Generated { file, doc, .. } = generate(&inputs()).expect("generates");
        let expected = Lightened::expected(&doc);
        let tokens = file.to_token_stream().to_string();
        for (from, to, named) in [
            ("from_response", "from_response_v2", &["moved-headers"][..]),
            ("encode_path", "encode_segment", &["uuid-segments"]),
            (
                "with_capacity",
                "with_capacity_hint",
                &["empty-header-maps"],
            ),
            ("baseurl", "base_url", &["parsed-base", "operation-urls"]),
        ] {
            assert!(tokens.contains(from), "{from}");
            let mut changed: syn::File =
                syn::parse_str(&tokens.replace(from, to)).expect("still a Rust file");
            let message = format!(
                "{:#}",
                lighten(&mut changed).check(&expected).expect_err(from)
            );
            for name in named {
                assert!(message.contains(&format!("rewrite `{name}`")), "{message}");
            }
            assert_eq!(
                message.matches("rewrite `").count(),
                named.len(),
                "{message}"
            );
        }
    }

    /// An operation with a header parameter keeps its header map (it is filled), and the
    /// expectation knows it: generation succeeds.
    #[test]
    fn a_header_map_that_receives_headers_is_kept() {
        let inputs = inputs();
        let text = String::from_utf8(inputs.spec.bytes.clone()).expect("utf-8 spec");
        let anchor = "      operationId: CreateRoom\n";
        assert!(
            text.contains(anchor),
            "the vendored spec changed shape; update this test"
        );
        let header = "      parameters:\n      - in: header\n        name: x-idempotency-key\n        schema:\n          type: string\n";
        let spec = text.replacen(anchor, &format!("{anchor}{header}"), 1);
        let rendered = render_spec_text(&spec, &inputs).expect("renders");
        assert_eq!(rendered.matches("header_map.append(").count(), 1);
        assert_eq!(rendered.matches(".headers(header_map)").count(), 1);
    }
}
