//! Cross-reference checks on the typed project, as compose-go's `checkConsistency`: every
//! network, volume, secret and config a service uses is defined, dependencies exist (or are
//! optional and disabled), attributes that exclude each other are not both set, and
//! `depends_on` has no cycle (reported with the whole cycle).

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::node::Path;
use crate::model::{Project, ServiceConfig, VOLUME_TYPE_VOLUME};

/// Runs every check; the first failure is returned.
pub fn check(project: &Project) -> Result<()> {
    for (name, s) in &project.services {
        check_service(project, name, s)?;
    }
    for (name, secret) in &project.secrets {
        if !secret.external && secret.file.is_empty() && secret.environment.is_empty() {
            return Err(Error::invalid(format!(
                "secret {name:?} must declare either `file` or `environment`"
            )));
        }
    }
    check_cycles(project)
}

fn invalid(msg: String) -> Error {
    Error::invalid(msg)
}

fn check_service(project: &Project, name: &str, s: &ServiceConfig) -> Result<()> {
    let svc = Path::root().key("services").key(name);
    check_service_at(project, name, s, &svc).map_err(|e| e.with_path(&svc))
}

fn check_service_at(project: &Project, name: &str, s: &ServiceConfig, svc: &Path) -> Result<()> {
    if s.build.is_none() && s.image.is_empty() {
        return Err(invalid(format!(
            "service {name:?} has neither an image nor a build context specified"
        ))
        .with_hint("add `image:` to run an existing image, or `build:` to build one"));
    }
    if let Some(b) = &s.build {
        if !b.dockerfile_inline.is_empty() && !b.dockerfile.is_empty() {
            return Err(invalid(format!(
                "service {name:?} declares mutualy exclusive dockerfile and dockerfile_inline"
            )));
        }
        for (add, c) in &b.additional_contexts {
            if let Some(target) = c.strip_prefix("service:") {
                match project.services.get(target) {
                    None => {
                        return Err(invalid(format!(
                            "service {name:?} declares unknown service {target:?} as additional contexts {add}"
                        )))
                    }
                    Some(t) if t.build.is_none() => {
                        return Err(invalid(format!(
                            "service {name:?} declares non-buildable service {target:?} as additional contexts {add}"
                        )))
                    }
                    Some(_) => {}
                }
            }
        }
        if !b.platforms.is_empty() && !s.platform.is_empty() && !b.platforms.contains(&s.platform) {
            return Err(invalid(format!(
                "service.build.platforms MUST include service.platform {:?}",
                s.platform
            )));
        }
    }
    if !s.network_mode.is_empty() && !s.networks.is_empty() {
        return Err(invalid(format!(
            "service {name} declares mutually exclusive `network_mode` and `networks`"
        )));
    }
    for network in s.networks.keys() {
        if !project.networks.contains_key(network) {
            return Err(undefined(project.networks.keys(), name, "network", network, &svc.key("networks").key(network)));
        }
    }
    if let Some(hc) = &s.healthcheck {
        if let Some(first) = hc.test.first() {
            if !matches!(first.as_str(), "CMD" | "CMD-SHELL" | "NONE") {
                return Err(invalid(
                    "healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\"".into(),
                ));
            }
        }
    }
    for (dep, cfg) in &s.depends_on {
        if project.services.contains_key(dep) {
            continue;
        }
        if project.disabled_services.contains_key(dep) {
            if !cfg.required {
                continue;
            }
            return Err(invalid(format!("service {name:?} depends on undefined service {dep:?}"))
                .with_hint(format!(
                    "`{dep}` is disabled by its profiles; enable one with --profile, or mark the dependency `required: false`"
                )));
        }
        return Err(undefined(project.services.keys(), name, "service", dep, &svc.key("depends_on").key(dep))
            .with_message(format!("service {name:?} depends on undefined service {dep:?}")));
    }
    if let Some(target) = s.network_mode.strip_prefix("service:") {
        if !project.services.contains_key(target) {
            return Err(invalid(format!("service {target:?} not found for network_mode 'service:{target}'")));
        }
    }
    for v in &s.volumes {
        if v.kind == VOLUME_TYPE_VOLUME && !v.source.is_empty() && !project.volumes.contains_key(&v.source) {
            return Err(undefined(project.volumes.keys(), name, "volume", &v.source, &svc.key("volumes")));
        }
    }
    if let Some(b) = &s.build {
        for secret in &b.secrets {
            if !project.secrets.contains_key(&secret.source) {
                return Err(undefined(project.secrets.keys(), name, "build secret", &secret.source, &svc.key("build").key("secrets")));
            }
        }
    }
    for c in &s.configs {
        if !project.configs.contains_key(&c.source) {
            return Err(undefined(project.configs.keys(), name, "config", &c.source, &svc.key("configs")));
        }
    }
    for secret in &s.secrets {
        if !project.secrets.contains_key(&secret.source) {
            return Err(undefined(project.secrets.keys(), name, "secret", &secret.source, &svc.key("secrets")));
        }
    }
    check_resources(name, s)?;
    if s.scale_or_default() > 1 && !s.container_name.is_empty() {
        let attr = if s.scale.is_some() { "scale" } else { "deploy.replicas" };
        return Err(invalid(format!(
            "services.{attr}: can't set container_name and {name} as container name must be unique"
        )));
    }
    if let Some(dev) = &s.develop {
        for w in &dev.watch {
            if w.target.is_empty() && w.action != "rebuild" && w.action != "restart" {
                return Err(invalid(format!(
                    "services.{name}.develop.watch: target is required for non-rebuild actions"
                )));
            }
        }
    }
    Ok(())
}

fn check_resources(name: &str, s: &ServiceConfig) -> Result<()> {
    let Some(deploy) = &s.deploy else { return Ok(()) };
    let distinct = |a: &str, b: &str| {
        invalid(format!("services.{name}: can't set distinct values on '{a}' and '{b}'"))
    };
    if let (Some(scale), Some(replicas)) = (s.scale, deploy.replicas) {
        if scale != replicas {
            return Err(distinct("scale", "deploy.replicas"));
        }
    }
    let limits = deploy.resources.limits.as_ref();
    let reservations = deploy.resources.reservations.as_ref();
    if s.cpus != 0.0 {
        if let Some(l) = limits {
            if (l.nano_cpus.0 - s.cpus).abs() > f32::EPSILON {
                return Err(distinct("cpus", "deploy.resources.limits.cpus"));
            }
        }
    }
    if s.mem_limit.0 != 0 {
        if let Some(l) = limits {
            if l.memory_bytes.0 != s.mem_limit.0 {
                return Err(distinct("mem_limit", "deploy.resources.limits.memory"));
            }
        }
    }
    if s.mem_reservation.0 != 0 {
        if let Some(r) = reservations {
            if r.memory_bytes.0 != s.mem_reservation.0 {
                return Err(distinct("mem_reservation", "deploy.resources.reservations.memory"));
            }
        }
    }
    if s.pids_limit != 0 {
        if let Some(l) = limits {
            if l.pids != s.pids_limit {
                return Err(distinct("pids_limit", "deploy.resources.limits.pids"));
            }
        }
    }
    Ok(())
}

/// "service web refers to undefined network back", with a suggestion among the defined ones.
fn undefined<'a>(
    defined: impl Iterator<Item = &'a String>,
    service: &str,
    what: &str,
    name: &str,
    at: &Path,
) -> Error {
    let defined: Vec<&str> = defined.map(String::as_str).collect();
    let err = invalid(format!("service {service:?} refers to undefined {what} {name}")).with_path(at);
    match crate::error::did_you_mean(name, defined.iter().copied()) {
        Some(s) => err.with_hint(format!("did you mean `{s}`?")),
        None => err.with_hint(format!("define it under the top-level `{}` key", plural(what))),
    }
}

fn plural(what: &str) -> &'static str {
    match what {
        "network" => "networks",
        "volume" => "volumes",
        "config" => "configs",
        "service" => "services",
        _ => "secrets",
    }
}

/// Depth-first search in name order, so the reported cycle is the same every time:
/// `dependency cycle detected: a -> b -> c -> a`.
fn check_cycles(project: &Project) -> Result<()> {
    fn search(project: &Project, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Result<()> {
        let Some(current) = path.last().cloned() else { return Ok(()) };
        let Some(service) = project.services.get(&current) else { return Ok(()) };
        for dep in service.depends_on.keys() {
            if !project.services.contains_key(dep) {
                continue;
            }
            if let Some(i) = path.iter().position(|p| p == dep) {
                let cycle = path[i..].join(" -> ");
                return Err(Error::invalid(format!("dependency cycle detected: {cycle} -> {dep}"))
                    .with_path(&Path::root().key("services").key(&current).key("depends_on").key(dep)));
            }
            if done.contains(dep) {
                continue;
            }
            path.push(dep.clone());
            search(project, path, done)?;
            path.pop();
        }
        done.insert(current);
        Ok(())
    }
    let mut done = BTreeSet::new();
    for name in project.services.keys() {
        if done.contains(name) {
            continue;
        }
        search(project, &mut vec![name.clone()], &mut done)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ServiceConfig, ServiceDependency};

    fn project(edges: &[(&str, &[&str])]) -> Project {
        let mut p = Project::default();
        for (name, deps) in edges {
            let mut s = ServiceConfig { name: (*name).into(), image: "x".into(), ..Default::default() };
            for d in *deps {
                s.depends_on.insert((*d).into(), ServiceDependency { required: true, ..Default::default() });
            }
            p.services.insert((*name).into(), s);
        }
        p
    }

    #[test]
    fn reports_the_whole_cycle() {
        let p = project(&[("service1", &["service2"]), ("service2", &["service3"]), ("service3", &["service1"])]);
        assert_eq!(
            check(&p).unwrap_err().message,
            "dependency cycle detected: service1 -> service2 -> service3 -> service1"
        );
    }

    #[test]
    fn self_dependency_is_a_cycle() {
        let p = project(&[("a", &["a"])]);
        assert_eq!(check(&p).unwrap_err().message, "dependency cycle detected: a -> a");
    }

    #[test]
    fn undefined_network_suggests() {
        let mut p = project(&[("web", &[])]);
        p.networks.insert("backend".into(), Default::default());
        p.services.get_mut("web").unwrap().networks.insert("bakend".into(), None);
        let err = check(&p).unwrap_err();
        assert_eq!(err.message, "service \"web\" refers to undefined network bakend");
        assert_eq!(err.hint.as_deref(), Some("did you mean `backend`?"));
    }

    #[test]
    fn image_or_build_required() {
        let mut p = project(&[("web", &[])]);
        p.services.get_mut("web").unwrap().image.clear();
        assert!(check(&p).unwrap_err().message.contains("neither an image nor a build context"));
    }
}
