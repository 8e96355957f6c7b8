//! `stop`, `start`, `restart`, `kill`, `rm`, `pause`, `unpause` on the fake engine, with and
//! without the compose file, and `--parallel`.

mod exec_support;

use std::sync::Arc;

use berth_core::events::Recorder;
use berth_core::execute::CancellationToken;
use berth_core::ops::kill::{kill, KillOptions};
use berth_core::ops::pause::pause;
use berth_core::ops::restart::{restart, RestartOptions};
use berth_core::ops::rm::{rm, RmOptions};
use berth_core::ops::start::{start, StartOptions};
use berth_core::ops::stop::{stop, StopOptions};
use berth_core::ops::unpause::unpause;
use berth_core::ops::up::{up, UpOptions};
use berth_core::ops::RunOptions;
use berth_engine::{ContainerStatus, Engine, FakeEngine, ImageConfig};
use exec_support::{lines, load, position};

const IMAGE: &str = "berth-test/busybox:latest";

async fn setup(dir: &std::path::Path, parallel: Option<usize>) -> (FakeEngine, Arc<dyn Engine>, berth_spec::model::Project) {
    let fake = FakeEngine::new();
    fake.add_image(IMAGE, ImageConfig::default());
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let yaml = format!(
        r"
services:
  db:
    image: {IMAGE}
    command: [sleep, infinity]
    stop_grace_period: 7s
  api:
    image: {IMAGE}
    command: [sleep, infinity]
    scale: 2
    depends_on:
      db:
        condition: service_started
        restart: true
"
    );
    let project = load(dir, "lab", &yaml);
    let opts = UpOptions { run: RunOptions { parallel, dry_run: false }, ..UpOptions::default() };
    up(Arc::clone(&engine), &project, &opts, &Recorder::new(), &CancellationToken::new()).await.expect("up");
    (fake, engine, project)
}

async fn status(engine: &dyn Engine, name: &str) -> ContainerStatus {
    engine.inspect_container(name).await.expect("inspect").state.status
}

#[tokio::test(start_paused = true)]
async fn stop_goes_dependants_first_then_start_brings_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_fake, engine, project) = setup(dir.path(), Some(1)).await;
    let recorder = Recorder::new();
    stop(Arc::clone(&engine), "lab", None, &StopOptions::default(), &recorder, &CancellationToken::new()).await.expect("stop");
    let l = lines(&recorder);
    assert!(position(&l, "Container lab-api-1 Stopped") < position(&l, "Container lab-db-1 Stopping"));
    assert!(position(&l, "Container lab-api-2 Stopped") < position(&l, "Container lab-db-1 Stopping"));
    for name in ["lab-db-1", "lab-api-1", "lab-api-2"] {
        assert_eq!(status(engine.as_ref(), name).await, ContainerStatus::Exited);
    }
    let recorder = Recorder::new();
    start(Arc::clone(&engine), "lab", Some(&project), &StartOptions::default(), &recorder, &CancellationToken::new())
        .await
        .expect("start");
    let l = lines(&recorder);
    assert!(position(&l, "Container lab-db-1 Started") < position(&l, "Container lab-api-1 Starting"));
    for name in ["lab-db-1", "lab-api-1", "lab-api-2"] {
        assert_eq!(status(engine.as_ref(), name).await, ContainerStatus::Running);
    }
}

#[tokio::test(start_paused = true)]
async fn restart_includes_dependants_with_restart_true() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_fake, engine, _project) = setup(dir.path(), None).await;
    let recorder = Recorder::new();
    let opts = RestartOptions { services: vec!["db".into()], ..RestartOptions::default() };
    restart(Arc::clone(&engine), "lab", None, &opts, &recorder, &CancellationToken::new()).await.expect("restart");
    let l = lines(&recorder);
    assert!(position(&l, "Container lab-db-1 Started") < position(&l, "Container lab-api-1 Restarting"));
    assert!(l.contains(&"Container lab-api-2 Started".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn kill_then_rm_removes_only_stopped_containers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_fake, engine, project) = setup(dir.path(), None).await;
    let opts = KillOptions { services: vec!["api".into()], signal: Some("SIGKILL".into()), ..KillOptions::default() };
    let recorder = Recorder::new();
    kill(Arc::clone(&engine), "lab", Some(&project), &opts, &recorder, &CancellationToken::new()).await.expect("kill");
    assert!(lines(&recorder).contains(&"Container lab-api-1 Killed".to_owned()));
    assert_eq!(status(engine.as_ref(), "lab-api-2").await, ContainerStatus::Exited);
    assert_eq!(status(engine.as_ref(), "lab-db-1").await, ContainerStatus::Running);

    let asked = std::sync::Mutex::new(Vec::new());
    let confirm = |names: &[String]| {
        asked.lock().expect("lock").extend(names.iter().cloned());
        true
    };
    let recorder = Recorder::new();
    rm(Arc::clone(&engine), "lab", None, &RmOptions::default(), &confirm, &recorder, &CancellationToken::new())
        .await
        .expect("rm");
    let mut asked = asked.lock().expect("lock").clone();
    asked.sort();
    assert_eq!(asked, ["lab-api-1", "lab-api-2"]);
    assert!(engine.inspect_container("lab-api-1").await.is_err());
    assert_eq!(status(engine.as_ref(), "lab-db-1").await, ContainerStatus::Running);

    // -s stops first, then removes what is left.
    let opts = RmOptions { stop: true, force: true, ..RmOptions::default() };
    rm(Arc::clone(&engine), "lab", None, &opts, &|_: &[String]| true, &Recorder::new(), &CancellationToken::new())
        .await
        .expect("rm -s");
    assert!(engine.inspect_container("lab-db-1").await.is_err());
}

#[tokio::test(start_paused = true)]
async fn pause_and_unpause() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_fake, engine, _project) = setup(dir.path(), None).await;
    let recorder = Recorder::new();
    pause(Arc::clone(&engine), "lab", None, &["db".to_owned()], &RunOptions::default(), &recorder, &CancellationToken::new())
        .await
        .expect("pause");
    assert_eq!(lines(&recorder), ["Container lab-db-1 Paused"]);
    assert_eq!(status(engine.as_ref(), "lab-db-1").await, ContainerStatus::Paused);
    let recorder = Recorder::new();
    unpause(Arc::clone(&engine), "lab", None, &[], &RunOptions::default(), &recorder, &CancellationToken::new())
        .await
        .expect("unpause");
    assert_eq!(lines(&recorder), ["Container lab-db-1 Unpaused"]);
    assert_eq!(status(engine.as_ref(), "lab-db-1").await, ContainerStatus::Running);
}

#[tokio::test(start_paused = true)]
async fn stop_grace_period_is_the_containers_own_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_fake, engine, _project) = setup(dir.path(), None).await;
    let details = engine.inspect_container("lab-db-1").await.expect("inspect");
    assert_eq!(details.config.stop_timeout, Some(7));
}
