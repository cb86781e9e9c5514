//! A crate's public API as lines: every item reachable from the crate root, at its public path,
//! with its signature, the trait impls users can rely on (auto traits included, other crates'
//! blanket impls left out) and every re-export; sorted, so two summaries diff line by line.

use std::collections::{BTreeSet, HashMap, HashSet};

use rustdoc_types::{
    Attribute, Crate, Id, Impl, Item, ItemEnum, StructKind, VariantKind, Visibility,
};

use super::render::Renderer;

/// The auto traits whose loss breaks users (`Freeze` and others are the compiler's own).
const AUTO_TRAITS: [&str; 5] = ["Send", "Sync", "Unpin", "UnwindSafe", "RefUnwindSafe"];

/// Traits the compiler implements for its own bookkeeping (a derived `PartialEq` brings one);
/// unstable, so no user can name them.
const INTERNAL_TRAITS: [&str; 1] = ["StructuralPartialEq"];

/// A crate's public API, summarised.
#[derive(Debug)]
pub(crate) struct Summary {
    /// One line per item, impl and re-export, sorted.
    pub(crate) lines: Vec<String>,
    /// Every other crate's item the API names (the standard library's aside), by full path.
    pub(crate) external: BTreeSet<String>,
    /// The public path of each of this crate's items, by the path it is defined at: how a crate
    /// summarised later names them.
    pub(crate) public_paths: HashMap<String, String>,
}

/// Where each public item is reachable from the crate root.
#[derive(Debug, Default)]
struct Reach {
    /// Every public path and the item it leads to, local or not.
    bindings: Vec<(String, Option<Id>)>,
    /// Each local item's canonical public path: the shortest, then the first in order.
    canonical: HashMap<Id, String>,
}

impl Reach {
    fn bind(&mut self, path: String, id: Id, local: bool) {
        if local {
            let better = self.canonical.get(&id).is_none_or(|known| {
                (path.matches("::").count(), &path) < (known.matches("::").count(), known)
            });
            if better {
                self.canonical.insert(id, path.clone());
            }
        }
        self.bindings.push((path, Some(id)));
    }

    fn walk(&mut self, krate: &Crate, module: Id, prefix: &str, seen: &mut HashSet<Id>) {
        if !seen.insert(module) {
            return;
        }
        let Some(ItemEnum::Module(inner)) = krate.index.get(&module).map(|item| &item.inner) else {
            return;
        };
        for id in &inner.items {
            let Some(item) = krate.index.get(id) else {
                continue;
            };
            match &item.inner {
                ItemEnum::Use(use_) if use_.is_glob => match use_.id {
                    Some(target) if krate.index.contains_key(&target) => {
                        self.walk(krate, target, prefix, seen);
                    }
                    _ => self
                        .bindings
                        .push((format!("{prefix}::{}::*", use_.source), use_.id)),
                },
                ItemEnum::Use(use_) => {
                    let path = format!("{prefix}::{}", use_.name);
                    match use_.id {
                        Some(target) if krate.index.contains_key(&target) => {
                            self.bind(path.clone(), target, true);
                            self.walk(krate, target, &path, seen);
                        }
                        Some(target) => self.bind(path, target, false),
                        None => self.bindings.push((path, None)),
                    }
                }
                _ => {
                    let Some(name) = &item.name else { continue };
                    let path = format!("{prefix}::{name}");
                    self.bind(path.clone(), *id, true);
                    if matches!(item.inner, ItemEnum::Module(_)) {
                        self.walk(krate, *id, &path, seen);
                    }
                }
            }
        }
    }
}

/// One output line and where it sorts: beside its owner, the owner's own line first (rank 0),
/// then its members (1), then the traits it implements (2).
type Line = (String, u8, String);

/// Summarises the public API of `krate`.
///
/// `known` holds the public paths of the workspace crates summarised before (by defining path),
/// so their items are named as their users name them, whatever their private modules.
pub(crate) fn summarise(krate: &Crate, known: &HashMap<String, String>) -> Summary {
    let mut reach = Reach::default();
    let root_name = krate
        .index
        .get(&krate.root)
        .and_then(|item| item.name.clone());
    let root_name = root_name.unwrap_or_default();
    reach.canonical.insert(krate.root, root_name.clone());
    reach.walk(krate, krate.root, &root_name, &mut HashSet::new());
    let renderer = Renderer::new(krate, reach.canonical.clone(), known);
    let mut lines: Vec<Line> = vec![(root_name.clone(), 0, format!("pub mod {root_name}"))];
    let mut done_impls = HashSet::new();
    for (path, id) in &reach.bindings {
        match id {
            Some(id) if reach.canonical.get(id) == Some(path) => {
                if let Some(item) = krate.index.get(id) {
                    item_lines(&renderer, krate, item, path, &mut done_impls, &mut lines);
                }
            }
            Some(id) => {
                let target = renderer.item_path(*id, path);
                lines.push((path.clone(), 0, format!("pub use {target} as {path}")));
            }
            None => lines.push((path.clone(), 0, format!("pub use {path}"))),
        }
    }
    lines.sort();
    lines.dedup();
    let public_paths = reach
        .canonical
        .iter()
        .filter_map(|(id, public)| {
            let defined = krate.paths.get(id)?.path.join("::");
            Some((defined, public.clone()))
        })
        .collect();
    Summary {
        lines: lines.into_iter().map(|(_, _, text)| text).collect(),
        external: renderer.into_external(),
        public_paths,
    }
}

/// `#[non_exhaustive] ` and `#[deprecated] ` as they apply.
fn attributes(item: &Item) -> String {
    let mut text = String::new();
    if item.attrs.contains(&Attribute::NonExhaustive) {
        text.push_str("#[non_exhaustive] ");
    }
    if item.deprecation.is_some() {
        text.push_str("#[deprecated] ");
    }
    text
}

fn item_lines(
    r: &Renderer<'_>,
    krate: &Crate,
    item: &Item,
    path: &str,
    done_impls: &mut HashSet<Id>,
    lines: &mut Vec<Line>,
) {
    let own = |text: String| (path.to_owned(), 0, format!("{}{text}", attributes(item)));
    let impls: &[Id] = match &item.inner {
        ItemEnum::Struct(inner) => {
            lines.push(own(struct_text(r, krate, inner, path)));
            if let StructKind::Plain { fields, .. } = &inner.kind {
                field_lines(r, krate, fields, path, lines);
            }
            &inner.impls
        }
        ItemEnum::Union(inner) => {
            lines.push(own(format!(
                "pub union {path}{}",
                r.generics(&inner.generics)
            )));
            field_lines(r, krate, &inner.fields, path, lines);
            &inner.impls
        }
        ItemEnum::Enum(inner) => {
            let where_ = r.where_clause(&inner.generics);
            let generics = r.generics(&inner.generics);
            lines.push(own(format!("pub enum {path}{generics}{where_}")));
            for variant in inner.variants.iter().filter_map(|id| krate.index.get(id)) {
                variant_line(r, krate, variant, path, lines);
            }
            &inner.impls
        }
        ItemEnum::Trait(inner) => {
            trait_lines(r, krate, item, inner, path, lines);
            &inner.implementations
        }
        other => {
            if let Some(text) = plain_text(r, other, path) {
                lines.push(own(text));
            }
            &[]
        }
    };
    for id in impls {
        impl_line(r, krate, *id, path, done_impls, lines);
    }
}

fn struct_text(
    r: &Renderer<'_>,
    krate: &Crate,
    inner: &rustdoc_types::Struct,
    path: &str,
) -> String {
    let generics = r.generics(&inner.generics);
    let where_ = r.where_clause(&inner.generics);
    let shape = match &inner.kind {
        StructKind::Unit => ";".to_owned(),
        StructKind::Tuple(fields) => format!("({})", tuple_fields(r, krate, fields)),
        StructKind::Plain {
            has_stripped_fields: true,
            ..
        } => " { .. }".to_owned(),
        StructKind::Plain { .. } => String::new(),
    };
    format!("pub struct {path}{generics}{shape}{where_}")
}

/// The line of a module, function, type alias, constant, static or macro; `None` for the kinds
/// that have none of their own (imports, impls, fields and variants are written elsewhere).
fn plain_text(r: &Renderer<'_>, inner: &ItemEnum, path: &str) -> Option<String> {
    Some(match inner {
        ItemEnum::Module(_) => format!("pub mod {path}"),
        ItemEnum::Function(f) => {
            format!("pub {}", r.function(path, &f.header, &f.generics, &f.sig))
        }
        ItemEnum::TypeAlias(alias) => {
            let generics = r.generics(&alias.generics);
            let where_ = r.where_clause(&alias.generics);
            format!("pub type {path}{generics}{where_} = {}", r.ty(&alias.type_))
        }
        ItemEnum::Constant { type_, const_ } => {
            format!("pub const {path}: {} = {}", r.ty(type_), const_.expr)
        }
        ItemEnum::Static(inner) => {
            let mutable = if inner.is_mutable { "mut " } else { "" };
            format!("pub static {mutable}{path}: {}", r.ty(&inner.type_))
        }
        ItemEnum::Macro(_) | ItemEnum::ProcMacro(_) => format!("macro {path}!"),
        _ => return None,
    })
}

fn tuple_fields(r: &Renderer<'_>, krate: &Crate, fields: &[Option<Id>]) -> String {
    fields
        .iter()
        .map(|field| {
            match field
                .and_then(|id| krate.index.get(&id))
                .map(|item| &item.inner)
            {
                Some(ItemEnum::StructField(ty)) => format!("pub {}", r.ty(ty)),
                _ => "_".to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn field_lines(r: &Renderer<'_>, krate: &Crate, fields: &[Id], owner: &str, lines: &mut Vec<Line>) {
    for field in fields.iter().filter_map(|id| krate.index.get(id)) {
        if let (Some(name), ItemEnum::StructField(ty)) = (&field.name, &field.inner) {
            let text = format!("{}pub {owner}::{name}: {}", attributes(field), r.ty(ty));
            lines.push((owner.to_owned(), 1, text));
        }
    }
}

fn variant_line(
    r: &Renderer<'_>,
    krate: &Crate,
    variant: &Item,
    owner: &str,
    lines: &mut Vec<Line>,
) {
    let (Some(name), ItemEnum::Variant(inner)) = (&variant.name, &variant.inner) else {
        return;
    };
    let shape = match &inner.kind {
        VariantKind::Plain => String::new(),
        VariantKind::Tuple(fields) => format!("({})", tuple_fields(r, krate, fields)),
        VariantKind::Struct {
            fields,
            has_stripped_fields,
        } => {
            let mut named: Vec<String> = fields
                .iter()
                .filter_map(|id| krate.index.get(id))
                .filter_map(|field| match (&field.name, &field.inner) {
                    (Some(name), ItemEnum::StructField(ty)) => {
                        Some(format!("{name}: {}", r.ty(ty)))
                    }
                    _ => None,
                })
                .collect();
            if *has_stripped_fields {
                named.push("..".to_owned());
            }
            format!(" {{ {} }}", named.join(", "))
        }
    };
    let discriminant = inner
        .discriminant
        .as_ref()
        .map(|d| format!(" = {}", d.expr));
    let text = format!(
        "{}pub {owner}::{name}{shape}{}",
        attributes(variant),
        discriminant.unwrap_or_default()
    );
    lines.push((owner.to_owned(), 1, text));
}

fn trait_lines(
    r: &Renderer<'_>,
    krate: &Crate,
    item: &Item,
    inner: &rustdoc_types::Trait,
    path: &str,
    lines: &mut Vec<Line>,
) {
    let unsafe_ = if inner.is_unsafe { "unsafe " } else { "" };
    let auto = if inner.is_auto { "auto " } else { "" };
    let supertraits = if inner.bounds.is_empty() {
        String::new()
    } else {
        format!(": {}", r.bounds(&inner.bounds))
    };
    let text = format!(
        "{}pub {unsafe_}{auto}trait {path}{}{supertraits}{}",
        attributes(item),
        r.generics(&inner.generics),
        r.where_clause(&inner.generics)
    );
    lines.push((path.to_owned(), 0, text));
    for member in inner.items.iter().filter_map(|id| krate.index.get(id)) {
        let Some(name) = &member.name else { continue };
        let full = format!("{path}::{name}");
        let text = match &member.inner {
            ItemEnum::Function(f) => {
                let provided = if f.has_body { " (provided)" } else { "" };
                format!(
                    "{}{provided}",
                    r.function(&full, &f.header, &f.generics, &f.sig)
                )
            }
            ItemEnum::AssocType {
                generics,
                bounds,
                type_,
            } => {
                let bounds = if bounds.is_empty() {
                    String::new()
                } else {
                    format!(": {}", r.bounds(bounds))
                };
                let default = type_.as_ref().map(|ty| format!(" = {}", r.ty(ty)));
                format!(
                    "type {full}{}{bounds}{}",
                    r.generics(generics),
                    default.unwrap_or_default()
                )
            }
            ItemEnum::AssocConst { type_, value } => {
                let default = value.as_ref().map(|v| format!(" = {v}"));
                format!(
                    "const {full}: {}{}",
                    r.ty(type_),
                    default.unwrap_or_default()
                )
            }
            _ => continue,
        };
        lines.push((path.to_owned(), 1, format!("{}{text}", attributes(member))));
    }
}

/// The line of one impl: an inherent impl's public functions and constants, or a trait impl with
/// its associated types and constants (its functions are the trait's).
fn impl_line(
    r: &Renderer<'_>,
    krate: &Crate,
    id: Id,
    owner: &str,
    done: &mut HashSet<Id>,
    lines: &mut Vec<Line>,
) {
    let Some(ItemEnum::Impl(imp)) = krate.index.get(&id).map(|item| &item.inner) else {
        return;
    };
    if !done.insert(id) || !is_promised(krate, imp) {
        return;
    }
    let for_ = r.ty(&imp.for_);
    let generics = r.generics(&imp.generics);
    let where_ = r.where_clause(&imp.generics);
    let members = imp.items.iter().filter_map(|id| krate.index.get(id));
    let Some(trait_) = &imp.trait_ else {
        let contextual = !generics.is_empty() || !where_.is_empty();
        for member in members.filter(|member| member.visibility == Visibility::Public) {
            let Some(text) = member_text(r, member, &for_, contextual) else {
                continue;
            };
            let text = if contextual {
                format!("impl{generics} {for_}{where_} {{ {text} }}")
            } else {
                text
            };
            lines.push((owner.to_owned(), 1, text));
        }
        return;
    };
    let mut assoc: Vec<String> = members
        .filter_map(|member| match (&member.name, &member.inner) {
            (
                Some(name),
                ItemEnum::AssocType {
                    type_: Some(ty), ..
                },
            ) => Some(format!("type {name} = {};", r.ty(ty))),
            (Some(name), ItemEnum::AssocConst { type_, value }) => Some(format!(
                "const {name}: {} = {};",
                r.ty(type_),
                value.as_deref().unwrap_or("_")
            )),
            _ => None,
        })
        .collect();
    assoc.sort();
    let body = if assoc.is_empty() {
        String::new()
    } else {
        format!(" {{ {} }}", assoc.join(" "))
    };
    let unsafe_ = if imp.is_unsafe { "unsafe " } else { "" };
    let negative = if imp.is_negative { "!" } else { "" };
    let text = format!(
        "{unsafe_}impl{generics} {negative}{} for {for_}{where_}{body}",
        r.path(trait_)
    );
    lines.push((owner.to_owned(), 2, text));
}

/// Whether an impl is part of what users may rely on: not another crate's blanket impl (they
/// hold for every type), and of the compiler's own impls only the stable auto traits.
fn is_promised(krate: &Crate, imp: &Impl) -> bool {
    let Some(trait_) = &imp.trait_ else {
        return true;
    };
    let name = trait_.path.rsplit("::").next().unwrap_or_default();
    if INTERNAL_TRAITS.contains(&name) {
        return false;
    }
    let local = krate.index.contains_key(&trait_.id);
    if imp.blanket_impl.is_some() && !local {
        return false;
    }
    if imp.is_synthetic {
        return AUTO_TRAITS.contains(&name);
    }
    true
}

/// An inherent impl's public function or constant, on its own or (when the impl is generic)
/// inside the impl's header.
fn member_text(r: &Renderer<'_>, member: &Item, for_: &str, contextual: bool) -> Option<String> {
    let name = member.name.as_ref()?;
    let full = if contextual {
        name.clone()
    } else {
        format!("{for_}::{name}")
    };
    let text = match &member.inner {
        ItemEnum::Function(f) => {
            format!("pub {}", r.function(&full, &f.header, &f.generics, &f.sig))
        }
        ItemEnum::AssocConst { type_, value } => {
            let value = value.as_deref().unwrap_or("_");
            format!("pub const {full}: {} = {value}", r.ty(type_))
        }
        ItemEnum::AssocType {
            type_: Some(ty), ..
        } => format!("pub type {full} = {}", r.ty(ty)),
        _ => return None,
    };
    Some(format!("{}{text}", attributes(member)))
}
