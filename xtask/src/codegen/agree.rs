//! The operation metadata agrees with the client progenitor generated from the same document.
//!
//! The facade and the mock read the metadata instead of the generated code, so a name there that
//! the code does not have would send them wrong: for every operation the client must have a method
//! called `client_method` whose arguments are the path parameters' and then the query parameters'
//! `rust_name`s, in metadata order (then the header parameters' and `body`), and whose body type
//! has a field per body field's `rust_name`. Checked on every generation; a mismatch fails it, naming the operation.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use quote::ToTokens;

use super::metadata::OperationMeta;

/// One generated method: its argument names, and the type name of its `body` argument.
#[derive(Debug, Default)]
struct Method {
    args: Vec<String>,
    body_type: Option<String>,
}

/// Fails, naming every operation where `operations` and the generated `file` disagree.
pub(crate) fn check(file: &syn::File, operations: &[OperationMeta]) -> Result<()> {
    let methods = client_methods(file);
    let structs = type_fields(file);
    let mut problems = Vec::new();
    for op in operations {
        let method_name = heck::ToSnakeCase::to_snake_case(op.operation_id.as_str());
        let Some(method) = methods.get(&method_name) else {
            problems.push(format!(
                "{}: no generated method `{method_name}`",
                op.operation_id
            ));
            continue;
        };
        let mut expected: Vec<String> = (op.path_params.iter().chain(&op.query_params))
            .map(|field| field.rust_name.clone())
            .collect();
        // progenitor's order of header parameters and the body is not stable: compare them as a set.
        let positional = expected.len();
        let mut rest: Vec<String> = op
            .header_params
            .iter()
            .map(|f| f.rust_name.clone())
            .collect();
        if op.body_media_type.is_some() {
            rest.push("body".into());
        }
        rest.sort_unstable();
        let mut generated_rest = method.args.get(positional..).unwrap_or_default().to_vec();
        generated_rest.sort_unstable();
        let positional_agree = method.args.get(..positional) == Some(&expected[..]);
        expected.extend(rest.iter().cloned());
        if !positional_agree || generated_rest != rest {
            problems.push(format!(
                "{}: the metadata names the arguments {expected:?}, `{method_name}` takes {:?}",
                op.operation_id, method.args
            ));
        }
        let body_fields = method.body_type.as_ref().and_then(|name| structs.get(name));
        if let Some(fields) = body_fields.filter(|_| !op.body_fields.is_empty()) {
            let mut named: Vec<&str> = op
                .body_fields
                .iter()
                .map(|f| f.rust_name.as_str())
                .collect();
            named.sort_unstable();
            let mut generated: Vec<&str> = fields.iter().map(String::as_str).collect();
            generated.sort_unstable();
            if named != generated {
                problems.push(format!(
                    "{}: the metadata names the body fields {named:?}, the body type has {generated:?}",
                    op.operation_id
                ));
            }
        }
    }
    if !problems.is_empty() {
        bail!(
            "the operation metadata does not match the generated client (xtask/src/codegen/metadata.rs \
             names things as progenitor did not):\n  - {}",
            problems.join("\n  - ")
        );
    }
    Ok(())
}

/// The methods of `impl Client`, by name.
fn client_methods(file: &syn::File) -> BTreeMap<String, Method> {
    let mut methods = BTreeMap::new();
    for item in &file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        if block.trait_.is_some() || block.self_ty.to_token_stream().to_string() != "Client" {
            continue;
        }
        for item in &block.items {
            let syn::ImplItem::Fn(function) = item else {
                continue;
            };
            let mut method = Method::default();
            for input in &function.sig.inputs {
                let syn::FnArg::Typed(typed) = input else {
                    continue;
                };
                let syn::Pat::Ident(pat) = &*typed.pat else {
                    continue;
                };
                let name = pat.ident.to_string();
                if name == "body" {
                    method.body_type = last_segment(&typed.ty);
                }
                method.args.push(name);
            }
            methods.insert(function.sig.ident.to_string(), method);
        }
    }
    methods
}

/// The named fields of every struct in `mod types`, by struct name.
fn type_fields(file: &syn::File) -> BTreeMap<String, Vec<String>> {
    let mut structs = BTreeMap::new();
    let types = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "types" => module.content.as_ref(),
        _ => None,
    });
    for item in types.map(|(_, items)| items.as_slice()).unwrap_or_default() {
        let syn::Item::Struct(def) = item else {
            continue;
        };
        let fields = def
            .fields
            .iter()
            .filter_map(|field| field.ident.as_ref().map(ToString::to_string))
            .collect();
        structs.insert(def.ident.to_string(), fields);
    }
    structs
}

/// `Foo` of `&'a types::Foo`.
fn last_segment(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Reference(reference) => last_segment(&reference.elem),
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::inputs::Inputs;
    use crate::codegen::render::generate;
    use crate::paths::Workspace;

    /// The real pipeline's metadata agrees with its client; metadata that names an argument, its
    /// order, a body field or a method differently is refused, naming the operation.
    #[test]
    fn metadata_that_names_things_differently_is_refused() {
        let inputs = Inputs::read(&Workspace::of_tests()).expect("the workspace's inputs");
        let generated = generate(&inputs).expect("generates");
        check(&generated.file, &generated.operations).expect("they agree");
        let index = |id: &str| {
            generated
                .operations
                .iter()
                .position(|op| op.operation_id == id)
                .expect("in scope")
        };
        let (list, create) = (index("ListRooms"), index("CreateRoom"));
        type Mangle = fn(&mut OperationMeta);
        let mangle: [(&str, Mangle); 4] = [
            ("ListRooms", |op| op.query_params[0].rust_name.push('s')),
            ("ListRooms", |op| op.query_params.reverse()),
            ("CreateRoom", |op| {
                op.body_fields[0].rust_name = "room_name".into()
            }),
            ("CreateRoom", |op| op.operation_id = "MakeRoom".into()),
        ];
        for (id, mangle) in mangle {
            let mut operations = generated.operations.clone();
            mangle(&mut operations[if id == "ListRooms" { list } else { create }]);
            let message = format!("{:#}", check(&generated.file, &operations).expect_err(id));
            assert!(
                message.contains("does not match the generated client"),
                "{message}"
            );
            assert_eq!(message.matches("\n  - ").count(), 1, "{message}");
        }
    }
}
