//! `down` plans, with a compose file and from labels only.

mod reconcile_support;

use std::collections::BTreeMap;
use std::time::Duration;

use berth_core::desired::{Condition, DesiredVolume};
use berth_core::labels;
use berth_core::observed::{ContainerState, ObservedImage, ObservedNetwork, ObservedState};
use berth_core::reconcile::{reconcile_down, DownOptions, ImagePrune, ReconcileError};
use reconcile_support::*;

fn three_tier() -> berth_core::desired::DesiredState {
    let mut desired = project(&["web", "api", "db"]);
    depends(&mut desired, "web", "api", Condition::Started);
    depends(&mut desired, "api", "db", Condition::Healthy);
    volume(&mut desired, "data");
    desired
}

/// Observed state of `three_tier`, with the `depends_on` labels Docker Compose writes.
fn three_tier_observed() -> ObservedState {
    let mut observed = converged(&three_tier());
    for c in &mut observed.containers {
        let deps = match c.service.as_str() {
            "web" => "api:service_started:true",
            "api" => "db:service_healthy:true",
            _ => "",
        };
        c.labels.insert(labels::DEPENDS_ON.into(), deps.into());
    }
    observed
}

#[test]
fn down_stops_dependants_first_then_removes_networks() {
    let desired = three_tier();
    let plan = reconcile_down(PROJECT, Some(&desired), &three_tier_observed(), &DownOptions::default()).expect("plan");
    assert_eq!(
        numbered(&plan),
        [
            "0: stop container lab-web-1 (down)",
            "1: remove container lab-web-1 (down) after 0",
            "2: stop container lab-api-1 (down) after 1",
            "3: remove container lab-api-1 (down) after 2",
            "4: stop container lab-db-1 (down) after 3",
            "5: remove container lab-db-1 (down) after 4",
            "6: remove network lab_default (down) after 5",
        ]
    );
}

#[test]
fn down_from_labels_gives_the_same_plan() {
    let observed = three_tier_observed();
    let with_file = reconcile_down(PROJECT, Some(&three_tier()), &observed, &DownOptions::default()).expect("plan");
    let from_labels = reconcile_down(PROJECT, None, &observed, &DownOptions::default()).expect("plan");
    assert_eq!(format!("{from_labels:#}"), format!("{with_file:#}"));
}

#[test]
fn down_volumes_timeout_and_parallel_services() {
    let mut desired = project(&["web", "worker"]);
    volume(&mut desired, "data");
    let mut external = DesiredVolume::new(PROJECT, "shared");
    external.external = true;
    external.name = "shared".into();
    desired.volumes.insert("shared".into(), external);
    let mut observed = converged(&desired);
    observed.volumes.push(berth_core::observed::ObservedVolume::from_labels("shared", "local", BTreeMap::new()));
    let opts = DownOptions { volumes: true, timeout: Some(Duration::from_secs(1)), ..DownOptions::default() };
    let plan = reconcile_down(PROJECT, Some(&desired), &observed, &opts).expect("plan");
    // Independent services are torn down in parallel; external volumes are kept.
    assert_eq!(
        numbered(&plan),
        [
            "0: stop container lab-web-1 with timeout 1s (down)",
            "1: remove container lab-web-1 with its anonymous volumes (down) after 0",
            "2: stop container lab-worker-1 with timeout 1s (down)",
            "3: remove container lab-worker-1 with its anonymous volumes (down) after 2",
            "4: remove network lab_default (down) after 1, 3",
            "5: remove volume lab_data (down --volumes) after 1, 3",
        ]
    );
}

#[test]
fn down_orphans_only_with_the_flag() {
    let desired = project(&["web"]);
    let mut observed = converged(&desired);
    observed.containers.push(container("old", 1, "h-old", ContainerState::Exited));
    observed.containers.push(oneoff("web", "abc"));

    let plan = reconcile_down(PROJECT, Some(&desired), &observed, &DownOptions::default()).expect("plan");
    assert_eq!(
        lines(&plan),
        ["stop container lab-web-1 (down)", "remove container lab-web-1 (down)", "remove network lab_default (down)"]
    );

    // With --remove-orphans one-off containers go too (with their service), then orphans.
    let opts = DownOptions { remove_orphans: true, ..DownOptions::default() };
    let plan = reconcile_down(PROJECT, Some(&desired), &observed, &opts).expect("plan");
    assert_eq!(
        numbered(&plan),
        [
            "0: stop container lab-web-1 (down)",
            "1: remove container lab-web-1 (down) after 0",
            "2: stop container lab-web-run-abc (down)",
            "3: remove container lab-web-run-abc (down) after 2",
            "4: stop container lab-old-1 (orphan) after 1, 3",
            "5: remove container lab-old-1 (orphan) after 4",
            "6: remove network lab_default (down) after 5",
        ]
    );
}

#[test]
fn down_selected_services_take_their_dependants() {
    let desired = three_tier();
    let opts = DownOptions { services: vec!["api".into()], ..DownOptions::default() };
    let plan = reconcile_down(PROJECT, Some(&desired), &three_tier_observed(), &opts).expect("plan");
    assert_eq!(
        lines(&plan),
        [
            "stop container lab-web-1 (down)",
            "remove container lab-web-1 (down)",
            "stop container lab-api-1 (down)",
            "remove container lab-api-1 (down)",
            "remove network lab_default (down)",
        ]
    );
    let opts = DownOptions { services: vec!["nope".into()], ..DownOptions::default() };
    assert_eq!(
        reconcile_down(PROJECT, Some(&desired), &three_tier_observed(), &opts),
        Err(ReconcileError::NoSuchService("nope".into()))
    );
    // Without a compose file an unknown service is ignored, which selects everything.
    let plan = reconcile_down(PROJECT, None, &three_tier_observed(), &opts).expect("plan");
    assert_eq!(plan.lines().len(), 7);
}

#[test]
fn down_only_removes_networks_of_the_project() {
    let desired = project(&["web"]);
    let mut observed = converged(&desired);
    // Same name, other project: left alone.
    observed.networks = vec![ObservedNetwork::from_labels(
        "nx",
        "lab_default",
        "bridge",
        BTreeMap::from([(labels::PROJECT.into(), "other".into()), (labels::NETWORK.into(), "default".into())]),
    )];
    let plan = reconcile_down(PROJECT, Some(&desired), &observed, &DownOptions::default()).expect("plan");
    assert_eq!(lines(&plan), ["stop container lab-web-1 (down)", "remove container lab-web-1 (down)"]);
}

#[test]
fn down_with_nothing_warns() {
    let plan = reconcile_down(PROJECT, None, &ObservedState::default(), &DownOptions::default()).expect("plan");
    assert!(plan.is_empty());
    assert_eq!(plan.warnings, ["No resource found to remove for project \"lab\"."]);
    // With a compose file declaring a network, Docker Compose has a network to try: no warning.
    let plan = reconcile_down(PROJECT, Some(&project(&["web"])), &ObservedState::default(), &DownOptions::default()).expect("plan");
    assert!(plan.is_empty() && plan.warnings.is_empty(), "{plan}");
}

#[test]
fn down_rmi_local_and_all() {
    let mut desired = project(&["web", "app"]);
    service(&mut desired, "web").image = "nginx:1.25".into();
    service(&mut desired, "web").has_image = true;
    let mut observed = converged(&desired);
    observed.images = vec![
        ObservedImage { id: "sha256:a".into(), repo_tags: vec!["nginx:1.25".into()], labels: BTreeMap::new() },
        ObservedImage { id: "sha256:b".into(), repo_tags: vec!["lab-app:latest".into()], labels: BTreeMap::new() },
        ObservedImage {
            id: "sha256:c".into(),
            repo_tags: vec!["docker.io/library/custom:1".into()],
            labels: BTreeMap::from([(labels::PROJECT.into(), "lab".into()), (labels::SERVICE.into(), "app".into())]),
        },
        ObservedImage {
            id: "sha256:d".into(),
            repo_tags: vec!["gone:1".into()],
            labels: BTreeMap::from([(labels::PROJECT.into(), "lab".into()), (labels::SERVICE.into(), "removed".into())]),
        },
    ];
    let rmi = |images, remove_orphans| {
        let opts = DownOptions { images, remove_orphans, ..DownOptions::default() };
        let plan = reconcile_down(PROJECT, Some(&desired), &observed, &opts).expect("plan");
        plan.lines().into_iter().filter(|l| l.starts_with("remove image")).collect::<Vec<_>>()
    };
    assert_eq!(rmi(ImagePrune::Local, false), ["remove image custom:1 (down --rmi local)", "remove image lab-app:latest (down --rmi local)"]);
    assert_eq!(
        rmi(ImagePrune::All, false),
        [
            "remove image custom:1 (down --rmi all)",
            "remove image lab-app:latest (down --rmi all)",
            "remove image nginx:1.25 (down --rmi all)",
        ]
    );
    assert_eq!(rmi(ImagePrune::Local, true).len(), 3, "orphan service images go with --remove-orphans");
    assert!(rmi(ImagePrune::None, false).is_empty());
}
