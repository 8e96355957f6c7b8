//! End-to-end: `berth up` on the real engine (detached), checked through `docker inspect`.

mod e2e_support;

use e2e_support::{describe, text, Project};

#[test]
fn up_detached_runs_every_service() {
    let Some(project) = Project::new("up_detached_runs_every_service") else { return };
    project.berth_ok(&["up", "-d"]);
    assert_eq!(project.states(), ["db-1=running", "web-1=running"]);
    let web = project.container("web");
    let labels = &web["Config"]["Labels"];
    assert_eq!(labels["com.docker.compose.project"], project.name.as_str());
    assert_eq!(labels["com.docker.compose.service"], "web");
    assert_eq!(labels["com.docker.compose.container-number"], "1");
    assert_eq!(labels["com.docker.compose.depends_on"], "db:service_started:false");
}

#[test]
fn second_up_changes_nothing() {
    let Some(project) = Project::new("second_up_changes_nothing") else { return };
    project.berth_ok(&["up", "-d"]);
    let before: Vec<(String, String)> = project
        .containers()
        .iter()
        .map(|c| (c["Id"].as_str().unwrap_or_default().to_owned(), c["State"]["StartedAt"].to_string()))
        .collect();
    let again = project.berth_ok(&["up", "-d"]);
    let after: Vec<(String, String)> = project
        .containers()
        .iter()
        .map(|c| (c["Id"].as_str().unwrap_or_default().to_owned(), c["State"]["StartedAt"].to_string()))
        .collect();
    assert_eq!(before, after, "the second up must neither recreate nor restart\n{}", describe(&again));
    let progress = text(&again.stderr);
    assert!(progress.contains("Running"), "running containers are reported as such\n{progress}");
    assert!(!progress.contains("Recreate") && !progress.contains("Creating"), "{progress}");
    let plan = project.berth_ok(&["--dry-run", "up", "-d"]);
    assert_eq!(text(&plan.stdout), "", "a dry run of the second up plans nothing");
}

#[test]
fn env_change_recreates_only_that_service() {
    let Some(project) = Project::new("env_change_recreates_only_that_service") else { return };
    let first = project.berth_cmd().args(["up", "-d"]).env("MODE", "one").output().expect("run berth");
    assert!(first.status.success(), "{}", describe(&first));
    let web_before = project.container("web")["Id"].clone();
    let db_before = project.container("db")["Id"].clone();

    let dry = project.berth_cmd().args(["--dry-run", "up", "-d"]).env("MODE", "two").output().expect("run berth");
    assert!(dry.status.success(), "{}", describe(&dry));
    let plan = text(&dry.stdout);
    let web = format!("{}-web-1", project.name);
    assert!(
        plan.lines().any(|l| l.contains(&web) && l.contains("config hash changed: environment.MODE")),
        "the dry run names the changed field\n{plan}"
    );
    assert!(!plan.contains(&format!("{}-db-1", project.name)), "db is left alone\n{plan}");
    assert_eq!(project.container("web")["Id"], web_before, "a dry run changes nothing");

    let up = project.berth_cmd().args(["up", "-d"]).env("MODE", "two").output().expect("run berth");
    assert!(up.status.success(), "{}", describe(&up));
    let web_after = project.container("web");
    assert_ne!(web_after["Id"], web_before, "web is recreated");
    assert!(web_after["Config"]["Env"].as_array().is_some_and(|e| e.iter().any(|v| v == "MODE=two")));
    assert_eq!(project.container("db")["Id"], db_before, "db is not recreated");
    assert_eq!(project.states(), ["db-1=running", "web-1=running"]);
}

#[test]
fn unhealthy_dependency_fails_with_chain() {
    let Some(project) = Project::new("unhealthy_dependency_fails_with_chain") else { return };
    let out = project.berth(&["up", "-d"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let err = text(&out.stderr);
    let db = format!("{}-db-1", project.name);
    assert!(err.contains(&format!("dependency failed to start: container {db} is unhealthy")), "{err}");
    assert!(err.contains("api → db"), "the dependency chain is shown\n{err}");
    assert!(err.contains("database not ready"), "the health check output is shown\n{err}");
    let states = project.states();
    assert!(states.contains(&"api-1=created".to_owned()), "api is never started: {states:?}");
    assert!(states.contains(&"db-1=running".to_owned()), "{states:?}");
}

#[test]
fn dry_run_touches_nothing() {
    let Some(project) = Project::new("dry_run_touches_nothing") else { return };
    let out = project.berth_ok(&["--dry-run", "up", "-d"]);
    let plan = text(&out.stdout);
    let n = &project.name;
    for line in [
        format!("create network {n}_default (network missing)"),
        format!("create container {n}-db-1 (no existing container)"),
        format!("create container {n}-web-1 (no existing container)"),
        format!("start container {n}-db-1 (new container)"),
        format!("start container {n}-web-1 (new container)"),
    ] {
        assert!(plan.lines().any(|l| l == line), "missing {line:?} in the plan\n{plan}");
    }
    assert!(text(&out.stderr).contains("DRY-RUN MODE"), "{}", describe(&out));
    assert!(project.containers().is_empty(), "a dry run creates no container");
    assert!(project.resources("network").is_empty(), "a dry run creates no network");
}


/// Orphans and the variables about them, as Compose 2.26 reads them: `COMPOSE_IGNORE_ORPHANS`
/// (here from the project's `.env`) silences the warning of `up` and `run`;
/// `COMPOSE_REMOVE_ORPHANS` makes `up` remove them but not `run`, which only `--remove-orphans`
/// does.
#[test]
fn orphan_variables_as_the_reference_reads_them() {
    let dir = std::env::temp_dir().join(format!("berth-e2e-orphans-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the project directory");
    let file = dir.join("compose.yaml");
    let sleeper = |name: &str| format!("  {name}:\n    image: berth-test/busybox:latest\n    command: [\"sleep\", \"3600\"]\n");
    std::fs::write(&file, format!("services:\n{}{}", sleeper("keep"), sleeper("gone"))).expect("write compose.yaml");
    let Some(project) = Project::with_file("orphan_variables_as_the_reference_reads_them", &file) else { return };
    project.berth_ok(&["up", "-d"]);
    std::fs::write(&file, format!("services:\n{}", sleeper("keep"))).expect("write compose.yaml");

    let warned = project.berth_ok(&["up", "-d"]);
    let stderr = text(&warned.stderr);
    let (warning, running) = (stderr.find("Found orphan containers"), stderr.find("keep-1  Running"));
    assert!(warning.is_some() && warning < running, "the warning comes first, as the reference's\n{}", describe(&warned));
    std::fs::write(dir.join(".env"), "COMPOSE_IGNORE_ORPHANS= True \n").expect("write .env");
    let quiet = project.berth_ok(&["up", "-d"]);
    assert!(!text(&quiet.stderr).contains("Found orphan"), "{}", describe(&quiet));
    let run = project.berth_cmd().args(["run", "--rm", "keep", "true"]).env("COMPOSE_REMOVE_ORPHANS", "1").output().expect("run berth");
    assert!(run.status.success(), "{}", describe(&run));
    assert!(!text(&run.stderr).contains("Found orphan"), "{}", describe(&run));
    assert_eq!(project.states(), ["gone-1=running", "keep-1=running"], "run leaves the orphan alone");

    std::fs::remove_file(dir.join(".env")).expect("remove .env");
    let up = project.berth_cmd().args(["up", "-d"]).env("COMPOSE_REMOVE_ORPHANS", "y").output().expect("run berth");
    assert!(up.status.success(), "{}", describe(&up));
    assert_eq!(project.states(), ["keep-1=running"], "up removes the orphan\n{}", describe(&up));
    drop(project);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A start that fails on a host port another container publishes says which container (and
/// project) holds it, where the engine (and the reference) only say the port is taken.
#[test]
fn a_taken_port_names_the_container_that_holds_it() {
    let dir = std::env::temp_dir().join(format!("berth-e2e-port-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the project directory");
    let file = dir.join("compose.yaml");
    let port = e2e_support::free_port();
    let service = format!(
        "services:\n  web:\n    image: berth-test/busybox:latest\n    command: [\"sleep\", \"3600\"]\n    init: true\n    ports: [\"127.0.0.1:{port}:80\"]\n"
    );
    std::fs::write(&file, service).expect("write compose.yaml");
    let Some(holder) = Project::with_file("a_taken_port_holder", &file) else { return };
    let Some(second) = Project::with_file("a_taken_port_second", &file) else { return };
    holder.berth_ok(&["up", "-d"]);

    let failed = second.berth(&["up", "-d"]);
    assert_eq!(failed.status.code(), Some(1), "{}", describe(&failed));
    let stderr = text(&failed.stderr);
    let named = format!("127.0.0.1:{port} is published by container {}-web-1 (project {})", holder.name, holder.name);
    assert!(stderr.contains(&named), "{named:?} missing\n{}", describe(&failed));
    for run in [&["run", "--rm", "--service-ports", "web", "true"][..], &["run", "-d", "--service-ports", "web"]] {
        let failed = second.berth(run);
        assert_ne!(failed.status.code(), Some(0), "{}", describe(&failed));
        assert!(text(&failed.stderr).contains(&named), "{run:?}: {named:?} missing\n{}", describe(&failed));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
