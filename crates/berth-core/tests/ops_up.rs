//! `up` on the fake engine: creation order, dependency waits, idempotence, recreation of
//! exactly the changed service, scaling, and the events reported.

mod exec_support;

use std::sync::Arc;

use berth_core::events::Recorder;
use berth_core::execute::CancellationToken;
use berth_core::ops::up::{up, UpOptions};
use berth_core::plan::{Action, Cause};
use berth_engine::{ContainerListOptions, ContainerStatus, Engine, FakeEngine, Filters, ImageConfig};
use exec_support::{load, lines, position};

const IMAGE: &str = "berth-test/busybox:latest";

fn engine() -> FakeEngine {
    let fake = FakeEngine::new();
    fake.add_image(IMAGE, ImageConfig::default());
    fake
}

fn three_tier(env: &str) -> String {
    format!(
        r#"
services:
  db:
    image: {IMAGE}
    command: ["sleep", "infinity"]
    healthcheck:
      test: ["CMD-SHELL", "exit 0"]
      interval: 1s
      retries: 2
  api:
    image: {IMAGE}
    command: ["sleep", "infinity"]
    environment:
      MODE: "{env}"
    depends_on:
      db:
        condition: service_healthy
  web:
    image: {IMAGE}
    command: ["sleep", "infinity"]
    depends_on: [api]
"#
    )
}

async fn containers(engine: &FakeEngine, project: &str) -> Vec<(String, ContainerStatus, String)> {
    let mut list: Vec<_> = engine
        .list_containers(&ContainerListOptions {
            all: true,
            filters: Filters::new().label(format!("com.docker.compose.project={project}")),
        })
        .await
        .expect("list")
        .into_iter()
        .map(|c| (c.name().to_owned(), c.state, c.id))
        .collect();
    list.sort_by(|a, b| a.0.cmp(&b.0));
    list
}

#[tokio::test(start_paused = true)]
async fn up_creates_in_dependency_order_and_waits_for_health() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = load(dir.path(), "lab", &three_tier("a"));
    let fake = engine();
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let recorder = Recorder::new();
    let outcome = up(Arc::clone(&engine), &project, &UpOptions::default(), &recorder, &CancellationToken::new())
        .await
        .expect("up succeeds");

    let names: Vec<(String, ContainerStatus)> =
        containers(&fake, "lab").await.into_iter().map(|(n, s, _)| (n, s)).collect();
    assert_eq!(
        names,
        vec![
            ("lab-api-1".to_owned(), ContainerStatus::Running),
            ("lab-db-1".to_owned(), ContainerStatus::Running),
            ("lab-web-1".to_owned(), ContainerStatus::Running),
        ]
    );
    let l = lines(&recorder);
    // Network first, then containers; api starts only once db is healthy, web after api.
    assert_eq!(l.first().map(String::as_str), Some("Network lab_default Creating"));
    assert!(position(&l, "Network lab_default Created") < position(&l, "Container lab-db-1 Creating"));
    assert!(position(&l, "Container lab-db-1 Started") < position(&l, "Container lab-db-1 Waiting"));
    assert!(position(&l, "Container lab-db-1 Healthy") < position(&l, "Container lab-api-1 Starting"));
    assert!(position(&l, "Container lab-api-1 Started") < position(&l, "Container lab-web-1 Starting"));
    assert_eq!(outcome.report.created.len(), 3);
    assert_eq!(outcome.report.containers.get("web").map(Vec::len), Some(1));
}

#[tokio::test(start_paused = true)]
async fn up_again_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = load(dir.path(), "lab", &three_tier("a"));
    let fake = engine();
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let cancel = CancellationToken::new();
    up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &cancel).await.expect("first up");
    let before = containers(&fake, "lab").await;
    let calls = fake.calls().len();

    let recorder = Recorder::new();
    let outcome = up(Arc::clone(&engine), &project, &UpOptions::default(), &recorder, &cancel).await.expect("second up");
    assert_eq!(containers(&fake, "lab").await, before);
    // Only the dependency wait remains; no engine call changes anything.
    assert!(outcome.plan.operations.iter().all(|op| matches!(op.action, Action::WaitDependency { .. })), "{}", outcome.plan);
    assert_eq!(fake.calls().len(), calls, "{:?}", &fake.calls()[calls..]);
    let l = lines(&recorder);
    for name in ["lab-db-1", "lab-api-1", "lab-web-1"] {
        assert!(l.contains(&format!("Container {name} Running")), "{l:#?}");
    }
    assert!(l.contains(&"Container lab-db-1 Healthy".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn changing_one_environment_recreates_only_that_service() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = engine();
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let cancel = CancellationToken::new();
    let project = load(dir.path(), "lab", &three_tier("a"));
    up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &cancel).await.expect("first up");
    let before = containers(&fake, "lab").await;

    let changed = load(dir.path(), "lab", &three_tier("b"));
    let recorder = Recorder::new();
    let outcome = up(Arc::clone(&engine), &changed, &UpOptions::default(), &recorder, &cancel).await.expect("second up");
    let after = containers(&fake, "lab").await;

    let id = |list: &[(String, ContainerStatus, String)], name: &str| {
        list.iter().find(|(n, _, _)| n == name).map(|(_, _, id)| id.clone())
    };
    assert_eq!(id(&before, "lab-db-1"), id(&after, "lab-db-1"));
    assert_ne!(id(&before, "lab-api-1"), id(&after, "lab-api-1"));
    // web depends on api: Docker Compose recreates dependants of a recreated service.
    assert_ne!(id(&before, "lab-web-1"), id(&after, "lab-web-1"));
    assert!(after.iter().all(|(_, s, _)| *s == ContainerStatus::Running));

    let api_cause = outcome
        .plan
        .operations
        .iter()
        .find_map(|op| match &op.action {
            Action::CreateContainer { service, .. } if service == "api" => Some(op.cause.clone()),
            _ => None,
        })
        .expect("api recreated");
    assert_eq!(api_cause, Cause::ConfigChanged { fields: vec!["environment.MODE".to_owned()] }, "{}", outcome.plan);
    let l = lines(&recorder);
    assert!(position(&l, "Container lab-api-1 Recreate") < position(&l, "Container lab-api-1 Recreated"));
    assert!(l.contains(&"Container lab-db-1 Running".to_owned()));
    // The replacement carries the replace label with the old container's id.
    let details = fake.inspect_container("lab-api-1").await.expect("inspect");
    assert_eq!(details.config.labels.get("com.docker.compose.replace"), id(&before, "lab-api-1").as_ref());
}

#[tokio::test(start_paused = true)]
async fn scaling_down_removes_the_highest_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = engine();
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let cancel = CancellationToken::new();
    let yaml = format!("services:\n  worker:\n    image: {IMAGE}\n    command: [sleep, infinity]\n");
    let project = load(dir.path(), "lab", &yaml);
    let three = UpOptions { scale: [("worker".to_owned(), 3)].into(), ..UpOptions::default() };
    up(Arc::clone(&engine), &project, &three, &Recorder::new(), &cancel).await.expect("scale 3");
    let names: Vec<String> = containers(&fake, "lab").await.into_iter().map(|(n, _, _)| n).collect();
    assert_eq!(names, ["lab-worker-1", "lab-worker-2", "lab-worker-3"]);
    let first = containers(&fake, "lab").await;

    let one = UpOptions { scale: [("worker".to_owned(), 1)].into(), ..UpOptions::default() };
    let recorder = Recorder::new();
    up(Arc::clone(&engine), &project, &one, &recorder, &cancel).await.expect("scale 1");
    let left = containers(&fake, "lab").await;
    assert_eq!(left.len(), 1);
    assert_eq!(left.first(), first.first(), "worker-1 is kept as it was");
    let l = lines(&recorder);
    for n in [2, 3] {
        assert!(position(&l, &format!("Container lab-worker-{n} Stopping")) < position(&l, &format!("Container lab-worker-{n} Removed")));
    }
    assert!(l.contains(&"Container lab-worker-1 Running".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn no_start_creates_without_starting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = engine();
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let project = load(dir.path(), "lab", &three_tier("a"));
    let opts = UpOptions { no_start: true, ..UpOptions::default() };
    up(Arc::clone(&engine), &project, &opts, &Recorder::new(), &CancellationToken::new()).await.expect("create");
    assert!(containers(&fake, "lab").await.iter().all(|(_, s, _)| *s == ContainerStatus::Created));
}
