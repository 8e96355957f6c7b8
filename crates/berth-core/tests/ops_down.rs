//! `down` on the fake engine: everything the project made goes, from the project name alone
//! too, and a failure does not stop the teardown.

mod exec_support;

use std::sync::Arc;

use berth_core::events::Recorder;
use berth_core::execute::{CancellationToken, ExecError};
use berth_core::ops::down::{down, DownOptions};
use berth_core::ops::up::{up, UpOptions};
use berth_core::ops::{OpsError, RunOptions};
use berth_core::reconcile::ImagePrune;
use berth_engine::{
    ContainerListOptions, Engine, EngineError, FakeEngine, Filters, ImageConfig, ListOptions,
};
use exec_support::{lines, load, position, warnings};

const IMAGE: &str = "berth-test/busybox:latest";

fn yaml() -> String {
    format!(
        r"
services:
  db:
    image: {IMAGE}
    command: [sleep, infinity]
    volumes: [data:/data]
  api:
    image: {IMAGE}
    command: [sleep, infinity]
    depends_on: [db]
  web:
    image: {IMAGE}
    command: [sleep, infinity]
    depends_on: [api]
volumes:
  data: {{}}
"
    )
}

async fn setup(dir: &std::path::Path) -> (FakeEngine, Arc<dyn Engine>, berth_spec::model::Project) {
    let fake = FakeEngine::new();
    fake.add_image(IMAGE, ImageConfig::default());
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let project = load(dir, "lab", &yaml());
    up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &CancellationToken::new())
        .await
        .expect("up");
    (fake, engine, project)
}

async fn leftovers(engine: &dyn Engine) -> (usize, usize, usize) {
    let by_project = Filters::new().label("com.docker.compose.project=lab");
    let containers = engine
        .list_containers(&ContainerListOptions { all: true, filters: by_project.clone() })
        .await
        .expect("containers")
        .len();
    let networks = engine.list_networks(&ListOptions { filters: by_project.clone() }).await.expect("networks").len();
    let volumes = engine.list_volumes(&ListOptions { filters: by_project }).await.expect("volumes").len();
    (containers, networks, volumes)
}

#[tokio::test(start_paused = true)]
async fn down_removes_everything_dependants_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_fake, engine, project) = setup(dir.path()).await;
    let recorder = Recorder::new();
    let opts = DownOptions { volumes: true, ..DownOptions::default() };
    down(Arc::clone(&engine), "lab", Some(&project), &opts, &recorder, &CancellationToken::new()).await.expect("down");
    assert_eq!(leftovers(engine.as_ref()).await, (0, 0, 0));
    let l = lines(&recorder);
    assert!(position(&l, "Container lab-web-1 Removed") < position(&l, "Container lab-api-1 Stopping"));
    assert!(position(&l, "Container lab-api-1 Removed") < position(&l, "Container lab-db-1 Stopping"));
    assert!(position(&l, "Container lab-db-1 Removed") < position(&l, "Network lab_default Removing"));
    assert!(l.contains(&"Network lab_default Removed".to_owned()));
    assert!(l.contains(&"Volume lab_data Removed".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn down_works_from_the_project_name_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_fake, engine, _project) = setup(dir.path()).await;
    let opts = DownOptions { volumes: true, ..DownOptions::default() };
    down(Arc::clone(&engine), "lab", None, &opts, &Recorder::new(), &CancellationToken::new()).await.expect("down");
    assert_eq!(leftovers(engine.as_ref()).await, (0, 0, 0));
    // Nothing left: a second down warns and succeeds.
    let recorder = Recorder::new();
    down(Arc::clone(&engine), "lab", None, &opts, &recorder, &CancellationToken::new()).await.expect("down again");
    assert_eq!(warnings(&recorder), ["No resource found to remove for project \"lab\"."]);
}

#[tokio::test(start_paused = true)]
async fn down_keeps_going_after_a_failure_and_reports_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (fake, engine, project) = setup(dir.path()).await;
    let api = engine.inspect_container("lab-api-1").await.expect("api").id;
    fake.inject_failure(
        "remove_container",
        Some(&api),
        EngineError::Api { status: 500, message: "driver failed to remove root filesystem".into() },
    );
    let recorder = Recorder::new();
    let err = down(Arc::clone(&engine), "lab", Some(&project), &DownOptions::default(), &recorder, &CancellationToken::new())
        .await
        .expect_err("one removal fails");
    let OpsError::Exec { source: ExecError::Failed { errors, .. }, .. } = &err else { panic!("{err:?}") };
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(messages, ["removing container lab-api-1: driver failed to remove root filesystem"]);
    // The dependency of the failed service went anyway.
    let l = lines(&recorder);
    assert!(l.contains(&"Container lab-db-1 Removed".to_owned()), "{l:#?}");
    assert!(l.contains(&"Container lab-api-1 Error while Removing".to_owned()));
    let remaining: Vec<String> = engine
        .list_containers(&ContainerListOptions { all: true, filters: Filters::new().label("com.docker.compose.project=lab") })
        .await
        .expect("list")
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    assert_eq!(remaining, ["lab-api-1"]);
}

#[tokio::test(start_paused = true)]
async fn down_rmi_all_removes_service_images() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_fake, engine, project) = setup(dir.path()).await;
    let opts = DownOptions { images: ImagePrune::All, ..DownOptions::default() };
    let recorder = Recorder::new();
    down(Arc::clone(&engine), "lab", Some(&project), &opts, &recorder, &CancellationToken::new()).await.expect("down");
    assert!(lines(&recorder).contains(&format!("Image {IMAGE} Removed")), "{:#?}", lines(&recorder));
    assert!(engine.inspect_image(IMAGE).await.is_err_and(|e| e.is_not_found()));
}

#[tokio::test(start_paused = true)]
async fn dry_run_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (fake, engine, project) = setup(dir.path()).await;
    let calls = fake.calls().len();
    let opts = DownOptions { volumes: true, run: RunOptions { dry_run: true, parallel: None }, ..DownOptions::default() };
    let recorder = Recorder::new();
    let outcome = down(Arc::clone(&engine), "lab", Some(&project), &opts, &recorder, &CancellationToken::new())
        .await
        .expect("dry run");
    assert_eq!(fake.calls().len(), calls);
    assert_eq!(leftovers(engine.as_ref()).await, (3, 1, 1));
    assert!(outcome.plan.to_string().contains("remove container lab-web-1 with its anonymous volumes (down)"), "{}", outcome.plan);
    assert!(lines(&recorder).contains(&"Container lab-web-1 Removed".to_owned()));
}
