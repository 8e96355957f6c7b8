//! `!reset` and `!override` across files, documents, `extends` and YAML aliases, through the
//! whole loader (`loader::load_model`), as Docker Compose 2.26.1 (compose-go v2.4.8) applies
//! them.

use std::path::PathBuf;

use berth_spec::loader::{load_model, ConfigDetails, ConfigFile, LoadOptions};
use berth_spec::Environment;
use serde_json::{json, Value};

fn load(files: &[&str]) -> berth_spec::Result<Value> {
    let details = ConfigDetails {
        working_dir: PathBuf::from("/proj"),
        config_files: files
            .iter()
            .enumerate()
            .map(|(i, text)| ConfigFile {
                name: format!("/proj/compose{i}.yaml"),
                content: Some((*text).into()),
            })
            .collect(),
        environment: Environment::new(),
    };
    let opts = LoadOptions {
        project_name: "p".into(),
        project_name_imperatively_set: true,
        ..Default::default()
    };
    load_model(&details, &opts).map(|n| n.to_json())
}

fn service(files: &[&str], name: &str) -> Value {
    let out = load(files).unwrap_or_else(|e| panic!("{}", e.render()));
    out["services"][name].clone()
}

const BASE: &str = "
services:
  web:
    image: nginx
    command: [run, it]
    ports: ['8080:80', '8443:443']
    environment:
      A: '1'
      B: '2'
    labels: [l=1]
    deploy:
      resources:
        limits: {cpus: '1', memory: 1g}
  db:
    image: postgres
networks:
  test:
    name: test
    external: true
";

#[test]
fn reset_a_sequence_removes_every_item() {
    let web = service(&[BASE, "services:\n  web:\n    ports: !reset []\n"], "web");
    assert!(web.get("ports").is_none(), "{web}");
}

#[test]
fn reset_a_mapping_key() {
    let web = service(
        &[
            BASE,
            "services:\n  web:\n    environment:\n      A: !reset\n",
        ],
        "web",
    );
    // Merged mappings of `environment` become `K=V` lists (the typed stage maps them back).
    assert_eq!(web["environment"], json!(["B=2"]));
}

#[test]
fn reset_a_key_of_a_list_form_base_does_not_remove_it() {
    // The base's `environment` is a list: compose-go's reset path (a mapping key) matches
    // nothing in it; the reset value is only dropped from the override.
    let base = "services:\n  web:\n    image: x\n    environment: [A=1, B=2]\n";
    let web = service(
        &[
            base,
            "services:\n  web:\n    environment:\n      A: !reset\n      C: '3'\n",
        ],
        "web",
    );
    assert_eq!(web["environment"], json!(["A=1", "B=2", "C=3"]));
}

#[test]
fn reset_deep_inside_a_service() {
    let web = service(&[BASE, "services:\n  web:\n    deploy:\n      resources:\n        limits:\n          memory: !reset\n"], "web");
    assert_eq!(web["deploy"]["resources"]["limits"], json!({"cpus": "1"}));
}

#[test]
fn reset_a_service_and_a_network() {
    let out = load(&[
        BASE,
        "services:\n  db: !reset {}\nnetworks:\n  test: !reset {}\n",
    ])
    .unwrap();
    assert!(out["services"].get("db").is_none());
    assert!(out["services"].get("web").is_some());
    assert!(
        out.get("networks").and_then(|n| n.get("test")).is_none(),
        "{out}"
    );
}

#[test]
fn reset_a_sequence_item_only_drops_that_item() {
    let web = service(
        &[
            BASE,
            "services:\n  web:\n    ports: [!reset '8080:80', '9000:90']\n",
        ],
        "web",
    );
    let published: Vec<&str> = web["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["published"].as_str().unwrap())
        .collect();
    assert_eq!(published, ["8080", "8443", "9000"]);
}

#[test]
fn override_replaces_instead_of_merging() {
    let web = service(
        &[BASE, "services:\n  web:\n    ports: !override ['9443:443']\n    environment: !override {C: '3'}\n    labels: [m=2]\n"],
        "web",
    );
    let ports = web["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 1);
    assert_eq!(ports[0]["published"], json!("9443"));
    assert_eq!(web["environment"], json!({"C": "3"}));
    assert_eq!(web["labels"], json!(["l=1", "m=2"]));
}

#[test]
fn override_a_network_drops_what_it_does_not_repeat() {
    let out = load(&[BASE, "networks:\n  test: !override {}\n"]).unwrap();
    let test = &out["networks"]["test"];
    assert!(
        test.get("external").is_none() || test["external"] == json!(false),
        "{out}"
    );
}

#[test]
fn tags_through_an_alias() {
    let web = service(
        &[
            BASE,
            "x-none: &none !reset []\nservices:\n  web:\n    ports: *none\n    labels: *none\n",
        ],
        "web",
    );
    assert!(web.get("ports").is_none(), "{web}");
    assert!(web.get("labels").is_none(), "{web}");
}

#[test]
fn reset_in_the_first_file_drops_the_value() {
    let web = service(
        &["services:\n  web:\n    image: x\n    command: !reset [a]\n"],
        "web",
    );
    assert!(web.get("command").is_none_or(Value::is_null), "{web}");
}

#[test]
fn reset_in_a_later_document_of_the_same_file() {
    let web = service(
        &[&format!(
            "{BASE}---\nservices:\n  web:\n    command: !reset\n"
        )],
        "web",
    );
    assert!(web.get("command").is_none_or(Value::is_null), "{web}");
}

#[test]
fn reset_and_override_in_an_extending_service() {
    let file = "
services:
  base:
    image: alpine
    command: sleep infinity
    environment: {A: '1'}
    cap_add: [X]
  web:
    extends: base
    command: !reset
    environment: !override {B: '2'}
    cap_add: [Y]
";
    let web = service(&[file], "web");
    assert!(web.get("command").is_none_or(Value::is_null), "{web}");
    assert_eq!(web["environment"], json!({"B": "2"}));
    assert_eq!(web["cap_add"], json!(["X", "Y"]));
    let base = service(&[file], "base");
    assert_eq!(base["environment"], json!({"A": "1"}));
}

#[test]
fn command_and_entrypoint_replace_across_files() {
    let web = service(&[BASE, "services:\n  web:\n    command: [other]\n"], "web");
    assert_eq!(web["command"], json!(["other"]));
}
