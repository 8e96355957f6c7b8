//! The corpus's `extends`, `include` and `!reset` fixtures through `loader::load_model`,
//! compared with the reference's `config --format json` output.
//!
//! `load_model` gives the untyped model; `config` prints the typed project. The comparison
//! therefore tolerates what the typed stage alone changes: a null value or an empty mapping
//! equals an absent one (`command: null`, `ipam: {}`), `environment`-like lists equal their
//! mapping form, `env_file` is folded into `environment`, a string `command` equals its
//! words, a false `depends_on.*.restart` is omitted, the `x-#value` a secret's environment
//! resolves to is not printed, `$$` in the reference output is the escaped `$`, and top-level
//! resources the reference pruned (unused) are not required to be absent here. Schema errors
//! must name the same file; their wording is berth's own.

use std::path::{Path, PathBuf};

use berth_spec::loader::{load_model, ConfigDetails, ConfigFile, LoadOptions};
use berth_spec::Environment;
use serde_json::{Map, Value};

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
    // Without `..` parts, as the loader cleans the paths it resolves.
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

/// The fixtures about composition, relative to the corpus.
const FIXTURES: &[&str] = &[
    "compose-go@v2.4.8/loader/testdata/combined/compose.yaml",
    "compose-go@v2.4.8/loader/testdata/combined/dir/extended.yaml",
    "compose-go@v2.4.8/loader/testdata/combined/dir/included.yaml",
    "compose-go@v2.4.8/loader/testdata/compose-include.yaml",
    "compose-go@v2.4.8/loader/testdata/compose-include-cycle.yaml",
    "compose-go@v2.4.8/loader/testdata/compose-test-extends.yaml",
    "compose-go@v2.4.8/loader/testdata/compose-test-extends-with-context-url.yaml",
    "compose-go@v2.4.8/loader/testdata/compose-test-extends-with-context-url-imported.yaml",
    "compose-go@v2.4.8/loader/testdata/subdir/compose-test-extends-imported.yaml",
    "compose-go@v2.4.8/loader/testdata/extends/base.yaml",
    "compose-go@v2.4.8/loader/testdata/extends/depends_on.yaml",
    "compose-go@v2.4.8/loader/testdata/extends/interpolated.yaml",
    "compose-go@v2.4.8/loader/testdata/extends/nested.yaml",
    "compose-go@v2.4.8/loader/testdata/extends/ports.yaml",
    "compose-go@v2.4.8/loader/testdata/extends/reset.yaml",
    "compose-go@v2.4.8/loader/testdata/extends/sibling.yaml",
    "compose-go@v2.4.8/loader/testdata/extends/withdir/compose.yaml",
    "compose-go@v2.4.8/loader/testdata/extends/withdir/dir/base.yaml",
    "compose-go@v2.4.8/loader/testdata/extends/withdir/dir/compose.yaml",
    "compose-go@v2.4.8/loader/testdata/include/compose.yaml",
    // Not listed: include/dir/compose.yaml, a fragment whose reference error (a missing
    // `env_file`) comes from the typed stage, after this loader.
    "compose-go@v2.4.8/loader/testdata/include/included.yaml",
    "compose-go@v2.4.8/loader/testdata/include/project-directory.yaml",
    "compose-go@v2.4.8/loader/testdata/remote/compose.yaml",
    "compose-go@v2.4.8/loader/testdata/remote/cycle/compose.yaml",
    "compose-go@v2.4.8/loader/testdata/remote/cycle/compose-cycle.yaml",
    "compose-go@v2.4.8/loader/testdata/remote/nested/compose.yaml",
    "compose-go@v2.4.8/loader/testdata/remote/nested/compose-nested.yaml",
    "compose-go@v2.4.8/cli/testdata/simple/compose-with-overrides.yaml",
    "docker-compose/pkg/e2e/fixtures/publish/oci/extends.yaml",
    "docker-compose/pkg/e2e/testdata/TestPublishLocalInclude/compose.yaml",
    "docker-compose/pkg/e2e/testdata/TestPublishWithExtends/compose.yaml",
    "docker-compose/pkg/e2e/testdata/TestSecretFromInclude/compose.yaml",
];

/// Attributes whose list form (`K=V`) the typed stage turns into a mapping.
const KEY_VALUE: &[&str] = &["environment", "labels", "annotations", "sysctls"];

fn substitute(text: &str, corpus: &Path) -> String {
    let home = std::env::var("HOME").unwrap_or_default();
    text.replace("__CORPUS_DIR__", &corpus.to_string_lossy())
        .replace("__HOME__", &home)
}

/// The typed stage's view of a tree (see the module comment).
fn tolerant(v: &Value, key: Option<&str>) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, child) in m {
                let child = tolerant(child, Some(k));
                let empty = child.is_null() || child.as_object().is_some_and(Map::is_empty);
                let omitted = k == "x-#value" || (k == "restart" && child == Value::Bool(false));
                if !empty && !omitted {
                    out.insert(k.clone(), child);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) if key.is_some_and(|k| KEY_VALUE.contains(&k) || k == "args") => {
            let mut out = Map::new();
            for item in items {
                if let Some((k, v)) = item.as_str().and_then(|s| s.split_once('=')) {
                    out.insert(k.to_owned(), Value::String(v.to_owned()));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| tolerant(i, None)).collect()),
        Value::String(s) if key.is_some_and(|k| k == "command" || k == "entrypoint") => {
            Value::Array(
                s.split_whitespace()
                    .map(|w| Value::String(w.to_owned()))
                    .collect(),
            )
        }
        Value::String(s) => Value::String(s.replace("$$", "$")),
        other => other.clone(),
    }
}

/// Folds `env_file` (simple `KEY=VALUE` files) into `environment`, which wins, as the typed
/// stage does.
fn fold_env_files(model: &mut Value) {
    let Some(services) = model.get_mut("services").and_then(Value::as_object_mut) else {
        return;
    };
    for service in services.values_mut() {
        let Some(def) = service.as_object_mut() else {
            continue;
        };
        let Some(files) = def.remove("env_file") else {
            continue;
        };
        let mut env = Map::new();
        for f in files.as_array().into_iter().flatten() {
            let Some(path) = f.get("path").and_then(Value::as_str) else {
                continue;
            };
            let text = std::fs::read_to_string(path).unwrap_or_default();
            for line in text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
            {
                if let Some((k, v)) = line.split_once('=') {
                    env.insert(k.to_owned(), Value::String(v.to_owned()));
                }
            }
        }
        match def.get("environment") {
            Some(Value::Array(items)) => {
                for item in items {
                    if let Some((k, v)) = item.as_str().and_then(|s| s.split_once('=')) {
                        env.insert(k.to_owned(), Value::String(v.to_owned()));
                    }
                }
            }
            Some(Value::Object(m)) => env.extend(m.clone()),
            _ => {}
        }
        def.insert("environment".to_owned(), Value::Object(env));
    }
}

fn load(file: &Path) -> berth_spec::Result<Value> {
    let dir = file.parent().unwrap_or(Path::new("/"));
    let mut env = Environment::new();
    if let Ok(path) = std::env::var("PATH") {
        env.insert("PATH", path);
    }
    if let Ok(home) = std::env::var("HOME") {
        env.insert("HOME", home);
    }
    let details = ConfigDetails {
        working_dir: dir.to_path_buf(),
        config_files: vec![ConfigFile {
            name: file.to_string_lossy().into_owned(),
            content: None,
        }],
        environment: env,
    };
    let opts = LoadOptions {
        project_name: "corpus".into(),
        project_name_imperatively_set: true,
        ..Default::default()
    };
    load_model(&details, &opts).map(|n| n.to_json())
}

/// Whether berth's error names the file of the reference's `validating <file>: <message>`
/// (in its position, or in a `validating` prefix when it has none).
fn same_file(got: &berth_spec::Error, want: &str) -> bool {
    let wanted = want.strip_prefix("validating ").and_then(|s| s.split_once(": ")).map(|(f, _)| f);
    let named = got.file().or_else(|| {
        got.message.strip_prefix("validating ").and_then(|s| s.split_once(": ")).map(|(f, _)| f.to_owned())
    });
    wanted.is_some() && named.as_deref() == wanted
}

/// Compares one fixture; `Err` describes the difference.
fn check(corpus: &Path, rel: &str) -> Result<(), String> {
    let file = corpus.join(rel);
    let expected_json = PathBuf::from(format!("{}.expected.json", file.display()));
    let expected_err = PathBuf::from(format!("{}.expected-error.txt", file.display()));
    let got = load(&file);
    if let Ok(text) = std::fs::read_to_string(&expected_err) {
        let want = substitute(text.trim(), corpus);
        return match got {
            Ok(_) => Err(format!("expected error {want:?}, loaded fine")),
            Err(e) if e.message.trim() == want => Ok(()),
            // berth words schema violations its own way; the file named must be the same.
            Err(e) if want.starts_with("validating ") && same_file(&e, &want) => Ok(()),
            Err(e) => Err(format!(
                "error differs:\n  want: {want:?}\n  got:  {:?}",
                e.message
            )),
        };
    }
    let text =
        std::fs::read_to_string(&expected_json).map_err(|e| format!("no expected output: {e}"))?;
    let want: Value =
        serde_json::from_str(&substitute(&text, corpus)).map_err(|e| e.to_string())?;
    let mut got = got.map_err(|e| format!("load failed: {}", e.render()))?;
    fold_env_files(&mut got);
    let want = tolerant(&want, None);
    let got = tolerant(&got, None);
    let mut diffs = Vec::new();
    if want.get("services") != got.get("services") {
        diffs.push(format!(
            "services differ:\n  want: {}\n  got:  {}",
            want.get("services").unwrap_or(&Value::Null),
            got.get("services").unwrap_or(&Value::Null)
        ));
    }
    for section in ["networks", "volumes", "secrets", "configs"] {
        let Some(Value::Object(w)) = want.get(section) else {
            continue;
        };
        for (name, def) in w {
            let ours = got.get(section).and_then(|s| s.get(name));
            if ours != Some(def) {
                diffs.push(format!(
                    "{section}.{name} differs:\n  want: {def}\n  got:  {}",
                    ours.unwrap_or(&Value::Null)
                ));
            }
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("\n"))
    }
}

#[test]
fn composition_fixtures_match_the_reference() {
    let corpus = corpus_dir();
    let mut failures = Vec::new();
    for rel in FIXTURES {
        assert!(corpus.join(rel).is_file(), "fixture missing: {rel}");
        if let Err(diff) = check(&corpus, rel) {
            failures.push(format!("{rel}:\n{diff}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n\n{}",
        failures.len(),
        FIXTURES.len(),
        failures.join("\n\n")
    );
}
