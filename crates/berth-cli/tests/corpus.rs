//! Differential test against the reference: every run recorded in the conformance corpus's
//! manifest is replayed through the `berth` binary with the same arguments and environment.
//! Where the reference printed a project, berth must print the same JSON value (an explicit
//! null and an absent key count as the same); where the reference failed, berth must fail with
//! the same exit code.
//!
//! The corpus lives beside the checkout (`../shared/corpus`) or at `$BERTH_CORPUS`; the test
//! fails when it is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use berth_spec::model::json_difference;
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    if let Ok(p) = std::env::var("BERTH_CORPUS") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

/// Runs where berth differs from the reference on purpose (documented in the README).
const DELIBERATE: &[(&str, &str)] = &[
    (
        "pkg/e2e/fixtures/build-test/ssh/compose.yaml",
        "the reference's JSON encoder fails on build.ssh keys with a path; berth prints them",
    ),
    (
        "pkg/e2e/testdata/TestPullRefreshWindowExplicitPull/compose.yaml",
        "pull_policy: daily (the Compose Specification's refresh policies) is accepted; docs/drop-in.md",
    ),
];

struct Outcome {
    file: String,
    problem: Option<String>,
}

#[test]
fn berth_config_matches_the_reference_on_the_whole_corpus() {
    let corpus = corpus_dir();
    let manifest_path = corpus.join("expected_manifest.json");
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(&manifest_path)
            .unwrap_or_else(|e| panic!("corpus missing at {}: {e}", manifest_path.display())),
    )
    .expect("manifest is JSON");
    let corpus_str = corpus.canonicalize().expect("corpus path").to_string_lossy().into_owned();
    let home = tempfile::tempdir().expect("temp home");
    let home_str = home.path().to_string_lossy().into_owned();
    let subst = |s: &str| s.replace("__CORPUS_DIR__", &corpus_str).replace("__HOME__", &home_str);
    let berth = env!("CARGO_BIN_EXE_berth");

    let runs = manifest["runs"].as_array().expect("runs");
    let mut outcomes = Vec::new();
    for run in runs {
        let file = run["file"].as_str().unwrap_or_default().to_owned();
        let deliberate = DELIBERATE.iter().any(|(f, _)| file.ends_with(f));
        let argv: Vec<String> =
            run["argv"].as_array().unwrap().iter().map(|a| subst(a.as_str().unwrap())).collect();
        let output_file = run["output"].as_str().map(|o| corpus.join(o));
        let yaml_expected = output_file.as_ref().is_some_and(|p| p.extension().is_some_and(|e| e == "yaml"));
        let mut cmd = Command::new(berth);
        // argv is ["docker", "compose", ...]: berth takes the rest. Where the reference could
        // only print YAML (its JSON encoder fails on `build.ssh` paths), compare YAML.
        let args: Vec<String> = argv[2..]
            .iter()
            .map(|a| if yaml_expected && a == "json" { "yaml".to_owned() } else { a.clone() })
            .collect();
        cmd.args(&args);
        cmd.env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in run["env"].as_object().unwrap() {
            cmd.env(k, subst(v.as_str().unwrap()));
        }
        cmd.current_dir(subst(run["cwd"].as_str().unwrap()));
        let out = cmd.output().expect("run berth");
        let rc = out.status.code().unwrap_or(-1);
        let expected_rc = run["rc"].as_i64().unwrap_or(0);
        let problem = match (expected_rc, output_file) {
            (_, Some(path)) if path.extension().is_some_and(|e| e == "json" || e == "yaml") => {
                let text = subst(&std::fs::read_to_string(&path).unwrap());
                let expected: Value = if path.extension().is_some_and(|e| e == "yaml") {
                    yaml_to_json(&text)
                } else {
                    serde_json::from_str(&text).unwrap()
                };
                if rc != 0 {
                    Some(format!(
                        "berth failed (rc {rc}) where the reference succeeded: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ))
                } else {
                    let printed = if yaml_expected {
                        Ok(yaml_to_json(&String::from_utf8_lossy(&out.stdout)))
                    } else {
                        serde_json::from_slice::<Value>(&out.stdout)
                    };
                    match printed {
                        Err(e) => Some(format!("berth printed no JSON: {e}")),
                        Ok(actual) => json_difference(&actual, &expected),
                    }
                }
            }
            (0, _) => Some("manifest run without output".into()),
            (code, _) => {
                if rc == 0 && deliberate {
                    None
                } else if rc == 0 {
                    Some(format!("berth accepted what the reference rejects (rc {code})"))
                } else if i64::from(rc) != code {
                    Some(format!(
                        "exit code {rc}, reference {code}: {}",
                        String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("")
                    ))
                } else {
                    None
                }
            }
        };
        outcomes.push(Outcome { file, problem });
    }
    let failures: Vec<&Outcome> = outcomes.iter().filter(|o| o.problem.is_some()).collect();
    for f in &failures {
        eprintln!("FAIL {}: {}", f.file, f.problem.as_deref().unwrap_or(""));
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus runs differ from the reference",
        failures.len(),
        outcomes.len()
    );
}

/// The two YAML fallbacks in the corpus are simple block YAML; berth's own parser reads them.
fn yaml_to_json(text: &str) -> Value {
    let docs = berth_spec::yaml::parse_str("expected.yaml", text).expect("expected YAML parses");
    docs.first().map(berth_spec::Node::to_json).unwrap_or(Value::Null)
}
