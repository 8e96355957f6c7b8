//! berth's own conformance cases (`tests/cases/`, one per attribute family): each is replayed
//! through the `berth` binary exactly as `generate.sh` ran the reference Docker Compose, and
//! must give the same JSON (null and absent count as the same) or fail with the same exit code.

use std::path::{Path, PathBuf};
use std::process::Command;

use berth_spec::model::json_difference;
use serde_json::Value;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/cases").canonicalize().expect("tests/cases")
}

fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if dir.join("rc").is_file() {
            out.push(dir.clone());
        }
        for entry in std::fs::read_dir(&dir).expect("read case dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn berth_matches_the_reference_on_its_own_cases() {
    let root = cases_dir();
    let home = tempfile::tempdir().expect("temp home");
    let home_str = home.path().to_string_lossy().into_owned();
    let dirs = case_dirs(&root);
    assert!(dirs.len() >= 20, "expected at least 20 cases under {}", root.display());
    let mut failures = Vec::new();
    for dir in &dirs {
        let dir_str = dir.to_string_lossy().into_owned();
        let subst = |s: &str| s.replace("__CASE_DIR__", &dir_str).replace("__HOME__", &home_str);
        let args = std::fs::read_to_string(dir.join("args"))
            .unwrap_or_else(|_| "-p case config --format json".into());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_berth"));
        cmd.args(args.split_whitespace()).current_dir(dir).env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default()).env("HOME", &home_str);
        if let Ok(env) = std::fs::read_to_string(dir.join("env")) {
            for line in env.lines().filter(|l| !l.is_empty()) {
                let (k, v) = line.split_once('=').expect("KEY=VALUE");
                cmd.env(k, v);
            }
        }
        let out = cmd.output().expect("run berth");
        let rc = out.status.code().unwrap_or(-1);
        let expected_rc: i32 =
            std::fs::read_to_string(dir.join("rc")).expect("rc").trim().parse().expect("rc number");
        let name = dir.strip_prefix(&root).unwrap_or(dir).display().to_string();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if rc != expected_rc {
            failures.push(format!("{name}: exit code {rc}, reference {expected_rc}: {stderr}"));
            continue;
        }
        if rc == 0 && dir.join("expected.yaml").is_file() {
            // YAML is compared byte for byte: key order and quoting are what is tested.
            let expected = subst(&std::fs::read_to_string(dir.join("expected.yaml")).expect("expected YAML"));
            let actual = String::from_utf8_lossy(&out.stdout);
            if actual != expected {
                failures.push(format!("{name}: YAML differs\n--- berth\n{actual}\n--- reference\n{expected}"));
            }
        } else if rc == 0 {
            let expected: Value =
                serde_json::from_str(&subst(&std::fs::read_to_string(dir.join("expected.json")).unwrap()))
                    .expect("expected JSON");
            match serde_json::from_slice::<Value>(&out.stdout) {
                Ok(actual) => {
                    if let Some(d) = json_difference(&actual, &expected) {
                        failures.push(format!("{name}: {d}"));
                    }
                }
                Err(e) => failures.push(format!("{name}: berth printed no JSON: {e}")),
            }
        } else if !stderr.contains(':') || stderr.contains("panicked") {
            failures.push(format!("{name}: unhelpful error: {stderr}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), dirs.len(), failures.join("\n"));
}
