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
//! anything else is left as progenitor wrote it.

use quote::quote;
use syn::punctuated::Punctuated;
use syn::visit_mut::VisitMut;
use syn::{Expr, FnArg, Pat, Stmt, Token};

/// How many rewrites [`lighten`] made.
#[derive(Debug, Default, PartialEq, Eq)]
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

/// Applies both rewrites to every method of `file`.
pub(crate) fn lighten(file: &mut syn::File) -> Lightened {
    let mut pass = Pass(Lightened::default());
    pass.visit_file_mut(file);
    pass.0
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lightened(code: proc_macro2::TokenStream) -> (String, Lightened) {
        let mut file: syn::File = syn::parse2(code).expect("a Rust file");
        let counts = lighten(&mut file);
        (prettyplease::unparse(&file), counts)
    }

    #[test]
    fn a_uuid_segment_is_formatted_directly_and_an_empty_header_map_goes() {
        let (text, counts) = lightened(quote! {
            impl Client {
                pub async fn op<'a>(&'a self, room_id: &'a ::uuid::Uuid, name: &'a str) {
                    let url = format!("{}/rooms/{}/x/{}", self.baseurl,
                        encode_path(&room_id.to_string()), encode_path(&name.to_string()),);
                    let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                    let request = self.client.post(url).json(&body).headers(header_map).build()?;
                    match status {
                        201u16 => ResponseValue::from_response(response).await,
                        _ => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                    }
                }
            }
        });
        assert_eq!(
            counts,
            Lightened {
                uuid_segments: 1,
                empty_header_maps: 1,
                moved_headers: 2,
                parsed_base: 0,
                operation_urls: 1,
            }
        );
        assert!(!text.contains("from_response"), "{text}");
        assert_eq!(
            text.matches("crate::hooks::response_value(response)")
                .count(),
            2
        );
        // prettyplease leaves a macro's tokens spaced as tokens.
        assert!(
            text.contains(
                "format_args!(\"/rooms/{}/x/{}\", room_id, encode_path(& name.to_string()))"
            ),
            "{text}"
        );
        assert!(
            text.contains("crate::hooks::operation_url(\n") && text.contains("self.base.as_ref(),"),
            "{text}"
        );
        assert!(!text.contains("format!"), "{text}");
        assert!(!text.contains("header_map"), "{text}");
        assert!(text.contains(".json(&body).build()?"), "{text}");
    }

    #[test]
    fn the_client_keeps_its_base_url_parsed() {
        let (text, counts) = lightened(quote! {
            #[derive(Clone, Debug)]
            pub struct Client {
                pub(crate) baseurl: String,
                pub(crate) client: reqwest::Client,
                pub(crate) inner: crate::Credentials,
            }
            impl Client {
                pub fn new_with_client(baseurl: &str, client: reqwest::Client, inner: crate::Credentials) -> Self {
                    Self { baseurl: baseurl.to_string(), client, inner }
                }
                pub async fn op<'a>(&'a self) {
                    let url = format!("{}/fixed/path", self.baseurl,);
                    let other = format!("{}/not/a/url", self.baseurl);
                }
            }
        });
        assert_eq!(
            (counts.parsed_base, counts.operation_urls),
            (2, 1),
            "{text}"
        );
        assert!(
            text.contains("pub(crate) base: Option<crate::hooks::ParsedBase>,"),
            "{text}"
        );
        assert!(
            text.contains("base: crate::hooks::ParsedBase::new(baseurl),"),
            "{text}"
        );
        assert!(text.contains("format_args!(\"/fixed/path\")"), "{text}");
        // Only the `url` binding of a method is a request URL.
        assert!(
            text.contains("format!(\"{}/not/a/url\", self.baseurl)"),
            "{text}"
        );
    }

    #[test]
    fn a_header_map_that_receives_headers_is_kept() {
        let (text, counts) = lightened(quote! {
            impl Client {
                pub async fn op<'a>(&'a self, key: &'a str) {
                    let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                    header_map.append("x-key", key.to_string().try_into()?);
                    let request = self.client.post(url).headers(header_map).build()?;
                }
            }
        });
        assert_eq!(counts, Lightened::default());
        assert!(text.contains(".headers(header_map)"), "{text}");
    }
}
