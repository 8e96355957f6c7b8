//! Every YAML file of the conformance corpus goes through `yaml::parse`: the ones the
//! reference accepted (`<file>.expected.json` next to them) must parse, and none may panic.

use std::path::{Path, PathBuf};

use berth_spec::{sources, yaml, Node, Tag, Value};

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("BERTH_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    assert!(
        dir.join("README.md").is_file(),
        "conformance corpus not found at {} (set BERTH_CORPUS)",
        dir.display()
    );
    dir
}

fn yaml_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

#[test]
fn corpus_files_parse() {
    let root = corpus_dir();
    let files = yaml_files(&root);
    assert!(
        files.len() > 300,
        "only {} YAML files under {}",
        files.len(),
        root.display()
    );
    let mut accepted = 0;
    let mut failures = Vec::new();
    for path in &files {
        // Not UTF-8: the loader rejects it before YAML parsing.
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let id = sources::register(path.display().to_string(), text);
        let result = yaml::parse(id);
        let expected = PathBuf::from(format!("{}.expected.json", path.display()));
        if !expected.is_file() {
            continue;
        }
        accepted += 1;
        match result {
            Ok(docs) => {
                // Files the reference accepted have at least one document, made of mappings.
                assert!(!docs.is_empty(), "{}: no document", path.display());
                assert!(
                    docs.iter().all(|d| d.as_map().is_some()),
                    "{}: top level is not a mapping",
                    path.display()
                );
                assert!(
                    docs.iter().map(count_nodes).sum::<usize>() > 1,
                    "{}",
                    path.display()
                );
            }
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(
        accepted > 300,
        "only {accepted} files with an expected output"
    );
    assert!(
        failures.is_empty(),
        "{} accepted files failed to parse:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn parse_corpus_file(rel: &str) -> Vec<Node> {
    let path = corpus_dir().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    yaml::parse_str(&path.display().to_string(), &text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn corpus_aliases_expand() {
    let docs = parse_corpus_file("docker-compose@v2.26.1/pkg/e2e/fixtures/watch/compose.yaml");
    let services = docs[0]
        .get("services")
        .and_then(Node::as_map)
        .cloned()
        .unwrap_or_default();
    let anchor = docs[0]
        .get("x-dev")
        .unwrap_or_else(|| panic!("x-dev missing"));
    assert_eq!(services.len(), 3);
    for (name, service) in &services {
        let develop = service
            .get("develop")
            .unwrap_or_else(|| panic!("{name}: develop missing"));
        assert_eq!(develop, anchor, "{name}");
        // The alias sits where it is used; the entries it brings point at the anchor.
        assert!(develop.span.line > anchor.span.line, "{name}");
        let watch = develop
            .get("watch")
            .and_then(Node::as_seq)
            .cloned()
            .unwrap_or_default();
        assert_eq!(watch.len(), 2);
        assert_eq!(watch[0].span.line, 3);
    }
}

#[test]
fn corpus_reset_tag() {
    let docs = parse_corpus_file("compose-go@v2.4.8/loader/testdata/extends/reset.yaml");
    let command = docs[0]
        .get("services")
        .and_then(|s| s.get("base"))
        .and_then(|b| b.get("command"))
        .unwrap_or_else(|| panic!("services.base.command missing"));
    assert_eq!(command.tag, Tag::Reset);
    assert!(command.is_null());
    let init = docs[0]
        .get("services")
        .and_then(|s| s.get("init"))
        .and_then(|i| i.get("command"));
    assert_eq!(init.and_then(Node::as_str), Some("sleep infinity"));
    assert_eq!(init.map(|n| n.tag), Some(Tag::None));
}
