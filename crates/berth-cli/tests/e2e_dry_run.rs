//! End-to-end: `--dry-run` with the commands that do not run a plan (`build`, `pull`, `push`,
//! `exec`, `run`, `attach`) changes nothing on the engine, and says what Docker Compose's
//! dry-run client says (`up`, `down` and the other plans are in `e2e_up.rs`).

mod e2e_support;

use std::process::Command;

use e2e_support::{describe, docker, text, Project};

#[test]
fn dry_run_commands_change_nothing() {
    let Some(project) = Project::new("dry_run_commands") else { return };
    let app = format!("{}-app", project.name);
    let project = project.env("DRY_RUN_IMAGE", &app);
    let image = format!("127.0.0.1:1/{}-app:1", project.name);
    let image_exists = || Command::new("docker").args(["image", "inspect", &image]).output().is_ok_and(|o| o.status.success());

    // A real build would make the image, a real pull or push fail: no registry serves it.
    for args in [&["--dry-run", "build", "app"][..], &["--dry-run", "build", "--push", "app"], &["--dry-run", "pull"], &["--dry-run", "push"]] {
        let out = project.berth(args);
        assert!(out.status.success(), "{args:?}\n{}", describe(&out));
        assert!(text(&out.stderr).contains("DRY-RUN MODE"), "{args:?}\n{}", describe(&out));
    }
    assert!(!image_exists(), "a dry-run build makes no image");

    project.berth_ok(&["up", "-d", "web"]);
    let web = project.container("web");
    let id = web["Id"].as_str().expect("container id");

    // exec: a detached one is only announced (Compose's words, byte for byte), an attached one
    // refused.
    let out = project.berth(&["--dry-run", "exec", "-d", "web", "touch", "/dry-run-was-here"]);
    assert!(out.status.success(), "{}", describe(&out));
    let announced = format!(" DRY-RUN MODE - Executing command [\"touch\" \"/dry-run-was-here\"] in {id} (detached mode)\n");
    assert_eq!(text(&out.stdout), announced);
    let reference = project.reference_cmd().args(["--dry-run", "exec", "-d", "web", "touch", "/dry-run-was-here"]).output().expect("reference");
    assert_eq!(text(&reference.stdout), announced, "{}", describe(&reference));
    let out = project.berth(&["--dry-run", "exec", "-T", "web", "touch", "/dry-run-was-here"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(text(&out.stderr).contains("interactive exec is not supported in dry-run mode"), "{}", describe(&out));
    let listed = project.berth(&["exec", "-T", "web", "ls", "/"]);
    assert!(!text(&listed.stdout).contains("dry-run-was-here"), "the dry-run exec ran\n{}", describe(&listed));

    // run: `-d` names the container it would make, attached is refused; none is made.
    let before = project.containers().len();
    let out = project.berth(&["--dry-run", "run", "-d", "web", "true"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(text(&out.stdout).starts_with(&format!("{}-web-run-", project.name)), "{}", describe(&out));
    let out = project.berth(&["--dry-run", "run", "--rm", "-T", "web", "true"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(text(&out.stderr).contains("interactive run is not supported in dry-run mode"), "{}", describe(&out));
    assert_eq!(project.containers().len(), before, "a dry-run run makes no container");

    let out = project.berth(&["--dry-run", "attach", "web"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(text(&out.stderr).contains("interactive run is not supported in dry-run mode"), "{}", describe(&out));
    assert!(docker(&["ps", "-q", "--filter", &format!("id={id}")]).trim().len() >= 12, "web still runs");
}
