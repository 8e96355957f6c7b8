//! Builders shared by the reconciler's table tests: hand-made desired and observed states for a
//! project named `lab`.

#![allow(dead_code)] // each test file uses a different subset

use std::collections::BTreeMap;

use berth_core::desired::{Condition, Dependency, DesiredNetwork, DesiredService, DesiredState, DesiredVolume};
use berth_core::labels;
use berth_core::observed::{ContainerState, ObservedContainer, ObservedNetwork, ObservedState, ObservedVolume};
use berth_core::plan::Plan;

pub const PROJECT: &str = "lab";

/// A project with the implicit `default` network and the given services (one replica each,
/// config hash `h-<name>`).
pub fn project(services: &[&str]) -> DesiredState {
    let mut desired = DesiredState { project: PROJECT.into(), ..DesiredState::default() };
    desired.networks.insert("default".into(), DesiredNetwork::new(PROJECT, "default"));
    for name in services {
        let mut service = DesiredService::new(PROJECT, name, &format!("h-{name}"));
        service.networks = vec!["default".into()];
        desired.services.insert((*name).to_owned(), service);
    }
    desired
}

pub fn service<'a>(desired: &'a mut DesiredState, name: &str) -> &'a mut DesiredService {
    desired.services.get_mut(name).unwrap_or_else(|| panic!("no service {name}"))
}

pub fn depends(desired: &mut DesiredState, dependant: &str, dependency: &str, condition: Condition) {
    service(desired, dependant)
        .depends_on
        .insert(dependency.into(), Dependency { condition, required: true, restart: true });
}

pub fn volume(desired: &mut DesiredState, key: &str) {
    desired.volumes.insert(key.into(), DesiredVolume::new(PROJECT, key));
}

/// A container id whose first 12 characters name the container (`cweb10000000`).
pub fn id(service: &str, number: u32) -> String {
    format!("{:0<64}", format!("c{service}{number}"))
}

/// A container of the project with the given config hash and state.
pub fn container(service: &str, number: u32, hash: &str, state: ContainerState) -> ObservedContainer {
    let labels = BTreeMap::from([
        (labels::PROJECT.to_owned(), PROJECT.to_owned()),
        (labels::SERVICE.to_owned(), service.to_owned()),
        (labels::CONTAINER_NUMBER.to_owned(), number.to_string()),
        (labels::ONEOFF.to_owned(), "False".to_owned()),
        (labels::CONFIG_HASH.to_owned(), hash.to_owned()),
    ]);
    let mut c = ObservedContainer::from_labels(id(service, number), format!("{PROJECT}-{service}-{number}"), state, labels);
    c.created = i64::from(number);
    c
}

/// A one-off (`run`) container of the service.
pub fn oneoff(service: &str, slug: &str) -> ObservedContainer {
    let mut c = container(service, 1, &format!("h-{service}"), ContainerState::Running);
    c.name = format!("{PROJECT}-{service}-run-{slug}");
    c.id = format!("{:0<64}", format!("r{slug}"));
    c.oneoff = true;
    c.labels.insert(labels::ONEOFF.into(), "True".into());
    c
}

/// The network Docker Compose would have created for a desired network.
pub fn network_of(net: &DesiredNetwork) -> ObservedNetwork {
    ObservedNetwork::from_labels(format!("n{}", net.key), net.name.clone(), "bridge", net.labels.clone())
}

pub fn volume_of(vol: &DesiredVolume) -> ObservedVolume {
    ObservedVolume::from_labels(vol.name.clone(), "local", vol.labels.clone())
}

/// Everything the desired state asks for, running and up to date.
pub fn converged(desired: &DesiredState) -> ObservedState {
    let mut observed = ObservedState {
        networks: desired.networks.values().filter(|n| !n.external).map(network_of).collect(),
        volumes: desired.volumes.values().filter(|v| !v.external).map(volume_of).collect(),
        ..ObservedState::default()
    };
    for service in desired.services.values() {
        for number in 1..=u32::try_from(service.scale).expect("small scale") {
            let mut c = container(&service.name, number, &service.config_hash, ContainerState::Running);
            c.name = service.container_name_for(PROJECT, number);
            c.image_digest.clone_from(&service.image_digest);
            if let Some(digest) = &service.image_digest {
                c.labels.insert(labels::IMAGE.into(), digest.clone());
            }
            c.config.clone_from(&service.config);
            observed.containers.push(c);
        }
    }
    observed
}

/// The plan's text form as lines, for `assert_eq!` against a table.
pub fn lines(plan: &Plan) -> Vec<String> {
    plan.to_string().lines().map(str::to_owned).collect()
}

/// The alternate (numbered, with dependencies) text form as lines.
pub fn numbered(plan: &Plan) -> Vec<String> {
    format!("{plan:#}").lines().map(str::to_owned).collect()
}
