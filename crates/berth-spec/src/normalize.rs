//! Normalisation after loading (compose-go's `loader.Normalize` and `ResolveEnvironment`):
//! the implicit `default` network, resource names (`<project>_<key>`), build defaults,
//! environment and build args taken from the environment, and the dependencies implied by
//! `links`, `volumes_from` and `service:` namespaces.

use crate::canonical::{bool_node, clean_path, map_node, str_node};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::node::{Key, Map, Node, Span, Value};

/// Name of the key compose-go uses to carry a secret's value read from the environment until
/// typed decoding turns it into the secret's content.
pub const SECRET_VALUE_KEY: &str = "x-#value";

/// Normalises a loaded project tree; the project name must already be in `root["name"]`.
/// `env` is the project environment (with `COMPOSE_PROJECT_NAME` set, as Compose does).
pub fn normalize(root: &mut Node, env: &Environment) -> Result<()> {
    let project = match root.get("name").and_then(Node::as_str) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => return Err(Error::invalid("project name must not be empty").at(root.span)),
    };
    normalize_networks(root);
    if let Some(services) = root.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            if let Some(svc) = service.as_map_mut() {
                normalize_service(svc, env);
            }
        }
    }
    set_name_from_key(root, &project);
    Ok(())
}

/// Services without `network_mode` join `default` when they name no network; the
/// top-level `default` network is declared only when some service uses it.
fn normalize_networks(root: &mut Node) {
    let root_span = root.span;
    let mut uses_default = false;
    if let Some(services) = root.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            let span = service.span;
            let Some(svc) = service.as_map_mut() else {
                continue;
            };
            if svc.contains_key("network_mode") {
                continue;
            }
            let default_only = || map_node(vec![("default", Node::null(span))], span);
            match svc.get_mut("networks") {
                None => {
                    svc.insert(Key::new("networks", span), default_only());
                    uses_default = true;
                }
                Some(nets) => match &nets.value {
                    Value::Null => {
                        nets.value = default_only().value;
                        uses_default = true;
                    }
                    Value::Map(m) if m.is_empty() => {
                        nets.value = default_only().value;
                        uses_default = true;
                    }
                    Value::Map(m) => uses_default |= m.contains_key("default"),
                    _ => {}
                },
            }
        }
    }
    if !uses_default {
        return;
    }
    let Some(top) = root.as_map_mut() else {
        return;
    };
    let networks = top.entry(Key::new("networks", root_span)).or_insert_with(|| Node::map(Map::new(), root_span));
    if networks.is_null() {
        networks.value = Value::Map(Map::new());
    }
    if let Some(nets) = networks.as_map_mut() {
        if !nets.contains_key("default") {
            nets.insert(Key::new("default", root_span), Node::null(root_span));
        }
    }
}

fn normalize_service(svc: &mut Map, env: &Environment) {
    if let Some(policy) = svc.get_mut("pull_policy") {
        if policy.as_str() == Some("if_not_present") {
            policy.value = Value::String("missing".to_owned());
        }
    }

    if let Some(build) = svc.get_mut("build") {
        let span = build.span;
        if let Some(b) = build.as_map_mut() {
            set_if_null(b, "context", str_node(".", span));
            let unset = |b: &Map, k: &str| b.get(k).is_none_or(Node::is_null);
            if unset(b, "dockerfile") && unset(b, "dockerfile_inline") {
                b.insert(Key::new("dockerfile", span), str_node("Dockerfile", span));
            }
            if let Some(args) = b.get_mut("args") {
                *args = resolve(args, env, false).0;
            }
        }
    }

    if let Some(environment) = svc.get_mut("environment") {
        *environment = resolve(environment, env, true).0;
    }

    let mut implied: Vec<(String, Span, bool)> = Vec::new();
    if let Some(links) = svc.get("links").and_then(Node::as_seq) {
        for link in links {
            let Some(s) = link.as_str() else { continue };
            let parts: Vec<&str> = s.split(':').collect();
            let name = match parts.as_slice() {
                [service, _alias] => service,
                _ => s,
            };
            implied.push((name.to_owned(), link.span, true));
        }
    }
    for namespace in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
        if let Some(n) = svc.get(namespace) {
            if let Some(shared) = n.as_str().and_then(|s| s.strip_prefix("service:")) {
                implied.push((shared.to_owned(), n.span, true));
            }
        }
    }

    if let Some(volumes) = svc.get_mut("volumes").and_then(Node::as_seq_mut) {
        for vol in volumes {
            if let Some(target) = vol.get_mut("target") {
                if let Value::String(t) = &mut target.value {
                    *t = clean_path(t);
                }
            }
        }
    }

    if let Some(from) = svc.get("volumes_from").and_then(Node::as_seq) {
        for v in from {
            let Some(s) = v.as_str() else { continue };
            if !s.starts_with("container:") {
                let service = s.split(':').next().unwrap_or(s);
                implied.push((service.to_owned(), v.span, false));
            }
        }
    }

    if implied.is_empty() {
        return;
    }
    let span = implied.first().map_or(Span::SYNTHETIC, |i| i.1);
    let deps = svc.entry(Key::new("depends_on", span)).or_insert_with(|| Node::map(Map::new(), span));
    // `depends_on` not in canonical form cannot take implied entries; leave it to validation.
    let Some(deps) = deps.as_map_mut() else {
        return;
    };
    for (name, span, restart) in implied {
        if !deps.contains_key(name.as_str()) {
            let dep = map_node(
                vec![
                    ("condition", str_node("service_started", span)),
                    ("restart", bool_node(restart, span)),
                    ("required", bool_node(true, span)),
                ],
                span,
            );
            deps.insert(Key::new(name, span), dep);
        }
    }
}

fn set_if_null(map: &mut Map, key: &str, value: Node) {
    match map.get_mut(key) {
        Some(existing) if existing.is_null() => existing.value = value.value,
        Some(_) => {}
        None => {
            map.insert(Key::new(key, value.span), value);
        }
    }
}

/// Fills variables given without a value (`- VAR`, `VAR:`) from the environment. With
/// `keep_empty` (environment) unknown ones stay unset; without (build args) they are dropped.
/// The flag says whether the value is kept when it is an item of a list.
fn resolve(node: &Node, env: &Environment, keep_empty: bool) -> (Node, bool) {
    match &node.value {
        Value::Seq(items) => {
            let resolved: Vec<Node> = items
                .iter()
                .filter_map(|item| {
                    let (n, keep) = resolve(item, env, keep_empty);
                    keep.then_some(n)
                })
                .collect();
            let value = if resolved.is_empty() { Value::Null } else { Value::Seq(resolved) };
            (Node { value, ..node.clone() }, true)
        }
        Value::Map(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if !v.is_null() {
                    out.insert(k.clone(), v.clone());
                } else if let Some(found) = env.get(&k.name) {
                    out.insert(k.clone(), str_node(found, v.span));
                } else if keep_empty {
                    out.insert(k.clone(), v.clone());
                }
            }
            (Node { value: Value::Map(out), ..node.clone() }, true)
        }
        Value::String(s) if !s.contains('=') => {
            if let Some(found) = env.get(s) {
                (str_node(format!("{s}={found}"), node.span), true)
            } else if keep_empty {
                (node.clone(), true)
            } else {
                (str_node("", node.span), false)
            }
        }
        Value::String(_) => (node.clone(), true),
        _ => (node.clone(), false),
    }
}

/// Go's `strconv.ParseBool(fmt.Sprint(x))`, false on error.
fn is_true(node: &Node) -> bool {
    matches!(node.scalar_to_string().as_deref(), Some("1" | "t" | "T" | "TRUE" | "true" | "True"))
}

/// Resources without an explicit name are named `<project>_<key>`, or `<key>` when external.
fn set_name_from_key(root: &mut Node, project: &str) {
    for kind in ["networks", "volumes", "configs", "secrets"] {
        let Some(resources) = root.get_mut(kind).and_then(Node::as_map_mut) else {
            continue;
        };
        for (key, resource) in resources.iter_mut() {
            if resource.is_null() {
                resource.value = Value::Map(Map::new());
            }
            let span = resource.span;
            let Some(res) = resource.as_map_mut() else {
                continue;
            };
            if res.get("name").is_some_and(|n| !n.is_null()) {
                continue;
            }
            let external = res.get("external").is_some_and(is_true);
            let name = if external { key.name.clone() } else { format!("{project}_{}", key.name) };
            set_if_null(res, "name", str_node(name, span));
        }
    }
}

/// Fills values of `environment` list entries, secrets and configs declared with
/// `environment:` from `env` (compose-go's `loader.ResolveEnvironment`, run before
/// normalisation). A secret's value goes under [`SECRET_VALUE_KEY`], a config's into `content`.
pub fn resolve_environment(root: &mut Node, env: &Environment) {
    if let Some(services) = root.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            let Some(environment) = service.get_mut("environment") else {
                continue;
            };
            let Value::Seq(items) = &mut environment.value else {
                continue;
            };
            let resolved: Vec<Node> = items
                .iter()
                .filter_map(|item| {
                    let s = item.as_str()?;
                    Some(match env.get(s) {
                        Some(found) => str_node(format!("{s}={found}"), item.span),
                        None => item.clone(),
                    })
                })
                .collect();
            *items = resolved;
        }
    }
    for (kind, target) in [("secrets", SECRET_VALUE_KEY), ("configs", "content")] {
        let Some(resources) = root.get_mut(kind).and_then(Node::as_map_mut) else {
            continue;
        };
        for resource in resources.values_mut() {
            let Some(res) = resource.as_map_mut() else {
                continue;
            };
            let Some(var) = res.get("environment") else {
                continue;
            };
            let span = var.span;
            if let Some(found) = var.as_str().and_then(|v| env.get(v)) {
                let value = str_node(found, span);
                res.insert(Key::new(target, span), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env() -> Environment {
        [("FOO", "foo"), ("BAR", "bar"), ("COMPOSE_PROJECT_NAME", "p")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn norm(v: &serde_json::Value) -> serde_json::Value {
        let mut n = Node::from_json(v);
        normalize(&mut n, &env()).unwrap();
        n.to_json()
    }

    #[test]
    fn default_network() {
        let out = norm(&json!({"name": "p", "services": {
            "a": {"image": "x"},
            "b": {"networks": {}},
            "c": {"network_mode": "host"},
            "d": {"networks": {"front": null}}
        }, "networks": {"front": null}}));
        assert_eq!(out["services"]["a"]["networks"], json!({"default": null}));
        assert_eq!(out["services"]["b"]["networks"], json!({"default": null}));
        assert_eq!(out["services"]["c"].get("networks"), None);
        assert_eq!(out["services"]["d"]["networks"], json!({"front": null}));
        assert_eq!(out["networks"], json!({"front": {"name": "p_front"}, "default": {"name": "p_default"}}));
    }

    #[test]
    fn no_default_network_when_unused() {
        let out = norm(&json!({"name": "p", "services": {"a": {"network_mode": "none"}}}));
        assert_eq!(out.get("networks"), None);
        let out = norm(&json!({"name": "p", "services": {"a": {"networks": {"default": {"aliases": ["x"]}}}}}));
        assert_eq!(out["networks"], json!({"default": {"name": "p_default"}}));
    }

    #[test]
    fn resource_names() {
        let out = norm(&json!({"name": "p",
            "volumes": {"v": null, "named": {"name": "mine"}, "ext": {"external": true}, "ext2": {"external": "True"}},
            "secrets": {"s": {"file": "/x"}, "e": {"external": false}},
            "configs": {"c": {"name": null, "file": "/c"}}
        }));
        assert_eq!(
            out["volumes"],
            json!({"v": {"name": "p_v"}, "named": {"name": "mine"}, "ext": {"external": true, "name": "ext"}, "ext2": {"external": "True", "name": "ext2"}})
        );
        assert_eq!(out["secrets"], json!({"s": {"file": "/x", "name": "p_s"}, "e": {"external": false, "name": "p_e"}}));
        assert_eq!(out["configs"], json!({"c": {"name": "p_c", "file": "/c"}}));
    }

    #[test]
    fn build_defaults_and_args() {
        let out = norm(&json!({"name": "p", "services": {
            "a": {"build": {"context": null, "args": {"FOO": null, "MISSING": null, "SET": "1"}}},
            "b": {"build": {"context": "/x", "dockerfile_inline": "FROM x", "args": ["FOO", "MISSING", "K=v"]}},
            "c": {"build": {"context": "/x", "args": ["MISSING"]}}
        }}));
        assert_eq!(
            out["services"]["a"]["build"],
            json!({"context": ".", "args": {"FOO": "foo", "SET": "1"}, "dockerfile": "Dockerfile"})
        );
        assert_eq!(
            out["services"]["b"]["build"],
            json!({"context": "/x", "dockerfile_inline": "FROM x", "args": ["FOO=foo", "K=v"]})
        );
        assert_eq!(out["services"]["c"]["build"]["args"], json!(null));
    }

    #[test]
    fn environment_from_env() {
        let out = norm(&json!({"name": "p", "services": {
            "a": {"environment": {"FOO": null, "MISSING": null, "X": "1", "N": 2}},
            "b": {"environment": ["BAR", "MISSING", "Y=2"]}
        }}));
        assert_eq!(out["services"]["a"]["environment"], json!({"FOO": "foo", "MISSING": null, "X": "1", "N": 2}));
        assert_eq!(out["services"]["b"]["environment"], json!(["BAR=bar", "MISSING", "Y=2"]));
    }

    #[test]
    fn pull_policy() {
        let out = norm(&json!({"name": "p", "services": {"a": {"pull_policy": "if_not_present"}, "b": {"pull_policy": "always"}}}));
        assert_eq!(out["services"]["a"]["pull_policy"], json!("missing"));
        assert_eq!(out["services"]["b"]["pull_policy"], json!("always"));
    }

    #[test]
    fn implied_dependencies() {
        let out = norm(&json!({"name": "p", "services": {
            "a": {
                "links": ["db:database", "cache", "x:y:z"],
                "volumes_from": ["data:ro", "container:c1"],
                "network_mode": "service:net",
                "ipc": "service:ipc",
                "depends_on": {"db": {"condition": "service_healthy", "required": true}}
            },
            "b": {"pid": "host"}
        }}));
        let started = |restart: bool| json!({"condition": "service_started", "restart": restart, "required": true});
        assert_eq!(
            out["services"]["a"]["depends_on"],
            json!({
                "db": {"condition": "service_healthy", "required": true},
                "cache": started(true),
                "x:y:z": started(true),
                "net": started(true),
                "ipc": started(true),
                "data": started(false)
            })
        );
        assert_eq!(out["services"]["b"].get("depends_on"), None);
    }

    #[test]
    fn volume_targets_cleaned() {
        let out = norm(&json!({"name": "p", "services": {"a": {"volumes": [
            {"type": "volume", "target": "/data/../x/"},
            {"type": "tmpfs", "target": ""}
        ]}}}));
        assert_eq!(out["services"]["a"]["volumes"][0]["target"], json!("/x"));
        assert_eq!(out["services"]["a"]["volumes"][1]["target"], json!("."));
    }

    #[test]
    fn project_name_required() {
        let mut n = Node::from_json(&json!({"services": {}}));
        assert_eq!(normalize(&mut n, &env()).unwrap_err().message, "project name must not be empty");
    }

    #[test]
    fn resolve_environment_lists_secrets_configs() {
        let mut n = Node::from_json(&json!({
            "services": {"a": {"environment": ["FOO", "NOPE", "BAR=x"]}, "b": {"environment": {"FOO": null}}},
            "secrets": {"s": {"environment": "FOO"}, "t": {"environment": "NOPE"}, "f": {"file": "/f"}},
            "configs": {"c": {"environment": "BAR"}}
        }));
        resolve_environment(&mut n, &env());
        assert_eq!(
            n.to_json(),
            json!({
                "services": {"a": {"environment": ["FOO=foo", "NOPE", "BAR=x"]}, "b": {"environment": {"FOO": null}}},
                "secrets": {"s": {"environment": "FOO", "x-#value": "foo"}, "t": {"environment": "NOPE"}, "f": {"file": "/f"}},
                "configs": {"c": {"environment": "BAR", "content": "bar"}}
            })
        );
    }
}
