//! Per-service attributes with a short form: `build`, `depends_on`, `env_file`, `label_file`,
//! `dns`, `extends`, `gpus`, `networks`, `devices`, `secrets`/`configs` (and build secrets),
//! `build.ssh`, `build.additional_contexts` and `ulimits`.

use super::{bool_node, invalid, map_node, str_node, transform_children, Ctx, Cursor};
use crate::error::Result;
use crate::node::{Key, Map, Node, Value};

/// `services.*`: transform the attributes of a service mapping.
pub(super) fn service(node: &mut Node, cur: &Cursor, ctx: &mut Ctx) -> Result<()> {
    if node.as_map().is_some() {
        transform_children(node, cur, ctx)?;
    }
    Ok(())
}

/// `build: ./dir` → `build: {context: ./dir}`.
pub(super) fn build(node: &mut Node, cur: &Cursor, ctx: &mut Ctx) -> Result<()> {
    match &node.value {
        Value::Map(_) => transform_children(node, cur, ctx),
        Value::String(s) => {
            *node = map_node(vec![("context", str_node(s.clone(), node.span))], node.span);
            Ok(())
        }
        _ => Err(invalid(
            format!("build must be a string (the build context) or a mapping, found {}", node.kind_name()),
            node,
            cur,
        )),
    }
}

/// `extends: base` → `extends: {service: base}`.
pub(super) fn extends(node: &mut Node, cur: &Cursor, ctx: &mut Ctx) -> Result<()> {
    match &node.value {
        Value::Map(_) => transform_children(node, cur, ctx),
        Value::String(s) => {
            *node = map_node(vec![("service", str_node(s.clone(), node.span))], node.span);
            Ok(())
        }
        _ => Err(invalid(
            format!("extends must be a service name or a mapping, found {}", node.kind_name()),
            node,
            cur,
        )),
    }
}

/// A single string becomes a one-item list (`dns`, `label_file`).
#[allow(clippy::unnecessary_wraps)] // every rule has the table's signature
pub(super) fn string_or_list(node: &mut Node, _cur: &Cursor, _ctx: &mut Ctx) -> Result<()> {
    if let Value::String(s) = &node.value {
        node.value = Value::Seq(vec![str_node(s.clone(), node.span)]);
    }
    Ok(())
}

/// The long form of one dependency with the defaults Compose fills in.
fn dependency_defaults(map: &mut Map, span: crate::node::Span) {
    super::insert_default(map, "condition", str_node("service_started", span));
    super::insert_default(map, "required", bool_node(true, span));
}

/// `depends_on: [db]` → `depends_on: {db: {condition: service_started, required: true}}`;
/// long entries get the same defaults.
pub(super) fn depends_on(node: &mut Node, cur: &Cursor, _ctx: &mut Ctx) -> Result<()> {
    match &mut node.value {
        Value::Map(map) => {
            for (k, v) in map.iter_mut() {
                let span = v.span;
                let Some(dep) = v.as_map_mut() else {
                    return Err(invalid(
                        format!("a dependency must be a mapping, found {}", v.kind_name()),
                        v,
                        &cur.key(&k.name),
                    ));
                };
                dependency_defaults(dep, span);
            }
            Ok(())
        }
        Value::Seq(items) => {
            let mut out = Map::new();
            for (i, item) in items.iter().enumerate() {
                let Some(name) = item.as_str() else {
                    return Err(invalid(
                        format!("a dependency must be a service name, found {}", item.kind_name()),
                        item,
                        &cur.index(i),
                    ));
                };
                let mut dep = Map::new();
                dependency_defaults(&mut dep, item.span);
                out.insert(Key::new(name, item.span), Node::map(dep, item.span));
            }
            node.value = Value::Map(out);
            Ok(())
        }
        _ => Err(invalid(
            format!("depends_on must be a list of services or a mapping, found {}", node.kind_name()),
            node,
            cur,
        )),
    }
}

/// One `env_file` entry in long form: `{path, required: true}`.
fn env_file_entry(item: &mut Node, cur: &Cursor) -> Result<()> {
    match &mut item.value {
        Value::String(s) => {
            let span = item.span;
            *item = map_node(vec![("path", str_node(s.clone(), span)), ("required", bool_node(true, span))], span);
            Ok(())
        }
        Value::Map(m) => {
            super::insert_default(m, "required", bool_node(true, item.span));
            Ok(())
        }
        _ => Err(invalid(format!("an env_file entry must be a path or a mapping, found {}", item.kind_name()), item, cur)),
    }
}

/// `env_file: .env` → `env_file: [{path: .env, required: true}]`.
pub(super) fn env_file(node: &mut Node, cur: &Cursor, _ctx: &mut Ctx) -> Result<()> {
    match &mut node.value {
        Value::String(_) => {
            let mut item = node.clone();
            env_file_entry(&mut item, cur)?;
            node.value = Value::Seq(vec![item]);
            Ok(())
        }
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                env_file_entry(item, &cur.index(i))?;
            }
            Ok(())
        }
        _ => Err(invalid(format!("env_file must be a path or a list, found {}", node.kind_name()), node, cur)),
    }
}

/// `gpus: all` → `gpus: [{count: all}]` (any string means all GPUs, as in the reference).
pub(super) fn gpus(node: &mut Node, cur: &Cursor, ctx: &mut Ctx) -> Result<()> {
    match &node.value {
        Value::Seq(_) => transform_children(node, cur, ctx),
        Value::String(_) => {
            let span = node.span;
            node.value = Value::Seq(vec![map_node(vec![("count", str_node("all", span))], span)]);
            Ok(())
        }
        _ => Err(invalid(format!("gpus must be \"all\" or a list, found {}", node.kind_name()), node, cur)),
    }
}

/// `networks: [front]` → `networks: {front: null}`.
pub(super) fn networks(node: &mut Node, cur: &Cursor, _ctx: &mut Ctx) -> Result<()> {
    let Value::Seq(items) = &node.value else {
        return Ok(());
    };
    let mut out = Map::new();
    for (i, item) in items.iter().enumerate() {
        let Some(name) = item.as_str() else {
            return Err(invalid(format!("a network must be a name, found {}", item.kind_name()), item, &cur.index(i)));
        };
        out.insert(Key::new(name, item.span), Node::null(item.span));
    }
    node.value = Value::Map(out);
    Ok(())
}

/// `devices: ["/dev/a:/dev/b:rw"]` → `{source, target, permissions}` (permissions default to
/// `rwm`, target to the source).
pub(super) fn device(node: &mut Node, cur: &Cursor, ctx: &mut Ctx) -> Result<()> {
    match &node.value {
        Value::Map(_) => Ok(()),
        Value::String(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            let (src, mut dst, perms) = match parts.as_slice() {
                [src] => (*src, "", "rwm"),
                [src, dst] => (*src, *dst, "rwm"),
                [src, dst, perms] => (*src, *dst, *perms),
                _ if ctx.ignore_parse_errors => ("", "", "rwm"),
                _ => {
                    return Err(invalid(format!("confusing device mapping, please use long syntax: {s}"), node, cur)
                        .with_hint("use {source: ..., target: ..., permissions: ...}"));
                }
            };
            if dst.is_empty() {
                dst = src;
            }
            let span = node.span;
            *node = map_node(
                vec![
                    ("source", str_node(src, span)),
                    ("target", str_node(dst, span)),
                    ("permissions", str_node(perms, span)),
                ],
                span,
            );
            Ok(())
        }
        _ => Err(invalid(format!("a device must be a string or a mapping, found {}", node.kind_name()), node, cur)),
    }
}

/// `secrets: [name]` (and configs, build secrets) → `[{source: name}]`.
pub(super) fn file_mount(node: &mut Node, cur: &Cursor, _ctx: &mut Ctx) -> Result<()> {
    match &node.value {
        Value::Map(_) => Ok(()),
        Value::String(s) => {
            *node = map_node(vec![("source", str_node(s.clone(), node.span))], node.span);
            Ok(())
        }
        _ => Err(invalid(format!("must be a name or a mapping, found {}", node.kind_name()), node, cur)),
    }
}

/// `ssh: [default, key=path]` → `ssh: {default: null, key: path}`.
pub(super) fn ssh(node: &mut Node, cur: &Cursor, _ctx: &mut Ctx) -> Result<()> {
    match &node.value {
        Value::Map(_) => Ok(()),
        Value::Seq(items) => {
            let mut out = Map::new();
            for (i, item) in items.iter().enumerate() {
                let Some(s) = item.as_str() else {
                    return Err(invalid(format!("invalid ssh key type: {}", item.kind_name()), item, &cur.index(i)));
                };
                match s.split_once('=') {
                    Some((id, path)) => {
                        out.insert(Key::new(id, item.span), str_node(path, item.span));
                    }
                    None if s == "default" => {
                        out.insert(Key::new(s, item.span), Node::null(item.span));
                    }
                    None => {
                        return Err(invalid(format!("invalid ssh key {s:?}"), item, &cur.index(i))
                            .with_hint("use \"default\" or \"id=path\""));
                    }
                }
            }
            node.value = Value::Map(out);
            Ok(())
        }
        _ => Err(invalid(format!("ssh must be a list or a mapping, found {}", node.kind_name()), node, cur)),
    }
}

/// `additional_contexts: ["name=ref"]` → `{name: ref}`.
pub(super) fn key_value(node: &mut Node, cur: &Cursor, ctx: &mut Ctx) -> Result<()> {
    match &node.value {
        Value::Map(_) => Ok(()),
        Value::Seq(items) => {
            let mut out = Map::new();
            for (i, item) in items.iter().enumerate() {
                let Some(s) = item.as_str() else {
                    return Err(invalid(format!("expected key=value, found {}", item.kind_name()), item, &cur.index(i)));
                };
                let Some((k, v)) = s.split_once('=') else {
                    if ctx.ignore_parse_errors {
                        return Ok(());
                    }
                    return Err(invalid(format!("invalid value {s}, expected key=value"), item, &cur.index(i)));
                };
                out.insert(Key::new(k, item.span), str_node(v, item.span));
            }
            node.value = Value::Map(out);
            Ok(())
        }
        _ => Err(invalid(format!("expected a list or a mapping, found {}", node.kind_name()), node, cur)),
    }
}

/// `ulimits.*`: a single number or `{soft, hard}`; nothing to rewrite, only checked.
pub(super) fn ulimit(node: &mut Node, cur: &Cursor, _ctx: &mut Ctx) -> Result<()> {
    match &node.value {
        Value::Map(_) | Value::Int(_) => Ok(()),
        _ => Err(invalid(
            format!("a ulimit must be an integer or a mapping with soft and hard, found {}", node.kind_name()),
            node,
            cur,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{canon, canon_err};
    use serde_json::json;

    #[allow(clippy::needless_pass_by_value)]
    fn svc(attrs: serde_json::Value) -> serde_json::Value {
        canon(&json!({"services": {"s": attrs}}))["services"]["s"].clone()
    }

    #[test]
    fn build_short() {
        assert_eq!(svc(json!({"build": "."})), json!({"build": {"context": "."}}));
    }

    #[test]
    fn build_long_children() {
        let out = svc(json!({"build": {
            "secrets": ["a", {"source": "b"}],
            "ssh": ["default", "k=~/.ssh/id"],
            "additional_contexts": ["x=docker-image://alpine"],
            "ulimits": {"nofile": 10}
        }}));
        assert_eq!(
            out,
            json!({"build": {
                "secrets": [{"source": "a"}, {"source": "b"}],
                "ssh": {"default": null, "k": "~/.ssh/id"},
                "additional_contexts": {"x": "docker-image://alpine"},
                "ulimits": {"nofile": 10}
            }})
        );
        assert!(canon_err(&json!({"services": {"s": {"build": 3}}})).message.contains("found an integer"));
    }

    #[test]
    fn ssh_errors() {
        let e = canon_err(&json!({"services": {"s": {"build": {"ssh": ["nokey"]}}}}));
        assert_eq!(e.message, "invalid ssh key \"nokey\"");
        assert_eq!(e.path.as_deref(), Some("services.s.build.ssh[0]"));
    }

    #[test]
    fn additional_contexts_error() {
        let e = canon_err(&json!({"services": {"s": {"build": {"additional_contexts": ["x"]}}}}));
        assert_eq!(e.message, "invalid value x, expected key=value");
    }

    #[test]
    fn depends_on_list_and_map() {
        assert_eq!(
            svc(json!({"depends_on": ["db"]})),
            json!({"depends_on": {"db": {"condition": "service_started", "required": true}}})
        );
        assert_eq!(
            svc(json!({"depends_on": {"db": {"condition": "service_healthy"}, "c": {"required": false}}})),
            json!({"depends_on": {
                "db": {"condition": "service_healthy", "required": true},
                "c": {"required": false, "condition": "service_started"}
            }})
        );
        let e = canon_err(&json!({"services": {"s": {"depends_on": {"db": "x"}}}}));
        assert_eq!(e.path.as_deref(), Some("services.s.depends_on.db"));
    }

    #[test]
    fn env_file_forms() {
        assert_eq!(svc(json!({"env_file": ".env"})), json!({"env_file": [{"path": ".env", "required": true}]}));
        assert_eq!(
            svc(json!({"env_file": ["a.env", {"path": "b.env", "required": false}, {"path": "c.env"}]})),
            json!({"env_file": [
                {"path": "a.env", "required": true},
                {"path": "b.env", "required": false},
                {"path": "c.env", "required": true}
            ]})
        );
    }

    #[test]
    fn string_or_list_attrs() {
        assert_eq!(
            svc(json!({"dns": "8.8.8.8", "label_file": "l", "dns_search": "x"})),
            json!({"dns": ["8.8.8.8"], "label_file": ["l"], "dns_search": "x"})
        );
    }

    #[test]
    fn extends_short() {
        assert_eq!(svc(json!({"extends": "base"})), json!({"extends": {"service": "base"}}));
        assert_eq!(svc(json!({"extends": {"service": "b", "file": "f"}})), json!({"extends": {"service": "b", "file": "f"}}));
    }

    #[test]
    fn gpus_short() {
        assert_eq!(svc(json!({"gpus": "all"})), json!({"gpus": [{"count": "all"}]}));
        assert_eq!(svc(json!({"gpus": [{"driver": "nvidia"}]})), json!({"gpus": [{"driver": "nvidia"}]}));
    }

    #[test]
    fn networks_list() {
        assert_eq!(svc(json!({"networks": ["a", "b"]})), json!({"networks": {"a": null, "b": null}}));
        assert_eq!(svc(json!({"networks": {"a": {"aliases": ["x"]}}})), json!({"networks": {"a": {"aliases": ["x"]}}}));
    }

    #[test]
    fn devices() {
        assert_eq!(
            svc(json!({"devices": ["/dev/a", "/dev/b:/dev/c", "/dev/d:/dev/e:r", {"source": "/x"}]})),
            json!({"devices": [
                {"source": "/dev/a", "target": "/dev/a", "permissions": "rwm"},
                {"source": "/dev/b", "target": "/dev/c", "permissions": "rwm"},
                {"source": "/dev/d", "target": "/dev/e", "permissions": "r"},
                {"source": "/x"}
            ]})
        );
        let e = canon_err(&json!({"services": {"s": {"devices": ["a:b:c:d"]}}}));
        assert_eq!(e.message, "confusing device mapping, please use long syntax: a:b:c:d");
    }

    #[test]
    fn file_mounts() {
        assert_eq!(
            svc(json!({"secrets": ["a"], "configs": ["b", {"source": "c", "target": "/c"}]})),
            json!({"secrets": [{"source": "a"}], "configs": [{"source": "b"}, {"source": "c", "target": "/c"}]})
        );
        assert!(canon_err(&json!({"services": {"s": {"secrets": [1]}}})).message.contains("found an integer"));
    }

    #[test]
    fn ulimits() {
        let u = json!({"ulimits": {"nproc": 65535, "nofile": {"soft": 1, "hard": 2}}});
        assert_eq!(svc(u.clone()), u);
        assert!(canon_err(&json!({"services": {"s": {"ulimits": {"nproc": "x"}}}})).message.contains("ulimit"));
    }
}
