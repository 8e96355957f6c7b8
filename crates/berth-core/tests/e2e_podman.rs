//! End-to-end on Podman 4.3 without systemd, which never runs health checks by itself:
//! `service_healthy` dependencies are met because berth runs the checks through `exec`.
//! Runs when Podman's Docker-compatible socket answers (`scripts/engine.sh --podman`); fails
//! instead of skipping when `BERTH_REQUIRE_PODMAN=1`.

mod exec_support;

use std::sync::Arc;

use berth_core::events::Recorder;
use berth_core::execute::CancellationToken;
use berth_core::ops::down::{down, DownOptions};
use berth_core::ops::up::{up, UpOptions};
use berth_engine::{ConnectOptions, ContainerStatus, DockerEngine, Engine};
use exec_support::{load, unique_project};

const SOCKET: &str = "unix:///run/podman/podman.sock";

async fn podman() -> Option<Arc<dyn Engine>> {
    let required = std::env::var("BERTH_REQUIRE_PODMAN").is_ok_and(|v| v == "1");
    let options = ConnectOptions { host: Some(SOCKET.to_owned()), context: None };
    let result = match DockerEngine::connect(&options).await {
        Ok(engine) => engine.ping().await.map(|()| engine).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(engine) if engine.capabilities().is_podman => Some(Arc::new(engine)),
        Ok(_) if required => panic!("{SOCKET} is not Podman"),
        Err(e) if required => panic!("Podman is required: {e}"),
        _ => {
            eprintln!("SKIPPED: no Podman at {SOCKET}; set BERTH_REQUIRE_PODMAN=1 to make this a failure");
            None
        }
    }
}

#[tokio::test]
async fn healthy_dependencies_are_met_on_podman_without_systemd() {
    let Some(engine) = podman().await else { return };
    let name = unique_project("e2epodman");
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml = r#"
services:
  db:
    image: berth-test/busybox:latest
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    healthcheck:
      test: ["CMD-SHELL", "test -d /tmp"]
      interval: 1s
  api:
    image: berth-test/busybox:latest
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    depends_on:
      db:
        condition: service_healthy
"#;
    let project = load(dir.path(), &name, yaml);
    let cancel = CancellationToken::new();
    let result = tokio::time::timeout(
        std::time::Duration::from_secs(150),
        up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &cancel),
    )
    .await;
    let api = engine.inspect_container(&format!("{name}-api-1")).await.map(|d| d.state.status);
    // Always tear down, then judge.
    let teardown = DownOptions { volumes: true, ..DownOptions::default() };
    let removed = down(Arc::clone(&engine), &name, None, &teardown, &Recorder::new(), &cancel).await;
    result.expect("up finishes").expect("up succeeds");
    assert_eq!(api.expect("api exists"), ContainerStatus::Running);
    removed.expect("down");
}
