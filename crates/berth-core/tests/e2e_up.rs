//! End-to-end on the real engine: `up`, idempotence, targeted recreation, scaling, `down`, and
//! a dependency that never becomes healthy. Each test uses its own project and removes it
//! even when it fails.

mod exec_support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use berth_core::events::Recorder;
use berth_core::execute::{CancellationToken, ExecError};
use berth_core::ops::down::{down, DownOptions};
use berth_core::ops::up::{up, UpOptions};
use berth_core::ops::OpsError;
use berth_core::plan::{Action, Cause};
use berth_engine::{ContainerListOptions, ContainerStatus, Engine, Filters, ListOptions};
use exec_support::{load, real_engine, unique_project, Cleanup};

const IMAGE: &str = "berth-test/busybox:latest";

/// db (health-checked) ← api (waits for db healthy) ← web; `web_env` goes into web's
/// environment.
fn three_tier(web_env: &str) -> String {
    format!(
        r#"
services:
  db:
    image: {IMAGE}
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    healthcheck:
      test: ["CMD-SHELL", "test -d /tmp"]
      interval: 1s
      retries: 3
  api:
    image: {IMAGE}
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    depends_on:
      db:
        condition: service_healthy
  web:
    image: {IMAGE}
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    environment:
      GREETING: "{web_env}"
    depends_on: [api]
"#
    )
}

async fn containers(engine: &dyn Engine, project: &str) -> BTreeMap<String, (String, ContainerStatus)> {
    engine
        .list_containers(&ContainerListOptions {
            all: true,
            filters: Filters::new().label(format!("com.docker.compose.project={project}")),
        })
        .await
        .expect("list containers")
        .into_iter()
        .map(|c| (c.name().to_owned(), (c.id.clone(), c.state)))
        .collect()
}

async fn resources(engine: &dyn Engine, project: &str) -> (usize, usize) {
    let filters = Filters::new().label(format!("com.docker.compose.project={project}"));
    let networks = engine.list_networks(&ListOptions { filters: filters.clone() }).await.expect("networks").len();
    let volumes = engine.list_volumes(&ListOptions { filters }).await.expect("volumes").len();
    (networks, volumes)
}

#[tokio::test]
async fn up_is_idempotent_recreates_only_what_changed_and_down_removes_everything() {
    let Some(engine) = real_engine().await else { return };
    let name = unique_project("e2eup");
    let _cleanup = Cleanup(name.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    let cancel = CancellationToken::new();

    // Step: up brings three services up, api only once db is healthy.
    let project = load(dir.path(), &name, &three_tier("hello"));
    let recorder = Recorder::new();
    up(Arc::clone(&engine), &project, &UpOptions::default(), &recorder, &cancel).await.expect("first up");
    let first = containers(engine.as_ref(), &name).await;
    let names: Vec<&String> = first.keys().collect();
    assert_eq!(names, [&format!("{name}-api-1"), &format!("{name}-db-1"), &format!("{name}-web-1")]);
    assert!(first.values().all(|(_, s)| *s == ContainerStatus::Running), "{first:?}");
    let lines = recorder.progress_lines();
    let at = |l: &str| lines.iter().position(|x| x == l).unwrap_or_else(|| panic!("{l} not in {lines:#?}"));
    assert!(at(&format!("Container {name}-db-1 Healthy")) < at(&format!("Container {name}-api-1 Starting")));

    // Step: up again is a no-op.
    let outcome = up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &cancel).await.expect("second up");
    assert!(
        outcome.plan.operations.iter().all(|op| matches!(op.action, Action::WaitDependency { .. })),
        "nothing but waits: {}",
        outcome.plan
    );
    assert_eq!(containers(engine.as_ref(), &name).await, first);

    // Step: changing web's environment recreates web only, and says why.
    let changed = load(dir.path(), &name, &three_tier("bonjour"));
    let outcome = up(Arc::clone(&engine), &changed, &UpOptions::default(), &Recorder::new(), &cancel).await.expect("third up");
    let recreated: Vec<(String, Cause)> = outcome
        .plan
        .operations
        .iter()
        .filter_map(|op| match &op.action {
            Action::CreateContainer { service, .. } => Some((service.clone(), op.cause.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(recreated, [("web".to_owned(), Cause::ConfigChanged { fields: vec!["environment.GREETING".to_owned()] })]);
    let third = containers(engine.as_ref(), &name).await;
    let id = |m: &BTreeMap<String, (String, ContainerStatus)>, s: &str| m.get(&format!("{name}-{s}-1")).map(|(id, _)| id.clone());
    assert_eq!(id(&third, "db"), id(&first, "db"));
    assert_eq!(id(&third, "api"), id(&first, "api"));
    assert_ne!(id(&third, "web"), id(&first, "web"));
    assert_eq!(third.len(), 3, "the replaced container is gone: {third:?}");
    let env = engine.inspect_container(&format!("{name}-web-1")).await.expect("inspect web").config.env;
    assert!(env.contains(&"GREETING=bonjour".to_owned()), "{env:?}");

    // Step: down removes containers and the network.
    down(Arc::clone(&engine), &name, Some(&changed), &DownOptions::default(), &Recorder::new(), &cancel).await.expect("down");
    assert!(containers(engine.as_ref(), &name).await.is_empty());
    assert_eq!(resources(engine.as_ref(), &name).await, (0, 0));
}

#[tokio::test]
async fn scaling_from_three_to_one_removes_replicas_three_and_two() {
    let Some(engine) = real_engine().await else { return };
    let name = unique_project("e2escale");
    let _cleanup = Cleanup(name.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    let cancel = CancellationToken::new();
    let yaml = format!(
        "services:\n  worker:\n    image: {IMAGE}\n    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\nvolumes:\n  cache: {{}}\n"
    );
    let project = load(dir.path(), &name, &yaml);
    let scale = |n: u32| UpOptions { scale: [("worker".to_owned(), n)].into(), ..UpOptions::default() };

    up(Arc::clone(&engine), &project, &scale(3), &Recorder::new(), &cancel).await.expect("scale to 3");
    let three = containers(engine.as_ref(), &name).await;
    assert_eq!(three.len(), 3);

    let recorder = Recorder::new();
    up(Arc::clone(&engine), &project, &scale(1), &recorder, &cancel).await.expect("scale to 1");
    let one = containers(engine.as_ref(), &name).await;
    let kept: Vec<&String> = one.keys().collect();
    assert_eq!(kept, [&format!("{name}-worker-1")]);
    assert_eq!(one.get(&format!("{name}-worker-1")), three.get(&format!("{name}-worker-1")));
    let lines = recorder.progress_lines();
    for n in [2, 3] {
        assert!(lines.contains(&format!("Container {name}-worker-{n} Removed")), "{lines:#?}");
    }

    // down -v from the project name alone removes the volume too.
    let opts = DownOptions { volumes: true, ..DownOptions::default() };
    down(Arc::clone(&engine), &name, None, &opts, &Recorder::new(), &cancel).await.expect("down");
    assert!(containers(engine.as_ref(), &name).await.is_empty());
    assert_eq!(resources(engine.as_ref(), &name).await, (0, 0));
}

#[tokio::test]
async fn a_dependency_that_never_becomes_healthy_fails_with_chain_and_health_output() {
    let Some(engine) = real_engine().await else { return };
    let name = unique_project("e2eunhealthy");
    let _cleanup = Cleanup(name.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml = three_tier("x").replace("test -d /tmp", "echo database is down; exit 1").replace("retries: 3", "retries: 2");
    let project = load(dir.path(), &name, &yaml);
    let err = up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &CancellationToken::new())
        .await
        .expect_err("db never becomes healthy");
    let OpsError::Exec { source: ExecError::Failed { errors, .. }, .. } = &err else { panic!("{err:?}") };
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [format!(
            "dependency failed to start: container {name}-db-1 is unhealthy\n  dependency chain: web → api → db\n  last health check output: database is down"
        )]
    );
    let state = containers(engine.as_ref(), &name).await;
    assert_eq!(state.get(&format!("{name}-api-1")).map(|(_, s)| *s), Some(ContainerStatus::Created));
    down(Arc::clone(&engine), &name, None, &DownOptions::default(), &Recorder::new(), &CancellationToken::new())
        .await
        .expect("down");
}

fn docker(args: &[&str]) -> String {
    let out = std::process::Command::new("docker").args(args).output().expect("docker CLI");
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test]
async fn a_recreated_container_keeps_its_anonymous_volumes_unless_renewed() {
    let Some(engine) = real_engine().await else { return };
    let name = unique_project("e2eanon");
    let _cleanup = Cleanup(name.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    let cancel = CancellationToken::new();
    let yaml = |v: &str| {
        format!(
            "services:\n  box:\n    image: {IMAGE}\n    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n    environment:\n      V: \"{v}\"\n    volumes: [/scratch]\n"
        )
    };
    let container = format!("{name}-box-1");
    up(Arc::clone(&engine), &load(dir.path(), &name, &yaml("1")), &UpOptions::default(), &Recorder::new(), &cancel)
        .await
        .expect("up");
    docker(&["exec", &container, "sh", "-c", "echo kept > /scratch/file"]);

    up(Arc::clone(&engine), &load(dir.path(), &name, &yaml("2")), &UpOptions::default(), &Recorder::new(), &cancel)
        .await
        .expect("recreate");
    assert_eq!(docker(&["exec", &container, "cat", "/scratch/file"]), "kept");

    // The volume -V leaves behind, as Docker Compose does; removed at the end.
    let old_volume = docker(&["inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", &container]);
    let renew = UpOptions { renew_anon_volumes: true, ..UpOptions::default() };
    up(Arc::clone(&engine), &load(dir.path(), &name, &yaml("3")), &renew, &Recorder::new(), &cancel)
        .await
        .expect("recreate with -V");
    assert_eq!(docker(&["exec", &container, "sh", "-c", "test -e /scratch/file && echo present || echo absent"]), "absent");

    let opts = DownOptions { volumes: true, ..DownOptions::default() };
    down(Arc::clone(&engine), &name, None, &opts, &Recorder::new(), &cancel).await.expect("down");
    docker(&["volume", "rm", &old_volume]);
}

#[tokio::test]
async fn parallel_one_runs_one_engine_operation_at_a_time() {
    let Some(engine) = real_engine().await else { return };
    let name = unique_project("e2epar");
    let _cleanup = Cleanup(name.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    let mut yaml = String::from("services:\n");
    for s in ["a", "b", "c", "d"] {
        let _ = writeln!(yaml, "  {s}:\n    image: {IMAGE}\n    command: [\"sleep\", \"3600\"]");
    }
    let project = load(dir.path(), &name, &yaml);
    let opts = UpOptions {
        no_start: true,
        run: berth_core::ops::RunOptions { parallel: Some(1), dry_run: false },
        ..UpOptions::default()
    };
    let recorder = Recorder::new();
    let cancel = CancellationToken::new();
    up(Arc::clone(&engine), &project, &opts, &recorder, &cancel).await.expect("create");
    let container_lines: Vec<String> =
        recorder.progress_lines().into_iter().filter(|l| l.starts_with("Container ")).collect();
    assert_eq!(container_lines.len(), 8, "{container_lines:#?}");
    for pair in container_lines.chunks(2) {
        let [creating, created] = pair else { panic!("{pair:?}") };
        assert_eq!(creating.replace(" Creating", " Created"), *created, "{container_lines:#?}");
    }
    down(Arc::clone(&engine), &name, None, &DownOptions::default(), &Recorder::new(), &cancel).await.expect("down");
}
