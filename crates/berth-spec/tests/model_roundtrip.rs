//! Every reference `config --format json` output in the corpus, decoded into the typed model and
//! serialised again, must give the same document: the model covers every attribute Docker
//! Compose prints, in the form it prints it. YAML fallbacks (where the reference's JSON marshaller
//! failed) must fail the same way in JSON and render in YAML.

use std::path::{Path, PathBuf};

use berth_spec::de::from_node;
use berth_spec::model::{json_difference, Project};
use berth_spec::Node;

/// `$BERTH_CORPUS`, else `shared/corpus` next to the repository (or next to any ancestor, so
/// worktrees in a subdirectory find it too).
fn corpus_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var_os("BERTH_CORPUS").map_or_else(
        || {
            manifest
                .ancestors()
                .skip(2)
                .map(|a| a.join("shared/corpus"))
                .find(|d| d.is_dir())
                .unwrap_or_else(|| manifest.join("../../../shared/corpus"))
        },
        PathBuf::from,
    );
    assert!(dir.is_dir(), "conformance corpus not found at {} (set BERTH_CORPUS)", dir.display());
    dir
}

fn files_ending_with(dir: &Path, suffix: &str, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            files_ending_with(&path, suffix, out);
        } else if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(suffix)) {
            out.push(path);
        }
    }
}

fn decode(expected: &serde_json::Value, file: &Path) -> Project {
    from_node(&Node::from_json(expected))
        .unwrap_or_else(|e| panic!("{}: decoding failed: {}", file.display(), e.render()))
}

#[test]
fn every_reference_output_round_trips() {
    let mut files = Vec::new();
    files_ending_with(&corpus_dir(), ".expected.json", &mut files);
    files.sort();
    assert_eq!(files.len(), 333, "expected 333 reference outputs in the corpus");

    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable reference output");
        let expected: serde_json::Value = serde_json::from_str(&text).expect("reference output is JSON");
        let project = decode(&expected, file);
        let actual = match project.to_json_value() {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{}: serialising failed: {e}", file.display()));
                continue;
            }
        };
        if let Some(diff) = json_difference(&actual, &expected) {
            failures.push(format!("{}: {diff}", file.display()));
        }
        // Go prints struct fields in declaration order and map keys sorted; so does the model.
        let printed = serde_json::to_string_pretty(&actual).expect("prints");
        let reference = serde_json::to_string_pretty(&expected).expect("prints");
        if printed != reference {
            failures.push(format!("{}: same document, different key order", file.display()));
        }
        // Plain serde_json must give the same document as the rendering entry point.
        let plain = serde_json::to_value(&project).expect("plain serialisation");
        assert_eq!(plain, actual, "{}", file.display());
    }
    assert!(failures.is_empty(), "{} of {} outputs differ:\n{}", failures.len(), files.len(), failures.join("\n"));
}

/// compose-go v2.4.8's own expected serialisations of its full example (`full-struct_test.go`),
/// which exercise attributes the CLI corpus does not (`x-*` on nested objects, YAML shapes).
#[test]
fn compose_go_full_example_round_trips_in_both_formats() {
    let dir = corpus_dir().join("compose-go@v2.4.8/loader");

    let file = dir.join("full-example.compose-go-expected.json");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("readable")).expect("JSON");
    let actual = decode(&expected, &file).to_json_value().expect("JSON renders");
    assert_eq!(json_difference(&actual, &expected), None);

    let file = dir.join("full-example.compose-go-expected.yaml");
    let text = std::fs::read_to_string(&file).expect("readable");
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("YAML");
    let expected = yaml_to_json(docs.first().expect("one document"));
    let project = decode(&expected, &file);
    let actual = project.to_yaml_value().expect("YAML renders");
    assert_eq!(json_difference(&actual, &expected), None);
    // Same keys in the same order, as yaml.v3 prints struct fields in declaration order.
    assert_eq!(serde_json::to_string_pretty(&actual).ok(), serde_json::to_string_pretty(&expected).ok());
    assert_eq!(project.services["foo"].extensions["x-bar"], "baz");
}

fn yaml_to_json(yaml: &yaml_rust2::Yaml) -> serde_json::Value {
    use yaml_rust2::Yaml;
    match yaml {
        Yaml::Real(r) => r
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Yaml::Integer(i) => serde_json::Value::from(*i),
        Yaml::String(s) => serde_json::Value::String(s.clone()),
        Yaml::Boolean(b) => serde_json::Value::Bool(*b),
        Yaml::Array(items) => serde_json::Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (k.as_str().map_or_else(|| format!("{k:?}"), str::to_owned), yaml_to_json(v)))
                .collect(),
        ),
        _ => serde_json::Value::Null,
    }
}

#[test]
fn ssh_keys_with_paths_print_as_id_equals_path_in_json() {
    let json = serde_json::json!({
        "name": "corpus",
        "services": {"ssh": {"build": {"context": ".", "ssh": ["fake-ssh=./id_rsa"]}, "image": "x"}}
    });
    let project = decode(&json, Path::new("inline"));
    let json = project.to_json_value().expect("JSON renders");
    assert_eq!(json["services"]["ssh"]["build"]["ssh"], serde_json::json!(["fake-ssh=./id_rsa"]));
    let yaml = project.to_yaml_value().expect("YAML renders");
    assert_eq!(yaml["services"]["ssh"]["build"]["ssh"], serde_json::json!(["fake-ssh: ./id_rsa"]));
    assert!(yaml["services"]["ssh"].get("command").is_none());
}

#[test]
fn yaml_rendering_differs_where_docker_compose_differs() {
    let json = serde_json::json!({
        "name": "p",
        "services": {"web": {
            "image": "x",
            "x-svc": 1,
            "deploy": {"replicas": 2},
            "env_file": ["a.env", {"path": "b.env", "required": false}],
            "ulimits": {"nofile": {"soft": 10, "hard": 0}, "nproc": 5},
            "blkio_config": {"weight_device": [{"path": "/dev/sda", "weight": 10}]},
            "develop": {"watch": [{"path": "/src", "action": "rebuild"}]},
            "networks": {"default": null}
        }},
        "networks": {"default": {"name": "p_default"}},
        "x-top": {"b": 1, "a": 2.0}
    });
    let project = decode(&json, Path::new("inline"));

    let as_json = project.to_json_value().expect("JSON");
    let web = &as_json["services"]["web"];
    assert!(web.get("x-svc").is_none(), "JSON hides nested extensions");
    assert_eq!(web["command"], serde_json::Value::Null);
    assert!(web.as_object().is_some_and(|o| o.contains_key("command")), "JSON prints command: null");
    assert_eq!(web["deploy"]["resources"], serde_json::json!({}));
    assert_eq!(web["blkio_config"]["weight_device"][0], serde_json::json!({"Path": "/dev/sda", "Weight": 10}));
    assert_eq!(web["ulimits"], serde_json::json!({"nofile": {"soft": 10}, "nproc": 5}));
    assert_eq!(web["env_file"], serde_json::json!(["a.env", {"path": "b.env", "required": false}]));
    assert_eq!(web["develop"]["watch"][0]["exec"], serde_json::json!({"command": null}));
    assert_eq!(as_json["networks"]["default"]["ipam"], serde_json::json!({}));
    // Go sorts the keys of extension mappings and prints 2.0 as 2.
    assert_eq!(serde_json::to_string(&as_json["x-top"]).ok().as_deref(), Some(r#"{"a":2,"b":1}"#));
    let keys: Vec<&String> = as_json.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["name", "networks", "services", "x-top"]);

    let as_yaml = project.to_yaml_value().expect("YAML");
    let web = &as_yaml["services"]["web"];
    assert_eq!(web["x-svc"], 1, "YAML inlines nested extensions");
    assert!(web.get("command").is_none());
    assert!(web["deploy"].get("resources").is_none());
    assert_eq!(web["blkio_config"]["weight_device"][0], serde_json::json!({"path": "/dev/sda", "weight": 10}));
    assert_eq!(web["ulimits"], serde_json::json!({"nofile": {"soft": 10, "hard": 0}, "nproc": 5}));
    assert_eq!(web["develop"]["watch"][0], serde_json::json!({"path": "/src", "action": "rebuild"}));
    assert!(as_yaml["networks"]["default"].get("ipam").is_none());
    let keys: Vec<&String> = as_yaml.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["name", "services", "networks", "x-top"]);
}

#[test]
fn short_forms_decode_like_compose_go_hooks() {
    let json = serde_json::json!({
        "name": "p",
        "services": {"web": {
            "command": "sh -c 'echo hi' && ignored",
            "healthcheck": {"test": "curl -f localhost", "interval": "1m30s"},
            "labels": ["a=1", "b"],
            "environment": ["A=1", "B"],
            "extra_hosts": {"db": "10.0.0.1", "multi": ["10.0.0.2", "[::1]"]},
            "expose": [80, "443"],
            "mem_limit": "1g",
            "cpus": "0.5",
            "dns": "8.8.8.8",
            "build": {"context": ".", "ssh": {"default": null}},
            "deploy": {"resources": {
                "limits": {"cpus": 2},
                "reservations": {"cpus": "1.5", "devices": [{"count": "all"}]}
            }},
            "stop_grace_period": "1h"
        }}
    });
    let project = decode(&json, Path::new("inline"));
    let web = project.service("web").expect("web");
    assert_eq!(web.name, "web");
    assert_eq!(web.command.as_deref(), Some(&["sh".to_owned(), "-c".to_owned(), "echo hi".to_owned()][..]));
    let printed = project.to_json_value().expect("JSON");
    let web = &printed["services"]["web"];
    assert_eq!(web["healthcheck"]["test"], serde_json::json!(["CMD-SHELL", "curl -f localhost"]));
    assert_eq!(web["healthcheck"]["interval"], "1m30s");
    assert_eq!(web["labels"], serde_json::json!({"a": "1", "b": ""}));
    assert_eq!(web["environment"], serde_json::json!({"A": "1", "B": null}));
    assert_eq!(web["extra_hosts"], serde_json::json!(["db=10.0.0.1", "multi=10.0.0.2", "multi=::1"]));
    assert_eq!(web["expose"], serde_json::json!(["80", "443"]));
    assert_eq!(web["mem_limit"], "1073741824");
    assert_eq!(web["cpus"], 0.5);
    assert_eq!(web["dns"], serde_json::json!(["8.8.8.8"]));
    assert_eq!(web["build"]["ssh"], serde_json::json!(["default"]));
    assert_eq!(web["deploy"]["resources"]["reservations"]["cpus"], 1.5);
    // Go prints a whole float32 without a fraction.
    assert_eq!(serde_json::to_string(&web["deploy"]["resources"]["limits"]["cpus"]).ok().as_deref(), Some("2"));
    assert_eq!(web["deploy"]["resources"]["reservations"]["devices"][0]["count"], -1);
    assert_eq!(web["stop_grace_period"], "1h0m0s");
}

#[test]
fn secrets_never_print_content_and_configs_hide_environment_values() {
    let json = serde_json::json!({
        "name": "p",
        "services": {},
        "secrets": {"s": {"name": "p_s", "environment": "TOKEN", "x-#value": "hunter2"}},
        "configs": {
            "env": {"name": "p_env", "environment": "CFG", "content": "from-env"},
            "inline": {"name": "p_inline", "content": "literal"}
        }
    });
    let project = decode(&json, Path::new("inline"));
    assert_eq!(project.secrets["s"].content, "hunter2");
    assert!(project.secrets["s"].extensions.is_empty());
    let printed = project.to_json_value().expect("JSON");
    assert_eq!(printed["secrets"]["s"], serde_json::json!({"name": "p_s", "environment": "TOKEN"}));
    assert_eq!(printed["configs"]["env"], serde_json::json!({"name": "p_env", "environment": "CFG"}));
    assert_eq!(printed["configs"]["inline"]["content"], "literal");
}
