//! Observation: what exists on the engine for one project, read through one label-filtered
//! listing per resource kind and converted into berth-core's observed types
//! ([`crate::observed`]).
//!
//! [`observe`] makes exactly three listings (containers with `all`, networks, volumes), each
//! filtered by `com.docker.compose.project=<name>`. Commands that also need resources found by
//! name (external networks, volumes created outside the project, images for `down --rmi`) add
//! them with [`observe_named_resources`] and [`observe_images`], which only look up what the
//! listings did not already return.
//!
//! berth records the service configuration a container was created from in the
//! [`CONFIG_LABEL`] label (the JSON hash input, see [`crate::hash::service_json`]); observation
//! decodes it into [`ObservedContainer::config`] so the reconciler can name the fields that
//! changed. Docker Compose ignores the label, and its containers simply lack it.

use std::collections::BTreeSet;

use berth_engine::{
    ContainerListOptions, ContainerSummary, Engine, EngineError, Filters, ImageListOptions, ListOptions,
    NetworkDetails, SwarmState, VolumeDetails,
};

use crate::desired::DesiredState;
use crate::labels;
use crate::observed::{ContainerState, ObservedContainer, ObservedImage, ObservedNetwork, ObservedState, ObservedVolume};

/// The label in which berth records the configuration (hash input) a container was created
/// from, as compact JSON.
pub const CONFIG_LABEL: &str = "dev.berth.service-config";

/// An engine call made while observing failed.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct ObserveError {
    /// What was being listed or looked up (`listing containers of project lab`).
    pub what: String,
    /// The engine's error.
    #[source]
    pub source: EngineError,
}

fn wrap(what: impl Into<String>) -> impl FnOnce(EngineError) -> ObserveError {
    let what = what.into();
    move |source| ObserveError { what, source }
}

/// The project's containers (stopped ones included; one-off `run` containers only with
/// `include_oneoff`), networks and volumes: one label-filtered listing of each.
pub async fn observe(engine: &dyn Engine, project: &str, include_oneoff: bool) -> Result<ObservedState, ObserveError> {
    let mut filters = Filters::new().label(labels::project_filter(project));
    if !include_oneoff {
        filters = filters.label(labels::filter(labels::ONEOFF, "False"));
    }
    let all = ContainerListOptions { all: true, filters };
    let by_project = ListOptions { filters: Filters::new().label(labels::project_filter(project)) };
    // The three listings are independent: asked at once, they cost one round trip. Errors are
    // still reported in this order.
    let (containers, networks, volumes) = futures::join!(
        engine.list_containers(&all),
        engine.list_networks(&by_project),
        engine.list_volumes(&by_project),
    );
    let containers = containers.map_err(wrap(format!("listing containers of project {project}")))?;
    let networks = networks.map_err(wrap(format!("listing networks of project {project}")))?;
    let volumes = volumes.map_err(wrap(format!("listing volumes of project {project}")))?;
    Ok(ObservedState {
        containers: containers.iter().map(container_from_summary).collect(),
        networks: networks.iter().map(network_from_details).collect(),
        volumes: volumes.iter().map(volume_from_details).collect(),
        images: Vec::new(),
        swarm_active: false,
    })
}

/// Adds the networks and volumes `desired` names that the label-filtered listings did not
/// return: external ones, and ones created outside the project under the name the project
/// wants (the reconciler warns about those). Networks are listed by name and matched exactly
/// or by id, as Docker Compose does; volumes are inspected. When an external network cannot be
/// found, records whether the engine is a Swarm node (overlay networks of other nodes are then
/// not visible yet, and that is not an error).
pub async fn observe_named_resources(
    engine: &dyn Engine,
    observed: &mut ObservedState,
    desired: &DesiredState,
) -> Result<(), ObserveError> {
    let mut external_missing = false;
    for network in desired.networks.values() {
        if observed.networks.iter().any(|n| n.name == network.name || n.id == network.name) {
            continue;
        }
        let found = engine
            .list_networks(&ListOptions { filters: Filters::new().with("name", network.name.clone()) })
            .await
            .map_err(wrap(format!("looking up network {}", network.name)))?;
        let mut exact: Vec<&NetworkDetails> = found.iter().filter(|n| n.name == network.name).collect();
        if exact.is_empty() {
            // The name may be an id (external networks may be named by id).
            match engine.inspect_network(&network.name).await {
                Ok(n) if n.id == network.name || n.name == network.name => {
                    observed.networks.push(network_from_details(&n));
                    continue;
                }
                // Not found, or an ambiguous name or id prefix: Docker Compose treats both as
                // not found.
                Ok(_) => {}
                Err(e) if e.is_not_found() || e.is_ambiguous() => {}
                Err(e) => return Err(wrap(format!("looking up network {}", network.name))(e)),
            }
            external_missing |= network.external;
        }
        let known: BTreeSet<String> = observed.networks.iter().map(|n| n.id.clone()).collect();
        exact.retain(|n| !known.contains(&n.id));
        observed.networks.extend(exact.into_iter().map(network_from_details));
    }
    for volume in desired.volumes.values() {
        if observed.volumes.iter().any(|v| v.name == volume.name) {
            continue;
        }
        match engine.inspect_volume(&volume.name).await {
            Ok(v) => observed.volumes.push(volume_from_details(&v)),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(wrap(format!("looking up volume {}", volume.name))(e)),
        }
    }
    if external_missing {
        let info = engine.info().await.map_err(wrap("reading the engine's swarm state"))?;
        observed.swarm_active = info.swarm == SwarmState::Active;
    }
    Ok(())
}

/// Adds the images `down --rmi` considers: those labelled with the project (one listing) and
/// each of `names` that exists locally (inspected by reference).
pub async fn observe_images(
    engine: &dyn Engine,
    observed: &mut ObservedState,
    project: &str,
    names: &[String],
) -> Result<(), ObserveError> {
    let listed = engine
        .list_images(&ImageListOptions { all: false, filters: Filters::new().label(labels::project_filter(project)) })
        .await
        .map_err(wrap(format!("listing images of project {project}")))?;
    for image in listed {
        if observed.images.iter().all(|i| i.id != image.id) {
            observed.images.push(ObservedImage { id: image.id, repo_tags: image.repo_tags, labels: image.labels });
        }
    }
    let unique: BTreeSet<&String> = names.iter().filter(|n| !n.is_empty()).collect();
    for name in unique {
        match engine.inspect_image(name).await {
            Ok(image) => {
                if observed.images.iter().all(|i| i.id != image.id) {
                    observed.images.push(ObservedImage {
                        id: image.id,
                        repo_tags: image.repo_tags,
                        labels: image.config.labels,
                    });
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(wrap(format!("looking up image {name}"))(e)),
        }
    }
    Ok(())
}

/// A listed container in berth-core's terms: the labels decoded, the image, the creation
/// time, the exit code read from the status text (`Exited (3) 2 minutes ago`) and the
/// configuration recorded in [`CONFIG_LABEL`], if any.
pub fn container_from_summary(summary: &ContainerSummary) -> ObservedContainer {
    let mut c = ObservedContainer::from_labels(
        summary.id.clone(),
        summary.name(),
        ContainerState::parse(summary.state.as_str()),
        summary.labels.clone(),
    );
    c.image.clone_from(&summary.image);
    c.image_id.clone_from(&summary.image_id);
    c.created = summary.created;
    c.exit_code = exit_code_from_status(&summary.status);
    c.config = summary.labels.get(CONFIG_LABEL).and_then(|json| serde_json::from_str(json).ok());
    c
}

/// The exit code in a status text such as `Exited (137) 5 seconds ago`.
fn exit_code_from_status(status: &str) -> Option<i64> {
    let rest = status.strip_prefix("Exited (").or_else(|| status.strip_prefix("Restarting ("))?;
    rest.split_once(')').and_then(|(code, _)| code.trim().parse().ok())
}

fn network_from_details(n: &NetworkDetails) -> ObservedNetwork {
    ObservedNetwork::from_labels(n.id.clone(), n.name.clone(), n.driver.clone(), n.labels.clone())
}

fn volume_from_details(v: &VolumeDetails) -> ObservedVolume {
    ObservedVolume::from_labels(v.name.clone(), v.driver.clone(), v.labels.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_from_status() {
        assert_eq!(exit_code_from_status("Exited (3) 2 minutes ago"), Some(3));
        assert_eq!(exit_code_from_status("Exited (137) Less than a second ago"), Some(137));
        assert_eq!(exit_code_from_status("Restarting (1) 3 seconds ago"), Some(1));
        assert_eq!(exit_code_from_status("Up 3 minutes (healthy)"), None);
        assert_eq!(exit_code_from_status("Exited (x)"), None);
    }
}
