//! Profiles and service selection (with dependencies), and the last per-service steps of
//! loading: `env_file` folded into `environment`, `label_file` into `labels`.
//!
//! Follows compose-go's `Project.WithProfiles`, `WithServicesEnabled`,
//! `WithoutUnnecessaryResources`, `WithSelectedServices` and
//! `WithServices{Environment,Labels}Resolved`.

use std::collections::{BTreeMap, BTreeSet};

use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::model::{Project, ServiceConfig, Services};

/// Whether a service is enabled by these profiles: services without profiles always are,
/// and `*` enables every profile.
pub fn has_profile(service: &ServiceConfig, profiles: &[String]) -> bool {
    service.profiles.is_empty()
        || profiles.iter().any(|p| p == "*" || service.profiles.iter().any(|sp| sp == p))
}

/// Moves the services none of whose profiles is active to `disabled_services`.
pub fn with_profiles(mut project: Project, profiles: &[String]) -> Result<Project> {
    let mut all = std::mem::take(&mut project.services);
    all.append(&mut project.disabled_services);
    for (name, service) in all {
        if has_profile(&service, profiles) {
            project.services.insert(name, service);
        } else {
            project.disabled_services.insert(name, service);
        }
    }
    project.profiles = profiles.to_vec();
    Ok(project)
}

/// Enables services named explicitly even when their profiles are not active (`berth up
/// svc` starts `svc` whatever its profile), by activating their profiles too.
pub fn with_services_enabled(project: Project, names: &[String]) -> Result<Project> {
    if names.is_empty() {
        return Ok(project);
    }
    let mut profiles = project.profiles.clone();
    for name in names {
        if project.services.contains_key(name) {
            continue;
        }
        if let Some(s) = project.disabled_services.get(name) {
            profiles.extend(s.profiles.iter().cloned());
        }
    }
    with_profiles(project, &profiles)
}

/// Drops the networks, volumes, secrets and configs no enabled service uses.
pub fn without_unnecessary_resources(mut project: Project) -> Project {
    let mut networks = BTreeSet::new();
    let mut volumes = BTreeSet::new();
    let mut secrets = BTreeSet::new();
    let mut configs = BTreeSet::new();
    for s in project.services.values() {
        networks.extend(s.networks.keys().cloned());
        for v in &s.volumes {
            if v.kind == crate::model::VOLUME_TYPE_VOLUME && !v.source.is_empty() {
                volumes.insert(v.source.clone());
            }
        }
        secrets.extend(s.secrets.iter().map(|r| r.source.clone()));
        if let Some(b) = &s.build {
            secrets.extend(b.secrets.iter().map(|r| r.source.clone()));
        }
        configs.extend(s.configs.iter().map(|r| r.source.clone()));
    }
    project.networks.retain(|k, _| networks.contains(k));
    project.volumes.retain(|k, _| volumes.contains(k));
    project.secrets.retain(|k, _| secrets.contains(k));
    project.configs.retain(|k, _| configs.contains(k));
    project
}

/// The named services and, transitively, what they depend on (a missing dependency is an
/// error only when it is required).
pub fn with_dependencies(project: &Project, names: &[String]) -> Result<BTreeSet<String>> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<(String, bool)> = names.iter().map(|n| (n.clone(), true)).collect();
    while let Some((name, required)) = stack.pop() {
        if seen.contains(&name) {
            continue;
        }
        let Some(service) = project.services.get(&name) else {
            if required {
                return Err(no_such_service(project, &name));
            }
            continue;
        };
        seen.insert(name.clone());
        for (dep, cfg) in &service.depends_on {
            stack.push((dep.clone(), cfg.required));
        }
    }
    Ok(seen)
}

fn no_such_service(project: &Project, name: &str) -> Error {
    let err = Error::selection(format!("no such service: {name}"));
    if project.disabled_services.contains_key(name) {
        return err.with_hint(format!("`{name}` is disabled by its profiles; enable one with --profile"));
    }
    match crate::error::did_you_mean(name, project.services.keys().map(String::as_str)) {
        Some(s) => err.with_hint(format!("did you mean `{s}`?")),
        None => err,
    }
}

/// Keeps the named services and their dependencies; the rest become disabled, and
/// `depends_on` entries pointing outside the selection are dropped.
pub fn select_services(mut project: Project, names: &[String]) -> Result<Project> {
    if names.is_empty() {
        return Ok(project);
    }
    let keep = with_dependencies(&project, names)?;
    let all = std::mem::take(&mut project.services);
    let mut kept = Services::new();
    for (name, mut s) in all {
        if keep.contains(&name) {
            s.depends_on.retain(|d, _| keep.contains(d));
            kept.insert(name, s);
        } else {
            project.disabled_services.insert(name, s);
        }
    }
    project.services = kept;
    Ok(project)
}

/// Resolves each service's environment: keys without a value take the project environment's
/// value (or are dropped when unset), then `env_file` files are read (later files win,
/// explicit `environment` wins over all) and, when `discard`, the `env_file` list is cleared.
pub fn resolve_service_environment(project: &mut Project, env: &Environment, discard: bool) -> Result<()> {
    for service in project.services.values_mut() {
        let mut explicit = BTreeMap::new();
        for (k, v) in std::mem::take(&mut service.environment) {
            match v {
                Some(v) => {
                    explicit.insert(k, Some(v));
                }
                None => {
                    if let Some(val) = env.get(&k) {
                        explicit.insert(k, Some(val.to_owned()));
                    } else {
                        explicit.insert(k, None);
                    }
                }
            }
        }
        let mut from_files: BTreeMap<String, Option<String>> = BTreeMap::new();
        for f in &service.env_file {
            let path = std::path::Path::new(&f.path);
            if !path.exists() {
                if f.required {
                    return Err(Error::not_found(format!(
                        "env file {} not found: stat {}: no such file or directory",
                        f.path, f.path
                    )));
                }
                continue;
            }
            if !f.format.is_empty() {
                // Docker Compose 2.26 knows no env_file formats besides the default one.
                return Err(Error::unsupported(format!("unsupported env_file format {:?}", f.format))
                    .with_hint("remove `format:` to read the file with the .env syntax"));
            }
            let vars = {
                let lookup = |k: &str| match from_files.get(k) {
                    Some(Some(v)) => Some(v.clone()),
                    _ => env.lookup(k),
                };
                crate::dotenv::read_file(path, &lookup)?
            };
            for (k, v) in vars {
                from_files.insert(k, Some(v));
            }
        }
        from_files.extend(explicit);
        service.environment = from_files;
        if discard {
            service.env_file.clear();
        }
    }
    Ok(())
}

/// Folds `label_file` files into `labels` (explicit labels win) and clears the list.
pub fn resolve_service_labels(project: &mut Project) -> Result<()> {
    for service in project.services.values_mut() {
        if service.label_file.is_empty() {
            continue;
        }
        let mut labels: BTreeMap<String, String> = BTreeMap::new();
        for f in &service.label_file {
            let path = std::path::Path::new(f);
            if !path.exists() {
                return Err(Error::not_found(format!(
                    "label file {f} not found: stat {f}: no such file or directory"
                )));
            }
            let vars = {
                let lookup = |k: &str| labels.get(k).cloned();
                crate::dotenv::read_file(path, &lookup)?
            };
            labels.extend(vars);
        }
        labels.extend(std::mem::take(&mut service.labels));
        service.labels = labels;
        service.label_file.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ServiceDependency;

    fn svc(profiles: &[&str], deps: &[(&str, bool)]) -> ServiceConfig {
        let mut s = ServiceConfig { image: "x".into(), ..Default::default() };
        s.profiles = profiles.iter().map(|p| (*p).to_owned()).collect();
        for (d, required) in deps {
            s.depends_on.insert(
                (*d).to_owned(),
                ServiceDependency { condition: "service_started".into(), required: *required, ..Default::default() },
            );
        }
        s
    }

    fn project(services: Vec<(&str, ServiceConfig)>) -> Project {
        let mut p = Project::default();
        for (n, mut s) in services {
            s.name = n.to_owned();
            p.services.insert(n.to_owned(), s);
        }
        p
    }

    #[test]
    fn profiles_disable_services() {
        let p = project(vec![("a", svc(&[], &[])), ("b", svc(&["debug"], &[]))]);
        let p = with_profiles(p, &[]).unwrap();
        assert_eq!(p.services.keys().collect::<Vec<_>>(), vec!["a"]);
        assert!(p.disabled_services.contains_key("b"));
        let p = with_profiles(p, &["*".to_owned()]).unwrap();
        assert_eq!(p.services.len(), 2);
    }

    #[test]
    fn naming_a_disabled_service_enables_it() {
        let p = with_profiles(project(vec![("a", svc(&[], &[])), ("b", svc(&["debug"], &[]))]), &[]).unwrap();
        let p = with_services_enabled(p, &["b".to_owned()]).unwrap();
        assert!(p.services.contains_key("b"));
    }

    #[test]
    fn selection_pulls_dependencies() {
        let p = project(vec![
            ("web", svc(&[], &[("api", true)])),
            ("api", svc(&[], &[("db", true), ("cache", false)])),
            ("db", svc(&[], &[])),
            ("other", svc(&[], &[])),
        ]);
        let p = select_services(p, &["web".to_owned()]).unwrap();
        assert_eq!(p.services.keys().collect::<Vec<_>>(), vec!["api", "db", "web"]);
        assert!(p.disabled_services.contains_key("other"));
    }

    #[test]
    fn unknown_service_suggests() {
        let p = project(vec![("web", svc(&[], &[]))]);
        let err = select_services(p, &["wbe".to_owned()]).unwrap_err();
        assert_eq!(err.message, "no such service: wbe");
        assert_eq!(err.hint.as_deref(), Some("did you mean `web`?"));
    }
}
