//! End-to-end on Podman 4.3 without systemd, which never runs health checks by itself:
//! `service_healthy` dependencies are met because berth runs the checks through `exec`.
//! Runs in the Podman run (`BERTH_TEST_ENGINE=podman`, see docs/engines.md), where a missing
//! Podman fails with `BERTH_REQUIRE_ENGINE=1`; against Docker, which runs health checks
//! itself (`e2e_up` covers that), it says it is skipped.

mod exec_support;

use std::sync::Arc;

use berth_core::events::Recorder;
use berth_core::execute::CancellationToken;
use berth_core::ops::down::{down, DownOptions};
use berth_core::ops::up::{up, UpOptions};
use berth_engine::{ContainerStatus, Engine};
use exec_support::{is_podman, load, real_engine, unique_project};

async fn podman() -> Option<Arc<dyn Engine>> {
    if !is_podman() {
        eprintln!("SKIPPED: a Podman scenario; it runs with BERTH_TEST_ENGINE=podman (scripts/test.sh's Podman run)");
        return None;
    }
    real_engine().await
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
