//! The generation pipeline proper: overlays → 3.1 → 3.0 → pre-check → metadata → progenitor →
//! one formatted Rust file.

use std::panic::{AssertUnwindSafe, catch_unwind};

use anyhow::{Context, Result, anyhow, bail};
use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;
use serde_json::Value;
use syn::visit_mut::VisitMut;

use super::agree;
use super::emit::{self, PROGENITOR_VERSION};
use super::inputs::Inputs;
use super::lighten::{Lightened, lighten};
use super::metadata::{self, OperationMeta};
use crate::openapi::deep_object;
use crate::openapi::downgrade::downgrade_to_30;
use crate::openapi::precheck;
use crate::openapi::walk::walk_schemas;

/// Renders the generated file. Pure: the same inputs give the same bytes.
pub(crate) fn render(inputs: &Inputs) -> Result<String> {
    let Generated { mut file, doc, .. } = generate(inputs)?;
    lighten(&mut file).check(&Lightened::expected(&doc))?;
    Ok(format!(
        "{}\n{}",
        emit::header(inputs),
        prettyplease::unparse(&file)
    ))
}

/// progenitor's client with the metadata and provenance beside it, before [`lighten`].
pub(crate) struct Generated {
    /// The Rust file.
    pub(crate) file: syn::File,
    /// The converted document progenitor was given.
    pub(crate) doc: Value,
    /// The operations' metadata.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "read by the tests of lighten and agree")
    )]
    pub(crate) operations: Vec<OperationMeta>,
}

/// Runs the pipeline up to progenitor's output: overlays, 3.1 → 3.0, deepObject parameters
/// spelled out, the pre-check, metadata, progenitor; the `api-version` header removed and the
/// metadata checked against the methods.
pub(crate) fn generate(inputs: &Inputs) -> Result<Generated> {
    let mut doc = inputs.spec.doc.clone();
    for overlay in &inputs.overlays {
        overlay.apply(&mut doc)?;
    }
    downgrade_to_30(&mut doc)?;
    deep_object::flatten(&mut doc)?;
    let problems = precheck::check(&doc);
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
        bail!(
            "{} has {} shape(s) that progenitor {PROGENITOR_VERSION} cannot generate (it would panic):\n{}\n\
             Correct them with an overlay in openapi/overlays/ (see openapi/README.md), or drop the \
             operation from the vendored subset.",
            inputs.spec_name,
            problems.len(),
            list.join("\n")
        );
    }
    let operations = metadata::extract(&doc)?;
    strip_defaults(&mut doc);
    let api: openapiv3::OpenAPI = serde_json::from_value(doc.clone())
        .context("the converted document is not valid OpenAPI 3.0")?;
    let client = generate_client(&api)?;

    let metadata = emit::metadata_tokens(&operations);
    let provenance = emit::provenance_tokens(&doc, &inputs.provenance, &inputs.spec.sha256());
    let mut file: syn::File = syn::parse2(quote! {
        #client
        #provenance
        #metadata
    })
    .context("progenitor produced tokens that are not a Rust file")?;
    agree::check(&file, &operations)?;
    if schemars_behind_feature(&mut file) == 0 {
        bail!("progenitor generated no `types` module with serde types: its output changed shape");
    }
    let removed = strip_api_version_header(&mut file);
    if removed != operations.len() {
        bail!(
            "expected to remove progenitor's `api-version` header from each of the {} operations, \
             removed it {removed} times: progenitor's output changed shape; update \
             `strip_api_version_header` in xtask/src/codegen/render.rs",
            operations.len()
        );
    }
    Ok(Generated {
        file,
        doc,
        operations,
    })
}

/// The server owns its defaults: progenitor would materialise a schema `default` into a
/// non-optional field and send it (request) or invent it (response). Without `default`, unset
/// fields stay `None`, are not sent, and a missing response field is seen as missing.
fn strip_defaults(doc: &mut Value) {
    let _ = walk_schemas(doc, &mut |schema, _| {
        if let Some(map) = schema.as_object_mut() {
            map.shift_remove("default");
        }
        Ok::<(), ()>(())
    });
}

/// Gives every serde type of the `types` module `#[cfg_attr(feature = "schemars",
/// derive(::schemars::JsonSchema))]`: the JSON Schema of the generated types is opt-in (the crate's
/// `schemars` feature), so users who do not ask for it do not compile schemars and its derive
/// macro. (progenitor's `with_derive` would add it unconditionally.) Returns how many types were
/// given it.
fn schemars_behind_feature(file: &mut syn::File) -> usize {
    let types = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "types" => module.content.as_mut(),
        _ => None,
    });
    let mut given = 0;
    for item in types
        .map(|(_, items)| items.iter_mut())
        .into_iter()
        .flatten()
    {
        let attrs = match item {
            syn::Item::Struct(item) => &mut item.attrs,
            syn::Item::Enum(item) => &mut item.attrs,
            _ => continue,
        };
        let serde = attrs.iter().any(|attr| {
            attr.path().is_ident("derive")
                && quote!(#attr).to_string().contains("serde :: Serialize")
        });
        if serde {
            attrs.push(syn::parse_quote!(
                #[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]
            ));
            given += 1;
        }
    }
    given
}

/// progenitor 0.15 adds `api-version: <info.version>` to every request. The Telnyx API defines no
/// such header and a client should send nothing the API does not ask for, so the statement that
/// appends it is removed from each generated method (cheaper than removing the header again on
/// every request). Returns how many statements were removed.
fn strip_api_version_header(file: &mut syn::File) -> usize {
    struct Strip(usize);
    impl VisitMut for Strip {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            let before = block.stmts.len();
            block.stmts.retain(|stmt| !appends_api_version(stmt));
            self.0 += before - block.stmts.len();
            syn::visit_mut::visit_block_mut(self, block);
        }
    }
    fn appends_api_version(stmt: &syn::Stmt) -> bool {
        match stmt {
            syn::Stmt::Expr(syn::Expr::MethodCall(call), Some(_)) => {
                call.method == "append"
                    && call
                        .args
                        .first()
                        .is_some_and(|name| quote!(#name).to_string().contains("\"api-version\""))
            }
            _ => false,
        }
    }
    let mut strip = Strip(0);
    strip.visit_file_mut(file);
    strip.0
}

fn generate_client(api: &openapiv3::OpenAPI) -> Result<TokenStream> {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_inner_type(quote!(crate::Credentials))
        .with_hooks(HooksMode::Expected);
    let mut generator = Generator::new(&settings);
    // The pre-check rules out the shapes progenitor is known to panic on; this catches the ones
    // nobody has met yet, so the user still gets an error rather than a backtrace.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(|| generator.generate_tokens(api)));
    std::panic::set_hook(previous_hook);
    match result {
        Ok(tokens) => tokens.map_err(|err| anyhow!("progenitor cannot generate the client: {err}")),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("no message");
            bail!(
                "progenitor {PROGENITOR_VERSION} panicked on a spec shape the pre-check does not know: \
                 {message}. Correct the shape with an overlay and teach xtask/src/openapi/precheck.rs about it."
            )
        }
    }
}

/// Renders from a spec given as text.
#[cfg(test)]
pub(crate) fn render_spec_text(spec_yaml: &str, base: &Inputs) -> Result<String> {
    let mut inputs = base.clone();
    inputs.spec = crate::openapi::file::SpecFile {
        bytes: spec_yaml.as_bytes().to_vec(),
        doc: crate::openapi::file::parse_yaml(spec_yaml.as_bytes())?,
    };
    render(&inputs)
}
