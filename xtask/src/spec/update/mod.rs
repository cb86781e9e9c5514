//! `cargo xtask spec update --from PATH`: rewrite the vendored subset and its provenance, regenerate.

mod verbatim;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::scope::{SCOPE_FILE, Scope};
use super::subset::{self, Subset};
use crate::codegen;
use crate::openapi::downgrade::downgrade_to_30;
use crate::openapi::file::{SpecFile, sha256_hex};
use crate::openapi::provenance::{Provenance, Upstream, Vendored};
use crate::paths::Workspace;

/// Where Telnyx publishes the document, recorded when there is no earlier provenance record.
const DEFAULT_REPOSITORY: &str = "https://github.com/team-telnyx/openapi";
const DEFAULT_PATH: &str = "openapi/spec3.yml";

/// Arguments of `cargo xtask spec update`.
#[derive(Debug, clap::Args)]
pub(crate) struct UpdateArgs {
    /// The whole upstream document (Telnyx's `openapi/spec3.yml`), OpenAPI 3.0 or 3.1.
    #[arg(long, value_name = "PATH")]
    pub(crate) from: PathBuf,
    /// The upstream commit the file was taken at (40 hex digits). Needed unless the file is the
    /// revision already recorded in openapi/provenance.toml.
    #[arg(long, value_name = "SHA", requires = "date")]
    pub(crate) commit: Option<String>,
    /// That commit's date, ISO 8601 (`2026-07-16` or `2026-07-16T15:39:08Z`).
    #[arg(long, value_name = "DATE", requires = "commit")]
    pub(crate) date: Option<String>,
}

/// The vendored file and provenance record an upstream document yields.
#[derive(Debug, Clone)]
pub(crate) struct Vendoring {
    /// The subset that was cut out.
    pub(crate) subset: Subset,
    /// The vendored file's text.
    pub(crate) text: String,
    /// The provenance record for it.
    pub(crate) provenance: Provenance,
    /// Whether the text is upstream's own (else the data re-serialised as JSON).
    pub(crate) verbatim: bool,
}

/// Runs `spec update`: writes the vendored file and provenance, then regenerates the code.
pub(crate) fn run(workspace: &Workspace, args: &UpdateArgs) -> Result<()> {
    let started = Instant::now();
    let upstream = SpecFile::read(&args.from)?;
    let scope = Scope::read(&workspace.root().join(SCOPE_FILE))?;
    let recorded = Provenance::read(&workspace.provenance()).ok();
    let revision = match (&args.commit, &args.date) {
        (Some(commit), Some(date)) => Some((commit.clone(), date.clone())),
        _ => None,
    };
    let vendored_name = workspace.relative(&workspace.spec());
    let vendoring = vendor(
        &upstream,
        &scope,
        recorded.as_ref(),
        revision,
        &vendored_name,
    )
    .with_context(|| format!("cannot take {} in", args.from.display()))?;
    let cut = started.elapsed();
    if !vendoring.verbatim {
        eprintln!(
            "note: {} is not laid out as block YAML this tool can slice, so the vendored file \
             holds the kept data as JSON; the contract is the same, the text is not upstream's",
            args.from.display()
        );
    }

    let spec_changed = write_if_changed(&workspace.spec(), &vendoring.text)?;
    let provenance_changed = recorded.as_ref() != Some(&vendoring.provenance);
    if provenance_changed {
        vendoring.provenance.write(&workspace.provenance())?;
    }

    let regenerating = Instant::now();
    let outcome = codegen::run(workspace, false).context(
        "the vendored spec and its provenance were updated, but regenerating the code failed; \
         correct the spec with an overlay in openapi/overlays/ (an existing one may have gone stale) \
         and run `cargo xtask codegen`",
    )?;
    let regenerated = regenerating.elapsed();

    let changed: Vec<&str> = [
        (spec_changed, vendored_name.as_str()),
        (provenance_changed, "openapi/provenance.toml"),
        (
            outcome == codegen::Outcome::Written,
            "crates/telnyx-rooms-gen/src/generated.rs",
        ),
    ]
    .into_iter()
    .filter_map(|(changed, name)| changed.then_some(name))
    .collect();
    println!(
        "spec update: kept {} operation(s) and {} component(s) of {} ({:.1} MB) in {}; regenerated the code in {}",
        vendoring.subset.operations.len(),
        vendoring.subset.components,
        args.from.display(),
        upstream.bytes.len() as f64 / 1e6,
        millis(cut),
        millis(regenerated),
    );
    if changed.is_empty() {
        println!("nothing changed: the tree already matches this revision");
    } else {
        println!("changed: {}", changed.join(", "));
    }
    Ok(())
}

/// Computes the vendored file and provenance for `upstream`. Pure: writes nothing.
///
/// `revision` is the upstream `(commit, date)`; without it, the recorded one is kept, which is
/// only right when the file is the recorded revision (same checksum).
pub(crate) fn vendor(
    upstream: &SpecFile,
    scope: &Scope,
    recorded: Option<&Provenance>,
    revision: Option<(String, String)>,
    vendored_name: &str,
) -> Result<Vendoring> {
    let subset = subset::extract(&upstream.doc, scope)?;
    // Fail here, before anything is written, if code generation could not read the subset.
    downgrade_to_30(&mut subset.doc.clone())?;
    let upstream_sha = upstream.sha256();
    let (commit, date) = match (revision, recorded) {
        (Some((commit, date)), _) => {
            check_commit(&commit)?;
            check_date(&date)?;
            (commit, date)
        }
        (None, Some(recorded)) if recorded.upstream.sha256 == upstream_sha => (
            recorded.upstream.commit.clone(),
            recorded.upstream.date.clone(),
        ),
        (None, Some(recorded)) => bail!(
            "this is not the recorded upstream revision {} (sha256 {}, recorded {}): say which \
             revision it is with --commit SHA --date DATE",
            recorded.upstream.commit,
            upstream_sha,
            recorded.upstream.sha256
        ),
        (None, None) => bail!("there is no provenance record yet: pass --commit SHA --date DATE"),
    };
    let (repository, path) = recorded.map_or_else(
        || (DEFAULT_REPOSITORY.to_string(), DEFAULT_PATH.to_string()),
        |recorded| {
            (
                recorded.upstream.repository.clone(),
                recorded.upstream.path.clone(),
            )
        },
    );
    let upstream_record = Upstream {
        repository,
        path,
        commit,
        date,
        sha256: upstream_sha,
    };
    let (text, verbatim) = render(upstream, &subset.doc, &upstream_record)?;
    let provenance = Provenance {
        vendored: Vendored {
            file: vendored_name.to_string(),
            sha256: sha256_hex(text.as_bytes()),
        },
        upstream: upstream_record,
    };
    Ok(Vendoring {
        subset,
        text,
        provenance,
        verbatim,
    })
}

/// The vendored file: a header saying where it comes from, then the subset in upstream's own
/// text (see [`verbatim`]), or as JSON (which is YAML) when that text cannot be sliced safely;
/// says which.
pub(crate) fn render(
    upstream: &SpecFile,
    subset: &Value,
    record: &Upstream,
) -> Result<(String, bool)> {
    let verbatim = std::str::from_utf8(&upstream.bytes)
        .ok()
        .and_then(|text| verbatim::render(text, &upstream.doc, subset));
    let copied = verbatim.is_some();
    let (how, body) = match verbatim {
        Some(body) => ("Each block is copied byte for byte from upstream", body),
        None => (
            "Written as JSON: upstream's layout could not be sliced",
            format!("{}\n", serde_json::to_string_pretty(subset)?),
        ),
    };
    let text = format!(
        "# Telnyx's OpenAPI document cut down to the operations this SDK covers. Do not edit by hand:\n\
         # written by `cargo xtask spec update` from {repository} {path}\n\
         # at commit {commit} ({date}).\n\
         # Kept: the operations listed in {SCOPE_FILE}, every component they reference, and the\n\
         # document's openapi/info/servers/security and their tags.\n\
         # {how}.\n\
         # Upstream defects are corrected by the overlays in openapi/overlays/; checksums are in\n\
         # openapi/provenance.toml.\n{body}",
        repository = record.repository,
        path = record.path,
        commit = record.commit,
        date = record.date,
    );
    Ok((text, copied))
}

fn check_commit(commit: &str) -> Result<()> {
    let valid = commit.len() == 40
        && commit
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !valid {
        bail!("--commit {commit:?} is not a full commit SHA (40 lower-case hex digits)");
    }
    Ok(())
}

/// Accepts `YYYY-MM-DD`, optionally followed by `T` and a time, as git and GitHub print dates.
fn check_date(date: &str) -> Result<()> {
    let bytes = date.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let day = digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10);
    let rest_ok = bytes.len() == 10 || (bytes.get(10) == Some(&b'T') && bytes.len() > 11);
    if !(day && rest_ok) {
        bail!("--date {date:?} is not an ISO 8601 date (2026-07-16 or 2026-07-16T15:39:08Z)");
    }
    Ok(())
}

/// Writes `text` unless the file already holds exactly it; says whether it wrote.
fn write_if_changed(path: &std::path::Path, text: &str) -> Result<bool> {
    if std::fs::read(path).is_ok_and(|current| current == text.as_bytes()) {
        return Ok(false);
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(true)
}

fn millis(duration: Duration) -> String {
    format!("{} ms", duration.as_millis())
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;

    const VENDORED: &str = "openapi/video-rooms.yaml";
    const NEWEST: &str = "12de4dd039fd867f7a81c8ec415e6fb6477d5687";
    const OLDER: &str = "bebb7246053f4aefee05426cb67b9cfc67abb065";

    /// A real upstream revision from the repository's fixtures, checksum checked.
    fn upstream(name: &str) -> SpecFile {
        let workspace = Workspace::of_tests();
        let bytes = crate::fixtures::load(&workspace, name).expect("fixture");
        SpecFile::parse(bytes, name).expect("fixture parses")
    }

    fn newest() -> &'static SpecFile {
        static FILE: OnceLock<SpecFile> = OnceLock::new();
        FILE.get_or_init(|| upstream("spec3.12de4dd0.yml"))
    }

    fn scope() -> Scope {
        Scope::read(&Workspace::of_tests().root().join(SCOPE_FILE)).expect("scope file")
    }

    /// The two token operations alone: the scope of the hand-made extract among the fixtures.
    fn token_scope() -> Scope {
        Scope {
            operations: vec![
                "CreateRoomClientToken".into(),
                "RefreshRoomClientToken".into(),
            ],
            tags: vec![],
        }
    }

    fn recorded() -> Provenance {
        Provenance::read(&Workspace::of_tests().provenance()).expect("provenance record")
    }

    #[test]
    fn the_whole_upstream_document_yields_the_verbatim_extract_as_data() {
        let subset = subset::extract(&newest().doc, &token_scope()).expect("extracts");
        let verbatim = upstream("rooms-client-tokens.12de4dd0.yaml");
        assert_eq!(subset.doc, verbatim.doc);
        let ids: Vec<_> = subset.operations.iter().map(|op| op.id.as_str()).collect();
        assert_eq!(ids, ["CreateRoomClientToken", "RefreshRoomClientToken"]);
        // Forbidden, two request schemas, video_Error, bearerAuth.
        assert_eq!(subset.components, 5);
    }

    #[test]
    fn selecting_by_tag_finds_the_same_operations_in_the_whole_document() {
        let by_tag = Scope {
            operations: vec![],
            tags: vec!["Rooms Client Tokens".into()],
        };
        let by_tag = subset::extract(&newest().doc, &by_tag).expect("extracts");
        let by_id = subset::extract(&newest().doc, &token_scope()).expect("extracts");
        assert_eq!(by_tag.operations, by_id.operations);
        assert_eq!(by_tag.doc, by_id.doc);
    }

    #[test]
    fn the_recorded_revision_reproduces_the_committed_files_byte_for_byte() {
        let recorded = recorded();
        assert_eq!(recorded.upstream.commit, NEWEST);
        let vendoring =
            vendor(newest(), &scope(), Some(&recorded), None, VENDORED).expect("vendors");
        let committed =
            std::fs::read_to_string(Workspace::of_tests().spec()).expect("vendored file");
        assert!(
            vendoring.text == committed,
            "`cargo xtask spec update --from <spec3.yml at 12de4dd0>` would rewrite {VENDORED}:\n{}",
            codegen::unified_diff(&committed, &vendoring.text, VENDORED)
        );
        assert_eq!(vendoring.provenance, recorded);
        let again = vendor(newest(), &scope(), Some(&recorded), None, VENDORED).expect("vendors");
        assert_eq!(again.text, vendoring.text, "same input, same bytes");
        assert!(vendoring.verbatim, "upstream's own text is kept");
        // The six Video tags of openapi/scope.toml: the whole Video Rooms API of that revision.
        assert_eq!(vendoring.subset.operations.len(), 25);
    }

    #[test]
    fn another_revision_must_be_named_and_is_recorded_as_named() {
        let older = upstream("spec3.bebb7246.yml");
        let err = vendor(&older, &token_scope(), Some(&recorded()), None, VENDORED)
            .expect_err("unnamed revision");
        assert!(
            err.to_string().contains("--commit SHA --date DATE"),
            "{err}"
        );

        let named = Some((OLDER.to_string(), "2025-08-04".to_string()));
        let vendoring =
            vendor(&older, &token_scope(), Some(&recorded()), named, VENDORED).expect("vendors");
        let upstream = &vendoring.provenance.upstream;
        assert_eq!(
            (upstream.commit.as_str(), upstream.date.as_str()),
            (OLDER, "2025-08-04")
        );
        assert_eq!(upstream.sha256, older.sha256());
        assert_eq!(
            vendoring.provenance.vendored.sha256,
            sha256_hex(vendoring.text.as_bytes())
        );
        assert!(
            vendoring
                .text
                .contains(&format!("at commit {OLDER} (2025-08-04)"))
        );
        // That revision's 403 still used the generic `Error` schema and `$ref`'d 201 responses.
        let doc = crate::openapi::file::parse_yaml(vendoring.text.as_bytes()).expect("valid YAML");
        let components: Vec<String> = ["responses", "schemas"]
            .iter()
            .flat_map(|section| {
                doc["components"][section]
                    .as_object()
                    .expect("section")
                    .keys()
                    .cloned()
            })
            .collect();
        assert_eq!(
            components,
            [
                "CreateRoomClientTokenResponse",
                "Forbidden",
                "RefreshRoomClientTokenResponse",
                "CreateRoomClientTokenRequest",
                "Error",
                "RefreshRoomClientTokenRequest"
            ]
        );
    }

    #[test]
    fn malformed_revisions_are_refused_before_anything_is_written() {
        for (commit, date, message) in [
            ("12de4dd0", "2026-07-16", "not a full commit SHA"),
            (NEWEST, "16/07/2026", "not an ISO 8601 date"),
            (NEWEST, "2026-07-16 15:39", "not an ISO 8601 date"),
        ] {
            let revision = Some((commit.to_string(), date.to_string()));
            let err = vendor(newest(), &scope(), None, revision, VENDORED).expect_err("refused");
            assert!(err.to_string().contains(message), "{err}");
        }
        for date in ["2026-07-16", "2026-07-16T15:39:08Z"] {
            let revision = Some((NEWEST.to_string(), date.to_string()));
            vendor(newest(), &scope(), None, revision, VENDORED).expect("accepted");
        }
    }

    #[test]
    fn a_document_that_cannot_be_sliced_is_vendored_as_json_with_the_same_data() {
        // JSON is YAML, but not block YAML: nothing to copy line by line.
        let whole = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/rooms/{room_id}/actions/generate_join_client_token": {"post": {"operationId": "CreateRoomClientToken"}},
                "/rooms/{room_id}/actions/refresh_client_token": {"post": {"operationId": "RefreshRoomClientToken"}},
                "/other": {"get": {"operationId": "Other"}}
            }
        });
        let text = serde_json::to_string(&whole).expect("json");
        let file = SpecFile {
            bytes: text.clone().into_bytes(),
            doc: crate::openapi::file::parse_yaml(text.as_bytes()).expect("yaml"),
        };
        let revision = Some((NEWEST.to_string(), "2026-07-16".to_string()));
        let vendoring = vendor(&file, &token_scope(), None, revision, VENDORED).expect("vendors");
        assert!(!vendoring.verbatim);
        assert!(
            vendoring
                .text
                .contains("# Written as JSON: upstream's layout could not be sliced.")
        );
        let reread =
            crate::openapi::file::parse_yaml(vendoring.text.as_bytes()).expect("valid YAML");
        assert_eq!(reread, vendoring.subset.doc);
        assert!(reread["paths"].get("/other").is_none());
    }

    #[test]
    fn an_in_scope_operation_missing_upstream_is_named() {
        let text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /rooms/{room_id}/actions/refresh_client_token:\n    post: {operationId: RefreshRoomClientToken}\n";
        let file = SpecFile {
            bytes: text.as_bytes().to_vec(),
            doc: crate::openapi::file::parse_yaml(text.as_bytes()).expect("yaml"),
        };
        let err =
            vendor(&file, &scope(), Some(&recorded()), None, VENDORED).expect_err("missing op");
        assert!(
            err.to_string()
                .starts_with("operation `CreateRoomClientToken` is in scope (openapi/scope.toml) but not in the document"),
            "{err}"
        );
    }
}
