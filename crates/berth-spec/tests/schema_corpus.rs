//! Schema validation against the conformance corpus: every compose file Docker Compose loaded
//! must validate, and every file it rejected with a schema error must not.
//!
//! Until `berth_spec::yaml` lands, the trees come from a small yaml-rust2 converter below
//! (no spans; scalars resolved by yaml-rust2). The reference validated interpolated trees; until
//! `berth_spec::interpolate` lands, files that use variables are skipped on the accepting side,
//! each listed with its reason in the test output.

use std::path::{Path, PathBuf};

use berth_spec::node::{Key, Map, Node, Value};
use berth_spec::schema;
use yaml_rust2::{Yaml, YamlLoader};

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

/// yaml-rust2's value as a berth node. Non-string keys become their text, as compose-go does.
fn to_node(yaml: &Yaml) -> Node {
    let value = match yaml {
        Yaml::Real(_) => Value::Float(yaml.as_f64().unwrap_or(f64::NAN)),
        Yaml::Integer(i) => Value::Int(*i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Seq(items.iter().map(to_node).collect()),
        Yaml::Hash(hash) => {
            let mut map = Map::new();
            for (k, v) in hash {
                let key = match k {
                    Yaml::String(s) | Yaml::Real(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    _ => String::new(),
                };
                map.insert(Key::synthetic(key), to_node(v));
            }
            Value::Map(map)
        }
        Yaml::Alias(_) | Yaml::Null | Yaml::BadValue => Value::Null,
    };
    Node::synthetic(value)
}

fn load(file: &Path) -> Vec<Node> {
    let text =
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    let docs = YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("parsing {}: {e}", file.display()));
    docs.iter().map(to_node).collect()
}

/// Whether the file (or the `.env` next to it) brings variables the reference interpolated.
fn uses_variables(file: &Path) -> bool {
    std::fs::read_to_string(file).is_ok_and(|text| text.replace("$$", "").contains('$'))
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
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for file in &files {
        let shown = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        if sibling(file, ".expected.json").exists() {
            if uses_variables(file) {
                skipped.push(format!(
                    "{shown}: uses variables, needs berth_spec::interpolate"
                ));
                continue;
            }
            for doc in load(file) {
                if let Err(err) = schema::validate(&doc) {
                    failures.push(format!(
                        "{shown}: rejected a file Docker Compose accepts: {err}"
                    ));
                }
            }
            accepted += 1;
        } else if let Ok(expected) = std::fs::read_to_string(sibling(file, ".expected-error.txt")) {
            if !is_schema_error(&expected) {
                continue;
            }
            // Interpolation only changes values, and every schema rejection in the corpus is
            // about keys or literal values, so these files are checked as they are.
            let errors: Vec<_> = load(file).iter().flat_map(schema::validate_all).collect();
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
            rejected += 1;
        }
    }
    for s in &skipped {
        eprintln!("skipped {s}");
    }
    eprintln!(
        "{accepted} accepted, {rejected} rejected, {} skipped",
        skipped.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        accepted > 250,
        "only {accepted} accepted files were checked"
    );
    assert!(rejected > 20, "only {rejected} rejected files were checked");
}
