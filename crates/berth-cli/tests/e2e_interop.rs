//! End-to-end: berth and the reference Docker Compose 2.26.1 manage each other's projects —
//! same labels, same config hashes, same resource names.

mod e2e_support;

use e2e_support::{describe, text, Project};

fn ids(project: &Project) -> Vec<String> {
    project.containers().iter().map(|c| c["Id"].as_str().unwrap_or_default().to_owned()).collect()
}

#[test]
fn reference_up_after_berth_recreates_nothing() {
    let Some(project) = Project::new("reference_up_after_berth_recreates_nothing") else { return };
    project.berth_ok(&["up", "-d"]);
    let before = ids(&project);
    assert_eq!(before.len(), 2);
    let out = project.reference_ok(&["up", "-d"]);
    assert_eq!(ids(&project), before, "docker compose up -d must recreate nothing\n{}", describe(&out));
    let progress = text(&out.stderr);
    assert!(!progress.contains("Recreate"), "{progress}");
    assert_eq!(project.states(), ["db-1=running", "web-1=running"]);
}

#[test]
fn berth_down_removes_reference_project() {
    let Some(project) = Project::new("berth_down_removes_reference_project") else { return };
    project.reference_ok(&["up", "-d"]);
    assert_eq!(project.states(), ["db-1=running", "web-1=running"]);
    assert_eq!(project.resources("network").len(), 2);
    project.berth_ok(&["down"]);
    assert!(project.containers().is_empty(), "containers are removed");
    assert!(project.resources("network").is_empty(), "networks are removed");
    assert_eq!(project.resources("volume").len(), 1, "volumes stay without -v");
    project.berth_ok(&["down", "-v"]);
    assert!(project.resources("volume").is_empty(), "-v removes the named volume");
}
