//! Schema validation against the conformance corpus: every compose file Docker Compose loaded
//! must validate, and every file it rejected with a schema error must not.
//!
//! The reference validated interpolated trees, with an environment of only `PATH` and `HOME`
//! plus the `.env` next to the file, so each file is parsed with `berth_spec::yaml` and
//! interpolated the same way before validation.

use std::path::{Path, PathBuf};

use berth_spec::node::Node;
use berth_spec::{dotenv, interpolate, schema, yaml};

/// Files where berth differs from 2.26.1 on purpose (docs/drop-in.md), with the reason.
const DELIBERATE: &[(&str, &str)] = &[(
    "pkg/e2e/testdata/TestPullRefreshWindowExplicitPull/compose.yaml",
    "pull_policy: daily (the Compose Specification's refresh policies) is accepted",
)];

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("BERTH_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    assert!(
        dir.is_dir(),
        "conformance corpus not found at {} (set BERTH_CORPUS)",
        dir.display()
    );
    dir
}

/// Every compose file of the corpus (not the reference outputs stored next to them).
fn compose_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if path.is_dir() {
            compose_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml")
            && !name.contains(".expected")
            && !name.contains("compose-go-expected")
        {
            out.push(path);
        }
    }
}

fn sibling(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn load(file: &Path) -> Result<Vec<Node>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("reading: {e}"))?;
    yaml::parse_str(&file.display().to_string(), &text).map_err(|e| format!("parsing: {e}"))
}

/// The environment the reference ran with: `PATH`, `HOME` and the `.env` of the file's
/// directory (the process environment wins over the file).
fn reference_environment(file: &Path) -> Result<Vec<(String, String)>, String> {
    let process = |name: &str| match name {
        "PATH" => std::env::var("PATH").ok(),
        "HOME" => Some("/home/corpus".to_owned()),
        _ => None,
    };
    let mut vars: Vec<(String, String)> = ["PATH", "HOME"]
        .iter()
        .filter_map(|k| process(k).map(|v| ((*k).to_owned(), v)))
        .collect();
    let dotenv = file.with_file_name(".env");
    if dotenv.is_file() {
        let parsed = dotenv::read_file(&dotenv, &process)
            .map_err(|e| format!("reading {}: {e}", dotenv.display()))?;
        vars.extend(parsed.into_iter().filter(|(k, _)| process(k).is_none()));
    }
    Ok(vars)
}

/// The file's documents, interpolated as the reference did.
fn load_interpolated(file: &Path) -> Result<Vec<Node>, String> {
    let vars = reference_environment(file)?;
    let lookup = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut docs = load(file)?;
    for doc in &mut docs {
        interpolate::interpolate(doc, &lookup).map_err(|e| format!("interpolating: {e}"))?;
    }
    Ok(docs)
}

/// The wordings of gojsonschema errors as compose-go prints them.
fn is_schema_error(text: &str) -> bool {
    [
        "additional propert",
        "is not allowed",
        "must be a",
        "does not match",
        "validating",
    ]
    .iter()
    .any(|w| text.to_lowercase().contains(w))
}

/// The field a gojsonschema error names: `validating FILE: FIELD message`.
fn reference_field(text: &str) -> Option<String> {
    let rest = text.trim().strip_prefix("validating ")?;
    let (_, rest) = rest.split_once(": ")?;
    rest.split_whitespace().next().map(str::to_owned)
}

#[test]
fn corpus_files_validate_as_the_reference_decided() {
    let root = corpus_dir();
    let mut files = Vec::new();
    compose_files(&root, &mut files);

    let mut accepted = 0;
    let mut rejected = 0;
    let mut failures = Vec::new();
    for file in &files {
        let shown = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        let expected_error = std::fs::read_to_string(sibling(file, ".expected-error.txt")).ok();
        let must_pass =
            sibling(file, ".expected.json").exists() || sibling(file, ".expected.yaml").exists();
        let must_fail = expected_error.as_deref().is_some_and(is_schema_error);
        if !must_pass && !must_fail {
            continue;
        }
        if let Some((_, why)) = DELIBERATE.iter().find(|(path, _)| shown.ends_with(path)) {
            eprintln!("{shown}: deliberate difference: {why}");
            continue;
        }
        let docs = match load_interpolated(file) {
            Ok(docs) => docs,
            Err(e) => {
                failures.push(format!("{shown}: {e}"));
                continue;
            }
        };
        let errors: Vec<_> = docs.iter().flat_map(schema::validate_all).collect();
        if must_pass {
            accepted += 1;
            if let Some(err) = errors.first() {
                failures.push(format!(
                    "{shown}: rejected a file Docker Compose accepts: {err}"
                ));
            }
            continue;
        }
        rejected += 1;
        let expected = expected_error.unwrap_or_default();
        match errors.first() {
            None => failures.push(format!(
                "{shown}: accepted a file Docker Compose rejects: {}",
                expected.trim()
            )),
            Some(err) => eprintln!("{shown}: rejected as expected: {err}"),
        }
        // The reference names the offending field ("services.a.develop.watch.0"); one of
        // berth's errors must be at or under it.
        if let Some(field) = reference_field(&expected) {
            let paths: Vec<String> = errors
                .iter()
                .map(|e| {
                    e.path
                        .clone()
                        .unwrap_or_default()
                        .replace('[', ".")
                        .replace(']', "")
                })
                .collect();
            if !paths
                .iter()
                .any(|p| p == &field || p.starts_with(&format!("{field}.")))
            {
                failures.push(format!(
                    "{shown}: reference blames `{field}`, berth blames {paths:?}"
                ));
            }
        }
    }
    eprintln!("{accepted} accepted, {rejected} rejected");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        accepted > 320,
        "only {accepted} accepted files were checked"
    );
    assert!(rejected > 20, "only {rejected} rejected files were checked");
}
