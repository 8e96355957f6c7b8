//! Errors of the tree transforms point at the short-syntax value that caused them: file,
//! line, column and YAML path, with the reference's wording and a hint where one helps.

use berth_spec::sources::{self, FileId};
use berth_spec::{canonical, paths, ErrorKind, Node, Span};
use serde_json::json;

/// A tree whose node at `path` (keys, or indices for sequences) carries `span`.
fn with_span(tree: &serde_json::Value, path: &[&str], span: Span) -> Node {
    let mut root = Node::from_json(tree);
    let mut node = &mut root;
    for part in path {
        node = match part.parse::<usize>() {
            Ok(i) => node.as_seq_mut().and_then(|s| s.get_mut(i)).expect("index"),
            Err(_) => node.get_mut(part).expect("key"),
        };
    }
    node.span = span;
    root
}

fn at(file: FileId, line: u32, col: u32) -> Span {
    Span { file, line, col }
}

#[test]
fn invalid_port_points_at_the_entry() {
    let id = sources::register("compose.yaml", "services:\n  web:\n    ports:\n      - \"80:80:80:80\"\n");
    let tree = json!({"services": {"web": {"ports": ["80:80:80:80"]}}});
    let mut root = with_span(&tree, &["services", "web", "ports", "0"], at(id, 4, 9));
    let err = canonical::canonical(&mut root, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_eq!(
        err.to_string(),
        "compose.yaml:4:9: services.web.ports[0]: invalid port \"80:80:80:80\": invalid IP address: 80:80"
    );
    let rendered = err.render();
    assert!(rendered.contains("4 |       - \"80:80:80:80\""), "{rendered}");
    assert!(rendered.contains("hint: use [[ip:]host_port:]container_port[/protocol]"), "{rendered}");
}

#[test]
fn invalid_volume_points_at_the_entry() {
    let id = sources::register("compose.yaml", "services:\n  db:\n    volumes:\n      - data:/var/lib:ro:extra\n");
    let tree = json!({"services": {"db": {"volumes": ["data:/var/lib:ro:extra"]}}});
    let mut root = with_span(&tree, &["services", "db", "volumes", "0"], at(id, 4, 9));
    let err = canonical::canonical(&mut root, false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "compose.yaml:4:9: services.db.volumes[0]: invalid spec: data:/var/lib:ro:extra: too many colons"
    );
}

#[test]
fn confusing_device_mapping() {
    let id = sources::register("compose.yaml", "services:\n  a:\n    devices: [\"a:b:c:d\"]\n");
    let tree = json!({"services": {"a": {"devices": ["a:b:c:d"]}}});
    let mut root = with_span(&tree, &["services", "a", "devices", "0"], at(id, 3, 15));
    let err = canonical::canonical(&mut root, false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "compose.yaml:3:15: services.a.devices[0]: confusing device mapping, please use long syntax: a:b:c:d"
    );
}

#[test]
fn external_name_conflict_points_at_the_name() {
    let id = sources::register("compose.yaml", "networks:\n  n:\n    name: a\n    external:\n      name: b\n");
    let tree = json!({"networks": {"n": {"name": "a", "external": {"name": "b"}}}});
    let mut root = with_span(&tree, &["networks", "n", "name"], at(id, 3, 11));
    let err = canonical::canonical(&mut root, false).unwrap_err();
    assert_eq!(err.to_string(), "compose.yaml:3:11: networks.n: name and external.name conflict; only use name");
}

#[test]
fn wrong_type_names_what_was_found() {
    let err = canonical::canonical(&mut Node::from_json(&json!({"services": {"a": {"build": ["x"]}}})), false).unwrap_err();
    assert_eq!(err.to_string(), "services.a.build: build must be a string (the build context) or a mapping, found a sequence");
    let err = canonical::canonical(&mut Node::from_json(&json!({"services": {"a": {"depends_on": [{"x": 1}]}}})), false)
        .unwrap_err();
    assert_eq!(err.to_string(), "services.a.depends_on[0]: a dependency must be a service name, found a mapping");
}

#[test]
fn bind_mount_without_source() {
    let id = sources::register("compose.yaml", "services:\n  a:\n    volumes:\n      - type: bind\n        target: /x\n");
    let tree = json!({"services": {"a": {"volumes": [{"type": "bind", "target": "/x"}]}}});
    let mut root = with_span(&tree, &["services", "a", "volumes", "0"], at(id, 4, 9));
    let err = paths::resolve_relative_paths(&mut root, std::path::Path::new("/p")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "compose.yaml:4:9: services.a.volumes[0]: invalid mount config for type \"bind\": field Source must not be empty"
    );
}

#[test]
fn canonical_nodes_keep_the_short_value_span() {
    let id = sources::register("compose.yaml", "services:\n  a:\n    ports: [\"8080:80\"]\n    volumes: [\"./d:/d\"]\n");
    let tree = json!({"services": {"a": {"ports": ["8080:80"], "volumes": ["./d:/d"]}}});
    let mut root = with_span(&tree, &["services", "a", "ports", "0"], at(id, 3, 13));
    let vol = root.get_mut("services").and_then(|s| s.get_mut("a")).and_then(|a| a.get_mut("volumes")).expect("volumes");
    if let Some(v) = vol.as_seq_mut().and_then(|s| s.get_mut(0)) {
        v.span = at(id, 4, 15);
    }
    canonical::canonical(&mut root, false).unwrap();
    let a = root.get("services").and_then(|s| s.get("a")).expect("service");
    let port = a.get("ports").and_then(|p| p.as_seq()).and_then(|p| p.first()).expect("port");
    assert_eq!(port.span, at(id, 3, 13));
    assert_eq!(port.get("published").map(|p| p.span), Some(at(id, 3, 13)));
    let vol = a.get("volumes").and_then(|p| p.as_seq()).and_then(|p| p.first()).expect("volume");
    assert_eq!(vol.get("source").map(|s| s.span), Some(at(id, 4, 15)));
    assert_eq!(vol.get("bind").and_then(|b| b.get("create_host_path")).map(|s| s.span), Some(at(id, 4, 15)));
}
