//! `up`/`create` plans, one rule per test, compared on the plan's text form.

mod reconcile_support;

use std::collections::BTreeMap;
use std::time::Duration;

use berth_core::desired::Condition;
use berth_core::labels;
use berth_core::observed::{ContainerState, ObservedNetwork, ObservedState, ObservedVolume};
use berth_core::reconcile::{reconcile_up, ReconcileError, RecreatePolicy, UpOptions};
use reconcile_support::*;
use serde_json::json;

fn up(desired: &berth_core::desired::DesiredState, observed: &berth_core::observed::ObservedState) -> Vec<String> {
    lines(&reconcile_up(desired, observed, &UpOptions::default()).expect("plan"))
}

#[test]
fn fresh_project_creates_everything_in_dependency_order() {
    let mut desired = project(&["web", "db"]);
    depends(&mut desired, "web", "db", Condition::Started);
    volume(&mut desired, "data");
    let plan = reconcile_up(&desired, &ObservedState::default(), &UpOptions::default()).expect("plan");
    assert_eq!(
        numbered(&plan),
        [
            "0: create network lab_default (network missing)",
            "1: create volume lab_data (volume missing)",
            "2: create container lab-db-1 (no existing container) after 0, 1",
            "3: create container lab-web-1 (no existing container) after 2",
            "4: start container lab-db-1 (new container) after 3",
            "5: start container lab-web-1 (new container) after 4",
        ]
    );
}

#[test]
fn converged_project_is_a_no_op() {
    let mut desired = project(&["web", "db"]);
    depends(&mut desired, "web", "db", Condition::Started);
    volume(&mut desired, "data");
    service(&mut desired, "web").scale = 2;
    let observed = converged(&desired);
    let plan = reconcile_up(&desired, &observed, &UpOptions::default()).expect("plan");
    assert!(plan.is_empty(), "{plan}");
    assert!(plan.warnings.is_empty(), "{plan}");
}

#[test]
fn changed_environment_recreates_only_that_service_and_names_the_field() {
    let mut desired = project(&["web", "db"]);
    service(&mut desired, "web").config = Some(json!({"image": "nginx", "environment": {"A": "1"}}));
    let mut observed = converged(&desired);
    service(&mut desired, "web").config_hash = "h-web-2".into();
    service(&mut desired, "web").config = Some(json!({"image": "nginx", "environment": {"A": "2"}}));
    let plan = reconcile_up(&desired, &observed, &UpOptions::default()).expect("plan");
    assert_eq!(
        lines(&plan),
        [
            "create container cweb10000000_lab-web-1 replacing lab-web-1 (config hash changed: environment.A)",
            "stop container lab-web-1 (config hash changed: environment.A)",
            "remove container lab-web-1 (config hash changed: environment.A)",
            "rename container cweb10000000_lab-web-1 to lab-web-1 (config hash changed: environment.A)",
            "start container lab-web-1 (new container)",
        ]
    );

    // Containers made by Docker Compose carry only the hash: the cause cannot name the field.
    for c in &mut observed.containers {
        c.config = None;
    }
    let plan = reconcile_up(&desired, &observed, &UpOptions::default()).expect("plan");
    assert_eq!(plan.lines().first().map(String::as_str), Some("create container cweb10000000_lab-web-1 replacing lab-web-1 (config hash changed)"));
}

#[test]
fn recreating_a_dependency_recreates_its_dependants() {
    let mut desired = project(&["web", "db", "cache"]);
    depends(&mut desired, "web", "db", Condition::Started);
    let observed = converged(&desired);
    service(&mut desired, "db").config_hash = "h-db-2".into();
    let plan = reconcile_up(&desired, &observed, &UpOptions::default()).expect("plan");
    assert_eq!(
        lines(&plan),
        [
            "create container cdb100000000_lab-db-1 replacing lab-db-1 (config hash changed)",
            "stop container lab-db-1 (config hash changed)",
            "remove container lab-db-1 (config hash changed)",
            "rename container cdb100000000_lab-db-1 to lab-db-1 (config hash changed)",
            "create container cweb10000000_lab-web-1 replacing lab-web-1 (dependency db recreated)",
            "stop container lab-web-1 (dependency db recreated)",
            "remove container lab-web-1 (dependency db recreated)",
            "rename container cweb10000000_lab-web-1 to lab-web-1 (dependency db recreated)",
            "start container lab-db-1 (new container)",
            "start container lab-web-1 (new container)",
        ]
    );
}

#[test]
fn image_digest_change_recreates() {
    let mut desired = project(&["web"]);
    service(&mut desired, "web").image_digest = Some("sha256:old".into());
    let observed = converged(&desired);
    service(&mut desired, "web").image_digest = Some("sha256:new".into());
    let plan = reconcile_up(&desired, &observed, &UpOptions::default()).expect("plan");
    assert_eq!(plan.lines().first().map(String::as_str), Some("create container cweb10000000_lab-web-1 replacing lab-web-1 (image changed)"));
}

#[test]
fn scale_down_removes_the_highest_numbers() {
    let mut desired = project(&["web"]);
    service(&mut desired, "web").scale = 3;
    let observed = converged(&desired);
    service(&mut desired, "web").scale = 1;
    let plan = reconcile_up(&desired, &observed, &UpOptions::default()).expect("plan");
    assert_eq!(
        lines(&plan),
        [
            "stop container lab-web-2 (scale down from 3 to 1)",
            "remove container lab-web-2 (scale down from 3 to 1)",
            "stop container lab-web-3 (scale down from 3 to 1)",
            "remove container lab-web-3 (scale down from 3 to 1)",
        ]
    );
}

#[test]
fn scale_down_keeps_obsolete_containers_first_and_recreates_them() {
    // Docker Compose sorts obsolete containers first: with 3 → 1 and only #3 outdated, #3 is
    // the one kept (and recreated), #1 and #2 are removed.
    let mut desired = project(&["web"]);
    service(&mut desired, "web").scale = 3;
    let mut observed = converged(&desired);
    if let Some(c) = observed.containers.iter_mut().find(|c| c.number == Some(3)) {
        c.config_hash = Some("old".into());
    }
    service(&mut desired, "web").scale = 1;
    let plan = reconcile_up(&desired, &observed, &UpOptions { no_start: true, ..UpOptions::default() }).expect("plan");
    assert_eq!(
        lines(&plan),
        [
            "create container cweb30000000_lab-web-3 replacing lab-web-3 (config hash changed)",
            "stop container lab-web-3 (config hash changed)",
            "remove container lab-web-3 (config hash changed)",
            "rename container cweb30000000_lab-web-3 to lab-web-3 (config hash changed)",
            "stop container lab-web-1 (scale down from 3 to 1)",
            "remove container lab-web-1 (scale down from 3 to 1)",
            "stop container lab-web-2 (scale down from 3 to 1)",
            "remove container lab-web-2 (scale down from 3 to 1)",
        ]
    );
}

#[test]
fn scale_up_uses_the_next_numbers() {
    let mut desired = project(&["web"]);
    service(&mut desired, "web").scale = 2;
    let mut observed = converged(&desired);
    // #1 is gone: the new replicas still number after the highest one.
    observed.containers.retain(|c| c.number != Some(1));
    service(&mut desired, "web").scale = 3;
    let plan = reconcile_up(&desired, &observed, &UpOptions::default()).expect("plan");
    assert_eq!(
        lines(&plan),
        [
            "create container lab-web-3 (scale up from 1 to 3)",
            "create container lab-web-4 (scale up from 1 to 3)",
            "start container lab-web-3 (new container)",
            "start container lab-web-4 (new container)",
        ]
    );
}

#[test]
fn orphans_are_reported_and_removed_only_on_request() {
    let desired = project(&["web"]);
    let mut observed = converged(&desired);
    observed.containers.push(container("old", 1, "h-old", ContainerState::Running));
    // A one-off container of an unknown service is an orphan too; one of a known service is not.
    observed.containers.push(oneoff("gone", "abc"));
    observed.containers.push(oneoff("web", "def"));

    let plan = reconcile_up(&desired, &observed, &UpOptions::default()).expect("plan");
    assert!(plan.is_empty(), "{plan}");
    assert_eq!(
        plan.warnings,
        ["Found orphan containers ([lab-old-1 lab-gone-run-abc]) for this project. If you removed or renamed this \
          service in your compose file, you can run this command with the --remove-orphans flag to clean it up."]
    );

    let plan = reconcile_up(&desired, &observed, &UpOptions { remove_orphans: true, ..UpOptions::default() }).expect("plan");
    assert!(plan.warnings.is_empty());
    assert_eq!(
        lines(&plan),
        [
            "stop container lab-old-1 (orphan)",
            "remove container lab-old-1 (orphan)",
            "stop container lab-gone-run-abc (orphan)",
            "remove container lab-gone-run-abc (orphan)",
        ]
    );

    let plan = reconcile_up(&desired, &observed, &UpOptions { ignore_orphans: true, ..UpOptions::default() }).expect("plan");
    assert!(plan.is_empty() && plan.warnings.is_empty(), "{plan}");
}

#[test]
fn containers_of_disabled_services_are_not_orphans() {
    let mut desired = project(&["web"]);
    desired.disabled_services.insert("debug".into(), vec!["dev".into()]);
    let mut observed = converged(&desired);
    observed.containers.push(container("debug", 1, "h-debug", ContainerState::Running));
    let plan = reconcile_up(&desired, &observed, &UpOptions::default()).expect("plan");
    assert!(plan.is_empty() && plan.warnings.is_empty(), "{plan}");
}

#[test]
fn force_recreate_and_no_recreate() {
    let mut desired = project(&["web", "db"]);
    depends(&mut desired, "web", "db", Condition::Started);
    let observed = converged(&desired);

    let (recreate, recreate_dependencies) = RecreatePolicy::from_flags(true, false, false);
    let opts = UpOptions { recreate, recreate_dependencies, no_start: true, ..UpOptions::default() };
    assert_eq!(
        lines(&reconcile_up(&desired, &observed, &opts).expect("plan")),
        [
            "create container cdb100000000_lab-db-1 replacing lab-db-1 (--force-recreate)",
            "stop container lab-db-1 (--force-recreate)",
            "remove container lab-db-1 (--force-recreate)",
            "rename container cdb100000000_lab-db-1 to lab-db-1 (--force-recreate)",
            "create container cweb10000000_lab-web-1 replacing lab-web-1 (--force-recreate)",
            "stop container lab-web-1 (--force-recreate)",
            "remove container lab-web-1 (--force-recreate)",
            "rename container cweb10000000_lab-web-1 to lab-web-1 (--force-recreate)",
        ]
    );

    // `up --force-recreate web`: db is a dependency and keeps the default policy.
    let opts = UpOptions { services: vec!["web".into()], ..opts };
    let plan = reconcile_up(&desired, &observed, &opts).expect("plan");
    assert_eq!(plan.lines().len(), 4, "{plan}");
    assert!(plan.lines().iter().all(|l| l.contains("lab-web-1")), "{plan}");

    // `--always-recreate-deps`: the dependency is recreated too.
    let (recreate, recreate_dependencies) = RecreatePolicy::from_flags(false, false, true);
    let opts = UpOptions { recreate, recreate_dependencies, ..opts };
    let plan = reconcile_up(&desired, &observed, &opts).expect("plan");
    assert_eq!(plan.lines().first().map(String::as_str), Some("create container cdb100000000_lab-db-1 replacing lab-db-1 (--always-recreate-deps)"));
    assert_eq!(plan.lines().get(4).map(String::as_str), Some("create container cweb10000000_lab-web-1 replacing lab-web-1 (dependency db recreated)"));

    // `--no-recreate`: a changed service is left alone.
    let mut changed = desired.clone();
    service(&mut changed, "web").config_hash = "new".into();
    let (recreate, recreate_dependencies) = RecreatePolicy::from_flags(false, true, false);
    let opts = UpOptions { recreate, recreate_dependencies, ..UpOptions::default() };
    let plan = reconcile_up(&changed, &observed, &opts).expect("plan");
    assert!(plan.is_empty(), "{plan}");
}

#[test]
fn lifecycle_extension_forces_recreation() {
    let mut desired = project(&["web"]);
    service(&mut desired, "web").force_recreate = true;
    let observed = converged(&desired);
    let plan = reconcile_up(&desired, &observed, &UpOptions { no_start: true, ..UpOptions::default() }).expect("plan");
    assert_eq!(plan.lines().first().map(String::as_str), Some("create container cweb10000000_lab-web-1 replacing lab-web-1 (x-lifecycle: force_recreate)"));
}

#[test]
fn renew_anon_volumes_and_timeout_show_in_the_recreate() {
    let mut desired = project(&["web"]);
    let observed = converged(&desired);
    service(&mut desired, "web").config_hash = "new".into();
    let opts = UpOptions { renew_anon_volumes: true, timeout: Some(Duration::from_secs(2)), ..UpOptions::default() };
    let plan = reconcile_up(&desired, &observed, &opts).expect("plan");
    assert_eq!(
        plan.lines()[..2],
        [
            "create container cweb10000000_lab-web-1 replacing lab-web-1 with new anonymous volumes (config hash changed)",
            "stop container lab-web-1 with timeout 2s (config hash changed)",
        ]
    );
}

#[test]
fn no_start_only_creates() {
    let desired = project(&["web"]);
    let plan = reconcile_up(&desired, &ObservedState::default(), &UpOptions { no_start: true, ..UpOptions::default() }).expect("plan");
    assert_eq!(lines(&plan), ["create network lab_default (network missing)", "create container lab-web-1 (no existing container)"]);
}

#[test]
fn stopped_and_paused_containers_are_started() {
    let desired = project(&["web", "db", "cache"]);
    let mut observed = converged(&desired);
    for c in &mut observed.containers {
        c.state = match c.service.as_str() {
            "web" => ContainerState::Exited,
            "db" => ContainerState::Paused,
            _ => ContainerState::Created,
        };
    }
    // Exited and created containers are started by the start phase; any other state (paused,
    // dead) by the convergence itself, as Docker Compose does.
    assert_eq!(
        up(&desired, &observed),
        [
            "start container lab-db-1 (container paused)",
            "start container lab-cache-1 (container created)",
            "start container lab-web-1 (container exited)",
        ]
    );
}

#[test]
fn one_off_containers_are_not_replicas() {
    let desired = project(&["web"]);
    let mut observed = converged(&desired);
    observed.containers.push(oneoff("web", "xyz"));
    assert!(up(&desired, &observed).is_empty());
}

#[test]
fn containers_without_a_config_hash_are_ignored() {
    let desired = project(&["web"]);
    let mut observed = converged(&desired);
    for c in &mut observed.containers {
        c.config_hash = None;
    }
    assert_eq!(up(&desired, &observed), ["create container lab-web-1 (no existing container)", "start container lab-web-1 (new container)"]);
}

#[test]
fn dependency_conditions_become_waits() {
    let mut desired = project(&["web", "db", "migrate", "cache"]);
    depends(&mut desired, "web", "db", Condition::Healthy);
    depends(&mut desired, "web", "migrate", Condition::CompletedSuccessfully);
    depends(&mut desired, "migrate", "db", Condition::Healthy);
    depends(&mut desired, "web", "cache", Condition::Started);
    let plan = reconcile_up(&desired, &converged(&project(&[])), &UpOptions::default()).expect("plan");
    assert_eq!(
        numbered(&plan),
        [
            "0: create container lab-cache-1 (no existing container)",
            "1: create container lab-db-1 (no existing container)",
            "2: create container lab-migrate-1 (no existing container) after 1",
            "3: create container lab-web-1 (no existing container) after 0, 2",
            // The start phase begins once every container is created.
            "4: start container lab-cache-1 (new container) after 3",
            "5: start container lab-db-1 (new container) after 3",
            "6: wait for service db healthy (migrate depends on it) after 5",
            "7: start container lab-migrate-1 (new container) after 6",
            "8: wait for service db healthy (web depends on it) after 5",
            "9: wait for service migrate completed successfully (web depends on it) after 7",
            "10: start container lab-web-1 (new container) after 4, 8, 9",
        ]
    );

    // Waits happen even when nothing has to start, as Docker Compose waits on every `up`.
    let plan = reconcile_up(&desired, &converged(&desired), &UpOptions::default()).expect("plan");
    assert_eq!(
        lines(&plan),
        [
            "wait for service db healthy (migrate depends on it)",
            "wait for service db healthy (web depends on it)",
            "wait for service migrate completed successfully (web depends on it)",
        ]
    );
}

#[test]
fn wait_flag_waits_for_every_service() {
    let mut desired = project(&["web", "migrate"]);
    depends(&mut desired, "web", "migrate", Condition::CompletedSuccessfully);
    let plan = reconcile_up(&desired, &converged(&desired), &UpOptions { wait: true, ..UpOptions::default() }).expect("plan");
    assert_eq!(
        lines(&plan),
        [
            "wait for service migrate completed successfully (web depends on it)",
            "wait for service migrate completed successfully (--wait)",
            "wait for service web running or healthy (--wait)",
        ]
    );
}

#[test]
fn external_network_must_exist() {
    let mut desired = project(&["web"]);
    let mut net = berth_core::desired::DesiredNetwork::new(PROJECT, "shared");
    net.name = "shared-net".into();
    net.external = true;
    desired.networks.insert("shared".into(), net);
    let mut observed = converged(&project(&["web"]));
    let err = reconcile_up(&desired, &observed, &UpOptions::default()).expect_err("missing external network");
    assert_eq!(err, ReconcileError::ExternalNetworkNotFound("shared-net".into()));
    assert_eq!(err.to_string(), "network shared-net declared as external, but could not be found");

    // On a Swarm node it may live on another node: not an error.
    observed.swarm_active = true;
    assert!(reconcile_up(&desired, &observed, &UpOptions::default()).is_ok());
    observed.swarm_active = false;

    observed.networks.push(ObservedNetwork::from_labels("n1", "shared-net", "bridge", BTreeMap::default()));
    assert!(reconcile_up(&desired, &observed, &UpOptions::default()).expect("plan").is_empty());

    observed.networks.push(ObservedNetwork::from_labels("n2", "shared-net", "bridge", BTreeMap::default()));
    assert_eq!(
        reconcile_up(&desired, &observed, &UpOptions::default()).expect_err("ambiguous").to_string(),
        "multiple networks with name \"shared-net\" were found. Use network ID as `name` to avoid ambiguity"
    );
}

#[test]
fn external_volume_must_exist() {
    let mut desired = project(&["web"]);
    let mut vol = berth_core::desired::DesiredVolume::new(PROJECT, "cache");
    vol.name = "shared-cache".into();
    vol.external = true;
    desired.volumes.insert("cache".into(), vol);
    let mut observed = converged(&project(&["web"]));
    let err = reconcile_up(&desired, &observed, &UpOptions::default()).expect_err("missing external volume");
    assert_eq!(err.to_string(), "external volume \"shared-cache\" not found");
    observed.volumes.push(ObservedVolume::from_labels("shared-cache", "local", BTreeMap::default()));
    assert!(reconcile_up(&desired, &observed, &UpOptions::default()).expect("plan").is_empty());
}

#[test]
fn network_with_the_wrong_compose_label_is_an_error() {
    let desired = project(&["web"]);
    let mut observed = converged(&desired);
    for n in &mut observed.networks {
        n.labels.insert(labels::NETWORK.into(), "other".into());
    }
    assert_eq!(
        reconcile_up(&desired, &observed, &UpOptions::default()).expect_err("label mismatch").to_string(),
        "network lab_default was found but has incorrect label com.docker.compose.network set to \"other\""
    );
}

#[test]
fn foreign_network_and_volume_are_used_with_a_warning() {
    let mut desired = project(&["web"]);
    volume(&mut desired, "data");
    let mut observed = converged(&desired);
    for n in &mut observed.networks {
        n.labels.remove(labels::PROJECT);
    }
    for v in &mut observed.volumes {
        v.labels.insert(labels::PROJECT.into(), "other".into());
    }
    let plan = reconcile_up(&desired, &observed, &UpOptions::default()).expect("plan");
    assert!(plan.is_empty(), "{plan}");
    assert_eq!(
        plan.warnings,
        [
            "a network with name lab_default exists but was not created by compose.\nSet `external: true` to use an existing network",
            "volume \"lab_data\" already exists but was created for project \"other\" (expected \"lab\"). Use `external: true` to use an existing volume",
        ]
    );
}

#[test]
fn container_name_with_scale_is_an_error() {
    let mut desired = project(&["web"]);
    service(&mut desired, "web").container_name = Some("front".into());
    service(&mut desired, "web").scale = 2;
    assert_eq!(
        reconcile_up(&desired, &ObservedState::default(), &UpOptions::default()).expect_err("duplicate names").to_string(),
        "WARNING: The \"web\" service is using the custom container name \"front\". Docker requires each container to \
         have a unique name. Remove the custom name to scale the service."
    );
    service(&mut desired, "web").scale = 1;
    let plan = reconcile_up(&desired, &ObservedState::default(), &UpOptions { no_start: true, ..UpOptions::default() }).expect("plan");
    assert_eq!(plan.lines().last().map(String::as_str), Some("create container front (no existing container)"));
}

#[test]
fn dependency_graph_errors() {
    let mut desired = project(&["a", "b"]);
    depends(&mut desired, "a", "b", Condition::Started);
    depends(&mut desired, "b", "a", Condition::Started);
    assert_eq!(
        reconcile_up(&desired, &ObservedState::default(), &UpOptions::default()).expect_err("cycle").to_string(),
        "cycle found: a -> b -> a"
    );

    let mut desired = project(&["web"]);
    desired.disabled_services.insert("debug".into(), vec!["dev".into(), "test".into()]);
    depends(&mut desired, "web", "debug", Condition::Started);
    assert_eq!(
        reconcile_up(&desired, &ObservedState::default(), &UpOptions::default()).expect_err("disabled").to_string(),
        "service debug is required by web but is disabled. Can be enabled by profiles [dev test]"
    );

    // A dependency that is not required may be missing.
    if let Some(dep) = service(&mut desired, "web").depends_on.get_mut("debug") {
        dep.required = false;
    }
    assert!(reconcile_up(&desired, &ObservedState::default(), &UpOptions::default()).is_ok());
}

#[test]
fn a_replica_without_a_number_cannot_be_recreated() {
    let mut desired = project(&["web"]);
    let mut observed = converged(&desired);
    for c in &mut observed.containers {
        c.number = None;
        c.number_label = Some("x".into());
    }
    service(&mut desired, "web").config_hash = "new".into();
    assert_eq!(
        reconcile_up(&desired, &observed, &UpOptions::default()).expect_err("bad number").to_string(),
        "strconv.Atoi: parsing \"x\": invalid syntax"
    );
}

#[test]
fn scale_zero_removes_everything_and_is_not_waited_for() {
    let mut desired = project(&["web", "db"]);
    depends(&mut desired, "web", "db", Condition::Healthy);
    let observed = converged(&desired);
    service(&mut desired, "db").scale = 0;
    assert_eq!(up(&desired, &observed), ["stop container lab-db-1 (scale down from 1 to 0)", "remove container lab-db-1 (scale down from 1 to 0)"]);
    service(&mut desired, "db").scale = 1;
    service(&mut desired, "web").scale = 0;
    assert_eq!(up(&desired, &observed), ["stop container lab-web-1 (scale down from 1 to 0)", "remove container lab-web-1 (scale down from 1 to 0)"]);
}
