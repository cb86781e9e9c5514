//! Rust syntax for rustdoc JSON's types, bounds and signatures: every path written in full (the
//! public path of this crate's items, the defining path of other crates'), so a line means the
//! same wherever it is read, and every other crate's item met on the way is noted.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use rustdoc_types::{
    Crate, FunctionHeader, FunctionSignature, GenericArg, GenericArgs, GenericBound,
    GenericParamDef, GenericParamDefKind, Generics, Id, Path, PolyTrait, PreciseCapturingArg, Term,
    TraitBoundModifier, Type, WherePredicate,
};

/// The standard library's crates: their items are the language's, not a dependency's.
const STD_CRATES: [&str; 4] = ["core", "alloc", "std", "proc_macro"];

/// Renders one crate's types, knowing the public path of each of its items.
#[derive(Debug)]
pub(crate) struct Renderer<'a> {
    krate: &'a Crate,
    /// The public path of this crate's items, found by walking from the root.
    public: HashMap<Id, String>,
    /// The public path of the workspace's other crates' items, by defining path.
    known: &'a HashMap<String, String>,
    /// Every other crate's item rendered so far (std's aside), by full path.
    external: RefCell<BTreeSet<String>>,
}

impl<'a> Renderer<'a> {
    pub(crate) fn new(
        krate: &'a Crate,
        public: HashMap<Id, String>,
        known: &'a HashMap<String, String>,
    ) -> Self {
        Self {
            krate,
            public,
            known,
            external: RefCell::default(),
        }
    }

    /// The items of other crates rendered so far.
    pub(crate) fn into_external(self) -> BTreeSet<String> {
        self.external.into_inner()
    }

    /// The full path of the item `id`, noting it when another crate's; `written` when rustdoc
    /// knows no path for it.
    pub(crate) fn item_path(&self, id: Id, written: &str) -> String {
        if let Some(path) = self.public.get(&id) {
            return path.clone();
        }
        let Some(summary) = self.krate.paths.get(&id) else {
            return written.to_owned();
        };
        let defined = summary.path.join("::");
        let path = self.known.get(&defined).cloned().unwrap_or(defined);
        if summary.crate_id != 0 && !STD_CRATES.contains(&summary.path[0].as_str()) {
            self.external.borrow_mut().insert(path.clone());
        }
        path
    }

    pub(crate) fn path(&self, path: &Path) -> String {
        let name = self.item_path(path.id, &path.path);
        match path.args.as_deref() {
            Some(args) => format!("{name}{}", self.generic_args(args)),
            None => name,
        }
    }

    pub(crate) fn ty(&self, ty: &Type) -> String {
        match ty {
            Type::ResolvedPath(path) => self.path(path),
            Type::DynTrait(dyn_trait) => {
                let mut parts: Vec<String> = dyn_trait
                    .traits
                    .iter()
                    .map(|poly| self.poly_trait(poly))
                    .collect();
                parts.extend(dyn_trait.lifetime.clone());
                format!("dyn {}", parts.join(" + "))
            }
            Type::Generic(name) | Type::Primitive(name) => name.clone(),
            Type::FunctionPointer(pointer) => format!(
                "{}{}fn({}){}",
                self.for_params(&pointer.generic_params),
                header(&pointer.header),
                self.inputs(&pointer.sig),
                self.output(&pointer.sig)
            ),
            Type::Tuple(types) if types.len() == 1 => format!("({},)", self.ty(&types[0])),
            Type::Tuple(types) => format!("({})", self.types(types)),
            Type::Slice(inner) => format!("[{}]", self.ty(inner)),
            Type::Array { type_, len } => format!("[{}; {len}]", self.ty(type_)),
            Type::Pat { type_, .. } => self.ty(type_),
            Type::ImplTrait(bounds) => format!("impl {}", self.bounds(bounds)),
            Type::Infer => "_".to_owned(),
            Type::RawPointer { is_mutable, type_ } => {
                let kind = if *is_mutable { "mut" } else { "const" };
                format!("*{kind} {}", self.ty(type_))
            }
            Type::BorrowedRef {
                lifetime,
                is_mutable,
                type_,
            } => {
                let lifetime = lifetime
                    .as_ref()
                    .map(|l| format!("{l} "))
                    .unwrap_or_default();
                let mutable = if *is_mutable { "mut " } else { "" };
                format!("&{lifetime}{mutable}{}", self.ty(type_))
            }
            Type::QualifiedPath {
                name,
                args,
                self_type,
                trait_,
            } => {
                let args = args
                    .as_deref()
                    .map(|a| self.generic_args(a))
                    .unwrap_or_default();
                match trait_ {
                    Some(trait_) if !trait_.path.is_empty() => {
                        format!(
                            "<{} as {}>::{name}{args}",
                            self.ty(self_type),
                            self.path(trait_)
                        )
                    }
                    _ => format!("{}::{name}{args}", self.ty(self_type)),
                }
            }
        }
    }

    fn types(&self, types: &[Type]) -> String {
        types
            .iter()
            .map(|ty| self.ty(ty))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn generic_args(&self, args: &GenericArgs) -> String {
        match args {
            GenericArgs::AngleBracketed { args, constraints } => {
                let mut parts: Vec<String> = args
                    .iter()
                    .map(|arg| match arg {
                        GenericArg::Lifetime(lifetime) => lifetime.clone(),
                        GenericArg::Type(ty) => self.ty(ty),
                        GenericArg::Const(constant) => constant.expr.clone(),
                        GenericArg::Infer => "_".to_owned(),
                    })
                    .collect();
                parts.extend(constraints.iter().map(|constraint| {
                    let args = constraint.args.as_deref();
                    let args = args.map(|a| self.generic_args(a)).unwrap_or_default();
                    match &constraint.binding {
                        rustdoc_types::AssocItemConstraintKind::Equality(term) => {
                            format!("{}{args} = {}", constraint.name, self.term(term))
                        }
                        rustdoc_types::AssocItemConstraintKind::Constraint(bounds) => {
                            format!("{}{args}: {}", constraint.name, self.bounds(bounds))
                        }
                    }
                }));
                if parts.is_empty() {
                    String::new()
                } else {
                    format!("<{}>", parts.join(", "))
                }
            }
            GenericArgs::Parenthesized { inputs, output } => {
                let output = output.as_ref().map(|ty| format!(" -> {}", self.ty(ty)));
                format!("({}){}", self.types(inputs), output.unwrap_or_default())
            }
            GenericArgs::ReturnTypeNotation => "(..)".to_owned(),
        }
    }

    fn term(&self, term: &Term) -> String {
        match term {
            Term::Type(ty) => self.ty(ty),
            Term::Constant(constant) => constant.expr.clone(),
        }
    }

    fn poly_trait(&self, poly: &PolyTrait) -> String {
        format!(
            "{}{}",
            self.for_params(&poly.generic_params),
            self.path(&poly.trait_)
        )
    }

    pub(crate) fn bounds(&self, bounds: &[GenericBound]) -> String {
        let parts: Vec<String> = bounds
            .iter()
            .map(|bound| match bound {
                GenericBound::TraitBound {
                    trait_,
                    generic_params,
                    modifier,
                } => {
                    let modifier = match modifier {
                        TraitBoundModifier::None => "",
                        TraitBoundModifier::Maybe => "?",
                        TraitBoundModifier::MaybeConst => "~const ",
                    };
                    let params = self.for_params(generic_params);
                    format!("{params}{modifier}{}", self.path(trait_))
                }
                GenericBound::Outlives(lifetime) => lifetime.clone(),
                GenericBound::Use(args) => {
                    let args: Vec<&str> = args
                        .iter()
                        .map(|arg| match arg {
                            PreciseCapturingArg::Lifetime(name)
                            | PreciseCapturingArg::Param(name) => name.as_str(),
                        })
                        .collect();
                    format!("use<{}>", args.join(", "))
                }
            })
            .collect();
        parts.join(" + ")
    }

    /// `for<'a> ` for higher-ranked bounds, else nothing.
    fn for_params(&self, params: &[GenericParamDef]) -> String {
        if params.is_empty() {
            String::new()
        } else {
            format!("for<{}> ", self.params(params))
        }
    }

    fn params(&self, params: &[GenericParamDef]) -> String {
        params
            .iter()
            .filter(|param| {
                !matches!(
                    param.kind,
                    GenericParamDefKind::Type {
                        is_synthetic: true,
                        ..
                    }
                )
            })
            .map(|param| match &param.kind {
                GenericParamDefKind::Lifetime { outlives } if outlives.is_empty() => {
                    param.name.clone()
                }
                GenericParamDefKind::Lifetime { outlives } => {
                    format!("{}: {}", param.name, outlives.join(" + "))
                }
                GenericParamDefKind::Type {
                    bounds, default, ..
                } => {
                    let mut text = param.name.clone();
                    if !bounds.is_empty() {
                        text.push_str(&format!(": {}", self.bounds(bounds)));
                    }
                    if let Some(default) = default {
                        text.push_str(&format!(" = {}", self.ty(default)));
                    }
                    text
                }
                GenericParamDefKind::Const { type_, default } => {
                    let default = default
                        .as_ref()
                        .map(|d| format!(" = {d}"))
                        .unwrap_or_default();
                    format!("const {}: {}{default}", param.name, self.ty(type_))
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `<'a, T: Bound>`, or nothing (parameters `impl Trait` arguments stand for are left out).
    pub(crate) fn generics(&self, generics: &Generics) -> String {
        let params = self.params(&generics.params);
        if params.is_empty() {
            params
        } else {
            format!("<{params}>")
        }
    }

    /// ` where T: Bound, …`, or nothing.
    pub(crate) fn where_clause(&self, generics: &Generics) -> String {
        let predicates: Vec<String> = generics
            .where_predicates
            .iter()
            .map(|predicate| match predicate {
                WherePredicate::BoundPredicate {
                    type_,
                    bounds,
                    generic_params,
                } => format!(
                    "{}{}: {}",
                    self.for_params(generic_params),
                    self.ty(type_),
                    self.bounds(bounds)
                ),
                WherePredicate::LifetimePredicate { lifetime, outlives } => {
                    format!("{lifetime}: {}", outlives.join(" + "))
                }
                WherePredicate::EqPredicate { lhs, rhs } => {
                    format!("{} = {}", self.ty(lhs), self.term(rhs))
                }
            })
            .collect();
        if predicates.is_empty() {
            String::new()
        } else {
            format!(" where {}", predicates.join(", "))
        }
    }

    fn inputs(&self, sig: &FunctionSignature) -> String {
        let mut inputs: Vec<String> = sig
            .inputs
            .iter()
            .map(|(name, ty)| match (name.as_str(), ty) {
                ("self", Type::Generic(s)) if s == "Self" => "self".to_owned(),
                (
                    "self",
                    Type::BorrowedRef {
                        lifetime,
                        is_mutable,
                        type_,
                    },
                ) if matches!(type_.as_ref(), Type::Generic(s) if s == "Self") => {
                    let lifetime = lifetime
                        .as_ref()
                        .map(|l| format!("{l} "))
                        .unwrap_or_default();
                    format!("&{lifetime}{}self", if *is_mutable { "mut " } else { "" })
                }
                _ => format!("{name}: {}", self.ty(ty)),
            })
            .collect();
        if sig.is_c_variadic {
            inputs.push("...".to_owned());
        }
        inputs.join(", ")
    }

    fn output(&self, sig: &FunctionSignature) -> String {
        sig.output
            .as_ref()
            .map(|ty| format!(" -> {}", self.ty(ty)))
            .unwrap_or_default()
    }

    /// `const async unsafe fn name<…>(…) -> … where …`, `name` already a full path.
    pub(crate) fn function(
        &self,
        name: &str,
        head: &FunctionHeader,
        generics: &Generics,
        sig: &FunctionSignature,
    ) -> String {
        format!(
            "{}fn {name}{}({}){}{}",
            header(head),
            self.generics(generics),
            self.inputs(sig),
            self.output(sig),
            self.where_clause(generics)
        )
    }
}

/// `const `, `async `, `unsafe `, `extern "C" ` as they apply.
fn header(header: &FunctionHeader) -> String {
    let mut text = String::new();
    if header.is_const {
        text.push_str("const ");
    }
    if header.is_async {
        text.push_str("async ");
    }
    if header.is_unsafe {
        text.push_str("unsafe ");
    }
    if header.abi != rustdoc_types::Abi::Rust {
        text.push_str(&format!("extern {:?} ", header.abi));
    }
    text
}
