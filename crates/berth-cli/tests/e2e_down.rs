//! End-to-end: `berth down` works from the project name alone, from the engine's labels.

mod e2e_support;

use std::process::Command;

use e2e_support::{berth_bin, describe, text, Project};

#[test]
fn down_from_project_name_alone() {
    let Some(project) = Project::new("down_from_project_name_alone") else { return };
    project.berth_ok(&["up", "-d"]);
    assert_eq!(project.resources("network").len(), 2);
    assert_eq!(project.resources("volume").len(), 1);

    // No compose file anywhere near: an empty directory, and `-p` only.
    let empty = tempfile::tempdir().expect("temporary directory");
    let out = Command::new(berth_bin())
        .current_dir(empty.path())
        .args(["-p", &project.name, "down", "-v", "-t", "1"])
        .env_remove("COMPOSE_FILE")
        .output()
        .expect("run berth");
    assert!(out.status.success(), "{}", describe(&out));
    assert!(project.containers().is_empty(), "containers are removed");
    assert!(project.resources("network").is_empty(), "networks are removed");
    assert!(project.resources("volume").is_empty(), "volumes are removed with -v");

    let again = Command::new(berth_bin())
        .current_dir(empty.path())
        .args(["-p", &project.name, "down"])
        .output()
        .expect("run berth");
    assert!(again.status.success(), "{}", describe(&again));
    let warning = format!("Warning: No resource found to remove for project {:?}.", project.name);
    assert_eq!(text(&again.stderr).matches("No resource found").count(), 1, "{}", describe(&again));
    assert!(text(&again.stderr).contains(&warning), "{}", describe(&again));
}

/// Docker stops a paused container by sending the signal and thawing it; Podman refuses to
/// stop a paused container. berth stops (and takes down) a paused project on both engines,
/// with the signal reaching the processes.
#[test]
fn paused_containers_are_stopped_and_taken_down() {
    let Some(project) = Project::new("down_paused_project") else { return };
    project.berth_ok(&["up", "-d"]);
    project.berth_ok(&["pause"]);
    assert_eq!(project.states(), ["app-1=paused", "app-2=paused"]);

    project.berth_ok(&["stop", "app"]);
    assert_eq!(project.states(), ["app-1=exited", "app-2=exited"]);
    for c in project.containers() {
        assert_eq!(c["State"]["ExitCode"], 0, "the TERM trap ran in {}", c["Name"]);
    }

    project.berth_ok(&["start"]);
    project.berth_ok(&["pause", "app"]);
    let out = project.berth(&["down"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(project.containers().is_empty(), "containers are removed: {:?}", project.states());
    assert!(project.resources("network").is_empty(), "the network is removed");
}
