//! End-to-end: `berth wait` on the real engine: one line per stopped container, the exit code
//! of the last one, `--down-project` after the first, and the reference's error when nothing
//! runs.

mod e2e_support;

use std::process::{Child, Output, Stdio};
use std::time::Duration;

use e2e_support::{describe, docker, eventually, text, Project};

fn running(project: &Project) {
    project.berth_ok(&["up", "-d"]);
    eventually(Duration::from_secs(60), "every service runs", || {
        project.states() == ["quick-1=running", "server-1=running", "slow-1=running"]
    });
}

/// Starts `berth ARGS` and gives it time to find the running containers before the test makes
/// any of them exit (`wait` only waits for containers that run when it starts).
fn spawn_wait(project: &Project, args: &[&str]) -> Child {
    let child = project.berth_cmd().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn berth");
    std::thread::sleep(Duration::from_secs(2));
    child
}

/// Makes `service`'s container exit (with its own code) and waits until it has.
fn release(project: &Project, service: &str) {
    let name = format!("{}-{service}-1", project.name);
    docker(&["exec", &name, "touch", "/tmp/go"]);
    eventually(Duration::from_secs(60), "the container exited", || {
        project.states().contains(&format!("{service}-1=exited"))
    });
}

fn finished(child: Child) -> Output {
    child.wait_with_output().expect("wait for berth")
}

#[test]
fn wait_returns_the_code_of_the_last_container() {
    let Some(project) = Project::new("wait") else { return };
    running(&project);
    let quick = project.container("quick")["Id"].as_str().unwrap_or_default().to_owned();
    let slow = project.container("slow")["Id"].as_str().unwrap_or_default().to_owned();
    let child = spawn_wait(&project, &["wait", "quick", "slow"]);
    release(&project, "quick");
    release(&project, "slow");
    let out = finished(child);
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
    let child = spawn_wait(&project, &["wait", "--down-project", "quick", "server"]);
    docker(&["exec", &format!("{}-quick-1", project.name), "touch", "/tmp/go"]);
    let out = finished(child);
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
