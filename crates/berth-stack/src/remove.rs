//! `stack rm`: remove every service, secret, config and network labelled with the stack, in
//! `docker stack rm`'s order. Teardown keeps going after a failure and reports them all at
//! the end. Unless detached, it then waits until the tasks (and their containers) are gone,
//! removes networks the swarm refused while tasks still used them, and waits until the
//! networks are gone too.
//!
//! A node sometimes never removes the containers of tasks the swarm has already deleted
//! (moby/moby#24244, #42723): once the tasks are gone, berth gives the node a few seconds and
//! then removes such leftovers itself, so a waiting `stack rm` leaves nothing behind.

use std::time::Duration;

use tokio::time::Instant;

use berth_engine::{ContainerListOptions, ContainerSummary, Engine, Filters, ListOptions, RemoveOptions};

use crate::error::{Error, Result};
use crate::events::{ObjectKind, Reporter, StackEvent};
use crate::names::Namespace;

/// How long a waiting removal waits for tasks and networks to go.
pub const REMOVE_TIMEOUT: Duration = Duration::from_mins(2);
const POLL: Duration = Duration::from_millis(500);
/// How long the node may take to remove the containers of deleted tasks before berth does.
const LEFTOVER_GRACE: Duration = Duration::from_secs(10);

fn by_stack(ns: &Namespace) -> ListOptions {
    ListOptions { filters: Filters::new().label(ns.filter()) }
}

/// Removes the stacks `names`; with `wait`, returns once they are completely gone.
pub async fn remove_stacks(engine: &dyn Engine, names: &[String], wait: bool, report: Reporter<'_>) -> Result<()> {
    let mut errors = Vec::new();
    for name in names {
        if let Err(e) = remove_stack(engine, &Namespace::new(name.clone()), wait, report).await {
            errors.push(e.to_string());
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Many(errors))
    }
}

async fn remove_stack(engine: &dyn Engine, ns: &Namespace, wait: bool, report: Reporter<'_>) -> Result<()> {
    let filter = by_stack(ns);
    let mut services = engine.list_services(&filter).await.map_err(Error::engine("listing services"))?;
    let networks = engine.list_networks(&filter).await.map_err(Error::engine("listing networks"))?;
    let secrets = engine.list_secrets(&filter).await.map_err(Error::engine("listing secrets"))?;
    let configs = engine.list_configs(&filter).await.map_err(Error::engine("listing configs"))?;
    if services.is_empty() && networks.is_empty() && secrets.is_empty() && configs.is_empty() {
        report(StackEvent::NothingFound { stack: ns.name().to_owned() });
        return Ok(());
    }
    let mut failed = false;
    let mut fail = |kind: ObjectKind, name: &str, error: String| {
        failed = true;
        report(StackEvent::RemoveFailed { kind, name: name.to_owned(), error });
    };
    services.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
    for s in &services {
        report(StackEvent::Removing { kind: ObjectKind::Service, name: s.spec.name.clone() });
        if let Err(e) = engine.remove_service(&s.id).await {
            fail(ObjectKind::Service, &s.id, e.to_string());
        }
    }
    for s in &secrets {
        report(StackEvent::Removing { kind: ObjectKind::Secret, name: s.name.clone() });
        if let Err(e) = engine.remove_secret(&s.id).await {
            fail(ObjectKind::Secret, &s.id, e.to_string());
        }
    }
    for c in &configs {
        report(StackEvent::Removing { kind: ObjectKind::Config, name: c.name.clone() });
        if let Err(e) = engine.remove_config(&c.id).await {
            fail(ObjectKind::Config, &c.id, e.to_string());
        }
    }
    if wait {
        // The swarm refuses to remove a network while tasks still use it: let them go first.
        let ids: Vec<&str> = services.iter().map(|s| s.id.as_str()).collect();
        wait_until_tasks_gone(engine, ns, &ids).await?;
    }
    let mut refused = Vec::new();
    for n in &networks {
        report(StackEvent::Removing { kind: ObjectKind::Network, name: n.name.clone() });
        match engine.remove_network(&n.id).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) if wait => refused.push((n.clone(), e.to_string())),
            Err(e) => fail(ObjectKind::Network, &n.id, e.to_string()),
        }
    }
    if wait {
        let deadline = Instant::now() + REMOVE_TIMEOUT;
        while !refused.is_empty() && Instant::now() < deadline {
            tokio::time::sleep(POLL).await;
            let mut still = Vec::new();
            for (n, _) in refused {
                match engine.remove_network(&n.id).await {
                    Ok(()) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => still.push((n, e.to_string())),
                }
            }
            refused = still;
        }
        for (n, error) in refused {
            fail(ObjectKind::Network, &n.id, error);
        }
        wait_until_networks_gone(engine, ns).await?;
    }
    if failed {
        return Err(Error::Invalid(format!("failed to remove some resources from stack: {}", ns.name())));
    }
    Ok(())
}

async fn wait_until_tasks_gone(engine: &dyn Engine, ns: &Namespace, services: &[&str]) -> Result<()> {
    let deadline = Instant::now() + REMOVE_TIMEOUT;
    let containers = ContainerListOptions { all: true, filters: Filters::new().label(ns.filter()) };
    let mut tasks_gone_at: Option<Instant> = None;
    loop {
        let mut tasks = engine.list_tasks(&by_stack(ns)).await.map_err(Error::engine("listing tasks"))?;
        tasks.retain(|t| services.contains(&t.service_id.as_str()));
        let left = engine.list_containers(&containers).await.map_err(Error::engine("listing containers"))?;
        if tasks.is_empty() && left.is_empty() {
            return Ok(());
        }
        if !tasks.is_empty() {
            tasks_gone_at = None;
        } else if tasks_gone_at.get_or_insert_with(Instant::now).elapsed() >= LEFTOVER_GRACE {
            remove_leftovers(engine, &left).await;
        }
        if Instant::now() >= deadline {
            return Err(Error::Invalid(format!(
                "stack {}: {} tasks and {} containers still there after {}s",
                ns.name(),
                tasks.len(),
                left.len(),
                REMOVE_TIMEOUT.as_secs()
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Removes containers whose tasks the swarm has deleted, as the node itself would have. Errors
/// are left to the next round of waiting: the node may be removing the same container.
async fn remove_leftovers(engine: &dyn Engine, containers: &[ContainerSummary]) {
    let options = RemoveOptions { force: true, volumes: true, link: false };
    for c in containers {
        let _ = engine.remove_container(&c.id, &options).await;
    }
}

async fn wait_until_networks_gone(engine: &dyn Engine, ns: &Namespace) -> Result<()> {
    let deadline = Instant::now() + REMOVE_TIMEOUT;
    loop {
        let left = engine.list_networks(&by_stack(ns)).await.map_err(Error::engine("listing networks"))?;
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let names: Vec<String> = left.into_iter().map(|n| n.name).collect();
            return Err(Error::Invalid(format!("stack {}: networks still there: {}", ns.name(), names.join(", "))));
        }
        tokio::time::sleep(POLL).await;
    }
}
