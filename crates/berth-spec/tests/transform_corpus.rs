//! Differential test of the tree transforms (canonical, omitEmpty, defaults, paths,
//! environment, normalisation) against the reference `config --format json` output of plain
//! corpus projects (no variables, no `extends`, no `include`, no `.env`).
//!
//! The transforms run in the reference loader's order: per file canonical → omitEmpty, then
//! defaults → relative paths → environment → normalisation with the project name `corpus`.
//!
//! The expected output also went through typed decoding and `config` rendering, which berth
//! does in later stages. Those differences are tolerated, each one named in `typed_view`,
//! `rendered_differently`, `hidden_keys` and `compare` (what the later stages must do), so
//! that nothing else can hide behind them. In short: null and absent are the same
//! (`command: null` comes from typing); shell-form commands are split; `KEY=VALUE` lists
//! become mappings; numbers become strings in string fields; durations, byte sizes and CPU
//! counts are re-rendered; empty structs are rendered as `{}`; `x-*` keys below the top level,
//! `env_file` and `label_file` are not rendered (the files are folded into `environment` and
//! `labels`); and `config` prunes top-level resources no service uses.
//!
//! The test's YAML converter (yaml-rust2, YAML 1.2) reads `0440` as 440 where the reference
//! reads octal 288; file modes are therefore not compared (that is the YAML stage's job).
//! `~` expands to a fixed home directory standing in for the reference run's `__HOME__`.

use std::path::{Path, PathBuf};

use berth_spec::{canonical, defaults, normalize, paths, Environment, Key, Map, Node, Value};
use serde_json::{json, Value as Json};

/// The home directory of the transforms, standing in for the reference run's `__HOME__`.
const HOME: &str = "/home/corpus-user";

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("BERTH_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    assert!(dir.is_dir(), "conformance corpus not found at {} (set BERTH_CORPUS)", dir.display());
    std::fs::canonicalize(&dir).expect("corpus path")
}

/// Test-only YAML → Node conversion (no spans) until `berth_spec::yaml::parse_str` lands.
fn yaml_to_node(y: &yaml_rust2::Yaml) -> Node {
    use yaml_rust2::Yaml;
    let value = match y {
        Yaml::Real(s) => Value::Float(s.parse().expect("float")),
        Yaml::Integer(i) => Value::Int(*i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(a) => Value::Seq(a.iter().map(yaml_to_node).collect()),
        Yaml::Hash(h) => Value::Map(
            h.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) | Yaml::Real(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::Boolean(b) => b.to_string(),
                        other => panic!("unsupported key {other:?}"),
                    };
                    (Key::synthetic(key), yaml_to_node(v))
                })
                .collect::<Map>(),
        ),
        Yaml::Null => Value::Null,
        other => panic!("unsupported YAML value {other:?}"),
    };
    Node::synthetic(value)
}

fn load(file: &Path) -> Node {
    // The only variable of the plain projects is `full-example.yml`'s project name.
    let text = std::fs::read_to_string(file).expect("read compose file").replace("${COMPOSE_PROJECT_NAME}", "corpus");
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("parse YAML");
    yaml_to_node(docs.first().expect("one document"))
}

/// Runs the transforms as the reference loader does for a single file, with the reference
/// run's environment plus `extra_env`.
fn transform(file: &Path, extra_env: &[(&str, &str)]) -> Json {
    let dir = file.parent().expect("file dir");
    let mut root = load(file);
    canonical::canonical(&mut root, false).expect("canonical");
    canonical::omit_empty(&mut root);
    defaults::set_default_values(&mut root).expect("defaults");
    paths::resolve_relative_paths_with_home(&mut root, dir, Some(HOME)).expect("paths");
    let env: Environment = [("HOME", HOME), ("COMPOSE_PROJECT_NAME", "corpus")]
        .iter()
        .chain(extra_env)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    normalize::resolve_environment(&mut root, &env);
    root.as_map_mut().expect("mapping").insert(Key::synthetic("name"), Node::string("corpus", berth_spec::Span::SYNTHETIC));
    normalize::normalize(&mut root, &env).expect("normalize");
    root.to_json()
}

fn expected(file: &Path, corpus: &Path, suffix: &str) -> Json {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    let text = std::fs::read_to_string(PathBuf::from(name)).expect("expected output");
    let text = text.replace("__CORPUS_DIR__", &corpus.to_string_lossy()).replace("__HOME__", HOME);
    serde_json::from_str(&text).expect("expected JSON")
}

/// What typed decoding and `config --format json` rendering (later stages, not tested here)
/// do to the attributes this stage leaves as written. Applied to berth's tree before an
/// otherwise exact comparison, so each tolerance is named here and nothing else can hide.
fn typed_view(path: &[&str], v: &Json) -> Json {
    let stringify = |v: &Json| match v {
        Json::Null => json!(""),
        Json::String(_) => v.clone(),
        other => json!(other.to_string()),
    };
    let map_values = |v: &Json, f: &dyn Fn(&Json) -> Json| match v {
        Json::Object(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), f(v))).collect()),
        other => other.clone(),
    };
    let list_to_map = |v: &Json| match v {
        Json::Array(items) => Json::Object(
            items
                .iter()
                .filter_map(Json::as_str)
                .map(|s| match s.split_once('=') {
                    Some((k, v)) => (k.to_owned(), json!(v)),
                    None => (s.to_owned(), Json::Null),
                })
                .collect(),
        ),
        other => other.clone(),
    };
    match path {
        // Lists of KEY=VALUE become mappings; label values are strings.
        ["services", _, "environment"] => list_to_map(v),
        ["services", _, "labels" | "annotations"] | ["services", _, "build" | "deploy", "labels"] => {
            map_values(&list_to_map(v), &stringify)
        }
        // Shell-form commands are split into words; a string healthcheck test runs in a shell.
        ["services", _, "command" | "entrypoint"] | ["services", _, "post_start" | "pre_stop", _, "command"]
        | ["services", _, "develop", "watch", _, "exec", "command"] => match v {
            Json::String(s) => json!(shell_words(s)),
            other => other.clone(),
        },
        ["services", _, "healthcheck", "test"] => match v {
            Json::String(s) => json!(["CMD-SHELL", s]),
            other => other.clone(),
        },
        // SSH keys render as `id` or `id=path`.
        ["services", _, "build", "ssh"] => match v {
            Json::Object(m) => json!(m
                .iter()
                .map(|(k, v)| v.as_str().map_or_else(|| k.clone(), |p| format!("{k}={p}")))
                .collect::<Vec<_>>()),
            other => other.clone(),
        },
        // Extra hosts render as `host=ip`.
        ["services", _, "extra_hosts"] => match v {
            Json::Array(items) => json!(items
                .iter()
                .map(|h| h.as_str().map_or_else(|| h.clone(), |s| json!(s.replacen(':', "=", 1))))
                .collect::<Vec<_>>()),
            other => other.clone(),
        },
        // Numbers become strings in string-typed fields.
        ["services", _, "expose"] => match v {
            Json::Array(items) => json!(items.iter().map(stringify).collect::<Vec<_>>()),
            other => other.clone(),
        },
        ["services", _, "sysctls"] | ["networks" | "volumes", _, "driver_opts"] => map_values(v, &stringify),
        ["services", _, "ports", _, "published"] | ["services", _, "volumes", _, "tmpfs", "size"] => {
            if v.is_number() {
                stringify(v)
            } else {
                v.clone()
            }
        }
        _ => v.clone(),
    }
}

/// Values whose typed rendering differs in form only (durations as `1m0s`, byte sizes,
/// CPU counts), and the octal file modes the test's YAML 1.2 converter reads as decimal
/// (`0440` is octal 288 to the reference's YAML 1.1 reader; that is the YAML stage's job).
fn rendered_differently(path: &[&str]) -> bool {
    matches!(
        path,
        ["services", _, "healthcheck", "interval" | "timeout" | "start_period" | "start_interval"]
            | ["services", _, "stop_grace_period"]
            | ["services", _, "deploy", "update_config" | "rollback_config", "delay" | "monitor"]
            | ["services", _, "deploy", "restart_policy", "delay" | "window"]
            | ["services", _, "deploy", "resources", "limits" | "reservations", "cpus" | "memory"]
            | ["services", _, "secrets" | "configs", _, "mode"]
            | ["services", _, "build", "secrets", _, "mode"]
    )
}

/// Enough of POSIX shell word splitting for the corpus commands (quotes and backslashes),
/// standing in for the typed stage's shell-words split.
fn shell_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                cur.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => cur.extend(chars.next()),
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                cur.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// A mapping that carries nothing: what typing renders for an unset struct field
/// (`networks.*.ipam: {}`, `deploy.resources: {}`, `watch[].exec: {command: null}`).
fn is_empty_struct(v: &Json) -> bool {
    v.as_object().is_some_and(|m| m.values().all(|v| v.is_null() || is_empty_struct(v)))
}

fn is_nullish(v: Option<&Json>) -> bool {
    v.is_none_or(Json::is_null)
}

/// Keys of one of berth's mappings that the reference's JSON rendering never shows: `x-*`
/// extensions below the top level, and `env_file`/`label_file`, which typing folds into
/// `environment`/`labels` (whose comparison is then skipped, as it needs the files read).
fn hidden_keys(parts: &[&str], mine: &serde_json::Map<String, Json>) -> Vec<String> {
    let mut hidden: Vec<String> = mine.keys().filter(|k| k.starts_with("x-") && !parts.is_empty()).cloned().collect();
    if let ["services", _] = parts {
        for (file, folded) in [("env_file", "environment"), ("label_file", "labels")] {
            if mine.contains_key(file) {
                hidden.push(file.to_owned());
                hidden.push(folded.to_owned());
            }
        }
    }
    hidden
}

fn compare(path: &mut Vec<String>, mine: Option<&Json>, exp: Option<&Json>, diffs: &mut Vec<String>) {
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    if (is_nullish(mine) && is_nullish(exp)) || rendered_differently(&parts) {
        return;
    }
    if is_nullish(mine) && exp.is_some_and(is_empty_struct) {
        return;
    }
    // `restart: false` is omitted from the rendering.
    if matches!(parts.as_slice(), ["services", _, "depends_on", _, "restart"]) && mine == Some(&json!(false)) && exp.is_none() {
        return;
    }
    // Without `--profile`, the profiles stage drops every service that names a profile.
    if matches!(parts.as_slice(), ["services", _]) && exp.is_none() && mine.is_some_and(|m| m.get("profiles").is_some()) {
        return;
    }
    // `config` drops top-level resources no service uses.
    let top_resource = matches!(parts.as_slice(), ["networks" | "volumes" | "secrets" | "configs"]);
    if top_resource && exp.is_none() {
        return;
    }
    let mine = mine.map(|m| typed_view(&parts, m));
    match (mine.as_ref(), exp) {
        (Some(Json::Object(m)), Some(Json::Object(e))) => {
            let hidden = hidden_keys(&parts, m);
            let mut keys: Vec<&String> = e.keys().collect();
            if !top_resource {
                keys.extend(m.keys().filter(|k| !e.contains_key(*k)));
            }
            for k in keys.into_iter().filter(|k| !hidden.contains(k)) {
                path.push(k.clone());
                compare(path, m.get(k), e.get(k), diffs);
                path.pop();
            }
        }
        (Some(Json::Array(m)), Some(Json::Array(e))) if m.len() == e.len() => {
            for (i, (mi, ei)) in m.iter().zip(e).enumerate() {
                path.push(format!("[{i}]"));
                compare(path, Some(mi), Some(ei), diffs);
                path.pop();
            }
        }
        (m, e) if m == e => {}
        (m, e) => diffs.push(format!("{}: berth {} != reference {}", path.join("."), show(m), show(e))),
    }
}

fn show(v: Option<&Json>) -> String {
    v.map_or_else(|| "<absent>".to_owned(), Json::to_string)
}

/// Every plain project of the corpus with a reference output: no variables, `extends`,
/// `include`, merge keys or `.env` file, which other stages handle.
fn plain_projects(corpus: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(dir).expect("read corpus dir").map(|e| e.expect("dir entry").path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
                continue;
            }
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let is_compose = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
            if !is_compose || !dir.join(format!("{name}.expected.json")).is_file() || dir.join(".env").exists() {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read compose file");
            if ["$", "extends", "include:", "<<"].iter().any(|m| text.contains(m)) {
                continue;
            }
            out.push(path);
        }
    }
    let mut out = Vec::new();
    walk(corpus, &mut out);
    out
}

fn differences(mine: &Json, exp: &Json) -> Vec<String> {
    let mut diffs = Vec::new();
    for section in ["services", "networks", "volumes", "secrets", "configs"] {
        let mut path = vec![section.to_owned()];
        compare(&mut path, mine.get(section), exp.get(section), &mut diffs);
    }
    diffs
}

/// compose-go's `full-example.yml`, run by the reference with the variables its Go test sets.
#[test]
fn full_example_matches_reference_output() {
    let corpus = corpus_dir();
    let file = corpus.join("compose-go@v2.4.8/loader/full-example.yml");
    let mine = transform(&file, &[("BAR", "this is a secret"), ("QUX", "qux_from_environment")]);
    let exp = expected(&file, &corpus, ".with-test-env.no-consistency.expected.json");
    let diffs = differences(&mine, &exp);
    assert!(diffs.is_empty(), "full-example.yml differs:\n  {}", diffs.join("\n  "));
}

#[test]
fn transforms_match_reference_output() {
    let corpus = corpus_dir();
    let projects = plain_projects(&corpus);
    // Guard against a filter that silently selects nothing.
    assert!(projects.len() >= 100, "only {} plain projects found", projects.len());
    let mut failures = Vec::new();
    for file in &projects {
        let project = file.strip_prefix(&corpus).unwrap_or(file).display();
        let diffs = differences(&transform(file, &[]), &expected(file, &corpus, ".expected.json"));
        if !diffs.is_empty() {
            failures.push(format!("{project}:\n  {}", diffs.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{} of {} projects differ:\n{}", failures.len(), projects.len(), failures.join("\n"));
}
