//! Runs every case of the corpus's `interpolation_cases.json` (suites `template`,
//! `interpolation`, `extract_variables`) against berth's interpolation.
//!
//! Where the corpus records that the reference binary (docker compose 2.26.1 with compose-go
//! ~v2.4.8) disagrees with the case's expectation (taken from a newer compose-go), the
//! reference's observed behaviour is what berth must match, and is what is checked here.
//! Template cases are additionally run the way the reference check ran them (as
//! `services.s.environment.V`) and compared with what the reference printed.

use std::path::PathBuf;

use berth_spec::interpolate::{self, Cast};
use berth_spec::template::{self, Variable};
use berth_spec::Node;
use indexmap::IndexMap;
use serde_json::{json, Value};

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("BERTH_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    assert!(
        dir.join("interpolation_cases.json").is_file(),
        "conformance corpus not found at {} (set BERTH_CORPUS)",
        dir.display()
    );
    dir
}

fn load_cases() -> Value {
    let path = corpus_dir().join("interpolation_cases.json");
    let text = std::fs::read_to_string(&path).expect("read interpolation_cases.json");
    serde_json::from_str(&text).expect("parse interpolation_cases.json")
}

fn suite<'a>(all: &'a Value, name: &str) -> &'a [Value] {
    all["suites"][name]["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("suite {name} missing"))
}

fn env_of(case: &Value) -> IndexMap<String, String> {
    case["env"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn check_error(id: &str, actual: &str, expected: &Value, how: &Value) {
    match how.as_str() {
        Some("equals") => assert_eq!(actual, expected.as_str().unwrap_or(""), "{id}"),
        Some("contains") => {
            let needle = expected.as_str().unwrap_or("");
            assert!(
                actual.contains(needle),
                "{id}: {actual:?} should contain {needle:?}"
            );
        }
        other => panic!("{id}: unknown error_match {other:?}"),
    }
}

fn is_reference_mismatch(case: &Value) -> bool {
    case["reference_check"]["result"]
        .as_str()
        .is_some_and(|r| r.starts_with("mismatch"))
}

#[test]
fn template_suite() {
    let all = load_cases();
    let cases = suite(&all, "template");
    assert!(cases.len() >= 70, "expected at least 70 template cases");
    for case in cases {
        let id = case["id"].as_str().unwrap_or("?");
        let input = case["input"].as_str().expect("input");
        let env = env_of(case);
        let lookup = |k: &str| env.get(k).cloned();
        let mut warnings = Vec::new();
        let result = template::substitute_with_warnings(input, &lookup, &mut warnings);
        if let Some(expected) = case.get("expected") {
            let got = result.unwrap_or_else(|e| panic!("{id}: unexpected error {e}"));
            assert_eq!(got, expected.as_str().unwrap_or(""), "{id}");
        } else {
            let err = result
                .err()
                .unwrap_or_else(|| panic!("{id}: expected an error"));
            check_error(
                id,
                &err.message,
                &case["expected_error"],
                &case["error_match"],
            );
        }
        // The reference logs the warnings of unused branches too (compose-go made them lazy
        // later): where the corpus marks a warning-count mismatch, the observed count is right.
        let rc = &case["reference_check"];
        let expected_warnings = if is_reference_mismatch(case) {
            rc["observed_warning_count"].as_u64()
        } else {
            case["expected_warning_count"]
                .as_u64()
                .or_else(|| rc["observed_warning_count"].as_u64())
        };
        if let Some(n) = expected_warnings {
            assert_eq!(warnings.len() as u64, n, "{id}: warnings {warnings:?}");
        }
    }
}

/// The template cases as the reference check ran them: `services.s.environment.V: <input>`.
#[test]
fn template_suite_through_the_tree_like_the_reference() {
    let all = load_cases();
    for case in suite(&all, "template") {
        let id = case["id"].as_str().unwrap_or("?");
        let rc = &case["reference_check"];
        let env = env_of(case);
        let lookup = |k: &str| env.get(k).cloned();
        let mut root =
            Node::from_json(&json!({"services": {"s": {"environment": {"V": case["input"]}}}}));
        let result = interpolate::interpolate(&mut root, &lookup);
        if let Some(observed) = rc.get("observed") {
            result.unwrap_or_else(|e| panic!("{id}: unexpected error {e}"));
            assert_eq!(
                root.to_json()["services"]["s"]["environment"]["V"],
                *observed,
                "{id}"
            );
        } else if let Some(observed_error) = rc.get("observed_error") {
            let err = result
                .err()
                .unwrap_or_else(|| panic!("{id}: expected an error"));
            assert_eq!(err.message, observed_error.as_str().unwrap_or(""), "{id}");
        } else {
            panic!("{id}: the corpus has no reference observation");
        }
    }
}

fn cast_table(case: &Value) -> Vec<(String, Cast)> {
    case["type_casts"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(path, kind)| {
                    let cast = match kind.as_str() {
                        Some("int") => Cast::Int,
                        Some("bool") => Cast::Bool,
                        Some("float") => Cast::Float,
                        other => panic!("unknown cast {other:?}"),
                    };
                    (path.clone(), cast)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn interpolation_suite() {
    let all = load_cases();
    let cases = suite(&all, "interpolation");
    assert!(
        cases.len() >= 35,
        "expected at least 35 interpolation cases"
    );
    for case in cases {
        let id = case["id"].as_str().unwrap_or("?");
        assert!(
            !is_reference_mismatch(case),
            "{id}: reference mismatch needs handling"
        );
        let env = env_of(case);
        let lookup = |k: &str| env.get(k).cloned();
        let owned = cast_table(case);
        let casts: Vec<(&str, Cast)> = owned.iter().map(|(p, c)| (p.as_str(), *c)).collect();
        let mut root = Node::from_json(&case["input"]);
        let mut warnings = Vec::new();
        let result = interpolate::interpolate_with(&mut root, &lookup, &casts, &mut warnings);
        if let Some(expected) = case.get("expected") {
            result.unwrap_or_else(|e| panic!("{id}: unexpected error {e}"));
            assert_eq!(root.to_json(), *expected, "{id}");
        } else {
            let err = result
                .err()
                .unwrap_or_else(|| panic!("{id}: expected an error"));
            check_error(
                id,
                &err.message,
                &case["expected_error"],
                &case["error_match"],
            );
        }
    }
}

/// The `TestInterpolateWithCast` case as the reference check adapted it, through compose's
/// own cast table.
#[test]
fn interpolation_cast_case_with_compose_table() {
    let env: IndexMap<String, String> = [("count", "5"), ("REQUIRED", "true")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let lookup = |k: &str| env.get(k).cloned();
    let mut root = Node::from_json(
        &json!({"services": {"foo": {"deploy": {"replicas": "$count"}, "read_only": "$REQUIRED"}}}),
    );
    interpolate::interpolate(&mut root, &lookup).expect("interpolates");
    assert_eq!(
        root.to_json(),
        json!({"services": {"foo": {"deploy": {"replicas": 5}, "read_only": true}}})
    );
}

fn variables_of(v: &Value) -> IndexMap<String, Variable> {
    let opt = |s: &Value| s.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let var = Variable {
                        name: v["Name"].as_str().unwrap_or_default().to_owned(),
                        default_value: opt(&v["DefaultValue"]),
                        alternate_value: opt(&v["PresenceValue"]),
                        required: v["Required"].as_bool().unwrap_or(false),
                    };
                    (k.clone(), var)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn extract_variables_suite() {
    let all = load_cases();
    let cases = suite(&all, "extract_variables");
    assert!(
        cases.len() >= 18,
        "expected at least 18 extract_variables cases"
    );
    for case in cases {
        let id = case["id"].as_str().unwrap_or("?");
        // `nested-array-of-maps`: the reference does not search mappings inside sequences.
        let expected = if is_reference_mismatch(case) {
            variables_of(&case["reference_check"]["observed_variables"])
        } else {
            variables_of(&case["expected_variables"])
        };
        let mut got = template::extract_variables(&Node::from_json(&case["input"]));
        got.sort_keys();
        let mut expected = expected;
        expected.sort_keys();
        assert_eq!(got, expected, "{id}");
    }
}
