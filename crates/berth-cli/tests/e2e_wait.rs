//! End-to-end: `berth wait` on the real engine: one line per stopped container, the exit code
//! of the last one, `--down-project` after the first, and the reference's error when nothing
//! runs.

mod e2e_support;

use std::time::Duration;

use e2e_support::{describe, eventually, text, Project};

fn running(project: &Project) {
    project.berth_ok(&["up", "-d"]);
    eventually(Duration::from_secs(60), "every service runs", || project.states().len() == 3);
}

#[test]
fn wait_returns_the_code_of_the_last_container() {
    let Some(project) = Project::new("wait") else { return };
    running(&project);
    let quick = project.container("quick")["Id"].as_str().unwrap_or_default().to_owned();
    let slow = project.container("slow")["Id"].as_str().unwrap_or_default().to_owned();
    let out = project.berth(&["wait", "quick", "slow"]);
    assert_eq!(out.status.code(), Some(5), "{}", describe(&out));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout,
        format!(
            "container \"{quick}\" exited with status code 3\ncontainer \"{slow}\" exited with status code 5\n"
        ),
        "{}",
        describe(&out)
    );
    let out = project.berth(&["wait", "quick"]);
    assert_eq!(out.status.code(), Some(1), "nothing runs any more\n{}", describe(&out));
    assert_eq!(text(&out.stderr).trim(), format!("no containers for project {:?}", project.name));
}

#[test]
fn wait_down_project_after_the_first_exit() {
    let Some(project) = Project::new("wait") else { return };
    running(&project);
    let out = project.berth(&["wait", "--down-project", "quick", "server"]);
    assert_eq!(out.status.code(), Some(3), "the first container's code\n{}", describe(&out));
    assert!(text(&out.stdout).contains("exited with status code 3"), "{}", describe(&out));
    assert!(project.containers().is_empty(), "the project is down: {:?}", project.states());
}

#[test]
fn wait_needs_a_service_like_the_reference() {
    let Some(project) = Project::new("wait") else { return };
    let ours = project.berth(&["wait"]);
    let theirs = project.reference_cmd().arg("wait").output().expect("run the reference");
    assert_ne!(ours.status.code(), Some(0), "{}", describe(&ours));
    assert_ne!(theirs.status.code(), Some(0), "{}", describe(&theirs));
}
