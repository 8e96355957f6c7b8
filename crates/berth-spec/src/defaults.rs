//! Default values Docker Compose fills in once the files are merged and in long syntax
//! (compose-go's `transform.SetDefaultValues`): build context, secret mount targets, port
//! protocol and mode, and the GPU count of device requests.
//!
//! Like the canonical transform this is a table keyed by tree path; the first matching rule
//! owns the node and nothing below it is visited. Defaults carry the span of the mapping they
//! were added to, so errors about them point at the entry the user wrote.

use crate::canonical::{insert_default, invalid, str_node, Cursor};
use crate::error::Result;
use crate::node::{Node, Value};

type Rule = fn(&mut Node, &Cursor) -> Result<()>;

const RULES: &[(&str, Rule)] = &[
    ("services.*.build", build_context),
    ("services.*.secrets.*", secret_target),
    ("services.*.ports.*", port_defaults),
    ("services.*.deploy.resources.reservations.devices.*", device_request),
    ("services.*.gpus.*", device_request),
];

/// Fills the defaults of a merged, canonical project tree.
pub fn set_default_values(root: &mut Node) -> Result<()> {
    walk(root, &Cursor::root())
}

fn walk(node: &mut Node, cur: &Cursor) -> Result<()> {
    for (pattern, rule) in RULES {
        if cur.matches(pattern) {
            return rule(node, cur);
        }
    }
    match &mut node.value {
        Value::Map(map) => {
            for (k, v) in map.iter_mut() {
                if cur.child_reaches(&k.name, RULES.iter().map(|(p, _)| *p)) {
                    walk(v, &cur.key(&k.name))?;
                }
            }
        }
        Value::Seq(items) if cur.child_reaches("[]", RULES.iter().map(|(p, _)| *p)) => {
            for (i, v) in items.iter_mut().enumerate() {
                walk(v, &cur.index(i))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `build.context` defaults to the project directory.
#[allow(clippy::unnecessary_wraps)] // every rule has the table's signature
fn build_context(node: &mut Node, _cur: &Cursor) -> Result<()> {
    let span = node.span;
    if let Some(map) = node.as_map_mut() {
        insert_default(map, "context", str_node(".", span));
    }
    Ok(())
}

/// A service secret is mounted at `/run/secrets/<source>` unless a target is given.
fn secret_target(node: &mut Node, cur: &Cursor) -> Result<()> {
    let span = node.span;
    let Some(map) = node.as_map_mut() else {
        return Err(invalid(format!("a secret must be a mapping here, found {}", node.kind_name()), node, cur));
    };
    if !map.contains_key("target") {
        // The reference formats the source with `%s`; a missing one prints as Go's nil.
        let source = map.get("source").and_then(Node::scalar_to_string).unwrap_or_else(|| "%!s(<nil>)".to_owned());
        insert_default(map, "target", str_node(format!("/run/secrets/{source}"), span));
    }
    Ok(())
}

/// Ports default to TCP in ingress mode.
#[allow(clippy::unnecessary_wraps)] // every rule has the table's signature
fn port_defaults(node: &mut Node, _cur: &Cursor) -> Result<()> {
    let span = node.span;
    if let Some(map) = node.as_map_mut() {
        insert_default(map, "protocol", str_node("tcp", span));
        insert_default(map, "mode", str_node("ingress", span));
    }
    Ok(())
}

/// A device request with neither `count` nor `device_ids` asks for all devices.
fn device_request(node: &mut Node, cur: &Cursor) -> Result<()> {
    let span = node.span;
    let Some(map) = node.as_map_mut() else {
        return Err(invalid(format!("a device request must be a mapping, found {}", node.kind_name()), node, cur));
    };
    if !map.contains_key("count") && !map.contains_key("device_ids") {
        insert_default(map, "count", str_node("all", span));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defaults(v: &serde_json::Value) -> serde_json::Value {
        let mut n = Node::from_json(v);
        set_default_values(&mut n).unwrap();
        n.to_json()
    }

    #[test]
    fn build_context() {
        assert_eq!(
            defaults(&json!({"services": {"a": {"build": {"dockerfile": "D"}}, "b": {"build": {"context": "x"}}}})),
            json!({"services": {"a": {"build": {"dockerfile": "D", "context": "."}}, "b": {"build": {"context": "x"}}}})
        );
    }

    #[test]
    fn secret_targets() {
        assert_eq!(
            defaults(&json!({"services": {"a": {"secrets": [{"source": "s"}, {"source": "t", "target": "x"}]}}})),
            json!({"services": {"a": {"secrets": [
                {"source": "s", "target": "/run/secrets/s"},
                {"source": "t", "target": "x"}
            ]}}})
        );
        // Build secrets and configs get no default target.
        let untouched = json!({"services": {"a": {"build": {"context": ".", "secrets": [{"source": "s"}]}, "configs": [{"source": "c"}]}}});
        assert_eq!(defaults(&untouched), untouched);
        let mut n = Node::from_json(&json!({"services": {"a": {"secrets": ["short"]}}}));
        let e = set_default_values(&mut n).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("services.a.secrets[0]"));
    }

    #[test]
    fn ports() {
        assert_eq!(
            defaults(&json!({"services": {"a": {"ports": [{"target": 80}, {"target": 53, "protocol": "udp", "mode": "host"}]}}})),
            json!({"services": {"a": {"ports": [
                {"target": 80, "protocol": "tcp", "mode": "ingress"},
                {"target": 53, "protocol": "udp", "mode": "host"}
            ]}}})
        );
    }

    #[test]
    fn device_requests() {
        assert_eq!(
            defaults(&json!({"services": {"a": {
                "gpus": [{"driver": "nvidia"}, {"device_ids": ["0"]}],
                "deploy": {"resources": {"reservations": {"devices": [{"capabilities": ["gpu"]}, {"count": 2}]}}}
            }}})),
            json!({"services": {"a": {
                "gpus": [{"driver": "nvidia", "count": "all"}, {"device_ids": ["0"]}],
                "deploy": {"resources": {"reservations": {"devices": [{"capabilities": ["gpu"], "count": "all"}, {"count": 2}]}}}
            }}})
        );
        let mut n = Node::from_json(&json!({"services": {"a": {"gpus": ["x"]}}}));
        assert!(set_default_values(&mut n).is_err());
    }
}
