//! End-to-end: `kill`, `rm`, `pause`/`unpause`, `stop`/`start`/`restart` on the real engine.

mod e2e_support;

use std::time::Duration;

use e2e_support::{describe, docker, eventually, text, Project};

#[test]
fn kill_sends_the_signal() {
    let Some(project) = Project::new("kill_sends_the_signal") else { return };
    project.berth_ok(&["up", "-d"]);
    project.berth_ok(&["kill", "-s", "SIGUSR1", "worker"]);
    eventually(Duration::from_secs(20), "worker exits", || project.states().contains(&"worker-1=exited".to_owned()));
    assert_eq!(project.container("worker")["State"]["ExitCode"], 7, "the trap saw SIGUSR1");
    assert_eq!(project.container("other")["State"]["Status"], "running", "other services are not touched");
    project.berth_ok(&["kill"]);
    eventually(Duration::from_secs(20), "other is killed", || project.states().contains(&"other-1=exited".to_owned()));
    assert_eq!(project.container("other")["State"]["ExitCode"], 137, "SIGKILL by default");
    let none = project.berth_ok(&["kill"]);
    assert!(text(&none.stderr).contains("no container to kill"), "{}", describe(&none));
}

#[test]
fn rm_stop_volumes_removes_container_and_anonymous_volume() {
    let Some(project) = Project::new("rm_stop_volumes_removes_container_and_anonymous_volume") else { return };
    project.berth_ok(&["up", "-d"]);
    let store = project.container("store");
    let volume = store["Mounts"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["Destination"] == "/data"))
        .and_then(|m| m["Name"].as_str())
        .expect("store has an anonymous volume")
        .to_owned();

    // Without -f and with no terminal, the question is answered from stdin: nothing here.
    let declined = project.berth_ok(&["rm", "-s", "-v", "store"]);
    assert!(
        text(&declined.stdout).starts_with(&format!("Going to remove {}-store-1", project.name)),
        "{}",
        describe(&declined)
    );
    assert_eq!(project.states(), ["keep-1=running", "store-1=running"], "declining changes nothing");

    let out = project.berth_ok(&["rm", "-s", "-v", "-f", "store"]);
    assert!(text(&out.stdout).contains(&format!("Going to remove {}-store-1", project.name)), "{}", describe(&out));
    assert_eq!(project.states(), ["keep-1=running"], "only store is removed");
    let volumes = docker(&["volume", "ls", "-q"]);
    assert!(!volumes.lines().any(|v| v == volume), "the anonymous volume {volume} is removed");

    let none = project.berth_ok(&["rm", "-f", "store"]);
    assert!(text(&none.stderr).contains("No stopped containers"), "{}", describe(&none));
}

#[test]
fn pause_and_unpause() {
    let Some(project) = Project::new("pause_and_unpause") else { return };
    project.berth_ok(&["up", "-d"]);
    project.berth_ok(&["pause"]);
    assert_eq!(project.states(), ["app-1=paused"]);
    project.berth_ok(&["unpause"]);
    assert_eq!(project.states(), ["app-1=running"]);
    project.berth_ok(&["stop"]);
    assert_eq!(project.states(), ["app-1=exited"]);
    project.berth_ok(&["start"]);
    assert_eq!(project.states(), ["app-1=running"]);
    let started = project.container("app")["State"]["StartedAt"].clone();
    project.berth_ok(&["restart", "-t", "1"]);
    assert_eq!(project.states(), ["app-1=running"]);
    assert_ne!(project.container("app")["State"]["StartedAt"], started, "restart starts the container again");
}
