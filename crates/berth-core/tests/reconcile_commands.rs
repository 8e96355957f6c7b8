//! Plans of `stop`, `start`, `restart`, `kill`, `rm`, `pause` and `unpause`.

mod reconcile_support;

use std::time::Duration;

use berth_core::desired::{Condition, DesiredState};
use berth_core::labels;
use berth_core::observed::{ContainerState, ObservedState};
use berth_core::reconcile::{
    plan_kill, plan_pause, plan_remove, plan_restart, plan_start, plan_stop, plan_unpause, KillOptions, ReconcileError,
    RemoveOptions, RestartOptions, StartOptions, StopOptions,
};
use reconcile_support::*;

/// web → api (healthy, restart) → db; worker → db (started, no restart); api scaled to 2.
fn desired() -> DesiredState {
    let mut desired = project(&["web", "api", "db", "worker"]);
    depends(&mut desired, "web", "api", Condition::Started);
    depends(&mut desired, "api", "db", Condition::Healthy);
    depends(&mut desired, "worker", "db", Condition::Started);
    if let Some(d) = service(&mut desired, "worker").depends_on.get_mut("db") {
        d.restart = false;
    }
    service(&mut desired, "api").scale = 2;
    desired
}

fn observed(state: &ContainerState) -> ObservedState {
    let mut observed = converged(&desired());
    for c in &mut observed.containers {
        c.state = state.clone();
        let deps = match c.service.as_str() {
            "web" => "api:service_started:true",
            "api" => "db:service_healthy:true",
            "worker" => "db:service_started:false",
            _ => "",
        };
        c.labels.insert(labels::DEPENDS_ON.into(), deps.into());
    }
    observed
}

#[test]
fn stop_goes_in_reverse_dependency_order() {
    let opts = StopOptions { timeout: Some(Duration::from_secs(5)), ..StopOptions::default() };
    let plan = plan_stop(Some(&desired()), &observed(&ContainerState::Running), &opts).expect("plan");
    assert_eq!(
        numbered(&plan),
        [
            "0: stop container lab-web-1 with timeout 5s (stop)",
            "1: stop container lab-api-1 with timeout 5s (stop) after 0",
            "2: stop container lab-api-2 with timeout 5s (stop) after 0",
            "3: stop container lab-worker-1 with timeout 5s (stop)",
            "4: stop container lab-db-1 with timeout 5s (stop) after 1, 2, 3",
        ]
    );
    // From labels only, the same.
    let from_labels = plan_stop(None, &observed(&ContainerState::Running), &opts).expect("plan");
    assert_eq!(format!("{from_labels:#}"), format!("{plan:#}"));

    // Selected services only, still ordered after their dependants.
    let opts = StopOptions { services: vec!["db".into(), "web".into()], ..StopOptions::default() };
    let plan = plan_stop(Some(&desired()), &observed(&ContainerState::Running), &opts).expect("plan");
    assert_eq!(numbered(&plan), ["0: stop container lab-web-1 (stop)", "1: stop container lab-db-1 (stop) after 0"]);
}

#[test]
fn start_goes_in_dependency_order_with_waits() {
    let plan = plan_start(Some(&desired()), &observed(&ContainerState::Exited), &StartOptions::default()).expect("plan");
    assert_eq!(
        numbered(&plan),
        [
            "0: start container lab-db-1 (container exited)",
            "1: wait for service db healthy (api depends on it) after 0",
            "2: start container lab-api-1 (container exited) after 1",
            "3: start container lab-api-2 (container exited) after 2",
            "4: start container lab-web-1 (container exited) after 3",
            "5: start container lab-worker-1 (container exited) after 0",
        ]
    );
    let running = plan_start(Some(&desired()), &observed(&ContainerState::Running), &StartOptions::default()).expect("plan");
    assert_eq!(lines(&running), ["wait for service db healthy (api depends on it)"]);
}

#[test]
fn start_from_labels_selects_dependencies() {
    let opts = StartOptions { services: vec!["api".into()], ..StartOptions::default() };
    let plan = plan_start(None, &observed(&ContainerState::Exited), &opts).expect("plan");
    assert_eq!(
        lines(&plan),
        [
            "start container lab-db-1 (container exited)",
            "wait for service db healthy (api depends on it)",
            "start container lab-api-1 (container exited)",
            "start container lab-api-2 (container exited)",
        ]
    );
    let opts = StartOptions { services: vec!["nope".into()], ..StartOptions::default() };
    assert_eq!(plan_start(None, &observed(&ContainerState::Exited), &opts), Err(ReconcileError::NoSuchServiceFound("nope".into())));
}

#[test]
fn start_needs_containers() {
    let mut observed = observed(&ContainerState::Exited);
    observed.containers.retain(|c| c.service != "worker");
    assert_eq!(
        plan_start(Some(&desired()), &observed, &StartOptions::default()).expect_err("no container").to_string(),
        "service \"worker\" has no container to start"
    );
}

#[test]
fn restart_takes_dependants_with_restart_true() {
    let opts = RestartOptions { services: vec!["db".into()], ..RestartOptions::default() };
    let plan = plan_restart(Some(&desired()), &observed(&ContainerState::Running), &opts).expect("plan");
    // worker depends on db without `restart: true`: left alone.
    assert_eq!(
        numbered(&plan),
        [
            "0: restart container lab-db-1 (restart)",
            "1: restart container lab-api-1 (restart) after 0",
            "2: restart container lab-api-2 (restart) after 0",
            "3: restart container lab-web-1 (restart) after 1, 2",
        ]
    );
    let opts = RestartOptions { no_deps: true, ..opts };
    let plan = plan_restart(Some(&desired()), &observed(&ContainerState::Running), &opts).expect("plan");
    assert_eq!(lines(&plan), ["restart container lab-db-1 (restart)"]);
    let all = plan_restart(None, &observed(&ContainerState::Exited), &RestartOptions::default()).expect("plan");
    assert_eq!(all.lines().len(), 5);
}

#[test]
fn kill_targets_running_containers() {
    let mut observed = observed(&ContainerState::Running);
    observed.containers.push(container("old", 1, "h-old", ContainerState::Running));
    observed.containers.push(oneoff("web", "abc"));
    for c in &mut observed.containers {
        if c.service == "worker" {
            c.state = ContainerState::Exited;
        }
    }
    let opts = KillOptions { services: vec!["web".into(), "old".into()], signal: Some("SIGTERM".into()), ..KillOptions::default() };
    let plan = plan_kill(Some(&desired()), &observed, &opts).expect("plan");
    assert_eq!(
        lines(&plan),
        ["kill container lab-web-1 with SIGTERM (kill)", "kill container lab-web-run-abc with SIGTERM (kill)"]
    );
    let opts = KillOptions { remove_orphans: true, ..opts };
    assert_eq!(plan_kill(Some(&desired()), &observed, &opts).expect("plan").lines().len(), 3);
    let opts = KillOptions { services: vec!["worker".into()], ..KillOptions::default() };
    let plan = plan_kill(Some(&desired()), &observed, &opts).expect("plan");
    assert!(plan.is_empty());
    assert_eq!(plan.warnings, ["no container to kill"]);
}

#[test]
fn rm_removes_stopped_containers() {
    let mut observed = observed(&ContainerState::Exited);
    for c in &mut observed.containers {
        if c.service == "api" {
            c.state = ContainerState::Running;
        }
    }
    let opts = RemoveOptions { volumes: true, ..RemoveOptions::default() };
    let plan = plan_remove(Some(&desired()), &observed, &opts).expect("plan");
    assert_eq!(
        lines(&plan),
        [
            "remove container lab-db-1 with its anonymous volumes (rm)",
            "remove container lab-web-1 with its anonymous volumes (rm)",
            "remove container lab-worker-1 with its anonymous volumes (rm)",
        ]
    );

    let opts = RemoveOptions { services: vec!["api".into()], stop: true, force: true, ..RemoveOptions::default() };
    let plan = plan_remove(Some(&desired()), &observed, &opts).expect("plan");
    assert_eq!(
        numbered(&plan),
        [
            "0: stop container lab-api-1 (rm --stop)",
            "1: stop container lab-api-2 (rm --stop)",
            "2: remove container lab-api-1 (rm) after 0, 1",
            "3: remove container lab-api-2 (rm) after 0, 1",
        ]
    );

    let opts = RemoveOptions { services: vec!["api".into()], ..RemoveOptions::default() };
    let plan = plan_remove(Some(&desired()), &observed, &opts).expect("plan");
    assert!(plan.is_empty());
    assert_eq!(plan.warnings, ["No stopped containers"]);
}

#[test]
fn pause_and_unpause() {
    let mut observed = observed(&ContainerState::Running);
    for c in &mut observed.containers {
        if c.service == "db" {
            c.state = ContainerState::Exited;
        }
    }
    let plan = plan_pause(Some(&desired()), &observed, &["api".into(), "db".into()]);
    assert_eq!(lines(&plan), ["pause container lab-api-1 (pause)", "pause container lab-api-2 (pause)"]);
    let plan = plan_unpause(None, &observed, &[]);
    assert_eq!(plan.lines().len(), 4);
    assert!(plan.lines().iter().all(|l| l.starts_with("unpause container")));
}
