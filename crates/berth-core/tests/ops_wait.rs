//! Dependency conditions on the fake engine: failures name the chain and the health output,
//! optional dependencies are skipped, completion codes count, `--wait` times out, waiting is
//! cancellable, and on Podman berth runs health checks itself.

mod exec_support;

use std::sync::Arc;
use std::time::Duration;

use berth_core::events::Recorder;
use berth_core::execute::{CancellationToken, ExecError, OpErrorKind};
use berth_core::ops::up::{up, UpOptions};
use berth_core::ops::OpsError;
use berth_engine::{ApiVersion, ContainerStatus, Engine, FakeEngine, ImageConfig};
use exec_support::{load, lines, warnings};

const IMAGE: &str = "berth-test/busybox:latest";

fn fake() -> FakeEngine {
    let fake = FakeEngine::new();
    fake.add_image(IMAGE, ImageConfig::default());
    fake
}

/// web → api → db, with db's health check `check` and api's dependency on db `dependency`.
fn chain_project(check: &str, dependency: &str) -> String {
    format!(
        r#"
services:
  db:
    image: {IMAGE}
    command: [sleep, infinity]
    healthcheck:
      test: ["CMD-SHELL", "{check}"]
      interval: 1s
      retries: 2
  api:
    image: {IMAGE}
    command: [sleep, infinity]
    depends_on:
      db:
{dependency}
  web:
    image: {IMAGE}
    command: [sleep, infinity]
    depends_on: [api]
"#
    )
}

async fn state(engine: &FakeEngine, name: &str) -> ContainerStatus {
    engine.inspect_container(name).await.expect("inspect").state.status
}

fn exec_errors(err: &OpsError) -> Vec<String> {
    match err {
        OpsError::Exec { source: ExecError::Failed { errors, .. }, .. } => errors.iter().map(ToString::to_string).collect(),
        other => panic!("expected an execution failure, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn unhealthy_dependency_fails_with_chain_and_health_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml = chain_project("echo db not ready; exit 1", "        condition: service_healthy");
    let project = load(dir.path(), "lab", &yaml);
    let fake = fake();
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let recorder = Recorder::new();
    let err = up(engine, &project, &UpOptions::default(), &recorder, &CancellationToken::new())
        .await
        .expect_err("db never becomes healthy");
    let errors = exec_errors(&err);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let message = errors.first().expect("one error");
    assert_eq!(
        message,
        "dependency failed to start: container lab-db-1 is unhealthy\n  dependency chain: web → api → db\n  last health check output: db not ready"
    );
    if let OpsError::Exec { source: ExecError::Failed { errors, .. }, .. } = &err {
        let kind = &errors.first().expect("one").kind;
        assert!(matches!(kind, OpErrorKind::Wait(w) if w.chain == ["web", "api", "db"]), "{kind:?}");
    }
    // Neither api nor web was started.
    assert_eq!(state(&fake, "lab-api-1").await, ContainerStatus::Created);
    assert_eq!(state(&fake, "lab-web-1").await, ContainerStatus::Created);
    assert!(lines(&recorder).contains(&"Container lab-db-1 Error".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn optional_dependency_is_skipped_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml = chain_project("exit 1", "        condition: service_healthy\n        required: false");
    let project = load(dir.path(), "lab", &yaml);
    let fake = fake();
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let recorder = Recorder::new();
    up(engine, &project, &UpOptions::default(), &recorder, &CancellationToken::new()).await.expect("up succeeds");
    assert_eq!(state(&fake, "lab-api-1").await, ContainerStatus::Running);
    assert_eq!(state(&fake, "lab-web-1").await, ContainerStatus::Running);
    assert!(warnings(&recorder).contains(
        &"optional dependency \"db\" failed to start: container lab-db-1 is unhealthy".to_owned()
    ));
    assert!(lines(&recorder).contains(&"Container lab-db-1 Skipped: optional dependency \"db\" failed to start".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn completion_condition_checks_the_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml = |code: i32| {
        format!(
            r#"
services:
  migrate:
    image: {IMAGE}
    command: ["sh", "-c", "echo migrating; exit {code}"]
  app:
    image: {IMAGE}
    command: [sleep, infinity]
    depends_on:
      migrate:
        condition: service_completed_successfully
"#
        )
    };
    let fake = fake();
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let project = load(dir.path(), "ok", &yaml(0));
    let recorder = Recorder::new();
    up(Arc::clone(&engine), &project, &UpOptions::default(), &recorder, &CancellationToken::new())
        .await
        .expect("migration succeeds");
    assert_eq!(state(&fake, "ok-app-1").await, ContainerStatus::Running);
    assert!(lines(&recorder).contains(&"Container ok-migrate-1 Exited".to_owned()));

    let project = load(dir.path(), "bad", &yaml(3));
    let err = up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &CancellationToken::new())
        .await
        .expect_err("migration fails");
    assert_eq!(exec_errors(&err), ["service \"migrate\" didn't complete successfully: exit 3\n  dependency chain: app → migrate"]);
    assert_eq!(state(&fake, "bad-app-1").await, ContainerStatus::Created);
}

#[tokio::test(start_paused = true)]
async fn missing_healthcheck_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml = format!(
        r"
services:
  db:
    image: {IMAGE}
    command: [sleep, infinity]
  api:
    image: {IMAGE}
    command: [sleep, infinity]
    depends_on:
      db:
        condition: service_healthy
"
    );
    let project = load(dir.path(), "lab", &yaml);
    let engine: Arc<dyn Engine> = Arc::new(fake());
    let err = up(engine, &project, &UpOptions::default(), &Recorder::new(), &CancellationToken::new())
        .await
        .expect_err("no healthcheck");
    assert_eq!(
        exec_errors(&err),
        ["dependency failed to start: container lab-db-1 has no healthcheck configured\n  dependency chain: api → db"]
    );
}

#[tokio::test(start_paused = true)]
async fn cancellation_stops_waiting() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Failures during the start period do not count: db stays "starting" for an hour.
    let yaml = chain_project("exit 1", "        condition: service_healthy").replace(
        "      retries: 2",
        "      retries: 2\n      start_period: 1h",
    );
    let project = load(dir.path(), "lab", &yaml);
    let fake = fake();
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let cancel = CancellationToken::new();
    let canceller = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        canceller.cancel();
    });
    let started = tokio::time::Instant::now();
    let err = up(engine, &project, &UpOptions::default(), &Recorder::new(), &cancel).await.expect_err("cancelled");
    assert!(err.is_cancelled(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(59), "waited {:?}", started.elapsed());
    assert_eq!(state(&fake, "lab-api-1").await, ContainerStatus::Created);
}

#[tokio::test(start_paused = true)]
async fn up_wait_times_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml = format!(
        r#"
services:
  slow:
    image: {IMAGE}
    command: [sleep, infinity]
    healthcheck:
      test: ["CMD-SHELL", "exit 1"]
      interval: 1s
      start_period: 1h
  quick:
    image: {IMAGE}
    command: [sleep, infinity]
"#
    );
    let project = load(dir.path(), "lab", &yaml);
    let engine: Arc<dyn Engine> = Arc::new(fake());
    let opts = UpOptions { wait: true, wait_timeout: Some(Duration::from_secs(10)), ..UpOptions::default() };
    let recorder = Recorder::new();
    let err = up(engine, &project, &opts, &recorder, &CancellationToken::new()).await.expect_err("times out");
    assert_eq!(exec_errors(&err), ["application not healthy after 10s"]);
    assert!(lines(&recorder).contains(&"Container lab-quick-1 Healthy".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn up_wait_succeeds_when_everything_is_healthy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = load(dir.path(), "lab", &chain_project("exit 0", "        condition: service_healthy"));
    let engine: Arc<dyn Engine> = Arc::new(fake());
    let opts = UpOptions { wait: true, ..UpOptions::default() };
    let recorder = Recorder::new();
    up(engine, &project, &opts, &recorder, &CancellationToken::new()).await.expect("healthy");
    let l = lines(&recorder);
    for name in ["lab-db-1", "lab-api-1", "lab-web-1"] {
        assert!(l.contains(&format!("Container {name} Healthy")), "{l:#?}");
    }
}

#[tokio::test(start_paused = true)]
async fn podman_health_checks_run_through_exec() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = load(dir.path(), "lab", &chain_project("exit 0", "        condition: service_healthy"));
    let fake = FakeEngine::with_options(ApiVersion::new(1, 41), None, true);
    fake.add_image(IMAGE, ImageConfig::default());
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    up(engine, &project, &UpOptions::default(), &Recorder::new(), &CancellationToken::new()).await.expect("healthy");
    let execs: Vec<String> = fake.calls().into_iter().filter(|c| c.starts_with("create_exec")).collect();
    assert!(!execs.is_empty(), "berth ran the health check itself: {:?}", fake.calls());
    assert_eq!(state(&fake, "lab-api-1").await, ContainerStatus::Running);
}
