//! Runs every case of the corpus's `dotenv_cases.json` against berth's `.env` parser.
//!
//! The cases come from compose-go's tests, which call several library entry points; each is
//! mapped onto the one behaviour Docker Compose uses for `.env`, `--env-file` and `env_file`
//! (compose-go's `ParseWithLookup`, which is `berth_spec::dotenv::parse`):
//!
//! * `Parse`/`ParseWithLookup`/`Read`/`ReadWithLookup`: parse with the case's lookup (none for
//!   `Parse`/`Read`). `Read` also drops keys starting with a digit; `env_file` does not, and
//!   the corpus records that the reference keeps them (`TestReadPlainEnv`), so the reference's
//!   observed result is what is checked.
//! * `Load`: parse without lookup, then variables already in the (simulated) process
//!   environment win, as `Load` never overrides them.
//! * `GetEnvFromFile`: files in order; each file's lookup is the case's lookup, then the
//!   variables of the earlier files (compose's `--env-file` chaining). The reference predates
//!   compose-go 8da9902, and the corpus records its observed result for `TestMultipleFiles/0`.
//! * `expandVariables`: one value interpolated with the lookup first, then the variables.
//! * `getStatementStart`: the text from the first statement on.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::path::PathBuf;

use berth_spec::dotenv;
use berth_spec::sources;
use indexmap::IndexMap;
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("BERTH_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    assert!(
        dir.join("dotenv_cases.json").is_file(),
        "conformance corpus not found at {} (set BERTH_CORPUS)",
        dir.display()
    );
    dir
}

fn string_map(v: &Value) -> IndexMap<String, String> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// What a case produced: a map of variables, or an error message.
type Outcome = Result<IndexMap<String, String>, String>;

fn run_case(corpus: &std::path::Path, case: &Value, calls: &RefCell<Vec<String>>) -> Outcome {
    let api = case["api"].as_str().unwrap_or("");
    let lookup_vars = string_map(&case["lookup"]);
    let lookup = |k: &str| {
        calls.borrow_mut().push(k.to_owned());
        lookup_vars.get(k).cloned()
    };
    let no_lookup = |_: &str| None;
    let lookup: &dyn Fn(&str) -> Option<String> = match api {
        "Parse" | "Read" | "Load" => &no_lookup,
        _ => &lookup,
    };
    let parsed = if let Some(files) = case["input_files"].as_array() {
        let mut merged: IndexMap<String, String> = IndexMap::new();
        for file in files {
            let earlier = merged.clone();
            let chained = |k: &str| lookup(k).or_else(|| earlier.get(k).cloned());
            let id = sources::register(
                file["name"].as_str().unwrap_or("file.env"),
                file["content"].as_str().unwrap_or(""),
            );
            merged.extend(dotenv::parse(id, &chained).map_err(|e| e.message)?);
        }
        merged
    } else if let Some(path) = case["input_file"].as_str() {
        dotenv::read_file(&corpus.join(path), lookup).map_err(|e| e.message)?
    } else {
        let text = case["input"].as_str().expect("input");
        dotenv::parse(sources::register("inline.env", text), lookup).map_err(|e| e.message)?
    };
    let mut result = parsed;
    if let Some(preset) = case["preset_process_env"].as_object() {
        for (k, v) in preset {
            result.insert(k.clone(), v.as_str().unwrap_or_default().to_owned());
        }
    }
    Ok(result)
}

fn check_error(id: &str, message: &str, case: &Value) {
    match case["error_match"].as_str() {
        Some("equals") => assert_eq!(
            message,
            case["expected_error"].as_str().unwrap_or(""),
            "{id}"
        ),
        Some("contains") => {
            let needle = case["expected_error"].as_str().unwrap_or("");
            assert!(
                message.contains(needle),
                "{id}: {message:?} should contain {needle:?}"
            );
        }
        Some("any") => {}
        other => panic!("{id}: unknown error_match {other:?}"),
    }
}

#[test]
fn every_dotenv_case() {
    let corpus = corpus_dir();
    let text = std::fs::read_to_string(corpus.join("dotenv_cases.json")).expect("read cases");
    let all: Value = serde_json::from_str(&text).expect("parse cases");
    let cases = all["cases"].as_array().expect("cases");
    assert!(cases.len() >= 112, "expected at least 112 dotenv cases");
    let mut ran = 0;
    for case in cases {
        let id = case["id"].as_str().unwrap_or("?");
        let api = case["api"].as_str().unwrap_or("");
        let rc = &case["reference_check"];
        let reference_mismatch = rc["result"].as_str() == Some("mismatch");
        ran += 1;

        if api == "getStatementStart" {
            let input = case["input"].as_str().unwrap_or("");
            let expected = case["expected_statement_start"].as_str().unwrap_or("");
            assert_eq!(dotenv::statement_start(input), expected, "{id}");
            let parsed = dotenv::parse(sources::register("inline.env", input), &|_| None)
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(parsed.is_empty(), expected.is_empty(), "{id}: {parsed:?}");
            continue;
        }

        if api == "expandVariables" {
            let value = case["input_value"].as_str().unwrap_or("");
            let vars = string_map(&case["vars"]);
            let lookup_vars = string_map(&case["lookup"]);
            let mut warnings = Vec::new();
            let got = dotenv::expand_variables(
                value,
                &vars,
                &|k| lookup_vars.get(k).cloned(),
                &mut warnings,
            );
            if let Some(expected) = case.get("expected_value") {
                let got = got.unwrap_or_else(|e| panic!("{id}: unexpected error {e}"));
                assert_eq!(got, expected.as_str().unwrap_or(""), "{id}");
            } else {
                // compose-go also hands back the unexpanded input with the error; berth
                // returns only the error, and the parse fails the same way.
                let err = got
                    .err()
                    .unwrap_or_else(|| panic!("{id}: expected an error"));
                check_error(id, &err.message, case);
            }
            continue;
        }

        let calls = RefCell::new(Vec::new());
        let outcome = run_case(&corpus, case, &calls);
        if case.get("expected_error").is_some() {
            let message = outcome
                .err()
                .unwrap_or_else(|| panic!("{id}: expected an error"));
            check_error(id, &message, case);
            continue;
        }
        let got = outcome.unwrap_or_else(|e| panic!("{id}: unexpected error {e}"));
        let (expected, how) = if reference_mismatch {
            // The reference binary's behaviour wins over the newer compose-go test.
            (string_map(&rc["observed"]), "exact")
        } else {
            (
                string_map(&case["expected"]),
                case["expected_match"].as_str().unwrap_or(""),
            )
        };
        match how {
            "exact" => assert_eq!(got, expected, "{id}"),
            "subset" => {
                for (k, v) in &expected {
                    assert_eq!(got.get(k), Some(v), "{id}: key {k} in {got:?}");
                }
            }
            "absent" => {
                for k in case["expected_absent"].as_array().into_iter().flatten() {
                    let k = k.as_str().unwrap_or("");
                    assert!(
                        !got.contains_key(k),
                        "{id}: {k} should be absent from {got:?}"
                    );
                }
                if id.starts_with("TestInheritedEnvVariableNotFoundWithLookup") {
                    assert!(
                        calls.borrow().iter().any(|c| c == "VARIABLE_NOT_FOUND"),
                        "{id}: lookup not consulted"
                    );
                }
            }
            other => panic!("{id}: unknown expected_match {other:?}"),
        }
    }
    assert_eq!(ran, cases.len());
}

#[test]
fn invalid_fixture_error_points_at_its_line() {
    let corpus = corpus_dir();
    let err = dotenv::read_file(
        &corpus.join("compose-go/dotenv/fixtures/invalid1.env"),
        &|_| None,
    )
    .expect_err("invalid1.env must fail");
    assert_eq!(err.message, "line 7: key cannot contain a space");
    let span = err.span.expect("span");
    assert_eq!((span.line, span.col), (7, 1));
    assert!(err.to_string().contains("invalid1.env:7:1: "), "{err}");
}

#[test]
fn many_lines_parse() {
    // compose-go's TestMemoryExplosion, as a plain size check.
    let text = (0..1000).fold(String::new(), |mut text, i| {
        let _ = writeln!(text, "KEY{i}=VALUE{i}");
        text
    });
    let parsed = dotenv::parse(sources::register("big.env", text), &|_| None).expect("parses");
    assert_eq!(parsed.len(), 1000);
    assert_eq!(parsed["KEY999"], "VALUE999");
}
