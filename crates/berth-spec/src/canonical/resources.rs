//! Top-level resources (`volumes`, `networks`, `secrets`, `configs`): the deprecated
//! `external: {name: x}` form; and `include` entries given as a bare path.

use super::{invalid, map_node, str_node, transform_children, Ctx, Cursor};
use crate::error::Result;
use crate::node::{Key, Value};
use crate::Node;

/// `external: {name: x}` → `external: true` plus `name: x`.
pub(super) fn maybe_external(node: &mut Node, cur: &Cursor, ctx: &mut Ctx) -> Result<()> {
    match &node.value {
        Value::Null => return Ok(()),
        Value::Map(_) => {}
        _ => {
            return Err(invalid(format!("must be a mapping, found {}", node.kind_name()), node, cur));
        }
    }
    transform_children(node, cur, ctx)?;
    let node_span = node.span;
    let Some(resource) = node.as_map_mut() else {
        return Ok(());
    };
    let Some(ext) = resource.get_mut("external") else {
        return Ok(());
    };
    let Some(ext_map) = ext.as_map() else {
        return Ok(());
    };
    let ext_name = ext_map.get("name").cloned();
    ext.value = Value::Bool(true);
    let Some(ext_name) = ext_name else {
        return Ok(());
    };
    ctx.warnings.push(format!("{}: external.name is deprecated. Please set name and external: true", cur.path()));
    match resource.get("name") {
        Some(name) if *name != ext_name => Err(invalid("name and external.name conflict; only use name", name, cur)
            .at(node_span)
            .with_hint("remove external.name and keep `name`")),
        Some(_) => Ok(()),
        None => {
            resource.insert(Key::new("name", ext_name.span), ext_name);
            Ok(())
        }
    }
}

/// `include: [path]` → `include: [{path: path}]`.
pub(super) fn include(node: &mut Node, cur: &Cursor, _ctx: &mut Ctx) -> Result<()> {
    match &node.value {
        Value::Map(_) => Ok(()),
        Value::String(s) => {
            *node = map_node(vec![("path", str_node(s.clone(), node.span))], node.span);
            Ok(())
        }
        _ => Err(invalid(format!("an include must be a path or a mapping, found {}", node.kind_name()), node, cur)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{canon, canon_err};
    use super::super::canonical_with_warnings;
    use crate::Node;
    use serde_json::json;

    #[test]
    fn external_name_adopted() {
        let mut node = Node::from_json(&json!({"volumes": {"v": {"external": {"name": "real"}}, "w": null}}));
        let warnings = canonical_with_warnings(&mut node, false).unwrap();
        assert_eq!(node.to_json(), json!({"volumes": {"v": {"external": true, "name": "real"}, "w": null}}));
        assert_eq!(warnings, vec!["volumes.v: external.name is deprecated. Please set name and external: true"]);
    }

    #[test]
    fn external_map_without_name() {
        assert_eq!(
            canon(&json!({"networks": {"n": {"external": {}}}})),
            json!({"networks": {"n": {"external": true}}})
        );
        let plain = json!({"secrets": {"s": {"external": true}}, "configs": {"c": {"file": "x"}}});
        assert_eq!(canon(&plain), plain);
    }

    #[test]
    fn external_name_conflict() {
        let e = canon_err(&json!({"networks": {"n": {"name": "a", "external": {"name": "b"}}}}));
        assert_eq!(e.message, "name and external.name conflict; only use name");
        assert_eq!(e.path.as_deref(), Some("networks.n"));
        // Same name twice is accepted.
        assert_eq!(
            canon(&json!({"networks": {"n": {"name": "a", "external": {"name": "a"}}}})),
            json!({"networks": {"n": {"name": "a", "external": true}}})
        );
    }

    #[test]
    fn include_short() {
        assert_eq!(
            canon(&json!({"include": ["a.yaml", {"path": ["b.yaml"]}]})),
            json!({"include": [{"path": "a.yaml"}, {"path": ["b.yaml"]}]})
        );
        assert!(canon_err(&json!({"include": [1]})).message.contains("found an integer"));
    }
}
