//! `stack deploy`: make the swarm run a converted stack, in `docker stack deploy`'s order —
//! prune services (with `--prune`), check external networks, create missing networks,
//! secrets and configs, create or update every service — then remove secret and config
//! versions nothing uses any more and, unless detached, wait for convergence.

use std::collections::{BTreeMap, BTreeSet};

use berth_engine::{Engine, Filters, ListOptions, RegistryAuth, ServiceDetails, ServiceSpec, SwarmObject};

use crate::convert::{ObjectPlan, StackSpec};
use crate::error::{Error, Result};
use crate::events::{ObjectKind, Reporter, StackEvent};
use crate::names::{Namespace, LABEL_IMAGE};
use crate::progress;

/// When to pin images to a digest (`--resolve-image`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResolveImage {
    /// On every deploy.
    #[default]
    Always,
    /// When the image in the file changed since the last deploy.
    Changed,
    /// Never: every node resolves the reference itself.
    Never,
}

impl std::str::FromStr for ResolveImage {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "always" => Ok(ResolveImage::Always),
            "changed" => Ok(ResolveImage::Changed),
            "never" => Ok(ResolveImage::Never),
            other => Err(Error::Invalid(format!("invalid option {other} for flag --resolve-image"))),
        }
    }
}

/// Options of a deploy.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// Remove services of the stack the files no longer define.
    pub prune: bool,
    /// Digest pinning.
    pub resolve_image: ResolveImage,
    /// Registry credentials to send with each service, by image (`--with-registry-auth`).
    pub registry_auth: BTreeMap<String, RegistryAuth>,
    /// Return once the swarm accepted the services, without waiting for convergence.
    pub detach: bool,
}

/// What a deploy did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeployOutcome {
    /// Services created or updated, as `(name, id)`.
    pub services: Vec<(String, String)>,
}

fn stack_filter(ns: &Namespace) -> ListOptions {
    ListOptions { filters: Filters::new().label(ns.filter()) }
}

/// Services of stack `ns`.
pub async fn stack_services(engine: &dyn Engine, ns: &Namespace) -> Result<Vec<ServiceDetails>> {
    engine.list_services(&stack_filter(ns)).await.map_err(Error::engine("listing services"))
}

/// Fails unless the engine is a swarm manager (networks must exist before services, and
/// creating a swarm network elsewhere fails without a clear error).
pub async fn check_manager(engine: &dyn Engine) -> Result<()> {
    let info = engine.info().await.map_err(Error::engine("reading engine information"))?;
    if info.swarm_manager {
        Ok(())
    } else {
        Err(Error::NotManager)
    }
}

/// Deploys `stack`.
pub async fn deploy(
    engine: &dyn Engine,
    stack: &StackSpec,
    options: &DeployOptions,
    report: Reporter<'_>,
) -> Result<DeployOutcome> {
    check_manager(engine).await?;
    let ns = &stack.namespace;
    if let Some(w) = stack.ignored_warning() {
        report(StackEvent::Warning(w));
    }
    if options.prune {
        prune_services(engine, stack, report).await?;
    }
    check_external_networks(engine, &stack.external_networks).await?;
    create_networks(engine, stack, report).await?;
    let secret_ids = ensure_objects(engine, ObjectKind::Secret, &stack.secrets, report).await?;
    let config_ids = ensure_objects(engine, ObjectKind::Config, &stack.configs, report).await?;

    let existing: BTreeMap<String, ServiceDetails> =
        stack_services(engine, ns).await?.into_iter().map(|s| (s.spec.name.clone(), s)).collect();
    let mut outcome = DeployOutcome::default();
    let mut new_specs = Vec::with_capacity(stack.services.len());
    for plan in &stack.services {
        let mut spec = plan.spec.clone();
        fill_ids(engine, &mut spec, &secret_ids, &config_ids).await?;
        let id = if let Some(current) = existing.get(&spec.name) {
            update_service(engine, current, &mut spec, options, report).await?
        } else {
            report(StackEvent::Creating { kind: ObjectKind::Service, name: spec.name.clone() });
            let auth = options.registry_auth.get(&spec.container.image);
            spec.container.image = resolve(engine, &spec.container.image, options.resolve_image, auth, report).await;
            engine
                .create_service(&spec, auth)
                .await
                .map_err(Error::engine(format!("failed to create service {}", spec.name)))?
        };
        outcome.services.push((spec.name.clone(), id));
        new_specs.push(spec);
    }

    // Keep what the new specs use, and what the previous ones use (an update that fails
    // rolls back to them).
    let in_use: BTreeSet<String> = existing
        .values()
        .map(|s| &s.spec)
        .chain(new_specs.iter())
        .flat_map(|s| s.container.secrets.iter().chain(s.container.configs.iter()).map(|r| r.name.clone()))
        .collect();
    remove_unused_versions(engine, ns, &in_use, report).await;

    if !options.detach {
        progress::wait_for_services(engine, &outcome.services, report).await?;
    }
    Ok(outcome)
}

/// Updates `current` to `spec`, keeping what the last deploy pinned when nothing asks for a
/// change; returns the service id.
async fn update_service(
    engine: &dyn Engine,
    current: &ServiceDetails,
    spec: &mut ServiceSpec,
    options: &DeployOptions,
    report: Reporter<'_>,
) -> Result<String> {
    report(StackEvent::Updating { name: spec.name.clone(), id: current.id.clone() });
    let auth = options.registry_auth.get(&spec.container.image);
    let image = spec.labels.get(LABEL_IMAGE).cloned().unwrap_or_default();
    let unchanged = current.spec.labels.get(LABEL_IMAGE) == Some(&image);
    if options.resolve_image == ResolveImage::Always || !unchanged {
        spec.container.image = resolve(engine, &spec.container.image, options.resolve_image, auth, report).await;
    } else {
        // Keep the digest the last deploy pinned, or the update would restart every task
        // for nothing.
        spec.container.image.clone_from(&current.spec.container.image);
    }
    // `stack deploy` has no `--force`: keep the counter so nothing restarts.
    spec.force_update = current.spec.force_update;
    let warnings = engine
        .update_service(&current.id, current.version, spec, auth)
        .await
        .map_err(Error::engine(format!("failed to update service {}", spec.name)))?;
    for w in warnings {
        report(StackEvent::Warning(w));
    }
    Ok(current.id.clone())
}

async fn prune_services(engine: &dyn Engine, stack: &StackSpec, report: Reporter<'_>) -> Result<()> {
    let ns = &stack.namespace;
    let wanted: BTreeSet<&str> = stack.services.iter().map(|s| s.key.as_str()).collect();
    let mut stale: Vec<ServiceDetails> = match stack_services(engine, ns).await {
        Ok(list) => list.into_iter().filter(|s| !wanted.contains(ns.descope(&s.spec.name))).collect(),
        Err(e) => {
            report(StackEvent::Warning(format!("Failed to list services: {e}")));
            Vec::new()
        }
    };
    stale.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
    for s in stale {
        report(StackEvent::Removing { kind: ObjectKind::Service, name: s.spec.name.clone() });
        if let Err(e) = engine.remove_service(&s.id).await {
            report(StackEvent::RemoveFailed { kind: ObjectKind::Service, name: s.id.clone(), error: e.to_string() });
        }
    }
    Ok(())
}

/// The engine's own networks exist on every node; only user-defined ones are checked.
fn is_predefined_network(name: &str) -> bool {
    matches!(name, "default" | "bridge" | "host" | "none") || name.starts_with("container:")
}

async fn check_external_networks(engine: &dyn Engine, names: &[String]) -> Result<()> {
    for name in names.iter().filter(|n| !is_predefined_network(n)) {
        match engine.inspect_network(name).await {
            Ok(n) if n.scope != "swarm" => {
                return Err(Error::Invalid(format!(
                    "network {name:?} is declared as external, but it is not in the right scope: {:?} instead of \"swarm\"",
                    n.scope
                )))
            }
            Ok(_) => {}
            Err(e) if e.is_not_found() => {
                return Err(Error::Invalid(format!(
                    "network {name:?} is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed"
                )))
            }
            Err(e) => return Err(Error::engine(format!("inspecting network {name}"))(e)),
        }
    }
    Ok(())
}

async fn create_networks(engine: &dyn Engine, stack: &StackSpec, report: Reporter<'_>) -> Result<()> {
    let existing: BTreeSet<String> = engine
        .list_networks(&stack_filter(&stack.namespace))
        .await
        .map_err(Error::engine("listing networks"))?
        .into_iter()
        .map(|n| n.name)
        .collect();
    for net in &stack.networks {
        if existing.contains(&net.create.name) {
            continue;
        }
        report(StackEvent::Creating { kind: ObjectKind::Network, name: net.create.name.clone() });
        engine
            .create_network(&net.create)
            .await
            .map_err(Error::engine(format!("failed to create network {}", net.create.name)))?;
    }
    Ok(())
}

async fn list_objects(engine: &dyn Engine, kind: ObjectKind, options: &ListOptions) -> Result<Vec<SwarmObject>> {
    match kind {
        ObjectKind::Config => engine.list_configs(options).await.map_err(Error::engine("listing configs")),
        _ => engine.list_secrets(options).await.map_err(Error::engine("listing secrets")),
    }
}

/// Creates the objects that do not exist yet; returns the id of each by name. A versioned
/// name that exists already holds the same content, so it is reused as it is.
async fn ensure_objects(
    engine: &dyn Engine,
    kind: ObjectKind,
    plans: &[ObjectPlan],
    report: Reporter<'_>,
) -> Result<BTreeMap<String, String>> {
    let mut ids = BTreeMap::new();
    for plan in plans {
        let name = &plan.create.name;
        let options = ListOptions { filters: Filters::new().with("name", name.clone()) };
        let found = list_objects(engine, kind, &options).await?.into_iter().find(|o| &o.name == name);
        let id = if let Some(o) = found {
            o.id
        } else {
            report(StackEvent::Creating { kind, name: name.clone() });
            let created = match kind {
                ObjectKind::Config => engine.create_config(&plan.create).await,
                _ => engine.create_secret(&plan.create).await,
            };
            created.map_err(Error::engine(format!("failed to create {kind} {name}")))?
        };
        ids.insert(name.clone(), id);
    }
    Ok(ids)
}

/// Ids of secrets and configs the spec refers to by name: the stack's own, or external ones
/// looked up by name.
async fn fill_ids(
    engine: &dyn Engine,
    spec: &mut ServiceSpec,
    secret_ids: &BTreeMap<String, String>,
    config_ids: &BTreeMap<String, String>,
) -> Result<()> {
    for (refs, ids, kind) in [
        (&mut spec.container.secrets, secret_ids, ObjectKind::Secret),
        (&mut spec.container.configs, config_ids, ObjectKind::Config),
    ] {
        for r in refs.iter_mut() {
            if let Some(id) = ids.get(&r.name) {
                r.id.clone_from(id);
                continue;
            }
            let options = ListOptions { filters: Filters::new().with("name", r.name.clone()) };
            let found = list_objects(engine, kind, &options).await?.into_iter().find(|o| o.name == r.name);
            match found {
                Some(o) => r.id = o.id,
                None => return Err(Error::Invalid(format!("service {}: {kind} not found: {}", spec.name, r.name))),
            }
        }
    }
    Ok(())
}

/// Removes the stack's secrets and configs that no service refers to (older versions).
/// Failures are reported and skipped: an object still in use stays for the next deploy.
async fn remove_unused_versions(engine: &dyn Engine, ns: &Namespace, in_use: &BTreeSet<String>, report: Reporter<'_>) {
    for kind in [ObjectKind::Secret, ObjectKind::Config] {
        let Ok(objects) = list_objects(engine, kind, &stack_filter(ns)).await else {
            continue;
        };
        for o in objects.into_iter().filter(|o| !in_use.contains(&o.name)) {
            let removed = match kind {
                ObjectKind::Config => engine.remove_config(&o.id).await,
                _ => engine.remove_secret(&o.id).await,
            };
            if let Err(e) = removed {
                report(StackEvent::Warning(format!("Keeping unused {kind} {}: {e}", o.name)));
            }
        }
    }
}

/// The warning the docker CLI gives when an image's digest cannot be recorded.
fn unpinned_warning(image: &str) -> String {
    format!(
        "image {image} could not be accessed on a registry to record\nits digest. Each node will access {image} independently,\npossibly leading to different nodes running different\nversions of the image.\n"
    )
}

/// Pins `image` to the digest its registry gives it now, as `image@sha256:…`: what the
/// daemon does for the docker CLI (`QueryRegistry`), with the same credentials the service
/// is created with. An image the registry cannot show (never pushed, registry unreachable)
/// is deployed as it is, with the docker CLI's warning.
async fn resolve(
    engine: &dyn Engine,
    image: &str,
    mode: ResolveImage,
    auth: Option<&RegistryAuth>,
    report: Reporter<'_>,
) -> String {
    if mode == ResolveImage::Never || image.contains('@') {
        return image.to_owned();
    }
    match engine.registry_digest(image, auth).await {
        Ok(digest) => format!("{image}@{digest}"),
        Err(_) => {
            report(StackEvent::Warning(unpinned_warning(image)));
            image.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn resolve_pins_what_the_registry_has_and_warns_otherwise() {
        let engine = berth_engine::FakeEngine::new();
        engine.add_registry_image("reg.test:5000/app:1", berth_engine::ImageConfig::default());
        let warnings = std::sync::Mutex::new(Vec::new());
        let report = |e: StackEvent| {
            if let StackEvent::Warning(w) = e {
                warnings.lock().unwrap().push(w);
            }
        };
        let pinned = resolve(&engine, "reg.test:5000/app:1", ResolveImage::Always, None, &report).await;
        assert!(pinned.starts_with("reg.test:5000/app:1@sha256:"), "{pinned}");
        assert_eq!(resolve(&engine, "local/only:1", ResolveImage::Changed, None, &report).await, "local/only:1");
        assert_eq!(resolve(&engine, "reg.test:5000/app:1", ResolveImage::Never, None, &report).await, "reg.test:5000/app:1");
        let warnings = warnings.into_inner().unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("image local/only:1 could not be accessed"), "{warnings:?}");
    }

    #[test]
    fn resolve_image_flag() {
        assert_eq!("changed".parse::<ResolveImage>().ok(), Some(ResolveImage::Changed));
        assert!("sometimes".parse::<ResolveImage>().is_err());
    }
}
