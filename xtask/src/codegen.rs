//! `cargo xtask codegen [--check]`: vendored spec → overlays → 3.0 → pre-check → progenitor → file.

use std::panic::{AssertUnwindSafe, catch_unwind};

use anyhow::{Context, Result, anyhow, bail};
use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;
use serde_json::Value;
use syn::visit_mut::VisitMut;

use crate::metadata;
use crate::openapi31::downgrade_to_30;
use crate::overlay::{self, Overlay};
use crate::paths::Workspace;
use crate::precheck;
use crate::provenance::Provenance;
use crate::schema_walk::walk_schemas;
use crate::spec_file::SpecFile;

/// The generator version, pinned with `=` in the workspace `Cargo.toml`; named in the file header.
const PROGENITOR_VERSION: &str = "0.15.1";

/// Everything generation reads.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The vendored spec.
    pub spec: SpecFile,
    /// The vendored spec's path relative to the workspace root, as named in the header.
    pub spec_name: String,
    /// Overlays, in the order they apply.
    pub overlays: Vec<Overlay>,
    /// The provenance record.
    pub provenance: Provenance,
}

impl Inputs {
    /// Reads the inputs from the workspace.
    pub fn read(workspace: &Workspace) -> Result<Self> {
        Ok(Self {
            spec: SpecFile::read(&workspace.spec())?,
            spec_name: workspace.relative(&workspace.spec()),
            overlays: overlay::read_dir(&workspace.overlays())?,
            provenance: Provenance::read(&workspace.provenance())?,
        })
    }
}

/// Renders the generated file. Pure: the same inputs give the same bytes.
pub fn render(inputs: &Inputs) -> Result<String> {
    let mut doc = inputs.spec.doc.clone();
    for overlay in &inputs.overlays {
        overlay.apply(&mut doc)?;
    }
    downgrade_to_30(&mut doc)?;
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

    let metadata = metadata::tokens(&operations);
    let provenance = provenance_tokens(&doc, &inputs.provenance, &inputs.spec.sha256());
    let mut file: syn::File = syn::parse2(quote! {
        #client
        #provenance
        #metadata
    })
    .context("progenitor produced tokens that are not a Rust file")?;
    let removed = strip_api_version_header(&mut file);
    if removed != operations.len() {
        bail!(
            "expected to remove progenitor's `api-version` header from each of the {} operations, \
             removed it {removed} times: progenitor's output changed shape; update \
             `strip_api_version_header` in xtask/src/codegen.rs",
            operations.len()
        );
    }
    Ok(format!(
        "{}\n{}",
        header(inputs),
        prettyplease::unparse(&file)
    ))
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
        .with_hooks(HooksMode::Expected)
        .with_derive("schemars::JsonSchema");
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
                 {message}. Correct the shape with an overlay and teach xtask/src/precheck.rs about it."
            )
        }
    }
}

fn provenance_tokens(doc: &Value, provenance: &Provenance, vendored_sha256: &str) -> TokenStream {
    let upstream = &provenance.upstream;
    let (repository, path, commit, date, upstream_sha256) = (
        &upstream.repository,
        &upstream.path,
        &upstream.commit,
        &upstream.date,
        &upstream.sha256,
    );
    let vendored_file = &provenance.vendored.file;
    let api_version = doc
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let server_url = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .unwrap_or_default();
    quote! {
        /// Where the spec this crate was generated from came from (`openapi/provenance.toml`).
        pub const PROVENANCE: crate::meta::Provenance = crate::meta::Provenance {
            repository: #repository,
            path: #path,
            commit: #commit,
            date: #date,
            upstream_sha256: #upstream_sha256,
            vendored_file: #vendored_file,
            vendored_sha256: #vendored_sha256,
            api_version: #api_version,
            server_url: #server_url,
        };
        /// The upstream commit of Telnyx's `openapi/spec3.yml` this crate speaks.
        pub const SPEC_COMMIT: &str = #commit;
        /// SHA-256 of the vendored spec file this crate was generated from.
        pub const SPEC_SHA256: &str = #vendored_sha256;
    }
}

fn header(inputs: &Inputs) -> String {
    let mut header = format!(
        "// @generated by `cargo xtask codegen` — DO NOT EDIT.\n\
         //\n\
         // Source: {} (sha256 {})\n",
        inputs.spec_name,
        inputs.spec.sha256()
    );
    for overlay in &inputs.overlays {
        let name = overlay
            .path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        header.push_str(&format!(
            "// Overlay: openapi/overlays/{name} (sha256 {}): {}\n",
            overlay.sha256,
            overlay.title()
        ));
    }
    header.push_str(&format!(
        "// Generator: progenitor {PROGENITOR_VERSION}, formatted with prettyplease (both pinned by Cargo.lock).\n\
         // To change this file, change the spec or an overlay and run `cargo xtask codegen`.\n"
    ));
    header
}

/// What `run` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Everything matches.
    UpToDate,
    /// The file was (re)written.
    Written,
}

/// `cargo xtask codegen [--check]`.
pub fn run(workspace: &Workspace, check: bool) -> Result<Outcome> {
    let inputs = Inputs::read(workspace)?;
    let target = workspace.generated();
    let rendered = render(&inputs)?;
    let committed = std::fs::read_to_string(&target).unwrap_or_default();
    let spec_sha = inputs.spec.sha256();
    let spec_recorded = inputs.provenance.vendored.sha256 == spec_sha;

    if check {
        let mut failures = Vec::new();
        if !spec_recorded {
            failures.push(format!(
                "{} does not match its recorded checksum in openapi/provenance.toml \
                 (file sha256 {spec_sha}, recorded {}): it was edited by hand. To take a new upstream \
                 revision run `cargo xtask spec update --from PATH`; to correct the spec, add an overlay in \
                 openapi/overlays/ and restore the file; to keep a hand edit anyway, run `cargo xtask codegen`, \
                 which records the new checksum.",
                inputs.spec_name, inputs.provenance.vendored.sha256
            ));
        }
        if committed != rendered {
            println!(
                "{}",
                unified_diff(&committed, &rendered, &workspace.relative(&target))
            );
            failures.push(format!(
                "{} is out of date with the spec: run `cargo xtask codegen` and commit the result.",
                workspace.relative(&target)
            ));
        }
        if failures.is_empty() {
            return Ok(Outcome::UpToDate);
        }
        bail!("{}", failures.join("\n"));
    }

    let mut outcome = Outcome::UpToDate;
    if !spec_recorded {
        let mut provenance = inputs.provenance.clone();
        provenance.vendored.sha256 = spec_sha;
        provenance.write(&workspace.provenance())?;
        eprintln!(
            "note: {} was edited since its provenance was recorded; recorded its new sha256 in \
             openapi/provenance.toml (prefer overlays for corrections).",
            inputs.spec_name
        );
        outcome = Outcome::Written;
    }
    if committed != rendered {
        std::fs::write(&target, &rendered)
            .with_context(|| format!("cannot write {}", target.display()))?;
        outcome = Outcome::Written;
    }
    Ok(outcome)
}

/// A unified diff of `old` → `new`, for people.
pub fn unified_diff(old: &str, new: &str, name: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{name} (committed)"),
            &format!("b/{name} (regenerated)"),
        )
        .to_string()
}

/// Renders from a spec given as text.
#[cfg(test)]
pub fn render_spec_text(spec_yaml: &str, base: &Inputs) -> Result<String> {
    let mut inputs = base.clone();
    inputs.spec = SpecFile {
        bytes: spec_yaml.as_bytes().to_vec(),
        doc: crate::spec_file::parse_yaml(spec_yaml.as_bytes())?,
    };
    render(&inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace_inputs() -> Inputs {
        Inputs::read(&Workspace::current().expect("tests run inside the workspace"))
            .expect("the workspace's inputs")
    }

    fn vendored_text() -> String {
        String::from_utf8(workspace_inputs().spec.bytes).expect("utf-8 spec")
    }

    /// The vendored spec with a new property of the create response, written the 3.1 way.
    fn spec_with_nickname() -> String {
        let spec = vendored_text();
        let anchor = "                      refresh_token_expires_at:\n";
        assert!(
            spec.contains(anchor),
            "the vendored spec changed shape; update this test"
        );
        spec.replacen(
            anchor,
            "                      nickname:\n                        type: [string, \"null\"]\n                        description: A display name.\n                      refresh_token_expires_at:\n",
            1,
        )
    }

    #[test]
    fn generation_is_deterministic() {
        let inputs = workspace_inputs();
        let first = render(&inputs).expect("renders");
        let second = render(&inputs).expect("renders again");
        assert_eq!(first, second);
    }

    #[test]
    fn the_committed_file_is_what_generation_produces() {
        let committed = std::fs::read_to_string(
            Workspace::current()
                .expect("tests run inside the workspace")
                .generated(),
        )
        .expect("committed file");
        assert!(
            committed == render(&workspace_inputs()).expect("renders"),
            "crates/telnyx-rooms-gen/src/generated.rs is stale: run `cargo xtask codegen`"
        );
    }

    #[test]
    fn the_header_names_the_command_the_spec_and_its_checksum() {
        let inputs = workspace_inputs();
        let rendered = render(&inputs).expect("renders");
        let header: String = rendered.lines().take(6).collect::<Vec<_>>().join("\n");
        assert!(header.contains("cargo xtask codegen"), "{header}");
        assert!(header.contains("DO NOT EDIT"), "{header}");
        assert!(
            header.contains("openapi/rooms-client-tokens.yaml"),
            "{header}"
        );
        assert!(header.contains(&inputs.spec.sha256()), "{header}");
        assert!(
            header.contains("01-forbidden-errors-envelope.yaml"),
            "{header}"
        );
    }

    #[test]
    fn a_new_nullable_property_shows_up_in_the_diff() {
        let inputs = workspace_inputs();
        let before = render(&inputs).expect("renders");
        let after =
            render_spec_text(&spec_with_nickname(), &inputs).expect("renders the changed spec");
        let diff = unified_diff(&before, &after, "generated.rs");
        let added: Vec<&str> = diff.lines().filter(|l| l.starts_with('+')).collect();
        assert!(
            added
                .iter()
                .any(|l| l.contains("pub nickname: ::std::option::Option<::std::string::String>")),
            "{diff}"
        );
    }

    #[test]
    fn check_fails_on_a_hand_edit_with_a_diff_and_codegen_records_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let real = Workspace::current().expect("tests run inside the workspace");
        let copy = Workspace::at(dir.path());
        for path in [real.spec(), real.provenance(), real.generated()] {
            let to = dir.path().join(real.relative(&path));
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(&path, &to).expect("copy");
        }
        let overlays = copy.overlays();
        std::fs::create_dir_all(&overlays).expect("mkdir");
        for entry in std::fs::read_dir(real.overlays()).expect("overlays") {
            let path = entry.expect("entry").path();
            std::fs::copy(&path, overlays.join(path.file_name().expect("name"))).expect("copy");
        }
        assert_eq!(
            run(&copy, true).expect("a clean copy passes"),
            Outcome::UpToDate
        );

        std::fs::write(copy.spec(), spec_with_nickname()).expect("edit spec");
        let err = run(&copy, true).expect_err("the edit is drift");
        let message = format!("{err:#}");
        assert!(
            message.contains("does not match its recorded checksum"),
            "{message}"
        );
        assert!(message.contains("out of date"), "{message}");

        assert_eq!(run(&copy, false).expect("regenerates"), Outcome::Written);
        let generated = std::fs::read_to_string(copy.generated()).expect("generated");
        assert!(generated.contains("pub nickname:"));
        assert_eq!(
            run(&copy, true).expect("recorded and regenerated"),
            Outcome::UpToDate
        );
    }

    #[test]
    fn two_success_body_types_are_an_error_not_a_panic() {
        let spec = vendored_text().replacen(
            "        '403':\n",
            "        '200':\n          content:\n            application/json:\n              schema:\n                type: string\n          description: Other.\n        '403':\n",
            1,
        );
        let err = render_spec_text(&spec, &workspace_inputs()).expect_err("unsupported shape");
        let message = format!("{err:#}");
        assert!(message.contains("(CreateRoomClientToken)"), "{message}");
        assert!(
            message.contains("success responses (201, 200)"),
            "{message}"
        );
    }

    #[test]
    fn an_unconvertible_type_names_its_pointer() {
        let spec = vendored_text().replacen(
            "          type: integer\n",
            "          type: [integer, string]\n",
            1,
        );
        let err = render_spec_text(&spec, &workspace_inputs()).expect_err("ambiguous type");
        let message = format!("{err:#}");
        assert!(
            message.contains("/components/schemas/CreateRoomClientTokenRequest/properties/refresh_token_ttl_secs/type"),
            "{message}"
        );
    }
}
